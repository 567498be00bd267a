"""Notebook-07 checkers give the specific hint for each typical mistake; the solutions agree with the helpers.

(tests/test_exercises.py proves for every checker that it accepts its solution and rejects each wrong answer.)
"""

import pytest

from helpers.pipeline_exercises import (
    _wrong_negative,
    _wrong_proportional,
    _wrong_rounded,
    _wrong_seconds,
    _wrong_unrounded,
    check_frames_that_fit,
    check_gif_timing,
    frames_that_fit_solution,
)
from helpers.video_files import gif_duration_ms


@pytest.mark.parametrize(
    "check, wrong, hint",
    [
        (check_frames_that_fit, _wrong_proportional, "weights + per-frame"),
        (check_frames_that_fit, _wrong_rounded, "round *down*"),
        (check_frames_that_fit, _wrong_negative, "never a negative"),
        (check_gif_timing, _wrong_seconds, "milliseconds"),
        (check_gif_timing, _wrong_unrounded, "10 ms ticks"),
    ],
)
def test_each_mistake_gets_its_hint(check, wrong, hint):
    feedback = check(wrong)
    assert not feedback.passed and any(hint in message for message in feedback.messages)


def test_solutions_agree_with_helpers():
    assert all(check_gif_timing.solution(10, fps)[0] == gif_duration_ms(fps) for fps in (1, 7, 8, 12.5, 24, 60))
    with pytest.raises(ValueError, match="must grow with frames"):
        frames_that_fit_solution([4, 8], [2.0, 1.0], 3.0)
