"""Each notebook-03 exercise: properties beyond accept/reject (tests/test_exercises.py checks every checker accepts its solution and rejects each wrong answer with a hint)."""

import torch

from helpers.latent_exercises import slerp_solution


def test_slerp_keeps_the_norm_that_lerp_loses():
    g = torch.Generator().manual_seed(1)
    a, b = torch.randn(4096, generator=g), torch.randn(4096, generator=g)
    middle = slerp_solution(a, b, 0.5)
    assert abs(middle.norm() / a.norm() - 1) < 0.05
    assert abs(((a + b) / 2).norm() / a.norm() - 2**-0.5) < 0.05
