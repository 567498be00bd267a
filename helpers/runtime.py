"""Course plumbing: quick/full mode, device and dtype, seeding, and the environment report.

Every notebook reads these from here, never from its own ad-hoc checks:

- **mode**: quick when ``CI=true`` or ``COURSE_QUICK=1`` (seconds on a CPU), else full;
- **device**: CUDA if present, else CPU; ``COURSE_DEVICE=cpu`` overrides;
- **dtype**: float16/bfloat16 only on a GPU, float32 on a CPU; ``COURSE_DTYPE`` overrides.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import random
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

_TRUE = {"1", "true", "yes", "on"}

#: The repository root (the folder holding ``helpers/``, ``notebooks/`` and ``data/``).
REPO_ROOT = Path(__file__).resolve().parent.parent
#: Small artefacts the course ships (trained tiny models, sample clips).
DATA_DIR = REPO_ROOT / "data"


def is_quick() -> bool:
    """True in quick mode: ``CI=true`` or ``COURSE_QUICK=1`` in the environment."""
    return (
        os.environ.get("CI", "").strip().lower() in _TRUE
        or os.environ.get("COURSE_QUICK", "").strip().lower() in _TRUE
    )


def mode_name() -> str:
    """``"quick"`` or ``"full"``."""
    return "quick" if is_quick() else "full"


def pick(quick, full):
    """Return ``quick`` in quick mode and ``full`` otherwise (for step counts, epochs, sizes)."""
    return quick if is_quick() else full


def in_colab() -> bool:
    """True inside Google Colab."""
    return "google.colab" in sys.modules or "COLAB_RELEASE_TAG" in os.environ


def get_device(override: str | None = None) -> torch.device:
    """The course device: ``override``, else ``COURSE_DEVICE``, else CUDA if available, else CPU."""
    name = override or os.environ.get("COURSE_DEVICE")
    if name:
        device = torch.device(name)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"device {name!r} requested but CUDA is not available; use 'cpu'")
        return device
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


def get_dtype(device: torch.device | str | None = None, override: str | None = None) -> torch.dtype:
    """Half precision on a GPU (bf16 where supported, else fp16), float32 on a CPU.

    ``override`` or ``COURSE_DTYPE`` (``float32``/``float16``/``bfloat16``) wins.
    A T4 (compute capability 7.5) has no bf16, so it gets fp16.
    """
    name = override or os.environ.get("COURSE_DTYPE")
    if name:
        if name not in _DTYPES:
            raise ValueError(f"dtype {name!r} is not one of {sorted(_DTYPES)}")
        return _DTYPES[name]
    device = torch.device(device) if device is not None else get_device()
    if device.type != "cuda":
        return torch.float32
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, numpy and torch; return a CPU ``torch.Generator`` seeded with ``seed``."""
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator("cpu").manual_seed(seed)


#: transformers 5 saves its fast tokenizer as ``TokenizersBackend``, a name transformers 4 lacks; the
#: public alias ``PreTrainedTokenizerFast`` names the same class in both, so saved folders use it.
PORTABLE_TOKENIZER_CLASS = {"TokenizersBackend": "PreTrainedTokenizerFast"}


def _edit_json(path: Path, edit) -> None:
    """Apply ``edit`` (mutates a dict, returns True if it changed anything) to a JSON file, rewriting it only then."""
    import json

    values = json.loads(path.read_text())
    if edit(values):
        path.write_text(json.dumps(values, indent=2, sort_keys=True) + "\n")


def _drop_source_path(config: dict) -> bool:
    return config.pop("_name_or_path", None) is not None


def _portable_tokenizer_class(config: dict) -> bool:
    if config.get("tokenizer_class") not in PORTABLE_TOKENIZER_CLASS:
        return False
    config["tokenizer_class"] = PORTABLE_TOKENIZER_CLASS[config["tokenizer_class"]]
    return True


def _portable_index(index: dict) -> bool:
    renamed = {k: [v[0], PORTABLE_TOKENIZER_CLASS[v[1]]] for k, v in index.items()
               if isinstance(v, list) and len(v) == 2 and v[1] in PORTABLE_TOKENIZER_CLASS}
    index.update(renamed)
    return bool(renamed)


def make_portable(folder: str | Path) -> None:
    """Make a folder written by ``save_pretrained`` load on any supported release, on any machine.

    1. Drop ``_name_or_path`` from every ``config.json``: diffusers' ``from_pretrained`` records the
       folder a model came from and ``save_pretrained`` writes it back, so a model loaded, trained on
       and saved would name a machine's path in ``data/``.
    2. Name the tokenizer class ``PreTrainedTokenizerFast`` in ``tokenizer_config.json`` and
       ``model_index.json`` (see :data:`PORTABLE_TOKENIZER_CLASS`).
    """
    folder = Path(folder)
    for name, edit in (("config.json", _drop_source_path), ("tokenizer_config.json", _portable_tokenizer_class),
                       ("model_index.json", _portable_index)):
        for path in folder.rglob(name):
            _edit_json(path, edit)


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _ram_gb() -> tuple[float, float]:
    """(available, total) system RAM in GB, from /proc/meminfo or os.sysconf."""
    try:
        info = {}
        for line in Path("/proc/meminfo").read_text().splitlines():
            key, value = line.split(":", 1)
            info[key] = int(value.split()[0]) * 1024
        return info.get("MemAvailable", 0) / 1e9, info["MemTotal"] / 1e9
    except (OSError, KeyError, ValueError):
        try:
            total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
            return float("nan"), total / 1e9
        except (ValueError, OSError, AttributeError):
            return float("nan"), float("nan")


@dataclass
class EnvironmentReport:
    """What this machine offers the course, with plain-language advice."""

    python: str
    platform: str
    packages: dict[str, str]
    mode: str
    device: str
    dtype: str
    cuda: str
    gpu_name: str | None
    gpu_free_gb: float | None
    gpu_total_gb: float | None
    ram_available_gb: float
    ram_total_gb: float
    disk_free_gb: float
    colab: bool
    advice: list[str] = field(default_factory=list)

    def as_rows(self) -> list[tuple[str, str]]:
        """The report as (name, value) rows for a table."""
        gpu = "none"
        if self.gpu_name:
            gpu = f"{self.gpu_name} ({self.gpu_free_gb:.1f} GB free of {self.gpu_total_gb:.1f} GB)"
        rows = [
            ("python", self.python),
            ("platform", self.platform),
            *((name, version) for name, version in self.packages.items()),
            ("mode", self.mode),
            ("device", self.device),
            ("dtype", self.dtype),
            ("CUDA", self.cuda),
            ("GPU", gpu),
            ("RAM", f"{self.ram_available_gb:.1f} GB available of {self.ram_total_gb:.1f} GB"),
            ("free disk", f"{self.disk_free_gb:.1f} GB"),
            ("Colab", "yes" if self.colab else "no"),
        ]
        return rows

    def __str__(self) -> str:
        width = max(len(name) for name, _ in self.as_rows())
        lines = [f"{name:<{width}}  {value}" for name, value in self.as_rows()]
        lines += [f"advice: {line}" for line in self.advice]
        return "\n".join(lines)


def advice_for(gpu_total_gb: float | None, ram_total_gb: float) -> list[str]:
    """Plain-language advice for a machine with this much GPU memory (None: no GPU) and RAM."""
    advice = []
    if gpu_total_gb is None:
        advice.append(
            "No GPU: everything runs on the CPU; notebook 07 uses the course's shipped tiny "
            "model (data/tiny-t2v) instead of the 1.7B-parameter ModelScope model."
        )
    elif gpu_total_gb < 10:
        advice.append(
            f"GPU with {gpu_total_gb:.0f} GB: load real models in fp16 with model CPU offload "
            "and VAE slicing (notebook 07 does this for you)."
        )
    else:
        advice.append(f"GPU with {gpu_total_gb:.0f} GB: the real ModelScope model fits in fp16.")
    if ram_total_gb == ram_total_gb and ram_total_gb < 8:
        advice.append(f"Only {ram_total_gb:.1f} GB of RAM: keep to one notebook at a time.")
    return advice


def environment_report(device: torch.device | str | None = None) -> EnvironmentReport:
    """Collect versions, device, memory and disk into an :class:`EnvironmentReport`."""
    device = torch.device(device) if device is not None else get_device()
    gpu_name = gpu_free = gpu_total = None
    if torch.cuda.is_available():
        index = device.index or 0 if device.type == "cuda" else 0
        gpu_name = torch.cuda.get_device_name(index)
        free, total = torch.cuda.mem_get_info(index)
        gpu_free, gpu_total = free / 1e9, total / 1e9
    ram_available, ram_total = _ram_gb()
    return EnvironmentReport(
        python=platform.python_version(),
        platform=f"{platform.system()} {platform.machine()}",
        # torch's own string keeps the build tag that the package metadata drops (2.5.1+cu124: which CUDA it was built for)
        packages={"torch": torch.__version__, **{name: _version(name) for name in ("diffusers", "transformers", "accelerate")}},
        mode=mode_name(),
        device=str(device),
        dtype=str(get_dtype(device)).replace("torch.", ""),
        cuda=torch.version.cuda or "none (CPU build)" if torch.cuda.is_available() else "not available",
        gpu_name=gpu_name,
        gpu_free_gb=gpu_free,
        gpu_total_gb=gpu_total,
        ram_available_gb=ram_available,
        ram_total_gb=ram_total,
        disk_free_gb=shutil.disk_usage(REPO_ROOT).free / 1e9,
        colab=in_colab(),
        advice=advice_for(gpu_total, ram_total),
    )
