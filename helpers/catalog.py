"""The catalogue of text-to-video models and pipeline families the course knows how to run.

- :data:`MODELS`: hub models by id: how to load them on a GPU (dtype, weight variant, scheduler) and
  how much GPU memory they need before we turn on offloading.
- :data:`FAMILIES`: pipeline classes by name: which frame counts and sizes they accept, so that
  ``helpers.pipeline.generate`` rejects a bad request before any heavy work.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

#: the lesson's model, under its current hub name
MODELSCOPE = "ali-vilab/text-to-video-ms-1.7b"


@dataclass(frozen=True)
class ModelSpec:
    """What the course knows about a hub model: how to load it on a GPU and how much memory it needs."""

    model_id: str
    aliases: tuple[str, ...] = ()
    needs_gpu: bool = True
    variant: str | None = None  # "fp16": the half-precision weight files (loading fp32 ones as fp16 gave garbage)
    gpu_dtype: torch.dtype = torch.float16
    scheduler: str | None = None  # a diffusers scheduler class swapped in after loading
    gpu_gb: float = 0.0  # GPU memory to run it without offload; below this we offload
    steps: int | None = None  # denoising steps helpers.pipeline.generate uses by default (None: the pipeline's)


MODELS: dict[str, ModelSpec] = {
    MODELSCOPE: ModelSpec(
        MODELSCOPE,
        aliases=("damo-vilab/text-to-video-ms-1.7b",),  # the lesson's name; the hub redirects it
        variant="fp16",
        scheduler="DPMSolverMultistepScheduler",  # good clips in 25 steps instead of the default 50
        steps=25,
        gpu_gb=10.0,  # ~3.5 GB of fp16 weights + activations of 16 frames at 256x256 (estimate)
    ),
}


@dataclass(frozen=True)
class FamilyRules:
    """What a pipeline class accepts: frames ``frame_step * k + frame_offset`` up to a cap, sizes a multiple of ``size_multiple``."""

    name: str
    frame_step: int = 1
    frame_offset: int = 0
    max_frames: int = 64
    size_multiple: int = 8
    max_size: int = 1024


#: pipeline class name -> its rules (issue 9 adds CogVideoX, LTX-Video, Wan and AnimateDiff)
FAMILIES: dict[str, FamilyRules] = {
    # ModelScope was trained on 16-frame clips; its temporal attention has no position limit, so the
    # cap is ours: beyond 4x the training length clips fall apart and memory grows with every frame.
    "TextToVideoSDPipeline": FamilyRules("ModelScope (UNet3D)", max_frames=64),
}
