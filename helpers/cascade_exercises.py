"""Exercises of notebook 05 (cascades): reference solutions, typical mistakes, checkers.

1. "repeat frames": a temporal super-resolution stage's conditioning, each frame shown ``factor`` times.
2. "noise conditioning augmentation": ``cond + sigma * noise`` with one sigma per clip of the batch.
3. "cascade sizes": the clip shape after each stage of a cascade (Imagen Video's seven, from its base).
"""

from __future__ import annotations

import torch

from .cascade_stage import augment_condition
from .exercises import Case, make_checker

# ----------------------------------------------------------------------------- 1. repeat frames


def repeat_frames_solution(clip: torch.Tensor, factor: int) -> torch.Tensor:
    """Reference: ``(B, C, F, H, W)`` -> ``(B, C, F * factor, H, W)``, frame i at positions i*factor ... i*factor+factor-1."""
    return clip.repeat_interleave(factor, dim=2)


def _tile_clip(clip: torch.Tensor, factor: int) -> torch.Tensor:
    """Mistake: plays the whole clip ``factor`` times (the object jumps back to its start half-way)."""
    return clip.repeat(1, 1, factor, 1, 1)


def _repeat_width(clip: torch.Tensor, factor: int) -> torch.Tensor:
    """Mistake: repeats along the last axis (width) instead of frames."""
    return clip.repeat_interleave(factor, dim=-1)


def _ramp(frames: int = 4) -> torch.Tensor:
    return torch.arange(frames, dtype=torch.float32).view(1, 1, frames, 1, 1).expand(2, 3, frames, 2, 2).clone()  # (2, 3, F, 2, 2)


check_repeat_frames = make_checker(
    "repeat frames",
    [
        Case("4 frames doubled", (_ramp(4), 2), lambda y: y.shape == (2, 3, 8, 2, 2) and y[0, 0, :, 0, 0].tolist() == [0, 0, 1, 1, 2, 2, 3, 3],
             "each frame must appear twice in a row: frames 0, 0, 1, 1, ... (torch.repeat_interleave on dim=2, the frame axis)."),
        Case("3 frames tripled", (_ramp(3), 3), lambda y: y.shape == (2, 3, 9, 2, 2) and y[1, 2, :, 1, 1].tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2],
             "the output has F * factor frames; keep batch, channels, height and width unchanged."),
    ],
    solution=repeat_frames_solution,
    wrong_answers=[_tile_clip, _repeat_width],
)

# ----------------------------------------------------------------------------- 2. noise conditioning augmentation


def augment_solution(cond: torch.Tensor, sigma: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """Reference: ``cond (B, C, F, H, W) + sigma (B,) * noise``, each clip noised with its own sigma."""
    return augment_condition(cond, sigma, noise)


def _mean_sigma(cond: torch.Tensor, sigma: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """Mistake: one sigma (the mean) for the whole batch."""
    return cond + sigma.mean() * noise


def _variance_not_std(cond: torch.Tensor, sigma: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """Mistake: scales the noise by sigma squared (a variance) instead of sigma (a standard deviation)."""
    return cond + sigma.view(-1, 1, 1, 1, 1) ** 2 * noise


_G = torch.Generator().manual_seed(0)
_COND, _NOISE = torch.rand(3, 3, 2, 4, 4, generator=_G) * 2 - 1, torch.randn(3, 3, 2, 4, 4, generator=_G)
_SIGMA = torch.tensor([0.0, 0.2, 0.5])


def _close(expected: torch.Tensor):
    return lambda y: isinstance(y, torch.Tensor) and y.shape == expected.shape and torch.allclose(y, expected, atol=1e-5)


check_augment = make_checker(
    "noise conditioning augmentation",
    [
        Case("sigma 0 leaves the clip unchanged", (_COND, torch.zeros(3), _NOISE), _close(_COND), "with sigma = 0 return cond itself."),
        Case("one sigma per clip", (_COND, _SIGMA, _NOISE), _close(augment_solution(_COND, _SIGMA, _NOISE)),
             "sigma has shape (B,): reshape it to (B, 1, 1, 1, 1) so clip b gets sigma[b] * noise[b]; sigma is a standard deviation, not a variance."),
    ],
    solution=augment_solution,
    wrong_answers=[_mean_sigma, _variance_not_std],
)

# ----------------------------------------------------------------------------- 3. cascade sizes


def cascade_sizes_solution(base: tuple[int, int, int], steps: list[tuple[str, int]]) -> list[tuple[int, int, int]]:
    """Reference: ``(frames, width, height)`` after each stage; ``("T", k)`` multiplies frames, ``("S", k)`` each side."""
    sizes = [tuple(base)]
    for kind, factor in steps:
        frames, width, height = sizes[-1]
        sizes.append((frames * factor, width, height) if kind == "T" else (frames, width * factor, height * factor))
    return sizes


def _spatial_area(base, steps):
    """Mistake: a spatial factor multiplies only the width, not the height."""
    sizes = [tuple(base)]
    for kind, factor in steps:
        f, w, h = sizes[-1]
        sizes.append((f * factor, w, h) if kind == "T" else (f, w * factor, h))
    return sizes


def _no_base(base, steps):
    """Mistake: lists only the super-resolution stages' outputs, forgetting the base clip."""
    return cascade_sizes_solution(base, steps)[1:]


#: Imagen Video's six super-resolution stages after its base (16 frames at 40x24), in the paper's order
IMAGEN_VIDEO_STEPS = [("T", 2), ("S", 2), ("S", 4), ("T", 2), ("T", 2), ("S", 4)]

check_cascade_sizes = make_checker(
    "cascade sizes",
    [
        Case("our miniature", ((8, 16, 16), [("T", 2), ("S", 2)]), lambda s: list(map(tuple, s)) == [(8, 16, 16), (16, 16, 16), (16, 32, 32)],
             "start the list with the base clip; T doubles the frames, S doubles width AND height."),
        Case("Imagen Video", ((16, 40, 24), IMAGEN_VIDEO_STEPS), lambda s: list(map(tuple, s))[-1] == (128, 1280, 768) and len(s) == 7,
             "7 entries (base + 6 SR stages), ending at 128 frames of 1280x768."),
    ],
    solution=cascade_sizes_solution,
    wrong_answers=[_spatial_area, _no_base],
)

__all__ = ["IMAGEN_VIDEO_STEPS", "augment_solution", "cascade_sizes_solution", "check_augment", "check_cascade_sizes",
           "check_repeat_frames", "repeat_frames_solution"]
