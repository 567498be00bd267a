"""An additivity penalty on the text encoder: make the caption's outputs a sum of one part per word.

Notebook 04 (section 9, :mod:`helpers.caption_states`) found that the shipped T5 encoder's outputs for the 40 trained
captions are nearly additive, ``E(colour, shape, direction) ~ k + A_colour + B_shape + C_direction`` (5 % of their
variance left over), yet the transformer draws the trained shapes from that leftover: sampled from the additive fit
alone, the trained shapes fall from 94 % to 81 %. A held-out caption's leftover is one the transformer never saw.

:func:`additive_text_loss` adds to any training loss the share of the trained captions' output variance that the
additive model leaves, position by position (:func:`non_additive_share`), so the text encoder is pushed toward outputs
that are additive by construction and the transformer must draw the shape from the shape word's own part: a text
encoder that still loads as a plain ``T5EncoderModel``, no custom code. Recipe ``additive-text-cpu``.

The least-squares fit is a projection: with ``W (N, 12)`` the indicators of each caption's words (a constant, one per
colour, shape and direction), ``P = W W^+`` projects the ``N`` captions' outputs onto the additive ones, and

.. math::  \\text{share} = \\frac{\\lVert (I - P) E \\rVert^2}{\\lVert (I - \\tfrac{1}{N} \\mathbf{1}\\mathbf{1}^\\top) E \\rVert^2}

is 0 for an additive encoder and at most 1 (the denominator is the variance around the mean caption).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from .shapes import COLORS, DIRECTIONS, SHAPES, Combo
from .text_encoder import encode_ids


def word_indicators(combos: Sequence[Combo]) -> torch.Tensor:
    """``(N, 1 + 4 + 3 + 4)``: a constant and one indicator per colour, shape and direction word of each combo."""
    if not combos:
        raise ValueError("word_indicators needs at least one combo")
    rows = [[1.0] + [float(c.color == v) for v in COLORS] + [float(c.shape == v) for v in SHAPES] + [float(c.direction == v) for v in DIRECTIONS]
            for c in combos]
    return torch.tensor(rows)


def additive_projection(words: torch.Tensor) -> torch.Tensor:
    """``P = W W^+ (N, N)``: maps the ``N`` captions' outputs (flattened) to their least-squares additive fit."""
    return words @ torch.linalg.pinv(words)  # (N, N); the indicators are collinear (rank 9 of 12), pinv takes the minimum-norm fit


def non_additive_share(states: torch.Tensor, projection: torch.Tensor) -> torch.Tensor:
    """Share of the variance of ``states (N, L, D)`` around their mean that the additive fit leaves: a scalar in [0, 1]."""
    if states.ndim != 3 or projection.shape != (len(states), len(states)):
        raise ValueError(f"need states (N, L, D) and projection (N, N), got {tuple(states.shape)} and {tuple(projection.shape)}")
    flat = states.flatten(1).float()  # (N, L * D)
    left = flat - projection.to(flat) @ flat  # (N, L * D)
    spread = flat - flat.mean(dim=0, keepdim=True)  # (N, L * D)
    return left.pow(2).sum() / spread.pow(2).sum().clamp_min(1e-12)


def additive_text_loss(inner, weight: float, caption_ids: torch.Tensor, combos: Sequence[Combo]):
    """A loss for :func:`helpers.trainer.train`: ``inner(model, batch)`` plus ``weight`` x :func:`non_additive_share` of the
    text encoder's outputs for ``caption_ids (N, L)``, the token ids of ``combos``' captions (the trained ones)."""
    if not weight > 0:
        raise ValueError(f"additive_text weight must be > 0, got {weight}")
    if len(caption_ids) != len(combos):
        raise ValueError(f"got {len(caption_ids)} captions' ids for {len(combos)} combos")
    projection = additive_projection(word_indicators(combos))  # (N, N)
    if torch.allclose(projection, torch.eye(len(combos)), atol=1e-4):
        raise ValueError("these combos leave the additive model no freedom to miss (every caption fitted exactly): give more of them")

    def loss_fn(model, batch) -> tuple[torch.Tensor, dict[str, float]]:
        loss, logs = inner(model, batch)
        share = non_additive_share(encode_ids(model.text_encoder, caption_ids.to(loss.device)), projection)  # ()
        return loss + weight * share, {**logs, "non_additive": float(share.detach())}

    return loss_fn
