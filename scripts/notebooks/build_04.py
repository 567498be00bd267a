"""Build notebooks/04_video_diffusion.ipynb (outputs stripped): `python -m scripts.notebooks.build_04`."""

from __future__ import annotations

from scripts.nbtools import REPO_ROOT, code, md, write_notebook

CELLS = [
    md(r"""
# 04 · Video diffusion

**What you will be able to do:** noise a clip with the forward process and write down the
denoising objective; read the anatomy of a video UNet (where time enters: temporal convolutions and
temporal attention) with parameter counts from a real model; train a tiny text-to-video model from
scratch and load the course's shipped one; watch sampling step by step; sweep classifier-free
guidance and *measure* prompt adherence; compare with notebook 01's frame-by-frame approach; and
diagnose, with numbers, why a video model can ignore the words "moving left".

**Prerequisites:** 01 (frame-by-frame generation, flicker), 02 (3D and (2+1)D convolutions),
03 (latent spaces, the per-frame autoencoder).

**Time:** quick mode (`CI=true`) 23 s on an idle 2-core CPU (`make bench`, peak RAM 0.8 GB); it took
8.5 min while the same CPU was shared with four training jobs. Full mode (a 300-step training run, a 5-scale guidance sweep over 40 prompts at 50 steps)
was not measured yet: budget 15-30 min on a CPU, a few minutes on a GPU.
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
from helpers.train_t2v import T2VConfig, UNetConfig, run, sample_clips
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

The denoiser $\epsilon_\theta(z_t, t, c)$ sees the noisy latents, the level and the caption
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
## 3 · The denoiser's anatomy: where time enters a UNet3D

The lesson's ModelScope model uses diffusers' `UNet3DConditionModel`; so does the course's shipped
model, only 1,000x smaller. It is an image UNet (2D convolutions, spatial self-attention,
cross-attention to the caption) with time layers woven in:

- **temporal convolutions** (`temp_convs`): 3x1x1 kernels that mix each pixel with the same pixel in
  the neighbouring frames (the "(1)" of notebook 02's (2+1)D factorisation);
- **temporal attention** (`temp_attentions`, and `transformer_in` right after the first conv): every
  pixel attends to itself across all 16 frames; frames are folded as `(b h w) f c`.

Spatial layers fold time into the batch, `b c f h w -> (b f) c h w`, exactly like the autoencoder.
Parameter counts per block, read from the real model:
"""),
    code(r"""
pipe = DiffusionPipeline.from_pretrained(runtime.DATA_DIR / "tiny-t2v")
pipe.set_progress_bar_config(disable=True)
unet = pipe.unet

def count(module) -> int:
    return sum(p.numel() for p in module.parameters())

def split(block) -> dict[str, int]:
    parts = {"spatial conv": 0, "temporal conv": 0, "spatial+cross attn": 0, "temporal attn": 0, "other": 0}
    for name, child in block.named_children():
        key = {"resnets": "spatial conv", "temp_convs": "temporal conv", "attentions": "spatial+cross attn",
               "temp_attentions": "temporal attn"}.get(name, "other")
        parts[key] += count(child)
    return parts

rows = {"conv_in + time embedding": count(unet.conv_in) + count(unet.time_embedding) + count(unet.time_proj),
        "transformer_in (temporal attn)": count(unet.transformer_in)}
table = {f"down {i}": split(b) for i, b in enumerate(unet.down_blocks)}
table["mid"] = split(unet.mid_block)
table.update({f"up {i}": split(b) for i, b in enumerate(unet.up_blocks)})
print(f"{'block':<32}" + "".join(f"{k:>20}" for k in next(iter(table.values()))))
for name, parts in table.items():
    print(f"{name:<32}" + "".join(f"{v:>20,}" for v in parts.values()))
for name, n in rows.items():
    print(f"{name:<32}{n:>20,}")
total = count(unet)
temporal = sum(p["temporal conv"] + p["temporal attn"] for p in table.values()) + rows["transformer_in (temporal attn)"]
print(f"\nUNet3D total {total:,} parameters; time layers {temporal:,} ({temporal / total:.0%}).")
print(f"text encoder {count(pipe.text_encoder):,}, autoencoder {count(pipe.vae):,}")
accounted = sum(sum(p.values()) for p in table.values()) + sum(rows.values()) + count(unet.conv_norm_out) + count(unet.conv_out)
assert accounted == total, (accounted, total)
fig, ax = plt.subplots(figsize=(7, 3))
kinds = list(next(iter(table.values())))
bottom = np.zeros(len(table))
for kind in kinds:
    values = np.array([p[kind] for p in table.values()])
    ax.bar(list(table), values, bottom=bottom, label=kind)
    bottom += values
ax.set(title="Shipped UNet3D: parameters per block", xlabel="block", ylabel="parameters")
ax.legend(fontsize=7)
plt.show()
"""),
    md(r"""
## 4 · Training from scratch (the shared training loop)

`helpers.train_t2v.run` is the whole recipe behind the shipped model: render clips of the 40
training combinations (never the 8 held-out ones), encode them with the autoencoder, then train
the UNet3D and the text encoder together on `helpers.trainer.train` (AdamW, warm-up + cosine,
10 % caption dropout for classifier-free guidance, EMA of the weights, checkpoints, resume). Here
a small model, reusing the shipped autoencoder. Quick mode takes a few steps; full mode trains a
few hundred, enough to see colours appear.
"""),
    code(r"""
cfg = T2VConfig(
    unet=UNetConfig(block_out_channels=(16, 32), attention_heads=2),
    text=TextEncoderConfig(hidden_size=32, num_layers=1, num_heads=2),
    clips_per_combo=runtime.pick(1, 8),
    batch_size=runtime.pick(4, 8),
    train=TrainConfig(steps=runtime.pick(4, 300), lr=1e-3, warmup_steps=runtime.pick(1, 20), log_every=runtime.pick(1, 10), ema_decay=0.99),
    gap_every=runtime.pick(4, 100),
)
workdir = Path(tempfile.mkdtemp(prefix="t2v-04-"))
summary = run(cfg, workdir / "pipe", vae_path=str(runtime.DATA_DIR / "tiny-t2v" / "vae"), work_dir=workdir / "work")
history = summary["history"]
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot([r["step"] for r in history], [r["loss"] for r in history])
ax.set(title=f"Training loss of a {summary['unet_params']:,}-parameter UNet3D", xlabel="step", ylabel="v-prediction MSE")
plt.show()
print(f"{len(history)} logged points, last loss {history[-1]['loss']:.3f}, UNet time {summary['unet_s']:.0f} s")
assert all(np.isfinite(r["loss"]) for r in history)
if not QUICK:
    assert history[-1]["loss"] < history[0]["loss"], "the loss should fall"
"""),
    md(r"""
## 5 · The shipped model: sampling, step by step

`DiffusionPipeline.from_pretrained("data/tiny-t2v")` loaded the course's model above with the same
call the lesson uses for ModelScope. `pipe(prompt).frames[0]` runs the whole loop: encode the
caption, start from pure-noise latents $(1, 8, 16, 8, 8)$, apply the DDIM update 50 times, decode
every frame. A callback lets us keep the latents after every step and decode them, to watch the clip
emerge from noise.
"""),
    code(r"""
prompt = "a blue square moving down"
kept = {}
out = pipe(prompt, num_inference_steps=STEPS, generator=torch.Generator().manual_seed(1),
           callback=lambda i, t, latents: kept.__setitem__(i, latents.clone()), callback_steps=1)
final = out.frames[0]
assert np.asarray(final).shape == (16, 32, 32, 3)
shown = sorted({0, len(kept) // 4, len(kept) // 2, 3 * len(kept) // 4, len(kept) - 1})
with torch.no_grad():
    steps_clips = [video.tensor_to_frames(decode_video(pipe.vae, kept[i]).clamp(-1, 1)) for i in shown]
fig = video.frame_grid(steps_clips, [f"after step {i + 1}/{len(kept)}" for i in shown], max_frames=8,
                       suptitle=f"Sampling '{prompt}': denoising steps (rows) x frames (columns)")
plt.show()
video.show_video(steps_clips, [f"step {i + 1}" for i in shown])
grade = judge.grade_clip(final, prompt)
print(f"graded: colour {grade.color}, shape {grade.shape}, direction {grade.direction}, one object in {grade.single_object_share:.0%} of frames")
tick("04", "04.forward-noising")
tick("04", "04.sampling")
"""),
    md(r"""
## 6 · Classifier-free guidance, measured

Training dropped the caption 10 % of the time, so one network predicts both with and without the
caption. Sampling mixes them, $\hat v = v_\varnothing + w\,(v_c - v_\varnothing)$, with guidance
scale $w$ (the pipeline's default is 9). We measure adherence with `helpers.judge` (colour,
shape, direction read off the pixels) and temporal consistency with `helpers.metrics.flicker`.
"""),
    code(r"""
scales = runtime.pick([1.0, 9.0], [1.0, 3.0, 6.0, 9.0, 15.0])
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
Measured on 96 clips per scale (2 per combination, 50 steps, on a GPU): direction 25 / 26 / 24 / 24 / 25 %
at $w$ = 1 / 3 / 6 / 9 / 15, colour 94-100 %. Guidance sharpens what the model already follows (colour);
it cannot add a word the model never learned to use (direction stays at chance, 25 %).

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
    rows[name] = {"flicker": np.mean([metrics.flicker(c) for c in clips_]),
                  "path residual px": np.nanmean([p.path_residual_px for p in plaus]),
                  "colour right": judge.grade_clips(clips_, prompts)["color"],
                  "direction right": judge.grade_clips(clips_, prompts)["direction"]}
print(f"{'':<28}" + "".join(f"{k:>18}" for k in next(iter(rows.values()))))
for name, r in rows.items():
    print(f"{name:<28}" + "".join(f"{v:>18.3f}" for v in r.values()))
video.show_video([ours[0], per_frame[0]], ["video diffusion", "frame by frame"])
assert all(np.isfinite(v) or np.isnan(v) for r in rows.values() for v in r.values())
assert rows["frame by frame (nb 01)"]["colour right"] == 1.0  # an ideal image model gets every frame right
assert rows["video diffusion (shipped)"]["path residual px"] < rows["frame by frame (nb 01)"]["path residual px"], "joint denoising keeps one path"
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
## 9 · Why the model ignored "moving left"

The shipped model gets the colour right on every clip and the direction right on 26 %, chance for
four directions. Three earlier attempts (a UNet3D, AnimateDiff's motion modules, a Wan-style
diffusion transformer) showed the same. The instrument: the **caption-loss gap**, the denoising loss
with one word flipped minus the loss with the true caption, on the same clips and the same noise.
A gap of zero means the model does not use the word, whatever sampling later shows.
"""),
    code(r"""
combos = runtime.pick(shapes.TRAIN_COMBOS[::10], shapes.TRAIN_COMBOS)
true_video = shapes.make_batch(combos, seed=21)  # (N, 3, 16, 32, 32)
with torch.no_grad():
    true_latents = encode_video(pipe.vae, true_video)  # (N, 8, 16, 8, 8)
shipped = TextToVideoDenoiser(pipe.unet, pipe.text_encoder, pipe.tokenizer, pipe.scheduler)
timesteps = runtime.pick([999, 700], [999, 900, 800, 700, 500, 300])
gaps = caption_loss_gaps(shipped, true_latents, [c.caption for c in combos], timesteps)
fig, ax = plt.subplots(figsize=(6, 3))
for kind in ("color", "shape", "direction"):
    ax.plot(timesteps, gaps[kind], marker="o", label=f"{kind} flipped")
ax.axhline(0, color="grey", lw=0.5)
ax.set(title="Shipped model: loss(flipped word) - loss(true caption)", xlabel="timestep t", ylabel="loss gap")
ax.legend()
plt.show()
for kind in ("color", "shape", "direction"):
    print(f"{kind:>9}: " + ", ".join(f"t={t}: {g:+.5f}" for t, g in zip(timesteps, gaps[kind])))
assert gaps["color"].max() > 10 * abs(gaps["direction"]).max(), "colour is used far more than direction"
"""),
    md(r"""
**Suspect 1: the plumbing.** The pipeline's `encode_prompt` pads *and truncates* every prompt to
`tokenizer.model_max_length`. `[BOS] a red circle moving left [EOS]` is 7 tokens: a tokenizer
saved with a maximum of 6 silently drops the last word, which is the direction. The shipped
tokenizer keeps 8. Watch the bug happen:
"""),
    code(r"""
def embeddings(p):
    with torch.no_grad():
        return pipe.encode_prompt(p, "cpu", 1, False)[0]

left, right = "a red circle moving left", "a red circle moving right"
print("tokens kept:", pipe.tokenizer.convert_ids_to_tokens(pipe.tokenizer(left, padding="max_length", max_length=pipe.tokenizer.model_max_length, truncation=True).input_ids))
good = float((embeddings(left) - embeddings(right)).abs().max())
pipe.tokenizer.model_max_length = 6  # the bug
try:
    print("with 6 tokens:", pipe.tokenizer.convert_ids_to_tokens(pipe.tokenizer(left, padding="max_length", max_length=6, truncation=True).input_ids))
    bad = float((embeddings(left) - embeddings(right)).abs().max())
finally:
    pipe.tokenizer.model_max_length = 8
print(f"max |embedding(left) - embedding(right)|: {good:.4f} with 8 tokens, {bad:.4f} with 6")
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
**Suspect 2: the model.** With a correct tokenizer the word arrives (above) and still the shipped
UNet does not use it (section 9's gap is about 0 at every noise level). Measured on a GPU:

| run | steps | colour gap (t=999/700/400) | direction gap | direction right |
|---|---|---|---|---|
| shipped model, 8-token tokenizer | 1,700 | +0.034 / +0.037 / +0.026 | 0.0000 / 0.0000 / 0.0000 | 26 % |
| same recipe, 6-token tokenizer (bug) | 1,700 | +0.042 / +0.036 / +0.023 | exactly 0.0 | 26 % |
| shipped model trained 1,200 steps more | 2,900 | +0.040 / +0.041 / +0.033 | -0.0001 / 0.0000 / 0.0000 | 23 % |

Why would a UNet not use a word it receives? Colour is the same at every pixel: the caption can set
it through cross-attention as a global offset. Direction is about *where* the object is in *which*
frame. Convolutions treat every place alike, and the UNet3D's temporal attention has no frame
positions, so from pure noise, which looks the same everywhere, it cannot paint "bright on the
right in frame 0, on the left in frame 15". At lower noise the clip itself shows the motion, and
the caption adds little. The word matters only in a narrow band of high noise, where the model
has to turn faint evidence into a trajectory in the prompted direction: a hard, multiplicative use
of the text that this small model did not learn in the training we could afford. Giving the model positions is not enough, though. Measured on
this 2-core CPU with `python -m scripts.probe_denoisers` (the shipped autoencoder's latents, the
same text encoder and loop, half of each batch at pure noise; gaps at t = 999 / 850 / 700):

| denoiser | steps | colour gap | direction gap |
|---|---|---|---|
| AnimateDiff's `UNetMotionModel` (sinusoidal frame positions), 1.24 M | 400 | +0.03 / +0.10 / +0.07 | -0.0000 / 0.0000 / -0.0000 |
| CogVideoX transformer (absolute 3D positions, text and video in one attention), 0.43 M | 1,700 | +0.04 / +0.06 / +0.06 | +0.0004 / -0.0002 / -0.0001 |
| the same transformer fed zeros instead of the noisy clip (caption and position only) | 200 | +0.03 | 0.0000 |
| the same, zeros, every step at t = 999, learning rate 3e-3 instead of 1e-3 | 1,100 / 1,400 | +0.05 / +0.07 | 0.0000 / **+0.06** |
| the transformer on the noisy clip again, every step at t = 999, learning rate 3e-3 | 2,000 / 2,800 | +0.04 / +0.07 / +0.06 | +0.001 / **+0.15 / +0.12 / +0.11** |
| a linear head on the text states, no denoiser | 200 | +0.04 | **+0.13** |
| a perfect model (per-caption mean clips, `ideal`) | – | +0.13 | **+0.23** |

So the data, the words and the loss carry the direction (last two rows), yet the denoisers
learn the global mean clip and some colour first (loss at t = 999 about 0.36; global mean 0.37,
perfect 0.27) and sit on that plateau for a long time: the transformer that sees only caption and
position showed no direction gap for 1,100 steps, then it opened within 300 more; on the noisy
clip it took about 2,200 steps (4 minutes on this CPU), and then the gap opened at the lower
noise levels too. Turning the caption into a *position-dependent* output is learnable, but slow:
the shipped UNet3D may simply not have trained long enough, and a transformer with absolute
positions is the next model to ship. A caption-dependent picture
whose bright side moves needs a multiplicative use of the text (this word *and* this place *and*
this frame), which the linear head has by construction and a denoiser must learn. Notebook 06's
token model, on the same world, learns the direction word fully: writing the clip token by token,
it only continues its own first frames. For diffusion, the levers are many more steps (a GPU),
a diffusion transformer with absolute positions trained long enough to leave the plateau, text in
the time embedding (a per-channel scale and shift in every block), and a stronger text path.
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
- A UNet3D is an image UNet plus time layers (temporal convolutions and temporal attention); in
  the shipped model they hold a large share of the parameters.
- One shared training loop (`helpers.trainer`) trains the whole pipeline; `helpers.train_t2v`
  reproduces the shipped model, which loads with `DiffusionPipeline.from_pretrained`.
- Classifier-free guidance sharpens what the model already uses; it cannot add a word it ignores.
- Frame-by-frame generation gets every frame right but scatters the object along no path; the video
  model keeps one object on a path, and its weaknesses are in the words, not in the frames.
- The caption-loss gap tells within minutes whether a word is used. A gap of exactly zero points to
  plumbing (a tokenizer that truncates the last word); a word that arrives and is still ignored
  points to the model: here, a translation-equivariant UNet that must place a moving object.
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
