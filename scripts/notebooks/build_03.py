"""Build notebooks/03_latent_spaces.ipynb (outputs stripped): `python -m scripts.notebooks.build_03`."""

from __future__ import annotations

from scripts.nbtools import REPO_ROOT, code, md, write_notebook

CELLS = [
    md(r"""
# 03 · Latent spaces

**What you will be able to do:** compute how much a (video) autoencoder shrinks a clip and what
that saves a diffusion model; train and use a tiny video autoencoder (diffusers' `AutoencoderKL`
applied frame by frame); judge its reconstructions; look inside its latents (channels as videos,
a PCA map of many clips); interpolate between two clips in latent space and compare with a pixel
cross-fade; say what per-frame latents do *not* capture about time.

**Prerequisites:** 00; 02 (convolutions, costs).

**Time:** quick mode about 30 s, full mode about 4 min on a 2-core CPU (mostly the training run,
which uses a GPU if there is one). **GPU needed:** no.
"""),
    code(r"""
import copy

import matplotlib.pyplot as plt
import numpy as np
import torch
from diffusers import AutoencoderKL
from einops import rearrange

from helpers import autoencoder, costs, exercises, judge, runtime, shapes, video
from helpers.latent_exercises import check_latent_elements, check_slerp
from helpers.trainer import TrainConfig, train

generator = runtime.seed_everything(0)
VAE_PATH = runtime.DATA_DIR / "frame-autoencoder"       # the course's autoencoder (its latents are the tiny text-to-video model's)
print(f"mode: {runtime.mode_name()}, autoencoder: {VAE_PATH.relative_to(runtime.REPO_ROOT)}")
"""),
    md(r"""
## 1. Why work in a latent space? The arithmetic

Diffusion runs its denoiser 25 to 50 times per clip, and every run touches every position of the
clip. An autoencoder first squeezes the clip into a **latent** clip: each side of a frame shrinks
by a spatial factor $s$, time by a temporal factor $t$ (1 for an image autoencoder used frame by
frame), and each position holds $c$ channels instead of 3 colours:

$$\underbrace{F \times H \times W \times 3}_{\text{pixels}} \;\longrightarrow\; \underbrace{\tfrac{F}{t} \times \tfrac{H}{s} \times \tfrac{W}{s} \times c}_{\text{latents}}, \qquad \text{ratio} = \frac{3\,t\,s^2}{c}$$

A video VAE like **CogVideoX**'s keeps the first frame on its own and folds every 4 later frames
into one latent frame ("causal"): $F = 1 + 4k$ frames become $1 + k$. What the denoiser pays per
step grows with the number of **positions** it sees: linearly for convolutions, *quadratically*
for self-attention over all positions (a diffusion transformer also groups $2 \times 2$ latent
pixels into one token).
"""),
    code(r"""
cases = {
    "course: 16x32x32, tiny VAE (4x, 8 ch)": (costs.latent_shape(16, 32, 32, spatial=4, channels=8), 1),
    "ModelScope: 16x256x256, image VAE (8x, 4 ch)": (costs.latent_shape(16, 256, 256, spatial=8, channels=4), 1),
    "49x480x720, image VAE per frame (8x, 16 ch)": (costs.latent_shape(49, 480, 720, spatial=8, channels=16), 2),
    "CogVideoX: 49x480x720, video VAE (4x time, 8x space, 16 ch)": (costs.latent_shape(49, 480, 720, spatial=8, temporal=4, channels=16, causal=True), 2),
}
print(f"{'clip and autoencoder':60s} {'pixels':>11s} {'latent (F,h,w,c)':>18s} {'latents':>10s} {'ratio':>6s} {'positions':>10s}")
for name, (shape, patch) in cases.items():
    dims = f"{shape.frames},{shape.height},{shape.width},{shape.channels}"
    print(f"{name:60s} {shape.pixel_elements:11,d} {dims:>18s} {shape.elements:10,d} {shape.ratio:6.0f} {shape.tokens(patch):10,d}")

modelscope = cases["ModelScope: 16x256x256, image VAE (8x, 4 ch)"][0]
per_frame, cog = cases["49x480x720, image VAE per frame (8x, 16 ch)"][0], cases["CogVideoX: 49x480x720, video VAE (4x time, 8x space, 16 ch)"][0]
pixel_positions = 16 * 256 * 256
print(f"\nModelScope denoises {pixel_positions // modelscope.tokens():,}x fewer positions than pixels: "
      f"{pixel_positions // modelscope.tokens():,}x cheaper per conv, {(pixel_positions // modelscope.tokens()) ** 2:,}x per full attention")
print(f"CogVideoX's temporal compression: {per_frame.tokens(2) / cog.tokens(2):.1f}x fewer tokens than a per-frame VAE, "
      f"{(per_frame.tokens(2) / cog.tokens(2)) ** 2:.0f}x less full-attention compute")
assert cases["course: 16x32x32, tiny VAE (4x, 8 ch)"][0].ratio == 6 and modelscope.ratio == 48
assert (cog.frames, cog.height, cog.width, cog.channels) == (13, 60, 90, 16)
"""),
    code(r"""
figure, ax = plt.subplots(figsize=(9, 3.4))
names = [name.split(":")[0] if ":" in name else "per-frame VAE" for name in cases]
pixels = [shape.pixel_elements for shape, _ in cases.values()]
latents = [shape.elements for shape, _ in cases.values()]
positions = np.arange(len(cases))
ax.bar(positions - 0.2, pixels, width=0.4, label="pixel numbers")
ax.bar(positions + 0.2, latents, width=0.4, label="latent numbers")
for x, (shape, _) in zip(positions, cases.values()):
    ax.text(x + 0.2, shape.elements * 1.3, f"{shape.ratio:.0f}x", ha="center", fontsize=9)
ax.set_yscale("log")
ax.set_xticks(positions, ["course 16x32x32", "ModelScope 16x256x256", "49x480x720 per frame", "CogVideoX 49x480x720"], fontsize=8)
ax.set_xlabel("clip and autoencoder")
ax.set_ylabel("numbers per clip (log scale)")
ax.set_title("what the denoiser would have to handle: pixels vs latents")
ax.legend()
plt.show()
"""),
    md(r"""
## 2. The course's tiny video autoencoder

The course's autoencoder is diffusers' `AutoencoderKL`, the class of Stable Diffusion's and
ModelScope's VAE, shrunk: each $32 \times 32$ frame becomes an $8 \times 8 \times 8$ latent (4× per
side, 8 channels: 6× fewer numbers). It is an *image* autoencoder, so a clip goes through it
**frame by frame**: frames are folded into the batch with `rearrange(video, "b c f h w -> (b f) c h w")`,
encoded, and unfolded again. The encoder outputs a Gaussian per latent number (mean and
variance, the "KL" part); we use the mean. A `scaling_factor` makes the latents unit-variance,
which is what a diffusion model expects. The tiny text-to-video pipeline of notebooks 04 and 07
denoises exactly these latents; it decodes them with a *causal 3D* autoencoder (CogVideoX's class,
`AutoencoderKLCogVideoX`) distilled from this one, so that both speak the same latent space
(section 7 compares them).
"""),
    code(r"""
vae = AutoencoderKL.from_pretrained(VAE_PATH).eval()
clip_batch = shapes.make_batch(["a red circle moving right", "a yellow triangle moving up"], seed=3)   # (B, 3, F, H, W)
with torch.no_grad():
    latents = autoencoder.encode_video(vae, clip_batch)                 # (B, c, F, h, w)
    decoded = autoencoder.decode_video(vae, latents)                    # (B, 3, F, H, W)
print(f"parameters: {sum(p.numel() for p in vae.parameters()) / 1e6:.2f} M, scaling_factor {vae.config.scaling_factor:.3f}")
print(f"clip {tuple(clip_batch.shape)} -> latents {tuple(latents.shape)} -> decoded {tuple(decoded.shape)}")
print(f"latent mean {latents.mean():+.3f}, std {latents.std():.3f}")
assert latents.shape == (2, vae.config.latent_channels, 16, 8, 8) and decoded.shape == clip_batch.shape
assert clip_batch.numel() / latents.numel() == 6
"""),
    md(r"""
### Training it: a short run

The loss is the usual VAE recipe: reconstruction error (MSE + L1) on random frames of the
training combinations, plus a tiny KL term that keeps the latent distribution tame. The run
below uses the course's one training loop (`helpers.trainer.train`: AdamW, warm-up and cosine
learning rate, EMA of the weights, a progress bar). In quick mode it fine-tunes a *copy* of the
shipped weights for a few steps, just to show the loop; in full mode it trains a fresh
autoencoder from scratch for 200 steps (about a minute and a half on a 2-core CPU) and compares it
with the shipped one, trained for about 3,000 steps of 64 frames on a GPU (`data/frame-autoencoder/README.md`).
"""),
    code(r"""
steps = runtime.pick(quick=4, full=200)
if runtime.is_quick():
    student, lr = copy.deepcopy(vae).train(), 1e-4                    # the shipped weights, a few more steps
else:
    student, lr = autoencoder.build_vae(autoencoder.VAEConfig()), 2e-3  # from scratch
config = TrainConfig(steps=steps, lr=lr, warmup_steps=min(50, steps), ema_decay=None, log_every=runtime.pick(1, 10), seed=0)
batch_fn = lambda step: autoencoder.frame_batch(step, batch_size=runtime.pick(8, 16))     # (B, 3, 32, 32) frames
result = train(student, autoencoder.vae_loss, batch_fn, config)   # on the GPU if there is one
student = student.cpu().eval()
if not runtime.is_quick():
    autoencoder.calibrate_scaling(student)

history = result.history
figure, ax = plt.subplots(figsize=(6, 3))
ax.plot([row["step"] for row in history], [row["mse"] for row in history], "o-")
ax.set_yscale("log")
ax.set_xlabel("training step")
ax.set_ylabel("reconstruction MSE (frames in [-1, 1])")
ax.set_title(f"autoencoder training: {steps} steps in {result.wall_s:.1f} s")
plt.show()
assert len(history) >= 1 and all(np.isfinite(row["loss"]) for row in history)
"""),
    md(r"""
## 3. Reconstructions and what the world analyser says

Encode, decode, compare. The per-frame error shows whether some frames suffer more than others,
and `helpers.judge` (the course's world analyser: it finds the object, its colour, shape and
direction) says whether the reconstruction still shows what the caption says.
"""),
    code(r"""
captions = ["a red circle moving right", "a green square moving up", "a blue triangle moving left",
            "a yellow circle moving down", "a red triangle moving down", "a blue square moving right"]
originals, reconstructions = autoencoder.reconstruct_clips(vae, captions, seed=1000)   # lists of (F, H, W, 3) in [0, 1]
video.show_video(originals + reconstructions, [f"original: {c}" for c in captions] + ["reconstruction"] * len(captions), fps=6)
"""),
    code(r"""
figure = video.frame_grid([clip for pair in zip(originals[:3], reconstructions[:3]) for clip in pair],
                          titles=[title for c in captions[:3] for title in (c.replace("a ", "", 1), "reconstructed")],
                          max_frames=8, suptitle="originals and reconstructions, time left to right")
plt.show()

errors = np.stack([((o - r) ** 2).mean(axis=(1, 2, 3)) for o, r in zip(originals, reconstructions)])   # (clips, F)
psnr = 10 * np.log10(1.0 / errors)                                                                     # dB, pixels in [0, 1]
figure, ax = plt.subplots(figsize=(7, 3.2))
for caption, row in zip(captions, psnr):
    ax.plot(row, "o-", markersize=3, label=caption)
ax.set_xlabel("frame")
ax.set_ylabel("PSNR (dB, higher is better)")
ax.set_title("reconstruction quality frame by frame")
ax.legend(fontsize=7, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.3))
figure.tight_layout()
plt.show()

print(f"{'caption':30s} {'colour':>6s} {'shape':>6s} {'dir':>5s} {'mean PSNR':>10s}")
grades = [judge.grade_clip(clip, caption) for clip, caption in zip(reconstructions, captions)]
for caption, grade, row in zip(captions, grades, psnr):
    print(f"{caption:30s} {'yes' if grade.color else 'NO':>6s} {'yes' if grade.shape else 'NO':>6s} "
          f"{'yes' if grade.direction else 'NO':>5s} {row.mean():10.1f}")
assert errors.shape == (len(captions), 16) and np.isfinite(psnr).all()
assert np.mean([g.color and g.direction for g in grades]) >= 0.8, "colour and direction survive the autoencoder"
"""),
    md(r"""
The error is not flat over time: it rises and falls with a period of about 4 frames. The shape
moves 1.25 px a frame, so every 4 frames it has moved exactly 5 px and sits at the same sub-pixel
offset again: its anti-aliased edge looks the same, and some edge patterns are easier to encode
than others. A
per-frame autoencoder has no reason to make neighbouring frames' errors agree: in a generated
clip such differences show up as flicker.

Over many clips:
"""),
    code(r"""
if runtime.is_quick():   # one clip for each colour and shape (directions in turn)
    graded = [shapes.Combo(c, s, list(shapes.DIRECTIONS)[i % 4]).caption for i, (c, s) in enumerate((c, s) for c in shapes.COLORS for s in shapes.SHAPES)]
    _, graded_clips = autoencoder.reconstruct_clips(vae, graded, seed=2000)
    rates = judge.grade_clips(graded_clips, graded)
else:                    # every combination, 3 clips each
    graded = [None] * 48 * 3
    rates = autoencoder.reconstruction_grades(vae, clips_per_combo=3)
print(f"world analyser on reconstructions of {len(graded)} clips:", {name: f"{rate:.0%}" for name, rate in rates.items()})
if not runtime.is_quick():
    _, fresh = autoencoder.reconstruct_clips(student, captions, seed=1000)
    figure = video.frame_grid([originals[0], reconstructions[0], fresh[0]],
                              titles=["original", "shipped VAE", f"your {steps}-step VAE"], max_frames=8,
                              suptitle="the shipped autoencoder vs the one trained above")
    plt.show()
assert rates["direction"] >= 0.9 and rates["color"] >= 0.8
"""),
    md(r"""
## 4. Inside the latents: channels as videos

Each latent frame is an $8 \times 8$ map with 8 channels. Played as videos (each channel scaled
to its own range), the channels are small, blurry copies of the clip: the autoencoder keeps the
*layout* (where things are) and spreads the *content* (colour, shape edges) over channels.
"""),
    code(r"""
clip = shapes.make_batch(["a yellow triangle moving right"], seed=11)      # (1, 3, F, H, W)
with torch.no_grad():
    z = autoencoder.encode_video(vae, clip)[0]                              # (c, F, h, w)
low, high = z.amin(dim=(1, 2, 3), keepdim=True), z.amax(dim=(1, 2, 3), keepdim=True)
channel_clips = [np.repeat(((channel - lo) / (hi - lo)).numpy()[..., None], 3, axis=-1)       # (F, h, w, 3) in [0, 1]
                 for channel, lo, hi in zip(z, low, high)]
video.show_video([video.tensor_to_frames(clip)] + channel_clips, ["input"] + [f"channel {k}" for k in range(len(channel_clips))],
                 fps=6, min_size=96)
figure = video.frame_grid(channel_clips, titles=[f"channel {k}" for k in range(len(channel_clips))], max_frames=6,
                          suptitle="the 8 latent channels of 'a yellow triangle moving right' (8x8 each), time left to right")
plt.show()
assert z.shape == (vae.config.latent_channels, 16, 8, 8)
"""),
    md(r"""
## 5. A map of many clips: PCA

Principal component analysis finds the directions along which a cloud of points varies most.
With the clips' latents as rows of a matrix $Z$ (one row per clip, centred by subtracting the
mean row), the singular value decomposition $Z = U S V^\top$ gives them: the rows of $V^\top$,
sorted by $S$. Projecting onto the first two, $Z V_{:, :2}$, draws each clip as a point.
Implemented from scratch in three lines, and checked against a second route to the same answer:
the eigenvectors of the $N \times N$ Gram matrix $Z Z^\top$ (they are the columns of $U$).
"""),
    code(r"""
clips_per_combo = runtime.pick(quick=1, full=4)
combos = [combo for combo in shapes.ALL_COMBOS for _ in range(clips_per_combo)]
with torch.no_grad():
    all_latents = autoencoder.encode_video(vae, shapes.make_batch(combos, seed=500))    # (N, c, F, h, w)
Z = rearrange(all_latents, "n c f h w -> n (c f h w)")                                  # (N, c*F*h*w): one row per clip

def pca_2d(rows):
    centred = rows - rows.mean(dim=0)                                   # (N, D)
    _, s, vt = torch.linalg.svd(centred, full_matrices=False)           # singular values sorted, largest first
    return centred @ vt[:2].T, (s**2 / (s**2).sum())[:2]                 # (N, 2) and the variance each explains

points, explained = pca_2d(Z)
# an independent route to the same map: eigenvectors of the clips' Gram matrix (N x N), scaled by sqrt(eigenvalue)
centred = Z - Z.mean(dim=0)
eigenvalues, eigenvectors = torch.linalg.eigh(centred @ centred.T)     # ascending order
reference = eigenvectors[:, [-1, -2]] * eigenvalues[[-1, -2]].sqrt()    # (N, 2), up to the sign of each axis
agreement = [abs(float(torch.corrcoef(torch.stack([points[:, k], reference[:, k]]))[0, 1])) for k in range(2)]
print(f"{Z.shape[0]} clips, {Z.shape[1]} numbers each; PC1 and PC2 explain {explained[0]:.0%} and {explained[1]:.0%}; "
      f"|correlation| with the Gram-matrix route: {agreement[0]:.4f}, {agreement[1]:.4f}")
assert min(agreement) > 0.99
"""),
    md(r"""
Two maps of the same clips. **All numbers**: each clip's whole latent, as above. **Pooled**: each
of the 8 channels averaged over the $8 \times 8$ map and the 16 frames, which keeps *what* is in
the clip and throws away *where* and *when*. Colour is the dot's colour, direction its marker;
the separation score is the share of the map's spread explained by the groups' centres (1: tight,
separate groups; 0: mixed).
"""),
    code(r"""
def separation(points, labels):
    # share of the 2D spread explained by the group means (1: tight separate groups, 0: mixed)
    labels = np.asarray(labels)
    centre = points.mean(dim=0)
    between = sum(((points[labels == l].mean(dim=0) - centre) ** 2).sum() * (labels == l).sum() for l in set(labels))
    return float(between / ((points - centre) ** 2).sum())

pooled = all_latents.mean(dim=(2, 3, 4))                                  # (N, c): each channel averaged over F, h, w
maps = {"all numbers (8192 per clip)": pca_2d(Z), "pooled over space and time (8 per clip)": pca_2d(pooled)}
palette = {"red": "tab:red", "green": "tab:green", "blue": "tab:blue", "yellow": "gold"}
markers = {"right": ">", "left": "<", "up": "^", "down": "v"}
scores = {}
figure, axes = plt.subplots(1, 2, figsize=(11, 4.4))
for ax, (name, (points_, explained_)) in zip(axes, maps.items()):
    for combo, (x, y) in zip(combos, points_.numpy()):
        ax.scatter(x, y, color=palette[combo.color], marker=markers[combo.direction], s=30)
    scores[name] = (separation(points_, [c.color for c in combos]), separation(points_, [c.direction for c in combos]))
    ax.set_xlabel(f"PC1 ({explained_[0]:.0%} of variance)")
    ax.set_ylabel(f"PC2 ({explained_[1]:.0%} of variance)")
    ax.set_title(f"{name}\nseparation: colour {scores[name][0]:.2f}, direction {scores[name][1]:.2f}", fontsize=10)
handles = [plt.Line2D([], [], color=c, marker="o", linestyle="", label=n) for n, c in palette.items()]
handles += [plt.Line2D([], [], color="k", marker=m, linestyle="", label=f"moving {n}") for n, m in markers.items()]
axes[1].legend(handles=handles, fontsize=7, ncol=2)
figure.suptitle("PCA maps of clip latents: colour = the shape's colour, marker = its direction")
figure.tight_layout()
plt.show()
for name, (color_score, direction_score) in scores.items():
    print(f"{name:42s} separation by colour {color_score:.2f}, by direction {direction_score:.2f}")
pooled_color, pooled_direction = scores["pooled over space and time (8 per clip)"]
assert pooled_color > 0.5 > 0.1 > pooled_direction
"""),
    md(r"""
Pooled, colour organises the map and direction vanishes: a latent pixel says *what* is there,
and that is the same whichever way the shape moves. With all numbers, the map is dominated by
*where* the shape is in each frame, and neither colour nor direction forms clean groups. Direction
is not stored in any latent frame; it only exists as the change of position **between** frames.
It *is* recoverable, but only by comparing frames: below, the centre of the latent "energy" (per
latent pixel, the distance $\lVert z - z_\text{empty} \rVert$ from the latent of an empty black
frame) is tracked from frame to frame and a line is fitted: its slope is a velocity.
"""),
    code(r"""
with torch.no_grad():
    background = autoencoder.encode_video(vae, -torch.ones(1, 3, 1, 32, 32))      # (1, c, 1, h, w): an empty black frame
energy = (all_latents - background).norm(dim=1)                                   # (N, F, h, w): how far from "nothing here"
grid_y, grid_x = torch.meshgrid(torch.arange(8.0), torch.arange(8.0), indexing="ij")
total = energy.sum(dim=(2, 3))                                                     # (N, F)
centre_x = (energy * grid_x).sum(dim=(2, 3)) / total                               # (N, F) latent pixels
centre_y = (energy * grid_y).sum(dim=(2, 3)) / total
t = torch.arange(16.0) - 7.5
velocity = torch.stack([(centre_x * t).sum(1) / (t**2).sum(), (centre_y * t).sum(1) / (t**2).sum()], dim=1) * 4   # (N, 2) px/frame

figure, ax = plt.subplots(figsize=(5, 4.4))
for combo, (vx, vy) in zip(combos, velocity.numpy()):
    ax.scatter(vx, vy, color=palette[combo.color], marker=markers[combo.direction], s=35)
ax.axhline(0, color="grey", lw=0.5); ax.axvline(0, color="grey", lw=0.5)
ax.invert_yaxis()
ax.set_xlabel("fitted x velocity (px/frame)")
ax.set_ylabel("fitted y velocity (px/frame, down is +)")
ax.set_title(f"motion read off latents by comparing frames\n(marker: true direction; direction separation {separation(velocity, [c.direction for c in combos]):.2f})")
plt.show()
predicted = [("right" if vx > 0 else "left") if abs(vx) > abs(vy) else ("down" if vy > 0 else "up") for vx, vy in velocity.tolist()]
accuracy = np.mean([p == c.direction for p, c in zip(predicted, combos)])
print(f"direction from the fitted latent velocity: {accuracy:.0%} right (true speed {shapes.world_speed():.2f} px/frame)")
assert accuracy > 0.9
"""),
    md(r"""
## 6. Interpolating between two clips

Two ways to go half-way from clip A to clip B:

- **pixel cross-fade**: $x_\alpha = (1 - \alpha)\, x_A + \alpha\, x_B$, a double exposure;
- **latent interpolation**: $\hat x_\alpha = D\big((1 - \alpha)\, E(x_A) + \alpha\, E(x_B)\big)$:
  blend the latents, let the decoder turn the blend into pixels.
"""),
    code(r"""
pairs = [("a red circle moving right", 0, "a blue square moving left", 4),     # different everything, 20+ px apart
         ("a red circle moving right", 0, "a green circle moving right", 0)]   # same path and shape, other colour
alphas = [0.0, 0.25, 0.5, 0.75, 1.0]
rows, titles, middles = [], [], {}
for caption_a, seed_a, caption_b, seed_b in pairs:
    x_a, x_b = shapes.make_batch([caption_a], seed=seed_a), shapes.make_batch([caption_b], seed=seed_b)   # (1, 3, F, H, W)
    with torch.no_grad():
        z_a, z_b = autoencoder.encode_video(vae, x_a), autoencoder.encode_video(vae, x_b)                # (1, c, F, h, w)
        weights = torch.tensor(alphas).view(-1, 1, 1, 1, 1)                                              # (alphas, 1, 1, 1, 1)
        latent_path = video.tensor_to_clips(autoencoder.decode_video(vae, (1 - weights) * z_a + weights * z_b))  # one batch
    pixel_path = [video.tensor_to_frames((1 - a) * x_a + a * x_b) for a in alphas]
    name = f"{caption_a.replace('a ', '', 1)} -> {caption_b.replace('a ', '', 1)}"
    middles[name] = (pixel_path[2], latent_path[2])
    for label, path in (("pixels", pixel_path), ("latents", latent_path)):
        rows.append(np.stack([clip[8] for clip in path]))                # (alphas, H, W, 3): frame 8 of each
        titles.append(f"{label}")

figure, axes = plt.subplots(len(rows), len(alphas), figsize=(1.5 * len(alphas) + 1.5, 1.5 * len(rows) + 0.8), squeeze=False)
for r, (row, title) in enumerate(zip(rows, titles)):
    for k, frame in enumerate(row):
        axes[r, k].imshow(frame, interpolation="nearest"); axes[r, k].set_xticks([]); axes[r, k].set_yticks([])
        if r == len(rows) - 1:
            axes[r, k].set_xlabel(f"alpha = {alphas[k]}")
    axes[r, 0].set_ylabel(f"pair {r // 2 + 1}: {title}", fontsize=8)
figure.suptitle("frame 8 along the path from A (alpha 0) to B (alpha 1): pairs 1 and 2, pixel vs latent blends")
figure.tight_layout()
plt.show()

clips_to_play, labels = [], []
for name, (pixel_mid, latent_mid) in middles.items():
    clips_to_play += [pixel_mid, latent_mid]
    labels += [f"cross-fade, half-way: {name}", f"latent blend, half-way: {name}"]
video.show_video(clips_to_play, labels, fps=6)
for name, (pixel_mid, latent_mid) in middles.items():
    for kind, clip in (("pixel cross-fade", pixel_mid), ("latent blend", latent_mid)):
        analysis = judge.analyse_clip(clip)
        print(f"{name:50s} {kind:17s}: one object in {analysis.single_object_share:4.0%} of frames, "
              f"colour {analysis.color}, direction {analysis.direction}, brightest value {clip.max():.2f}")
assert len(rows) == 2 * len(pairs) and rows[0].shape == (len(alphas), 32, 32, 3)
for name, (pixel_mid, latent_mid) in middles.items():
    assert pixel_mid.max() <= 0.51 < latent_mid.max(), "a cross-fade halves the brightness, the decoder keeps it"
"""),
    md(r"""
What to read in it:

- The **pixel cross-fade** is a double exposure: both clips at partial strength. Pair 1 shows
  two half-bright objects, each moving its own way (the analyser finds two objects in every
  frame); pair 2 passes through a dull in-between colour at half brightness.
- The **latent blend** goes through the decoder, which has only ever drawn full-strength shapes:
  brightness stays high and each object fades in or out over a shorter stretch of $\alpha$, a
  sharper dissolve. But half-way pair 1 still shows two objects: each latent frame is a *spatial
  map*, so a blend of two layouts cannot become one shape somewhere in between. And pair 2, with
  the same layout, gets a bright shape of mixed colour (one colour at the rim, the other inside),
  not a clean in-between colour: an image autoencoder's latent space is compact and decodable,
  not a space of meanings. Diffusion only needs the first two.
- Nothing in either path knows about motion: every frame is blended on its own.

## 7. What per-frame latents do not capture about time

The encoder sees one frame at a time. Two consequences, measured:

1. **Order is invisible to it.** Shuffle the frames of a clip and the latents shuffle the same
   way: $E(x_{\pi}) = E(x)_{\pi}$. Whether the shape moves left or right, smoothly or jumping,
   is *not* in any latent frame; the denoiser has to model it (notebook 04), with temporal
   layers like those of notebook 02.
2. **Neighbouring latent frames are nearly the same.** That redundancy is what a video VAE
   removes with its 4× temporal compression. Can we remove it more simply, by keeping only some
   latent frames and interpolating the rest linearly?
"""),
    code(r"""
clip = shapes.make_batch(["a blue circle moving left"], seed=21)                    # (1, 3, F, H, W)
permutation = torch.randperm(16, generator=generator)
with torch.no_grad():
    z = autoencoder.encode_video(vae, clip)                                          # (1, c, F, h, w)
    z_shuffled = autoencoder.encode_video(vae, clip[:, :, permutation])
gap = (z_shuffled - z[:, :, permutation]).abs().max()
print(f"max |E(shuffled clip) - shuffled E(clip)| = {gap:.1e}: the encoder cannot tell the frame order")
assert gap < 1e-4

frames = rearrange(z[0], "c f h w -> f (c h w)")                                     # (F, c*h*w)
similarity = torch.nn.functional.cosine_similarity(frames[:, None], frames[None], dim=-1)   # (F, F)
neighbours = similarity.diagonal(1).mean()
print(f"cosine similarity of neighbouring latent frames {neighbours:.2f}, of frames 15 apart {similarity[0, 15]:.2f}")
assert neighbours > similarity[0, 15]
"""),
    code(r"""
def interpolate_latent_frames(z, keep):
    # z (B, c, F, h, w) -> same shape: only the frames in `keep` are kept, the others linearly interpolated
    weights = torch.zeros(z.shape[2], len(keep))                                      # (F, kept)
    for f in range(z.shape[2]):
        k = min(int(np.searchsorted(keep, f, side="right")) - 1, len(keep) - 2)
        a = (f - keep[k]) / (keep[k + 1] - keep[k])
        weights[f, k], weights[f, k + 1] = 1 - a, a
    return torch.einsum("fk,bckhw->bcfhw", weights, z[:, :, keep])

original = video.tensor_to_frames(clip)
results = {"all 16 latent frames": z}
for keep in ([0, 5, 10, 15], [0, 15]):
    results[f"frames {keep} kept, rest interpolated"] = interpolate_latent_frames(z, keep)
decoded_clips, summary = [], {}
with torch.no_grad():
    for name, latents_ in results.items():
        decoded_clip = video.tensor_to_frames(autoencoder.decode_video(vae, latents_))
        decoded_clips.append(decoded_clip)
        summary[name] = (float(((decoded_clip - original) ** 2).mean()), judge.analyse_clip(decoded_clip).single_object_share)
figure = video.frame_grid([original, *decoded_clips], titles=["original", *results], max_frames=8,
                          suptitle="decoding latents whose in-between frames were linearly interpolated")
plt.show()
for name, (error, single) in summary.items():
    print(f"{name:40s} MSE vs original {error:.4f}; one object in {single:4.0%} of frames")
errors_ = [error for error, _ in summary.values()]
assert errors_[0] < errors_[1] < errors_[2]
"""),
    md(r"""
Over a short gap (every 5th frame kept: the shape moves about 6 px, 1.5 latent pixels, between
kept frames) the blend of two overlapping blobs still decodes to a softer blob in between. Over a
long gap the in-between frames are plain cross-fades: the shape splits into two ghosts that fade
into each other instead of moving. Linear blending cannot move things; a video VAE that compresses
time has to *learn* motion, with 3D (causal) convolutions in its encoder and decoder, which is
what CogVideoX's VAE does.

### A causal 3D autoencoder that speaks the same latents

The course's text-to-video pipeline (notebook 04) is a `CogVideoXPipeline`, and that class decodes
whole clips with CogVideoX's 3D autoencoder, `AutoencoderKLCogVideoX`. Its convolutions are
**causal** in time: the kernel covers the current frame and the two before it, never later ones,
so frame $f$ is decoded from latent frames $\le f$ (the decoder runs over chunks of two latent
frames, caching what the next chunk needs). Ours keeps every frame (`temporal_compression_ratio=1`)
and was **distilled** from the autoencoder above rather than trained anew
(`helpers.causal_vae`): its encoder learned to output this one's latents, its decoder to turn them
back into the true clips. So the text-to-video model denoises exactly these latents, and either
autoencoder can decode them. Do they agree, and is the decoder really causal?
"""),
    code(r"""
from diffusers import AutoencoderKLCogVideoX

from helpers.causal_vae import agreement

causal = AutoencoderKLCogVideoX.from_pretrained(runtime.DATA_DIR / "tiny-t2v" / "vae").eval()
count = lambda model: sum(p.numel() for p in model.parameters())
figures = agreement(causal, vae, clips=runtime.pick(4, 32))
print(f"frame autoencoder {count(vae):,} parameters, causal 3D autoencoder {count(causal):,}")
print(", ".join(f"{k} {v:.4f}" for k, v in figures.items()), "(latents have unit variance)")

changed = z.clone()                                                                  # z: the blue circle's latents, (1, c, F, h, w)
changed[:, :, 8:] = 0                                                                # wipe latent frames 8-15 only
with torch.no_grad():
    a, b = autoencoder.decode_video(causal, z), autoencoder.decode_video(causal, changed)   # (1, 3, F, H, W)
change = (a - b).abs().amax(dim=(0, 1, 3, 4)).numpy()                                # (F,) largest pixel change per frame
fig, ax = plt.subplots(figsize=(6, 2.5))
ax.bar(range(16), change)
ax.axvline(7.5, color="grey", ls="--")
ax.set(title="Causal decoder: wiping latent frames 8-15 changes only frames 8-15", xlabel="frame", ylabel="max |pixel change|")
plt.show()
assert change[:8].max() < 1e-4 < change[8:].min()
assert figures["latent_mse"] < 0.05
"""),
    md(r"""
## 8. Exercises

**8.1 Latent size of a video VAE.** Write `latent_elements(frames, height, width, spatial, temporal, channels)`:
how many numbers a **causal** video VAE (CogVideoX-style) produces for an $F \times H \times W$ clip.
The first frame is encoded on its own; after it, every `temporal` frames become one latent frame;
each side shrinks by `spatial`; each latent pixel has `channels` numbers.
"""),
    code(r"""
def latent_elements(frames, height, width, spatial, temporal, channels):
    ...  # your code here
"""),
    code(r"""
answer = exercises.attempt(latent_elements, check_latent_elements.solution)
feedback = check_latent_elements(answer)
display(feedback)
assert feedback.passed or not feedback.attempted, "see the hints above"
"""),
    md(r"""
**8.2 Spherical interpolation.** Half-way along the straight line between two independent
unit-variance latents, the blend has variance $\tfrac14 + \tfrac14 = \tfrac12$: its norm shrinks to
$\approx 0.71$ of the ends, and a diffusion model's noise latents (and many decoders) expect the
full norm. *Slerp* walks along the arc instead: with $\cos\omega = \frac{\langle z_a, z_b \rangle}{\lVert z_a \rVert \lVert z_b \rVert}$,

$$\operatorname{slerp}(z_a, z_b; \alpha) = \frac{\sin((1-\alpha)\,\omega)}{\sin\omega}\, z_a + \frac{\sin(\alpha\,\omega)}{\sin\omega}\, z_b$$

Write `slerp(z_a, z_b, alpha)` for tensors of any shape (the angle is over *all* their numbers);
fall back to the straight line when $\omega \approx 0$.
"""),
    code(r"""
def slerp(z_a, z_b, alpha):
    ...  # your code here
"""),
    code(r"""
answer = exercises.attempt(slerp, check_slerp.solution)
feedback = check_slerp(answer)
display(feedback)
assert feedback.passed or not feedback.attempted, "see the hints above"
if feedback.passed:
    noise_a, noise_b = torch.randn(1, 8, 16, 8, 8, generator=generator), torch.randn(1, 8, 16, 8, 8, generator=generator)
    ratios = {name: float(fn(noise_a, noise_b, 0.5).norm() / noise_a.norm())
              for name, fn in (("lerp", lambda a, b, t: (1 - t) * a + t * b), ("slerp", answer))}
    print("norm half-way / norm at the end, for two noise latents:", {k: round(v, 3) for k, v in ratios.items()})
"""),
    md(r"""
## Summary

- An autoencoder shrinks a clip by $3\,t\,s^2 / c$: 6× for the course's tiny VAE, 48× for
  ModelScope's 8× image VAE, about 45× for CogVideoX's video VAE that also folds 4 frames into
  one. The denoiser's cost per step falls with the number of positions (and with its square for
  full attention), which is what makes video diffusion affordable (the lesson's approach 2).
- The course's VAE is diffusers' `AutoencoderKL` applied frame by frame (frames folded into the
  batch); trained with reconstruction + a small KL loss, it keeps colour, shape and direction.
- Its latents are small spatial maps that keep the layout: pooled over space and time they
  group clips by colour in a PCA map; direction appears only when frames are compared.
- Latent blends go through the decoder and stay bright, unlike a pixel double exposure, but a
  spatial latent space does not move objects half-way.
- Per-frame latents know nothing about time: the encoder is blind to frame order and linear
  interpolation of latent frames makes ghosts. Modelling motion is left to the denoiser, or to a
  video VAE with 3D convolutions.

Tick what you have done below: each tick is saved at once.
"""),
    code(r"""
from helpers.progress import tracker
tracker("03")
"""),
]


def main() -> None:
    """Write the notebook."""
    path = write_notebook(REPO_ROOT / "notebooks" / "03_latent_spaces.ipynb", CELLS)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
