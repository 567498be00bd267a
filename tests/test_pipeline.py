"""helpers.pipeline: load and generate with a tiny random-weight TextToVideoSDPipeline, offline.

diffusers marks TextToVideoSDPipeline deprecated and no longer tests it: these tests are its CI.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from helpers import pipeline
from helpers.catalog import FAMILIES, MODELSCOPE, FamilyRules
from helpers.pipeline import PipelineUnavailable, canonical_id, generate, load_pipeline, unknown_words
from helpers.tiny_pipelines import build_tiny

PROMPT = "a red circle moving left"


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="module")
def tiny_path(tmp_path_factory):
    return build_tiny("text-to-video-sd", tmp_path_factory.mktemp("tiny") / "tiny-t2v", seed=0)


@pytest.fixture(scope="module")
def pipe(tiny_path):
    return load_pipeline(tiny_path, progress=False)


@pytest.fixture
def no_heavy_work(monkeypatch, pipe):
    """Make running the pipeline an error, to prove validation happens before it."""

    def forbidden(self, *args, **kwargs):
        raise AssertionError("the pipeline ran before the request was validated")

    monkeypatch.setattr(type(pipe), "__call__", forbidden)


def test_load_local_folder_reports_how(pipe, tiny_path):
    assert type(pipe).__name__ == "TextToVideoSDPipeline"
    info = pipe.course_info
    assert info.model_id == str(tiny_path.resolve()) and info.device == "cpu" and info.dtype == "float32"
    assert info.fallback_reason is None and info.options == []
    assert "loaded" in str(info)


def test_generate_returns_clip_time_and_memory(pipe):
    result = generate(pipe, PROMPT, num_frames=4, steps=2, guidance=3.0, seed=0, progress=False)
    assert result.clip.shape == (4, 32, 32, 3) and result.clip.dtype == np.float32
    assert 0.0 <= result.clip.min() and result.clip.max() <= 1.0
    assert result.seconds > 0 and result.peak_gb > 0.01 and "RSS" in result.memory_kind
    assert result.settings["num_inference_steps"] == 2 and "4x32x32" in str(result)


def test_generate_is_seeded(pipe):
    first, again, other = (generate(pipe, PROMPT, num_frames=2, steps=1, seed=s, progress=False).clip for s in (1, 1, 2))
    np.testing.assert_array_equal(first, again)
    assert np.abs(first - other).max() > 1e-4


def test_generate_other_size(pipe):
    result = generate(pipe, PROMPT, num_frames=3, steps=1, height=16, width=24, progress=False)
    assert result.clip.shape == (3, 16, 24, 3)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(prompt="   "), "prompt must be a non-empty string"),
        (dict(prompt="a purple circle moving left"), r"does not know \['purple'\]"),
        (dict(num_frames=0), r"num_frames must be in \[1, 64\]"),
        (dict(num_frames=65), r"num_frames must be in \[1, 64\]"),
        (dict(num_frames=2.5), "num_frames must be an int"),
        (dict(height=30), "height must be a multiple of 8"),
        (dict(width=0), r"width must be in \[8, 1024\]"),
        (dict(steps=0), r"steps must be in \[1, 1000\]"),
        (dict(guidance=0.5), r"guidance must be in \[1.0, 100.0\]"),
        (dict(seed=-1), "seed must be an int >= 0"),
    ],
)
def test_generate_validates_before_heavy_work(pipe, no_heavy_work, kwargs, message):
    request = dict(prompt=PROMPT, num_frames=4, steps=2, seed=0) | kwargs
    with pytest.raises(ValueError, match=message):
        generate(pipe, **request)


def test_unknown_words_lists_the_vocabulary(pipe, no_heavy_work):
    assert unknown_words(pipe, "A Red circle moving left") == []  # the tokenizer lower-cases
    assert unknown_words(pipe, "a cyan hexagon moving left") == ["cyan", "hexagon"]
    with pytest.raises(ValueError, match="it knows: a, blue, circle"):
        generate(pipe, "a cyan circle moving left")


def test_frame_rule_of_a_family(pipe, no_heavy_work, monkeypatch):
    monkeypatch.setitem(FAMILIES, "TextToVideoSDPipeline", FamilyRules("4k+1 family", frame_step=4, frame_offset=1))
    with pytest.raises(ValueError, match=r"num_frames must be 4k\+1 for 4k\+1 family \(e.g. 17\), got 16"):
        generate(pipe, PROMPT, num_frames=16)


def test_aliases_and_relative_folders(tiny_path, monkeypatch):
    assert canonical_id("damo-vilab/text-to-video-ms-1.7b") == MODELSCOPE
    assert canonical_id("someone/model") == "someone/model"
    monkeypatch.chdir(tiny_path.parent)
    assert canonical_id(tiny_path.name) == str(tiny_path.resolve())


def test_modelscope_without_gpu_falls_back_visibly(tiny_path, capsys):
    pipe = load_pipeline("damo-vilab/text-to-video-ms-1.7b", fallback=tiny_path, progress=False)
    printed = capsys.readouterr().out
    assert "no GPU" in printed and "Falling back" in printed and str(tiny_path) in printed
    assert pipe.course_info.requested == MODELSCOPE and "no GPU" in pipe.course_info.fallback_reason
    assert pipe.course_info.model_id == str(tiny_path.resolve())


def test_offline_hub_model_falls_back_through_the_same_call(tiny_path, monkeypatch, capsys):
    calls = []
    real = pipeline._from_pretrained
    monkeypatch.setattr(pipeline, "_from_pretrained", lambda *args: calls.append(args[0]) or real(*args))
    pipe = load_pipeline("someone/not-in-cache", fallback=tiny_path, progress=False)
    assert "offline (HF_HUB_OFFLINE=1)" in capsys.readouterr().out
    assert calls == [str(tiny_path.resolve())]  # nothing was downloaded; the fallback used the lesson's call
    assert "not in the local Hugging Face cache" in pipe.course_info.fallback_reason


def test_offline_without_fallback_names_the_cause_and_the_alternative():
    with pytest.raises(PipelineUnavailable, match=r"offline \(HF_HUB_OFFLINE=1\).*data/tiny-t2v"):
        load_pipeline("someone/not-in-cache", fallback=None)
    with pytest.raises(PipelineUnavailable, match="no GPU.*data/tiny-t2v"):
        load_pipeline(MODELSCOPE, fallback=None)


def test_unreachable_hub_falls_back(tiny_path, monkeypatch, capsys):
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setattr(pipeline, "_hub_offline", lambda: False)
    real = pipeline._from_pretrained

    def no_network(model_id, *args):
        if model_id == "someone/model":
            raise OSError("We couldn't connect to 'https://huggingface.co'")
        return real(model_id, *args)

    monkeypatch.setattr(pipeline, "_from_pretrained", no_network)
    pipe = load_pipeline("someone/model", fallback=tiny_path, progress=False)
    assert "hub is unreachable" in capsys.readouterr().out and "couldn't connect" in pipe.course_info.fallback_reason


def test_missing_folder_is_not_a_hub_id(tmp_path):
    with pytest.raises(PipelineUnavailable, match="neither a folder with a saved pipeline nor a hub id"):
        load_pipeline(tmp_path / "nothing" / "here", fallback=None)


def test_no_offload_without_an_accelerator(tiny_path, monkeypatch):
    def forbidden(self, *args, **kwargs):
        raise AssertionError("enable_model_cpu_offload called on a CPU-only machine")

    from diffusers import DiffusionPipeline

    monkeypatch.setattr(DiffusionPipeline, "enable_model_cpu_offload", forbidden)
    pipe = load_pipeline(tiny_path, options=("model_offload", "vae_slicing"), progress=False)
    assert pipe.course_info.options == ["vae_slicing"] and pipe.vae.use_slicing
    assert any("model_offload skipped" in note and "no GPU" in note for note in pipe.course_info.notes)
    assert generate(pipe, PROMPT, num_frames=2, steps=1, progress=False).clip.shape == (2, 32, 32, 3)


class _FakePipe:
    def __init__(self):
        self.calls = []
        self.vae = self

    def enable_model_cpu_offload(self, device=None):
        self.calls.append("offload")

    def enable_slicing(self):
        self.calls.append("slicing")

    def enable_tiling(self):
        self.calls.append("tiling")

    def to(self, device):
        self.calls.append(f"to {device}")


@pytest.mark.parametrize(
    "free_gb, options, calls",
    [
        (40.0, (), ["to cuda"]),  # ModelScope fits a 40 GB card as it is
        (5.0, ("model_offload", "vae_slicing", "vae_tiling"), ["slicing", "tiling", "offload"]),
    ],
)
def test_gpu_memory_decides_the_options(monkeypatch, free_gb, options, calls):
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device=None: (int(free_gb * 1e9), int(80e9)))
    monkeypatch.setattr(pipeline, "_ram_gb", lambda: (12.7, 12.7))  # free Colab's RAM
    notes = []
    chosen = pipeline.choose_options(pipeline.MODELS[MODELSCOPE], torch.device("cuda"), notes)
    assert chosen == options and f"{free_gb:.1f} GB GPU memory free" in notes[0]
    fake = _FakePipe()
    applied, skipped = pipeline.apply_options(fake, chosen, torch.device("cuda"), torch.float16)
    assert fake.calls == calls and skipped == [] and set(applied) == set(options)


def test_no_options_on_a_cpu_or_for_a_folder():
    assert pipeline.choose_options(pipeline.MODELS[MODELSCOPE], torch.device("cpu"), []) == ()
    assert pipeline.choose_options(None, torch.device("cuda"), []) == ()


def test_default_is_the_shipped_tiny_model_on_a_cpu():
    if not (pipeline.TINY_T2V / "model_index.json").exists():
        pytest.skip("data/tiny-t2v has not been trained yet")
    pipe = load_pipeline(progress=False)
    assert pipe.course_info.model_id == str(pipeline.TINY_T2V.resolve())
    clip = generate(pipe, PROMPT, steps=1, progress=False).clip  # the model's default frames and size
    assert clip.shape == (16, 32, 32, 3)
    assert unknown_words(pipe, "a purple circle moving left") == ["purple"]  # its tokenizer knows only its world


def test_call_defaults_fill_the_settings(pipe, monkeypatch):
    expected = {"num_frames": 16, "height": 32, "width": 32, "num_inference_steps": 50, "guidance_scale": 9.0}
    assert pipeline.call_defaults(pipe) == expected  # TextToVideoSD's own, and its native size
    spec = pipeline.MODELS[MODELSCOPE]
    monkeypatch.setitem(pipeline.MODELS, pipe.course_info.model_id, replace(spec, model_id=pipe.course_info.model_id, steps=1))
    result = generate(pipe, PROMPT, num_frames=2, progress=False)
    assert result.settings["num_inference_steps"] == 1 and result.settings["guidance_scale"] == 9.0


def test_bench_reports_positive_figures(monkeypatch, tmp_path):
    monkeypatch.setattr(pipeline, "TINY_T2V", tmp_path / "missing")  # the random stand-in: fast and always there
    monkeypatch.setattr(pipeline, "generate", lambda pipe, prompt, **kw: generate(pipe, prompt, **(kw | {"steps": 1})))
    figures = pipeline.bench()
    assert len(figures) == 3 and all(value > 0 for value in figures.values())
    assert all("random tiny" in key for key in list(figures)[:2])
