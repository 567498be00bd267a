"""Memory: measure the peak memory of a block of code, on a GPU or on a CPU.

- On CUDA the peak is PyTorch's allocator high-water mark (``torch.cuda.max_memory_allocated``), reset
  when the block starts: weights already on the GPU count, since they occupy memory during the block.
- On a CPU it is the peak *resident set size* (RSS) of this process during the block: a background
  thread samples the RSS every few milliseconds, and the kernel's own lifetime peak
  (``getrusage``'s ``ru_maxrss``) is used when the block raised it, so a short spike is not missed.
  We never reset the kernel's counter (``/proc/self/clear_refs``): other tools read it.
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass

import torch

GB = 1e9


def _rss_bytes() -> int:
    """Current resident set size of this process in bytes (0 where it cannot be read)."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil

        return int(psutil.Process().memory_info().rss)
    except Exception:  # noqa: BLE001 - no psutil, or a platform it does not support
        return 0


def _max_rss_bytes() -> int:
    """The kernel's lifetime peak RSS of this process in bytes (0 where unavailable)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)  # bytes on macOS, KiB on Linux


@dataclass
class PeakMemory:
    """Context manager: ``with PeakMemory(device) as peak: ...`` then ``peak.gb`` and ``peak.kind``.

    ``interval_s`` is the RSS sampling period on a CPU.
    """

    device: torch.device | str = "cpu"
    interval_s: float = 0.002
    peak_bytes: int = 0
    kind: str = ""

    def __post_init__(self) -> None:
        self.device = torch.device(self.device)
        if self.interval_s <= 0:
            raise ValueError(f"interval_s must be > 0, got {self.interval_s}")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lifetime_before = 0

    @property
    def gb(self) -> float:
        """The peak in GB (10^9 bytes)."""
        return self.peak_bytes / GB

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, _rss_bytes())
            self._stop.wait(self.interval_s)

    def __enter__(self) -> "PeakMemory":
        if self.device.type == "cuda":
            self.kind = "GPU peak (torch.cuda.max_memory_allocated)"
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
            return self
        self.kind = "process RSS peak"
        self._lifetime_before = _max_rss_bytes()
        self.peak_bytes = _rss_bytes()
        self._stop.clear()
        self._thread = threading.Thread(target=self._sample, name="rss-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            self.peak_bytes = int(torch.cuda.max_memory_allocated(self.device))
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.peak_bytes = max(self.peak_bytes, _rss_bytes())
        lifetime_after = _max_rss_bytes()
        if lifetime_after > self._lifetime_before:  # the block set a new lifetime peak: that is exact
            self.peak_bytes = max(self.peak_bytes, lifetime_after)


# ----------------------------------------------------------------------------- will it fit? (the planner)
#
# Peak GPU memory of one generation, in bytes, for weights in ``b`` bytes per parameter:
#
#   weights_c  = params_c * b                               for c in (text encoder, denoiser, VAE)
#   act_text   = 0.5 GB                                      (prompt encoding: small, a fixed allowance)
#   act_denoiser = K_DENOISER * 2 * N * 4 * D * b            N latent tokens, D the denoiser's width: a few
#                                                            feed-forward-sized tensors (4 D) for the
#                                                            conditional and unconditional batch (2)
#   act_vae    = K_VAE * F' * H * W * C * b * s              C channels per full-resolution pixel, F' the
#                                                            frames decoded at once (all, or the VAE's
#                                                            chunk; 1 for a per-frame VAE with slicing),
#                                                            s = 1, or a tile's share of the frame with tiling
#   plain:          sum_c weights_c + max_c act_c + OVERHEAD  (every model resident)
#   model offload:  max_c (weights_c + act_c) + OVERHEAD      (one model on the GPU at a time)
#   group offload:  max_c (weights_c / LAYERS + act_c) + OVERHEAD (a few layers at a time)
#   fp8 layerwise:  the denoiser's weights stored in 1 byte per parameter
#
# K_VAE and K_DENOISER are calibrated on the figures diffusers documents for CogVideoX-2b at 49 x 480 x 720
# in fp16 (docs/api/pipelines/cogvideox.md, v0.30): about 33 GB plain, 19 GB with model CPU offload,
# 11 GB with offload and VAE tiling; tests/test_memory.py checks the planner against them.
# RAM: with offload every model waits in RAM (sum of weights); plain loading streams weights to the
# GPU (accelerate), so RAM holds about the largest model once.

K_VAE = 25.0
K_DENOISER = 4.0
OVERHEAD_GB = 1.0  # CUDA context, allocator slack
TEXT_ACT_GB = 0.5
GROUP_LAYERS = 20  # group offload keeps about 1/20 of a model's weights on the GPU
TILE_SHARE = 0.35  # a VAE tile with its overlap, as a share of the frame (diffusers' defaults, roughly)
PROCESS_RAM_GB = 2.5  # Python, torch and CUDA libraries in RAM before any weights

#: option sets from cheapest (fastest) to most frugal; the planner takes the first that fits
OPTION_SETS: tuple[tuple[str, ...], ...] = (
    (),
    ("vae_slicing", "vae_tiling"),
    ("model_offload", "vae_slicing", "vae_tiling"),
    ("model_offload", "vae_slicing", "vae_tiling", "fp8_layerwise"),
    ("group_offload", "vae_slicing", "vae_tiling", "fp8_layerwise"),
)


@dataclass(frozen=True)
class ModelSize:
    """What the planner needs to know about a pipeline: parameters (billions) per component and a few widths."""

    name: str
    text_encoder_b: float
    denoiser_b: float
    vae_b: float
    denoiser_width: int  # transformer hidden size, or a UNet's top channel count
    vae_channels: int  # decoder channels per full-resolution pixel (C at H/p x W/p counts C / p^2)
    time_compression: int = 1  # frames -> latent frames (causal 3D VAEs: (F - 1) / t + 1)
    space_compression: int = 8  # pixels -> latent pixels, per side
    patch: int = 1  # latent pixels per token, per side
    per_frame_vae: bool = False  # an image VAE applied frame by frame (slicing then decodes one frame)
    vae_chunk_frames: int | None = None  # frames a video VAE decodes at once (None: all of them)


@dataclass
class Estimate:
    """Peak GPU memory and RAM (GB) for one generation, with the parts they come from."""

    options: tuple[str, ...]
    gpu_gb: float
    ram_gb: float
    parts: dict[str, float]


def estimate(size: ModelSize, frames: int, height: int, width: int, bytes_per_param: int = 2, options=()) -> Estimate:
    """Estimate peak GPU memory and RAM for ``frames x height x width`` with ``options`` (see the formula above)."""
    unknown = set(options) - {o for s in OPTION_SETS for o in s}
    if unknown or frames < 1 or height < 8 or width < 8:
        raise ValueError(f"bad request: options {sorted(unknown)} unknown, or frames {frames} < 1, or size {height}x{width} < 8")
    b = bytes_per_param
    gb = 1e9
    latent_frames = (frames - 1) // size.time_compression + 1
    tokens = latent_frames * (height // (size.space_compression * size.patch)) * (width // (size.space_compression * size.patch))
    denoiser_bytes = 1 if "fp8_layerwise" in options else b
    weights = {
        "text encoder": size.text_encoder_b * 1e9 * b / gb,
        "denoiser": size.denoiser_b * 1e9 * denoiser_bytes / gb,
        "vae": size.vae_b * 1e9 * b / gb,
    }
    decoded_frames = 1 if size.per_frame_vae and "vae_slicing" in options else min(frames, size.vae_chunk_frames or frames)
    share = TILE_SHARE if "vae_tiling" in options else 1.0
    acts = {
        "text encoder": TEXT_ACT_GB,
        "denoiser": K_DENOISER * 2 * tokens * 4 * size.denoiser_width * b / gb,
        "vae": K_VAE * decoded_frames * height * width * share * size.vae_channels * b / gb,
    }
    if "group_offload" in options:
        gpu = max(weights[c] / GROUP_LAYERS + acts[c] for c in weights)
    elif "model_offload" in options:
        gpu = max(weights[c] + acts[c] for c in weights)
    else:
        gpu = sum(weights.values()) + max(acts.values())
    offloaded = "model_offload" in options or "group_offload" in options
    ram = PROCESS_RAM_GB + (sum(weights.values()) if offloaded else max(weights.values()))
    parts = {f"{c} weights": w for c, w in weights.items()} | {f"{c} activations": a for c, a in acts.items()}
    return Estimate(tuple(options), gpu + OVERHEAD_GB, ram, parts)


def plan(size: ModelSize, frames: int, height: int, width: int, gpu_gb: float, ram_gb: float = 12.7, bytes_per_param: int = 2) -> Estimate | None:
    """The cheapest option set of :data:`OPTION_SETS` whose estimate fits ``gpu_gb`` and ``ram_gb``; None if none does."""
    for options in OPTION_SETS:
        guess = estimate(size, frames, height, width, bytes_per_param, options)
        if guess.gpu_gb <= gpu_gb and guess.ram_gb <= ram_gb:
            return guess
    return None


def apply_options(pipe, options, device: torch.device, compute_dtype: torch.dtype) -> tuple[list[str], list[str]]:
    """Apply memory ``options`` to a pipeline and put it on ``device``; returns (applied, notes on what was skipped).

    Offloading moves models to an accelerator while they run: without a GPU it is skipped (and
    diffusers >= 0.34 would raise). The other options work anywhere.
    """
    known = {o for s in OPTION_SETS for o in s}
    if set(options) - known:
        raise ValueError(f"unknown memory options {sorted(set(options) - known)}; known: {sorted(known)}")
    device = torch.device(device)
    applied, notes = [], []
    denoiser = getattr(pipe, "transformer", None) or getattr(pipe, "unet", None)
    vae = getattr(pipe, "vae", None)
    if "fp8_layerwise" in options:  # store the denoiser's weights in 8 bits, compute in compute_dtype
        denoiser.enable_layerwise_casting(storage_dtype=torch.float8_e4m3fn, compute_dtype=compute_dtype)
        applied.append("fp8_layerwise")
    for option, method in (("vae_slicing", "enable_slicing"), ("vae_tiling", "enable_tiling")):
        if option in options and hasattr(vae, method):
            getattr(vae, method)()
            applied.append(option)
    offload = [o for o in ("group_offload", "model_offload") if o in options]
    if offload and device.type != "cuda":
        notes.append(
            f"{offload[0]} skipped: offloading moves each model to the GPU while it runs, and there is no GPU "
            "here (diffusers >= 0.34 raises instead)"
        )
        offload = []
    if "group_offload" in offload:
        pipe.enable_group_offload(onload_device=device, offload_type="leaf_level")
    elif "model_offload" in offload:
        pipe.enable_model_cpu_offload(device=device)
    else:
        pipe.to(device)
    return applied + offload[:1], notes
