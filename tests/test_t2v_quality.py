"""helpers.t2v_quality on the shipped tiny-t2v, with 2 sampling steps where the defaults are not the point."""

import numpy as np

from helpers.shapes import HELD_OUT, TRAIN_COMBOS
from helpers.t2v_quality import evaluate, sample_clips, time_default_clip



def test_sample_clips_gives_one_float_clip_per_caption_in_batches(tiny_t2v):
    captions = [c.caption for c in TRAIN_COMBOS[:3]]
    clips = sample_clips(tiny_t2v, captions, batch=2, num_inference_steps=2)
    assert len(clips) == 3 and all(c.shape == (16, 32, 32, 3) for c in clips)
    assert all(c.dtype.kind == "f" and 0 <= c.min() and c.max() <= 1 for c in clips)
    again = sample_clips(tiny_t2v, captions, batch=2, num_inference_steps=2)
    assert all(np.array_equal(a, b) for a, b in zip(clips, again))  # seeded


def test_evaluate_grades_trained_and_held_out_combinations(tiny_t2v, monkeypatch):
    import helpers.judge as judge

    seen = []
    real = judge.grade_clips
    monkeypatch.setattr(judge, "grade_clips", lambda clips, captions: seen.append(list(captions)) or real(clips, captions))
    rates = evaluate(tiny_t2v, clips_per_combo=1, num_inference_steps=2)
    assert set(rates) == {"train", "held_out"}
    assert seen == [[c.caption for c in TRAIN_COMBOS], [c.caption for c in HELD_OUT]]
    assert all(0 <= v <= 1 for split in rates.values() for v in split.values())
    assert {"shape", "shape_template", "template_iou"} <= set(rates["train"])  # the judge's shape and the independent template read


def test_time_default_clip_runs_the_lessons_call(tiny_t2v):
    seconds, frames = time_default_clip(tiny_t2v)
    assert seconds > 0 and len(frames) == 16 and frames[0].size == (32, 32)


def test_wilson_interval_matches_known_values_and_rejects_bad_counts():
    import pytest

    from helpers.t2v_quality import wilson_interval

    lo, hi = wilson_interval(15, 32)  # the shipped model's held-out shapes, 46.9 %
    assert lo == pytest.approx(0.3087, abs=1e-3) and hi == pytest.approx(0.6355, abs=1e-3)
    assert wilson_interval(0, 10)[0] == 0.0 and 0.25 < wilson_interval(0, 10)[1] < 0.31  # never below zero
    assert wilson_interval(160, 160)[1] == 1.0 and wilson_interval(160, 160)[0] > 0.97
    narrow, wide = wilson_interval(80, 160), wilson_interval(16, 32)
    assert narrow[1] - narrow[0] < wide[1] - wide[0]  # five times the clips, a narrower interval
    for successes, trials in ((3, 2), (-1, 5), (0, 0)):
        with pytest.raises(ValueError, match="successes <= trials"):
            wilson_interval(successes, trials)


def test_rate_intervals_cover_each_clip_rate_and_skip_the_mean_overlap():
    from helpers.t2v_quality import CLIP_RATES, rate_intervals

    rates = {k: 0.5 for k in CLIP_RATES} | {"template_iou": 0.7}
    intervals = rate_intervals(rates, 32)
    assert set(intervals) == set(CLIP_RATES)
    assert all(lo < 0.5 < hi for lo, hi in intervals.values())
