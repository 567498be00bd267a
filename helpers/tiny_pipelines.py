"""Tiny random-weight text-to-video pipelines, built locally from the real diffusers classes.

Nothing comes from a model hub: the tokenizer is built with the ``tokenizers`` library from the
moving-shapes vocabulary, every model is constructed from a small config, and the pipeline is saved
with ``save_pretrained`` so it loads with the same ``DiffusionPipeline.from_pretrained(path)`` call a
real model uses. diffusers' own tests do the same with hub-hosted tiny checkpoints; ours need no
network. They generate noise-like clips (random weights); they exist to test the loading and
generation code, and to show each architecture's anatomy.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from .shapes import COLORS, DIRECTIONS, SHAPES

#: special tokens of the word-level tokenizers, in id order
SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[BOS]", "[EOS]")
#: every word of the moving-shapes captions
WORLD_WORDS = ("a", "moving", *COLORS, *SHAPES, *DIRECTIONS)


def word_tokenizer(words: tuple[str, ...] = WORLD_WORDS, max_length: int = 8):
    """A lower-casing word-level tokenizer: known words -> their id, any other word -> ``[UNK]``."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    if max_length < 3:
        raise ValueError(f"max_length must be >= 3 (BOS, one word, EOS), got {max_length}")
    vocab = {token: index for index, token in enumerate((*SPECIAL_TOKENS, *dict.fromkeys(words)))}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[BOS] $A [EOS]", special_tokens=[("[BOS]", vocab["[BOS]"]), ("[EOS]", vocab["[EOS]"])]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        pad_token="[PAD]",
        unk_token="[UNK]",
        bos_token="[BOS]",
        eos_token="[EOS]",
        model_max_length=max_length,
    )


def _tiny_clip_text_encoder(vocab_size: int, hidden: int, max_length: int):
    """A one-layer CLIP text encoder with ``hidden`` features (ModelScope uses OpenCLIP ViT-H, 1024)."""
    from transformers import CLIPTextConfig, CLIPTextModel

    config = CLIPTextConfig(
        vocab_size=vocab_size,
        hidden_size=hidden,
        intermediate_size=2 * hidden,
        num_hidden_layers=1,
        num_attention_heads=2,
        max_position_embeddings=max_length,
        projection_dim=hidden,
        pad_token_id=0,
        bos_token_id=2,
        eos_token_id=3,
    )
    return CLIPTextModel(config)


def build_text_to_video_sd(path: str | os.PathLike, seed: int = 0, size: int = 32) -> Path:
    """Save a tiny random ``TextToVideoSDPipeline`` (ModelScope's class) to ``path``; return the path.

    UNet3D with two levels of 8 channels, a 2-level VAE (latents are ``size / 2`` across, 4 channels),
    a one-layer CLIP text encoder of 8 features, DDIM scheduler. About 60 k parameters.
    """
    from diffusers import AutoencoderKL, DDIMScheduler, TextToVideoSDPipeline, UNet3DConditionModel

    if size % 8:
        raise ValueError(f"size must be a multiple of 8, got {size}")
    torch.manual_seed(seed)
    tokenizer = word_tokenizer()
    hidden = 8
    unet = UNet3DConditionModel(
        sample_size=size // 2,
        in_channels=4,
        out_channels=4,
        block_out_channels=(8, 8),
        layers_per_block=1,
        down_block_types=("CrossAttnDownBlock3D", "DownBlock3D"),
        up_block_types=("UpBlock3D", "CrossAttnUpBlock3D"),
        cross_attention_dim=hidden,
        attention_head_dim=4,
        norm_num_groups=2,
    )
    vae = AutoencoderKL(
        in_channels=3,
        out_channels=3,
        block_out_channels=(8, 8),
        down_block_types=("DownEncoderBlock2D",) * 2,
        up_block_types=("UpDecoderBlock2D",) * 2,
        latent_channels=4,
        norm_num_groups=2,
        sample_size=size,
    )
    text_encoder = _tiny_clip_text_encoder(len(tokenizer), hidden, tokenizer.model_max_length)
    scheduler = DDIMScheduler(beta_schedule="scaled_linear", clip_sample=False, set_alpha_to_one=False)
    pipe = TextToVideoSDPipeline(vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet, scheduler=scheduler)
    pipe.set_progress_bar_config(disable=True)
    path = Path(path)
    pipe.save_pretrained(path)
    return path


#: family name -> builder; issue 9 adds CogVideoX, LTX-Video, Wan 2.1 and AnimateDiff
BUILDERS = {"text-to-video-sd": build_text_to_video_sd}


def build_tiny(family: str, path: str | os.PathLike, seed: int = 0) -> Path:
    """Build and save the tiny random-weight pipeline of ``family`` (a key of :data:`BUILDERS`)."""
    if family not in BUILDERS:
        raise ValueError(f"unknown family {family!r}; known: {', '.join(BUILDERS)}")
    return BUILDERS[family](path, seed=seed)
