"""The two video denoisers of the course, as typed configs and builders of real diffusers models.

- :class:`UNetConfig` -> ``UNet3DConditionModel``: the lesson's (ModelScope's) kind, an image UNet
  with temporal convolutions and temporal attention; input ``(B, c, F, h, w)``.
- :class:`DiTConfig` -> ``CogVideoXTransformer3DModel``: the shipped kind, a diffusion transformer
  with full 3D attention over text and video tokens and absolute (frame, row, column) positions;
  input ``(B, F, c, h, w)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn


@dataclass
class UNetConfig:
    """The lesson's kind of video denoiser (the course's first model): a diffusers ``UNet3DConditionModel`` on 8x8 latents."""

    block_out_channels: tuple[int, ...] = (32, 64)
    down_block_types: tuple[str, ...] = ("CrossAttnDownBlock3D", "DownBlock3D")
    up_block_types: tuple[str, ...] = ("UpBlock3D", "CrossAttnUpBlock3D")
    layers_per_block: int = 1
    attention_heads: int = 4
    norm_num_groups: int = 8

    def __post_init__(self) -> None:
        if not len(self.block_out_channels) == len(self.down_block_types) == len(self.up_block_types):
            raise ValueError("block_out_channels, down_block_types and up_block_types need one entry per level")


@dataclass
class DiTConfig:
    """The video denoiser of the shipped model: a diffusers ``CogVideoXTransformer3DModel`` on 8x8 latents.

    Text and video tokens share one sequence with full 3D attention; video tokens carry absolute
    sin-cos positions in (frame, row, column). 3 layers of 64 features keep 50 guided steps under a second.
    """

    num_layers: int = 3
    attention_heads: int = 4
    head_dim: int = 16
    patch_size: int = 2  # 8x8 latents -> 4x4 tokens per frame
    time_embed_dim: int = 64

    def __post_init__(self) -> None:
        if self.num_layers < 1 or self.attention_heads < 1 or self.head_dim < 1:
            raise ValueError(f"num_layers, attention_heads and head_dim must be >= 1, got {self.num_layers}, {self.attention_heads}, {self.head_dim}")


#: CogVideoXPipeline pads every prompt to 226 tokens (its ``max_sequence_length``); the transformer expects that many
COGVIDEOX_TEXT_LENGTH = 226


def build_unet(cfg: UNetConfig, latent_channels: int, cross_attention_dim: int, sample_size: int = 8):
    """A fresh ``UNet3DConditionModel`` for latents ``(B, latent_channels, F, sample_size, sample_size)``."""
    from diffusers import UNet3DConditionModel

    return UNet3DConditionModel(
        sample_size=sample_size,
        in_channels=latent_channels,
        out_channels=latent_channels,
        down_block_types=tuple(cfg.down_block_types),
        up_block_types=tuple(cfg.up_block_types),
        block_out_channels=tuple(cfg.block_out_channels),
        layers_per_block=cfg.layers_per_block,
        cross_attention_dim=cross_attention_dim,
        attention_head_dim=cfg.attention_heads,  # UNet3D reads this as the number of heads
        norm_num_groups=cfg.norm_num_groups,
    )


def build_transformer(cfg: DiTConfig, latent_channels: int, text_dim: int, sample_size: int = 8, frames: int = 16, text_length: int = COGVIDEOX_TEXT_LENGTH):
    """A fresh ``CogVideoXTransformer3DModel`` for latents ``(B, frames, latent_channels, sample_size, sample_size)``."""
    from diffusers import CogVideoXTransformer3DModel

    return CogVideoXTransformer3DModel(
        num_attention_heads=cfg.attention_heads, attention_head_dim=cfg.head_dim, in_channels=latent_channels,
        out_channels=latent_channels, time_embed_dim=cfg.time_embed_dim, text_embed_dim=text_dim, num_layers=cfg.num_layers,
        sample_width=sample_size, sample_height=sample_size, sample_frames=frames, patch_size=cfg.patch_size,
        temporal_compression_ratio=1, max_text_seq_length=text_length,
        activation_fn="gelu",  # the exact GELU: 3.5x faster than the tanh approximation on a CPU, same weights
    )


def deepen_transformer(transformer, num_layers: int):
    """The same ``CogVideoXTransformer3DModel`` with ``num_layers`` blocks: the trained ones first, then new blocks
    whose residual gates are zero, so the deeper model computes exactly what the trained one did until training
    opens the gates (DiT's adaLN-Zero initialisation, used here to add capacity without starting over)."""
    from diffusers import CogVideoXTransformer3DModel

    have = transformer.config.num_layers
    if num_layers <= have:
        raise ValueError(f"num_layers must be more than the transformer's {have} to deepen it, got {num_layers}")
    config = {k: v for k, v in transformer.config.items() if not k.startswith("_")}
    deeper = CogVideoXTransformer3DModel.from_config({**config, "num_layers": num_layers})
    missing, unexpected = deeper.load_state_dict(transformer.state_dict(), strict=False)
    if unexpected or any(not k.startswith("transformer_blocks.") for k in missing):
        raise ValueError(f"weights do not fit the deeper model: missing {missing}, unexpected {unexpected}")
    dim = config["num_attention_heads"] * config["attention_head_dim"]
    for block in deeper.transformer_blocks[have:]:
        for norm in (block.norm1, block.norm2):  # linear -> (shift, scale, gate, enc_shift, enc_scale, enc_gate), dim each
            for gate in (slice(2 * dim, 3 * dim), slice(5 * dim, 6 * dim)):
                norm.linear.weight.data[gate] = 0.0
                norm.linear.bias.data[gate] = 0.0
    return deeper.to(dtype=next(transformer.parameters()).dtype)


def fresh_transformer(folder, num_attention_heads: int):
    """An untrained ``CogVideoXTransformer3DModel`` with the config saved in ``folder/transformer`` (depth, patches,
    positions, text width) but ``num_attention_heads`` heads: the same model, wider or narrower, before training."""
    from pathlib import Path

    from diffusers import CogVideoXTransformer3DModel

    if num_attention_heads < 1:
        raise ValueError(f"num_attention_heads must be >= 1, got {num_attention_heads}")
    config = CogVideoXTransformer3DModel.load_config(Path(folder) / "transformer")
    return CogVideoXTransformer3DModel.from_config({**config, "num_attention_heads": num_attention_heads})


def num_params(module: nn.Module) -> int:
    """Number of parameters of a module."""
    return sum(p.numel() for p in module.parameters())


#: child-module names of diffusers' 3D UNet blocks -> what they do
UNET3D_PART_KINDS = {"resnets": "spatial conv", "temp_convs": "temporal conv", "attentions": "spatial+cross attn",
                     "temp_attentions": "temporal attn"}


def unet3d_parameter_split(unet) -> dict[str, dict[str, int]]:
    """Parameters of a ``UNet3DConditionModel`` per block (``down i``, ``mid``, ``up i``, ``in/out``) and per kind of
    layer (:data:`UNET3D_PART_KINDS`, plus ``other``): every parameter is counted exactly once."""
    kinds = [*UNET3D_PART_KINDS.values(), "other"]

    def split(block) -> dict[str, int]:
        parts = dict.fromkeys(kinds, 0)
        for name, child in block.named_children():
            parts[UNET3D_PART_KINDS.get(name, "other")] += num_params(child)
        return parts

    table = {f"down {i}": split(b) for i, b in enumerate(unet.down_blocks)}
    table["mid"] = split(unet.mid_block)
    table.update({f"up {i}": split(b) for i, b in enumerate(unet.up_blocks)})
    edges = dict.fromkeys(kinds, 0)
    edges["temporal attn"] = num_params(unet.transformer_in)  # attention over frames right after conv_in
    inner = {id(p) for block in [*unet.down_blocks, unet.mid_block, *unet.up_blocks, unet.transformer_in] for p in block.parameters()}
    edges["other"] = sum(p.numel() for p in unet.parameters() if id(p) not in inner)  # conv_in/out, time embedding, norm
    table["in/out"] = edges
    return table
