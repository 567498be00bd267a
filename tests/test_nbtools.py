"""scripts.nbtools: the set-up cell is inserted second, outputs are stripped, the kernel is stable."""

import json

import nbformat
import pytest

from scripts import nbtools
from scripts.nbtools import SETUP_CELL, clean, code, md, strip, write_notebook


def test_write_notebook_inserts_the_setup_cell_second(tmp_path):
    path = write_notebook(tmp_path / "99_demo.ipynb", [md("# Demo"), code("x = 1\nassert x == 1")])
    nb = nbformat.read(path, as_version=4)
    assert [cell.cell_type for cell in nb.cells] == ["markdown", "code", "code"]
    assert nb.cells[1].source == SETUP_CELL
    assert nb.metadata == {"kernelspec": nbtools.KERNELSPEC, "language_info": nbtools.LANGUAGE_INFO}
    nbformat.validate(nb)


def test_first_cell_must_be_the_header(tmp_path):
    with pytest.raises(ValueError, match="Markdown header"):
        write_notebook(tmp_path / "x.ipynb", [code("1")])
    with pytest.raises(ValueError, match="Markdown header"):
        write_notebook(tmp_path / "x.ipynb", [])


def test_clean_strips_outputs_counts_and_volatile_metadata(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = code("print(1)", tags=["raises-exception"])
    cell.outputs = [nbformat.v4.new_output("stream", text="1\n")]
    cell.execution_count = 3
    cell.metadata["collapsed"] = True
    nb.cells = [md("# T"), cell]
    nb.metadata["widgets"] = {"state": {}}
    path = tmp_path / "dirty.ipynb"
    nbformat.write(nb, path)
    strip([str(path)])
    again = json.loads(path.read_text())
    code_cell = again["cells"][1]
    assert code_cell["outputs"] == [] and code_cell["execution_count"] is None
    assert code_cell["metadata"] == {"tags": ["raises-exception"]}
    assert "widgets" not in again["metadata"] and again["metadata"]["kernelspec"]["name"] == "python3"
    assert clean(nbformat.read(path, as_version=4)).cells[1].outputs == []


def test_setup_cell_is_a_no_op_outside_colab():
    namespace: dict = {}
    exec(compile(SETUP_CELL, "<setup>", "exec"), namespace)  # noqa: S102 - the cell itself, run here
    assert "bootstrap" not in namespace  # only imported inside Colab
    assert nbtools.REPOSITORY in SETUP_CELL and "torch" not in SETUP_CELL.split("bootstrap")[1]
