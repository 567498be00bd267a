"""Build notebooks/02_3d_convolutions.ipynb (outputs stripped): `python -m scripts.notebooks.build_02`."""

from __future__ import annotations

from scripts.nbtools import REPO_ROOT, code, md, write_notebook

CELLS = [
    md(r"""
# 02 · 3D convolutions

**What you will be able to do:** write a 3D convolution from scratch and match `torch.nn.Conv3d`;
read a $3 \times 3 \times 3$ kernel; build by hand a kernel that detects *rightward* motion of a
shape and measure how selective it is; predict how many frames a stack of layers sees (depth,
dilation, temporal stride); count what 2D, 3D and (2+1)D layers cost at the size of a real video
UNet layer and say why real models factorise; inflate an image kernel into a video kernel.

**Prerequisites:** 00 (conventions: clips are $(B, C, F, H, W)$ in $[-1, 1]$); 01 helps.

**Time:** quick mode about 15 s, full mode about 30 s on a 2-core CPU (measured: 11 s and 19 s
of compute, plus kernel start). Everything here is small and runs on the CPU, so a GPU machine
takes its CPU's time. **GPU needed:** no.
"""),
    code(r"""
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn
from tqdm.auto import tqdm

from helpers import costs, exercises, runtime, shapes, spacetime, video
from helpers.spacetime_exercises import check_conv3d_params, check_down_kernel, check_receptive_field, mean_response

generator = runtime.seed_everything(0)
print(f"mode: {runtime.mode_name()}")
"""),
    md(r"""
## 1. A kernel that slides over height, width *and time*

A 2D convolution slides a $k \times k$ kernel over an image. A 3D convolution slides a
$k_t \times k_h \times k_w$ kernel over a clip, so each output sees a small *space-time* block:
a few neighbouring pixels in a few neighbouring frames. For input $x$ with $C$ channels and a
kernel $w$ for output channel $o$ (stride 1, no padding):

$$y_{o,f,h,w} \;=\; b_o + \sum_{c=1}^{C} \sum_{t=0}^{k_t-1} \sum_{i=0}^{k_h-1} \sum_{j=0}^{k_w-1} w_{o,c,t,i,j}\; x_{c,\,f+t,\,h+i,\,w+j}$$

Below, that formula written as plain loops, one output voxel at a time (slow, but every index is
visible), checked against `torch.nn.Conv3d`:
"""),
    code(r"""
def conv3d_naive(x, weight, bias):
    # x (C, F, H, W), weight (O, C, kt, kh, kw), bias (O,) -> (O, F-kt+1, H-kh+1, W-kw+1); stride 1, no padding
    O, C, kt, kh, kw = weight.shape
    out = torch.zeros(O, x.shape[1] - kt + 1, x.shape[2] - kh + 1, x.shape[3] - kw + 1)
    for o in range(O):
        for f in range(out.shape[1]):
            for h in range(out.shape[2]):
                for w in range(out.shape[3]):
                    block = x[:, f : f + kt, h : h + kh, w : w + kw]      # (C, kt, kh, kw): what the kernel sees
                    out[o, f, h, w] = bias[o] + (weight[o] * block).sum()
    return out

conv = nn.Conv3d(3, 2, kernel_size=3)                        # weight (2, 3, 3, 3, 3), bias (2,)
x = torch.randn(1, 3, 6, 7, 7, generator=generator)          # (B, C, F, H, W)
naive = conv3d_naive(x[0], conv.weight.detach(), conv.bias.detach())
expected = conv(x)[0].detach()
print("output shape:", tuple(naive.shape), "  max |naive - nn.Conv3d| =", f"{(naive - expected).abs().max():.2e}")
assert naive.shape == (2, 4, 5, 5)
torch.testing.assert_close(naive, expected, atol=1e-5, rtol=1e-5)
"""),
    md(r"""
Six nested loops are fine for a $6 \times 7 \times 7$ toy and hopeless for real clips.
`helpers.spacetime.conv3d_reference` computes the same sum the other way round: it loops over
the $k_t k_h k_w$ **kernel taps**; for one tap $(t, i, j)$ the input voxels it meets across all
output positions form one strided slice of the padded input, multiplied by the tap's
$O \times C$ weights in one `einsum`. It also handles `stride`, zero `padding`, `dilation` (gaps
between taps) and `groups` (channels split into independent groups). Output length per axis:

$$n_\text{out} = \left\lfloor \frac{n + 2p - d\,(k-1) - 1}{s} \right\rfloor + 1$$

Parity against `torch.nn.functional.conv3d` on random problems:
"""),
    code(r"""
trials = runtime.pick(quick=8, full=60)
worst = 0.0
for trial in tqdm(range(trials), desc="random conv3d problems"):
    g = torch.Generator().manual_seed(trial)
    rand = lambda lo, hi: int(torch.randint(lo, hi + 1, (1,), generator=g))
    groups = [1, 2, 3][rand(0, 2)]
    settings = dict(stride=(rand(1, 2), rand(1, 3), rand(1, 2)), padding=(rand(0, 2), rand(0, 2), rand(0, 1)),
                    dilation=(rand(1, 2), rand(1, 2), rand(1, 2)), groups=groups)
    x = torch.randn(2, groups * rand(1, 3), rand(5, 9), rand(5, 9), rand(5, 9), generator=g)    # (B, C, F, H, W)
    weight = torch.randn(groups * rand(1, 3), x.shape[1] // groups, rand(1, 3), rand(1, 3), rand(1, 3), generator=g)
    ours, theirs = spacetime.conv3d_reference(x, weight, **settings), F.conv3d(x, weight, **settings)
    assert ours.shape == theirs.shape, settings
    worst = max(worst, float((ours - theirs).abs().max()))
print(f"{trials} random problems (stride, padding, dilation, groups): worst |difference| = {worst:.1e}")
assert worst < 1e-4, "float32 sums in another order agree to ~1e-6; 1e-4 is the stated tolerance"
"""),
    code(r"""
x = torch.randn(2, 16, 16, 32, 32, generator=generator)       # (B, C, F, H, W): a small video feature map
weight = torch.randn(16, 16, 3, 3, 3, generator=generator)
timings = {}
for name, fn in (("from scratch (tap loop)", spacetime.conv3d_reference), ("torch F.conv3d", F.conv3d)):
    fn(x, weight, padding=1)                                   # warm up
    start = time.perf_counter()
    for _ in range(3):
        fn(x, weight, padding=1)
    timings[name] = (time.perf_counter() - start) / 3 * 1000
for name, ms in timings.items():
    print(f"{name:24s} {ms:7.1f} ms per call")
assert all(ms > 0 for ms in timings.values())
"""),
    md(r"""
Same numbers; `torch` is faster because it runs an optimised kernel (oneDNN on a CPU, cuDNN on a
GPU) rather than 27 separate slices.

### What a $3 \times 3 \times 3$ kernel looks like

27 weights per (input, output) channel pair: three $3 \times 3$ slices, one per frame it looks
at. The kernel below is hand-made: a blur in space, weighted $-1, 0, +1$ over time. It
computes "this frame's neighbourhood *later* minus *earlier*": a **change detector**. On a
still clip it gives exactly zero; it lights up where something moves.
"""),
    code(r"""
blur = torch.tensor([[1.0, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16               # (3, 3) spatial blur
change = torch.stack([-blur, torch.zeros(3, 3), blur])                      # (3, 3, 3): time, height, width

figure = plt.figure(figsize=(12, 3.4))
ax3d = figure.add_subplot(1, 4, 1, projection="3d")
colors = plt.cm.coolwarm((change.numpy() / 0.25 + 1) / 2)                    # (T, H, W, 4) RGBA
filled = np.ones((3, 3, 3), bool)
# voxels are indexed (x, y, z): width along x, time along y, height along z (flipped so row 0 is on top)
ax3d.voxels(rearrange(filled, "t h w -> w t h")[:, :, ::-1], facecolors=rearrange(colors, "t h w c -> w t h c")[:, :, ::-1],
            edgecolor="k", linewidth=0.4, alpha=0.9)
ax3d.set_xlabel("width"); ax3d.set_ylabel("time"); ax3d.set_zlabel("height")
ax3d.set_title("the 3x3x3 kernel as voxels")
for t in range(3):
    ax = figure.add_subplot(1, 4, t + 2)
    ax.imshow(change[t], cmap="coolwarm", vmin=-0.25, vmax=0.25)
    for (i, j), value in np.ndenumerate(change[t].numpy()):
        ax.text(j, i, f"{value:+.3f}", ha="center", va="center", fontsize=8)
    ax.set_title(f"slice t = {t - 1:+d} (frame {'before' if t == 0 else 'now' if t == 1 else 'after'})", fontsize=9)
    ax.set_xlabel("width"); ax.set_ylabel("height"); ax.set_xticks(range(3)); ax.set_yticks(range(3))
figure.suptitle("a hand-made 3x3x3 change detector: blur, weighted -1 / 0 / +1 over time")
figure.tight_layout(w_pad=3)
plt.show()

clip = shapes.make_batch(["a green circle moving right"], seed=1)             # (1, 3, F, H, W)
still = clip[:, :, :1].repeat(1, 1, 16, 1, 1)                                 # (1, 3, F, H, W): frame 0 held
kernel = change.expand(3, 3, 3, 3).unsqueeze(0) / 3                           # (O=1, C=3, 3, 3, 3): same on every channel
moving_out = spacetime.conv3d_reference(clip, kernel, padding=(0, 1, 1))      # (1, 1, F-2, H, W)
still_out = spacetime.conv3d_reference(still, kernel, padding=(0, 1, 1))
print(f"mean |response|: moving clip {moving_out.abs().mean():.4f}, still clip {still_out.abs().mean():.1e}")
assert kernel.shape == (1, 3, 3, 3, 3) and still_out.abs().max() < 1e-6 < moving_out.abs().max()
"""),
    md(r"""
## 2. A hand-made motion detector

The change detector above fires for motion in *any* direction. A kernel can also tell
directions apart, because its slices can differ from frame to frame. The idea:

- on each frame, an **edge detector** $[-1, 0, +1]$ along $x$ (averaged over 3 rows): it fires on
  a left-dark/right-bright edge, such as the trailing edge of a bright shape on black;
- on frame $t$ of the kernel, that detector sits $\approx 1.25\,t$ pixels further **right**, the
  speed of the world's shapes. Its 4 taps line up with one edge only if the edge moves right at
  that speed: then all 4 agree (response $\approx 1$). A static edge meets at most 2 of the 4
  taps ($\le 0.5$); a leftward edge at most 1.
- a **bias** of $-0.6$ and a ReLU keep only full agreement: one `Conv3d` with a ReLU, a single
  "neuron". The detector looks at brightness (the largest channel), so any colour works.
"""),
    code(r"""
detector = spacetime.MotionDetector()                     # direction="right", frames=4, speed=1.25, threshold=0.6
kernel = detector.conv.weight.detach()[0, 0]              # (T, K, K) = (4, 7, 7)
figure, axes = plt.subplots(1, kernel.shape[0], figsize=(10, 2.8))
for t, ax in enumerate(axes):
    ax.imshow(kernel[t], cmap="coolwarm", vmin=-kernel.abs().max(), vmax=kernel.abs().max())
    ax.set_title(f"kernel frame {t}")
    ax.set_xlabel("x (px)"); ax.set_ylabel("y (px)")
figure.suptitle("rightward-motion kernel: an edge detector (blue -, red +) that steps right frame by frame")
figure.tight_layout()
plt.show()
print("kernel shape (O, C, T, K, K):", tuple(detector.conv.weight.shape), " bias:", round(detector.conv.bias.item(), 3))
assert detector.conv.weight.shape == (1, 1, 4, 7, 7) and abs(float(kernel.sum())) < 1e-6
"""),
    md(r"""
The same red square moving right, left, up and down, and held still. Top row: the clips. Bottom
row: the detector's response map (white) over a dimmed copy of the clip, brightest where it fires.
Its 4-frame window makes the maps 3 frames shorter; each is drawn over the window's third frame:
"""),
    code(r"""
names = ["right", "left", "up", "down", "static"]
clips = shapes.make_batch([f"a red square moving {d}" for d in names[:4]], seed=5)      # (4, 3, F, H, W)
clips = torch.cat([clips, clips[:1, :, :1].repeat(1, 1, 16, 1, 1)])                    # (5, 3, F, H, W): + a still one
with torch.no_grad():
    responses = detector(clips)                                                         # (5, 1, F-3, H, W) >= 0
scale = float(responses.max())
response_clips = []
for clip, response in zip(video.tensor_to_clips(clips), responses):
    backdrop = 0.35 * clip[2:-1]                                                        # (F-3, H, W, 3): frames under the window
    glow = np.repeat(response[0].numpy()[..., None] / scale, 3, axis=-1)                # (F-3, H, W, 3) in [0, 1]
    response_clips.append(np.clip(backdrop + glow, 0, 1))
video.show_video(video.tensor_to_clips(clips) + response_clips,
                 [f"input: {n}" for n in names] + [f"response: {n}" for n in names], fps=6)
peaks = responses.amax(dim=(1, 2, 3, 4))
print("peak response per clip:", {n: round(float(p), 3) for n, p in zip(names, peaks)})
assert responses.shape == (5, 1, 13, 32, 32)
assert peaks[0] > 0.1 and (peaks[1:] == 0).all(), "fires on rightward motion only"
"""),
    code(r"""
figure = video.frame_grid(response_clips, titles=[f"response: {n}" for n in names], max_frames=7,
                          suptitle="detector response (white) over the dimmed clip, time left to right: only rightward motion fires")
plt.show()
"""),
    md(r"""
**Selectivity, measured.** Mean response over every colour and shape (12 clips per direction,
and more seeds in full mode), with the bias of $-0.6$ and, to see what it is for, without it
(bias 0). Selectivity index $= (R_\text{right} - R_\text{best other}) / (R_\text{right} + R_\text{best other})$:
1 means only rightward motion excites it, 0 means it cannot tell.
"""),
    code(r"""
seeds = runtime.pick(quick=[7], full=[7, 8, 9, 10])
directions = ["right", "left", "up", "down", "static"]
right_kernel = spacetime.motion_kernel("right")                                     # (1, 1, 4, 7, 7)
thresholds = (0.0, 0.45, 0.6)
means = {threshold: [np.mean([mean_response(right_kernel, d, threshold, seed) for seed in seeds]) for d in directions]
         for threshold in thresholds}
selectivity = {t: (m[0] - max(m[1:])) / (m[0] + max(m[1:])) for t, m in means.items()}

figure, axes = plt.subplots(1, len(thresholds), figsize=(12, 3.2))
for ax, threshold in zip(axes, thresholds):
    ax.bar(directions, means[threshold], color=["tab:red"] + ["tab:grey"] * 4)
    ax.set_title(f"bias {-threshold + 0.0:.2f}: selectivity {selectivity[threshold]:.2f}", fontsize=10)
    ax.set_xlabel("motion in the clip")
    ax.set_ylabel("mean ReLU response")
figure.suptitle(f"rightward detector on 4 colours x 3 shapes x {len(seeds)} seed(s) per direction")
figure.tight_layout()
plt.show()
print("selectivity:", {t: round(float(s), 3) for t, s in selectivity.items()})
assert selectivity[0.6] > 0.95 and selectivity[0.6] > selectivity[0.45] > selectivity[0.0]
assert means[0.6][1] == means[0.6][4] == 0, "never fires on leftward or static clips"
"""),
    md(r"""
Without the bias the kernel is little more than an edge detector: every left-dark/right-bright
edge, moving or not, half-matches it, and the mean response hardly depends on the motion. The
bias is the decision. At $-0.45$ static edges (at most $0.5$) still leak through, and a few
vertical movers too: the slanted side of a triangle or the rim of a circle moving *down* looks,
through a small window, like an edge sliding *sideways* (the **aperture problem**: a local
detector only sees motion across an edge). At $-0.6$ only complete matches survive. A trained video model learns thousands of
such space-time kernels from data instead of by hand; the first layers of trained 3D CNNs do
contain oriented, motion-tuned filters much like this one.

## 3. How far in time does a layer see?

One $3 \times 3 \times 3$ layer sees 3 frames. Stacking layers widens the *temporal receptive
field* (the frames one output voxel depends on). For layers $l = 1 \dots L$ with temporal
kernel $k_l$, dilation $d_l$ and stride $s_l$:

$$R \;=\; 1 + \sum_{l=1}^{L} (k_l - 1)\, d_l \prod_{j<l} s_j$$

Plain stacking grows $R$ by 2 frames a layer; doubling dilations (1, 2, 4, …) double the growth
every layer. A temporal stride of 2 makes every *later* layer step over twice as many input frames
(but also halves the frame count: 16 frames become 4 after two strides).
Below, the formula vs a measurement: autograd tells which input frames reach the middle output.
"""),
    code(r"""
max_depth = 6
recipes = {
    "kernel 3": lambda L: ([3] * L, [1] * L, [1] * L),
    "kernel 3, dilation 1, 2, 4, ...": lambda L: ([3] * L, [2**l for l in range(L)], [1] * L),
    "kernel 3, temporal stride 2 in layers 1-2": lambda L: ([3] * L, [1] * L, [2 if l < 2 else 1 for l in range(L)]),
}
figure, ax = plt.subplots(figsize=(7, 3.6))
for name, recipe in recipes.items():
    formula, measured = [], []
    for depth in range(1, max_depth + 1):
        kernels, dilations, strides = recipe(depth)
        stack = nn.Sequential(*[nn.Conv3d(1, 1, (k, 1, 1), stride=(s, 1, 1), dilation=(d, 1, 1))
                                for k, d, s in zip(kernels, dilations, strides)])
        formula.append(spacetime.temporal_receptive_field(kernels, dilations, strides))
        measured.append(spacetime.measure_temporal_receptive_field(stack, 1, num_frames=2 * formula[-1] + 1))
    assert formula == measured, (name, formula, measured)
    (line,) = ax.plot(range(1, max_depth + 1), formula, "-", label=f"{name} (formula)")
    ax.plot(range(1, max_depth + 1), measured, "o", color=line.get_color())
    print(f"{name:32s} {formula}")
ax.axhline(16, color="grey", linestyle="--", label="a 16-frame clip")
ax.set_yscale("log", base=2)
ax.set_xlabel("layers (depth)")
ax.set_ylabel("temporal receptive field (frames)")
ax.set_title("frames seen by one output voxel: formula (lines) = measured (dots)")
ax.legend(fontsize=8)
plt.show()
"""),
    md(r"""
A plain stack needs 8 layers to see a whole 16-frame clip; with doubling dilation 4 are enough,
with two early strides also 4
(but those leave only 4 frames to work on). Video UNets get a long reach cheaply the same way: their downsampling path shrinks
the *spatial* size, and their **temporal attention** layers let every frame see every other frame
in one step (notebook 04).

## 4. What time costs: 2D vs 3D vs (2+1)D

Three ways for a layer on a clip $(B, C, F, H, W)$ to use time:

| layer | what it is | weights |
|---|---|---|
| 2D per frame | fold frames into the batch, `b c f h w -> (b f) c h w`, run an image conv | $C^2 k^2$ |
| full 3D | one $k \times k \times k$ kernel over space-time | $C^2 k^3$ |
| (2+1)D | a 2D conv on every frame, then a 1D conv over time on every pixel, `b c f h w -> (b h w) c f` | $C M k^2 + M C k$ |

Multiply-accumulates (MACs) are weights times output voxels $F H W$. The (2+1)D block is what the
lesson's ModelScope model (diffusers' `UNet3DConditionModel`) uses: 2D ResNet convs plus a
`TemporalConvLayer` of $3 \times 1 \times 1$ convs, with $M = C$. R(2+1)D instead picks $M$ so
the block has as many weights as the 3D conv, but two nonlinearities.

The sizes of real layers: ModelScope makes 16 frames of $256 \times 256$; its VAE turns them into
latents of $16 \times 32 \times 32$, and its UNet's levels have 320, 640 and 1280 channels at
$32^2$, $16^2$ and $8^2$. Activation memory at fp16 (2 bytes an element), batch 1:
"""),
    code(r"""
levels = [(320, 32), (640, 16), (1280, 8)]                  # (channels, latent height = width) of ModelScope's UNet3D
rows = []
for channels, size in levels:
    for row in costs.cost_table(channels, frames=16, height=size, width=size):
        rows.append({"level": f"{channels} ch @ 16x{size}x{size}", **row})
header = f"{'level':24s} {'layer':28s} {'params (M)':>11s} {'GMACs':>8s} {'activations (MB)':>17s}"
print(header); print("-" * len(header))
for row in rows:
    print(f"{row['level']:24s} {row['layer']:28s} {row['params (M)']:11.3f} {row['GMACs']:8.2f} {row['activations (MB)']:17.2f}")

# the formulas, checked against torch's own counts for the first level (on the 'meta' device: sizes only, no compute)
x = torch.empty(1, 320, 16, 32, 32, device="meta")
measured_3d = costs.measure_cost(nn.Conv3d(320, 320, 3, padding=1, device="meta"), x)
block = spacetime.Conv2Plus1d(spacetime.Conv2Plus1dConfig(320, 320, mid_channels=320)).to("meta")
measured_21 = costs.measure_cost(block, x)
print(f"\ntorch counts at 320 ch: 3D {measured_3d.params:,} params, {measured_3d.macs / 1e9:.2f} GMACs; "
      f"(2+1)D {measured_21.params:,} params, {measured_21.macs / 1e9:.2f} GMACs")
predicted_3d, predicted_21 = costs.conv3d_cost(320, 320, 3, 16, 32, 32), costs.conv2plus1d_cost(320, 320, 3, 16, 32, 32)
assert (measured_3d.params, measured_3d.macs, measured_3d.activations) == (predicted_3d.params, predicted_3d.macs, predicted_3d.activations)
assert (measured_21.params, measured_21.macs, measured_21.activations) == (predicted_21.params, predicted_21.macs, predicted_21.activations)
"""),
    code(r"""
labels = ["2D per frame", "3D", "(2+1)D, M=C", "(2+1)D, M matched"]
figure, axes = plt.subplots(1, 2, figsize=(11, 3.4))
for ax, key, unit in ((axes[0], "params (M)", "parameters (millions)"), (axes[1], "GMACs", "GMACs per clip")):
    for i, (channels, size) in enumerate(levels):
        values = [row[key] for row in rows[4 * i : 4 * i + 4]]
        ax.bar(np.arange(4) + 0.27 * (i - 1), values, width=0.27, label=f"{channels} ch @ {size}x{size}")
    ax.set_xticks(range(4), labels, fontsize=8)
    ax.set_xlabel("layer type")
    ax.set_ylabel(unit)
    ax.set_title(f"{unit.split(' (')[0]} of one 3x3(x3) layer, 16 latent frames")
    ax.legend(fontsize=8)
figure.tight_layout()
plt.show()
full, factorised = rows[1], rows[2]
print(f"at 320 channels, full 3D costs {full['GMACs'] / rows[0]['GMACs']:.1f}x a 2D conv; (2+1)D with M=C costs "
      f"{factorised['GMACs'] / rows[0]['GMACs']:.2f}x")
assert abs(full["GMACs"] / rows[0]["GMACs"] - 3) < 0.01 and factorised["GMACs"] < full["GMACs"] / 2
"""),
    md(r"""
Every level costs the same MACs: halving the side quarters the voxels while doubling the channels
quadruples the weights. Why real models factorise:

- **Cost.** A full $3^3$ kernel costs $3\times$ a 2D conv in weights and MACs, at every layer; a
  temporal $3 \times 1 \times 1$ conv after the 2D conv adds only $\tfrac13$.
- **Reuse.** The 2D part can *be* a pretrained text-to-image UNet's conv: train only the new
  temporal layers on (scarce) video. ModelScope, AnimateDiff and Make-A-Video all start from an
  image model; the temporal layers start as an identity so the model first behaves like the image
  model on every frame.
- **Capacity.** At equal weights (R(2+1)D), the extra nonlinearity between the two convs made the
  factorised network *more* accurate than the full 3D one in video recognition.

The activation column is the quiet cost: the factorised block keeps its hidden clip too, so it
*stores* more than the 3D conv even when it computes less.

## 5. Inflating an image kernel into a video kernel

I3D's trick for reusing an image network: turn each $k \times k$ kernel into a
$k_t \times k \times k$ one by repeating it over time and dividing by $k_t$ ("mean"), or by
putting it on the middle frame only ("center"). The promise: on a **static** clip (one image
repeated) the inflated conv gives exactly the image conv's output on every frame, because
$\sum_t \tfrac{1}{k_t} w = w$. Checked on a Sobel edge detector:
"""),
    code(r"""
sobel = nn.Conv2d(3, 1, 3, padding=1, bias=False)
with torch.no_grad():
    sobel.weight.copy_(torch.tensor([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]]).expand(1, 3, 3, 3) / 8)   # (1, 3, 3, 3)
inflated = spacetime.inflate_conv2d(sobel, time_kernel=3, init="mean", temporal_padding=0)   # Conv3d (1, 3, 3, 3, 3)

image_clip = (shapes.make_batch(["a yellow triangle moving right"], seed=2) + 1) / 2     # (1, 3, F, H, W) in [0, 1]: black is 0
static = image_clip[:, :, :1].repeat(1, 1, 16, 1, 1)                                        # (1, 3, F, H, W)
with torch.no_grad():
    per_frame = sobel(rearrange(static, "b c f h w -> (b f) c h w"))                       # (F, 1, H, W)
    per_frame = rearrange(per_frame, "(b f) c h w -> b c f h w", b=1)                       # (1, 1, F, H, W)
    video_out = inflated(static)                                                            # (1, 1, F-2, H, W)
    moving_out = inflated(image_clip)                                                       # (1, 1, F-2, H, W)
difference = (video_out - per_frame[:, :, 1:-1]).abs().max()
print(f"inflated weight {tuple(inflated.weight.shape)}; static clip: max |inflated - 2D per frame| = {difference:.1e}")
assert inflated.weight.shape == (1, 3, 3, 3, 3) and difference < 1e-5

panels = [("2D conv per frame, static clip", per_frame[0, 0, 8]), ("inflated, static clip", video_out[0, 0, 7]),
          ("2D conv on moving clip", sobel(image_clip[:, :, 8]).detach()[0, 0]), ("inflated, moving clip", moving_out[0, 0, 7])]
figure, axes = plt.subplots(1, 4, figsize=(11, 3))
limit = float(per_frame.abs().max())
for ax, (title, image) in zip(axes, panels):
    ax.imshow(image, cmap="coolwarm", vmin=-limit, vmax=limit)
    ax.set_title(title, fontsize=9); ax.set_xlabel("x (px)"); ax.set_ylabel("y (px)")
figure.suptitle("Sobel-x inflated to 3x3x3: identical on a still clip, a smeared average of 3 frames on a moving one")
figure.tight_layout()
plt.show()
"""),
    md(r"""
On the moving clip the inflated kernel averages the edge map over 3 frames, so edges blur along
the motion: it starts as "the image model, frame by frame", and training then reshapes its
temporal slices to exploit motion. The factorised block keeps a related promise: without its
activation a (2+1)D block *is* one 3D conv whose kernel is a sum of $M$ (time × space) outer
products, a constrained 3D kernel:
"""),
    code(r"""
block = spacetime.Conv2Plus1d(spacetime.Conv2Plus1dConfig(3, 4, mid_channels=6, activation=False))
as_3d = block.equivalent_conv3d()                                    # nn.Conv3d (4, 3, 3, 3, 3)
x = torch.randn(1, 3, 8, 10, 10, generator=generator)               # (B, C, F, H, W)
with torch.no_grad():
    gap = (block(x) - as_3d(x))[:, :, 1:-1].abs().max()               # interior frames (see the docstring for the ends)
print(f"(2+1)D block vs its 3D kernel: max |difference| = {gap:.1e}; weights {sum(p.numel() for p in block.parameters())} "
      f"vs {sum(p.numel() for p in as_3d.parameters())} for a free 3D kernel")
assert gap < 1e-5
"""),
    md(r"""
## 6. Exercises

**6.1 Count a 3D conv.** Write `conv3d_params(in_channels, out_channels, time_kernel, kernel_size)`:
the number of weights and biases of `nn.Conv3d(in_channels, out_channels, (time_kernel, kernel_size, kernel_size))`.
"""),
    code(r"""
def conv3d_params(in_channels, out_channels, time_kernel, kernel_size):
    ...  # your code here
"""),
    code(r"""
answer = exercises.attempt(conv3d_params, check_conv3d_params.solution)
feedback = check_conv3d_params(answer)
display(feedback)
assert feedback.passed or not feedback.attempted, "see the hints above"
"""),
    md(r"""
**6.2 Temporal receptive field.** Write `receptive_field(kernel_sizes, dilations, strides)` (three
lists, one entry per layer) returning how many input frames one output voxel sees. Use the formula
of section 3, or walk the layers keeping a running "jump" (how many input frames one step of the
current layer spans).
"""),
    code(r"""
def receptive_field(kernel_sizes, dilations, strides):
    ...  # your code here
"""),
    code(r"""
answer = exercises.attempt(receptive_field, check_receptive_field.solution)
feedback = check_receptive_field(answer)
display(feedback)
assert feedback.passed or not feedback.attempted, "see the hints above"
"""),
    md(r"""
**6.3 A downward-motion detector.** Write `down_kernel(right_kernel)`: it gets the rightward kernel
$(1, 1, T, K, K)$ of section 2 and returns a kernel of the same shape that detects **downward**
motion (on screen, $y$ grows downward). The checker runs it on clips of every colour and shape
moving in each direction. Think about which axis the edge detector runs along and which way it
steps over time.
"""),
    code(r"""
def down_kernel(right_kernel):
    ...  # your code here
"""),
    code(r"""
answer = exercises.attempt(down_kernel, check_down_kernel.solution)
feedback = check_down_kernel(answer)
display(feedback)
assert feedback.passed or not feedback.attempted, "see the hints above"
if feedback.passed:
    down = answer(spacetime.motion_kernel("right"))
    print({d: round(mean_response(down, d), 5) for d in ["down", "up", "left", "right", "static"]})
"""),
    md(r"""
## Summary

- A 3D convolution sums kernel × input over a small block of frames, rows and columns; written
  from scratch (loops, or one strided slice per kernel tap) it matches `torch.nn.Conv3d` to
  float precision, with stride, padding, dilation and groups.
- Because its slices can differ from frame to frame, one 3D kernel plus a bias and a ReLU can
  detect *rightward* motion and ignore leftward and still shapes: that is what "learning
  spatio-temporal features" means.
- Temporal reach grows by $(k-1)\,d \prod s$ per layer: linearly with depth, exponentially with
  doubling dilation or temporal strides.
- A full $3^3$ kernel costs $3\times$ a 2D conv; real video UNets factorise into 2D + temporal
  (2+1)D layers, which are cheaper, reuse pretrained image weights, and (inflated or
  identity-initialised) start out as the image model on every frame.

Tick what you have done below: each tick is saved at once.
"""),
    code(r"""
from helpers.progress import tracker
tracker("02")
"""),
]


def main() -> None:
    """Write the notebook."""
    path = write_notebook(REPO_ROOT / "notebooks" / "02_3d_convolutions.ipynb", CELLS)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
