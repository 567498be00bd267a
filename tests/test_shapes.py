"""The moving-shapes world: grammar, splits, determinism, geometry, speed scaling and the Dataset."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers.shapes import (
    ALL_COMBOS,
    COLORS,
    DIRECTIONS,
    HELD_OUT,
    SHAPES,
    TRAIN_COMBOS,
    TRAVEL_SHARE,
    Combo,
    MovingShapes,
    as_combo,
    caption_for,
    make_batch,
    make_clip,
    make_clip_with_truth,
    parse_caption,
    sample_placement,
    split_combos,
    world_speed,
)

# how far each shape reaches from its centre, as a multiple of half its nominal size (see _coverage)
REACH = {"circle": 1.0, "square": 0.886, "triangle": 1.1}


def test_48_distinct_combinations_with_the_exact_grammar():
    assert len(ALL_COMBOS) == len(set(ALL_COMBOS)) == 48 == len(COLORS) * len(SHAPES) * len(DIRECTIONS)
    for combo in ALL_COMBOS:
        assert combo.caption == f"a {combo.color} {combo.shape} moving {combo.direction}"
        assert parse_caption(combo.caption) == combo


def test_held_out_set_is_fixed_disjoint_and_compositional():
    assert len(HELD_OUT) >= 6 and len(set(HELD_OUT)) == len(HELD_OUT)
    assert set(HELD_OUT).isdisjoint(TRAIN_COMBOS)
    assert set(HELD_OUT) | set(TRAIN_COMBOS) == set(ALL_COMBOS)
    assert Combo("red", "circle", "right") in HELD_OUT  # the documented set, not a random draw
    for held in HELD_OUT:  # every pair of words in a held-out caption is seen together in training
        for i, j in [(0, 1), (0, 2), (1, 2)]:
            assert any(t[i] == held[i] and t[j] == held[j] for t in TRAIN_COMBOS), (held, i, j)
    assert split_combos("train") == TRAIN_COMBOS and split_combos("held_out") == HELD_OUT
    assert split_combos("all") == ALL_COMBOS
    with pytest.raises(ValueError, match="train"):
        split_combos("test")


@pytest.mark.parametrize(
    "caption,named",
    [
        ("a purple circle moving left", ["red", "green", "blue", "yellow"]),
        ("a red hexagon moving left", ["circle", "square", "triangle"]),
        ("a red circle moving sideways", ["left", "right", "up", "down"]),
        ("the red circle moving left", ["color", "shape", "direction"]),
        ("a red circle", ["color", "shape", "direction"]),
    ],
)
def test_grammar_errors_name_the_allowed_words(caption, named):
    with pytest.raises(ValueError) as error:
        parse_caption(caption)
    for word in named:
        assert word in str(error.value)


def test_parse_caption_is_case_and_space_tolerant_but_not_type_tolerant():
    assert parse_caption("  A Red Circle moving LEFT ") == Combo("red", "circle", "left")
    with pytest.raises(ValueError, match="string"):
        parse_caption(42)
    with pytest.raises(ValueError, match="allowed"):
        caption_for("red", "circle", "north")
    with pytest.raises(ValueError, match="allowed"):
        as_combo(("purple", "circle", "left"))


def test_same_seed_same_clip_other_seed_other_clip():
    a, b = make_clip("a green square moving up", seed=7), make_clip("a green square moving up", seed=7)
    assert a.dtype == np.float32 and a.shape == (16, 32, 32, 3)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, make_clip("a green square moving up", seed=8))
    np.testing.assert_array_equal(a, make_clip(Combo("green", "square", "up"), seed=7))


def test_colour_is_pure_on_black():
    clip = make_clip("a yellow triangle moving down", seed=1)
    assert clip.min() == 0.0 and clip.max() == pytest.approx(1.0)
    np.testing.assert_array_equal(clip[..., 2], 0)  # yellow has no blue
    np.testing.assert_allclose(clip[..., 0], clip[..., 1])


@pytest.mark.parametrize("size", [16, 24, 32, 48, 64, 96])
@pytest.mark.parametrize("num_frames", [2, 4, 8, 16, 24, 64])
def test_the_path_stays_inside_the_frame(size, num_frames):
    rng = np.random.default_rng(size * 1000 + num_frames)
    for combo in ALL_COMBOS:
        placement = sample_placement(combo.direction, rng, num_frames, size)
        reach = REACH[combo.shape] * placement.object_size / 2
        centres = placement.centres(num_frames)  # (F, 2)
        assert (centres - reach >= -1e-9).all() and (centres + reach <= size + 1e-9).all(), (combo, placement)


@pytest.mark.parametrize("size,num_frames", [(16, 8), (32, 16), (48, 24)])
def test_nothing_is_cut_off_at_the_border(size, num_frames):
    for i, combo in enumerate(ALL_COMBOS):
        clip = make_clip(combo, seed=i, num_frames=num_frames, size=size)
        mass = clip.max(axis=-1).sum(axis=(1, 2))  # (F,) coverage per frame
        np.testing.assert_allclose(mass, mass.mean(), rtol=0.05, err_msg=combo.caption)  # anti-aliasing wobbles ~4 %


@pytest.mark.parametrize("num_frames,size", [(16, 32), (8, 32), (32, 32), (16, 64), (16, 16), (24, 48)])
def test_speed_scales_so_the_object_crosses_the_same_share(num_frames, size):
    speed = world_speed(num_frames, size)
    assert speed * (num_frames - 1) / size == pytest.approx(TRAVEL_SHARE)
    clip, placement = make_clip_with_truth("a blue circle moving left", seed=3, num_frames=num_frames, size=size)
    assert placement.speed == pytest.approx(speed)
    assert 6.5 * size / 32 <= placement.object_size * REACH["circle"] <= 10.0 * size / 32 + 1e-9
    centres = placement.centres(num_frames)
    assert centres[0, 0] - centres[-1, 0] == pytest.approx(TRAVEL_SHARE * size)
    assert world_speed() == pytest.approx(1.25)


def test_each_direction_moves_the_right_way():
    for direction, (dx, dy) in DIRECTIONS.items():
        clip, placement = make_clip_with_truth(f"a red square moving {direction}", seed=0)
        v = clip.max(axis=-1)  # (F, H, W)
        ys, xs = np.mgrid[0:32, 0:32] + 0.5
        cx = (v * xs).sum(axis=(1, 2)) / v.sum(axis=(1, 2))
        cy = (v * ys).sum(axis=(1, 2)) / v.sum(axis=(1, 2))
        assert np.sign(np.round(cx[-1] - cx[0], 3)) == dx and np.sign(np.round(cy[-1] - cy[0], 3)) == dy
        np.testing.assert_allclose(np.stack([cx, cy], 1), placement.centres(16), atol=0.05)


@pytest.mark.parametrize("bad", [dict(num_frames=1), dict(size=8), dict(num_frames=2.5), dict(size=True)])
def test_bad_geometry_raises(bad):
    with pytest.raises(ValueError, match="must be"):
        make_clip("a red circle moving left", **bad)


def test_numpy_integers_are_accepted():
    clip = make_clip("a red circle moving left", num_frames=np.int64(8), size=np.int32(16))
    assert clip.shape == (8, 16, 16, 3)


def test_make_batch_is_a_model_tensor():
    batch = make_batch(["a red circle moving left", Combo("blue", "square", "up")], seed=3, num_frames=8, size=16)
    assert batch.shape == (2, 3, 8, 16, 16) and batch.dtype == torch.float32
    assert batch.min() == -1.0 and batch.max() <= 1.0
    np.testing.assert_allclose(batch[1].permute(1, 2, 3, 0).numpy(), make_clip(("blue", "square", "up"), 4, 8, 16) * 2 - 1)
    with pytest.raises(ValueError, match="at least one"):
        make_batch([])


def test_dataset_shapes_range_captions_and_determinism():
    data = MovingShapes("train", length=100, seed=1, num_frames=8, size=24)
    assert len(data) == 100
    video, caption = data[5]
    assert video.shape == (3, 8, 24, 24) and video.dtype == torch.float32
    assert video.min() >= -1 and video.max() <= 1 and video.min() == -1
    assert parse_caption(caption) in TRAIN_COMBOS
    again, _ = MovingShapes("train", length=100, seed=1, num_frames=8, size=24)[5]
    other, _ = MovingShapes("train", length=100, seed=2, num_frames=8, size=24)[5]
    assert torch.equal(video, again) and not torch.equal(video, other)
    captions = {data[i][1] for i in range(len(TRAIN_COMBOS))}
    assert len(captions) == len(TRAIN_COMBOS)  # one pass covers every training combination
    held = MovingShapes("held_out", length=8)
    assert {parse_caption(held[i][1]) for i in range(8)} == set(HELD_OUT)
    with pytest.raises(IndexError):
        data[100]


def test_dataset_batches_through_a_dataloader():
    loader = torch.utils.data.DataLoader(MovingShapes(length=10), batch_size=4)
    videos, captions = next(iter(loader))
    assert videos.shape == (4, 3, 16, 32, 32) and len(captions) == 4


def test_bad_dataset_arguments_raise():
    with pytest.raises(ValueError, match="length"):
        MovingShapes(length=0)
    with pytest.raises(ValueError, match="split"):
        MovingShapes(split="validation")


def test_render_path_draws_any_path_and_matches_render():
    clip, placement = make_clip_with_truth("a green triangle moving up", seed=4)
    from helpers.shapes import render_path

    again = render_path("a green triangle moving up", placement.centres(16), placement.object_size)
    np.testing.assert_allclose(again, clip, atol=1e-6)
    growing = render_path(("red", "square", "left"), [[16, 16]] * 4, [4.0, 6.0, 8.0, 10.0])
    mass = growing.max(axis=-1).sum(axis=(1, 2))
    assert np.all(np.diff(mass) > 0)
    with pytest.raises(ValueError, match="centres"):
        render_path("a red square moving left", [1, 2, 3], 8.0)
