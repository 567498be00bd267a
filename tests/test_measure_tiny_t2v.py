"""scripts.measure_tiny_t2v: the shape figures read true clips right and tell the shapes apart."""

from helpers import video
from helpers.shapes import make_batch
from scripts.measure_tiny_t2v import shape_numbers


def test_shape_numbers_on_true_clips():
    captions = ["a red square moving left", "a blue circle moving up", "a green triangle moving right", "a yellow square moving down"]
    clips = video.tensor_to_clips(make_batch(captions, seed=0))
    figures = shape_numbers(clips, captions)
    assert figures["shape"] == 1.0
    per = figures["per_shape"]
    assert per["square"]["corners"] > 1.2 and abs(per["circle"]["corners"] - 1) < 0.1
    assert per["triangle"]["skewness"] > 0.4 and per["circle"]["skewness"] < 0.2
    assert per["square"]["read_as"] == {"circle": 0, "square": 2, "triangle": 0}


def test_shape_numbers_see_a_blurred_square_as_rounder():
    import cv2
    import numpy as np

    captions = ["a red square moving left"]
    clip = video.tensor_to_clips(make_batch(captions, seed=0))[0]
    blurred = np.stack([cv2.GaussianBlur(frame, (0, 0), 2.0) for frame in clip])
    sharp, soft = shape_numbers([clip], captions), shape_numbers([blurred], captions)
    assert soft["per_shape"]["square"]["corners"] < sharp["per_shape"]["square"]["corners"]

