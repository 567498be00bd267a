"""Frame-by-frame generation and temporal smoothing: what they produce and what the metrics say about it."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.framewise import (
    SMOOTHERS,
    compare_smoothers,
    draw_frame,
    ema,
    flow_guided,
    frame_by_frame,
    interpolate,
    jittered,
    moving_average,
)
from helpers.judge import analyse_clip
from helpers.metrics import flicker, plausibility, warping_error
from helpers.shapes import ALL_COMBOS, make_clip

CAPTION = "a yellow circle moving left"


def test_every_frame_is_a_perfect_image_of_the_prompt():
    for i, combo in enumerate(ALL_COMBOS[::5]):
        frame = draw_frame(combo, np.random.default_rng(i))
        assert frame.shape == (32, 32, 3) and frame.dtype == np.float32
        analysis = analyse_clip(np.repeat(frame[None], 3, axis=0))
        assert (analysis.color, analysis.shape, analysis.single_object_share) == (combo.color, combo.shape, 1.0)


def test_frame_by_frame_is_deterministic_and_incoherent():
    clip = frame_by_frame(CAPTION, seed=3)
    assert clip.shape == (16, 32, 32, 3) and 0 <= clip.min() and clip.max() <= 1
    np.testing.assert_array_equal(clip, frame_by_frame(CAPTION, seed=3))
    analysis = analyse_clip(clip)
    assert analysis.color == "yellow" and analysis.shape == "circle" and analysis.single_object_share == 1.0
    assert analysis.direction is None and not analysis.temporally_coherent
    assert warping_error(clip) > 20 * warping_error(make_clip(CAPTION, seed=3))


def test_same_seed_freezes_the_picture():
    clip = frame_by_frame(CAPTION, seed=3, same_seed=True)
    assert all(np.array_equal(frame, clip[0]) for frame in clip)
    assert flicker(clip) == 0.0 and analyse_clip(clip).direction is None


def test_mistakes_change_the_object():
    clean, wrong = frame_by_frame(CAPTION, seed=5), frame_by_frame(CAPTION, seed=5, mistake_rate=1.0)
    assert plausibility(wrong).hue_std_deg > 20 or analyse_clip(wrong).shape != "circle"
    assert plausibility(clean).hue_std_deg < 1
    with pytest.raises(ValueError, match="mistake_rate"):
        frame_by_frame(CAPTION, mistake_rate=1.5)


def test_jittered_clip_wobbles_around_the_true_path():
    clip = jittered(CAPTION, seed=2, position_jitter=1.0)
    result = plausibility(clip)
    assert analyse_clip(clip).direction == "left"
    assert 0.3 < result.path_residual_px < 3 and result.size_cv > 0.03
    steady_clip = jittered(CAPTION, seed=2, position_jitter=0.0, size_jitter=0.0, brightness_jitter=0.0)
    assert plausibility(steady_clip).path_residual_px < 0.05 and flicker(steady_clip) < 0.06
    assert flicker(jittered(CAPTION, seed=2)) > 3 * flicker(steady_clip)


def test_moving_average_and_ema_formulas():
    clip = np.random.default_rng(0).random((5, 4, 4, 3)).astype(np.float32)
    averaged = moving_average(clip, 3)
    np.testing.assert_allclose(averaged[2], clip[1:4].mean(axis=0), atol=1e-6)
    np.testing.assert_allclose(averaged[0], clip[0:2].mean(axis=0), atol=1e-6)  # fewer frames at the ends
    np.testing.assert_allclose(moving_average(clip, 1), clip, atol=1e-6)
    smoothed = ema(clip, 0.25)
    np.testing.assert_allclose(smoothed[0], clip[0])
    np.testing.assert_allclose(smoothed[2], 0.25 * clip[2] + 0.75 * (0.25 * clip[1] + 0.75 * clip[0]), atol=1e-6)
    np.testing.assert_allclose(ema(clip, 1.0), clip)
    with pytest.raises(ValueError, match="odd"):
        moving_average(clip, 2)
    with pytest.raises(ValueError, match="alpha"):
        ema(clip, 0.0)


def test_flow_guided_keeps_a_smooth_motion_sharp_and_plain_ema_drags():
    clip = make_clip("a green square moving right", seed=1)
    guided, dragged = flow_guided(clip, 0.5), ema(clip, 0.5)
    assert np.abs(guided - clip).mean() < 0.5 * np.abs(dragged - clip).mean()
    assert plausibility(guided).path_residual_px < 0.1
    assert analyse_clip(guided).direction == "right"


def test_interpolation_keeps_keyframes_and_fills_between():
    clip = make_clip("a blue circle moving down", seed=4)
    for method in ("flow", "blend"):
        filled = interpolate(clip, every=4, method=method)
        for key in (0, 4, 8, 12, 15):
            np.testing.assert_array_equal(filled[key], clip[key])
        assert analyse_clip(filled).direction == "down"
    flowed, blended = interpolate(clip, 4, "flow"), interpolate(clip, 4, "blend")
    assert np.abs(flowed - clip).mean() < np.abs(blended - clip).mean()  # flow moves, blending cross-fades
    with pytest.raises(ValueError, match="method"):
        interpolate(clip, 4, "cubic")


def test_smoothing_turns_jumps_into_ghosts_and_cannot_fix_direction():
    captions = [c.caption for c in ALL_COMBOS[::12]]
    clips = [frame_by_frame(c, seed=i) for i, c in enumerate(captions)]
    results = compare_smoothers(clips, captions)
    assert set(results) == {"none", *SMOOTHERS}
    raw = results["none"]
    assert raw["single_object_share"] == 1.0 and raw["direction_ok"] == 0.0
    for name in SMOOTHERS:
        assert results[name]["warping_error"] < raw["warping_error"], name  # neighbouring frames look alike
        assert results[name]["direction_ok"] == 0.0, name  # no smoother invents the prompted motion
    for name in ("moving average (3)", "EMA (alpha 0.5)"):
        assert results[name]["single_object_share"] < 0.9, name  # ghosts: a second object


def test_smoothing_does_remove_a_small_wobble():
    captions = [c.caption for c in ALL_COMBOS[1::12]]
    clips = [jittered(c, seed=i) for i, c in enumerate(captions)]
    results = compare_smoothers(clips, captions, {"moving average": lambda c: moving_average(c, 3)})
    assert results["moving average"]["path_residual_px"] < 0.8 * results["none"]["path_residual_px"]
    assert results["moving average"]["flicker"] < 0.8 * results["none"]["flicker"]
    assert results["moving average"]["speed_std_px"] < 0.8 * results["none"]["speed_std_px"]
    assert results["moving average"]["size_cv"] < 0.8 * results["none"]["size_cv"]
    assert results["moving average"]["correct"] == 1.0
