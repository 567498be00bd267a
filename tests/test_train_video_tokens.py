"""helpers.train_video_tokens: the whole recipe end to end with micro models, and its model card."""

import json

import torch

from helpers.shapes import HELD_OUT
from helpers.train_video_tokens import VideoTokensRecipe, run, tokenizer_batch_fn
from helpers.trainer import TrainConfig
from helpers.video_prior import VideoPriorConfig, load_prior
from helpers.video_tokenizer import VideoTokenizerConfig, load_tokenizer


def micro_recipe() -> VideoTokensRecipe:
    return VideoTokensRecipe(
        tokenizer=VideoTokenizerConfig(channels=(4, 4), embed_dim=4, codebook_size=16),
        prior=VideoPriorConfig(codebook_size=16, n_layer=1, n_head=2, n_embd=16),
        tokenizer_train=TrainConfig(steps=3, warmup_steps=1, ema_decay=None, log_every=1, progress=False),
        prior_train=TrainConfig(steps=3, warmup_steps=1, log_every=1, progress=False),
        tokenizer_batch=2, prior_batch=4, clips_per_combo=1, eval_per_combo=1,
    )


def test_batches_are_deterministic_and_never_held_out():
    fn = tokenizer_batch_fn(4, seed=0)
    assert torch.equal(fn(7), fn(7)) and not torch.equal(fn(7), fn(8))
    assert fn(0).shape == (4, 3, 16, 32, 32)


def test_run_writes_models_metrics_and_card(tmp_path):
    metrics = run(micro_recipe(), tmp_path / "out", tmp_path / "work", progress=False, command="pytest")
    out = tmp_path / "out"
    tokenizer, prior = load_tokenizer(out / "tokenizer.safetensors"), load_prior(out / "prior.safetensors")
    assert tokenizer.config.codebook_size == prior.config.codebook_size == 16
    assert metrics["grid"] == "4x8x8" and metrics["tokenizer_steps"] == metrics["prior_steps"] == 3
    assert 0 <= metrics["prior"]["held_out"]["all"] <= 1 and 1 <= metrics["tokenizer"]["perplexity"] <= 16
    card = (out / "README.md").read_text()
    assert "## Held-out combinations" in card and all(c.caption in card for c in HELD_OUT)
    assert "Command: `pytest`" in card
    assert json.loads((out / "metrics.json").read_text())["prior_params"] == metrics["prior_params"]
    assert (tmp_path / "work" / "prior" / "checkpoint.pt").exists()
