"""helpers.video: conversions (round trips, clipping, bad inputs), pipeline .frames, display."""

import numpy as np
import pytest
import torch

from helpers import video

def model_clip(seed=0, batch=1, frames=4, height=6, width=5) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(batch, 3, frames, height, width, generator=generator) * 2 - 1  # (B, 3, F, H, W)


def test_tensor_round_trip_is_exact():
    tensor = model_clip()
    frames = video.tensor_to_frames(tensor)
    assert frames.shape == (4, 6, 5, 3) and frames.dtype == np.float32
    assert frames.min() >= 0 and frames.max() <= 1
    assert torch.allclose(video.frames_to_tensor(frames), tensor, atol=1e-6)
    assert video.tensor_to_frames(tensor[0]).shape == (4, 6, 5, 3)  # (C, F, H, W) also accepted


def test_layout_is_channels_then_frames():
    tensor = torch.full((1, 3, 2, 2, 2), -1.0)
    tensor[0, 0, 1] = 1.0  # red channel, frame 1 only
    frames = video.tensor_to_frames(tensor)
    assert frames[1, ..., 0].min() == 1 and frames[0, ..., 0].max() == 0 and frames[..., 1:].max() == 0


def test_uint8_round_trip_within_half_a_step():
    frames = video.tensor_to_frames(model_clip(1))
    as_bytes = video.to_uint8(frames)
    assert as_bytes.dtype == np.uint8
    assert np.abs(as_bytes / 255.0 - frames).max() <= 0.5 / 255 + 1e-6
    assert np.array_equal(video.to_uint8(video.as_float_frames(as_bytes)), as_bytes)


def test_clipping_never_wraps():
    tensor = torch.tensor([-1.6, -1.0, 0.0, 1.0, 1.2, 1.9]).view(1, 1, 6, 1, 1).repeat(1, 3, 1, 1, 1)
    as_bytes = video.to_uint8(video.tensor_to_frames(tensor))
    assert as_bytes[:, 0, 0, 0].tolist() == [0, 0, 128, 255, 255, 255]


def test_pil_frames_and_grey_and_rgba():
    frames = video.frames_to_pil(video.tensor_to_frames(model_clip(2)))
    assert len(frames) == 4 and frames[0].size == (5, 6) and frames[0].mode == "RGB"
    assert np.array_equal(video.to_uint8(frames), np.stack([np.asarray(f) for f in frames]))
    grey = np.linspace(0, 1, 2 * 3 * 5, dtype=np.float32).reshape(2, 3, 5)  # (F, H, W)
    assert video.as_float_frames(grey).shape == (2, 3, 5, 3)
    rgba = np.zeros((2, 3, 4, 4), dtype=np.uint8)
    assert video.as_float_frames(rgba).shape == (2, 3, 4, 3)


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.zeros((6, 5, 3)), "one RGB image\\? add a frame axis"),
        (np.zeros((2, 6, 5, 2)), "expected frames shaped"),
        (np.full((2, 6, 5, 3), 2.0), "expected values in \\[0.0, 1.0\\], got \\[2.000, 2.000\\]"),
        (np.full((2, 6, 5, 3), np.nan), "NaN"),
        (np.zeros((2, 6, 5, 3), dtype=np.int32), "expected float frames in \\[0, 1\\] or uint8, got dtype int32"),
        ([], "empty list"),
        ("clip.gif", "expected a numpy array"),
    ],
)
def test_bad_display_inputs_raise_helpful_errors(bad, message):
    with pytest.raises(ValueError, match=message):
        video.as_float_frames(bad)


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.zeros((3, 4, 6, 5)), "expected a torch.Tensor"),
        (torch.zeros(2, 3, 4, 6, 5), "batch of 2: use tensor_to_clips"),
        (torch.zeros(4, 3, 6, 5), "expected shape \\(C, F, H, W\\) with C in \\(1, 3\\), got \\(4, 3, 6, 5\\)"),
        (torch.zeros(3, 4, 6, 5, dtype=torch.uint8), "expected a float tensor"),
        (torch.full((3, 4, 6, 5), float("nan")), "NaN"),
        (torch.full((3, 4, 6, 5), 200.0), "looks like 0..255"),
    ],
)
def test_bad_model_tensors_raise_helpful_errors(bad, message):
    with pytest.raises(ValueError, match=message):
        video.tensor_to_frames(bad)


def test_batches_split_into_clips():
    clips = video.tensor_to_clips(model_clip(batch=3))
    assert len(clips) == 3 and all(c.shape == (4, 6, 5, 3) for c in clips)
    with pytest.raises(ValueError, match="expected a tensor \\(B, C, F, H, W\\)"):
        video.tensor_to_clips(model_clip()[0])


@pytest.mark.parametrize("output_type", ["np", "pil", "pt"])
def test_pipeline_frames_in_every_output_type(output_type):
    from diffusers.video_processor import VideoProcessor

    tensor = model_clip(3, batch=2, frames=5, height=9, width=7)
    frames = VideoProcessor(do_resize=False).postprocess_video(tensor, output_type=output_type)
    clips = video.clips_from_pipeline(frames)
    assert len(clips) == 2 and clips[0].shape == (5, 9, 7, 3)
    expected = video.tensor_to_clips(tensor)
    tolerance = 0.5 / 255 + 1e-6 if output_type == "pil" else 1e-5
    for clip, reference in zip(clips, expected):
        assert np.abs(clip - reference).max() <= tolerance


def test_pipeline_frames_unbatched_is_explained():
    single = video.frames_to_pil(video.tensor_to_frames(model_clip()))
    with pytest.raises(ValueError, match="wrap it in"):
        video.clips_from_pipeline(single)
    with pytest.raises(ValueError, match="since diffusers 0.26"):
        video.clips_from_pipeline(np.zeros((4, 6, 5, 3)))


def test_upscale_is_nearest_and_checks_its_factor():
    clip = video.to_uint8(np.zeros((2, 4, 6, 3)))
    assert video.upscale(clip, 3).shape == (2, 12, 18, 3)
    with pytest.raises(ValueError, match="factor must be an int >= 1"):
        video.upscale(clip, 0)


def test_video_html_side_by_side_with_captions():
    clips = video.tensor_to_clips(model_clip(batch=2))
    html = video.video_html(clips, ["left <one>", "right"], fmt="mp4")
    assert html.count("<video") == 2 and html.count("<figure") == 2 and "left &lt;one&gt;" in html
    assert video.video_html(clips[0], "one", fmt="gif").count("data:image/gif;base64") == 1
    with pytest.raises(ValueError, match="got 2 clips but 1 captions"):
        video.video_html(clips, ["only one"])
    with pytest.raises(ValueError, match="fmt must be"):
        video.video_html(clips, fmt="webm")


def test_show_video_returns_displayable_html():
    shown = video.show_video(model_clip(), "a clip")
    assert "<video" in shown.data and "a clip" in shown.data


def test_frame_grid_rows_columns_and_titles():
    import matplotlib.pyplot as plt

    clips = video.tensor_to_clips(model_clip(batch=2, frames=10))
    figure = video.frame_grid(clips, titles=["a", "b"], max_frames=5, suptitle="grid")
    assert len(figure.axes) == 2 * 5
    assert figure.axes[0].get_ylabel() == "a" and figure.axes[5].get_ylabel() == "b"
    assert figure.axes[9].get_xlabel() == "frame 9" and figure._suptitle.get_text() == "grid"
    plt.close(figure)
    with pytest.raises(ValueError, match="got 2 clips but 1 titles"):
        video.frame_grid(clips, titles=["a"])


def test_frame_grid_labels_each_row_when_clips_differ_in_length():
    import matplotlib.pyplot as plt

    short, long = video.tensor_to_clips(model_clip(batch=1, frames=8))[0], video.tensor_to_clips(model_clip(batch=1, frames=16))[0]
    figure = video.frame_grid([short, long], titles=["base", "full"], max_frames=8)
    assert [ax.get_title() for ax in figure.axes[:8]] == [f"frame {i}" for i in range(8)]  # the 8-frame clip's own indices
    assert figure.axes[15].get_title() == "frame 15"
    plt.close(figure)
    figure = video.frame_grid([short, long], titles=["base", "full"], max_frames=16)  # 8 frames over 16 columns, not repeated
    titles = [ax.get_title() for ax in figure.axes[:16] if ax.axison]
    assert titles == [f"frame {i}" for i in range(8)] and sum(ax.axison for ax in figure.axes[:16]) == 8
    assert figure.axes[0].axison and figure.axes[15].axison  # first and last frames at the ends of the row
    plt.close(figure)


def test_show_video_plays_once_even_when_it_ends_a_cell():
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.display import display
    from IPython.utils.capture import capture_output

    InteractiveShell.instance()  # a shell, so displays are published (and captured) as in Jupyter
    try:
        with capture_output() as captured:
            shown = video.show_video(model_clip(), "a clip")
            display(shown)  # what Jupyter does with a cell's last value
    finally:
        InteractiveShell.clear_instance()
    assert len(captured.outputs) == 1 and "<video" in captured.outputs[0].data["text/html"]
