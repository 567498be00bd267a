"""The per-frame AutoencoderKL: shapes, scaling, training batches, and the shipped one's reconstructions."""

import pytest
import torch

from helpers.autoencoder import VAEConfig, build_vae, calibrate_scaling, decode_video, encode_video, frame_batch, vae_loss
from helpers.runtime import DATA_DIR

SHIPPED = DATA_DIR / "frame-autoencoder"


def test_video_round_trip_shapes_fold_frames_into_the_batch():
    vae = build_vae(VAEConfig(block_out_channels=(8, 8, 8), latent_channels=4, norm_num_groups=4)).eval()
    video = torch.rand(2, 3, 5, 32, 32) * 2 - 1
    with torch.no_grad():
        z = encode_video(vae, video)
        assert z.shape == (2, 4, 5, 8, 8)
        # frame 3 of clip 1 is encoded on its own: folding keeps clips and frames apart
        alone = encode_video(vae, video[1:2, :, 3:4])
        torch.testing.assert_close(z[1:2, :, 3:4], alone, atol=1e-5, rtol=1e-4)
        assert decode_video(vae, z).shape == video.shape
    with pytest.raises(ValueError, match="B, 3, F, H, W"):
        encode_video(vae, video[0])


def test_frame_batch_is_deterministic_and_in_range():
    a, b = frame_batch(3, 8), frame_batch(3, 8)
    assert a.shape == (8, 3, 32, 32) and torch.equal(a, b)
    assert float(a.min()) >= -1 and float(a.max()) <= 1 and not torch.equal(a, frame_batch(4, 8))


def test_loss_and_scaling_calibration():
    vae = build_vae(VAEConfig(block_out_channels=(8, 8), latent_channels=4, norm_num_groups=4))
    loss, logs = vae_loss(vae, frame_batch(0, 4))
    assert loss.item() > 0 and set(logs) == {"mse", "kl"}
    vae.eval()
    scale = calibrate_scaling(vae, num_clips=4)
    assert vae.config.scaling_factor == pytest.approx(scale)
    from helpers.shapes import make_batch

    with torch.no_grad():
        std = encode_video(vae, make_batch(["a red circle moving left"] * 4, seed=123)).std()
    assert 0.5 < float(std) < 2.0
    with pytest.raises(ValueError, match="norm_num_groups"):
        VAEConfig(block_out_channels=(10, 20))


@pytest.mark.skipif(not SHIPPED.exists(), reason="data/tiny-t2v not shipped yet")
def test_shipped_autoencoder_reconstructions_are_graded_right():
    from diffusers import AutoencoderKL

    from helpers.autoencoder import reconstruction_grades

    vae = AutoencoderKL.from_pretrained(SHIPPED).eval()
    assert vae.config.latent_channels == 8 and vae.config.block_out_channels == [16, 32, 64]
    grades = reconstruction_grades(vae, clips_per_combo=1)
    assert grades["color"] == 1.0 and grades["direction"] == 1.0
    assert grades["shape"] >= 0.95 and grades["single_object"] == 1.0


def test_circle_to_square_is_a_smaller_change_than_a_colour_or_a_one_pixel_shift():
    from diffusers import AutoencoderKL

    from helpers.autoencoder import FRAME_AUTOENCODER, word_change_energy

    vae = AutoencoderKL.from_pretrained(FRAME_AUTOENCODER).eval()
    out = word_change_energy(vae, {"colour": ("a red circle moving left", "a green circle moving left"),
                                   "shape": ("a red circle moving left", "a red square moving left"),
                                   "shift": ("a red circle moving left", "shift")}, num_clips=4)
    assert all(0 < v["latent"] < v["pixel"] for v in out.values())  # the latent keeps less of every change
    for space in ("pixel", "latent"):
        assert out["shape"][space] < out["shift"][space] < out["colour"][space]
        assert out["shape"][space] < out["colour"][space] / 5
    with pytest.raises(ValueError, match="unknown shape"):
        word_change_energy(vae, {"bad": ("a red hexagon moving left", "shift")}, num_clips=1)
