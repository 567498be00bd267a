"""Shape critic: a small classifier of latent frames that names the object's shape, and a loss that pays for the outline.

Why (measured on ``data/tiny-t2v-base``, the shipped model before the shape losses): in the frame autoencoder's latents
a circle and a square at the same place differ by 0.4 % of the clip's energy, a pixel of shift by 1.2 %, red and blue by 64 %
(``helpers.autoencoder.word_change_energy``). The denoising loss is a squared error, so it pays almost nothing for
drawing the right outline; the model under-fits the middle noise levels and the shape word is where that shows.

The critic reads each frame of a clean-latent clip and names its shape. Frozen, it adds a term to the denoiser's
loss on the model's own clean estimate ``x0_hat`` (for a v-prediction, ``x0_hat = sqrt(abar) z_t - sqrt(1 - abar) v``)::

    L = L_diffusion + lambda * CE(critic(x0_hat), shape of the caption)

a loss that is as large for the wrong outline as for the wrong colour. It exists only in training: the saved
pipeline is unchanged in kind. The critic is trained on true latents with added Gaussian noise, so that it reads
the outline that survives noise rather than a pattern too small for the decoder to draw.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn

from .autoencoder import decode_video
from .shapes import SHAPES


@dataclass
class CriticConfig:
    """Shape critic: three 3x3 convolutions over a latent frame, a max over places, a linear read-out."""

    latent_channels: int = 8
    space: str = "latent"  # "latent": read the latent frames; "pixel": read ``frames`` frames of each clip decoded by the frozen decoder;
    # "judge": read those decoded frames with helpers.judge's own shape rule made differentiable (helpers.judge_moments; nothing to train)
    count_objects: bool = True  # judge space: also the logit "not one object" (stray brightness beside the object)
    read_colour: bool = False  # judge space: also the judge's colour read; logits over (shape, colour) pairs
    frames: int = 2  # pixel space: frames decoded per clip (the same random frames for every clip of a batch)
    width: int = 32
    steps: int = 400
    batch_size: int = 64
    lr: float = 2e-3
    max_noise: float = 0.5  # training latents get Gaussian noise of U(0, max_noise) standard deviations
    max_t: int = 950  # the denoiser's loss: the critic reads the clean estimates of clips below this timestep
    seed: int = 0
    # the denoiser's loss on its own sampling states (helpers.sampled_states): per training step, ``sampled`` states of
    # the model's samples of ``sampled_clips`` random captions, redrawn every ``sampled_every`` steps, at timesteps in
    # ``sampled_band``, also pay the critic's cross-entropy on the model's clean estimate (0: true noised clips only)
    sampled: int = 0
    sampled_clips: int = 16
    sampled_every: int = 25
    sampled_band: tuple[int, int] = (500, 950)
    sampled_guidance: float = 1.0  # the estimate read on those states: x0_hat of u + g (c - u); 1: the caption's own, 6: the one the pipeline steps with
    sampled_uncond_grad: bool = True  # False: the read of a guided estimate trains only the caption's branch (u detached)

    def __post_init__(self) -> None:
        if self.latent_channels < 1 or self.width < 1:
            raise ValueError(f"latent_channels and width must be >= 1, got {self.latent_channels} and {self.width}")
        if self.steps < 1 or self.batch_size < 1:
            raise ValueError(f"steps and batch_size must be >= 1, got {self.steps} and {self.batch_size}")
        if self.max_noise < 0:
            raise ValueError(f"max_noise must be >= 0, got {self.max_noise}")
        if self.space not in ("latent", "pixel", "judge"):
            raise ValueError(f"space must be 'latent', 'pixel' or 'judge', got {self.space!r}")
        if not 0 < self.max_t <= 1000:
            raise ValueError(f"max_t must be in (0, 1000], got {self.max_t}")
        if self.read_colour and self.space != "judge":
            raise ValueError(f"read_colour is the judge's colour read: it needs space='judge', got {self.space!r}")
        if self.frames < 1:
            raise ValueError(f"frames must be >= 1, got {self.frames}")
        if self.sampled < 0 or self.sampled_clips < 1 or self.sampled_every < 1:
            raise ValueError(f"sampled must be >= 0, sampled_clips and sampled_every >= 1, got {self.sampled}, {self.sampled_clips} and {self.sampled_every}")
        if not self.sampled_guidance >= 1:
            raise ValueError(f"sampled_guidance must be >= 1, got {self.sampled_guidance}")
        low, high = self.sampled_band
        if not 0 <= low < high <= 1000:
            raise ValueError(f"sampled_band must satisfy 0 <= low < high <= 1000, got {self.sampled_band}")


class ShapeCritic(nn.Module):
    """Latent clips ``(B, c, F, h, w)`` (or decoded ones ``(B, 3, F, H, W)`` in pixel space) -> shape logits
    ``(B, len(SHAPES))``, the mean of each frame's logits."""

    def __init__(self, cfg: CriticConfig) -> None:
        super().__init__()
        self.cfg, w = cfg, cfg.width
        self.body = nn.Sequential(
            nn.Conv2d(3 if cfg.space == "pixel" else cfg.latent_channels, w, 3, padding=1), nn.SiLU(),
            nn.Conv2d(w, 2 * w, 3, padding=1), nn.SiLU(),
            nn.Conv2d(2 * w, 2 * w, 3, padding=1), nn.SiLU(),
        )
        self.head = nn.Linear(2 * w, len(SHAPES))

    def forward(self, latents: torch.Tensor) -> torch.Tensor:
        frames = rearrange(latents, "b c f h w -> (b f) c h w")  # (B*F, c, h, w)
        features = self.body(frames).amax(dim=(2, 3))  # (B*F, 2w)
        logits = self.head(features)  # (B*F, k)
        return rearrange(logits, "(b f) k -> b f k", b=latents.shape[0]).mean(dim=1)  # (B, k)

    def labels(self, words: dict[str, torch.Tensor]) -> torch.Tensor:
        """The class each caption ``(B,)`` should be read as, from ``helpers.word_heads.word_labels``: its shape (-1: none)."""
        return words["shape"]

    @property
    def classes(self) -> int:
        """How many logits :meth:`read` gives per clip."""
        return len(SHAPES)

    def allowed(self, words: dict[str, torch.Tensor]) -> torch.Tensor:
        """``(B, classes)``: the classes each caption may be read as (none where it names no shape). Here one, its label."""
        labels = self.labels(words)  # (B,)
        return (labels[:, None] == torch.arange(self.classes, device=labels.device)) & (labels[:, None] >= 0)  # (B, classes)

    def read(self, latents: torch.Tensor, decoder=None) -> torch.Tensor:
        """Logits ``(B, k)`` of latent clips ``(B, c, F, h, w)``: directly, or (pixel space) ``cfg.frames`` random frames of
        each decoded by the frozen autoencoder ``decoder`` (gradients flow through it to the latents)."""
        if self.cfg.space == "latent":
            return self(latents)
        if decoder is None:
            raise ValueError("a pixel-space critic reads decoded frames: pass the frozen autoencoder as decoder")
        pick = torch.randperm(latents.shape[2])[: self.cfg.frames]  # (k,)
        return self(decode_video(decoder, latents[:, :, pick]))  # (B, 3, k, H, W) -> (B, len(SHAPES))


def train_critic(latents: torch.Tensor, shapes: torch.Tensor, cfg: CriticConfig, decoder=None) -> ShapeCritic:
    """Train a critic on latent clips ``(N, c, F, h, w)`` with shape classes ``(N,)`` (in pixel space on their frames decoded
    by ``decoder``, after the noise); returned frozen, in eval mode. ``space="judge"``: the judge's reader, untrained."""
    if cfg.space == "judge":
        from .judge_moments import JudgeShapeReader

        return JudgeShapeReader(cfg).eval()
    if latents.ndim != 5 or latents.shape[0] != shapes.shape[0]:
        raise ValueError(f"latents must be (N, c, F, h, w) with one shape class each, got {tuple(latents.shape)} and {tuple(shapes.shape)}")
    latents = latents.detach()  # latents straight from an encoder may carry its graph
    gen = torch.Generator().manual_seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    critic = ShapeCritic(cfg)
    optimizer = torch.optim.AdamW(critic.parameters(), lr=cfg.lr)
    for _ in range(cfg.steps):
        idx = torch.randint(0, latents.shape[0], (cfg.batch_size,), generator=gen)  # (b,)
        sigma = torch.rand(cfg.batch_size, 1, 1, 1, 1, generator=gen) * cfg.max_noise  # (b, 1, 1, 1, 1)
        x = latents[idx] + sigma * torch.randn(latents[idx].shape, generator=gen)  # (b, c, F, h, w)
        with torch.no_grad():
            x = decode_video(decoder, x[:, :, torch.randperm(x.shape[2], generator=gen)[: cfg.frames]]) if cfg.space == "pixel" else x
        loss = F.cross_entropy(critic(x), shapes[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return critic.eval().requires_grad_(False)


@torch.no_grad()
def critic_accuracy(critic: ShapeCritic, latents: torch.Tensor, shapes: torch.Tensor, batch: int = 256, decoder=None) -> float:
    """Share of latent clips ``(N, c, F, h, w)`` whose shape the critic names right (``decoder``: see :meth:`ShapeCritic.read`)."""
    hits = sum(int((critic.read(latents[i : i + batch], decoder).argmax(dim=1) == shapes[i : i + batch]).sum()) for i in range(0, len(latents), batch))
    return hits / len(latents)


def set_cross_entropy(logits: torch.Tensor, allowed: torch.Tensor) -> torch.Tensor:
    """Mean of ``-log P(class in allowed)`` over rows of ``logits (N, K)`` with masks ``allowed (N, K)``: the cross-entropy
    when each row allows one class, and a partial label otherwise (a caption with no colour word allows every colour)."""
    return (torch.logsumexp(logits, dim=1) - torch.logsumexp(logits.masked_fill(~allowed, float("-inf")), dim=1)).mean()


def critic_loss(critic: ShapeCritic, weight: float, decoder=None, pool=None):
    """A loss for the trainer: the denoising loss (posterior targets when the batch has them) plus ``weight`` x the
    critic's cross-entropy on the model's clean estimate of every clip whose caption names a shape and whose timestep is
    below the critic's ``cfg.max_t`` (at pure noise the best estimate is the caption's mean clip, a smear with no outline to name).
    ``decoder``: the frozen autoencoder a pixel-space critic reads through. ``pool``: a
    :class:`helpers.sampled_states.StatePool`; then ``critic.cfg.sampled`` of the model's own sampling states per step
    (the batch must hold its ``step``) pay the same cross-entropy on the estimate guided by ``critic.cfg.sampled_guidance``,
    averaged with the other in proportion to the clips."""
    from .latent_diffusion import guided_clean_estimate, loss_and_clean_estimate
    from .word_heads import word_labels

    if weight < 0:
        raise ValueError(f"critic weight must be >= 0, got {weight}")
    if pool is not None and critic.cfg.sampled < 1:
        raise ValueError(f"a pool of sampling states needs critic.cfg.sampled >= 1, got {critic.cfg.sampled}")
    max_t = critic.cfg.max_t

    def loss_fn(model, batch: dict) -> tuple[torch.Tensor, dict[str, float]]:
        latent, x0 = loss_and_clean_estimate(model, batch)  # (), (B, c, F, h, w)
        allowed = critic.allowed(word_labels(model.tokenizer, batch["input_ids"])).to(x0.device)  # (B, K)
        named = allowed.any(dim=1) & (batch["t"].to(x0.device) < max_t)  # (B,): a caption with a shape (not dropped)
        estimates, allowed = x0[named], allowed[named]  # (n, c, F, h, w), (n, K)
        if pool is not None:  # the model's own states: no clean clip to regress on, only the critic's read of its estimate
            z_s, t_s, ids_s = pool.draw(model, int(batch["step"]), critic.cfg.sampled)  # (S, c, F, h, w), (S,), (S, L)
            allowed_s = critic.allowed(word_labels(model.tokenizer, ids_s)).to(x0.device)  # (S, K)
            estimates = torch.cat([estimates, guided_clean_estimate(model, z_s, t_s, ids_s, critic.cfg.sampled_guidance,
                                                                      critic.cfg.sampled_uncond_grad)])  # (n + S, c, F, h, w)
            allowed = torch.cat([allowed, allowed_s])  # (n + S, K)
        if len(allowed) == 0:
            return latent, {"latent": float(latent.detach()), "critic": 0.0}
        logits = critic.read(estimates, decoder)  # (n + S, K): one read, so a pixel critic decodes the same frames of all
        n, read = int(named.sum()), logits.detach()
        logs = {"latent": float(latent.detach()), "critic": float(set_cross_entropy(read[:n], allowed[:n])) if n else 0.0}
        if pool is not None:
            logs["critic_sampled"] = float(set_cross_entropy(read[n:], allowed[n:]))
        return latent + weight * set_cross_entropy(logits, allowed), logs

    return loss_fn
