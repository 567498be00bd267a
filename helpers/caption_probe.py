"""Does the denoiser hear every word? A seconds-long probe at pure noise.

At the last noise level the input is pure noise, so the best a denoiser with a clean-clip (x0)
target can do is output the *mean clip* of the caption. The mean clips of "moving left" and
"moving right" differ as much as those of red and blue, so a working text path opens a loss gap
for a flipped direction just as it does for a flipped colour. If the direction gap stays at zero
while the colour gap opens, the direction word never reaches the denoiser: the plumbing, not the
model, is at fault. The classic culprit: a tokenizer whose ``model_max_length`` leaves no room for
``[BOS] a red circle moving left [EOS]`` (7 tokens), so the pipeline's ``encode_prompt``, which
truncates to that length, silently cuts the last word.

    history = pure_noise_probe(steps=150)                         # gaps open for colour and direction
    history = pure_noise_probe(steps=150, tokenizer_length=6)      # direction gap stays 0
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .latent_diffusion import TextToVideoDenoiser, caption_loss_gaps, make_scheduler, t2v_loss
from .shapes import make_batch
from .text_encoder import TextEncoderConfig, build_text_encoder, build_tokenizer, tokenize
from .trainer import TrainConfig, train

PROBE_CAPTIONS = tuple(f"a {c} circle moving {d}" for c in ("red", "blue") for d in ("left", "right", "up", "down"))


@dataclass
class ProbeConfig:
    """A micro world (8 frames of 8x8, pooled from 16x16 renders) and a micro UNet3D."""

    steps: int = 150
    clips_per_caption: int = 16
    batch_size: int = 16
    lr: float = 3e-3
    tokenizer_length: int = 8  # 6 reproduces the truncation bug
    probe_every: int = 25
    seed: int = 0


def probe_data(cfg: ProbeConfig) -> tuple[torch.Tensor, list[str]]:
    """Clips ``(N, 3, 8, 8, 8)`` in [-1, 1] (8 frames of 8x8) and their captions."""
    captions = [PROBE_CAPTIONS[i % len(PROBE_CAPTIONS)] for i in range(len(PROBE_CAPTIONS) * cfg.clips_per_caption)]
    video = make_batch(captions, seed=cfg.seed, num_frames=8, size=16)  # (N, 3, 8, 16, 16)
    return F.avg_pool3d(video, (1, 2, 2)), captions  # (N, 3, 8, 8, 8)


def build_probe_model(cfg: ProbeConfig) -> TextToVideoDenoiser:
    """A 0.2 M-parameter UNet3D + 1-layer CLIP text encoder, x0 target; the tokenizer keeps ``tokenizer_length`` tokens."""
    from .train_t2v import UNetConfig, build_unet

    torch.manual_seed(cfg.seed)
    tokenizer = build_tokenizer()
    tokenizer.model_max_length = cfg.tokenizer_length  # what the pipeline pads and truncates to
    text_encoder = build_text_encoder(TextEncoderConfig(hidden_size=32, num_layers=1, num_heads=2), tokenizer)
    unet = build_unet(UNetConfig(block_out_channels=(16, 32), attention_heads=2), 3, 32, sample_size=8)
    return TextToVideoDenoiser(unet, text_encoder, tokenizer, make_scheduler("sample"))


def pure_noise_probe(cfg: ProbeConfig | None = None, **overrides) -> list[dict[str, float]]:
    """Train only at the pure-noise step with an x0 target; return rows ``{step, loss, color, direction}`` of gaps."""
    cfg = cfg or ProbeConfig(**overrides)
    clips, captions = probe_data(cfg)
    model = build_probe_model(cfg)
    ids = tokenize(model.tokenizer, captions)  # (N, L)
    last = model.scheduler.config.num_train_timesteps - 1
    held = clips[: len(PROBE_CAPTIONS)], captions[: len(PROBE_CAPTIONS)]  # one clip per caption

    def batch_fn(step: int) -> dict:
        gen = torch.Generator().manual_seed(cfg.seed * 7919 + step)
        idx = torch.randint(0, len(clips), (cfg.batch_size,), generator=gen)  # (B,)
        noise = torch.randn((cfg.batch_size, *clips.shape[1:]), generator=gen)  # (B, 3, 8, 8, 8)
        return {"latents": clips[idx], "input_ids": ids[idx], "t": torch.full((cfg.batch_size,), last), "noise": noise}

    def gaps(step: int) -> dict[str, float]:
        g = caption_loss_gaps(model, held[0], list(held[1]), [last], kinds=("color", "direction"))
        return {"step": step, **{k: float(v[0]) for k, v in g.items()}}

    history = [gaps(0)]
    train_cfg = TrainConfig(steps=cfg.steps, lr=cfg.lr, warmup_steps=10, ema_decay=None, progress=False, log_every=cfg.probe_every, seed=cfg.seed, cpu=True)
    train(model, t2v_loss, batch_fn, train_cfg, on_log=lambda step, row: history.append(gaps(step)))
    return history
