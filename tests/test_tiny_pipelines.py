"""helpers.tiny_pipelines: a word-level tokenizer with an unknown token, and the family registry."""

import pytest

from helpers.tiny_pipelines import WORLD_WORDS, build_tiny, word_tokenizer


def test_word_tokenizer_maps_unknown_words_to_unk():
    tokenizer = word_tokenizer()
    ids = tokenizer("a Purple circle")["input_ids"]
    assert ids[0] == tokenizer.bos_token_id and ids[-1] == tokenizer.eos_token_id
    assert ids[2] == tokenizer.unk_token_id and ids[1] != tokenizer.unk_token_id and ids[3] != tokenizer.unk_token_id
    assert len(tokenizer) == 4 + len(WORLD_WORDS)


def test_word_tokenizer_pads_to_its_length():
    tokenizer = word_tokenizer(max_length=8)
    ids = tokenizer("a red circle", padding="max_length", max_length=tokenizer.model_max_length)["input_ids"]
    assert len(ids) == 8 and ids[-1] == tokenizer.pad_token_id


def test_bad_arguments():
    with pytest.raises(ValueError, match="max_length must be >= 3"):
        word_tokenizer(max_length=2)
    with pytest.raises(ValueError, match="unknown family 'sora'"):
        build_tiny("sora", "/nonexistent")
