"""Exercises of notebook 04 (video diffusion): reference solutions, typical mistakes, checkers.

1. "forward noising": ``z_t = sqrt(abar) z_0 + sqrt(1 - abar) eps`` for a whole clip, one noise level per clip.
2. "velocity target": ``v = sqrt(abar) eps - sqrt(1 - abar) z_0`` (what the shipped model predicts).
"""

from __future__ import annotations

import torch

from .exercises import Case, make_checker


def _inputs(seed: int, shape=(2, 4, 3, 2, 2)) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=g), torch.randn(shape, generator=g)


# ----------------------------------------------------------------------------- 1. forward noising


def noisy_clip_solution(z0: torch.Tensor, noise: torch.Tensor, alpha_bar: torch.Tensor) -> torch.Tensor:
    """Reference: clips ``(B, C, F, H, W)`` noised to levels ``alpha_bar (B,)``, shared by all frames of a clip."""
    a = alpha_bar.view(-1, 1, 1, 1, 1)  # (B, 1, 1, 1, 1)
    return a.sqrt() * z0 + (1 - a).sqrt() * noise  # (B, C, F, H, W)


def _noisy_no_sqrt(z0, noise, alpha_bar):
    """Mistake: mixes with abar and 1 - abar instead of their square roots (the variance is not kept at 1)."""
    a = alpha_bar.view(-1, 1, 1, 1, 1)
    return a * z0 + (1 - a) * noise


def _noisy_per_frame(z0, noise, alpha_bar):
    """Mistake: broadcasts the levels along the frame axis instead of the batch axis."""
    a = alpha_bar.view(1, 1, -1, 1, 1)
    return a.sqrt() * z0 + (1 - a).sqrt() * noise


def _noisy_case(seed: int, levels: tuple[float, ...], hint: str) -> Case:
    z0, noise = _inputs(seed, (len(levels), 4, 3, 2, 2))
    alpha_bar = torch.tensor(levels)
    truth = noisy_clip_solution(z0, noise, alpha_bar)
    return Case(f"alpha_bar = {levels}", (z0, noise, alpha_bar), lambda out, t=truth: out.shape == t.shape and torch.allclose(out, t, atol=1e-5), hint)


check_noisy_clip = make_checker(
    "forward noising",
    [
        _noisy_case(0, (1.0, 0.0), "At abar = 1 the clip is clean, at abar = 0 it is pure noise."),
        _noisy_case(1, (0.5, 0.25, 0.9), "Use the square roots: sqrt(abar) z0 + sqrt(1 - abar) eps keeps unit variance."),
        _noisy_case(2, (0.3, 0.7), "One level per clip: reshape alpha_bar to (B, 1, 1, 1, 1) so every frame of a clip shares it."),
    ],
    solution=noisy_clip_solution,
    wrong_answers=[_noisy_no_sqrt, _noisy_per_frame],
)

# ----------------------------------------------------------------------------- 2. velocity target


def velocity_solution(z0: torch.Tensor, noise: torch.Tensor, alpha_bar: torch.Tensor) -> torch.Tensor:
    """Reference: the v-prediction target ``sqrt(abar) eps - sqrt(1 - abar) z0``, levels ``(B,)``."""
    a = alpha_bar.view(-1, 1, 1, 1, 1)  # (B, 1, 1, 1, 1)
    return a.sqrt() * noise - (1 - a).sqrt() * z0  # (B, C, F, H, W)


def _velocity_swapped(z0, noise, alpha_bar):
    """Mistake: swaps the roles of the clip and the noise."""
    a = alpha_bar.view(-1, 1, 1, 1, 1)
    return a.sqrt() * z0 - (1 - a).sqrt() * noise


def _velocity_is_noise(z0, noise, alpha_bar):
    """Mistake: returns the epsilon target."""
    return noise


def _velocity_case(seed: int, levels: tuple[float, ...], hint: str) -> Case:
    z0, noise = _inputs(seed, (len(levels), 4, 3, 2, 2))
    alpha_bar = torch.tensor(levels)
    truth = velocity_solution(z0, noise, alpha_bar)
    return Case(f"alpha_bar = {levels}", (z0, noise, alpha_bar), lambda out, t=truth: out.shape == t.shape and torch.allclose(out, t, atol=1e-5), hint)


check_velocity = make_checker(
    "velocity target",
    [
        _velocity_case(3, (0.0,), "At pure noise (abar = 0) v = -z0: the model must paint the whole clip."),
        _velocity_case(4, (1.0,), "At abar = 1 (clean), v = eps."),
        _velocity_case(5, (0.5, 0.2), "v = sqrt(abar) * eps - sqrt(1 - abar) * z0."),
    ],
    solution=velocity_solution,
    wrong_answers=[_velocity_swapped, _velocity_is_noise],
)
