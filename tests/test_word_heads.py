"""helpers.word_heads: the auxiliary loss that spreads every caption word into the text encoder's padding tokens."""

import pytest
import torch

from helpers.text_encoder import TextEncoderConfig, build_text_encoder, build_tokenizer, encode_ids, tokenize
from helpers.word_heads import WordHeads, text_token_spread, word_labels

CAPTIONS = ["a red circle moving left", "a red square moving left", "a red triangle moving left", "a blue circle moving down"]


def tiny_text(kind: str = "t5", length: int = 12):
    torch.manual_seed(0)
    tokenizer = build_tokenizer()
    tokenizer.model_max_length = length  # 7 caption tokens, the rest padding
    return build_text_encoder(TextEncoderConfig(hidden_size=16, num_layers=1, num_heads=2, max_length=length, kind=kind), tokenizer), tokenizer


def test_word_labels_name_each_kind_and_mark_a_missing_word():
    _, tokenizer = tiny_text()
    labels = word_labels(tokenizer, tokenize(tokenizer, ["a blue triangle moving down", "a red circle moving left", ""]))
    assert labels["color"].tolist() == [2, 0, -1] and labels["shape"].tolist() == [2, 0, -1] and labels["direction"].tolist() == [3, 0, -1]


def test_training_the_heads_spreads_the_shape_word_into_the_padding():
    encoder, tokenizer = tiny_text()
    heads = WordHeads(tokenizer, 16, weight=1.0)
    ids = tokenize(tokenizer, CAPTIONS + [""])  # (5, 12): the empty caption names no word and is skipped
    spread = lambda: text_token_spread(encoder, tokenizer, CAPTIONS[0], {"circle": "square"})["square"]  # noqa: E731
    before = spread()
    optimizer = torch.optim.Adam([*encoder.parameters(), *heads.parameters()], lr=1e-2)
    losses = []
    for _ in range(40):
        loss = heads(encode_ids(encoder, ids), ids)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[0] > 1.0 and losses[-1] < 0.25 * losses[0]
    after = spread()
    assert after["padding"] > 2 * before["padding"]
    assert after["caption"] > 0 and before["caption"] > before["padding"]  # untrained, the word stays mostly in its own token


def test_the_weight_scales_the_loss_and_must_be_positive():
    encoder, tokenizer = tiny_text()
    ids = tokenize(tokenizer, CAPTIONS)
    context = encode_ids(encoder, ids).detach()
    one, three = WordHeads(tokenizer, 16, 1.0), WordHeads(tokenizer, 16, 3.0)
    three.load_state_dict(one.state_dict())
    assert torch.allclose(3 * one(context, ids), three(context, ids))
    with pytest.raises(ValueError, match="weight must be > 0"):
        WordHeads(tokenizer, 16, 0.0)


def test_a_caption_with_no_padding_or_no_words_costs_nothing():
    encoder, tokenizer = tiny_text(length=7)  # exactly BOS + 5 words + EOS: no padding token to supervise
    ids = tokenize(tokenizer, CAPTIONS)
    assert WordHeads(tokenizer, 16, 1.0)(encode_ids(encoder, ids), ids).item() == 0.0


def test_text_token_spread_needs_a_word_of_the_caption():
    encoder, tokenizer = tiny_text()
    with pytest.raises(ValueError, match="'hexagon' is not a word"):
        text_token_spread(encoder, tokenizer, CAPTIONS[0], {"hexagon": "circle"})


def test_word_token_ids_follow_the_kinds_order_and_name_a_missing_word():
    from helpers.word_heads import WORD_KINDS, word_token_ids

    _, tokenizer = tiny_text()
    ids = word_token_ids(tokenizer, "color")  # (4,)
    assert tokenizer.convert_ids_to_tokens(ids.tolist()) == list(WORD_KINDS["color"])

    class Lacking:  # a tokenizer without the colour words
        def get_vocab(self):
            return {w: i for i, w in enumerate(WORD_KINDS["shape"])}

    with pytest.raises(KeyError, match="red"):
        word_token_ids(Lacking(), "color")
