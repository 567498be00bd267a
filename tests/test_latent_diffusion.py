"""Noise schedule, targets, caption dropout, flips and the caption-loss-gap instrument (test c)."""

import numpy as np
import pytest
import torch

from helpers.latent_diffusion import add_noise, caption_loss_gaps, drop_captions, flip_caption, make_scheduler, posterior_targets, sample_timesteps
from helpers.shapes import parse_caption


def test_schedule_reaches_pure_noise_and_targets_are_consistent():
    sched = make_scheduler("v_prediction")
    assert float(sched.alphas_cumprod[-1]) == pytest.approx(0.0, abs=1e-6)  # zero terminal SNR
    z0, noise = torch.randn(2, 4, 3, 2, 2), torch.randn(2, 4, 3, 2, 2)
    t = torch.tensor([999, 10])
    zt, v = add_noise(sched, z0, noise, t)
    torch.testing.assert_close(zt[0], noise[0], atol=1e-5, rtol=0)  # pure noise at the last step
    torch.testing.assert_close(v[0], -z0[0], atol=1e-5, rtol=0)  # v = -x0 there
    _, eps = add_noise(make_scheduler("epsilon"), z0, noise, t)
    _, x0 = add_noise(make_scheduler("sample"), z0, noise, t)
    assert torch.equal(eps, noise) and torch.equal(x0, z0)
    with pytest.raises(ValueError, match="prediction_type"):
        make_scheduler("flow")


def test_flip_caption_changes_exactly_one_word():
    for kind in ("color", "shape", "direction"):
        flipped = parse_caption(flip_caption("a red circle moving left", kind))
        original = parse_caption("a red circle moving left")
        assert [getattr(flipped, k) != getattr(original, k) for k in ("color", "shape", "direction")].count(True) == 1
        assert getattr(flipped, kind) != getattr(original, kind)
    assert flip_caption("a red circle moving left", "direction") == "a red circle moving right"
    with pytest.raises(ValueError, match="kind"):
        flip_caption("a red circle moving left", "size")


def test_drop_captions_rate_and_rows():
    ids = torch.arange(8).repeat(1000, 1)
    empty = torch.full((8,), -1)
    out = drop_captions(ids, empty, 0.1, torch.Generator().manual_seed(0))
    dropped = (out == -1).all(dim=1)
    assert 0.07 < dropped.float().mean() < 0.13
    assert torch.equal(out[~dropped], ids[~dropped])
    with pytest.raises(ValueError, match="dropout"):
        drop_captions(ids, empty, 1.0)


def test_sample_timesteps_high_noise_share():
    t = sample_timesteps(1000, 1000, torch.Generator().manual_seed(0), high_noise_share=0.5)
    assert t.min() >= 0 and t.max() == 999 and 0.4 < (t == 999).float().mean() < 0.6


def test_sample_timesteps_band_share():
    gen = torch.Generator().manual_seed(0)
    t = sample_timesteps(4000, 1000, gen, high_noise_share=0.1, band=(700, 1000), band_share=0.5)
    high = (t >= 700).float().mean()
    assert 0.64 < high < 0.73  # half in the band, 0.3 of the other half uniform up there, a tenth moved to 999: 0.685
    assert 0.08 < (t == 999).float().mean() < 0.13
    plain = sample_timesteps(1000, 1000, torch.Generator().manual_seed(1))
    assert torch.equal(plain, sample_timesteps(1000, 1000, torch.Generator().manual_seed(1), band=(700, 1000), band_share=0.0))
    with pytest.raises(ValueError, match="band must satisfy"):
        sample_timesteps(8, 1000, band=(900, 800), band_share=0.5)
    with pytest.raises(ValueError, match="band must satisfy"):
        sample_timesteps(8, 1000, band=(0, 1001), band_share=0.5)


def test_caption_loss_gaps_see_only_the_words_the_model_reads():
    """Gaps are exactly zero for a word the tokenizer cuts, and non-zero for a word it keeps."""
    from helpers.caption_probe import ProbeConfig, build_probe_model, probe_data

    clips, captions = probe_data(ProbeConfig(clips_per_caption=1))
    for length, direction_zero in ((8, False), (6, True)):
        model = build_probe_model(ProbeConfig(tokenizer_length=length, model="unet3d"))
        gaps = caption_loss_gaps(model, clips, captions, [999, 500], kinds=("color", "direction"))
        assert set(gaps) == {"loss", "color", "direction"} and gaps["direction"].shape == (2,)
        assert np.all(gaps["loss"] > 0)
        assert np.all(gaps["direction"] == 0.0) == direction_zero
        assert np.all(gaps["color"] != 0.0)
    with pytest.raises(ValueError, match="captions"):
        caption_loss_gaps(model, clips, captions[:3], [999])


@pytest.mark.parametrize("prediction_type", ["v_prediction", "epsilon", "sample"])
def test_posterior_targets_span_the_sample_itself_to_the_pool_mean(prediction_type):
    scheduler = make_scheduler(prediction_type)
    gen = torch.Generator().manual_seed(0)
    pool = torch.randn(5, 2, 3, 4, 4, generator=gen)  # (K, c, F, h, w)
    z0, noise = pool[[1, 3]], torch.randn(2, 2, 3, 4, 4, generator=gen)  # (B, c, F, h, w)
    t = torch.tensor([0, 999] if prediction_type != "epsilon" else [0, 998])
    alpha_bar = scheduler.alphas_cumprod[t].float()
    target_z0 = posterior_targets(z0, noise, alpha_bar, [pool, pool])
    torch.testing.assert_close(target_z0[0], z0[0], atol=1e-4, rtol=0)  # nearly clean: the clip itself
    if prediction_type != "epsilon":  # pure noise: nothing to tell the clips apart, their mean
        torch.testing.assert_close(target_z0[1], pool.mean(0))
    zt, plain = add_noise(scheduler, z0, noise, t)
    zt_same, posterior = add_noise(scheduler, z0, noise, t, target_z0)
    torch.testing.assert_close(zt_same, zt)  # the input is unchanged, only the target moves
    torch.testing.assert_close(posterior[0], plain[0], atol=2e-2, rtol=0)
    expected = {"sample": target_z0[1], "v_prediction": -target_z0[1]}.get(prediction_type)
    if expected is not None:
        torch.testing.assert_close(posterior[1], expected)



def test_clean_estimate_inverts_each_parametrisation():
    import torch

    from helpers.latent_diffusion import clean_estimate

    x0, eps, abar = torch.randn(2, 3), torch.randn(2, 3), torch.tensor(0.3)
    zt = abar.sqrt() * x0 + (1 - abar).sqrt() * eps
    v = abar.sqrt() * eps - (1 - abar).sqrt() * x0
    for pred, kind in ((v, "v_prediction"), (eps, "epsilon"), (x0, "sample")):
        torch.testing.assert_close(clean_estimate(pred, zt, abar, kind), x0)
    with pytest.raises(ValueError, match="got 'flow'"):
        clean_estimate(v, zt, abar, "flow")


def test_the_loss_with_its_clean_estimate_is_the_training_loss_and_the_estimate_of_the_prediction(micro_denoiser):
    from helpers.latent_diffusion import clean_estimate, loss_and_clean_estimate
    from helpers.text_encoder import tokenize

    model = micro_denoiser
    gen = torch.Generator().manual_seed(0)
    latents = torch.randn(3, 4, 16, 8, 8, generator=gen)
    batch = {"latents": latents, "noise": torch.randn(latents.shape, generator=gen), "t": torch.tensor([900, 500, 100]),
             "input_ids": tokenize(model.tokenizer, ["a red circle moving left"] * 3)}
    with torch.no_grad():
        loss, x0 = loss_and_clean_estimate(model, batch)
        torch.testing.assert_close(loss, model(batch["latents"], batch["input_ids"], batch["t"], batch["noise"]).mean())
        zt, _ = add_noise(model.scheduler, latents, batch["noise"], batch["t"])
        abar = model.scheduler.alphas_cumprod[batch["t"]].view(-1, 1, 1, 1, 1)
        torch.testing.assert_close(x0, clean_estimate(model.predict(zt, batch["t"], batch["input_ids"]), zt, abar, "v_prediction"))


def test_guided_estimate_with_the_empty_captions_branch_detached_moves_only_the_captions_branch(micro_denoiser):
    from helpers.latent_diffusion import clean_estimate, guided_clean_estimate, uncond_and_cond
    from helpers.text_encoder import tokenize

    model = micro_denoiser
    gen = torch.Generator().manual_seed(1)
    zt, t = torch.randn(2, 4, 16, 8, 8, generator=gen), torch.tensor([700, 300])
    ids = tokenize(model.tokenizer, ["a red circle moving left", "a blue square moving up"])
    params = [p for p in model.parameters() if p.requires_grad]

    def grads(fn) -> list[torch.Tensor]:
        model.zero_grad()
        fn().pow(2).sum().backward()
        return [p.grad.clone() if p.grad is not None else torch.zeros_like(p) for p in params]

    abar = model.scheduler.alphas_cumprod[t].view(-1, 1, 1, 1, 1)
    with torch.no_grad():
        uncond, _ = uncond_and_cond(model, zt, t, ids)

    def caption_branch_only():  # x0 of u + 6 (c - u) with u a constant: the same value, gradients through c alone
        cond = model.predict(zt, t, ids)
        return clean_estimate(uncond + 6.0 * (cond - uncond), zt, abar, model.scheduler.config.prediction_type)

    detached = grads(lambda: guided_clean_estimate(model, zt, t, ids, 6.0, uncond_grad=False))
    expected = grads(caption_branch_only)
    both = grads(lambda: guided_clean_estimate(model, zt, t, ids, 6.0))
    for a, b in zip(detached, expected):
        torch.testing.assert_close(a, b, rtol=1e-3, atol=1e-5)
    assert max(float((a - b).abs().max()) for a, b in zip(detached, both)) > 1e-2  # through u as well: other gradients
    with torch.no_grad():
        torch.testing.assert_close(guided_clean_estimate(model, zt, t, ids, 6.0, uncond_grad=False), guided_clean_estimate(model, zt, t, ids, 6.0))


def test_word_dropout_replaces_only_that_kind_of_word_in_some_rows():
    from helpers.latent_diffusion import drop_words

    ids = torch.tensor([[2, 4, 6, 10, 5, 13, 3, 0]] * 200)  # [BOS] a red circle moving left [EOS] [PAD]
    colours = torch.tensor([6, 7, 8, 9])
    out = drop_words(ids, colours, 1, 0.3, torch.Generator().manual_seed(0))
    changed = (out != ids).any(dim=1)  # (200,)
    assert 0.2 < changed.float().mean() < 0.4
    assert (out[changed][:, 2] == 1).all() and torch.equal(out[:, [0, 1, 3, 4, 5, 6, 7]], ids[:, [0, 1, 3, 4, 5, 6, 7]])
    assert torch.equal(drop_words(ids, colours, 1, 0.0), ids)
    assert torch.equal(drop_words(ids, colours, 1, 0.3, torch.Generator().manual_seed(0)), out)  # seeded: the same rows
    assert (drop_words(ids, colours, 1, 1.0)[:, 2] == 1).all()  # p = 1: every row leaves the colour open
    with pytest.raises(ValueError, match=r"word dropout p must be in \[0, 1\], got 1.5"):
        drop_words(ids, colours, 1, 1.5)


def test_the_captions_encoded_once_give_the_same_predictions(micro_denoiser):
    from helpers.latent_diffusion import both_contexts, uncond_and_cond
    from helpers.text_encoder import tokenize

    model = micro_denoiser.eval()
    ids = tokenize(model.tokenizer, ["a red circle moving left", "a blue square moving up"])  # (2, L)
    zt = torch.randn(2, 4, 16, 8, 8, generator=torch.Generator().manual_seed(0))
    t = torch.tensor([900, 300])
    with torch.no_grad():
        context = both_contexts(model, ids)
        assert context.shape[:2] == (4, ids.shape[1])
        for fresh, cached in zip(uncond_and_cond(model, zt, t, ids), uncond_and_cond(model, zt, t, ids, context)):
            torch.testing.assert_close(fresh, cached, rtol=0, atol=0)
