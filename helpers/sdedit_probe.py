"""Where is an attribute decided during sampling? Hand the model the answer and see what it keeps.

SDEdit (Meng et al. 2021, arXiv 2108.01073) on a text-to-video pipeline: noise a *true* clip to
strength ``s`` (the share of the 50 DDIM steps that are run: the first is at t ~ 1000 x s) and let the model denoise it.

- :func:`shape_recovery`: with the clip's own caption. What survives a strength is what the model
  can rebuild from that much noise; at ``s = 1`` it is plain text-to-video.
- :func:`word_or_clip`: with one word of the caption changed (``helpers.latent_diffusion.flip_caption``).
  Per kind and strength, the share of outputs that follow the word and the share that keep the clip:
  at low noise the clip wins, at pure noise a word the model uses wins.

``CogVideoXVideoToVideoPipeline`` built from a ``CogVideoXPipeline``'s own parts does the noising
and denoising; the clips come from :mod:`helpers.shapes`, the grades from :mod:`helpers.judge`.

    shape_recovery(pipe, [0.3, 1.0])        # {0.3: {"color": 1.0, "shape": 0.9, ...}, 1.0: {...}}
"""

from __future__ import annotations

import torch

from .judge import analyse_clip, grade_clips
from .latent_diffusion import flip_caption
from .shapes import TRAIN_COMBOS, make_batch, parse_caption
from .video import frames_to_pil, tensor_to_clips

#: the strengths of the course's measurement (notebook 04, section 9; ``data/tiny-t2v/README.md``)
RECOVERY_STRENGTHS = [0.3, 0.5, 0.7, 0.85, 1.0]


def part_noised(pipe, captions: list[str], prompts: list[str], strengths: list[float], seed: int) -> dict[float, list]:
    """True clips of ``captions`` noised to each strength and denoised with ``prompts``: ``{strength: [(F, H, W, 3) clips]}``."""
    for strength in strengths:
        if not 0 < strength <= 1:
            raise ValueError(f"strengths must be in (0, 1], got {strength}")
    if len(prompts) != len(captions):
        raise ValueError(f"got {len(captions)} captions but {len(prompts)} prompts")
    from diffusers import CogVideoXVideoToVideoPipeline

    v2v = CogVideoXVideoToVideoPipeline(**pipe.components)
    v2v.set_progress_bar_config(disable=True)
    true_clips = [frames_to_pil(clip) for clip in tensor_to_clips(make_batch(captions, seed=seed))]
    height, width = true_clips[0][0].height, true_clips[0][0].width
    result = {}
    for strength in strengths:
        clips = []
        for start in range(0, len(captions), 40):
            out = v2v(video=true_clips[start : start + 40], prompt=prompts[start : start + 40], strength=strength, height=height, width=width,
                      generator=torch.Generator().manual_seed(seed + start), output_type="np")
            clips += list(out.frames)
        result[strength] = clips
    return result


def shape_recovery(pipe, strengths: list[float] = RECOVERY_STRENGTHS, clips_per_combo: int = 2, seed: int = 7, combos=TRAIN_COMBOS) -> dict[float, dict[str, float]]:
    """``helpers.judge.grade_clips`` rates after noising true clips of ``combos`` to each strength and denoising them with their own caption."""
    captions = [c.caption for c in combos] * clips_per_combo
    return {s: grade_clips(clips, captions) for s, clips in part_noised(pipe, captions, captions, strengths, seed).items()}


def word_or_clip(pipe, strengths: list[float] = RECOVERY_STRENGTHS, clips_per_combo: int = 1, seed: int = 7, combos=TRAIN_COMBOS,
                 kinds: tuple[str, ...] = ("color", "shape", "direction")) -> dict[str, dict[float, dict[str, float]]]:
    """Which wins when the caption contradicts the clip: per kind (colour, shape, direction) and strength,
    the share of outputs whose ``kind`` follows the changed word, and the share that keeps the clip's."""
    captions = [c.caption for c in combos] * clips_per_combo
    result = {}
    for kind in kinds:
        prompts = [flip_caption(c, kind) for c in captions]
        result[kind] = {}
        for strength, clips in part_noised(pipe, captions, prompts, strengths, seed).items():
            read = [getattr(analyse_clip(clip), kind) for clip in clips]
            word = sum(r == getattr(parse_caption(p), kind) for r, p in zip(read, prompts)) / len(read)
            clip = sum(r == getattr(parse_caption(c), kind) for r, c in zip(read, captions)) / len(read)
            result[kind][strength] = {"word": round(word, 4), "clip": round(clip, 4)}
    return result
