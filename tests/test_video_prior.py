"""helpers.video_prior: shapes, causality, KV cache = full recompute, sampling, top-k, loss falls, save/reload (micro configs)."""

import math

import pytest
import torch

from helpers.shapes import ALL_COMBOS
from helpers.trainer import TrainConfig, train
from helpers.video_prior import (
    CAPTION_LENGTH,
    VideoPrior,
    VideoPriorConfig,
    caption_ids,
    load_prior,
    prior_loss,
    sample,
    save_prior,
    top_k_filter,
)

MICRO = dict(codebook_size=8, grid=(2, 2, 3), n_layer=2, n_head=2, n_embd=16)
CAPTIONS = ["a red circle moving left", "a blue square moving up", "a green triangle moving down"]


def micro(seed: int = 0, dtype=torch.float32) -> VideoPrior:
    torch.manual_seed(seed)
    return VideoPrior(VideoPriorConfig(**MICRO)).to(dtype).eval()


def test_caption_ids():
    ids = caption_ids(CAPTIONS)
    assert ids.shape == (3, CAPTION_LENGTH) and ids.dtype == torch.long
    assert len({tuple(r) for r in caption_ids([c.caption for c in ALL_COMBOS]).tolist()}) == 48
    with pytest.raises(ValueError):
        caption_ids(["a purple circle moving left"])


def test_config_validation_and_lengths():
    cfg = VideoPriorConfig()
    assert cfg.video_length == 256 and cfg.block_size == CAPTION_LENGTH + 255
    with pytest.raises(ValueError):
        VideoPriorConfig(n_embd=10, n_head=4)
    with pytest.raises(ValueError):
        VideoPriorConfig(grid=(4, 8))


def test_logits_shape_and_initial_loss_near_uniform():
    model = micro()
    video = torch.randint(0, 8, (3, 2, 2, 3))
    logits, cache = model(caption_ids(CAPTIONS), video.flatten(1)[:, :-1])
    assert logits.shape == (3, CAPTION_LENGTH + 11, 8) and len(cache) == 2
    assert model.loss(caption_ids(CAPTIONS), video).item() == pytest.approx(math.log(8), abs=0.2)
    with pytest.raises(ValueError, match="video tokens"):
        model.loss(caption_ids(CAPTIONS), video.flatten(1)[:, :5])


def test_causal_later_tokens_do_not_change_earlier_logits():
    model = micro()
    words = caption_ids(CAPTIONS[:1])
    a = torch.randint(0, 8, (1, 11))
    b = a.clone()
    b[0, 6:] = (b[0, 6:] + 1) % 8
    la, _ = model(words, a)
    lb, _ = model(words, b)
    torch.testing.assert_close(la[:, : CAPTION_LENGTH + 6], lb[:, : CAPTION_LENGTH + 6])
    assert not torch.allclose(la[:, CAPTION_LENGTH + 6 :], lb[:, CAPTION_LENGTH + 6 :])


def test_the_caption_changes_the_prediction():
    model = micro()
    video = torch.randint(0, 8, (1, 11)).repeat(2, 1)
    logits, _ = model(caption_ids(CAPTIONS[:2]), video)
    assert not torch.allclose(logits[0], logits[1])


def test_kv_cache_gives_the_full_forward_logits():
    model = micro(dtype=torch.float64)
    words, video = caption_ids(CAPTIONS), torch.randint(0, 8, (3, 11))
    full, _ = model(words, video)  # (3, 16, 8)
    logits, cache = model(words, None)
    steps = [logits]
    for i in range(11):
        logits, cache = model(None, video[:, i : i + 1], past=cache, start=i)
        steps.append(logits)
    torch.testing.assert_close(torch.cat(steps, 1), full)
    chunked, cache = model(words, video[:, :4])  # several new positions at once with a cache
    rest, _ = model(None, video[:, 4:], past=cache, start=4)
    torch.testing.assert_close(torch.cat([chunked, rest], 1), full)


@pytest.mark.parametrize("temperature, top_k", [(1.0, None), (0.7, 3), (0.0, None)])
def test_cached_sampling_equals_uncached_sampling(temperature, top_k):
    model = micro(dtype=torch.float64)
    kwargs = dict(temperature=temperature, top_k=top_k, progress=False)
    cached = sample(model, CAPTIONS, generator=torch.Generator().manual_seed(3), use_cache=True, **kwargs)
    uncached = sample(model, CAPTIONS, generator=torch.Generator().manual_seed(3), use_cache=False, **kwargs)
    assert cached.shape == (3, 2, 2, 3) and int(cached.max()) < 8
    assert torch.equal(cached, uncached)


def test_sampling_is_seeded_and_temperature_validated():
    model = micro()
    a = sample(model, CAPTIONS, generator=torch.Generator().manual_seed(1), progress=False)
    b = sample(model, CAPTIONS, generator=torch.Generator().manual_seed(1), progress=False)
    c = sample(model, CAPTIONS, generator=torch.Generator().manual_seed(2), progress=False)
    assert torch.equal(a, b) and not torch.equal(a, c)
    with pytest.raises(ValueError, match="temperature"):
        sample(model, CAPTIONS, temperature=-1, progress=False)


def test_top_k_filter():
    logits = torch.tensor([[0.1, 3.0, 2.0, -1.0], [5.0, 4.0, 3.0, 2.0]])
    kept = top_k_filter(logits, 2)
    assert torch.isfinite(kept).sum(1).tolist() == [2, 2]
    assert torch.isfinite(kept[0]).tolist() == [False, True, True, False]
    assert torch.equal(top_k_filter(logits, None), logits) and torch.equal(top_k_filter(logits, 4), logits)
    with pytest.raises(ValueError):
        top_k_filter(logits, 0)
    model = micro()
    grids = sample(model, CAPTIONS * 4, top_k=1, generator=torch.Generator().manual_seed(0), progress=False)
    greedy = sample(model, CAPTIONS * 4, temperature=0, progress=False)
    assert torch.equal(grids, greedy), "top-1 sampling is greedy decoding"


def test_loss_falls_with_the_shared_trainer():
    torch.manual_seed(0)
    model = VideoPrior(VideoPriorConfig(**MICRO))
    words = caption_ids(CAPTIONS)
    # each caption has its own fixed token grid: learnable to near-zero loss
    tokens = torch.stack([torch.randint(0, 8, (2, 2, 3), generator=torch.Generator().manual_seed(i)) for i in range(3)])
    batch = {"captions": words, "tokens": tokens}
    cfg = TrainConfig(steps=80, lr=1e-2, warmup_steps=5, ema_decay=None, log_every=10, progress=False)
    result = train(model, prior_loss, lambda step: batch, cfg)
    assert result.history[-1]["loss"] < 0.3 * result.history[0]["loss"]
    assert torch.equal(sample(model, CAPTIONS, temperature=0, progress=False), tokens)


def test_save_and_reload(tmp_path):
    model = micro()
    path = save_prior(model, tmp_path / "prior.safetensors")
    again = load_prior(path)
    assert again.config == model.config
    words, video = caption_ids(CAPTIONS), torch.randint(0, 8, (3, 11))
    torch.testing.assert_close(again(words, video)[0], model(words, video)[0])


def test_stop_after_returns_the_first_tokens():
    model = micro()
    full = sample(model, CAPTIONS, generator=torch.Generator().manual_seed(4), progress=False)
    part = sample(model, CAPTIONS, generator=torch.Generator().manual_seed(4), progress=False, stop_after=5)
    assert part.shape == (3, 5) and torch.equal(part, full.flatten(1)[:, :5])
    with pytest.raises(ValueError, match="stop_after"):
        sample(model, CAPTIONS, stop_after=13, progress=False)
