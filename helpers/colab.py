"""Colab set-up, called by every notebook's set-up cell inside Google Colab only.

:func:`bootstrap` does three things and nothing else:

1. installs (pip, bounds from the course's ``pyproject.toml``) only the packages Colab lacks,
   judged by whether they import. It never installs torch (Colab's CUDA build must stay) and never
   upgrades a package that is already there: replacing an imported package forces a runtime
   restart. A present package outside the tested range is only reported;
2. enables Colab's custom widget manager, so the ipywidgets progress tracker renders;
3. tells the learner how to keep progress on Google Drive (it mounts nothing by itself).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"

#: Distributions whose import name differs from the distribution name.
IMPORT_NAMES = {
    "opencv-python-headless": "cv2",
    "imageio-ffmpeg": "imageio_ffmpeg",
    "pillow": "PIL",
    "safetensors": "safetensors",
}
#: Never installed in Colab: torch (Colab's own CUDA build), jupyterlab (Colab is its own front end).
NEVER_INSTALL = {"torch", "jupyterlab"}

DRIVE_HINT = (
    "Progress tracker: to keep your ticks across Colab sessions, mount Google Drive before the tracker "
    "cell runs:\n    from google.colab import drive; drive.mount('/content/drive')\n"
    "They then go to MyDrive/t2v-course/progress.json. Without Drive a runtime reset loses them "
    "(export_progress() / import_progress(file) in helpers.progress keep a copy)."
)


def requirements(pyproject: Path = PYPROJECT) -> list[Requirement]:
    """The course's runtime dependencies (``[project].dependencies``) as parsed requirements."""
    with open(pyproject, "rb") as file:
        project = tomllib.load(file)["project"]
    return [Requirement(line) for line in project["dependencies"]]


def import_name(requirement: Requirement) -> str:
    """The module a distribution is imported as (``opencv-python-headless`` -> ``cv2``)."""
    name = requirement.name.lower()
    return IMPORT_NAMES.get(name, name.replace("-", "_"))


def is_importable(module: str) -> bool:
    """True if ``module`` can be imported here (checked without importing it)."""
    return importlib.util.find_spec(module) is not None


def installed_version(requirement: Requirement) -> str | None:
    """The installed version of a distribution, or None."""
    try:
        return importlib.metadata.version(requirement.name)
    except importlib.metadata.PackageNotFoundError:
        return None


def plan(pyproject: Path = PYPROJECT) -> tuple[list[str], list[str]]:
    """``(to_install, notes)``: pip specs of the missing packages, and notes on out-of-range ones."""
    to_install, notes = [], []
    for requirement in requirements(pyproject):
        if requirement.name.lower() in NEVER_INSTALL:
            continue
        if not is_importable(import_name(requirement)):
            to_install.append(str(requirement))
            continue
        version = installed_version(requirement)
        if version and requirement.specifier and version not in requirement.specifier:
            notes.append(
                f"{requirement.name} {version} is outside the tested range {requirement.specifier}; "
                "kept as it is (replacing it would force a runtime restart)"
            )
    return to_install, notes


def pip_install(specs: list[str]) -> None:
    """``pip install`` the given requirement specs into this kernel's Python."""
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", *specs], check=True)


def enable_widgets() -> None:
    """Turn on Colab's custom widget manager (needed for ipywidgets 8 in Colab)."""
    from google.colab import output  # type: ignore[import-not-found]

    output.enable_custom_widget_manager()


def bootstrap(pyproject: Path = PYPROJECT) -> list[str]:
    """Install what Colab lacks, enable widgets, explain where progress goes; returns what was installed."""
    to_install, notes = plan(pyproject)
    if to_install:
        print("Installing what Colab lacks:", ", ".join(to_install))
        pip_install(to_install)
    for note in notes:
        print("Note:", note)
    enable_widgets()
    print(DRIVE_HINT)
    return to_install
