"""Latent video diffusion: the noise schedule, the training loss, caption dropout and the caption-gap probe.

Forward process (one noise level ``t`` per clip, shared by all its frames)::

    z_t = sqrt(abar_t) * z_0 + sqrt(1 - abar_t) * eps,        eps ~ N(0, I)

The denoiser sees ``(z_t, t, caption)`` and predicts one of three equivalent targets, chosen by the
scheduler's ``prediction_type``: the noise ``eps``, the clean latents ``z_0`` (``"sample"``) or the
velocity ``v = sqrt(abar_t) * eps - sqrt(1 - abar_t) * z_0``. The loss is the mean squared error.
With a zero-terminal-SNR schedule, ``abar_T = 0``: at the last step the input is pure noise and
``v = -z_0``, so the model must produce the whole clip from the caption alone, which is exactly
where it learns what "moving left" means.

:func:`caption_loss_gaps` is the instrument of notebook 04: the loss with a wrong word minus the loss
with the right caption, per noise level, on the same clips and noise. A gap of zero for the
direction word means the denoiser ignores it, long before sampling shows it.
"""

from __future__ import annotations

import numpy as np
import torch
from einops import rearrange
from torch import nn

from .shapes import COLORS, DIRECTIONS, SHAPES, parse_caption
from .text_encoder import encode_ids, tokenize

#: the word a flip puts in place of each word (a different value of the same kind)
FLIPS = {
    "color": {"red": "blue", "blue": "red", "green": "yellow", "yellow": "green"},
    "shape": {"circle": "square", "square": "triangle", "triangle": "circle"},
    "direction": {"left": "right", "right": "left", "up": "down", "down": "up"},
}


def make_scheduler(prediction_type: str = "v_prediction", num_train_timesteps: int = 1000):
    """The course's DDIM scheduler: cosine betas rescaled to zero terminal SNR, trailing timesteps."""
    from diffusers import DDIMScheduler

    if prediction_type not in ("epsilon", "v_prediction", "sample"):
        raise ValueError(f"prediction_type must be 'epsilon', 'v_prediction' or 'sample', got {prediction_type!r}")
    return DDIMScheduler(
        num_train_timesteps=num_train_timesteps,
        beta_schedule="squaredcos_cap_v2",
        rescale_betas_zero_snr=prediction_type != "epsilon",  # eps is undefined to predict at SNR 0
        timestep_spacing="trailing",
        prediction_type=prediction_type,
        clip_sample=False,
        set_alpha_to_one=True,
    )


def add_noise(scheduler, z0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor, target_z0: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Noisy latents ``z_t`` and the training target, both ``(B, c, F, h, w)``, for timesteps ``t (B,)``.

    With ``target_z0`` (e.g. the posterior mean, :func:`posterior_targets`) the target is the one that
    clean clip implies for the same ``z_t``: its noise is ``(z_t - alpha z0') / sigma``.
    """
    abar = scheduler.alphas_cumprod.to(z0.device)[t].float().view(-1, 1, 1, 1, 1)  # (B, 1, 1, 1, 1)
    zt = abar.sqrt() * z0 + (1 - abar).sqrt() * noise  # (B, c, F, h, w)
    if target_z0 is not None:
        z0, noise = target_z0, (zt - abar.sqrt() * target_z0) / (1 - abar).sqrt()  # (B, c, F, h, w)
    kind = scheduler.config.prediction_type
    target = {"epsilon": noise, "sample": z0}.get(kind)
    if target is None:  # v_prediction
        target = abar.sqrt() * noise - (1 - abar).sqrt() * z0  # (B, c, F, h, w)
    return zt, target


def clean_estimate(prediction: torch.Tensor, zt: torch.Tensor, alpha_bar: torch.Tensor, prediction_type: str) -> torch.Tensor:
    """The model's estimate of the clean latents ``x0_hat`` (shape of ``zt``) from its ``prediction`` at ``alpha_bar`` (broadcastable)."""
    alpha, sigma = alpha_bar.sqrt(), (1 - alpha_bar).sqrt()
    if prediction_type == "v_prediction":  # v = alpha * eps - sigma * x0 and z_t = alpha * x0 + sigma * eps
        return alpha * zt - sigma * prediction
    if prediction_type == "epsilon":
        return (zt - sigma * prediction) / alpha
    if prediction_type == "sample":
        return prediction
    raise ValueError(f"prediction_type must be 'epsilon', 'v_prediction' or 'sample', got {prediction_type!r}")


def _model_clean_estimate(model: "TextToVideoDenoiser", prediction: torch.Tensor, zt: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """:func:`clean_estimate` of a ``prediction`` the model made at ``zt (B, c, F, h, w)``, timesteps ``t (B,)``, on its own schedule."""
    abar = model.scheduler.alphas_cumprod.to(zt.device)[t].float().view(-1, 1, 1, 1, 1)  # (B, 1, 1, 1, 1)
    return clean_estimate(prediction, zt.float(), abar, model.scheduler.config.prediction_type)  # (B, c, F, h, w)


def predict_clean(model: "TextToVideoDenoiser", zt: torch.Tensor, t: torch.Tensor, input_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The model's prediction at noisy latents ``zt (B, c, F, h, w)``, timesteps ``t (B,)`` and token ids ``(B, L)``, and the clean
    estimate ``x0_hat`` it implies (:func:`clean_estimate`): both ``(B, c, F, h, w)``, float32."""
    pred = model.predict(zt, t, input_ids).float()  # (B, c, F, h, w)
    return pred, _model_clean_estimate(model, pred, zt, t)


def empty_like(model: "TextToVideoDenoiser", input_ids: torch.Tensor) -> torch.Tensor:
    """The empty caption's token ids, one row per row of ``input_ids (B, L)``: ``(B, L)`` on its device."""
    return model.empty_ids().to(input_ids.device)[None].expand(len(input_ids), -1)  # (B, L)


def uncond_and_cond(model: "TextToVideoDenoiser", zt: torch.Tensor, t: torch.Tensor, input_ids: torch.Tensor,
                    context: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The model's predictions with the empty caption and with ``input_ids (B, L)`` at ``zt (B, c, F, h, w)``, ``t (B,)``, in one
    batched call as the pipelines make it: ``(u, c)``, each ``(B, c, F, h, w)``, float32. Guidance ``g`` steps with ``u + g (c - u)``.
    ``context``: :func:`both_contexts` of ``input_ids``, when a loop over steps has encoded them once."""
    empty = empty_like(model, input_ids)  # (B, L)
    both = model.predict(torch.cat([zt, zt]), torch.cat([t, t]), torch.cat([empty, input_ids]), context).float()  # (2B, c, F, h, w)
    return both.chunk(2)


def both_contexts(model: "TextToVideoDenoiser", input_ids: torch.Tensor) -> torch.Tensor:
    """The text encoder's output ``(2B, L, D)`` for the empty caption (B times) and ``input_ids (B, L)``: what
    :func:`uncond_and_cond` reads, computed once for a whole sampling loop."""
    return encode_ids(model.text_encoder, torch.cat([empty_like(model, input_ids), input_ids]))  # (2B, L, D)


def guided_clean_estimate(model: "TextToVideoDenoiser", zt: torch.Tensor, t: torch.Tensor, input_ids: torch.Tensor, guidance: float,
                          uncond_grad: bool = True) -> torch.Tensor:
    """The clean estimate ``x0_hat (B, c, F, h, w)`` of the guided prediction ``u + guidance (c - u)`` (:func:`uncond_and_cond`) at
    ``zt (B, c, F, h, w)``, ``t (B,)``; at guidance 1 the caption's own estimate, from one call (:func:`predict_clean`).
    ``uncond_grad=False`` detaches ``u``: a loss on the estimate then moves only the caption's branch (through ``u`` it would
    push the empty caption's prediction the other way, ``1 - guidance = -5`` times as hard at the pipeline's 6)."""
    if guidance == 1:
        return predict_clean(model, zt, t, input_ids)[1]
    if uncond_grad:
        uncond, cond = uncond_and_cond(model, zt, t, input_ids)  # (B, c, F, h, w) x 2
    else:  # two calls, the empty caption's without a graph: a backward pass through it would only carry zeros
        with torch.no_grad():
            uncond = model.predict(zt, t, empty_like(model, input_ids)).float()  # (B, c, F, h, w)
        cond = model.predict(zt, t, input_ids).float()  # (B, c, F, h, w)
    return _model_clean_estimate(model, uncond + guidance * (cond - uncond), zt, t)


def loss_and_clean_estimate(model: "TextToVideoDenoiser", batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
    """The mean denoising loss of a training ``batch`` (posterior targets when it holds ``target_latents``) and the model's
    clean estimate ``x0_hat (B, c, F, h, w)``: the start of every loss that also grades the estimate (critic, decoded frames)."""
    zt, target = add_noise(model.scheduler, batch["latents"], batch["noise"], batch["t"], batch.get("target_latents"))
    pred, x0 = predict_clean(model, zt, batch["t"], batch["input_ids"])  # (B, c, F, h, w) x 2
    return (pred - target.float()).pow(2).mean(), x0


def candidate_weights(zt: torch.Tensor, candidates: torch.Tensor, alpha_bar: torch.Tensor) -> torch.Tensor:
    """Posterior weights ``(K,)`` of ``candidates (K, c, F, h, w)`` given ``zt (c, F, h, w)``, all equally likely a priori:
    a softmax of ``-|z_t - alpha x0_k|^2 / 2 sigma^2``."""
    alpha, sigma2 = alpha_bar.sqrt(), 1 - alpha_bar
    flat, z = candidates.flatten(1), zt.flatten()  # (K, D), (D,)
    # |z_t - alpha x0_k|^2 expanded, with no (K, D) temporary (a pool of every cached clip is hundreds of MB)
    dist2 = z.pow(2).sum() - 2 * alpha * (flat @ z) + alpha**2 * torch.linalg.vector_norm(flat, dim=1).pow(2)  # (K,)
    return torch.softmax(-dist2 / (2 * sigma2), dim=0)  # (K,)


def ideal_clean_estimate(zt: torch.Tensor, candidates: torch.Tensor, alpha_bar: torch.Tensor) -> torch.Tensor:
    """The best possible ``x0_hat`` given ``zt (c, F, h, w)`` when the clean clip is one of ``candidates (K, c, F, h, w)``, equally likely:
    their average weighted by :func:`candidate_weights` (the posterior mean)."""
    weights = candidate_weights(zt, candidates, alpha_bar)  # (K,)
    weights = torch.where(weights > weights.max() * 1e-12, weights, 0)  # no subnormal floats: they make the product 10x slower on a CPU
    return (weights @ candidates.flatten(1)).view(zt.shape)  # (c, F, h, w)


@torch.no_grad()
def posterior_targets(z0: torch.Tensor, noise: torch.Tensor, alpha_bar: torch.Tensor, pools: list[torch.Tensor]) -> torch.Tensor:
    """Stable-target-field targets (Xu et al. 2023, arXiv 2302.00670): for each clip of ``z0 (B, c, F, h, w)`` noised
    with ``noise`` to ``alpha_bar (B,)``, the posterior mean of the clean clip over ``pools[i] (K_i, c, F, h, w)``
    (the clips that share its caption, itself among them): the expected target, without the noise of one sample."""
    zt = alpha_bar.sqrt().view(-1, 1, 1, 1, 1) * z0 + (1 - alpha_bar).sqrt().view(-1, 1, 1, 1, 1) * noise  # (B, c, F, h, w)
    return torch.stack([ideal_clean_estimate(zt[i], pool, alpha_bar[i]) for i, pool in enumerate(pools)])  # (B, c, F, h, w)


def drop_captions(input_ids: torch.Tensor, empty_ids: torch.Tensor, p: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Classifier-free-guidance dropout: each row of ``input_ids (B, L)`` becomes ``empty_ids (L,)`` with probability ``p``."""
    if not 0 <= p < 1:
        raise ValueError(f"caption dropout p must be in [0, 1), got {p}")
    drop = torch.rand(input_ids.shape[0], generator=generator) < p  # (B,)
    return torch.where(drop[:, None].to(input_ids.device), empty_ids.to(input_ids.device)[None], input_ids)


def drop_words(input_ids: torch.Tensor, word_ids: torch.Tensor, replacement_id: int, p: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Word dropout: in each row of ``input_ids (B, L)``, with probability ``p``, every token in ``word_ids (k,)`` (the
    words of one kind, e.g. the colours) becomes ``replacement_id`` (the tokenizer's ``[UNK]``): a caption that leaves
    that word open, so the model must draw the other words without it. ``p = 1`` leaves it open in every row."""
    if not 0 <= p <= 1:
        raise ValueError(f"word dropout p must be in [0, 1], got {p}")
    drop = (torch.rand(input_ids.shape[0], generator=generator) < p).to(input_ids.device)  # (B,)
    hit = torch.isin(input_ids, word_ids.to(input_ids.device)) & drop[:, None]  # (B, L)
    return torch.where(hit, torch.full_like(input_ids, replacement_id), input_ids)


class TextToVideoDenoiser(nn.Module):
    """Everything trained together: a video denoiser and a text encoder, plus the tokenizer and scheduler.

    The denoiser (attribute ``unet``, as in the pipelines) is a ``UNet3DConditionModel``, which takes
    ``(B, c, F, h, w)``, or a ``CogVideoXTransformer3DModel``, which takes frames first ``(B, F, c, h, w)``.
    """

    def __init__(self, unet: nn.Module, text_encoder: nn.Module, tokenizer, scheduler) -> None:
        super().__init__()
        self.unet, self.text_encoder = unet, text_encoder
        self.tokenizer, self.scheduler = tokenizer, scheduler
        self.word_heads: nn.Module | None = None  # training only: helpers.word_heads.WordHeads, an auxiliary loss on the text

    def predict(self, zt: torch.Tensor, t: torch.Tensor, input_ids: torch.Tensor, context: torch.Tensor | None = None) -> torch.Tensor:
        """Noisy latents ``(B, c, F, h, w)``, timesteps ``(B,)``, token ids ``(B, L)`` -> prediction ``(B, c, F, h, w)``
        (``context``: the text encoder's output ``(B, L, D)`` for ``input_ids`` when the caller has it, as a sampling loop does)."""
        if context is None:
            context = encode_ids(self.text_encoder, input_ids)  # (B, L, D)
        if self.frames_first:
            frames = rearrange(zt, "b c f h w -> b f c h w")  # (B, F, c, h, w)
            out = self.unet(hidden_states=frames, encoder_hidden_states=context, timestep=t).sample  # (B, F, c, h, w)
            return rearrange(out, "b f c h w -> b c f h w")  # (B, c, F, h, w)
        return self.unet(zt, t, encoder_hidden_states=context).sample

    @classmethod
    def from_pipeline(cls, pipe) -> "TextToVideoDenoiser":
        """The trained parts of a loaded pipeline (its ``transformer`` or ``unet``), bundled to measure losses."""
        denoiser = getattr(pipe, "transformer", None) or pipe.unet
        return cls(denoiser, pipe.text_encoder, pipe.tokenizer, pipe.scheduler)

    @property
    def frames_first(self) -> bool:
        """True for a diffusion transformer of the CogVideoX kind (its input is ``(B, F, c, h, w)``)."""
        return type(self.unet).__name__ == "CogVideoXTransformer3DModel"

    def forward(self, z0: torch.Tensor, input_ids: torch.Tensor, t: torch.Tensor, noise: torch.Tensor, target_z0: torch.Tensor | None = None) -> torch.Tensor:
        """Per-clip mean squared error ``(B,)`` at timesteps ``t (B,)`` with the given ``noise`` (the training loss;
        ``target_z0``: regress on the target of that clean clip instead, see :func:`add_noise`)."""
        zt, target = add_noise(self.scheduler, z0, noise, t, target_z0)
        pred = self.predict(zt, t, input_ids)  # (B, c, F, h, w)
        return (pred.float() - target.float()).pow(2).mean(dim=(1, 2, 3, 4))  # (B,)

    def empty_ids(self) -> torch.Tensor:
        """Token ids ``(L,)`` of the empty caption the pipeline uses for the unconditional branch."""
        return tokenize(self.tokenizer, [""])[0]


def flip_caption(caption: str, kind: str) -> str:
    """The caption with its ``kind`` word (``color``, ``shape`` or ``direction``) swapped for another value."""
    if kind not in FLIPS:
        raise ValueError(f"kind must be one of {list(FLIPS)}, got {kind!r}")
    combo = parse_caption(caption)._asdict()
    combo[kind] = FLIPS[kind][combo[kind]]
    return f"a {combo['color']} {combo['shape']} moving {combo['direction']}"


@torch.no_grad()
def caption_loss_gaps(
    model: TextToVideoDenoiser,
    latents: torch.Tensor,
    captions: list[str],
    timesteps: list[int],
    seed: int = 0,
    kinds: tuple[str, ...] = ("color", "shape", "direction"),
) -> dict[str, np.ndarray]:
    """Loss with a flipped word minus loss with the true caption, per timestep: ``{kind: (T,)}``, plus ``"loss"``.

    ``latents (B, c, F, h, w)`` are true clips encoded with the autoencoder; the same noise is used for
    every caption, so the gap measures only what the word changes. Positive: the word is used.
    """
    if latents.shape[0] != len(captions):
        raise ValueError(f"got {latents.shape[0]} clips but {len(captions)} captions")
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    latents = latents.to(device)
    generator = torch.Generator("cpu").manual_seed(seed)
    ids = {"true": tokenize(model.tokenizer, captions).to(device)}
    for kind in kinds:
        ids[kind] = tokenize(model.tokenizer, [flip_caption(c, kind) for c in captions]).to(device)
    out = {key: np.zeros(len(timesteps)) for key in ("loss", *kinds)}
    for i, step in enumerate(timesteps):
        noise = torch.randn(latents.shape, generator=generator).to(device)  # (B, c, F, h, w)
        t = torch.full((latents.shape[0],), int(step), device=device, dtype=torch.long)  # (B,)
        base = model(latents, ids["true"], t, noise).mean().item()
        out["loss"][i] = base
        for kind in kinds:
            out[kind][i] = model(latents, ids[kind], t, noise).mean().item() - base
    model.train(was_training)
    return out


def sample_timesteps(batch: int, num_train_timesteps: int, generator: torch.Generator | None = None, high_noise_share: float = 0.0,
                     band: tuple[int, int] | None = None, band_share: float = 0.0) -> torch.Tensor:
    """Training timesteps ``(B,)``: uniform; ``band_share`` of them uniform in ``band = [lo, hi)`` instead; then
    ``high_noise_share`` of them at the last (pure-noise) step."""
    if band is not None and not (0 <= band[0] < band[1] <= num_train_timesteps and 0 <= band_share <= 1):
        raise ValueError(f"band must satisfy 0 <= lo < hi <= {num_train_timesteps} and band_share lie in [0, 1], got {band}, {band_share}")
    t = torch.randint(0, num_train_timesteps, (batch,), generator=generator)  # (B,)
    if band is not None and band_share > 0:
        in_band = torch.rand(batch, generator=generator) < band_share  # (B,)
        t = torch.where(in_band, torch.randint(band[0], band[1], (batch,), generator=generator), t)
    if high_noise_share > 0:
        pure = torch.rand(batch, generator=generator) < high_noise_share  # (B,)
        t = torch.where(pure, torch.full_like(t, num_train_timesteps - 1), t)
    return t


def t2v_loss(model: TextToVideoDenoiser, batch: dict) -> tuple[torch.Tensor, dict[str, float]]:
    """The trainer's loss: ``batch`` holds ``latents (B, c, F, h, w)``, ``input_ids (B, L)`` (already dropped), ``t (B,)``, ``noise``
    (plus the word heads' auxiliary loss when the model has them, :mod:`helpers.word_heads`)."""
    extra = {"target_z0": batch["target_latents"]} if "target_latents" in batch else {}  # posterior targets (models that take them)
    losses = model(batch["latents"], batch["input_ids"], batch["t"], batch["noise"], **extra)  # (B,)
    heads = getattr(model, "word_heads", None)
    if heads is None:
        return losses.mean(), {}
    word_loss = heads(encode_ids(model.text_encoder, batch["input_ids"]), batch["input_ids"].to(losses.device))  # every padding token names the words
    return losses.mean() + word_loss, {"word_loss": float(word_loss.detach())}
