"""Measure clips instead of eyeballing them: temporal consistency, physical plausibility, CLIPSIM.

All functions take one display-side clip ``(F, H, W, 3)``, float in ``[0, 1]`` or ``uint8``
(anything :func:`helpers.video.as_float_frames` accepts). Prompt adherence in the moving-shapes world
is graded by :mod:`helpers.judge`; :func:`measure_clip` puts everything in one flat dict.

- :func:`flicker`: frame-to-frame change that a global motion does not explain (no optical flow);
- :func:`warping_error`: the error left after warping each frame onto the next with dense optical
  flow (OpenCV Farneback), the temporal-consistency metric of Lai et al. (2018);
- :func:`plausibility`: how straight and steady the object moves, and whether its size and colour
  stay constant (the lesson's "realism", measurable in this world);
- :func:`clipsim`: mean CLIP image-text similarity over frames, when CLIP weights can be loaded;
  offline it raises :class:`ClipUnavailable` with the reason and the offline alternative.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import Sequence

import cv2
import numpy as np
import torch

from .judge import analyse_clip, grade_clip
from .video import as_float_frames

# ----------------------------------------------------------------------------- temporal consistency


def global_shift(previous: np.ndarray, current: np.ndarray) -> tuple[float, float]:
    """The translation ``(dx, dy)`` in px that best maps frame ``previous`` onto ``current`` (phase correlation)."""
    a, b = previous.max(axis=-1).astype(np.float64), current.max(axis=-1).astype(np.float64)  # (H, W)
    if a.std() < 1e-6 or b.std() < 1e-6:
        return 0.0, 0.0  # a flat frame has no position
    pad = ((0, a.shape[0]), (0, a.shape[1]))  # zero-pad to twice the size: no wrap-around for big jumps
    a, b = np.pad(a - np.median(a), pad), np.pad(b - np.median(b), pad)  # (2H, 2W): pad with the background
    (dx, dy), _ = cv2.phaseCorrelate(a, b)
    return float(dx), float(dy)


def shift_frame(frame: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """Translate a frame ``(H, W, 3)`` by ``(dx, dy)`` px (bilinear, black where nothing comes in)."""
    matrix = np.float32([[1, 0, dx], [0, 1, dy]])
    height, width = frame.shape[:2]
    return cv2.warpAffine(frame, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)


def flicker(clip) -> float:
    """Share of each frame's content that neither the motion nor a steady change explains: back-and-forth change.

    Each inner frame is predicted from its two neighbours, each moved onto it by the global
    translation that phase correlation finds (:func:`global_shift`, no optical flow):

    ``flicker = sum_{t=1}^{F-2} sum_{x,c} |I_t(x) - (S_{t-1->t} I_{t-1}(x) + S_{t+1->t} I_{t+1}(x)) / 2|``
    ``/ sum_{t=1}^{F-2} sum_{x,c} I_t(x)``

    A shape gliding over a black background scores ~0.04 (the floor: bilinear shifting of
    anti-aliased edges), and so does a steady fade; a shape whose size or position wobbles from
    frame to frame (~0.35), a blinking clip (~0.5) or fresh noise in every frame (~0.65) scores
    high. A clip averaged over time (:mod:`helpers.framewise`) has its wobble damped (lower), but
    jumps turned into ghosts that fade in and out (higher).
    """
    clip = as_float_frames(clip)  # (F, H, W, 3)
    if len(clip) < 3:
        raise ValueError(f"flicker needs at least 3 frames, got {len(clip)}")
    unexplained = content = 0.0
    for previous, current, following in zip(clip[:-2], clip[1:-1], clip[2:]):
        from_before = shift_frame(previous, *global_shift(previous, current))  # (H, W, 3)
        from_after = shift_frame(following, *global_shift(following, current))  # (H, W, 3)
        unexplained += float(np.abs(current - (from_before + from_after) / 2).sum())
        content += float(current.sum())
    return unexplained / content if content > 1e-9 else 0.0


def optical_flow(previous: np.ndarray, current: np.ndarray) -> np.ndarray:
    """Backward Farneback flow ``(H, W, 2)``: ``current(y, x) ~ previous(y + f_y, x + f_x)``."""
    to_grey = lambda frame: np.rint(frame.max(axis=-1) * 255).astype(np.uint8)  # noqa: E731  (H, W); max keeps blue bright
    return cv2.calcOpticalFlowFarneback(
        to_grey(current), to_grey(previous), None, pyr_scale=0.5, levels=3, winsize=9, iterations=3,
        poly_n=5, poly_sigma=1.1, flags=0,
    )  # (H, W, 2)


def warp(frame: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """Sample ``frame (H, W, 3)`` at ``(x + f_x, y + f_y)``: the frame carried along a backward flow ``(H, W, 2)``."""
    height, width = frame.shape[:2]
    xs, ys = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    return cv2.remap(frame, xs + flow[..., 0], ys + flow[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def occlusion_mask(backward: np.ndarray, forward: np.ndarray) -> np.ndarray:
    """Pixels ``(H, W)`` bool where backward and forward flow agree (not occluded; Sundaram et al. 2010).

    Kept where ``|b + f(x + b)|^2 <= 0.01 (|b|^2 + |f(x + b)|^2) + 0.5``.
    """
    carried = warp(forward, backward)  # (H, W, 2): forward flow read where each pixel came from
    mismatch = ((backward + carried) ** 2).sum(axis=-1)  # (H, W)
    return mismatch <= 0.01 * ((backward**2).sum(axis=-1) + (carried**2).sum(axis=-1)) + 0.5


def warping_error(clip, mask_occlusions: bool = True) -> float:
    """Mean squared error left after warping each frame onto the next with optical flow.

    ``E_warp = 1/(F-1) sum_t [ sum_x M_t(x) ||I_{t+1}(x) - W(I_t)(x)||^2 / sum_x M_t(x) ]`` with
    ``W(I_t)(x) = I_t(x + f_t(x))`` the previous frame carried along the backward Farneback flow
    ``f_t`` from frame t+1 to t, ``||.||^2`` summed over RGB, and ``M_t`` the non-occluded pixels
    (forward-backward check, :func:`occlusion_mask`; all ones if ``mask_occlusions=False``),
    after Lai et al., "Learning Blind Video Temporal Consistency", ECCV 2018. Smooth motion scores
    ~0; a jump too large for the flow, shuffled frames or noise score high.
    """
    clip = as_float_frames(clip)  # (F, H, W, 3)
    if len(clip) < 2:
        raise ValueError(f"warping_error needs at least 2 frames, got {len(clip)}")
    errors = []
    for previous, current in zip(clip[:-1], clip[1:]):
        backward = optical_flow(previous, current)  # (H, W, 2)
        squared = ((current - warp(previous, backward)) ** 2).sum(axis=-1)  # (H, W)
        mask = occlusion_mask(backward, optical_flow(current, previous)) if mask_occlusions else np.ones_like(squared, bool)
        errors.append(float(squared[mask].mean()) if mask.any() else float(squared.mean()))
    return float(np.mean(errors))


# ----------------------------------------------------------------------------- physical plausibility


@dataclass
class Plausibility:
    """How physically plausible the object's motion is; NaN where no object was found."""

    path_residual_px: float  # RMS distance of the centres from their best straight line
    speed_px: float  # mean step length, px/frame
    speed_std_px: float  # std of the step length (0 for steady motion)
    size_cv: float  # std / mean of the object's area (0 for a rigid object)
    hue_std_deg: float  # circular std of the object's hue, degrees (0 for a constant colour)
    tracked_share: float  # share of frames with exactly one object (the others are skipped)


def _circular_std_deg(degrees: np.ndarray) -> float:
    """Circular standard deviation of angles in degrees."""
    radians = np.deg2rad(degrees)
    length = np.hypot(np.cos(radians).mean(), np.sin(radians).mean())
    return abs(float(np.rad2deg(np.sqrt(max(-2 * np.log(min(max(length, 1e-12), 1.0)), 0.0)))))


def plausibility(clip) -> Plausibility:
    """Straightness and steadiness of the object's path, and constancy of its size and colour.

    With ``c_t`` the object's centre in the frames that hold exactly one object (:mod:`helpers.judge`):
    ``path_residual = sqrt(mean_t ||c_t - (c_0 + v t)||^2)`` for the least-squares line ``c_0 + v t``;
    steps ``s_t = ||c_{t+1} - c_t||`` give ``speed = mean s_t`` and ``speed_std = std s_t``;
    ``size_cv = std(A_t) / mean(A_t)`` for the areas; ``hue_std`` is the circular std of the hue.
    """
    analysis = analyse_clip(clip)
    single = (analysis.counts == 1) & ~np.isnan(analysis.areas)  # (F,)
    nan = float("nan")
    if single.sum() < 2:
        return Plausibility(nan, nan, nan, nan, nan, float(single.mean()))
    centres = np.where(single[:, None], analysis.centres, np.nan)  # (F, 2)
    steps = np.linalg.norm(np.diff(centres, axis=0), axis=1)  # (F - 1,)
    steps = steps[~np.isnan(steps)]
    areas, hues = analysis.areas[single], analysis.hues[single & ~np.isnan(analysis.hues)]
    return Plausibility(
        path_residual_px=analysis.residual_rms,
        speed_px=float(steps.mean()) if len(steps) else nan,
        speed_std_px=float(steps.std()) if len(steps) else nan,
        size_cv=float(areas.std() / areas.mean()),
        hue_std_deg=_circular_std_deg(hues) if len(hues) else nan,
        tracked_share=float(single.mean()),
    )


def measure_clip(clip, caption: str | None = None) -> dict[str, float]:
    """Every metric of a clip in one flat dict (plus the grade against ``caption`` if given)."""
    report = {"flicker": flicker(clip), "warping_error": warping_error(clip), **asdict(plausibility(clip))}
    if caption is not None:
        grade = grade_clip(clip, caption)
        report.update(color_ok=float(grade.color), shape_ok=float(grade.shape), direction_ok=float(grade.direction),
                      single_object_share=grade.single_object_share, correct=float(grade.correct))
    return report


# ----------------------------------------------------------------------------- CLIPSIM

DEFAULT_CLIP = "openai/clip-vit-base-patch32"
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


class ClipUnavailable(RuntimeError):
    """CLIP weights could not be loaded, so CLIPSIM cannot be computed; the message says why."""


def load_clip(
    name: str = DEFAULT_CLIP, device: torch.device | str = "cpu", cache_dir: str | None = None, local_files_only: bool = False
):
    """Load ``(CLIPModel, tokenizer)`` from the hub or a local folder; raise :class:`ClipUnavailable` if impossible.

    ``local_files_only=True`` never downloads (the ViT-B/32 weights are about 600 MB).
    """
    from transformers import AutoTokenizer, CLIPModel

    try:
        options = dict(cache_dir=cache_dir, local_files_only=local_files_only)
        model = CLIPModel.from_pretrained(name, **options).to(device).eval()
        tokenizer = AutoTokenizer.from_pretrained(name, **options)
    except (OSError, ValueError, EnvironmentError) as error:
        offline = os.environ.get("HF_HUB_OFFLINE", "").lower() in {"1", "true", "yes", "on"}
        if offline:
            reason = "the hub is disabled (HF_HUB_OFFLINE=1) and the weights are not in the local cache"
        elif local_files_only:
            reason = "they are not in the local cache and downloading was not allowed (local_files_only=True)"
        else:
            reason = "they are neither in the local cache nor reachable (no network?)"
        raise ClipUnavailable(
            f"CLIPSIM is unavailable: CLIP weights {name!r} could not be loaded because {reason} "
            f"({type(error).__name__}). Run once with network (e.g. in Colab) to cache them, or pass a local "
            "folder. Offline, grade prompt adherence with helpers.judge.grade_clips, which needs no weights."
        ) from error
    return model, tokenizer


@torch.no_grad()
def clipsim(clips: Sequence, captions: Sequence[str], model=None, tokenizer=None, name: str = DEFAULT_CLIP,
            device: torch.device | str = "cpu", cache_dir: str | None = None) -> np.ndarray:
    """CLIPSIM per clip: ``mean_t cos(E_image(frame_t), E_text(caption))`` in ``[-1, 1]``, shape ``(B,)``.

    The frame-averaged CLIP similarity of Wu et al. (GODIVA, 2021); papers often report it x100.
    Frames are resized to CLIP's input size (bicubic) and normalised with CLIP's mean and std.
    Loads ``name`` with :func:`load_clip` unless ``model`` and ``tokenizer`` are given.
    """
    if len(clips) != len(captions):
        raise ValueError(f"got {len(clips)} clips but {len(captions)} captions")
    if model is None or tokenizer is None:
        model, tokenizer = load_clip(name, device, cache_dir)
    size = model.config.vision_config.image_size
    mean = torch.tensor(CLIP_MEAN, device=device).view(1, 3, 1, 1)
    std = torch.tensor(CLIP_STD, device=device).view(1, 3, 1, 1)
    scores = []
    for clip, caption in zip(clips, captions):
        frames = torch.from_numpy(as_float_frames(clip)).to(device).permute(0, 3, 1, 2)  # (F, 3, H, W)
        frames = torch.nn.functional.interpolate(frames, size=(size, size), mode="bicubic", antialias=True)  # (F, 3, S, S)
        pixels = ((frames.clamp(0, 1) - mean) / std).to(model.dtype)  # (F, 3, S, S)
        text = tokenizer([caption], padding=True, return_tensors="pt").to(device)
        out = model(input_ids=text["input_ids"], attention_mask=text.get("attention_mask"), pixel_values=pixels)
        similarity = out.image_embeds @ out.text_embeds.T  # (F, 1): both are unit vectors
        scores.append(float(similarity.mean()))
    return np.asarray(scores)


def clipsim_status(name: str = DEFAULT_CLIP, cache_dir: str | None = None, local_files_only: bool = False) -> str:
    """``"available"`` if CLIP ``name`` loads here, else the reason it does not (never raises for that)."""
    try:
        load_clip(name, cache_dir=cache_dir, local_files_only=local_files_only)
    except ClipUnavailable as error:
        return str(error)
    return "available"


def bench() -> dict:
    """Milliseconds per 16 x 32 x 32 clip for flicker, warping error and plausibility (``make bench``)."""
    import time

    from .shapes import make_clip

    clip = make_clip("a red circle moving right", seed=0)
    figures = {}
    for name, fn in (("flicker", flicker), ("warping_error", warping_error), ("plausibility", plausibility)):
        start = time.perf_counter()
        for _ in range(10):
            fn(clip)
        figures[f"metrics_{name}_ms"] = (time.perf_counter() - start) * 100
    return figures
