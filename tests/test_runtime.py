"""helpers.runtime: quick/full switch, device and dtype choice, seeding, the environment report."""

import random

import numpy as np
import pytest
import torch

from helpers import runtime
from helpers.model_files import folder_size_mb


@pytest.mark.parametrize(
    "ci, quick, expected",
    [("", "", False), ("true", "", True), ("TRUE", "", True), ("", "1", True), ("false", "0", False), ("", "yes", True)],
)
def test_quick_mode_switch(monkeypatch, ci, quick, expected):
    monkeypatch.setenv("CI", ci)
    monkeypatch.setenv("COURSE_QUICK", quick)
    assert runtime.is_quick() is expected
    assert runtime.mode_name() == ("quick" if expected else "full")
    assert runtime.pick(quick=1, full=2) == (1 if expected else 2)


def test_device_defaults_and_override(monkeypatch):
    monkeypatch.delenv("COURSE_DEVICE", raising=False)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert runtime.get_device().type == expected
    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    assert runtime.get_device() == torch.device("cpu")
    assert runtime.get_device("cpu") == torch.device("cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on a machine without CUDA")
def test_cuda_requested_without_cuda_raises():
    with pytest.raises(ValueError, match="CUDA is not available"):
        runtime.get_device("cuda")


def test_dtype_choice(monkeypatch):
    monkeypatch.delenv("COURSE_DTYPE", raising=False)
    assert runtime.get_dtype("cpu") == torch.float32
    assert runtime.get_dtype("cpu", override="bfloat16") == torch.bfloat16
    monkeypatch.setenv("COURSE_DTYPE", "float16")
    assert runtime.get_dtype("cpu") == torch.float16
    with pytest.raises(ValueError, match="not one of"):
        runtime.get_dtype("cpu", override="fp8")


def test_seed_everything_makes_runs_repeat():
    generator = runtime.seed_everything(7)
    first = (random.random(), np.random.rand(), torch.rand(2).tolist(), torch.rand(2, generator=generator).tolist())
    generator = runtime.seed_everything(7)
    second = (random.random(), np.random.rand(), torch.rand(2).tolist(), torch.rand(2, generator=generator).tolist())
    assert first == second
    runtime.seed_everything(8)
    assert random.random() != first[0]
    with pytest.raises(ValueError, match="non-negative int"):
        runtime.seed_everything(-1)


def test_environment_report_fields_and_text():
    report = runtime.environment_report("cpu")
    assert report.device == "cpu" and report.dtype == "float32"
    assert report.packages["torch"] == torch.__version__
    assert report.ram_total_gb > 0 and report.disk_free_gb > 0
    text = str(report)
    for word in ("python", "torch", "diffusers", "transformers", "CUDA", "GPU", "RAM", "free disk", "mode"):
        assert word in text
    assert report.advice and "advice:" in text


@pytest.mark.parametrize(
    "gpu_gb, ram_gb, expected",
    [
        (None, 16, "tiny model"),
        (6.0, 16, "CPU offload"),
        (15.0, 16, "fits in fp16"),
        (None, 4, "one notebook at a time"),
    ],
)
def test_advice_in_plain_language(gpu_gb, ram_gb, expected):
    assert any(expected in line for line in runtime.advice_for(gpu_gb, ram_gb))


def test_paths_point_into_the_repository():
    assert (runtime.REPO_ROOT / "helpers" / "runtime.py").exists()
    assert runtime.DATA_DIR == runtime.REPO_ROOT / "data"


@pytest.mark.parametrize("folder", sorted(p.name for p in runtime.DATA_DIR.iterdir() if p.is_dir()))
def test_shipped_models_are_safetensors_under_20_mb_and_name_no_paths(folder):
    import json

    files = [f for f in (runtime.DATA_DIR / folder).rglob("*") if f.is_file()]
    assert folder_size_mb(runtime.DATA_DIR / folder) < 20
    assert not [f for f in files if f.suffix in {".bin", ".pt", ".pth", ".pkl", ".ckpt"}], "weights are shipped as safetensors"
    for config in (f for f in files if f.name == "config.json"):
        assert "_name_or_path" not in json.loads(config.read_text()), f"{config} names the folder it was saved from"
    for config in (f for f in files if f.name in ("tokenizer_config.json", "model_index.json")):
        assert "TokenizersBackend" not in config.read_text(), f"{config}: transformers 4 cannot load that class name"


def test_make_portable_drops_only_the_recorded_folder(tmp_path):
    import json

    from diffusers import UNet3DConditionModel

    UNet3DConditionModel(block_out_channels=(4, 8), norm_num_groups=2, cross_attention_dim=8, attention_head_dim=1,
                         down_block_types=("CrossAttnDownBlock3D", "DownBlock3D"), up_block_types=("UpBlock3D", "CrossAttnUpBlock3D"),
                         sample_size=8).save_pretrained(tmp_path / "a")
    loaded = UNet3DConditionModel.from_pretrained(tmp_path / "a")
    loaded.save_pretrained(tmp_path / "b" / "unet")
    assert json.loads((tmp_path / "b" / "unet" / "config.json").read_text())["_name_or_path"] == str(tmp_path / "a")
    runtime.make_portable(tmp_path / "b")
    after = json.loads((tmp_path / "b" / "unet" / "config.json").read_text())
    assert "_name_or_path" not in after and after == json.loads((tmp_path / "a" / "config.json").read_text())
    assert list(UNet3DConditionModel.from_pretrained(tmp_path / "b" / "unet").config.block_out_channels) == [4, 8]


def test_make_portable_names_the_tokenizer_class_both_transformers_majors_know(tmp_path):
    import json

    import transformers

    from helpers.text_encoder import build_tokenizer

    build_tokenizer(max_length=8).save_pretrained(tmp_path / "pipe" / "tokenizer")
    (tmp_path / "pipe" / "model_index.json").write_text(json.dumps({"_class_name": "X", "tokenizer": ["transformers", "TokenizersBackend"]}))
    runtime.make_portable(tmp_path / "pipe")
    assert json.loads((tmp_path / "pipe" / "model_index.json").read_text())["tokenizer"] == ["transformers", "PreTrainedTokenizerFast"]
    config = json.loads((tmp_path / "pipe" / "tokenizer" / "tokenizer_config.json").read_text())
    assert config["tokenizer_class"] == "PreTrainedTokenizerFast"
    again = transformers.PreTrainedTokenizerFast.from_pretrained(tmp_path / "pipe" / "tokenizer")
    assert again("a red circle").input_ids == build_tokenizer(max_length=8)("a red circle").input_ids
