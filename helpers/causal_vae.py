"""A causal 3D autoencoder (CogVideoX's class) that speaks the frame autoencoder's latent space.

``CogVideoXPipeline`` decodes latents ``(B, c, F, h, w)`` with an ``AutoencoderKLCogVideoX``: causal
3D convolutions, so frame ``f`` is decoded from latent frames ``<= f`` (the real one also compresses
time 4x; ours keeps every frame: ``temporal_compression_ratio=1``). The course's autoencoder
(notebook 03) is a per-frame ``AutoencoderKL``. Instead of learning a second latent space we
*distil* the first one into the 3D class::

    loss = |E_3d(x) - E_2d(x)|^2  +  |D_3d(E_2d(x)) - x|^2 + 0.5 |D_3d(E_2d(x)) - x|_1

The encoder learns to give the frame encoder's latents (posterior mean), the decoder learns to turn
those latents back into the true clip, so a denoiser trained on the frame autoencoder's latents is
decoded by either autoencoder, and the 3D decoder may use neighbouring frames to do better.

    vae3d = distill_causal_vae(frame_vae, CausalVAEConfig())
    latents = encode_video(vae3d, video)     # (B, 8, F, 8, 8), the same numbers as encode_video(frame_vae, video)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .autoencoder import decode_video, encode_video
from .shapes import make_batch, split_combos
from .trainer import TrainConfig, train


@dataclass
class CausalVAEConfig:
    """Architecture and distillation run of the 3D autoencoder (``AutoencoderKLCogVideoX``)."""

    block_out_channels: tuple[int, ...] = (16, 32, 32)  # 3 levels: 4x down in space, like the frame autoencoder
    layers_per_block: int = 1
    norm_num_groups: int = 8
    clips_per_batch: int = 4  # whole 16-frame clips, so the causal convolutions see real history
    train: TrainConfig = field(default_factory=lambda: TrainConfig(steps=2500, lr=2e-3, ema_decay=0.99, warmup_steps=100, log_every=50))

    def __post_init__(self) -> None:
        if len(self.block_out_channels) < 2:
            raise ValueError(f"block_out_channels needs >= 2 levels, got {self.block_out_channels}")
        if any(c % self.norm_num_groups for c in self.block_out_channels):
            raise ValueError(f"every entry of {self.block_out_channels} must divide by norm_num_groups {self.norm_num_groups}")


def build_causal_vae(cfg: CausalVAEConfig, latent_channels: int = 8, sample_size: int = 32, scaling_factor: float = 1.0):
    """A fresh ``AutoencoderKLCogVideoX`` with no compression in time: ``(B, 3, F, S, S) <-> (B, c, F, S/4, S/4)``."""
    from diffusers import AutoencoderKLCogVideoX

    levels = len(cfg.block_out_channels)
    return AutoencoderKLCogVideoX(
        in_channels=3, out_channels=3, down_block_types=("CogVideoXDownBlock3D",) * levels,
        up_block_types=("CogVideoXUpBlock3D",) * levels, block_out_channels=tuple(cfg.block_out_channels),
        latent_channels=latent_channels, layers_per_block=cfg.layers_per_block, norm_num_groups=cfg.norm_num_groups,
        temporal_compression_ratio=1, sample_height=sample_size, sample_width=sample_size, scaling_factor=scaling_factor,
    )


class Distillation(nn.Module):
    """The 3D autoencoder being trained beside the frozen frame autoencoder (which only gives targets)."""

    def __init__(self, student: nn.Module, teacher: nn.Module) -> None:
        super().__init__()
        self.student = student
        self.teacher = [teacher.eval().requires_grad_(False)]  # a list: not a submodule, not trained, not saved

    def forward(self, video: torch.Tensor) -> tuple[torch.Tensor, dict[str, float]]:
        """Distillation loss for ``video (B, 3, F, H, W)`` in [-1, 1]."""
        with torch.no_grad():
            target = encode_video(self.teacher[0], video)  # (B, c, F, h, w), scaled
        scale = self.student.config.scaling_factor
        mean = self.student.encode(video).latent_dist.mean * scale  # (B, c, F, h, w)
        recon = self.student.decode(target / scale).sample  # (B, 3, F, H, W)
        enc = F.mse_loss(mean, target)
        mse = F.mse_loss(recon, video)
        return enc + mse + 0.5 * F.l1_loss(recon, video), {"enc": enc.item(), "mse": mse.item()}


def clip_batch(step: int, clips: int, seed: int = 0) -> torch.Tensor:
    """Fresh clips of random training combinations for step ``step``: ``(clips, 3, F, 32, 32)`` in [-1, 1]."""
    rng = np.random.default_rng([seed, step, 7])
    combos = split_combos("train")
    captions = [combos[int(i)].caption for i in rng.integers(len(combos), size=clips)]
    return make_batch(captions, seed=int(rng.integers(2**31)))


def distill_causal_vae(frame_vae, cfg: CausalVAEConfig, work_dir: str | Path | None = None, progress: bool = True):
    """Train an ``AutoencoderKLCogVideoX`` on the frame autoencoder's latent space (see module docstring); eval mode."""
    scale = float(frame_vae.config.scaling_factor)
    student = build_causal_vae(cfg, frame_vae.config.latent_channels, frame_vae.config.sample_size, scale)
    model = Distillation(student, frame_vae)
    train_cfg = TrainConfig(**{**asdict(cfg.train), "checkpoint_dir": str(Path(work_dir)) if work_dir else None, "progress": progress})
    result = train(model, lambda m, video: m(video), lambda step: clip_batch(step, cfg.clips_per_batch, train_cfg.seed), train_cfg)
    if result.ema is not None:
        result.ema.copy_to(model)
    return student.eval()


@torch.no_grad()
def agreement(causal_vae, frame_vae, clips: int = 16, seed: int = 1000) -> dict[str, float]:
    """How closely the two autoencoders agree on fresh clips: latent MSE, and each one's reconstruction MSE."""
    video = clip_batch(seed, clips)  # (N, 3, F, H, W)
    z2d, z3d = encode_video(frame_vae, video), encode_video(causal_vae, video)  # (N, c, F, h, w)
    return {
        "latent_mse": F.mse_loss(z3d, z2d).item(),
        "frame_vae_recon_mse": F.mse_loss(decode_video(frame_vae, z2d), video).item(),
        "causal_vae_recon_mse": F.mse_loss(decode_video(causal_vae, z2d), video).item(),
    }
