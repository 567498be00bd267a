"""The caption reaches the denoiser whole: tokens, embeddings, and the pipeline's own encode_prompt."""

import pytest
import torch

from helpers.text_encoder import COURSE_WORDS, MAX_LENGTH, TextEncoderConfig, build_text_encoder, build_tokenizer, encode_ids, tokenize


@pytest.fixture(scope="module")
def tiny_pipe():
    """A TextToVideoSDPipeline with the course tokenizer and text encoder (tiny random UNet and VAE)."""
    from diffusers import TextToVideoSDPipeline

    from helpers.autoencoder import VAEConfig, build_vae
    from helpers.latent_diffusion import make_scheduler
    from helpers.denoisers import UNetConfig, build_unet

    torch.manual_seed(0)
    tokenizer = build_tokenizer()
    text_encoder = build_text_encoder(TextEncoderConfig(hidden_size=16, num_layers=1, num_heads=2), tokenizer)
    vae = build_vae(VAEConfig(block_out_channels=(8, 8, 8), latent_channels=4, norm_num_groups=4))
    unet = build_unet(UNetConfig(block_out_channels=(8, 16), norm_num_groups=4, attention_heads=2), 4, 16)
    return TextToVideoSDPipeline(vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet, scheduler=make_scheduler())


def test_every_course_word_is_one_known_token():
    tokenizer = build_tokenizer()
    for word in COURSE_WORDS:
        ids = tokenizer(word, add_special_tokens=False).input_ids
        assert len(ids) == 1 and ids[0] != tokenizer.unk_token_id, word
    assert tokenizer("cat", add_special_tokens=False).input_ids == [tokenizer.unk_token_id]
    assert tokenizer("RED", add_special_tokens=False).input_ids == tokenizer("red", add_special_tokens=False).input_ids


def test_tokenize_keeps_the_direction_word_at_full_length():
    tokenizer = build_tokenizer()
    ids = tokenize(tokenizer, ["a red circle moving left", "a red circle moving right"])
    assert ids.shape == (2, MAX_LENGTH)
    tokens = tokenizer.convert_ids_to_tokens(ids[0].tolist())
    assert tokens == ["[BOS]", "a", "red", "circle", "moving", "left", "[EOS]", "[PAD]"]
    assert (ids[0] != ids[1]).nonzero().flatten().tolist() == [5]


def test_too_short_tokenizers_are_refused():
    with pytest.raises(ValueError, match="max_length must be >= 7"):
        build_tokenizer(max_length=6)
    with pytest.raises(ValueError, match="divide"):
        TextEncoderConfig(hidden_size=10, num_heads=4)


@pytest.mark.parametrize("kind,other", [("direction", "a red circle moving right"), ("color", "a blue circle moving left")])
def test_encode_prompt_embeddings_differ_when_one_word_differs(tiny_pipe, kind, other):
    """Through the pipeline's own encode_prompt (which pads and truncates to model_max_length)."""
    with torch.no_grad():
        a, _ = tiny_pipe.encode_prompt("a red circle moving left", "cpu", 1, False)
        b, _ = tiny_pipe.encode_prompt(other, "cpu", 1, False)
    assert a.shape == (1, MAX_LENGTH, 16)
    assert (a - b).abs().max() > 1e-3, kind


def test_a_truncating_tokenizer_makes_direction_flips_invisible(tiny_pipe):
    """The instrument catches the bug: with model_max_length 6 the direction word is cut."""
    tiny_pipe.tokenizer.model_max_length = 6
    try:
        with torch.no_grad():
            a, _ = tiny_pipe.encode_prompt("a red circle moving left", "cpu", 1, False)
            b, _ = tiny_pipe.encode_prompt("a red circle moving right", "cpu", 1, False)
        assert torch.equal(a, b)
    finally:
        tiny_pipe.tokenizer.model_max_length = MAX_LENGTH


def test_encode_ids_matches_the_pipeline(tiny_pipe):
    ids = tokenize(tiny_pipe.tokenizer, ["a green triangle moving up"])
    with torch.no_grad():
        ours = encode_ids(tiny_pipe.text_encoder, ids)
        theirs, _ = tiny_pipe.encode_prompt("a green triangle moving up", "cpu", 1, False)
    torch.testing.assert_close(ours, theirs)
