"""Does the direction word reach the model? A seconds-long probe at pure noise.

At the last noise level the input is pure noise, so the best a model with a clean-clip (x0) target
can do is output the *mean clip* of the caption. The mean clips of "moving left" and "moving
right" differ (the object starts on opposite sides), so a working text path opens a loss gap for a
flipped direction as it does for a flipped colour. Two models:

- ``"regressor"``: caption -> clip directly (a linear head on the text encoder's states, which
  knows absolute positions). With a correct tokenizer the direction gap opens in seconds; with a
  tokenizer whose ``model_max_length`` leaves no room for ``[BOS] a red circle moving left [EOS]``
  (7 tokens) the pipeline's truncation cuts the direction and the gap is exactly zero.
- ``"unet3d"``: the video UNet. Its convolutions and its temporal attention (no frame positions)
  treat every place and, nearly, every frame alike, and pure noise looks the same everywhere, so
  it cannot paint a mean clip whose bright side depends on the direction: its direction gap stays
  near zero *even with a correct text path*. A zero gap at pure noise is therefore no proof of a
  plumbing bug for a translation-equivariant denoiser; check the regressor first.

    history = pure_noise_probe(steps=150)                         # regressor: colour and direction gaps open
    history = pure_noise_probe(steps=150, tokenizer_length=6)      # direction gap exactly 0
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .latent_diffusion import TextToVideoDenoiser, caption_loss_gaps, make_scheduler, t2v_loss
from .shapes import make_batch
from .text_encoder import TextEncoderConfig, build_text_encoder, build_tokenizer, encode_ids, tokenize
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
    model: str = "regressor"  # or "unet3d"
    seed: int = 0

    def __post_init__(self) -> None:
        if self.model not in ("regressor", "unet3d"):
            raise ValueError(f"model must be 'regressor' or 'unet3d', got {self.model!r}")
        if self.tokenizer_length < 1:
            raise ValueError(f"tokenizer_length must be >= 1, got {self.tokenizer_length}")


class CaptionToClip(nn.Module):
    """Caption -> clip ``(3, F, H, W)`` with a linear head on the text encoder's states (ignores the noisy input)."""

    def __init__(self, text_encoder: nn.Module, tokenizer, clip_shape: tuple[int, ...], length: int) -> None:
        super().__init__()
        self.text_encoder, self.tokenizer, self.clip_shape = text_encoder, tokenizer, tuple(clip_shape)
        width = text_encoder.config.hidden_size * length
        self.head = nn.Linear(width, int(torch.tensor(clip_shape).prod()))

    def forward(self, z0: torch.Tensor, input_ids: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """Per-clip squared error ``(B,)`` of the predicted mean clip against ``z0 (B, 3, F, H, W)``."""
        states = encode_ids(self.text_encoder, input_ids)  # (B, L, D)
        pred = self.head(states.flatten(1)).view(-1, *self.clip_shape)  # (B, 3, F, H, W)
        return (pred - z0).pow(2).mean(dim=(1, 2, 3, 4))  # (B,)


def probe_data(cfg: ProbeConfig) -> tuple[torch.Tensor, list[str]]:
    """Clips ``(N, 3, 8, 8, 8)`` in [-1, 1] (8 frames of 8x8) and their captions."""
    captions = [PROBE_CAPTIONS[i % len(PROBE_CAPTIONS)] for i in range(len(PROBE_CAPTIONS) * cfg.clips_per_caption)]
    video = make_batch(captions, seed=cfg.seed, num_frames=8, size=16)  # (N, 3, 8, 16, 16)
    return F.avg_pool3d(video, (1, 2, 2)), captions  # (N, 3, 8, 8, 8)


def build_probe_model(cfg: ProbeConfig) -> nn.Module:
    """A 1-layer CLIP text encoder plus a linear head or a 0.2 M-parameter UNet3D (x0 target); the tokenizer keeps ``tokenizer_length`` tokens."""
    from .denoisers import UNetConfig, build_unet

    torch.manual_seed(cfg.seed)
    tokenizer = build_tokenizer()
    tokenizer.model_max_length = cfg.tokenizer_length  # what the pipeline pads and truncates to
    text_encoder = build_text_encoder(TextEncoderConfig(hidden_size=32, num_layers=1, num_heads=2), tokenizer)
    if cfg.model == "regressor":
        return CaptionToClip(text_encoder, tokenizer, (3, 8, 8, 8), cfg.tokenizer_length)
    unet = build_unet(UNetConfig(block_out_channels=(16, 32), attention_heads=2), 3, 32, sample_size=8)
    return TextToVideoDenoiser(unet, text_encoder, tokenizer, make_scheduler("sample"))


def pure_noise_probe(cfg: ProbeConfig | None = None, **overrides) -> list[dict[str, float]]:
    """Train only at the pure-noise step with an x0 target; return rows ``{step, loss, color, direction}`` of gaps."""
    cfg = cfg or ProbeConfig(**overrides)
    clips, captions = probe_data(cfg)
    model = build_probe_model(cfg)
    ids = tokenize(model.tokenizer, captions)  # (N, L)
    last = 999  # the pure-noise step of the course's zero-terminal-SNR schedule
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
