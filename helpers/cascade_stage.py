"""One stage of the miniature cascade (:mod:`helpers.cascade`): its config, its conditioning, its denoiser.

A super-resolution (SR) stage sees its noisy target and the *upsampled* lower-stage clip stacked as
channels (:func:`upsample_condition`: frames repeated in time, bilinear in space), plus one constant
channel holding the strength ``sigma`` of the Gaussian noise added to that conditioning clip
(:func:`augment_condition`, noise conditioning augmentation). :class:`CascadeStage` wraps one
diffusers denoiser (a ``CogVideoXTransformer3DModel`` for the base stage, ``UNet3DConditionModel``
for the SR stages) with the shared text encoder; :func:`save_stage` / :func:`load_stage` write and
read it with ``save_pretrained``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn

from .denoisers import DiTConfig, build_transformer
from .latent_diffusion import add_noise, make_scheduler
from .runtime import make_portable
from .text_encoder import TextEncoderConfig, encode_ids, tokenize

STAGES = ("base", "temporal_sr", "spatial_sr")


@dataclass
class StageConfig:
    """One stage of the cascade: its output size, conditioning, denoiser and sampling defaults."""

    num_frames: int
    size: int
    cond_frames: int | None = None  # None: a base stage (no conditioning clip)
    cond_size: int | None = None
    block_out_channels: tuple[int, ...] = (32, 64)
    down_block_types: tuple[str, ...] = ("DownBlock3D", "CrossAttnDownBlock3D")
    up_block_types: tuple[str, ...] = ("CrossAttnUpBlock3D", "UpBlock3D")
    layers_per_block: int = 1
    attention_heads: int = 4
    norm_num_groups: int = 8
    caption_dropout: float = 0.1  # classifier-free guidance needs some empty captions
    max_aug_sigma: float = 0.5  # training: conditioning noise sigma ~ U(0, max); 0 = no augmentation
    sample_aug_sigma: float = 0.1  # sampling: the fixed conditioning noise
    num_inference_steps: int = 25
    guidance_scale: float = 1.0
    dit: DiTConfig | None = None  # a diffusion transformer (CogVideoXTransformer3DModel on pixels) instead of the UNet3D; base only

    def __post_init__(self) -> None:
        if isinstance(self.dit, dict):  # read back from stage_config.json
            self.dit = DiTConfig(**self.dit)
        if self.dit is not None and self.cond_frames is not None:
            raise ValueError("dit is for the base stage only: a super-resolution stage reads more channels than it writes")
        self.block_out_channels = tuple(self.block_out_channels)
        self.down_block_types, self.up_block_types = tuple(self.down_block_types), tuple(self.up_block_types)
        if not len(self.block_out_channels) == len(self.down_block_types) == len(self.up_block_types):
            raise ValueError("block_out_channels, down_block_types and up_block_types need one entry per level")
        if (self.cond_frames is None) != (self.cond_size is None):
            raise ValueError(f"give both cond_frames and cond_size or neither, got {self.cond_frames}, {self.cond_size}")
        if self.cond_frames is not None and (self.num_frames % self.cond_frames or self.size % self.cond_size):
            raise ValueError(f"output {self.num_frames}x{self.size} must be a whole multiple of the conditioning {self.cond_frames}x{self.cond_size}")
        if not 0 <= self.max_aug_sigma <= 2 or not 0 <= self.sample_aug_sigma <= 2:
            raise ValueError(f"aug sigmas must be in [0, 2], got {self.max_aug_sigma}, {self.sample_aug_sigma}")
        if self.num_inference_steps < 1 or self.guidance_scale < 1:
            raise ValueError(f"need num_inference_steps >= 1 and guidance_scale >= 1, got {self.num_inference_steps}, {self.guidance_scale}")

    @property
    def is_sr(self) -> bool:
        return self.cond_frames is not None

    @property
    def in_channels(self) -> int:
        """Noisy RGB, plus conditioning RGB and the sigma plane for an SR stage."""
        return 3 + 4 if self.is_sr else 3


def default_stages() -> dict[str, StageConfig]:
    """The shipped cascade: 8x16x16 -> 16x16x16 -> 16x32x32; SR stages small and attention-free at the top level.

    Sized for a few minutes of CPU training each (forward GFLOP per clip, :func:`forward_flops`:
    base 0.61, temporal SR 0.31, spatial SR 1.23).
    """
    small = dict(block_out_channels=(8, 16), norm_num_groups=4, attention_heads=2, num_inference_steps=10)
    return {
        "base": StageConfig(8, 16, dit=DiTConfig(num_layers=4, attention_heads=4, head_dim=24, patch_size=4), guidance_scale=3.0),
        "temporal_sr": StageConfig(16, 16, 8, 16, **small),
        "spatial_sr": StageConfig(16, 32, 16, 16, **small),
    }


# ----------------------------------------------------------------------------- conditioning


def stage_targets(video: torch.Tensor) -> dict[str, torch.Tensor]:
    """Each stage's training target from one full clip ``(B, 3, 16, 32, 32)``: every other frame / 2x2 means."""
    small = rearrange(F.avg_pool2d(rearrange(video, "b c f h w -> (b f) c h w"), 2), "(b f) c h w -> b c f h w", b=video.shape[0])  # (B, 3, 16, 16, 16)
    return {"base": small[:, :, ::2], "temporal_sr": small, "spatial_sr": video}  # (B, 3, 8, 16, 16), (B, 3, 16, 16, 16), (B, 3, 16, 32, 32)


def upsample_condition(low: torch.Tensor, num_frames: int, size: int) -> torch.Tensor:
    """Lower-stage clip ``(B, C, f, h, w)`` -> ``(B, C, num_frames, size, size)``: frames repeated, frames resized bilinearly."""
    b, _, f, h, w = low.shape
    if num_frames % f or size % h or h != w:
        raise ValueError(f"cannot upsample {f}x{h}x{w} to {num_frames}x{size}x{size}: need whole factors and square frames")
    out = low.repeat_interleave(num_frames // f, dim=2)  # (B, C, F, h, w)
    if size != h:
        frames = rearrange(out, "b c f h w -> (b f) c h w")
        frames = F.interpolate(frames, size=(size, size), mode="bilinear", align_corners=False)  # (B*F, C, H, W)
        out = rearrange(frames, "(b f) c h w -> b c f h w", b=b)  # (B, C, F, H, W)
    return out


def augment_condition(cond: torch.Tensor, sigma: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """Noise conditioning augmentation: ``cond + sigma * noise`` with one ``sigma (B,)`` per clip ``(B, C, F, H, W)``."""
    if sigma.shape != cond.shape[:1]:
        raise ValueError(f"sigma must have shape ({cond.shape[0]},), got {tuple(sigma.shape)}")
    return cond + sigma.view(-1, 1, 1, 1, 1).to(cond) * noise  # (B, C, F, H, W)


# ----------------------------------------------------------------------------- one stage


def build_unet(cfg: StageConfig, cross_attention_dim: int, text_length: int):
    """A fresh ``UNet3DConditionModel`` (or, with ``cfg.dit``, ``CogVideoXTransformer3DModel``) for ``(B, in_channels, F, size, size)``."""
    from diffusers import UNet3DConditionModel

    if cfg.dit is not None:
        return build_transformer(cfg.dit, cfg.in_channels, cross_attention_dim, cfg.size, cfg.num_frames, text_length)
    return UNet3DConditionModel(
        sample_size=cfg.size, in_channels=cfg.in_channels, out_channels=3,
        down_block_types=cfg.down_block_types, up_block_types=cfg.up_block_types,
        block_out_channels=cfg.block_out_channels, layers_per_block=cfg.layers_per_block,
        cross_attention_dim=cross_attention_dim, attention_head_dim=cfg.attention_heads,  # UNet3D reads this as heads
        norm_num_groups=cfg.norm_num_groups,
    )


class CascadeStage(nn.Module):
    """One denoiser of the cascade plus the (frozen, shared) text encoder it reads captions with."""

    def __init__(self, cfg: StageConfig, unet: nn.Module, text_encoder: nn.Module, tokenizer, scheduler) -> None:
        super().__init__()
        self.cfg, self.unet, self.text_encoder = cfg, unet, text_encoder
        self.tokenizer, self.scheduler = tokenizer, scheduler

    def predict(self, xt: torch.Tensor, t: torch.Tensor, context: torch.Tensor, cond: torch.Tensor | None = None,
                sigma: torch.Tensor | None = None) -> torch.Tensor:
        """Noisy clip ``(B, 3, F, H, W)``, timesteps ``(B,)``, context ``(B, L, D)``, upsampled (augmented) ``cond`` -> prediction."""
        if self.cfg.is_sr:
            if cond is None or sigma is None:
                raise ValueError("a super-resolution stage needs the upsampled conditioning clip and its sigma")
            plane = sigma.view(-1, 1, 1, 1, 1).to(xt).expand(-1, 1, *xt.shape[2:])  # (B, 1, F, H, W)
            xt = torch.cat([xt, cond.to(xt), plane], dim=1)  # (B, 7, F, H, W)
        if self.cfg.dit is not None:  # the transformer reads frames first
            out = self.unet(hidden_states=rearrange(xt, "b c f h w -> b f c h w"), encoder_hidden_states=context, timestep=t).sample
            return rearrange(out, "b f c h w -> b c f h w")  # (B, 3, F, H, W)
        return self.unet(xt, t, encoder_hidden_states=context).sample  # (B, 3, F, H, W)

    def context(self, input_ids: torch.Tensor) -> torch.Tensor:
        """Token ids ``(B, L)`` -> context ``(B, L, D)``; no gradient when the text encoder is frozen."""
        with torch.set_grad_enabled(torch.is_grad_enabled() and any(p.requires_grad for p in self.text_encoder.parameters())):
            return encode_ids(self.text_encoder, input_ids)

    def forward(self, batch: dict) -> torch.Tensor:
        """Per-clip v-prediction MSE ``(B,)``; ``batch``: x0, input_ids, t, noise and for SR stages cond, sigma, cond_noise."""
        xt, target = add_noise(self.scheduler, batch["x0"], batch["noise"], batch["t"])  # (B, 3, F, H, W) each
        cond = sigma = None
        if self.cfg.is_sr:
            up = upsample_condition(batch["cond"], self.cfg.num_frames, self.cfg.size)  # (B, 3, F, H, W)
            sigma = batch["sigma"]
            cond = augment_condition(up, sigma, batch["cond_noise"])  # (B, 3, F, H, W)
        pred = self.predict(xt, batch["t"], self.context(batch["input_ids"]), cond, sigma)
        return (pred.float() - target.float()).pow(2).mean(dim=(1, 2, 3, 4))  # (B,)

    @torch.no_grad()
    def sample(self, captions: list[str], cond_low: torch.Tensor | None = None, generator: torch.Generator | None = None,
               num_inference_steps: int | None = None, guidance_scale: float | None = None, aug_sigma: float | None = None) -> torch.Tensor:
        """DDIM sampling of ``(B, 3, F, H, W)`` in [-1, 1]; SR stages get the lower clip ``cond_low (B, 3, f, h, w)``."""
        cfg, device = self.cfg, next(self.unet.parameters()).device
        steps = num_inference_steps or cfg.num_inference_steps
        guidance = cfg.guidance_scale if guidance_scale is None else guidance_scale
        sigma_value = cfg.sample_aug_sigma if aug_sigma is None else aug_sigma
        b = len(captions)
        # 1. text context (and the empty caption's, for classifier-free guidance)
        ids = tokenize(self.tokenizer, captions).to(device)  # (B, L)
        context = self.context(ids)  # (B, L, D)
        if guidance > 1:
            empty = self.context(tokenize(self.tokenizer, [""] * b).to(device))
            context = torch.cat([empty, context])  # (2B, L, D)
        # 2. conditioning clip: upsample, then augment with the fixed sampling sigma
        cond = sigma = None
        if cfg.is_sr:
            if cond_low is None or cond_low.shape[0] != b:
                raise ValueError(f"a super-resolution stage needs cond_low with {b} clips")
            up = upsample_condition(cond_low.to(device).float(), cfg.num_frames, cfg.size)  # (B, 3, F, H, W)
            sigma = torch.full((b,), float(sigma_value), device=device)  # (B,)
            cond = augment_condition(up, sigma, torch.randn(up.shape, generator=generator).to(device))  # (B, 3, F, H, W)
        # 3. the DDIM loop from pure noise
        scheduler = self.scheduler
        scheduler.set_timesteps(steps)
        x = torch.randn((b, 3, cfg.num_frames, cfg.size, cfg.size), generator=generator).to(device)  # (B, 3, F, H, W)
        for t in scheduler.timesteps:
            tt = torch.full((b,), int(t), device=device, dtype=torch.long)  # (B,)
            if guidance > 1:
                double = lambda v: None if v is None else torch.cat([v, v])  # noqa: E731
                pred = self.predict(torch.cat([x, x]), torch.cat([tt, tt]), context, double(cond), double(sigma))  # (2B, 3, F, H, W)
                uncond, text = pred.chunk(2)
                pred = uncond + guidance * (text - uncond)  # (B, 3, F, H, W)
            else:
                pred = self.predict(x, tt, context, cond, sigma)
            x = scheduler.step(pred, t, x).prev_sample  # (B, 3, F, H, W)
        return x.clamp(-1, 1)


def build_stage(cfg: StageConfig, text_encoder: nn.Module, tokenizer, prediction_type: str = "v_prediction") -> CascadeStage:
    """A fresh stage around an existing text encoder and tokenizer."""
    unet = build_unet(cfg, text_encoder.config.hidden_size, tokenizer.model_max_length)
    return CascadeStage(cfg, unet, text_encoder, tokenizer, make_scheduler(prediction_type))


def forward_flops(stage: CascadeStage, batch: int = 1) -> int:
    """Floating-point operations of one denoiser call on ``batch`` clips (torch's FLOP counter)."""
    from torch.utils.flop_counter import FlopCounterMode

    cfg, device = stage.cfg, next(stage.unet.parameters()).device
    x = torch.zeros(batch, 3, cfg.num_frames, cfg.size, cfg.size, device=device)  # (B, 3, F, H, W)
    ids = tokenize(stage.tokenizer, ["a red circle moving left"] * batch).to(device)
    cond = torch.zeros_like(x) if cfg.is_sr else None
    sigma = torch.zeros(batch, device=device) if cfg.is_sr else None
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        stage.predict(x, torch.zeros(batch, dtype=torch.long, device=device), stage.context(ids), cond, sigma)
    return int(counter.get_total_flops())


def save_stage(stage: CascadeStage, folder: str | Path) -> None:
    """One stage's denoiser and scheduler (``save_pretrained``) and its config, under ``folder``."""
    folder = Path(folder)
    stage.unet.save_pretrained(folder / "unet")
    make_portable(folder / "unet")  # a loaded stage, trained on, would name its source folder
    stage.scheduler.save_pretrained(folder / "scheduler")
    (folder / "stage_config.json").write_text(json.dumps(asdict(stage.cfg), indent=1))


def save_text(stage: CascadeStage, path: str | Path) -> None:
    """The shared text encoder and tokenizer under ``path/base``."""
    stage.text_encoder.save_pretrained(Path(path) / "base" / "text_encoder")
    stage.tokenizer.save_pretrained(Path(path) / "base" / "tokenizer")
    make_portable(Path(path) / "base")


def load_text(path: str | Path):
    """The frozen shared text encoder and the tokenizer saved by :func:`save_text`."""
    from transformers import CLIPTextModel, PreTrainedTokenizerFast

    text_encoder = CLIPTextModel.from_pretrained(Path(path) / "base" / "text_encoder").eval().requires_grad_(False)
    return text_encoder, PreTrainedTokenizerFast.from_pretrained(Path(path) / "base" / "tokenizer")


def load_stage(folder: str | Path, text_encoder: nn.Module, tokenizer) -> CascadeStage:
    """A stage saved by :func:`save_stage`, reading captions with the given text encoder."""
    from diffusers import CogVideoXTransformer3DModel, DDIMScheduler, UNet3DConditionModel

    folder = Path(folder)
    cfg = StageConfig(**json.loads((folder / "stage_config.json").read_text()))
    unet = (UNet3DConditionModel if cfg.dit is None else CogVideoXTransformer3DModel).from_pretrained(folder / "unet").eval()
    return CascadeStage(cfg, unet, text_encoder, tokenizer, DDIMScheduler.from_pretrained(folder / "scheduler"))


def micro_text_config() -> TextEncoderConfig:
    """A very small text encoder for tests and benchmarks."""
    return TextEncoderConfig(hidden_size=16, num_layers=1, num_heads=2)
