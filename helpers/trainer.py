"""One training loop for every model of the course (tiny T2V, cascade stages, video-token prior).

The loop knows nothing about the model: it gets a module holding every trainable part, a
``loss_fn(module, batch) -> (loss, logs)`` and a ``batch_fn(step) -> batch`` that draws the batch of
a given step deterministically (so a resumed run sees exactly the batches it would have seen).
It runs on :mod:`accelerate` (CPU, one GPU or several with ``accelerate launch``), shows a tqdm
bar, keeps an exponential moving average (EMA) of the weights if asked, writes a checkpoint every
``checkpoint_every_s`` seconds (atomically: an interrupted write never corrupts the last one) and
resumes from it::

    result = train(model, loss_fn, batch_fn, TrainConfig(steps=2000, checkpoint_dir="runs/t2v"))
    result.ema.copy_to(model)          # use the averaged weights for sampling
"""

from __future__ import annotations

import copy
import math
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import torch
from torch import nn
from tqdm.auto import tqdm

LossFn = Callable[[nn.Module, Any], "tuple[torch.Tensor, dict[str, float]]"]
BatchFn = Callable[[int], Any]


@dataclass
class TrainConfig:
    """Optimisation and bookkeeping of one run (model-agnostic)."""

    steps: int = 1000
    lr: float = 1e-3
    weight_decay: float = 0.0
    warmup_steps: int = 50
    final_lr_share: float = 0.1  # cosine decay from lr to lr * final_lr_share
    grad_clip: float = 1.0
    ema_decay: float | None = 0.99  # None: no EMA
    checkpoint_dir: str | None = None  # None: no checkpoints, no resume
    checkpoint_every_s: float = 180.0
    log_every: int = 10
    seed: int = 0
    mixed_precision: str = "no"  # "no", "fp16" or "bf16" (accelerate)
    cpu: bool = False  # force the CPU even when a GPU is present
    time_limit_s: float | None = None  # stop early (keeping the cosine schedule of `steps`) after this long
    progress: bool = True

    def __post_init__(self) -> None:
        if self.steps < 1:
            raise ValueError(f"steps must be >= 1, got {self.steps}")
        if not self.lr > 0:
            raise ValueError(f"lr must be > 0, got {self.lr}")
        if self.ema_decay is not None and not 0 < self.ema_decay < 1:
            raise ValueError(f"ema_decay must be in (0, 1) or None, got {self.ema_decay}")
        if not 0 <= self.final_lr_share <= 1:
            raise ValueError(f"final_lr_share must be in [0, 1], got {self.final_lr_share}")
        if self.mixed_precision not in ("no", "fp16", "bf16"):
            raise ValueError(f"mixed_precision must be 'no', 'fp16' or 'bf16', got {self.mixed_precision!r}")


class EMA:
    """Exponential moving average of a module's floating-point parameters and buffers."""

    def __init__(self, module: nn.Module, decay: float) -> None:
        self.decay = decay
        self.shadow = {k: v.detach().clone() for k, v in module.state_dict().items() if v.is_floating_point()}

    @torch.no_grad()
    def update(self, module: nn.Module, step: int) -> None:
        """Blend in the current weights; the decay warms up as ``min(decay, (1 + step) / (10 + step))``."""
        decay = min(self.decay, (1 + step) / (10 + step))
        for name, value in module.state_dict().items():
            if name in self.shadow:
                self.shadow[name].lerp_(value.detach().to(self.shadow[name].dtype), 1 - decay)

    @torch.no_grad()
    def copy_to(self, module: nn.Module) -> None:
        """Load the averaged weights into ``module`` (in place)."""
        state = module.state_dict()
        for name, value in self.shadow.items():
            state[name].copy_(value)

    def averaged(self, module: nn.Module) -> nn.Module:
        """A deep copy of ``module`` holding the averaged weights (``module`` is untouched)."""
        clone = copy.deepcopy(module)
        self.copy_to(clone)
        return clone

    def state_dict(self) -> dict:
        return {"decay": self.decay, "shadow": self.shadow}

    def load_state_dict(self, state: dict) -> None:
        self.decay = state["decay"]
        self.shadow = {k: v.clone() for k, v in state["shadow"].items()}


@dataclass
class TrainResult:
    """What a run leaves behind: logged rows, the EMA (or None), steps done, wall time of this call."""

    history: list[dict[str, float]] = field(default_factory=list)
    ema: EMA | None = None
    steps_done: int = 0
    wall_s: float = 0.0
    resumed_from: int = 0


def lr_at(step: int, cfg: TrainConfig, time_share: float = 0.0) -> float:
    """Learning rate at ``step``: linear warm-up, then cosine decay to ``lr * final_lr_share``.

    With a time limit, the decay follows whichever is further along: steps or time (``time_share``
    of ``time_limit_s`` spent), so a time-limited run still ends at the low learning rate.
    """
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    progress = max((step - cfg.warmup_steps) / max(1, cfg.steps - cfg.warmup_steps), time_share)
    cosine = 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))
    return cfg.lr * (cfg.final_lr_share + (1 - cfg.final_lr_share) * cosine)


def _to_device(batch: Any, device: torch.device) -> Any:
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {k: _to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(_to_device(v, device) for v in batch)
    return batch


def checkpoint_path(checkpoint_dir: str | os.PathLike) -> Path:
    """Where :func:`train` keeps its one checkpoint inside ``checkpoint_dir``."""
    return Path(checkpoint_dir) / "checkpoint.pt"


def _save_checkpoint(path: Path, model: nn.Module, optimizer, ema: EMA | None, step: int, history: list, cfg: TrainConfig) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "ema": ema.state_dict() if ema is not None else None,
        "step": step,
        "history": history,
        "config": asdict(cfg),
    }
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)  # atomic: a crash mid-write leaves the previous checkpoint intact


def train(
    model: nn.Module,
    loss_fn: LossFn,
    batch_fn: BatchFn,
    cfg: TrainConfig,
    on_log: Callable[[int, dict[str, float]], None] | None = None,
) -> TrainResult:
    """Optimise ``model`` for ``cfg.steps`` steps (resuming from ``cfg.checkpoint_dir`` if it holds one).

    1. set up accelerate, AdamW and the EMA; 2. resume; 3. loop: batch, loss, backward, clip, step,
    EMA, log, checkpoint; 4. write a last checkpoint and return the history and EMA.
    """
    from accelerate import Accelerator

    # 1. set-up
    torch.manual_seed(cfg.seed)
    accelerator = Accelerator(mixed_precision=cfg.mixed_precision, cpu=cfg.cpu)
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("model has no trainable parameters")
    optimizer = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    ema = EMA(model, cfg.ema_decay) if cfg.ema_decay is not None else None
    history: list[dict[str, float]] = []
    start_step = 0

    # 2. resume (before accelerate wraps the model, so state-dict keys match)
    ckpt = checkpoint_path(cfg.checkpoint_dir) if cfg.checkpoint_dir else None
    if ckpt is not None and ckpt.exists():
        state = torch.load(ckpt, map_location="cpu", weights_only=False)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        if ema is not None and state["ema"] is not None:
            ema.load_state_dict(state["ema"])
        start_step, history = state["step"], state["history"]
    model, optimizer = accelerator.prepare(model, optimizer)
    if ema is not None:
        ema.shadow = {k: v.to(accelerator.device) for k, v in ema.shadow.items()}
    raw = accelerator.unwrap_model(model)

    # 3. the loop
    model.train()
    last_save, started = time.monotonic(), time.monotonic()
    bar = tqdm(range(start_step, cfg.steps), initial=start_step, total=cfg.steps, disable=not cfg.progress or not accelerator.is_main_process)
    running: dict[str, float] = {}
    end_step = cfg.steps
    for step in bar:
        time_share = (time.monotonic() - started) / cfg.time_limit_s if cfg.time_limit_s else 0.0
        lr = lr_at(step, cfg, time_share)
        for group in optimizer.param_groups:
            group["lr"] = lr
        batch = _to_device(batch_fn(step), accelerator.device)
        loss, logs = loss_fn(model, batch)
        if not torch.isfinite(loss):
            raise FloatingPointError(f"loss became {loss.item()} at step {step}; lower lr (now {cfg.lr})")
        optimizer.zero_grad(set_to_none=True)
        accelerator.backward(loss)
        if cfg.grad_clip:
            accelerator.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        optimizer.step()
        if ema is not None:
            ema.update(raw, step)
        for key, value in {"loss": loss.item(), **logs}.items():
            running[key] = running.get(key, 0.0) + float(value)
        if (step + 1) % cfg.log_every == 0 or step + 1 == cfg.steps:
            count = (step % cfg.log_every) + 1
            row = {"step": step + 1, "lr": lr, "time_s": time.monotonic() - started, **{k: v / count for k, v in running.items()}}
            history.append(row)
            running = {}
            bar.set_postfix(loss=f"{row['loss']:.4f}")
            if on_log is not None:
                on_log(step + 1, row)
        if cfg.time_limit_s is not None and time_share >= 1.0:
            end_step = step + 1
            break
        if ckpt is not None and time.monotonic() - last_save > cfg.checkpoint_every_s and accelerator.is_main_process:
            _save_checkpoint(ckpt, raw, optimizer, ema, step + 1, history, cfg)
            last_save = time.monotonic()

    # 4. last checkpoint
    bar.close()
    if ckpt is not None and accelerator.is_main_process and start_step < end_step:
        _save_checkpoint(ckpt, raw, optimizer, ema, end_step, history, cfg)
    model.eval()
    return TrainResult(history, ema, end_step, time.monotonic() - started, start_step)
