"""helpers.model_files: one safetensors file holds a module's weights and its config; a missing file is named."""

import json
from dataclasses import dataclass

import pytest
import torch
from safetensors import safe_open
from torch import nn

from helpers.model_files import folder_size_mb, read_model, save_model


@dataclass
class TinyConfig:
    width: int = 3
    name: str = "tiny"


def test_weights_and_config_round_trip(tmp_path):
    torch.manual_seed(0)
    module = nn.Linear(3, 2)
    path = save_model(module, TinyConfig(width=3), tmp_path / "sub" / "tiny.safetensors", extra={"steps": 7})
    state, config = read_model(path)
    assert config == {"width": 3, "name": "tiny"}
    assert state.keys() == module.state_dict().keys()
    assert all(torch.equal(state[k], v) for k, v in module.state_dict().items())
    with safe_open(str(path), "pt") as handle:
        metadata = handle.metadata()
    assert metadata["class"] == "Linear" and json.loads(metadata["steps"]) == 7


def test_missing_file_names_the_path_and_how_to_make_it(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nothing\.safetensors does not exist; run make-it"):
        read_model(tmp_path / "nothing.safetensors", how_to_make="run make-it")


def test_folder_size_counts_every_file_below(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.bin").write_bytes(b"x" * 1_000_000)
    (tmp_path / "sub" / "b.json").write_bytes(b"y" * 500_000)
    assert folder_size_mb(tmp_path) == pytest.approx(1.5)
    with pytest.raises(FileNotFoundError, match="is not a folder"):
        folder_size_mb(tmp_path / "missing")
