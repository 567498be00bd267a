"""Build notebooks/04_video_diffusion.ipynb (outputs stripped): `python -m scripts.notebooks.build_04`."""

from __future__ import annotations

from scripts.nbtools import REPO_ROOT, code, md, write_notebook

CELLS = [
    md(r"""
# 04 · Video diffusion

**What you will be able to do:** noise a clip with the forward process and write down the
denoising objective; read the anatomy of the lesson's video UNet (where time enters: temporal
convolutions and temporal attention) and of a diffusion transformer (space-time patches, 3D
positions, one attention over text and video), with parameter counts from real models; train a
tiny text-to-video model from scratch and load the course's shipped one; watch sampling step by
step; sweep classifier-free guidance and *measure* prompt adherence; compare with notebook 01's
frame-by-frame approach; and diagnose, with numbers, why a video model can ignore the words
"moving left", and what made the shipped one listen.

**Prerequisites:** 01 (frame-by-frame generation, flicker), 02 (3D and (2+1)D convolutions),
03 (latent spaces, the per-frame autoencoder).

**Time:** quick mode (`CI=true`) 43 s under nbval on this 2-core CPU (2026-12-07, peak RAM 0.8 GB);
the CPU's speed varies by up to 2x from hour to hour. Full mode (a 450-step training run, a 5-scale
guidance sweep over 40 prompts at 50 steps, the SDEdit and one-step probes on all 40 training
combinations, the critic and the sampling paths): 19.3 min for every cell on this CPU (2026-12-07;
the SDEdit probe alone 7.9 min, the guidance sweep 2.9 min); budget up to twice that on a slower
hour. Not timed on a GPU.
**GPU needed:** no.
"""),
    code(r"""
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from diffusers import DiffusionPipeline
from tqdm.auto import tqdm

from helpers import exercises, framewise, judge, metrics, runtime, shapes, video
from helpers.autoencoder import decode_video, encode_video
from helpers.caption_probe import pure_noise_probe
from helpers.diffusion_exercises import check_noisy_clip, check_velocity
from helpers.latent_diffusion import TextToVideoDenoiser, add_noise, caption_loss_gaps, make_scheduler
from helpers.progress import tick
from helpers.sdedit_probe import one_step_clips, one_step_grades, shape_recovery, word_or_clip
from helpers.t2v_quality import rate_intervals, sample_clips
from helpers.train_t2v import T2VConfig, run
from helpers.text_encoder import TextEncoderConfig
from helpers.trainer import TrainConfig

device = runtime.get_device()
generator = runtime.seed_everything(0)
QUICK = runtime.is_quick()
STEPS = runtime.pick(10, 50)  # denoising steps used for sampling in this notebook (the pipeline default is 50)
print(f"device: {device}, mode: {runtime.mode_name()}, sampling steps: {STEPS}")
"""),
    md(r"""
## 1 · The forward process on a clip

Diffusion destroys a clip gradually and learns to undo it. One noise level $t$ per clip, shared by
all its frames:

$$z_t = \sqrt{\bar\alpha_t}\, z_0 + \sqrt{1-\bar\alpha_t}\,\varepsilon, \qquad \varepsilon \sim \mathcal N(0, I),$$

where $\bar\alpha_t$ falls from 1 (clean) to 0 (pure noise). The course's scheduler uses cosine
betas rescaled so that $\bar\alpha_{999} = 0$ exactly (*zero terminal SNR*): sampling starts from
pure noise, as it will at generation time. The model works on the autoencoder's latents; here we
noise the pixels so you can see it.
"""),
    code(r"""
scheduler = make_scheduler("v_prediction")
clip = shapes.make_batch(["a red circle moving right"], seed=3)  # (1, 3, 16, 32, 32) in [-1, 1]
levels = [0, 300, 600, 800, 950, 999]
noise = torch.randn(clip.shape, generator=torch.Generator().manual_seed(0))
noisy = [add_noise(scheduler, clip, noise, torch.tensor([t]))[0] for t in levels]  # each (1, 3, 16, 32, 32)
clips = [video.tensor_to_frames(n.clamp(-1, 1)) for n in noisy]
abar = scheduler.alphas_cumprod
fig = video.frame_grid(clips, [f"t={t}, abar={float(abar[t]):.2f}" for t in levels], max_frames=6,
                       suptitle="Forward process: noise level (rows) x frame (columns)")
plt.show()
corr = [float(np.corrcoef(n.flatten(), clip.flatten())[0, 1]) for n in noisy]
print("correlation with the clean clip:", [round(c, 2) for c in corr])
assert corr[0] > 0.999 and abs(corr[-1]) < 0.05 and float(abar[-1]) == 0.0
"""),
    md(r"""
## 2 · The objective

The denoiser $f_\theta(z_t, t, c)$ sees the noisy latents, the level and the caption
embedding $c$, and predicts a target; the loss is a mean squared error over all frames:

$$\mathcal L = \mathbb E_{z_0, c, t, \varepsilon}\big\| f_\theta(z_t, t, c) - y_t \big\|^2 .$$

Three equivalent targets: the noise $y=\varepsilon$, the clean clip $y=z_0$, or the *velocity*
$y = v = \sqrt{\bar\alpha_t}\,\varepsilon - \sqrt{1-\bar\alpha_t}\, z_0$. The shipped model predicts
$v$: at $\bar\alpha=0$ the noise target is meaningless (the input *is* the noise) while $v=-z_0$
asks the model to paint the whole clip from the caption. The signal-to-noise ratio
$\mathrm{SNR}_t = \bar\alpha_t/(1-\bar\alpha_t)$ tells how much of the clip survives:
"""),
    code(r"""
t = np.arange(1000)
snr = (abar / (1 - abar).clamp(min=1e-12)).numpy()
fig, ax = plt.subplots(figsize=(6, 3))
ax.semilogy(t[:-1], snr[:-1])
ax.set(title="Signal-to-noise ratio of the course's schedule", xlabel="timestep t", ylabel="SNR (log scale)")
plt.show()
assert np.all(np.diff(snr[:-1]) < 0), "SNR must fall with t"
print(f"SNR at t=500: {snr[500]:.2f}, at t=900: {snr[900]:.4f}, at t=999: {snr[999]:.1e}")
"""),
    md(r"""
## 3 · Two denoisers: the lesson's UNet3D and the shipped diffusion transformer

**The lesson's model, ModelScope, uses diffusers' `UNet3DConditionModel`.** It is an image UNet
(2D convolutions, spatial self-attention, cross-attention to the caption) with time layers woven in:

- **temporal convolutions** (`temp_convs`): 3x1x1 kernels that mix each pixel with the same pixel in
  the neighbouring frames (the "(1)" of notebook 02's (2+1)D factorisation);
- **temporal attention** (`temp_attentions`, and `transformer_in` right after the first conv): every
  pixel attends to itself across all 16 frames; frames are folded as `(b h w) f c`.

Spatial layers fold time into the batch, `b c f h w -> (b f) c h w`, exactly like the autoencoder.
Below, a UNet3D of the size the course first trained (section 9 tells why it was replaced),
parameters per block:
"""),
    code(r"""
from helpers.denoisers import DiTConfig, UNetConfig, build_unet, num_params as count, unet3d_parameter_split

unet = build_unet(UNetConfig(), latent_channels=8, cross_attention_dim=64)  # the course's first denoiser, fresh weights
table = unet3d_parameter_split(unet)  # block -> kind of layer -> parameters
kinds = list(table["mid"])
print(f"{'block':<8}" + "".join(f"{k:>19}" for k in kinds))
for name, parts in table.items():
    print(f"{name:<8}" + "".join(f"{v:>19,}" for v in parts.values()))
total = count(unet)
temporal = sum(p["temporal conv"] + p["temporal attn"] for p in table.values())
print(f"\nUNet3D total {total:,} parameters; time layers {temporal:,} ({temporal / total:.0%}).")
assert sum(sum(p.values()) for p in table.values()) == total
fig, ax = plt.subplots(figsize=(7, 3))
bottom = np.zeros(len(table))
for kind in kinds:
    values = np.array([p[kind] for p in table.values()])
    ax.bar(list(table), values, bottom=bottom, label=kind)
    bottom += values
ax.set(title="A UNet3D of the course's first size: parameters per block", xlabel="block", ylabel="parameters")
ax.legend(fontsize=7)
plt.show()
"""),
    md(r"""
**The shipped model is a diffusion transformer of the CogVideoX kind** (diffusers'
`CogVideoXTransformer3DModel` in a `CogVideoXPipeline`), the design of current models (CogVideoX,
Wan, LTX-Video). There are no convolutions over the clip and no separate time layers:

1. **patchify**: each latent frame $(8, 8, 8)$ is cut into $2 \times 2$ patches, 16 tokens per frame,
   256 for the clip, each projected to 64 features; the caption's 226 text-encoder states are
   projected to 64 features too;
2. **absolute 3D positions**: a sin-cos code of (frame, row, column) is added to every video token,
   so the model knows *which frame* and *where* a token is;
3. **blocks**: text and video tokens form one sequence of 482 and every block applies full
   self-attention over it (every patch of every frame sees every other one and every word), then
   an MLP; the noise level enters each block as a per-channel scale, shift and gate (`LayerNormZero`);
4. **unpatchify** back to $(16, 8, 8, 8)$ latents.
"""),
    code(r"""
from helpers.catalog import MODELS, MODELSCOPE

pipe = DiffusionPipeline.from_pretrained(runtime.DATA_DIR / "tiny-t2v")
pipe.set_progress_bar_config(disable=True)
dit = pipe.transformer
parts = {
    "patch + text projection": count(dit.patch_embed),
    "noise-level embedding": count(dit.time_embedding),
    **{f"block {i}: attention": count(b.attn1) for i, b in enumerate(dit.transformer_blocks)},
    **{f"block {i}: MLP": count(b.ff) for i, b in enumerate(dit.transformer_blocks)},
    **{f"block {i}: scale/shift/gate": count(b.norm1) + count(b.norm2) for i, b in enumerate(dit.transformer_blocks)},
    "output norm + projection": count(dit.norm_final) + count(dit.norm_out) + count(dit.proj_out),
}
for name, n in parts.items():
    print(f"{name:<32}{n:>10,}")
positions = dit.patch_embed.pos_embedding  # (1, text + video tokens, features)
print(f"\n{type(pipe).__name__}: transformer {count(dit):,}, text encoder ({type(pipe.text_encoder).__name__}) "
      f"{count(pipe.text_encoder):,}, autoencoder ({type(pipe.vae).__name__}) {count(pipe.vae):,} parameters")
print(f"sequence: {dit.config.max_text_seq_length} text + {positions.shape[1] - dit.config.max_text_seq_length} video tokens, {positions.shape[2]} features")
assert sum(parts.values()) == count(dit)
assert positions.shape[1] == 226 + 16 * 4 * 4
for spec in (MODELS[MODELSCOPE], MODELS["THUDM/CogVideoX-2b"]):  # real models' sizes (helpers.catalog)
    print(f"{spec.title}: denoiser {spec.size.denoiser_b:.2f} B parameters, "
          f"{spec.size.denoiser_b * 1e9 / count(dit):,.0f}x the shipped transformer")
tick("04", "04.forward-noising")
"""),
    md(r"""
## 4 · Training from scratch (the shared training loop)

`helpers.train_t2v.run` is the start of the shipped model's recipe: render clips of the 40
training combinations (never the 8 held-out ones, whose words the model knows only from other combinations: section 8), encode them with notebook 03's autoencoder,
then train the transformer and the text encoder together on `helpers.trainer.train` (AdamW,
warm-up + cosine, 10 % caption dropout for classifier-free guidance (section 6), EMA of the weights,
checkpoints, resume), in two phases:

1. **pure noise only** ($t = 999$ for every clip, learning rate $3 \cdot 10^{-3}$): the model must
   paint the whole clip from the caption, the one place where "moving left" decides everything
   (section 9 shows why this phase exists);
2. **every noise level**, a quarter of each batch still at pure noise.

Last, the pipeline needs a causal 3D autoencoder in notebook 03's latent space. The shipped model's
was distilled from notebook 03's (`helpers.causal_vae`, 22 min on this CPU); the run below reuses it
(`causal_vae_path`), so the small model decodes through the same autoencoder as the shipped one.
The shipped model then continued for seven more stages with the same loop (`--recipe NAME --init
<previous pipeline>`, listed in `helpers.t2v_recipes.SHIPPED_STAGES`): two plain continuations,
which gave the base model of section 9, and five that add a loss on the drawn outline (section 9
says why). Below, a much smaller model (2 blocks of 32 features) trains with both phases and decodes
through the shipped model's autoencoder. Quick mode takes a few steps of each phase; full mode 450 in
all. Here we only watch its loss fall; section 5 samples the shipped model.
"""),
    code(r"""
from helpers.autoencoder import FRAME_AUTOENCODER

cfg = T2VConfig(
    dit=DiTConfig(num_layers=2, attention_heads=2, head_dim=16, time_embed_dim=32),
    text=TextEncoderConfig(hidden_size=32, num_layers=1, num_heads=2, max_length=226, kind="t5"),
    clips_per_combo=runtime.pick(1, 8),
    batch_size=runtime.pick(4, 16),
    pure_noise=TrainConfig(steps=runtime.pick(3, 150), lr=3e-3, warmup_steps=1, final_lr_share=1.0, log_every=runtime.pick(1, 10), ema_decay=None),
    train=TrainConfig(steps=runtime.pick(4, 300), lr=1e-3, warmup_steps=runtime.pick(1, 20), log_every=runtime.pick(1, 10), ema_decay=0.99),
    gap_every=runtime.pick(0, 100),  # caption-loss gaps every 100 steps (quick mode: none; section 9 measures them)
)
workdir = Path(tempfile.mkdtemp(prefix="t2v-04-"))
summary = run(cfg, workdir / "pipe", vae_path=str(FRAME_AUTOENCODER), work_dir=workdir / "work",
              causal_vae_path=str(runtime.DATA_DIR / "tiny-t2v" / "vae"))  # the shipped model's 3D autoencoder
history = summary["history"]
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot([r["step"] for r in history], [r["loss"] for r in history])
ax.set(title=f"Phase 2 training loss of a {summary['unet_params']:,}-parameter transformer (the denoiser)", xlabel="step", ylabel="v-prediction MSE")
plt.show()
print(f"{len(history)} logged points, last loss {history[-1]['loss']:.3f}, denoiser time {summary['unet_s']:.0f} s")
assert all(np.isfinite(r["loss"]) for r in history)
assert type(DiffusionPipeline.from_pretrained(workdir / "pipe")).__name__ == "CogVideoXPipeline"
if not QUICK:
    assert history[-1]["loss"] < history[0]["loss"], "the loss should fall"
"""),
    md(r"""
## 5 · The shipped model: sampling, step by step

`DiffusionPipeline.from_pretrained("data/tiny-t2v")` loaded the course's model above with the same
call the lesson uses for ModelScope. `pipe(prompt).frames[0]` runs the whole loop: encode the
caption, start from pure-noise latents $(1, 16, 8, 8, 8)$ (CogVideoX keeps frames before channels),
apply the DDIM update 50 times, decode the clip. **DDIM** (Song et al. 2020, arXiv 2010.02502) turns
each prediction into a clean-clip estimate $\hat z_0$ and re-noises it to the next, lower level,
$z_{t'} = \sqrt{\bar\alpha_{t'}}\,\hat z_0 + \sqrt{1-\bar\alpha_{t'}}\,\hat\varepsilon$, with no fresh noise: 50 such
jumps, spaced so that the first starts exactly at $t = 999$ ("trailing" spacing), replace the 1,000 small steps of
training. A callback at the end of every step lets us keep
the latents and decode them, to watch the clip emerge from noise.
"""),
    code(r"""
from einops import rearrange

prompt = "a blue square moving down"
kept = {}

def keep_latents(pipeline, i, t, tensors):
    kept[i] = tensors["latents"].clone()  # (1, F, c, h, w)
    return {}

out = pipe(prompt, num_inference_steps=STEPS, generator=torch.Generator().manual_seed(1), output_type="np",
           callback_on_step_end=keep_latents, callback_on_step_end_tensor_inputs=["latents"])
final = out.frames[0]
assert final.shape == (16, 32, 32, 3)
shown = sorted({0, len(kept) // 4, len(kept) // 2, 3 * len(kept) // 4, len(kept) - 1})
with torch.no_grad():
    steps_clips = [video.tensor_to_frames(decode_video(pipe.vae, rearrange(kept[i], "b f c h w -> b c f h w")).clamp(-1, 1)) for i in shown]
fig = video.frame_grid(steps_clips, [f"after step {i + 1}/{len(kept)}" for i in shown], max_frames=8,
                       suptitle=f"Sampling '{prompt}': denoising steps (rows) x frames (columns)")
plt.show()
video.show_video(steps_clips, [f"step {i + 1}" for i in shown])
grade = judge.grade_clip(final, prompt)
print(f"graded: colour {grade.color}, shape {grade.shape}, direction {grade.direction}, one object in {grade.single_object_share:.0%} of frames")
tick("04", "04.sampling")
"""),
    md(r"""
## 6 · Classifier-free guidance, measured

Training dropped the caption 10 % of the time, so one network predicts both with and without the
caption. Sampling mixes them, $\hat v = v_\varnothing + w\,(v_c - v_\varnothing)$, with guidance
scale $w$ (`CogVideoXPipeline`'s default is 6). We measure adherence with `helpers.judge` (colour,
shape, direction read off the pixels) and temporal consistency with `helpers.metrics.flicker`.
"""),
    code(r"""
scales = runtime.pick([1.0, 6.0], [1.0, 3.0, 6.0, 9.0, 15.0])
captions = [c.caption for c in runtime.pick(shapes.TRAIN_COMBOS[:2], shapes.TRAIN_COMBOS)]
sweep = {}
for w in tqdm(scales, desc="guidance"):
    clips_w = sample_clips(pipe, captions, seed=5, num_inference_steps=STEPS, guidance_scale=w)
    sweep[w] = {**judge.grade_clips(clips_w, captions), "flicker": float(np.mean([metrics.flicker(c) for c in clips_w]))}
fig, ax = plt.subplots(figsize=(6, 3))
for key in ("color", "shape", "direction"):
    ax.plot(scales, [sweep[w][key] for w in scales], marker="o", label=key)
ax.set(title=f"Adherence vs guidance ({len(captions)} prompts, {STEPS} steps)", xlabel="guidance scale w", ylabel="share graded right", ylim=(0, 1.05))
ax.legend()
plt.show()
for w in scales:
    print(f"w={w:>4}: " + ", ".join(f"{k} {v:.2f}" for k, v in sweep[w].items()))
assert all(0 <= sweep[w][k] <= 1 for w in scales for k in ("color", "shape", "direction"))
tick("04", "04.guidance")
"""),
    md(r"""
In quick mode the sweep above uses 2 prompts and 10 steps: too few clips to read anything into.
Measured in full mode on the shipped model (one clip per training combination, 50 steps; the base
model of section 9, before the losses that read the outline, in the last rows):

| $w$ | 1 | 3 | 6 (default) | 9 | 15 |
|---|---|---|---|---|---|
| colour + direction | 97.5 % | 97.5 % | 97.5 % | 97.5 % | 85 % |
| shape | 82.5 % | 92.5 % | 90 % | 90 % | 80 % |
| one object | 95 % | 95 % | 100 % | 90 % | 72.5 % |
| base model: colour + direction | 90 % | 100 % | 100 % | 85 % | 55 % |
| base model: shape | 40 % | 55 % | 45 % | 30 % | 40 % |

Moderate guidance sharpens what the model follows; strong guidance extrapolates past anything it
saw and breaks the clip apart (one object in 72.5 % of clips at 15). Guidance only sharpens what is
there: the base model's shapes stayed near half at every scale, and the course's first model showed
the same for direction: at every $w$ its direction stayed at chance (25 / 26 / 24 / 24 / 25 %).
Guidance cannot add a word the model never learned to use. (The base model's 45 % shape at $w = 6$ is
of these 40 clips, one per training combination, seed 5; section 9 gives 60 % on the 80 samples of
another guidance sweep, and the model card 51 % on 160 clips, 4 per combination.)

## 7 · Versus frame-by-frame generation (notebook 01)

Notebook 01 made videos by calling an ideal image model once per frame: every frame is a perfect
picture of the caption, but nothing ties frame $t$ to frame $t+1$. The video model denoises all 16
frames jointly. Same prompts, same metrics:
"""),
    code(r"""
prompts = [c.caption for c in shapes.TRAIN_COMBOS[:runtime.pick(2, 12)]]
ours = sample_clips(pipe, prompts, seed=9, num_inference_steps=STEPS)
per_frame = [framewise.frame_by_frame(p, seed=i) for i, p in enumerate(prompts)]
rows = {}
for name, clips_ in (("video diffusion (shipped)", ours), ("frame by frame (nb 01)", per_frame)):
    plaus = [metrics.plausibility(c) for c in clips_]
    grades = judge.grade_clips(clips_, prompts)
    rows[name] = {"flicker": np.mean([metrics.flicker(c) for c in clips_]),
                  "path residual px": np.nanmean([p.path_residual_px for p in plaus]),
                  "colour right": grades["color"], "direction right": grades["direction"]}
print(f"{'':<28}" + "".join(f"{k:>18}" for k in next(iter(rows.values()))))
for name, r in rows.items():
    print(f"{name:<28}" + "".join(f"{v:>18.3f}" for v in r.values()))
video.show_video([ours[0], per_frame[0]], ["video diffusion", "frame by frame"])
assert all(np.isfinite(v) or np.isnan(v) for r in rows.values() for v in r.values())
assert rows["frame by frame (nb 01)"]["colour right"] == 1.0  # an ideal image model gets every frame right
assert rows["video diffusion (shipped)"]["path residual px"] < rows["frame by frame (nb 01)"]["path residual px"], "joint denoising keeps one path"
"""),
    md(r"""
Joint denoising keeps one object on one straight path (the path residual). Flicker is another
matter: `metrics.flicker` counts every change that the motion does not explain, and this model's
outlines and brightness still wobble a little from frame to frame, so its flicker comes out higher
than that of the ideal frame-by-frame renderer, whose every frame is a perfect shape. On all 48
prompts (notebook 08) it is 0.260 against 0.216 (the base model of section 9: 0.240), while its
warping error, which forgives motion that optical flow can follow, is 20 times lower (0.0024
against 0.049).
"""),
    md(r"""
## 8 · Held-out combinations

Eight combinations (for example "a red circle moving right") were never shown in training, though
every word was. A model that composes words generalises to them:
"""),
    code(r"""
held = [c.caption for c in shapes.HELD_OUT[:runtime.pick(4, 8)]]
held_clips = sample_clips(pipe, held, seed=13, num_inference_steps=STEPS)
held_rates = judge.grade_clips(held_clips, held)
print("held-out:", {k: round(v, 2) for k, v in held_rates.items()})
video.show_video(held_clips[:4], held[:4])
assert len(held_clips) == len(held) and all(np.asarray(c).shape == (16, 32, 32, 3) for c in held_clips)
assert 0 <= held_rates["color"] <= 1
"""),
    md(r"""
How much do a handful of clips say? A rate measured on $n$ clips is uncertain, and the Wilson
score interval says by how much: with $\hat p$ the measured share and $z = 1.96$ for 95 %,

$$\frac{\hat p + \frac{z^2}{2n}}{1 + \frac{z^2}{n}} \pm \frac{z}{1 + \frac{z^2}{n}}\sqrt{\frac{\hat p(1-\hat p)}{n} + \frac{z^2}{4n^2}}$$

(`helpers.t2v_quality.wilson_interval`; unlike $\hat p \pm z\sqrt{\hat p(1-\hat p)/n}$ it stays
inside $[0, 1]$ and is not zero wide when every clip is right):
"""),
    code(r"""
intervals = rate_intervals(held_rates, len(held))
for name in ("color", "shape", "direction", "single_object"):
    lo, hi = intervals[name]
    print(f"{name:14s} {held_rates[name]:5.0%} of {len(held)} clips: 95 % interval {lo:4.0%} - {hi:4.0%}")
assert all(lo <= held_rates[k] <= hi for k, (lo, hi) in intervals.items())
assert all(hi - lo > 0.3 for lo, hi in intervals.values())  # 8 clips or fewer pin no rate down to 30 points
"""),
    md(r"""
So these few clips show what the model does, not how often. The card's figures use 4 samples of
each combination, 32 held-out clips, and even those leave about ±16 points: its held-out shape
rate, 46.9 %, has the interval 31-64 %, and a second measurement with 8 samples per combination
(other seeds) gave 56.3 % of 64 clips (44-68 %); 160 trained clips narrow it to ±3-7 points.

Section 9 grades every model against the card's **quality bar**, measured on at least 4 samples of
each of the 48 combinations at the pipeline's defaults: colour + direction right on ≥ 90 % of the
trained combinations' clips and ≥ 75 % of the held-out ones, shape right on ≥ 80 %, exactly one
object in ≥ 95 % of frames (the card counts the clips that manage it), and the autoencoder's own
reconstructions graded right on ≥ 98 % of true clips.
"""),
    md(r"""
## 9 · Why a video model can ignore "moving left", and what made this one listen

This section follows how the shipped model was made, in the order things were found. Until its
last part it measures **`data/tiny-t2v-base`**, the shipped model before its last five training
steps (the same architecture, autoencoder, tokenizer and scheduler): the model that learned to
follow the colour and the direction word and still drew half of its shapes wrong. The last part
adds the losses that fixed the shapes and compares the two.

**The story, subsection by subsection:**

- **Suspect 1: the plumbing**: a truncating tokenizer drops "left"; its loss gap is exactly zero.
- **Suspect 2: the model, and the direction plateau**: the word arrives but is ignored for a long plateau; phase 1, at pure noise, ends it.
- **The shape word's small pull**: the base model draws half of its shapes right; the shape word moves its loss little.
- **Where the shape is lost: SDEdit**, **One denoiser call: the one-step estimate**, **What the loss pays for an outline, and where the word goes**: the outline is lost once noise matches signal.
- **A loss that pays for the outline**: a learned shape critic lifts the shapes (51 % to 65 %), and is gamed.
- **Where sampling decides, and what guidance does to it**: with the critic on its own sampling states, the outline is drawn early and lost in the later, guided steps.
- **A critic the model cannot please: the judge's rule**: the judge's own rule as a loss gives the shipped model.
- **Held-out shapes: what is left open**, **Where the held-out shape is lost: the caption's padding, then the transformer**: held-out shapes stay near half right; the padding hides the shape word, but the transformer ties each outline to its trained contexts.

The course's first shipped model, a UNet3D in the lesson's `TextToVideoSDPipeline` (1,700 steps on
a GPU), got the colour right on every clip and the direction right on 26 %: chance for four
directions. AnimateDiff's motion modules and a Wan-style diffusion transformer did the same. The
instrument that found out why: the **caption-loss gap**, the denoising loss with one word flipped
minus the loss with the true caption, on the same clips and the same noise. A gap of zero means
the model does not use the word, whatever sampling later shows. Here it is for the base model.

<details><summary>Details: the base model's gaps in full mode, and how to read the quick run below</summary>

(Measured with `python -m scripts.measure_tiny_t2v --gaps-only`, 2 clips of each of the 40
training combinations: direction +0.21 / +0.38 / +0.31 / +0.27 / +0.24 / +0.17 at t = 999 / 900 /
700 / 500 / 300 / 100; the quick run below uses 6 clips and two levels, so its small gaps, the
shape word's above all, are noisy and can even come out negative. It peaks near pure noise, where the
word decides where the object goes, and stays positive at low noise: even where the noisy clip
already shows the motion, one denoising step predicts better with the right word. Whether a whole
sampling run follows the word or the clip is another question, measured below.)

</details>
"""),
    code(r"""
base_pipe = DiffusionPipeline.from_pretrained(runtime.DATA_DIR / "tiny-t2v-base")  # the model before the shape losses
base_pipe.set_progress_bar_config(disable=True)
combos = runtime.pick(shapes.TRAIN_COMBOS[1::7], shapes.TRAIN_COMBOS)  # quick: 6 clips, every colour, shape and direction
true_video = shapes.make_batch(combos, seed=21)  # (N, 3, 16, 32, 32)
with torch.no_grad():
    true_latents = encode_video(base_pipe.vae, true_video)  # (N, 8, 16, 8, 8)
denoiser = TextToVideoDenoiser.from_pipeline(base_pipe)  # the pipeline's transformer and text encoder, bundled to measure losses
timesteps = runtime.pick([900, 300], [999, 900, 700, 500, 300, 100])
gaps = caption_loss_gaps(denoiser, true_latents, [c.caption for c in combos], timesteps)
fig, ax = plt.subplots(figsize=(6, 3))
for kind in ("color", "shape", "direction"):
    ax.plot(timesteps, gaps[kind], marker="o", label=f"{kind} flipped")
ax.axhline(0, color="grey", lw=0.5)
ax.set(title="Base model: loss(flipped word) - loss(true caption)", xlabel="timestep t", ylabel="loss gap")
ax.legend()
plt.show()
for kind in ("color", "shape", "direction"):
    print(f"{kind:>9}: " + ", ".join(f"t={t}: {g:+.5f}" for t, g in zip(timesteps, gaps[kind])))
assert gaps["direction"].max() > 0.02 and gaps["color"].max() > 0.02, "the base model uses the colour and the direction word"
peak_t = timesteps[int(np.argmax(gaps["direction"]))]
print(f"the direction gap peaks at t={peak_t}")
assert peak_t >= 700 and gaps["direction"].max() > gaps["direction"][-1], "the direction word matters most at high noise, where it decides the motion"
"""),
    md(r"""
### Suspect 1: the plumbing

A pipeline's `encode_prompt` pads *and truncates* every prompt to a
fixed length (`TextToVideoSDPipeline`: `tokenizer.model_max_length`; `CogVideoXPipeline`:
`max_sequence_length`, 226). `[BOS] a red circle moving left [EOS]` is 7 tokens: a maximum of 6
drops the last word, which is the direction. `CogVideoXPipeline` logs a warning (below); a training
loop that tokenizes on its own, as the first model's did, drops it without a word. The first model's tokenizer kept 8 tokens,
this pipeline keeps 226. Watch the bug happen:
"""),
    code(r"""
def embeddings(p, length=226):
    with torch.no_grad():  # the pipeline's own text path: pad and truncate to max_sequence_length, then encode
        return base_pipe.encode_prompt(p, do_classifier_free_guidance=False, max_sequence_length=length, device="cpu")[0]

left, right = "a red circle moving left", "a red circle moving right"
for length in (226, 6):
    ids = base_pipe.tokenizer(left, padding="max_length", max_length=length, truncation=True).input_ids
    print(f"max_sequence_length {length}: tokens kept", base_pipe.tokenizer.convert_ids_to_tokens(ids)[:8])
good = float((embeddings(left) - embeddings(right)).abs().max())
bad = float((embeddings(left, 6) - embeddings(right, 6)).abs().max())
print(f"max |embedding(left) - embedding(right)|: {good:.4f} with 226 tokens, {bad:.4f} with 6")
assert good > 0 and bad == 0.0
"""),
    md(r"""
With the bug, "left" and "right" give *identical* embeddings: a direction gap of exactly 0.0, the
signature of plumbing. A seconds-long test separates plumbing from modelling: train a model that
maps the caption straight to the **mean clip** (what any denoiser must output at pure noise, with an
$x_0$ target). The mean clips of "left" and "right" differ (the object starts on opposite sides),
so the direction gap must open if the word arrives:
"""),
    code(r"""
probe_steps = runtime.pick(20, 150)
histories = {L: pure_noise_probe(steps=probe_steps, tokenizer_length=L, probe_every=runtime.pick(10, 25)) for L in (8, 6)}
fig, ax = plt.subplots(figsize=(6, 3))
for L, h in histories.items():
    ax.plot([r["step"] for r in h], [r["direction"] for r in h], marker="o", label=f"direction gap, {L}-token tokenizer")
    ax.plot([r["step"] for r in h], [r["color"] for r in h], ls="--", label=f"colour gap, {L}-token tokenizer")
ax.set(title="Caption -> mean clip at pure noise: does the word arrive?", xlabel="training step", ylabel="loss gap")
ax.legend(fontsize=7)
plt.show()
print({L: (round(h[-1]["color"], 5), round(h[-1]["direction"], 5)) for L, h in histories.items()})
assert all(r["direction"] == 0.0 for r in histories[6])
assert histories[8][-1]["direction"] > 0
"""),
    md(r"""
### Suspect 2: the model, and the direction plateau

With a correct tokenizer the word arrives (above), and still the first
model did not use it. Measured on a GPU, its direction gap stayed exactly or nearly 0 and it got
the direction right on 23-26 % of clips:

<details><summary>Details: the first model's gaps: direction exactly or nearly 0, direction right 23-26 %</summary>

| first model (UNet3D) | steps | colour gap (t=999/700/400) | direction gap | direction right |
|---|---|---|---|---|
| 8-token tokenizer (shipped at the time) | 1,700 | +0.034 / +0.037 / +0.026 | 0.0000 / 0.0000 / 0.0000 | 26 % |
| 6-token tokenizer (the bug) | 1,700 | +0.042 / +0.036 / +0.023 | exactly 0.0 | 26 % |
| trained 1,200 steps more | 2,900 | +0.040 / +0.041 / +0.033 | -0.0001 / 0.0000 / 0.0000 | 23 % |

</details>

Why would a model not use a word it receives? Colour is the same everywhere on the object: the
caption can set it as an offset. Direction is about *where* the object is in *which* frame: "bright
on the right in frame 0, on the left in frame 15". From pure noise, which looks the same
everywhere, the model has to make its output depend on the word **and** the position **and** the
frame at once, a multiplicative use of the text. At lower noise the clip itself shows the motion,
and the caption adds less and less, so the word matters most at high noise (the base model's
gaps above peak around t = 900). Giving the model positions
is not enough on its own.

Measured on this 2-core CPU with `python -m scripts.probe_denoisers` (the
frame autoencoder's latents, the first model's text encoder and the same loop, half of each batch
at pure noise; gaps at t = 999 / 850 / 700):

| denoiser | steps | colour gap | direction gap |
|---|---|---|---|
| AnimateDiff's `UNetMotionModel` (sinusoidal frame positions), 1.24 M | 400 | +0.03 / +0.10 / +0.07 | -0.0000 / 0.0000 / -0.0000 |
| CogVideoX transformer (absolute 3D positions, text and video in one attention), 0.43 M | 1,700 | +0.04 / +0.06 / +0.06 | +0.0004 / -0.0002 / -0.0001 |
| the same transformer fed zeros instead of the noisy clip (caption and position only) | 200 | +0.03 | 0.0000 |
| the same, zeros, every step at t = 999, learning rate 3e-3 instead of 1e-3 | 1,100 / 1,400 | +0.05 / +0.07 | 0.0000 / **+0.06** |
| the transformer on the noisy clip again, every step at t = 999, learning rate 3e-3 | 2,000 / 2,800 | +0.04 / +0.07 / +0.06 | +0.001 / **+0.15 / +0.12 / +0.11** |
| a linear head on the text states, no denoiser | 200 | +0.04 | **+0.13** |
| a perfect model (per-caption mean clips, `ideal`) | – | +0.13 | **+0.23** |

So the data, the words and the loss carry the direction (last two rows), yet the denoisers learn
the global mean clip and some colour first (loss at t = 999 about 0.36; global mean 0.37, perfect
0.27) and sit on that **plateau** for a long time.

<details><summary>Details: why the plateau: a denoiser grows the multiplicative term out of products of small weights</summary>

A linear head has the multiplicative term by
construction (one weight per word, place and frame); a denoiser has to grow it out of products of
small weights (attention scores are query x key), and a product of two small numbers has a tiny
gradient: a saddle that plain training leaves only slowly.

</details>

The rows trained every step at t = 999 with learning rate 3e-3 show the way out:
spend the training where the word matters (pure noise) with a larger learning rate, and wait.

#### What the base model does: phase 1 at pure noise

`helpers.train_t2v.run` trains in two phases: (1) every clip at
$t = 999$, learning rate $3 \cdot 10^{-3}$; (2) every noise level, a quarter of each batch still at
pure noise, learning rate $10^{-3}$ with cosine decay and EMA. Phase 1 of the base model's run, gaps at
t = 999 on 40 training clips (from its training log; the card, `data/tiny-t2v/README.md`, lists
steps 250, 2,250, 2,500 and 3,250):

| phase-1 step | 250 | 1,000 | 2,000 | 2,250 | 2,500 | 2,750 | 3,250 |
|---|---|---|---|---|---|---|---|
| colour gap | +0.039 | +0.063 | +0.064 | +0.059 | +0.061 | +0.057 | +0.110 |
| direction gap | +0.0001 | -0.0000 | +0.0005 | +0.0004 | **+0.009** | **+0.029** | **+0.113** |

For 2,250 steps the direction word did nothing; within the next 1,000 its gap grew past the
colour's.

<details><summary>Details: phase 2 and the continuations that cleaned up the objects</summary>

Phase 2 then taught every noise level, and continuations weighted to the lower levels
cleaned up the objects (the last one on a GPU: 3,500 steps of 128 clips, 5 min on an H100;
about 98 min if run on this CPU).

</details>

The result, 4 samples of each of the 48 combinations at the default settings
(`data/tiny-t2v/README.md`):

| | colour + direction, trained / held-out | direction | shape | one object |
|---|---|---|---|---|
| first model (UNet3D) | 26 % / 12.5 % | 26 % / 12.5 % | 34 % | 98 % / 100 % |
| DiT after phases 1-2 and the CPU continuation | 89 % / 84 % | 97.5 % / 84 % | 34 % | 62 % / 69 % |
| base (+ the GPU continuation) | **99.4 % / 84 %** | **100 % / 87.5 %** | 51 % / 44 % | **97.5 % / 91 %** |

The direction word works, on held-out combinations too, and objects stay whole.

### The shape word's small pull

Shape is the
part still missing (chance is 33 %): most wrong shapes come out as rounded blobs read as circles,
and continuing the base model for 2,500 more GPU steps at learning rate $10^{-3}$ or
$2 \cdot 10^{-3}$ left it at 48 % and 57.5 % (160 clips each): the next thing to train for.

<details><summary>Details: not the sampler (DDIM 50 and 100 steps, stochastic DDIM)</summary>

It is not
the sampler: on 2 clips of each training combination, DDIM with 50 steps (the default) gets 51 %
of shapes right, stochastic DDIM ($\eta = 1$) 50 %, DDIM with 100 steps 54 %
(`python -m scripts.measure_tiny_t2v --samplers-only`).

</details>

The judge's shape
numbers say why: the model's squares have a median corner ratio of 1.02 (a true square 1.33, a
circle 1.00), so they are read as circles.

<details><summary>Details: the judge's shape rule, and where the model's squares and triangles fall on it</summary>

It calls an object a triangle if its skewness (how lopsided the mask is: the
normalised third moment about the centre, along x and y) is at least 0.3, else a square if its
corner ratio (the fourth moment along the diagonals over that along the axes) is at least 1.1 or at
most 1/1.1 (a square turned 45°), else a circle. The model's
squares have a median corner ratio of 1.02 (a true square 1.33, a circle 1.00), so they are read
as circles, and its triangles a skewness of 0.30 (true 0.57), right on the cut-off.

</details>

Its objects are lumpy blobs with
the right colour, place and motion whose outline wobbles from frame to frame; the autoencoder is
not the cause (its reconstructions are 98 % right), the denoiser has not learnt the outlines.

<details><summary>Details: the caption-loss gaps: shape +0.003 to +0.030, colour +0.07 to +0.14, direction +0.17 to +0.38</summary>

The caption-loss gaps tell the same story (`python -m scripts.measure_tiny_t2v --gaps-only`: 80
training clips, t = 999 / 900 / 700 / 500 / 300 / 100): flipping the shape word costs +0.020 / +0.030 / +0.017 / +0.010 / +0.006 / +0.003, against
+0.12 / +0.14 / +0.10 / +0.08 / +0.07 / +0.08 for the colour and +0.21 / +0.38 / +0.31 / +0.27 /
+0.24 / +0.17 for the direction.

</details>

The shape word is used, a little, most at high noise (t = 900).

<details><summary>Details: a perfect model's shape gap is small too; more training at high noise (<code>band-cpu</code>) left it where it was</summary>

Small is not the same as unused: a perfect model's shape gap at t = 999 is only about +0.03
(the per-caption mean clips, `python -m scripts.probe_denoisers ideal`), because the three shapes
differ in a few pixels of an 8-10 px object, so at high noise this gap is near its ideal.
A first test, on this CPU: 35 minutes (2,150 steps of 32 clips) continuing the base model with
half of each batch at t = 700-999 (`python -m helpers.train_t2v --recipe band-cpu --init
data/tiny-t2v-base --causal-vae data/tiny-t2v/vae --vae data/frame-autoencoder --minutes 35 --out
runs/band --evaluate 2`) left the shape gap where it was (+0.023 / +0.018 / +0.008 at
t = 999 / 700 / 400, on 40 training clips) and shape right on 54 % of 80 samples (2 per training
combination, the same seeds as the 51 %).

</details>
"""),
    md(r"""
### Where the shape is lost: SDEdit

So is the shape decided wrongly at high noise, or lost later? Hand the model the answer and see
what it keeps. **SDEdit** (Meng et al. 2021, arXiv 2108.01073) takes a *true* clip, noises it to
level $t$ and runs only the remaining denoising steps. Its **strength** $s$ is the share of the 50
DDIM steps that are run: $s = 0.3$ noises to $t = 299$ and runs the last 15 steps, $s = 1$ starts
from $t = 999$, which this schedule (zero terminal SNR) makes pure noise, so $s = 1$ is plain
text-to-video.

<details><summary>Details: how much of the clip is left at each strength (σ/α)</summary>

How much of the clip is left at each start is the ratio of noise to signal,
$\sigma/\alpha = \sqrt{(1-\bar\alpha_t)/\bar\alpha_t}$: 0.52 at $s = 0.3$, 1.0 at 0.5, 2.0 at 0.7, 3.9 at
0.85, infinite at 1.

</details>

`helpers.sdedit_probe` runs it with a `CogVideoXVideoToVideoPipeline` built from
this pipeline's own parts, in two versions: denoise with the clip's own caption (what
survives?), and with one word changed (circle → square → triangle → circle, red → blue, left →
right, ...: does the output follow the word or keep the clip?).

<details><summary>Details: what the quick-mode cell below can and cannot show</summary>

The cell below runs both on 3
clips in quick mode, and with a 10-step sampler instead of 50, so every share is 0, 33, 67 or
100 %: read only the trend there and compare it with the tables after it (full mode: 80 and 40
clips and 50 steps, as in the tables; the direction word is left out of the cell to save time).

</details>
"""),
    code(r"""
probe_combos = runtime.pick(shapes.TRAIN_COMBOS[1::13], shapes.TRAIN_COMBOS)  # quick: a circle, a square, a triangle
strengths = runtime.pick([0.3, 0.7], [0.3, 0.5, 0.7, 0.85, 1.0])
sdedit_steps = runtime.pick(10, 50)  # the sampler's steps; strength s runs the last s share of them
recovery = shape_recovery(base_pipe, strengths, clips_per_combo=runtime.pick(1, 2), combos=probe_combos, steps=sdedit_steps)  # own caption
conflict = word_or_clip(base_pipe, strengths, combos=probe_combos, kinds=("color", "shape"), steps=sdedit_steps)  # one word changed
names = {"color": "colour", "shape": "shape", "direction": "direction"}
colors = {"color": "tab:red", "shape": "tab:blue", "direction": "tab:green"}
fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
for kind, style in (("color", "o-"), ("shape", "s-"), ("direction", "^:")):
    axes[0].plot(strengths, [recovery[s][kind] for s in strengths], style, color=colors[kind], label=names[kind])
for kind, style in (("color", "o-"), ("shape", "s-")):
    axes[1].plot(strengths, [conflict[kind][s]["word"] for s in strengths], style, color=colors[kind], label=f"{names[kind]}: follows the changed word")
    axes[1].plot(strengths, [conflict[kind][s]["clip"] for s in strengths], style[0] + "--", color=colors[kind], alpha=0.5, label=f"{names[kind]}: keeps the clip's")
axes[0].set(title="true clips noised to s, denoised with their caption", ylabel="share right")
axes[1].set(title="one word changed: which wins, word or clip?", ylabel="share of outputs")
for ax in axes:
    ax.axhline(1 / 3, color="grey", lw=0.5, ls=":")  # chance for the shape
    ax.set(xlabel="strength s (denoising starts at t ≈ 1000·s)", ylim=(-0.05, 1.05))
    ax.legend(fontsize=7)
plt.tight_layout()
plt.show()
for s in strengths:
    print(f"s = {s}: kept colour {recovery[s]['color']:.0%}, shape {recovery[s]['shape']:.0%}, direction {recovery[s]['direction']:.0%}; "
          f"changed colour word followed {conflict['color'][s]['word']:.0%}, changed shape word {conflict['shape'][s]['word']:.0%}")
print(f"{len(probe_combos) * runtime.pick(1, 2)} clips per strength: one clip is {1 / (len(probe_combos) * runtime.pick(1, 2)):.0%}")
low, high = strengths[0], strengths[-1]
assert recovery[low]["color"] == 1.0, "at s = 0.3 the clip's own colour comes back"
assert conflict["color"][high]["word"] >= 0.5, f"at s = {high} the colour word decides"
if not QUICK:  # 40 clips: the shape word is followed far less often than the colour word
    assert conflict["color"][high]["word"] > conflict["shape"][high]["word"] + 0.2
"""),
    md(r"""
<details><summary>Details: the SDEdit tables (80 and 40 clips per strength), and what s = 0.3 keeps</summary>

On all 40 training combinations (2 clips each; `python -m scripts.measure_tiny_t2v --recovery-only`):

| strength (start) | 0.3 | 0.5 | 0.7 | 0.85 | 1.0 (plain generation) |
|---|---|---|---|---|---|
| shape right (80 clips) | 90 % | 64 % | 56 % | 52.5 % | 50 % |
| colour, direction right | 100 %, 100 % | 100 %, 100 % | 100 %, 99 % | 100 %, 99 % | 99 %, 100 % |

and with one word changed (`--conflict-only`, 1 clip of each, 40 per cell), the share of outputs
that follow the changed word:

| strength | 0.3 | 0.5 | 0.7 | 0.85 | 1.0 |
|---|---|---|---|---|---|
| colour word changed | 52.5 % | 75 % | 95 % | 97.5 % | 100 % |
| direction word changed | 27.5 % | 70 % | 85 % | 90 % | 97.5 % |
| shape word changed | 12.5 % | 32.5 % | 47.5 % | 55 % | 40 % |

With 40 clips one standard error is about 8 points, with 80 about 5.5: the 55 % at 0.85 and 40 %
at 1.0 of the shape row are the same within the noise. At $s = 0.3$ ($\sigma/\alpha = 0.52$) the model
keeps 90 % of the shapes, about what the autoencoder alone keeps (91 %, measured for the card,
`data/tiny-t2v/README.md`) when noise of 0.4 latent standard deviations, a little less than 0.52,
is added to true latents and decoded with no denoising at all, and it already repaints half of the colours when the word says so.

</details>

At $s = 0.3$ the model keeps 90 % of the shapes, about what the autoencoder alone keeps. From
$s = 0.5$ ($\sigma/\alpha = 1$) a third of the shapes come back wrong while colour and motion
survive. From $s = 0.7$ on, the colour and direction words win 85-100 % of the time, the shape word
40-55 % (chance 33 %). So the answer is: both. The caption names the shape at every strength, so a
perfect denoiser would get it right even from pure noise; this one reads the outline from the clip
while it is visible, loses it once the noise is as large as the signal, and takes it from the word
only about half the time: the small shape gap, seen from the sampler's side.

<details><summary>Details: more training at the lower noise levels, and more depth, did not lift the shape</summary>

Training more at the
lower levels (recipe `band-low-cpu`: half of each batch at t = 100-499, 40 min, 1,930 steps) moved
nothing beyond the noise of 80 clips (shape 56 %, was 51 %; recovery from $s = 0.5$ 70 %, was 64 %).
Nor did more depth: two blocks added after the trained three, their gates zeroed so that training
starts from the base model's output (recipe `deepen-cpu`, `helpers.denoisers.deepen_transformer`,
4,000 steps, 57 min) left shape at 47.5 % of 160 clips (was 51 %; an earlier 3,000-step run read
61 % of 80: together, a few points at most) and made each clip 1.4-1.6 times as slow.

</details>
"""),
    md(r"""
#### One denoiser call: the one-step estimate

SDEdit chains many denoiser calls, so a lost shape can come from any of them or from how they
build on each other. To test the denoiser alone, take the sampler away: noise a true clip to level
$t$, make **one** call of the denoiser with the clip's own caption, and decode its estimate of the
clean clip.

<details><summary>Details: the clean-clip estimate from one call, in formulas</summary>

Write $\alpha_t = \sqrt{\bar\alpha_t}$ and $\sigma_t = \sqrt{1-\bar\alpha_t}$, so that
$z_t = \alpha_t x_0 + \sigma_t \epsilon$ (section 1; $x_0$ is the clean latent clip). Then
$\hat x_0 = (z_t - \sigma_t \hat\epsilon)/\alpha_t$, and for a v-prediction model
$\hat x_0 = \alpha_t z_t - \sigma_t \hat v$ (because $\alpha_t^2 + \sigma_t^2 = 1$;
`helpers.latent_diffusion.clean_estimate`).

</details>

What should a perfect model give? For this synthetic world
we can approximate it: draw $K$ fresh clips of the caption (the true clip is not among them) and
treat them as all the clip could be, equally likely.

<details><summary>Details: the ideal estimate as a formula: the posterior mean over the candidates</summary>

The best estimate in squared error is then the
posterior mean, the candidates' average weighted by how likely each is to have produced $z_t$

$$\hat x_0^{\text{ideal}}(z_t) = \sum_k w_k\, x_0^{(k)}, \qquad
w_k \propto \exp\!\Big(-\frac{\lVert z_t - \alpha_t x_0^{(k)} \rVert^2}{2\sigma_t^2}\Big),$$

a softmax over how well each candidate explains the noisy clip (`ideal_clean_estimate`).

</details>

Every
candidate has the caption's shape, so with a small $K$, where the estimate snaps to the nearest
candidate (in the figure, $K = 64$, 8 in quick mode: the same shape, moving the same way, a pixel
or two from the true clip's place), a right shape is nearly guaranteed.

<details><summary>Details: with 1,024 candidates the ideal estimate still draws the right shape, and why it can find the object at all</summary>

The telling case is a large
$K$, where the estimate *averages* many candidates at slightly different places and could blur into
a blob: with $K = 1{,}024$ it averages an effective 3 to 86 candidates at $t = 900$ (median 40;
$1/\sum_k w_k^2$, `effective_candidates`) and still draws the right shape on all 9 clips tried, one
of every third square or triangle combination (circles are left out: a blob reads as a circle);
the model gets 3 of the 9 (`python -m scripts.measure_tiny_t2v --one-step-only`). Crisp outlines
are what the best possible estimate looks like. How can it find the object at all when the clip
is 6.4 times smaller than the noise? The distance in $w_k$ sums over all 8 × 16 × 8 × 8 = 8,192
latent numbers: a weak signal spread over many of them still picks out the place and the motion.

</details>
"""),
    code(r"""
levels = [900, 700, 500, 300]
shown = [next(c.caption for c in shapes.TRAIN_COMBOS if c.shape == "square")]  # one square, the shape the model rounds off most
candidates = runtime.pick(8, 64)
mine = one_step_clips(base_pipe, shown, levels)
ideal = one_step_clips(base_pipe, shown, levels[:1] + levels[2:3], ideal_candidates=candidates)
truth = video.tensor_to_clips(shapes.make_batch(shown, seed=21))  # the clips that were noised (same seed)
rows = [truth[0]] + [mine[t][0] for t in levels] + [ideal[900][0], ideal[500][0]]
titles = [f"true: {shown[0]}"] + [f"model, one step from t={t}" for t in levels] + ["ideal, from t=900", "ideal, from t=500"]
video.frame_grid(rows, titles, max_frames=6, suptitle="clean-clip estimate from one denoiser call (frames left to right)")
plt.show()

grade_combos = runtime.pick(shapes.TRAIN_COMBOS[1::13], shapes.TRAIN_COMBOS)
per_combo = runtime.pick(1, 2)
graded = runtime.pick([900, 300], levels)  # quick: the two ends
model_grades = one_step_grades(base_pipe, graded, clips_per_combo=per_combo, combos=grade_combos)
ideal_grades = one_step_grades(base_pipe, graded, clips_per_combo=per_combo, combos=grade_combos, ideal_candidates=candidates)
fig, ax = plt.subplots(figsize=(5.5, 3))
ax.plot(graded, [model_grades[t]["shape"] for t in graded], "s-", label="the base model")
ax.plot(graded, [ideal_grades[t]["shape"] for t in graded], "o--", label=f"ideal denoiser ({candidates} candidates)")
ax.axhline(1 / 3, color="grey", lw=0.5, ls=":", label="chance (1 in 3)")
ax.set(title="shape right after one denoiser call", xlabel="noise level t of the true clip", ylabel="share right", ylim=(-0.05, 1.05))
ax.invert_xaxis()
ax.legend(fontsize=8)
plt.show()
for t in graded:
    print(f"t = {t}: shape right, model {model_grades[t]['shape']:.1%}, ideal {ideal_grades[t]['shape']:.1%}; "
          f"model colour {model_grades[t]['color']:.0%}, direction {model_grades[t]['direction']:.0%}")
print(f"{len(grade_combos) * per_combo} clips per level: one clip is {1 / (len(grade_combos) * per_combo):.0%} (quick mode: read only the trend)")
assert all(ideal_grades[t]["shape"] == 1.0 for t in graded), "knowing the caption, one step keeps every shape"
assert all(model_grades[t]["color"] == 1.0 for t in graded), "colour survives a single step at every level"
if not QUICK:  # 80 clips per level: the model loses shapes as the noise grows
    assert model_grades[300]["shape"] > model_grades[900]["shape"] + 0.2
"""),
    md(r"""
On all 40 training combinations (2 clips each, `python -m scripts.measure_tiny_t2v --one-step-only`):

| one step from t = | 900 | 700 | 500 | 300 |
|---|---|---|---|---|
| $\sigma/\alpha$ | 6.4 | 2.0 | 1.0 | 0.52 |
| shape right, base model | 46 % | 64 % | 82.5 % | 90 % |
| shape right, ideal denoiser (64 candidates) | 100 % | 100 % | 100 % | 100 % |
| colour, direction right, base model | 100 %, 100 % | 100 %, 100 % | 100 %, 100 % | 100 %, 100 % |

The ideal denoiser keeps every shape from a single step even at $t = 900$, where the clip is
6.4 times smaller than the noise: once the caption is known and the colour and motion pin down the
place, the outline follows. The model's one-step estimate loses half of the shapes at $t = 900$ and
a third at $t = 700$, where its colour and motion are perfect. That is consistent with the plain
samples' 51 % (50-56 % across the runs in this section, which differ in seeds and sampler code),
as if sampling keeps what its early steps decided.

<details><summary>Details: guidance along the shape word does not raise the shape</summary>

Is the shape at least *there*, too weak to show? Guidance amplifies whatever the caption changes
in the prediction, so push only along the shape: add
$w_s\,(c - \tfrac12(c_a + c_b))$ to the guided prediction, where $c$ is the prediction with the
caption and $c_a, c_b$ with the two other shapes in its place
(`python -m scripts.measure_tiny_t2v --contrast-only`, 2 samples of each training combination,
guidance 6): shape right on 56 / 55 / 52.5 / 50 % of 80 samples for $w_s$ = 0 / 3 / 6 / 12, while
colour (100 / 97.5 / 89 / 84 %) and one object (99 / 96 / 85 / 79 %) get worse. Shape does not rise
(56 → 50 % is within the standard error of a difference of two 80-clip shares, about 8 points):
amplifying what the shape word changes in the prediction does not give better outlines, it only
breaks colours and objects.

</details>

<details><summary>Details: three more training levers (the x0 target, one noise level, a noise-free target): one-step shape from t = 900 at 49 % at most</summary>

Three more training levers, 12 minutes each on this CPU, continuing the base model. The target
switched from $v$ to $x_0$ (`prediction_type="sample"`; at high noise $v \approx \epsilon$, so a
v-model spends features copying its input noise to its output, an $x_0$-model does not): one-step
shape 41 / 47.5 / 62.5 / 81 % at t = 900 / 700 / 500 / 300 (the table's clips), samples 42.5 %
shape and 64 % one object (80 clips), worse after 12 minutes (recipe `x0-cpu` with `--minutes 12`);
switching the target mid-training is confounded, so this neither confirms nor rules out
$x_0$-prediction. And with every training step at the level where
it loses the most ($t$ = 850-949, recipe `one-level-cpu`, about 1,280 steps) the model drew 49 % of
the shapes right in one step from $t = 900$ (46 % before; the ideal 100 %). Nor is it the noise in
the target: one clip's target is the ideal's answer plus noise, and the posterior mean over the 300
cached clips of the caption (the ideal denoiser above, on the training clips; a "stable target
field", Xu et al. 2023) removes that noise. Trained on it at the same level (recipe
`posterior-one-level-cpu`, 684 steps in 12 minutes) the model's loss fell from 0.046 to 0.035 and
it still drew 49 % of the shapes right from $t = 900$.

</details>

<details><summary>Details: training on fewer captions (1, 3 or 40)</summary>

Last, give it less to learn (`python -m scripts.probe_denoisers few-captions`, the same level, target
and start, shape right in one step from 40 fresh clips per caption at $t = 900$): trained on
"a red square moving left" alone it goes from 60 % to 100 % in 10 minutes; on the three captions that
differ only in the shape word, from 49 % to 67 % in 10 minutes and 69 % in 20; on all 40 captions,
49 % (above).

</details>

Trained on one caption, the one-step shape from $t = 900$ goes from 60 % to 100 %; on the three
captions that differ only in the shape word, only to 67-69 %. One outline fits in the model; three,
chosen by a word, do not.
"""),
    md(r"""
### What the loss pays for an outline, and where the word goes

Two things set how fast a word is learnt: how much the loss drops when the model uses it, and
whether it reaches the video tokens at all. Both can be measured without training. First, the size
of a change. Render pairs of clips at the same random places that differ in one thing, and compare
the energy of their difference with the energy of the clip around its mean value, in pixels and in the
autoencoder's latents (where the diffusion loss is computed; `helpers.autoencoder.word_change_energy`):

$$\text{size}(a \to b) = \frac{\lVert x_b - x_a \rVert^2}{\lVert x_a - \bar x_a \rVert^2}.$$

Second, the reach of a word. The pipeline pads every prompt to 226 tokens, and the video tokens
attend to all of them. Change one word and measure how far each token of the text encoder's output
moves (`helpers.word_heads.text_token_spread`): the word's own token, and the padding tokens that
make up 219 of the 226.
"""),
    code(r"""
from diffusers import AutoencoderKL

from helpers.autoencoder import FRAME_AUTOENCODER, word_change_energy
from helpers.word_heads import text_token_spread

frame_vae = AutoencoderKL.from_pretrained(FRAME_AUTOENCODER).eval()
base = "a red circle moving left"
changes = {"red -> blue": (base, "a blue circle moving left"), "red -> green": (base, "a green circle moving left"),
           "circle -> triangle": (base, "a red triangle moving left"), "1 px to the right": (base, "shift"),
           "circle -> square": (base, "a red square moving left")}
energy = word_change_energy(frame_vae, changes, num_clips=runtime.pick(8, 40))
fig, ax = plt.subplots(figsize=(7, 3))
place = np.arange(len(energy))
ax.bar(place - 0.2, [e["pixel"] for e in energy.values()], 0.4, label="pixels")
ax.bar(place + 0.2, [e["latent"] for e in energy.values()], 0.4, label="latents (what the loss sees)")
ax.set(yscale="log", xticks=place, title="how big each change is", xlabel="change of 'a red circle moving left'",
       ylabel="energy of the change / energy of the clip")
ax.set_xticklabels(list(energy), fontsize=8)
ax.legend(fontsize=8)
plt.show()
for name, e in energy.items():
    print(f"{name:20s} pixels {e['pixel']:7.2%}   latents {e['latent']:7.2%}")

spread = text_token_spread(base_pipe.text_encoder, base_pipe.tokenizer, base, {"red": "blue", "circle": "square", "left": "right"})
for word, s in spread.items():
    print(f"'{word}' instead: its own token moves {s['caption']:5.2f}, each padding token {s['padding']:5.2f} on average")
assert energy["circle -> square"]["latent"] < energy["1 px to the right"]["latent"] < energy["red -> green"]["latent"]
assert spread["square"]["padding"] < spread["right"]["padding"] / 3 and spread["square"]["padding"] < spread["blue"]["padding"] / 3
"""),
    md(r"""
For the loss, the outline is a small thing. Turning the circle into a square changes 8 % of the
clip's pixel energy and 0.4 % of its latent energy (40 pairs: red to green 205 % and 7 %, one pixel
of shift 18 % and 1.2 %): a model that draws the right object one pixel off pays three times more
than one that draws a circle for a square (a triangle is a bigger change: 47 % and 5.4 %). And the word does not travel: "circle" to "square" moves its
own token by 8.3 but each padding token by 0.5, where "blue" moves them by 9.4 and "right" by 3.7. The
jointly trained text encoder spread colour and direction, which the loss paid for early, over all
226 tokens, and left the shape word in one.

<details><summary>Details: does it matter? A louder shape word, a loss on decoded frames, other samplers and a noise-tolerant decoder did not help</summary>

Does it matter? Each measured on this CPU, continuing the base model (2026-12-06):

- **Let the word reach every token.** `helpers.word_heads.WordHeads`: a linear head per kind of word
  reads each padding token and must name the caption's word, an auxiliary cross-entropy
  ($L = L_\text{diffusion} + 0.05 \sum_\text{kind} \text{CE}$; recipe `word-heads-cpu`, 25 minutes,
  1,877 steps). The padding spread of "square" rose from 0.5 to 7.3, but the shape gap stayed where
  it was (+0.022 / +0.015 / +0.008 at t = 999 / 700 / 400) and samples drew 50.6 % of the shapes
  right (base 51.2 %, 160 clips), while held-out colour + direction fell to 59 % (84 %). The
  route was open enough; the transformer does not take more from a louder word.
- **Weigh the outline where the judge sees it.** The three-caption probe above with a loss on two
  decoded frames of each clip's clean estimate added (`few-captions --pixel-weight 1` and `10`,
  600 steps each): one-step shape 64 / 74 % and 67.5 / 76 % at t = 900 / 700, against 67 / 72 % for
  the latent loss alone. Pixels weigh the outline little more than latents do (above).
- **Not the sampler, not the decoder.** Samples of the 40 training combinations (80 clips, seeds
  0-1, `python -m scripts.probe_shape samplers`): DDIM 53.7 % (the default), DDIM with $\eta$ = 0.5 /
  1 50 / 43.8 %, DDPM 43.8 %, SDE-DPM-Solver++ 45 %. A decoder fine-tuned for 10 minutes to turn
  noisy latents back into clean clips (`probe_shape decoder`) reads 47.5 % of the model's shapes
  right (the frame decoder 50 %): the wrong outlines are in the latents, not in their decoding.

</details>

And how much of each word does the model use? Compare its loss gaps with the ideal denoiser's
(posterior mean over 100 clips of each caption, 80 fresh clips, `python -m scripts.probe_shape gaps`):

| t | 999 | 900 | 800 | 700 |
|---|---|---|---|---|
| colour: model / ideal | 0.129 / 0.137 | 0.136 / 0.220 | 0.112 / 0.238 | 0.095 / 0.275 |
| shape: model / ideal | 0.026 / 0.027 | 0.029 / 0.044 | 0.022 / 0.045 | 0.017 / 0.053 |
| direction: model / ideal | 0.204 / 0.223 | 0.368 / 0.589 | 0.326 / 0.638 | 0.296 / 0.729 |

The model takes about the same share of every word: all of it at pure noise, about 60 % at
t = 900, 32-41 % at t = 700 (the ideal's gaps are computed with the flipped caption's clips, so
read the shares as rough). Half of a big pull is enough to get colour and direction right every
time; half of the shape word's pull, five times smaller than colour's at t = 800, is not enough for
the outline. A head that made the shape word reach every padding token (`word-heads-cpu`) lifted
its padding spread from 0.5 to 7.3 and left the shape gap and the samples (50.6 %) where they were.
Our reading, revised: nothing blocks the shape word; the model under-fits the middle
noise levels for every word (its loss at t = 900 is twice the ideal's, 0.035 against 0.016), and
only the shape word, the one the loss pays least for, shows it in the samples.

<details><summary>Details: what should help: more steps, more capacity per token, another latent, or a loss that pays for the outline</summary>

What should help is
what lowers that loss. More steps did, up to a point (a GPU continuation with 1.7 times all earlier
training took shape from 34 % to 51 %; 2,500 steps more left it at 48-57.5 %, see the card), so
the candidates are more capacity per token (width: on the three captions, 20 minutes from scratch,
a 3 x 128 transformer drew 47.5 % of the shapes right in one step from t = 700 after 1,050 steps,
a 3 x 64 one 33 % after 1,950; a hint, not proof), a latent in which the
outline is a bigger share of the clip, or a loss that pays for the outline directly, whatever its
energy: the next subsection.

</details>
"""),
    md(r"""
### A loss that pays for the outline

If the squared error pays too little for the outline, add a term that pays for it directly. A
*shape critic* (`helpers.shape_critic`) is a small classifier of latent frames (three 3x3
convolutions, a max over places, a linear read-out; 58 k parameters) trained on true latents, with
noise added so that it reads the outline that survives noise. Frozen, it reads the denoiser's own
clean estimate of each training clip,

$$\hat x_0 = \sqrt{\bar\alpha_t}\, z_t - \sqrt{1 - \bar\alpha_t}\, \hat v, \qquad
L = \lVert \hat v - v \rVert^2 + \lambda\, \text{CE}\big(\text{critic}(\hat x_0),\ \text{shape word}\big),$$

for every clip below $t = 950$ whose caption was kept (at pure noise the best estimate is the
caption's mean clip, a smear with no outline to name). A circle drawn for a square now costs as
much as a wrong colour would, whatever the two differ by in energy. The critic exists only in
training; the saved pipeline is the same `CogVideoXPipeline`.

First, does the critic see what the judge sees? Train one on true latents of every training
combination, then let both read the base model's one-step estimates from $t = 900$ (the
probe above): the critic on the latents, the judge on the decoded clips.
"""),
    code(r"""
from helpers.sdedit_probe import one_step_estimates, true_latents
from helpers.shape_critic import CriticConfig, critic_accuracy, train_critic


def shape_classes(captions):
    return torch.tensor([shapes.SHAPES.index(shapes.parse_caption(c).shape) for c in captions])  # (N,)


train_captions = [c.caption for c in shapes.TRAIN_COMBOS] * runtime.pick(2, 25)
every = runtime.pick(4, 1)  # the critic reads each frame on its own: quick mode trains it on every 4th frame of each clip
critic = train_critic(true_latents(base_pipe, train_captions, seed=50)[:, :, ::every], shape_classes(train_captions),
                      CriticConfig(steps=runtime.pick(100, 400), batch_size=runtime.pick(32, 64)))
test_captions = [c.caption for c in runtime.pick(shapes.TRAIN_COMBOS[::2], shapes.TRAIN_COMBOS * 2)]  # quick: 20 clips
fresh = true_latents(base_pipe, test_captions, seed=51)  # (N, c, F, h, w)
estimate = one_step_estimates(base_pipe, fresh, test_captions, 900, seed=51)  # (N, c, F, h, w)
with torch.no_grad():
    critic_says = critic(estimate).argmax(dim=1)  # (N,)
    decoded = decode_video(base_pipe.vae, estimate).clamp(-1, 1)  # (N, 3, F, H, W)
judge_says = torch.tensor([shapes.SHAPES.index(judge.analyse_clip(c).shape) for c in video.tensor_to_clips(decoded)])
truth = shape_classes(test_captions)
print(f"critic on fresh true clips: {critic_accuracy(critic, fresh, truth):.0%} right")
print(f"the model's estimates from t = 900: critic {(critic_says == truth).float().mean():.0%} right, "
      f"judge {(judge_says == truth).float().mean():.0%} right, the two agree on {(critic_says == judge_says).float().mean():.0%}")
assert critic_accuracy(critic, fresh, truth) >= 0.85, "a critic that cannot read true clips would teach nothing"
assert (critic_says == judge_says).float().mean() > 0.4, "the two readers agree more often than chance (1/3)"
"""),
    md(r"""
On true clips the critic is as good a reader as the judge. On the base model's estimates from
$t = 900$ the two agree on a little over half (on 80 clips with the critic the training below
uses: critic 54 %, judge 46 %, agreement 59 %): the estimates are blobs between shapes, and each
reader rounds them its own way. So train with it.

<details><summary>Details: training with the critic (<code>critic-cpu</code>), graded like the bar: shape 51 % (base) to 65 %</summary>

Continuing the base model on all 40 training
combinations with the critic's term (recipe `critic-cpu`: $\lambda = 0.05$, the critic trained
first on the 4,000 cached clips; 3,000 steps of 32 clips, 39 minutes on this CPU, 2026-12-06),
the critic's cross-entropy on the training batches fell from 0.42 to 0.04 while the denoising
loss fell too (0.084 to 0.074), and, graded by the judge (`python -m scripts.measure_tiny_t2v
--folder <pipeline> --no-sweep`, 4 samples per combination, the bar's measurement):

| model | one-step shape from t = 900 / 700 | samples: shape (trained / held-out) | colour + direction | one object |
|---|---|---|---|---|
| base | 46 / 64 % | 51 / 44 % | 99.4 / 84 % | 97.5 / 91 % |
| + latent critic (`critic-cpu`, 39 min) | 74 / 84 % | **65 / 56 %** | 92.5 / 84 % | 94 / 97 % |
| + pixel critic after that (`critic-pixel-cpu`, 33 min) | 81 / 94 % | 64 / 47 % | 88 / 72 % | 86 / 78 % |
| + latent critic also at t = 950-989 after `critic-cpu` (`critic-early-cpu`, 22 min) | - | 64 / 47 % | 92.5 / 84 % | 94 / 84 % |

</details>

Shape rose from 51 % to 65 % of the trained combinations (`critic-cpu`, 39 minutes): the first lever
in this section that moves the shape beyond the noise of the measurement (14
points on 160 clips, where one standard error is 4): paying for the outline directly works where
paying for it through its energy did not. It is not yet the bar (80 %), and it cost some colour and
some clean objects (a continuation with batches of 32 on this CPU did that before too). And it shows a classic failure of learned losses. After training, the same
critic names 96 % of the model's one-step estimates from $t = 900$ as the right shape; the judge,
reading the decoded clips, 74 %. The model learnt to please the critic partly with latent
patterns that the decoder does not draw as outlines: a measure that becomes a target stops being
a good measure (Goodhart's law), here in 58 k parameters.

<details><summary>Details: a pixel critic, and the critic up to t = 989, did not lift the samples</summary>

Make it read what the judge reads, then: a critic of two
decoded frames of each estimate, through the frozen autoencoder (`CriticConfig(space="pixel")`),
agrees with the judge on more of those estimates (76 % of clips against 70 %). Continuing the
latent critic's model with it (recipe `critic-pixel-cpu`, weight 0.1, 1,900 steps) did not pay:
its one-step estimates got better (81 / 94 %) but its samples did not (shape 64 / 47 %, colours
and single objects worse), and its own critic was gamed as well (99 % against the judge's 81 %).
Better single steps from true noised clips are not better samples: sampling starts from pure
noise, where the critic's term never acts (above $t = 950$); letting it act up to $t = 989$ as
well (`critic-early-cpu`, 1,800 more steps) did not lift the samples either (64 / 47 %).

</details>

For now the latent critic's model is the
best this course has measured for shape; it is not shipped, because it trades the one-object bar
(97.5 % of the trained combinations, now 94 %) for shape that is still short of its bar.
"""),
    md(r"""
### Where sampling decides, and what guidance does to it

Every probe so far handed the model a *true* clip, noised. Sampling never sees one: from pure
noise, the sampler reaches each state through the model's own earlier estimates. So follow the
sampler itself (DDIM, 50 steps, guidance 6: the pipeline's defaults) and, at a few of its steps,
decode the model's estimate of the clean clip *given the caption at the sampler's own state*,
$\hat x_0(z_t, t, \text{caption})$, and grade it (`helpers.sampled_states.sampling_path_grades`;
its last step is the sample). The sampler itself steps with the *guided* estimate,
$u + 6\,(c - u)$, which overshoots early on (decoded pixels reach 48 at $t = 979$, where a clip
spans $[-1, 1]$; clipped, a red reads yellow), so the grades are of the caption's own estimate.
"""),
    code(r"""
from helpers.sampled_states import plot_sampling_path, sampling_path_grades

path_ts = runtime.pick([979, 899, 799, 19], [979, 939, 899, 799, 699, 499, 19])  # steps of the 50-step sampler (trailing: 999, 979, 959, ...)
path_combos = runtime.pick(shapes.TRAIN_COMBOS[1::13], shapes.TRAIN_COMBOS)  # quick: 3 combinations (a circle, a square, a triangle), one clip each
path = sampling_path_grades(base_pipe, path_ts, clips_per_combo=runtime.pick(1, 2), combos=path_combos)
fig, ax = plt.subplots(figsize=(5.5, 3))
plot_sampling_path(ax, path_ts, [(kind, path, kind, "-") for kind in ("color", "direction", "shape")],
                   "the base model's estimate along its own sampling path")
plt.show()
for t in path_ts:
    print(f"t = {t:3d}: colour {path[t]['color']:.0%}, direction {path[t]['direction']:.0%}, shape {path[t]['shape']:.0%}")
assert path[899]["color"] >= 0.8 and path[899]["direction"] >= 0.8, "colour and motion are settled within the first few steps"
assert path[899]["shape"] < path[899]["color"], "the outline lags behind them"
"""),
    md(r"""
Colour and direction are settled within the first three steps; the shape never is. On all 40
training combinations (2 clips each, the same seeds for every model; 2026-12-06):

| caption's own estimate, shape right at t = | 979 | 939 | 899 | 799 | 699 | 499 | last |
|---|---|---|---|---|---|---|---|
| base | 27.5 % | 31 % | 42.5 % | 39 % | 41 % | 50 % | 50 % |
| + latent critic (`critic-cpu`) | 21 % | 37.5 % | 47.5 % | 57.5 % | 59 % | 60 % | 56 % |
| + the critic also on its own sampling states (`critic-sampled-cpu`) | 26 % | 67.5 % | 77.5 % | 79 % | 69 % | 67.5 % | 59 % |
| + the same along the whole path (`critic-late-cpu`) | 27.5 % | 70 % | 82.5 % | 79 % | 79 % | 80 % | 69 % |

The third row continues `critic-cpu` with the critic reading the model's estimate from its *own*
sampling states as well (16 per step, from samples of 16 captions redrawn every 25 steps,
$t$ = 600-989; `helpers.sampled_states.StatePool`; 1,500 steps, 35 min). Its path now draws the
right outline early, 78 % at $t = 899$, and then *loses* it: the later steps redraw the object
and the sample keeps 59 %. Those later steps are steered by the guided estimate, and guidance 6
is what breaks it. Sampling that model at other guidance scales (80 samples, final shape right /
one object): 65 / 100 % at 1, **79 / 100 %** at 2, 72.5 / 99 % at 3, 62.5 / 87.5 % at 6 (the
base model: 45 / 47.5 / 49 / 60 % shape at 1 / 2 / 3 / 6). These are 80 samples at each scale: graded
like the bar at guidance 6 (4 samples per combination), this model draws 72.5 % of the trained
combinations' shapes, and the base model's 60 % compares with 45 % on section 6's 40-clip sweep and
51 % on the card's 160 clips. Graded like the bar at guidance 2
(4 samples per combination): shape **80 %** of the trained combinations and 44 % held-out, colour +
direction 98 / 81 %, one object 99 / 100 %. The pipeline's default, though, is 6, and the lesson's
call passes no arguments. The last row draws its states from the whole path (`critic-late-cpu`):
77 % at the defaults, still short of 80 %.

<details><summary>Details: the critic along the whole path (<code>critic-late-cpu</code>): shape 77 % at the defaults, still short of 80 %</summary>

Or the critic can look where the outline is lost. The last row continues that model with its
states drawn from the whole path, $t$ = 0-989 (recipe `critic-late-cpu`, 1,200 steps, 26 min):
the outline now holds down to $t = 499$ (80 %) and still slips in the last steps (69 %). Graded
like the bar at the default guidance (4 samples per combination; the path's last step above is 2
clips of each): shape **77 %** of the trained combinations and 53 %
held-out (72.5 / 47 % before), colour + direction 93 / 84 %, one object 95 / 94 %, 0.73 s per
clip: the best samples at the pipeline's defaults in this course, and still short of 80 %.

</details>

<details><summary>Details: a second round, and the critic on the last half of the path only, did not add</summary>

A second
round from its own model did not add to it (shape 74 %, and held-out colour + direction fell to 69 %),
nor did the critic on the last half of the path only (`critic-last-cpu`, $t$ < 500, 21 min: shape
76 %; its path still falls from 80 % at $t = 499$ to 66 % at the end, on states whose estimates the
critic now names right: in the last steps the model pleases the critic without drawing the outline;
on its final samples the critic names 91 % of the shapes right and the judge 66 %, for `critic-late-cpu`
87.5 / 69 %, for `critic-sampled-cpu` 74 / 59 %).

</details>

<details><summary>Details: baking guidance 2 into the weights, and the critic on the guided estimate, both failed</summary>

Can the weights carry the scale instead? The pipeline steps with $u + 6\,(c - u)$; a student that
keeps the teacher's $u$ and learns $c' = u + \tfrac{2}{6}(c - u)$ for its caption branch gives
$u + 6\,(c' - u) = u + 2\,(c - u)$, guidance 2 with no arguments (`helpers.guidance_bake`, recipe
`bake-guidance-cpu`: 1,200 steps, 18 minutes, the text encoder frozen). Its loss fell from 0.0097 to
0.0024, and its samples at the default got *worse*: shape 53 / 37.5 %, one object 87 / 78 %. The
pipeline multiplies whatever error the student leaves in $c'$ by 6, so 0.0024 in squared error
becomes about 0.09 in the guided prediction, as large as the model's whole denoising loss. Nor did
the critic reading the *guided* estimate on its own states (recipe `critic-guided-cpu`, 800 steps,
25 minutes): shape 70 / 47 %, and the colours broke (74 / 62.5 % right), pushed through an estimate
that overshoots. Through $u$ too: a push on $u + 6\,(c - u)$ moves the empty caption's prediction
$-5$ times as hard, and $u$ is in every step of every caption. Detaching $u$, so that only the
caption's branch learns (`critic-guided-caption-cpu`, same 800 steps), broke them further: colour
61 / 59 %, shape 64 / 41 %, one object 82 / 94 %. It is the guided read itself that costs the colours.

</details>
"""),
    md(r"""
### A critic the model cannot please: the judge's rule

A learned critic is a network, and the denoiser learns to
please it. The judge is not a network: it reads the shape off two moments of the object's soft mask
$\alpha$ (`helpers.judge`), the skewness $s$ (a triangle's mass leans towards its base, 0.57; circle
and square 0) and the corner ratio $k = \frac{E[u^4] + E[w^4]}{E[dx^4] + E[dy^4]}$ of fourth moments
along the diagonals $u, w = (dx \pm dy)/\sqrt 2$ over those along the axes (square 4/3, circle 1),
and applies a rule: triangle if $s \ge 0.3$, else square if $|\log k| \ge \log 1.1$, else circle.
Both moments are smooth in the pixels wherever $0 < \alpha < 1$, so the rule can be written as
logits whose argmax *is* the rule (`helpers.judge_moments`, $\tau = 4$):

<details><summary>Details: the three logits</summary>

$$\ell_\text{triangle} = \tau\,\tfrac{s - 0.3}{0.3},\qquad
\ell_\text{square} = \tau \min\!\Big(\tfrac{0.3 - s}{0.3},\ \tfrac{|\log k| - \log 1.1}{\log 1.1}\Big),\qquad
\ell_\text{circle} = \tau \min\!\Big(\tfrac{0.3 - s}{0.3},\ \tfrac{\log 1.1 - |\log k|}{\log 1.1}\Big)$$

</details>

Their cross-entropy is a soft margin: it pays until the outline is well on the caption's side of
the judge's thresholds, then stops. The cell below applies it to pixels directly: a square blurred
until the judge calls it a circle, pushed by the gradient of that loss alone.
"""),
    code(r"""
import cv2

from helpers.judge_moments import JudgeShapeReader
from helpers.shape_critic import CriticConfig
from helpers.shape_templates import template_shape

square = shapes.make_clip("a red square moving up", seed=0)  # (F, H, W, 3) in [0, 1]
blurred = np.stack([cv2.GaussianBlur(frame, (0, 0), 2.0) for frame in square])  # sigma 2 px
reader = JudgeShapeReader(CriticConfig(space="judge", frames=4))  # the judge's rule as logits; nothing to train
pixels = video.frames_to_tensor(blurred).requires_grad_(True)  # (1, 3, F, H, W) in [-1, 1]
optimizer = torch.optim.Adam([pixels], lr=0.03)
target = torch.tensor([shapes.SHAPES.index("square")])
for step in range(40):
    loss = torch.nn.functional.cross_entropy(reader(pixels), target)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
pushed = video.tensor_to_frames(pixels.detach())  # (F, H, W, 3) in [0, 1]
fig, axes = plt.subplots(1, 3, figsize=(8, 3))
for ax, (name, clip) in zip(axes, [("rendered", square), ("blurred, sigma 2 px", blurred), ("40 steps on the judge's loss", pushed)]):
    read = judge.analyse_clip(clip)
    ax.imshow(clip[0], interpolation="nearest")
    ax.set(title=f"{name}\njudge: {read.shape}, k = {read.corners:.2f}", xlabel="x (px)", ylabel="y (px)")
fig.suptitle("the judge's shape rule as a loss, on pixels (frame 0)")
plt.tight_layout()
plt.show()
for name, clip in [("rendered", square), ("blurred", blurred), ("pushed", pushed)]:
    print(f"{name:8s}: template read {template_shape(clip)}")
assert judge.analyse_clip(blurred).shape == "circle" and judge.analyse_clip(pushed).shape == "square"
"""),
    md(r"""
Trained against a read that *is* the grader, a model could learn to move two numbers rather than
draw a shape (a plus sign has the corner ratio of a square turned 45 degrees). So every model is
also graded by a second reader that trains nothing and shares no moments with the judge:
`helpers.shape_templates` overlaps the object's half-maximum mask with a rendered circle, square and
triangle of the object's area at its centre and takes the best ("template" below; it reads every
rendered shape right, as the judge does, and a plus sign matches no template).

With the judge's read
in place of the learned critic, continuing `critic-late-cpu` on the same states (true clips at
$t < 950$ and 16 of its own sampling states per step; 4 decoded frames of each clean estimate;
about 27 minutes each; samples at the defaults, 4 per combination, trained / held-out):

| continuing `critic-late-cpu` with | shape (judge) | shape (template) | colour + direction | one object |
|---|---|---|---|---|
| nothing (`critic-late-cpu` itself) | 77 / 53 % | 70 / 41 % | 93 / 84 % | 95 / 94 % |
| the judge's shape read, weight 0.1 (`critic-judge-cpu`) | **89** / 50 % | **76** / 50 % | 87.5 / 75 % | 89 / 84 % |
| + "not one object", weight 0.05 (`critic-judge-one-cpu`) | 85 / 53 % | 76 / 47 % | 87.5 / 75 % | 92 / 91 % |
| + the judge's colour read (`critic-judge-colour-cpu`) | 87.5 / 44 % | 72 / 44 % | **95.6 / 81 %** | 89 / 97 % |
| then the read on the *guided* estimate at $t < 600$ (`critic-judge-guided-cpu`) | **93 / 47 %** | **78 / 41 %** | **97.5 / 87.5 %** | **96 / 100 %** |

For the first time the trained combinations draw more than 80 % of the shapes the judge's way, and
the independent template read rises with it (70 -> 76 %), so the outlines did change, not just the
moments.

<details><summary>Details: what each added term was for: specks, colours, triangles in two pieces</summary>

Its cost is elsewhere: red and green objects drift to yellow, and bright specks grow beside
the object, which the shape read (on the largest component only) never saw. A fourth logit, "not one
object" (the brightness outside the object's region, as a share of the object's), took back half of
the specks. The judge's colour read is differentiable too: the HSV hue of the object's core colour
against its hue bins, as logits added to the shape's over (shape, colour) pairs, so that the
cross-entropy is the sum of the two. With it the colours came back, better than before (colour 96 /
94 %), and the trained shapes held (87.5 %). What fails the one-object bar now is triangles drawn in
two pieces: in the samples at guidance 6 the second piece has 40-100 % of the first's area, while
the read in training looked at the caption's own estimate, not at the guided one the sampler steps
with. So the last row continues that model with the read on the guided estimate $u + 6\,(c - u)$,
on its own states at $t < 600$ only, where that estimate is close to the final sample (700 steps,
26 minutes).

</details>

Its cost, yellowed colours, specks and triangles drawn in two pieces, was paid back by a "not one
object" logit, the judge's colour read and, last, the read on the guided estimate $u + 6\,(c - u)$
at $t < 600$ (the table's last row). A learned critic on the guided estimate had broken the colours;
the judge's colour read holds them (colour 99 / 100 %). Its samples at the pipeline's defaults meet every bar of this course
on the trained combinations (shape 93 %, colour + direction 97.5 %, one object 96 %; all three
right in 91 % of the clips, and the template read agrees at 78 %), and the held-out combinations'
colours, directions and single objects too; not their shapes (47 %).

That last model is the one shipped as `data/tiny-t2v`, the model of sections 3-8. Here it is on the
base model's sampling path from above (same combinations, seeds and steps):
"""),
    code(r"""
shipped_path = sampling_path_grades(pipe, path_ts, clips_per_combo=runtime.pick(1, 2), combos=path_combos)
fig, ax = plt.subplots(figsize=(5.5, 3))
plot_sampling_path(ax, path_ts, [(f"{name}: {kind}", grades, kind, style) for name, grades, style in
                                 (("base model", path, "--"), ("shipped model", shipped_path, "-")) for kind in ("shape", "color")],
                   "base vs shipped: the estimate along the sampling path")
plt.show()
last, late = path_ts[-1], [t for t in path_ts if t <= 799]  # the final sample; the second half of the path
late_shape = {name: np.mean([grades[t]["shape"] for t in late]) for name, grades in (("base", path), ("shipped", shipped_path))}
print(f"shape right from t = 799 to the end: base {late_shape['base']:.0%}, shipped {late_shape['shipped']:.0%}; final samples: shape "
      f"base {path[last]['shape']:.0%}, shipped {shipped_path[last]['shape']:.0%}, colour {path[last]['color']:.0%}, {shipped_path[last]['color']:.0%}")
assert late_shape["shipped"] > late_shape["base"], "the losses on the drawn outline keep the outline along the path"
assert shipped_path[last]["color"] >= 0.8 and shipped_path[last]["direction"] >= 0.8, "without losing colour and motion"
"""),
    md(r"""
On all 40 training combinations (2 clips each, the seeds of the path table above; 2026-12-06):

| caption's own estimate, shape right at t = | 979 | 939 | 899 | 799 | 699 | 499 | last |
|---|---|---|---|---|---|---|---|
| base | 27.5 % | 31 % | 42.5 % | 39 % | 41 % | 50 % | 50 % |
| shipped (`critic-judge-guided-cpu`) | 27.5 % | 66 % | 85 % | 92.5 % | 92.5 % | 92.5 % | **95 %** |

Colour 97.5-99 % and direction 99-100 % at every step from $t = 939$. The shipped model settles the
outline by $t \approx 800$ and keeps it to the end, where the base model never settled it.

### Held-out shapes: what is left open

What this section leaves open: the held-out combinations' shapes. The shipped model draws 47 %
of them right by the judge and 41 % by the template read, and its wrong ones follow the trained
combinations of the same colour and direction ("a blue circle moving up" comes out as a square, and
"a blue square moving up" is a trained combination).

<details><summary>Details: word dropout and two variants: held-out shapes 56-69 %, none shipped</summary>

Word dropout (recipe `word-dropout-cpu`: a
quarter of the captions with the colour word replaced by `[UNK]`, a quarter the direction word, and
the judge's read of a caption with no colour paying for the outline in any colour) makes the shape
word work without that context: held-out shapes 56 % by both readers after 26 minutes, 69 / 59 %
after 26 more. Everything else falls with them (held-out colour + direction 78 % then 69 %, held-out
one object 87.5 % then 72 %, the trained shapes 91 % then 84 %), so it is not shipped.

Leaving the words open only where the judge reads the model's own samples does better (recipe
`pool-dropout-cpu`: the pool of sampling states draws a third of its captions without the colour
word and a third without the direction word, the denoising batches keep every word; 557 steps,
26 min, 2026-12-07): held-out shapes 69 % (templates 56 %) with their colours, directions and single
objects kept (colour + direction 87.5 %, one object 97 %), trained shapes 89 %. But the trained
combinations' single objects fall to 91 %, and 15 more minutes of the shipped model's last recipe
(`critic-judge-guided-cpu`, 326 steps) bring them back only to 93 % (shape 92.5 / 66 %, colour +
direction 94 / 87.5 %), short of the 95 % bar, so neither is shipped. Leaving only the direction
word open (recipe `pool-direction-cpu`, 530 steps) keeps the single objects (96 %) but lifts the
held-out shapes by just 3 clips of 32 (56 %), and 524 more steps add nothing; with 32 held-out
clips, that is inside the measurement's own uncertainty (section 8's intervals).

</details>
"""),
    md(r"""
### Where the held-out shape is lost: the caption's padding, then the transformer

Why would "a blue circle moving up" come out square? Look at the caption as the transformer gets it.
The pipeline pads every prompt to 226 tokens and runs its T5 encoder *without an attention mask*
(`CogVideoXPipeline._get_t5_prompt_embeds`), so each of the 219 padding positions attends to the
words and its output is a summary of the whole caption; the video tokens attend to all 226. Compare
the summaries: for every held-out caption, the trained caption whose padding outputs are nearest
(`helpers.caption_states.padding_neighbours`; two trained captions one word apart are typically 3-50
apart, and each caption's padding outputs have a norm of about 118). These distances are taken over
all 219 padding outputs at once, the shipped model's encoder; the "0.5 per padding token" above was
the base model's, one token at a time (spread evenly over 219 tokens, 3-50 in all is 0.2-3.4 each).
"""),
    code(r"""
from helpers.caption_states import padding_neighbours, text_states

held_out = [c.caption for c in shapes.HELD_OUT]
neighbours = dict(zip(held_out, padding_neighbours(pipe, held_out, [c.caption for c in shapes.TRAIN_COMBOS])))
for caption, (neighbour, distance) in neighbours.items():
    print(f"{caption:31s} pads like the trained '{neighbour}' (distance {distance:.3f})")
pair = ["a blue circle moving up", neighbours["a blue circle moving up"][0]]
moved = (text_states(pipe, pair[:1])[0] - text_states(pipe, pair[1:])[0]).norm(dim=1)  # (226,): how far each position's output moves
print(f"'{pair[0]}' vs '{pair[1]}': positions whose output moves by more than 0.01: {(moved > 0.01).nonzero().flatten().tolist()}")
pair_clips = sample_clips(pipe, pair, seed=0)  # the same noise for both, the pipeline's defaults
reads = [judge.analyse_clip(c) for c in pair_clips]
video.frame_grid(pair_clips, [f"'{p}': drawn as a {r.color} {r.shape} moving {r.direction}" for p, r in zip(pair, reads)], max_frames=8,
                 suptitle="a held-out caption and the trained caption whose padding it shares (same seed)")
plt.show()
assert pair[1] == "a blue square moving up" and neighbours[pair[0]][1] < 0.1, "the shape word never reaches the padding here"
assert (moved > 0.01).nonzero().flatten().tolist() == [3], "only the shape word's own position tells circle from square"
"""),
    md(r"""
The text encoder has learnt to keep the word "circle" out of the padding whenever the caption is
blue and moving up: the two captions differ at one position of 226, the shape word's own (the cell
above printed `[3]`: `[BOS] a blue circle ...`). Four held-out captions pad within 5 of a trained
caption of another shape.

<details><summary>Details: which held-out captions are drawn with their neighbour's shape (4 samples each)</summary>

Sampled 4 times each (seeds as in the bar's measurement, 2026-12-07), three
are drawn with that neighbour's shape every time ("a blue circle moving up" as a square, "a green
square moving up" and "a yellow square moving left" as circles, like the green and yellow circles
moving the same way); the fourth, "a red circle moving right" (1.4 from the red square's), is drawn
right every time. Those 12 clips are most of the 17 wrong ones among the 32 held-out samples; "a red
triangle moving down", 24 from its nearest, comes out a circle or a square (4), "a blue square
moving down" once a circle.

</details>

<details><summary>Details: is the text encoder the culprit? What the transformer draws when its text outputs are swapped (32 clips per cell)</summary>

So is the text encoder the culprit? Swap what the transformer reads and sample
(`python -m scripts.probe_shape captions --folder data/tiny-t2v`: 4 clips for each of the 8 held-out
captions and of every fifth trained one, 32 clips per cell, one standard error about 9 points;
`helpers.caption_states.swapped_states` and `additive_states`, 2026-12-07):

| text outputs the transformer reads | shape, held-out | shape, trained | colour, held-out / trained | direction, held-out / trained |
|---|---|---|---|---|
| its own | 47 % | 94 % | 100 / 100 % | 88 / 100 % |
| the shape word context-free (its mean over the trained captions that hold it) | 47 % | 84 % | 97 / 100 % | 88 / 100 % |
| all three words context-free | 53 % | 81 % | 97 / 100 % | 97 / 100 % |
| every other position context-free (the words kept) | 31 % | 72 % | **25 / 25 %** | 69 / 62 % |
| an additive text encoder, $k + A_\text{colour} + B_\text{shape} + C_\text{direction}$ fitted on the trained captions (5.1 % of their variance left) | 50 % | 81 % | 100 / 100 % | 100 / 100 % |

</details>

Two findings. The transformer reads the colour almost only from the padding: with every position but
the three words replaced by its mean, colour falls to chance (25 %) even on trained captions, while
the shape keeps 72 %: the outline is read mostly from the shape word's own token. And a caption whose
words cannot depend on each other, or a text encoder that is additive by construction and so gives
"a blue circle moving up" the circle's part, does not bring the held-out shapes back (50-53 %, within
a standard error of 47 %). The padding is where the shape word is hidden, but the transformer itself
has tied each outline to the colours and directions it was trained with; a fix has to change what
it learns (word dropout does, at a price: held-out shapes 56-69 % while held-out directions and
single objects fall), not only what it is told.

<details><summary>Details: training the transformer on additive text (<code>additive-text-cpu</code>): held-out shapes 42 %</summary>

Is that so even when the transformer is *trained* on additive text? Recipe `additive-text-cpu`
(`helpers.additive_text`, 2026-12-07) continues this model for 600 steps (28 min) with a penalty on
the share of the trained captions' T5 outputs that the additive model leaves,

$$\text{share} = \frac{\lVert (I - P)\,E \rVert^2}{\lVert (I - \tfrac{1}{N}\mathbf{1}\mathbf{1}^\top)\,E \rVert^2}, \qquad P = W W^{+},$$

with $E$ the 40 trained captions' outputs (flattened) and $W$ the indicators of their words. The share
fell from 5.1 % to 0.56 %, and the held-out captions came out 1.1 % off the additive fit: the
transformer was trained on, and then read, each caption as a sum of word parts. With 8 samples per
combination the held-out shapes came out right on **42 %** (this model: 56 %), held-out colour +
direction on 67 % (87.5 %), and trained shape on 90 % (92 %).

</details>

Trained on additive text (`additive-text-cpu`), the transformer draws the held-out shapes worse (42 %
against 56 %, 8 samples per combination), so the fix is not in the text encoder.
"""),
    md(r"""
## 10 · Exercises

**Exercise 1 · forward noising.** Implement $z_t = \sqrt{\bar\alpha}\,z_0 + \sqrt{1-\bar\alpha}\,\varepsilon$
for a batch of clips `(B, C, F, H, W)` with one level per clip, `alpha_bar` of shape `(B,)`.
"""),
    code(r"""
def noisy_clip(z0, noise, alpha_bar):
    ...  # your code here

answer = exercises.attempt(noisy_clip, check_noisy_clip.solution)
feedback = check_noisy_clip(answer)
display(feedback)
assert feedback.passed or not feedback.attempted, "see the hints above"
"""),
    md(r"""
**Exercise 2 · the velocity target.** Return $v = \sqrt{\bar\alpha}\,\varepsilon - \sqrt{1-\bar\alpha}\,z_0$,
the target the shipped model learns. What is it at pure noise?
"""),
    code(r"""
def velocity(z0, noise, alpha_bar):
    ...  # your code here

answer = exercises.attempt(velocity, check_velocity.solution)
feedback = check_velocity(answer)
display(feedback)
assert feedback.passed or not feedback.attempted, "see the hints above"
tick("04", "04.approach-diffusion")
"""),
    md(r"""
## Summary

- The forward process mixes each clip with noise at one level for all its frames; the course's
  schedule reaches pure noise ($\bar\alpha = 0$), so the model predicts the velocity $v$.
- A UNet3D (the lesson's ModelScope) is an image UNet plus time layers (temporal convolutions and
  temporal attention). A diffusion transformer (CogVideoX, Wan, LTX-Video, and the shipped tiny
  model) cuts the latent clip into space-time patches with absolute positions and lets every patch
  attend to every other one and to the caption.
- One shared training loop (`helpers.trainer`) trains the whole pipeline; `helpers.train_t2v`
  reproduces the shipped model, which loads with `DiffusionPipeline.from_pretrained`.
- Classifier-free guidance sharpens what the model already uses; it cannot add a word it ignores.
- Frame-by-frame generation gets every frame right but scatters the object along no path; the video
  model keeps one object on a path.
- The caption-loss gap tells within minutes whether a word is used. A gap of exactly zero points to
  plumbing (a tokenizer that truncates the last word); a word that arrives and is still ignored
  points to training: "moving left" needs a multiplicative use of the text (word x place x frame),
  learnt at high noise and only after a long plateau. Training there first, with a larger
  learning rate, made the shipped model listen.
- The base model drew about half of its shapes right. It reads the outline from the clip while it is
  visible and loses it once the noise is as large as the signal (SDEdit, one-step estimates), where
  an ideal denoiser keeps it; more training, more depth, other targets, samplers and decoders did not
  help: the outline is the one the loss pays least for.
- A loss that pays for the outline directly moved the samples: a learned critic (shape 51 % to 65 %),
  which the model learnt to game; then the judge's own rule as a loss, read on the guided estimate
  too: the shipped model, shape 93 %, colour + direction 97.5 %, one object 96 % on the trained
  combinations.
- Left open: the held-out shapes (47 %). The transformer reads the colour from the caption's padding,
  and ties each outline to the contexts it was trained in.

<details><summary>Details: the full summary of section 9, with its figures</summary>

- The shape word was the base model's open problem: about half its sampled shapes were right. SDEdit shows the
  outline survives while it is visible (90 % from $s = 0.3$, 64 % from $s = 0.5$) and is taken from
  the word only about half the time (40-55 %, chance 33 %). One denoiser call from $t = 900$ keeps
  46 % of the shapes where the ideal denoiser (the posterior mean over clips of the caption) keeps
  all of them: the noisy clip plus the caption are enough, the base model does not draw the outline.
  Guidance along the shape word adds nothing. More training at high or low noise, two more blocks,
  the $x_0$ target, a louder shape word in the text, a loss on decoded frames, other samplers and a
  noise-tolerant decoder did not help. The model uses about the same share of every word; the
  outline is the one the loss pays least for (circle to square: 0.4 % of a clip's latent energy, a
  third of a one-pixel shift), so it is the first to show that the model under-fits the middle
  noise levels.
- A loss that pays for the outline directly, a frozen shape critic's cross-entropy on the model's
  clean estimate, is the first lever that moved the samples: shape 51 % to 65 % in 39 minutes of
  this CPU, still short of the bar, and the model learnt to please the critic with latent patterns
  the decoder does not draw (critic 96 %, judge 74 % on the same estimates): a learned loss is a
  measure that the model will game.
- Along its own sampling path the base model settles colour and direction within three steps and never
  the shape. With the critic also on its own sampling states the path draws 78 % of the outlines
  right by $t = 899$ and guidance 6 loses them again: 80 % of the trained combinations at guidance
  2, 72.5 % at the default 6. With the critic on the whole path, 77 % at the default, still short
  of 80 %; the judge's own rule as a loss (next point) reaches 93 %. Baking guidance 2 into the weights failed (the pipeline
  multiplies the student's error by 6), and so did the critic on the guided estimate (it broke the
  colours, with or without the empty caption's branch learning).
- A loss the model cannot game without drawing: the judge's own rule, written as logits of two
  smooth moments of the object's mask, read on decoded estimates. It lifted the trained shapes to
  87.5-93 % at the default guidance, and an independent template read rose with it (70 to 72-78 %);
  with the judge's colour read added the colours held too, and reading the guided estimate the
  sampler steps with kept one object: shape 93 %, colour + direction 97.5 %, one object 96 % on the
  trained combinations. That model is the shipped one; the held-out shapes (47 %) are what is left:
  word dropout lifts them (to 56-69 %) only by giving up directions and single objects; leaving the
  words open only in the judge's pool of samples lifts them to 66-69 % at a smaller price, the
  trained combinations' single objects (91-93 %, the bar 95 %).
- Where they are lost: the pipeline's T5 encoder, run with no attention mask, writes a summary of
  the caption into the 219 padding positions, and the transformer reads the colour from there. For
  "a blue circle moving up" that summary is the trained blue square's, and the sample is a square.
  But context-free or additive text outputs do not bring the held-out shapes back (50-53 %), nor does
  training the model on additive text (42 %): the transformer itself ties each outline to the
  contexts it was trained in.

</details>
"""),
    code(r"""
from helpers.progress import tracker
tracker("04")
"""),
]


def main() -> None:
    write_notebook(REPO_ROOT / "notebooks" / "04_video_diffusion.ipynb", CELLS)


if __name__ == "__main__":
    main()
