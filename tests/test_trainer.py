"""The shared training loop: loss falls, EMA, checkpoints, resume, time limit, loud failures."""

import pytest
import torch
from torch import nn

from helpers.trainer import EMA, TrainConfig, checkpoint_path, lr_at, train


def regression_problem():
    torch.manual_seed(0)
    model = nn.Linear(4, 1)
    w = torch.tensor([[1.0, -2.0, 0.5, 3.0]])

    def batch_fn(step):
        x = torch.randn(32, 4, generator=torch.Generator().manual_seed(step))
        return {"x": x, "y": x @ w.T}

    def loss_fn(m, batch):
        return ((m(batch["x"]) - batch["y"]) ** 2).mean(), {"extra": 1.0}

    return model, loss_fn, batch_fn


def test_loss_falls_and_history_is_logged():
    model, loss_fn, batch_fn = regression_problem()
    result = train(model, loss_fn, batch_fn, TrainConfig(steps=200, lr=0.05, warmup_steps=5, log_every=50, progress=False))
    losses = [row["loss"] for row in result.history]
    assert [row["step"] for row in result.history] == [50, 100, 150, 200]
    assert losses[-1] < 0.05 * losses[0]
    assert result.history[0]["extra"] == 1.0 and result.ema is not None


def test_resume_continues_exactly_from_the_checkpoint(tmp_path):
    model, loss_fn, batch_fn = regression_problem()
    full = train(model, loss_fn, batch_fn, TrainConfig(steps=40, lr=0.05, log_every=10, progress=False, ema_decay=None))
    model2, _, _ = regression_problem()
    cfg = TrainConfig(steps=20, lr=0.05, log_every=10, progress=False, ema_decay=None, checkpoint_dir=str(tmp_path))
    train(model2, loss_fn, batch_fn, cfg)
    assert checkpoint_path(tmp_path).exists()
    model3, _, _ = regression_problem()
    cfg2 = TrainConfig(steps=40, lr=0.05, log_every=10, progress=False, ema_decay=None, checkpoint_dir=str(tmp_path))
    resumed = train(model3, loss_fn, batch_fn, cfg2)
    assert resumed.resumed_from == 20
    assert [r["step"] for r in resumed.history] == [10, 20, 30, 40]
    # the cosine schedule depends on total steps, so only the resumed part is compared in trend
    assert resumed.history[-1]["loss"] < resumed.history[0]["loss"]
    assert full.history[-1]["step"] == resumed.history[-1]["step"]


def test_time_limit_stops_early_and_lr_schedule():
    model, loss_fn, batch_fn = regression_problem()
    result = train(model, loss_fn, batch_fn, TrainConfig(steps=10_000, lr=0.01, progress=False, time_limit_s=0.2))
    assert result.steps_done < 10_000
    cfg = TrainConfig(steps=100, lr=1.0, warmup_steps=10, final_lr_share=0.1)
    assert lr_at(0, cfg) == pytest.approx(0.1) and lr_at(10, cfg) == pytest.approx(1.0)
    assert lr_at(100, cfg) == pytest.approx(0.1) and lr_at(20, cfg, time_share=1.0) == pytest.approx(0.1)


def test_ema_averages_and_copies():
    model = nn.Linear(2, 1)
    ema = EMA(model, 0.5)
    with torch.no_grad():
        model.weight.add_(1.0)
    before = ema.shadow["weight"].clone()
    ema.update(model, step=100)
    torch.testing.assert_close(ema.shadow["weight"], before + 0.5)
    clone = ema.averaged(model)
    torch.testing.assert_close(clone.weight, before + 0.5)


def test_config_and_loss_fail_loudly():
    with pytest.raises(ValueError, match="steps"):
        TrainConfig(steps=0)
    with pytest.raises(ValueError, match="ema_decay"):
        TrainConfig(ema_decay=1.5)
    model = nn.Linear(1, 1)
    with pytest.raises(FloatingPointError, match="lower lr"):
        train(model, lambda m, b: (m(b).sum() * float("nan"), {}), lambda s: torch.ones(1, 1), TrainConfig(steps=2, progress=False))
