"""Train the course's miniature VideoGPT: the VQ-VAE tokenizer, then the caption-conditioned prior.

    python -m helpers.train_video_tokens --out data/video-tokens --work runs/video-tokens

1. train :class:`helpers.video_tokenizer.VideoTokenizer` on clips of the 40 training combinations
   (never :data:`helpers.shapes.HELD_OUT`), rendered on the fly, with the shared loop
   :func:`helpers.trainer.train` (no weight EMA: the codebook has its own);
2. measure it on fresh clips of all 48 combinations: reconstruction MSE, codebook perplexity and
   share used, and the world analyser's grades of the reconstructions;
3. encode ``clips_per_combo`` clips of every training combination into token grids;
4. train :class:`helpers.video_prior.VideoPrior` on (caption, token grid) pairs (weight EMA 0.99);
5. sample ``eval_per_combo`` clips per combination (training and held-out), grade them and measure
   their flicker; save both models as safetensors, ``metrics.json`` and the model card ``README.md``.

Each training stage has a time limit (the cosine schedule still ends at its low learning rate) and
checkpoints in ``--work``, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from .judge import grade_clips
from .metrics import flicker
from .runtime import DATA_DIR
from .shapes import ALL_COMBOS, HELD_OUT, TRAIN_COMBOS, make_batch
from .trainer import TrainConfig, train
from .video import tensor_to_clips
from .video_prior import VideoPrior, VideoPriorConfig, caption_ids, generate_clips, prior_loss, save_prior
from .video_tokenizer import VideoTokenizer, VideoTokenizerConfig, codebook_usage, save_tokenizer, vq_loss

DEFAULT_DIR = DATA_DIR / "video-tokens"
EVAL_SEED = 10_000_000  # evaluation clips never overlap training seeds


@dataclass
class VideoTokensRecipe:
    """Everything that defines a run."""

    tokenizer: VideoTokenizerConfig = field(default_factory=VideoTokenizerConfig)
    prior: VideoPriorConfig = field(default_factory=VideoPriorConfig)
    tokenizer_train: TrainConfig = field(
        default_factory=lambda: TrainConfig(steps=500, lr=3e-3, warmup_steps=20, ema_decay=None, log_every=20, time_limit_s=360, checkpoint_every_s=60)
    )
    prior_train: TrainConfig = field(
        default_factory=lambda: TrainConfig(steps=600, lr=3e-3, warmup_steps=30, ema_decay=0.99, log_every=20, time_limit_s=300, checkpoint_every_s=60, weight_decay=0.01)
    )
    tokenizer_batch: int = 8
    prior_batch: int = 16
    clips_per_combo: int = 60
    eval_per_combo: int = 2
    seed: int = 0


def tokenizer_batch_fn(batch: int, seed: int):
    """``batch_fn(step)``: ``batch`` fresh clips ``(B, 3, 16, 32, 32)`` of random training combinations."""

    def batch_fn(step: int) -> torch.Tensor:
        rng = np.random.default_rng([seed, step])
        combos = [TRAIN_COMBOS[i] for i in rng.integers(0, len(TRAIN_COMBOS), batch)]
        return make_batch(combos, seed=seed * 1_000_003 + step * batch)  # (B, 3, F, H, W)

    return batch_fn


@torch.no_grad()
def encode_clips(tokenizer: VideoTokenizer, combos, clips_per_combo: int, seed: int, chunk: int = 64) -> tuple[torch.Tensor, list[str]]:
    """Token grids ``(N, T, h, w)`` and captions of ``clips_per_combo`` clips of each combination."""
    captions = [c.caption for c in combos for _ in range(clips_per_combo)]
    grids = [tokenizer.encode(make_batch(captions[i : i + chunk], seed=seed + i)) for i in range(0, len(captions), chunk)]
    return torch.cat(grids), captions


def prior_batch_fn(words: torch.Tensor, tokens: torch.Tensor, batch: int, seed: int):
    """``batch_fn(step)``: a random minibatch ``{"captions": (B, 5), "tokens": (B, T, h, w)}``."""

    def batch_fn(step: int) -> dict[str, torch.Tensor]:
        picks = torch.randint(0, len(tokens), (batch,), generator=torch.Generator().manual_seed(seed * 7919 + step))
        return {"captions": words[picks], "tokens": tokens[picks]}

    return batch_fn


@torch.no_grad()
def evaluate_tokenizer(tokenizer: VideoTokenizer, per_combo: int = 2) -> dict:
    """Reconstruction MSE, codebook usage and analyser grades (originals vs reconstructions) on fresh clips of all 48 combinations."""
    captions = [c.caption for c in ALL_COMBOS for _ in range(per_combo)]
    video = make_batch(captions, seed=EVAL_SEED)  # (N, 3, F, H, W)
    ids = tokenizer.encode(video)  # (N, T, h, w)
    recon = tokenizer.decode(ids)  # (N, 3, F, H, W)
    return {
        "recon_mse": float(torch.mean((recon - video) ** 2)),
        **codebook_usage(ids, tokenizer.config.codebook_size),
        "grades_original": grade_clips(tensor_to_clips(video), captions),
        "grades_reconstruction": grade_clips(tensor_to_clips(recon), captions),
    }


def evaluate_prior(tokenizer: VideoTokenizer, prior: VideoPrior, per_combo: int = 2, seed: int = 0) -> dict:
    """Grades and flicker of sampled clips, training and held-out combinations; seconds per clip."""
    result = {}
    for name, combos in (("train", TRAIN_COMBOS), ("held_out", HELD_OUT)):
        captions = [c.caption for c in combos for _ in range(per_combo)]
        start = time.perf_counter()
        clips, _ = generate_clips(tokenizer, prior, captions, seed=seed, progress=False)
        result[f"sample_s_per_clip_{name}"] = (time.perf_counter() - start) / len(clips)
        result[name] = grade_clips(clips, captions)
        result[f"flicker_{name}"] = float(np.mean([flicker(c) for c in clips]))
    return result


def write_model_card(out: Path, recipe: VideoTokensRecipe, metrics: dict, command: str) -> Path:
    """The model card ``README.md``: data, held-out combinations, command, time, machine, figures."""
    tok, pri = metrics["tokenizer"], metrics["prior"]
    held = "\n".join(f"- {c.caption}" for c in HELD_OUT)
    lines = f"""# Miniature VideoGPT on the moving-shapes world (notebook 06)

Two safetensors files, each with its config in the file's metadata:

- `tokenizer.safetensors`: a VQ-VAE with 3D convolutions, 16x32x32 clip -> {metrics['grid']} token grid,
  codebook of {recipe.tokenizer.codebook_size} codes (EMA updates, dead-code restarts); {metrics['tokenizer_params']:,} parameters.
- `prior.safetensors`: a GPT-style causal transformer ({recipe.prior.n_layer} layers, {recipe.prior.n_embd} wide) predicting the
  {recipe.prior.video_length} video tokens after the caption's 5 words; {metrics['prior_params']:,} parameters.

Load with `helpers.video_tokenizer.load_tokenizer` and `helpers.video_prior.load_prior`.

## Data

Clips of `helpers.shapes` rendered on the fly (16 frames, 32x32), 40 training combinations only.
The tokenizer saw {metrics['tokenizer_steps']} batches of {recipe.tokenizer_batch} fresh clips; the prior saw
{recipe.clips_per_combo} encoded clips per training combination ({recipe.clips_per_combo * len(TRAIN_COMBOS)} token grids) for {metrics['prior_steps']} steps of {recipe.prior_batch}.

## Held-out combinations

Never trained on (`helpers.shapes.HELD_OUT`):

{held}

## Training

Command: `{command}`

Time: tokenizer {metrics['tokenizer_s'] / 60:.1f} min, prior {metrics['prior_s'] / 60:.1f} min, total {metrics['total_s'] / 60:.1f} min
on {metrics['machine']} (a CPU shared with other jobs, so times are upper bounds).

## Figures (fresh clips, seeds never trained on)

| tokenizer | value |
|---|---|
| reconstruction MSE (pixels in [-1, 1]) | {tok['recon_mse']:.4f} |
| codebook perplexity (of {recipe.tokenizer.codebook_size}) | {tok['perplexity']:.1f} |
| share of codes used | {tok['used_share']:.2f} |
| analyser, all attributes right: originals / reconstructions | {tok['grades_original']['all']:.2f} / {tok['grades_reconstruction']['all']:.2f} |

| prior samples ({recipe.eval_per_combo} per combination, temperature 1) | training combos | held-out combos |
|---|---|---|
| colour right | {pri['train']['color']:.2f} | {pri['held_out']['color']:.2f} |
| shape right | {pri['train']['shape']:.2f} | {pri['held_out']['shape']:.2f} |
| direction right | {pri['train']['direction']:.2f} | {pri['held_out']['direction']:.2f} |
| all right (adherence) | {pri['train']['all']:.2f} | {pri['held_out']['all']:.2f} |
| one object in >= 95 % of frames | {pri['train']['single_object']:.2f} | {pri['held_out']['single_object']:.2f} |
| mean flicker (real clips: {metrics['flicker_real']:.4f}) | {pri['flicker_train']:.4f} | {pri['flicker_held_out']:.4f} |
| seconds per sampled clip (batched, KV cache) | {pri['sample_s_per_clip_train']:.3f} | {pri['sample_s_per_clip_held_out']:.3f} |
"""
    if pri["train"]["all"] < 0.5:
        lines += f"""
## Limitations

The prior is undertrained ({metrics['prior_steps']} steps): fewer than half of its samples on training
captions are judged right on every attribute ({pri['train']['all']:.2f}), and its clips flicker far more than
real ones. Train longer (`--prior-minutes`, `--prior-steps`) for a prior that keeps one object moving.
"""
    path = out / "README.md"
    path.write_text(lines)
    return path


def run(recipe: VideoTokensRecipe, out: str | Path = DEFAULT_DIR, work_dir: str | Path | None = None, progress: bool = True, command: str = "") -> dict:
    """Steps 1-5 of the module docstring; returns the metrics (also written to ``out/metrics.json``)."""
    started = time.monotonic()
    out, work = Path(out), Path(work_dir) if work_dir else None
    # 1. tokenizer
    torch.manual_seed(recipe.seed)
    tokenizer = VideoTokenizer(recipe.tokenizer)
    cfg = TrainConfig(**{**asdict(recipe.tokenizer_train), "checkpoint_dir": str(work / "tokenizer") if work else None, "progress": progress})
    show = lambda step, row: print(f"step {step}: " + ", ".join(f"{k} {v:.4g}" for k, v in row.items() if k != "step"), flush=True)  # noqa: E731
    tok_result = train(tokenizer, vq_loss, tokenizer_batch_fn(recipe.tokenizer_batch, recipe.seed), cfg, on_log=show if progress else None)
    tokenizer.eval()
    tokenizer_s = time.monotonic() - started
    # 2. measure it
    tok_metrics = evaluate_tokenizer(tokenizer, recipe.eval_per_combo)
    print("tokenizer:", json.dumps(tok_metrics), flush=True)
    # 3. token grids of the training combinations
    tokens, captions = encode_clips(tokenizer, TRAIN_COMBOS, recipe.clips_per_combo, seed=recipe.seed * 1_000_003 + 5_000_000)
    # 4. prior
    prior_started = time.monotonic()
    prior = VideoPrior(recipe.prior)
    cfg = TrainConfig(**{**asdict(recipe.prior_train), "checkpoint_dir": str(work / "prior") if work else None, "progress": progress})
    prior_result = train(prior, prior_loss, prior_batch_fn(caption_ids(captions), tokens, recipe.prior_batch, recipe.seed), cfg, on_log=show if progress else None)
    if prior_result.ema is not None:
        prior_result.ema.copy_to(prior)
    prior.eval()
    prior_s = time.monotonic() - prior_started
    # 5. evaluate and save
    real = tensor_to_clips(make_batch([c.caption for c in ALL_COMBOS], seed=EVAL_SEED))
    metrics = {
        "grid": "x".join(map(str, recipe.prior.grid)),
        "tokenizer_params": sum(p.numel() for p in tokenizer.parameters()),
        "prior_params": sum(p.numel() for p in prior.parameters()),
        "tokenizer_steps": tok_result.steps_done,
        "prior_steps": prior_result.steps_done,
        "tokenizer_s": tokenizer_s,
        "prior_s": prior_s,
        "tokenizer": tok_metrics,
        "prior": evaluate_prior(tokenizer, prior, recipe.eval_per_combo, recipe.seed),
        "flicker_real": float(np.mean([flicker(c) for c in real])),
        "tokenizer_history": tok_result.history,
        "prior_history": prior_result.history,
        "machine": f"{platform.machine()} CPU x{os.cpu_count()}, torch {torch.__version__}" if not torch.cuda.is_available() else torch.cuda.get_device_name(0),
        "recipe": asdict(recipe),
    }
    metrics["total_s"] = time.monotonic() - started
    out.mkdir(parents=True, exist_ok=True)
    save_tokenizer(tokenizer, out / "tokenizer.safetensors")
    save_prior(prior, out / "prior.safetensors")
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1, default=str))
    write_model_card(out, recipe, metrics, command or "python -m helpers.train_video_tokens")
    return metrics


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python -m helpers.train_video_tokens [--out DIR] [--work DIR] [--minutes M]``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(DEFAULT_DIR), help="where to write the safetensors, metrics.json and README.md")
    parser.add_argument("--work", default="runs/video-tokens", help="checkpoints (resume from here)")
    parser.add_argument("--tokenizer-minutes", type=float, default=None, help="time limit of stage 1 (default: the recipe's)")
    parser.add_argument("--prior-minutes", type=float, default=None, help="time limit of stage 4 (default: the recipe's)")
    parser.add_argument("--tokenizer-steps", type=int, default=None)
    parser.add_argument("--prior-steps", type=int, default=None)
    parser.add_argument("--clips-per-combo", type=int, default=None)
    args = parser.parse_args(argv)
    recipe = VideoTokensRecipe()
    if args.tokenizer_minutes:
        recipe.tokenizer_train.time_limit_s = 60 * args.tokenizer_minutes
    if args.prior_minutes:
        recipe.prior_train.time_limit_s = 60 * args.prior_minutes
    if args.tokenizer_steps:
        recipe.tokenizer_train.steps = args.tokenizer_steps
    if args.prior_steps:
        recipe.prior_train.steps = args.prior_steps
    if args.clips_per_combo:
        recipe.clips_per_combo = args.clips_per_combo
    command = "python -m helpers.train_video_tokens " + " ".join(argv if argv is not None else __import__("sys").argv[1:])
    metrics = run(recipe, args.out, args.work, command=command.strip())
    print(json.dumps({k: v for k, v in metrics.items() if not k.endswith("history") and k != "recipe"}, indent=1, default=str))


if __name__ == "__main__":
    main()
