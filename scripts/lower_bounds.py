"""Pip constraints that pin every dependency to the oldest minor release its lower bound allows.

    python -m scripts.lower_bounds > constraints.txt     # what `make test-lower` installs against

Each ``name>=X.Y`` of ``pyproject.toml`` (runtime and test extras) becomes ``name==X.Y.*``: the
newest patch of the oldest minor release the course claims to support. ``torch`` too: its floor
comes from PyPI, whose Linux builds of old releases are CUDA builds (about 3 GB with their
``nvidia-*`` wheels); they run on a CPU, so the floor is run, not just declared.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def lower_bound_constraints(pyproject: Path = PYPROJECT) -> list[str]:
    """``name==X.Y.*`` for every ``name>=X.Y`` in the runtime and test dependencies."""
    project = tomllib.loads(pyproject.read_text())["project"]
    lines = []
    for line in project["dependencies"] + project["optional-dependencies"]["test"]:
        requirement = Requirement(line)
        floors = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        if len(floors) != 1:
            raise ValueError(f"{line!r}: expected exactly one '>=' lower bound, found {len(floors)}")
        lines.append(f"{requirement.name}=={floors[0]}.*")
    return lines


def main() -> None:
    sys.stdout.write("\n".join(lower_bound_constraints()) + "\n")


if __name__ == "__main__":
    main()
