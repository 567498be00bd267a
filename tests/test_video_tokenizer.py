"""helpers.video_tokenizer: shapes, EMA codebook, dead-code restarts, usage, loss falls, save/reload (micro configs)."""

import math

import pytest
import torch

from helpers.shapes import TRAIN_COMBOS, make_batch
from helpers.trainer import TrainConfig, train
from helpers.video_tokenizer import (
    EMAQuantizer,
    VideoTokenizer,
    VideoTokenizerConfig,
    codebook_usage,
    load_tokenizer,
    save_tokenizer,
    vq_loss,
)

MICRO = dict(channels=(8,), time_strides=(2,), embed_dim=4, codebook_size=16)


def micro_clips(n: int = 4, seed: int = 0) -> torch.Tensor:
    return make_batch(TRAIN_COMBOS[:n], seed=seed, num_frames=4, size=16)  # (n, 3, 4, 16, 16)


def test_shapes_and_grid():
    torch.manual_seed(0)
    model = VideoTokenizer(VideoTokenizerConfig(**MICRO))
    video = micro_clips(2)
    out = model(video)
    assert out.reconstruction.shape == video.shape
    assert out.indices.shape == (2, 2, 8, 8) and out.indices.dtype == torch.long
    assert model.config.grid(4, 16, 16) == (2, 8, 8)
    model.eval()
    ids = model.encode(video)
    assert ids.shape == (2, 2, 8, 8) and int(ids.max()) < 16
    assert model.decode(ids).shape == video.shape and float(model.decode(ids).abs().max()) <= 1


def test_default_config_gives_a_4x8x8_grid():
    cfg = VideoTokenizerConfig()
    assert cfg.grid(16, 32, 32) == (4, 8, 8)
    assert VideoTokenizer(cfg).encode(make_batch(TRAIN_COMBOS[:1])).shape == (1, 4, 8, 8)


def test_space_only_stage():
    cfg = VideoTokenizerConfig(channels=(4, 4), time_strides=(1, 2), embed_dim=4, codebook_size=8)
    assert cfg.grid(4, 16, 16) == (2, 4, 4)
    out = VideoTokenizer(cfg)(micro_clips(1))
    assert out.reconstruction.shape == (1, 3, 4, 16, 16) and out.indices.shape == (1, 2, 4, 4)


@pytest.mark.parametrize("bad", [dict(channels=(8, 8), time_strides=(2,)), dict(time_strides=(3, 2)), dict(codebook_size=1), dict(decay=1.0)])
def test_config_rejects_bad_values(bad):
    with pytest.raises(ValueError):
        VideoTokenizerConfig(**bad)


def test_rejects_clips_the_factors_do_not_divide():
    model = VideoTokenizer(VideoTokenizerConfig(**MICRO))
    with pytest.raises(ValueError, match="not divisible"):
        model(torch.zeros(1, 3, 5, 16, 16))
    with pytest.raises(ValueError, match="expected a clip"):
        model(torch.zeros(3, 4, 16, 16))
    with pytest.raises(ValueError, match="token ids"):
        model.decode(torch.full((1, 2, 8, 8), 16))


def test_codebook_usage_extremes():
    uniform = codebook_usage(torch.arange(16).repeat(3), 16)
    assert uniform["perplexity"] == pytest.approx(16) and uniform["used_share"] == 1
    one = codebook_usage(torch.zeros(50, dtype=torch.long), 16)
    assert one["perplexity"] == pytest.approx(1) and one["used_share"] == 1 / 16


def _quantizer(k: int, decay: float = 0.5) -> EMAQuantizer:
    return EMAQuantizer(VideoTokenizerConfig(embed_dim=2, codebook_size=k, decay=decay)).train()


def _as_z(points: torch.Tensor) -> torch.Tensor:
    return points.T.reshape(1, 2, 1, 1, -1)  # (1, D, 1, 1, N): N latent voxels


def test_ema_moves_codes_to_the_mean_of_their_vectors():
    torch.manual_seed(0)
    q = _quantizer(2, decay=0.5)
    centres = torch.tensor([[5.0, 5.0], [-5.0, -5.0]])
    for step in range(40):
        points = centres.repeat_interleave(50, 0) + 0.3 * torch.randn(100, 2)
        q(_as_z(points))
    codes = q.codebook[q.codebook[:, 0].argsort(descending=True)]
    torch.testing.assert_close(codes, centres, atol=0.15, rtol=0)
    assert int(q.restarts) == 0, "both codes are used every step: none should restart"


def test_dead_codes_restart_on_encoder_outputs():
    torch.manual_seed(0)
    q = _quantizer(8, decay=0.5)
    q.initialised.fill_(True)
    q.codebook.copy_(torch.linspace(100, 107, 8)[:, None].repeat(1, 2))  # far from the data: one code wins, 7 starve
    q.embed_sum.copy_(q.codebook)
    points = torch.randn(64, 2)
    _, indices, _ = q(_as_z(points))
    assert int(q.restarts) == 7
    distances = torch.cdist(q.codebook, points).min(1).values  # the 7 restarted codes sit on data points (cdist is approximate)
    assert int((distances < 1e-2).sum()) >= 7
    assert len(indices.unique()) > 1, "after restarts the batch spreads over several codes"


def test_straight_through_gradient_reaches_the_encoder():
    model = VideoTokenizer(VideoTokenizerConfig(**MICRO))
    loss, logs = vq_loss(model, micro_clips(2))
    loss.backward()
    first = model.encoder.net[0].weight.grad
    assert first is not None and float(first.abs().sum()) > 0
    assert {"recon", "commit", "perplexity", "used_share"} <= set(logs)


def test_loss_falls_with_the_shared_trainer():
    torch.manual_seed(0)
    model = VideoTokenizer(VideoTokenizerConfig(**MICRO))
    clips = micro_clips(8)
    cfg = TrainConfig(steps=60, lr=3e-3, warmup_steps=5, ema_decay=None, log_every=10, progress=False)
    result = train(model, vq_loss, lambda step: clips, cfg)
    first, last = result.history[0]["recon"], result.history[-1]["recon"]
    assert last < 0.5 * first, (first, last)
    assert math.isfinite(last)


def test_save_and_reload(tmp_path):
    torch.manual_seed(0)
    model = VideoTokenizer(VideoTokenizerConfig(**MICRO))
    model(micro_clips(2))  # initialise the codebook from data
    model.eval()
    path = save_tokenizer(model, tmp_path / "tok.safetensors")
    again = load_tokenizer(path)
    assert again.config == model.config
    video = micro_clips(2, seed=5)
    assert torch.equal(again.encode(video), model.encode(video))
    torch.testing.assert_close(again.decode(model.encode(video)), model.decode(model.encode(video)))
    with pytest.raises(FileNotFoundError, match="train_video_tokens"):
        load_tokenizer(tmp_path / "missing.safetensors")
