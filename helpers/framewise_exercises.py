"""Exercises of notebook 01 (why video is hard): solutions, typical mistakes, checkers.

1. "attention pairs": how many query-key pairs full space-time self-attention scores for a clip.
2. "EMA smoothing": write the exponential moving average of :func:`helpers.framewise.ema`.
3. "direction from centres": read the direction off an object's track, as :mod:`helpers.judge` does.
"""

from __future__ import annotations

import numpy as np

from .exercises import Case, make_checker
from .framewise import ema, frame_by_frame
from .shapes import make_clip

# ----------------------------------------------------------------------------- 1. attention pairs


def attention_pairs_solution(frames: int, height: int, width: int, patch: int) -> int:
    """Reference: ``(F (H / p) (W / p))^2`` pairs for tokens of ``p x p`` pixels attending to every token of every frame."""
    tokens = frames * (height // patch) * (width // patch)
    return tokens**2


def _pairs_per_frame(frames: int, height: int, width: int, patch: int) -> int:
    """Mistake: lets each frame attend only to itself (that is the cheaper *factorised* spatial attention)."""
    return frames * ((height // patch) * (width // patch)) ** 2


def _pairs_not_squared(frames: int, height: int, width: int, patch: int) -> int:
    """Mistake: counts tokens, not pairs of tokens."""
    return frames * (height // patch) * (width // patch)


def _pairs_case(frames: int, height: int, width: int, patch: int) -> Case:
    truth = (frames * (height // patch) * (width // patch)) ** 2
    return Case(
        f"{frames} frames of {height}x{width}, patches of {patch}x{patch}",
        (frames, height, width, patch),
        lambda n, truth=truth: n == truth,
        f"expected {truth:,}: there are F (H/p) (W/p) tokens and every token scores every token, frames included.",
    )


check_attention_pairs = make_checker(
    "attention pairs",
    [_pairs_case(1, 64, 64, 2), _pairs_case(16, 64, 64, 2), _pairs_case(128, 32, 32, 4), _pairs_case(2, 8, 8, 8)],
    solution=attention_pairs_solution,
    wrong_answers=[_pairs_per_frame, _pairs_not_squared],
)

# ----------------------------------------------------------------------------- 2. EMA smoothing


def ema_solution(clip: np.ndarray, alpha: float) -> np.ndarray:
    """Reference: ``y_0 = x_0``, ``y_t = alpha x_t + (1 - alpha) y_{t-1}`` on a clip ``(F, H, W, 3)``."""
    return ema(clip, alpha)


def _ema_swapped(clip: np.ndarray, alpha: float) -> np.ndarray:
    """Mistake: puts ``alpha`` on the past instead of the new frame."""
    return ema(clip, 1 - alpha) if alpha < 1 else np.repeat(clip[:1], len(clip), axis=0)


def _ema_not_recursive(clip: np.ndarray, alpha: float) -> np.ndarray:
    """Mistake: blends with the previous *input* frame, not the previous output (a 2-tap filter, not an EMA)."""
    out = clip.astype(np.float32).copy()
    out[1:] = alpha * clip[1:] + (1 - alpha) * clip[:-1]
    return out


def _ema_close(alpha: float, clip: np.ndarray):
    truth = ema(clip, alpha)
    return lambda result: (
        isinstance(result, np.ndarray) and result.shape == clip.shape and np.allclose(result, truth, atol=1e-5)
    )


_EMA_CLIPS = {
    "a moving circle": make_clip("a red circle moving right", seed=0),
    "frame-by-frame frames": frame_by_frame("a blue square moving up", seed=1, num_frames=8),
}
check_ema = make_checker(
    "EMA smoothing",
    [
        Case(f"{name}, alpha={alpha}", (clip, alpha), _ema_close(alpha, clip),
             "start with y_0 = x_0, then y_t = alpha * x_t + (1 - alpha) * y_{t-1}: the previous OUTPUT, "
             "and alpha weighs the NEW frame; return an array shaped like the clip.")
        for name, clip in _EMA_CLIPS.items()
        for alpha in (0.3, 0.8)
    ],
    solution=ema_solution,
    wrong_answers=[_ema_swapped, _ema_not_recursive],
)

# ----------------------------------------------------------------------------- 3. direction from centres


def direction_solution(centres: np.ndarray) -> str:
    """Reference: fit ``x(t)`` and ``y(t)`` with straight lines; the larger slope names the direction (y grows down)."""
    t = np.arange(len(centres))
    vx, vy = np.polyfit(t, centres[:, 0], 1)[0], np.polyfit(t, centres[:, 1], 1)[0]
    if abs(vx) >= abs(vy):
        return "right" if vx > 0 else "left"
    return "down" if vy > 0 else "up"


def _direction_endpoints(centres: np.ndarray) -> str:
    """Mistake: trusts the first and last frames only (one bad frame flips the answer)."""
    vx, vy = centres[-1] - centres[0]
    if abs(vx) >= abs(vy):
        return "right" if vx > 0 else "left"
    return "down" if vy > 0 else "up"


def _direction_y_up(centres: np.ndarray) -> str:
    """Mistake: treats y as growing upward, as in a maths plot (in images row 0 is the top)."""
    answer = direction_solution(centres)
    return {"up": "down", "down": "up"}.get(answer, answer)


def _track(direction: str, seed: int, outlier: bool = False) -> np.ndarray:
    """A noisy straight track ``(16, 2)`` moving ``direction`` at 1.25 px/frame; optionally a last frame far off."""
    rng = np.random.default_rng(seed)
    step = {"left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1)}[direction]
    t = np.arange(16)[:, None]
    centres = 16 + 1.25 * (t - 7.5) * np.asarray(step) + rng.normal(0, 0.4, (16, 2))  # (16, 2)
    if outlier:
        centres[-1] = centres[0] - 6 * np.asarray(step)  # a detection glitch behind the start
    return centres


check_direction = make_checker(
    "direction from centres",
    [
        Case(f"a noisy track moving {d}" + (" with a glitch in the last frame" if outlier else ""), (_track(d, i, outlier),),
             lambda answer, d=d: answer == d,
             f"expected {d!r}: fit a line to x(t) and to y(t) (np.polyfit(t, x, 1)), take the axis with the larger "
             "|slope|; image rows grow downward, so a growing y means 'down'; don't rely on two frames only.")
        for i, (d, outlier) in enumerate([("left", False), ("right", False), ("up", False), ("down", False),
                                          ("right", True), ("down", True)])
    ],
    solution=direction_solution,
    wrong_answers=[_direction_endpoints, _direction_y_up],
)
