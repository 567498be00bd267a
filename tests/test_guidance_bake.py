"""helpers.guidance_bake: distil a model so that the pipeline's default guidance samples as another scale would."""

import copy

import pytest
import torch

from helpers.guidance_bake import PIPELINE_GUIDANCE, baked_guidance_loss, baked_targets
from helpers.text_encoder import tokenize


@pytest.fixture()
def batch(micro_denoiser):
    gen = torch.Generator().manual_seed(1)
    latents = torch.randn(3, 4, 16, 8, 8, generator=gen)
    ids = tokenize(micro_denoiser.tokenizer, ["a red circle moving left", "a blue square moving up", ""])  # the last caption dropped
    return {"latents": latents, "noise": torch.randn(latents.shape, generator=gen), "t": torch.tensor([900, 500, 700]), "input_ids": ids}


def test_the_targets_make_the_default_guidance_equal_the_chosen_one(micro_denoiser, batch):
    teacher, zt, t, ids = micro_denoiser, batch["latents"], batch["t"], batch["input_ids"]
    targets = baked_targets(teacher, zt, t, ids, guidance=2.0)
    with torch.no_grad():
        cond = teacher.predict(zt, t, ids)
        uncond = teacher.predict(zt, t, teacher.empty_ids()[None].expand(3, -1))
    torch.testing.assert_close(targets[2], uncond[2])  # a dropped caption: the unconditional branch is left as it was
    torch.testing.assert_close(uncond[:2] + PIPELINE_GUIDANCE * (targets[:2] - uncond[:2]), uncond[:2] + 2.0 * (cond[:2] - uncond[:2]))
    assert PIPELINE_GUIDANCE == 6.0  # CogVideoXPipeline's default guidance_scale (tests/test_tiny_t2v.py checks the pipeline's)


def test_the_student_learns_the_shrunk_caption_branch(tiny_t2v, fit_on_batch):
    from helpers.latent_diffusion import TextToVideoDenoiser

    student = copy.deepcopy(TextToVideoDenoiser.from_pipeline(tiny_t2v))  # a trained model, whose caption matters
    gen = torch.Generator().manual_seed(1)
    latents = torch.randn(3, 8, 16, 8, 8, generator=gen)
    ids = tokenize(student.tokenizer, ["a red circle moving left", "a blue square moving up", ""])
    batch = {"latents": latents, "noise": torch.randn(latents.shape, generator=gen), "t": torch.tensor([900, 500, 700]), "input_ids": ids}
    loss_fn = baked_guidance_loss(copy.deepcopy(student), guidance=2.0)
    student.text_encoder.requires_grad_(False)
    first, last = fit_on_batch(loss_fn, student, batch, steps=30, lr=1e-3, log="baked")
    assert first > 0 and last < 0.5 * first  # a student that starts as its teacher is off by (1 - 2/6) (c - u)
    with pytest.raises(ValueError, match="must be > 0"):
        baked_guidance_loss(student, guidance=0.0)
