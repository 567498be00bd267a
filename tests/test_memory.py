"""helpers.memory: the peak-memory meter sees an allocation made inside the block."""

import numpy as np
import pytest

from helpers.memory import PeakMemory


def test_cpu_peak_sees_a_short_allocation():
    with PeakMemory("cpu") as baseline:
        pass
    with PeakMemory("cpu") as peak:
        block = np.ones(200_000_000 // 8)  # 200 MB, touched, then freed
        del block
    assert peak.kind == "process RSS peak"
    assert peak.gb - baseline.gb > 0.15


def test_rejects_a_bad_interval():
    with pytest.raises(ValueError, match="interval_s must be > 0"):
        PeakMemory("cpu", interval_s=0)


# ----------------------------------------------------------------------------- the planner

from helpers.catalog import MODELS  # noqa: E402
from helpers.memory import OPTION_SETS, ModelSize, apply_options, estimate, plan  # noqa: E402

COGVIDEOX = MODELS["THUDM/CogVideoX-2b"].size


@pytest.mark.parametrize(
    "options, documented_gb",
    [((), 33.0), (("model_offload",), 19.0), (("model_offload", "vae_tiling"), 11.0)],
)
def test_estimate_matches_what_diffusers_documents_for_cogvideox_2b(options, documented_gb):
    guess = estimate(COGVIDEOX, 49, 480, 720, 2, options)
    assert abs(guess.gpu_gb - documented_gb) / documented_gb < 0.15, (options, guess.gpu_gb)


def test_plan_takes_the_cheapest_set_that_fits():
    assert plan(COGVIDEOX, 49, 480, 720, gpu_gb=80, ram_gb=64).options == ()
    assert plan(COGVIDEOX, 49, 480, 720, gpu_gb=24, ram_gb=64).options == ("vae_slicing", "vae_tiling")
    assert plan(COGVIDEOX, 49, 480, 720, gpu_gb=12, ram_gb=64).options == OPTION_SETS[2]
    assert plan(COGVIDEOX, 49, 480, 720, gpu_gb=1, ram_gb=64) is None


def test_offload_moves_weights_into_ram():
    plain, offloaded = (estimate(COGVIDEOX, 49, 480, 720, 2, o) for o in ((), ("model_offload",)))
    assert offloaded.ram_gb > plain.ram_gb and offloaded.gpu_gb < plain.gpu_gb


def test_estimate_grows_with_frames_and_slicing_helps_a_per_frame_vae():
    size = ModelSize("per-frame", 0.1, 1.0, 0.1, 320, 128, per_frame_vae=True)
    short, long = (estimate(size, f, 256, 256).gpu_gb for f in (16, 64))
    assert long > short
    sliced = estimate(size, 64, 256, 256, options=("vae_slicing",))
    assert sliced.parts["vae activations"] < estimate(size, 64, 256, 256).parts["vae activations"] / 10


def test_estimate_rejects_unknown_options_and_empty_requests():
    with pytest.raises(ValueError, match="unknown"):
        estimate(COGVIDEOX, 49, 480, 720, options=("magic",))
    with pytest.raises(ValueError, match="frames 0 < 1"):
        estimate(COGVIDEOX, 0, 480, 720)


def test_options_apply_to_a_tiny_cogvideox_on_a_cpu(tmp_path):
    from helpers.pipeline import generate, load_pipeline
    from helpers.tiny_pipelines import build_tiny

    pipe = load_pipeline(build_tiny("cogvideox", tmp_path / "cog"), options=OPTION_SETS[-1], progress=False)
    assert pipe.course_info.options == ["fp8_layerwise", "vae_slicing", "vae_tiling"]
    assert any("group_offload skipped" in note for note in pipe.course_info.notes)
    assert pipe.vae.use_tiling and pipe.vae.use_slicing
    clip = generate(pipe, "a red circle moving left", num_frames=9, height=16, width=16, steps=1, progress=False).clip
    assert clip.shape == (9, 16, 16, 3) and np.isfinite(clip).all()
    with pytest.raises(ValueError, match="unknown memory options"):
        apply_options(pipe, ("turbo",), "cpu", None)
