"""What a space-time layer costs: parameters, multiply-accumulates (MACs) and activation memory.

Three ways to give a conv layer a view of time, at "same" padding and stride 1 on a clip
``(B, C_in, F, H, W)``:

==============  ==============================================  ==========================================
layer           parameters (without bias)                      MACs
==============  ==============================================  ==========================================
2D per frame    ``C_in C_out k^2``                              ``B F H W C_out C_in k^2``
full 3D         ``C_in C_out k_t k^2``                          ``B F H W C_out C_in k_t k^2``
(2+1)D          ``C_in M k^2 + M C_out k_t``                    ``B F H W (M C_in k^2 + C_out M k_t)``
==============  ==============================================  ==========================================

"Activations" counts the elements of every tensor a layer produces (what training keeps for the
backward pass): the output, plus the (2+1)D block's hidden ``M``-channel clip. :func:`measure_cost`
takes the same three numbers from a real ``torch`` module, so the formulas are checked, not trusted.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from .spacetime import r2plus1d_mid_channels


@dataclass(frozen=True)
class LayerCost:
    """Parameters, MACs and activation elements of one layer at one input size."""

    name: str
    params: int
    macs: int
    activations: int

    def activation_bytes(self, bytes_per_element: int = 2) -> int:
        """Activation memory in bytes (2 for fp16/bf16, 4 for fp32)."""
        return self.activations * bytes_per_element

    def row(self, bytes_per_element: int = 2) -> dict:
        """A table row in human units: M params, GMACs, MB of activations."""
        return {
            "layer": self.name,
            "params (M)": round(self.params / 1e6, 3),
            "GMACs": round(self.macs / 1e9, 3),
            "activations (MB)": round(self.activation_bytes(bytes_per_element) / 1e6, 2),
        }


def _check_sizes(**sizes: int) -> None:
    for name, value in sizes.items():
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be an int >= 1, got {value!r}")


def conv2d_cost(
    in_channels: int, out_channels: int, kernel_size: int, frames: int, height: int, width: int, batch: int = 1, bias: bool = True
) -> LayerCost:
    """A ``k x k`` image conv applied to every frame (frames folded into the batch): no view of time."""
    _check_sizes(in_channels=in_channels, out_channels=out_channels, kernel_size=kernel_size, frames=frames, height=height, width=width, batch=batch)
    weights = in_channels * out_channels * kernel_size**2
    voxels = batch * frames * height * width
    return LayerCost(f"2D {kernel_size}x{kernel_size} per frame", weights + bias * out_channels, voxels * weights, voxels * out_channels)


def conv3d_cost(
    in_channels: int,
    out_channels: int,
    kernel_size: int,
    frames: int,
    height: int,
    width: int,
    time_kernel: int | None = None,
    batch: int = 1,
    bias: bool = True,
) -> LayerCost:
    """A full ``k_t x k x k`` video conv (``time_kernel`` defaults to ``kernel_size``)."""
    time_kernel = kernel_size if time_kernel is None else time_kernel
    _check_sizes(in_channels=in_channels, out_channels=out_channels, kernel_size=kernel_size, time_kernel=time_kernel, frames=frames, height=height, width=width, batch=batch)
    weights = in_channels * out_channels * time_kernel * kernel_size**2
    voxels = batch * frames * height * width
    name = f"3D {time_kernel}x{kernel_size}x{kernel_size}"
    return LayerCost(name, weights + bias * out_channels, voxels * weights, voxels * out_channels)


def conv2plus1d_cost(
    in_channels: int,
    out_channels: int,
    kernel_size: int,
    frames: int,
    height: int,
    width: int,
    time_kernel: int | None = None,
    mid_channels: int | None = None,
    batch: int = 1,
    bias: bool = True,
) -> LayerCost:
    """A (2+1)D block: ``k x k`` conv to ``mid_channels`` (default ``out_channels``) then a ``k_t`` temporal conv."""
    time_kernel = kernel_size if time_kernel is None else time_kernel
    mid_channels = out_channels if mid_channels is None else mid_channels
    spatial = conv2d_cost(in_channels, mid_channels, kernel_size, frames, height, width, batch, bias)
    voxels = batch * frames * height * width
    temporal_weights = mid_channels * out_channels * time_kernel
    return LayerCost(
        f"(2+1)D {kernel_size}x{kernel_size} + {time_kernel}, M={mid_channels}",
        spatial.params + temporal_weights + bias * out_channels,
        spatial.macs + voxels * temporal_weights,
        spatial.activations + voxels * out_channels,
    )


def cost_table(
    channels: int, frames: int, height: int, width: int, kernel_size: int = 3, batch: int = 1, bytes_per_element: int = 2
) -> list[dict]:
    """2D, 3D and two (2+1)D layers at one size (``channels`` in and out), as rows in human units.

    The (2+1)D rows use ``M = channels`` (ModelScope-style: a 2D conv then a temporal conv) and
    R(2+1)D's ``M``, chosen so the block has about as many parameters as the full 3D conv.
    """
    matched = r2plus1d_mid_channels(channels, channels, kernel_size, kernel_size)
    layers = [
        conv2d_cost(channels, channels, kernel_size, frames, height, width, batch),
        conv3d_cost(channels, channels, kernel_size, frames, height, width, batch=batch),
        conv2plus1d_cost(channels, channels, kernel_size, frames, height, width, batch=batch),
        conv2plus1d_cost(channels, channels, kernel_size, frames, height, width, mid_channels=matched, batch=batch),
    ]
    return [layer.row(bytes_per_element) for layer in layers]


# ----------------------------------------------------------------------------- measured from torch


def measure_cost(module: nn.Module, x: torch.Tensor, name: str = "measured") -> LayerCost:
    """Count a real module on input ``x``: parameters, MACs (``FlopCounterMode`` FLOPs / 2) and
    elements produced by its conv/linear leaves (forward hooks)."""
    params = sum(p.numel() for p in module.parameters())
    produced = []
    leaves = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)
    hooks = [m.register_forward_hook(lambda _m, _i, out: produced.append(out.numel())) for m in module.modules() if isinstance(m, leaves)]
    try:
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            module(x)
    finally:
        for hook in hooks:
            hook.remove()
    return LayerCost(name, params, counter.get_total_flops() // 2, sum(produced))


# ----------------------------------------------------------------------------- latent compression


@dataclass(frozen=True)
class LatentShape:
    """A clip's size in pixels and in an autoencoder's latent space."""

    frames: int
    height: int
    width: int
    channels: int
    pixel_elements: int

    @property
    def elements(self) -> int:
        """Numbers in the latent clip."""
        return self.frames * self.height * self.width * self.channels

    @property
    def ratio(self) -> float:
        """Pixel numbers per latent number (the compression factor)."""
        return self.pixel_elements / self.elements

    def tokens(self, patch: int = 1) -> int:
        """Positions a denoiser sees: latent voxels after ``patch x patch`` patchifying (a transformer's tokens)."""
        if self.height % patch or self.width % patch:
            raise ValueError(f"patch {patch} does not divide the latent size {self.height}x{self.width}")
        return self.frames * (self.height // patch) * (self.width // patch)


def latent_shape(
    frames: int, height: int, width: int, spatial: int = 8, temporal: int = 1, channels: int = 4, causal: bool = False
) -> LatentShape:
    """Latent size of an ``F x H x W`` RGB clip under a VAE compressing space by ``spatial`` and time by ``temporal``.

    ``causal=True`` is the CogVideoX-style video VAE: the first frame is kept on its own, then every
    ``temporal`` frames become one latent frame, so ``F = 1 + temporal * k`` frames give ``1 + k``.
    """
    _check_sizes(frames=frames, height=height, width=width, spatial=spatial, temporal=temporal, channels=channels)
    if height % spatial or width % spatial:
        raise ValueError(f"spatial factor {spatial} must divide the frame size {height}x{width}")
    if causal:
        if (frames - 1) % temporal:
            raise ValueError(f"a causal video VAE needs frames = 1 + {temporal} k, got {frames}")
        latent_frames = 1 + (frames - 1) // temporal
    else:
        if frames % temporal:
            raise ValueError(f"temporal factor {temporal} must divide frames={frames}")
        latent_frames = frames // temporal
    return LatentShape(latent_frames, height // spatial, width // spatial, channels, frames * height * width * 3)


__all__ = [
    "LatentShape",
    "LayerCost",
    "conv2d_cost",
    "conv2plus1d_cost",
    "conv3d_cost",
    "cost_table",
    "latent_shape",
    "measure_cost",
]
