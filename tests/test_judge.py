"""The world analyser is right on every true clip, survives imperfect clips and flags broken ones."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from helpers.judge import analyse_clip, find_objects, grade_clip, grade_clips, hue_to_color
from helpers.shapes import ALL_COMBOS, make_clip


def blur(clip: np.ndarray, sigma: float) -> np.ndarray:
    return np.stack([cv2.GaussianBlur(frame, (0, 0), sigma) for frame in clip])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_all_48_combinations_at_the_default_geometry(seed):
    wrong = [c.caption for c in ALL_COMBOS if not grade_clip(make_clip(c, seed=seed), c.caption).correct]
    assert wrong == []


@pytest.mark.parametrize("num_frames,size", [(4, 16), (8, 16), (16, 24), (24, 48), (16, 64), (32, 32)])
def test_all_48_combinations_across_sizes_and_frame_counts(num_frames, size):
    wrong = []
    for i, combo in enumerate(ALL_COMBOS):
        grade = grade_clip(make_clip(combo, seed=100 + i, num_frames=num_frames, size=size), combo.caption)
        if not grade.correct:
            wrong.append((combo.caption, grade.analysis.color, grade.analysis.shape, grade.analysis.direction))
    assert wrong == []


def test_the_analysis_reads_the_true_trajectory():
    from helpers.shapes import make_clip_with_truth

    clip, placement = make_clip_with_truth("a blue square moving right", seed=3)
    analysis = analyse_clip(clip)
    np.testing.assert_allclose(analysis.centres, placement.centres(16), atol=0.05)
    assert analysis.velocity == pytest.approx((placement.speed, 0.0), abs=0.01)
    assert analysis.temporally_coherent and analysis.residual_rms < 0.1
    assert (analysis.counts == 1).all() and analysis.single_object_share == 1.0


IMPERFECTIONS = {
    "blur 0.7 px": lambda clip, rng: blur(clip, 0.7),
    "blur 1.0 px": lambda clip, rng: blur(clip, 1.0),
    "faint noise": lambda clip, rng: np.clip(clip + rng.normal(0, 0.05, clip.shape), 0, 1),
    "strong noise": lambda clip, rng: np.clip(clip + rng.normal(0, 0.15, clip.shape), 0, 1),
    "3 % speckles": lambda clip, rng: np.where(rng.random(clip.shape[:3] + (1,)) < 0.03, rng.random(clip.shape), clip),
    "hazy background": lambda clip, rng: np.clip(0.15 + 0.8 * clip + rng.normal(0, 0.03, clip.shape), 0, 1),
    "off colours": lambda clip, rng: np.clip(0.8 * clip + 0.1 * clip[..., ::-1] + 0.05, 0, 1),
    "dim": lambda clip, rng: 0.5 * clip,
    "uint8": lambda clip, rng: np.rint(clip * 255).astype(np.uint8),
}


@pytest.mark.parametrize("name", list(IMPERFECTIONS))
def test_imperfect_clips_are_still_read_right(name):
    rng = np.random.default_rng(0)
    wrong = []
    for i, combo in enumerate(ALL_COMBOS):
        clip = IMPERFECTIONS[name](make_clip(combo, seed=i), rng)
        clip = clip if clip.dtype == np.uint8 else clip.astype(np.float32)
        if not grade_clip(clip, combo.caption).correct:
            wrong.append(combo.caption)
    assert wrong == []


def test_shuffled_frames_are_flagged():
    rng = np.random.default_rng(1)
    for i, combo in enumerate(ALL_COMBOS):
        clip = make_clip(combo, seed=i)
        order = rng.permutation(len(clip))
        analysis = analyse_clip(clip[order])
        assert not analysis.temporally_coherent and analysis.direction is None, combo.caption
        assert analysis.single_object_share == 1.0  # every frame is fine on its own
        assert not grade_clip(clip[order], combo.caption).correct


@pytest.mark.parametrize("kind", ["uniform", "gaussian", "coloured"])
def test_noise_is_flagged(kind):
    rng = np.random.default_rng(2)
    shape = (16, 32, 32, 3)
    clip = {
        "uniform": rng.random(shape),
        "gaussian": np.clip(0.5 + 0.2 * rng.standard_normal(shape), 0, 1),
        "coloured": rng.random(shape) * np.array([1.0, 0.2, 0.2]),
    }[kind].astype(np.float32)
    analysis = analyse_clip(clip)
    assert analysis.direction is None and not analysis.temporally_coherent
    assert analysis.single_object_share < 0.5


def test_a_black_clip_has_no_object():
    analysis = analyse_clip(np.zeros((16, 32, 32, 3), np.float32))
    assert (analysis.color, analysis.shape, analysis.direction) == (None, None, None)
    assert analysis.single_object_share == 0.0 and np.isnan(analysis.centres).all()
    assert analysis.notes


def test_a_static_object_is_coherent_without_a_direction():
    frame = make_clip("a red circle moving left", seed=0)[0]
    analysis = analyse_clip(np.repeat(frame[None], 16, axis=0))
    assert analysis.temporally_coherent and analysis.direction is None
    assert analysis.color == "red" and analysis.shape == "circle"


def test_a_second_object_is_counted():
    a = make_clip("a red circle moving right", seed=0)
    b = make_clip("a blue square moving left", seed=5)
    both = np.maximum(a, b)
    analysis = analyse_clip(both)
    overlapping = np.array([find_objects(frame).count for frame in both])
    assert analysis.single_object_share == pytest.approx(float((overlapping == 1).mean()))
    assert analysis.single_object_share < 0.95
    assert not grade_clip(both, "a red circle moving right").correct


def test_diagonal_motion_has_no_direction():
    right = make_clip("a green circle moving right", seed=0)
    shifted = np.stack([np.roll(frame, i, axis=0) for i, frame in enumerate(right)])  # also 1 px/frame down
    analysis = analyse_clip(shifted)
    assert analysis.temporally_coherent and analysis.direction is None


def test_grey_objects_have_no_colour():
    clip = make_clip("a yellow square moving up", seed=0).max(axis=-1, keepdims=True).repeat(3, axis=-1)
    analysis = analyse_clip(clip)
    assert analysis.color is None and analysis.shape == "square" and analysis.direction == "up"


@pytest.mark.parametrize(
    "rgb,name", [((1, 0, 0), "red"), ((0.9, 0.2, 0.1), "red"), ((1, 1, 0), "yellow"), ((0.8, 0.7, 0.1), "yellow"),
                 ((0, 1, 0), "green"), ((0.1, 0.6, 0.3), "green"), ((0, 0, 1), "blue"), ((0.2, 0.3, 0.9), "blue"),
                 ((0.5, 0.5, 0.5), None), ((0.6, 0.0, 0.3), "red")],
)
def test_hue_to_color(rgb, name):
    assert hue_to_color(rgb)[0] == name


def test_grade_clip_names_each_wrong_part():
    clip = make_clip("a red circle moving left", seed=0)
    grade = grade_clip(clip, "a blue circle moving right")
    assert (grade.color, grade.shape, grade.direction, grade.correct) == (False, True, False, False)
    with pytest.raises(ValueError, match="allowed"):
        grade_clip(clip, "a purple circle moving left")


def test_grade_clips_rates():
    captions = ["a red circle moving left", "a green square moving up", "a blue triangle moving down"]
    clips = [make_clip(c, seed=i) for i, c in enumerate(captions)]
    clips[2] = clips[2][::-1]  # plays backwards: moves up
    rates = grade_clips(clips, captions)
    assert set(rates) == {"color", "shape", "direction", "color+direction", "all", "single_object"}
    assert rates["color"] == rates["shape"] == rates["single_object"] == 1.0
    assert rates["direction"] == rates["color+direction"] == rates["all"] == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="captions"):
        grade_clips(clips, captions[:2])


def test_too_few_frames_raise():
    with pytest.raises(ValueError, match="at least 3 frames"):
        analyse_clip(np.zeros((2, 32, 32, 3), np.float32))


def test_the_stated_blur_limit():
    """Docstring: fine up to sigma 1.25 px at 32x32; at sigma 2 px squares and triangles read as circles."""
    square, triangle = make_clip("a red square moving up", seed=0), make_clip("a blue triangle moving left", seed=0)
    assert grade_clip(blur(square, 1.25), "a red square moving up").correct
    assert grade_clip(blur(triangle, 1.25), "a blue triangle moving left").correct
    assert analyse_clip(blur(square, 2.0)).shape == "circle" and analyse_clip(blur(triangle, 2.0)).shape == "circle"


def test_grade_clips_takes_a_model_batch():
    from helpers.shapes import make_batch

    captions = ["a red circle moving left", "a green square moving up"]
    batch = make_batch(captions, seed=0)  # (2, 3, 16, 32, 32) in [-1, 1]
    assert grade_clips(batch, captions)["all"] == 1.0
