"""Word heads: an auxiliary loss that makes every padding token of the text encoder name every word of the caption.

Why (measured on ``data/tiny-t2v-base``, the shipped model before the shape losses, ``text_token_spread``): the
pipeline pads each prompt to 226 tokens, and the jointly trained T5 encoder spread the colour and the direction word into all ~220 padding tokens (changing
"red" to "blue" moves each padding token's 64 features by 9.4 on average, "left" to "right" by 3.7), but left the
shape word almost only in its own token ("circle" to "square": 8.3 at the word, 0.5 on the padding). A video token
that attends over the text finds colour and direction wherever it looks, and the shape only if it finds the one
token that holds it.

The loss: a linear head per kind of word (colour, shape, direction) reads each padding token's features and must
name the caption's word, cross-entropy averaged over the padding tokens of the clips whose caption was kept::

    L = L_diffusion + lambda * sum_kind CE(W_kind h_pad, word_kind)

The heads exist only in training; the saved pipeline is unchanged in kind (its text encoder just spreads the words).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .shapes import COLORS, DIRECTIONS, SHAPES
from .text_encoder import encode_ids

#: the kinds of word the heads name, and their words (class index = position in the tuple)
WORD_KINDS: dict[str, tuple[str, ...]] = {"color": tuple(COLORS), "shape": tuple(SHAPES), "direction": tuple(DIRECTIONS)}


def word_token_ids(tokenizer, kind: str) -> torch.Tensor:
    """Token ids ``(k,)`` of the words of one kind (:data:`WORD_KINDS` order); a KeyError names a word the tokenizer lacks."""
    vocab = tokenizer.get_vocab()
    return torch.tensor([vocab[w] for w in WORD_KINDS[kind]])


def word_labels(tokenizer, input_ids: torch.Tensor) -> dict[str, torch.Tensor]:
    """Token ids ``(B, L)`` -> ``{kind: (B,)}`` class of each caption's word of that kind, -1 where it has none."""
    out = {}
    for kind in WORD_KINDS:
        ids = word_token_ids(tokenizer, kind).to(input_ids.device)  # (k,)
        hits = input_ids[:, :, None] == ids  # (B, L, k)
        found = hits.any(dim=1)  # (B, k)
        out[kind] = torch.where(found.any(dim=1), found.float().argmax(dim=1), torch.full_like(found[:, 0], -1, dtype=torch.long))  # (B,)
    return out


class WordHeads(nn.Module):
    """Linear heads from one text token's features to each kind of word; :meth:`forward` is the auxiliary loss."""

    def __init__(self, tokenizer, width: int, weight: float) -> None:
        super().__init__()
        if not weight > 0:
            raise ValueError(f"weight must be > 0, got {weight}")
        self.tokenizer, self.weight = tokenizer, weight
        self.heads = nn.ModuleDict({kind: nn.Linear(width, len(words)) for kind, words in WORD_KINDS.items()})

    def forward(self, context: torch.Tensor, input_ids: torch.Tensor) -> torch.Tensor:
        """Context ``(B, L, D)`` and its token ids ``(B, L)`` -> ``weight`` x the summed cross-entropy over padding tokens."""
        pad = input_ids == self.tokenizer.pad_token_id  # (B, L)
        labels = word_labels(self.tokenizer, input_ids)  # {kind: (B,)}
        loss = context.new_zeros(())
        for kind, head in self.heads.items():
            target = labels[kind][:, None].expand_as(pad)  # (B, L)
            use = pad & (target >= 0)  # (B, L) padding tokens of captions that name a word of this kind
            if use.any():
                loss = loss + F.cross_entropy(head(context[use]), target[use])  # context[use]: (N, D)
        return self.weight * loss


def text_token_spread(text_encoder, tokenizer, caption: str, changes: dict[str, str]) -> dict[str, dict[str, float]]:
    """How far one word reaches: for each ``{old word: new word}`` change of ``caption``, the mean norm of the change of
    the padding tokens' features and the largest change at any caption token: ``{new word: {"padding", "caption"}}``."""
    from .text_encoder import tokenize

    def encode(text: str) -> tuple[torch.Tensor, torch.Tensor]:
        ids = tokenize(tokenizer, [text])  # (1, L)
        with torch.no_grad():
            return encode_ids(text_encoder, ids)[0], ids[0]  # (L, D), (L,)

    base, ids = encode(caption)
    pad = ids == tokenizer.pad_token_id  # (L,)
    out = {}
    for old, new in changes.items():
        if f" {old} " not in f" {caption} ":
            raise ValueError(f"{old!r} is not a word of {caption!r}")
        other, _ = encode(f" {caption} ".replace(f" {old} ", f" {new} ").strip())
        delta = (other - base).norm(dim=1)  # (L,)
        out[new] = {"padding": float(delta[pad].mean()), "caption": float(delta[~pad].max())}
    return out
