"""Cost formulas agree with counts taken from real torch modules."""

import pytest
import torch
from einops import rearrange
from torch import nn

from helpers.costs import (
    conv2d_cost,
    conv2plus1d_cost,
    conv3d_cost,
    cost_table,
    measure_cost,
)
from helpers.spacetime import Conv2Plus1d, Conv2Plus1dConfig

SIZES = [(3, 5, 3, 4, 6, 6, 2), (8, 4, 3, 3, 5, 7, 1), (4, 4, 1, 2, 3, 3, 3)]  # c_in, c_out, k, F, H, W, B


class PerFrameConv2d(nn.Module):
    """The 2D baseline on a clip: frames folded into the batch."""

    def __init__(self, c_in: int, c_out: int, k: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, k, padding=k // 2)

    def forward(self, x):
        b = x.shape[0]
        y = self.conv(rearrange(x, "b c f h w -> (b f) c h w"))
        return rearrange(y, "(b f) c h w -> b c f h w", b=b)


@pytest.mark.parametrize("c_in,c_out,k,f,h,w,b", SIZES)
def test_conv2d_cost_matches_torch(c_in, c_out, k, f, h, w, b):
    measured = measure_cost(PerFrameConv2d(c_in, c_out, k), torch.zeros(b, c_in, f, h, w))
    predicted = conv2d_cost(c_in, c_out, k, f, h, w, batch=b)
    assert (predicted.params, predicted.macs, predicted.activations) == (measured.params, measured.macs, measured.activations)


@pytest.mark.parametrize("c_in,c_out,k,f,h,w,b", SIZES)
def test_conv3d_cost_matches_torch(c_in, c_out, k, f, h, w, b):
    module = nn.Conv3d(c_in, c_out, (k + 2, k, k), padding=((k + 2) // 2, k // 2, k // 2))
    measured = measure_cost(module, torch.zeros(b, c_in, f, h, w))
    predicted = conv3d_cost(c_in, c_out, k, f, h, w, time_kernel=k + 2, batch=b)
    assert (predicted.params, predicted.macs, predicted.activations) == (measured.params, measured.macs, measured.activations)


@pytest.mark.parametrize("c_in,c_out,k,f,h,w,b", SIZES)
@pytest.mark.parametrize("mid", [None, 7])
def test_conv2plus1d_cost_matches_torch(c_in, c_out, k, f, h, w, b, mid):
    k = k if k % 2 else k + 1
    config = Conv2Plus1dConfig(c_in, c_out, kernel_size=k, time_kernel=3, mid_channels=mid or c_out)
    measured = measure_cost(Conv2Plus1d(config), torch.zeros(b, c_in, f, h, w))
    predicted = conv2plus1d_cost(c_in, c_out, k, f, h, w, time_kernel=3, mid_channels=mid, batch=b)
    assert (predicted.params, predicted.macs, predicted.activations) == (measured.params, measured.macs, measured.activations)


def test_factorised_is_cheaper_than_full_3d_at_a_video_unet_size():
    per_frame, full, factorised, matched = cost_table(320, 16, 32, 32)
    assert per_frame["GMACs"] < factorised["GMACs"] < full["GMACs"]
    assert full["params (M)"] == pytest.approx(320 * 320 * 27 / 1e6 + 320 / 1e6, abs=1e-3)
    assert matched["params (M)"] == pytest.approx(full["params (M)"], rel=0.01)  # R(2+1)D: same budget


def test_activation_bytes_and_bad_sizes():
    cost = conv3d_cost(2, 3, 3, 4, 5, 5)
    assert cost.activation_bytes(4) == 2 * cost.activation_bytes(2) == 4 * 3 * 4 * 5 * 5
    with pytest.raises(ValueError, match="frames"):
        conv3d_cost(2, 3, 3, 0, 5, 5)


def test_latent_shape_course_ltx_and_cogvideox():
    from helpers.costs import latent_shape

    course = latent_shape(16, 32, 32, spatial=4, channels=8)
    assert (course.frames, course.height, course.channels, course.elements) == (16, 8, 8, 8192) and course.ratio == 6
    image_vae = latent_shape(16, 256, 256, spatial=8, channels=4)
    assert image_vae.elements == 16 * 32 * 32 * 4 and image_vae.ratio == 48
    cog = latent_shape(49, 480, 720, spatial=8, temporal=4, channels=16, causal=True)
    assert (cog.frames, cog.height, cog.width) == (13, 60, 90) and cog.tokens(patch=2) == 13 * 30 * 45
    with pytest.raises(ValueError, match="1 \\+ 4 k"):
        latent_shape(48, 480, 720, temporal=4, causal=True)
    with pytest.raises(ValueError, match="patch"):
        course.tokens(patch=3)
