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
    """What a pipeline class accepts: frames ``frame_step * k + frame_offset`` up to ``max_frames``, sizes a multiple of ``size_multiple``.

    ``None`` fields are read off the loaded pipeline by ``helpers.pipeline.family_rules``: the VAE's
    compression in time (x the transformer's temporal patch) gives ``frame_step`` (offset 1: a
    causal video VAE keeps the first frame on its own), and ``size_multiple`` is the least common
    multiple of 8 and the VAE's compression in space x the transformer's patch size.
    """

    name: str
    max_frames: int = 64
    frame_step: int | None = None
    frame_offset: int | None = None
    size_multiple: int | None = None
    max_size: int = 1024


#: pipeline class name -> its rules
FAMILIES: dict[str, FamilyRules] = {
    # ModelScope was trained on 16-frame clips; its temporal attention has no position limit, so the
    # cap is ours: beyond 4x the training length clips fall apart and memory grows with every frame.
    "TextToVideoSDPipeline": FamilyRules("ModelScope (UNet3D)", max_frames=64),
    # the motion modules' positional embedding has 32 positions (motion_max_seq_length)
    "AnimateDiffPipeline": FamilyRules("AnimateDiff (UNet2D + motion modules)", max_frames=32),
    # CogVideoX-2b/5b generate 49 frames (6 s at 8 fps); their positional embeddings are sized for it
    "CogVideoXPipeline": FamilyRules("CogVideoX (DiT, 3D VAE)", max_frames=49),
    # LTX-Video: up to 257 frames documented
    "LTXPipeline": FamilyRules("LTX-Video (DiT, 3D VAE)", max_frames=257),
    # Wan 2.1: 81 frames (5 s at 16 fps)
    "WanPipeline": FamilyRules("Wan 2.1 (DiT, 3D VAE)", max_frames=81),
}
