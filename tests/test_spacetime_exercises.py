"""Each notebook-02 checker accepts its solution and rejects each typical mistake with a hint."""

import pytest

from helpers.spacetime_exercises import check_conv3d_params, check_down_kernel, check_receptive_field, mean_response
from helpers.spacetime import motion_kernel

CHECKERS = [check_conv3d_params, check_receptive_field, check_down_kernel]


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


def test_forgotten_bias_gets_the_bias_hint():
    wrong = lambda c_in, c_out, kt, k: c_in * c_out * kt * k * k  # noqa: E731
    assert any("bias" in message for message in check_conv3d_params(wrong).messages)


def test_mean_response_separates_directions():
    kernel = motion_kernel("right")
    assert mean_response(kernel, "right") > 0
    assert mean_response(kernel, "left") == mean_response(kernel, "static") == 0
