"""helpers.sampled_states: the states the pipeline's own sampler passes through, kept for a training loss."""

import pytest
import torch
from einops import rearrange

from helpers.latent_diffusion import TextToVideoDenoiser
from helpers.sampled_states import StatePool, sample_states
from helpers.text_encoder import tokenize

CAPTIONS = ["a red circle moving left", "a blue square moving up"]


def test_the_states_are_the_pipelines_own_latents_step_by_step(tiny_t2v):
    seen = []

    def keep(pipe, i, t, tensors):
        seen.append((int(t), rearrange(tensors["latents"], "b f c h w -> b c f h w").clone()))  # the state after step i
        return tensors

    first = tiny_t2v.prepare_latents(2, 8, 16, 32, 32, torch.float32, "cpu", torch.Generator().manual_seed(3))  # (2, F, c, h, w)
    tiny_t2v(CAPTIONS, num_inference_steps=5, generator=torch.Generator().manual_seed(3), output_type="latent", callback_on_step_end=keep)
    model = TextToVideoDenoiser.from_pipeline(tiny_t2v)
    ids = tokenize(model.tokenizer, CAPTIONS)  # (2, L)
    shape = tuple(rearrange(first, "b f c h w -> b c f h w").shape[1:])  # (c, F, h, w)
    states, t, state_ids = sample_states(model, ids, shape, (0, 1000), torch.Generator().manual_seed(3), steps=5)
    assert states.shape == (10, *shape) and t.tolist() == [999] * 2 + [799] * 2 + [599] * 2 + [399] * 2 + [199] * 2
    torch.testing.assert_close(states[:2], rearrange(first, "b f c h w -> b c f h w"))  # pure noise, as the pipeline drew it
    for k, (step_t, latents) in enumerate(seen[:-1]):  # the state before step k + 1 is the pipeline's latents after step k
        torch.testing.assert_close(states[2 * (k + 1) : 2 * (k + 2)], latents, atol=1e-4, rtol=1e-4)
    assert torch.equal(state_ids, ids.repeat(5, 1))


def test_a_band_keeps_only_its_steps_and_bad_bands_fail(tiny_t2v):
    model = TextToVideoDenoiser.from_pipeline(tiny_t2v)
    ids = tokenize(model.tokenizer, CAPTIONS)
    states, t, _ = sample_states(model, ids, (8, 16, 8, 8), (500, 900), torch.Generator().manual_seed(0), steps=5)
    assert t.tolist() == [799, 799, 599, 599] and states.shape[0] == 4
    with pytest.raises(ValueError, match="band must satisfy"):
        sample_states(model, ids, (8, 16, 8, 8), (900, 500), torch.Generator())
    with pytest.raises(ValueError, match="no sampling step"):
        sample_states(model, ids, (8, 16, 8, 8), (810, 990), torch.Generator(), steps=5)


def test_the_pool_is_redrawn_only_when_it_is_old(tiny_t2v):
    model = TextToVideoDenoiser.from_pipeline(tiny_t2v)
    pool = StatePool(tokenize(model.tokenizer, CAPTIONS), (8, 16, 8, 8), clips=2, refresh_every=3, band=(0, 1000), steps=2)
    z, t, ids = pool.draw(model, 0, 5)
    assert z.shape == (5, 8, 16, 8, 8) and t.shape == (5,) and ids.shape[0] == 5
    made = pool.states
    pool.draw(model, 2, 5)
    assert pool.states is made
    pool.draw(model, 3, 5)
    assert pool.states is not made and pool.made_at == 3
    pool.draw(model, 1, 5)  # a resumed run that went back in steps draws afresh
    assert pool.made_at == 1
    with pytest.raises(ValueError, match="clips and refresh_every"):
        StatePool(tokenize(model.tokenizer, CAPTIONS), (8, 16, 8, 8), clips=0)


def test_the_sampling_path_is_graded_where_the_sampler_steps(tiny_t2v):
    from helpers.sampled_states import sampling_path_grades
    from helpers.shapes import TRAIN_COMBOS

    from helpers.judge import grade_clips
    from helpers.video import clips_from_pipeline

    captions = [c.caption for c in TRAIN_COMBOS[:6]]
    guided = sampling_path_grades(tiny_t2v, [999, 199], clips_per_combo=1, combos=TRAIN_COMBOS[:6], steps=5, read_guidance=6.0)
    assert set(guided) == {999, 199} and set(guided[199]) >= {"color", "shape", "direction"}
    # the sampler's last estimate is the sample itself (DDIM to alpha = 1): the same grades as the pipeline's own clips
    frames = tiny_t2v(captions, num_inference_steps=5, generator=torch.Generator().manual_seed(0), output_type="np").frames
    assert guided[199] == grade_clips(clips_from_pipeline(frames), captions)
    own = sampling_path_grades(tiny_t2v, [799], clips_per_combo=1, combos=TRAIN_COMBOS[:6], steps=5)
    assert own[799]["color"] == 1.0  # the caption's own estimate names the colour long before the end
    with pytest.raises(ValueError, match="steps of the 5-step sampler"):
        sampling_path_grades(tiny_t2v, [700], steps=5)


def test_plot_sampling_path_draws_one_line_per_curve_with_pure_noise_on_the_left():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from helpers.sampled_states import plot_sampling_path

    ts = [979, 499, 19]
    grades = {t: {"color": 1.0, "shape": s, "direction": 1.0} for t, s in zip(ts, (0.3, 0.6, 0.9))}
    fig, ax = plt.subplots()
    plot_sampling_path(ax, ts, [("shape", grades, "shape", "-"), ("colour", grades, "color", "--")], "a path")
    shape_line = ax.get_lines()[0]
    assert [line.get_label() for line in ax.get_lines()] == ["shape", "colour", "chance for shape (1 in 3)"]
    assert list(shape_line.get_ydata()) == [0.3, 0.6, 0.9] and shape_line.get_marker() == "s"
    assert ax.xaxis_inverted() and ax.get_title() == "a path" and ax.get_ylabel() == "share right (judge)"
    plt.close(fig)
