"""Approach 1 of the lesson: generate a video frame by frame, then smooth it over time.

Frame-by-frame generation asks an *image* model for every frame with the same prompt. Here the
image model is ideal: :func:`frame_by_frame` draws each frame as a perfect render of the prompt's
object (right colour, right shape) at an independently drawn position and size, exactly as an
image model that knows nothing about the other frames would. Even so the clip flickers and the
object teleports: nothing ties frame t to frame t-1. Fixing the seed for every frame
(``same_seed=True``) gives the other failure: a frozen picture, no motion at all.

Temporal smoothing then tries to repair the clip after the fact, each with its artefact:

- :func:`moving_average` and :func:`ema` blend neighbouring frames: jumps become *ghosts*
  (several faint copies of the object);
- :func:`flow_guided` blends the previous output only after warping it along the optical flow,
  so a smooth motion is kept sharp; but flow cannot follow a jump, so ghosts remain;
- :func:`interpolate` keeps every ``every``-th frame and synthesises the frames between (cross-fade
  or flow-based): fewer jumps, but between keyframes the object drifts in whatever direction the
  random keyframes imply.

None of them can invent the motion the prompt asks for ("moving left") or make a model that
sometimes draws the wrong object keep one identity (``mistake_rate``): smoothing only mixes
what the frames already contain. Notebooks 01 and 08 measure all of it with :mod:`helpers.metrics`.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .metrics import measure_clip, optical_flow, warp
from .shapes import (
    COLORS,
    OBJECT_SIZE_RANGE,
    REFERENCE_FRAMES,
    REFERENCE_SIZE,
    SHAPES,
    Combo,
    as_combo,
    render_path,
    sample_placement,
)
from .video import as_float_frames

# ----------------------------------------------------------------------------- frame-by-frame generation


def _check_sizes(num_frames: int, size: int) -> None:
    if not isinstance(num_frames, int) or num_frames < 2:
        raise ValueError(f"num_frames must be an int >= 2, got {num_frames!r}")
    if not isinstance(size, int) or size < 16:
        raise ValueError(f"size must be an int >= 16 (pixels), got {size!r}")


def draw_frame(combo: Combo | str, rng: np.random.Generator, size: int = REFERENCE_SIZE) -> np.ndarray:
    """One perfect image of the prompt's object at a random position and size: ``(H, W, 3)`` in [0, 1]."""
    combo = as_combo(combo)
    scale = size / REFERENCE_SIZE
    object_size = rng.uniform(*OBJECT_SIZE_RANGE) * scale
    reach = 0.55 * object_size + 0.5 * scale  # the triangle reaches 1.1 x half its size; keep 0.5 px black
    centre = rng.uniform(reach, size - reach, size=2)  # (2,) x, y
    return render_path(combo, centre[None], object_size, size)[0]  # (H, W, 3)


def frame_by_frame(
    caption: Combo | str,
    num_frames: int = REFERENCE_FRAMES,
    size: int = REFERENCE_SIZE,
    seed: int = 0,
    same_seed: bool = False,
    mistake_rate: float = 0.0,
) -> np.ndarray:
    """A clip ``(F, H, W, 3)`` made by an ideal image model called once per frame with the same caption.

    Frame t uses the generator ``default_rng([seed, t])`` (or ``[seed, 0]`` for every frame if
    ``same_seed``). With probability ``mistake_rate`` a frame shows another colour or shape, as an
    imperfect image model would.
    """
    combo = as_combo(caption)
    _check_sizes(num_frames, size)
    _maybe_wrong(combo, np.random.default_rng(0), mistake_rate)  # validates before any work
    frames = []
    for t in range(num_frames):
        rng = np.random.default_rng([seed, 0 if same_seed else t])
        frames.append(draw_frame(_maybe_wrong(combo, rng, mistake_rate), rng, size))
    return np.stack(frames)  # (F, H, W, 3)


def _maybe_wrong(combo: Combo, rng: np.random.Generator, mistake_rate: float) -> Combo:
    """With probability ``mistake_rate`` another colour or (equally likely) another shape: an image model's slip."""
    if not 0.0 <= mistake_rate <= 1.0:
        raise ValueError(f"mistake_rate must be in [0, 1], got {mistake_rate}")
    if rng.random() >= mistake_rate:
        return combo
    if rng.random() < 0.5:
        return combo._replace(color=str(rng.choice([c for c in COLORS if c != combo.color])))
    return combo._replace(shape=str(rng.choice([s for s in SHAPES if s != combo.shape])))


def jittered(
    caption: Combo | str,
    num_frames: int = REFERENCE_FRAMES,
    size: int = REFERENCE_SIZE,
    seed: int = 0,
    position_jitter: float = 0.5,
    size_jitter: float = 0.1,
    brightness_jitter: float = 0.15,
    mistake_rate: float = 0.0,
) -> np.ndarray:
    """A clip ``(F, H, W, 3)`` from an image model told where the object should be in each frame, roughly obeyed.

    The world's true path, plus independent per-frame noise: the centre moves by ``N(0, position_jitter^2)``
    px (scaled to the frame size), the size by a factor ``1 + N(0, size_jitter^2)`` and the
    brightness by a factor ``1 + N(0, brightness_jitter^2)``. The small, fast wobble and flicker
    that smoothing is good at removing. ``mistake_rate`` as in :func:`frame_by_frame`.
    """
    combo = as_combo(caption)
    _check_sizes(num_frames, size)
    rng = np.random.default_rng(seed)
    placement = sample_placement(combo.direction, rng, num_frames, size)
    scale = size / REFERENCE_SIZE
    centres = placement.centres(num_frames) + rng.normal(0, position_jitter * scale, (num_frames, 2))  # (F, 2)
    sizes = placement.object_size * np.clip(1 + rng.normal(0, size_jitter, num_frames), 0.5, 1.5)  # (F,)
    gains = np.clip(1 + rng.normal(0, brightness_jitter, num_frames), 0.3, 1.7)[:, None, None, None]  # (F, 1, 1, 1)
    drawn = [_maybe_wrong(combo, rng, mistake_rate) for _ in range(num_frames)]
    clip = np.stack([render_path(d, c[None], s, size)[0] for d, c, s in zip(drawn, centres, sizes)])  # (F, H, W, 3)
    return np.clip(clip * gains, 0.0, 1.0).astype(np.float32)


# ----------------------------------------------------------------------------- temporal smoothing


def moving_average(clip, window: int = 3) -> np.ndarray:
    """Centred moving average over time: ``y_t = mean(x_{t-k} .. x_{t+k})``, ``k = window // 2``, fewer frames at the ends."""
    clip = as_float_frames(clip)  # (F, H, W, 3)
    if not isinstance(window, int) or window < 1 or window % 2 == 0:
        raise ValueError(f"window must be an odd int >= 1, got {window!r}")
    half = window // 2
    cumulative = np.concatenate([np.zeros_like(clip[:1]), np.cumsum(clip, axis=0)])  # (F + 1, H, W, 3)
    starts = np.clip(np.arange(len(clip)) - half, 0, len(clip))  # (F,)
    stops = np.clip(np.arange(len(clip)) + half + 1, 0, len(clip))  # (F,)
    counts = (stops - starts).astype(np.float32)[:, None, None, None]  # (F, 1, 1, 1)
    return ((cumulative[stops] - cumulative[starts]) / counts).astype(np.float32)  # (F, H, W, 3)


def ema(clip, alpha: float = 0.5) -> np.ndarray:
    """Exponential moving average over time: ``y_0 = x_0``, ``y_t = alpha x_t + (1 - alpha) y_{t-1}``."""
    clip = as_float_frames(clip)  # (F, H, W, 3)
    if not 0.0 < alpha <= 1.0:
        raise ValueError(f"alpha must be in (0, 1], got {alpha}")
    out = [clip[0]]
    for frame in clip[1:]:
        out.append(alpha * frame + (1 - alpha) * out[-1])
    return np.stack(out).astype(np.float32)  # (F, H, W, 3)


def flow_guided(clip, alpha: float = 0.5) -> np.ndarray:
    """EMA along the motion: ``y_t = alpha x_t + (1 - alpha) W_t(y_{t-1})``.

    ``W_t`` warps the previous output along the backward Farneback flow from ``x_t`` to ``x_{t-1}``
    (:func:`helpers.metrics.optical_flow`), so an object that moves smoothly is blended with itself,
    not with where it was.
    """
    clip = as_float_frames(clip)  # (F, H, W, 3)
    if not 0.0 < alpha <= 1.0:
        raise ValueError(f"alpha must be in (0, 1], got {alpha}")
    out = [clip[0]]
    for previous, frame in zip(clip[:-1], clip[1:]):
        carried = warp(out[-1], optical_flow(previous, frame))  # (H, W, 3): y_{t-1} moved to time t
        out.append(alpha * frame + (1 - alpha) * carried)
    return np.clip(np.stack(out), 0.0, 1.0).astype(np.float32)  # (F, H, W, 3)


def interpolate(clip, every: int = 4, method: str = "flow") -> np.ndarray:
    """Keep frames ``0, every, 2 every, ...`` (and the last) and synthesise the frames between.

    With ``s`` the position between keyframes ``K0`` and ``K1`` (0 to 1) and ``b`` the backward flow
    (``K1(x) ~ K0(x + b(x))``): ``method="blend"`` gives the cross-fade ``(1 - s) K0 + s K1``;
    ``method="flow"`` moves both keyframes part of the way, ``(1 - s) K0(x + s b) + s K1(x - (1 - s) b)``.
    """
    clip = as_float_frames(clip)  # (F, H, W, 3)
    if not isinstance(every, int) or every < 1:
        raise ValueError(f"every must be an int >= 1, got {every!r}")
    if method not in ("flow", "blend"):
        raise ValueError(f"method must be 'flow' or 'blend', got {method!r}")
    keys = sorted(set(range(0, len(clip), every)) | {len(clip) - 1})
    out = clip.copy()
    for k0, k1 in zip(keys[:-1], keys[1:]):
        flow = optical_flow(clip[k0], clip[k1]) if method == "flow" else None  # (H, W, 2)
        for t in range(k0 + 1, k1):
            s = (t - k0) / (k1 - k0)
            if method == "blend":
                out[t] = (1 - s) * clip[k0] + s * clip[k1]
            else:
                out[t] = (1 - s) * warp(clip[k0], s * flow) + s * warp(clip[k1], -(1 - s) * flow)
    return np.clip(out, 0.0, 1.0).astype(np.float32)  # (F, H, W, 3)


#: the smoothers with the settings notebooks 01 and 08 use
SMOOTHERS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "moving average (3)": lambda clip: moving_average(clip, 3),
    "EMA (alpha 0.5)": lambda clip: ema(clip, 0.5),
    "flow-guided EMA (0.5)": lambda clip: flow_guided(clip, 0.5),
    "interpolation (every 4, flow)": lambda clip: interpolate(clip, 4, "flow"),
}


def compare_smoothers(clips, captions, smoothers: dict[str, Callable] | None = None) -> dict[str, dict[str, float]]:
    """Mean of :func:`helpers.metrics.measure_clip` over clips, raw (``"none"``) and after each smoother."""
    if len(clips) != len(captions) or not len(clips):
        raise ValueError(f"need as many captions as clips (at least one), got {len(clips)} and {len(captions)}")
    smoothers = SMOOTHERS if smoothers is None else smoothers
    results = {}
    for name, smooth in {"none": lambda clip: as_float_frames(clip), **smoothers}.items():
        reports = [measure_clip(smooth(clip), caption) for clip, caption in zip(clips, captions)]
        results[name] = {key: float(np.nanmean([r[key] for r in reports])) for key in reports[0]}
    return results
