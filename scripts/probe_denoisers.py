"""Which denoisers turn the caption's direction word into a loss gap? (the measurements behind notebook 04, section 9)

    python -m scripts.probe_denoisers motion --minutes 6      # AnimateDiff's UNetMotionModel (frame positions)
    python -m scripts.probe_denoisers dit --minutes 6         # a CogVideoX transformer (absolute 3D positions)
    python -m scripts.probe_denoisers dit --zero-input        # the same, its input zeroed: caption + position only
    python -m scripts.probe_denoisers linear --minutes 1      # a linear head on the text states (no denoiser)
    python -m scripts.probe_denoisers ideal                   # the gaps a perfect model would show at t = 999
    python -m scripts.probe_denoisers few-captions --minutes 10 --caption "a red square moving left"   # one caption's outline at t = 900?
    python -m scripts.probe_denoisers few-captions --minutes 10 --pixel-weight 1 --caption ... # plus a loss on decoded frames

Every run uses the shipped autoencoder's latents of the 40 training combinations, the course's
tokenizer and text encoder, the shared training loop and :func:`helpers.latent_diffusion.caption_loss_gaps`
every 100 steps (t = 999 / 850 / 700). ``--high-noise-share`` of each batch sits at t = 999 (pure noise).
"""

from __future__ import annotations

import argparse
import types

import torch
from torch import nn

from helpers.latent_diffusion import caption_loss_gaps, flip_caption, t2v_loss
from helpers.autoencoder import FRAME_AUTOENCODER, decode_video
from helpers.denoisers import fresh_transformer
from helpers.shapes import ALL_COMBOS, SHAPES, TRAIN_COMBOS, parse_caption
from helpers.text_encoder import TextEncoderConfig, encode_ids, tokenize
from helpers.train_t2v import T2VConfig, build_denoiser, cache_latents, make_batch_fn
from helpers.trainer import TrainConfig, train


def ideal_gaps(clips_per_combo: int = 60) -> dict[str, float]:
    """Loss of the per-caption mean latent clip (the best possible at t = 999) and the gap for each flipped word."""
    from diffusers import AutoencoderKL

    vae = AutoencoderKL.from_pretrained(FRAME_AUTOENCODER).eval()
    latents, _ = cache_latents(vae, ALL_COMBOS, clips_per_combo, 0, torch.device("cpu"))
    latents = latents.view(len(ALL_COMBOS), clips_per_combo, *latents.shape[1:])  # (48, n, c, F, h, w)
    means = latents.mean(1)  # (48, c, F, h, w)
    index = {combo: i for i, combo in enumerate(ALL_COMBOS)}
    base = (latents - means[:, None]).pow(2).mean().item()
    out = {"global_mean_loss": (latents - latents.mean((0, 1))).pow(2).mean().item(), "ideal_loss": base}
    for kind in ("color", "shape", "direction"):
        gaps = []
        for combo in ALL_COMBOS:
            flipped = parse_caption(flip_caption(combo.caption, kind))
            gaps.append((latents[index[combo]] - means[index[flipped]]).pow(2).mean().item() - base)
        out[kind] = sum(gaps) / len(gaps)
    return out


class LinearHead(nn.Module):
    """Caption -> latent clip with one linear layer on the flattened text states (ignores its noisy input)."""

    def __init__(self, text_width: int, shape: tuple[int, ...]) -> None:
        super().__init__()
        self.shape = tuple(shape)
        self.head = nn.Linear(text_width, int(torch.tensor(shape).prod()))

    def forward(self, sample, timestep, encoder_hidden_states):
        return types.SimpleNamespace(sample=self.head(encoder_hidden_states.flatten(1)).view(-1, *self.shape))


def probe_config(high_noise_share: float = 0.5) -> T2VConfig:
    """The probes' set-up: the course's 8-token CLIP text encoder, 30 clips per combination, batch 16."""
    return T2VConfig(denoiser="unet3d", text=TextEncoderConfig(), clips_per_combo=30, batch_size=16, high_noise_share=high_noise_share)


def build(kind: str, cfg: T2VConfig, latent_shape: tuple[int, ...], zero_input: bool):
    """The course's denoiser bundle with its UNet3D swapped for ``kind``; ``predict`` adapted to the new model's call."""
    model = build_denoiser(cfg)
    channels, frames, size = latent_shape[0], latent_shape[1], latent_shape[-1]
    call = None
    if kind == "motion":
        from diffusers import UNetMotionModel

        model.unet = UNetMotionModel(
            sample_size=size, in_channels=channels, out_channels=channels, block_out_channels=(32, 64), layers_per_block=1,
            down_block_types=("CrossAttnDownBlockMotion", "DownBlockMotion"), up_block_types=("UpBlockMotion", "CrossAttnUpBlockMotion"),
            norm_num_groups=8, cross_attention_dim=cfg.text.hidden_size, num_attention_heads=4, motion_num_attention_heads=4,
        )
        call = lambda unet, zt, t, ctx: unet(zt, t, encoder_hidden_states=ctx.repeat_interleave(zt.shape[2], dim=0)).sample  # noqa: E731
    elif kind == "dit":
        from diffusers import CogVideoXTransformer3DModel

        model.unet = CogVideoXTransformer3DModel(
            num_attention_heads=4, attention_head_dim=16, in_channels=channels, out_channels=channels, time_embed_dim=64,
            text_embed_dim=cfg.text.hidden_size, num_layers=4, sample_width=size, sample_height=size, sample_frames=frames,
            patch_size=2, temporal_compression_ratio=1, max_text_seq_length=cfg.text.max_length,
        )
        call = lambda unet, zt, t, ctx: unet(zt.transpose(1, 2), ctx, t).sample.transpose(1, 2)  # (B, F, C, H, W) <-> (B, C, F, H, W)  # noqa: E731
    elif kind == "linear":
        model.unet = LinearHead(cfg.text.hidden_size * cfg.text.max_length, latent_shape)
    scale = 0.0 if zero_input else 1.0

    def predict(self, zt, t, input_ids):
        context = encode_ids(self.text_encoder, input_ids)  # (B, L, D)
        zt = zt * scale
        return call(self.unet, zt, t, context) if call else self.unet(zt, t, encoder_hidden_states=context).sample

    model.predict = types.MethodType(predict, model)
    return model


def decoded_loss(vae, weight: float, frames: int = 2):
    """A loss for the trainer: the model's loss (posterior targets) plus ``weight`` x the squared error of ``frames`` random
    frames of each clip's clean estimate decoded by the frozen frame autoencoder ``vae``, against its target decoded: the
    error measured where the judge reads the outline (a circle and a square differ by 8 % of a clip's pixel energy and
    0.4 % of its latent energy, ``helpers.autoencoder.word_change_energy``)."""
    from helpers.latent_diffusion import loss_and_clean_estimate

    def loss_fn(model, batch: dict) -> tuple[torch.Tensor, dict[str, float]]:
        z0, t, target_z0 = batch["latents"], batch["t"], batch["target_latents"]
        latent, x0 = loss_and_clean_estimate(model, batch)  # (), (B, c, F, h, w)
        pick = torch.randint(0, z0.shape[2], (z0.shape[0], frames), generator=torch.Generator().manual_seed(int(t.sum())))  # (B, k)
        chosen = lambda z: torch.stack([z[b, :, pick[b]] for b in range(len(z))])  # noqa: E731  (B, c, k, h, w)
        image = decode_video(vae, chosen(x0))  # (B, 3, k, H, W)
        with torch.no_grad():
            reference = decode_video(vae, chosen(target_z0))
        pixel = (image - reference).pow(2).mean()
        return latent + weight * pixel, {"latent": float(latent.detach()), "pixel": float(pixel.detach())}

    return loss_fn


def few_captions(captions: list[str], minutes: float, folder: str = "data/tiny-t2v-base", clips: int = 300, test_clips: int = 40, log_every: int = 50,
                 heads: int | None = None, pixel_weight: float = 0.0, critic_weight: float = 0.0) -> dict:
    """Continue a model (default ``data/tiny-t2v-base``, where these were measured) on ``captions`` alone at t = 850-949
    with the noise-free posterior target; shape right in one-step estimates from fresh clips of them at t = 900 / 700,
    before and after (``helpers.sdedit_probe.one_step_grades``, ``test_clips`` per caption). One caption, then three
    that differ only in the shape word, then all 40 (recipe ``posterior-one-level-cpu``): where the outline stops being
    learnt says whether the word or the room is missing.
    ``heads``: start instead from a fresh transformer of ``heads`` x 16 features (the shipped one's depth and patches), to
    compare widths on the same few captions from scratch. ``pixel_weight``: add :func:`decoded_loss` with this weight.
    ``critic_weight``: add :func:`helpers.shape_critic.critic_loss` with this weight (the critic trained first on the
    cached latents, its accuracy on fresh true clips and on the model's one-step estimates logged)."""
    from dataclasses import replace

    from diffusers import AutoencoderKL, DiffusionPipeline

    from helpers.latent_diffusion import TextToVideoDenoiser
    from helpers.sdedit_probe import one_step_grades

    combos = [parse_caption(c) for c in captions]
    torch.manual_seed(0)
    pipe = DiffusionPipeline.from_pretrained(folder, **({"transformer": fresh_transformer(folder, heads)} if heads else {}))
    pipe.set_progress_bar_config(disable=True)
    grade = lambda: {t: round(g["shape"], 3) for t, g in one_step_grades(pipe, [900, 700], clips_per_combo=test_clips, combos=combos).items()}  # noqa: E731
    out = {"captions": captions, "heads": heads or pipe.transformer.config.num_attention_heads, "pixel_weight": pixel_weight,
           "critic_weight": critic_weight, "before": grade()}
    print(out, flush=True)
    vae = AutoencoderKL.from_pretrained(FRAME_AUTOENCODER).eval()
    latents, train_captions = cache_latents(vae, combos, clips, 0, torch.device("cpu"))  # (captions * clips, c, F, h, w)
    model = TextToVideoDenoiser.from_pipeline(pipe)
    cfg = replace(T2VConfig(), clips_per_combo=clips, batch_size=32, caption_dropout=0.0, high_noise_share=0.0, noise_band=(850, 950),
                  noise_band_share=1.0, posterior_target=True)
    batch_fn = make_batch_fn(latents, tokenize(model.tokenizer, train_captions), model.empty_ids(), cfg, 1000, alphas_cumprod=model.scheduler.alphas_cumprod)
    loss_fn = decoded_loss(vae.requires_grad_(False), pixel_weight) if pixel_weight else t2v_loss
    if critic_weight:
        from helpers.shape_critic import CriticConfig, critic_accuracy, critic_loss, train_critic

        shapes = torch.tensor([SHAPES.index(parse_caption(c).shape) for c in train_captions])  # (N,)
        critic = train_critic(latents, shapes, CriticConfig(latent_channels=latents.shape[1]))
        fresh, _ = cache_latents(vae, combos, test_clips, 1, torch.device("cpu"))  # (captions * test_clips, c, F, h, w)
        out["critic_accuracy"] = round(critic_accuracy(critic, fresh, torch.tensor([SHAPES.index(c.shape) for c in combos]).repeat_interleave(test_clips)), 3)
        print(out, flush=True)
        loss_fn = critic_loss(critic, critic_weight)
    history = train(model, loss_fn, batch_fn, TrainConfig(steps=100_000, lr=1e-3, ema_decay=None, warmup_steps=50, log_every=log_every,
                                                             time_limit_s=60 * minutes, progress=False)).history
    model.eval()
    out.update(steps=history[-1]["step"], loss=[round(history[0]["loss"], 4), round(history[-1]["loss"], 4)], after=grade())
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["unet3d", "motion", "dit", "linear", "ideal", "few-captions"])
    parser.add_argument("--caption", action="append", help="few-captions: a caption to learn (repeat the option for more)")
    parser.add_argument("--heads", type=int, default=None, help="few-captions: a fresh transformer of this many heads of 16 features")
    parser.add_argument("--pixel-weight", type=float, default=0.0, help="few-captions: weight of a loss on decoded frames")
    parser.add_argument("--critic-weight", type=float, default=0.0, help="few-captions: weight of the shape critic's loss")
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--high-noise-share", type=float, default=0.5)
    parser.add_argument("--zero-input", action="store_true", help="feed zeros instead of the noisy latents")
    parser.add_argument("--lr", type=float, default=1e-3)
    args = parser.parse_args(argv)
    if args.kind == "ideal":
        print({k: round(v, 4) for k, v in ideal_gaps().items()})
        return
    if args.kind == "few-captions":
        print(few_captions(args.caption or ["a red square moving left"], args.minutes, heads=args.heads, pixel_weight=args.pixel_weight,
                           critic_weight=args.critic_weight), flush=True)
        return
    from diffusers import AutoencoderKL

    torch.manual_seed(0)
    cfg = probe_config(args.high_noise_share)
    vae = AutoencoderKL.from_pretrained(FRAME_AUTOENCODER).eval().requires_grad_(False)
    latents, captions = cache_latents(vae, TRAIN_COMBOS, cfg.clips_per_combo, 0, torch.device("cpu"))  # (N, c, F, h, w)
    model = build(args.kind, cfg, tuple(latents.shape[1:]), args.zero_input)
    print(f"{args.kind}: {sum(p.numel() for p in model.unet.parameters()):,} parameters", flush=True)
    batch_fn = make_batch_fn(latents, tokenize(model.tokenizer, captions), model.empty_ids(), cfg, 1000)
    probe = latents[:: cfg.clips_per_combo], captions[:: cfg.clips_per_combo]

    def on_log(step: int, row: dict) -> None:
        if step % 100 == 0:
            gaps = caption_loss_gaps(model, *probe, [999, 850, 700])
            print(step, f"{row['time_s']:.0f} s", {k: [round(float(x), 4) for x in v] for k, v in gaps.items()}, flush=True)

    train_cfg = TrainConfig(steps=100_000, lr=args.lr, ema_decay=None, warmup_steps=50, log_every=50, time_limit_s=60 * args.minutes, progress=False)
    train(model, t2v_loss, batch_fn, train_cfg, on_log=on_log)


if __name__ == "__main__":
    main()
