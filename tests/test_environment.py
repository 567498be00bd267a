"""environment.yml (conda) lists exactly the packages and bounds of pyproject.toml, test extras included."""

import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

REPO_ROOT = Path(__file__).resolve().parent.parent


def pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    lines = project["dependencies"] + project["optional-dependencies"]["test"]
    return {Requirement(line).name.lower(): str(Requirement(line).specifier) for line in lines}


def conda_environment() -> dict:
    return yaml.safe_load((REPO_ROOT / "environment.yml").read_text())


def conda_pip_requirements() -> dict[str, str]:
    pip = [entry["pip"] for entry in conda_environment()["dependencies"] if isinstance(entry, dict)]
    assert len(pip) == 1, "environment.yml needs exactly one pip: section"
    return {Requirement(line).name.lower(): str(Requirement(line).specifier) for line in pip[0]}


def test_same_packages_and_bounds():
    expected, listed = pyproject_requirements(), conda_pip_requirements()
    missing = sorted(set(expected) - set(listed))
    extra = sorted(set(listed) - set(expected))
    changed = {name: (expected[name], listed[name]) for name in expected.keys() & listed.keys() if expected[name] != listed[name]}
    assert not missing and not extra and not changed, (
        f"environment.yml drifted from pyproject.toml: missing {missing}, extra {extra}, "
        f"different bounds (pyproject, environment.yml) {changed}"
    )


def test_every_bound_has_a_lower_and_an_upper_limit():
    for name, specifier in pyproject_requirements().items():
        operators = {spec.operator for spec in Requirement(f"{name}{specifier}").specifier}
        assert operators & {">=", ">", "=="} and operators & {"<", "<=", "=="}, f"{name}{specifier} needs two bounds"


def test_conda_channel_python_and_pip():
    env = conda_environment()
    assert env["channels"] == ["conda-forge"]
    plain = [entry for entry in env["dependencies"] if isinstance(entry, str)]
    assert "python=3.11" in plain and "pip" in plain
    python = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert Requirement(f"python{python}").specifier.contains("3.11")


def test_lower_bound_constraints_pin_every_package_torch_included(tmp_path):
    import pytest

    from scripts.lower_bounds import lower_bound_constraints

    pins = dict(line.split("==") for line in lower_bound_constraints())
    assert {name.lower() for name in pins} == set(pyproject_requirements())
    for name, pin in pins.items():
        floor = next(s.version for s in Requirement(f"{name}{pyproject_requirements()[name.lower()]}").specifier if s.operator == ">=")
        assert pin == f"{floor}.*", name
    assert pins["diffusers"] == "0.37.*" and pins["torch"] == "2.5.*"
    bad = tmp_path / "pyproject.toml"
    bad.write_text('[project]\ndependencies = ["numpy<3"]\n[project.optional-dependencies]\ntest = []\n')
    with pytest.raises(ValueError, match="expected exactly one '>=' lower bound"):
        lower_bound_constraints(bad)
