"""helpers.shape_templates: a shape reader that matches outlines, independent of the judge's moments."""

import cv2
import numpy as np
import pytest

from helpers.judge import analyse_clip
from helpers.shape_templates import template_scores, template_shape
from helpers.shapes import ALL_COMBOS, SHAPES, make_clip


@pytest.mark.parametrize("seed", [0, 1])
def test_every_rendered_shape_is_read_right_and_well_drawn(seed):
    for combo in ALL_COMBOS:
        shape, iou = template_shape(make_clip(combo.caption, seed=seed))
        assert shape == combo.shape and iou > 0.85, (combo, shape, iou)


def test_blur_up_to_the_judges_limit_is_read_right():
    for combo in ALL_COMBOS:
        clip = np.stack([cv2.GaussianBlur(f, (0, 0), 1.25) for f in make_clip(combo.caption, seed=0)])
        assert template_shape(clip)[0] == combo.shape, combo


def test_a_plus_sign_fools_the_judges_corners_but_matches_no_template():
    yy, xx = np.indices((32, 32)) + 0.5
    plus = ((abs(xx - 16) < 8) & (abs(yy - 16) < 1.5)) | ((abs(yy - 16) < 8) & (abs(xx - 16) < 1.5))  # (32, 32)
    clip = np.repeat((plus[None, :, :, None] * np.array([1.0, 0.0, 0.0])).astype(np.float32), 4, axis=0)  # (4, 32, 32, 3) red
    assert analyse_clip(clip).shape == "square"  # corner ratio ~0.5: the judge's rule says "a square turned 45 degrees"
    shape, iou = template_shape(clip)
    assert iou < 0.5 and max(template_scores(plus.astype(float))) < 0.5


def test_an_empty_clip_has_no_shape():
    assert template_shape(np.zeros((4, 32, 32, 3), dtype=np.float32)) == (None, 0.0)
    assert template_scores(np.zeros((32, 32))).tolist() == [0.0] * len(SHAPES)


def test_the_rate_over_clips_counts_the_captions_shape():
    from helpers.shape_templates import template_shape_rate

    clips = [make_clip("a red circle moving left", seed=0), make_clip("a blue square moving up", seed=0)]
    rates = template_shape_rate(clips, ["a red circle moving left", "a blue triangle moving up"])
    assert rates["shape_template"] == 0.5 and 0.85 < rates["template_iou"] <= 1
    with pytest.raises(ValueError, match="one caption per clip"):
        template_shape_rate(clips, ["a red circle moving left"])
