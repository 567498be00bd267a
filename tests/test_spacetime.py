"""Space-time layers: the from-scratch conv3d matches torch, (2+1)D and inflation keep their promises."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from helpers import spacetime
from helpers.shapes import COLORS, SHAPES, Combo, make_batch
from helpers.spacetime import (
    Conv2Plus1d,
    Conv2Plus1dConfig,
    MotionDetector,
    MotionDetectorConfig,
    conv3d_reference,
    inflate_conv2d,
    measure_temporal_receptive_field,
    motion_kernel,
    temporal_receptive_field,
)

# float32 sums of up to ~200 products of N(0, 1) numbers: torch and the tap loop add them in a
# different order, so they agree to about 1e-6 relative; 1e-4 absolute/relative leaves margin.
ATOL = RTOL = 1e-4


def _random_case(rng: torch.Generator):
    """A random conv3d problem: shapes, stride, padding, dilation and groups all drawn."""
    pick = lambda lo, hi: int(torch.randint(lo, hi + 1, (1,), generator=rng))  # noqa: E731
    groups = [1, 2, 3][pick(0, 2)]
    c_in, c_out = groups * pick(1, 3), groups * pick(1, 3)
    kernel = (pick(1, 3), pick(1, 3), pick(1, 3))
    stride = (pick(1, 2), pick(1, 3), pick(1, 2))
    dilation = (pick(1, 2), pick(1, 2), pick(1, 2))
    padding = (pick(0, 2), pick(0, 2), pick(0, 1))
    size = [pick(5, 9) for _ in range(3)]
    x = torch.randn(pick(1, 2), c_in, *size, generator=rng)
    weight = torch.randn(c_out, c_in // groups, *kernel, generator=rng)
    bias = torch.randn(c_out, generator=rng) if pick(0, 1) else None
    return x, weight, bias, dict(stride=stride, padding=padding, dilation=dilation, groups=groups)


@pytest.mark.parametrize("seed", range(25))
def test_conv3d_reference_matches_torch(seed):
    x, weight, bias, kwargs = _random_case(torch.Generator().manual_seed(seed))
    expected = F.conv3d(x, weight, bias, **kwargs)
    got = conv3d_reference(x, weight, bias, **kwargs)
    assert got.shape == expected.shape, kwargs
    torch.testing.assert_close(got, expected, atol=ATOL, rtol=RTOL)


def test_conv3d_reference_matches_nn_conv3d_module():
    torch.manual_seed(0)
    conv = nn.Conv3d(4, 6, (3, 3, 3), stride=(1, 2, 2), padding=1, dilation=(2, 1, 1), groups=2)
    x = torch.randn(2, 4, 8, 9, 9)
    got = conv3d_reference(x, conv.weight, conv.bias, conv.stride, conv.padding, conv.dilation, conv.groups)
    torch.testing.assert_close(got, conv(x), atol=ATOL, rtol=RTOL)


def test_conv3d_reference_fails_loudly():
    x = torch.randn(1, 4, 5, 5, 5)
    with pytest.raises(ValueError, match="groups"):
        conv3d_reference(x, torch.randn(3, 2, 1, 1, 1), groups=2)
    with pytest.raises(ValueError, match="larger than the padded input"):
        conv3d_reference(x, torch.randn(2, 4, 7, 1, 1))
    with pytest.raises(ValueError, match="stride"):
        conv3d_reference(x, torch.randn(2, 4, 1, 1, 1), stride=0)


def test_conv2plus1d_keeps_shape_and_mixes_time():
    torch.manual_seed(0)
    block = Conv2Plus1d(Conv2Plus1dConfig(3, 5, mid_channels=4))
    x = torch.randn(2, 3, 6, 8, 8)
    assert block(x).shape == (2, 5, 6, 8, 8)
    # changing frame 0 changes output frame 1 (time is mixed) but not frame 3 (kernel 3 in time)
    x2 = x.clone()
    x2[:, :, 0] += 1
    delta = (block(x2) - block(x)).abs().amax(dim=(0, 1, 3, 4))  # (F,)
    assert delta[1] > 1e-4 and delta[3] == 0


def test_conv2plus1d_without_activation_is_a_3d_conv():
    torch.manual_seed(0)
    block = Conv2Plus1d(Conv2Plus1dConfig(3, 4, mid_channels=5, activation=False))
    x = torch.randn(1, 3, 7, 6, 6)
    conv = block.equivalent_conv3d()
    # interior frames agree exactly; the edge frames differ only through the spatial bias (see docstring)
    torch.testing.assert_close(conv(x)[:, :, 1:-1], block(x)[:, :, 1:-1], atol=ATOL, rtol=RTOL)
    with pytest.raises(ValueError, match="activation"):
        Conv2Plus1d(Conv2Plus1dConfig(3, 4)).equivalent_conv3d()


def test_r2plus1d_width_matches_full_3d_parameter_count():
    config = Conv2Plus1dConfig(64, 64)  # mid_channels from R(2+1)D's formula
    block = Conv2Plus1d(config)
    factorised = block.spatial.weight.numel() + block.temporal.weight.numel()
    full = nn.Conv3d(64, 64, 3).weight.numel()
    assert abs(factorised - full) / full < 0.01
    with pytest.raises(ValueError, match="odd"):
        Conv2Plus1dConfig(3, 3, kernel_size=2)


@pytest.mark.parametrize("init", ["mean", "center"])
def test_inflated_conv_equals_2d_conv_per_frame_on_a_static_clip(init):
    torch.manual_seed(0)
    conv2d = nn.Conv2d(3, 4, 3, padding=1, stride=2)
    image = torch.randn(2, 3, 9, 9)
    static = image.unsqueeze(2).repeat(1, 1, 6, 1, 1)  # (B, C, F, H, W): one image, 6 frames
    expected = conv2d(image)  # (B, O, H', W')
    inflated = inflate_conv2d(conv2d, time_kernel=3, init=init, temporal_padding=0)
    out = inflated(static)  # (B, O, 4, H', W'): every window lies inside the clip
    assert out.shape == (2, 4, 4, 5, 5)
    for f in range(out.shape[2]):
        torch.testing.assert_close(out[:, :, f], expected, atol=ATOL, rtol=RTOL)
    # with the default same padding, "center" stays exact at the ends, "mean" does not
    padded = inflate_conv2d(conv2d, time_kernel=3, init=init)(static)
    edge_error = (padded[:, :, 0] - expected).abs().max()
    assert (edge_error < 1e-5) == (init == "center")


def test_inflated_conv_sees_motion_that_2d_cannot():
    torch.manual_seed(0)
    conv2d = nn.Conv2d(1, 1, 3, padding=1, bias=False)
    inflated = inflate_conv2d(conv2d, init="mean")
    moving = torch.zeros(1, 1, 5, 8, 8)
    for f in range(5):
        moving[0, 0, f, 4, f + 1] = 1.0
    # the per-frame 2D conv sees one dot; the inflated one sees the dot at 3 positions (a trail)
    assert (inflated(moving)[0, 0, 2].abs() > 1e-6).sum() > (conv2d(moving[:, :, 2]).abs() > 1e-6).sum()
    with pytest.raises(ValueError, match="init"):
        inflate_conv2d(conv2d, init="random")


def _direction_batch(direction, seed=3):
    return make_batch([Combo(c, s, direction) for c in COLORS for s in SHAPES], seed=seed)  # (12, 3, 16, 32, 32)


def test_motion_detector_fires_on_rightward_only():
    detector = MotionDetector()
    right = detector(_direction_batch("right"))
    assert right.shape == (12, 1, 13, 32, 32)
    assert (right.amax(dim=(1, 2, 3, 4)) > 0.1).all()  # every rightward clip, any colour or shape
    for direction in ("left", "up", "down"):
        assert detector(_direction_batch(direction)).amax() == 0, direction
    static = _direction_batch("right")[:, :, :1].repeat(1, 1, 16, 1, 1)
    assert detector(static).amax() == 0


@pytest.mark.parametrize("direction", ["left", "up", "down"])
def test_rotated_detectors_fire_on_their_own_direction(direction):
    detector = MotionDetector(MotionDetectorConfig(direction=direction))
    own = detector(_direction_batch(direction)).mean()
    others = max(detector(_direction_batch(d)).mean() for d in ("left", "right", "up", "down") if d != direction)
    assert own > 10 * others


def test_motion_kernel_has_no_response_to_uniform_frames():
    kernel = motion_kernel()
    assert kernel.shape == (1, 1, 4, 7, 7)
    assert kernel.sum().abs() < 1e-6
    with pytest.raises(ValueError, match="direction"):
        motion_kernel("diagonal")


@pytest.mark.parametrize(
    "kernels,dilations,strides,expected",
    [([3], None, None, 3), ([3, 3, 3], None, None, 7), ([3, 3], [1, 2], None, 7), ([3, 3], None, [2, 1], 7), ([3, 3, 3], [1, 2, 4], None, 15)],
)
def test_temporal_receptive_field_formula_matches_autograd(kernels, dilations, strides, expected):
    torch.manual_seed(0)
    dilations_ = dilations or [1] * len(kernels)
    strides_ = strides or [1] * len(kernels)
    layers = nn.Sequential(*[nn.Conv3d(2, 2, (k, 1, 1), stride=(s, 1, 1), dilation=(d, 1, 1)) for k, d, s in zip(kernels, dilations_, strides_)])
    assert temporal_receptive_field(kernels, dilations, strides) == expected
    assert measure_temporal_receptive_field(layers, 2, num_frames=40) == expected


def test_receptive_field_fails_loudly():
    with pytest.raises(ValueError, match="one dilation"):
        temporal_receptive_field([3, 3], dilations=[1])


def test_bench_reports_numbers():
    figures = spacetime.bench()
    assert figures["conv3d_reference_s"] > 0 and figures["reference_slowdown"] > 0
