"""helpers.sdedit_probe on the shipped tiny-t2v: the clip wins at low noise, the colour word from pure noise."""

import pytest

from helpers.sdedit_probe import part_noised, shape_recovery, word_or_clip
from helpers.shapes import TRAIN_COMBOS

COMBOS = TRAIN_COMBOS[:4]



def test_a_barely_noised_clip_comes_back_right(tiny_t2v):
    kept = shape_recovery(tiny_t2v, [0.1], clips_per_combo=1, combos=COMBOS)[0.1]
    assert kept["color"] == kept["direction"] == 1.0 and kept["shape"] >= 0.75  # at t ~ 100 the clip is barely noised


def test_the_clip_wins_at_low_noise_and_the_colour_word_at_pure_noise(tiny_t2v):
    colour = word_or_clip(tiny_t2v, [0.1, 1.0], combos=COMBOS, kinds=("color",))["color"]
    assert colour[0.1] == {"word": 0.0, "clip": 1.0}
    assert colour[1.0]["word"] >= 0.75 and colour[1.0]["clip"] <= 0.25  # plain generation follows the word


def test_bad_arguments_fail_before_any_work(tiny_t2v):
    captions = [c.caption for c in COMBOS]
    with pytest.raises(ValueError, match=r"strengths must be in \(0, 1\], got 1.5"):
        part_noised(tiny_t2v, captions, captions, [1.5], seed=0)
    with pytest.raises(ValueError, match="got 4 captions but 3 prompts"):
        part_noised(tiny_t2v, captions, captions[:3], [0.5], seed=0)


def test_the_ideal_estimate_is_the_nearest_candidate_at_low_noise_and_their_mean_at_pure_noise():
    import torch

    from helpers.sdedit_probe import ideal_clean_estimate

    candidates = torch.randn(5, 2, 3, 4, 4)
    zt = 0.999**0.5 * candidates[2] + 0.001**0.5 * torch.randn(2, 3, 4, 4)
    torch.testing.assert_close(ideal_clean_estimate(zt, candidates, torch.tensor(0.999)), candidates[2], atol=1e-3, rtol=0)
    torch.testing.assert_close(ideal_clean_estimate(zt, candidates, torch.tensor(0.0)), candidates.mean(0))


def test_effective_candidates_counts_how_many_the_weights_average():
    import torch

    from helpers.sdedit_probe import effective_candidates

    assert effective_candidates(torch.tensor([1.0, 0.0, 0.0, 0.0])) == 1.0
    assert abs(effective_candidates(torch.full((4,), 0.25)) - 4.0) < 1e-6


def test_one_step_estimates_keep_the_clip_at_low_noise_and_the_ideal_keeps_it_everywhere(tiny_t2v):
    from helpers.sdedit_probe import one_step_clips, one_step_grades

    model = one_step_grades(tiny_t2v, [50], clips_per_combo=1, combos=COMBOS)[50]
    assert model["color"] == model["direction"] == 1.0 and model["shape"] >= 0.75
    ideal = one_step_grades(tiny_t2v, [50, 900], clips_per_combo=1, combos=COMBOS, ideal_candidates=8)
    assert all(g["shape"] == g["color"] == 1.0 for g in ideal.values())
    with pytest.raises(ValueError, match=r"timesteps must be in \[0, 999\], got 1000"):
        one_step_clips(tiny_t2v, [COMBOS[0].caption], [1000])


def test_one_step_estimates_are_latents_that_drift_from_the_clip_as_the_noise_grows(tiny_t2v):
    from helpers.sdedit_probe import one_step_estimates, true_latents

    captions = [c.caption for c in COMBOS]
    latents = true_latents(tiny_t2v, captions, seed=3)  # (4, c, F, h, w)
    errors = {t: float((one_step_estimates(tiny_t2v, latents, captions, t, seed=3) - latents).pow(2).mean()) for t in (50, 500, 900)}
    assert one_step_estimates(tiny_t2v, latents, captions, 50, seed=3).shape == latents.shape
    assert errors[50] < errors[500] < errors[900] and errors[50] < 0.1 * float(latents.pow(2).mean())


def test_strength_runs_that_share_of_the_samplers_steps(tiny_t2v):
    calls = []
    hook = tiny_t2v.transformer.register_forward_hook(lambda *_: calls.append(1))
    try:
        part_noised(tiny_t2v, [COMBOS[0].caption], [COMBOS[0].caption], [0.5], seed=0, steps=10)
    finally:
        hook.remove()
    assert len(calls) == 5  # the last half of a 10-step sampler, one (guidance-batched) call per step
    with pytest.raises(ValueError, match="steps must be >= 1, got 0"):
        part_noised(tiny_t2v, [COMBOS[0].caption], [COMBOS[0].caption], [0.5], seed=0, steps=0)
