"""The tiny T2V recipe end to end on a micro configuration: trains, saves, reloads, samples."""

import json
from dataclasses import replace

import numpy as np
import pytest
import torch

from helpers.autoencoder import VAEConfig
from helpers.causal_vae import CausalVAEConfig
from helpers.text_encoder import TextEncoderConfig
from helpers.train_t2v import COGVIDEOX_TEXT_LENGTH, DiTConfig, T2VConfig, UNetConfig, build_denoiser, main, make_batch_fn, run
from helpers.trainer import TrainConfig


def micro_config(steps: int = 4, denoiser: str = "dit") -> T2VConfig:
    text_length, kind = (COGVIDEOX_TEXT_LENGTH, "t5") if denoiser == "dit" else (8, "clip")
    return T2VConfig(
        vae=VAEConfig(block_out_channels=(8, 8, 8), latent_channels=4, norm_num_groups=4),
        vae_train=TrainConfig(steps=2, lr=1e-3, warmup_steps=1, progress=False),
        vae_batch=4,
        causal_vae=CausalVAEConfig(
            block_out_channels=(8, 8, 8), norm_num_groups=4, clips_per_batch=1,
            train=TrainConfig(steps=2, lr=1e-3, warmup_steps=1, progress=False, log_every=1),
        ),
        denoiser=denoiser,
        dit=DiTConfig(num_layers=1, attention_heads=2, head_dim=8, time_embed_dim=16),
        unet=UNetConfig(block_out_channels=(8, 16), norm_num_groups=4, attention_heads=2),
        text=TextEncoderConfig(hidden_size=16, num_layers=1, num_heads=2, max_length=text_length, kind=kind),
        clips_per_combo=1,
        batch_size=4,
        pure_noise=TrainConfig(steps=2, lr=1e-3, warmup_steps=1, progress=False, log_every=1),
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
    assert type(pipe).__name__ == "CogVideoXPipeline"
    assert type(pipe.vae).__name__ == "AutoencoderKLCogVideoX" and type(pipe.text_encoder).__name__ == "T5EncoderModel"
    frames = pipe("a red circle moving left", num_inference_steps=2, generator=torch.Generator().manual_seed(0), output_type="np").frames[0]
    assert frames.shape == (16, 32, 32, 3) and 0 <= frames.min() and frames.max() <= 1
    assert summary["unet_params"] > 0 and len(summary["history"]) == 4
    assert [(g["phase"], g["step"]) for g in summary["gaps"]] == [("pure_noise", 2), ("unet", 2), ("unet", 4)]
    assert set(summary["gaps"][0]) == {"phase", "step", "loss", "color", "shape", "direction"}
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
    second = run(cfg, tmp_path / "pipe", vae_path=str(out / "work" / "frame_vae"), work_dir=tmp_path / "work", progress=False)
    steps = [row["step"] for row in second["history"]]
    assert steps == [1, 2, 3, 4, 5, 6]  # 1-4 from the checkpoint, 5-6 new
    assert second["history"][:4] == first["history"]


def test_cached_latents_are_reused_only_with_the_same_autoencoder(trained, tmp_path, monkeypatch):
    import shutil

    import helpers.train_t2v as train_t2v
    from diffusers import AutoencoderKL

    out, _ = trained
    cache = out / "work" / "latents-1-seed0.safetensors"
    assert cache.exists()  # the first run left its latents in the work folder
    shutil.copy(cache, tmp_path / cache.name)
    encoded, original = [], train_t2v.cache_latents
    monkeypatch.setattr(train_t2v, "cache_latents", lambda *a, **k: encoded.append(1) or original(*a, **k))
    cfg = replace(micro_config(steps=1), pure_noise=None, gap_every=0)
    run(cfg, tmp_path / "pipe", vae_path=str(out / "work" / "frame_vae"), work_dir=tmp_path, progress=False)
    assert encoded == []  # same autoencoder: no rendering or encoding
    other = AutoencoderKL.from_pretrained(out / "work" / "frame_vae")
    with torch.no_grad():
        other.decoder.conv_out.bias.add_(1.0)
    other.save_pretrained(tmp_path / "other_vae")
    run(cfg, tmp_path / "pipe2", vae_path=str(tmp_path / "other_vae"), work_dir=tmp_path / "w2", progress=False)
    run(cfg, tmp_path / "pipe3", vae_path=str(out / "work" / "frame_vae"), work_dir=tmp_path / "w2", progress=False)
    assert encoded == [1, 1]  # a cache from another autoencoder is encoded again
    vae = AutoencoderKL.from_pretrained(out / "work" / "frame_vae")
    train_t2v.cached_latents(vae, train_t2v.TRAIN_COMBOS[:2], 1, 0, torch.device("cpu"), tmp_path / "w2")
    assert encoded == [1, 1, 1]  # and so is one of other captions


def test_config_fails_loudly():
    with pytest.raises(ValueError, match="one entry per level"):
        UNetConfig(block_out_channels=(8, 16, 32))
    with pytest.raises(ValueError, match="clips_per_combo"):
        T2VConfig(clips_per_combo=0)
    with pytest.raises(ValueError, match="denoiser must be 'dit' or 'unet3d'"):
        T2VConfig(denoiser="wan")
    with pytest.raises(ValueError, match="needs text.max_length 226"):
        T2VConfig(text=TextEncoderConfig(max_length=8))
    with pytest.raises(ValueError, match="num_layers"):
        DiTConfig(num_layers=0)


@pytest.mark.parametrize("denoiser", ["dit", "unet3d"])
def test_denoiser_prediction_has_latent_shape(denoiser):
    model = build_denoiser(micro_config(denoiser=denoiser))
    assert model.frames_first == (denoiser == "dit")
    z = torch.randn(2, 4, 16, 8, 8)  # (B, c, F, h, w) for both: the DiT's frames-first layout stays inside predict
    ids = torch.full((2, model.tokenizer.model_max_length), model.tokenizer.pad_token_id)
    ids[:, :8] = torch.tensor([2, 4, 6, 10, 5, 14, 3, 0])
    assert model.predict(z, torch.tensor([10, 900]), ids).shape == z.shape


def test_unet3d_recipe_still_saves_the_lessons_pipeline(tmp_path):
    from diffusers import DiffusionPipeline

    run(micro_config(steps=1, denoiser="unet3d"), tmp_path / "pipe", progress=False)
    pipe = DiffusionPipeline.from_pretrained(tmp_path / "pipe")
    assert type(pipe).__name__ == "TextToVideoSDPipeline" and type(pipe.vae).__name__ == "AutoencoderKL"


def test_main_cli_trains_and_writes_grades(tmp_path, monkeypatch):
    import helpers.train_t2v as module

    monkeypatch.setattr(module, "T2VConfig", lambda: micro_config(steps=2))
    monkeypatch.setattr(module, "evaluate", lambda pipe, n: {"train": {"color": 0.5}, "held_out": {"color": 0.25}})
    main(["--out", str(tmp_path / "pipe"), "--work", str(tmp_path / "work"), "--evaluate", "1"])
    assert json.loads((tmp_path / "work" / "grades.json").read_text())["held_out"]["color"] == 0.25


def test_phase_one_batches_sit_at_pure_noise_and_can_hide_the_input():
    from dataclasses import replace

    from helpers.latent_diffusion import add_noise
    from helpers.train_t2v import make_batch_fn

    cfg = replace(micro_config(), high_noise_share=1.0)
    model = build_denoiser(cfg)
    latents = torch.randn(6, 4, 16, 8, 8)
    ids = torch.zeros(6, model.tokenizer.model_max_length, dtype=torch.long)
    batch = make_batch_fn(latents, ids, model.empty_ids(), cfg, 1000, noise_scale=0.0)(0)
    assert (batch["t"] == 999).all() and (batch["noise"] == 0).all()
    zt, target = add_noise(model.scheduler, batch["latents"], batch["noise"], batch["t"])
    assert zt.abs().max() == 0  # zero terminal SNR: the model sees only zeros, caption and positions
    torch.testing.assert_close(target, -batch["latents"])  # and must paint the clip: v = -z0
    noisy = make_batch_fn(latents, ids, model.empty_ids(), cfg, 1000)(0)
    assert noisy["noise"].std() > 0.5


def test_the_dit_bundle_learns_loss_falls_on_a_fixed_batch():
    from helpers.latent_diffusion import t2v_loss
    from helpers.text_encoder import tokenize

    torch.manual_seed(0)
    model = build_denoiser(micro_config())
    latents = torch.randn(4, 4, 16, 8, 8)
    ids = tokenize(model.tokenizer, ["a red circle moving left", "a blue square moving up"] * 2)
    batch = {"latents": latents, "input_ids": ids, "t": torch.tensor([999, 700, 400, 100]), "noise": torch.randn_like(latents)}
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(40):
        loss, _ = t2v_loss(model, batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.75 * losses[0]


def test_a_noise_band_puts_that_share_of_each_batch_in_the_band():
    cfg = replace(T2VConfig(batch_size=400, caption_dropout=0.0, high_noise_share=0.0), noise_band=(700, 1000), noise_band_share=0.5)
    latents, ids = torch.zeros(4, 2, 16, 2, 2), torch.zeros(4, 8, dtype=torch.long)
    t = make_batch_fn(latents, ids, ids[0], cfg, 1000)(0)["t"]
    assert 0.55 < (t >= 700).float().mean() < 0.75  # half in the band + 30 % of the uniform half


def test_a_continuation_can_change_the_prediction_target(trained, tmp_path):
    out, _ = trained
    cfg = replace(micro_config(steps=2), pure_noise=None, prediction_type="sample")
    run(cfg, tmp_path / "x0", vae_path=str(out / "work" / "frame_vae"), progress=False, init_from=str(out / "pipe"), causal_vae_path=str(out / "pipe" / "vae"))
    scheduler = json.loads((tmp_path / "x0" / "scheduler" / "scheduler_config.json").read_text())
    assert scheduler["prediction_type"] == "sample" and scheduler["rescale_betas_zero_snr"]  # the saved pipeline samples with the new target


def test_deepen_continues_a_saved_pipeline_with_more_blocks(trained, tmp_path):
    out, _ = trained
    cfg = replace(micro_config(steps=2), pure_noise=None, deepen_to=3)
    run(cfg, tmp_path / "deeper", vae_path=str(out / "work" / "frame_vae"), progress=False, init_from=str(out / "pipe"), causal_vae_path=str(out / "pipe" / "vae"))
    config = json.loads((tmp_path / "deeper" / "transformer" / "config.json").read_text())
    assert config["num_layers"] == 3  # micro_config's 1 + 2 new
    with pytest.raises(ValueError, match="needs --init"):
        run(cfg, tmp_path / "unused", progress=False)


def test_posterior_target_batches_hold_the_mean_over_each_captions_clips():
    from helpers.latent_diffusion import ideal_clean_estimate

    cfg = replace(micro_config(), clips_per_combo=3, batch_size=8, caption_dropout=0.5, posterior_target=True)
    model = build_denoiser(cfg)
    latents = torch.randn(6, 4, 16, 8, 8)  # two captions, 3 clips each
    ids = torch.stack([torch.full((COGVIDEOX_TEXT_LENGTH,), i // 3 + 5) for i in range(6)])  # (6, L)
    with pytest.raises(ValueError, match="alphas_cumprod"):
        make_batch_fn(latents, ids, model.empty_ids(), cfg, 1000)
    alphas = model.scheduler.alphas_cumprod
    batch = make_batch_fn(latents, ids, model.empty_ids(), cfg, 1000, alphas_cumprod=alphas)(3)
    dropped = (batch["input_ids"] == model.empty_ids()).all(dim=1)
    assert 0 < dropped.sum() < cfg.batch_size  # both kinds of rows in this batch
    for i in range(cfg.batch_size):
        start = int(batch["latents"][i].sub(latents).flatten(1).abs().sum(1).argmin()) // 3 * 3
        pool = latents if dropped[i] else latents[start : start + 3]
        abar = alphas[batch["t"][i]].float()
        zt = abar.sqrt() * batch["latents"][i] + (1 - abar).sqrt() * batch["noise"][i]
        torch.testing.assert_close(batch["target_latents"][i], ideal_clean_estimate(zt, pool, abar))


def test_word_heads_train_with_the_model_and_stay_out_of_the_saved_pipeline(trained, tmp_path):
    out, _ = trained
    cfg = replace(micro_config(steps=2), pure_noise=None, word_loss=0.05)
    summary = run(cfg, tmp_path / "words", vae_path=str(out / "work" / "frame_vae"), progress=False, init_from=str(out / "pipe"),
                  causal_vae_path=str(out / "pipe" / "vae"))
    assert all(row["word_loss"] > 0 for row in summary["history"])
    saved = {p.parent.name for p in (tmp_path / "words").rglob("*.safetensors")}
    assert saved == {"transformer", "text_encoder", "vae"}
    with pytest.raises(ValueError, match="word_loss must be >= 0"):
        replace(micro_config(), word_loss=-1.0)


@pytest.mark.parametrize("sampled", [0, 2])
def test_a_shape_critic_trains_with_the_model_and_stays_out_of_the_saved_pipeline(trained, tmp_path, sampled):
    from helpers.shape_critic import CriticConfig

    out, _ = trained
    critic = CriticConfig(width=4, steps=3, batch_size=4, sampled=sampled, sampled_clips=1, sampled_every=1)  # sampled: the model's own states too
    cfg = replace(micro_config(steps=2), pure_noise=None, clips_per_combo=2, critic_weight=0.05, critic=critic)
    summary = run(cfg, tmp_path / "critic", vae_path=str(out / "work" / "frame_vae"), progress=False, init_from=str(out / "pipe"),
                  causal_vae_path=str(out / "pipe" / "vae"))
    assert all("critic" in row and "latent" in row and ("critic_sampled" in row) == bool(sampled) for row in summary["history"])
    saved = {p.parent.name for p in (tmp_path / "critic").rglob("*.safetensors")}
    assert saved == {"transformer", "text_encoder", "vae"}
    with pytest.raises(ValueError, match="critic_weight must be >= 0"):
        replace(micro_config(), critic_weight=-1.0)
    with pytest.raises(ValueError, match="at most one"):
        replace(micro_config(), critic_weight=0.05, word_loss=0.05)


def test_the_additive_text_penalty_trains_with_the_model_and_leaves_a_plain_pipeline(trained, tmp_path):
    out, _ = trained
    cfg = replace(micro_config(steps=2), pure_noise=None, additive_text=1.0)
    summary = run(cfg, tmp_path / "additive", vae_path=str(out / "work" / "frame_vae"), progress=False, init_from=str(out / "pipe"),
                  causal_vae_path=str(out / "pipe" / "vae"))
    assert all(0 < row["non_additive"] <= 1 and row["loss"] > row["non_additive"] for row in summary["history"])
    assert {p.parent.name for p in (tmp_path / "additive").rglob("*.safetensors")} == {"transformer", "text_encoder", "vae"}
    with pytest.raises(ValueError, match="additive_text must be >= 0"):
        replace(micro_config(), additive_text=-1.0)


def test_baking_guidance_trains_the_denoiser_against_a_frozen_copy_and_keeps_the_text_encoder(trained, tmp_path):
    from safetensors.torch import load_file

    out, _ = trained
    cfg = replace(micro_config(steps=2), pure_noise=None, clips_per_combo=2, bake_guidance=2.0)
    summary = run(cfg, tmp_path / "baked", vae_path=str(out / "work" / "frame_vae"), progress=False, init_from=str(out / "pipe"),
                  causal_vae_path=str(out / "pipe" / "vae"))
    assert all("baked" in row for row in summary["history"])
    before, after = (load_file(next((folder / "text_encoder").glob("*.safetensors"))) for folder in (out / "pipe", tmp_path / "baked"))
    assert all(torch.equal(before[k], after[k]) for k in before)
    with pytest.raises(ValueError, match="bake_guidance must be >= 0"):
        replace(micro_config(), bake_guidance=-1.0)
    with pytest.raises(ValueError, match="takes no word_loss, critic_weight or additive_text"):
        replace(micro_config(), bake_guidance=2.0, critic_weight=0.05)
    with pytest.raises(ValueError, match="needs --init"):
        run(replace(cfg, train=replace(cfg.train, steps=1)), tmp_path / "no-init", vae_path=str(out / "work" / "frame_vae"), progress=False)


def test_word_dropout_batches_leave_the_colour_open_in_some_captions():
    from helpers.text_encoder import tokenize
    from helpers.train_t2v import make_batch_fn

    cfg = replace(micro_config(), batch_size=64, caption_dropout=0.0, word_dropout={"color": 0.5})
    model = build_denoiser(cfg)
    ids = tokenize(model.tokenizer, ["a red circle moving left"] * 6)  # (6, L)
    latents = torch.randn(6, 4, 16, 8, 8)
    batch = make_batch_fn(latents, ids, model.empty_ids(), cfg, 1000, tokenizer=model.tokenizer)(3)["input_ids"]  # (64, L)
    tokens = [model.tokenizer.convert_ids_to_tokens(row)[:7] for row in batch.tolist()]
    open_colour = sum(t == ["[BOS]", "a", "[UNK]", "circle", "moving", "left", "[EOS]"] for t in tokens)
    assert 16 <= open_colour <= 48 and open_colour + sum(t[2] == "red" for t in tokens) == 64
    plain = replace(cfg, word_dropout={})
    assert torch.equal(make_batch_fn(latents, ids, model.empty_ids(), plain, 1000)(3)["input_ids"], ids[:1].expand(64, -1))
    with pytest.raises(ValueError, match="word_dropout needs the tokenizer"):
        make_batch_fn(latents, ids, model.empty_ids(), cfg, 1000)
    with pytest.raises(ValueError, match="word_dropout maps"):
        replace(micro_config(), word_dropout={"colour": 0.5})


def test_a_pool_also_draws_the_captions_with_a_word_left_open():
    from helpers.text_encoder import tokenize
    from helpers.train_t2v import pool_captions

    model = build_denoiser(micro_config())
    ids = tokenize(model.tokenizer, ["a red circle moving left", "a blue square moving up"])  # (2, L)
    pool = pool_captions(ids, model.tokenizer, ("color", "direction"))  # (6, L)
    words = [model.tokenizer.convert_ids_to_tokens(row)[2:6] for row in pool.tolist()]
    assert words == [["red", "circle", "moving", "left"], ["blue", "square", "moving", "up"],
                     ["[UNK]", "circle", "moving", "left"], ["[UNK]", "square", "moving", "up"],
                     ["red", "circle", "moving", "[UNK]"], ["blue", "square", "moving", "[UNK]"]]
    assert torch.equal(pool_captions(ids, model.tokenizer), ids)
    with pytest.raises(ValueError, match="pool_word_dropout holds"):
        replace(micro_config(), pool_word_dropout=("colour",))
    with pytest.raises(ValueError, match="needs critic_weight > 0 and critic.sampled >= 1"):
        replace(micro_config(), pool_word_dropout=("color",))
