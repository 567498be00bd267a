"""Build notebooks/05_cascades.ipynb (outputs stripped): `python -m scripts.notebooks.build_05`."""

from __future__ import annotations

from scripts.nbtools import REPO_ROOT, code, md, write_notebook

CELLS = [
    md(r"""
# 05 · Cascades: a working miniature of Imagen Video

**What you will be able to do:** explain how a cascade of diffusion models (a base model, then
temporal and spatial super-resolution) builds a long, sharp clip from a short, small one; run the
course's three-stage cascade and look at every stage's output; explain channel-concatenation
conditioning and *noise conditioning augmentation*, and measure what goes wrong without it;
compare the cascade with the single-stage tiny model on the same prompts and seeds (adherence,
temporal consistency, plausibility, time, parameters, training compute); compute the pixel budget
of Imagen Video's seven sub-models and say why v-prediction and progressive distillation matter.

**Prerequisites:** 02 (3D convolutions), 04 (video diffusion: noising, v-prediction, sampling,
guidance).

**Time (measured on the course's 2-core CPU):** quick mode 24 s in `make bench` (2026-11-26,
peak RAM 1.7 GB; 50 s on a 2-core machine about twice as slow, 2026-12-03); full mode over 15 min on the shared CPU (mostly sampling the
cascade and the single-stage model for all 48 combinations). Not yet timed on a GPU.
**GPU needed:** no.
"""),
    code(r"""
import json
import time

import matplotlib.pyplot as plt
import numpy as np
import torch

from helpers import exercises, judge, metrics, runtime, shapes, video
from helpers.cascade import Cascade
from helpers.cascade_stage import STAGES, augment_condition, forward_flops, stage_targets, upsample_condition
from helpers.denoisers import num_params
from helpers.cascade_exercises import IMAGEN_VIDEO_STEPS, check_augment, check_cascade_sizes, check_repeat_frames
from helpers.trainer import TrainConfig, train
from helpers.train_cascade import load_ablation, make_batch_fn, stage_loss

runtime.seed_everything(0)
nanmean = lambda values: float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")  # no warning when all NaN
CASCADE_PATH = runtime.DATA_DIR / "cascade"      # the three trained stages (python -m helpers.train_cascade)
TINY_T2V = runtime.DATA_DIR / "tiny-t2v"         # the single-stage model of notebooks 04 and 07
print(f"mode: {runtime.mode_name()}, cascade: {CASCADE_PATH.relative_to(runtime.REPO_ROOT)}")
"""),
    md(r"""
## 1. The idea: generate small, then super-resolve

A video diffusion model pays for every number it denoises, at every sampling step. Imagen Video
(Ho et al. 2022) does not denoise a 128-frame 1280×768 clip in one go. A **base** model makes a
short, tiny clip from the caption; then **temporal super-resolution** (TSR) models fill in frames
between the existing ones and **spatial super-resolution** (SSR) models sharpen every frame. Each
model is a full diffusion model, conditioned on the caption *and* on the clip of the stage below.

Our miniature does the same to the moving-shapes world and ends at exactly the size of the
single-stage tiny model (16 frames of 32×32), so the two compare like for like:

| stage | makes | conditioned on |
|---|---|---|
| base | 8 frames at 16×16 | the caption |
| temporal SR | 16 frames at 16×16 | caption + base clip, each frame repeated twice |
| spatial SR | 16 frames at 32×32 | caption + temporal clip, each frame resized bilinearly |

Every stage learns from the same true clip: the spatial SR stage's target *is* the 16×32×32 clip,
the temporal SR stage's target is it with 2×2 pixels averaged, the base stage's target keeps every
other frame of that. Here is what each stage is asked to make:
"""),
    code(r"""
caption = "a yellow triangle moving right"
truth = shapes.make_batch([caption], seed=5)                 # (1, 3, 16, 32, 32) in [-1, 1]
targets = stage_targets(truth)
for name in STAGES:
    print(f"{name:12s} target {tuple(targets[name].shape)}  ->  {targets[name][0, 0].numel():,} positions")
figure = video.frame_grid([video.tensor_to_frames(targets[n][0]) for n in STAGES], titles=list(STAGES), max_frames=16,
                          suptitle=f"what each stage must produce for '{caption}' (frames left to right)")
assert targets["base"].shape == (1, 3, 8, 16, 16) and targets["temporal_sr"].shape == (1, 3, 16, 16, 16)
assert torch.allclose(targets["base"], targets["temporal_sr"][:, :, ::2])
"""),
    md(r"""
## 2. Conditioning: upsample, then stack as channels

A super-resolution stage sees the lower stage's clip *brought to its own size* and stacked with
its noisy input along the channel axis, just as Imagen Video does:

$$\text{input} = \big[\; x_t \;\big|\; \operatorname{up}(c) \;\big|\; \sigma \;\big] \in \mathbb{R}^{(3 + 3 + 1) \times F \times H \times W}$$

- **in time** ($8 \to 16$ frames): repeat each frame, so frame $i$ sits at positions $2i$ and $2i+1$;
  the model must replace each copy by the in-between motion;
- **in space** ($16 \to 32$ pixels): bilinear resizing of every frame (frames folded into the batch
  with `rearrange(x, "b c f h w -> (b f) c h w")`), which leaves soft edges to sharpen;
- the extra constant channel holds $\sigma$, the strength of the **noise augmentation** of section 4.

The SR stages' denoiser is diffusers' `UNet3DConditionModel` with `in_channels=7` and
`out_channels=3`. The base stage reads only the caption; it is a `CogVideoXTransformer3DModel`
working directly on pixels (4×4-pixel patches: 4×4 tokens per 16×16 frame), the kind of denoiser
of the single-stage model, and it is trained the way notebook 04 (section 9) found necessary: first
only at pure noise with a high learning rate, until the direction word is used, then at every
noise level. (Its first version, a pixel-space UNet3D trained at every noise level from the start,
ignored the direction word: 12 % right, chance 25 %.)
"""),
    code(r"""
base_clip = targets["base"]                                     # (1, 3, 8, 16, 16)
temporal_in = upsample_condition(base_clip, 16, 16)              # (1, 3, 16, 16, 16): frames repeated
spatial_in = upsample_condition(targets["temporal_sr"], 16, 32)  # (1, 3, 16, 32, 32): bilinear
error = {"temporal: repeated frames vs truth": (temporal_in - targets["temporal_sr"]).abs().mean().item(),
         "spatial: bilinear vs truth": (spatial_in - truth).abs().mean().item()}
print({k: round(v, 4) for k, v in error.items()}, "(mean absolute error in [-1, 1] units: what each SR stage must fix)")
figure = video.frame_grid([video.tensor_to_frames(x[0]) for x in (temporal_in, targets["temporal_sr"], spatial_in, truth)],
                          titles=["TSR input (repeated)", "TSR target", "SSR input (bilinear)", "SSR target"], max_frames=8,
                          suptitle="the conditioning each SR stage sees, and what it must output")
assert temporal_in.shape == (1, 3, 16, 16, 16) and torch.equal(temporal_in[:, :, 0], temporal_in[:, :, 1])
assert all(v > 0 for v in error.values())
"""),
    md(r"""
## 3. The trained cascade, stage by stage

`data/cascade` holds the three stages, each saved with `save_pretrained` (its model card,
`data/cascade/README.md`, gives the training command, time and machine). One small CLIP text
encoder was trained with the base stage and then frozen and shared, as Imagen Video shares one
frozen T5-XXL across its seven models. `Cascade.__call__` samples base → temporal SR → spatial SR
with one seeded generator and times every stage.
"""),
    code(r"""
cascade = Cascade.from_pretrained(CASCADE_PATH)
card = json.loads((CASCADE_PATH / "summary.json").read_text())
for name, stage in cascade.stages.items():
    cfg = stage.cfg
    print(f"{name:12s} {cfg.num_frames:2d} x {cfg.size} x {cfg.size}  in_channels={stage.unet.config.in_channels}  "
          f"{type(stage.unet).__name__:28s} {num_params(stage.unet):>9,} parameters  steps={cfg.num_inference_steps}  guidance={cfg.guidance_scale}")
print(f"shared text encoder: {num_params(cascade.stages['base'].text_encoder):,} parameters")
assert [cascade.stages[n].cfg.num_frames for n in STAGES] == [8, 16, 16] and [cascade.stages[n].cfg.size for n in STAGES] == [16, 16, 32]
"""),
    code(r"""
prompts = runtime.pick(["a red circle moving left", "a blue square moving up"],
                       ["a red circle moving left", "a blue square moving up", "a green triangle moving right", "a yellow circle moving down"])
out = cascade(prompts, seed=0)
print("seconds per stage:", {k: round(v, 2) for k, v in out.seconds.items()})
stage_clips = {name: video.tensor_to_clips(getattr(out, name)) for name in STAGES}   # lists of (F, H, W, 3)
video.show_video([stage_clips[name][0] for name in STAGES], [f"{name}: {stage_clips[name][0].shape[:3]}" for name in STAGES], fps=8)
n = len(prompts)
assert out.base.shape == (n, 3, 8, 16, 16) and out.temporal_sr.shape == (n, 3, 16, 16, 16) and out.spatial_sr.shape == (n, 3, 16, 32, 32)
assert out.spatial_sr.abs().max() <= 1
"""),
    md(r"""
The base clip covers the same journey in 8 frames instead of 16, so it moves twice as far
between frames; `show_video` plays all three at 8 frames per second, so the base clip finishes in
half the time and moves in jumps twice as large. Below, every prompt's three stages side by side as frames, and the spatial
stage's clips playing:
"""),
    code(r"""
rows, titles = [], []
for i, prompt in enumerate(prompts[:3]):
    for name in STAGES:
        rows.append(stage_clips[name][i])
        titles.append(f"{name}\n{prompt}")
figure = video.frame_grid(rows, titles=titles, max_frames=8, frame_size=0.9, suptitle="each stage's output (8 evenly spaced frames; the base clip has 8 frames)")
video.show_video(stage_clips["spatial_sr"], prompts, fps=8)
grades = judge.grade_clips(stage_clips["spatial_sr"], prompts)
print(f"judge on these {len(prompts)} final clips:", {k: round(v, 2) for k, v in grades.items()})
assert set(grades) >= {"color", "shape", "direction", "all"}
"""),
    md(r"""
**What the shipped stages show (measured, see `data/cascade/README.md`).** The stages trained for
about 100 minutes together on a 2-core CPU: the base stage 4,000 steps at pure noise, then 8,644
at every noise level (16 clips per step, 26 min); temporal SR 1,185 steps of 16 (16 min); spatial
SR 797 of 8 (35 min: at 32×32 each clip costs 4× the temporal stage's compute, section 5, and
its last 20 min ran on a CPU about twice as slow). On all 48 captions
(notebook 08's table, one clip each) the final clips have the right colour in 100 %, the right
direction in 98 %, one object in 100 %, but the right shape in only 33 % (chance), and a flicker
of 0.76 against 0.24 for the single-stage model. The base stage alone gets the direction right on
97.5 % of its clips (94 % on held-out combinations): its first version, a pixel-space UNet3D
trained at every noise level from the start, ignored the direction word as the single-stage
model first did (12 % right, chance 25 %), and the pure-noise phase of notebook 04 (section 9) fixed it
here too (its direction gap at t = 999 was 0.0000 after 1,100 steps, +0.032 after 2,350).

Training the SR stages longer paid off directly: with 404 temporal and 501 spatial steps the final
clips had the direction right in 79 %, one object in 67 %, flicker 0.97; after 1,185 and 797 steps,
98 %, 100 % and 0.76. Shape is still lost: in the 16×16 base clip the object is 4 to 5 pixels
across, where a square and a circle differ by a few pixels (the base stage gets 47.5 % of shapes
right), and the spatial stage, trained for minutes, paints a soft blob when it doubles the size. Retrain with
more time (`python -m helpers.train_cascade --stages spatial_sr --continue --time-scale 10
--step-scale 10 --batch-size 8`, or on a GPU) and re-run this notebook: every cell measures rather
than assumes.

## 4. Noise conditioning augmentation, and what goes wrong without it

An SR stage is *trained* on true low-resolution clips but *used* on the base model's samples,
which are never quite right: a blob a pixel off, a colour slightly wrong, a little noise. A model
that learned to trust every pixel of its conditioning copies those mistakes, or worse, has never
seen such inputs and produces garbage. Imagen Video (following Cascaded Diffusion Models, Ho et
al. 2021) adds Gaussian noise to the conditioning clip during training, with a random strength
$\sigma$ that the model is told (our 7th input channel):

$$\tilde c = \operatorname{up}(c) + \sigma\,\epsilon, \qquad \sigma \sim \mathcal{U}(0, 0.5) \text{ in training}, \quad \sigma = 0.1 \text{ when sampling}$$

The model then learns to treat its conditioning as a *hint*. What the SR stage sees:
"""),
    code(r"""
sigmas = torch.tensor([0.0, 0.1, 0.3, 0.5])
noise = torch.randn((4, 3, 16, 16, 16), generator=torch.Generator().manual_seed(0))
noised = augment_condition(temporal_in.expand(4, -1, -1, -1, -1), sigmas, noise).clamp(-1, 1)   # (4, 3, 16, 16, 16)
figure = video.frame_grid([video.tensor_to_frames(x) for x in noised], titles=[f"sigma = {s:.1f}" for s in sigmas.tolist()],
                          max_frames=8, suptitle="the temporal SR stage's conditioning, noise-augmented")
assert torch.equal(noised[0], temporal_in[0].clamp(-1, 1)) and not torch.equal(noised[3], noised[0])
"""),
    md(r"""
`data/cascade/ablation/temporal_sr_noaug` is the temporal SR stage trained the same way (same
steps, data, seeds) but with $\sigma = 0$ always. We give both models conditioning clips that are
**increasingly wrong** (the true base clip plus noise of strength $s$, standing in for an imperfect
base model) and also the **base model's own samples**, and measure the error of their 16-frame
output against the true 16-frame clip.
"""),
    code(r"""
has_ablation = (CASCADE_PATH / "ablation" / "temporal_sr_noaug" / "unet").is_dir()
augmented = cascade.stages["temporal_sr"]
noaug = load_ablation(CASCADE_PATH) if has_ablation else augmented
if not has_ablation:
    print("data/cascade/ablation is not shipped yet: both curves below use the augmented stage")
n_eval = runtime.pick(2, 16)
eval_captions = [c.caption for c in shapes.TRAIN_COMBOS[:: max(1, len(shapes.TRAIN_COMBOS) // n_eval)][:n_eval]]
eval_targets = stage_targets(shapes.make_batch(eval_captions, seed=100))
corruptions = runtime.pick([0.0, 0.4], [0.0, 0.1, 0.2, 0.4])
errors = {"with augmentation": [], "without augmentation": []}
for s in corruptions:
    bad_base = eval_targets["base"] + s * torch.randn(eval_targets["base"].shape, generator=torch.Generator().manual_seed(1))
    for label, stage in (("with augmentation", augmented), ("without augmentation", noaug)):
        made = stage.sample(eval_captions, bad_base, torch.Generator().manual_seed(2))        # (N, 3, 16, 16, 16)
        errors[label].append((made - eval_targets["temporal_sr"]).abs().mean().item())
figure, ax = plt.subplots(figsize=(6, 3.5))
for label, values in errors.items():
    ax.plot(corruptions, values, marker="o", label=label)
ax.set_xlabel("noise added to the true base clip (s)")
ax.set_ylabel("mean |output - true 16-frame clip|")
ax.set_title("temporal SR given an increasingly wrong base clip")
ax.legend()
print({k: [round(v, 3) for v in vals] for k, vals in errors.items()})
rise = {k: vals[-1] - vals[0] for k, vals in errors.items()}      # error at the worst conditioning minus at clean
print(f"error rise from s = 0 to s = {corruptions[-1]}: " + ", ".join(f"{k} {v:+.3f}" for k, v in rise.items()))
assert all(np.isfinite(v).all() for v in errors.values())
if has_ablation:   # the measured lesson: without augmentation the stage copies the conditioning's errors
    assert rise["without augmentation"] > max(0.01, 2 * rise["with augmentation"]), rise
"""),
    code(r"""
base_samples = out.base                                     # the base stage's clips of section 3: (n, 3, 8, 16, 16)
from_samples = {label: stage.sample(prompts, base_samples, torch.Generator().manual_seed(4))
                for label, stage in (("with augmentation", augmented), ("without augmentation", noaug))}
for label, made in from_samples.items():
    clips = video.tensor_to_clips(made)
    m = [metrics.measure_clip(video.upscale(c, 2)) for c in clips]       # metrics expect 32x32 frames
    print(f"{label:22s} from base samples: flicker {nanmean([r['flicker'] for r in m]):.4f}, "
          f"one object in {nanmean([r['tracked_share'] for r in m]):.0%} of frames, "
          f"size cv {nanmean([r['size_cv'] for r in m]):.3f}")
video.show_video([video.tensor_to_frames(from_samples[k][0]) for k in from_samples], list(from_samples), fps=8)
assert all(v.shape == (len(prompts), 3, 16, 16, 16) for v in from_samples.values())
"""),
    md(r"""
**Reading the numbers.** With clean conditioning ($s = 0$) both stages do the same job, about
equally well (0.060 and 0.070 in full mode: the stage without augmentation is a little worse even
here). As the conditioning gets worse, the stage trained without
augmentation passes the noise through: it has only ever seen perfect inputs, so it trusts every
pixel. The augmented stage treats the noise like the noise it was trained on and removes it, so
its curve stays flat. Measured on the shipped stages in full mode (16 captions), from $s = 0$ to
$s = 0.4$: error 0.060 → 0.059 with augmentation, 0.070 → 0.121 without (after 404 training
steps each it was 0.146 → 0.149 and 0.141 → 0.178: the longer-trained stages separate more). The
quick run above asserts the same ordering on 2 captions. That is why every super-resolution model of Imagen
Video is trained with noise conditioning augmentation.

The base model's own samples are a harder test: their mistakes are not Gaussian noise but a blob
of the wrong outline, a colour a little off. The second cell measures both stages on them; with
our briefly trained SR stages (about a thousand steps each) the difference there is small and can go
either way, and the fixed sampling noise ($\sigma = 0.1$) that the augmented stage is given is
itself a knob: more noise, more freedom to repair (and to drift from) the lower stage.

## 5. Training a stage: the shared loop

Every stage is trained by the course's one training loop, `helpers.trainer.train`, given the
stage (a module), a loss function and a `batch_fn(step)` that renders fresh, seeded clips of the
40 training combinations. Here we continue training the shipped spatial SR stage for a few steps
(the real runs are in the model card):
"""),
    code(r"""
import copy

stage = copy.deepcopy(cascade.stages["spatial_sr"])
stage.unet.requires_grad_(True)
steps = runtime.pick(3, 40)
batch_fn = make_batch_fn("spatial_sr", stage.cfg, stage.tokenizer, batch_size=4, seed=7)
result = train(stage, stage_loss, batch_fn, TrainConfig(steps=steps, lr=2e-4, warmup_steps=1, ema_decay=None, log_every=1, progress=True))
losses = [row["loss"] for row in result.history]
print(f"{steps} steps in {result.wall_s:.1f} s; loss {losses[0]:.4f} -> {losses[-1]:.4f}")
figure, ax = plt.subplots(figsize=(6, 3))
ax.plot(range(1, len(losses) + 1), losses, marker=".")
ax.set_xlabel("step")
ax.set_ylabel("v-prediction MSE")
ax.set_title("a few more steps of the spatial SR stage")
assert len(losses) == steps and all(np.isfinite(losses))
"""),
    md(r"""
What each stage cost to train (figures from `data/cascade/summary.json`, written by the training
script). Training FLOPs are estimated as $3 \times$ (one forward pass, counted with torch's FLOP
counter) $\times$ clips seen: the backward pass costs about twice the forward. For comparison, the
single-stage model (`data/tiny-t2v/README.md`) took about 1 h 50 min of this 2-core CPU plus
5 minutes of an H100, about 3.5 h of CPU in all; the cascade about 100 minutes.
"""),
    code(r"""
stages_card = card["stages"]
names = [n for n in (*STAGES, "temporal_sr_noaug") if n in stages_card]
print(f"{'stage':18s} {'params':>9s} {'steps x batch':>14s} {'train s':>8s} {'GFLOP/clip fwd':>15s} {'train TFLOP':>12s} {'loss':>16s}")
for n in names:
    s = stages_card[n]
    print(f"{n:18s} {s['unet_params']:9,d} {s['steps']:>8d} x {s['batch_size']:<3d} {s['train_s']:8.0f} {s['forward_gflops_per_clip']:15.3f} "
          f"{s['train_flops'] / 1e12:12.1f} {s['first_loss']:.3f} -> {s['final_loss']:.3f}")
figure, axes = plt.subplots(1, 2, figsize=(10, 3.2))
axes[0].bar(names, [stages_card[n]["train_s"] for n in names], color="tab:blue")
axes[0].set_ylabel("seconds")
axes[0].set_title("training time per stage (CPU)")
axes[1].bar(names, [stages_card[n]["train_flops"] / 1e12 for n in names], color="tab:orange")
axes[1].set_ylabel("TFLOP")
axes[1].set_title("training compute per stage")
for ax in axes:
    ax.set_xlabel("stage")
    ax.tick_params(axis="x", rotation=20)
figure.tight_layout()
assert all(np.isfinite(stages_card[n]["final_loss"]) and stages_card[n]["train_flops"] > 0 for n in STAGES)
"""),
    md(r"""
## 6. Cascade vs the single-stage tiny model

Same prompts, same seeds, same judge. The single-stage model (notebooks 04 and 07) is a latent
diffusion model: a small diffusion transformer (`CogVideoXTransformer3DModel`) on 8×8 latents of
notebook 03's autoencoder, one pass for all 16 frames. We measure prompt adherence (`helpers.judge`), temporal consistency (flicker and warping
error, `helpers.metrics`), plausibility (straightness of the path, steadiness of size), sampling
time and parameters. The columns, defined in notebook 01: `all ok`, `colour`, `shape`, `dir`:
share of clips the judge reads right (higher is better); `flicker` (the share of each frame that
neither the motion nor a steady change explains), `warp err` (squared error left after warping
each frame onto the next with optical flow), `path px` (how far the object's centres stray from a
straight line, pixels) and `size cv` (standard deviation over mean of its area): lower is better.
"""),
    code(r"""
captions = runtime.pick(prompts, [c.caption for c in shapes.ALL_COMBOS])   # quick mode: the prompts of section 3
seed = 0
if captions == prompts:
    cascade_out = out                                            # same captions, same seed: same clips (and section 3's timings, first call included)
else:
    cascade_out = cascade(captions, seed=seed)
cascade_s = sum(cascade_out.seconds.values())
results = {"cascade": {"clips": video.tensor_to_clips(cascade_out.spatial_sr), "seconds": cascade_s,
                       "params": sum(num_params(s.unet) for s in cascade.stages.values()) + num_params(cascade.stages["base"].text_encoder)}}
if (TINY_T2V / "model_index.json").exists():
    from diffusers import DiffusionPipeline
    single = DiffusionPipeline.from_pretrained(TINY_T2V)
    single.set_progress_bar_config(disable=True)
    t0 = time.perf_counter()
    frames = single(captions, generator=torch.Generator().manual_seed(seed), output_type="np").frames
    results["single stage"] = {"clips": video.clips_from_pipeline(frames), "seconds": time.perf_counter() - t0,
                               "params": sum(num_params(c) for c in single.components.values() if isinstance(c, torch.nn.Module))}
else:
    print(f"{TINY_T2V} is not shipped yet: the comparison shows the cascade alone (re-run once it is).")
for name, r in results.items():
    m = [metrics.measure_clip(c) for c in r["clips"]]
    r["grades"] = judge.grade_clips(r["clips"], captions)
    for key in ("flicker", "warping_error", "path_residual_px", "size_cv"):
        r[key] = nanmean([x[key] for x in m])
print(f"{len(captions)} captions, seed {seed}")
print(f"{'model':13s} {'all ok':>7s} {'colour':>7s} {'shape':>6s} {'dir':>6s} {'flicker':>8s} {'warp err':>9s} {'path px':>8s} {'size cv':>8s} {'s/clip':>7s} {'params':>10s}")
for name, r in results.items():
    g = r["grades"]
    print(f"{name:13s} {g['all']:7.2f} {g['color']:7.2f} {g['shape']:6.2f} {g['direction']:6.2f} {r['flicker']:8.4f} {r['warping_error']:9.4f} "
          f"{r['path_residual_px']:8.2f} {r['size_cv']:8.3f} {r['seconds'] / len(captions):7.3f} {r['params']:10,d}")
assert all(len(r["clips"]) == len(captions) and r["clips"][0].shape == (16, 32, 32, 3) for r in results.values())
"""),
    code(r"""
show = list(range(min(4, len(captions))))
video.show_video([results[m]["clips"][i] for i in show for m in results], [f"{m}: {captions[i]}" for i in show for m in results], fps=8)
figure, ax = plt.subplots(figsize=(7, 3.2))
keys = ["color", "shape", "direction", "all"]
width = 0.8 / len(results)
for j, (name, r) in enumerate(results.items()):
    ax.bar(np.arange(len(keys)) + j * width, [r["grades"][k] for k in keys], width, label=name)
ax.set_xticks(np.arange(len(keys)) + width * (len(results) - 1) / 2, keys)
ax.set_xlabel("what the judge checks")
ax.set_ylabel("share of clips right")
ax.set_ylim(0, 1)
ax.set_title(f"prompt adherence on {len(captions)} captions (same seeds)")
ax.legend()
assert all(0 <= r["grades"]["all"] <= 1 for r in results.values())
"""),
    md(r"""
Sampling cost per stage, counted and measured: each DDIM step calls the stage's denoiser once
(twice with classifier-free guidance, which only the base stage uses). Counted FLOPs and measured
seconds are not proportional on a CPU: a small network's many little operations run far below the
processor's peak, each call has a fixed overhead, and the first call of a stage includes warm-up.
"""),
    code(r"""
print(f"{'stage':12s} {'positions':>9s} {'GFLOP/call':>10s} {'calls':>6s} {'GFLOP/clip':>10s} {f'measured s ({len(prompts)} clips)':>21s}")
total = 0.0
for name, stage in cascade.stages.items():
    cfg = stage.cfg
    calls = cfg.num_inference_steps * (2 if cfg.guidance_scale > 1 else 1)
    gflop = forward_flops(stage) / 1e9
    total += gflop * calls
    print(f"{name:12s} {cfg.num_frames * cfg.size * cfg.size:9,d} {gflop:10.3f} {calls:6d} {gflop * calls:10.2f} {out.seconds[name]:21.2f}")
print(f"cascade total: {total:.1f} GFLOP per clip")
assert total > 0
"""),
    md(r"""
**What to take away.** In this tiny world, with these weights, the cascade loses to the
single-stage model on shape, flicker and speed (on all 48 captions, notebook 08's table: shape 33 %
vs 58 %, flicker 0.76 vs 0.24, 2.5 s vs 1.05 s per clip; the quick run above has too few prompts
to tell): its SR stages got 15 to 35 minutes of CPU each (the
single-stage model's last training stage ran on a GPU), and a pixel-space model at 32×32 costs
more per sampling step than a latent model at 8×8 (compare the GFLOP above with the seconds per
clip of the single-stage model). What the cascade buys is *division of labour*: the base stage
only has to get colour, shape and direction right on a 16×16 canvas at half the frame rate (and
it does get the direction right), the SR stages only have to add frames and detail that are
almost determined by their input, which small, attention-free networks can learn. At Imagen
Video's scale that division is what makes the job affordable at all.

## 7. Imagen Video at scale

Imagen Video (Ho et al. 2022, [arXiv 2210.02303](https://arxiv.org/abs/2210.02303)) has **7
sub-models**, 11.6 billion parameters in all: one base model, three TSR and three SSR models,
interleaved. The base model makes **16 frames at 40×24 and 3 fps**; the last stage outputs
**128 frames at 1280×768 and 24 fps** (5.3 s). The order of the stages, as in the paper's
overview figure: TSR 2×, SSR 2×, SSR 4×, TSR 2×, TSR 2×, SSR 4×. The base model uses temporal
attention; the SR models use temporal convolutions, and the highest-resolution ones are fully
convolutional.
"""),
    code(r"""
sizes = [(16, 40, 24)]
for kind, factor in IMAGEN_VIDEO_STEPS:
    f, w, h = sizes[-1]
    sizes.append((f * factor, w, h) if kind == "T" else (f, w * factor, h * factor))
fps = [3]
for kind, factor in IMAGEN_VIDEO_STEPS:
    fps.append(fps[-1] * factor if kind == "T" else fps[-1])
labels = ["base"] + [f"{i}: {'TSR' if k == 'T' else 'SSR'} {f}x" for i, (k, f) in enumerate(IMAGEN_VIDEO_STEPS, start=1)]
pixels = [f * w * h for f, w, h in sizes]
print(f"{'stage':10s} {'frames':>6s} {'size':>10s} {'fps':>4s} {'pixels':>13s} {'x base':>7s}")
for label, (f, w, h), r, p in zip(labels, sizes, fps, pixels):
    print(f"{label:10s} {f:6d} {f'{w}x{h}':>10s} {r:4d} {p:13,d} {p / pixels[0]:7.0f}")
print(f"\nall 7 stages together denoise {sum(pixels):,} pixel positions per clip, "
      f"{sum(pixels) / pixels[-1]:.2f}x the final clip's {pixels[-1]:,}")
figure, ax = plt.subplots(figsize=(8, 3.2))
ax.bar(labels, pixels, color=["tab:green"] + ["tab:blue" if k == "T" else "tab:orange" for k, _ in IMAGEN_VIDEO_STEPS])
ax.set_yscale("log")
ax.set_xlabel("stage (green: base, blue: temporal SR, orange: spatial SR)")
ax.set_ylabel("pixels per clip (log)")
ax.set_title("Imagen Video: pixels each stage produces")
assert sizes[-1] == (128, 1280, 768) and fps[-1] == 24 and len(sizes) == 7
assert pixels[-1] // pixels[0] == 8192
"""),
    md(r"""
**Why this is affordable.** All seven stages together denoise only 1.11× the pixels of the
final clip (printed above): the six lower stages cost about a ninth extra, because each stage
has a fraction of the pixels of the next. The base model, the only one that must *understand* the
caption (composition, motion, what is where), works on 15,360 pixels: 8,192× fewer than the final
clip. It
can be large and use attention across all frames. The SR models see almost everything they need
in their input, so they can be smaller, convolutional and local; and attention cost grows with
the *square* of the positions it spans, so a single model attending over all of the final clip's
126 million positions is out of reach, while attention over the base clip is cheap. Each stage is
also trained on its own (in parallel, on short crops for the SR stages), and the per-stage
budget can go where it helps most.

**Why v-prediction.** Imagen Video predicts $v = \alpha_t \epsilon - \sigma_t x_0$ (the
"v-parameterization" of Salimans & Ho 2022, [arXiv 2202.00512](https://arxiv.org/abs/2202.00512))
instead of the noise $\epsilon$. Predicting $\epsilon$ is ill-posed at the noisiest steps
($x_0$ is recovered by dividing by $\alpha_t \approx 0$, which amplifies errors); $v$ stays well
scaled at every noise level. The paper reports better numerical stability, faster convergence
and no colour-shift artefacts across frames in its high-resolution models. Our stages and the
tiny model use it too (the zero-terminal-SNR schedule of notebook 04 needs it: $\epsilon$ cannot
be predicted from pure noise).

**Why progressive distillation.** Seven models × tens of sampling steps × classifier-free
guidance (two passes per step) is slow. Progressive distillation (Salimans & Ho 2022) trains a
student to do in **one** DDIM step what the teacher does in **two**, then repeats with the
student as the new teacher: each round halves the steps. Imagen Video distilled all seven
sub-models (with classifier-free guidance built in) down to a handful of steps each, for a large
speed-up at similar quality. Distillation needs a target that is well defined at every noise
level, which is one more reason for v-prediction.
"""),
    md(r"""
## 8. Exercises

**8.1 Repeat frames.** The temporal SR stage's conditioning shows each base frame `factor` times
in a row. Write `repeat_frames(clip, factor)` for a `(B, C, F, H, W)` tensor.
"""),
    code(r"""
def repeat_frames(clip, factor):
    ...  # your code here
"""),
    code(r"""
answer = exercises.attempt(repeat_frames, check_repeat_frames.solution)
feedback = check_repeat_frames(answer)
display(feedback)
assert feedback.passed or not feedback.attempted, "see the hints above"
"""),
    md(r"""
**8.2 Noise conditioning augmentation.** Write `augment(cond, sigma, noise)`: the conditioning
clips `cond (B, C, F, H, W)` with `sigma[b] * noise[b]` added to clip `b` ($\sigma$ is a standard
deviation, one per clip).
"""),
    code(r"""
def augment(cond, sigma, noise):
    ...  # your code here
"""),
    code(r"""
answer = exercises.attempt(augment, check_augment.solution)
feedback = check_augment(answer)
display(feedback)
assert feedback.passed or not feedback.attempted, "see the hints above"
"""),
    md(r"""
**8.3 Cascade sizes.** Write `cascade_sizes(base, steps)`: given the base clip's
`(frames, width, height)` and a list of stages `("T", k)` (k times the frames) or `("S", k)`
(k times width *and* height), return the list of sizes, base first. Try it on our miniature and on
Imagen Video's `IMAGEN_VIDEO_STEPS`.
"""),
    code(r"""
def cascade_sizes(base, steps):
    ...  # your code here
"""),
    code(r"""
answer = exercises.attempt(cascade_sizes, check_cascade_sizes.solution)
feedback = check_cascade_sizes(answer)
display(feedback)
assert feedback.passed or not feedback.attempted, "see the hints above"
"""),
    md(r"""
## Summary

- A cascade splits generation into a **base** model (short, small clip from the caption) and
  **super-resolution** models that add frames (temporal) or pixels (spatial), each a diffusion
  model conditioned on the caption and on the upsampled clip below, stacked as channels.
- **Noise conditioning augmentation** trains SR models on noised conditioning so they repair,
  rather than copy, the lower stage's mistakes; without it, Gaussian noise in the conditioning
  passes straight through (measured in section 4; on the base stage's own samples, whose mistakes
  are not Gaussian, our briefly trained stages differ little).
- Our three-stage miniature makes the same 16×32×32 clip as the single-stage tiny model; we
  measured both on the same prompts and seeds, and the cost of every stage to train and sample.
- Imagen Video's 7 sub-models take a 16×40×24 clip at 3 fps to 128×1280×768 at 24 fps: the base
  model sees 8,192× fewer pixels than the final clip. v-prediction keeps every stage numerically
  well behaved; progressive distillation makes sampling seven models fast enough to use.

Tick what you have done below: each tick is saved at once.
"""),
    code(r"""
from helpers.progress import tracker
tracker("05")
"""),
]


def main() -> None:
    path = write_notebook(REPO_ROOT / "notebooks" / "05_cascades.ipynb", CELLS)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
