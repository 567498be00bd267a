"""scripts.probe_denoisers: every probed denoiser plugs into the course's denoiser bundle and predicts a latent clip."""

import pytest
import torch

from helpers.text_encoder import tokenize
from scripts.probe_denoisers import build, probe_config

SHAPE = (8, 16, 8, 8)  # the shipped autoencoder's latents: (c, F, h, w)


@pytest.mark.parametrize("kind", ["unet3d", "motion", "dit", "linear"])
def test_each_denoiser_predicts_a_latent_clip(kind):
    torch.manual_seed(0)
    model = build(kind, probe_config(), SHAPE, zero_input=False).eval()
    ids = tokenize(model.tokenizer, ["a red circle moving left", "a blue square moving up"])
    with torch.no_grad():
        pred = model.predict(torch.randn(2, *SHAPE), torch.tensor([999, 10]), ids)
    assert pred.shape == (2, *SHAPE) and torch.isfinite(pred).all()


def test_zero_input_ignores_the_noisy_clip():
    torch.manual_seed(0)
    model = build("dit", probe_config(), SHAPE, zero_input=True).eval()
    ids = tokenize(model.tokenizer, ["a red circle moving left"])
    t = torch.tensor([999])
    with torch.no_grad():
        a, b = model.predict(torch.randn(1, *SHAPE), t, ids), model.predict(torch.randn(1, *SHAPE), t, ids)
    assert torch.equal(a, b)


def test_few_captions_trains_the_shipped_model_on_those_captions_and_grades_them_before_and_after():
    from scripts.probe_denoisers import few_captions

    captions = ["a red square moving left", "a red circle moving left"]
    out = few_captions(captions, minutes=0.03, clips=2, test_clips=1, log_every=1)
    assert out["captions"] == captions and out["steps"] >= 1
    for grades in (out["before"], out["after"]):
        assert set(grades) == {900, 700} and all(rate in (0.0, 0.5, 1.0) for rate in grades.values())  # one clip per caption and level
    assert all(loss > 0 for loss in out["loss"])


def test_few_captions_can_start_from_a_fresh_wider_transformer():
    from scripts.probe_denoisers import few_captions

    out = few_captions(["a red square moving left"], minutes=0.02, clips=2, test_clips=1, log_every=1, heads=5)
    assert out["heads"] == 5 and out["steps"] >= 1 and set(out["after"]) == {900, 700}


def test_main_trains_a_probe_and_prints_its_gaps(monkeypatch, capsys):
    from dataclasses import replace

    import scripts.probe_denoisers as probe_denoisers

    original = probe_denoisers.probe_config
    monkeypatch.setattr(probe_denoisers, "probe_config", lambda share: replace(original(share), clips_per_combo=1, batch_size=2))
    probe_denoisers.main(["linear", "--minutes", "0.01"])
    out = capsys.readouterr().out
    assert "linear:" in out and "parameters" in out


def test_few_captions_can_add_a_loss_on_decoded_frames():
    from scripts.probe_denoisers import few_captions

    out = few_captions(["a red square moving left"], minutes=0.02, clips=2, test_clips=1, log_every=1, pixel_weight=1.0)
    assert out["pixel_weight"] == 1.0 and out["steps"] >= 1 and all(loss > 0 for loss in out["loss"])
