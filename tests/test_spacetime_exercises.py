"""Each notebook-02 exercise: properties beyond accept/reject (tests/test_exercises.py checks every checker accepts its solution and rejects each wrong answer with a hint)."""

from helpers.spacetime_exercises import check_conv3d_params, mean_response
from helpers.spacetime import motion_kernel


def test_forgotten_bias_gets_the_bias_hint():
    wrong = lambda c_in, c_out, kt, k: c_in * c_out * kt * k * k  # noqa: E731
    assert any("bias" in message for message in check_conv3d_params(wrong).messages)


def test_mean_response_separates_directions():
    kernel = motion_kernel("right")
    assert mean_response(kernel, "right") > 0
    assert mean_response(kernel, "left") == mean_response(kernel, "static") == 0
