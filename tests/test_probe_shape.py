"""scripts.probe_shape: the probes of where the shipped model loses the shape word, on tiny sizes."""

import json

import pytest

from helpers.shapes import TRAIN_COMBOS
from scripts.probe_shape import main, robust_decoder, sampler_grades, word_gaps


def test_word_gaps_compare_the_ideal_denoiser_with_the_model(tiny_t2v):
    out = word_gaps(tiny_t2v, [999, 700], pool=2, clips_per_combo=1)
    assert out["timesteps"] == [999, 700]
    for side in ("ideal", "model"):
        assert set(out[side]) == {"loss", "color", "shape", "direction"} and all(len(v) == 2 for v in out[side].values())
    # at pure noise the ideal estimate is the mean of the caption's pool: another colour's mean is further away
    assert out["ideal"]["color"][0] > 0 and out["model"]["color"][0] > 0


def test_sampler_grades_put_the_pipelines_scheduler_back(tiny_t2v):
    own = tiny_t2v.scheduler
    out = sampler_grades(tiny_t2v, ["DDPM"], clips_per_combo=1, combos=TRAIN_COMBOS[:2])
    assert list(out) == ["DDPM"] and 0 <= out["DDPM"]["shape"] <= 1
    assert tiny_t2v.scheduler is own
    with pytest.raises(ValueError, match="unknown samplers"):
        sampler_grades(tiny_t2v, ["Euler"])


def test_robust_decoder_fine_tunes_and_grades_before_and_after(tiny_t2v):
    out = robust_decoder(tiny_t2v, minutes=0.01, clips_per_combo=1, batch=2, sigmas=(0.0,), combos=TRAIN_COMBOS[:2])
    assert out["steps"] >= 1
    for grades in (out["before"], out["after"]):
        assert grades["generated"] in (0.0, 0.5, 1.0) and set(grades["true_plus_noise"]) == {0.0}
    assert out["before"]["true_plus_noise"][0.0] == 1.0  # the frame autoencoder reads both true clips right


def test_main_spread_prints_how_far_each_word_reaches(capsys):
    main(["spread"])
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"blue", "square", "right"}
    assert all(v["caption"] > v["padding"] >= 0 for v in out.values())


def test_caption_swaps_grade_every_variant_and_name_the_padding_neighbours(tiny_t2v):
    from helpers.shapes import HELD_OUT
    from scripts.probe_shape import caption_swaps

    out = caption_swaps(tiny_t2v, clips_per_caption=1, trained_every=20, num_inference_steps=2)
    assert set(out["padding neighbours"]) == {c.caption for c in HELD_OUT}
    assert set(out["held-out"]) == set(out["trained"]) == {"own", "shape word", "three words", "other positions", "additive"}
    assert 0 < out["additive fit leaves"] < 0.2
