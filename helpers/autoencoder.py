"""A tiny video autoencoder: diffusers' ``AutoencoderKL`` applied frame by frame.

The lesson's ModelScope model (and Stable Diffusion) compress each frame with a KL autoencoder and
run diffusion on the latents. Ours is the same class, shrunk: 32x32 RGB frames -> 8 x 8 x 8 latents
(4x down in space, 8 channels: 6x fewer numbers than pixels). Time is untouched: a clip
``(B, 3, F, 32, 32)`` becomes latents ``(B, 8, F, 8, 8)`` by folding frames into the batch.

Why 4x and 8 channels (measured, see data/tiny-t2v/README.md): the video UNet costs about 4x more
per step on 16x16 latents than on 8x8 ones, which breaks the 1-second sampling budget; a 4x
autoencoder with only 4 channels blurred circles into squares, 8 channels keep the shape.

    vae = build_vae(VAEConfig())
    latents = encode_video(vae, video)      # (B, 8, F, 8, 8), scaled to unit variance
    video_hat = decode_video(vae, latents)  # (B, 3, F, 32, 32) in [-1, 1]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn

from .runtime import DATA_DIR
from .shapes import make_clip, split_combos

#: the shipped autoencoder of notebook 03 (the tiny text-to-video model's latents are its latents)
FRAME_AUTOENCODER = DATA_DIR / "frame-autoencoder"


@dataclass
class VAEConfig:
    """Architecture of the per-frame autoencoder (diffusers ``AutoencoderKL``)."""

    block_out_channels: tuple[int, ...] = (16, 32, 64)  # one block per level; 2**(levels-1) down
    latent_channels: int = 8
    layers_per_block: int = 1
    norm_num_groups: int = 8
    sample_size: int = 32

    def __post_init__(self) -> None:
        if len(self.block_out_channels) < 1:
            raise ValueError("block_out_channels needs at least one level")
        if any(c % self.norm_num_groups for c in self.block_out_channels):
            raise ValueError(f"every channel count in {self.block_out_channels} must divide by norm_num_groups={self.norm_num_groups}")
        if self.latent_channels < 1:
            raise ValueError(f"latent_channels must be >= 1, got {self.latent_channels}")

    @property
    def downsample(self) -> int:
        return 2 ** (len(self.block_out_channels) - 1)


def build_vae(cfg: VAEConfig):
    """A fresh ``AutoencoderKL`` for RGB frames."""
    from diffusers import AutoencoderKL

    levels = len(cfg.block_out_channels)
    return AutoencoderKL(
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * levels,
        up_block_types=("UpDecoderBlock2D",) * levels,
        block_out_channels=tuple(cfg.block_out_channels),
        layers_per_block=cfg.layers_per_block,
        latent_channels=cfg.latent_channels,
        norm_num_groups=cfg.norm_num_groups,
        sample_size=cfg.sample_size,
        scaling_factor=1.0,  # set from data by calibrate_scaling() after training
    )


def is_video_vae(vae) -> bool:
    """True for an autoencoder that takes whole clips ``(B, 3, F, H, W)`` (a 3D one such as ``AutoencoderKLCogVideoX``)."""
    return "temporal_compression_ratio" in vae.config


def encode_video(vae, video: torch.Tensor, sample: bool = False, generator: torch.Generator | None = None) -> torch.Tensor:
    """Video ``(B, 3, F, H, W)`` in [-1, 1] -> scaled latents ``(B, c, F, H/d, W/d)`` (posterior mean unless ``sample``)."""
    if video.ndim != 5 or video.shape[1] != 3:
        raise ValueError(f"expected video (B, 3, F, H, W), got {tuple(video.shape)}")
    per_frame = not is_video_vae(vae)  # an image autoencoder sees frames folded into the batch; a 3D one the whole clip
    x = rearrange(video, "b c f h w -> (b f) c h w") if per_frame else video  # (B*F, 3, H, W) or (B, 3, F, H, W)
    posterior = vae.encode(x).latent_dist
    latents = (posterior.sample(generator) if sample else posterior.mean) * vae.config.scaling_factor
    return rearrange(latents, "(b f) c h w -> b c f h w", b=video.shape[0]) if per_frame else latents  # (B, c, F, h, w)


def decode_video(vae, latents: torch.Tensor) -> torch.Tensor:
    """Scaled latents ``(B, c, F, h, w)`` -> video ``(B, 3, F, H, W)`` (about [-1, 1]; clamp for display)."""
    if latents.ndim != 5:
        raise ValueError(f"expected latents (B, c, F, h, w), got {tuple(latents.shape)}")
    per_frame = not is_video_vae(vae)
    z = rearrange(latents, "b c f h w -> (b f) c h w") if per_frame else latents  # (B*F, c, h, w) or (B, c, F, h, w)
    images = vae.decode(z / vae.config.scaling_factor).sample
    return rearrange(images, "(b f) c h w -> b c f h w", b=latents.shape[0]) if per_frame else images  # (B, 3, F, H, W)


def frame_batch(step: int, batch_size: int = 64, split: str = "train", seed: int = 0, frames_per_clip: int = 4) -> torch.Tensor:
    """Random frames of random clips for autoencoder training: ``(batch_size, 3, 32, 32)`` in [-1, 1]."""
    rng = np.random.default_rng([seed, step])
    combos = split_combos(split)
    frames = []
    while len(frames) < batch_size:
        combo = combos[rng.integers(len(combos))]
        clip = make_clip(combo, seed=int(rng.integers(2**31)))  # (F, H, W, 3)
        frames.extend(clip[rng.choice(len(clip), frames_per_clip, replace=False)])
    images = torch.from_numpy(np.stack(frames[:batch_size]))  # (B, H, W, 3)
    return rearrange(images, "b h w c -> b c h w") * 2 - 1  # (B, 3, H, W)


def train_vae(cfg: VAEConfig, train_cfg, batch_size: int = 64):
    """Train a fresh autoencoder on frames of the training combinations, calibrate its scaling; return it (eval mode)."""
    from .trainer import train

    vae = build_vae(cfg)
    result = train(vae, vae_loss, lambda step: frame_batch(step, batch_size, seed=train_cfg.seed), train_cfg)
    if result.ema is not None:
        result.ema.copy_to(vae)
    vae.eval()
    calibrate_scaling(vae)
    return vae


def vae_loss(vae: nn.Module, images: torch.Tensor, kl_weight: float = 1e-6) -> tuple[torch.Tensor, dict[str, float]]:
    """Reconstruction (MSE + L1) plus a small KL term, for ``images (B, 3, H, W)`` in [-1, 1]."""
    posterior = vae.encode(images).latent_dist
    recon = vae.decode(posterior.sample()).sample  # (B, 3, H, W)
    mse = F.mse_loss(recon, images)
    l1 = F.l1_loss(recon, images)
    kl = posterior.kl().mean() / images[0].numel()
    return mse + 0.5 * l1 + kl_weight * kl, {"mse": mse.item(), "kl": kl.item()}


@torch.no_grad()
def calibrate_scaling(vae, num_clips: int = 64, seed: int = 123) -> float:
    """Set ``vae.config.scaling_factor`` so the latents of true clips have unit standard deviation; return it."""
    from .shapes import make_batch

    combos = split_combos("train")
    video = make_batch([combos[i % len(combos)] for i in range(num_clips)], seed=seed).to(vae.device)  # (N, 3, F, H, W)
    vae.register_to_config(scaling_factor=1.0)
    std = float(encode_video(vae, video).std())
    vae.register_to_config(scaling_factor=1.0 / std)
    return 1.0 / std


@torch.no_grad()
def reconstruct_clips(vae, captions: list[str], seed: int = 1000) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """True clips for ``captions`` and their reconstructions, both as ``(F, H, W, 3)`` floats in [0, 1]."""
    from .shapes import make_batch
    from .video import tensor_to_clips

    video = make_batch(captions, seed=seed).to(vae.device)  # (B, 3, F, H, W)
    recon = decode_video(vae, encode_video(vae, video))  # (B, 3, F, H, W)
    return tensor_to_clips(video), tensor_to_clips(recon)


def reconstruction_grades(vae, clips_per_combo: int = 2, seed: int = 1000) -> dict[str, float]:
    """Grade reconstructions of true clips of all 48 combinations with :func:`helpers.judge.grade_clips`."""
    from .judge import grade_clips
    from .shapes import ALL_COMBOS

    captions = [c.caption for c in ALL_COMBOS for _ in range(clips_per_combo)]
    _, recon = reconstruct_clips(vae, captions, seed=seed)
    return grade_clips(recon, captions)


@torch.no_grad()
def word_change_energy(vae, changes: dict[str, tuple[str, str]], num_clips: int = 40, seed: int = 0) -> dict[str, dict[str, float]]:
    """How big is a one-word change of the clip, in pixels and in latents? For each ``{name: (caption, other caption)}``
    (or ``(caption, "shift")``: the same clip one pixel to the right), ``num_clips`` pairs drawn at the same random places;
    the energy of the pair's difference over the energy of the first clip's deviation from its mean, in pixel space and in
    ``vae``'s scaled latents: ``{name: {"pixel", "latent"}}``. The diffusion loss weighs what is big in latent space."""
    from dataclasses import replace

    from .shapes import as_combo, render, sample_placement

    rng = np.random.default_rng(seed)
    out = {}
    for name, (caption, other) in changes.items():
        combo = as_combo(caption)
        pairs = []
        for _ in range(num_clips):
            place = sample_placement(combo.direction, rng)
            second = render(combo, replace(place, x0=place.x0 + 1.0)) if other == "shift" else render(other, place)
            pairs.append(np.stack([render(combo, place), second]))  # (2, F, H, W, 3)
        video = torch.from_numpy(rearrange(np.stack(pairs), "n k f h w c -> (n k) c f h w") * 2 - 1)  # (2N, 3, F, H, W)
        ratios = {}
        for space, x in (("pixel", video), ("latent", encode_video(vae, video))):
            first, second = x[0::2], x[1::2]  # (N, ., F, h, w)
            spread = (first - first.mean(dim=(1, 2, 3, 4), keepdim=True)).pow(2).sum(dim=(1, 2, 3, 4))  # (N,)
            ratios[space] = float(((first - second).pow(2).sum(dim=(1, 2, 3, 4)) / spread).mean())
        out[name] = ratios
    return out


def bench() -> dict:
    """Encode+decode time of one 16x32x32 clip with the shipped autoencoder (for ``make bench``)."""
    import time

    from diffusers import AutoencoderKL

    from .shapes import make_batch

    vae = AutoencoderKL.from_pretrained(FRAME_AUTOENCODER).eval()
    video = make_batch(["a red circle moving left"])
    with torch.no_grad():
        decode_video(vae, encode_video(vae, video))
        start = time.perf_counter()
        decode_video(vae, encode_video(vae, video))
    return {"vae_roundtrip_s_per_clip": time.perf_counter() - start, "vae_params_M": sum(p.numel() for p in vae.parameters()) / 1e6}
