"""Exercises on :mod:`helpers.video` (notebook 00): reference solutions, typical mistakes, checkers.

Exercise "display frames": turn one model clip, a tensor ``(1, 3, F, H, W)`` in ``[-1, 1]``, into
what a screen or a file wants, ``uint8`` ``(F, H, W, 3)``: move the channel axis last, map
``[-1, 1] -> [0, 255]``, clip what a model overshoots, round, and only then cast.
"""

from __future__ import annotations

import numpy as np
import torch
from einops import rearrange

from .exercises import Case, make_checker
from .video import tensor_to_frames, to_uint8


def display_frames_solution(video: torch.Tensor) -> np.ndarray:
    """Reference: ``(1, 3, F, H, W)`` in ``[-1, 1]`` -> ``uint8`` ``(F, H, W, 3)``, clipped and rounded."""
    frames = rearrange(video[0], "c f h w -> f h w c")  # (F, H, W, 3)
    frames = (frames.clamp(-1, 1) + 1) / 2 * 255  # (F, H, W, 3) in [0, 255]
    return frames.round().to(torch.uint8).numpy()


def _wrong_no_rearrange(video: torch.Tensor) -> np.ndarray:
    """Mistake: keeps the model's channel-first order."""
    return ((video[0].clamp(-1, 1) + 1) / 2 * 255).round().to(torch.uint8).numpy()  # (3, F, H, W)


def _wrong_no_clip(video: torch.Tensor) -> np.ndarray:
    """Mistake: casts without clipping, so 1.2 wraps round to a dark value."""
    frames = rearrange(video[0], "c f h w -> f h w c")  # (F, H, W, 3)
    return ((frames + 1) / 2 * 255).round().to(torch.int64).numpy().astype(np.uint8)


def _wrong_range(video: torch.Tensor) -> np.ndarray:
    """Mistake: treats the clip as if it were in [0, 1]."""
    frames = rearrange(video[0], "c f h w -> f h w c")  # (F, H, W, 3)
    return (frames.clamp(0, 1) * 255).round().to(torch.uint8).numpy()


def _example(seed: int, overshoot: float = 1.0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return (torch.rand(1, 3, 4, 6, 5, generator=generator) * 2 - 1) * overshoot  # (1, 3, F, H, W)


def _matches_helper(video: torch.Tensor):
    expected = to_uint8(tensor_to_frames(video))  # (F, H, W, 3) uint8
    return lambda result: (
        isinstance(result, np.ndarray)
        and result.dtype == np.uint8
        and result.shape == expected.shape
        and int(np.abs(result.astype(int) - expected.astype(int)).max()) <= 1
    )


_EDGES = torch.tensor([-1.0, 0.0, 1.0]).view(1, 1, 3, 1, 1).repeat(1, 3, 1, 2, 2)  # (1, 3, 3, 2, 2)
_OVERSHOOT = _example(1, overshoot=1.3)

check_display_frames = make_checker(
    "display frames",
    [
        Case(
            "a random (1, 3, 4, 6, 5) clip",
            [_example(0)],
            lambda r: isinstance(r, np.ndarray) and r.shape == (4, 6, 5, 3),
            "the result should be numpy (F, H, W, 3): rearrange 'c f h w -> f h w c' and call .numpy()",
        ),
        Case(
            "dtype of the result",
            [_example(0)],
            lambda r: r.dtype == np.uint8,
            "screens and files want uint8: cast with .to(torch.uint8) after rounding",
        ),
        Case(
            "-1, 0 and 1 map to 0, 128 and 255",
            [_EDGES],
            lambda r: r[:, 0, 0, 0].tolist() == [0, 128, 255],
            "map [-1, 1] to [0, 255] with (x + 1) / 2 * 255, then round (127.5 rounds to 128)",
        ),
        Case(
            "values a model overshoots (up to ±1.3) are clipped, never wrapped",
            [_OVERSHOOT],
            _matches_helper(_OVERSHOOT),
            "clamp to [-1, 1] before casting: uint8(280) wraps to 24, a dark pixel in a bright spot",
        ),
    ],
    solution=display_frames_solution,
    wrong_answers=[_wrong_no_rearrange, _wrong_no_clip, _wrong_range],
)
