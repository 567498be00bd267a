"""Every generative approach of the course on the same prompts and seeds, measured the same way.

    table = compare_approaches()          # quick mode: 2 prompts; full mode: all 48 combinations
    table.to_markdown()                   # the table notebook 08 shows and ``make bench`` prints
    table.rows[0]                         # one dict per approach (JSON-ready)

The approaches, by the lesson's numbering (``LESSON_APPROACHES``) and the notebook that builds them:

==========================  ========  ===========================================================
approach                    notebook  what generates the clip
==========================  ========  ===========================================================
frame by frame              01        an ideal image model called once per frame (the renderer)
frame by frame + smoothing  01        the same frames, then flow-guided temporal EMA
latent video diffusion      03, 04    ``data/tiny-t2v`` (the shipped ``DiffusionPipeline``)
cascade                     05        ``data/cascade``: base -> temporal SR -> spatial SR
video tokens                06        ``data/video-tokens``: VQ-VAE tokens + autoregressive prior
pretrained model            07        ModelScope 1.7B, only with a CUDA GPU and the hub reachable
==========================  ========  ===========================================================

Every clip goes through :func:`helpers.metrics.measure_clip` (the world analyser's verdict on
colour, shape and direction, one-object share, flicker, warping error, path straightness); the
figures are means over clips, adherence split into trained and held-out combinations. Sampling time
is the wall time of one batched call divided by the number of clips, on this machine.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch

from .denoisers import num_params
from .framewise import flow_guided, frame_by_frame
from .judge import SINGLE_OBJECT_FOR_CORRECT
from .metrics import measure_clip
from .runtime import DATA_DIR, get_device, is_quick
from .shapes import HELD_OUT, TRAIN_COMBOS

#: the lesson's four approaches (and the course's fifth family, token models)
LESSON_APPROACHES = {
    1: "frame-by-frame generation with temporal smoothing",
    2: "latent space methods",
    3: "cascaded generation",
    4: "diffusion models for video",
    "tokens": "autoregressive video tokens (VideoGPT, the lesson's second paper)",
}
#: the table's columns: (key, heading, number format)
COLUMNS = (
    ("approach", "approach", "{}"), ("notebook", "nb", "{}"),
    ("color", "colour", "{:.0%}"), ("shape", "shape", "{:.0%}"), ("direction", "direction", "{:.0%}"),
    ("all_train", "all right (trained)", "{:.0%}"), ("all_held_out", "all right (held-out)", "{:.0%}"),
    ("single_object", "one object", "{:.0%}"), ("flicker", "flicker", "{:.3f}"),
    ("warping_error", "warping error", "{:.4f}"), ("path_residual_px", "path residual (px)", "{:.2f}"),
    ("s_per_clip", "s / clip", "{:.2f}"), ("parameters", "parameters", "{:,}"),
)


@dataclass
class Approach:
    """One way to make a clip from a caption: ``generate(captions, seed) -> clips (F, H, W, 3) in [0, 1]``."""

    name: str
    notebook: str
    lesson: str
    generate: Callable[[list[str], int], list[np.ndarray]]
    parameters: int  # learned parameters (0: no learned model)


def prompt_set(quick: bool | None = None) -> list[tuple[str, str]]:
    """``(caption, split)`` pairs: every combination in full mode, 1 trained + 1 held-out in quick mode."""
    quick = is_quick() if quick is None else quick
    train, held = list(TRAIN_COMBOS), list(HELD_OUT)
    if quick:
        train, held = [train[0]], [held[0]]
    return [(c.caption, "train") for c in train] + [(c.caption, "held_out") for c in held]


def pipeline_params(pipe) -> int:
    """Learned parameters of every model in a diffusers pipeline (tokenizer and scheduler have none)."""
    return sum(num_params(c) for c in pipe.components.values() if isinstance(c, torch.nn.Module))


def framewise_approaches() -> list[Approach]:
    """Approach 1 of notebook 01: independent frames, raw and after flow-guided temporal smoothing."""
    raw = lambda captions, seed: [frame_by_frame(c, seed=seed * 1000 + i) for i, c in enumerate(captions)]  # noqa: E731
    smooth = lambda captions, seed: [flow_guided(clip, 0.5) for clip in raw(captions, seed)]  # noqa: E731
    return [
        Approach("frame by frame", "01", LESSON_APPROACHES[1], raw, 0),
        Approach("frame by frame + flow-guided EMA", "01", LESSON_APPROACHES[1], smooth, 0),
    ]


def diffusion_approach(folder: str | Path = DATA_DIR / "tiny-t2v", device: torch.device | None = None) -> Approach:
    """Approaches 2 and 4 (notebooks 03-04): the shipped tiny pipeline at its default steps and guidance."""
    from diffusers import DiffusionPipeline

    from .video import clips_from_pipeline

    device = device or get_device()
    pipe = DiffusionPipeline.from_pretrained(folder).to(device)
    pipe.set_progress_bar_config(disable=True)

    def generate(captions: list[str], seed: int) -> list[np.ndarray]:
        return clips_from_pipeline(pipe(list(captions), generator=torch.Generator("cpu").manual_seed(seed), output_type="np").frames)

    return Approach("latent video diffusion (tiny-t2v)", "04", f"{LESSON_APPROACHES[2]} + {LESSON_APPROACHES[4]}", generate, pipeline_params(pipe))


def cascade_approach(folder: str | Path = DATA_DIR / "cascade", device: torch.device | None = None) -> Approach:
    """Approach 3 (notebook 05): base 8x16x16 -> temporal SR 16x16x16 -> spatial SR 16x32x32."""
    from .cascade import Cascade
    from .video import tensor_to_clips

    cascade = Cascade.from_pretrained(folder, device or get_device())
    generate = lambda captions, seed: tensor_to_clips(cascade(list(captions), seed=seed).spatial_sr)  # noqa: E731
    stages = list(cascade.stages.values())
    parameters = sum(num_params(s.unet) for s in stages) + num_params(stages[0].text_encoder)
    return Approach("cascade (3 stages)", "05", LESSON_APPROACHES[3], generate, parameters)


def tokens_approach(folder: str | Path = DATA_DIR / "video-tokens", device: torch.device | None = None) -> Approach:
    """The token route (notebook 06): the prior samples a token grid after the caption, the VQ-VAE decodes it."""
    from .video_prior import generate_clips, load_prior
    from .video_tokenizer import load_tokenizer

    device = device or get_device()
    tokenizer = load_tokenizer(Path(folder) / "tokenizer.safetensors").to(device)
    prior = load_prior(Path(folder) / "prior.safetensors").to(device)
    generate = lambda captions, seed: generate_clips(tokenizer, prior, list(captions), seed=seed, progress=False)[0]  # noqa: E731
    return Approach("video tokens (VQ-VAE + GPT)", "06", LESSON_APPROACHES["tokens"], generate, num_params(tokenizer) + num_params(prior))


def pretrained_approach(model_id: str | None = None) -> Approach:
    """Notebook 07's real model; raises :class:`helpers.pipeline.PipelineUnavailable` without a GPU or the hub."""
    from .pipeline import generate, load_pipeline

    pipe = load_pipeline(model_id, fallback=None, progress=False)
    run = lambda captions, seed: [generate(pipe, c, num_frames=16, seed=seed + i, progress=False).clip for i, c in enumerate(captions)]  # noqa: E731
    return Approach(f"pretrained ({pipe.course_info.model_id})", "07", LESSON_APPROACHES[4], run, pipeline_params(pipe))


def course_approaches(include_pretrained: bool | None = None) -> tuple[list[Approach], dict[str, str]]:
    """Every approach this machine can run, and ``{name: reason}`` for those it cannot.

    ``include_pretrained``: try the real model (default: only when a CUDA GPU is present).
    """
    approaches, skipped = framewise_approaches(), {}
    loaders = [("latent video diffusion", diffusion_approach), ("cascade", cascade_approach), ("video tokens", tokens_approach)]
    if include_pretrained if include_pretrained is not None else torch.cuda.is_available():
        loaders.append(("pretrained model", pretrained_approach))
    else:
        skipped["pretrained model"] = "no CUDA GPU here (notebook 07 runs it on a GPU runtime)"
    for name, load in loaders:
        try:
            approaches.append(load())
        except Exception as error:  # noqa: BLE001 - a missing model must not hide the others
            skipped[name] = f"{type(error).__name__}: {error}"
    return approaches, skipped


@dataclass
class Comparison:
    """The results: one row per approach, the clips behind them, and what was skipped."""

    prompts: list[tuple[str, str]]
    seed: int
    rows: list[dict] = field(default_factory=list)
    clips: dict[str, list[np.ndarray]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    def to_markdown(self) -> str:
        """The table (Markdown), with a line saying which prompts and seed it used."""
        head = "| " + " | ".join(h for _, h, _ in COLUMNS) + " |"
        lines = [head, "|" + "---|" * len(COLUMNS)]
        for row in self.rows:
            cells = ["n/a" if row[k] is None or (isinstance(row[k], float) and np.isnan(row[k])) else f.format(row[k]) for k, _, f in COLUMNS]
            lines.append("| " + " | ".join(cells) + " |")
        splits = [s for _, s in self.prompts]
        lines.append(
            f"\n{len(self.prompts)} prompts ({splits.count('train')} trained, {splits.count('held_out')} held-out combinations), "
            f"seed {self.seed}, one clip each; colour/shape/direction/one object over all prompts."
        )
        lines += [f"Skipped: {name}: {reason}" for name, reason in self.skipped.items()]
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def to_json(self) -> dict:
        """Rows, prompts and skips as plain JSON data."""
        clean = lambda v: None if isinstance(v, float) and np.isnan(v) else v  # noqa: E731
        return {"prompts": self.prompts, "seed": self.seed, "skipped": self.skipped,
                "rows": [{k: clean(v) for k, v in row.items()} for row in self.rows]}

    def save(self, folder: str | Path, stem: str = "approaches", title: str = "") -> tuple[Path, Path]:
        """Write ``<stem>.md`` (``title`` above the table, if given) and ``<stem>.json`` into ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        md, js = folder / f"{stem}.md", folder / f"{stem}.json"
        md.write_text((f"{title}\n\n" if title else "") + self.to_markdown() + "\n")
        js.write_text(json.dumps(self.to_json(), indent=1))
        return md, js


def summarise(approach: Approach, clips: Sequence[np.ndarray], prompts: list[tuple[str, str]], seconds: float) -> dict:
    """One table row: mean metrics over clips, all-right share per split, seconds per clip, parameters."""
    reports = [measure_clip(clip, caption) for clip, (caption, _) in zip(clips, prompts)]
    def mean(key: str, rows: list[dict] = reports) -> float:  # over clips where the figure is finite (no object: NaN or inf)
        values = np.array([r[key] for r in rows], dtype=float)
        return float(values[np.isfinite(values)].mean()) if np.isfinite(values).any() else float("nan")

    split_rows = {s: [r for r, (_, split) in zip(reports, prompts) if split == s] for s in ("train", "held_out")}
    return {
        "approach": approach.name, "notebook": approach.notebook, "lesson": approach.lesson,
        "color": mean("color_ok"), "shape": mean("shape_ok"), "direction": mean("direction_ok"),
        "all_train": mean("correct", split_rows["train"]), "all_held_out": mean("correct", split_rows["held_out"]),
        "single_object": float(np.mean([r["single_object_share"] >= SINGLE_OBJECT_FOR_CORRECT for r in reports])),
        "flicker": mean("flicker"), "warping_error": mean("warping_error"), "path_residual_px": mean("path_residual_px"),
        "s_per_clip": seconds / len(clips), "parameters": approach.parameters,
    }


def compare_approaches(
    quick: bool | None = None, seed: int = 0, approaches: list[Approach] | None = None, include_pretrained: bool | None = None,
    progress: bool = True,
) -> Comparison:
    """Run every approach on :func:`prompt_set` with one seed and measure each (see the module docstring)."""
    from tqdm.auto import tqdm

    prompts = prompt_set(quick)
    skipped: dict[str, str] = {}
    if approaches is None:
        approaches, skipped = course_approaches(include_pretrained)
    if not approaches:
        raise ValueError("no approach to compare")
    result = Comparison(prompts, seed, skipped=skipped)
    captions = [caption for caption, _ in prompts]
    for approach in tqdm(approaches, desc="approaches", disable=not progress):
        start = time.perf_counter()
        with torch.no_grad():
            clips = approach.generate(captions, seed)
        seconds = time.perf_counter() - start
        if len(clips) != len(captions):
            raise RuntimeError(f"{approach.name} returned {len(clips)} clips for {len(captions)} captions")
        result.clips[approach.name] = clips
        result.rows.append(summarise(approach, clips, prompts, seconds))
    return result

