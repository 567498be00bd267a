"""Each notebook-03 checker accepts its solution and rejects each typical mistake with a hint."""

import pytest
import torch

from helpers.latent_exercises import check_latent_elements, check_slerp, slerp_solution

CHECKERS = [check_latent_elements, check_slerp]


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


def test_slerp_keeps_the_norm_that_lerp_loses():
    g = torch.Generator().manual_seed(1)
    a, b = torch.randn(4096, generator=g), torch.randn(4096, generator=g)
    middle = slerp_solution(a, b, 0.5)
    assert abs(middle.norm() / a.norm() - 1) < 0.05
    assert abs(((a + b) / 2).norm() / a.norm() - 2**-0.5) < 0.05
