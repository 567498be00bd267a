"""The shipped tiny text-to-video pipeline (data/tiny-t2v): the lesson's call, its size, its card, and that it listens."""

import json

import numpy as np
import pytest
import torch

from helpers.model_files import folder_size_mb
from helpers.runtime import DATA_DIR
from helpers.shapes import HELD_OUT, make_batch

FOLDER = DATA_DIR / "tiny-t2v"
pytestmark = pytest.mark.skipif(not (FOLDER / "model_index.json").exists(), reason="data/tiny-t2v not shipped yet")


@pytest.fixture(scope="module")
def pipe():
    from diffusers import DiffusionPipeline

    pipe = DiffusionPipeline.from_pretrained(FOLDER)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def test_the_lessons_call_with_no_arguments_gives_a_16x32x32_clip(pipe):
    clip = pipe("a red circle moving left", generator=torch.Generator().manual_seed(0)).frames[0]
    frames = np.asarray(clip)  # CogVideoXPipeline's default output: a list of PIL images per clip
    assert frames.shape == (16, 32, 32, 3)


def test_standard_classes_only_and_under_20_mb():
    index = json.loads((FOLDER / "model_index.json").read_text())
    assert index["_class_name"] == "CogVideoXPipeline"
    libraries = {value[0] for key, value in index.items() if not key.startswith("_")}
    assert libraries <= {"diffusers", "transformers"}  # nothing custom, no trust_remote_code
    assert folder_size_mb(FOLDER) < 20


def test_model_card_lists_the_held_out_combinations():
    card = (FOLDER / "README.md").read_text()
    section = card.split("## Held-out combinations", 1)[1].split("\n## ", 1)[0]
    assert all(combo.caption in section for combo in HELD_OUT)


def test_it_follows_colour_and_direction_on_a_few_prompts(pipe):
    from helpers.judge import grade_clips
    from helpers.video import clips_from_pipeline

    captions = ["a red circle moving left", "a green square moving right", "a blue triangle moving up",
                "a yellow circle moving down", HELD_OUT[0].caption, HELD_OUT[3].caption]
    frames = pipe(captions, generator=torch.Generator().manual_seed(0), output_type="np").frames
    rates = grade_clips(clips_from_pipeline(frames), captions)
    assert rates["color"] >= 5 / 6 and rates["direction"] >= 4 / 6, rates  # the first models: direction at chance (25 %)


def test_the_denoiser_uses_the_direction_word(pipe):
    from helpers.autoencoder import encode_video
    from helpers.latent_diffusion import TextToVideoDenoiser, caption_loss_gaps

    captions = ["a red circle moving left", "a green square moving right", "a blue triangle moving up", "a yellow circle moving down"]
    with torch.no_grad():
        latents = encode_video(pipe.vae, make_batch(captions, seed=5))  # (4, c, F, h, w)
    model = TextToVideoDenoiser.from_pipeline(pipe)
    gaps = caption_loss_gaps(model, latents, captions, [999])
    assert gaps["direction"][0] > 0.02 and gaps["color"][0] > 0.02, gaps


def test_generate_fills_the_pipelines_own_defaults(pipe):
    from helpers.generation import call_defaults, family_rules

    assert call_defaults(pipe) == {"num_frames": 16, "height": 32, "width": 32, "num_inference_steps": 50, "guidance_scale": 6.0}
    rules = family_rules(pipe)  # no compression in time: any frame count, sizes a multiple of 8 (4x VAE x 2x2 patches)
    assert (rules.frame_step, rules.frame_offset, rules.size_multiple) == (1, 0, 8)
