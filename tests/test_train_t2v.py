"""The tiny T2V recipe end to end on a micro configuration: trains, saves, reloads, samples."""

import json

import numpy as np
import pytest
import torch

from helpers.autoencoder import VAEConfig
from helpers.text_encoder import TextEncoderConfig
from helpers.train_t2v import T2VConfig, UNetConfig, build_denoiser, main, run
from helpers.trainer import TrainConfig


def micro_config(steps: int = 4) -> T2VConfig:
    return T2VConfig(
        vae=VAEConfig(block_out_channels=(8, 8, 8), latent_channels=4, norm_num_groups=4),
        vae_train=TrainConfig(steps=2, lr=1e-3, warmup_steps=1, progress=False),
        vae_batch=4,
        unet=UNetConfig(block_out_channels=(8, 16), norm_num_groups=4, attention_heads=2),
        text=TextEncoderConfig(hidden_size=16, num_layers=1, num_heads=2),
        clips_per_combo=1,
        batch_size=4,
        train=TrainConfig(steps=steps, lr=1e-3, warmup_steps=1, progress=False, log_every=1),
        gap_every=2,
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny")
    summary = run(micro_config(), out / "pipe", work_dir=out / "work", progress=False)
    return out, summary


def test_run_saves_a_pipeline_that_reloads_and_samples_16x32x32(trained):
    from diffusers import DiffusionPipeline

    out, summary = trained
    pipe = DiffusionPipeline.from_pretrained(out / "pipe")
    assert type(pipe).__name__ == "TextToVideoSDPipeline"
    frames = pipe("a red circle moving left", num_inference_steps=2, generator=torch.Generator().manual_seed(0)).frames[0]
    assert np.asarray(frames).shape == (16, 32, 32, 3)
    assert summary["unet_params"] > 0 and len(summary["history"]) == 4
    assert [g["step"] for g in summary["gaps"]] == [2, 4]
    assert set(summary["gaps"][0]) == {"step", "loss", "color", "shape", "direction"}
    assert json.loads((out / "work" / "summary.json").read_text())["total_s"] > 0


def test_saved_tokenizer_keeps_the_direction_word(trained):
    from diffusers import DiffusionPipeline

    pipe = DiffusionPipeline.from_pretrained(trained[0] / "pipe")
    ids = pipe.tokenizer("a red circle moving left", padding="max_length", max_length=pipe.tokenizer.model_max_length, truncation=True).input_ids
    assert pipe.tokenizer.convert_ids_to_tokens(ids)[:7] == ["[BOS]", "a", "red", "circle", "moving", "left", "[EOS]"]


def test_resume_continues_from_the_checkpoint(trained, tmp_path):
    import shutil

    out, first = trained
    shutil.copytree(out / "work", tmp_path / "work")
    cfg = micro_config(steps=6)
    second = run(cfg, tmp_path / "pipe", vae_path=str(out / "pipe" / "vae"), work_dir=tmp_path / "work", progress=False)
    steps = [row["step"] for row in second["history"]]
    assert steps == [1, 2, 3, 4, 5, 6]  # 1-4 from the checkpoint, 5-6 new
    assert second["history"][:4] == first["history"]


def test_config_fails_loudly():
    with pytest.raises(ValueError, match="one entry per level"):
        UNetConfig(block_out_channels=(8, 16, 32))
    with pytest.raises(ValueError, match="clips_per_combo"):
        T2VConfig(clips_per_combo=0)


def test_denoiser_prediction_has_latent_shape():
    model = build_denoiser(micro_config())
    z = torch.randn(2, 4, 16, 8, 8)
    ids = torch.tensor([[2, 4, 6, 10, 5, 14, 3, 0]] * 2)
    assert model.predict(z, torch.tensor([10, 900]), ids).shape == z.shape


def test_main_cli_trains_and_writes_grades(tmp_path, monkeypatch):
    import helpers.train_t2v as module

    monkeypatch.setattr(module, "T2VConfig", lambda: micro_config(steps=2))
    monkeypatch.setattr(module, "evaluate", lambda pipe, n: {"train": {"color": 0.5}, "held_out": {"color": 0.25}})
    main(["--out", str(tmp_path / "pipe"), "--work", str(tmp_path / "work"), "--evaluate", "1"])
    assert json.loads((tmp_path / "work" / "grades.json").read_text())["held_out"]["color"] == 0.25
