"""A video tokenizer: a VQ-VAE with 3D convolutions, as in VideoGPT (Yan et al. 2021, arXiv 2104.10157).

A clip ``(B, 3, F, H, W)`` in ``[-1, 1]`` goes through strided 3D convs (time and space shrink by 2
per stage, or space only), a residual (2+1)D block of notebook 02 (:class:`helpers.spacetime.Conv2Plus1d`)
and a 1x1x1 conv to ``embed_dim`` features per latent voxel. Each voxel is replaced by its nearest
vector in a codebook of ``codebook_size`` entries: the clip becomes a grid of integer *tokens*,
``(B, T, h, w)`` (16 x 32 x 32 -> 4 x 8 x 8 with the default two stages). The decoder mirrors the
encoder with transposed 3D convs.

The codebook is not trained by gradients but by exponential moving averages (van den Oord et al.
2017, appendix; Razavi et al. 2019): each code drifts to the mean of the encoder outputs assigned
to it. A code that (almost) nobody uses is *dead*; it is restarted on an encoder output of the
current batch (Jukebox-style, Dhariwal et al. 2020), drawn with probability proportional to its
quantisation error, so the fresh codes go where the codebook fits worst and the whole codebook stays in use. Loss:
``MSE(reconstruction, clip) + beta * MSE(z, sg[code])`` (commitment), with the straight-through
estimator carrying gradients from decoder to encoder.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn

from .model_files import read_model, save_model
from .spacetime import Conv2Plus1d, Conv2Plus1dConfig


@dataclass
class VideoTokenizerConfig:
    """Sizes of the VQ-VAE; ``len(channels)`` stages, each halving space and, if its time stride is 2, time."""

    in_channels: int = 3
    channels: tuple[int, ...] = (32, 64)  # width after each downsampling stage
    time_strides: tuple[int, ...] = (2, 2)  # 2: the stage halves time too; 1: space only
    res_blocks: int = 1
    embed_dim: int = 32
    codebook_size: int = 256
    beta: float = 0.25  # commitment weight
    decay: float = 0.99  # EMA decay of the codebook statistics
    restart_threshold: float = 1.0  # a code whose EMA count (tokens per batch) falls below this is restarted
    eps: float = 1e-5

    def __post_init__(self) -> None:
        self.channels, self.time_strides = tuple(self.channels), tuple(self.time_strides)
        if not self.channels or len(self.channels) != len(self.time_strides):
            raise ValueError(f"need one time stride per stage: channels={self.channels}, time_strides={self.time_strides}")
        if any(s not in (1, 2) for s in self.time_strides):
            raise ValueError(f"time strides must be 1 or 2, got {self.time_strides}")
        if self.codebook_size < 2 or self.embed_dim < 1:
            raise ValueError(f"codebook_size must be >= 2 and embed_dim >= 1, got {self.codebook_size}, {self.embed_dim}")
        if not 0 < self.decay < 1:
            raise ValueError(f"decay must be in (0, 1), got {self.decay}")

    @property
    def space_factor(self) -> int:
        """Pixels per token along height and width."""
        return 2 ** len(self.channels)

    @property
    def time_factor(self) -> int:
        """Frames per token along time."""
        return math.prod(self.time_strides)

    def grid(self, frames: int, height: int, width: int) -> tuple[int, int, int]:
        """Token grid ``(T, h, w)`` of an ``F x H x W`` clip; raises if the factors do not divide it."""
        if frames % self.time_factor or height % self.space_factor or width % self.space_factor:
            raise ValueError(f"clip {frames}x{height}x{width} is not divisible by {self.time_factor}x{self.space_factor}x{self.space_factor}")
        return frames // self.time_factor, height // self.space_factor, width // self.space_factor


class ResBlock3d(nn.Module):
    """``x + conv1x1(SiLU((2+1)D conv(SiLU(x))))``: ``(B, C, T, h, w)`` -> same shape."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = Conv2Plus1d(Conv2Plus1dConfig(channels, channels, mid_channels=channels, activation=True))
        self.proj = nn.Conv3d(channels, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.proj(F.silu(self.conv(F.silu(x))))


def _kernel(time_stride: int) -> tuple[int, int, int]:
    """Kernel of a stride-(t, 2, 2) conv with padding 1 that exactly halves (or keeps) each axis."""
    return (4 if time_stride == 2 else 3, 4, 4)


class Encoder(nn.Module):
    """``(B, 3, F, H, W)`` -> ``(B, D, F/tf, H/sf, W/sf)``."""

    def __init__(self, cfg: VideoTokenizerConfig) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c_in = cfg.in_channels
        for c_out, ts in zip(cfg.channels, cfg.time_strides):
            layers += [nn.Conv3d(c_in, c_out, _kernel(ts), stride=(ts, 2, 2), padding=1), nn.SiLU()]
            c_in = c_out
        layers += [ResBlock3d(c_in) for _ in range(cfg.res_blocks)]
        layers += [nn.SiLU(), nn.Conv3d(c_in, cfg.embed_dim, 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, video: torch.Tensor) -> torch.Tensor:
        return self.net(video)


class Decoder(nn.Module):
    """``(B, D, T, h, w)`` -> ``(B, 3, T*tf, h*sf, w*sf)`` (not clamped)."""

    def __init__(self, cfg: VideoTokenizerConfig) -> None:
        super().__init__()
        c_in = cfg.channels[-1]
        layers: list[nn.Module] = [nn.Conv3d(cfg.embed_dim, c_in, 3, padding=1)]
        layers += [ResBlock3d(c_in) for _ in range(cfg.res_blocks)]
        outs = [*reversed(cfg.channels[:-1]), cfg.in_channels]
        for c_out, ts in zip(outs, reversed(cfg.time_strides)):
            layers += [nn.SiLU(), nn.ConvTranspose3d(c_in, c_out, _kernel(ts), stride=(ts, 2, 2), padding=1)]
            c_in = c_out
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


def codebook_usage(indices: torch.Tensor, codebook_size: int) -> dict[str, float]:
    """Perplexity ``exp(H(p))`` of the code histogram (1 = one code, K = all equally) and share of codes used."""
    counts = torch.bincount(indices.flatten(), minlength=codebook_size).float()  # (K,)
    p = counts / counts.sum().clamp_min(1)
    entropy = -(p * torch.log(p.clamp_min(1e-12))).sum()
    return {"perplexity": float(entropy.exp()), "used_share": float((counts > 0).float().mean())}


class EMAQuantizer(nn.Module):
    """Nearest-code vector quantiser with an EMA-trained codebook and dead-code restarts."""

    def __init__(self, cfg: VideoTokenizerConfig) -> None:
        super().__init__()
        self.cfg = cfg
        k, d = cfg.codebook_size, cfg.embed_dim
        self.register_buffer("codebook", torch.randn(k, d) * 0.1)  # (K, D)
        self.register_buffer("cluster_size", torch.ones(k))  # EMA of tokens per batch assigned to each code
        self.register_buffer("embed_sum", self.codebook.clone())  # EMA of the sum of vectors assigned to each code
        self.register_buffer("initialised", torch.zeros((), dtype=torch.bool))
        self.register_buffer("restarts", torch.zeros((), dtype=torch.long))  # restarts so far (for the notebook)

    def nearest(self, flat: torch.Tensor) -> torch.Tensor:
        """Index of the nearest code for each row: ``(N, D)`` -> ``(N,)``, by ``|z|^2 - 2 z.e + |e|^2``."""
        distances = flat.pow(2).sum(1, keepdim=True) - 2 * flat @ self.codebook.T + self.codebook.pow(2).sum(1)  # (N, K)
        return distances.argmin(1)

    @torch.no_grad()
    def _update(self, flat: torch.Tensor, indices: torch.Tensor) -> None:
        """EMA step on the codebook statistics, then restart dead codes on random rows of ``flat``."""
        cfg = self.cfg
        if not bool(self.initialised):  # start every code on a real encoder output (k-means style)
            picks = torch.randint(0, flat.shape[0], (cfg.codebook_size,), device=flat.device)
            self.codebook.copy_(flat[picks])
            self.embed_sum.copy_(flat[picks])
            self.initialised.fill_(True)
            return
        onehot = F.one_hot(indices, cfg.codebook_size).type(flat.dtype)  # (N, K)
        self.cluster_size.lerp_(onehot.sum(0), 1 - cfg.decay)  # (K,)
        self.embed_sum.lerp_(onehot.T @ flat, 1 - cfg.decay)  # (K, D)
        total = self.cluster_size.sum()
        smoothed = (self.cluster_size + cfg.eps) / (total + cfg.codebook_size * cfg.eps) * total  # Laplace: no division by 0
        self.codebook.copy_(self.embed_sum / smoothed[:, None])
        dead = self.cluster_size < cfg.restart_threshold  # (K,)
        n_dead = int(dead.sum())
        if n_dead:
            # restart on encoder outputs drawn with probability ~ their quantisation error (k-means++ style):
            # the rare, badly coded vectors (here: the object, not the background) get the fresh codes
            error = (flat - self.codebook[indices]).pow(2).sum(1) + cfg.eps  # (N,)
            rows = torch.multinomial(error, n_dead, replacement=n_dead > flat.shape[0])  # (n_dead,)
            picks = flat[rows]  # (n_dead, D)
            self.codebook[dead] = picks
            self.embed_sum[dead] = picks * cfg.restart_threshold
            self.cluster_size[dead] = cfg.restart_threshold
            self.restarts += n_dead

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``z (B, D, T, h, w)`` -> (straight-through quantised ``(B, D, T, h, w)``, indices ``(B, T, h, w)``, commitment loss)."""
        b, _, t, h, w = z.shape
        flat = rearrange(z, "b d t h w -> (b t h w) d")  # (N, D)
        indices = self.nearest(flat.detach())  # (N,)
        if self.training:
            self._update(flat.detach(), indices)
            indices = self.nearest(flat.detach())  # after the update (and any restart)
        quantised = self.codebook[indices]  # (N, D)
        commit = F.mse_loss(flat, quantised)
        quantised = flat + (quantised - flat).detach()  # straight-through: forward = code, backward = identity
        zq = rearrange(quantised, "(b t h w) d -> b d t h w", b=b, t=t, h=h, w=w)  # (B, D, T, h, w)
        return zq, rearrange(indices, "(b t h w) -> b t h w", b=b, t=t, h=h, w=w), commit


@dataclass
class VQOutput:
    """What one pass through the tokenizer gives."""

    reconstruction: torch.Tensor  # (B, 3, F, H, W), not clamped
    indices: torch.Tensor  # (B, T, h, w) token grid
    recon_loss: torch.Tensor
    commit_loss: torch.Tensor
    stats: dict[str, float] = field(default_factory=dict)


class VideoTokenizer(nn.Module):
    """VQ-VAE: clip ``(B, 3, F, H, W)`` in [-1, 1] <-> token grid ``(B, T, h, w)`` of ints in ``[0, codebook_size)``."""

    def __init__(self, config: VideoTokenizerConfig | None = None) -> None:
        super().__init__()
        self.config = config or VideoTokenizerConfig()
        self.encoder, self.quantizer, self.decoder = Encoder(self.config), EMAQuantizer(self.config), Decoder(self.config)

    def _check(self, video: torch.Tensor) -> None:
        if video.ndim != 5 or video.shape[1] != self.config.in_channels:
            raise ValueError(f"expected a clip (B, {self.config.in_channels}, F, H, W), got {tuple(video.shape)}")
        self.config.grid(*video.shape[2:])

    def forward(self, video: torch.Tensor) -> VQOutput:
        """Encode, quantise (training: update the codebook), decode; losses and codebook usage."""
        self._check(video)
        z = self.encoder(video)  # (B, D, T, h, w)
        zq, indices, commit = self.quantizer(z)  # (B, D, T, h, w), (B, T, h, w)
        reconstruction = self.decoder(zq)  # (B, 3, F, H, W)
        recon = F.mse_loss(reconstruction, video)
        return VQOutput(reconstruction, indices, recon, commit, codebook_usage(indices, self.config.codebook_size))

    @torch.no_grad()
    def encode(self, video: torch.Tensor) -> torch.Tensor:
        """Clip ``(B, 3, F, H, W)`` -> token grid ``(B, T, h, w)`` (long)."""
        self._check(video)
        z = self.encoder(video)  # (B, D, T, h, w)
        b, _, t, h, w = z.shape
        indices = self.quantizer.nearest(rearrange(z, "b d t h w -> (b t h w) d"))  # (N,)
        return rearrange(indices, "(b t h w) -> b t h w", b=b, t=t, h=h, w=w)

    @torch.no_grad()
    def decode(self, indices: torch.Tensor) -> torch.Tensor:
        """Token grid ``(B, T, h, w)`` -> clip ``(B, 3, F, H, W)`` clamped to [-1, 1]."""
        if indices.ndim != 4 or int(indices.min()) < 0 or int(indices.max()) >= self.config.codebook_size:
            raise ValueError(f"expected token ids (B, T, h, w) in [0, {self.config.codebook_size}), got shape {tuple(indices.shape)}")
        zq = rearrange(self.quantizer.codebook[indices], "b t h w d -> b d t h w")  # (B, D, T, h, w)
        return self.decoder(zq).clamp(-1, 1)


def vq_loss(model: VideoTokenizer, video: torch.Tensor) -> tuple[torch.Tensor, dict[str, float]]:
    """``loss_fn`` for :func:`helpers.trainer.train`: reconstruction + beta * commitment, with usage logs."""
    out = model(video)
    loss = out.recon_loss + model.config.beta * out.commit_loss
    return loss, {"recon": out.recon_loss.item(), "commit": out.commit_loss.item(), **out.stats}


# ----------------------------------------------------------------------------- save and load (helpers.model_files)


def save_tokenizer(model: VideoTokenizer, path: str | Path) -> Path:
    """Save the tokenizer (weights and codebook) with its config."""
    return save_model(model, model.config, path)


def load_tokenizer(path: str | Path) -> VideoTokenizer:
    """Load a tokenizer written by :func:`save_tokenizer`, in eval mode."""
    state, config = read_model(path)
    model = VideoTokenizer(VideoTokenizerConfig(**config))
    model.load_state_dict(state)
    return model.eval()


def bench() -> dict:
    """Encode and decode time of one 16x32x32 clip (the shipped tokenizer if present), and its size."""
    from .runtime import DATA_DIR
    from .shapes import ALL_COMBOS, make_batch

    path = DATA_DIR / "video-tokens" / "tokenizer.safetensors"
    model = load_tokenizer(path) if path.exists() else VideoTokenizer().eval()
    video = make_batch(ALL_COMBOS[:8], seed=0)  # (8, 3, 16, 32, 32)
    model.encode(video)
    start = time.perf_counter()
    ids = model.encode(video)
    encode_s = (time.perf_counter() - start) / len(video)
    start = time.perf_counter()
    recon = model.decode(ids)
    decode_s = (time.perf_counter() - start) / len(video)
    return {
        "tokenizer_shipped": path.exists(),
        "tokenizer_params": sum(p.numel() for p in model.parameters()),
        "tokens_per_clip": ids[0].numel(),
        "encode_ms_per_clip": round(1000 * encode_s, 2),
        "decode_ms_per_clip": round(1000 * decode_s, 2),
        "recon_mse": round(float(F.mse_loss(recon, video)), 5),
    }


__all__ = [
    "Decoder",
    "EMAQuantizer",
    "Encoder",
    "VQOutput",
    "VideoTokenizer",
    "VideoTokenizerConfig",
    "bench",
    "codebook_usage",
    "load_tokenizer",
    "save_tokenizer",
    "vq_loss",
]
