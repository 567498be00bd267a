"""Build notebooks/00_setup_and_tour.ipynb (outputs stripped): `python -m scripts.notebooks.build_00`."""

from __future__ import annotations

from scripts.nbtools import REPO_ROOT, code, md, write_notebook

CELLS = [
    md(r"""
# 00 · Setup and tour

**What you will be able to do:** check what your machine offers the course (device, memory,
versions), find your way around the course (notebooks, quick/full mode, exercises, the progress
tracker), play a first video inline, compare clips side by side, and save them as GIF and MP4.

**Prerequisites:** none. This is the first notebook.

**Time:** quick mode and full mode both about 20 s on a busy 2-core laptop-class CPU (measured: 18 s
quick, 20 s full; about 10 s when the machine is idle). Nothing here runs on a GPU, so a GPU machine
takes the same (not timed separately). **GPU needed:** no.
"""),
    code(r"""
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

from helpers import exercises, runtime, shapes, video, video_files
from helpers.video_exercises import check_display_frames
"""),
    md(r"""
## 1. Your machine

The course runs anywhere from a laptop CPU to a data-centre GPU. The report below says what this
machine has and what that means for the course: the *device* every model goes to (CUDA if there
is a GPU, else the CPU), the *dtype* (half precision only on a GPU), and plain-language advice.
Set `COURSE_DEVICE=cpu` or `COURSE_DTYPE=float32` before starting Jupyter to override the choice.
"""),
    code(r"""
report = runtime.environment_report()
print(report)
assert report.mode in ("quick", "full")
assert report.device in ("cpu",) or report.device.startswith("cuda")
assert report.ram_total_gb > 0 and report.disk_free_gb > 0
assert report.advice, "the report always gives at least one piece of advice"
"""),
    md(r"""
## 2. How the course works

One notebook per step, each ending with a progress tracker:

| # | notebook | what you learn |
|---|---|---|
| 00 | setup and tour | this notebook: your machine, the conventions, a first video |
| 01 | why video is hard | the time axis in numbers, temporal coherence, frame-by-frame generation and its flicker |
| 02 | 3D convolutions | conv3d from scratch, a motion-detector kernel, (2+1)D factorisation, costs |
| 03 | latent spaces | a tiny video autoencoder: compression, reconstructions, interpolation |
| 04 | video diffusion | noising a clip, the denoiser, training, sampling, guidance |
| 05 | cascades | low-res short clip → temporal → spatial super-resolution (Imagen Video) |
| 06 | video tokens | a VQ-VAE with 3D convolutions and a transformer prior (VideoGPT) |
| 07 | a pretrained pipeline | the lesson's project: load a text-to-video pipeline, generate, export |
| 08 | compare and wrap up | all approaches on one task, your progress overview, where next |

**Quick and full mode.** With `CI=true` or `COURSE_QUICK=1` in the environment every notebook runs
in *quick mode*: fewer training steps, fewer samples, seconds on a CPU (that is how the tests run
every notebook). Otherwise it runs in *full mode*, the real lesson. Notebooks never check this
themselves; they ask `runtime.pick(quick, full)`:
"""),
    code(r"""
num_clips = runtime.pick(quick=8, full=48)   # how many clips section 5 measures
print(f"mode: {runtime.mode_name()}  ->  {num_clips} clips measured below")
assert num_clips == (8 if runtime.is_quick() else 48)
"""),
    md(r"""
## 3. Two ways to hold a video

A clip is a stack of frames: $F$ frames of $H \times W$ pixels with 3 colour channels. The course
holds it in exactly two ways, and `helpers.video` is the only place that converts between them:

- **model side**: a torch tensor $(B, C, F, H, W)$ with values in $[-1, 1]$, the order diffusers'
  video UNets use (batch, channels, frames, height, width);
- **display side**: a numpy array $(F, H, W, 3)$, float in $[0, 1]$ or `uint8` in $[0, 255]$, what
  screens, GIFs and MP4s want. The map between them is $u = \tfrac{x + 1}{2}$ (and $255u$ for bytes).

The course's data is a synthetic world of coloured shapes moving in straight lines, each clip
described by a caption `"a {color} {shape} moving {direction}"`: 16 frames of 32×32, cheap to
draw, with a known right answer for every caption.
"""),
    code(r"""
captions = ["a red circle moving right", "a green square moving up", "a blue triangle moving left", "a yellow circle moving down"]
batch = shapes.make_batch(captions, seed=0)          # (B, C, F, H, W) in [-1, 1]
clips = video.tensor_to_clips(batch)                  # list of (F, H, W, 3) in [0, 1]
print("model side  :", tuple(batch.shape), batch.dtype, f"[{batch.min():.0f}, {batch.max():.0f}]")
print("display side:", clips[0].shape, clips[0].dtype, f"[{clips[0].min():.0f}, {clips[0].max():.0f}]")
assert batch.shape == (4, 3, 16, 32, 32) and batch.min() >= -1 and batch.max() <= 1
assert clips[0].shape == (16, 32, 32, 3) and 0 <= clips[0].min() and clips[0].max() <= 1
back = video.frames_to_tensor(clips[0])               # and back: (1, C, F, H, W)
assert torch.allclose(back, batch[:1], atol=1e-6), "the round trip is exact"
"""),
    md(r"""
## 4. Your first video

`video.show_video` plays clips inline as an H.264 `<video>` (what JupyterLab, Colab and VS Code
play), enlarged with crisp pixels; a list of clips plays side by side, each with its caption.
"""),
    code(r"""
shown = video.show_video(clips[0], captions[0])
assert "<video" in shown.data or "<img" in shown.data
"""),
    code(r"""
shown = video.show_video(clips, captions)
assert shown.data.count("<figure") == len(captions)
"""),
    md(r"""
A video is easiest to *read* on paper as a strip of frames: time runs left to right, one clip
per row. `video.frame_grid` draws that.
"""),
    code(r"""
figure = video.frame_grid(clips, titles=captions, max_frames=8, suptitle="four clips, 8 of their 16 frames")
plt.show()
assert len(figure.axes) == 4 * 8
"""),
    md(r"""
## 5. A first measurement: how fast do the shapes move?

Motion is what makes video video. Here the brightness-weighted centre of the shape in frame $t$,
$\bar x_t = \sum_{ij} b_{ij} x_j / \sum_{ij} b_{ij}$, moves along a straight line; the slope of
that line is the speed in pixels per frame. The world is drawn at 1.25 px/frame; let us measure it.
"""),
    code(r"""
def centre_track(clip):
    # (F, H, W, 3) -> (F, 2): brightness-weighted centre (x, y) of every frame
    brightness = clip.sum(axis=-1)                                   # (F, H, W)
    ys, xs = np.mgrid[0 : clip.shape[1], 0 : clip.shape[2]] + 0.5    # pixel centres
    total = brightness.sum(axis=(1, 2))                              # (F,)
    return np.stack([(brightness * xs).sum(axis=(1, 2)) / total, (brightness * ys).sum(axis=(1, 2)) / total], axis=1)

speeds = []
for i in range(num_clips):
    combo = shapes.ALL_COMBOS[i % len(shapes.ALL_COMBOS)]
    track = centre_track(shapes.make_clip(combo, seed=i))            # (F, 2)
    slope = np.polyfit(np.arange(len(track)), track, 1)[0]           # (2,) px/frame in x and y
    speeds.append(np.hypot(*slope))
track = centre_track(clips[0])
figure, ax = plt.subplots(figsize=(5, 3))
ax.plot(track[:, 0], "o-", label="x (a red circle moving right)")
ax.plot(track[:, 1], "s-", label="y")
ax.set_title("centre of the shape, frame by frame")
ax.set_xlabel("frame")
ax.set_ylabel("position (px)")
ax.legend()
plt.show()
print(f"measured speed over {num_clips} clips: {np.mean(speeds):.3f} ± {np.std(speeds):.3f} px/frame "
      f"(drawn at {shapes.world_speed():.3f})")
assert abs(np.mean(speeds) - shapes.world_speed()) < 0.05
"""),
    md(r"""
## 6. Saving clips: GIF and MP4

Two formats, two trade-offs:

- **GIF** plays anywhere an image does (GitHub, slides) and loops forever, but holds at most 256
  colours per frame and stores each frame's *duration* in steps of 10 ms: 8 fps would be 125 ms,
  which GIF rounds to 120 ms (8.33 fps).
- **MP4 (H.264, `yuv420p`)** is what browsers play in a `<video>` tag; it is lossy and stores
  colour at half resolution (so width and height must be even: `save_mp4` pads odd sizes).

Both written, read back, and compared frame by frame with the original:
"""),
    code(r"""
folder = Path(tempfile.mkdtemp())
clip8 = video.to_uint8(clips[0])                                   # (F, H, W, 3) uint8
gif = video_files.save_gif(clip8, folder / "clip.gif", fps=8)
mp4 = video_files.save_mp4(clip8, folder / "clip.mp4", fps=8)
for path in (gif, mp4):
    again = video_files.read_video(path)                             # (F, H, W, 3) uint8
    error = np.abs(again.astype(int) - clip8.astype(int))
    print(f"{path.suffix}: {path.stat().st_size:6d} bytes, {len(again)} frames, "
          f"mean error {error.mean():.2f}/255, worst pixel {error.max()}/255")
    assert again.shape == clip8.shape
    assert error.mean() < 3
print(f"GIF frame duration at 8 fps: {video_files.gif_duration_ms(8)} ms")
assert video_files.gif_duration_ms(8) == 120
"""),
    md(r"""
The GIF comes back exact here (a few flat colours fit its palette). The MP4's mean error is small,
but its worst pixel sits on the coloured rim of the shape: H.264 in `yuv420p` keeps one colour
sample per 2×2 pixels, so a sharp red edge on black smears. Fine to watch, not for measuring:
the course measures clips as arrays, and only saves them to look at.
"""),
    md(r"""
## 7. Exercise: from model tensor to display frames

Write `to_display_frames(video)`: it takes **one** model clip, a tensor $(1, 3, F, H, W)$ in
$[-1, 1]$, and returns numpy `uint8` $(F, H, W, 3)$. Move the channel axis last
(`einops.rearrange(v[0], "c f h w -> f h w c")`), map $[-1, 1] \to [0, 255]$, **clip** first
(models overshoot: a value of 1.2 cast to `uint8` would wrap round to a dark 24), round, then cast.

Replace `...` with your code and run the two cells. In quick mode (CI) an empty stub is replaced
by the reference solution, so the notebook always runs.
"""),
    code(r"""
def to_display_frames(video_tensor):
    ...  # your code here
"""),
    code(r"""
answer = exercises.attempt(to_display_frames, check_display_frames.solution)
feedback = check_display_frames(answer)
display(feedback)
assert feedback.passed or not feedback.attempted, "see the hints above"
if feedback.passed:
    assert np.array_equal(answer(batch[:1]), video.to_uint8(clips[0]))
"""),
    md(r"""
## Summary

- `helpers.runtime` reports your machine and decides device, dtype and quick/full mode.
- Models hold clips as $(B, C, F, H, W)$ in $[-1, 1]$; screens and files as $(F, H, W, 3)$ in
  $[0, 1]$ or `uint8`; `helpers.video` converts and shows (`show_video`, `frame_grid`),
  `helpers.video_files` saves and reads back (`save_gif`, `save_mp4`, `read_video`).
- The shapes world gives every caption a known right answer: here, a speed of 1.25 px/frame.
- Exercises: fill the stub, run the checker, read its hints.

Tick what you have done below. Each tick is saved at once to the file printed under the boxes
(`python -m helpers.progress` in a terminal shows the whole course). If you see a plain list
instead of checkboxes, tick from code: `tick("00", "00.environment")`.
"""),
    code(r"""
from helpers.progress import tracker
tracker("00")
"""),
]


def main() -> None:
    """Write the notebook."""
    path = write_notebook(REPO_ROOT / "notebooks" / "00_setup_and_tour.ipynb", CELLS)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
