"""Measure the figures of data/tiny-t2v/README.md (the quality bar of the tiny text-to-video model).

    python -m scripts.measure_tiny_t2v                       # the shipped pipeline, 4 clips per combination
    python -m scripts.measure_tiny_t2v --folder runs/x/pipeline --clips 2 --no-sweep
    python -m scripts.measure_tiny_t2v --samplers-only       # shape under three samplers (notebook 04, section 9)
    python -m scripts.measure_tiny_t2v --gaps-only           # caption-loss gaps at 11 noise levels (notebook 04, section 9)
    python -m scripts.measure_tiny_t2v --recovery-only       # true clips noised part-way, denoised again: where shape is lost
    python -m scripts.measure_tiny_t2v --conflict-only       # the same with one word of the caption changed: clip or word?
    python -m scripts.measure_tiny_t2v --one-step-only       # one denoiser call from true clips noised to t, vs the ideal denoiser
    python -m scripts.measure_tiny_t2v --contrast-only       # extra guidance away from the other two shapes: is a shape direction there?
    python -m scripts.measure_tiny_t2v --width-cost          # seconds per clip with fresh, wider transformers in the pipeline

Prints and writes ``<folder>/measurements.json`` (or ``--out``): samples graded by
:mod:`helpers.judge` on trained and held-out combinations at the pipeline's defaults, a guidance
sweep, seconds per clip at the defaults, the autoencoder's reconstructions and its agreement with
the frame autoencoder, the caption-loss gaps, and the size on disk.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from helpers.autoencoder import FRAME_AUTOENCODER, encode_video, reconstruction_grades
from helpers.denoisers import fresh_transformer
from helpers.latent_diffusion import TextToVideoDenoiser, caption_loss_gaps
from helpers.model_files import folder_size_mb
from helpers.runtime import DATA_DIR
from helpers.sdedit_probe import (
    candidate_pools, candidate_weights, effective_candidates, noised_latents, one_step_grades, shape_recovery, true_latents, word_or_clip,
)
from helpers.shapes import SHAPES, TRAIN_COMBOS, caption_for, make_batch, parse_caption, split_combos
from helpers.t2v_quality import evaluate, rate_intervals, sample_clips, time_default_clip


def guidance_sweep(pipe, scales: list[float], seed: int = 5) -> dict[float, dict[str, float]]:
    """Adherence at each guidance scale, one clip per training combination."""
    from helpers.judge import grade_clips

    captions = [c.caption for c in TRAIN_COMBOS]
    return {w: grade_clips(sample_clips(pipe, captions, seed, guidance_scale=w), captions) for w in scales}


SAMPLERS = {"DDIM 50 steps": {}, "DDIM 50 steps, eta 1": {"eta": 1.0}, "DDIM 100 steps": {"num_inference_steps": 100}}


def shape_numbers(clips: list, captions: list[str]) -> dict:
    """Shape right, and the judge's median corner ratio and skewness per true shape (why shapes are misread)."""
    import numpy as np

    from helpers.judge import grade_clip

    grades = [grade_clip(clip, caption) for clip, caption in zip(clips, captions)]
    truth = [caption.split()[2] for caption in captions]
    per_shape = {
        shape: {"corners": float(np.nanmedian([g.analysis.corners for g, t in zip(grades, truth) if t == shape])),
                "skewness": float(np.nanmedian([g.analysis.skewness for g, t in zip(grades, truth) if t == shape])),
                "read_as": {s: sum(g.analysis.shape == s for g, t in zip(grades, truth) if t == shape) for s in ("circle", "square", "triangle")}}
        for shape in sorted(set(truth))
    }
    return {"shape": sum(g.shape for g in grades) / len(grades), "per_shape": per_shape}


def sampler_sweep(pipe, clips_per_combo: int = 2, seed: int = 0) -> dict[str, dict]:
    """Shape figures under each of :data:`SAMPLERS`, ``clips_per_combo`` clips of every training combination."""
    captions = [c.caption for c in TRAIN_COMBOS for _ in range(clips_per_combo)]
    return {name: shape_numbers(sample_clips(pipe, captions, seed, **kwargs), captions) for name, kwargs in SAMPLERS.items()}


def other_shapes(caption: str) -> list[str]:
    """The caption with its shape word replaced by each of the two other shapes."""
    combo = parse_caption(caption)
    return [caption_for(combo.color, shape, combo.direction) for shape in SHAPES if shape != combo.shape]


@torch.no_grad()
def contrast_guided_clips(pipe, captions: list[str], shape_guidance: float, guidance: float = 6.0, steps: int = 50, seed: int = 0) -> list:
    """DDIM samples of a ``CogVideoXPipeline`` with classifier-free guidance plus a shape term,
    ``u + w (c - u) + w_s (c - (c_a + c_b) / 2)`` (``c_a``, ``c_b``: the caption with the two other shapes);
    ``shape_guidance=0`` is the pipeline's own sampler. List of ``(F, H, W, 3)`` clips in [0, 1]."""
    import copy

    from einops import rearrange

    from helpers.video import tensor_to_clips

    n, scheduler = len(captions), copy.deepcopy(pipe.scheduler)
    embed = lambda texts: pipe.encode_prompt(texts, do_classifier_free_guidance=False, device="cpu")[0]  # (n, L, D)
    contexts = [embed([""] * n), embed(captions)]
    if shape_guidance:
        others = [other_shapes(c) for c in captions]
        contexts += [embed([o[0] for o in others]), embed([o[1] for o in others])]
    context = torch.cat(contexts)  # (k n, L, D)
    cfg = pipe.transformer.config
    latents = torch.randn((n, cfg.sample_frames, cfg.in_channels, cfg.sample_height, cfg.sample_width), generator=torch.Generator().manual_seed(seed))  # (n, F, c, h, w)
    scheduler.set_timesteps(steps)
    for t in scheduler.timesteps:
        x = latents.repeat(len(contexts), 1, 1, 1, 1)  # (k n, F, c, h, w)
        out = pipe.transformer(hidden_states=x, encoder_hidden_states=context, timestep=t.expand(len(x)), return_dict=False)[0].float()
        parts = out.split(n)  # k x (n, F, c, h, w)
        pred = parts[0] + guidance * (parts[1] - parts[0])
        if shape_guidance:
            pred = pred + shape_guidance * (parts[1] - (parts[2] + parts[3]) / 2)
        latents = scheduler.step(pred, t, latents, return_dict=False)[0]
    video = pipe.vae.decode(rearrange(latents, "b f c h w -> b c f h w") / pipe.vae.config.scaling_factor).sample  # (n, 3, F, H, W)
    return tensor_to_clips(video.clamp(-1, 1))


def contrast_sweep(pipe, scales: list[float] = [0.0, 3.0, 6.0, 12.0], clips_per_combo: int = 2, seed: int = 0) -> dict[float, dict]:
    """Grades of :func:`contrast_guided_clips` at each shape-guidance scale, ``clips_per_combo`` clips of every training combination."""
    from helpers.judge import grade_clips

    captions = [c.caption for c in TRAIN_COMBOS for _ in range(clips_per_combo)]
    result = {}
    for scale in scales:
        clips = []
        for start in range(0, len(captions), 40):
            clips += contrast_guided_clips(pipe, captions[start : start + 40], scale, seed=seed + start)
        result[scale] = grade_clips(clips, captions)
    return result


def ideal_check(pipe, candidates: int = 1024, timesteps: list[int] = [900, 700], seed: int = 21) -> dict:
    """The ideal denoiser with many candidates, so that it averages rather than snaps: on one clip of every third
    square or triangle training combination, its one-step grades and the model's, and how many candidates it
    averages (:func:`helpers.sdedit_probe.effective_candidates`, min / median / max over the clips)."""
    import statistics

    combos = [c for c in TRAIN_COMBOS if c.shape != "circle"][::3]
    captions = [c.caption for c in combos]
    latents = true_latents(pipe, captions, seed)  # (N, c, F, h, w): the clips, candidates and noise one_step_clips uses
    pools = candidate_pools(pipe, captions, candidates, seed + 1)
    effective = {}
    for t in timesteps:
        zt = noised_latents(pipe, latents, t, seed)  # (N, c, F, h, w)
        alpha_bar = pipe.scheduler.alphas_cumprod[t]
        counts = [effective_candidates(candidate_weights(z, pools[c], alpha_bar)) for z, c in zip(zt, captions)]
        effective[t] = [round(min(counts), 1), round(statistics.median(counts), 1), round(max(counts), 1)]
    return {"clips": len(captions), "effective_candidates_min_median_max": effective,
            "ideal": one_step_grades(pipe, timesteps, clips_per_combo=1, seed=seed, combos=combos, ideal_candidates=candidates),
            "model": one_step_grades(pipe, timesteps, clips_per_combo=1, seed=seed, combos=combos)}


def width_costs(folder: str | Path, heads: tuple[int, ...] = (4, 5, 6), repeats: int = 3) -> dict[str, float]:
    """Median seconds per clip at the pipeline's defaults with its transformer replaced by a fresh one of
    ``heads`` x 16 features (same depth and patches): what a wider model would cost to sample, before any training."""
    from diffusers import DiffusionPipeline

    result = {}
    for h in heads:
        transformer = fresh_transformer(folder, h).eval()
        pipe = DiffusionPipeline.from_pretrained(folder, transformer=transformer)
        pipe.set_progress_bar_config(disable=True)
        result[f"{transformer.config.num_layers} x {h * transformer.config.attention_head_dim}"] = round(time_default_clip(pipe, repeats)[0], 3)
    return result


GAP_TIMESTEPS = [999, 900, 800, 700, 600, 500, 400, 300, 200, 100, 50]


def gaps_by_level(pipe, frame_vae, timesteps: list[int] = GAP_TIMESTEPS, clips_per_combo: int = 2, seed: int = 21) -> dict[str, list[float]]:
    """Caption-loss gaps (flipped word minus true caption) at ``timesteps``, true clips of every training combination."""
    captions = [c.caption for c in TRAIN_COMBOS] * clips_per_combo
    latents = encode_video(frame_vae, make_batch(captions, seed=seed))  # (N, c, F, h, w)
    gaps = caption_loss_gaps(TextToVideoDenoiser.from_pipeline(pipe), latents, captions, timesteps)
    return {kind: [round(float(x), 4) for x in values] for kind, values in gaps.items()}


def main(argv: list[str] | None = None) -> None:
    from diffusers import AutoencoderKL, DiffusionPipeline

    from helpers.causal_vae import agreement

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", default=str(DATA_DIR / "tiny-t2v"))
    parser.add_argument("--clips", type=int, default=4, help="samples per combination")
    parser.add_argument("--no-sweep", action="store_true")
    parser.add_argument("--out", default=None)
    parser.add_argument("--samplers-only", action="store_true", help="only the sampler sweep (printed, not written)")
    parser.add_argument("--gaps-only", action="store_true", help="only the caption-loss gaps by noise level (printed, not written)")
    parser.add_argument("--recovery-only", action="store_true", help="only the shape recovery from part-noised true clips (printed, not written)")
    parser.add_argument("--conflict-only", action="store_true", help="only part-noised true clips denoised with one word changed (printed, not written)")
    parser.add_argument("--one-step-only", action="store_true", help="only one-step clean-clip estimates, the model's and the ideal's (printed, not written)")
    parser.add_argument("--contrast-only", action="store_true", help="only samples with extra guidance on the shape word (printed, not written)")
    parser.add_argument("--width-cost", action="store_true", help="only seconds per clip with fresh transformers of 64, 80 and 96 features (printed)")
    args = parser.parse_args(argv)
    torch.set_grad_enabled(False)
    folder = Path(args.folder)
    if args.width_cost:
        print(json.dumps(width_costs(folder), indent=1))
        return
    pipe = DiffusionPipeline.from_pretrained(folder)
    pipe.set_progress_bar_config(disable=True)
    if args.samplers_only:
        print(json.dumps(sampler_sweep(pipe), indent=1))
        return
    if args.recovery_only:
        print(json.dumps(shape_recovery(pipe), indent=1))
        return
    if args.conflict_only:
        print(json.dumps(word_or_clip(pipe), indent=1))
        return
    if args.one_step_only:
        print(json.dumps({"model": one_step_grades(pipe), "ideal, 64 candidates": one_step_grades(pipe, ideal_candidates=64),
                          "ideal, 1,024 candidates": ideal_check(pipe)}, indent=1))
        return
    if args.contrast_only:
        print(json.dumps(contrast_sweep(pipe), indent=1))
        return
    frame_vae = AutoencoderKL.from_pretrained(FRAME_AUTOENCODER).eval()
    if args.gaps_only:
        print(json.dumps({"timesteps": GAP_TIMESTEPS, **gaps_by_level(pipe, frame_vae)}))
        return
    figures: dict = {"pipeline": type(pipe).__name__, "size_mb": folder_size_mb(folder)}
    figures["parameters"] = {name: sum(p.numel() for p in c.parameters()) for name, c in pipe.components.items() if isinstance(c, torch.nn.Module)}
    figures["s_per_clip_default"] = time_default_clip(pipe, repeats=3)[0]
    print(json.dumps(figures, indent=1), flush=True)
    started = time.perf_counter()
    figures["samples"] = evaluate(pipe, args.clips)
    figures["samples_s"] = time.perf_counter() - started
    figures["samples_95ci"] = {split: rate_intervals(rates, args.clips * len(split_combos(split))) for split, rates in figures["samples"].items()}
    print(json.dumps(figures["samples"], indent=1), json.dumps(figures["samples_95ci"]), flush=True)
    figures["vae_reconstructions"] = reconstruction_grades(pipe.vae, clips_per_combo=args.clips)
    figures["vae_agreement"] = agreement(pipe.vae, frame_vae, clips=32)
    print(json.dumps({k: figures[k] for k in ("vae_reconstructions", "vae_agreement")}, indent=1), flush=True)
    figures["gaps_t999_700_400"] = gaps_by_level(pipe, frame_vae, [999, 700, 400], clips_per_combo=1)
    print(json.dumps(figures["gaps_t999_700_400"]), flush=True)
    if not args.no_sweep:
        figures["guidance_sweep"] = guidance_sweep(pipe, [1.0, 3.0, 6.0, 9.0, 15.0])
        print(json.dumps(figures["guidance_sweep"], indent=1), flush=True)
    out = Path(args.out) if args.out else folder / "measurements.json"
    out.write_text(json.dumps(figures, indent=1))
    print("written", out)


if __name__ == "__main__":
    main()
