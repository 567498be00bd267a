"""The model's own sampling states: where a text-to-video model actually is when it decides a clip's shape.

Training noises *true* clips: at step ``t`` the denoiser sees ``z_t = sqrt(abar_t) z_0 + sqrt(1 - abar_t) eps`` around a
clip that has the caption's shape. Sampling never sees such a state. From pure noise the sampler (DDIM, 50 trailing
steps, classifier-free guidance 6, the pipeline's defaults) reaches ``z_t`` through the model's own earlier estimates,
and if those drew a blob between a circle and a square, the state at ``t = 700`` holds that blob, not a true outline
(the gap between training and sampling states is *exposure bias*). Measured on ``critic-cpu`` (``data/tiny-t2v/README.md``):
one call on true clips noised to ``t = 700`` names the right shape 84 % of the time, its samples only 65 %.

:func:`sample_states` runs that sampler with a bundled :class:`~helpers.latent_diffusion.TextToVideoDenoiser` and keeps
every state in a band of timesteps; :class:`StatePool` keeps a pool of them, refreshed from the current model every few
training steps, so that a loss can be paid on the model's clean estimate *from its own states*
(:func:`helpers.shape_critic.critic_loss` with ``CriticConfig.sampled``)::

    pool = StatePool(ids_of_all_captions, (c, F, h, w), clips=16, refresh_every=25, band=(500, 950))
    z_t, t, ids = pool.draw(model, step, 16)      # (16, c, F, h, w), (16,), (16, L)
"""

from __future__ import annotations

import torch
from einops import rearrange

from .latent_diffusion import both_contexts, uncond_and_cond


@torch.no_grad()
def sample_states(model, input_ids: torch.Tensor, shape: tuple[int, ...], band: tuple[int, int], generator: torch.Generator,
                  steps: int = 50, guidance: float = 6.0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Sample clips of ``input_ids (B, L)`` from pure noise of ``shape (c, F, h, w)`` with the pipeline's sampler (DDIM on
    ``model.scheduler``'s config, ``steps`` trailing steps, guidance ``guidance``) and stop below ``band[0]``.

    Returns every state met with ``band[0] <= t < band[1]``: latents ``(S, c, F, h, w)``, timesteps ``(S,)`` and the
    token ids ``(S, L)`` of the clip each belongs to."""
    from diffusers import DDIMScheduler

    low, high = band
    if not 0 <= low < high <= model.scheduler.config.num_train_timesteps:
        raise ValueError(f"band must satisfy 0 <= low < high <= {model.scheduler.config.num_train_timesteps}, got {band}")
    if steps < 1 or guidance < 1:
        raise ValueError(f"steps must be >= 1 and guidance >= 1, got {steps} and {guidance}")
    scheduler = DDIMScheduler.from_config(model.scheduler.config)  # its own copy: set_timesteps changes a scheduler
    scheduler.set_timesteps(steps)
    device = input_ids.device
    b = input_ids.shape[0]
    c, f, h, w = shape
    if model.frames_first:  # the noise the pipeline itself draws from the same generator: frames first
        z = rearrange(torch.randn((b, f, c, h, w), generator=generator), "b f c h w -> b c f h w").to(device)  # (B, c, F, h, w)
    else:
        z = torch.randn((b, c, f, h, w), generator=generator).to(device)  # (B, c, F, h, w)
    states, times = [], []
    was_training = model.training
    model.eval()
    context = both_contexts(model, input_ids)  # (2B, L, D): the captions do not change from step to step, so encode them once
    for t in scheduler.timesteps:
        if t < low:
            break
        if t < high:
            states.append(z.clone())
            times.append(torch.full((b,), int(t)))
        uncond, cond = uncond_and_cond(model, z, torch.full((b,), int(t), device=device), input_ids, context)  # (B, c, F, h, w) each
        z = scheduler.step(uncond + guidance * (cond - uncond), t, z).prev_sample  # (B, c, F, h, w)
    model.train(was_training)
    if not states:
        raise ValueError(f"no sampling step of {steps} falls in the band {band}")
    return torch.cat(states), torch.cat(times).to(device), input_ids.repeat(len(states), 1)  # (S, c, F, h, w), (S,), (S, L)


class StatePool:
    """States of the model's own samples (:func:`sample_states`) of random captions, redrawn every ``refresh_every`` steps."""

    def __init__(self, input_ids: torch.Tensor, shape: tuple[int, ...], clips: int = 16, refresh_every: int = 25,
                 band: tuple[int, int] = (500, 950), steps: int = 50, guidance: float = 6.0, seed: int = 0) -> None:
        if clips < 1 or refresh_every < 1:
            raise ValueError(f"clips and refresh_every must be >= 1, got {clips} and {refresh_every}")
        self.input_ids, self.shape, self.clips, self.refresh_every = input_ids, tuple(shape), clips, refresh_every
        self.band, self.steps, self.guidance, self.seed = band, steps, guidance, seed
        self.made_at: int | None = None
        self.states: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None

    def draw(self, model, step: int, n: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``n`` random states ``(n, c, F, h, w)``, their timesteps ``(n,)`` and token ids ``(n, L)`` for training step ``step``
        (the pool is resampled with ``model`` when it is older than ``refresh_every`` steps; seeded by step)."""
        if self.made_at is None or not 0 <= step - self.made_at < self.refresh_every:
            gen = torch.Generator().manual_seed(self.seed * 1_000_003 + step)
            pick = torch.randint(0, len(self.input_ids), (self.clips,), generator=gen)  # (clips,)
            self.states = sample_states(model, self.input_ids[pick.to(self.input_ids.device)], self.shape, self.band, gen, self.steps, self.guidance)
            self.made_at = step
        gen = torch.Generator().manual_seed(self.seed * 1_000_003 + step + 1)
        idx = torch.randint(0, len(self.states[0]), (n,), generator=gen).to(self.states[0].device)  # (n,)
        return tuple(x[idx] for x in self.states)


@torch.no_grad()
def sampling_path_grades(pipe, timesteps: list[int], clips_per_combo: int = 2, seed: int = 0, combos=None, steps: int = 50,
                         guidance: float = 6.0, read_guidance: float = 1.0, batch: int = 40) -> dict[int, dict[str, float]]:
    """Where in sampling is each word decided? ``helpers.judge.grade_clips`` rates of the model's clean estimate at the
    sampler's own state at each of ``timesteps`` (steps of the ``steps``-step DDIM sampler with ``guidance``, from pure
    noise), decoded by ``pipe``'s autoencoder: ``{t: rates}``. ``pipe`` is the course's ``CogVideoXPipeline``.

    The estimate read is ``x0_hat`` of ``uncond + read_guidance (cond - uncond)``: by default (1) the caption's own
    estimate. The sampler steps with ``read_guidance = guidance``, whose estimate at the last step is the sample itself,
    but early on it overshoots (decoded pixels up to 48 at t = 979 where a clip spans [-1, 1]) and clipped, a red
    reads yellow. ``combos``: default the 40 training combinations."""
    from .generation import call_defaults
    from .judge import grade_clips
    from .latent_diffusion import TextToVideoDenoiser, guided_clean_estimate
    from .shapes import TRAIN_COMBOS
    from .text_encoder import tokenize
    from .video import tensor_to_clips

    scheduler = type(pipe.scheduler).from_config(pipe.scheduler.config)
    scheduler.set_timesteps(steps)
    on_path = scheduler.timesteps.tolist()
    if not timesteps or any(t not in on_path for t in timesteps):
        raise ValueError(f"timesteps must be steps of the {steps}-step sampler, e.g. {on_path[1::10]}, got {timesteps}")
    model = TextToVideoDenoiser.from_pipeline(pipe)
    captions = [c.caption for c in (combos or TRAIN_COMBOS)] * clips_per_combo
    scale, call = pipe.vae.config.scaling_factor, call_defaults(pipe)
    noise = pipe.prepare_latents(1, pipe.transformer.config.in_channels, call["num_frames"], call["height"], call["width"], torch.float32, "cpu",
                                 torch.Generator())  # (1, F, c, h, w): the latents of the pipeline's default clip
    shape = tuple(rearrange(noise, "b f c h w -> b c f h w").shape[1:])  # (c, F, h, w)
    found: dict[int, list] = {t: [] for t in timesteps}
    for start in range(0, len(captions), batch):
        ids = tokenize(model.tokenizer, captions[start : start + batch])  # (b, L)
        gen = torch.Generator().manual_seed(seed + start)
        states, t_s, ids_s = sample_states(model, ids, shape, (min(timesteps), max(timesteps) + 1), gen, steps, guidance)
        for t in timesteps:
            keep = t_s == t  # (S,)
            z, n = states[keep], int(keep.sum())  # (b, c, F, h, w)
            x0 = guided_clean_estimate(model, z, torch.full((n,), t), ids_s[keep], read_guidance)  # (b, c, F, h, w)
            found[t] += tensor_to_clips(pipe.vae.decode(x0 / scale).sample.clamp(-1, 1))
    return {t: grade_clips(clips, captions) for t, clips in found.items()}


PATH_MARKERS = {"color": "o", "direction": "^", "shape": "s"}


def plot_sampling_path(ax, timesteps: list[int], curves: list[tuple[str, dict, str, str]], title: str) -> None:
    """Draw share-right curves of :func:`sampling_path_grades` on ``ax``, pure noise on the left: ``curves`` holds
    ``(label, grades, kind, line style)`` with ``kind`` one of colour's, direction's or shape's keys; chance for shape dotted."""
    for label, grades, kind, style in curves:
        ax.plot(timesteps, [grades[t][kind] for t in timesteps], PATH_MARKERS[kind] + style, label=label)
    ax.axhline(1 / 3, color="grey", lw=0.5, ls=":", label="chance for shape (1 in 3)")
    ax.set(title=title, xlabel="sampler step t (from pure noise, left)", ylabel="share right (judge)", ylim=(-0.05, 1.05))
    ax.invert_xaxis()
    ax.legend(fontsize=7)
