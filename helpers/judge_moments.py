"""The judge's shape read made differentiable: a critic the model cannot please without pleasing the judge.

Why (measured, ``data/tiny-t2v/README.md``): a learned shape critic, trained on true clips and frozen, is gamed. The
longer the denoiser trains against it on its own sampling states, the more its final samples please the critic and not
:mod:`helpers.judge` (critic-last-cpu: the critic names 91 % of its samples' shapes right, the judge 66 %).

:mod:`helpers.judge` reads a shape from two moments of a soft mask of the frame (see its docstring): the skewness
``s = |(E[dx^3] / E[dx^2]^1.5, E[dy^3] / E[dy^2]^1.5)|`` (triangle ~0.57, circle and square ~0) and the corner ratio
``k = (E[u^4] + E[w^4]) / (E[dx^4] + E[dy^4])`` along the diagonals ``u, w = (dx +- dy) / sqrt 2`` vs the axes (square 4/3,
circle 1). Its rule: triangle if ``s >= 0.3``, else square if ``|log k| >= log 1.1``, else circle. Both moments are smooth
functions of the mask, and the mask ``alpha = clip((v - b) / (p - b), 0, 1)`` of the brightness ``v = max(R, G, B)`` is
differentiable in the pixels wherever ``0 < alpha < 1``. So the read can be written as logits whose argmax *is* the rule::

    triangle: (s - 0.3) / 0.3
    square:   min((0.3 - s) / 0.3,  (|log k| - log 1.1) / log 1.1)
    circle:   min((0.3 - s) / 0.3,  (log 1.1 - |log k|) / log 1.1)

each times :data:`TEMPERATURE`, averaged over the frames that hold an object. Their cross-entropy is a soft margin: it
pays until the outline is well on the caption's side of the judge's thresholds, then stops. The judge also counts objects
(a second component of 30 % of the largest's area fails a frame), and a push on the largest component's outline alone
measured to grow bright specks beside it; so a fourth logit, "not one object", that no caption names, is
``TEMPERATURE (stray / STRAY_SHARE - 1)`` with ``stray`` the mask's brightness above a quarter of the object's, outside
the object's region, as a share of the object's soft area (0 for one clean object: logit -4). With ``cfg.read_colour`` the
judge's colour read joins it: the HSV hue of each frame's mean core colour (``alpha > 0.5``) against the judge's hue bins
(red below 30 or from 300 degrees, yellow 30-90, green 90-180, blue 180-300), logit ``TEMPERATURE (half - d) / half`` with
``d`` the angle to a bin's centre and ``half`` its half width; the reader then returns the joint logits
``shape + colour`` over (shape, colour) pairs, whose cross-entropy is the sum of the two: a push on the outline that
moved the hue out of the caption's bin (measured: red and green objects drifting to yellow) is paid for. What stays out of the graph
(as in the judge, computed on the detached frame): the background ``b`` (median) and peak ``p`` (99.5th percentile) of
``v``, and the region of the largest half-maximum component grown by 2 px that the mask is restricted to.

:class:`JudgeShapeReader` is a :class:`helpers.shape_critic.ShapeCritic` with nothing to train
(``CriticConfig(space="judge")``): it reads ``cfg.frames`` random frames of each clean estimate decoded by the frozen frame
autoencoder, so :func:`helpers.shape_critic.critic_loss` uses it unchanged. It is the grader's own rule, so figures of a
model trained with it are checked against a reader it never trained on (:mod:`helpers.shape_templates`, which
:func:`helpers.t2v_quality.evaluate` reports beside the judge's shape).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from einops import rearrange
from torch import nn

from .judge import CORNERS_SQUARE, SKEW_TRIANGLE, half_maximum_components
from .shape_critic import CriticConfig, ShapeCritic
from .shapes import SHAPES

TEMPERATURE = 4.0  # logits per unit of normalised margin: a true square (|log k| = 0.29, margin 2) costs CE ~0.0003
STRAY_SHARE = 0.1  # stray brightness outside the object (share of its soft area) at which "not one object" ties at 0
STRAY_FLOOR = 0.25  # mask level (share of the object's peak above the background) below which stray brightness is ignored
LOG_SQUARE = math.log(CORNERS_SQUARE)
COLOR_BINS = {"red": (-60.0, 30.0), "green": (90.0, 180.0), "blue": (180.0, 300.0), "yellow": (30.0, 90.0)}  # the judge's hue bins, in helpers.shapes.COLORS order


def soft_masks(frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The judge's soft mask of each frame ``(N, 3, H, W)`` in [0, 1]: ``alpha (N, H, W)`` on the object's region
    (differentiable in the frames), ``has_object (N,)`` (peak minus background >= the judge's ``MIN_CONTRAST`` and a
    half-maximum component exists) and ``stray (N,)``: mask above ``STRAY_FLOOR`` outside that region / the object's soft area."""
    if frames.ndim != 4 or frames.shape[1] != 3:
        raise ValueError(f"expected frames (N, 3, H, W), got {tuple(frames.shape)}")
    v = frames.amax(dim=1)  # (N, H, W) brightness
    found = [half_maximum_components(frame) for frame in v.detach().cpu().float().numpy()]  # the judge's steps 1-3, per frame
    has_object = np.array([f is not None for f in found])  # (N,)
    regions = np.stack([f.region() if f else np.zeros(v.shape[1:], dtype=np.uint8) for f in found]).astype(np.float32)  # (N, H, W)
    background = np.array([f.background if f else 0.0 for f in found])  # (N,)
    spreads = np.array([f.peak - f.background if f else 1.0 for f in found])  # (N,) peak minus background
    b = torch.as_tensor(background, dtype=v.dtype, device=v.device)[:, None, None]  # (N, 1, 1)
    spread = torch.as_tensor(spreads, dtype=v.dtype, device=v.device)[:, None, None]  # (N, 1, 1)
    region = torch.as_tensor(regions, device=v.device)  # (N, H, W)
    level = ((v - b) / spread).clamp(0.0, 1.0)  # (N, H, W)
    alpha = level * region  # (N, H, W)
    stray = ((level - STRAY_FLOOR).clamp_min(0) * (1 - region)).sum(dim=(1, 2)) / alpha.sum(dim=(1, 2)).clamp_min(1e-6)  # (N,)
    return alpha, torch.as_tensor(has_object, device=v.device), stray


def mask_moments(alpha: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Skewness ``(N,)`` and corner ratio ``(N,)`` of soft masks ``(N, H, W)``, as :func:`helpers.judge.find_objects` reads them."""
    total = alpha.sum(dim=(1, 2)).clamp_min(1e-6)  # (N,)
    h, w = alpha.shape[1:]
    ys = (torch.arange(h, dtype=alpha.dtype, device=alpha.device) + 0.5)[None, :, None]  # (1, H, 1)
    xs = (torch.arange(w, dtype=alpha.dtype, device=alpha.device) + 0.5)[None, None, :]  # (1, 1, W)
    mean = lambda d: (alpha * d).sum(dim=(1, 2)) / total  # noqa: E731  (N, ...) -> (N,)
    mx, my = mean(xs), mean(ys)  # (N,)
    dx, dy = xs - mx[:, None, None], ys - my[:, None, None]  # (N, 1, W), (N, H, 1)
    u, v = (dx + dy) / math.sqrt(2), (dx - dy) / math.sqrt(2)  # (N, H, W) offsets along the diagonals
    dx2, dy2 = mean(dx**2), mean(dy**2)  # (N,)
    skew_x, skew_y = mean(dx**3) / dx2.clamp_min(1e-6) ** 1.5, mean(dy**3) / dy2.clamp_min(1e-6) ** 1.5  # (N,) each
    skew = (skew_x**2 + skew_y**2 + 1e-12).sqrt()  # (N,) not hypot: its gradient at (0, 0), a blank or symmetric mask, is NaN
    corners = (mean(u**4) + mean(v**4)) / (mean(dx**4) + mean(dy**4)).clamp_min(1e-9)  # (N,)
    return skew, corners


def moment_logits(skew: torch.Tensor, corners: torch.Tensor, stray: torch.Tensor | None = None) -> torch.Tensor:
    """Logits ``(N, 3)`` over ``helpers.shapes.SHAPES`` (circle, square, triangle) whose argmax is the judge's rule on ``(N,)``
    moments; with ``stray (N,)`` (:func:`soft_masks`) a fourth column, "not one object", ``(N, 4)``."""
    not_triangle = (SKEW_TRIANGLE - skew) / SKEW_TRIANGLE  # (N,)
    squared = (corners.clamp_min(1e-6).log().abs() - LOG_SQUARE) / LOG_SQUARE  # (N,)
    circle = torch.minimum(not_triangle, -squared)
    square = torch.minimum(not_triangle, squared)
    columns = [circle, square, -not_triangle] + ([stray / STRAY_SHARE - 1] if stray is not None else [])
    return TEMPERATURE * torch.stack(columns, dim=1)  # (N, 3) or (N, 4)


def hsv_hue(rgb: torch.Tensor) -> torch.Tensor:
    """HSV hue in degrees ``(N,)`` in [0, 360) of colours ``(N, 3)`` (as ``colorsys.rgb_to_hsv``), differentiable almost everywhere."""
    r, g, b = rgb.unbind(dim=-1)  # (N,) each
    top = rgb.amax(dim=-1)  # (N,)
    chroma = (top - rgb.amin(dim=-1)).clamp_min(1e-4)  # (N,)
    sector = torch.where(r >= top, torch.remainder((g - b) / chroma, 6.0), torch.where(g >= top, (b - r) / chroma + 2, (r - g) / chroma + 4))  # (N,)
    return 60.0 * sector


def colour_logits(hue: torch.Tensor) -> torch.Tensor:
    """Logits ``(N, 4)`` over ``helpers.shapes.COLORS`` whose argmax is the judge's hue bin of hues ``(N,)`` in degrees."""
    columns = []
    for low, high in COLOR_BINS.values():
        centre, half = (low + high) / 2, (high - low) / 2
        distance = (torch.remainder(hue - centre + 180.0, 360.0) - 180.0).abs()  # (N,) circular
        columns.append((half - distance) / half)
    return TEMPERATURE * torch.stack(columns, dim=1)  # (N, 4)


class JudgeShapeReader(ShapeCritic):
    """Decoded clips ``(B, 3, F, H, W)`` in about [-1, 1] -> logits ``(B, 4)`` (the three shapes, then "not one object";
    ``(B, 3)`` without it when ``cfg.count_objects`` is False):
    :func:`moment_logits` of each frame that holds an object, averaged (zeros, no preference, for a clip with none). Nothing to train."""

    def __init__(self, cfg: CriticConfig) -> None:
        if cfg.space != "judge":
            raise ValueError(f"a JudgeShapeReader reads decoded frames: it needs space='judge', got {cfg.space!r}")
        nn.Module.__init__(self)
        self.cfg = cfg

    def forward(self, clips: torch.Tensor) -> torch.Tensor:
        frames = rearrange((clips.clamp(-1, 1) + 1) / 2, "b c f h w -> (b f) c h w")  # (B*F, 3, H, W) in [0, 1], as the judge sees them
        alpha, has_object, stray = soft_masks(frames)  # (B*F, H, W), (B*F,), (B*F,)
        logits = moment_logits(*mask_moments(alpha), stray if self.cfg.count_objects else None)  # (B*F, 4 or 3)
        if self.cfg.read_colour:
            core = (alpha > 0.5).to(frames.dtype).detach()[:, None]  # (B*F, 1, H, W)
            rgb = (frames * core).sum(dim=(2, 3)) / core.sum(dim=(2, 3)).clamp_min(1.0)  # (B*F, 3) mean core colour
            joint = logits[:, :, None] + colour_logits(hsv_hue(rgb))[:, None, :]  # (B*F, k, 4)
            logits = rearrange(joint, "n k c -> n (k c)")  # (B*F, 4k)
        logits = logits * has_object[:, None]  # (B*F, K)
        logits = rearrange(logits, "(b f) k -> b f k", b=clips.shape[0])  # (B, F, k)
        counted = rearrange(has_object, "(b f) -> b f", b=clips.shape[0]).sum(dim=1).clamp_min(1)  # (B,)
        return logits.sum(dim=1) / counted[:, None]  # (B, K)

    @property
    def classes(self) -> int:
        """How many logits :meth:`forward` gives per clip: 3 shapes (+ "not one object"), times 4 colours with the colour read."""
        return (len(SHAPES) + int(self.cfg.count_objects)) * (len(COLOR_BINS) if self.cfg.read_colour else 1)

    def allowed(self, words: dict[str, torch.Tensor]) -> torch.Tensor:
        """``(B, classes)``: as :meth:`labels`, but a caption that names a shape and no colour (a dropped colour word)
        allows that shape in every colour, so its read pays for the outline alone."""
        allowed = super().allowed(words)  # (B, K): one class where both words are there
        if self.cfg.read_colour:
            shape_only = (words["shape"] >= 0) & (words["color"] < 0)  # (B,)
            pairs = torch.arange(self.classes, device=allowed.device) // len(COLOR_BINS)  # (K,) the shape of each class
            allowed = allowed | (shape_only[:, None] & (pairs[None] == words["shape"][:, None]))  # (B, K)
        return allowed

    def labels(self, words: dict[str, torch.Tensor]) -> torch.Tensor:
        """The class of each caption ``(B,)`` from ``helpers.word_heads.word_labels``: its shape, or with ``cfg.read_colour``
        the (shape, colour) pair ``shape * 4 + colour``; -1 where a word is missing."""
        if not self.cfg.read_colour:
            return words["shape"]
        both = (words["shape"] >= 0) & (words["color"] >= 0)  # (B,)
        return torch.where(both, words["shape"] * len(COLOR_BINS) + words["color"], torch.full_like(words["shape"], -1))
