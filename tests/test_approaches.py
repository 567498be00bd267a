"""helpers.approaches: the same prompts for every approach, one row each, honest skips, Markdown and JSON."""

import json
import math

import numpy as np
import pytest

from helpers import approaches
from helpers.approaches import Approach, Comparison, compare_approaches, course_approaches, framewise_approaches, prompt_set
from helpers.approaches_exercises import check_pareto_front, pareto_front_solution
from helpers.shapes import HELD_OUT, make_clip


def test_prompt_set_quick_and_full():
    quick, full = prompt_set(quick=True), prompt_set(quick=False)
    assert [s for _, s in quick] == ["train", "held_out"]
    assert len(full) == 48 and sum(s == "held_out" for _, s in full) == 8
    assert {c for c, s in full if s == "held_out"} == {c.caption for c in HELD_OUT}
    assert set(quick) <= set(full)


def _truth() -> Approach:
    """The world's own clips: everything right, steady."""
    return Approach("truth", "--", "test", lambda captions, seed: [make_clip(c, seed + i) for i, c in enumerate(captions)], 7)


def test_compare_measures_each_approach_on_the_same_prompts():
    table = compare_approaches(quick=True, approaches=[_truth(), *framewise_approaches()], progress=False)
    rows = {row["approach"]: row for row in table.rows}
    truth, raw, smooth = rows["truth"], rows["frame by frame"], rows["frame by frame + flow-guided EMA"]
    assert truth["all_train"] == truth["all_held_out"] == 1.0 and truth["parameters"] == 7
    assert raw["color"] == raw["shape"] == 1.0 and raw["direction"] <= 0.5  # ideal frames, no motion
    assert truth["warping_error"] < raw["warping_error"] / 3
    assert smooth["warping_error"] < raw["warping_error"]
    assert all(row["s_per_clip"] > 0 for row in table.rows)
    assert set(table.clips) == set(rows) and all(len(c) == 2 and c[0].shape == (16, 32, 32, 3) for c in table.clips.values())


def test_table_markdown_json_and_files(tmp_path):
    table = compare_approaches(quick=True, approaches=[_truth()], progress=False)
    table.rows[0]["path_residual_px"] = float("nan")
    table.skipped["pretrained model"] = "no CUDA GPU here"
    text = table.to_markdown()
    assert text.splitlines()[0].startswith("| approach | nb | colour |") and "| truth | -- | 100% |" in text
    assert "n/a" in text and "2 prompts (1 trained, 1 held-out" in text and "Skipped: pretrained model" in text
    md, js = table.save(tmp_path)
    data = json.loads(js.read_text())
    assert md.read_text().strip() == text and data["rows"][0]["path_residual_px"] is None
    assert data["prompts"][0][1] == "train" and data["skipped"] == {"pretrained model": "no CUDA GPU here"}
    titled, _ = table.save(tmp_path / "titled", title="# make bench")
    assert titled.read_text() == f"# make bench\n\n{text}\n"


def test_bad_approaches_fail_loudly():
    with pytest.raises(ValueError, match="no approach"):
        compare_approaches(quick=True, approaches=[], progress=False)
    short = Approach("short", "--", "test", lambda captions, seed: [], 0)
    with pytest.raises(RuntimeError, match="returned 0 clips for 2 captions"):
        compare_approaches(quick=True, approaches=[short], progress=False)


def test_missing_models_are_skipped_with_the_reason(monkeypatch):
    def missing(*args, **kwargs):
        raise FileNotFoundError("no cascade at data/cascade")

    monkeypatch.setattr(approaches, "cascade_approach", missing)
    monkeypatch.setattr(approaches.torch.cuda, "is_available", lambda: False)
    found, skipped = course_approaches()
    assert "FileNotFoundError: no cascade at data/cascade" == skipped["cascade"]
    assert "no CUDA GPU" in skipped["pretrained model"]
    assert [a.notebook for a in found] == ["01", "01", "04", "06"]


@pytest.mark.slow
def test_shipped_models_each_make_a_clip_per_caption():
    captions = ["a red circle moving left", "a blue square moving up"]
    for load in (approaches.diffusion_approach, approaches.cascade_approach, approaches.tokens_approach):
        approach = load()
        clips = approach.generate(captions, 0)
        assert len(clips) == 2 and all(c.shape == (16, 32, 32, 3) and 0 <= c.min() and c.max() <= 1 for c in clips), approach.name
        assert approach.parameters > 100_000


def test_pareto_front_solution_on_a_real_table_shape():
    rows = [{"approach": "a", "all_train": 0.0, "s_per_clip": 0.01}, {"approach": "b", "all_train": 0.0, "s_per_clip": 2.0},
            {"approach": "c", "all_train": math.nan, "s_per_clip": 1.0}]
    assert pareto_front_solution(rows)[0] == "a" and "b" not in pareto_front_solution(rows)
    assert check_pareto_front(pareto_front_solution).passed
