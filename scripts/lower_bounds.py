"""Pip constraints that pin every dependency to the oldest minor release its lower bound allows.

    python -m scripts.lower_bounds > constraints.txt     # what `make test-lower` installs against

Each ``name>=X.Y`` of ``pyproject.toml`` (runtime and test extras) becomes ``name==X.Y.*``: the
newest patch of the oldest minor release the course claims to support. ``torch`` is left out: the
Makefile installs it first and exactly (``TORCH_SPEC``), and the only CPU build of torch this
course's machine can install is 2.13.0, so its floor (2.4, for Colab's preinstalled build) is
declared, not run here.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
NOT_PINNED = {"torch"}


def lower_bound_constraints(pyproject: Path = PYPROJECT) -> list[str]:
    """``name==X.Y.*`` for every ``name>=X.Y`` in the runtime and test dependencies (torch excepted)."""
    project = tomllib.loads(pyproject.read_text())["project"]
    lines = []
    for line in project["dependencies"] + project["optional-dependencies"]["test"]:
        requirement = Requirement(line)
        floors = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        if len(floors) != 1:
            raise ValueError(f"{line!r}: expected exactly one '>=' lower bound, found {len(floors)}")
        if requirement.name.lower() not in NOT_PINNED:
            lines.append(f"{requirement.name}=={floors[0]}.*")
    return lines


def main() -> None:
    sys.stdout.write("\n".join(lower_bound_constraints()) + "\n")


if __name__ == "__main__":
    main()
