"""Each notebook-05 checker accepts its solution and rejects each typical mistake with a hint."""

import pytest
import torch

from helpers.cascade import upsample_condition
from helpers.cascade_exercises import (IMAGEN_VIDEO_STEPS, cascade_sizes_solution, check_augment, check_cascade_sizes,
                                       check_repeat_frames, repeat_frames_solution)

CHECKERS = [check_repeat_frames, check_augment, check_cascade_sizes]


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


def test_repeat_frames_matches_the_cascade_conditioning():
    clip = torch.randn(2, 3, 4, 8, 8)
    assert torch.equal(repeat_frames_solution(clip, 2), upsample_condition(clip, 8, 8))


def test_imagen_video_sizes_follow_the_paper():
    sizes = cascade_sizes_solution((16, 40, 24), IMAGEN_VIDEO_STEPS)
    assert sizes == [(16, 40, 24), (32, 40, 24), (32, 80, 48), (32, 320, 192), (64, 320, 192), (128, 320, 192), (128, 1280, 768)]
