"""Exercises of notebook 07 (a pretrained pipeline): reference solutions, typical mistakes, checkers.

- "frames that fit": from measured (frames, peak memory) pairs, how many frames fit a memory budget?
  Peak memory is a fixed part (the weights) plus a part that grows with every frame, so fit a line
  ``peak = a + b * frames`` and solve ``a + b * n <= budget`` for the largest whole ``n``.
- "GIF timing": a GIF stores each frame's *duration* in 10 ms ticks, not a frame rate; what delay
  does a clip at ``fps`` get, and how long does the GIF then really play?
"""

from __future__ import annotations

import math

import numpy as np

from .exercises import Case, make_checker
from .video_files import gif_duration_ms

# ----------------------------------------------------------------------------- frames that fit


def frames_that_fit_solution(frames, peak_gb, budget_gb: float) -> int:
    """Reference: least-squares line ``peak = a + b * frames``, then the largest ``n`` with ``a + b n <= budget`` (0 if none)."""
    slope, intercept = np.polyfit(np.asarray(frames, float), np.asarray(peak_gb, float), 1)
    if slope <= 0:
        raise ValueError(f"peak memory must grow with frames to extrapolate, got a slope of {slope:.3g} GB/frame")
    return max(0, math.floor((budget_gb - intercept) / slope + 1e-9))


def _wrong_proportional(frames, peak_gb, budget_gb: float) -> int:
    """Mistake: memory per frame = peak / frames, forgetting the fixed cost of the weights."""
    return int(budget_gb / (peak_gb[-1] / frames[-1]))


def _wrong_rounded(frames, peak_gb, budget_gb: float) -> int:
    """Mistake: rounds to the nearest frame count, which can be one frame too many."""
    slope, intercept = np.polyfit(frames, peak_gb, 1)
    return max(0, round((budget_gb - intercept) / slope))


def _wrong_negative(frames, peak_gb, budget_gb: float) -> int:
    """Mistake: a budget below the weights gives a negative frame count."""
    slope, intercept = np.polyfit(frames, peak_gb, 1)
    return math.floor((budget_gb - intercept) / slope)


_FRAMES = [4, 8, 16, 24]
_LINE = [1.0 + 0.05 * f for f in _FRAMES]  # 1 GB of weights + 50 MB per frame
_NOISY = [p + e for p, e in zip(_LINE, (0.004, -0.006, 0.005, -0.003))]

check_frames_that_fit = make_checker(
    "frames that fit",
    [
        Case(
            "1 GB + 0.05 GB/frame, budget 3 GB",
            [_FRAMES, _LINE, 3.0],
            lambda r: r == 40,
            "fit peak = a + b * frames (np.polyfit(frames, peak, 1) gives b, a) and solve a + b * n <= budget",
        ),
        Case(
            "the same, budget 3.03 GB",
            [_FRAMES, _LINE, 3.03],
            lambda r: r == 40,
            "a clip must fit entirely: round *down* (math.floor), 40.6 frames is 40",
        ),
        Case(
            "noisy measurements, budget 6 GB",
            [_FRAMES, _NOISY, 6.0],
            lambda r: 99 <= r <= 101,
            "peak memory is weights + per-frame cost: peak / frames overestimates what fits",
        ),
        Case(
            "budget below the weights (0.5 GB)",
            [_FRAMES, _LINE, 0.5],
            lambda r: r == 0,
            "when even the weights do not fit, no frame fits: return 0, never a negative count",
        ),
    ],
    solution=frames_that_fit_solution,
    wrong_answers=[_wrong_proportional, _wrong_rounded, _wrong_negative],
)

# ----------------------------------------------------------------------------- GIF timing


def gif_timing_solution(num_frames: int, fps: float) -> tuple[int, float]:
    """Reference: (frame duration in ms, rounded to GIF's 10 ms ticks, at least 20 ms; seconds the GIF plays)."""
    duration_ms = int(max(20, round(1000.0 / fps / 10.0) * 10))
    return duration_ms, num_frames * duration_ms / 1000.0


def _wrong_unrounded(num_frames: int, fps: float) -> tuple[int, float]:
    """Mistake: 1000 / fps without GIF's 10 ms ticks."""
    return 1000 / fps, num_frames / fps


def _wrong_seconds(num_frames: int, fps: float) -> tuple[int, float]:
    """Mistake: the duration in seconds, where GIF (and Pillow) want milliseconds."""
    return 1 / fps, num_frames / fps


def _wrong_playback(num_frames: int, fps: float) -> tuple[int, float]:
    """Mistake: right delay, but the playback time of the ideal frame rate, not of the rounded delay."""
    return gif_duration_ms(fps), num_frames / fps


check_gif_timing = make_checker(
    "GIF timing",
    [
        Case(
            "16 frames at 10 fps",
            [16, 10],
            lambda r: tuple(r) == (100, 1.6),
            "GIF wants a duration per frame in milliseconds: 1000 / fps",
        ),
        Case(
            "16 frames at 8 fps",
            [16, 8],
            lambda r: r[0] == gif_duration_ms(8) and abs(r[1] - 1.92) < 1e-9,
            "GIF stores delays in 10 ms ticks: round 1000 / fps to a multiple of 10 (125 -> 120), "
            "and the GIF plays num_frames x that delay",
        ),
        Case(
            "24 frames at 100 fps",
            [24, 100],
            lambda r: r[0] == 20 and abs(r[1] - 0.48) < 1e-9,
            "browsers slow down delays under 20 ms: use at least 20",
        ),
    ],
    solution=gif_timing_solution,
    wrong_answers=[_wrong_unrounded, _wrong_seconds, _wrong_playback],
)
