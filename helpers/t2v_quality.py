"""How good and how fast is a text-to-video pipeline? Sample, grade and time it at its defaults.

The course's quality bar for ``data/tiny-t2v`` (and every pipeline trained by
:mod:`helpers.train_t2v`) is measured here: :func:`sample_clips` generates one clip per caption with
the pipeline's own defaults, :func:`evaluate` grades samples of every training and held-out
combination with :mod:`helpers.judge`, :func:`rate_intervals` says how far each rate can be trusted
(32 held-out clips give a 95 % interval about 35 points wide), :func:`time_default_clip` times the
lesson's one-line call, and :func:`bench` gives ``make bench`` the shipped model's figures.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from .model_files import folder_size_mb
from .shapes import HELD_OUT, TRAIN_COMBOS


@torch.no_grad()
def sample_clips(pipe, captions: list[str], seed: int = 0, batch: int = 48, **kwargs) -> list[np.ndarray]:
    """Generate one clip per caption with the pipeline's defaults: list of ``(F, H, W, 3)`` floats in [0, 1]."""
    from .video import clips_from_pipeline

    clips = []
    for start in range(0, len(captions), batch):
        gen = torch.Generator("cpu").manual_seed(seed + start)
        out = pipe(captions[start : start + batch], generator=gen, **{"output_type": "np", **kwargs})
        clips += clips_from_pipeline(out.frames)
    return clips


def time_default_clip(pipe, repeats: int = 1) -> tuple[float, list]:
    """Median seconds of the lesson's call at the pipeline's defaults (after a warm-up), and the last clip's frames."""
    import statistics

    pipe("a red circle moving left", num_inference_steps=2)  # warm-up
    times = []
    for seed in range(repeats):
        start = time.perf_counter()
        frames = pipe("a red circle moving left", generator=torch.Generator().manual_seed(seed)).frames[0]
        times.append(time.perf_counter() - start)
    return statistics.median(times), frames


def evaluate(pipe, clips_per_combo: int = 4, seed: int = 0, batch: int = 48, **kwargs) -> dict[str, dict[str, float]]:
    """Grade samples of every combination: ``{"train": rates, "held_out": rates}`` (``helpers.judge.grade_clips``, plus
    ``shape_template`` and ``template_iou``, the shape read by the independent ``helpers.shape_templates``)."""
    from .judge import grade_clips
    from .shape_templates import template_shape_rate

    result = {}
    for name, combos in (("train", TRAIN_COMBOS), ("held_out", HELD_OUT)):
        captions = [c.caption for c in combos for _ in range(clips_per_combo)]
        clips = sample_clips(pipe, captions, seed, batch, **kwargs)
        result[name] = {**grade_clips(clips, captions), **template_shape_rate(clips, captions)}
    return result


def wilson_interval(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a rate measured as ``successes`` of ``trials`` (95 % for ``z = 1.96``)."""
    if trials < 1 or not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials and trials >= 1, got {successes} of {trials}")
    rate = successes / trials
    centre = (rate + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z / (1 + z * z / trials) * (rate * (1 - rate) / trials + z * z / (4 * trials * trials)) ** 0.5
    return max(0.0, centre - half), min(1.0, centre + half)


#: the rates of :func:`evaluate` that count clips (``template_iou`` is a mean overlap, not a share of clips)
CLIP_RATES = ("color", "shape", "direction", "color+direction", "all", "single_object", "shape_template")


def rate_intervals(rates: dict[str, float], clips: int, z: float = 1.96) -> dict[str, tuple[float, float]]:
    """95 % Wilson intervals of :func:`evaluate`'s per-split rates, each a share of ``clips`` graded clips."""
    return {k: wilson_interval(round(rates[k] * clips), clips, z) for k in CLIP_RATES if k in rates}


def bench(clips_per_combo: int = 1) -> dict:
    """Speed, size and adherence of the shipped ``data/tiny-t2v`` at its defaults (for ``make bench``)."""
    from diffusers import DiffusionPipeline

    from .runtime import DATA_DIR

    folder = DATA_DIR / "tiny-t2v"
    pipe = DiffusionPipeline.from_pretrained(folder)
    pipe.set_progress_bar_config(disable=True)
    seconds, frames = time_default_clip(pipe)
    figures = {
        "tiny_t2v_s_per_clip_default_steps": seconds,
        "tiny_t2v_clip_shape": tuple(np.asarray(frames).shape),
        "tiny_t2v_size_mb": folder_size_mb(folder),
    }
    if clips_per_combo:
        for split, rates in evaluate(pipe, clips_per_combo).items():
            figures.update({f"tiny_t2v_{split}_{k}": v for k, v in rates.items()})
    return figures
