"""Where does the shape word get lost? Four probes of ``data/tiny-t2v-base``, the shipped model before the shape losses
(the measurements behind notebook 04, section 9, and the card's 2026-12-06 paragraph):

    python -m scripts.probe_shape gaps          # each word's loss gap: the ideal denoiser's vs the model's, per noise level
    python -m scripts.probe_shape samplers      # shape right under other samplers (DDIM eta, DDPM, SDE-DPM-Solver++)
    python -m scripts.probe_shape decoder --minutes 10   # a decoder fine-tuned on noisy latents, on the model's own latents
    python -m scripts.probe_shape spread        # how far each word reaches into the text encoder's padding tokens
    python -m scripts.probe_shape captions --folder data/tiny-t2v   # held-out shapes from swapped text outputs

The autoencoder, the text spread and the word heads are in ``helpers.autoencoder.word_change_energy`` and
``helpers.word_heads``; ``python -m scripts.probe_denoisers few-captions --pixel-weight W`` adds a loss on decoded frames.
"""

from __future__ import annotations

import argparse
import copy
import json
import time

import numpy as np
import torch

from helpers.autoencoder import FRAME_AUTOENCODER, decode_video, encode_video
from helpers.judge import grade_clips
from helpers.latent_diffusion import FLIPS, TextToVideoDenoiser, caption_loss_gaps, flip_caption, ideal_clean_estimate
from helpers.shapes import ALL_COMBOS, TRAIN_COMBOS, make_batch
from helpers.train_t2v import cache_latents
from helpers.video import tensor_to_clips

KINDS = tuple(FLIPS)  # the kinds of word a caption has: colour, shape, direction
#: scheduler class name, extra scheduler config, extra pipeline arguments
SAMPLERS: dict[str, tuple[str, dict, dict]] = {
    "DDIM eta 0 (default)": ("DDIMScheduler", {}, {}),
    "DDIM eta 0.5": ("DDIMScheduler", {}, {"eta": 0.5}),
    "DDIM eta 1": ("DDIMScheduler", {}, {"eta": 1.0}),
    "DDPM": ("DDPMScheduler", {}, {}),
    "SDE-DPM-Solver++": ("DPMSolverMultistepScheduler", {"algorithm_type": "sde-dpmsolver++"}, {}),
}


def word_gaps(pipe, timesteps: list[int], pool: int = 100, clips_per_combo: int = 2, seed: int = 99) -> dict[str, dict[str, list[float]]]:
    """Loss gap of each flipped word, for the ideal denoiser (the posterior mean over ``pool`` clips of the caption given)
    and for the model, on the same fresh clips of the training combinations and the same noise, per timestep.

    The ideal's loss with a caption is ``|x0 - x0_hat|^2 / sigma^2`` (the v-loss of its clean estimate): the gap says how
    much the loss *could* drop by reading the word. With a finite pool the ideal's loss at low noise is too high (no
    candidate is the clip itself); above t ~ 700 the posterior spreads over many candidates and the figure is sound."""
    from diffusers import AutoencoderKL

    vae = AutoencoderKL.from_pretrained(FRAME_AUTOENCODER).eval()
    pools_flat, pool_captions = cache_latents(vae, ALL_COMBOS, pool, seed + 1, torch.device("cpu"))  # (48 * pool, c, F, h, w)
    pools = dict(zip(pool_captions[::pool], pools_flat.split(pool)))
    latents, captions = cache_latents(vae, TRAIN_COMBOS, clips_per_combo, seed, torch.device("cpu"))  # (N, c, F, h, w)
    generator = torch.Generator().manual_seed(seed)
    ideal = {key: [] for key in ("loss", *KINDS)}
    for t in timesteps:
        alpha_bar = pipe.scheduler.alphas_cumprod[t].float()
        zt = alpha_bar.sqrt() * latents + (1 - alpha_bar).sqrt() * torch.randn(latents.shape, generator=generator)  # (N, c, F, h, w)

        def v_loss(caption: str, i: int) -> float:
            x0 = ideal_clean_estimate(zt[i], pools[caption], alpha_bar)  # (c, F, h, w)
            return float((x0 - latents[i]).pow(2).mean() / (1 - alpha_bar))

        base = float(np.mean([v_loss(c, i) for i, c in enumerate(captions)]))
        ideal["loss"].append(round(base, 4))
        for kind in KINDS:
            ideal[kind].append(round(float(np.mean([v_loss(flip_caption(c, kind), i) for i, c in enumerate(captions)])) - base, 4))
    model = caption_loss_gaps(TextToVideoDenoiser.from_pipeline(pipe), latents, captions, timesteps, seed=seed)
    return {"timesteps": list(timesteps), "ideal": ideal, "model": {k: [round(float(x), 4) for x in v] for k, v in model.items()}}


def sampler_grades(pipe, names: list[str] | None = None, clips_per_combo: int = 2, combos=TRAIN_COMBOS) -> dict[str, dict[str, float]]:
    """``helpers.judge.grade_clips`` rates of samples of ``combos`` (seeds 0..clips_per_combo-1) under each sampler of
    :data:`SAMPLERS` (all of them by default); the pipeline's own scheduler is put back afterwards."""
    import diffusers

    names = names or list(SAMPLERS)
    unknown = [n for n in names if n not in SAMPLERS]
    if unknown:
        raise ValueError(f"unknown samplers {unknown}; known: {list(SAMPLERS)}")
    captions, own = [c.caption for c in combos], pipe.scheduler
    out = {}
    try:
        for name in names:
            cls, extra, call = SAMPLERS[name]
            pipe.scheduler = getattr(diffusers, cls).from_config(own.config, **extra)
            clips = [clip for seed in range(clips_per_combo)
                     for clip in pipe(captions, output_type="np", generator=torch.Generator().manual_seed(seed), **call).frames]
            out[name] = {k: round(v, 3) for k, v in grade_clips(clips, captions * clips_per_combo).items()}
    finally:
        pipe.scheduler = own
    return out


@torch.no_grad()
def decoded_shape(vae, latents: torch.Tensor, captions: list[str], batch: int = 20) -> float:
    """Share of right shapes when the frame autoencoder ``vae`` decodes ``latents (N, c, F, h, w)``."""
    video = torch.cat([decode_video(vae, latents[i : i + batch]) for i in range(0, len(latents), batch)])  # (N, 3, F, H, W)
    return grade_clips(tensor_to_clips(video), captions)["shape"]


def robust_decoder(pipe, minutes: float, max_sigma: float = 0.5, clips_per_combo: int = 2, batch: int = 8,
                   sigmas: tuple[float, ...] = (0.0, 0.2, 0.4), combos=TRAIN_COMBOS) -> dict:
    """Is the model's latent nearly right, and only decoded badly? Fine-tune the frame decoder to map true latents plus
    noise ``sigma ~ U(0, max_sigma)`` back to the clean clip, then grade shape on the model's own latents and on true
    latents plus noise ``sigmas``, before and after."""
    from diffusers import AutoencoderKL

    torch.manual_seed(0)
    vae = AutoencoderKL.from_pretrained(FRAME_AUTOENCODER).eval().requires_grad_(False)
    captions = [c.caption for c in combos] * clips_per_combo
    n = len(combos)  # one batch per seed, as sampler_grades and helpers.t2v_quality draw them
    generated = torch.cat([pipe(captions[i : i + n], output_type="latent", generator=torch.Generator().manual_seed(i // n)).frames
                           for i in range(0, len(captions), n)]).transpose(1, 2)  # (N, c, F, h, w): the pipeline gives (N, F, c, h, w)
    with torch.no_grad():
        true = encode_video(vae, make_batch(captions, seed=999))  # (N, c, F, h, w)

    def grades(decoder) -> dict:
        noisy = {s: round(decoded_shape(decoder, true + s * torch.randn(true.shape, generator=torch.Generator().manual_seed(1)), captions), 3)
                 for s in sigmas}
        return {"generated": round(decoded_shape(decoder, generated, captions), 3), "true_plus_noise": noisy}

    out = {"before": grades(vae)}
    robust = copy.deepcopy(vae)
    trainable = [*robust.decoder.parameters(), *robust.post_quant_conv.parameters()]
    for p in trainable:
        p.requires_grad_(True)
    optimizer = torch.optim.AdamW(trainable, lr=2e-4)
    started, step = time.monotonic(), 0
    while time.monotonic() - started < 60 * minutes:
        rng = np.random.default_rng(step)
        clips = make_batch([combos[i].caption for i in rng.integers(0, len(combos), batch)], seed=10_000 + step * batch)  # (b, 3, F, H, W)
        with torch.no_grad():
            z = encode_video(vae, clips)  # (b, c, F, h, w)
            z = z + torch.rand(batch, 1, 1, 1, 1) * max_sigma * torch.randn_like(z)
        error = decode_video(robust, z) - clips  # (b, 3, F, H, W)
        loss = error.pow(2).mean() + 0.5 * error.abs().mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        step += 1
    robust.eval()
    out.update(steps=step, after=grades(robust))
    return out


def caption_swaps(pipe, clips_per_caption: int = 4, trained_every: int = 5, **sample_kwargs) -> dict:
    """Where is a held-out combination's shape lost, in the text encoder's output or in the transformer? Each held-out
    caption's nearest trained caption by padding outputs, then shape, colour, direction and one-object rates of samples
    from its own outputs and from context-free or additive ones (``helpers.caption_states``), for the held-out captions
    and every ``trained_every``-th trained one (``sample_kwargs``: the pipeline's, e.g. ``num_inference_steps``)."""
    from helpers.caption_states import SWAP_MODES, additive_states, grade_states, padding_neighbours, swapped_states, text_states
    from helpers.shapes import HELD_OUT

    trained = [c.caption for c in TRAIN_COMBOS]
    splits = {"held-out": list(HELD_OUT), "trained": list(TRAIN_COMBOS[::trained_every])}
    additive, left = additive_states(pipe, [c for combos in splits.values() for c in combos], TRAIN_COMBOS)  # one fit for both splits
    out: dict = {"padding neighbours": {c.caption: list(n) for c, n in zip(HELD_OUT, padding_neighbours(pipe, [c.caption for c in HELD_OUT], trained))},
                 "additive fit leaves": round(left, 4)}
    for (name, combos), fitted in zip(splits.items(), additive.split([len(c) for c in splits.values()])):
        captions = [c.caption for c in combos]
        variants = {"own": text_states(pipe, captions), **{m: swapped_states(pipe, captions, trained, m) for m in SWAP_MODES}, "additive": fitted}
        out[name] = {v: grade_states(pipe, states, captions, clips_per_caption, **sample_kwargs) for v, states in variants.items()}
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("probe", choices=["gaps", "samplers", "decoder", "spread", "captions"])
    parser.add_argument("--folder", default="data/tiny-t2v-base")
    parser.add_argument("--minutes", type=float, default=10.0, help="decoder: fine-tuning time")
    parser.add_argument("--pool", type=int, default=100, help="gaps: clips per caption the ideal denoiser averages over")
    args = parser.parse_args(argv)
    from diffusers import DiffusionPipeline

    pipe = DiffusionPipeline.from_pretrained(args.folder)
    pipe.set_progress_bar_config(disable=True)
    if args.probe == "gaps":
        result = word_gaps(pipe, [999, 900, 800, 700], pool=args.pool)
    elif args.probe == "samplers":
        result = sampler_grades(pipe)
    elif args.probe == "decoder":
        result = robust_decoder(pipe, args.minutes)
    elif args.probe == "captions":
        result = caption_swaps(pipe)
    else:
        from helpers.word_heads import text_token_spread

        result = text_token_spread(pipe.text_encoder, pipe.tokenizer, "a red circle moving left",
                                   {"red": "blue", "circle": "square", "left": "right"})
    print(json.dumps(result, indent=1), flush=True)


if __name__ == "__main__":
    main()
