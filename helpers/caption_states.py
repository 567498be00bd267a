"""The caption as the denoiser reads it: the text encoder's output at every one of the pipeline's 226 positions.

``CogVideoXPipeline`` pads every prompt to 226 tokens and runs its T5 encoder with no attention mask, so the ~219
padding positions' outputs are functions of the whole caption, and the transformer attends to all of them. Three
probes of where a held-out combination's shape is lost (notebook 04, section 9; ``python -m scripts.probe_shape captions``):

- :func:`padding_neighbours`: the trained caption whose padding outputs are nearest a caption's. On the shipped model
  "a blue circle moving up" (held out) has *the same* padding outputs as "a blue square moving up" (trained).
- :func:`swapped_states`: the outputs with some positions replaced by context-free values: each word's mean over the
  reference captions that hold it, or every other position's mean. Does the shape come back once the words no longer
  depend on their neighbours?
- :func:`additive_states`: the outputs of an additive model fitted on the reference captions,
  ``E(colour, shape, direction) ~ k + A_colour + B_shape + C_direction``, a text encoder compositional by construction.

:func:`grade_states` samples the pipeline from such outputs (``prompt_embeds``) and grades the clips with the judge.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from .additive_text import additive_projection, non_additive_share, word_indicators
from .shapes import Combo, parse_caption
from .text_encoder import tokenize
from .word_heads import WORD_KINDS

#: the kinds of word of a caption, in the order of ``helpers.shapes``' grammar "a {color} {shape} moving {direction}"
KINDS = tuple(WORD_KINDS)
SWAP_MODES = ("shape word", "three words", "other positions")


@torch.no_grad()
def text_states(pipe, captions: Sequence[str]) -> torch.Tensor:
    """The text encoder's output ``(N, L, D)`` for ``captions`` exactly as ``pipe`` (a ``CogVideoXPipeline``) computes it."""
    return pipe.encode_prompt(list(captions), do_classifier_free_guidance=False, device=pipe.device)[0]


def word_positions(pipe, caption: str) -> dict[str, int]:
    """``{kind: position}`` of the caption's colour, shape and direction words among the pipeline's tokens."""
    ids = tokenize(pipe.tokenizer, [caption])[0].tolist()  # (L,): as the pipeline tokenizes it
    parsed = parse_caption(caption)
    vocab = pipe.tokenizer.get_vocab()
    return {kind: ids.index(vocab[getattr(parsed, kind)]) for kind in KINDS}


def padding_mask(pipe, caption: str) -> torch.Tensor:
    """``(L,)`` True at the padding positions of ``caption``'s tokens."""
    return tokenize(pipe.tokenizer, [caption])[0] == pipe.tokenizer.pad_token_id


def padding_neighbours(pipe, captions: Sequence[str], references: Sequence[str]) -> list[tuple[str, float]]:
    """For each caption, the reference caption whose padding outputs are nearest (Euclidean over all of them) and that
    distance; for scale, two trained captions that differ in one word are typically 3-50 apart on the shipped model."""
    if not references:
        raise ValueError("references must hold at least one caption")
    pads = padding_mask(pipe, captions[0]) & padding_mask(pipe, references[0])  # (L,): every caption has the same length here
    mine, theirs = text_states(pipe, captions)[:, pads], text_states(pipe, references)[:, pads]  # (N, P, D), (R, P, D)
    distance = torch.cdist(mine.flatten(1).float(), theirs.flatten(1).float(), compute_mode="donot_use_mm_for_euclid_dist")  # (N, R), exact
    nearest = distance.argmin(dim=1)  # (N,)
    return [(references[j], float(distance[i, j])) for i, j in enumerate(nearest.tolist())]


def swapped_states(pipe, captions: Sequence[str], references: Sequence[str], mode: str) -> torch.Tensor:
    """``text_states`` of ``captions`` ``(N, L, D)`` with positions made context-free, from the ``references``' outputs:

    - ``"shape word"``: the shape word's output is that word's mean over the references that hold it;
    - ``"three words"``: the same for the colour, shape and direction words;
    - ``"other positions"``: every position but the three words takes its mean over all references."""
    if mode not in SWAP_MODES:
        raise ValueError(f"mode must be one of {SWAP_MODES}, got {mode!r}")
    states, ref_states = text_states(pipe, captions).clone(), text_states(pipe, references)  # (N, L, D), (R, L, D)
    ref_words, ref_positions = [parse_caption(r) for r in references], [word_positions(pipe, r) for r in references]
    for n, caption in enumerate(captions):
        parsed, positions = parse_caption(caption), word_positions(pipe, caption)
        if mode == "other positions":
            keep = states[n, list(positions.values())].clone()  # (3, D)
            states[n] = ref_states.mean(dim=0)
            states[n, list(positions.values())] = keep
            continue
        for kind in ("shape",) if mode == "shape word" else KINDS:
            word = getattr(parsed, kind)
            holders = [i for i, r in enumerate(ref_words) if getattr(r, kind) == word]
            if not holders:
                raise ValueError(f"no reference caption holds {word!r}")
            states[n, positions[kind]] = torch.stack([ref_states[i, ref_positions[i][kind]] for i in holders]).mean(dim=0)
    return states


def additive_states(pipe, combos: Sequence[Combo], references: Sequence[Combo]) -> tuple[torch.Tensor, float]:
    """Outputs ``(N, L, D)`` for ``combos`` from the least-squares additive model ``k + A_colour + B_shape + C_direction``
    fitted, position by position, on the ``references``' outputs; and the share of the references' variance it leaves."""
    ref = text_states(pipe, [c.caption for c in references]).float()  # (R, L, D)
    words = word_indicators(references).to(ref.device)  # (R, 12)
    weights = torch.linalg.pinv(words) @ ref.flatten(1)  # (12, L * D): least squares; the indicators are collinear (rank 9), so the minimum-norm fit
    left = float(non_additive_share(ref, additive_projection(words)))  # the share of the references' variance the fit leaves
    fit = (word_indicators(combos).to(ref.device) @ weights).view(len(combos), *ref.shape[1:])  # (N, L, D)
    return fit.to(pipe.text_encoder.dtype), left


@torch.no_grad()
def grade_states(pipe, states: torch.Tensor, captions: Sequence[str], clips_per_caption: int = 4, seed: int = 0,
                 **kwargs) -> dict[str, float]:
    """``helpers.judge.grade_clips`` rates of ``clips_per_caption`` samples per caption from text outputs ``states (N, L, D)``
    (``prompt_embeds``; the empty caption's own outputs for guidance), at the pipeline's defaults unless ``kwargs`` say otherwise."""
    from .judge import grade_clips
    from .video import clips_from_pipeline

    if states.ndim != 3 or len(states) != len(captions):
        raise ValueError(f"states must be (N, L, D) with one row per caption, got {tuple(states.shape)} for {len(captions)} captions")
    if clips_per_caption < 1:
        raise ValueError(f"clips_per_caption must be >= 1, got {clips_per_caption}")
    states = states.to(pipe.device, pipe.text_encoder.dtype).repeat_interleave(clips_per_caption, dim=0)  # (N * k, L, D)
    empty = text_states(pipe, [""]).expand(len(states), -1, -1)  # (N * k, L, D)
    out = pipe(prompt_embeds=states, negative_prompt_embeds=empty, generator=torch.Generator().manual_seed(seed),
               **{"output_type": "np", **kwargs})
    return grade_clips(clips_from_pipeline(out.frames), [c for c in captions for _ in range(clips_per_caption)])
