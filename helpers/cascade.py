"""A working miniature of Imagen Video's cascade: base -> temporal SR -> spatial SR, in pixel space.

Three diffusers denoisers (a ``CogVideoXTransformer3DModel`` on pixels for the base stage, as in
``data/tiny-t2v``; ``UNet3DConditionModel`` for the two SR stages) share one frozen text encoder
(Imagen Video's is a frozen T5-XXL) and together make the same 16 x 32 x 32 clip as the
single-stage tiny model::

    caption -> base         8 frames at 16x16   (text only)
            -> temporal_sr  16 frames at 16x16  (text + the base clip, frames repeated)
            -> spatial_sr   16 frames at 32x32  (text + that clip, resized bilinearly)

A super-resolution (SR) stage sees its noisy target and the *upsampled* lower-stage clip stacked as
channels, plus one constant channel holding the strength ``sigma`` of the Gaussian noise added to
that conditioning clip (noise conditioning augmentation). Trained with random ``sigma``, the stage
learns not to trust every pixel of its input, so a slightly wrong base clip is repaired instead of
copied; at sampling time a small fixed ``sigma`` is used.

    cascade = Cascade.from_pretrained("data/cascade")
    out = cascade(["a red circle moving left"], seed=0)   # out.spatial_sr: (1, 3, 16, 32, 32) in [-1, 1]

Each stage (config, conditioning, denoiser, save/load) is in :mod:`helpers.cascade_stage`; training
lives in :mod:`helpers.train_cascade` (on the shared loop of :mod:`helpers.trainer`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from .cascade_stage import STAGES, CascadeStage, load_stage, load_text, save_stage, save_text
from .denoisers import num_params

# ----------------------------------------------------------------------------- the cascade


@dataclass
class CascadeOutput:
    """Every stage's clips ``(B, 3, F, H, W)`` in [-1, 1] and its sampling seconds."""

    base: torch.Tensor
    temporal_sr: torch.Tensor
    spatial_sr: torch.Tensor
    seconds: dict[str, float] = field(default_factory=dict)


class Cascade:
    """The three stages in order; ``cascade(captions, seed)`` runs them all."""

    def __init__(self, stages: dict[str, CascadeStage]) -> None:
        if tuple(stages) != STAGES:
            raise ValueError(f"stages must be {STAGES} in this order, got {tuple(stages)}")
        self.stages = stages

    def __call__(self, captions: list[str] | str, seed: int = 0, stop_after: str = "spatial_sr",
                 overrides: dict[str, dict] | None = None) -> CascadeOutput:
        """Sample base -> temporal SR -> spatial SR with one generator seeded ``seed``; ``overrides[stage]`` goes to ``sample``."""
        captions = [captions] if isinstance(captions, str) else list(captions)
        generator = torch.Generator("cpu").manual_seed(seed)
        clips: dict[str, torch.Tensor] = {}
        seconds: dict[str, float] = {}
        previous = None
        for name in STAGES[: STAGES.index(stop_after) + 1]:
            start = time.perf_counter()
            previous = self.stages[name].sample(captions, previous, generator, **(overrides or {}).get(name, {}))
            clips[name], seconds[name] = previous.cpu(), time.perf_counter() - start
        empty = torch.empty(0)
        return CascadeOutput(clips.get("base", empty), clips.get("temporal_sr", empty), clips.get("spatial_sr", empty), seconds)

    def to(self, device: torch.device | str) -> "Cascade":
        for stage in self.stages.values():
            stage.to(device)
        return self

    def save_pretrained(self, path: str | Path) -> None:
        """``path/<stage>/{unet,scheduler,stage_config.json}``; the shared text encoder and tokenizer under ``path/base``."""
        save_text(self.stages["base"], path)
        for name, stage in self.stages.items():
            save_stage(stage, Path(path) / name)

    @classmethod
    def from_pretrained(cls, path: str | Path, device: torch.device | str = "cpu") -> "Cascade":
        """Load a cascade written by :meth:`save_pretrained` (local files only)."""
        path = Path(path)
        if not (path / "base" / "unet").is_dir():
            raise FileNotFoundError(f"no cascade at {path}: expected {path / 'base' / 'unet'} (train one with python -m helpers.train_cascade)")
        text_encoder, tokenizer = load_text(path)
        return cls({name: load_stage(path / name, text_encoder, tokenizer) for name in STAGES}).to(device)


def bench() -> dict:
    """Sampling seconds and parameters per stage of the shipped cascade (``make bench``), else of a fresh one."""
    from .cascade_stage import build_stage, default_stages
    from .runtime import DATA_DIR
    from .text_encoder import TextEncoderConfig, build_text_encoder, build_tokenizer

    path = DATA_DIR / "cascade"
    if (path / "base" / "unet").is_dir():
        cascade, shipped = Cascade.from_pretrained(path), True
    else:
        tokenizer = build_tokenizer()
        text_encoder = build_text_encoder(TextEncoderConfig(), tokenizer).requires_grad_(False)
        cascade, shipped = Cascade({n: build_stage(c, text_encoder, tokenizer).eval() for n, c in default_stages().items()}), False
    cascade("a red circle moving left", seed=0)  # warm-up
    out = cascade("a red circle moving left", seed=1)
    figures: dict = {"cascade_shipped": shipped, "cascade_total_s": round(sum(out.seconds.values()), 3)}
    for name, stage in cascade.stages.items():
        figures[f"cascade_{name}_s"] = round(out.seconds[name], 3)
        figures[f"cascade_{name}_params"] = num_params(stage.unet)
    return figures
