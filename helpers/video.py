"""Every video conversion of the course, plus showing clips (files: :mod:`helpers.video_files`).

Two conventions, and this module is the only place that converts between them:

- **model side**: ``torch`` tensors ``(B, C, F, H, W)`` (the diffusers UNet3D order) in ``[-1, 1]``;
- **display/file side**: numpy ``(F, H, W, 3)``, float in ``[0, 1]`` or ``uint8``.

Diffusers pipelines return ``.frames`` *batched* (since diffusers 0.26): ``.frames[0]`` is the first
clip, as a list of PIL images, a float array in ``[0, 1]`` or a tensor, by ``output_type``.
:func:`clips_from_pipeline` turns any of those into a list of ``(F, H, W, 3)`` float clips.
"""

from __future__ import annotations

import base64
import html
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from einops import rearrange
from PIL import Image

# ----------------------------------------------------------------------------- conversions


def _check_range(x: np.ndarray | torch.Tensor, low: float, high: float, what: str, tol: float = 1e-3) -> None:
    lo, hi = float(x.min()), float(x.max())
    if lo != lo or hi != hi:
        raise ValueError(f"{what}: expected values in [{low}, {high}], got NaN")
    if lo < low - tol or hi > high + tol:
        raise ValueError(f"{what}: expected values in [{low}, {high}], got [{lo:.3f}, {hi:.3f}]")


def tensor_to_frames(video: torch.Tensor) -> np.ndarray:
    """One model clip ``(C, F, H, W)`` or ``(1, C, F, H, W)`` in ``[-1, 1]`` -> numpy ``(F, H, W, 3)`` in ``[0, 1]``.

    Values outside ``[-1, 1]`` (a model's overshoot, a noised clip) are clipped; a single-channel clip is
    repeated to RGB.
    """
    if not isinstance(video, torch.Tensor):
        raise ValueError(f"expected a torch.Tensor (C, F, H, W), got {type(video).__name__}")
    if video.ndim == 5:
        if video.shape[0] != 1:
            raise ValueError(f"expected one clip, got a batch of {video.shape[0]}: use tensor_to_clips")
        video = video[0]
    if video.ndim != 4 or video.shape[0] not in (1, 3):
        raise ValueError(f"expected shape (C, F, H, W) with C in (1, 3), got {tuple(video.shape)}")
    if not video.is_floating_point():
        raise ValueError(f"expected a float tensor in [-1, 1], got dtype {video.dtype}")
    if not bool(torch.isfinite(video).all()):
        raise ValueError("expected a float tensor in [-1, 1], got NaN or inf values")
    if float(video.min()) >= 0 and float(video.max()) > 2:
        raise ValueError(
            f"expected a tensor in [-1, 1], got [{float(video.min()):.1f}, {float(video.max()):.1f}], "
            "which looks like 0..255 pixel values: divide by 127.5 and subtract 1"
        )
    frames = rearrange(video.detach().float().cpu(), "c f h w -> f h w c")  # (F, H, W, C)
    if frames.shape[-1] == 1:
        frames = frames.repeat(1, 1, 1, 3)  # (F, H, W, 3)
    return ((frames.clamp(-1, 1) + 1) / 2).numpy()


def tensor_to_clips(videos: torch.Tensor) -> list[np.ndarray]:
    """A batch ``(B, C, F, H, W)`` in ``[-1, 1]`` -> list of B numpy clips ``(F, H, W, 3)`` in ``[0, 1]``."""
    if not isinstance(videos, torch.Tensor) or videos.ndim != 5:
        shape = tuple(videos.shape) if hasattr(videos, "shape") else type(videos).__name__
        raise ValueError(f"expected a tensor (B, C, F, H, W), got {shape}")
    return [tensor_to_frames(v) for v in videos]


def frames_to_tensor(frames: np.ndarray | Sequence[Image.Image]) -> torch.Tensor:
    """Numpy ``(F, H, W, 3)`` (float ``[0, 1]`` or ``uint8``) or PIL frames -> tensor ``(1, 3, F, H, W)`` in ``[-1, 1]``."""
    clip = as_float_frames(frames)  # (F, H, W, 3)
    tensor = torch.from_numpy(np.ascontiguousarray(clip)).float()
    return rearrange(tensor, "f h w c -> 1 c f h w") * 2 - 1  # (1, 3, F, H, W)


def as_float_frames(frames: np.ndarray | torch.Tensor | Sequence[Image.Image]) -> np.ndarray:
    """Any display-side clip -> float32 numpy ``(F, H, W, 3)`` in ``[0, 1]``.

    Accepts float arrays in ``[0, 1]``, ``uint8`` arrays, a list of PIL images, or a model tensor
    ``(C, F, H, W)`` in ``[-1, 1]`` (passed to :func:`tensor_to_frames`).
    """
    if isinstance(frames, torch.Tensor):
        return tensor_to_frames(frames).astype(np.float32)
    if isinstance(frames, (list, tuple)):
        if not frames:
            raise ValueError("expected at least one frame, got an empty list")
        if all(isinstance(f, Image.Image) for f in frames):
            frames = np.stack([np.asarray(f.convert("RGB")) for f in frames])
        else:
            frames = np.asarray(frames)
    if not isinstance(frames, np.ndarray):
        raise ValueError(f"expected a numpy array, tensor or list of PIL images, got {type(frames).__name__}")
    if frames.ndim == 3 and frames.shape[-1] in (3, 4):
        raise ValueError(
            f"expected frames shaped (F, H, W, 3), got {frames.shape}: one RGB image? add a frame axis "
            "with image[None] (a grey clip (F, H, W) may not be 3 or 4 pixels wide)"
        )
    if frames.ndim == 3:  # (F, H, W) grey
        frames = np.repeat(frames[..., None], 3, axis=-1)
    if frames.ndim != 4 or frames.shape[-1] not in (3, 4):
        raise ValueError(f"expected frames shaped (F, H, W, 3), got {frames.shape}")
    frames = frames[..., :3]
    if frames.dtype == np.uint8:
        return frames.astype(np.float32) / 255.0
    if not np.issubdtype(frames.dtype, np.floating):
        raise ValueError(f"expected float frames in [0, 1] or uint8, got dtype {frames.dtype}")
    _check_range(frames, 0.0, 1.0, "float frames")
    return np.clip(frames, 0.0, 1.0).astype(np.float32)


def to_uint8(frames: np.ndarray | torch.Tensor | Sequence[Image.Image]) -> np.ndarray:
    """Any display-side clip -> ``uint8`` ``(F, H, W, 3)``, rounded and clipped (never wrapped)."""
    clip = as_float_frames(frames)
    return np.clip(np.rint(clip * 255.0), 0, 255).astype(np.uint8)


def frames_to_pil(frames: np.ndarray | torch.Tensor | Sequence[Image.Image]) -> list[Image.Image]:
    """Any display-side clip -> list of F RGB PIL images."""
    return [Image.fromarray(frame) for frame in to_uint8(frames)]


def clips_from_pipeline(frames) -> list[np.ndarray]:
    """A diffusers pipeline's batched ``.frames`` -> list of float clips ``(F, H, W, 3)`` in ``[0, 1]``.

    Handles ``output_type="np"`` (array ``(B, F, H, W, 3)``), ``"pil"`` (list of lists of PIL images)
    and ``"pt"`` (tensor ``(B, F, 3, H, W)`` in ``[0, 1]``). Before diffusers 0.26 ``.frames`` was one
    unbatched clip; pass ``[frames]`` for those.
    """
    if isinstance(frames, torch.Tensor):
        if frames.ndim != 5:
            raise ValueError(f"expected pipeline frames (B, F, C, H, W), got {tuple(frames.shape)}")
        frames = rearrange(frames.detach().float().cpu(), "b f c h w -> b f h w c").numpy()  # (B, F, H, W, C)
    if isinstance(frames, np.ndarray):
        if frames.ndim != 5:
            raise ValueError(
                f"expected batched pipeline frames (B, F, H, W, 3), got {frames.shape}; "
                "since diffusers 0.26 .frames[0] is the first clip"
            )
        return [as_float_frames(clip) for clip in frames]
    if isinstance(frames, (list, tuple)) and frames and isinstance(frames[0], Image.Image):
        raise ValueError("expected batched frames (a list of clips), got one list of PIL images: wrap it in [ ]")
    if isinstance(frames, (list, tuple)) and frames:
        return [as_float_frames(clip) for clip in frames]
    raise ValueError(f"cannot read pipeline frames of type {type(frames).__name__}")


def upscale(frames: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour upscaling of ``(F, H, W, 3)`` by an integer factor (keeps pixels crisp)."""
    if not isinstance(factor, int) or factor < 1:
        raise ValueError(f"factor must be an int >= 1, got {factor!r}")
    return frames.repeat(factor, axis=1).repeat(factor, axis=2)


# ----------------------------------------------------------------------------- display


def _display_scale(clip: np.ndarray, min_size: int) -> int:
    return max(1, int(np.ceil(min_size / max(clip.shape[1], clip.shape[2]))))


def _video_tag(clip: np.ndarray, fps: float, fmt: str) -> str:
    from .video_files import save_gif, save_mp4  # that module builds on this one

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"clip.{fmt}"
        if fmt == "mp4":
            save_mp4(clip, path, fps=fps)
            data = base64.b64encode(path.read_bytes()).decode()
            return (
                f'<video autoplay loop muted playsinline controls width="{clip.shape[2]}" '
                f'style="image-rendering: pixelated"><source src="data:video/mp4;base64,{data}" '
                'type="video/mp4"></video>'
            )
        save_gif(clip, path, fps=fps)
        data = base64.b64encode(path.read_bytes()).decode()
        return f'<img src="data:image/gif;base64,{data}" width="{clip.shape[2]}" style="image-rendering: pixelated">'


def video_html(
    clips, captions: Sequence[str] | str | None = None, fps: float = 8, min_size: int = 128, fmt: str = "mp4"
) -> str:
    """HTML that plays one clip or several side by side, each with a caption under it.

    ``fmt="mp4"`` embeds H.264 ``<video>`` (JupyterLab, Colab, VS Code); ``fmt="gif"`` embeds an
    animated GIF (works anywhere an image does, e.g. GitHub's notebook preview).
    """
    if fmt not in ("mp4", "gif"):
        raise ValueError(f"fmt must be 'mp4' or 'gif', got {fmt!r}")
    if isinstance(clips, (np.ndarray, torch.Tensor)) and (
        (isinstance(clips, np.ndarray) and clips.ndim == 4) or (isinstance(clips, torch.Tensor) and clips.ndim == 4)
    ):
        clips = [clips]
    elif isinstance(clips, (list, tuple)) and clips and isinstance(clips[0], Image.Image):
        clips = [clips]
    clips = [to_uint8(c) for c in clips]
    if isinstance(captions, str):
        captions = [captions]
    captions = list(captions) if captions is not None else [""] * len(clips)
    if len(captions) != len(clips):
        raise ValueError(f"got {len(clips)} clips but {len(captions)} captions")
    cells = []
    for clip, caption in zip(clips, captions):
        clip = upscale(clip, _display_scale(clip, min_size))
        cells.append(
            '<figure style="display:inline-block; margin:4px; text-align:center">'
            f"{_video_tag(clip, fps, fmt)}"
            f'<figcaption style="font-size:12px; max-width:{max(clip.shape[2], 96)}px">{html.escape(caption)}</figcaption>'
            "</figure>"
        )
    return '<div class="course-video">' + "".join(cells) + "</div>"


def show_video(clips, captions: Sequence[str] | str | None = None, fps: float = 8, min_size: int = 128, fmt: str = "auto"):
    """Play one clip or several side by side inline, captioned; returns the IPython ``HTML`` object.

    ``fmt="auto"`` uses H.264 MP4 when ffmpeg is available and falls back to GIF otherwise. The clip
    is displayed here; the returned object does not display again when it ends a cell (or is passed
    to ``display``), so every call plays its clips exactly once.
    """
    from IPython.display import HTML, display

    class ShownHTML(HTML):
        def _ipython_display_(self) -> None:  # already on screen: Jupyter's display hook shows nothing more
            pass

    if fmt == "auto":
        try:
            import imageio_ffmpeg

            imageio_ffmpeg.get_ffmpeg_exe()
            fmt = "mp4"
        except Exception:  # noqa: BLE001 - any failure to find ffmpeg means GIF
            fmt = "gif"
    html = video_html(clips, captions, fps=fps, min_size=min_size, fmt=fmt)
    display(HTML(html))
    return ShownHTML(html)


def frame_grid(
    clips,
    titles: Sequence[str] | None = None,
    max_frames: int = 8,
    suptitle: str | None = None,
    frame_size: float = 1.1,
):
    """A matplotlib figure: frames across, clips down, each row titled; returns the figure.

    Shows ``max_frames`` evenly spaced frames of each clip, labelled with their frame index (under the
    last row, or above every tile when the clips differ in length: a shorter clip's frames then sit
    in the columns nearest their time, the others blank).
    """
    import matplotlib.pyplot as plt

    if isinstance(clips, (np.ndarray, torch.Tensor)) and clips.ndim == 4:
        clips = [clips]
    clips = [as_float_frames(c) for c in clips]
    titles = list(titles) if titles is not None else [f"clip {i}" for i in range(len(clips))]
    if len(titles) != len(clips):
        raise ValueError(f"got {len(clips)} clips but {len(titles)} titles")
    num_frames = max(c.shape[0] for c in clips)
    shown = min(max_frames, num_frames)
    figure, axes = plt.subplots(
        len(clips), shown, figsize=(frame_size * shown + 1.5, frame_size * len(clips) + 0.6), squeeze=False
    )
    same_length = all(c.shape[0] == num_frames for c in clips)  # else each row has its own frame indices
    for row, (clip, title) in enumerate(zip(clips, titles)):
        count = min(shown, clip.shape[0])  # a shorter clip: its frames spread over the row in time, the gaps left blank
        indices = np.linspace(0, clip.shape[0] - 1, count).round().astype(int)
        columns = np.linspace(0, shown - 1, count).round().astype(int)
        for col in set(range(shown)) - set(columns.tolist()):
            axes[row, col].axis("off")
        for col, index in zip(columns, indices):
            ax = axes[row, col]
            ax.imshow(clip[index], interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if not same_length:
                ax.set_title(f"frame {index}", fontsize=6)
            elif row == len(clips) - 1:
                ax.set_xlabel(f"frame {index}", fontsize=8)
        axes[row, 0].set_ylabel(title, fontsize=8, rotation=0, ha="right", va="center")
    figure.suptitle(suptitle or "frames over time (left to right)", fontsize=10)
    figure.tight_layout()
    return figure
