"""Notebook 04's checkers accept their solutions and reject the typical mistakes."""

import torch

from helpers.diffusion_exercises import check_noisy_clip, check_velocity
from helpers.latent_diffusion import add_noise, make_scheduler


def test_checkers_accept_solutions_and_reject_mistakes():
    for check in (check_noisy_clip, check_velocity):
        assert check(check.solution).passed
        for wrong in check.wrong_answers:
            feedback = check(wrong)
            assert not feedback.passed and feedback.messages


def test_solutions_agree_with_the_training_code():
    sched = make_scheduler("v_prediction")
    z0, noise, t = torch.randn(3, 4, 5, 2, 2), torch.randn(3, 4, 5, 2, 2), torch.tensor([0, 500, 999])
    zt, v = add_noise(sched, z0, noise, t)
    abar = sched.alphas_cumprod[t].float()
    torch.testing.assert_close(check_noisy_clip.solution(z0, noise, abar), zt)
    torch.testing.assert_close(check_velocity.solution(z0, noise, abar), v)
