"""Each notebook-05 exercise: properties beyond accept/reject (tests/test_exercises.py checks every checker accepts its solution and rejects each wrong answer with a hint)."""

import torch

from helpers.cascade_stage import upsample_condition
from helpers.cascade_exercises import IMAGEN_VIDEO_STEPS, cascade_sizes_solution, repeat_frames_solution


def test_repeat_frames_matches_the_cascade_conditioning():
    clip = torch.randn(2, 3, 4, 8, 8)
    assert torch.equal(repeat_frames_solution(clip, 2), upsample_condition(clip, 8, 8))


def test_imagen_video_sizes_follow_the_paper():
    sizes = cascade_sizes_solution((16, 40, 24), IMAGEN_VIDEO_STEPS)
    assert sizes == [(16, 40, 24), (32, 40, 24), (32, 80, 48), (32, 320, 192), (64, 320, 192), (128, 320, 192), (128, 1280, 768)]
