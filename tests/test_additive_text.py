import pytest
import torch

from helpers.additive_text import additive_projection, additive_text_loss, non_additive_share, word_indicators
from helpers.shapes import HELD_OUT, TRAIN_COMBOS
from helpers.text_encoder import TextEncoderConfig, build_text_encoder, build_tokenizer, tokenize


def additive_states(combos, seed=0, length=5, dim=3):
    gen = torch.Generator().manual_seed(seed)
    parts = torch.randn(12, length * dim, generator=gen)  # a constant and one part per word
    return (word_indicators(combos) @ parts).view(len(combos), length, dim)  # (N, L, D)


def test_word_indicators_mark_one_word_of_each_kind():
    words = word_indicators(TRAIN_COMBOS[:2])
    assert words.shape == (2, 12)
    assert words[:, 0].tolist() == [1.0, 1.0]
    assert words[:, 1:5].sum(dim=1).tolist() == [1.0, 1.0] and words[:, 5:8].sum(dim=1).tolist() == [1.0, 1.0]
    assert words[:, 8:].sum(dim=1).tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="at least one combo"):
        word_indicators([])


def test_the_share_is_zero_for_additive_outputs_and_grows_with_what_is_not():
    projection = additive_projection(word_indicators(TRAIN_COMBOS))
    states = additive_states(TRAIN_COMBOS)
    assert float(non_additive_share(states, projection)) < 1e-8
    noise = torch.randn(states.shape, generator=torch.Generator().manual_seed(1))
    shares = [float(non_additive_share(states + s * noise, projection)) for s in (0.1, 1.0, 10.0)]
    assert 0 < shares[0] < shares[1] < shares[2] <= 1
    assert float(non_additive_share(3 * (states + noise), projection)) == pytest.approx(shares[1], rel=1e-4)  # scale-free


def test_the_share_rejects_mismatched_shapes():
    projection = additive_projection(word_indicators(TRAIN_COMBOS))
    with pytest.raises(ValueError, match="projection"):
        non_additive_share(torch.zeros(4, 5, 3), projection)


def test_an_additive_fit_on_trained_captions_predicts_held_out_ones():
    # the point of the penalty: an encoder additive on the 40 trained captions is additive on the 8 held-out ones too
    train, held = additive_states(TRAIN_COMBOS), additive_states(HELD_OUT)
    words = word_indicators(TRAIN_COMBOS)
    weights = torch.linalg.pinv(words) @ train.flatten(1)  # (12, L * D)
    assert torch.allclose(word_indicators(HELD_OUT) @ weights, held.flatten(1), atol=1e-4)


def tiny_text_encoder():
    tokenizer = build_tokenizer(max_length=8)
    return build_text_encoder(TextEncoderConfig(hidden_size=16, num_layers=1, num_heads=2, max_length=8, kind="t5"), tokenizer), tokenizer


def test_the_loss_adds_the_weighted_share_and_trains_the_text_encoder():
    encoder, tokenizer = tiny_text_encoder()
    model = torch.nn.Module()
    model.text_encoder = encoder
    ids = tokenize(tokenizer, [c.caption for c in TRAIN_COMBOS])
    inner = lambda m, batch: (torch.tensor(0.5), {"latent": 0.5})  # noqa: E731
    loss, logs = additive_text_loss(inner, 2.0, ids, TRAIN_COMBOS)(model, {})
    assert 0 < logs["non_additive"] <= 1 and logs["latent"] == 0.5
    assert float(loss.detach()) == pytest.approx(0.5 + 2.0 * logs["non_additive"], rel=1e-5)
    loss.backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in encoder.parameters())


def test_the_loss_fails_loudly_on_bad_arguments():
    ids = torch.zeros(40, 8, dtype=torch.long)
    inner = lambda m, batch: (torch.tensor(0.0), {})  # noqa: E731
    with pytest.raises(ValueError, match="weight"):
        additive_text_loss(inner, 0.0, ids, TRAIN_COMBOS)
    with pytest.raises(ValueError, match="39 combos"):
        additive_text_loss(inner, 1.0, ids, TRAIN_COMBOS[:39])
    with pytest.raises(ValueError, match="no freedom"):
        additive_text_loss(inner, 1.0, ids[:3], TRAIN_COMBOS[:3])


def test_the_penalty_alone_makes_a_text_encoder_additive():
    encoder, tokenizer = tiny_text_encoder()
    model = torch.nn.Module()
    model.text_encoder = encoder
    loss_fn = additive_text_loss(lambda m, batch: (torch.tensor(0.0), {}), 1.0, tokenize(tokenizer, [c.caption for c in TRAIN_COMBOS]), TRAIN_COMBOS)
    optimizer = torch.optim.Adam(encoder.parameters(), lr=1e-2)
    shares = []
    for _ in range(30):
        loss, logs = loss_fn(model, {})
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        shares.append(logs["non_additive"])
    assert shares[-1] < shares[0] / 4
