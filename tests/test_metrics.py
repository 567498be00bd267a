"""Temporal consistency, plausibility and CLIPSIM: right on true clips, high on broken ones, honest offline."""

from __future__ import annotations

import dataclasses
import json
import os

import numpy as np
import pytest
import torch

from helpers.metrics import (
    ClipUnavailable,
    clipsim,
    clipsim_status,
    flicker,
    global_shift,
    load_clip,
    measure_clip,
    occlusion_mask,
    optical_flow,
    plausibility,
    shift_frame,
    warp,
    warping_error,
)
from helpers.shapes import make_clip, make_clip_with_truth, render

CAPTION = "a red circle moving right"


@pytest.fixture(scope="module")
def clips():
    rng = np.random.default_rng(0)
    true, placement = make_clip_with_truth(CAPTION, seed=1)
    sizes = rng.uniform(0.8, 1.0, 16)
    jitter = np.stack([render(CAPTION, dataclasses.replace(placement, object_size=placement.object_size * s))[i]
                       for i, s in enumerate(sizes)])
    return {
        "true": true,
        "shuffled": true[rng.permutation(16)],
        "noise": rng.random(true.shape).astype(np.float32),
        "static": np.repeat(true[:1], 16, axis=0),
        "size jitter": jitter,
        "dimming": (true * np.linspace(1, 0.4, 16)[:, None, None, None]).astype(np.float32),
    }


def test_global_shift_finds_the_motion():
    frame = make_clip(CAPTION, seed=0)[0]
    moved = shift_frame(frame, 3.0, -2.0)
    assert global_shift(frame, moved) == pytest.approx((3.0, -2.0), abs=0.06)
    far = shift_frame(frame, 17.0, 9.0)  # more than half the frame: no wrap-around to -15
    assert global_shift(frame, far) == pytest.approx((17.0, 9.0), abs=0.06)
    assert global_shift(frame, np.zeros_like(frame)) == (0.0, 0.0)


def test_flicker_ranks_clips(clips):
    scores = {name: flicker(clip) for name, clip in clips.items()}
    assert scores["static"] == 0.0
    assert scores["true"] < 0.06  # the floor: bilinear shifting of anti-aliased edges
    assert scores["size jitter"] > 3 * scores["true"]
    assert scores["dimming"] < 0.06  # a steady fade is explained by the neighbours' average
    blinking = (clips["true"] * np.tile([1.0, 0.6], 8)[:, None, None, None]).astype(np.float32)
    assert flicker(blinking) > 0.3
    assert scores["noise"] > 0.5
    assert flicker(np.zeros((4, 8, 8, 3), np.float32)) == 0.0
    assert flicker(np.rint(clips["true"] * 255).astype(np.uint8)) == pytest.approx(scores["true"], abs=0.01)


def test_flow_and_warp_carry_a_frame_onto_the_next():
    clip = make_clip("a green square moving down", seed=2)
    flow = optical_flow(clip[4], clip[5])  # (H, W, 2)
    assert flow.shape == (32, 32, 2)
    warped = warp(clip[4], flow)
    assert np.abs(clip[5] - warped).mean() < 0.25 * np.abs(clip[5] - clip[4]).mean()
    assert occlusion_mask(flow, optical_flow(clip[5], clip[4])).mean() > 0.9


def test_warping_error_ranks_clips(clips):
    scores = {name: warping_error(clip) for name, clip in clips.items()}
    assert scores["static"] == pytest.approx(0.0, abs=1e-9)
    assert scores["true"] < 1e-3
    assert scores["shuffled"] > 10 * scores["true"]
    assert scores["noise"] > 0.1
    assert warping_error(clips["shuffled"], mask_occlusions=False) > 10 * scores["true"]


def test_plausibility_of_a_true_clip():
    clip, placement = make_clip_with_truth(CAPTION, seed=1)
    result = plausibility(clip)
    assert result.path_residual_px < 0.05 and result.speed_std_px < 0.05 and result.size_cv < 0.01
    assert result.speed_px == pytest.approx(placement.speed, abs=0.02)
    assert result.hue_std_deg < 1.0 and result.tracked_share == 1.0


def test_plausibility_sees_jumps_size_changes_and_colour_changes(clips):
    assert plausibility(clips["shuffled"]).path_residual_px > 2.0
    assert plausibility(clips["shuffled"]).speed_std_px > 1.0
    assert plausibility(clips["size jitter"]).size_cv > 0.05
    recoloured = clips["true"].copy()
    recoloured[8:] = recoloured[8:, :, :, [1, 0, 2]]  # red turns green half way
    assert plausibility(recoloured).hue_std_deg > 30
    empty = plausibility(clips["noise"])
    assert np.isnan(empty.path_residual_px) and empty.tracked_share < 0.5


def test_measure_clip_is_one_flat_dict(clips):
    report = measure_clip(clips["true"], CAPTION)
    assert {"flicker", "warping_error", "path_residual_px", "size_cv", "correct"} <= set(report)
    assert report["correct"] == 1.0 and all(isinstance(v, float) for v in report.values())
    assert "correct" not in measure_clip(clips["true"])


def test_too_short_clips_raise():
    with pytest.raises(ValueError, match="at least 3 frames"):
        flicker(np.zeros((2, 8, 8, 3), np.float32))
    with pytest.raises(ValueError, match="at least 2 frames"):
        warping_error(np.zeros((1, 8, 8, 3), np.float32))


# ----------------------------------------------------------------------------- CLIPSIM


def test_clipsim_offline_says_why_and_what_to_use_instead(tmp_path):
    assert os.environ["HF_HUB_OFFLINE"] == "1"  # set in conftest before transformers is imported
    with pytest.raises(ClipUnavailable) as error:
        load_clip("openai/clip-vit-base-patch32", cache_dir=str(tmp_path))
    message = str(error.value)
    assert "unavailable" in message and "HF_HUB_OFFLINE=1" in message and "helpers.judge" in message
    assert clipsim_status(cache_dir=str(tmp_path)) == message
    assert "not in the local cache" in clipsim_status(cache_dir=str(tmp_path), local_files_only=True)
    with pytest.raises(ClipUnavailable):
        clipsim([make_clip(CAPTION)], [CAPTION], cache_dir=str(tmp_path))


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory):
    """A randomly initialised, tiny CLIP saved to a folder: the real loading and scoring path, offline."""
    from transformers import CLIPConfig, CLIPModel, CLIPTokenizer

    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for char in "abcdefghijklmnopqrstuvwxyz":
        vocab.setdefault(char, len(vocab))
        vocab.setdefault(char + "</w>", len(vocab))
    config = CLIPConfig(
        text_config=dict(vocab_size=len(vocab), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                         num_attention_heads=2, max_position_embeddings=32, bos_token_id=0, eos_token_id=1,
                         pad_token_id=1),
        vision_config=dict(image_size=32, patch_size=8, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                           num_attention_heads=2),
        projection_dim=8,
    )
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("tiny-clip")
    CLIPModel(config).save_pretrained(folder)
    (folder / "vocab.json").write_text(json.dumps(vocab))  # the files every transformers release reads
    (folder / "merges.txt").write_text("#version: 0.2\n")
    CLIPTokenizer.from_pretrained(folder).save_pretrained(folder)
    return str(folder)


def test_clipsim_with_loadable_weights(tiny_clip):
    assert clipsim_status(tiny_clip) == "available"
    model, tokenizer = load_clip(tiny_clip)
    clip = make_clip(CAPTION, seed=0)
    scores = clipsim([clip, clip], [CAPTION, "a blue square moving up"], model, tokenizer)
    assert scores.shape == (2,) and np.all(np.abs(scores) <= 1.0)
    assert scores[0] != pytest.approx(scores[1])
    per_frame = [clipsim([clip[i : i + 1]], [CAPTION], model, tokenizer)[0] for i in range(0, 16, 5)]
    subset = clipsim([clip[0:16:5]], [CAPTION], model, tokenizer)[0]
    assert subset == pytest.approx(np.mean(per_frame), abs=1e-5)  # the mean over frames
    assert clipsim([clip], [CAPTION], name=tiny_clip)[0] == pytest.approx(scores[0], abs=1e-6)
    with pytest.raises(ValueError, match="captions"):
        clipsim([clip], [CAPTION, CAPTION], model, tokenizer)
