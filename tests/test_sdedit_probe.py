"""helpers.sdedit_probe on the shipped tiny-t2v: the clip wins at low noise, the colour word from pure noise."""

import pytest

from helpers.sdedit_probe import part_noised, shape_recovery, word_or_clip
from helpers.shapes import TRAIN_COMBOS

COMBOS = TRAIN_COMBOS[:4]



def test_a_barely_noised_clip_comes_back_right(tiny_t2v):
    kept = shape_recovery(tiny_t2v, [0.1], clips_per_combo=1, combos=COMBOS)[0.1]
    assert kept["color"] == kept["direction"] == 1.0 and kept["shape"] >= 0.75  # at t ~ 100 the clip is barely noised


def test_the_clip_wins_at_low_noise_and_the_colour_word_at_pure_noise(tiny_t2v):
    colour = word_or_clip(tiny_t2v, [0.1, 1.0], combos=COMBOS, kinds=("color",))["color"]
    assert colour[0.1] == {"word": 0.0, "clip": 1.0}
    assert colour[1.0]["word"] >= 0.75 and colour[1.0]["clip"] <= 0.25  # plain generation follows the word


def test_bad_arguments_fail_before_any_work(tiny_t2v):
    captions = [c.caption for c in COMBOS]
    with pytest.raises(ValueError, match=r"strengths must be in \(0, 1\], got 1.5"):
        part_noised(tiny_t2v, captions, captions, [1.5], seed=0)
    with pytest.raises(ValueError, match="got 4 captions but 3 prompts"):
        part_noised(tiny_t2v, captions, captions[:3], [0.5], seed=0)
