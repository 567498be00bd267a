"""The progress tracker: each notebook's checklist, ticked in a widget or by code, kept in one JSON file.

In a notebook (last cell)::

    from helpers.progress import tracker
    tracker("02")                      # checkboxes; every tick is saved at once

Without widgets (plain nbconvert, GitHub preview) the tracker prints a Markdown checklist; tick by
code with ``tick("02", "02.motion-detector")`` / ``untick(...)``. From a shell::

    python -m helpers.progress             # the course-wide table
    python -m helpers.progress --reset     # asks first (--yes skips the question)

Where the file lives (:func:`progress_path`): ``COURSE_PROGRESS_FILE`` if set; in Colab on Google
Drive when it is mounted (else a warning: a runtime reset loses it; use :func:`export_progress`);
otherwise ``~/.t2v-course/progress.json``. Nothing is lost: writes are atomic (temp file +
``os.replace``), a file lock serialises writers across processes, and a corrupt or foreign file is
moved to a backup (its name printed) before anything new is written.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import warnings
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from filelock import FileLock

FORMAT = "t2v-course-progress"
CHECKLISTS_FILE = Path(__file__).with_name("checklists.json")
DRIVE_DIR = Path("/content/drive/MyDrive")


class ProgressFileWarning(UserWarning):
    """The progress file was unreadable or foreign and has been backed up."""


# ----------------------------------------------------------------------------- the checklists


@lru_cache(maxsize=1)
def checklists() -> dict:
    """The course's checklists (``helpers/checklists.json``): ``{"goals": [...], "notebooks": {...}}``."""
    return json.loads(CHECKLISTS_FILE.read_text(encoding="utf-8"))


def _check_notebook(notebook: str) -> str:
    known = sorted(checklists()["notebooks"])
    if notebook not in known:
        raise ValueError(f"unknown notebook id {notebook!r}; known ids: {', '.join(known)}")
    return notebook


def items(notebook: str) -> list[dict]:
    """The tickable items of one notebook: its own items, then the lesson goals it completes."""
    _check_notebook(notebook)
    own = [dict(item, kind="item") for item in checklists()["notebooks"][notebook]["items"]]
    goals = [dict(goal, kind="goal") for goal in checklists()["goals"] if goal["notebook"] == notebook]
    return own + goals


def _check_item(notebook: str, item: str) -> str:
    known = [entry["id"] for entry in items(notebook)]
    if item not in known:
        raise ValueError(f"unknown item {item!r} for notebook {notebook}; its items are: {', '.join(known)}")
    return item


# ----------------------------------------------------------------------------- the file


def _in_colab() -> bool:
    # The same test as helpers.runtime.in_colab, repeated so the tracker loads without torch.
    return "google.colab" in sys.modules or "COLAB_RELEASE_TAG" in os.environ


def progress_path() -> Path:
    """Where progress is kept: ``COURSE_PROGRESS_FILE``, else Google Drive in Colab, else the home folder."""
    if os.environ.get("COURSE_PROGRESS_FILE"):
        return Path(os.environ["COURSE_PROGRESS_FILE"]).expanduser()
    if _in_colab() and DRIVE_DIR.is_dir():
        return DRIVE_DIR / "t2v-course" / "progress.json"
    return Path.home() / ".t2v-course" / "progress.json"


def is_ephemeral(path: Path | None = None) -> bool:
    """True in Colab when progress is not on Drive: a runtime reset would lose it."""
    path = Path(path or progress_path()).resolve()
    return _in_colab() and DRIVE_DIR not in path.parents


def _empty() -> dict:
    return {"format": FORMAT, "version": 1, "ticks": {}}


def _valid(data) -> bool:
    return (
        isinstance(data, dict)
        and data.get("format") == FORMAT
        and isinstance(data.get("ticks"), dict)
        and all(isinstance(v, dict) for v in data["ticks"].values())
    )


def _backup(path: Path, reason: str) -> Path:
    """Move an unreadable/foreign file aside (never overwrite it) and say so."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    backup = path.with_name(f"{path.stem}.bad-{stamp}{path.suffix}")
    os.replace(path, backup)
    message = f"The progress file {path} was {reason}; it was kept as {backup} and a new one is started."
    warnings.warn(message, ProgressFileWarning, stacklevel=3)
    return backup


def _read_unlocked(path: Path) -> dict:
    if not path.exists():
        return _empty()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        _backup(path, f"not valid JSON ({error})")
        return _empty()
    if not _valid(data):
        _backup(path, f"not a course progress file (expected \"format\": \"{FORMAT}\")")
        return _empty()
    return data


def _write_atomic(path: Path, data: dict) -> None:
    """Write ``data`` to a temp file beside ``path``, flush it to disk, then rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(data, file, indent=1, sort_keys=True)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _lock(path: Path) -> FileLock:
    path.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(str(path) + ".lock", timeout=30)


def load(path: str | os.PathLike | None = None) -> dict:
    """The whole progress file as ``{"ticks": {notebook: {item: iso_time}}, ...}`` (empty if none yet)."""
    path = Path(path or progress_path())
    with _lock(path):
        return _read_unlocked(path)


def _update(path: Path, change) -> dict:
    """Read, change and write back under the file lock, so concurrent writers never drop a tick."""
    with _lock(path):
        data = _read_unlocked(path)
        change(data)
        _write_atomic(path, data)
        return data


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def tick(notebook: str, item: str, path: str | os.PathLike | None = None) -> None:
    """Mark one item of one notebook done (saved at once)."""
    _check_item(_check_notebook(notebook), item)
    _update(Path(path or progress_path()), lambda data: data["ticks"].setdefault(notebook, {}).update({item: _now()}))


def untick(notebook: str, item: str, path: str | os.PathLike | None = None) -> None:
    """Mark one item of one notebook not done (saved at once)."""
    _check_item(_check_notebook(notebook), item)
    _update(Path(path or progress_path()), lambda data: data["ticks"].get(notebook, {}).pop(item, None))


def ticked(notebook: str, path: str | os.PathLike | None = None) -> dict[str, str]:
    """``{item_id: iso_time}`` of the known items ticked in one notebook."""
    known = {entry["id"] for entry in items(notebook)}
    marks = load(path)["ticks"].get(notebook, {})
    return {item: when for item, when in marks.items() if item in known}


def reset(path: str | os.PathLike | None = None) -> None:
    """Forget all ticks (the file is rewritten empty, under the lock)."""
    _update(Path(path or progress_path()), lambda data: data.update(_empty()))


def export_progress(destination: str | os.PathLike = "t2v-course-progress.json") -> Path:
    """Copy the progress file to ``destination`` (in Colab also offer it as a download)."""
    destination = Path(destination)
    _write_atomic(destination, load())
    if _in_colab():
        from google.colab import files  # type: ignore[import-not-found]

        files.download(str(destination))
    return destination


def import_progress(source: str | os.PathLike, path: str | os.PathLike | None = None) -> int:
    """Merge the ticks of an exported file into the progress file; returns how many ticks were new."""
    incoming = json.loads(Path(source).read_text(encoding="utf-8"))
    if not _valid(incoming):
        raise ValueError(f"{source} is not a course progress file (expected \"format\": \"{FORMAT}\")")
    added = 0

    def merge(data: dict) -> None:
        nonlocal added
        for notebook, marks in incoming["ticks"].items():
            mine = data["ticks"].setdefault(notebook, {})
            for item, when in marks.items():
                if item not in mine:
                    added += 1
                mine[item] = max(mine.get(item, ""), when)

    _update(Path(path or progress_path()), merge)
    return added


# ----------------------------------------------------------------------------- overview


def overview(path: str | os.PathLike | None = None):
    """Course-wide progress (a :class:`helpers.progress_overview.CourseOverview`): per notebook and per goal."""
    from .progress_overview import course_overview

    return course_overview(Path(path or progress_path()))


# ----------------------------------------------------------------------------- the tracker


def label(entry: dict) -> str:
    """The text shown beside an item's checkbox."""
    return ("Lesson goal: " if entry["kind"] == "goal" else "") + entry["title"]


def goal_note(notebook: str) -> str:
    """A line saying which of this notebook's items count towards a lesson goal ticked elsewhere."""
    notes = []
    for goal in checklists()["goals"]:
        if notebook in goal.get("parts_from", []) and goal["notebook"] != notebook:
            notes.append(
                f"The 'Approach' item counts towards the lesson goal \"{goal['title']}\", "
                f"ticked in notebook {goal['notebook']}."
            )
    return " ".join(notes)


def checklist_markdown(notebook: str, path: str | os.PathLike | None = None) -> str:
    """The notebook's checklist as Markdown, with how to tick items by code."""
    done = ticked(notebook, path)
    title = checklists()["notebooks"][notebook]["title"]
    lines = [f"**Progress tracker: {notebook} {title}**", ""]
    for entry in items(notebook):
        lines.append(f"- [{'x' if entry['id'] in done else ' '}] {label(entry)} (`{entry['id']}`)")
    first = items(notebook)[0]["id"]
    if goal_note(notebook):
        lines += ["", goal_note(notebook)]
    lines += ["", f"No checkboxes here? Tick by code: `tick(\"{notebook}\", \"{first}\")` (and `untick`)."]
    return "\n".join(lines)


def tracker(notebook: str, path: str | os.PathLike | None = None) -> None:
    """Show the notebook's checklist as checkboxes (each tick saved at once); Markdown without widgets."""
    _check_notebook(notebook)
    path = Path(path or progress_path())
    try:
        from .progress_widget import show_tracker
    except ImportError:  # no ipywidgets/IPython: the Markdown checklist
        print(checklist_markdown(notebook, path))
        return
    show_tracker(notebook, path)


# ----------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    """``python -m helpers.progress [--reset [--yes]] [--file PATH]``."""
    parser = argparse.ArgumentParser(prog="python -m helpers.progress", description="Course progress.")
    parser.add_argument("--file", help="progress file (default: COURSE_PROGRESS_FILE or ~/.t2v-course/progress.json)")
    parser.add_argument("--reset", action="store_true", help="forget all ticks (asks first)")
    parser.add_argument("--yes", action="store_true", help="do not ask before --reset")
    args = parser.parse_args(argv)
    path = Path(args.file) if args.file else progress_path()
    if args.reset:
        if not args.yes:
            answer = input(f"Forget all ticks in {path}? Type 'yes' to confirm: ")
            if answer.strip().lower() != "yes":
                print("Nothing changed.")
                return 1
        reset(path)
        print(f"Progress reset: {path}")
        return 0
    view = overview(path)
    print(f"Progress file: {path}\n")
    print(view.to_markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
