"""Train the course's tiny text-to-video pipeline (``data/tiny-t2v``) from scratch.

    python -m helpers.train_t2v --out data/tiny-t2v                 # CPU or one GPU
    accelerate launch -m helpers.train_t2v --out data/tiny-t2v     # several GPUs
    python -m helpers.train_t2v --vae data/frame-autoencoder --steps 300   # reuse the autoencoder
    python -m helpers.train_t2v --recipe continue-gpu --init runs/a --causal-vae runs/a/vae --out runs/b   # a later stage

Steps: 1. the frame autoencoder of notebook 03 (trained here unless ``--vae`` names one); 2. render
clips of the 40 training combinations (never the held-out ones) and cache their latents (kept in the
work folder for a resumed run, with a checksum of the autoencoder that made them); 3. train
the denoiser and the text encoder together on the shared loop (:mod:`helpers.trainer`) with caption
dropout and EMA, tracking the caption-loss gaps, in two phases: (a) every clip at pure noise with a
high learning rate, until the direction word is used, (b) every noise level; 4. ``save_pretrained``
a pipeline whose defaults give a 16x32x32 clip: a ``CogVideoXPipeline`` (the shipped denoiser, a
diffusion transformer; its causal 3D autoencoder distilled from step 1's, :mod:`helpers.causal_vae`)
or, with ``denoiser="unet3d"``, the lesson's ``TextToVideoSDPipeline``. :func:`evaluate` grades
samples of all 48 combinations with :mod:`helpers.judge` (:mod:`helpers.t2v_quality`).
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from dataclasses import asdict, replace
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from .additive_text import additive_text_loss
from .autoencoder import encode_video, train_vae
from .causal_vae import distill_causal_vae
from .denoisers import COGVIDEOX_TEXT_LENGTH, DiTConfig, UNetConfig, build_transformer, build_unet, deepen_transformer, num_params  # noqa: F401 (re-exported)
from .guidance_bake import baked_guidance_loss
from .latent_diffusion import (
    TextToVideoDenoiser, caption_loss_gaps, drop_captions, drop_words, make_scheduler, posterior_targets, sample_timesteps, t2v_loss,
)
from .runtime import make_portable
from .sampled_states import StatePool
from .shape_critic import critic_loss, train_critic
from .shapes import REFERENCE_FRAMES, SHAPES, TRAIN_COMBOS, make_batch, parse_caption
from .text_encoder import build_text_encoder, build_tokenizer, tokenize
from .t2v_quality import evaluate
from .t2v_recipes import RECIPES, T2VConfig
from .trainer import TrainConfig, train
from .word_heads import WordHeads, word_token_ids


def build_denoiser(cfg: T2VConfig) -> TextToVideoDenoiser:
    """Fresh denoiser (DiT or UNet3D) + text encoder + tokenizer + scheduler, bundled for training."""
    tokenizer = build_tokenizer(max_length=cfg.text.max_length)
    text_encoder = build_text_encoder(cfg.text, tokenizer)
    sample_size = cfg.vae.sample_size // cfg.vae.downsample
    if cfg.denoiser == "dit":
        unet = build_transformer(cfg.dit, cfg.vae.latent_channels, cfg.text.hidden_size, sample_size, REFERENCE_FRAMES, cfg.text.max_length)
    else:
        unet = build_unet(cfg.unet, cfg.vae.latent_channels, cfg.text.hidden_size, sample_size)
    return TextToVideoDenoiser(unet, text_encoder, tokenizer, make_scheduler(cfg.prediction_type))


def combo_captions(combos, clips_per_combo: int) -> list[str]:
    """Each combo's caption ``clips_per_combo`` times, combo by combo: the order of :func:`cache_latents`' clips."""
    return [c.caption for c in combos for _ in range(clips_per_combo)]


@torch.no_grad()
def cache_latents(vae, combos, clips_per_combo: int, seed: int, device: torch.device, chunk: int = 64) -> tuple[torch.Tensor, list[str]]:
    """Render ``clips_per_combo`` clips of each combo and encode them: latents ``(N, c, F, h, w)`` and captions."""
    captions = combo_captions(combos, clips_per_combo)
    vae = vae.to(device)
    parts = []
    for start in range(0, len(captions), chunk):
        video = make_batch(captions[start : start + chunk], seed=seed * 1_000_003 + start).to(device)  # (b, 3, F, H, W)
        parts.append(encode_video(vae, video))  # (b, c, F, h, w)
    return torch.cat(parts).contiguous(), captions  # (N, c, F, h, w); contiguous, so a pool of them flattens without a copy


def cached_latents(vae, combos, clips_per_combo: int, seed: int, device: torch.device, folder: Path | None = None) -> tuple[torch.Tensor, list[str]]:
    """:func:`cache_latents`, kept in ``folder`` (if given) with a checksum of ``vae`` and the captions, and read back from
    there when both match: a resumed run skips the rendering and encoding (about 6.5 min for 12,000 clips on 2 cores)."""
    if folder is None:
        return cache_latents(vae, combos, clips_per_combo, seed, device)
    path = Path(folder) / f"latents-{clips_per_combo}-seed{seed}.safetensors"
    made_by = {"vae": f"{float(sum(p.detach().double().sum() for p in vae.parameters())):.12e}", "captions": ";".join(c.caption for c in combos)}
    if path.exists() and safe_open(path, "pt").metadata() == made_by:
        return load_file(path)["latents"].to(device), combo_captions(combos, clips_per_combo)
    latents, captions = cache_latents(vae, combos, clips_per_combo, seed, device)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({"latents": latents.cpu()}, path, metadata=made_by)
    return latents, captions


def make_batch_fn(latents: torch.Tensor, input_ids: torch.Tensor, empty_ids: torch.Tensor, cfg: T2VConfig, num_train_timesteps: int, noise_scale: float = 1.0,
                  alphas_cumprod: torch.Tensor | None = None, tokenizer=None):
    """``batch_fn(step)`` for the trainer: a deterministic random batch of cached latents, dropped captions, timesteps and noise.

    ``noise_scale=0`` at pure noise (t = T-1) feeds the denoiser zeros: it must then map the caption
    and the positions alone to the clip (target ``v = -z_0``), the mean clip of each caption.
    With ``cfg.posterior_target`` (needs the scheduler's ``alphas_cumprod``) the batch also holds
    ``target_latents``: the posterior mean over the ``cfg.clips_per_combo`` cached clips of each
    clip's caption (over all clips when its caption was dropped), latents ordered combo by combo.
    """
    if cfg.posterior_target and alphas_cumprod is None:
        raise ValueError("posterior_target needs the scheduler's alphas_cumprod")
    if cfg.word_dropout and tokenizer is None:
        raise ValueError("word_dropout needs the tokenizer (its ids of the words, and [UNK])")
    dropped_words = [(word_token_ids(tokenizer, kind), p) for kind, p in cfg.word_dropout.items() if p > 0]

    def batch_fn(step: int) -> dict:
        gen = torch.Generator("cpu").manual_seed(cfg.seed * 1_000_003 + step)
        idx = torch.randint(0, latents.shape[0], (cfg.batch_size,), generator=gen)  # (B,)
        ids = drop_captions(input_ids[idx], empty_ids, cfg.caption_dropout, gen)  # (B, L)
        for word_ids, p in dropped_words:  # no draws when there are none: the batches of other recipes stay as they were
            ids = drop_words(ids, word_ids, tokenizer.unk_token_id, p, gen)  # (B, L)
        t = sample_timesteps(cfg.batch_size, num_train_timesteps, gen, cfg.high_noise_share, cfg.noise_band, cfg.noise_band_share)  # (B,)
        noise = torch.randn((cfg.batch_size, *latents.shape[1:]), generator=gen) * noise_scale  # (B, c, F, h, w)
        batch = {"latents": latents[idx.to(latents.device)], "input_ids": ids, "t": t, "noise": noise, "step": step}
        if cfg.posterior_target:
            dropped = (ids == empty_ids.to(ids.device)).all(dim=1).tolist()  # (B,)
            first = (idx // cfg.clips_per_combo * cfg.clips_per_combo).tolist()  # (B,) each caption's first cached clip
            pools = [latents if drop else latents[start : start + cfg.clips_per_combo] for drop, start in zip(dropped, first)]
            batch["target_latents"] = posterior_targets(batch["latents"], noise.to(latents.device), alphas_cumprod.to(latents.device)[t].float(), pools)
        return batch

    return batch_fn


def pool_captions(input_ids: torch.Tensor, tokenizer, open_kinds: tuple[str, ...] = ()) -> torch.Tensor:
    """The captions a pool of sampling states draws from: ``input_ids (N, L)`` and, for each kind in ``open_kinds``, the
    same captions with that word as ``[UNK]``: ``(N * (1 + len(open_kinds)), L)``."""
    return torch.cat([input_ids] + [drop_words(input_ids, word_token_ids(tokenizer, kind), tokenizer.unk_token_id, 1.0) for kind in open_kinds])


def assemble_pipeline(model: TextToVideoDenoiser, vae):
    """A ``CogVideoXPipeline`` (DiT) or ``TextToVideoSDPipeline`` (UNet3D) from trained parts (on the CPU, float32)."""
    from diffusers import CogVideoXPipeline, TextToVideoSDPipeline

    if model.frames_first:
        return CogVideoXPipeline(
            tokenizer=model.tokenizer, text_encoder=model.text_encoder.cpu().float(), vae=vae.cpu().float(),
            transformer=model.unet.cpu().float(), scheduler=model.scheduler,
        )
    return TextToVideoSDPipeline(
        vae=vae.cpu().float(), text_encoder=model.text_encoder.cpu().float(), tokenizer=model.tokenizer,
        unet=model.unet.cpu().float(), scheduler=model.scheduler,
    )


def run(
    cfg: T2VConfig, out: str | Path, vae_path: str | None = None, work_dir: str | Path | None = None, progress: bool = True, init_from: str | None = None,
    causal_vae_path: str | None = None,
) -> dict:
    """The whole recipe (steps 1-4 of the module docstring); returns a summary with the loss and gap history."""
    from diffusers import AutoencoderKL

    started = time.monotonic()
    out, work = Path(out), Path(work_dir) if work_dir else None
    device = torch.device("cuda" if torch.cuda.is_available() and not cfg.train.cpu else "cpu")
    # 1. autoencoder
    if vae_path:
        vae = AutoencoderKL.from_pretrained(vae_path)
    else:
        vae_train = TrainConfig(**{**asdict(cfg.vae_train), "checkpoint_dir": str(work / "vae") if work else None, "progress": progress})
        vae = train_vae(cfg.vae, vae_train, cfg.vae_batch)
    vae.eval().requires_grad_(False)
    if work:  # the frame autoencoder, for --vae on a resumed or later run
        vae.save_pretrained(work / "frame_vae")
    vae_s = time.monotonic() - started
    # 2. latents of the training combinations
    latents, captions = cached_latents(vae, TRAIN_COMBOS, cfg.clips_per_combo, cfg.seed, device, work)
    model = build_denoiser(cfg)
    if init_from:  # continue from a saved pipeline's denoiser and text encoder
        folder = Path(init_from) / ("transformer" if model.frames_first else "unet")
        model.unet = type(model.unet).from_pretrained(folder)
        model.text_encoder = type(model.text_encoder).from_pretrained(Path(init_from) / "text_encoder")
    if cfg.deepen_to:
        if not (init_from and model.frames_first):
            raise ValueError("deepen_to adds blocks to a trained transformer: it needs --init and the dit denoiser")
        model.unet = deepen_transformer(model.unet, cfg.deepen_to)
    if cfg.word_loss:  # trained with the model (and in its checkpoints), never saved with the pipeline
        text_cfg = model.text_encoder.config
        model.word_heads = WordHeads(model.tokenizer, getattr(text_cfg, "d_model", None) or text_cfg.hidden_size, cfg.word_loss)
    input_ids = tokenize(model.tokenizer, captions).to(latents.device)  # (N, L)
    loss_fn = t2v_loss
    if cfg.bake_guidance:  # a frozen copy of the loaded model teaches; the text encoder stays as it is
        if not init_from:
            raise ValueError("bake_guidance distils a trained model: it needs --init")
        loss_fn = baked_guidance_loss(copy.deepcopy(model), cfg.bake_guidance)
        model.text_encoder.requires_grad_(False)
    if cfg.critic_weight:  # a frozen critic trained on the cached latents (seeded: a resumed run gets the same one)
        shapes = torch.tensor([SHAPES.index(parse_caption(c).shape) for c in captions])  # (N,)
        decoder = vae if cfg.critic.space in ("pixel", "judge") else None  # the frame autoencoder, frozen
        critic = train_critic(latents.cpu(), shapes, replace(cfg.critic, latent_channels=latents.shape[1]), decoder).to(latents.device)
        pool = None
        if cfg.critic.sampled:  # the model's own sampling states of the training captions, redrawn as it learns
            c = cfg.critic
            pool = StatePool(pool_captions(input_ids, model.tokenizer, cfg.pool_word_dropout), tuple(latents.shape[1:]), c.sampled_clips, c.sampled_every, c.sampled_band, seed=cfg.seed)
        loss_fn = critic_loss(critic, cfg.critic_weight, decoder, pool)
    if cfg.additive_text:  # the text encoder's outputs for the 40 trained captions pushed toward one part per word
        loss_fn = additive_text_loss(loss_fn, cfg.additive_text, tokenize(model.tokenizer, [c.caption for c in TRAIN_COMBOS]).to(latents.device), TRAIN_COMBOS)
    num_t = model.scheduler.config.num_train_timesteps
    # 3. train, probing the caption gaps now and then on fixed clips of every training combo
    probe = latents[:: cfg.clips_per_combo][:40], captions[:: cfg.clips_per_combo][:40]
    gaps: list[dict] = []
    unet_started = time.monotonic()
    phases = [("pure_noise", cfg.pure_noise, 1.0, cfg.pure_noise_input), ("unet", cfg.train, cfg.high_noise_share, 1.0)]
    for name, phase, share, noise_scale in [p for p in phases if p[1] is not None]:

        def on_log(step: int, row: dict, name=name, phase=phase) -> None:
            if cfg.gap_every and (step % cfg.gap_every == 0 or step == phase.steps):
                g = caption_loss_gaps(model, probe[0], probe[1], [999, 700, 400])
                gaps.append({"phase": name, "step": step, **{k: [round(float(x), 5) for x in v] for k, v in g.items()}})
                print(f"{name} step {step} gaps at t=999/700/400: " + "; ".join(f"{k} {v}" for k, v in gaps[-1].items() if k not in ("step", "phase")), flush=True)

        batch_fn = make_batch_fn(latents, input_ids, model.empty_ids(), replace(cfg, high_noise_share=share), num_t, noise_scale, model.scheduler.alphas_cumprod,
                                 model.tokenizer)
        train_cfg = TrainConfig(**{**asdict(phase), "checkpoint_dir": str(work / name) if work else None, "progress": progress})
        result = train(model, loss_fn, batch_fn, train_cfg, on_log=on_log)
        if result.ema is not None:
            result.ema.copy_to(model)
    # 4. save (the DiT's pipeline needs a 3D autoencoder: the frame autoencoder's latent space, distilled)
    if model.frames_first and causal_vae_path:  # reuse one distilled before (it depends only on the frame autoencoder)
        from diffusers import AutoencoderKLCogVideoX

        pipe_vae = AutoencoderKLCogVideoX.from_pretrained(causal_vae_path)
    elif model.frames_first:
        pipe_vae = distill_causal_vae(vae, cfg.causal_vae, work_dir=work / "causal_vae" if work else None, progress=progress)
    else:
        pipe_vae = vae
    pipe = assemble_pipeline(model, pipe_vae)
    pipe.save_pretrained(out)
    make_portable(out)  # no source folder (with --init the denoiser was loaded from one), a tokenizer class transformers 4 knows
    summary = {
        "config": asdict(cfg), "history": result.history, "gaps": gaps, "device": str(device),
        "vae_s": vae_s, "unet_s": time.monotonic() - unet_started, "total_s": time.monotonic() - started,
        "unet_params": num_params(model.unet), "text_encoder_params": num_params(model.text_encoder), "vae_params": num_params(vae),
    }
    if work:
        (work / "summary.json").write_text(json.dumps(summary, indent=1))
    return summary


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python -m helpers.train_t2v --out DIR [--vae DIR] [--steps N] [--work DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="data/tiny-t2v", help="where to save_pretrained the pipeline")
    parser.add_argument("--vae", default=None, help="an AutoencoderKL folder to reuse (default: train one)")
    parser.add_argument("--steps", type=int, default=None, help="UNet training steps (default: T2VConfig)")
    parser.add_argument("--vae-steps", type=int, default=None)
    parser.add_argument("--clips-per-combo", type=int, default=None)
    parser.add_argument("--work", default="runs/tiny-t2v", help="checkpoints and summary.json (resume from here)")
    parser.add_argument("--evaluate", type=int, default=0, help="grade N samples per combination after training")
    parser.add_argument("--init", default=None, help="a saved pipeline folder whose UNet and text encoder to continue from")
    parser.add_argument("--minutes", type=float, default=None, help="time limit for the denoiser training")
    parser.add_argument("--causal-vae", default=None, help="an AutoencoderKLCogVideoX folder to reuse instead of distilling one")
    parser.add_argument("--recipe", default=None, choices=sorted(RECIPES), help="a later stage of the shipped recipe (with --init)")
    args = parser.parse_args(argv)
    if args.recipe and not args.init:
        parser.error(f"--recipe {args.recipe} continues a saved pipeline: give it with --init")
    cfg = copy.deepcopy(RECIPES[args.recipe]) if args.recipe else T2VConfig()
    if args.steps:
        cfg.train.steps = args.steps
    if args.vae_steps:
        cfg.vae_train.steps = args.vae_steps
    if args.clips_per_combo:
        cfg.clips_per_combo = args.clips_per_combo
    if args.minutes:
        cfg.train.time_limit_s = 60 * args.minutes
    summary = run(cfg, args.out, args.vae, args.work, init_from=args.init, causal_vae_path=args.causal_vae)
    print(json.dumps({k: v for k, v in summary.items() if k not in ("history", "config", "gaps")}, indent=1))
    if args.evaluate:
        from diffusers import DiffusionPipeline

        grades = evaluate(DiffusionPipeline.from_pretrained(args.out), args.evaluate)
        print(json.dumps(grades, indent=1))
        Path(args.work, "grades.json").write_text(json.dumps(grades, indent=1))


if __name__ == "__main__":
    main()

