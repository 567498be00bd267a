"""Each notebook-07 checker accepts its solution and rejects each typical mistake with the right hint."""

import pytest

from helpers.pipeline_exercises import (
    _wrong_negative,
    _wrong_proportional,
    _wrong_seconds,
    check_frames_that_fit,
    check_gif_timing,
    frames_that_fit_solution,
)
from helpers.video import gif_duration_ms

CHECKERS = [check_frames_that_fit, check_gif_timing]


@pytest.mark.parametrize("check", CHECKERS, ids=lambda c: c.__name__)
def test_checker_accepts_solution(check):
    feedback = check(check.solution)
    assert feedback.passed, feedback.messages


@pytest.mark.parametrize("check", CHECKERS, ids=lambda c: c.__name__)
def test_checker_rejects_every_wrong_answer_with_a_hint(check):
    assert check.wrong_answers
    for wrong in check.wrong_answers:
        feedback = check(wrong)
        assert not feedback.passed, wrong.__name__
        assert all("Hint:" in message for message in feedback.messages)


def test_specific_hints():
    assert any("weights + per-frame" in m for m in check_frames_that_fit(_wrong_proportional).messages)
    assert any("never a negative" in m for m in check_frames_that_fit(_wrong_negative).messages)
    assert any("milliseconds" in m for m in check_gif_timing(_wrong_seconds).messages)


def test_solutions_agree_with_helpers():
    assert all(check_gif_timing.solution(10, fps)[0] == gif_duration_ms(fps) for fps in (1, 7, 8, 12.5, 24, 60))
    with pytest.raises(ValueError, match="must grow with frames"):
        frames_that_fit_solution([4, 8], [2.0, 1.0], 3.0)
