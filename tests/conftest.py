"""Shared test set-up: offline, quick mode, Agg plots, and a throwaway progress file for every test."""

import os
import sys
from pathlib import Path

import pytest

# The repository root, so tests can import `scripts` as well as the installed `helpers`.
REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

# Set before any test module imports torch/diffusers/transformers/matplotlib.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["COURSE_QUICK"] = "1"
os.environ["MPLBACKEND"] = "Agg"


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes seconds (a server or a browser); runs by default, skip with -m 'not slow'")


@pytest.fixture(autouse=True)
def progress_file(tmp_path, monkeypatch):
    """Every test writes progress to its own temp file, never to the learner's home."""
    path = tmp_path / "progress" / "progress.json"
    monkeypatch.setenv("COURSE_PROGRESS_FILE", str(path))
    return path


@pytest.fixture(scope="session")
def tiny_t2v():
    """The shipped ``data/tiny-t2v`` pipeline, loaded once, progress bars off."""
    from diffusers import DiffusionPipeline

    from helpers.runtime import DATA_DIR

    pipe = DiffusionPipeline.from_pretrained(DATA_DIR / "tiny-t2v")
    pipe.set_progress_bar_config(disable=True)
    return pipe


@pytest.fixture()
def micro_denoiser():
    """A seeded micro CogVideoX bundle (:class:`helpers.latent_diffusion.TextToVideoDenoiser`) on 4 x 16 x 8 x 8 latents."""
    import torch

    from helpers.autoencoder import VAEConfig
    from helpers.text_encoder import TextEncoderConfig
    from helpers.train_t2v import COGVIDEOX_TEXT_LENGTH, DiTConfig, T2VConfig, build_denoiser

    torch.manual_seed(0)
    return build_denoiser(T2VConfig(
        vae=VAEConfig(block_out_channels=(8, 8, 8), latent_channels=4, norm_num_groups=4),
        dit=DiTConfig(num_layers=1, attention_heads=2, head_dim=8, time_embed_dim=16),
        text=TextEncoderConfig(hidden_size=16, num_layers=1, num_heads=2, max_length=COGVIDEOX_TEXT_LENGTH, kind="t5"),
    ))


@pytest.fixture()
def fit_on_batch():
    """``fit(loss_fn, model, batch, steps, lr, log)``: Adam on the model's trainable parameters, one fixed batch; returns the
    logged value ``log`` at the first and the last step."""
    import torch

    def fit(loss_fn, model, batch, steps: int, lr: float, log: str) -> tuple[float, float]:
        optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
        first = None
        for _ in range(steps):
            loss, logs = loss_fn(model, batch)
            first = logs[log] if first is None else first
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return first, logs[log]

    return fit
