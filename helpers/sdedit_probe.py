"""Where is an attribute decided during sampling? Hand the model the answer and see what it keeps.

SDEdit (Meng et al. 2021, arXiv 2108.01073) on a text-to-video pipeline: noise a *true* clip to
strength ``s`` (the share of the 50 DDIM steps that are run: the first is at t ~ 1000 x s) and let the model denoise it.

- :func:`shape_recovery`: with the clip's own caption. What survives a strength is what the model
  can rebuild from that much noise; at ``s = 1`` it is plain text-to-video.
- :func:`word_or_clip`: with one word of the caption changed (``helpers.latent_diffusion.flip_caption``).
  Per kind and strength, the share of outputs that follow the word and the share that keep the clip:
  at low noise the clip wins, at pure noise a word the model uses wins.
- :func:`one_step_grades`: no sampling at all. Noise true clips to level ``t``, make *one* call of the
  denoiser with the clip's own caption and decode its estimate of the clean clip,
  ``x0_hat = (z_t - sigma_t * eps_hat) / alpha_t``. With the caption known, a perfect model's estimate
  keeps the shape wherever the object's place is still visible; what it loses is the denoiser's doing.

``CogVideoXVideoToVideoPipeline`` built from a ``CogVideoXPipeline``'s own parts does the noising
and denoising; the clips come from :mod:`helpers.shapes`, the grades from :mod:`helpers.judge`.

    shape_recovery(pipe, [0.3, 1.0])        # {0.3: {"color": 1.0, "shape": 0.9, ...}, 1.0: {...}}
    one_step_grades(pipe, [900, 500])       # {900: {"shape": 0.44, ...}, 500: {"shape": 0.76, ...}}
"""

from __future__ import annotations

import torch
from einops import rearrange

from .judge import analyse_clip, grade_clips
from .latent_diffusion import add_noise, candidate_weights, clean_estimate, flip_caption, ideal_clean_estimate
from .shapes import TRAIN_COMBOS, make_batch, parse_caption
from .video import frames_to_pil, tensor_to_clips

#: the strengths of the course's measurement (notebook 04, section 9; ``data/tiny-t2v/README.md``)
RECOVERY_STRENGTHS = [0.3, 0.5, 0.7, 0.85, 1.0]
#: the noise levels of the one-step measurement (notebook 04, section 9; ``data/tiny-t2v/README.md``)
ONE_STEP_TIMESTEPS = [900, 700, 500, 300]


def part_noised(pipe, captions: list[str], prompts: list[str], strengths: list[float], seed: int, steps: int = 50) -> dict[float, list]:
    """True clips of ``captions`` noised to each strength and denoised with ``prompts`` by the last ``strength`` share of a
    ``steps``-step sampler: ``{strength: [(F, H, W, 3) clips]}``."""
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
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
                      num_inference_steps=steps, generator=torch.Generator().manual_seed(seed + start), output_type="np")
            clips += list(out.frames)
        result[strength] = clips
    return result


def shape_recovery(pipe, strengths: list[float] = RECOVERY_STRENGTHS, clips_per_combo: int = 2, seed: int = 7, combos=TRAIN_COMBOS,
                   steps: int = 50) -> dict[float, dict[str, float]]:
    """``helpers.judge.grade_clips`` rates after noising true clips of ``combos`` to each strength and denoising them with their
    own caption (:func:`part_noised` with ``steps``)."""
    captions = [c.caption for c in combos] * clips_per_combo
    return {s: grade_clips(clips, captions) for s, clips in part_noised(pipe, captions, captions, strengths, seed, steps).items()}


def word_or_clip(pipe, strengths: list[float] = RECOVERY_STRENGTHS, clips_per_combo: int = 1, seed: int = 7, combos=TRAIN_COMBOS,
                 kinds: tuple[str, ...] = ("color", "shape", "direction"), steps: int = 50) -> dict[str, dict[float, dict[str, float]]]:
    """Which wins when the caption contradicts the clip: per kind (colour, shape, direction) and strength,
    the share of outputs whose ``kind`` follows the changed word, and the share that keeps the clip's (``steps``: see
    :func:`part_noised`)."""
    captions = [c.caption for c in combos] * clips_per_combo
    result = {}
    for kind in kinds:
        prompts = [flip_caption(c, kind) for c in captions]
        result[kind] = {}
        for strength, clips in part_noised(pipe, captions, prompts, strengths, seed, steps).items():
            read = [getattr(analyse_clip(clip), kind) for clip in clips]
            word = sum(r == getattr(parse_caption(p), kind) for r, p in zip(read, prompts)) / len(read)
            clip = sum(r == getattr(parse_caption(c), kind) for r, c in zip(read, captions)) / len(read)
            result[kind][strength] = {"word": round(word, 4), "clip": round(clip, 4)}
    return result


@torch.no_grad()
def true_latents(pipe, captions: list[str], seed: int, batch: int = 40) -> torch.Tensor:
    """Scaled latents ``(N, c, F, h, w)`` of fresh true clips of ``captions`` (the pipeline's own autoencoder, posterior mean)."""
    video = make_batch(captions, seed=seed)  # (N, 3, F, H, W) in [-1, 1]
    means = [pipe.vae.encode(video[i : i + batch]).latent_dist.mean for i in range(0, len(captions), batch)]
    return torch.cat(means) * pipe.vae.config.scaling_factor  # (N, c, F, h, w)


def noised_latents(pipe, latents: torch.Tensor, t: int, seed: int) -> torch.Tensor:
    """``latents (N, c, F, h, w)`` noised to timestep ``t`` with noise seeded by ``seed + t`` (the same noise for every caller)."""
    noise = torch.randn(latents.shape, generator=torch.Generator().manual_seed(seed + t))  # (N, c, F, h, w)
    return add_noise(pipe.scheduler, latents, noise, torch.full((len(latents),), t))[0]  # (N, c, F, h, w)


def candidate_pools(pipe, captions: list[str], candidates: int, seed: int) -> dict[str, torch.Tensor]:
    """``candidates`` fresh clips of each distinct caption, encoded: ``{caption: (K, c, F, h, w)}`` (the ideal denoiser's candidates)."""
    unique = sorted(set(captions))
    pool = true_latents(pipe, [c for c in unique for _ in range(candidates)], seed)  # (U * K, c, F, h, w)
    return dict(zip(unique, pool.split(candidates)))


def effective_candidates(weights: torch.Tensor) -> float:
    """How many candidates the weights ``(K,)`` average over: ``1 / sum w_k^2`` (1: one candidate, K: all equally)."""
    return float(1 / weights.pow(2).sum())


@torch.no_grad()
def one_step_estimates(pipe, latents: torch.Tensor, captions: list[str], t: int, seed: int, batch: int = 40) -> torch.Tensor:
    """Scaled true ``latents (N, c, F, h, w)`` noised to timestep ``t`` (:func:`noised_latents`) and denoised by *one* call of
    ``pipe``'s transformer with ``captions`` (no guidance): the model's clean estimates ``x0_hat (N, c, F, h, w)``."""
    alpha_bar = pipe.scheduler.alphas_cumprod[t]
    zt = rearrange(noised_latents(pipe, latents, t, seed), "b c f h w -> b f c h w")  # (N, F, c, h, w)
    embeddings = pipe.encode_prompt(captions, do_classifier_free_guidance=False, device="cpu")[0]  # (N, L, D)
    parts = []
    for i in range(0, len(captions), batch):
        z = zt[i : i + batch]  # (b, F, c, h, w)
        pred = pipe.transformer(hidden_states=z, encoder_hidden_states=embeddings[i : i + batch], timestep=torch.full((len(z),), t),
                                return_dict=False)[0]  # (b, F, c, h, w)
        parts.append(clean_estimate(pred.float(), z, alpha_bar, pipe.scheduler.config.prediction_type))  # (b, F, c, h, w)
    return rearrange(torch.cat(parts), "b f c h w -> b c f h w")  # (N, c, F, h, w)


@torch.no_grad()
def one_step_clips(pipe, captions: list[str], timesteps: list[int], seed: int = 21, batch: int = 40, ideal_candidates: int = 0) -> dict[int, list]:
    """True clips of ``captions`` noised to each timestep, denoised by *one* call with their own caption (no guidance)
    and decoded: ``{t: [(F, H, W, 3) clips in [0, 1]]}``. ``pipe`` is a ``CogVideoXPipeline``.

    With ``ideal_candidates=K`` the model is replaced by the ideal denoiser over K fresh clips of each
    caption (:func:`ideal_clean_estimate`): what a perfect model that knows the caption would estimate.
    """
    num_t = pipe.scheduler.config.num_train_timesteps
    for t in timesteps:
        if not 0 <= t < num_t:
            raise ValueError(f"timesteps must be in [0, {num_t - 1}], got {t}")
    if ideal_candidates < 0:
        raise ValueError(f"ideal_candidates must be >= 0, got {ideal_candidates}")
    latents = true_latents(pipe, captions, seed, batch)  # (N, c, F, h, w)
    scale = pipe.vae.config.scaling_factor
    pools = candidate_pools(pipe, captions, ideal_candidates, seed + 1) if ideal_candidates else {}
    result = {}
    for t in timesteps:
        if ideal_candidates:
            alpha_bar = pipe.scheduler.alphas_cumprod[t]
            noisy = noised_latents(pipe, latents, t, seed)  # (N, c, F, h, w)
            x0 = torch.stack([ideal_clean_estimate(zi, pools[c], alpha_bar) for zi, c in zip(noisy, captions)])  # (N, c, F, h, w)
        else:
            x0 = one_step_estimates(pipe, latents, captions, t, seed, batch)  # (N, c, F, h, w)
        clips = []
        for i in range(0, len(captions), batch):
            decoded = pipe.vae.decode(x0[i : i + batch] / scale).sample  # (b, 3, F, H, W)
            clips += tensor_to_clips(decoded.clamp(-1, 1))
        result[t] = clips
    return result


def one_step_grades(pipe, timesteps: list[int] = ONE_STEP_TIMESTEPS, clips_per_combo: int = 2, seed: int = 21,
                    combos=TRAIN_COMBOS, ideal_candidates: int = 0) -> dict[int, dict[str, float]]:
    """``helpers.judge.grade_clips`` rates of :func:`one_step_clips` on true clips of ``combos``, per timestep."""
    captions = [c.caption for c in combos] * clips_per_combo
    clips = one_step_clips(pipe, captions, timesteps, seed, ideal_candidates=ideal_candidates)
    return {t: grade_clips(c, captions) for t, c in clips.items()}
