"""Test (b): at pure noise, a caption->clip regressor learns the per-caption mean clip, direction included."""

import pytest

from helpers.caption_probe import ProbeConfig, probe_data, pure_noise_probe


def test_direction_gap_opens_with_the_course_tokenizer():
    history = pure_noise_probe(steps=60, probe_every=30)
    assert [row["step"] for row in history] == [0, 30, 60]
    assert history[-1]["loss"] < 0.5 * history[0]["loss"]
    assert history[-1]["direction"] > 5e-4  # the direction word changes the predicted clip
    assert history[-1]["color"] > 5e-4


def test_direction_gap_is_exactly_zero_when_the_tokenizer_truncates():
    history = pure_noise_probe(steps=30, probe_every=30, tokenizer_length=6)
    assert all(row["direction"] == 0.0 for row in history)
    assert history[-1]["color"] != 0.0


def test_probe_data_shapes_and_config_checks():
    clips, captions = probe_data(ProbeConfig(clips_per_caption=2))
    assert clips.shape == (16, 3, 8, 8, 8) and len(captions) == 16
    assert float(clips.min()) >= -1 and float(clips.max()) <= 1
    with pytest.raises(ValueError, match="regressor"):
        ProbeConfig(model="mlp")
