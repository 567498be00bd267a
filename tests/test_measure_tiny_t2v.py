"""scripts.measure_tiny_t2v: the shape figures read true clips right and tell the shapes apart."""

import numpy as np

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



def test_other_shapes_swaps_only_the_shape_word():
    from scripts.measure_tiny_t2v import other_shapes

    assert other_shapes("a red square moving left") == ["a red circle moving left", "a red triangle moving left"]


def test_contrast_sampler_without_the_shape_term_is_the_pipelines_own(tiny_t2v):
    import torch

    from scripts.measure_tiny_t2v import contrast_guided_clips

    captions = ["a red square moving left", "a blue triangle moving up"]
    ours = contrast_guided_clips(tiny_t2v, captions, shape_guidance=0.0, steps=3, seed=4)
    theirs = tiny_t2v(captions, num_inference_steps=3, generator=torch.Generator().manual_seed(4), output_type="np").frames
    assert len(ours) == 2 and ours[0].shape == (16, 32, 32, 3)
    assert max(float(np.abs(a - b).max()) for a, b in zip(ours, theirs)) < 1e-4
    pushed = contrast_guided_clips(tiny_t2v, captions, shape_guidance=6.0, steps=3, seed=4)
    assert max(float(np.abs(a - b).max()) for a, b in zip(pushed, ours)) > 1e-3  # the shape term changes the samples


def test_width_costs_time_a_fresh_transformer_of_each_width():
    from helpers.runtime import DATA_DIR
    from scripts.measure_tiny_t2v import width_costs

    costs = width_costs(DATA_DIR / "tiny-t2v", heads=(5,), repeats=1)
    assert list(costs) == ["3 x 80"] and costs["3 x 80"] > 0
