"""helpers.sdedit_probe on the shipped tiny-t2v: the clip wins at low noise, the colour word from pure noise."""

import pytest
from diffusers import DiffusionPipeline

from helpers.runtime import DATA_DIR
from helpers.sdedit_probe import part_noised, shape_recovery, word_or_clip
from helpers.shapes import TRAIN_COMBOS

COMBOS = TRAIN_COMBOS[:4]


@pytest.fixture(scope="module")
def pipe():
    pipe = DiffusionPipeline.from_pretrained(DATA_DIR / "tiny-t2v")
    pipe.set_progress_bar_config(disable=True)
    return pipe


def test_a_barely_noised_clip_comes_back_right(pipe):
    kept = shape_recovery(pipe, [0.1], clips_per_combo=1, combos=COMBOS)[0.1]
    assert kept["color"] == kept["direction"] == 1.0 and kept["shape"] >= 0.75  # at t ~ 100 the clip is barely noised


def test_the_clip_wins_at_low_noise_and_the_colour_word_at_pure_noise(pipe):
    colour = word_or_clip(pipe, [0.1, 1.0], combos=COMBOS, kinds=("color",))["color"]
    assert colour[0.1] == {"word": 0.0, "clip": 1.0}
    assert colour[1.0]["word"] >= 0.75 and colour[1.0]["clip"] <= 0.25  # plain generation follows the word


def test_bad_arguments_fail_before_any_work(pipe):
    captions = [c.caption for c in COMBOS]
    with pytest.raises(ValueError, match=r"strengths must be in \(0, 1\], got 1.5"):
        part_noised(pipe, captions, captions, [1.5], seed=0)
    with pytest.raises(ValueError, match="got 4 captions but 3 prompts"):
        part_noised(pipe, captions, captions[:3], [0.5], seed=0)
