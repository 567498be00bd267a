"""Generate one clip with a loaded pipeline: validate the request first, then run it, timed and metered.

    result = generate(pipe, "a red circle moving left", num_frames=16, steps=25, seed=0)
    result.clip                       # numpy (F, H, W, 3) float in [0, 1]
    result.seconds, result.peak_gb    # wall time, peak memory (GPU, or process RSS on a CPU)

Every check runs before the model does (:func:`validate_request`), with a ``ValueError`` naming the
bad value and the accepted range: an empty prompt, a word the model's tokenizer does not know (it
maps to the unknown token), a frame count or size the pipeline's family refuses (read off the
pipeline: a video VAE that compresses time 4x needs ``4k+1`` frames), steps < 1, guidance < 1.
"""

from __future__ import annotations

import inspect
import math
import time
from dataclasses import dataclass, replace

import numpy as np
import torch

from .catalog import FAMILIES, MODELS, FamilyRules
from .memory import PeakMemory
from .video import clips_from_pipeline


@dataclass
class Generation:
    """One generated clip and what it cost."""

    clip: np.ndarray  # (F, H, W, 3) float32 in [0, 1]
    seconds: float
    peak_gb: float
    memory_kind: str
    settings: dict

    def __str__(self) -> str:
        shape = "x".join(str(n) for n in self.clip.shape[:3])
        return f"{shape} clip in {self.seconds:.2f} s, {self.memory_kind} {self.peak_gb:.2f} GB"


def _compression(pipe) -> tuple[int, int]:
    """(time, space) compression from pixels to the denoiser's tokens: VAE factor x patch size."""
    time_factor = getattr(pipe, "vae_scale_factor_temporal", None) or getattr(pipe, "vae_temporal_compression_ratio", 1)
    time_factor *= getattr(pipe, "transformer_temporal_patch_size", 1) or 1
    space = (
        getattr(pipe, "vae_scale_factor_spatial", None)
        or getattr(pipe, "vae_spatial_compression_ratio", None)
        or getattr(pipe, "vae_scale_factor", 8)
    )
    patch = getattr(getattr(getattr(pipe, "transformer", None), "config", None), "patch_size", 1) or 1
    patch = patch[-1] if isinstance(patch, (tuple, list)) else patch
    return int(time_factor), int(space * patch)


def family_rules(pipe) -> FamilyRules:
    """The :class:`FamilyRules` of ``pipe``'s class, with frame step and size multiple read off the pipeline."""
    rules = FAMILIES.get(type(pipe).__name__, FamilyRules(type(pipe).__name__))
    time_factor, space = _compression(pipe)
    step = rules.frame_step or time_factor
    return replace(
        rules,
        frame_step=step,
        frame_offset=rules.frame_offset if rules.frame_offset is not None else int(step > 1),
        size_multiple=rules.size_multiple or math.lcm(8, space),
    )


def unknown_words(pipe, prompt: str) -> list[str]:
    """The words of ``prompt`` that ``pipe``'s tokenizer maps to its unknown token (none for byte-level BPE)."""
    tokenizer = getattr(pipe, "tokenizer", None)
    unk = getattr(tokenizer, "unk_token_id", None)
    if tokenizer is None or unk is None:
        return []
    return [word for word in prompt.split() if unk in tokenizer(word, add_special_tokens=False)["input_ids"]]


def _denoiser_config(pipe):
    """The config of a pipeline's denoiser (its ``unet`` or ``transformer``), or None."""
    return getattr(getattr(pipe, "unet", None) or getattr(pipe, "transformer", None), "config", None)


def _native_size(pipe) -> tuple[int, int]:
    """(height, width) a pipeline makes when its call leaves them None: the denoiser's sample size x the VAE's scale."""
    config = _denoiser_config(pipe)
    space = getattr(pipe, "vae_scale_factor_spatial", None) or getattr(pipe, "vae_scale_factor", 8)
    sample = getattr(config, "sample_size", None)
    if isinstance(sample, int):
        return sample * space, sample * space
    if isinstance(sample, (tuple, list)):
        return sample[0] * space, sample[1] * space
    if getattr(config, "sample_height", None) and getattr(config, "sample_width", None):
        return config.sample_height * space, config.sample_width * space
    return 256, 256


def call_defaults(pipe) -> dict:
    """What ``generate`` uses for arguments left None: frames, size, steps, guidance.

    The pipeline's own ``__call__`` defaults, the native size where those are None, and the
    catalogue's steps for a known hub model.
    """
    parameters = inspect.signature(type(pipe).__call__).parameters
    names = ("num_frames", "height", "width", "num_inference_steps", "guidance_scale")
    defaults = {name: parameters[name].default for name in names if name in parameters}
    defaults = {name: value for name, value in defaults.items() if isinstance(value, (int, float))}
    native = dict(zip(("height", "width"), _native_size(pipe)))
    config = _denoiser_config(pipe)
    if isinstance(getattr(config, "sample_frames", None), int):  # CogVideoX: num_frames=None means the transformer's sample_frames
        native["num_frames"] = config.sample_frames
    defaults = {**native, **defaults}
    spec = MODELS.get(getattr(getattr(pipe, "course_info", None), "model_id", None))
    if spec is not None and spec.steps is not None:
        defaults["num_inference_steps"] = spec.steps
    return defaults


def _check_range(name: str, value, low, high, extra: str = "") -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError(f"{name} must be in [{low}, {high}]{extra}, got {value!r}")


def validate_request(pipe, prompt: str, num_frames: int, steps: int | None, guidance: float | None, seed: int, height: int, width: int) -> None:
    """Raise ``ValueError`` naming the bad value and the accepted range; cheap (no model runs)."""
    rules = family_rules(pipe)
    if not isinstance(prompt, str) or not prompt.strip():
        raise ValueError(f"prompt must be a non-empty string, got {prompt!r}")
    unknown = unknown_words(pipe, prompt)
    if unknown:
        vocab = sorted(w for w in pipe.tokenizer.get_vocab() if not w.startswith("["))
        known = f"; it knows: {', '.join(vocab)}" if len(vocab) <= 60 else ""
        raise ValueError(f"this model's tokenizer does not know {unknown} (they map to its unknown token){known}")
    if not isinstance(num_frames, int) or isinstance(num_frames, bool):
        raise ValueError(f"num_frames must be an int, got {num_frames!r}")
    _check_range("num_frames", num_frames, 1, rules.max_frames, f" for {rules.name}")
    if (num_frames - rules.frame_offset) % rules.frame_step:
        raise ValueError(
            f"num_frames must be {rules.frame_step}k+{rules.frame_offset} for {rules.name} "
            f"(e.g. {rules.frame_step * 4 + rules.frame_offset}), got {num_frames}"
        )
    for name, size in (("height", height), ("width", width)):
        _check_range(name, size, rules.size_multiple, rules.max_size)
        if size % rules.size_multiple:
            raise ValueError(f"{name} must be a multiple of {rules.size_multiple} for {rules.name}, got {size}")
    if steps is not None:
        _check_range("steps", steps, 1, 1000)
    if guidance is not None:
        _check_range("guidance", guidance, 1.0, 100.0, " (1 turns classifier-free guidance off)")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be an int >= 0, got {seed!r}")


def generate(
    pipe,
    prompt: str,
    num_frames: int | None = None,
    steps: int | None = None,
    guidance: float | None = None,
    seed: int = 0,
    height: int | None = None,
    width: int | None = None,
    progress: bool = True,
) -> Generation:
    """Generate one clip: :class:`Generation` with ``clip`` numpy ``(F, H, W, 3)`` in ``[0, 1]``, time and peak memory.

    Arguments left None take :func:`call_defaults` (the pipeline's own defaults; the catalogue's
    steps for a known hub model).
    """
    # 1. validate everything before any heavy work
    defaults = call_defaults(pipe)
    num_frames = defaults.get("num_frames", 16) if num_frames is None else num_frames
    steps = defaults.get("num_inference_steps") if steps is None else steps
    guidance = defaults.get("guidance_scale") if guidance is None else guidance
    height = defaults["height"] if height is None else height
    width = defaults["width"] if width is None else width
    validate_request(pipe, prompt, num_frames, steps, guidance, seed, height, width)
    settings = dict(prompt=prompt, num_frames=num_frames, height=height, width=width, seed=seed)
    settings.update({k: v for k, v in (("num_inference_steps", steps), ("guidance_scale", guidance)) if v is not None})
    # 2. run the pipeline under the memory meter (a CPU generator: the same noise on every device)
    device = torch.device(getattr(pipe, "_execution_device", None) or pipe.device)
    pipe.set_progress_bar_config(disable=not progress, leave=False, desc=f"{num_frames} frames")
    generator = torch.Generator("cpu").manual_seed(seed)
    start = time.perf_counter()
    with PeakMemory(device) as peak, torch.inference_mode():
        output = pipe(**{k: v for k, v in settings.items() if k != "seed"}, generator=generator, output_type="np")
    seconds = time.perf_counter() - start
    # 3. the batched .frames (diffusers >= 0.26) -> the first clip
    clip = clips_from_pipeline(output.frames)[0]  # (F, H, W, 3)
    return Generation(clip=clip, seconds=seconds, peak_gb=peak.gb, memory_kind=peak.kind, settings=settings)
