"""The catalogue of text-to-video models and pipeline families the course knows how to run.

- :data:`MODELS`: hub models by id: how to load them on a GPU (dtype, weight variant, scheduler) and
  how much GPU memory they need before we turn on offloading.
- :data:`FAMILIES`: pipeline classes by name: which frame counts and sizes they accept, so that
  ``helpers.pipeline.generate`` rejects a bad request before any heavy work.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .memory import ModelSize

#: the lesson's model, under its current hub name
MODELSCOPE = "ali-vilab/text-to-video-ms-1.7b"


@dataclass(frozen=True)
class ModelSpec:
    """What the course knows about a hub model: how to load it on a GPU, what it makes, what it needs."""

    model_id: str
    title: str
    size: ModelSize  # parameters per component, for the memory planner
    native: tuple[int, int, int, int]  # frames, height, width, fps it was made for
    license: str
    documented: str = ""  # memory figures its authors or diffusers document, with the source
    aliases: tuple[str, ...] = ()
    needs_gpu: bool = True
    variant: str | None = None  # "fp16": the half-precision weight files (loading fp32 ones as fp16 gave garbage)
    gpu_dtype: torch.dtype = torch.float16  # a T4 has no bf16: helpers.pipeline falls back to fp16 there
    scheduler: str | None = None  # a diffusers scheduler class swapped in after loading
    steps: int | None = None  # denoising steps helpers.pipeline.generate uses by default (None: the pipeline's)
    pipeline_class: str | None = None  # None: DiffusionPipeline picks it from model_index.json
    extra: tuple[tuple[str, str, str], ...] = ()  # (argument, diffusers class, hub id) loaded first and passed in


_T5_XXL = 4.76  # billion parameters of the T5-XXL encoder (CogVideoX, LTX-Video)
# VAE decoding, for the planner: CogVideoX decodes 2 latent frames (8 frames) at a time, Wan one latent
# frame (4 frames) with a cache; LTX-Video decodes all frames at once but ends in a 4x4 pixel shuffle,
# so its 128 channels at a quarter of the resolution are 8 per full-resolution pixel.
MODELS: dict[str, ModelSpec] = {
    MODELSCOPE: ModelSpec(
        MODELSCOPE,
        "ModelScope text-to-video 1.7B (2023, the lesson's model)",
        ModelSize("ModelScope", 0.354, 1.41, 0.084, 320, 128, per_frame_vae=True),
        native=(16, 256, 256, 8),
        license="CC-BY-NC-4.0 (non-commercial)",
        aliases=("damo-vilab/text-to-video-ms-1.7b",),  # the lesson's name; the hub redirects it
        variant="fp16",
        scheduler="DPMSolverMultistepScheduler",  # good clips in 25 steps instead of the default 50
        steps=25,
    ),
    "THUDM/CogVideoX-2b": ModelSpec(
        "THUDM/CogVideoX-2b",
        "CogVideoX-2B (2024)",
        ModelSize("CogVideoX-2b", _T5_XXL, 1.69, 0.216, 1920, 128, time_compression=4, patch=2, vae_chunk_frames=8),
        native=(49, 480, 720, 8),
        license="Apache-2.0",
        documented="33 GB plain, 19 GB with model CPU offload, 11 GB with offload + VAE tiling "
        "(diffusers docs, CogVideoX pipeline page, v0.30)",
        aliases=("zai-org/CogVideoX-2b",),
        steps=50,
    ),
    "Lightricks/LTX-Video": ModelSpec(
        "Lightricks/LTX-Video",
        "LTX-Video 2B (2024)",
        ModelSize("LTX-Video", _T5_XXL, 1.92, 0.42, 2048, 8, time_compression=8, space_compression=32),
        native=(161, 512, 704, 24),
        license="LTX-Video open-weights licence (see its model card)",
        gpu_dtype=torch.bfloat16,
        steps=50,
    ),
    "Wan-AI/Wan2.1-T2V-1.3B-Diffusers": ModelSpec(
        "Wan-AI/Wan2.1-T2V-1.3B-Diffusers",
        "Wan 2.1 T2V 1.3B (2025)",
        ModelSize("Wan 2.1 1.3B", 5.68, 1.42, 0.127, 1536, 96, time_compression=4, patch=2, vae_chunk_frames=4),
        native=(81, 480, 832, 16),
        license="Apache-2.0",
        documented="8.19 GB with model offload and the T5 on the CPU, 480P on an RTX 4090 (Wan 2.1 README)",
        gpu_dtype=torch.bfloat16,
        steps=50,
    ),
    "emilianJR/epiCRealism": ModelSpec(
        "emilianJR/epiCRealism",
        "AnimateDiff v1.5.2 motion adapter on a Stable Diffusion 1.5 model (2023)",
        ModelSize("AnimateDiff (SD 1.5)", 0.123, 1.31, 0.084, 320, 128, per_frame_vae=True),
        native=(16, 512, 512, 8),
        license="Apache-2.0 (motion adapter); CreativeML OpenRAIL-M (SD 1.5 base)",
        pipeline_class="AnimateDiffPipeline",
        extra=(("motion_adapter", "MotionAdapter", "guoyww/animatediff-motion-adapter-v1-5-2"),),
        steps=25,
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
    "TextToVideoSDPipeline": FamilyRules("TextToVideoSDPipeline (ModelScope's UNet3D)", max_frames=64),
    # the motion modules' positional embedding has 32 positions (motion_max_seq_length)
    "AnimateDiffPipeline": FamilyRules("AnimateDiff (UNet2D + motion modules)", max_frames=32),
    # CogVideoX-2b/5b generate 49 frames (6 s at 8 fps); their positional embeddings are sized for it
    "CogVideoXPipeline": FamilyRules("CogVideoX (DiT, 3D VAE)", max_frames=49),
    # LTX-Video: up to 257 frames documented
    "LTXPipeline": FamilyRules("LTX-Video (DiT, 3D VAE)", max_frames=257),
    # Wan 2.1: 81 frames (5 s at 16 fps)
    "WanPipeline": FamilyRules("Wan 2.1 (DiT, 3D VAE)", max_frames=81),
}
