"""helpers.caption_states on the shipped tiny-t2v: the caption's text outputs, swapped and fitted."""

import pytest
import torch

from helpers.caption_states import (SWAP_MODES, additive_states, grade_states, padding_mask, padding_neighbours, swapped_states,
                                    text_states, word_positions)
from helpers.shapes import HELD_OUT, TRAIN_COMBOS

CAPTION = "a red circle moving left"
TRAINED = [c.caption for c in TRAIN_COMBOS]


def test_text_states_are_the_pipelines_own(tiny_t2v):
    states = text_states(tiny_t2v, [CAPTION, "a blue square moving up"])
    assert states.shape == (2, 226, tiny_t2v.text_encoder.config.d_model)
    torch.testing.assert_close(states[:1], tiny_t2v.encode_prompt(CAPTION, do_classifier_free_guidance=False)[0])


def test_word_positions_and_padding_follow_the_grammar(tiny_t2v):
    assert word_positions(tiny_t2v, CAPTION) == {"color": 2, "shape": 3, "direction": 5}  # [BOS] a red circle moving left [EOS]
    pads = padding_mask(tiny_t2v, CAPTION)
    assert not pads[:7].any() and pads[7:].all()


def test_a_reference_is_its_own_padding_neighbour(tiny_t2v):
    assert padding_neighbours(tiny_t2v, TRAINED[:3], TRAINED) == [(c, 0.0) for c in TRAINED[:3]]
    with pytest.raises(ValueError, match="references must hold at least one caption"):
        padding_neighbours(tiny_t2v, [CAPTION], [])


def test_the_shipped_model_gives_a_held_out_caption_the_padding_of_a_trained_one(tiny_t2v):
    """The finding notebook 04 shows: 'a blue circle moving up' (held out) pads like 'a blue square moving up' (trained)."""
    held = [c.caption for c in HELD_OUT]
    neighbour, distance = padding_neighbours(tiny_t2v, held, TRAINED)[held.index("a blue circle moving up")]
    assert neighbour == "a blue square moving up" and distance < 0.1  # measured 0.003; each padding output set has a norm of about 118


def test_swaps_replace_only_the_positions_they_name(tiny_t2v):
    own = text_states(tiny_t2v, [CAPTION])[0]  # (L, D)
    words = list(word_positions(tiny_t2v, CAPTION).values())
    changed = {mode: (swapped_states(tiny_t2v, [CAPTION], TRAINED, mode)[0] - own).abs().amax(dim=1) > 1e-6 for mode in SWAP_MODES}  # (L,)
    assert changed["shape word"].nonzero().flatten().tolist() == [3]
    assert set(changed["three words"].nonzero().flatten().tolist()) <= set(words)
    assert not changed["other positions"][words].any() and changed["other positions"].sum() > 200
    # with itself as the only reference holding its words, a caption's words are already their own mean
    torch.testing.assert_close(swapped_states(tiny_t2v, [CAPTION], [CAPTION], "three words")[0], own)
    with pytest.raises(ValueError, match="mode must be one of"):
        swapped_states(tiny_t2v, [CAPTION], TRAINED, "everything")
    with pytest.raises(ValueError, match="no reference caption holds 'yellow'"):
        swapped_states(tiny_t2v, ["a yellow circle moving left"], [CAPTION], "three words")


def test_the_additive_fit_keeps_the_references_mean_and_leaves_a_small_share(tiny_t2v):
    fitted, left = additive_states(tiny_t2v, list(TRAIN_COMBOS), TRAIN_COMBOS)
    ref = text_states(tiny_t2v, TRAINED)
    torch.testing.assert_close(fitted.mean(dim=0), ref.mean(dim=0), rtol=1e-3, atol=1e-3)  # a fit with a constant: residuals sum to zero
    assert 0 < left < 0.2  # measured 5.1 % on the shipped model
    again, _ = additive_states(tiny_t2v, list(TRAIN_COMBOS), TRAIN_COMBOS)
    torch.testing.assert_close(again, fitted)  # the minimum-norm fit is the same every time (a rank-deficient lstsq driver was not)


def test_grade_states_samples_from_the_outputs_it_is_given(tiny_t2v):
    rates = grade_states(tiny_t2v, text_states(tiny_t2v, [CAPTION]), [CAPTION], clips_per_caption=2, num_inference_steps=2)
    assert set(rates) >= {"color", "shape", "direction", "single_object"} and all(0 <= v <= 1 for v in rates.values())
    with pytest.raises(ValueError, match="one row per caption"):
        grade_states(tiny_t2v, text_states(tiny_t2v, [CAPTION]), [CAPTION, CAPTION])
    with pytest.raises(ValueError, match="clips_per_caption must be >= 1"):
        grade_states(tiny_t2v, text_states(tiny_t2v, [CAPTION]), [CAPTION], clips_per_caption=0)
