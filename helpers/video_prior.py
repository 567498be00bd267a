"""A GPT-style prior over video tokens, conditioned on the caption (the second stage of VideoGPT).

The sequence the transformer reads is the caption's 5 words, then the clip's tokens in raster order
(time, then row, then column)::

    a  red  circle  moving  left | v_0  v_1  ...  v_255        (4 x 8 x 8 = 256 video tokens)

With causal self-attention, position ``i`` sees positions ``<= i`` only, and the output at the last
caption word predicts ``v_0``, the output at ``v_0`` predicts ``v_1``, and so on: one cross-entropy
per video token, ``-log p(v_i | caption, v_<i)``. Positions are learned embeddings: one per caption
slot, and for video tokens the sum of a time, a row and a column embedding (VideoGPT's
"spatio-temporal position encodings").

Sampling draws ``v_0, v_1, ...`` one at a time (temperature, top-k). A **KV cache** keeps every
layer's keys and values of the positions already seen, so each new token costs one position's
work instead of re-running the whole prefix (:func:`sample` with ``use_cache=False`` does the
latter; both give the same tokens for the same generator).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn
from tqdm.auto import tqdm

from .shapes import COLORS, DIRECTIONS, SHAPES, parse_caption
from .model_files import read_model, save_model

#: the caption vocabulary: every word of "a {color} {shape} moving {direction}"
CAPTION_WORDS: tuple[str, ...] = ("a", "moving", *COLORS, *SHAPES, *DIRECTIONS)
CAPTION_LENGTH = 5

KVCache = list[tuple[torch.Tensor, torch.Tensor]]  # per layer: keys, values (B, heads, L, head_dim)


@dataclass
class VideoPriorConfig:
    """Sizes of the prior; ``grid`` is the tokenizer's token grid ``(T, h, w)``."""

    codebook_size: int = 256
    grid: tuple[int, int, int] = (4, 8, 8)
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 64
    dropout: float = 0.0

    def __post_init__(self) -> None:
        self.grid = tuple(self.grid)
        if len(self.grid) != 3 or min(self.grid) < 1:
            raise ValueError(f"grid must be 3 positive ints (T, h, w), got {self.grid}")
        if self.n_embd % self.n_head:
            raise ValueError(f"n_embd={self.n_embd} must be divisible by n_head={self.n_head}")

    @property
    def video_length(self) -> int:
        """Video tokens per clip: ``T * h * w``."""
        return math.prod(self.grid)

    @property
    def block_size(self) -> int:
        """Longest input: the caption and every video token but the last."""
        return CAPTION_LENGTH + self.video_length - 1


def caption_ids(captions: Sequence[str]) -> torch.Tensor:
    """Captions -> word ids ``(B, 5)``; raises on a caption outside the grammar."""
    index = {word: i for i, word in enumerate(CAPTION_WORDS)}
    rows = []
    for caption in captions:
        combo = parse_caption(caption)
        rows.append([index[w] for w in ("a", combo.color, combo.shape, "moving", combo.direction)])
    return torch.tensor(rows, dtype=torch.long)


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention where position i sees positions <= i; optional KV cache."""

    def __init__(self, cfg: VideoPriorConfig) -> None:
        super().__init__()
        self.n_head = cfg.n_head
        self.qkv = nn.Linear(cfg.n_embd, 3 * cfg.n_embd)
        self.proj = nn.Linear(cfg.n_embd, cfg.n_embd)
        self.dropout = cfg.dropout

    def forward(self, x: torch.Tensor, past: tuple[torch.Tensor, torch.Tensor] | None = None):
        """``x (B, L, C)`` (the new positions) -> ``(B, L, C)`` and this layer's keys/values of all positions so far."""
        q, k, v = rearrange(self.qkv(x), "b l (three h d) -> three b h l d", three=3, h=self.n_head)  # each (B, H, L, d)
        if past is not None:
            k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)  # (B, H, L_past + L, d)
        new, total = q.shape[2], k.shape[2]
        mask, causal = None, past is None and new > 1  # no past: plain causal mask (the fast fused kernel)
        if past is not None and new > 1:  # new position j (absolute total - new + j) sees keys 0 .. total - new + j
            mask = torch.ones(new, total, dtype=torch.bool, device=x.device).tril(diagonal=total - new)  # (L, L_total)
        dropout = self.dropout if self.training else 0.0
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal, dropout_p=dropout)  # (B, H, L, d)
        return self.proj(rearrange(y, "b h l d -> b l (h d)")), (k, v)


class Block(nn.Module):
    """Pre-norm transformer block: ``x + attn(ln(x))``, then ``x + mlp(ln(x))``."""

    def __init__(self, cfg: VideoPriorConfig) -> None:
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(cfg.n_embd), nn.LayerNorm(cfg.n_embd)
        self.attn = CausalSelfAttention(cfg)
        self.mlp = nn.Sequential(nn.Linear(cfg.n_embd, 4 * cfg.n_embd), nn.GELU(), nn.Linear(4 * cfg.n_embd, cfg.n_embd))

    def forward(self, x: torch.Tensor, past=None):
        attended, present = self.attn(self.ln1(x), past)
        x = x + attended
        return x + self.mlp(self.ln2(x)), present


class VideoPrior(nn.Module):
    """Caption ids ``(B, 5)`` + video ids ``(B, N)`` -> next-token logits ``(B, N, codebook_size)``."""

    def __init__(self, config: VideoPriorConfig | None = None) -> None:
        super().__init__()
        self.config = cfg = config or VideoPriorConfig()
        self.word_emb = nn.Embedding(len(CAPTION_WORDS), cfg.n_embd)
        self.code_emb = nn.Embedding(cfg.codebook_size, cfg.n_embd)
        self.caption_pos = nn.Parameter(torch.zeros(CAPTION_LENGTH, cfg.n_embd))
        self.time_pos = nn.Parameter(torch.zeros(cfg.grid[0], cfg.n_embd))
        self.row_pos = nn.Parameter(torch.zeros(cfg.grid[1], cfg.n_embd))
        self.col_pos = nn.Parameter(torch.zeros(cfg.grid[2], cfg.n_embd))
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.ln_f = nn.LayerNorm(cfg.n_embd)
        self.head = nn.Linear(cfg.n_embd, cfg.codebook_size, bias=False)
        self.apply(self._init)
        for p in (self.caption_pos, self.time_pos, self.row_pos, self.col_pos):
            nn.init.normal_(p, std=0.02)

    @staticmethod
    def _init(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def video_positions(self) -> torch.Tensor:
        """Spatio-temporal position embeddings of all video tokens in raster order: ``(T*h*w, C)``."""
        t, h, w = self.config.grid
        pos = self.time_pos[:, None, None] + self.row_pos[None, :, None] + self.col_pos[None, None, :]  # (T, h, w, C)
        return rearrange(pos, "t h w c -> (t h w) c")

    def embed(self, captions: torch.Tensor | None, video: torch.Tensor | None, start: int = 0) -> torch.Tensor:
        """Embeddings of the caption ``(B, 5)`` (or None) then video ids ``(B, N)`` placed at video index ``start``: ``(B, L, C)``."""
        parts = []
        if captions is not None:
            parts.append(self.word_emb(captions) + self.caption_pos)  # (B, 5, C)
        if video is not None and video.shape[1]:
            positions = self.video_positions()[start : start + video.shape[1]]  # (N, C)
            parts.append(self.code_emb(video) + positions)  # (B, N, C)
        return torch.cat(parts, dim=1)

    def forward(self, captions: torch.Tensor | None, video: torch.Tensor | None, past: KVCache | None = None, start: int = 0):
        """Logits ``(B, L, K)`` for each new position and the updated cache (``past`` holds earlier positions)."""
        x = self.embed(captions, video, start)  # (B, L, C)
        if past is None and x.shape[1] > self.config.block_size:
            raise ValueError(f"sequence of {x.shape[1]} positions exceeds block_size={self.config.block_size}")
        presents: KVCache = []
        for i, block in enumerate(self.blocks):
            x, present = block(x, None if past is None else past[i])  # (B, L, C)
            presents.append(present)
        return self.head(self.ln_f(x)), presents  # (B, L, K)

    def loss(self, captions: torch.Tensor, video: torch.Tensor) -> torch.Tensor:
        """Mean ``-log p(v_i | caption, v_<i)`` over all video tokens; ``video`` is ``(B, T, h, w)`` or ``(B, N)``."""
        video = rearrange(video, "b t h w -> b (t h w)") if video.ndim == 4 else video  # (B, N)
        if video.shape[1] != self.config.video_length:
            raise ValueError(f"expected {self.config.video_length} video tokens per clip, got {video.shape[1]}")
        logits, _ = self(captions, video[:, :-1])  # (B, 5 + N - 1, K)
        predictions = logits[:, CAPTION_LENGTH - 1 :]  # (B, N, K): the last caption word predicts v_0
        return F.cross_entropy(rearrange(predictions, "b n k -> (b n) k"), video.flatten())


def prior_loss(model: VideoPrior, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, dict[str, float]]:
    """``loss_fn`` for :func:`helpers.trainer.train`: batch ``{"captions": (B, 5), "tokens": (B, T, h, w)}``."""
    loss = model.loss(batch["captions"], batch["tokens"])
    return loss, {"bits_per_token": loss.item() / math.log(2)}


def top_k_filter(logits: torch.Tensor, k: int | None) -> torch.Tensor:
    """Keep the ``k`` largest logits of each row, set the rest to ``-inf`` (``None``: keep all)."""
    if k is None or k >= logits.shape[-1]:
        return logits
    if k < 1:
        raise ValueError(f"top_k must be >= 1 or None, got {k}")
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]  # (..., 1)
    return logits.masked_fill(logits < kth, float("-inf"))


def _draw(logits: torch.Tensor, temperature: float, top_k: int | None, generator: torch.Generator | None) -> torch.Tensor:
    """One token per row from ``logits (B, K)``: ``(B,)``."""
    if temperature == 0:
        return logits.argmax(-1)
    probs = F.softmax(top_k_filter(logits / temperature, top_k), dim=-1)  # (B, K)
    return torch.multinomial(probs.float().cpu(), 1, generator=generator).squeeze(1).to(logits.device)


@torch.no_grad()
def sample(
    model: VideoPrior,
    captions: Sequence[str],
    temperature: float = 1.0,
    top_k: int | None = None,
    generator: torch.Generator | None = None,
    use_cache: bool = True,
    progress: bool = True,
    stop_after: int | None = None,
) -> torch.Tensor:
    """Draw token grids ``(B, T, h, w)`` for captions, one token at a time (``temperature=0``: greedy).

    ``stop_after=n`` stops after the first ``n`` tokens and returns them flat, ``(B, n)`` (for timing).

    1. run the caption through the model (filling the cache); 2. draw ``v_0`` from the last
    position's logits; 3. for each next token, feed only the previous token (with the cache) or the
    whole prefix again (without), and draw from the last position's logits.
    """
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    cfg = model.config
    length = cfg.video_length if stop_after is None else stop_after
    if not 1 <= length <= cfg.video_length:
        raise ValueError(f"stop_after must be in [1, {cfg.video_length}], got {stop_after}")
    model.eval()
    device = next(model.parameters()).device
    words = caption_ids(captions).to(device)  # (B, 5)
    tokens = torch.zeros(len(words), cfg.video_length, dtype=torch.long, device=device)  # (B, N)
    logits, cache = model(words, None)  # 1. (B, 5, K)
    for i in tqdm(range(length), desc="sampling tokens", disable=not progress, leave=False):
        if i > 0:  # 3. the logits that predict token i
            if use_cache:
                logits, cache = model(None, tokens[:, i - 1 : i], past=cache, start=i - 1)  # (B, 1, K)
            else:
                logits, _ = model(words, tokens[:, :i])  # (B, 5 + i, K)
        tokens[:, i] = _draw(logits[:, -1], temperature, top_k, generator)  # 2.
    if stop_after is not None:
        return tokens[:, :length]  # (B, n)
    t, h, w = cfg.grid
    return rearrange(tokens, "b (t h w) -> b t h w", t=t, h=h, w=w)


@torch.no_grad()
def generate_clips(
    tokenizer,
    model: VideoPrior,
    captions: Sequence[str],
    seed: int = 0,
    temperature: float = 1.0,
    top_k: int | None = None,
    batch: int = 48,
    progress: bool = True,
) -> tuple[list, torch.Tensor]:
    """Captions -> (numpy clips ``(F, H, W, 3)`` in [0, 1], token grids ``(B, T, h, w)``): prior samples, tokenizer decodes."""
    from .video import tensor_to_clips

    generator = torch.Generator().manual_seed(seed)
    clips, grids = [], []
    for begin in range(0, len(captions), batch):
        chunk = list(captions[begin : begin + batch])
        tokens = sample(model, chunk, temperature, top_k, generator, progress=progress)  # (b, T, h, w)
        clips += tensor_to_clips(tokenizer.decode(tokens))  # b x (F, H, W, 3)
        grids.append(tokens)
    return clips, torch.cat(grids)


def save_prior(model: VideoPrior, path: str | Path) -> Path:
    """Save the prior's weights with its config (one safetensors file)."""
    return save_model(model, model.config, path)


def load_prior(path: str | Path) -> VideoPrior:
    """Load a prior written by :func:`save_prior`, in eval mode."""
    state, config = read_model(path)
    model = VideoPrior(VideoPriorConfig(**config))
    model.load_state_dict(state)
    return model.eval()


def bench() -> dict:
    """Seconds per token sampling one clip with and without the KV cache (first 64 tokens; the shipped prior if present)."""
    from .runtime import DATA_DIR

    path = DATA_DIR / "video-tokens" / "prior.safetensors"
    model = load_prior(path) if path.exists() else VideoPrior().eval()
    figures: dict = {"prior_shipped": path.exists(), "prior_params": sum(p.numel() for p in model.parameters())}
    for use_cache in (True, False):
        start = time.perf_counter()
        sample(model, ["a red circle moving left"], generator=torch.Generator().manual_seed(0), use_cache=use_cache, progress=False, stop_after=64)
        figures[f"ms_per_token_{'cached' if use_cache else 'uncached'}"] = round(1000 * (time.perf_counter() - start) / 64, 3)
    figures["kv_cache_speedup_first_64"] = round(figures["ms_per_token_uncached"] / figures["ms_per_token_cached"], 2)
    start = time.perf_counter()
    sample(model, ["a red circle moving left"], generator=torch.Generator().manual_seed(0), progress=False)
    figures["sample_s_per_clip_cached"] = round(time.perf_counter() - start, 3)
    return figures


__all__ = [
    "CAPTION_LENGTH",
    "CAPTION_WORDS",
    "CausalSelfAttention",
    "VideoPrior",
    "VideoPriorConfig",
    "bench",
    "caption_ids",
    "generate_clips",
    "load_prior",
    "prior_loss",
    "sample",
    "save_prior",
    "top_k_filter",
]
