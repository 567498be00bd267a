"""helpers.colab: installs only what is missing, never torch, never upgrades; all monkeypatched (no network)."""

from pathlib import Path

import pytest

from helpers import colab

PYPROJECT = """
[project]
name = "x"
dependencies = ["torch>=2.4,<2.15", "einops>=0.8,<0.9", "opencv-python-headless>=4.9,<5.1",
                "imageio-ffmpeg>=0.5,<0.9", "jupyterlab>=4.2,<5", "numpy>=1.26,<3"]
"""


@pytest.fixture
def fake(tmp_path, monkeypatch):
    """A pyproject, an import check where only `present` imports, and recorders for pip and widgets."""
    path = tmp_path / "pyproject.toml"
    path.write_text(PYPROJECT)
    state = {"present": {"numpy", "cv2"}, "installed": [], "widgets": 0, "versions": {}}
    monkeypatch.setattr(colab, "is_importable", lambda module: module in state["present"])
    monkeypatch.setattr(colab, "installed_version", lambda req: state["versions"].get(req.name))
    monkeypatch.setattr(colab, "pip_install", lambda specs: state["installed"].extend(specs))
    monkeypatch.setattr(colab, "enable_widgets", lambda: state.__setitem__("widgets", state["widgets"] + 1))
    state["path"] = path
    return state


def test_installs_only_missing_packages_with_bounds(fake, capsys):
    installed = colab.bootstrap(fake["path"])
    assert installed == fake["installed"] == ["einops<0.9,>=0.8", "imageio-ffmpeg<0.9,>=0.5"]
    assert fake["widgets"] == 1
    assert "drive.mount" in capsys.readouterr().out


def test_never_installs_torch_even_when_missing(fake):
    fake["present"] = set()
    colab.bootstrap(fake["path"])
    names = [spec.split("<")[0].split(">")[0] for spec in fake["installed"]]
    assert "torch" not in names and "jupyterlab" not in names
    assert "numpy" in names


def test_nothing_installed_when_all_present(fake):
    fake["present"] = {"torch", "einops", "cv2", "imageio_ffmpeg", "numpy", "jupyterlab"}
    assert colab.bootstrap(fake["path"]) == []
    assert fake["installed"] == []


def test_present_out_of_range_is_reported_not_upgraded(fake, capsys):
    fake["present"] = {"torch", "einops", "cv2", "imageio_ffmpeg", "numpy"}
    fake["versions"] = {"einops": "0.7.0"}
    colab.bootstrap(fake["path"])
    assert fake["installed"] == []
    assert "einops 0.7.0 is outside the tested range" in capsys.readouterr().out


def test_real_pyproject_parses_and_maps_import_names():
    names = {req.name: colab.import_name(req) for req in colab.requirements()}
    assert names["opencv-python-headless"] == "cv2" and names["pillow"] == "PIL"
    assert "torch" in names
    for module in names.values():  # every dependency of the course is importable in this environment
        assert colab.is_importable(module), module


def test_setup_cell_calls_bootstrap_only_in_colab():
    from scripts.nbtools import SETUP_CELL

    assert 'if "google.colab" in sys.modules:' in SETUP_CELL
    assert "bootstrap()" in SETUP_CELL and "pip install" not in SETUP_CELL
    assert Path(colab.PYPROJECT).exists()
