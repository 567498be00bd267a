"""The miniature cascade on micro configurations: shapes per stage, conditioning, augmentation, training, save/reload."""

import json
from dataclasses import replace

import pytest
import torch

from helpers.denoisers import DiTConfig
from helpers.cascade import Cascade
from helpers.cascade_stage import (STAGES, StageConfig, augment_condition, build_stage, forward_flops, micro_text_config, stage_targets,
                                   upsample_condition)
from helpers.shapes import make_batch
from helpers.text_encoder import build_text_encoder, build_tokenizer
from helpers.train_cascade import ABLATION, CascadeTrainConfig, load_ablation, make_batch_fn, run, stage_loss
from helpers.trainer import TrainConfig, train

MICRO = dict(block_out_channels=(4, 8), norm_num_groups=2, attention_heads=1, num_inference_steps=2)


MICRO_DIT = DiTConfig(num_layers=1, attention_heads=2, head_dim=8, patch_size=4, time_embed_dim=8)


def micro_unet3d_base() -> StageConfig:
    return StageConfig(8, 16, down_block_types=("CrossAttnDownBlock3D", "DownBlock3D"), up_block_types=("UpBlock3D", "CrossAttnUpBlock3D"),
                       guidance_scale=2.0, **MICRO)


def micro_stages() -> dict[str, StageConfig]:
    return {
        "base": StageConfig(8, 16, dit=MICRO_DIT, guidance_scale=2.0, num_inference_steps=2),  # the shipped kind: a diffusion transformer
        "temporal_sr": StageConfig(16, 16, 8, 16, **MICRO),
        "spatial_sr": StageConfig(16, 32, 16, 16, **MICRO),
    }


def micro_config(steps: int = 2) -> CascadeTrainConfig:
    tc = TrainConfig(steps=steps, lr=1e-3, warmup_steps=1, progress=False, log_every=1)
    pure_noise = TrainConfig(steps=1, lr=1e-3, warmup_steps=1, ema_decay=None, progress=False, log_every=1)
    return CascadeTrainConfig(text=micro_text_config(), stages=micro_stages(), train={n: tc for n in STAGES}, batch_size=2, base_pure_noise=pure_noise)


@pytest.fixture(scope="module")
def text():
    tokenizer = build_tokenizer()
    return build_text_encoder(micro_text_config(), tokenizer), tokenizer


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    out = tmp_path_factory.mktemp("cascade")
    summary = run(micro_config(), out, (*STAGES, ABLATION), progress=False)
    return out, summary


def test_stage_targets_subsample_time_and_average_space():
    video = make_batch(["a red circle moving left", "a blue square moving up"], seed=3)  # (2, 3, 16, 32, 32)
    targets = stage_targets(video)
    assert targets["base"].shape == (2, 3, 8, 16, 16) and targets["temporal_sr"].shape == (2, 3, 16, 16, 16)
    assert targets["spatial_sr"] is video
    assert torch.allclose(targets["base"][:, :, 1], targets["temporal_sr"][:, :, 2])
    assert torch.allclose(targets["temporal_sr"][0, :, 5, 3, 4], video[0, :, 5, 6:8, 8:10].mean(dim=(1, 2)))


def test_upsample_condition_repeats_frames_and_resizes():
    low = torch.arange(2 * 3 * 4 * 4 * 4, dtype=torch.float32).view(2, 3, 4, 4, 4)
    up = upsample_condition(low, 8, 4)
    assert up.shape == (2, 3, 8, 4, 4)
    assert torch.equal(up[:, :, 0], up[:, :, 1]) and torch.equal(up[:, :, 2], low[:, :, 1])
    big = upsample_condition(low, 4, 8)
    assert big.shape == (2, 3, 4, 8, 8)
    assert torch.allclose(big.mean(dim=(3, 4)), low.mean(dim=(3, 4)), atol=1e-4)
    with pytest.raises(ValueError, match="whole factors"):
        upsample_condition(low, 6, 4)


def test_augment_condition_is_per_clip_and_zero_sigma_is_identity():
    cond, noise = torch.zeros(2, 3, 2, 4, 4), torch.ones(2, 3, 2, 4, 4)
    out = augment_condition(cond, torch.tensor([0.0, 0.5]), noise)
    assert torch.equal(out[0], cond[0]) and torch.allclose(out[1], torch.full_like(out[1], 0.5))
    with pytest.raises(ValueError, match="sigma must have shape"):
        augment_condition(cond, torch.tensor(0.5), noise)


def test_batches_carry_conditioning_and_noise_augmentation(text):
    text_encoder, tokenizer = text
    cfg = micro_stages()["temporal_sr"]
    batch = make_batch_fn("temporal_sr", cfg, tokenizer, 4, seed=0)(7)
    assert batch["x0"].shape == (4, 3, 16, 16, 16) and batch["cond"].shape == (4, 3, 8, 16, 16)
    assert batch["cond_noise"].shape == (4, 3, 16, 16, 16)
    assert (batch["sigma"] > 0).all() and (batch["sigma"] <= cfg.max_aug_sigma).all()
    assert torch.equal(make_batch_fn("temporal_sr", cfg, tokenizer, 4, seed=0)(7)["x0"], batch["x0"])  # deterministic
    off = make_batch_fn(ABLATION, replace(cfg, max_aug_sigma=0.0), tokenizer, 4, seed=0)(7)
    assert (off["sigma"] == 0).all() and torch.equal(off["cond"], batch["cond"])
    assert "cond" not in make_batch_fn("base", micro_stages()["base"], tokenizer, 4, seed=0)(7)


def test_the_sr_stage_sees_the_augmented_conditioning(text):
    text_encoder, tokenizer = text
    stage = build_stage(micro_stages()["spatial_sr"], text_encoder, tokenizer)
    seen = []
    stage.unet.register_forward_pre_hook(lambda module, args: seen.append(args[0].detach().clone()))
    batch = make_batch_fn("spatial_sr", stage.cfg, tokenizer, 2, seed=1)(0)
    stage(batch)
    x = seen[-1]  # (B, 7, F, H, W): noisy clip, conditioning, sigma plane
    up = upsample_condition(batch["cond"], 16, 32)
    assert x.shape == (2, 7, 16, 32, 32)
    assert torch.allclose(x[:, 3:6], augment_condition(up, batch["sigma"], batch["cond_noise"]), atol=1e-6)
    assert not torch.allclose(x[:, 3:6], up)
    assert torch.allclose(x[:, 6], batch["sigma"].view(-1, 1, 1, 1).expand(-1, 16, 32, 32))
    with pytest.raises(ValueError, match="conditioning"):
        stage.predict(x[:, :3], batch["t"], stage.context(batch["input_ids"]))


def test_loss_falls_on_a_fixed_batch(text):
    text_encoder, tokenizer = text
    stage = build_stage(micro_stages()["temporal_sr"], text_encoder, tokenizer)
    batch = make_batch_fn("temporal_sr", stage.cfg, tokenizer, 4, seed=2)(0)
    result = train(stage, stage_loss, lambda step: batch, TrainConfig(steps=30, lr=3e-3, warmup_steps=1, ema_decay=None, progress=False, log_every=5))
    losses = [row["loss"] for row in result.history]
    assert losses[-1] < 0.7 * losses[0], losses


def test_run_saves_every_stage_and_reloads_a_cascade_with_the_right_shapes(shipped):
    out, summary = shipped
    cascade = Cascade.from_pretrained(out)
    result = cascade(["a red circle moving left", "a green triangle moving up"], seed=0)
    assert result.base.shape == (2, 3, 8, 16, 16)
    assert result.temporal_sr.shape == (2, 3, 16, 16, 16)
    assert result.spatial_sr.shape == (2, 3, 16, 32, 32)
    assert result.spatial_sr.abs().max() <= 1 and set(result.seconds) == set(STAGES)
    again = cascade(["a red circle moving left", "a green triangle moving up"], seed=0)
    assert torch.equal(again.spatial_sr, result.spatial_sr)
    assert not torch.equal(cascade(["a red circle moving left", "a green triangle moving up"], seed=1).base, result.base)
    only_base = cascade("a red circle moving left", stop_after="base")
    assert only_base.base.shape == (1, 3, 8, 16, 16) and only_base.spatial_sr.numel() == 0


def test_summary_and_model_card(shipped):
    out, summary = shipped
    saved = json.loads((out / "summary.json").read_text())
    assert set(saved["stages"]) == {*STAGES, ABLATION}
    for name in STAGES:
        s = saved["stages"][name]
        pure = 1 if name == "base" else 0  # the base stage's pure-noise phase comes first
        assert s["steps"] == 2 + pure and s["clips_seen"] == 2 * (2 + pure) and s["unet_params"] > 0 and s["train_flops"] > 0
        assert (out / name / "unet" / "diffusion_pytorch_model.safetensors").exists()
    assert [row["phase"] for row in saved["stages"]["base"]["history"]] == ["pure_noise", "main", "main"]
    assert saved["stages"]["base"]["pure_noise_steps"] == 1 and "1 steps at t = 999" in (out / "README.md").read_text()
    assert saved["stages"]["temporal_sr"]["pure_noise"] is None
    assert saved["stages"][ABLATION]["config"]["max_aug_sigma"] == 0
    assert saved["stages"][ABLATION]["steps"] == saved["stages"]["temporal_sr"]["steps"]
    card = (out / "README.md").read_text()
    assert "python -m helpers.train_cascade" in card and all(f"| {name} |" in card for name in STAGES)
    assert load_ablation(out).cfg.max_aug_sigma == 0


def test_an_sr_stage_alone_loads_with_plain_diffusers(shipped):
    from diffusers import UNet3DConditionModel

    unet = UNet3DConditionModel.from_pretrained(shipped[0] / "spatial_sr" / "unet")
    assert unet.config.in_channels == 7 and unet.config.out_channels == 3


def test_training_one_sr_stage_reuses_the_frozen_text_encoder(shipped, tmp_path):
    import shutil

    out = tmp_path / "c"
    shutil.copytree(shipped[0], out)
    before = (out / "base" / "text_encoder" / "model.safetensors").read_bytes()
    summary = run(micro_config(steps=3), out, ("spatial_sr",), progress=False)
    assert summary["stages"]["spatial_sr"]["steps"] == 3 and summary["stages"]["base"]["steps"] == 1 + 2  # untouched
    assert (out / "base" / "text_encoder" / "model.safetensors").read_bytes() == before


def test_continuing_a_saved_stage_starts_from_its_weights_and_adds_up(shipped, tmp_path):
    import shutil

    out = tmp_path / "c"
    shutil.copytree(shipped[0], out)
    before = json.loads((out / "summary.json").read_text())["stages"]["spatial_sr"]
    summary = run(micro_config(steps=1), out, ("spatial_sr",), progress=False, continue_saved=True)
    after = summary["stages"]["spatial_sr"]
    assert after["steps"] == before["steps"] + 1 and after["clips_seen"] == before["clips_seen"] + 2
    assert after["train_flops"] == pytest.approx(before["train_flops"] * 1.5)  # 3 steps' worth of clips after 2
    assert after["first_loss"] == before["first_loss"] and after["continued"][0]["from_step"] == before["steps"]
    assert [row["phase"] for row in after["history"]][-1] == "continued" and after["history"][-1]["step"] == before["steps"] + 1
    assert "_name_or_path" not in json.loads((out / "spatial_sr" / "unet" / "config.json").read_text())  # no path leaks into the folder
    # a 1-step continuation at lr 1e-3 moves the saved weights only a little: it started from them, not from scratch
    from helpers.cascade_stage import load_stage, load_text

    te, tok = load_text(out)
    old = load_stage(shipped[0] / "spatial_sr", te, tok).unet.state_dict()
    new = load_stage(out / "spatial_sr", te, tok).unet.state_dict()
    fresh = build_stage(micro_stages()["spatial_sr"], te, tok).unet.state_dict()
    moved = sum((new[k] - old[k]).abs().sum() for k in old)
    assert 0 < moved < 0.5 * sum((fresh[k] - old[k]).abs().sum() for k in old)


def test_continuing_needs_a_saved_stage(tmp_path):
    with pytest.raises(ValueError, match="no saved stage 'spatial_sr'"):
        run(micro_config(), tmp_path / "empty", ("spatial_sr",), progress=False, continue_saved=True)


def test_forward_flops_grow_with_the_output_size(text):
    text_encoder, tokenizer = text
    stages = micro_stages()
    small = forward_flops(build_stage(stages["temporal_sr"], text_encoder, tokenizer))
    big = forward_flops(build_stage(stages["spatial_sr"], text_encoder, tokenizer))
    assert 3 < big / small < 5  # 4x the positions, same network


def test_stage_config_fails_loudly():
    with pytest.raises(ValueError, match="whole multiple"):
        StageConfig(16, 32, 5, 16)
    with pytest.raises(ValueError, match="both"):
        StageConfig(16, 32, 8, None)
    with pytest.raises(ValueError, match="one entry per level"):
        StageConfig(8, 16, block_out_channels=(8,))


def test_pure_noise_batches_put_every_clip_at_the_last_timestep(text):
    _, tokenizer = text
    batch = make_batch_fn("base", micro_stages()["base"], tokenizer, 6, seed=0, high_noise_share=1.0)(3)
    assert batch["t"].tolist() == [999] * 6
    assert make_batch_fn("base", micro_stages()["base"], tokenizer, 64, seed=0)(3)["t"].unique().numel() > 10


def test_the_base_stage_is_a_transformer_and_a_unet3d_base_still_works(shipped, text):
    from diffusers import CogVideoXTransformer3DModel

    base = CogVideoXTransformer3DModel.from_pretrained(shipped[0] / "base" / "unet")
    assert base.config.in_channels == 3 and base.config.patch_size == 4 and base.config.sample_frames == 8
    stage = build_stage(micro_unet3d_base(), *text)
    assert type(stage.unet).__name__ == "UNet3DConditionModel"
    assert stage.sample(["a red circle moving left"], generator=torch.Generator().manual_seed(0)).shape == (1, 3, 8, 16, 16)


def test_dit_is_refused_for_a_super_resolution_stage():
    with pytest.raises(ValueError, match="base stage only"):
        StageConfig(16, 32, 16, 16, dit=MICRO_DIT)
