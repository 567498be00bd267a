"""Build and clean the course notebooks: the shared set-up cell, stripping outputs, a stable kernel.

    python scripts/nbtools.py strip notebooks/*.ipynb    # strip outputs, fix kernel metadata
    python scripts/nbtools.py sync-readme                # rebuild the README's Open-in-Colab links

A notebook-building script does::

    from scripts.nbtools import write_notebook, md, code
    write_notebook("notebooks/01_why_video_is_hard.ipynb", [md("# ..."), code("...")])

and :func:`write_notebook` inserts the set-up cell (``SETUP_CELL``) right after the first Markdown
cell, so every notebook carries the identical cell (``tests/test_notebook_hygiene.py`` checks it).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

REPO_ROOT = Path(__file__).resolve().parent.parent

#: The one repository address; README links and the set-up cell are built from it.
REPOSITORY = "https://github.com/t2v-course/t2v-course"

SETUP_CELL = f'''# Course set-up (identical in every notebook). In Google Colab: fetch the course and install
# only what Colab lacks (never torch, nothing that forces a restart). Anywhere else: nothing.
import os, subprocess, sys
if "google.colab" in sys.modules:
    if not os.path.isdir("/content/t2v-course"):
        subprocess.run(["git", "clone", "-q", "--depth", "1", "{REPOSITORY}", "/content/t2v-course"], check=True)
    sys.path.insert(0, "/content/t2v-course")
    from helpers.colab import bootstrap
    bootstrap()'''

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
LANGUAGE_INFO = {"name": "python"}


def md(source: str) -> nbformat.NotebookNode:
    """A Markdown cell."""
    return nbformat.v4.new_markdown_cell(source.strip("\n"))


def code(source: str, tags: list[str] | None = None) -> nbformat.NotebookNode:
    """A code cell (``tags=["raises-exception"]`` for a cell meant to raise)."""
    cell = nbformat.v4.new_code_cell(source.strip("\n"))
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Strip outputs and execution counts, drop volatile metadata, set the stable kernel."""
    for cell in nb.cells:
        cell.pop("id", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata = {k: v for k, v in cell.metadata.items() if k == "tags"}
        else:
            cell.metadata = {}
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO)}
    nb.nbformat, nb.nbformat_minor = 4, 4
    return nb


def write_notebook(path: str | Path, cells: list[nbformat.NotebookNode]) -> Path:
    """Write a clean notebook: the first cell (Markdown header), the set-up cell, then the rest."""
    if not cells or cells[0].cell_type != "markdown":
        raise ValueError("the first cell must be the Markdown header")
    nb = nbformat.v4.new_notebook()
    nb.cells = [cells[0], code(SETUP_CELL), *cells[1:]]
    path = Path(path)
    nbformat.write(clean(nb), path)
    return path


def colab_url(notebook: str | Path) -> str:
    """The Open-in-Colab address of a notebook, built from :data:`REPOSITORY`."""
    slug = REPOSITORY.removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{slug}/blob/main/notebooks/{Path(notebook).name}"


def colab_links_markdown() -> str:
    """The README's Open-in-Colab list: one badge line per notebook in notebooks/."""
    lines = []
    for path in sorted((REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        badge = "https://colab.research.google.com/assets/colab-badge.svg"
        lines.append(f"- [![Open In Colab]({badge})]({colab_url(path)}) `{path.name}`")
    return "\n".join(lines)


def sync_readme(readme: Path = REPO_ROOT / "README.md") -> bool:
    """Rewrite the README's Colab block from :data:`REPOSITORY`; return True if it changed."""
    start, end = "<!-- colab-links:start -->", "<!-- colab-links:end -->"
    text = readme.read_text()
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    new = f"{head}{start}\n{colab_links_markdown()}\n{end}{tail}"
    if new != text:
        readme.write_text(new)
    return new != text


def strip(paths: list[str]) -> None:
    """Strip outputs of existing notebooks in place."""
    for name in paths:
        nb = nbformat.read(name, as_version=4)
        nbformat.write(clean(nb), name)


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "sync-readme":
        print("README updated" if sync_readme() else "README already in sync")
    elif len(sys.argv) >= 3 and sys.argv[1] == "strip":
        strip(sys.argv[2:])
    else:
        raise SystemExit("usage: python scripts/nbtools.py strip NOTEBOOK... | sync-readme")
