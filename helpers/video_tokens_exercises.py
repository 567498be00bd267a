"""Exercises on :mod:`helpers.video_tokenizer` and :mod:`helpers.video_prior` (notebook 06): solutions, typical mistakes, checkers.

1. "nearest code": quantise vectors to the index of their nearest codebook entry.
2. "sequence length": how many tokens a transformer prior must read for a clip.
3. "top-k filter": keep the k most likely tokens before sampling.
"""

from __future__ import annotations

import torch

from .costs import latent_shape
from .exercises import Case, make_checker
from .video_prior import top_k_filter

# ----------------------------------------------------------------------------- 1. nearest code


def nearest_code_solution(z: torch.Tensor, codebook: torch.Tensor) -> torch.Tensor:
    """Reference: ``z (N, D)``, ``codebook (K, D)`` -> index of the nearest code per row, ``(N,)`` (squared Euclidean distance)."""
    return torch.cdist(z, codebook).argmin(dim=1)


def _nearest_by_dot(z: torch.Tensor, codebook: torch.Tensor) -> torch.Tensor:
    """Mistake: the largest dot product (forgets the codes' lengths)."""
    return (z @ codebook.T).argmax(dim=1)


def _nearest_wrong_axis(z: torch.Tensor, codebook: torch.Tensor) -> torch.Tensor:
    """Mistake: the minimum over the wrong axis (the nearest vector per code)."""
    return torch.cdist(z, codebook).argmin(dim=0)


def _nearest_case(n: int, k: int, d: int, seed: int, scale_codes: bool) -> Case:
    g = torch.Generator().manual_seed(seed)
    z, codebook = torch.randn(n, d, generator=g), torch.randn(k, d, generator=g)
    if scale_codes:  # codes of very different lengths: a dot product picks the longest, not the nearest
        codebook = codebook * torch.linspace(0.2, 5.0, k)[:, None]
    truth = ((z[:, None] - codebook[None]) ** 2).sum(-1).argmin(1)
    return Case(
        f"{n} vectors, {k} codes of dimension {d}" + (" with very different lengths" if scale_codes else ""),
        (z, codebook),
        lambda ids, truth=truth: torch.is_tensor(ids) and ids.shape == truth.shape and torch.equal(ids.long(), truth),
        f"expected one index per vector, shape ({n},): argmin over the codes of |z - e_k|^2 (not the largest z . e_k).",
    )


check_nearest_code = make_checker(
    "nearest code",
    [_nearest_case(10, 4, 3, 0, False), _nearest_case(50, 16, 8, 1, True), _nearest_case(7, 30, 2, 2, True)],
    solution=nearest_code_solution,
    wrong_answers=[_nearest_by_dot, _nearest_wrong_axis],
)

# ----------------------------------------------------------------------------- 2. sequence length


def sequence_length_solution(frames: int, height: int, width: int, time_factor: int, space_factor: int, caption_tokens: int) -> int:
    """Reference: positions a prior reads, the caption's tokens plus ``(F / tf) x (H / sf) x (W / sf)`` video tokens."""
    return caption_tokens + latent_shape(frames, height, width, spatial=space_factor, temporal=time_factor).tokens()


def _length_no_time(frames, height, width, time_factor, space_factor, caption_tokens) -> int:
    """Mistake: forgets that the tokenizer shrinks time too."""
    return caption_tokens + frames * (height // space_factor) * (width // space_factor)


def _length_no_caption(frames, height, width, time_factor, space_factor, caption_tokens) -> int:
    """Mistake: forgets the caption's tokens in front."""
    return (frames // time_factor) * (height // space_factor) * (width // space_factor)


def _length_case(*args: int) -> Case:
    truth = sequence_length_solution(*args)
    f, h, w, tf, sf, c = args
    return Case(
        f"{f} frames of {h}x{w}, tokenizer {tf}x{sf}x{sf}, {c} caption tokens",
        args,
        lambda n, truth=truth: n == truth,
        f"expected {truth}: {c} + ({f}/{tf}) x ({h}/{sf}) x ({w}/{sf}).",
    )


check_sequence_length = make_checker(
    "sequence length",
    [_length_case(16, 32, 32, 4, 4, 5), _length_case(16, 64, 64, 2, 4, 0), _length_case(32, 256, 256, 4, 8, 77)],
    solution=sequence_length_solution,
    wrong_answers=[_length_no_time, _length_no_caption],
)

# ----------------------------------------------------------------------------- 3. top-k filter


def top_k_solution(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Reference: keep each row's ``k`` largest logits, set the others to ``-inf``."""
    return top_k_filter(logits, k)


def _top_k_smallest(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Mistake: keeps the k smallest logits."""
    kth = torch.topk(logits, k, dim=-1, largest=False).values[..., -1:]
    return logits.masked_fill(logits > kth, float("-inf"))


def _top_k_probabilities(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Mistake: returns probabilities (softmax) instead of filtered logits."""
    return torch.softmax(top_k_filter(logits, k), dim=-1)


def _top_k_case(rows: int, vocab: int, k: int, seed: int) -> Case:
    logits = torch.randn(rows, vocab, generator=torch.Generator().manual_seed(seed))
    truth = top_k_filter(logits, k)
    return Case(
        f"logits ({rows}, {vocab}), k={k}",
        (logits.clone(), k),
        lambda out, truth=truth: torch.is_tensor(out) and out.shape == truth.shape and torch.equal(torch.isinf(out), torch.isinf(truth))
        and torch.equal(out[torch.isfinite(truth)], truth[torch.isfinite(truth)]),
        f"return logits of the same shape: the {k} largest of each row unchanged, every other entry -inf (softmax comes later).",
    )


check_top_k = make_checker(
    "top-k filter",
    [_top_k_case(1, 10, 3, 0), _top_k_case(4, 256, 20, 1), _top_k_case(2, 5, 1, 2)],
    solution=top_k_solution,
    wrong_answers=[_top_k_smallest, _top_k_probabilities],
)

__all__ = [
    "check_nearest_code",
    "check_sequence_length",
    "check_top_k",
    "nearest_code_solution",
    "sequence_length_solution",
    "top_k_solution",
]
