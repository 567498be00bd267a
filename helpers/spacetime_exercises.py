"""Exercises on :mod:`helpers.spacetime` and :mod:`helpers.costs` (notebook 02): solutions, typical mistakes, checkers.

1. "parameters of a 3D conv": count the weights and biases of ``nn.Conv3d(c_in, c_out, (k_t, k, k))``.
2. "temporal receptive field": how many input frames one output voxel of a conv stack sees.
3. "downward motion kernel": turn the rightward detector's kernel into one for downward motion.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .costs import conv3d_cost
from .exercises import Case, make_checker
from .shapes import COLORS, SHAPES, Combo, make_batch
from .spacetime import motion_kernel, temporal_receptive_field

# ----------------------------------------------------------------------------- 1. parameters of a 3D conv


def conv3d_params_solution(in_channels: int, out_channels: int, time_kernel: int, kernel_size: int) -> int:
    """Reference: weights and biases of ``nn.Conv3d(in, out, (time_kernel, k, k))``."""
    return conv3d_cost(in_channels, out_channels, kernel_size, 1, 1, 1, time_kernel=time_kernel).params


def _params_no_bias(in_channels: int, out_channels: int, time_kernel: int, kernel_size: int) -> int:
    """Mistake: forgets the bias."""
    return in_channels * out_channels * time_kernel * kernel_size**2


def _params_2d(in_channels: int, out_channels: int, time_kernel: int, kernel_size: int) -> int:
    """Mistake: forgets the time axis of the kernel."""
    return in_channels * out_channels * kernel_size**2 + out_channels


def _conv3d_case(c_in: int, c_out: int, kt: int, k: int) -> Case:
    truth = sum(p.numel() for p in nn.Conv3d(c_in, c_out, (kt, k, k), device="meta").parameters())  # sizes only
    return Case(
        f"Conv3d({c_in}, {c_out}, kernel=({kt}, {k}, {k}))",
        (c_in, c_out, kt, k),
        lambda n, truth=truth: n == truth,
        f"expected {truth}: one {kt}x{k}x{k} kernel per (input, output) channel pair, plus one bias per output channel.",
    )


check_conv3d_params = make_checker(
    "parameters of a 3D conv",
    [_conv3d_case(3, 8, 3, 3), _conv3d_case(320, 320, 3, 3), _conv3d_case(4, 2, 5, 1), _conv3d_case(16, 32, 1, 3)],
    solution=conv3d_params_solution,
    wrong_answers=[_params_no_bias, _params_2d],
)

# ----------------------------------------------------------------------------- 2. temporal receptive field


def receptive_field_solution(kernel_sizes: Sequence[int], dilations: Sequence[int], strides: Sequence[int]) -> int:
    """Reference: frames one output voxel sees through a stack of temporal convs."""
    return temporal_receptive_field(kernel_sizes, dilations, strides)


def _field_no_stride(kernel_sizes, dilations, strides) -> int:
    """Mistake: forgets that a stride makes every later tap jump further."""
    return 1 + sum((k - 1) * d for k, d in zip(kernel_sizes, dilations))


def _field_no_dilation(kernel_sizes, dilations, strides) -> int:
    """Mistake: forgets the gaps a dilation puts between taps."""
    return temporal_receptive_field(kernel_sizes, None, strides)


def _field_case(kernels: list[int], dilations: list[int], strides: list[int], hint: str) -> Case:
    truth = temporal_receptive_field(kernels, dilations, strides)
    return Case(f"kernels {kernels}, dilations {dilations}, strides {strides}", (kernels, dilations, strides), lambda n, truth=truth: n == truth, f"expected {truth}. {hint}")


check_receptive_field = make_checker(
    "temporal receptive field",
    [
        _field_case([3], [1], [1], "One layer with kernel k sees k frames."),
        _field_case([3, 3, 3, 3], [1, 1, 1, 1], [1, 1, 1, 1], "Each extra layer with kernel k adds k - 1 frames."),
        _field_case([3, 3, 3], [1, 2, 4], [1, 1, 1], "A dilation d spaces the taps d frames apart: a layer adds (k - 1) * d."),
        _field_case([3, 3, 3], [1, 1, 1], [2, 2, 1], "After a stride s, one step of the next layer spans s input frames: multiply by the product of earlier strides."),
    ],
    solution=receptive_field_solution,
    wrong_answers=[_field_no_stride, _field_no_dilation],
)

# ----------------------------------------------------------------------------- 3. downward motion kernel


def down_kernel_solution(right_kernel: torch.Tensor) -> torch.Tensor:
    """Reference: rotate every frame of the rightward kernel a quarter turn clockwise on screen (y grows down)."""
    return torch.rot90(right_kernel, k=-1, dims=(3, 4))  # (1, 1, T, K, K): +x becomes +y


def _kernel_unchanged(right_kernel: torch.Tensor) -> torch.Tensor:
    """Mistake: returns the rightward kernel."""
    return right_kernel.clone()


def _kernel_up(right_kernel: torch.Tensor) -> torch.Tensor:
    """Mistake: turns the wrong way (a quarter turn anticlockwise detects upward motion)."""
    return torch.rot90(right_kernel, k=1, dims=(3, 4))


def _kernel_flipped_in_time(right_kernel: torch.Tensor) -> torch.Tensor:
    """Mistake: reverses time (that detects leftward motion)."""
    return right_kernel.flip(2)


def mean_response(kernel: torch.Tensor, direction: str, threshold: float = 0.6, seed: int = 7) -> float:
    """Mean ReLU(conv3d(brightness) - threshold) of ``kernel`` over 12 clips moving ``direction`` ("static": frozen)."""
    moving = "right" if direction == "static" else direction
    video = make_batch([Combo(c, s, moving) for c in COLORS for s in SHAPES], seed=seed)  # (12, 3, F, H, W)
    if direction == "static":
        video = video[:, :, :1].expand_as(video)  # (12, 3, F, H, W): the first frame held
    brightness = video.amax(dim=1, keepdim=True)  # (12, 1, F, H, W)
    pad = (0, kernel.shape[-2] // 2, kernel.shape[-1] // 2)
    return float(F.relu(F.conv3d(brightness, kernel, padding=pad) - threshold).mean())


def _is_down_detector(kernel: torch.Tensor) -> bool:
    if not isinstance(kernel, torch.Tensor) or kernel.ndim != 5 or kernel.shape[:2] != (1, 1):
        return False
    down = mean_response(kernel, "down")
    return down > 0 and all(mean_response(kernel, other) < 0.1 * down for other in ("up", "left", "right", "static"))


check_down_kernel = make_checker(
    "downward motion kernel",
    [
        Case(
            "the kernel responds to downward clips and (almost) not to up, left, right or static ones",
            (motion_kernel("right"),),
            _is_down_detector,
            "return a (1, 1, T, K, K) tensor; the rightward kernel's edge detector runs along x (the last axis) "
            "and shifts right over time: make it run along y and shift down (torch.rot90 over the last two axes, "
            "or a transpose of H and W). Rotating the other way detects upward motion; flipping time detects leftward.",
        ),
    ],
    solution=down_kernel_solution,
    wrong_answers=[_kernel_unchanged, _kernel_up, _kernel_flipped_in_time],
)

__all__ = [
    "check_conv3d_params",
    "check_down_kernel",
    "check_receptive_field",
    "conv3d_params_solution",
    "down_kernel_solution",
    "mean_response",
    "receptive_field_solution",
]
