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
