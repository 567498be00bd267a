"""Every notebook follows the course anatomy: name, stripped outputs, kernel, set-up cell, header, asserts, tracker last."""

import re
from pathlib import Path

import nbformat
import pytest

from scripts.nbtools import KERNELSPEC, SETUP_CELL

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))
IDS = [path.name for path in NOTEBOOKS]


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def code_cells(nb) -> list[str]:
    return [cell.source for cell in nb.cells if cell.cell_type == "code"]


def test_there_are_notebooks():
    assert (REPO_ROOT / "notebooks" / "00_setup_and_tour.ipynb") in NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_name_is_nn_name(path):
    assert re.fullmatch(r"\d\d_[a-z0-9]+(_[a-z0-9]+)*\.ipynb", path.name), f"{path.name}: expected NN_name.ipynb"


def test_numbers_are_unique():
    numbers = [path.name[:2] for path in NOTEBOOKS]
    assert len(numbers) == len(set(numbers)), numbers


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_outputs_stripped_and_kernel_stable(path):
    nb = read(path)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {index} has outputs: strip with scripts/nbtools.py strip"
            assert cell.execution_count is None, f"cell {index} has an execution count"
    assert nb.metadata.get("kernelspec", {}).get("name") == KERNELSPEC["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_setup_cell_is_second_and_identical(path):
    nb = read(path)
    assert nb.cells[0].cell_type == "markdown", "the first cell is the Markdown header"
    assert nb.cells[1].cell_type == "code" and nb.cells[1].source == SETUP_CELL, (
        "the second cell must be scripts.nbtools.SETUP_CELL exactly: rebuild with write_notebook"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_header_has_goals_prerequisites_times_and_gpu(path):
    header = read(path).cells[0].source.lower()
    assert header.startswith("# "), "the header starts with a title"
    for word in ("prerequisite", "quick", "full", "cpu", "gpu"):
        assert word in header, f"the header does not mention {word!r}"
    assert re.search(r"\d+\s*(s|sec|seconds|min|minutes)\b", header), "the header gives measured times"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_cells_check_themselves(path):
    with_assert = [source for source in code_cells(read(path)) if re.search(r"^\s*assert\b", source, re.M)]
    assert len(with_assert) >= 3, f"only {len(with_assert)} code cells with an assert (need 3 or more)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_last_code_cell_is_the_tracker(path):
    number = path.name[:2]
    last = code_cells(read(path))[-1]
    assert "from helpers.progress import tracker" in last
    assert re.search(rf"tracker\(\s*['\"]{number}['\"]\s*\)", last), f'the last code cell must call tracker("{number}")'
    assert read(path).cells[-1].cell_type == "code", "the tracker is the very last cell"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_has_a_builder_script(path):
    builder = REPO_ROOT / "scripts" / "notebooks" / f"build_{path.name[:2]}.py"
    assert builder.exists(), f"{path.name} needs its builder {builder.relative_to(REPO_ROOT)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_has_a_checklist_entry(path):
    from helpers.progress import checklists

    assert path.name[:2] in checklists()["notebooks"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_matches_its_builder(path, tmp_path):
    import importlib

    from scripts.nbtools import write_notebook

    builder = importlib.import_module(f"scripts.notebooks.build_{path.name[:2]}")
    rebuilt = write_notebook(tmp_path / path.name, builder.CELLS)
    assert rebuilt.read_text() == path.read_text(), (
        f"{path.name} differs from what its builder writes: edit the builder and run "
        f"`python -m scripts.notebooks.build_{path.name[:2]}`, never the notebook by hand"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_markdown_has_no_control_characters(path):
    # a builder's "\text" in a string that is not raw becomes a tab and "ext": the LaTeX breaks without an error
    for cell in read(path).cells:
        if cell.cell_type == "markdown":
            assert not re.search(r"[\t\x07\x08\x0b\x0c]", cell.source), f"{path.name}: control character in {cell.source[:80]!r}"
