"""helpers.shape_critic: a latent-frame classifier of the object's shape, and the loss that pays for the outline with it."""

from dataclasses import replace

import pytest
import torch

from helpers.shape_critic import CriticConfig, ShapeCritic, critic_accuracy, critic_loss, train_critic

TINY = CriticConfig(latent_channels=4, width=8, steps=120, batch_size=32, lr=1e-2, max_noise=0.3)


def toy_latents(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Clips ``(n, 4, 3, 8, 8)`` of one of three small patterns (a dot, a 2x2 block, a bar of 3) at a random place per clip."""
    gen = torch.Generator().manual_seed(seed)
    shapes = torch.randint(0, 3, (n,), generator=gen)  # (n,)
    latents = torch.zeros(n, 4, 3, 8, 8)
    for i, (k, r, c) in enumerate(zip(shapes.tolist(), torch.randint(0, 5, (n,), generator=gen).tolist(), torch.randint(0, 5, (n,), generator=gen).tolist())):
        rows, cols = [(slice(r, r + 1), slice(c, c + 1)), (slice(r, r + 2), slice(c, c + 2)), (slice(r, r + 1), slice(c, c + 3))][k]
        latents[i, :, :, rows, cols] = 2.0
    return latents, shapes


def test_the_critic_learns_to_name_the_shape_of_unseen_clips():
    latents, shapes = toy_latents(300, seed=0)
    fresh, fresh_shapes = toy_latents(120, seed=1)
    torch.manual_seed(0)
    untrained = critic_accuracy(ShapeCritic(TINY).eval(), fresh, fresh_shapes)
    critic = train_critic(latents, shapes, TINY)
    assert critic_accuracy(critic, fresh, fresh_shapes) > 0.9 > untrained + 0.3
    assert not critic.training and not any(p.requires_grad for p in critic.parameters())  # frozen for the denoiser's loss
    assert critic(fresh[:5]).shape == (5, 3)


def test_bad_settings_fail_loudly():
    with pytest.raises(ValueError, match="max_noise must be >= 0"):
        replace(TINY, max_noise=-0.1)
    with pytest.raises(ValueError, match="steps and batch_size"):
        replace(TINY, steps=0)
    with pytest.raises(ValueError, match="one shape class each"):
        train_critic(torch.zeros(4, 4, 3, 8, 8), torch.zeros(3, dtype=torch.long), TINY)
    critic = ShapeCritic(TINY)
    with pytest.raises(ValueError, match="critic weight must be >= 0"):
        critic_loss(critic, -1.0)
    with pytest.raises(ValueError, match="max_t must be in"):
        replace(TINY, max_t=0)


@pytest.fixture()
def bundle(micro_denoiser):
    from helpers.text_encoder import tokenize

    model = micro_denoiser
    latents, shapes = toy_latents(4, seed=2)
    latents = torch.nn.functional.pad(latents, (0, 0, 0, 0, 0, 13))  # (4, 4, 16, 8, 8): the micro denoiser's 16 frames
    ids = tokenize(model.tokenizer, ["a red circle moving left", "a blue square moving up", "a red triangle moving left", ""])
    batch = {"latents": latents, "input_ids": ids, "t": torch.tensor([700, 500, 300, 100]), "noise": torch.randn_like(latents)}
    return model, batch


def test_the_loss_adds_the_critics_cross_entropy_and_trains_only_the_denoiser(bundle):
    from helpers.latent_diffusion import t2v_loss

    model, batch = bundle
    critic = ShapeCritic(TINY).eval().requires_grad_(False)
    plain, _ = t2v_loss(model, batch)
    zero, logs0 = critic_loss(critic, 0.0)(model, batch)
    torch.testing.assert_close(zero, plain)  # weight 0: the denoising loss alone
    loss, logs = critic_loss(critic, 2.0)(model, batch)
    torch.testing.assert_close(loss, plain + 2.0 * logs["critic"])
    assert logs["critic"] > 0 and logs["latent"] == pytest.approx(plain.item())
    loss.backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.unet.parameters())
    assert all(p.grad is None for p in critic.parameters())


def test_dropped_captions_and_pure_noise_are_left_to_the_denoising_loss(bundle):
    model, batch = bundle
    critic = ShapeCritic(TINY).eval().requires_grad_(False)
    _, some = critic_loss(critic, 1.0)(model, batch)
    _, none = critic_loss(ShapeCritic(replace(TINY, max_t=100)).eval().requires_grad_(False), 1.0)(model, batch)  # every named clip at t >= 100; the one at 100 has no caption
    assert some["critic"] > 0 and none["critic"] == 0.0
    _, pure = critic_loss(critic, 1.0)(model, {**batch, "t": torch.full((4,), 999)})
    assert pure["critic"] == 0.0


def test_the_critic_loss_moves_the_clean_estimate_towards_the_named_shape(bundle, fit_on_batch):
    model, batch = bundle
    latents, shapes = toy_latents(300, seed=0)
    critic = train_critic(latents, shapes, TINY)
    first, last = fit_on_batch(critic_loss(critic, 1.0), model, batch, steps=25, lr=3e-3, log="critic")
    assert last < 0.5 * first


def test_a_pixel_critic_reads_frames_through_the_frozen_decoder(bundle):
    from helpers.autoencoder import VAEConfig, build_vae

    torch.manual_seed(0)
    decoder = build_vae(VAEConfig(block_out_channels=(8, 8, 8), latent_channels=4, norm_num_groups=4)).eval().requires_grad_(False)
    pixel = replace(TINY, space="pixel", frames=2, steps=3)
    latents, shapes = toy_latents(8, seed=3)
    critic = train_critic(latents, shapes, pixel, decoder)
    assert critic.read(latents[:2], decoder).shape == (2, 3)
    assert next(critic.parameters()).shape[1] == 3  # it convolves RGB frames, not latents
    with pytest.raises(ValueError, match="pass the frozen autoencoder"):
        critic.read(latents[:2])
    model, batch = bundle
    loss, logs = critic_loss(critic, 1.0, decoder=decoder)(model, batch)
    loss.backward()
    assert logs["critic"] > 0 and any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.unet.parameters())
    assert all(p.grad is None for p in decoder.parameters())
    with pytest.raises(ValueError, match="space must be"):
        replace(TINY, space="voxel")
    with pytest.raises(ValueError, match="frames must be >= 1"):
        replace(TINY, frames=0)
    with pytest.raises(ValueError, match="max_t must be in"):
        replace(TINY, max_t=1001)


def test_latents_that_carry_an_encoders_graph_train_the_critic_too():
    latents, shapes = toy_latents(64, seed=4)
    weight = torch.ones(1, requires_grad=True)
    critic = train_critic(latents * weight, shapes, replace(TINY, steps=3))  # every step reuses the one graph without it
    assert critic(latents[:2]).shape == (2, 3)


def test_the_models_own_sampling_states_pay_the_critics_loss_too(bundle):
    from helpers.sampled_states import StatePool

    model, batch = bundle
    critic = ShapeCritic(replace(TINY, sampled=3)).eval().requires_grad_(False)
    pool = StatePool(batch["input_ids"][:3], (4, 16, 8, 8), clips=2, refresh_every=5, band=(0, 1000), steps=3)
    pure = {**batch, "t": torch.full((4,), 999), "step": 0}  # no true clip pays the critic's loss at pure noise
    loss, logs = critic_loss(critic, 2.0, pool=pool)(model, pure)
    assert logs["critic"] == 0.0 and logs["critic_sampled"] > 0
    assert loss.item() == pytest.approx(logs["latent"] + 2.0 * logs["critic_sampled"], rel=1e-5)
    loss.backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.unet.parameters())
    _, both = critic_loss(critic, 2.0, pool=pool)(model, {**batch, "step": 1})
    assert both["critic"] > 0 and both["critic_sampled"] > 0 and pool.made_at == 0  # step 1 reuses step 0's pool
    reader = ShapeCritic(replace(TINY, sampled=3, sampled_guidance=6.0)).eval().requires_grad_(False)
    _, guided = critic_loss(reader, 2.0, pool=pool)(model, pure)
    assert guided["critic_sampled"] > 0 and guided["critic_sampled"] != pytest.approx(logs["critic_sampled"])  # the guided estimate is another
    caption_only = ShapeCritic(replace(reader.cfg, sampled_uncond_grad=False)).eval().requires_grad_(False)
    caption_only.load_state_dict(reader.state_dict())
    grads = []
    for critic_ in (reader, caption_only):  # the same read, the same loss; only where its gradient flows differs
        model.zero_grad()
        loss, _ = critic_loss(critic_, 2.0, pool=pool)(model, pure)
        loss.backward()
        grads.append((float(loss.detach()), torch.cat([p.grad.flatten() for p in model.unet.parameters() if p.grad is not None])))
    assert grads[0][0] == pytest.approx(grads[1][0], rel=1e-5)
    assert not torch.allclose(grads[0][1], grads[1][1])
    with pytest.raises(ValueError, match="sampled_guidance must be >= 1"):
        replace(TINY, sampled_guidance=0.5)
    with pytest.raises(ValueError, match="needs critic.cfg.sampled >= 1"):
        critic_loss(ShapeCritic(TINY), 1.0, pool=pool)
    with pytest.raises(ValueError, match="sampled_band must satisfy"):
        replace(TINY, sampled_band=(950, 500))
    with pytest.raises(ValueError, match="sampled must be >= 0"):
        replace(TINY, sampled=-1)


def test_the_set_cross_entropy_is_the_cross_entropy_for_one_allowed_class_and_lower_for_more():
    import torch.nn.functional as F

    from helpers.shape_critic import set_cross_entropy

    logits = torch.randn(5, 3, generator=torch.Generator().manual_seed(0))
    labels = torch.tensor([0, 2, 1, 1, 0])
    one = F.one_hot(labels, 3).bool()
    torch.testing.assert_close(set_cross_entropy(logits, one), F.cross_entropy(logits, labels))
    assert set_cross_entropy(logits, one | F.one_hot((labels + 1) % 3, 3).bool()) < set_cross_entropy(logits, one)
    critic = ShapeCritic(CriticConfig(width=4))
    assert critic.classes == 3
    assert critic.allowed({"shape": torch.tensor([2, -1])}).tolist() == [[False, False, True], [False, False, False]]
