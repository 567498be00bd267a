"""Bake a guidance scale into the weights: the pipeline's default guidance then samples as another scale would.

Classifier-free guidance steps with ``u + G (c - u)``, where ``c`` is the prediction with the caption and ``u`` with the
empty one. ``CogVideoXPipeline`` calls it with ``G = 6`` unless told otherwise, and the lesson's call tells it nothing:
``pipe(prompt)``. A model that samples best at another scale ``g`` (measured on ``critic-sampled-cpu``: shape right on
79 % of 80 samples at guidance 2, 62.5 % at 6) can be *distilled* so that its default is that scale. A student, started
from the teacher, learns for every noisy clip

    u_student = u_teacher,    c_student = u_teacher + (g / G) (c_teacher - u_teacher)

so that ``u_s + G (c_s - u_s) = u + g (c - u)``: the pipeline's guidance ``G`` on the student is guidance ``g`` on the
teacher, and with no arguments at all. Only the caption's branch changes, shrunk towards the unconditional one; the
text encoder stays frozen, so the empty caption means what it did. (The usual guidance distillation goes further, one
call instead of two: Meng et al. 2023, arXiv 2210.03142; FLUX.1 [dev] ships that way.)

    loss_fn = baked_guidance_loss(teacher, guidance=2.0)        # for helpers.trainer.train, batches of helpers.train_t2v

Measured (recipe ``bake-guidance-cpu``, 1,200 steps, 18 min on the 2-core CPU): the loss fell from 0.0097 to 0.0024 and
the samples got *worse* (shape 53 % of the trained combinations, one object 87 %; the teacher at guidance 2: 80 %, 99 %).
Whatever error the student leaves in its caption branch, the pipeline multiplies by ``G = 6`` (36 in squared error):
0.0024 becomes about 0.09, as large as the denoising loss itself. Baking guidance asks for a far closer fit than training.
"""

from __future__ import annotations

import torch

from .latent_diffusion import add_noise, uncond_and_cond

#: the guidance ``CogVideoXPipeline.__call__`` uses when it is given none
PIPELINE_GUIDANCE = 6.0


def baked_targets(teacher, zt: torch.Tensor, t: torch.Tensor, input_ids: torch.Tensor, guidance: float,
                  pipeline_guidance: float = PIPELINE_GUIDANCE) -> torch.Tensor:
    """The student's targets ``(B, c, F, h, w)`` at noisy latents ``zt``, timesteps ``t (B,)``, token ids ``(B, L)``: the teacher's
    unconditional prediction where the caption is empty, ``u + (guidance / pipeline_guidance) (c - u)`` elsewhere."""
    if not guidance > 0 or not pipeline_guidance > 0:
        raise ValueError(f"guidance and pipeline_guidance must be > 0, got {guidance} and {pipeline_guidance}")
    with torch.no_grad():
        uncond, cond = uncond_and_cond(teacher, zt, t, input_ids)  # (B, c, F, h, w) x 2
        empty = teacher.empty_ids().to(input_ids.device)[None]  # (1, L)
        shrunk = uncond + guidance / pipeline_guidance * (cond - uncond)  # (B, c, F, h, w)
        dropped = (input_ids == empty).all(dim=1).view(-1, 1, 1, 1, 1)  # (B, 1, 1, 1, 1)
        return torch.where(dropped, uncond, shrunk)


def baked_guidance_loss(teacher, guidance: float, pipeline_guidance: float = PIPELINE_GUIDANCE):
    """A loss for the trainer: the student's squared error against :func:`baked_targets` of a frozen ``teacher`` on the batch's
    noised clips (``latents``, ``noise``, ``t``, ``input_ids`` with dropped captions, as :func:`helpers.train_t2v.make_batch_fn` draws them)."""
    if not guidance > 0 or not pipeline_guidance > 0:
        raise ValueError(f"guidance and pipeline_guidance must be > 0, got {guidance} and {pipeline_guidance}")
    teacher.eval().requires_grad_(False)

    def loss_fn(model, batch: dict) -> tuple[torch.Tensor, dict[str, float]]:
        zt, _ = add_noise(model.scheduler, batch["latents"], batch["noise"], batch["t"])  # (B, c, F, h, w)
        target = baked_targets(teacher, zt, batch["t"], batch["input_ids"], guidance, pipeline_guidance)  # (B, c, F, h, w)
        loss = (model.predict(zt, batch["t"], batch["input_ids"]).float() - target).pow(2).mean()
        return loss, {"baked": float(loss.detach())}

    return loss_fn
