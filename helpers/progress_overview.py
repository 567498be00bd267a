"""The course overview behind :func:`helpers.progress.overview` (notebook 08, ``python -m helpers.progress``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .progress import checklists, items, load


@dataclass
class NotebookProgress:
    """One notebook's row of the course overview."""

    notebook: str
    title: str
    done: int
    total: int
    last_ticked: str | None


@dataclass
class GoalProgress:
    """One lesson goal: ticked or not, and (goal 2) how many of its approach items are done."""

    id: str
    title: str
    notebook: str
    done: bool
    parts_done: int
    parts_total: int


@dataclass
class CourseOverview:
    """Per-notebook done/total and the lesson's four goals; shows as a Markdown table in a notebook."""

    path: Path
    notebooks: list[NotebookProgress]
    goals: list[GoalProgress]

    def to_markdown(self) -> str:
        """The overview as two Markdown tables."""
        rows = ["| notebook | title | done | last ticked |", "|---|---|---|---|"]
        rows += [
            f"| {n.notebook} | {n.title} | {n.done}/{n.total} | {n.last_ticked or '–'} |" for n in self.notebooks
        ]
        rows += ["", "| lesson goal | ticked in | done |", "|---|---|---|"]
        for goal in self.goals:
            parts = f" ({goal.parts_done}/{goal.parts_total} approaches)" if goal.parts_total else ""
            rows.append(f"| {goal.title} | {goal.notebook} | {'yes' if goal.done else 'no'}{parts} |")
        return "\n".join(rows)

    def _repr_markdown_(self) -> str:
        return f"Progress file: `{self.path}`\n\n" + self.to_markdown()


def course_overview(path: Path) -> CourseOverview:
    """Course-wide progress: every notebook's done/total and last tick, and the four lesson goals."""
    marks = load(path)["ticks"]
    rows = []
    for notebook, entry in sorted(checklists()["notebooks"].items()):
        known = {item["id"] for item in items(notebook)}
        done = {item: when for item, when in marks.get(notebook, {}).items() if item in known}
        last = max(done.values()) if done else None
        rows.append(NotebookProgress(notebook, entry["title"], len(done), len(known), last))
    goals = []
    for goal in checklists()["goals"]:
        parts = [
            (notebook, item["id"])
            for notebook in goal.get("parts_from", [])
            for item in checklists()["notebooks"][notebook]["items"]
            if item.get("goal") == goal["id"]
        ]
        parts_done = sum(item in marks.get(notebook, {}) for notebook, item in parts)
        done = goal["id"] in marks.get(goal["notebook"], {})
        goals.append(GoalProgress(goal["id"], goal["title"], goal["notebook"], done, parts_done, len(parts)))
    return CourseOverview(path, rows, goals)
