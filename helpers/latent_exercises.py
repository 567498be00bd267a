"""Exercises of notebook 03 (latent spaces): reference solutions, typical mistakes, checkers.

1. "latent size of a video VAE": numbers in the latent of a clip under a causal video VAE
   (CogVideoX-style: the first frame alone, then every ``temporal`` frames become one).
2. "spherical interpolation": ``slerp`` between two latents, which keeps the norm that a straight
   line (``lerp``) loses half-way between two independent Gaussian latents.
"""

from __future__ import annotations

import torch

from .costs import latent_shape
from .exercises import Case, make_checker

# ----------------------------------------------------------------------------- 1. latent size


def latent_elements_solution(frames: int, height: int, width: int, spatial: int, temporal: int, channels: int) -> int:
    """Reference: numbers in the latent of an ``F x H x W`` clip under a causal video VAE."""
    return latent_shape(frames, height, width, spatial, temporal, channels, causal=True).elements


def _elements_not_causal(frames, height, width, spatial, temporal, channels) -> int:
    """Mistake: divides the frame count by ``temporal``, forgetting the first frame is kept alone."""
    return (frames // temporal) * (height // spatial) * (width // spatial) * channels


def _elements_spatial_once(frames, height, width, spatial, temporal, channels) -> int:
    """Mistake: divides the frame *area* by ``spatial`` once instead of each side."""
    return (1 + (frames - 1) // temporal) * (height * width // spatial) * channels


def _elements_case(args: tuple[int, ...], hint: str) -> Case:
    truth = latent_elements_solution(*args)
    return Case(
        "frames, height, width, spatial, temporal, channels = " + ", ".join(map(str, args)),
        args,
        lambda n, truth=truth: n == truth,
        f"expected {truth:,}. {hint}",
    )


check_latent_elements = make_checker(
    "latent size of a video VAE",
    [
        _elements_case((1, 64, 64, 8, 4, 4), "One frame is one latent frame; each side shrinks by the spatial factor."),
        _elements_case((49, 480, 720, 8, 4, 16), "CogVideoX: 49 frames -> 1 + 48 / 4 = 13 latent frames of 60 x 90 x 16."),
        _elements_case((17, 256, 256, 8, 4, 16), "The first frame is encoded alone, then every 4 frames make one latent frame."),
    ],
    solution=latent_elements_solution,
    wrong_answers=[_elements_not_causal, _elements_spatial_once],
)

# ----------------------------------------------------------------------------- 2. spherical interpolation


def slerp_solution(z_a: torch.Tensor, z_b: torch.Tensor, alpha: float) -> torch.Tensor:
    """Reference: spherical interpolation ``sin((1-a)w)/sin(w) z_a + sin(a w)/sin(w) z_b``, w the angle between them."""
    a, b = z_a.flatten(), z_b.flatten()
    cos = torch.clamp(a @ b / (a.norm() * b.norm()), -1.0, 1.0)
    omega = torch.arccos(cos)
    if omega.abs() < 1e-4:  # (nearly) parallel: the straight line is the arc
        return (1 - alpha) * z_a + alpha * z_b
    return (torch.sin((1 - alpha) * omega) * z_a + torch.sin(alpha * omega) * z_b) / torch.sin(omega)


def _lerp(z_a: torch.Tensor, z_b: torch.Tensor, alpha: float) -> torch.Tensor:
    """Mistake: the straight line, whose middle is shorter than either end."""
    return (1 - alpha) * z_a + alpha * z_b


def _slerp_swapped(z_a: torch.Tensor, z_b: torch.Tensor, alpha: float) -> torch.Tensor:
    """Mistake: swaps the weights, so alpha=0 gives z_b."""
    return slerp_solution(z_b, z_a, alpha)


def _pair(seed: int, shape=(8, 4, 4, 4)) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=generator), torch.randn(shape, generator=generator)


def _close(expected: torch.Tensor):
    return lambda z: isinstance(z, torch.Tensor) and z.shape == expected.shape and torch.allclose(z, expected, atol=1e-4)


_A, _B = _pair(0)
_C = 2.0 * _A  # parallel to _A

check_slerp = make_checker(
    "spherical interpolation",
    [
        Case("alpha = 0 gives z_a", (_A, _B, 0.0), _close(_A), "at alpha = 0 the weight of z_a is sin(w)/sin(w) = 1, of z_b 0."),
        Case("alpha = 1 gives z_b", (_A, _B, 1.0), _close(_B), "at alpha = 1 the weight of z_b is 1."),
        Case(
            "alpha = 0.5 keeps the norm of two independent Gaussian latents",
            (_A, _B, 0.5),
            _close(slerp_solution(_A, _B, 0.5)),
            "weights sin((1-a)w)/sin(w) and sin(a w)/sin(w), with cos(w) = <z_a, z_b> / (|z_a| |z_b|) over ALL "
            "elements (flatten). A straight line's middle has norm ~0.71 of the ends.",
        ),
        Case(
            "parallel latents (angle 0) fall back to the straight line",
            (_A, _C, 0.25),
            _close(0.75 * _A + 0.25 * _C),
            "when the angle is ~0, sin(w) ~ 0: return (1 - alpha) z_a + alpha z_b instead of dividing by zero.",
        ),
    ],
    solution=slerp_solution,
    wrong_answers=[_lerp, _slerp_swapped],
)

__all__ = ["check_latent_elements", "check_slerp", "latent_elements_solution", "slerp_solution"]
