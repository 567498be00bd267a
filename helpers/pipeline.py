"""The lesson's project: load a pretrained text-to-video pipeline, generate a clip, measure it.

    pipe = load_pipeline()                       # ModelScope 1.7B on a CUDA GPU, else data/tiny-t2v
    result = generate(pipe, "a red circle moving left", num_frames=16, steps=25, seed=0)
    result.clip                                  # numpy (F, H, W, 3) float in [0, 1]
    result.seconds, result.peak_gb               # wall time, peak memory (GPU, or process RSS on a CPU)

Both go through ``diffusers.DiffusionPipeline.from_pretrained`` and ``pipe(...)``, for the real model
and for the course's shipped tiny model alike. When the requested model cannot be used here (no GPU
for a model that needs one, offline, hub unreachable) :func:`load_pipeline` says why and, unless
``fallback=None``, loads ``data/tiny-t2v`` through the very same call. On a GPU it applies the
memory options ``helpers.memory.plan`` picks for the free memory (offload, VAE slicing/tiling, fp8
weights); offloading is never applied without one. :func:`generate` lives in ``helpers.generation``
and is re-exported here.

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

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from .catalog import MODELS, MODELSCOPE, ModelSpec
from .generation import Generation, call_defaults, family_rules, generate, unknown_words, validate_request  # noqa: F401
from .memory import GB, OPTION_SETS, apply_options, plan
from .runtime import DATA_DIR, REPO_ROOT, _ram_gb, get_device

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


def _load_dtype(spec: ModelSpec | None, device: torch.device, dtype: torch.dtype | None, notes: list[str]) -> torch.dtype:
    """The dtype to load in: as asked; else the model's GPU dtype (fp16 where the GPU has no bf16); float32 on a CPU."""
    if dtype is not None:
        return dtype
    if spec is None or device.type != "cuda":
        return torch.float32
    if spec.gpu_dtype == torch.bfloat16 and not torch.cuda.is_bf16_supported():
        notes.append("this GPU has no bfloat16 (a T4, say): loading in float16 instead")
        return torch.float16
    return spec.gpu_dtype


def _load_or_reason(model_id: str, device: torch.device, dtype: torch.dtype):
    """``(pipe, None)`` if ``model_id`` loads here, else ``(None, reason)``."""
    spec = MODELS.get(model_id)
    reason = _unavailable_reason(model_id, device)
    if reason is not None:
        return None, reason
    try:
        return _from_pretrained(model_id, dtype, spec), None
    except Exception as error:  # noqa: BLE001 - hub failures come as OSError, requests or httpx errors
        if Path(model_id).is_dir():
            raise  # a broken local folder is a bug to see, not a reason to fall back
        return None, f"the hub is unreachable or refused {model_id} ({type(error).__name__}: {error})"


def _from_pretrained(model_id: str, dtype: torch.dtype, spec: ModelSpec | None = None):
    """The lesson's call, for hub models and the shipped tiny model alike (plus any extra component a model needs)."""
    import diffusers

    dtype_arg = {"dtype" if _diffusers_version() >= (0, 42) else "torch_dtype": dtype}  # renamed in 0.42
    local = _hub_offline() or Path(model_id).is_dir()
    variant = spec.variant if spec is not None and dtype == torch.float16 else None
    extra = {
        argument: getattr(diffusers, class_name).from_pretrained(repo, local_files_only=local, **dtype_arg)
        for argument, class_name, repo in (spec.extra if spec is not None else ())
    }
    use_class = spec is not None and spec.pipeline_class
    pipeline_class = getattr(diffusers, spec.pipeline_class) if use_class else diffusers.DiffusionPipeline
    return pipeline_class.from_pretrained(model_id, variant=variant, local_files_only=local, **extra, **dtype_arg)


def _diffusers_version() -> tuple[int, int]:
    import diffusers

    major, minor = diffusers.__version__.split(".")[:2]
    return int(major), int(minor)


def choose_options(spec: ModelSpec | None, device: torch.device, notes: list[str]) -> tuple[str, ...]:
    """Memory options: on a GPU the planner's cheapest set that fits free GPU memory and RAM; none on a CPU or for a local folder."""
    if device.type != "cuda" or spec is None:
        return ()
    free_gb = torch.cuda.mem_get_info(device)[0] / GB
    ram_gb = _ram_gb()[0]
    ram_gb = ram_gb if ram_gb == ram_gb else 12.7  # NaN where RAM cannot be read: assume free Colab
    frames, height, width, _ = spec.native
    fit = plan(spec.size, frames, height, width, free_gb, ram_gb)
    if fit is None:
        notes.append(f"no option set is estimated to fit {free_gb:.1f} GB of free GPU memory: using the most frugal")
        return OPTION_SETS[-1]
    notes.append(f"{free_gb:.1f} GB GPU memory free; estimated peak {fit.gpu_gb:.1f} GB with {fit.options or 'no options'}")
    return fit.options


def load_pipeline(
    model_id: str | os.PathLike | None = None,
    device: torch.device | str | None = None,
    dtype: torch.dtype | None = None,
    options: tuple[str, ...] | None = None,
    fallback: str | os.PathLike | None = TINY_T2V,
    progress: bool = True,
):
    """Load a text-to-video ``DiffusionPipeline``; ``pipe.course_info`` is a :class:`LoadInfo`.

    ``model_id``: a hub id or a local folder; default ModelScope on a CUDA GPU, else ``data/tiny-t2v``.
    ``dtype``: default the model's GPU dtype on a GPU (fp16 from its ``variant`` files), float32 otherwise.
    ``options``: memory options (names in ``helpers.memory.OPTION_SETS``); None: :func:`choose_options`.
    Offloading is never applied without a GPU.
    ``fallback``: when the model cannot be used here, print why and load this folder instead (default
    ``data/tiny-t2v``); None raises :class:`PipelineUnavailable` instead.
    """
    # 1. resolve the device and the model
    start = time.perf_counter()
    device = get_device(str(device) if device is not None else None)
    default = MODELSCOPE if device.type == "cuda" else TINY_T2V
    requested = canonical_id(model_id if model_id is not None else default)
    # 2. load it, unless we can tell before any download that it cannot be used here
    notes: list[str] = []
    load_dtype = _load_dtype(MODELS.get(requested), device, dtype, notes)
    pipe, reason = _load_or_reason(requested, device, load_dtype)
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
        load_dtype = _load_dtype(None, device, dtype, notes)
        pipe, reason = _load_or_reason(model, device, load_dtype)
        if pipe is None:
            raise PipelineUnavailable(f"cannot load {requested} ({fallback_reason}) nor {alternative} ({reason})")
    spec = MODELS.get(model)
    # 4. scheduler, device and memory options
    info = LoadInfo(requested, model, str(device), str(load_dtype).replace("torch.", ""), notes=notes, fallback_reason=fallback_reason)
    if spec is not None and spec.scheduler:
        import diffusers

        pipe.scheduler = getattr(diffusers, spec.scheduler).from_config(pipe.scheduler.config)
        info.notes.append(f"scheduler: {spec.scheduler}")
    options = choose_options(spec, device, notes) if options is None else tuple(options)
    info.options, skipped = apply_options(pipe, options, device, load_dtype)
    notes.extend(skipped)
    pipe.set_progress_bar_config(disable=not progress, leave=False)
    info.seconds = time.perf_counter() - start
    pipe.course_info = info
    return pipe


def bench() -> dict:
    """Load time, and time and peak memory of one default clip, for the shipped tiny model (for ``make bench``).

    Without ``data/tiny-t2v`` a tiny random-weight TextToVideoSDPipeline stands in (and the figures say so).
    """
    import tempfile

    from .tiny_pipelines import build_tiny

    with tempfile.TemporaryDirectory() as folder:
        shipped = (TINY_T2V / "model_index.json").exists()
        path = TINY_T2V if shipped else build_tiny("text-to-video-sd", Path(folder) / "tiny")
        start = time.perf_counter()
        pipe = load_pipeline(path, progress=False)
        load_s = time.perf_counter() - start
        generate(pipe, "a red circle moving left", num_frames=2, steps=1, progress=False)  # warm-up
        result = generate(pipe, "a red circle moving left", seed=0, progress=False)
    name = "tiny-t2v" if shipped else "random tiny TextToVideoSD"
    return {
        f"pipeline_load_s ({name})": load_s,
        f"pipeline_clip_s ({name}, {result.settings['num_frames']} frames, {result.settings.get('num_inference_steps')} steps)": result.seconds,
        f"pipeline_peak_gb ({result.memory_kind})": result.peak_gb,
    }
