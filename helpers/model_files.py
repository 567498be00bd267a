"""One model in one file: a ``.safetensors`` state dict whose metadata holds its dataclass config as JSON.

For the course's own ``nn.Module`` models that are not diffusers classes (the video tokenizer and
its GPT prior of notebook 06): :func:`save_model` writes, :func:`read_model` gives back the state
dict and the config dict to rebuild the model with. :func:`folder_size_mb` measures a saved model on disk.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch
from torch import nn


def save_model(module: nn.Module, config: Any, path: str | Path, extra: dict | None = None) -> Path:
    """Write ``module``'s state dict to one ``.safetensors`` file whose metadata holds the config as JSON."""
    from safetensors.torch import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in module.state_dict().items()}
    metadata = {"config": json.dumps(asdict(config)), "class": type(module).__name__, **{k: json.dumps(v) for k, v in (extra or {}).items()}}
    save_file(state, str(path), metadata=metadata)
    return path


def read_model(path: str | Path, how_to_make: str = "train it with `python -m helpers.train_video_tokens`") -> tuple[dict[str, torch.Tensor], dict]:
    """``(state_dict, config dict)`` of a file written by :func:`save_model`; raises naming the file (and ``how_to_make``) if absent."""
    from safetensors import safe_open
    from safetensors.torch import load_file

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist; {how_to_make}")
    with safe_open(str(path), "pt") as handle:
        config = json.loads(handle.metadata()["config"])
    return load_file(str(path)), config


def folder_size_mb(folder: str | Path) -> float:
    """Megabytes (1e6 bytes) of every file under ``folder``: a saved model's size on disk."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder")
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6
