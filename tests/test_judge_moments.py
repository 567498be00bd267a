"""helpers.judge_moments: the judge's shape rule as differentiable logits, read through a frozen decoder."""

from dataclasses import replace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from einops import rearrange

from helpers.judge import analyse_clip, find_objects
from helpers.judge_moments import JudgeShapeReader, mask_moments, moment_logits, soft_masks
from helpers.shape_critic import CriticConfig, critic_accuracy, critic_loss, train_critic
from helpers.shapes import ALL_COMBOS, SHAPES, make_batch

JUDGE = CriticConfig(space="judge", frames=3)
COMBOS = ALL_COMBOS


def shape_ids(combos) -> torch.Tensor:
    return torch.tensor([SHAPES.index(c.shape) for c in combos])  # (N,)


def test_the_moments_are_the_judges_own_numbers_on_every_combination():
    clips = make_batch([c.caption for c in COMBOS], seed=5)  # (48, 3, F, H, W) in [-1, 1]
    frames = rearrange((clips + 1) / 2, "b c f h w -> (b f) c h w")[::5]  # (N, 3, H, W) in [0, 1]
    alpha, has_object, stray = soft_masks(frames)
    skew, corners = mask_moments(alpha)
    assert stray.max() < 0.01  # one clean object: no stray brightness beside it
    judged = [find_objects(rearrange(f, "c h w -> h w c").numpy()) for f in frames]
    assert has_object.all()
    np.testing.assert_allclose(skew.numpy(), [j.skew for j in judged], atol=1e-4)
    np.testing.assert_allclose(corners.numpy(), [j.corners for j in judged], atol=1e-4)


def test_the_logits_argmax_is_the_judges_rule():
    skew = torch.tensor([0.57, 0.31, 0.29, 0.0, 0.0, 0.0, 0.1, 0.0])
    corners = torch.tensor([1.0, 1.33, 1.33, 1.33, 0.75, 1.0, 1.05, 1 / 1.05])
    assert [SHAPES[i] for i in moment_logits(skew, corners).argmax(dim=1)] == [
        "triangle", "triangle", "square", "square", "square", "circle", "circle", "circle"]


def test_the_reader_names_every_rendered_shape_and_is_sure_of_it():
    clips, shapes = make_batch([c.caption for c in COMBOS], seed=6), shape_ids(COMBOS)
    reader = train_critic(torch.zeros(1), shapes, JUDGE)  # nothing to train: the judge's rule
    assert isinstance(reader, JudgeShapeReader) and not list(reader.parameters())
    logits = reader(clips)  # (48, 4)
    assert (logits.argmax(dim=1) == shapes).all()
    assert F.cross_entropy(logits, shapes) < 0.05
    assert torch.allclose(logits[:, 3], torch.tensor(-4.0))  # "not one object": far below


def test_a_second_object_is_read_as_not_one_object():
    clips, shapes = make_batch([c.caption for c in COMBOS[:6]], seed=7), shape_ids(COMBOS[:6])  # (6, 3, F, H, W)
    two = torch.maximum(clips, torch.roll(clips, shifts=(13, 13), dims=(3, 4)))  # a copy of each object further on
    reader = JudgeShapeReader(JUDGE)
    assert (reader(two).argmax(dim=1) == 3).all()
    assert F.cross_entropy(reader(two), shapes) > 10 * F.cross_entropy(reader(clips), shapes) + 1
    assert analyse_clip((rearrange(two[0], "c f h w -> f h w c").numpy() + 1) / 2).single_object_share < 0.5  # the judge agrees


def test_a_blank_clip_has_no_preference():
    logits = JudgeShapeReader(JUDGE)(torch.full((2, 3, 4, 16, 16), -1.0))  # black frames: no object
    assert torch.equal(logits, torch.zeros(2, 4))
    assert JudgeShapeReader(replace(JUDGE, count_objects=False))(torch.full((2, 3, 4, 16, 16), -1.0)).shape == (2, 3)


def test_its_gradient_turns_a_blurred_square_into_one_the_judge_reads_as_square():
    import cv2

    caption = "a red square moving up"
    clip = rearrange(make_batch([caption], seed=0)[0], "c f h w -> f h w c").numpy()  # (F, H, W, 3)
    blurred = np.stack([cv2.GaussianBlur(f, (0, 0), 2.0) for f in clip])  # sigma 2 px: the judge reads a circle
    assert analyse_clip((blurred + 1) / 2).shape == "circle"
    pixels = torch.tensor(rearrange(blurred, "f h w c -> 1 c f h w"), requires_grad=True)  # (1, 3, F, H, W)
    optimizer = torch.optim.Adam([pixels], lr=0.03)
    reader, target = JudgeShapeReader(JUDGE), torch.tensor([SHAPES.index("square")])
    for _ in range(40):
        loss = F.cross_entropy(reader(pixels), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    result = analyse_clip((rearrange(pixels.detach(), "1 c f h w -> f h w c").clamp(-1, 1).numpy() + 1) / 2)
    assert result.shape == "square" and result.color == "red" and result.direction == "up"


def test_it_reads_decoded_estimates_in_the_critics_loss(micro_denoiser):
    from helpers.autoencoder import VAEConfig, build_vae
    from helpers.text_encoder import tokenize

    torch.manual_seed(0)
    decoder = build_vae(VAEConfig(block_out_channels=(8, 8, 8), latent_channels=4, norm_num_groups=4)).eval().requires_grad_(False)
    reader = train_critic(torch.zeros(1), torch.zeros(1), JUDGE)
    latents = torch.randn(4, 4, 16, 8, 8)
    assert reader.read(latents[:2], decoder).shape == (2, 4)
    assert 0 <= critic_accuracy(reader, latents, torch.zeros(4, dtype=torch.long), decoder=decoder) <= 1
    with pytest.raises(ValueError, match="pass the frozen autoencoder"):
        reader.read(latents[:2])
    model = micro_denoiser
    ids = tokenize(model.tokenizer, ["a red circle moving left", "a blue square moving up", "a red triangle moving left", ""])
    batch = {"latents": latents, "input_ids": ids, "t": torch.tensor([700, 500, 300, 100]), "noise": torch.randn_like(latents)}
    loss, logs = critic_loss(reader, 1.0, decoder=decoder)(model, batch)
    loss.backward()
    assert np.isfinite(logs["critic"]) and np.isfinite(loss.item())
    assert all(p.grad is None for p in decoder.parameters())


def test_bad_settings_fail_loudly():
    with pytest.raises(ValueError, match="needs space='judge'"):
        JudgeShapeReader(replace(JUDGE, space="pixel"))
    with pytest.raises(ValueError, match=r"expected frames \(N, 3, H, W\)"):
        soft_masks(torch.zeros(2, 1, 8, 8))


def test_the_hue_is_colorsys_hue_and_its_bins_are_the_judges():
    import colorsys

    from helpers.judge import hue_to_color
    from helpers.judge_moments import colour_logits, hsv_hue
    from helpers.shapes import COLORS

    rgb = torch.rand(200, 3, generator=torch.Generator().manual_seed(0)) * 0.8 + torch.tensor([0.2, 0.0, 0.0])  # (200, 3)
    hue = hsv_hue(rgb)
    np.testing.assert_allclose(hue.numpy(), [360 * colorsys.rgb_to_hsv(*c)[0] for c in rgb.tolist()], atol=1e-3)
    named = [hue_to_color(c)[0] for c in rgb.tolist()]
    picked = [list(COLORS)[i] for i in colour_logits(hue).argmax(dim=1)]
    assert all(p == n for p, n in zip(picked, named) if n is not None)


def test_with_the_colour_read_the_labels_are_shape_colour_pairs():
    from helpers.shapes import COLORS

    reader = JudgeShapeReader(replace(JUDGE, read_colour=True))
    clips = make_batch([c.caption for c in COMBOS], seed=8)
    words = {"shape": shape_ids(COMBOS), "color": torch.tensor([list(COLORS).index(c.color) for c in COMBOS])}
    labels = reader.labels(words)
    logits = reader(clips)  # (48, 16): (circle, square, triangle, not one object) x (red, green, blue, yellow)
    assert logits.shape == (48, 16) and (logits.argmax(dim=1) == labels).all()
    assert reader.labels({"shape": torch.tensor([1, -1]), "color": torch.tensor([-1, 2])}).tolist() == [-1, -1]
    with pytest.raises(ValueError, match="read_colour is the judge's colour read"):
        replace(JUDGE, space="latent", read_colour=True)


def test_the_colour_read_pulls_a_yellowish_red_back_to_red():
    caption = "a red circle moving left"
    clip = make_batch([caption], seed=0)  # (1, 3, F, H, W) in [-1, 1]
    tinted = clip.clone()
    tinted[:, 1] = torch.where(clip[:, 0] > 0, clip[:, 0] * 0.7, clip[:, 1])  # green at 85 % of red inside the object: hue ~51, yellow
    assert analyse_clip((rearrange(tinted[0], "c f h w -> f h w c").numpy() + 1) / 2).color == "yellow"
    pixels = tinted.clone().requires_grad_(True)
    reader = JudgeShapeReader(replace(JUDGE, read_colour=True))
    label = reader.labels({"shape": torch.tensor([0]), "color": torch.tensor([0])})  # circle, red
    optimizer = torch.optim.Adam([pixels], lr=0.03)
    for _ in range(30):
        loss = F.cross_entropy(reader(pixels), label)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    result = analyse_clip((rearrange(pixels.detach()[0], "c f h w -> f h w c").clamp(-1, 1).numpy() + 1) / 2)
    assert result.color == "red" and result.shape == "circle"


def test_blank_and_symmetric_frames_give_finite_gradients():
    clips = torch.cat([torch.full((1, 3, 4, 16, 16), -1.0), make_batch(["a red square moving up"], seed=0, num_frames=4, size=16)])  # (2, 3, 4, 16, 16)
    yy, xx = torch.meshgrid(torch.arange(16) + 0.5, torch.arange(16) + 0.5, indexing="ij")
    disc = ((yy - 8) ** 2 + (xx - 8) ** 2 < 16).float() * 2 - 1  # (16, 16) a disc centred exactly: skewness 0
    symmetric = disc.expand(1, 3, 4, 16, 16).clone()
    pixels = torch.cat([clips, symmetric]).requires_grad_(True)  # (3, 3, 4, 16, 16)
    reader = JudgeShapeReader(replace(JUDGE, read_colour=True))
    loss = F.cross_entropy(reader(pixels), torch.tensor([0, 4, 0]))
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(pixels.grad).all()


def test_a_caption_with_no_colour_word_allows_its_shape_in_every_colour():
    from helpers.shape_critic import set_cross_entropy

    reader = JudgeShapeReader(replace(JUDGE, read_colour=True))
    words = {"shape": torch.tensor([1, 1, -1]), "color": torch.tensor([2, -1, 0])}  # square blue, square (no colour), no shape
    allowed = reader.allowed(words)  # (3, 16)
    assert allowed.shape == (3, reader.classes) == (3, 16)
    assert allowed[0].nonzero().flatten().tolist() == [1 * 4 + 2]
    assert allowed[1].nonzero().flatten().tolist() == [4, 5, 6, 7]  # a square in red, green, blue or yellow
    assert not allowed[2].any()
    # the partial label pays nothing for the colour: any colour of a clearly read square costs the same
    logits = torch.full((4, 16), -5.0)
    logits[torch.arange(4), torch.tensor([4, 5, 6, 7])] = 5.0
    costs = [float(set_cross_entropy(logits[i : i + 1], allowed[1:2])) for i in range(4)]
    assert max(costs) - min(costs) < 1e-6 and max(costs) < 1e-3
    plain = JudgeShapeReader(JUDGE)  # no colour read: 3 shapes + "not one object"
    assert plain.classes == 4 and plain.allowed(words)[1].nonzero().flatten().tolist() == [1]
