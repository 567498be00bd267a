"""Build notebooks/06_video_tokens.ipynb (outputs stripped): `python -m scripts.notebooks.build_06`."""

from __future__ import annotations

from scripts.nbtools import REPO_ROOT, code, md, write_notebook

CELLS = [
    md(r"""
# 06 · Video as tokens: a miniature VideoGPT

**What you will be able to do:** turn a clip into a small grid of discrete tokens with a VQ-VAE
built from 3D convolutions, and read its codebook's health (perplexity, share of codes used,
dead-code restarts); train and sample a GPT-style transformer that writes those tokens one at a
time after a caption, with temperature, top-k and a KV cache; measure what comes out (caption
adherence, temporal consistency, seconds per clip) and compute, for real video sizes, why the
sequence length $F' \times h \times w$ makes this route expensive at high resolution; say how
VideoGPT used axial attention and how MAGVIT changed the tokenizer.

**Prerequisites:** 02 (3D and (2+1)D convolutions), 03 (latent spaces). 04 helps for the
comparison with diffusion.

**Time:** quick mode 21 s on an idle 2-core CPU (`make bench`, 2026-11-26, peak RAM 0.6 GB) and 230 s
on the same CPU shared with several other jobs (load average about 9). Full mode (a fresh tokenizer trained for 300 steps, 60 more prior steps, 96
sampled clips) was not timed end to end: 10-20 min on a busy 2-core CPU by the per-step times
measured while building it; not measured on a GPU. **GPU needed:** no. Both models ship trained in `data/video-tokens/`
(`python -m helpers.train_video_tokens` reproduces them).
"""),
    code(r"""
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
from einops import rearrange

from helpers import costs, exercises, judge, metrics, runtime, shapes, video
from helpers.train_video_tokens import DEFAULT_DIR, encode_clips, prior_batch_fn
from helpers.trainer import TrainConfig, train
from helpers.video_prior import CAPTION_LENGTH, caption_ids, generate_clips, load_prior, prior_loss, sample
from helpers.video_tokenizer import VideoTokenizer, codebook_usage, load_tokenizer, vq_loss
from helpers.video_tokens_exercises import check_nearest_code, check_sequence_length, check_top_k

generator = runtime.seed_everything(0)
device = runtime.get_device()
tokenizer = load_tokenizer(DEFAULT_DIR / "tokenizer.safetensors").to(device)
prior = load_prior(DEFAULT_DIR / "prior.safetensors").to(device)
count = lambda model: sum(p.numel() for p in model.parameters())
print(f"mode: {runtime.mode_name()}, device: {device}")
print(f"tokenizer: {count(tokenizer):,} parameters, codebook {tokenizer.config.codebook_size} x {tokenizer.config.embed_dim}")
print(f"prior:     {count(prior):,} parameters, {prior.config.n_layer} layers, {prior.config.n_embd} wide")
"""),
    md(r"""
## 1. Two stages, like a language model

The lesson's fifth route treats video the way GPT treats text (Yan et al. 2021, *VideoGPT: Video
Generation using VQ-VAE and Transformers*, [arXiv:2104.10157](https://arxiv.org/abs/2104.10157);
the lesson's notes give another title and the number 2104.05315, but the paper is this one):

1. **A tokenizer** (a VQ-VAE) compresses a clip into a small grid of integers, each one an index
   into a learned *codebook* of vectors, and decodes such a grid back into a clip.
2. **A prior** (a GPT-style transformer) learns the probability of token grids, one token at a
   time: $p(v \mid \text{caption}) = \prod_i p(v_i \mid \text{caption}, v_{<i})$. To generate,
   draw the tokens one by one, then decode them.

Text-to-video here means: the caption's words sit in front of the video tokens, exactly like a
prompt in front of a language model's answer. Both models ship trained on the moving-shapes
world (40 combinations; the 8 of `shapes.HELD_OUT` never seen).

## 2. The tokenizer: a clip becomes 256 integers

The encoder $E$ is a stack of strided 3D convolutions (each halves time, height and width), one
residual (2+1)D block of notebook 02, and a $1 \times 1 \times 1$ conv to $D = 32$ features. A
$16 \times 32 \times 32$ clip becomes a $4 \times 8 \times 8$ grid of vectors $z$. Each vector is
replaced by its nearest codebook entry $e_k$ ($K = 256$ of them):

$$k^\ast = \arg\min_k \lVert z - e_k \rVert^2, \qquad z_q = e_{k^\ast}$$

and the decoder (transposed 3D convs) maps the grid of $z_q$ back to a clip. The clip's
$16 \cdot 32 \cdot 32 \cdot 3 = 49{,}152$ numbers become $256$ tokens of $\log_2 256 = 8$ bits.
"""),
    code(r"""
captions = ["a red circle moving right", "a blue square moving down", "a yellow triangle moving left", "a green square moving up"]
clips = shapes.make_batch(captions, seed=123).to(device)          # (4, 3, 16, 32, 32) in [-1, 1]
tokens = tokenizer.encode(clips)                                   # (4, 4, 8, 8) integers
recon = tokenizer.decode(tokens)                                   # (4, 3, 16, 32, 32)
mse = float(((recon - clips) ** 2).mean())
bits_in, bits_out = clips[0].numel() * 8, tokens[0].numel() * np.log2(tokenizer.config.codebook_size)
print(f"clip {tuple(clips.shape[1:])} -> tokens {tuple(tokens.shape[1:])} -> clip {tuple(recon.shape[1:])}")
print(f"reconstruction MSE {mse:.4f} (pixels in [-1, 1]); {bits_in:,.0f} bits of 8-bit pixels -> {bits_out:,.0f} bits of tokens ({bits_in / bits_out:.0f}x)")
assert tokens.shape == (4, 4, 8, 8) and tokens.dtype == torch.long and int(tokens.max()) < 256
assert recon.shape == clips.shape and float(recon.abs().max()) <= 1
assert mse < 0.05, "the shipped tokenizer reconstructs clips closely"
video.show_video(video.tensor_to_clips(torch.cat([clips, recon])), [f"original: {c}" for c in captions] + ["from 256 tokens"] * 4)
"""),
    md(r"""
Top row: the originals; bottom row: the same clips rebuilt from their 256 tokens each.

### What the tokens look like

Below, each clip's token grid as colour maps over time: one $8 \times 8$ map per group of 4
frames, one colour per code. Look at the black background: the interior gets one code per group
of frames, but the border rows and columns, and the first and last groups, get codes of their own.
The convolutions' zero padding lets the encoder *see* the clip's edges, so "black at the top edge"
and "black in the middle" are different tokens: position leaks into the vocabulary. The object is
spelled with a handful of codes that move with it.
"""),
    code(r"""
figure, axes = plt.subplots(2, 5, figsize=(12, 5))
palette = plt.get_cmap("tab20", 20)
for row in range(2):
    grid = tokens[row].cpu()                                      # (4, 8, 8)
    axes[row, 0].imshow(video.tensor_to_frames(clips[row])[0])
    axes[row, 0].set_title(captions[row], fontsize=8)
    axes[row, 0].set_xlabel("x (pixels)"); axes[row, 0].set_ylabel("y (pixels)")
    for t in range(4):
        ax = axes[row, t + 1]
        ax.imshow(grid[t] % 20, cmap=palette, vmin=0, vmax=19)
        for (i, j), code_id in np.ndenumerate(grid[t].numpy()):
            ax.text(j, i, str(code_id), ha="center", va="center", fontsize=5)
        ax.set_title(f"tokens for frames {4 * t}-{4 * t + 3}", fontsize=8)
        ax.set_xlabel("token column"); ax.set_ylabel("token row")
figure.suptitle("token grids: code id per 4 frames x 4 x 4 pixels (colour = code id mod 20)")
figure.tight_layout()
plt.show()
frequent = torch.bincount(tokens.flatten().cpu(), minlength=256).sort(descending=True).values
share = float(frequent[:8].sum() / frequent.sum())
print(f"the 8 most frequent codes (background: interior and borders, per group of frames) cover {share:.0%} of all tokens")
assert share > 0.4
"""),
    md(r"""
### Is the codebook healthy?

A codebook can collapse: the encoder keeps choosing a few codes and the rest are never used, so
the tokenizer has fewer "words" than it pays for. Two numbers tell: the **share of codes used**
and the **perplexity** of the code histogram $p_k$,

$$\text{perplexity} = \exp\Big(-\sum_k p_k \log p_k\Big),$$

which is $K$ if all codes are equally frequent and 1 if one code takes everything. On this world
the background dominates, so the perplexity is low even for a healthy codebook; what matters is
that the object's many looks (colour, shape, sub-pixel position, motion) find codes. The world
analyser of `helpers.judge` tells whether colour, shape and direction survive the round trip.
"""),
    code(r"""
per_combo = runtime.pick(1, 3)
eval_captions = [c.caption for c in shapes.ALL_COMBOS for _ in range(per_combo)]
eval_clips = shapes.make_batch(eval_captions, seed=10_000_000).to(device)    # fresh seeds, never trained on
eval_tokens = tokenizer.encode(eval_clips)                                   # (N, 4, 8, 8)
usage = codebook_usage(eval_tokens, tokenizer.config.codebook_size)
originals, rebuilt = video.tensor_to_clips(eval_clips), video.tensor_to_clips(tokenizer.decode(eval_tokens))
grades = {"originals": judge.grade_clips(originals, eval_captions), "reconstructions": judge.grade_clips(rebuilt, eval_captions)}
counts = torch.bincount(eval_tokens.flatten().cpu(), minlength=tokenizer.config.codebook_size).sort(descending=True).values

figure, (left, right) = plt.subplots(1, 2, figsize=(12, 3.5))
left.bar(range(len(counts)), counts.numpy(), width=1.0)
left.set_yscale("log"); left.set_xlabel("code, most to least used"); left.set_ylabel("tokens (log scale)")
left.set_title(f"{len(eval_captions)} clips: perplexity {usage['perplexity']:.1f}, {usage['used_share']:.0%} of codes used")
names = ["color", "shape", "direction", "all"]
for offset, (label, grade) in zip((-0.2, 0.2), grades.items()):
    right.bar(np.arange(4) + offset, [grade[n] for n in names], width=0.4, label=label)
right.set_xticks(range(4), names); right.set_ylim(0, 1.05); right.set_ylabel("share of clips judged right")
right.set_title("world analyser: does the caption survive tokenization?"); right.legend()
figure.tight_layout()
plt.show()
print({k: {n: round(g[n], 2) for n in names} for k, g in grades.items()})
assert 1 < usage["perplexity"] <= 256 and 0 < usage["used_share"] <= 1
assert grades["reconstructions"]["direction"] >= 0.8 and grades["reconstructions"]["single_object"] >= 0.8
"""),
    md(r"""
Read the right panel honestly. The shipped tokenizer trained for 4,000 steps (3.7 minutes on a
2-core CPU); its model card, `data/video-tokens/README.md`, records on 96 fresh clips a
reconstruction MSE of 0.0028 and every attribute surviving (colour, shape and direction all judged
right). It was not always so: an earlier run of 314 steps (6 minutes on a CPU shared with other
jobs) kept the motion and the single object but lost the hue half the time and the shape to
chance, because the fine detail that tells a triangle from a circle is the last thing a tokenizer
learns. Everything the prior generates goes through this decoder, so the tokenizer caps the
quality of the whole route: the point MAGVIT-v2 makes in its title ("tokenizer is key", section 6).
"""),
    md(r"""
### Training the codebook: moving averages and restarts

The encoder and decoder learn by gradient descent on
$\lVert \hat x - x \rVert^2 + \beta \lVert z - \mathrm{sg}[z_q] \rVert^2$ (reconstruction plus a
*commitment* term that keeps $z$ near its code; $\mathrm{sg}$ stops gradients). The argmin has no
gradient, so the decoder's gradient is copied straight through to $z$. The codebook itself is
trained without gradients: each code keeps an exponential moving average of how many vectors
chose it, $N_k$, and of their sum, $m_k$, and sits at their mean:

$$N_k \leftarrow \gamma N_k + (1-\gamma)\, n_k, \qquad m_k \leftarrow \gamma m_k + (1-\gamma) \sum_{i: k^\ast_i = k} z_i, \qquad e_k = m_k / N_k .$$

A code with $N_k$ below a threshold (one token per batch) is *dead*; it is restarted on an encoder
output of the current batch, drawn with probability proportional to how badly the codebook fits it
(k-means++ style): on this world the background is easy, so fresh codes go to the object. Below, a fresh tokenizer trained with the course's shared loop
(`helpers.trainer.train`) for a few steps (quick mode) or a couple of minutes (full mode). Expect
the loss to jump early on: each restart drops codes onto the worst-fitted encoder outputs, and the
decoder meets them for the first time. In the shipped run the mean loss of steps 21-40 was 3.9,
back to 0.09 by step 60, 0.015 by step 300 and 0.003 by step 4,000 (`data/video-tokens/metrics.json`).
"""),
    code(r"""
steps = runtime.pick(6, 300)
fresh = VideoTokenizer(tokenizer.config)
batch = runtime.pick(8, 16)
batch_fn = lambda step: shapes.make_batch([shapes.TRAIN_COMBOS[(step * batch + i) % 40] for i in range(batch)], seed=step * batch)
config = TrainConfig(steps=steps, lr=2e-3, warmup_steps=min(20, steps // 2), ema_decay=None, log_every=max(1, steps // 30))
result = train(fresh, vq_loss, batch_fn, config)
history = result.history
print(f"{steps} steps in {result.wall_s:.1f} s; dead-code restarts: {int(fresh.quantizer.restarts)}")
figure, (left, right) = plt.subplots(1, 2, figsize=(11, 3.2))
left.plot([r["step"] for r in history], [r["recon"] for r in history], marker="o")
left.set_yscale("log"); left.set_xlabel("step"); left.set_ylabel("reconstruction MSE"); left.set_title(f"a fresh tokenizer, first {steps} steps")
right.plot([r["step"] for r in history], [r["perplexity"] for r in history], marker="o")
right.set_xlabel("step"); right.set_ylabel("perplexity of the batch's codes"); right.set_title("codebook usage while training")
figure.tight_layout()
plt.show()
assert int(fresh.quantizer.restarts) > 0, "the first steps restart every code nobody chose"
assert all(np.isfinite(r["loss"]) for r in history)
"""),
    md(r"""
## 3. The prior: predicting the next token

The prior reads one sequence: the caption's 5 words, then the clip's 256 tokens in raster order
(time, then row, then column). Causal self-attention lets position $i$ look only at positions
$\le i$; the output at the last word predicts $v_0$, the output at $v_0$ predicts $v_1$, and so on.
Training minimises the cross-entropy, here in bits per token:

$$\mathcal{L} = -\frac{1}{256} \sum_{i=0}^{255} \log_2 p_\theta(v_i \mid \text{caption}, v_{<i}).$$

A uniform guess costs $\log_2 256 = 8$ bits per token. Positions are learned embeddings, one per
word slot and, for video tokens, the sum of a time, a row and a column embedding (VideoGPT's
"spatio-temporal position encodings"). Where in the clip does the prior's uncertainty sit?
"""),
    code(r"""
held_captions = [c.caption for c in shapes.HELD_OUT]
held_tokens = tokenizer.encode(shapes.make_batch(held_captions, seed=20_000_000).to(device))     # (8, 4, 8, 8)
with torch.no_grad():
    flat = rearrange(held_tokens, "b t h w -> b (t h w)")                                  # (8, 256)
    logits, _ = prior(caption_ids(held_captions).to(device), flat[:, :-1])                # (8, 260, 256)
    nll = torch.nn.functional.cross_entropy(rearrange(logits[:, CAPTION_LENGTH - 1 :], "b n k -> b k n"), flat, reduction="none")  # (8, 256)
bits = (nll / np.log(2)).cpu()
per_position = rearrange(bits.mean(0), "(t h w) -> t h w", t=4, h=8, w=8)                 # (4, 8, 8)
figure, axes = plt.subplots(1, 4, figsize=(12, 3))
for t, ax in enumerate(axes):
    image = ax.imshow(per_position[t], cmap="magma", vmin=0, vmax=float(per_position.max()))
    ax.set_title(f"frames {4 * t}-{4 * t + 3}: {per_position[t].mean():.2f} bits/token", fontsize=9)
    ax.set_xlabel("token column"); ax.set_ylabel("token row")
figure.colorbar(image, ax=axes, label="bits to encode the true token")
figure.suptitle(f"held-out captions: {bits.mean():.3f} bits per token (uniform guess: 8)")
plt.show()
assert bits.mean() < 8 and per_position.shape == (4, 8, 8)
"""),
    md(r"""
The background costs almost nothing; the bits sit where the object may be. One might expect the
first group of frames (where the object starts) to cost the most and later groups to be nearly
free, since the caption's direction says where the object goes. The shipped prior (6,000 steps)
spends only a little less on later groups (on these held-out captions: 1.80, 1.90, 1.68 and
1.64 bits per token for the four groups): *where* the object is follows from the first frames,
but exactly which codes draw its edges at each sub-pixel offset stays uncertain in every group.
Section 5 shows that this is enough for samples that move the right way.

The shipped prior trained for a few minutes; here it trains a few more steps on freshly tokenized
clips with the same shared loop (a copy, so the rest of the notebook uses the shipped weights):
"""),
    code(r"""
import copy

tuned = copy.deepcopy(prior)
grids, grid_captions = encode_clips(tokenizer, shapes.TRAIN_COMBOS, runtime.pick(1, 8), seed=30_000_000)
steps = runtime.pick(3, 60)
config = TrainConfig(steps=steps, lr=3e-4, warmup_steps=1, ema_decay=None, log_every=1)
result = train(tuned, prior_loss, prior_batch_fn(caption_ids(grid_captions), grids, 8, seed=0), config)
print(f"{len(grids)} token grids; {steps} steps in {result.wall_s:.1f} s; bits per token: "
      + ", ".join(f"{r['bits_per_token']:.3f}" for r in result.history[:: max(1, steps // 8)]))
assert all(np.isfinite(r["loss"]) for r in result.history) and grids.shape[1:] == (4, 8, 8)
"""),
    md(r"""
## 4. Sampling, one token at a time

To generate, the prior turns the logits $\ell$ at the last position into probabilities and draws:

$$p_i = \frac{\exp(\ell_i / T)}{\sum_j \exp(\ell_j / T)} \quad \text{over the } k \text{ largest } \ell_i \text{ only (top-}k\text{)}.$$

A temperature $T < 1$ sharpens the distribution (safer, less varied), $T > 1$ flattens it; top-$k$
forbids the long tail of unlikely tokens. $T = 0$ means always the most likely token (greedy).

Each new token needs a forward pass. Without a cache that pass re-reads the whole prefix
(caption plus all tokens so far); a **KV cache** keeps every layer's keys and values of the
positions already seen, so each step processes one position. Same tokens, less work:
"""),
    code(r"""
n = runtime.pick(64, 256)
timings, drawn = {}, {}
for use_cache in (True, False):
    start = time.perf_counter()
    drawn[use_cache] = sample(prior, ["a red circle moving right"], temperature=1.0, generator=torch.Generator().manual_seed(7),
                              use_cache=use_cache, stop_after=n, progress=False)
    timings[use_cache] = time.perf_counter() - start
print(f"first {n} tokens of one clip: with KV cache {timings[True]:.2f} s ({1000 * timings[True] / n:.1f} ms/token), "
      f"without {timings[False]:.2f} s ({1000 * timings[False] / n:.1f} ms/token): {timings[False] / timings[True]:.1f}x")
assert torch.equal(drawn[True], drawn[False]), "the cache changes the cost, never the tokens"
"""),
    md(r"""
Without the cache the cost of step $i$ grows with $i$ (the total grows with $L^2$); with it, each step
costs about the same. Now whole clips for a few of the course's prompts: the first four were
trained on, the last four are held-out combinations the prior never saw.
"""),
    code(r"""
prompts = ["a red circle moving left", "a green triangle moving right", "a blue square moving up", "a yellow circle moving down",
           *[c.caption for c in shapes.HELD_OUT[:4]]]
start = time.perf_counter()
samples, sample_tokens = generate_clips(tokenizer, prior, prompts, seed=0, temperature=1.0)
print(f"{len(prompts)} clips in {time.perf_counter() - start:.1f} s (batched)")
assert len(samples) == 8 and samples[0].shape == (16, 32, 32, 3) and sample_tokens.shape == (8, 4, 8, 8)
video.show_video(samples, [("" if shapes.parse_caption(p) in shapes.TRAIN_COMBOS else "held out: ") + p for p in prompts])
"""),
    md(r"""
## 5. Measured: adherence, temporal consistency, time

Every caption of the world, sampled and judged by the world analyser (`helpers.judge`), split into
combinations the prior trained on and held-out ones; plus the temporal metrics of
`helpers.metrics` (flicker: frame-to-frame change that is not motion; warping error: how badly
optical flow from one frame predicts the next), for samples and for real clips of the same
captions.
"""),
    code(r"""
per_combo = runtime.pick(1, 2)
rows = {}
for split, combos in (("trained", runtime.pick(shapes.TRAIN_COMBOS[::5], shapes.TRAIN_COMBOS)), ("held out", shapes.HELD_OUT)):
    split_captions = [c.caption for c in combos for _ in range(per_combo)]
    generated, _ = generate_clips(tokenizer, prior, split_captions, seed=1, progress=False)
    real = video.tensor_to_clips(shapes.make_batch(split_captions, seed=40_000_000))
    measured = [metrics.measure_clip(clip) for clip in generated]
    rows[split] = {**judge.grade_clips(generated, split_captions),
                   "flicker": float(np.mean([m["flicker"] for m in measured])),
                   "warping error": float(np.mean([m["warping_error"] for m in measured])),
                   "real flicker": float(np.mean([metrics.flicker(c) for c in real])),
                   "real warping error": float(np.mean([metrics.warping_error(c) for c in real]))}
names = ["color", "shape", "direction", "all", "single_object"]
figure, (left, right) = plt.subplots(1, 2, figsize=(12, 3.5))
for offset, (split, row) in zip((-0.2, 0.2), rows.items()):
    left.bar(np.arange(len(names)) + offset, [row[n] for n in names], width=0.4, label=split)
left.set_xticks(range(len(names)), names); left.set_ylim(0, 1.05); left.set_ylabel("share of samples judged right")
left.set_title("caption adherence of sampled clips"); left.legend()
kinds = ["flicker", "warping error"]
for offset, (label, prefix) in zip((-0.2, 0.2), (("samples (trained captions)", ""), ("real clips", "real "))):
    right.bar(np.arange(2) + offset, [rows["trained"][prefix + k] for k in kinds], width=0.4, label=label)
right.set_xticks(range(2), kinds); right.set_yscale("log"); right.set_ylabel("mean over clips, log scale (lower is steadier)")
right.set_title("temporal consistency"); right.legend()
figure.tight_layout()
plt.show()
for split, row in rows.items():
    print(f"{split:9s} " + ", ".join(f"{k} {v:.4f}" for k, v in row.items()))
assert all(0 <= rows[s][n] <= 1 for s in rows for n in names)
assert all(np.isfinite(rows[s]["flicker"]) and rows[s]["real flicker"] < rows[s]["flicker"] for s in rows), "samples flicker more than real clips"
"""),
    md(r"""
**What the measurements say about the shipped prior.** It trained for 6,000 steps (9.6 minutes on
a 2-core CPU) and reached about 1.0 bits per token on its training batches (1.75 on the held-out
captions above), down from 8. Its model card records, over 96 samples (2 per combination): colour,
direction and a single object right in every sample of the trained combinations, and on the
held-out ones every colour and direction and 15 of 16 shapes; flicker 0.21 against 0.05 for real
clips (the object's edges change code from frame to frame). The earlier, 170-step prior of the
same size got colour right in half of its samples and direction almost never: it had learned the
statistics of tokens (mostly background, object-coloured codes in a blob) but not the long-range
rule "the blob of frames 4-7 is the blob of frames 0-3, shifted". Training steps bought the rule:
the route's cost in miniature. Notice which word this model learns easily: the direction, the
word notebook 04's diffusion models struggle with. Predicting token by token, the prior writes the
first frames and then only has to continue them; a diffusion model starting from pure noise has to
place the object in every frame at once.
"""),
    md(r"""
### Time per clip: tokens versus diffusion

A token model pays one transformer pass per token (256 here), a diffusion model one denoiser pass
per step (a few dozen) over the whole latent clip. Both measured here on this machine, one clip
each (the course's tiny diffusion model ships in `data/tiny-t2v`):
"""),
    code(r"""
start = time.perf_counter()
generate_clips(tokenizer, prior, ["a red circle moving left"], seed=2, progress=False)
token_s = time.perf_counter() - start
print(f"video tokens (this notebook): {token_s:.2f} s per clip (256 sequential steps with a KV cache)")
tiny = runtime.DATA_DIR / "tiny-t2v"
if (tiny / "model_index.json").exists():
    from diffusers import DiffusionPipeline

    pipe = DiffusionPipeline.from_pretrained(tiny).to(device)
    pipe.set_progress_bar_config(disable=True)
    steps = runtime.pick(5, 50)                                # 50: the pipeline's default; quick mode times 5 and scales
    start = time.perf_counter()
    frames = pipe("a red circle moving left", num_inference_steps=steps, generator=torch.Generator().manual_seed(0)).frames[0]
    diffusion_s = (time.perf_counter() - start) * 50 / steps
    note = "" if steps == 50 else f" (timed {steps} steps, scaled to the default 50)"
    print(f"tiny diffusion model (data/tiny-t2v): {diffusion_s:.2f} s per clip at 50 steps{note}; tokens / diffusion = {token_s / diffusion_s:.2f}x")
    assert diffusion_s > 0 and len(frames) == 16
else:
    print("data/tiny-t2v is not shipped in this copy of the course, so there is no diffusion timing to compare with.")
assert token_s > 0
"""),
    md(r"""
## 6. Why this route gets expensive: sequence length

The prior reads $L = F' \cdot h \cdot w$ video tokens, where $F' = F / t$ and $h, w = H / s, W / s$
for a tokenizer that shrinks time by $t$ and space by $s$. Full self-attention compares every pair
of positions: $L^2$ scores per layer and head; and sampling takes $L$ *sequential* steps, one per
token, which no amount of parallel hardware removes. `helpers.costs.latent_shape` does the
arithmetic for real sizes:
"""),
    code(r"""
cases = [  # (what, frames, height, width, time factor, space factor)
    ("this notebook", 16, 32, 32, 4, 4),
    ("16 x 64 x 64 (BAIR robot clips)", 16, 64, 64, 2, 4),
    ("16 x 128 x 128", 16, 128, 128, 4, 4),
    ("ModelScope's 16 x 256 x 256", 16, 256, 256, 4, 8),
    ("2 s at 24 fps, 512 x 512", 48, 512, 512, 4, 8),
    ("5 s at 24 fps, 720p", 120, 720, 1280, 4, 8),
    ("10 s at 24 fps, 1080p", 240, 1080, 1920, 4, 8),
]
table = []
for name, f, h, w, tf, sf in cases:
    shape = costs.latent_shape(f, h, w, spatial=sf, temporal=tf, channels=1)
    L = shape.tokens()
    table.append((name, f"{f}x{h}x{w}", f"{tf}x{sf}x{sf}", f"{shape.frames}x{shape.height}x{shape.width}", L, L**2, L * (shape.frames + shape.height + shape.width)))
print(f"{'clip':32s} {'pixels':>14s} {'tokenizer':>9s} {'tokens':>11s} {'L':>10s} {'full attn L^2':>14s} {'axial attn':>12s}")
for name, pixels, factor, grid, L, full, axial in table:
    print(f"{name:32s} {pixels:>14s} {factor:>9s} {grid:>11s} {L:>10,d} {full:>14.2e} {axial:>12.2e}")
figure, ax = plt.subplots(figsize=(8, 3.5))
L_values = np.array([row[4] for row in table], dtype=float)
ax.loglog(L_values, L_values**2, "o-", label="full attention: $L^2$ pairs")
ax.loglog(L_values, [row[6] for row in table], "s-", label="axial attention: $L(F'+h+w)$ pairs")
ax.loglog(L_values, L_values, "^-", label="sequential sampling steps: $L$")
ax.set_xlabel("tokens per clip $L$"); ax.set_ylabel("count (per layer and head)"); ax.legend(fontsize=8)
ax.set_title("sequence length drives the cost of token video models")
plt.show()
assert table[0][4] == prior.config.video_length == 256
"""),
    md(r"""
A 5-second 720p clip is already over 100,000 tokens even with a tokenizer that shrinks space 8×
and time 4×: $10^{10}$ attention pairs per layer and 100,000 sequential sampling steps. Three
responses, all visible in the history of the route:

- **Attend along one axis at a time.** VideoGPT's VQ-VAE puts *axial* self-attention blocks
  (attention along time, then height, then width, each over a single line of positions) beside
  its 3D convolutions (Yan et al. 2021, arXiv:2104.10157); a line has $F'$, $h$ or $w$
  positions, so the cost drops from $L^2$ to $L\,(F' + h + w)$ (the table's last column). Its
  prior is a GPT-like transformer over the latent tokens with spatio-temporal position encodings,
  as here.
- **Make the tokenizer do more.** MAGVIT (Yu et al. 2022, *Masked Generative Video Transformer*,
  [arXiv:2212.05199](https://arxiv.org/abs/2212.05199)) built a stronger 3D-CNN tokenizer (3D-VQ)
  and replaced left-to-right sampling with *masked* token modelling: a bidirectional transformer
  predicts many masked tokens at once and refines them over a few steps (12 in its comparisons,
  against 1024 autoregressive steps; it reports about 60× faster inference than autoregressive
  models). MAGVIT-v2 (Yu et al. 2023, *Language Model Beats Diffusion: Tokenizer is Key to Visual
  Generation*, [arXiv:2310.05737](https://arxiv.org/abs/2310.05737)) dropped the codebook lookup:
  **lookup-free quantisation** takes the sign of each latent channel, so a token is a vector of
  bits and the vocabulary grows to $2^{18}$ without an embedding table or a nearest-neighbour
  search; its causal 3D-CNN encoder tokenizes images and videos with one vocabulary, and with it a
  language model beat diffusion models on ImageNet and Kinetics benchmarks.
- **Or leave tokens for diffusion.** Notebooks 03-05: continuous latents denoised in a few dozen
  parallel steps, which is where most of today's text-to-video models went.
"""),
    md(r"""
## 7. Exercises

**7.1 Nearest code.** Write `nearest_code(z, codebook)`: for vectors `z` of shape $(N, D)$ and a
codebook $(K, D)$, return the index of each vector's nearest code, shape $(N,)$ (squared Euclidean
distance). One test case has codes of very different lengths.
"""),
    code(r"""
def nearest_code(z, codebook):
    ...  # your code here
"""),
    code(r"""
answer = exercises.attempt(nearest_code, check_nearest_code.solution)
feedback = check_nearest_code(answer)
display(feedback)
assert feedback.passed or not feedback.attempted, "see the hints above"
if feedback.passed:
    z = torch.randn(100, tokenizer.config.embed_dim)
    assert torch.equal(answer(z, tokenizer.quantizer.codebook.cpu()), tokenizer.quantizer.nearest(z.to(device)).cpu())
"""),
    md(r"""
**7.2 Sequence length.** Write `sequence_length(frames, height, width, time_factor, space_factor,
caption_tokens)`: how many positions a prior reads for a caption of `caption_tokens` tokens in
front of a clip tokenized with the given factors. (`costs.latent_shape` may help.)
"""),
    code(r"""
def sequence_length(frames, height, width, time_factor, space_factor, caption_tokens):
    ...  # your code here
"""),
    code(r"""
answer = exercises.attempt(sequence_length, check_sequence_length.solution)
feedback = check_sequence_length(answer)
display(feedback)
assert feedback.passed or not feedback.attempted, "see the hints above"
"""),
    md(r"""
**7.3 Top-k filter.** Write `top_k(logits, k)`: return logits of the same shape where each row keeps
its `k` largest entries unchanged and every other entry is `-inf` (so softmax gives them
probability 0).
"""),
    code(r"""
def top_k(logits, k):
    ...  # your code here
"""),
    code(r"""
answer = exercises.attempt(top_k, check_top_k.solution)
feedback = check_top_k(answer)
display(feedback)
assert feedback.passed or not feedback.attempted, "see the hints above"
"""),
    md(r"""
## Summary

- A VQ-VAE with 3D convolutions turns a $16 \times 32 \times 32$ clip into a $4 \times 8 \times 8$
  grid of codebook indices and back; its codebook learns by moving averages, and dead codes are
  restarted on encoder outputs so the vocabulary stays in use. Perplexity, share of codes used and
  the world analyser's verdict on reconstructions say whether the tokenizer is good enough.
- A GPT-style prior reads the caption's words, then predicts the video tokens one by one; its
  uncertainty sits where the object starts, the rest follows from the caption's direction.
- Sampling is sequential: one pass per token. Temperature and top-k trade variety for safety; a
  KV cache makes each step cost one position's work and gives exactly the same tokens.
- Tokens per clip $L = F' h w$ grow with frames × resolution, attention with $L^2$, and sampling
  steps with $L$: the reason VideoGPT used axial attention, MAGVIT moved to a stronger tokenizer
  with parallel masked decoding, MAGVIT-v2 to lookup-free quantisation, and most text-to-video
  models to latent diffusion.

Tick what you have done below: each tick is saved at once.
"""),
    code(r"""
from helpers.progress import tracker
tracker("06")
"""),
]


def main() -> None:
    """Write the notebook."""
    path = write_notebook(REPO_ROOT / "notebooks" / "06_video_tokens.ipynb", CELLS)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
