"""The lesson's project: load a pretrained text-to-video pipeline, generate a clip, measure it.

    pipe = load_pipeline()                       # ModelScope 1.7B on a CUDA GPU, else data/tiny-t2v
    result = generate(pipe, "a red circle moving left", num_frames=16, steps=25, seed=0)
    result.clip                                  # numpy (F, H, W, 3) float in [0, 1]
    result.seconds, result.peak_gb               # wall time, peak memory (GPU, or process RSS on a CPU)

Both go through ``diffusers.DiffusionPipeline.from_pretrained`` and ``pipe(...)``, for the real model
and for the course's shipped tiny model alike. When the requested model cannot be used here (no GPU
for a model that needs one, offline, hub unreachable) :func:`load_pipeline` says why and, unless
``fallback=None``, loads ``data/tiny-t2v`` through the very same call.

What changed across diffusers versions (the one place we keep it; pyproject pins the tested range):

- 0.26: pipeline outputs' ``.frames`` became *batched*: ``.frames[0]`` is the first clip. With
  ``output_type="np"`` frames are float in ``[0, 1]``, shaped ``(B, F, H, W, 3)``
  (``helpers.video.clips_from_pipeline`` reads every form).
- 0.34: ``enable_model_cpu_offload()`` raises on a machine without an accelerator: offload *moves*
  each model to the GPU when it runs, and there is nowhere to move it to. We never call it there.
- 0.42: ``from_pretrained(torch_dtype=...)`` became ``dtype=...`` (the old name warns until 1.0).
- ``TextToVideoSDPipeline`` (ModelScope's class) is marked deprecated (last supported 0.33.1) and
  diffusers no longer tests it: ``tests/test_pipeline.py`` is its CI. Its constructor logs a
  deprecation warning; it still loads and runs on the versions we pin.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from .catalog import FAMILIES, MODELS, MODELSCOPE, FamilyRules
from .memory import GB, PeakMemory
from .runtime import DATA_DIR, REPO_ROOT, get_device
from .video import clips_from_pipeline

#: the course's shipped tiny text-to-video pipeline (trained on the moving-shapes world)
TINY_T2V = DATA_DIR / "tiny-t2v"
class PipelineUnavailable(RuntimeError):
    """The requested model cannot be used here; the message names the cause and the alternative."""


@dataclass
class LoadInfo:
    """How :func:`load_pipeline` loaded a pipeline: what, where, which memory options, and why."""

    requested: str
    model_id: str
    device: str
    dtype: str
    options: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    fallback_reason: str | None = None
    seconds: float = 0.0

    def __str__(self) -> str:
        lines = [f"loaded {self.model_id} on {self.device} ({self.dtype}) in {self.seconds:.1f} s"]
        if self.fallback_reason:
            lines.insert(0, f"FALLBACK: {self.fallback_reason}")
        lines.append("memory options: " + (", ".join(self.options) or "none"))
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)


def canonical_id(model_id: str | os.PathLike) -> str:
    """A hub alias -> its current name (``damo-vilab/...`` -> ``ali-vilab/...``); a folder -> its absolute path.

    A relative folder is looked up from the working directory, then from the repository root (so
    ``"data/tiny-t2v"`` works from ``notebooks/`` too).
    """
    model_id = str(model_id)
    for spec in MODELS.values():
        if model_id in spec.aliases:
            return spec.model_id
    for folder in (Path(model_id), REPO_ROOT / model_id):
        if folder.is_dir():
            return str(folder.resolve())
    return model_id


def _hub_offline() -> bool:
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE) or os.environ.get("HF_HUB_OFFLINE", "").lower() in {"1", "true", "yes", "on"}


def _unavailable_reason(model_id: str, device: torch.device) -> str | None:
    """Why ``model_id`` (from :func:`canonical_id`) cannot be loaded here, or None; no heavy work."""
    folder = Path(model_id)
    if folder.is_dir():
        return None if (folder / "model_index.json").exists() else f"{model_id} has no model_index.json"
    if folder.is_absolute() or model_id.startswith(".") or model_id.count("/") != 1:
        return f"{model_id} is neither a folder with a saved pipeline nor a hub id like 'org/name'"
    spec = MODELS.get(model_id)
    if spec is not None and spec.needs_gpu and device.type != "cuda":
        return (
            f"no GPU: {model_id} needs a CUDA GPU (on a CPU one clip would take tens of minutes); "
            "in Colab choose Runtime > Change runtime type > T4 GPU"
        )
    if _hub_offline():
        from huggingface_hub import try_to_load_from_cache

        if not isinstance(try_to_load_from_cache(model_id, "model_index.json"), str):
            return f"offline (HF_HUB_OFFLINE=1) and {model_id} is not in the local Hugging Face cache"
    return None


def _load_or_reason(model_id: str, device: torch.device, dtype: torch.dtype | None):
    """``(pipe, None, dtype)`` if ``model_id`` loads here, else ``(None, reason, dtype)``."""
    spec = MODELS.get(model_id)
    dtype = dtype or (spec.gpu_dtype if spec is not None and device.type == "cuda" else torch.float32)
    reason = _unavailable_reason(model_id, device)
    if reason is not None:
        return None, reason, dtype
    variant = spec.variant if spec is not None and dtype == torch.float16 else None
    try:
        return _from_pretrained(model_id, dtype, variant), None, dtype
    except Exception as error:  # noqa: BLE001 - hub failures come as OSError, requests or httpx errors
        if Path(model_id).is_dir():
            raise  # a broken local folder is a bug to see, not a reason to fall back
        return None, f"the hub is unreachable or refused {model_id} ({type(error).__name__}: {error})", dtype


def _from_pretrained(model_id: str, dtype: torch.dtype, variant: str | None):
    """The lesson's call, for hub models and the shipped tiny model alike."""
    from diffusers import DiffusionPipeline

    dtype_key = "dtype" if _diffusers_version() >= (0, 42) else "torch_dtype"  # renamed in 0.42
    local = _hub_offline() or Path(model_id).is_dir()
    return DiffusionPipeline.from_pretrained(model_id, variant=variant, local_files_only=local, **{dtype_key: dtype})


def _diffusers_version() -> tuple[int, int]:
    import diffusers

    major, minor = diffusers.__version__.split(".")[:2]
    return int(major), int(minor)


def _apply_memory_options(pipe, device: torch.device, need_gb: float, offload: bool | None, info: LoadInfo) -> None:
    """Put ``pipe`` on ``device``: model CPU offload and VAE slicing when GPU memory is short."""
    if device.type != "cuda":
        if offload:
            info.notes.append(
                "model CPU offload skipped: it moves each model to the GPU while it runs, and there is no "
                "GPU here (diffusers >= 0.34 raises instead)"
            )
        pipe.to(device)
        return
    free_gb = torch.cuda.mem_get_info(device)[0] / GB
    if offload is None:
        offload = free_gb < need_gb
        info.notes.append(f"{free_gb:.1f} GB GPU memory free, about {need_gb:.0f} GB needed without offload")
    if offload:
        pipe.enable_model_cpu_offload(device=device)
        info.options.append("model CPU offload")
        if hasattr(pipe, "vae") and hasattr(pipe.vae, "enable_slicing"):
            pipe.vae.enable_slicing()  # decode frames one at a time: the VAE's peak shrinks F-fold
            info.options.append("VAE slicing")
    else:
        pipe.to(device)


def load_pipeline(
    model_id: str | os.PathLike | None = None,
    device: torch.device | str | None = None,
    dtype: torch.dtype | None = None,
    offload: bool | None = None,
    fallback: str | os.PathLike | None = TINY_T2V,
    progress: bool = True,
):
    """Load a text-to-video ``DiffusionPipeline``; ``pipe.course_info`` is a :class:`LoadInfo`.

    ``model_id``: a hub id or a local folder; default ModelScope on a CUDA GPU, else ``data/tiny-t2v``.
    ``dtype``: default fp16 for hub models on a GPU (with their ``variant`` files), float32 otherwise.
    ``offload``: None decides from free GPU memory; never applied without a GPU.
    ``fallback``: when the model cannot be used here, print why and load this folder instead (default
    ``data/tiny-t2v``); None raises :class:`PipelineUnavailable` instead.
    """
    # 1. resolve the device and the model
    start = time.perf_counter()
    device = get_device(str(device) if device is not None else None)
    default = MODELSCOPE if device.type == "cuda" else TINY_T2V
    requested = canonical_id(model_id if model_id is not None else default)
    # 2. load it, unless we can tell before any download that it cannot be used here
    pipe, reason, load_dtype = _load_or_reason(requested, device, dtype)
    model, fallback_reason = requested, None
    # 3. it cannot: say why, and fall back to the shipped tiny model through the same call
    if pipe is None:
        alternative = f"the course's shipped tiny model data/{TINY_T2V.name}"
        if fallback is not None and canonical_id(fallback) != canonical_id(TINY_T2V):
            alternative = f"the local pipeline {fallback}"
        if fallback is None or requested == canonical_id(fallback):
            raise PipelineUnavailable(f"cannot load {requested}: {reason}. The offline alternative is {alternative}.")
        print(f"Cannot load {requested}: {reason}.\nFalling back to {alternative} (the same from_pretrained call).")
        model, fallback_reason = canonical_id(fallback), reason
        pipe, reason, load_dtype = _load_or_reason(model, device, dtype)
        if pipe is None:
            raise PipelineUnavailable(f"cannot load {requested} ({fallback_reason}) nor {alternative} ({reason})")
    spec = MODELS.get(model)
    # 4. scheduler, device and memory options
    info = LoadInfo(requested, model, str(device), str(load_dtype).replace("torch.", ""), fallback_reason=fallback_reason)
    if spec is not None and spec.scheduler:
        import diffusers

        pipe.scheduler = getattr(diffusers, spec.scheduler).from_config(pipe.scheduler.config)
        info.notes.append(f"scheduler: {spec.scheduler}")
    _apply_memory_options(pipe, device, spec.gpu_gb if spec else 0.0, offload, info)
    pipe.set_progress_bar_config(disable=not progress, leave=False)
    info.seconds = time.perf_counter() - start
    pipe.course_info = info
    return pipe


# ----------------------------------------------------------------------------- generation


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


def _native_size(pipe) -> tuple[int, int]:
    """(height, width) a pipeline makes when its call leaves them None: the denoiser's sample size x the VAE's scale."""
    config = getattr(getattr(pipe, "unet", None) or getattr(pipe, "transformer", None), "config", None)
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
    import inspect

    parameters = inspect.signature(type(pipe).__call__).parameters
    names = ("num_frames", "height", "width", "num_inference_steps", "guidance_scale")
    defaults = {name: parameters[name].default for name in names if name in parameters}
    defaults = {name: value for name, value in defaults.items() if isinstance(value, (int, float))}
    native = dict(zip(("height", "width"), _native_size(pipe)))
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
