"""Build notebooks/08_compare_and_wrap_up.ipynb (outputs stripped): `python -m scripts.notebooks.build_08`."""

from __future__ import annotations

from scripts.nbtools import REPO_ROOT, code, md, write_notebook

CELLS = [
    md(r"""
# 08 · Every approach on one task, and where to go next

**What you will be able to do:** run every generative approach of the course on the same prompts
and seeds, read one table and one chart that measure them the same way (prompt adherence, temporal
consistency, plausibility, sampling time, parameters), say in plain words what the numbers mean for
the lesson's four approaches and four challenges, see your progress over the whole course, and pick
what to read or run next.

**Prerequisites:** 01 and 03-07 (each approach is built there; this notebook only loads and runs
them). Nothing is trained here.

**Time (measured):** quick mode (1 trained + 1 held-out prompt) 22 s on an idle 2-core CPU (`make bench`, 2026-11-26,
peak RAM 0.6 GB); full mode (all 48 combinations, one clip each) about 4 min on the same CPU (the
same table through `python -m scripts.bench --approaches-only`: 4 min 10 s). On a GPU the pretrained
ModelScope model joins the table (its 1.7 B parameters need a GPU; not measured by the course yet).
**GPU needed:** no.
"""),
    code(r"""
import matplotlib.pyplot as plt
import numpy as np

from helpers import exercises, progress, runtime, video
from helpers.approaches import COLUMNS, LESSON_APPROACHES, compare_approaches, prompt_set
from helpers.approaches_exercises import check_pareto_front
from helpers.progress import tick

print(f"device: {runtime.get_device()}, mode: {runtime.mode_name()}")
"""),
    md(r"""
## 1 · One task, one set of rules

Every approach gets the **same captions** and the **same seed**, makes **one 16×32×32 clip per
caption**, and every clip goes through the **same measurements** (`helpers.metrics.measure_clip`):

| column | what it measures | challenge of the lesson |
|---|---|---|
| colour, shape, direction | the world analyser's verdict: does the clip show what the caption says? | realism / adherence |
| all right (trained / held-out) | all three right *and* one object in ≥ 95 % of frames, on combinations seen in training and on the 8 never seen | data (does it generalise?) |
| one object | share of clips with exactly one object in ≥ 95 % of frames | realism |
| flicker | mean change between consecutive frames that motion does not explain (01) | temporal coherence |
| warping error | how badly frame *t* predicts frame *t+1* after optical-flow warping (01) | temporal coherence |
| path residual | RMS distance (px) of the object's centres from a straight line: the world only has straight motion | plausibility |
| s / clip, parameters | sampling time on this machine (one batched call ÷ clips) and learned parameters | compute |

Quick mode uses two prompts (one trained and one held-out combination) and says so under the
table; full mode uses all 48. The table is the same one `make bench` writes to `bench/approaches.md`.
"""),
    code(r"""
prompts = prompt_set()
for caption, split in prompts if len(prompts) <= 6 else prompts[:3] + prompts[-3:]:
    print(f"{split:9s} {caption}")
print(f"{len(prompts)} prompts ({'quick' if runtime.is_quick() else 'full'} mode)")
assert {split for _, split in prompts} == {"train", "held_out"}
assert len(prompts) == (2 if runtime.is_quick() else 48)
"""),
    md(r"""
## 2 · Run them all

`compare_approaches` loads each shipped model (`data/tiny-t2v`, `data/cascade`, `data/video-tokens`),
runs it on the prompts, and measures every clip. An approach whose model is missing, or the real
pretrained model without a GPU, is listed as skipped with the reason, never silently dropped.
"""),
    code(r"""
table = compare_approaches(seed=0)
display(table)
tick("08", "08.compare")
rows = {row["approach"]: row for row in table.rows}
names = list(rows)
assert len(names) >= 5, f"expected frame-by-frame (2), diffusion, cascade and tokens, got {names}"
assert all(len(clips) == len(prompts) for clips in table.clips.values())
"""),
    md(r"""
### Side by side, playing

The first trained and the first held-out prompt, one column per approach:
"""),
    code(r"""
for index in (0, len(prompts) - 1):
    caption, split = prompts[index]
    print(f"{caption!r} ({'held-out' if split == 'held_out' else 'trained'} combination)")
    video.show_video([table.clips[name][index] for name in names], [name.split(" (")[0] for name in names])
"""),
    md(r"""
### One chart

Left: prompt adherence per approach. Right: the cost of a clip against its temporal coherence;
down and to the left is better (cheap and steady). Note the logarithmic axes: the approaches differ
by orders of magnitude.
"""),
    code(r"""
fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.2))
keys = [("color", "colour"), ("shape", "shape"), ("direction", "direction"), ("all_train", "all right (trained)"), ("all_held_out", "all right (held-out)")]
width = 0.8 / len(keys)
x = np.arange(len(names))
for i, (key, label) in enumerate(keys):
    left.bar(x + i * width, [rows[n][key] for n in names], width, label=label)
left.set_xticks(x + 0.4 - width / 2, [n.split(" (")[0] for n in names], rotation=20, ha="right")
left.set(title="Prompt adherence (world analyser)", xlabel="approach", ylabel="share of clips", ylim=(0, 1.05))
left.legend(fontsize=8)
for name in names:
    right.scatter(max(rows[name]["s_per_clip"], 1e-3), rows[name]["warping_error"], s=60, label=name)
right.set(xscale="log", yscale="log", title="Cost vs temporal coherence", xlabel="sampling time per clip (s, this machine)",
          ylabel="warping error (lower = steadier)")
right.legend(fontsize=7)
plt.tight_layout()
plt.show()
"""),
    md(r"""
## 3 · What the measurements say

The numbers below are computed from the table you just made, not typed in. Read them against the
lesson's **four approaches** and its **four challenges**.
"""),
    code(r"""
fbf, smooth = rows["frame by frame"], rows["frame by frame + flow-guided EMA"]
joint = [n for n in names if not n.startswith("frame by frame")]
best_joint = min(joint, key=lambda n: rows[n]["warping_error"])
print(f"Temporal coherence: independent frames have warping error {fbf['warping_error']:.4f} and path residual "
      f"{fbf['path_residual_px']:.1f} px; smoothing brings warping error to {smooth['warping_error']:.4f} but leaves "
      f"one object in only {smooth['single_object']:.0%} of clips (ghosts); the steadiest joint model, {best_joint}, "
      f"reaches {rows[best_joint]['warping_error']:.4f} ({fbf['warping_error'] / rows[best_joint]['warping_error']:.0f}x lower).")
print(f"Direction: independent frames get it right in {fbf['direction']:.0%} of clips (there is no motion to judge); "
      + ", ".join(f"{n.split(' (')[0]} {rows[n]['direction']:.0%}" for n in joint) + ".")
for key, split, label in (("all_train", "train", "all right on trained prompts"), ("all_held_out", "held_out", "all right on held-out prompts")):
    best = max(names, key=lambda n: rows[n][key])
    count = sum(s == split for _, s in prompts)
    print(f"Best {label}: {best} ({rows[best][key]:.0%} of {count} prompt{'s' if count > 1 else ''}).")
print("Compute: " + ", ".join(f"{n.split(' (')[0]} {rows[n]['s_per_clip']:.2f} s/clip with {rows[n]['parameters']:,} parameters" for n in joint) + ".")
assert fbf["color"] >= 0.99 and fbf["shape"] >= 0.99, "the ideal image model draws every frame right"
assert fbf["direction"] <= 0.5, "independent frames carry no consistent motion"
assert smooth["warping_error"] < fbf["warping_error"], "smoothing must make consecutive frames agree better"
assert rows[best_joint]["warping_error"] < fbf["warping_error"] / 3, "a model that makes the whole clip at once is steadier"
"""),
    md(r"""
**The four approaches.**

1. **Frame-by-frame with temporal smoothing (01).** Our "image model" is ideal (every frame shows
   the right colour and shape) and still fails as video: the object jumps, so direction is
   meaningless and coherence is the worst in the table. Smoothing lowers the warping error by
   blending frames, and the price is visible: ghosts (two half-objects), which the one-object
   column counts. Time has to be *in the model*, not patched on after.
2. **Latent space methods (03).** The tiny diffusion model denoises 8×8×16 latents instead of
   32×32×16 pixels: 16× fewer positions per step (the autoencoder of 03), which is why it samples
   in seconds on a CPU. Every modern model (ModelScope, CogVideoX, Wan, LTX-Video) works in a latent
   space, and the newer ones compress time too.
3. **Cascaded generation (05, Imagen Video, arXiv:2210.02303).** Three small models, each solving an
   easier problem (a short low-resolution clip, then more frames, then more pixels). Imagen Video
   used 7 such models to reach 128 frames at 1280×768. Our miniature shows the cost side
   (parameters and seconds per stage) and how much each stage must get right for the chain to work.
4. **Diffusion models for video (04).** Denoising the whole clip at once keeps one object on a
   straight path (compare its warping error and path residual with independent frames'). Which
   words a diffusion model obeys depends on its training: the single-stage model (04) was first
   trained at pure noise, where the caption decides everything, until it used the direction word
   (notebook 04, section 9); the cascade's base stage (05), a diffusion transformer on 16×16
   pixels, was trained the same way and follows it too. Compare their adherence columns.

The **token route** (06, the lesson's second paper, VideoGPT, arXiv:2104.10157) treats a clip as a
sequence of discrete codes and predicts them one by one with a GPT. Compare its row with the
diffusion models': writing the clip token by token, it only has to *continue* the first frames,
and on this tiny world that makes the direction word easy (notebook 06 measures it). It is cheap
here because a clip is only 256 tokens; the sequence grows with frames × height × width, which is why later token models (MAGVIT,
arXiv:2212.05199; MAGVIT-v2, arXiv:2310.05737) compress much harder and predict many tokens at once.

**The four challenges.** *Compute*: the s/clip and parameter columns, at 32×32 and 16 frames; one
frame of Imagen Video's output (1280×768) has 960× more pixels, and its clips 8× more frames.
*Temporal coherence*: the flicker, warping and path columns. *Realism*: one object, and the
adherence columns: a model can be steady and still wrong. *Data*: the held-out column: every word
of those captions was seen in training, only never together.
"""),
    md(r"""
## Exercise · Which approaches are worth considering?

When two things matter (here: all right on trained prompts, and seconds per clip), an approach is
*dominated* if another one is at least as good **and** at least as cheap, and strictly better in one.
Write `pareto_front(rows, quality, cost)` returning the names (`row["approach"]`) of the rows no other
row dominates, in their original order.
"""),
    code(r"""
def pareto_front(rows, quality="all_train", cost="s_per_clip"):
    ...  # your code here
"""),
    code(r"""
answer = exercises.attempt(pareto_front, check_pareto_front.solution)
feedback = check_pareto_front(answer)
display(feedback)
assert feedback.passed or not feedback.attempted, "see the hints above"
if feedback.passed:
    front = answer(table.rows)
    print("worth considering here (quality vs time):", front)
    assert front and set(front) <= set(names)
"""),
    md(r"""
## 4 · Your progress over the whole course

The tracker of every notebook writes to one progress file (`helpers.progress`); here it is read
back as one overview: per notebook, how many items are ticked, and the lesson's four goals. The goal
*"I understand the high-level approaches"* counts the approach items of notebooks 01, 03, 04, 05
and 06, and you tick it here, at the end, in this notebook's tracker.
"""),
    code(r"""
overview = progress.overview()
display(overview)
assert [row.notebook for row in overview.notebooks] == [f"{n:02d}" for n in range(9)]
assert len(overview.goals) == 4
assert next(row for row in overview.notebooks if row.notebook == "08").done >= 1  # the comparison above ticked 08.compare
"""),
    md(r"""
## 5 · Where to go next

Papers (the lesson's two first):

- **Imagen Video** (Ho et al., 2022), cascaded video diffusion: [arXiv:2210.02303](https://arxiv.org/abs/2210.02303).
- **VideoGPT** (Yan et al., 2021), VQ-VAE + transformer: [arXiv:2104.10157](https://arxiv.org/abs/2104.10157).
- **Video Diffusion Models** (Ho et al., 2022), the space-time UNet: [arXiv:2204.03458](https://arxiv.org/abs/2204.03458).
- **Make-A-Video** (Singer et al., 2022), extend an image model with temporal layers: [arXiv:2209.14792](https://arxiv.org/abs/2209.14792).
- **ModelScope text-to-video** (Wang et al., 2023), the model of notebook 07: [arXiv:2308.06571](https://arxiv.org/abs/2308.06571).
- **AnimateDiff** (Guo et al., 2023), motion modules for image models: [arXiv:2307.04725](https://arxiv.org/abs/2307.04725).
- **MAGVIT-v2** (Yu et al., 2023), a better video tokenizer: [arXiv:2310.05737](https://arxiv.org/abs/2310.05737).
- **CogVideoX** (Yang et al., 2024), a diffusion transformer with a 3D VAE: [arXiv:2408.06072](https://arxiv.org/abs/2408.06072).
- **Wan** (2025), open video foundation models: [arXiv:2503.20314](https://arxiv.org/abs/2503.20314).

Models to run (through notebook 07's `load_pipeline`, which knows their memory options):
CogVideoX-2b, LTX-Video, Wan 2.1 1.3B and AnimateDiff; `helpers.memory.plan` tells you which fit
your GPU. Code to read: the diffusers pipelines you used
([docs](https://huggingface.co/docs/diffusers/index)), and this course's `helpers/`, one idea per file.

Ideas to try with this course's code: train `data/tiny-t2v` longer or with another denoiser
(`python -m helpers.train_t2v`) and re-run this notebook; give the cascade's SR stages more steps;
make the world harder (two objects, curved paths) and see which approach breaks first.
"""),
    md(r"""
## Summary

- The same prompts, seeds and metrics turn "which approach is better" into a table you can re-run.
- Independent frames get every frame right and the video wrong; smoothing trades jumps for ghosts.
- Models that generate the whole clip at once are far steadier than independent frames. Which
  words they obey depends on how they are trained to place the object in time: the token model,
  continuing its own first frames, learned every word easily; the single-stage diffusion model
  and the cascade's base stage learned the direction only after a phase at pure noise.
- Latent spaces and cascades buy compute; tokens make video a language-model problem whose cost
  grows with the sequence length.

Tick what you have done below, including the lesson goal on the approaches.
"""),
    code(r"""
from helpers.progress import tracker
tracker("08")
"""),
]


def main() -> None:
    """Write the notebook."""
    path = write_notebook(REPO_ROOT / "notebooks" / "08_compare_and_wrap_up.ipynb", CELLS)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
