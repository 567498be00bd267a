"""Build notebooks/01_why_video_is_hard.ipynb (outputs stripped): `python -m scripts.notebooks.build_01`."""

from __future__ import annotations

from scripts.nbtools import REPO_ROOT, code, md, write_notebook

CELLS = [
    md(r"""
# 01 · Why text-to-video is harder than text-to-image

**What you will be able to do:** put numbers on what the time axis costs (tensor and latent
sizes, attention and convolution cost, training-set sizes) for one image against clips of 16, 64
and 128 frames; generate a clip *frame by frame* with an ideal image model and measure why it is
not a video (flicker, warping error, physical plausibility, prompt adherence); repair it with
temporal smoothing (moving average, EMA, flow-guided warping, frame interpolation), measure the
result before and after, and say what smoothing can never fix. This is **approach 1** of the lesson.

**Prerequisites:** 00 (conventions: display clips are numpy `(F, H, W, 3)` in $[0, 1]$).

**Time:** quick mode about 20 s, full mode about 40 s on a 2-core CPU (measured while other jobs
shared it); the same on a GPU machine, since nothing here uses the GPU. **GPU needed:** no. CLIPSIM (section 3) needs CLIP
weights (about 600 MB, downloaded only if you ask); everything else works offline.
"""),
    code(r"""
import matplotlib.pyplot as plt
import numpy as np
from tqdm.auto import tqdm

from helpers import costs, exercises, framewise, judge, metrics, runtime, shapes, video
from helpers.framewise_exercises import check_attention_pairs, check_direction, check_ema

runtime.seed_everything(0)
print(f"mode: {runtime.mode_name()}")
"""),
    md(r"""
## 1. The time axis in numbers

A text-to-image model makes one $H \times W$ picture. A text-to-video model makes $F$ of them
that must also agree with each other. Everything a model touches grows with $F$:

- **memory** for the clip itself: $F \cdot H \cdot W \cdot 3$ numbers, so linear in $F$;
- **latents** (latent diffusion, notebook 03): an image autoencoder shrinks each side by 8 and keeps
  4 channels, so $F \cdot \frac{H}{8} \cdot \frac{W}{8} \cdot 4$ numbers, still linear in $F$;
- **convolutions** cost multiply-accumulates (MACs) per position, so linear in $F$; a 3D kernel
  with $k_t = 3$ taps in time costs another $3\times$ (notebook 02);
- **attention** over all positions: a transformer cuts the latent into $2 \times 2$ patches,
  $N = F \cdot \frac{H}{16} \cdot \frac{W}{16}$ tokens, and every token scores every other:
  $N^2$ pairs, so **quadratic** in $F$.

The cell below computes these for common sizes with `helpers.costs` (the same formulas notebook 02
checks against `torch`).
"""),
    code(r"""
channels = 320                                    # width of the first level of a Stable-Diffusion-style UNet
resolutions = [(256, 256), (512, 512), (576, 1024)]
frame_counts = [1, 16, 64, 128]
rows = []
for height, width in resolutions:
    for frames in frame_counts:
        latent = costs.latent_shape(frames, height, width, spatial=8, channels=4)
        tokens = latent.tokens(patch=2)
        conv2d = costs.conv2d_cost(channels, channels, 3, frames, latent.height, latent.width)
        conv3d = costs.conv3d_cost(channels, channels, 3, frames, latent.height, latent.width)
        rows.append(dict(size=f"{height}x{width}", frames=frames, pixels_M=latent.pixel_elements / 1e6,
                         fp16_MB=latent.pixel_elements * 2 / 1e6, latent_M=latent.elements / 1e6, tokens=tokens,
                         pairs_G=tokens**2 / 1e9, conv2d_GMACs=conv2d.macs / 1e9, conv3d_GMACs=conv3d.macs / 1e9))
header = (f"{'size':>9s} {'frames':>6s} {'pixels (M)':>10s} {'fp16 (MB)':>9s} {'latent (K)':>10s} {'tokens':>7s} "
          f"{'attn pairs':>10s} {'2D conv GMACs':>13s} {'3D conv GMACs':>13s}")
print(header); print("-" * len(header))
for r in rows:
    print(f"{r['size']:>9s} {r['frames']:6d} {r['pixels_M']:10.1f} {r['fp16_MB']:9.1f} {r['latent_M'] * 1e3:10.1f} "
          f"{r['tokens']:7d} {r['pairs_G'] * 1e9:10.1e} {r['conv2d_GMACs']:13.1f} {r['conv3d_GMACs']:13.1f}")

image, clip16 = rows[4], rows[5]                  # 512x512: one image vs 16 frames
assert clip16["pixels_M"] == 16 * image["pixels_M"] and clip16["conv2d_GMACs"] == 16 * image["conv2d_GMACs"]
assert clip16["conv3d_GMACs"] == 3 * clip16["conv2d_GMACs"]
assert clip16["pairs_G"] == 256 * image["pairs_G"]  # 16 frames -> 16^2 = 256 x the attention pairs
"""),
    md(r"""
Read one line against another: at $512 \times 512$, 16 frames are 16× the pixels and 16× the
convolution work of one image, but 256× the attention pairs; 128 frames are 16 384× the pairs.
That is why video models never run full attention over pixels: they work in a compressed latent
space (notebook 03), factorise attention and convolutions into *spatial* and *temporal* parts
(notebook 02), generate a short low-resolution clip and enlarge it in stages (notebook 05), and
modern video autoencoders also compress time (e.g. 4 frames into 1 latent frame).

The same numbers as growth curves (log scale), relative to one image:
"""),
    code(r"""
frames = np.array([1, 2, 4, 8, 16, 32, 64, 128])
figure, ax = plt.subplots(figsize=(6.5, 3.8))
ax.plot(frames, frames, "o-", label="pixels, latents, 2D conv (x F)")
ax.plot(frames, 3 * frames, "s-", label="3D conv, k_t = 3 (x 3F)")
ax.plot(frames, frames**2, "^-", label="full space-time attention (x F^2)")
ax.set_xscale("log", base=2); ax.set_yscale("log")
ax.set_xlabel("frames F"); ax.set_ylabel("cost relative to one image")
ax.set_title("What the time axis costs (same resolution)")
ax.legend(fontsize=8); ax.grid(True, which="both", alpha=0.3)
plt.show()
assert (frames**2)[-1] == 16384
"""),
    md(r"""
### Training data: billions of images, millions of videos

A model learns what the data shows it. Captioned images are plentiful; captioned videos are rare,
short, and far heavier to store and process (a 10-second clip at 24 fps is 240 frames):

| dataset | what | size | source |
|---|---|---|---|
| LAION-5B | image–text pairs from the web (CLIP-filtered) | 5.85 billion | Schuhmann et al., NeurIPS 2022 Datasets & Benchmarks |
| WebVid-10M | stock-footage video–text pairs | 10.7 million clips, about 52 000 hours | Bain et al., "Frozen in Time", ICCV 2021 |
| HD-VILA-100M | 720p YouTube clips with speech transcripts | about 100 million clips from 3.3 million videos, 371 500 hours | Xue et al., CVPR 2022 |
| HowTo100M | instructional clips with narration (not captions) | 136 million clips from 1.22 million videos | Miech et al., ICCV 2019 |
| Panda-70M | YouTube clips with generated captions | 70.8 million clips | Chen et al., CVPR 2024 |

Even the largest video sets hold fewer *pairs* than the image sets, their text is often a
transcript rather than a description of what is seen, and each pair is hundreds of frames.
"""),
    code(r"""
laion, webvid, frames_per_clip = 5.85e9, 10.7e6, 10 * 24
print(f"LAION-5B has {laion / webvid:,.0f}x more pairs than WebVid-10M")
print(f"one 10 s clip at 24 fps = {frames_per_clip} images to store, decode and push through a model")
print(f"WebVid-10M as frames: {webvid * frames_per_clip / 1e9:.1f} billion frames (LAION-5B: {laion / 1e9:.2f} billion images)")
assert round(laion / webvid) == 547
"""),
    md(r"""
## 2. A world small enough to measure

Real videos are too rich to grade automatically, so the course uses a tiny world
(`helpers.shapes`): one circle, square or triangle in red, green, blue or yellow moving left,
right, up or down on black, 16 frames of $32 \times 32$, with the caption
`"a {color} {shape} moving {direction}"`. 48 combinations; 8 of them are held out from training
(they test whether a model *combines* words it has seen).

Because the world is simple, a program can grade a clip: `helpers.judge.analyse_clip` finds the
object in every frame (threshold at half its brightness, largest connected blob), reads its colour
from the hue, its shape from how lopsided (triangle) and how square its mass is, and its direction
from a straight line fitted to its centre over time. `grade_clip` scores a clip against its prompt.
"""),
    code(r"""
captions = ["a red circle moving right", "a green square moving up", "a blue triangle moving left", "a yellow circle moving down"]
true_clips = [shapes.make_clip(c, seed=i) for i, c in enumerate(captions)]
video.show_video(true_clips, captions)
grades = [judge.grade_clip(clip, caption) for clip, caption in zip(true_clips, captions)]
for caption, grade in zip(captions, grades):
    a = grade.analysis
    print(f"{caption:30s} -> read: {a.color}, {a.shape}, {a.direction}; velocity {a.velocity[0]:+.2f}, {a.velocity[1]:+.2f} px/frame; correct: {grade.correct}")
assert all(grade.correct for grade in grades)
"""),
    md(r"""
The judge is tested on all 48 combinations at several sizes and frame counts, on blurred, noisy
and colour-shifted clips, and on clips it must reject (shuffled frames, noise). Its limits are
stated in `helpers/judge.py`; the main one: a clip right in colour, shape and direction still
counts as wrong if a second object shows up in more than 5 % of its frames.

## 3. Approach 1: generate every frame on its own

The simplest way to make a video with an image model: ask it for every frame, with the same
prompt. Here the image model is **ideal**: each frame is a perfect picture of "a red circle",
right colour and shape, at a position and size it chooses freely, as any image model would, since
it knows nothing about the other frames (`helpers.framewise.frame_by_frame`). Fixing the random
seed for every frame is the obvious fix; it gives the same picture 16 times.
"""),
    code(r"""
caption = "a red circle moving right"
clips = {
    "the world (true video)": shapes.make_clip(caption, seed=3),
    "frame by frame": framewise.frame_by_frame(caption, seed=3),
    "frame by frame, same seed": framewise.frame_by_frame(caption, seed=3, same_seed=True),
}
video.show_video(list(clips.values()), list(clips))
video.frame_grid(list(clips.values()), list(clips), suptitle=f'"{caption}": frames over time (left to right)')
plt.show()
assert all(clip.shape == (16, 32, 32, 3) for clip in clips.values())
"""),
    md(r"""
Every single frame is right, yet only the first row is a video of a circle *moving right*. The
track of the object's centre shows why:
"""),
    code(r"""
figure, axes = plt.subplots(1, 2, figsize=(9, 3.2), sharey=True)
for name, clip in clips.items():
    centres = judge.analyse_clip(clip).centres               # (F, 2): x, y per frame
    axes[0].plot(centres[:, 0], "o-", ms=3, label=name)
    axes[1].plot(centres[:, 1], "o-", ms=3, label=name)
for ax, axis in zip(axes, "xy"):
    ax.set_xlabel("frame"); ax.set_ylabel(f"centre {axis} (px)"); ax.set_title(f"object centre, {axis} over time")
axes[0].legend(fontsize=7)
plt.tight_layout(); plt.show()
jumps = np.linalg.norm(np.diff(judge.analyse_clip(clips["frame by frame"]).centres, axis=0), axis=1)
print(f"frame by frame: the object jumps {jumps.mean():.1f} px per frame on average (the world: 1.25 px)")
assert jumps.mean() > 4
"""),
    md(r"""
### Measured, not eyeballed

`helpers.metrics` turns "it flickers" into numbers (formulas in each docstring):

- **flicker**: the share of each frame that its two neighbours, each slid along the best global
  shift, do not predict: $\sum_t |I_t - \tfrac12(S I_{t-1} + S I_{t+1})| \,/\, \sum_t I_t$;
  smooth motion and steady fades are explained; back-and-forth change is not;
- **warping error** (Lai et al., 2018): carry each frame onto the next along the optical flow
  (OpenCV's Farneback), $\frac{1}{F-1}\sum_t \operatorname{mean}_x \lVert I_{t+1}(x) - I_t(x + f_t(x))\rVert^2$
  over pixels where the flow is consistent; motion the flow can follow costs nothing;
- **plausibility**: how far the centre strays from a straight line (px), how unsteady its speed
  is, how much its size changes (coefficient of variation);
- **adherence**: the judge's grade against the prompt.
"""),
    code(r"""
reports = {name: metrics.measure_clip(clip, caption) for name, clip in clips.items()}
keys = ["flicker", "warping_error", "path_residual_px", "speed_std_px", "size_cv", "direction_ok", "correct"]
print(f"{'':28s}" + "".join(f"{k:>17s}" for k in keys))
for name, report in reports.items():
    print(f"{name:28s}" + "".join(f"{report[k]:17.3f}" for k in keys))
true, independent, frozen = reports.values()
assert independent["warping_error"] > 20 * true["warping_error"] and independent["flicker"] > 3 * true["flicker"]
assert independent["path_residual_px"] > 2 and independent["direction_ok"] == 0 and true["correct"] == 1
assert frozen["flicker"] == 0 and frozen["direction_ok"] == 0
"""),
    md(r"""
Three failures, three numbers: the independent frames **flicker** (size changes no motion
explains) and **jump** (a large warping error and a path far from any straight line); the frozen
clip is perfectly stable and **ignores "moving right"**. Both keep colour and shape right in
every frame: the hard part of video is the relation *between* frames.

**CLIPSIM**, the usual adherence number for real videos, is the mean CLIP similarity between each
frame and the prompt. It needs the CLIP weights; set `USE_CLIP = True` to download them (about
600 MB). Note that it looks at frames one by one, so it cannot tell the three clips above apart on
motion, which is why this course grades with the judge.
"""),
    code(r"""
USE_CLIP = False                                   # True: download CLIP (about 600 MB) if it is not cached
status = metrics.clipsim_status(local_files_only=not USE_CLIP)
if status == "available":
    scores = metrics.clipsim(list(clips.values()), [caption] * len(clips))
    for name, score in zip(clips, scores):
        print(f"CLIPSIM {name:28s} {score:.3f}")
    assert np.all(np.abs(scores) <= 1)
else:
    print(status)
assert status == "available" or "unavailable" in status
"""),
    md(r"""
## 4. Temporal smoothing: repairing the clip after the fact

The lesson's approach 1 continues: smooth the generated frames over time. Four classic ways
(`helpers.framewise`), each with a formula:

- **moving average** over 3 frames: $y_t = \tfrac13 (x_{t-1} + x_t + x_{t+1})$;
- **exponential moving average** (EMA): $y_t = \alpha x_t + (1 - \alpha) y_{t-1}$, $\alpha = 0.5$;
- **flow-guided EMA**: the same, but the previous output is first *warped along the optical
  flow* to where things are now, $y_t = \alpha x_t + (1-\alpha) W_t(y_{t-1})$, so moving objects
  are not smeared;
- **frame interpolation**: keep every 4th frame and synthesise the ones between by moving both
  neighbouring keyframes part of the way along the flow.

Two kinds of broken clip: one with a *small wobble* (an image model told where the object should
be in each frame, roughly obeying: the object follows the right path, but its position, size and
brightness shake from frame to frame, `framewise.jittered`) and the independent frames of section 3.
"""),
    code(r"""
wobbly = framewise.jittered(caption, seed=3)
independent = clips["frame by frame"]
smoothed = {"raw": independent, **{name: smooth(independent) for name, smooth in framewise.SMOOTHERS.items()}}
video.show_video(list(smoothed.values()), list(smoothed))
video.frame_grid(list(smoothed.values()), list(smoothed), suptitle="independent frames, raw and smoothed: ghosts")
plt.show()
assert all(clip.shape == independent.shape and 0 <= clip.min() and clip.max() <= 1 for clip in smoothed.values())
"""),
    md(r"""
Blending frames in which the object sits in different places does not move the object: it
draws it several times, faintly. These **ghosts** are the signature artefact of temporal
smoothing. The chart measures every smoother on both kinds of clip, averaged over several prompts
(16 in full mode):
"""),
    code(r"""
n_clips = runtime.pick(4, 16)
combos = shapes.ALL_COMBOS[:: len(shapes.ALL_COMBOS) // n_clips][:n_clips]
prompts = [combo.caption for combo in combos]
kinds = {"small wobble": [framewise.jittered(p, seed=i) for i, p in enumerate(prompts)],
         "independent frames": [framewise.frame_by_frame(p, seed=i) for i, p in enumerate(prompts)]}
results = {kind: framewise.compare_smoothers(batch, prompts) for kind, batch in tqdm(kinds.items(), desc="measuring")}

shown = [("flicker", "flicker (lower is better)"), ("warping_error", "warping error (lower is better)"),
         ("path_residual_px", "path off a straight line, px"), ("single_object_share", "frames with one object"),
         ("direction_ok", "direction right (share of clips)")]
methods = list(results["small wobble"])
figure, axes = plt.subplots(1, len(shown), figsize=(16, 3.6))
for ax, (key, title) in zip(axes, shown):
    for k, kind in enumerate(results):
        values = [results[kind][m][key] for m in methods]
        ax.bar(np.arange(len(methods)) + 0.4 * k - 0.2, values, width=0.4, label=kind)
    ax.set_xticks(range(len(methods)), ["raw" if m == "none" else m.split(" (")[0] for m in methods], rotation=60, ha="right", fontsize=8)
    ax.set_title(title, fontsize=9); ax.set_xlabel("smoother"); ax.set_ylabel(key, fontsize=8)
    if key in ("single_object_share", "direction_ok"):
        ax.set_ylim(0, 1.05)
figure.legend(*axes[0].get_legend_handles_labels(), loc="upper right", fontsize=8, ncol=2)
figure.suptitle(f"temporal smoothing before (raw) and after, mean over {n_clips} prompts")
plt.tight_layout(); plt.show()

wob, ind = results["small wobble"], results["independent frames"]
assert wob["moving average (3)"]["path_residual_px"] < wob["none"]["path_residual_px"]        # the wobble is damped
assert wob["moving average (3)"]["flicker"] < wob["none"]["flicker"]
assert all(ind[m]["warping_error"] < ind["none"]["warping_error"] for m in framewise.SMOOTHERS)  # neighbours look alike
assert ind["EMA (alpha 0.5)"]["single_object_share"] < ind["none"]["single_object_share"]      # ... because of ghosts
assert all(ind[m]["direction_ok"] == 0 for m in methods)                                        # no direction appears
"""),
    md(r"""
What the chart says:

- On the **small wobble** smoothing works as advertised: the moving average, the EMA and
  interpolation damp the shaking (lower flicker, a straighter path) and the clips stay correct.
  The flow-guided EMA straightens nothing: it follows whatever moves, wobble included, and only
  evens out the brightness.
- On **independent frames** every smoother lowers the warping error (neighbouring frames now
  look alike) but the *flicker rises* and the share of frames with exactly one object falls:
  the jumps became ghosts that fade in and out. The flow cannot follow a jump across the frame,
  so warping does not save it.
- The direction is right in **none** of the independent clips, before or after.

## 5. What smoothing cannot fix

Smoothing only mixes what the frames already contain. Two things are not in them:

1. **Motion direction.** The prompt says "moving right"; independent frames put the object
   anywhere. Averaging positions gives a blur around the middle, never a path to the right.
2. **Identity over time.** A real image model also gets the object itself wrong now and then
   (here 30 % of the frames of a wobbly clip show another colour or shape). Smoothing blends the
   red circle with whatever replaced it into a muddy mixture; it cannot decide which object is
   meant, and the blends show colours nobody asked for.
"""),
    code(r"""
mixed = framewise.jittered(caption, seed=3, mistake_rate=0.3)
mixed_smoothed = framewise.ema(mixed, 0.5)
video.show_video([mixed, mixed_smoothed], ["30 % wrong frames", "after EMA"])
video.frame_grid([mixed, mixed_smoothed], ["30 % wrong frames", "after EMA"], max_frames=16, frame_size=0.8,
                 suptitle="identity over time: smoothing mixes, it does not choose")
plt.show()

def frame_colours(clip):
    # the colour the judge reads in each frame (None: no object)
    return [judge.hue_to_color(found.rgb)[0] if found.rgb else None for found in map(judge.find_objects, clip)]

for name, clip in [("before", mixed), ("after EMA", mixed_smoothed)]:
    colours = frame_colours(clip)
    off = sum(colour != "red" for colour in colours)
    print(f"{name:10s}: hue spread {metrics.plausibility(clip).hue_std_deg:4.0f} degrees, {off:2d} of 16 frames not red: {colours}")
assert sum(c != "red" for c in frame_colours(mixed_smoothed)) >= 2 and metrics.plausibility(mixed_smoothed).hue_std_deg > 10
"""),
    md(r"""
This is why the field moved on from approach 1: coherence has to be **generated**, not patched.
The next notebooks build models that see all frames at once: 3D convolutions that look across
time (02), a latent space that makes whole clips affordable (03), and a diffusion model that
denoises the clip as one block (04), so motion and identity come out of the model itself.

## 6. Exercises

**6.1 Attention pairs.** Write `attention_pairs(frames, height, width, patch)`: the number of
query-key pairs scored by full self-attention over a clip cut into `patch x patch` tokens (every
token of every frame attends to every token of every frame).
"""),
    code(r"""
def attention_pairs(frames, height, width, patch):
    ...  # your code here
"""),
    code(r"""
answer = exercises.attempt(attention_pairs, check_attention_pairs.solution)
feedback = check_attention_pairs(answer)
display(feedback)
assert feedback.passed or not feedback.attempted, "see the hints above"
"""),
    md(r"""
**6.2 EMA smoothing.** Write `ema_smooth(clip, alpha)` for a clip `(F, H, W, 3)`:
$y_0 = x_0$, $y_t = \alpha x_t + (1 - \alpha) y_{t-1}$. Return a float array of the same shape.
"""),
    code(r"""
def ema_smooth(clip, alpha):
    ...  # your code here
"""),
    code(r"""
answer = exercises.attempt(ema_smooth, check_ema.solution)
feedback = check_ema(answer)
display(feedback)
assert feedback.passed or not feedback.attempted, "see the hints above"
"""),
    md(r"""
**6.3 Direction from a track.** Write `direction(centres)`: given the object's centre in each
frame, an array `(F, 2)` of `(x, y)` pixels, return `"left"`, `"right"`, `"up"` or `"down"`, as the
judge does. Tracks are noisy, and a detector can glitch in a single frame.
"""),
    code(r"""
def direction(centres):
    ...  # your code here
"""),
    code(r"""
answer = exercises.attempt(direction, check_direction.solution)
feedback = check_direction(answer)
display(feedback)
assert feedback.passed or not feedback.attempted, "see the hints above"
"""),
    md(r"""
## Summary

- The time axis multiplies everything: $F\times$ the pixels, latents and convolution work,
  $F^2\times$ the attention pairs; 16 frames at $512^2$ are 256× the attention of one image.
- Captioned video data is scarce next to images: LAION-5B holds about 550× more pairs than
  WebVid-10M, and every video pair is hundreds of frames.
- Approach 1, frame-by-frame generation, fails even with a perfect image model: frames
  drawn independently flicker and jump (warping error, path residual), a shared seed freezes the
  picture, and neither follows the prompt's motion.
- Temporal smoothing (moving average, EMA, flow-guided EMA, interpolation) damps a small
  wobble, but turns jumps into ghosts, and cannot create the prompted motion or keep one identity
  over time: coherence must come from a model that generates all frames together.

Tick what you have done below: each tick is saved at once.
"""),
    code(r"""
from helpers.progress import tracker
tracker("01")
"""),
]


def main() -> None:
    path = write_notebook(REPO_ROOT / "notebooks" / "01_why_video_is_hard.ipynb", CELLS)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
