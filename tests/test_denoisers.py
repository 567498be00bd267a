"""Tests for helpers.denoisers: builders of the two denoisers and deepening a trained transformer."""

import pytest
import torch

from helpers.denoisers import DiTConfig, UNetConfig, build_transformer, build_unet, deepen_transformer, num_params, unet3d_parameter_split


def _tiny_transformer() -> torch.nn.Module:
    torch.manual_seed(0)
    return build_transformer(DiTConfig(num_layers=1, attention_heads=2, head_dim=8, time_embed_dim=16), latent_channels=4, text_dim=16, sample_size=4, frames=2, text_length=3)


def _call(model: torch.nn.Module) -> torch.Tensor:
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(2, 2, 4, 4, 4, generator=gen)  # (B, F, c, h, w)
    text = torch.randn(2, 3, 16, generator=gen)  # (B, L, D)
    with torch.no_grad():
        return model(x, text, torch.tensor([10, 900]), return_dict=False)[0]  # (B, F, c, h, w)


def test_build_transformer_gives_the_latent_shape_back():
    assert _call(_tiny_transformer()).shape == (2, 2, 4, 4, 4)


def test_build_transformer_uses_the_exact_gelu():
    model = _tiny_transformer()
    ff = model.transformer_blocks[0].ff.net[0]  # diffusers' GELU: a projection, then the activation
    assert model.config.activation_fn == "gelu" and ff.approximate == "none"


def test_unet3d_parameter_split_counts_every_parameter_once():
    unet = build_unet(UNetConfig(block_out_channels=(8, 16), attention_heads=2, norm_num_groups=4), latent_channels=4, cross_attention_dim=16, sample_size=8)
    table = unet3d_parameter_split(unet)
    assert list(table) == ["down 0", "down 1", "mid", "up 0", "up 1", "in/out"]
    assert sum(sum(parts.values()) for parts in table.values()) == num_params(unet)
    assert table["down 0"]["temporal conv"] > 0 and table["down 0"]["temporal attn"] > 0  # a cross-attention block
    assert table["down 1"]["temporal attn"] == 0 and table["down 1"]["spatial conv"] > 0  # a plain block
    assert table["in/out"]["temporal attn"] == num_params(unet.transformer_in)


def test_build_unet_gives_the_latent_shape_back():
    unet = build_unet(UNetConfig(block_out_channels=(8, 16), attention_heads=2, norm_num_groups=4), latent_channels=4, cross_attention_dim=16, sample_size=8)
    out = unet(torch.randn(1, 4, 2, 8, 8), torch.tensor([5]), encoder_hidden_states=torch.randn(1, 3, 16)).sample  # (B, c, F, h, w)
    assert out.shape == (1, 4, 2, 8, 8)


def test_deepen_transformer_computes_the_same_until_trained():
    base = _tiny_transformer()
    deeper = deepen_transformer(base, 3)
    assert deeper.config.num_layers == 3 and len(deeper.transformer_blocks) == 3
    torch.testing.assert_close(_call(deeper), _call(base))
    assert sum(p.numel() for p in deeper.parameters()) > sum(p.numel() for p in base.parameters())


def test_deepen_transformer_new_blocks_learn():
    deeper = deepen_transformer(_tiny_transformer(), 2)
    x = torch.randn(2, 2, 4, 4, 4)
    deeper(x, torch.randn(2, 3, 16), torch.tensor([10, 900]), return_dict=False)[0].square().mean().backward()
    gate_grad = deeper.transformer_blocks[1].norm1.linear.weight.grad
    assert gate_grad is not None and gate_grad.abs().sum() > 0


def test_deepen_transformer_refuses_fewer_layers():
    with pytest.raises(ValueError, match="more than the transformer's 1"):
        deepen_transformer(_tiny_transformer(), 1)


def test_fresh_transformer_keeps_the_saved_config_but_the_heads():
    import pytest
    from diffusers import CogVideoXTransformer3DModel

    from helpers.denoisers import fresh_transformer
    from helpers.runtime import DATA_DIR

    saved = CogVideoXTransformer3DModel.load_config(DATA_DIR / "tiny-t2v" / "transformer")
    wider = fresh_transformer(DATA_DIR / "tiny-t2v", 6)
    assert wider.config.num_attention_heads == 6 and wider.config.attention_head_dim == saved["attention_head_dim"]
    assert all(wider.config[k] == v for k, v in saved.items() if not k.startswith("_") and k != "num_attention_heads")
    assert wider.patch_embed.proj.out_channels == 6 * saved["attention_head_dim"]
    with pytest.raises(ValueError, match="num_attention_heads"):
        fresh_transformer(DATA_DIR / "tiny-t2v", 0)
