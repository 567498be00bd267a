"""Clips to and from files: looping GIFs, H.264 MP4s that browsers play, and reading either back.

Two formats, two traps: GIF stores a frame *duration* in 10 ms steps, not a frame rate
(:func:`gif_duration_ms`), and browsers and Jupyter play H.264 in ``yuv420p`` (even sizes), not
OpenCV's ``mp4v`` (:func:`save_mp4`). Frames go in as anything :func:`helpers.video.to_uint8` takes.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image

from .video import to_uint8, upscale


def gif_duration_ms(fps: float) -> int:
    """Frame duration for a GIF at ``fps``. GIF stores delays in 10 ms steps, so it is rounded to 10 ms.

    8 fps -> 120 ms (the closest GIF can do to 125 ms); 10 fps -> 100 ms; above 50 fps browsers
    slow the GIF down, so 20 ms is the shortest delay we write.
    """
    if fps <= 0:
        raise ValueError(f"fps must be > 0, got {fps}")
    return int(max(20, round(1000.0 / fps / 10.0) * 10))


def save_gif(frames, path: str | os.PathLike, fps: float = 8, scale: int = 1) -> Path:
    """Write a looping GIF (Pillow). GIF wants a frame *duration* in ms, not fps: see :func:`gif_duration_ms`."""
    clip = upscale(to_uint8(frames), scale)
    path = Path(path)
    images = [Image.fromarray(frame) for frame in clip]
    images[0].save(
        path, save_all=True, append_images=images[1:], duration=gif_duration_ms(fps), loop=0, optimize=False
    )
    return path


def _even_pad(clip: np.ndarray) -> np.ndarray:
    """Pad H and W to even sizes by repeating the last row/column (yuv420p needs even sizes)."""
    pad_h, pad_w = clip.shape[1] % 2, clip.shape[2] % 2
    if pad_h or pad_w:
        clip = np.pad(clip, ((0, 0), (0, pad_h), (0, pad_w), (0, 0)), mode="edge")
    return clip


def save_mp4(frames, path: str | os.PathLike, fps: float = 8, scale: int = 1, quality: int = 9) -> Path:
    """Write an H.264 MP4 in ``yuv420p`` (what browsers and Jupyter play; OpenCV's ``mp4v`` they don't).

    Odd heights/widths are padded by one edge pixel, since ``yuv420p`` stores colour at half resolution.
    """
    import imageio.v2 as imageio

    if fps <= 0:
        raise ValueError(f"fps must be > 0, got {fps}")
    clip = _even_pad(upscale(to_uint8(frames), scale))
    path = Path(path)
    writer = imageio.get_writer(
        path,
        format="FFMPEG",
        mode="I",
        fps=fps,
        codec="libx264",
        pixelformat="yuv420p",
        quality=quality,
        macro_block_size=1,
        ffmpeg_log_level="error",
    )
    try:
        for frame in clip:
            writer.append_data(frame)
    finally:
        writer.close()
    return path


def read_video(path: str | os.PathLike) -> np.ndarray:
    """Read a GIF or MP4 back into ``uint8`` ``(F, H, W, 3)``."""
    import imageio.v2 as imageio

    path = Path(path)
    if path.suffix.lower() == ".gif":
        with Image.open(path) as image:
            frames = []
            for index in range(getattr(image, "n_frames", 1)):
                image.seek(index)
                frames.append(np.asarray(image.convert("RGB")))
        return np.stack(frames)
    reader = imageio.get_reader(path, format="FFMPEG")
    try:
        return np.stack([frame[..., :3] for frame in reader])
    finally:
        reader.close()
