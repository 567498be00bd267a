"""The causal 3D autoencoder distilled from the frame autoencoder: shapes, causality, distillation, the shipped one."""

import pytest
import torch

from helpers.autoencoder import VAEConfig, build_vae, decode_video, encode_video, is_video_vae
from helpers.causal_vae import CausalVAEConfig, Distillation, agreement, build_causal_vae, clip_batch, distill_causal_vae
from helpers.runtime import DATA_DIR
from helpers.trainer import TrainConfig

MICRO = CausalVAEConfig(block_out_channels=(8, 8, 8), norm_num_groups=4, clips_per_batch=1)
SHIPPED = DATA_DIR / "tiny-t2v" / "vae"
FRAME_VAE = DATA_DIR / "frame-autoencoder"


def micro_frame_vae():
    return build_vae(VAEConfig(block_out_channels=(8, 8, 8), latent_channels=4, norm_num_groups=4)).eval()


def test_shapes_keep_every_frame_and_compress_space_4x():
    vae = build_causal_vae(MICRO, latent_channels=4).eval()
    assert is_video_vae(vae) and not is_video_vae(micro_frame_vae())
    video = torch.rand(2, 3, 16, 32, 32) * 2 - 1
    with torch.no_grad():
        z = encode_video(vae, video)
        assert z.shape == (2, 4, 16, 8, 8)
        assert decode_video(vae, z).shape == video.shape


def test_decoder_is_causal_later_latent_frames_never_change_earlier_chunks():
    # the decoder runs over chunks of 2 latent frames (its group norms see one chunk), caching convolution inputs
    vae = build_causal_vae(MICRO, latent_channels=4).eval()
    assert vae.num_latent_frames_batch_size == 2
    z = torch.randn(1, 4, 8, 8, 8)
    changed = z.clone()
    changed[:, :, 6:] += 3.0  # change latent frames 6 and 7 (the last chunk) only
    with torch.no_grad():
        a, b = decode_video(vae, z), decode_video(vae, changed)
    torch.testing.assert_close(a[:, :, :6], b[:, :, :6], atol=1e-5, rtol=1e-4)
    assert (a[:, :, 6:] - b[:, :, 6:]).abs().max() > 1e-3


def test_distillation_lowers_both_losses():
    torch.manual_seed(0)
    teacher = micro_frame_vae()
    model = Distillation(build_causal_vae(MICRO, latent_channels=4), teacher)
    assert not any(p.requires_grad for p in teacher.parameters())
    assert all(not name.startswith("teacher") for name in model.state_dict())  # the teacher is not saved with it
    video = clip_batch(0, 2)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    first = None
    for _ in range(25):
        loss, logs = model(video)
        first = first or logs
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert logs["enc"] < 0.5 * first["enc"] and logs["mse"] < 0.5 * first["mse"]


def test_distill_copies_the_scaling_and_returns_an_eval_model(tmp_path):
    teacher = micro_frame_vae()
    teacher.register_to_config(scaling_factor=0.5)
    cfg = CausalVAEConfig(**{**MICRO.__dict__, "train": TrainConfig(steps=2, warmup_steps=1, progress=False, log_every=1)})
    vae = distill_causal_vae(teacher, cfg, work_dir=tmp_path / "ckpt", progress=False)
    assert vae.config.scaling_factor == 0.5 and vae.config.temporal_compression_ratio == 1 and not vae.training
    assert (tmp_path / "ckpt").exists()
    assert set(agreement(vae, teacher, clips=1)) == {"latent_mse", "frame_vae_recon_mse", "causal_vae_recon_mse"}


def test_config_fails_loudly():
    with pytest.raises(ValueError, match=">= 2 levels"):
        CausalVAEConfig(block_out_channels=(8,))
    with pytest.raises(ValueError, match="norm_num_groups"):
        CausalVAEConfig(block_out_channels=(8, 12), norm_num_groups=8)


@pytest.mark.skipif(not (SHIPPED.exists() and FRAME_VAE.exists()), reason="data/tiny-t2v not shipped yet")
def test_shipped_causal_vae_speaks_the_frame_autoencoders_latent_space():
    from diffusers import AutoencoderKL, AutoencoderKLCogVideoX

    from helpers.autoencoder import reconstruction_grades

    vae = AutoencoderKLCogVideoX.from_pretrained(SHIPPED).eval()
    frame_vae = AutoencoderKL.from_pretrained(FRAME_VAE).eval()
    figures = agreement(vae, frame_vae, clips=8)
    assert figures["latent_mse"] < 0.05  # latents have unit variance
    assert figures["causal_vae_recon_mse"] < 2 * figures["frame_vae_recon_mse"] + 0.002
    grades = reconstruction_grades(vae, clips_per_combo=1)
    assert grades["color"] == 1.0 and grades["direction"] == 1.0 and grades["shape"] >= 0.95
