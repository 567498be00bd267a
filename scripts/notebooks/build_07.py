"""Build notebooks/07_pretrained_pipeline.ipynb (outputs stripped): `python -m scripts.notebooks.build_07`."""

from __future__ import annotations

from scripts.nbtools import REPO_ROOT, code, md, write_notebook

CELLS = [
    md(r"""
# 07 · A pretrained text-to-video pipeline

**What you will be able to do:** load a pretrained text-to-video pipeline with
`DiffusionPipeline.from_pretrained`, choose the memory options your machine needs (half precision,
model CPU offload, VAE slicing), generate a clip from a prompt while measuring its time and peak
memory, export it correctly as GIF and MP4, and experiment with prompts, clip length, denoising
steps and guidance, measuring the effects instead of eyeballing them.

This is the lesson's project, in its five steps: **install, load, generate, export, experiment.**

**Prerequisites:** 00 (how clips are held, shown and saved). 04 helps (what the denoiser and
classifier-free guidance do) but is not required.

**Time (measured):** quick mode 17 s on an idle 2-core CPU (`make bench`, 2026-11-26, peak RAM 0.6 GB); 2 min 54 s
while the CPU was shared with two training jobs. One clip at the model's defaults (50 steps with
guidance) takes 0.6-0.9 s on that idle CPU. Full mode on a CPU
(the model's default 50 steps) and anything on a GPU: not measured yet. On a GPU runtime the same
notebook runs the real 1.7-billion-parameter ModelScope model (a 3.5 GB download the first time).
**GPU needed:** no. Without a GPU (or offline) the notebook says so and uses the course's shipped
tiny model `data/tiny-t2v` through the very same calls.
"""),
    code(r"""
import importlib.metadata
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from diffusers import DiffusionPipeline

from helpers import colab, exercises, judge, metrics, pipeline, runtime, shapes, video, video_files
from helpers.pipeline import generate, load_pipeline
from helpers.pipeline_exercises import check_frames_that_fit, check_gif_timing
from helpers.playground import prompt_playground, try_prompt
from helpers.progress import tick

device = runtime.get_device()
print(f"device: {device}, mode: {runtime.mode_name()}")
"""),
    md(r"""
## Step 1 · Install

The lesson says `pip install transformers diffusers accelerate`:

- **diffusers** holds the pipelines (a pipeline = tokenizer + text encoder + denoiser + VAE +
  scheduler, glued by a `__call__` that runs the denoising loop);
- **transformers** holds the text encoder (ModelScope uses OpenCLIP's text tower) and tokenizer;
- **accelerate** loads big weights without a second copy in RAM and powers CPU offload.

Colab already has torch with CUDA, transformers and accelerate; this notebook's set-up cell
installs only what is missing and never replaces torch (that would force a runtime restart).
What matters is that the versions are ones the course was tested with:
"""),
    code(r"""
rows = []
for requirement in colab.requirements():
    if requirement.name in ("torch", "diffusers", "transformers", "accelerate"):
        installed = importlib.metadata.version(requirement.name)
        ok = requirement.specifier.contains(installed, prereleases=True)
        rows.append((requirement.name, installed, str(requirement.specifier), ok))
        print(f"{requirement.name:13s} {installed:14s} tested {str(requirement.specifier):14s} {'ok' if ok else 'UNTESTED'}")
diffusers_version = tuple(int(part) for part in importlib.metadata.version("diffusers").split(".")[:2])
assert len(rows) == 4
assert diffusers_version >= (0, 26), "since diffusers 0.26 .frames is batched; this notebook relies on it"
"""),
    md(r"""
## Step 2 · Load

The lesson's two lines are

```python
pipeline = DiffusionPipeline.from_pretrained("damo-vilab/text-to-video-ms-1.7b")
pipeline.enable_model_cpu_offload()
```

A careful version of them adds four things, and `helpers.pipeline.load_pipeline` does all four:

1. **The current name.** The model now lives at `ali-vilab/text-to-video-ms-1.7b` (the old name
   redirects; the helper accepts both).
2. **Half precision, from half-precision files.** On a GPU, `torch_dtype=torch.float16` (`dtype=`
   since diffusers 0.42) halves the
   memory (1.7 B parameters: about 3.5 GB instead of 7 GB) and `variant="fp16"` downloads the
   fp16 weight files. Loading the fp32 files and casting them has given garbage frames.
3. **A faster scheduler.** `DPMSolverMultistepScheduler` gives good clips in 25 steps instead of 50.
4. **Memory options only where they make sense.** *Model CPU offload* keeps every model in CPU RAM
   and moves each one to the GPU only while it runs (text encoder, then UNet, then VAE): slower,
   but the GPU holds one model at a time. *VAE slicing* decodes the frames one at a time. The
   helper turns both on when free GPU memory is short. **Without a GPU it never calls
   `enable_model_cpu_offload()`**: offloading *moves* models to an accelerator, there is none,
   and since diffusers 0.34 the call raises.

When the model cannot be used here (no GPU, offline, hub unreachable) the helper prints why and
loads the course's shipped tiny model instead, through the same `from_pretrained` call:
"""),
    code(r"""
MODEL_ID = pipeline.MODELSCOPE          # the lesson's model; try any hub id or a local folder
pipe = load_pipeline(MODEL_ID)
print(pipe.course_info)
on_tiny = Path(pipe.course_info.model_id) == pipeline.TINY_T2V.resolve()
assert on_tiny == (pipe.course_info.fallback_reason is not None)
assert pipe.course_info.device == str(device)
"""),
    md(r"""
Every pipeline is a handful of models plus a scheduler. Their sizes tell you where the memory goes:
"""),
    code(r"""
def parameters(module) -> int:
    return sum(p.numel() for p in module.parameters())

print(f"{'component':14s} {'class':30s} {'parameters':>14s}")
total = 0
for name, component in pipe.components.items():
    count = parameters(component) if isinstance(component, torch.nn.Module) else 0
    total += count
    print(f"{name:14s} {type(component).__name__:30s} {count:14,d}")
print(f"{'total':45s} {total:14,d}  = {total * 4 / 1e6:,.1f} MB in fp32")
assert total > 0 and {"vae", "text_encoder", "tokenizer", "scheduler"} <= set(pipe.components)
assert {"unet", "transformer"} & set(pipe.components)  # a UNet (ModelScope, AnimateDiff) or a transformer (CogVideoX, Wan, LTX)
"""),
    md(r"""
## Step 3 · Generate

`helpers.pipeline.generate` calls the pipeline once, with a seeded generator, and returns the clip
as numpy $(F, H, W, 3)$ in $[0, 1]$ together with the wall time and the peak memory (the GPU's
allocator peak, or this process's resident memory on a CPU). Before any heavy work it checks the
request, so a typo costs a clear message, not minutes of denoising.
"""),
    code(r"""
PROMPT = "a red circle moving right" if on_tiny else "An astronaut riding a horse on the moon, cinematic, 4k"
STEPS = runtime.pick(quick=4, full=None)    # denoising steps: a few in quick mode (CI); None = the model's default
result = generate(pipe, PROMPT, num_frames=16, steps=STEPS, seed=0)
tick("07", "goal.pretrained")            # the lesson's goal: you have used a pretrained model
video.show_video(result.clip, PROMPT)
print(result, "|", result.settings)
assert result.clip.shape[0] == 16 and result.clip.shape[-1] == 3
assert result.clip.dtype == np.float32 and 0 <= result.clip.min() and result.clip.max() <= 1
assert result.seconds > 0 and result.peak_gb > 0
"""),
    md(r"""
The lesson's step 3 is `video_frames = pipeline(prompt).frames`. Here is that exact call on the
shipped tiny model (a few MB, so cheap on any machine). Since diffusers 0.26 `.frames` is
**batched**, one entry per prompt: `.frames[0]` is the first clip, so
`imageio.mimsave("x.gif", pipeline(prompt).frames)` from before 0.26 now writes garbage or fails.
What a clip *is* depends on the pipeline's default `output_type`: ModelScope's
`TextToVideoSDPipeline` gives a float array in $[0, 1]$, `CogVideoXPipeline` (the shipped tiny
model's class) a list of PIL images. Ask for `output_type="np"` and every pipeline answers alike:
"""),
    code(r"""
tiny = DiffusionPipeline.from_pretrained(pipeline.TINY_T2V)
tiny.set_progress_bar_config(leave=False)
default = tiny("a green square moving up", num_frames=8, num_inference_steps=STEPS or 50).frames
print(f"{type(tiny).__name__} default: .frames is a {type(default).__name__} of {len(default)} clip(s), "
      f"the first a {type(default[0]).__name__} of {len(default[0])} {type(default[0][0]).__name__}")
frames = tiny("a green square moving up", num_frames=8, num_inference_steps=STEPS or 50, output_type="np").frames
print('output_type="np":', type(frames).__name__, frames.shape, frames.dtype, f"[{frames.min():.2f}, {frames.max():.2f}]")
clip = frames[0]                          # (F, H, W, 3): the first (and only) clip
assert frames.ndim == 5 and clip.shape[0] == 8 and clip.shape[-1] == 3
assert 0 <= frames.min() and frames.max() <= 1
"""),
    md(r"""
What does the validation catch? Each request below is refused *before* the model runs, with the
bad value and the accepted range. (The tiny model only knows the words of its world, so an unknown
word is refused; the real model's tokenizer splits any word into pieces and knows them all.)
"""),
    code(r"""
bad_requests = [
    dict(prompt="a purple circle moving right"),      # a word the tiny model never saw
    dict(prompt=""),                                   # nothing to generate
    dict(prompt=PROMPT, num_frames=0),                 # frames < 1
    dict(prompt=PROMPT, num_frames=1000),              # more frames than fit
    dict(prompt=PROMPT, height=100),                   # not a multiple of 8
    dict(prompt=PROMPT, steps=0),                      # no denoising at all
    dict(prompt=PROMPT, guidance=0.5),                 # guidance < 1 pushes *away* from the prompt
]
refused = 0
for request in bad_requests:
    try:
        generate(pipe, **request)
        print(f"accepted {request}")
    except ValueError as error:
        refused += 1
        print(f"refused: {error}")
assert refused >= len(bad_requests) - 1  # the real model knows "purple"
"""),
    md(r"""
## Step 4 · Export: GIF and MP4

The lesson writes `imageio.mimsave("generated_video.gif", video_frames, fps=10)` ("or use OpenCV
to create an MP4"). Three details decide whether the file is right:

- **GIF stores a duration per frame, in 10 ms ticks, not a frame rate.** Pillow (and imageio's
  Pillow plugin) take `duration` in milliseconds; 8 fps is 125 ms, which a GIF can only store as
  120 ms. `video_files.save_gif` converts with `video_files.gif_duration_ms`.
- **Files hold bytes.** Frames are float in $[0, 1]$; a writer wants `uint8` in $[0, 255]$. Scale,
  round and clip yourself (`video.to_uint8`); left to itself a writer may wrap values or warn.
- **Browsers and Jupyter play H.264, not OpenCV's `mp4v`.** `cv2.VideoWriter` with the `mp4v`
  FourCC writes MPEG-4 Part 2, which Chrome, Firefox and Jupyter's `<video>` refuse (and it
  expects BGR, not RGB). `video_files.save_mp4` writes H.264 in `yuv420p` through ffmpeg.
"""),
    code(r"""
import cv2
import imageio.v2 as imageio

folder = Path(tempfile.mkdtemp(prefix="t2v-07-"))
frames8 = video.to_uint8(result.clip)                        # (F, H, W, 3) uint8
gif = video_files.save_gif(frames8, folder / "generated.gif", fps=8)
mp4 = video_files.save_mp4(frames8, folder / "generated.mp4", fps=8)
writer = cv2.VideoWriter(str(folder / "opencv_mp4v.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), 8, frames8.shape[2:0:-1])
for frame in frames8:
    writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))     # OpenCV wants BGR
writer.release()
codecs = {}
for path in (gif, mp4, folder / "opencv_mp4v.mp4"):
    again = video_files.read_video(path)
    codecs[path.name] = "gif" if path.suffix == ".gif" else imageio.get_reader(path, format="FFMPEG").get_meta_data()["codec"]
    error = np.abs(again.astype(int) - frames8.astype(int)).mean()
    print(f"{path.name:18s} {codecs[path.name]:6s} {path.stat().st_size:7d} bytes  {len(again)} frames  mean error {error:.2f}/255")
    assert again.shape == frames8.shape
print(f"files in {folder}")
assert codecs["generated.mp4"] == "h264" and codecs["opencv_mp4v.mp4"] == "mpeg4"
"""),
    md(r"""
Both MP4s hold the same frames, but only the H.264 one plays in a browser or in Jupyter. Here it is,
embedded the way `show_video` does it:
"""),
    code(r"""
video.show_video(video_files.read_video(mp4), f"{PROMPT} (read back from {mp4.name})")
from PIL import Image
with Image.open(gif) as image:
    gif_ms = image.info["duration"]
print(f"GIF frame duration stored: {gif_ms} ms (8 fps asked: 1000/8 = 125 ms)")
assert gif_ms == video_files.gif_duration_ms(8) == 120
"""),
    md(r"""
## Step 5 · Experiment, and measure

The lesson asks: *Observe the quality, resolution, and temporal coherence. How realistic are the
movements? How long can the generated video be?* Each question gets a measurement below, on
whatever machine runs this notebook.

### How long can a video be?

A video model denoises all frames at once, so memory and time grow with the number of frames $F$.
Peak memory is roughly a fixed part (the weights, $a$) plus a part per frame ($b$):
$\text{peak}(F) \approx a + b F$, and the longest clip that fits a memory budget $M$ is
$F_{\max} = \lfloor (M - a) / b \rfloor$. Time grows at least linearly too (temporal attention
compares every frame with every other, so eventually quadratically).
"""),
    code(r"""
frame_counts = runtime.pick(quick=[4, 8, 16], full=[8, 16, 24, 32, 48, 64])
sweep = [generate(pipe, PROMPT, num_frames=f, steps=STEPS, seed=0) for f in frame_counts]
seconds = np.array([r.seconds for r in sweep])
peaks = np.array([r.peak_gb for r in sweep])
figure, (ax_time, ax_memory) = plt.subplots(1, 2, figsize=(9, 3.2))
ax_time.plot(frame_counts, seconds, "o-")
ax_time.set(title="generation time vs clip length", xlabel="frames", ylabel="seconds")
ax_memory.plot(frame_counts, peaks, "s-", color="C1")
ax_memory.set(title=f"peak memory vs clip length\n({sweep[0].memory_kind})", xlabel="frames", ylabel="GB")
figure.tight_layout()
plt.show()
for f, r in zip(frame_counts, sweep):
    print(f"{f:3d} frames: {r.seconds:6.2f} s, {r.peak_gb:.3f} GB ({1000 * r.seconds / f:.0f} ms per frame)")
assert all(r.clip.shape[0] == f for f, r in zip(frame_counts, sweep))
assert np.all(seconds > 0) and np.all(peaks > 0)
"""),
    md(r"""
The first exercise turns these measurements into an answer for your machine.

### Steps: how many denoising steps does a clip need?

Each step runs the denoiser once on the whole clip (twice with guidance), so time is linear in the
number of steps. Too few steps leave noise; beyond some point nothing changes. Same prompt, same
seed, more steps, top to bottom:
"""),
    code(r"""
step_counts = runtime.pick(quick=[1, 2, 4], full=[1, 2, 5, 10, 25, 50])
by_steps = [generate(pipe, PROMPT, num_frames=16, steps=s, seed=0) for s in step_counts]
figure = video.frame_grid([r.clip for r in by_steps], titles=[f"{s} step{'s' if s > 1 else ''}" for s in step_counts],
                          suptitle=f"'{PROMPT}', seed 0: frames over time, more steps downwards")
plt.show()
per_step = [r.seconds / s for r, s in zip(by_steps, step_counts)]
change = [float(np.abs(a.clip - b.clip).mean()) for a, b in zip(by_steps, by_steps[1:])]
for s, r, c in zip(step_counts, by_steps, [float("nan")] + change):
    print(f"{s:3d} steps: {r.seconds:6.2f} s ({1000 * r.seconds / s:5.0f} ms/step), mean change from the row above {c:.3f}")
assert len(by_steps) == len(step_counts) and all(r.clip.shape[0] == 16 for r in by_steps)
"""),
    md(r"""
### Guidance and prompt adherence, measured

Classifier-free guidance mixes two predictions of the noise, with and without the prompt:
$\hat\epsilon = \epsilon_\varnothing + w\,(\epsilon_{\text{prompt}} - \epsilon_\varnothing)$. $w = 1$ ignores
the unconditional one (no guidance), larger $w$ pushes harder towards the prompt, at some cost in
variety and eventually in quality.

Whether a clip *follows* its prompt is usually judged by eye. In the course's world it can be
measured: the world analyser (`helpers.judge`) reads colour, shape and direction off a clip and
grades it against its caption. That only makes sense for the tiny model, which was trained on this
world, so this section always uses it (on a GPU runtime as well).
"""),
    code(r"""
world = pipe if on_tiny else load_pipeline(pipeline.TINY_T2V)
rng = np.random.default_rng(0)
pool = shapes.split_combos("train")
picks = rng.choice(len(pool), size=runtime.pick(quick=2, full=16), replace=False)
captions = [pool[i].caption for i in picks]
default_w = pipeline.call_defaults(world)["guidance_scale"]
guidances = sorted(set(runtime.pick(quick=[1.0], full=[1.0, 2.0, 4.0, 7.0, 12.0])) | {default_w})
rates, by_guidance = {}, {}
for w in guidances:
    by_guidance[w] = [generate(world, c, num_frames=16, steps=STEPS, guidance=w, seed=i, progress=False).clip for i, c in enumerate(captions)]
    rates[w] = judge.grade_clips(by_guidance[w], captions)
    print(f"guidance {w:4.1f}: " + ", ".join(f"{k} {v:.0%}" for k, v in rates[w].items()))
figure, ax = plt.subplots(figsize=(6, 3.2))
for key in ("color", "shape", "direction", "all"):
    ax.plot(guidances, [rates[w][key] for w in guidances], "o-", label=key)
ax.set(title=f"prompt adherence vs guidance ({len(captions)} captions, tiny model)", xlabel="guidance scale w",
       ylabel="share of clips right", ylim=(-0.05, 1.05))
ax.legend(fontsize=8)
plt.show()
assert all(0 <= v <= 1 for r in rates.values() for v in r.values())
"""),
    code(r"""
figure = video.frame_grid([by_guidance[w][0] for w in guidances], titles=[f"w = {w}" for w in guidances],
                          suptitle=f"'{captions[0]}' at increasing guidance (seed 0)")
plt.show()
assert len(figure.axes) == len(guidances) * 8
"""),
    md(r"""
### Temporal coherence: does the object move like an object?

Two measures from `helpers.metrics` work on any clip, from any model:

- **flicker**: the share of the frames' content that changes from one frame to the next in a way
  no global shift explains, $\sum_t \lVert I_{t+1} - \mathrm{shift}_{s_t}(I_t) \rVert_1 \,/\, \sum_t \tfrac12(\lVert I_t \rVert_1 + \lVert I_{t+1} \rVert_1)$;
- **warping error**: what is left after warping each frame onto the next along dense optical
  flow (Farneback): motion that flow can follow is forgiven, jumps and pops are not.

In the course's world the analyser adds a third: it fits a line $c(t) = c_0 + v\,t$ to the
object's centre, and a clip is *coherent* when one object is present in most frames and the line
explains its path. Generated clips are compared with true clips of the world and with the same
true clips with their frames shuffled (the worst case):
"""),
    code(r"""
def coherence(clips):
    analyses = [judge.analyse_clip(c) for c in clips]
    return {
        "coherent": float(np.mean([a.temporally_coherent for a in analyses])),
        "flicker": float(np.mean([metrics.flicker(c) for c in clips])),
        "warping error": float(np.mean([metrics.warping_error(c) for c in clips])),
    }

generated = by_guidance[default_w]       # the clips above, at the model's default guidance
true = [shapes.make_clip(c, seed=i) for i, c in enumerate(captions)]
shuffled = [c[np.random.default_rng(i).permutation(len(c))] for i, c in enumerate(true)]
table = {"true clips": coherence(true), "tiny model": coherence(generated), "shuffled true": coherence(shuffled)}
if not on_tiny:
    table[f"step 3 clip ({MODEL_ID.split('/')[-1]})"] = coherence([result.clip])  # "coherent" only means something in the world
for name, row in table.items():
    print(f"{name:22s} " + "   ".join(f"{k} {v:.3f}" for k, v in row.items()))
figure, ax = plt.subplots(figsize=(6.5, 3))
names = list(table)
for j, key in enumerate(("flicker", "warping error")):
    ax.bar(np.arange(len(names)) + 0.38 * j, [table[n][key] for n in names], width=0.38, label=key)
ax.set_xticks(np.arange(len(names)) + 0.19, names)
ax.set(title="temporal consistency (lower is steadier)", xlabel="clips", ylabel="score")
ax.legend(fontsize=8)
plt.show()
video.show_video([generated[0], true[0], shuffled[0]], ["tiny model", "true", "shuffled"])
assert table["true clips"]["coherent"] == 1.0 and table["shuffled true"]["coherent"] < 0.5
assert table["shuffled true"]["warping error"] > table["true clips"]["warping error"]
"""),
    md(r"""
## A prompt playground

Change the prompt, the number of frames, the steps, the guidance and the seed, then press
**Generate**: a progress bar runs, then the clip plays with its time and peak memory. A refused
request shows its reason instead. Without widgets (a plain `nbconvert` run, some editors) use the
function behind the button: `try_prompt(pipe, prompt, num_frames, steps, guidance, seed)`.
"""),
    code(r"""
on_generate = lambda result: tick("07", "goal.pretrained")
playground = prompt_playground(pipe, PROMPT, num_frames=16, steps=STEPS, seed=1, on_generate=on_generate)
if runtime.is_quick() and playground is not None:
    playground.prompt.value = "a blue triangle moving left" if on_tiny else "A panda playing guitar, cartoon"
    playground.generate()                   # what the button does; CI presses it
    assert playground.last is not None and playground.last.clip.shape[0] == 16
"""),
    code(r"""
result2 = try_prompt(pipe, "a yellow square moving down" if on_tiny else "Waves crashing on a beach at sunset",
                     num_frames=16, steps=STEPS, seed=2, on_generate=on_generate)
assert result2.clip.shape[0] == 16
"""),
    md(r"""
## Beyond ModelScope: today's open text-to-video models

The lesson's model is from 2023 and its class is deprecated in diffusers. Current open models
replace the UNet3D with a **diffusion transformer** (DiT) that attends over all frames at once, and
the per-frame image VAE with a **video VAE that compresses time too** (the course's own tiny model
is such a pipeline in miniature: a `CogVideoXPipeline`, notebook 04). The same two calls load and
run each of them; the table gives what they are made for and what they are documented to need
(parameters in billions, approximate, from their model cards; sources: the model pages at
`https://huggingface.co/<id>`, and the diffusers and Wan documentation quoted):
"""),
    code(r"""
from helpers.catalog import MODELS
from helpers.memory import estimate, plan

print(f"{'model (hub id)':36s} {'params (text+denoiser+VAE)':>27s}  {'native':>20s}  licence")
for model_id, spec in MODELS.items():
    s = spec.size
    frames, height, width, fps = spec.native
    total = s.text_encoder_b + s.denoiser_b + s.vae_b
    print(f"{model_id:36s} {total:5.2f} B = {s.text_encoder_b:.2f}+{s.denoiser_b:.2f}+{s.vae_b:.2f}  "
          f"{frames:3d} x {height}x{width} @{fps:2d}fps  {spec.license}")
    if spec.documented:
        print(f"{'':36s} documented: {spec.documented}")
assert len(MODELS) >= 5
"""),
    md(r"""
### Will it fit? The planner

`helpers.memory.estimate` adds up what sits on the GPU at the peak, for the model's native clip:
weights (parameters x bytes per parameter, per component), plus the largest activation (the
VAE decoding every frame at full resolution is usually the largest), plus about 1 GB of overhead:

- **plain:** $\sum_c W_c + \max_c A_c$; **model CPU offload:** $\max_c (W_c + A_c)$ (one model on the
  GPU at a time, all of them waiting in RAM); **group offload:** a few layers at a time;
- **VAE tiling** decodes tiles of the frame, **VAE slicing** one frame of a per-frame VAE at a time,
  **fp8 layerwise casting** stores the denoiser's weights in one byte per parameter.

Its two constants are calibrated on the figures diffusers documents for CogVideoX-2B (33 GB plain,
19 GB with offload, 11 GB with offload and tiling). `helpers.memory.plan` picks the cheapest
option set that fits; here is its answer for free Colab (T4: 15 GB GPU, 12.7 GB RAM) and a 24 GB card:
"""),
    code(r"""
machines = {"free Colab T4 (15 GB GPU, 12.7 GB RAM)": (15.0, 12.7), "24 GB GPU, 32 GB RAM": (24.0, 32.0)}
answers = {}
for model_id, spec in MODELS.items():
    frames, height, width, _ = spec.native
    plain = estimate(spec.size, frames, height, width)
    print(f"{model_id}: plain {plain.gpu_gb:.1f} GB GPU")
    for machine, (gpu_gb, ram_gb) in machines.items():
        fit = plan(spec.size, frames, height, width, gpu_gb, ram_gb)
        answers[model_id, machine] = fit
        verdict = "does not fit (quantise, or make fewer/smaller frames)" if fit is None else \
            f"{fit.gpu_gb:.1f} GB GPU, {fit.ram_gb:.1f} GB RAM with {', '.join(fit.options) or 'no options'}"
        print(f"    {machine:40s} {verdict}")
assert answers[pipeline.MODELSCOPE, "free Colab T4 (15 GB GPU, 12.7 GB RAM)"] is not None
"""),
    md(r"""
To switch, change one line, on a GPU runtime (each downloads several GB the first time):

```python
pipe = load_pipeline("THUDM/CogVideoX-2b")                  # 49 frames, 720x480
pipe = load_pipeline("Lightricks/LTX-Video")                # fast; frames 8k+1, sizes multiples of 32
pipe = load_pipeline("Wan-AI/Wan2.1-T2V-1.3B-Diffusers")    # 81 frames, 832x480
pipe = load_pipeline("emilianJR/epiCRealism")               # AnimateDiff motion adapter on SD 1.5
result = generate(pipe, "A panda playing guitar in a bamboo forest")
```

`load_pipeline` applies the options the planner picks for your GPU, and `generate` refuses frame
counts and sizes the model cannot take (a video VAE that compresses time 4x needs $4k+1$ frames)
before any work. The architectures are easier to see than to name: here is each family built
tiny, with random weights, from its real diffusers classes (nothing downloaded), and run once:
"""),
    code(r"""
from helpers.tiny_pipelines import FAMILIES, anatomy, build_tiny

tiny_folder = Path(tempfile.mkdtemp(prefix="t2v-tiny-families-"))
for family, (builder, request) in FAMILIES.items():
    tiny_pipe = load_pipeline(build_tiny(family, tiny_folder / family), progress=False)
    clip = generate(tiny_pipe, "a red circle moving left", steps=2, progress=False, **request).clip
    print(anatomy(tiny_pipe))
    print(f"  -> one clip of {request}: {clip.shape}\n")
    assert clip.shape == (request["num_frames"], request["height"], request["width"], 3)
"""),
    md(r"""
Reading the printout: ModelScope and AnimateDiff denoise with a **UNet** whose blocks interleave
spatial layers with temporal ones (UNet3D's temporal convolutions and attention; AnimateDiff's motion
modules added to an image UNet), over latents from an image VAE applied frame by frame (1x in time).
CogVideoX, LTX-Video and Wan use **transformer blocks** over space-time patches, so every token can
attend to every other across frames, and a **video VAE** that also compresses time 4x (8x for the
real LTX-Video), which is why they want $4k+1$ (or $8k+1$) frames: the first frame is kept on its own.
"""),
    md(r"""
## Exercises

### 1 · How many frames fit?

Write `frames_that_fit(frames, peak_gb, budget_gb)`: given measured clip lengths and their peak
memory, fit $\text{peak} = a + b F$ (`np.polyfit(frames, peak_gb, 1)` returns $b, a$) and return the
largest whole number of frames whose peak stays within the budget, or 0 if even the weights do not
fit. Then it is applied to *your* measurements from the sweep above.
"""),
    code(r"""
def frames_that_fit(frames, peak_gb, budget_gb):
    ...  # your code here
"""),
    code(r"""
answer = exercises.attempt(frames_that_fit, check_frames_that_fit.solution)
feedback = check_frames_that_fit(answer)
display(feedback)
assert feedback.passed or not feedback.attempted, "see the hints above"
if feedback.passed:
    report = runtime.environment_report()
    budget = report.gpu_total_gb if device.type == "cuda" else report.ram_available_gb
    slope = np.polyfit(frame_counts, peaks, 1)[0]
    if slope > 0:
        fit = answer(frame_counts, peaks, budget)
        cap = pipeline.family_rules(pipe).max_frames
        print(f"measured {1000 * slope:.1f} MB per extra frame: memory allows about {fit} frames in {budget:.1f} GB "
              f"({'GPU' if device.type == 'cuda' else 'available RAM'}); the model itself is capped at {cap} "
              f"frames, so {min(fit, cap)} frames = {min(fit, cap) / 8:.1f} s of video at 8 fps")
        assert fit >= 0
    else:
        print("peak memory did not grow measurably with frames here (the allocator reused memory): "
              "try longer clips in full mode")
"""),
    md(r"""
### 2 · GIF timing

Write `gif_timing(num_frames, fps)` returning `(duration_ms, seconds)`: the per-frame duration a
GIF stores (milliseconds, in 10 ms ticks, at least 20 ms) and how long the GIF then really plays.
"""),
    code(r"""
def gif_timing(num_frames, fps):
    ...  # your code here
"""),
    code(r"""
answer = exercises.attempt(gif_timing, check_gif_timing.solution)
feedback = check_gif_timing(answer)
display(feedback)
assert feedback.passed or not feedback.attempted, "see the hints above"
if feedback.passed:
    duration, seconds_played = answer(len(frames8), 8)
    print(f"our 16-frame GIF at '8 fps' plays {seconds_played:.2f} s, not {len(frames8) / 8:.2f} s")
    assert duration == gif_ms
"""),
    md(r"""
## Summary

- **Install:** diffusers (pipelines), transformers (text encoder, tokenizer), accelerate (loading,
  offload); keep to the versions the course tested.
- **Load:** `DiffusionPipeline.from_pretrained(...)`; on a GPU fp16 from the `fp16` files, a
  DPM-Solver scheduler, and CPU offload plus VAE slicing only when GPU memory is short, never
  without a GPU. No GPU or no network: the shipped tiny model, same call.
- **Generate:** `.frames` is batched (`.frames[0]`), float in $[0, 1]$; check a request before
  running it; seed it; measure time and peak memory.
- **Export:** GIF wants durations in ms (10 ms ticks), files want `uint8`, browsers want H.264.
- **Experiment:** time grows with frames and steps, memory with frames (so clip length is bounded
  by memory), guidance trades variety for adherence, and adherence and coherence can be *measured*.
- **Today's models** (CogVideoX, LTX-Video, Wan 2.1, AnimateDiff) load and run through the same two
  calls; DiTs over space-time tokens and video VAEs that compress time replace the UNet3D, and
  `helpers.memory.plan` says which memory options make one fit your GPU.

Tick what you have done below; the lesson goal was ticked when you generated your first clip.
"""),
    code(r"""
from helpers.progress import tracker
tracker("07")
"""),
]


def main() -> None:
    """Write the notebook."""
    path = write_notebook(REPO_ROOT / "notebooks" / "07_pretrained_pipeline.ipynb", CELLS)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
