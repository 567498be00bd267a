"""Space-time layers: a 3D convolution from scratch, the (2+1)D block, I3D inflation, a motion detector.

Everything works on model tensors ``(B, C, F, H, W)`` (the diffusers UNet3D order).

- :func:`conv3d_reference`: ``torch.nn.functional.conv3d`` written out, one kernel tap at a time;
- :class:`Conv2Plus1d`: a spatial ``k x k`` conv on every frame, then a temporal conv on every pixel,
  the factorisation of pseudo-3D video UNets (ModelScope's ``TemporalConvLayer``, R(2+1)D);
- :func:`inflate_conv2d`: an image conv turned into a video conv (I3D), equal to the image conv per
  frame on a static clip;
- :class:`MotionDetector`: a hand-made 3D kernel that fires on a bright edge moving one way;
- :func:`temporal_receptive_field` and :func:`measure_temporal_receptive_field`: how many input
  frames one output voxel sees, by formula and by autograd.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Sequence

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn

Triple = int | tuple[int, int, int]


def _triple(value: Triple, name: str, minimum: int) -> tuple[int, int, int]:
    """``3`` -> ``(3, 3, 3)``; validate every entry is an int ``>= minimum``."""
    values = (value,) * 3 if isinstance(value, int) else tuple(value)
    if len(values) != 3 or not all(isinstance(v, int) and v >= minimum for v in values):
        raise ValueError(f"{name} must be an int or 3 ints, each >= {minimum}; got {value!r}")
    return values  # type: ignore[return-value]


# ----------------------------------------------------------------------------- conv3d from scratch


def conv3d_reference(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None = None,
    stride: Triple = 1,
    padding: Triple = 0,
    dilation: Triple = 1,
    groups: int = 1,
) -> torch.Tensor:
    """3D convolution from scratch: x ``(B, C_in, F, H, W)``, weight ``(C_out, C_in/groups, kT, kH, kW)`` -> ``(B, C_out, F', H', W')``.

    Same arguments and result as ``torch.nn.functional.conv3d`` (zero padding). Each output voxel is

        y[b, o, f, h, w] = bias[o] + sum_{c, t, i, j} weight[o, c, t, i, j] * x[b, c, f*s_t + t*d_t, h*s_h + i*d_h, w*s_w + j*d_w]

    computed here one kernel tap ``(t, i, j)`` at a time: for a fixed tap, the input voxels it meets
    over all output positions form one strided slice of the (padded) input.
    """
    # 1. validate before any work
    if x.ndim != 5 or weight.ndim != 5:
        raise ValueError(f"expected x (B, C, F, H, W) and weight (O, C/groups, kT, kH, kW), got {tuple(x.shape)} and {tuple(weight.shape)}")
    if not isinstance(groups, int) or groups < 1 or x.shape[1] % groups or weight.shape[0] % groups:
        raise ValueError(f"groups={groups!r} must be an int >= 1 dividing C_in={x.shape[1]} and C_out={weight.shape[0]}")
    if weight.shape[1] * groups != x.shape[1]:
        raise ValueError(f"weight has {weight.shape[1]} input channels per group; x has {x.shape[1]} channels in {groups} groups")
    stride, padding, dilation = _triple(stride, "stride", 1), _triple(padding, "padding", 0), _triple(dilation, "dilation", 1)
    kernel = weight.shape[2:]
    # 2. zero-pad time, height and width (F.pad lists the last axis first)
    (pt, ph, pw) = padding
    x = F.pad(x, (pw, pw, ph, ph, pt, pt))  # (B, C, F+2pt, H+2ph, W+2pw)
    # 3. output length per axis: floor((n + 2p - d(k-1) - 1) / s) + 1
    out_size = [(n - d * (k - 1) - 1) // s + 1 for n, k, s, d in zip(x.shape[2:], kernel, stride, dilation)]
    if min(out_size) < 1:
        raise ValueError(f"kernel {tuple(kernel)} with dilation {dilation} is larger than the padded input {tuple(x.shape[2:])}")
    # 4. split channels into groups: group g's outputs only see group g's inputs
    xg = rearrange(x, "b (g c) f h w -> b g c f h w", g=groups)
    wg = rearrange(weight, "(g o) c t h w -> g o c t h w", g=groups)
    out = x.new_zeros(x.shape[0], groups, wg.shape[1], *out_size)  # (B, G, O/G, F', H', W')
    # 5. slide: every tap (t, i, j) adds weight[:, :, t, i, j] times a strided slice of the input
    (ft, fh, fw), (st, sh, sw), (dt, dh, dw) = out_size, stride, dilation
    for t in range(kernel[0]):
        for i in range(kernel[1]):
            for j in range(kernel[2]):
                patch = xg[
                    ...,
                    t * dt : t * dt + st * (ft - 1) + 1 : st,
                    i * dh : i * dh + sh * (fh - 1) + 1 : sh,
                    j * dw : j * dw + sw * (fw - 1) + 1 : sw,
                ]  # (B, G, C/G, F', H', W')
                out += torch.einsum("bgcfhw,goc->bgofhw", patch, wg[..., t, i, j])
    out = rearrange(out, "b g o f h w -> b (g o) f h w")  # (B, C_out, F', H', W')
    if bias is not None:
        out = out + bias.view(1, -1, 1, 1, 1)
    return out


# ----------------------------------------------------------------------------- (2+1)D block


def r2plus1d_mid_channels(in_channels: int, out_channels: int, kernel_size: int = 3, time_kernel: int = 3) -> int:
    """R(2+1)D's hidden width M: the (2+1)D block then has about as many weights as the full 3D conv."""
    full = time_kernel * kernel_size**2 * in_channels * out_channels
    return max(1, full // (kernel_size**2 * in_channels + time_kernel * out_channels))


@dataclass
class Conv2Plus1dConfig:
    """A (2+1)D block: ``k x k`` conv per frame -> (SiLU) -> ``time_kernel`` conv per pixel."""

    in_channels: int
    out_channels: int
    kernel_size: int = 3
    time_kernel: int = 3
    mid_channels: int | None = None  # None: R(2+1)D's parameter-matching width; use out_channels for ModelScope-style
    activation: bool = True

    def __post_init__(self) -> None:
        for name in ("in_channels", "out_channels", "kernel_size", "time_kernel"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError(f"{name} must be an int >= 1, got {getattr(self, name)!r}")
        if self.kernel_size % 2 == 0 or self.time_kernel % 2 == 0:
            raise ValueError(f"kernel_size and time_kernel must be odd (same padding), got {self.kernel_size}, {self.time_kernel}")
        if self.mid_channels is None:
            self.mid_channels = r2plus1d_mid_channels(self.in_channels, self.out_channels, self.kernel_size, self.time_kernel)


class Conv2Plus1d(nn.Module):
    """Factorised space-time conv: ``(B, C_in, F, H, W)`` -> ``(B, C_out, F, H, W)``, frame count and size kept."""

    def __init__(self, config: Conv2Plus1dConfig) -> None:
        super().__init__()
        self.config = config
        k, kt = config.kernel_size, config.time_kernel
        self.spatial = nn.Conv2d(config.in_channels, config.mid_channels, k, padding=k // 2)
        self.temporal = nn.Conv1d(config.mid_channels, config.out_channels, kt, padding=kt // 2)
        self.act = nn.SiLU() if config.activation else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, _, f, h, w = x.shape
        x = rearrange(x, "b c f h w -> (b f) c h w")  # frames into the batch
        x = self.act(self.spatial(x))  # (B*F, M, H, W)
        x = rearrange(x, "(b f) m h w -> (b h w) m f", b=b, f=f)  # pixels into the batch
        x = self.temporal(x)  # (B*H*W, C_out, F)
        return rearrange(x, "(b h w) c f -> b c f h w", b=b, h=h, w=w)  # (B, C_out, F, H, W)

    def equivalent_conv3d(self) -> nn.Conv3d:
        """Without the activation, the block IS a 3D conv whose kernel is a sum of M rank-1 (time x space) kernels."""
        if self.config.activation:
            raise ValueError("only a block built with activation=False is a single 3D conv")
        ws, wt = self.spatial.weight, self.temporal.weight  # (M, C_in, k, k), (C_out, M, kt)
        k, kt = self.config.kernel_size, self.config.time_kernel
        conv = nn.Conv3d(self.config.in_channels, self.config.out_channels, (kt, k, k), padding=(kt // 2, k // 2, k // 2))
        with torch.no_grad():
            conv.weight.copy_(torch.einsum("omt,mcij->octij", wt, ws))  # (C_out, C_in, kt, k, k)
            # the spatial bias reaches every temporal tap; at the first/last kt//2 frames the block's
            # zero padding drops some of them, so the two agree exactly on interior frames only
            conv.bias.copy_(self.temporal.bias + torch.einsum("omt,m->o", wt, self.spatial.bias))
        return conv


# ----------------------------------------------------------------------------- I3D inflation


def inflate_conv2d(conv: nn.Conv2d, time_kernel: int = 3, init: str = "mean", temporal_padding: int | None = None) -> nn.Conv3d:
    """I3D inflation: an image ``nn.Conv2d`` -> a video ``nn.Conv3d`` with a ``time_kernel x kH x kW`` kernel.

    ``init="mean"`` repeats the 2D kernel over time and divides by ``time_kernel``; ``"center"`` puts it
    on the middle tap and zeros elsewhere. Either way a static clip (one image repeated) gives the 2D
    conv's output on every frame, wherever the temporal window lies inside the clip. ``temporal_padding``
    defaults to ``time_kernel // 2`` (frame count kept); its zero padding breaks "mean" on the first and
    last ``time_kernel // 2`` frames, since there the window sees blank frames.
    """
    if not isinstance(conv, nn.Conv2d):
        raise ValueError(f"expected an nn.Conv2d, got {type(conv).__name__}")
    if conv.padding_mode != "zeros" or isinstance(conv.padding, str):
        raise ValueError(f"only numeric zero padding is supported, got padding={conv.padding!r}, mode={conv.padding_mode!r}")
    if not isinstance(time_kernel, int) or time_kernel < 1:
        raise ValueError(f"time_kernel must be an int >= 1, got {time_kernel!r}")
    if init not in ("mean", "center"):
        raise ValueError(f"init must be 'mean' or 'center', got {init!r}")
    temporal_padding = time_kernel // 2 if temporal_padding is None else temporal_padding
    inflated = nn.Conv3d(
        conv.in_channels,
        conv.out_channels,
        (time_kernel, *conv.kernel_size),
        stride=(1, *conv.stride),
        padding=(temporal_padding, *conv.padding),
        dilation=(1, *conv.dilation),
        groups=conv.groups,
        bias=conv.bias is not None,
    ).to(conv.weight)
    with torch.no_grad():
        w2 = conv.weight  # (O, C/groups, kH, kW)
        if init == "mean":
            w3 = w2.unsqueeze(2).repeat(1, 1, time_kernel, 1, 1) / time_kernel  # (O, C/g, kT, kH, kW)
        else:
            w3 = torch.zeros_like(w2).unsqueeze(2).repeat(1, 1, time_kernel, 1, 1)  # (O, C/g, kT, kH, kW)
            w3[:, :, time_kernel // 2] = w2
        inflated.weight.copy_(w3)
        if conv.bias is not None:
            inflated.bias.copy_(conv.bias)
    return inflated


# ----------------------------------------------------------------------------- a motion detector

_ROTATIONS = {"right": 0, "down": 1, "left": 2, "up": 3}  # quarter turns of the "right" kernel


def motion_kernel(direction: str = "right", frames: int = 4, speed: float = 1.25) -> torch.Tensor:
    """A hand-made space-time kernel ``(1, 1, frames, K, K)`` that follows an edge moving ``direction`` at ``speed`` px/frame.

    For "right": on frame ``t`` an edge detector ``[-1, 0, +1]`` along x (averaged over 3 rows) sits
    ``round(speed * (t - (frames - 1) / 2))`` pixels right of the centre, so its taps line up only with
    an edge that moves right at that speed. Scaled so a sharp step from -1 to +1 moving exactly along
    it gives 1. Other directions are quarter turns of it (y grows downward).
    """
    if direction not in _ROTATIONS:
        raise ValueError(f"direction must be one of {list(_ROTATIONS)}, got {direction!r}")
    if not isinstance(frames, int) or frames < 2:
        raise ValueError(f"frames must be an int >= 2, got {frames!r}")
    if not 0 < speed <= 4:
        raise ValueError(f"speed must be in (0, 4] px/frame, got {speed!r}")
    shifts = [round(speed * (t - (frames - 1) / 2)) for t in range(frames)]
    size = 2 * max(abs(s) for s in shifts) + 3  # odd, fits every shifted [-1, 0, +1]
    centre = size // 2
    kernel = torch.zeros(frames, size, size)  # (T, H, W)
    for t, shift in enumerate(shifts):
        kernel[t, centre - 1 : centre + 2, centre + shift - 1] = -1.0
        kernel[t, centre - 1 : centre + 2, centre + shift + 1] = 1.0
    kernel = kernel / (2 * 3 * frames)  # edge height 2, 3 rows, `frames` taps
    kernel = torch.rot90(kernel, k=-_ROTATIONS[direction], dims=(1, 2))  # rotate clockwise on screen (y down)
    return rearrange(kernel, "t h w -> 1 1 t h w")  # (1, 1, T, K, K)


@dataclass
class MotionDetectorConfig:
    """Which motion to detect, and the bias that silences partial matches."""

    direction: str = "right"
    frames: int = 4
    speed: float = 1.25
    threshold: float = 0.6  # a static edge lines up with at most 2 of 4 taps (response <= 0.5), a matching edge with all 4 (about 1)


class MotionDetector(nn.Module):
    """brightness -> one hand-made Conv3d -> ReLU: ``(B, 3, F, H, W)`` in [-1, 1] -> response ``(B, 1, F-T+1, H, W)`` >= 0."""

    def __init__(self, config: MotionDetectorConfig | None = None) -> None:
        super().__init__()
        self.config = config or MotionDetectorConfig()
        weight = motion_kernel(self.config.direction, self.config.frames, self.config.speed)  # (1, 1, T, K, K)
        k = weight.shape[-1]
        self.conv = nn.Conv3d(1, 1, weight.shape[2:], padding=(0, k // 2, k // 2))
        with torch.no_grad():
            self.conv.weight.copy_(weight)
            self.conv.bias.fill_(-self.config.threshold)

    def forward(self, video: torch.Tensor) -> torch.Tensor:
        brightness = video.amax(dim=1, keepdim=True)  # (B, 1, F, H, W): a shape of any colour is bright
        return F.relu(self.conv(brightness))  # (B, 1, F-T+1, H, W)


# ----------------------------------------------------------------------------- temporal receptive field


def temporal_receptive_field(kernel_sizes: Sequence[int], dilations: Sequence[int] | None = None, strides: Sequence[int] | None = None) -> int:
    """Frames one output voxel sees through a stack of convs: ``1 + sum_l (k_l - 1) d_l prod_{j<l} s_j``."""
    n = len(kernel_sizes)
    dilations = [1] * n if dilations is None else list(dilations)
    strides = [1] * n if strides is None else list(strides)
    if len(dilations) != n or len(strides) != n:
        raise ValueError(f"need one dilation and one stride per layer: {n} kernels, {len(dilations)} dilations, {len(strides)} strides")
    if not all(isinstance(v, int) and v >= 1 for v in [*kernel_sizes, *dilations, *strides]):
        raise ValueError("kernel sizes, dilations and strides must be ints >= 1")
    field, jump = 1, 1
    for k, d, s in zip(kernel_sizes, dilations, strides):
        field += (k - 1) * d * jump
        jump *= s
    return field


def measure_temporal_receptive_field(layers: nn.Module, in_channels: int, num_frames: int, size: int = 4) -> int:
    """Frames of the input that reach the middle output voxel: autograd on ``layers`` (convs, no ReLU)."""
    device = next(layers.parameters(), torch.empty(0)).device
    x = torch.randn(1, in_channels, num_frames, size, size, device=device, requires_grad=True)  # (1, C, F, S, S)
    y = layers(x)  # (1, C', F', S', S')
    y[0, :, y.shape[2] // 2, y.shape[3] // 2, y.shape[4] // 2].sum().backward()
    touched = (x.grad.abs().sum(dim=(0, 1, 3, 4)) > 0).nonzero().flatten()  # indices of frames that matter
    if touched.numel() in (0, num_frames) and num_frames > 1:
        raise ValueError(f"the receptive field reaches the clip's ends; use more than num_frames={num_frames}")
    return int(touched.max() - touched.min() + 1)


# ----------------------------------------------------------------------------- benchmark


def bench() -> dict:
    """Seconds per call of :func:`conv3d_reference` vs ``F.conv3d`` at (2, 16, 16, 32, 32), k=3."""
    torch.manual_seed(0)
    x, w = torch.randn(2, 16, 16, 32, 32), torch.randn(16, 16, 3, 3, 3)
    figures = {}
    for name, fn in (("conv3d_reference_s", conv3d_reference), ("torch_conv3d_s", F.conv3d)):
        fn(x, w, padding=1)
        start = time.perf_counter()
        for _ in range(3):
            fn(x, w, padding=1)
        figures[name] = (time.perf_counter() - start) / 3
    figures["reference_slowdown"] = figures["conv3d_reference_s"] / figures["torch_conv3d_s"]
    return figures


__all__ = [
    "Conv2Plus1d",
    "Conv2Plus1dConfig",
    "MotionDetector",
    "MotionDetectorConfig",
    "bench",
    "conv3d_reference",
    "inflate_conv2d",
    "measure_temporal_receptive_field",
    "motion_kernel",
    "r2plus1d_mid_channels",
    "temporal_receptive_field",
]
