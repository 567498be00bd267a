"""Train the course's miniature cascade (``data/cascade``) stage by stage on the shared loop.

    python -m helpers.train_cascade --out data/cascade                          # all three stages
    python -m helpers.train_cascade --out data/cascade --stages spatial_sr      # one stage (needs base/)
    python -m helpers.train_cascade --out data/cascade --ablation               # + temporal SR without augmentation
    python -m helpers.train_cascade --out data/cascade --stages spatial_sr --continue   # train a saved stage longer

Steps: 1. the base stage and the text encoder are trained together on captions of the 40 training
combinations (never the held-out ones); 2. the text encoder is frozen and shared; 3. each
super-resolution stage is trained on (lower-resolution true clip, its full clip) pairs, the
conditioning clip noised with a random sigma (noise conditioning augmentation); 4. every stage is
saved with ``save_pretrained`` as soon as it is done, with its figures in ``summary.json``, and the
model card ``README.md`` is written from them. Clips are rendered on the fly (seeded per step).
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import torch

from .cascade_stage import STAGES, CascadeStage, StageConfig, build_stage, default_stages, forward_flops, load_stage, load_text, save_stage, save_text, stage_targets
from .denoisers import num_params
from .latent_diffusion import drop_captions, sample_timesteps
from .shapes import TRAIN_COMBOS, make_batch
from .text_encoder import TextEncoderConfig, build_text_encoder, build_tokenizer, tokenize
from .trainer import TrainConfig, train

ABLATION = "temporal_sr_noaug"  # the temporal SR stage trained without noise augmentation


@dataclass
class CascadeTrainConfig:
    """Everything that defines the shipped cascade and how each stage is trained."""

    text: TextEncoderConfig = field(default_factory=TextEncoderConfig)
    stages: dict[str, StageConfig] = field(default_factory=default_stages)
    train: dict[str, TrainConfig] = field(default_factory=lambda: {
        "base": TrainConfig(steps=1500, lr=1e-3, warmup_steps=50, ema_decay=0.995, log_every=10, time_limit_s=330),
        "temporal_sr": TrainConfig(steps=600, lr=1e-3, warmup_steps=30, ema_decay=0.99, log_every=5, time_limit_s=120),
        "spatial_sr": TrainConfig(steps=600, lr=1e-3, warmup_steps=30, ema_decay=0.99, log_every=5, time_limit_s=150),
    })
    # the base stage first trains every clip at pure noise (t = T-1) with a high learning rate, until the
    # direction word is used (the lesson of notebook 04); None: skip
    base_pure_noise: TrainConfig | None = field(default_factory=lambda: TrainConfig(
        steps=4000, lr=3e-3, warmup_steps=50, final_lr_share=1.0, ema_decay=None, log_every=50))
    base_high_noise_share: float = 0.25  # share of each later base batch still at pure noise
    batch_size: int = 16
    seed: int = 0

    def __post_init__(self) -> None:
        if set(self.stages) != set(STAGES) or set(self.train) != set(STAGES):
            raise ValueError(f"stages and train need exactly the keys {STAGES}, got {sorted(self.stages)}, {sorted(self.train)}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")


def make_batch_fn(name: str, cfg: StageConfig, tokenizer, batch_size: int, seed: int, high_noise_share: float = 0.0):
    """``batch_fn(step)``: freshly rendered training clips for stage ``name``, its targets, noise and conditioning noise.

    ``high_noise_share`` of the timesteps sit at pure noise (1.0 for the base stage's first phase).
    """
    empty = tokenize(tokenizer, [""])[0]  # (L,)
    lower = {"temporal_sr": "base", "spatial_sr": "temporal_sr"}.get(name.replace("_noaug", ""))

    def batch_fn(step: int) -> dict:
        gen = torch.Generator("cpu").manual_seed(seed * 1_000_003 + step)
        combos = [TRAIN_COMBOS[i] for i in torch.randint(0, len(TRAIN_COMBOS), (batch_size,), generator=gen).tolist()]
        targets = stage_targets(make_batch(combos, seed=seed * 1_000_003 + step * batch_size))  # each (B, 3, F, H, W)
        x0 = targets[name.replace("_noaug", "")]
        ids = drop_captions(tokenize(tokenizer, [c.caption for c in combos]), empty, cfg.caption_dropout, gen)  # (B, L)
        batch = {"x0": x0, "input_ids": ids, "t": sample_timesteps(batch_size, 1000, gen, high_noise_share),
                 "noise": torch.randn(x0.shape, generator=gen)}  # (B, 3, F, H, W)
        if lower is not None:
            batch["cond"] = targets[lower]  # (B, 3, f, h, w)
            batch["sigma"] = torch.rand(batch_size, generator=gen) * cfg.max_aug_sigma  # (B,)
            batch["cond_noise"] = torch.randn((batch_size, 3, cfg.num_frames, cfg.size, cfg.size), generator=gen)
        return batch

    return batch_fn


def stage_loss(stage: CascadeStage, batch: dict) -> tuple[torch.Tensor, dict[str, float]]:
    """The trainer's loss: mean v-prediction MSE over the batch."""
    return stage(batch).mean(), {}


def train_stage(name: str, stage: CascadeStage, train_cfg: TrainConfig, batch_size: int, seed: int,
                pure_noise: TrainConfig | None = None, high_noise_share: float = 0.0) -> dict:
    """Train one stage in place (EMA weights copied in at the end), after an optional pure-noise phase; returns its figures."""
    started = time.monotonic()
    phases = [(pure_noise, 1.0, "pure_noise")] if pure_noise is not None else []
    clips, history, pure_steps = 0, [], 0
    for phase, share, label in [*phases, (train_cfg, high_noise_share, "main")]:
        result = train(stage, stage_loss, make_batch_fn(name, stage.cfg, stage.tokenizer, batch_size, seed, share), phase)
        if result.ema is not None:
            result.ema.copy_to(stage)
        clips += result.steps_done * batch_size
        pure_steps += result.steps_done if label == "pure_noise" else 0
        history += [{"phase": label, **row} for row in result.history]
    stage.eval()
    steps = clips // batch_size
    fwd = forward_flops(stage)
    return {
        "steps": steps, "pure_noise_steps": pure_steps, "batch_size": batch_size, "clips_seen": clips, "train_s": round(time.monotonic() - started, 1),
        "unet_params": num_params(stage.unet), "forward_gflops_per_clip": round(fwd / 1e9, 4),
        "train_flops": 3 * fwd * clips,  # forward + backward ~ 3x a forward pass
        "first_loss": history[0]["loss"] if history else float("nan"),
        "final_loss": history[-1]["loss"] if history else float("nan"),
        "history": [{k: v if isinstance(v, str) else round(v, 5) for k, v in row.items()} for row in history],
    }


def continue_figures(before: dict, figures: dict) -> dict:
    """One stage's figures after a continuation: steps, clips, time and compute add up, the history goes on."""
    offset = before["steps"]
    history = before["history"] + [{**row, "phase": "continued", "step": row["step"] + offset} for row in figures["history"]]
    added = {k: before[k] + figures[k] for k in ("steps", "pure_noise_steps", "clips_seen", "train_s", "train_flops")}
    return {**figures, **added, "first_loss": before["first_loss"], "history": history,
            "continued": before.get("continued", []) + [{"from_step": offset, "steps": figures["steps"], "train_s": figures["train_s"]}]}


def run(cfg: CascadeTrainConfig, out: str | Path, stages: tuple[str, ...] = STAGES, work_dir: str | Path | None = None,
        progress: bool = True, continue_saved: bool = False) -> dict:
    """Train the named stages in order (steps 1-4 of the module docstring); returns ``summary.json``'s content.

    ``continue_saved``: start each stage from its weights saved in ``out`` (a continuation: its steps,
    time and compute add to those in ``summary.json``).
    """
    out = Path(out)
    summary_path = out / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else {"stages": {}}
    summary.update(machine=f"{platform.machine()}, {torch.get_num_threads()} torch threads, {platform.processor() or 'cpu'}",
                   device="cuda" if torch.cuda.is_available() else "cpu", text=asdict(cfg.text), batch_size=cfg.batch_size)
    if continue_saved:  # fail before any loading: every stage to continue must be saved with its figures
        missing = [n for n in stages if n not in summary["stages"] or not (out / ("ablation" if n == ABLATION else "") / n / "unet").is_dir()]
        if missing:
            raise ValueError(f"continue_saved: no saved stage {missing[0]!r} in {out} to continue from (saved: {sorted(summary['stages'])})")
    # 1-2. the text encoder: trained with the base stage, else loaded frozen from out/base
    if "base" in stages and not continue_saved:
        tokenizer = build_tokenizer(max_length=cfg.text.max_length)
        text_encoder = build_text_encoder(cfg.text, tokenizer)
    else:
        text_encoder, tokenizer = load_text(out)
        if "base" in stages:  # a base continuation trains its text encoder on
            text_encoder.train().requires_grad_(True)
    for name in stages:
        stage_cfg = cfg.stages[name.replace("_noaug", "")]
        if name == ABLATION:
            stage_cfg = replace(stage_cfg, max_aug_sigma=0.0, sample_aug_sigma=0.0)
        folder = out / ("ablation" if name == ABLATION else "") / name
        before = summary["stages"].get(name) if continue_saved else None
        if continue_saved:
            stage = load_stage(folder, text_encoder, tokenizer)  # its saved config and weights
            stage_cfg = stage.cfg
        else:
            stage = build_stage(stage_cfg, text_encoder, tokenizer)
        train_cfg = replace(cfg.train[name.replace("_noaug", "")], seed=cfg.seed, progress=progress,
                            checkpoint_dir=str(Path(work_dir) / name) if work_dir else None)
        if name == ABLATION and "temporal_sr" in summary["stages"]:  # exactly as many steps as the augmented stage got
            done = before["steps"] if before else 0
            train_cfg = replace(train_cfg, steps=max(1, summary["stages"]["temporal_sr"]["steps"] - done), time_limit_s=None)
        print(f"training {name}: {num_params(stage.unet):,} parameters", flush=True)
        pure_noise = None
        if name == "base" and cfg.base_pure_noise is not None and before is None:
            pure_noise = replace(cfg.base_pure_noise, seed=cfg.seed, progress=progress,
                                 checkpoint_dir=str(Path(work_dir) / "base_pure_noise") if work_dir else None)
        share = cfg.base_high_noise_share if name == "base" else 0.0
        figures = train_stage(name, stage, train_cfg, cfg.batch_size, cfg.seed, pure_noise, share)
        if before is not None:
            figures = continue_figures(before, figures)
        # 3-4. freeze the text encoder after the base stage; save as soon as a stage is done
        if name == "base":
            text_encoder.eval().requires_grad_(False)
            save_text(stage, out)
            figures["text_encoder_params"] = num_params(text_encoder)
        save_stage(stage, folder)
        summary["stages"][name] = {"config": asdict(stage_cfg), "train": asdict(train_cfg) | {"checkpoint_dir": None},
                                   "pure_noise": asdict(pure_noise) | {"checkpoint_dir": None} if pure_noise else None, **figures}
        out.mkdir(parents=True, exist_ok=True)
        summary_path.write_text(json.dumps(summary, indent=1))
        write_model_card(out, summary)
        print(f"{name}: loss {figures['first_loss']:.4f} -> {figures['final_loss']:.4f} in {figures['train_s']} s", flush=True)
    return summary


def load_ablation(out: str | Path) -> CascadeStage:
    """The temporal SR stage trained without noise augmentation (``out/ablation/temporal_sr_noaug``)."""
    text_encoder, tokenizer = load_text(out)
    return load_stage(Path(out) / "ablation" / ABLATION, text_encoder, tokenizer)


def write_model_card(out: str | Path, summary: dict) -> Path:
    """``out/README.md``: what the cascade is, how it was trained, the figures of every stage."""
    rows = []
    for name, s in summary["stages"].items():
        c = s["config"]
        rows.append(f"| {name} | {c['num_frames']}x{c['size']}x{c['size']} | {s['unet_params']:,} | {s['steps']} x {s['batch_size']} "
                    f"| {s['train_s']:.0f} | {s['forward_gflops_per_clip']:.3f} | {s['train_flops'] / 1e12:.1f} | {s['first_loss']:.4f} -> {s['final_loss']:.4f} "
                    f"| {c['max_aug_sigma']} |")
    extra = "".join(f"\n{k}: {v}\n" for k, v in summary.get("notes", {}).items())
    pure_steps = summary["stages"].get("base", {}).get("pure_noise_steps", 0)
    text = f"""# A miniature Imagen Video cascade (course notebook 05)

Three pixel-space video diffusion models (v-prediction, DDIM with a zero-terminal-SNR cosine
schedule) that turn a caption of the moving-shapes world into a 16 x 32 x 32 clip: **base** (a
diffusers `CogVideoXTransformer3DModel` on pixels, 4x4-pixel patches, 8 frames at 16x16, text only;
trained first at pure noise only, then at every noise level, the recipe of `data/tiny-t2v`) ->
**temporal_sr** (a `UNet3DConditionModel`, 16 frames at 16x16,
conditioned on the base clip with frames repeated) -> **spatial_sr** (16 frames at 32x32,
conditioned on the temporal clip resized bilinearly). The SR stages take the upsampled clip as 3
extra input channels plus one channel holding the conditioning noise sigma (noise conditioning
augmentation, sigma ~ U(0, max) in training, fixed at sampling). One 2-layer CLIP text encoder is
trained with the base stage and then frozen and shared. `ablation/temporal_sr_noaug` is the
temporal SR stage trained the same way but without augmentation (notebook 05 compares them).

Load: `helpers.cascade.Cascade.from_pretrained("data/cascade")`; each stage's `unet/` also loads
alone (`CogVideoXTransformer3DModel.from_pretrained` for the base, `UNet3DConditionModel` for the SR stages).

## Training data

Clips rendered on the fly from the 40 training combinations of `helpers.shapes` (the held-out
combinations of `helpers.shapes.HELD_OUT` are never trained on); each stage's target is derived
from the same 16x32x32 clip (every other frame, 2x2 means).

## Training

Default command: `python -m helpers.train_cascade --out data/cascade --ablation` (the shipped stages' own
commands, if they differ, are under "Commands" below; run under
`flock /tmp/course-train.lock nice -n 5` on a shared machine). Machine: {summary['machine']}, device {summary['device']}.
AdamW, warm-up then cosine decay, EMA, each stage stopped by its time limit (batch sizes in the table).
The base stage's steps include its pure-noise phase ({pure_steps:,} steps at t = 999, lr 3e-3, no EMA).

| stage | output F x H x W | denoiser parameters | steps x batch | train s | forward GFLOP / clip | train TFLOP (3 x fwd x clips) | loss first -> last | max aug sigma |
|---|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}
{extra}"""
    path = Path(out) / "README.md"
    path.write_text(text)
    return path


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python -m helpers.train_cascade --out DIR [--stages ...] [--ablation] [--scale S]``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="data/cascade")
    parser.add_argument("--stages", nargs="+", default=list(STAGES), choices=[*STAGES, ABLATION])
    parser.add_argument("--ablation", action="store_true", help=f"also train {ABLATION}")
    parser.add_argument("--time-scale", type=float, default=1.0, help="multiply every stage's time limit (e.g. 10 on a GPU)")
    parser.add_argument("--step-scale", type=float, default=1.0, help="multiply every stage's step budget (a time limit still stops it)")
    parser.add_argument("--work", default="runs/cascade", help="checkpoints (resume from here)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (1 is steadier on a busy shared CPU)")
    parser.add_argument("--batch-size", type=int, default=None, help="clips per step (default: CascadeTrainConfig's)")
    parser.add_argument("--continue", dest="continue_saved", action="store_true",
                        help="start each stage from its saved weights in --out and add to its figures")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    cfg = CascadeTrainConfig() if args.batch_size is None else CascadeTrainConfig(batch_size=args.batch_size)
    for train_cfg in cfg.train.values():  # (the base stage's pure-noise phase is a fixed number of steps)
        train_cfg.time_limit_s = train_cfg.time_limit_s * args.time_scale if train_cfg.time_limit_s else None
        train_cfg.steps = max(1, round(train_cfg.steps * args.step_scale))
    stages = tuple(args.stages) + ((ABLATION,) if args.ablation and ABLATION not in args.stages else ())
    run(cfg, args.out, stages, args.work, continue_saved=args.continue_saved)


if __name__ == "__main__":
    main()
