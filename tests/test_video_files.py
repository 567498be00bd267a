"""helpers.video_files: GIF timing, GIF and MP4 written and read back frame by frame, H.264 yuv420p."""

import numpy as np
import pytest
from PIL import Image

from helpers import video, video_files

# Tolerances, stated once: GIF is lossless for a clip of at most 256 colours (its palette size), so
# it must come back exactly; H.264 yuv420p is lossy and halves colour resolution, so it is compared on
# the mean (<= 6/255) plus a smooth clip's worst pixel (<= 40/255).
GIF_MAX_ERROR = 0
MP4_MEAN_ERROR = 6.0
MP4_MAX_ERROR_SMOOTH = 40


def smooth_clip(frames=8, height=33, width=47) -> np.ndarray:
    """A moving colour gradient (float [0, 1], (F, H, W, 3)): easy on GIF palettes and video codecs."""
    t, y, x = np.meshgrid(np.arange(frames), np.linspace(0, 1, height), np.linspace(0, 1, width), indexing="ij")
    return np.stack([x, y, 0.5 + 0.4 * np.sin(t / 2 + x * 3)], axis=-1).astype(np.float32)


def test_gif_duration_granularity():
    assert video_files.gif_duration_ms(8) == 120  # 125 ms is not a multiple of 10
    assert video_files.gif_duration_ms(10) == 100
    assert video_files.gif_duration_ms(100) == 20
    with pytest.raises(ValueError, match="fps must be > 0"):
        video_files.gif_duration_ms(0)


@pytest.mark.parametrize("size", [(32, 32), (33, 47)])
def test_gif_written_and_read_back_frame_by_frame(tmp_path, size):
    clip = video.to_uint8(np.round(smooth_clip(height=size[0], width=size[1]) * 5) / 5)  # 6**3 = 216 colours
    path = video_files.save_gif(clip, tmp_path / "clip.gif", fps=8)
    again = video_files.read_video(path)
    assert again.shape == clip.shape
    for index, (a, b) in enumerate(zip(again.astype(int), clip.astype(int))):
        assert np.abs(a - b).max() <= GIF_MAX_ERROR, f"frame {index}"
    with Image.open(path) as image:
        assert image.info["duration"] == 120 and image.info["loop"] == 0


@pytest.mark.parametrize("size", [(32, 32), (33, 47)])
def test_mp4_written_and_read_back_frame_by_frame(tmp_path, size):
    clip = video.to_uint8(smooth_clip(height=size[0], width=size[1]))
    path = video_files.save_mp4(clip, tmp_path / "clip.mp4", fps=8)
    again = video_files.read_video(path)
    even = (size[0] + size[0] % 2, size[1] + size[1] % 2)
    assert again.shape == (len(clip), *even, 3)  # odd sizes are padded by one edge pixel
    again = again[:, : size[0], : size[1]]
    for index, (a, b) in enumerate(zip(again.astype(int), clip.astype(int))):
        error = np.abs(a - b)
        assert error.mean() <= MP4_MEAN_ERROR and error.max() <= MP4_MAX_ERROR_SMOOTH, f"frame {index}"


def test_mp4_is_h264_yuv420p(tmp_path):
    import subprocess

    import imageio_ffmpeg

    path = video_files.save_mp4(smooth_clip(), tmp_path / "clip.mp4")
    probe = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-i", str(path)], capture_output=True, text=True)
    assert "h264" in probe.stderr and "yuv420p" in probe.stderr


def test_gif_scale_upscales_nearest(tmp_path):
    clip = video.to_uint8(smooth_clip(frames=2, height=4, width=6))
    assert video_files.read_video(video_files.save_gif(clip, tmp_path / "big.gif", scale=2)).shape == (2, 8, 12, 3)
