"""Tiny random-weight text-to-video pipelines, built locally from the real diffusers classes.

Nothing comes from a model hub: the tokenizer is the course's word-level tokenizer
(:func:`helpers.text_encoder.build_tokenizer`, built with the ``tokenizers`` library), every model is
constructed from a small config, and the pipeline is saved with ``save_pretrained`` so it loads with
the same ``DiffusionPipeline.from_pretrained(path)`` call a real model uses. diffusers' own tests do
the same with hub-hosted tiny checkpoints; ours need no network. Their clips are noise (random
weights): they exist to test loading and generation, and to show each architecture's anatomy.

| family | pipeline | denoiser | VAE | text encoder | frames |
|---|---|---|---|---|---|
| ``text-to-video-sd`` | ``TextToVideoSDPipeline`` (ModelScope) | UNet3D | per-frame ``AutoencoderKL`` | CLIP | any |
| ``animatediff`` | ``AnimateDiffPipeline`` | image UNet + motion modules | per-frame ``AutoencoderKL`` | CLIP | up to 32 |
| ``cogvideox`` | ``CogVideoXPipeline`` | DiT, full 3D attention | causal 3D VAE, 4x in time | T5 | 4k+1 |
| ``ltx-video`` | ``LTXPipeline`` | DiT, full 3D attention | 3D VAE (real: 32x space, 8x time) | T5 | 8k+1 (tiny: 4k+1) |
| ``wan`` | ``WanPipeline`` (Wan 2.1) | DiT, full 3D attention | causal 3D VAE, 4x in time | UMT5 | 4k+1 |
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from .runtime import make_portable
from .text_encoder import TextEncoderConfig, build_text_encoder, build_tokenizer

TEXT_DIM = 32  # features of the tiny T5 text encoders
TINY_CLIP = TextEncoderConfig(hidden_size=8, num_layers=1, num_heads=2)  # ModelScope's OpenCLIP text tower has 1024


def _t5_text_encoder(tokenizer, umt5: bool = False):
    """A one-layer T5 (or UMT5, Wan's) encoder with :data:`TEXT_DIM` features (the real ones: 4096)."""
    from transformers import T5Config, T5EncoderModel, UMT5Config, UMT5EncoderModel

    config_class, model_class = (UMT5Config, UMT5EncoderModel) if umt5 else (T5Config, T5EncoderModel)
    config = config_class(
        vocab_size=len(tokenizer), d_model=TEXT_DIM, d_kv=8, d_ff=2 * TEXT_DIM, num_layers=1, num_heads=4,
        pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id, decoder_start_token_id=0,
    )
    return model_class(config)


def _per_frame_vae():
    """A 2-level ``AutoencoderKL`` (2x down in space, 4 latent channels), applied frame by frame."""
    from diffusers import AutoencoderKL

    return AutoencoderKL(
        in_channels=3, out_channels=3, block_out_channels=(8, 8), down_block_types=("DownEncoderBlock2D",) * 2,
        up_block_types=("UpDecoderBlock2D",) * 2, latent_channels=4, norm_num_groups=2,
    )


def text_to_video_sd():
    """ModelScope's class: UNet3D (2 levels of 8 channels), per-frame VAE, CLIP, DDIM."""
    from diffusers import DDIMScheduler, TextToVideoSDPipeline, UNet3DConditionModel

    tokenizer = build_tokenizer()
    unet = UNet3DConditionModel(
        sample_size=16, in_channels=4, out_channels=4, block_out_channels=(8, 8), layers_per_block=1,
        down_block_types=("CrossAttnDownBlock3D", "DownBlock3D"), up_block_types=("UpBlock3D", "CrossAttnUpBlock3D"),
        cross_attention_dim=8, attention_head_dim=4, norm_num_groups=2,
    )
    scheduler = DDIMScheduler(beta_schedule="scaled_linear", clip_sample=False, set_alpha_to_one=False)
    return TextToVideoSDPipeline(
        vae=_per_frame_vae(), text_encoder=build_text_encoder(TINY_CLIP, tokenizer), tokenizer=tokenizer, unet=unet,
        scheduler=scheduler,
    )


def animatediff():
    """AnimateDiff: an image UNet2D plus a MotionAdapter's temporal layers (the pipeline merges them into UNetMotionModel)."""
    from diffusers import AnimateDiffPipeline, DDIMScheduler, MotionAdapter, UNet2DConditionModel

    tokenizer = build_tokenizer()
    unet = UNet2DConditionModel(
        sample_size=16, in_channels=4, out_channels=4, block_out_channels=(8, 8), layers_per_block=1,
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"), up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        cross_attention_dim=8, attention_head_dim=4, norm_num_groups=2,
    )
    adapter = MotionAdapter(
        block_out_channels=(8, 8), motion_layers_per_block=1, motion_norm_num_groups=2, motion_num_attention_heads=2
    )
    scheduler = DDIMScheduler(beta_schedule="linear", clip_sample=False, steps_offset=1)
    return AnimateDiffPipeline(
        vae=_per_frame_vae(), text_encoder=build_text_encoder(TINY_CLIP, tokenizer), tokenizer=tokenizer, unet=unet,
        motion_adapter=adapter, scheduler=scheduler,
    )


def cogvideox():
    """CogVideoX: a DiT with full 3D attention over text + video tokens, a causal 3D VAE (8x space, 4x time), T5."""
    from diffusers import AutoencoderKLCogVideoX, CogVideoXDDIMScheduler, CogVideoXPipeline, CogVideoXTransformer3DModel

    tokenizer = build_tokenizer(max_length=226)  # CogVideoX's text length: 226 tokens
    transformer = CogVideoXTransformer3DModel(
        num_attention_heads=2, attention_head_dim=8, in_channels=4, out_channels=4, time_embed_dim=4,
        text_embed_dim=TEXT_DIM, num_layers=1, sample_width=2, sample_height=2, sample_frames=9, patch_size=2,
        temporal_compression_ratio=4, max_text_seq_length=226,
    )
    vae = AutoencoderKLCogVideoX(
        in_channels=3, out_channels=3, down_block_types=("CogVideoXDownBlock3D",) * 4,
        up_block_types=("CogVideoXUpBlock3D",) * 4, block_out_channels=(8, 8, 8, 8), latent_channels=4,
        layers_per_block=1, norm_num_groups=2, temporal_compression_ratio=4,
    )
    return CogVideoXPipeline(
        tokenizer=tokenizer, text_encoder=_t5_text_encoder(tokenizer), transformer=transformer, vae=vae,
        scheduler=CogVideoXDDIMScheduler(),
    )


def ltx_video():
    """LTX-Video: a DiT with 3D attention on a highly compressed latent (real VAE: 32x space, 8x time), T5, flow matching."""
    from diffusers import AutoencoderKLLTXVideo, FlowMatchEulerDiscreteScheduler, LTXPipeline, LTXVideoTransformer3DModel

    tokenizer = build_tokenizer(max_length=128)  # LTX-Video's text length: 128 tokens
    transformer = LTXVideoTransformer3DModel(
        in_channels=8, out_channels=8, patch_size=1, patch_size_t=1, num_attention_heads=2, attention_head_dim=8,
        cross_attention_dim=16, num_layers=1, caption_channels=TEXT_DIM,
    )
    vae = AutoencoderKLLTXVideo(
        in_channels=3, out_channels=3, latent_channels=8, block_out_channels=(8, 8, 8, 8),
        decoder_block_out_channels=(8, 8, 8, 8), layers_per_block=(1, 1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1, 1), spatio_temporal_scaling=(True, True, False, False),
        decoder_spatio_temporal_scaling=(True, True, False, False), decoder_inject_noise=(False,) * 5,
        upsample_residual=(False,) * 4, upsample_factor=(1,) * 4, timestep_conditioning=False, patch_size=1,
        patch_size_t=1, encoder_causal=True, decoder_causal=False,
    )
    return LTXPipeline(
        tokenizer=tokenizer, text_encoder=_t5_text_encoder(tokenizer), transformer=transformer, vae=vae,
        scheduler=FlowMatchEulerDiscreteScheduler(),
    )


def wan():
    """Wan 2.1: a DiT (self-attention over video tokens, cross-attention to UMT5 text), causal 3D VAE (8x space, 4x time)."""
    from diffusers import AutoencoderKLWan, FlowMatchEulerDiscreteScheduler, WanPipeline, WanTransformer3DModel

    tokenizer = build_tokenizer(max_length=512)  # Wan's text length: 512 tokens
    transformer = WanTransformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, in_channels=16, out_channels=16,
        text_dim=TEXT_DIM, freq_dim=256, ffn_dim=32, num_layers=1, cross_attn_norm=True,
        qk_norm="rms_norm_across_heads", rope_max_seq_len=32,
    )
    vae = AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1, temperal_downsample=[False, True, True])
    return WanPipeline(
        tokenizer=tokenizer, text_encoder=_t5_text_encoder(tokenizer, umt5=True), transformer=transformer, vae=vae,
        scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0),
    )


#: family -> (builder, a request it accepts: frames, height, width)
FAMILIES = {
    "text-to-video-sd": (text_to_video_sd, dict(num_frames=8, height=32, width=32)),
    "animatediff": (animatediff, dict(num_frames=8, height=32, width=32)),
    "cogvideox": (cogvideox, dict(num_frames=9, height=16, width=16)),
    "ltx-video": (ltx_video, dict(num_frames=9, height=32, width=32)),
    "wan": (wan, dict(num_frames=9, height=16, width=16)),
}


def build_tiny(family: str, path: str | os.PathLike, seed: int = 0) -> Path:
    """Build the tiny random-weight pipeline of ``family`` (a key of :data:`FAMILIES`), save it to ``path``."""
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; known: {', '.join(FAMILIES)}")
    torch.manual_seed(seed)
    pipe = FAMILIES[family][0]()
    path = Path(path)
    pipe.save_pretrained(path)
    make_portable(path)
    return path


def anatomy(pipe) -> str:
    """A pipeline's parts as text: each component's class and parameters, the denoiser's blocks, the compression."""
    import torch.nn as nn

    from .generation import _compression, family_rules

    lines = [f"{type(pipe).__name__}"]
    for name, component in pipe.components.items():
        if component is None:
            continue
        count = sum(p.numel() for p in component.parameters()) if isinstance(component, nn.Module) else 0
        lines.append(f"  {name:15s} {type(component).__name__:32s} {count:>10,d} parameters")
    denoiser = getattr(pipe, "transformer", None) or getattr(pipe, "unet", None)
    for name, child in denoiser.named_children():
        if isinstance(child, nn.ModuleList) and len(child):
            kinds = sorted({type(block).__name__ for block in child})
            lines.append(f"    {name}: {len(child)} x {' / '.join(kinds)}")
    time_factor, space_factor = _compression(pipe)
    lines.append(f"  pixels -> denoiser tokens: {time_factor}x fewer in time, {space_factor}x fewer per side in space")
    rules = family_rules(pipe)
    lines.append(
        f"  frames: {rules.frame_step}k+{rules.frame_offset} up to {rules.max_frames}; "
        f"sizes: multiples of {rules.size_multiple}"
    )
    return "\n".join(lines)
