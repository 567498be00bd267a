"""The tracker widget behind :func:`helpers.progress.tracker`: one checkbox per item, saved at once."""

from __future__ import annotations

from pathlib import Path

import ipywidgets as widgets
from IPython import get_ipython
from IPython.display import Markdown, display

from .progress import checklist_markdown, checklists, goal_note, is_ephemeral, items, label, tick, ticked, untick


class TrackerBox(widgets.VBox):
    """A VBox whose text fallback (nbconvert, GitHub preview) is the Markdown checklist."""

    def __init__(self, children, markdown: str) -> None:
        super().__init__(children)
        self._markdown = markdown

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        bundle["text/plain"] = self._markdown
        bundle["text/markdown"] = self._markdown
        return bundle


class Tracker:
    """A title, one checkbox per item, and a status line saying where each tick went (or why it failed)."""

    def __init__(self, notebook: str, path: Path) -> None:
        self.notebook, self.path = notebook, path
        done = ticked(notebook, path)
        self.status = widgets.HTML(f"<small>Ticks are saved to <code>{path}</code></small>")
        self.boxes: dict[str, widgets.Checkbox] = {}
        for entry in items(notebook):
            box = widgets.Checkbox(
                value=entry["id"] in done, description=label(entry), indent=False, layout=widgets.Layout(width="auto")
            )
            box.add_class("course-tracker-item")
            box.observe(lambda change, item=entry["id"]: self.on_change(item, change["new"]), names="value")
            self.boxes[entry["id"]] = box
        title = widgets.HTML(f"<b>Progress tracker: {notebook} {checklists()['notebooks'][notebook]['title']}</b>")
        notes = [widgets.HTML(f"<small>{goal_note(notebook)}</small>")] if goal_note(notebook) else []
        self.widget = TrackerBox(
            [title, *self.boxes.values(), *notes, self.status], markdown=checklist_markdown(notebook, path)
        )

    def on_change(self, item: str, value: bool) -> None:
        """Save one tick at once; show any failure in the widget instead of losing it."""
        try:
            (tick if value else untick)(self.notebook, item, self.path)
            verb = "ticked" if value else "unticked"
            self.status.value = f"<small>{verb} <code>{item}</code>, saved to <code>{self.path}</code></small>"
        except Exception as error:  # noqa: BLE001 - any failure must be visible
            self.status.value = f"<b style='color:#b00'>Not saved: {type(error).__name__}: {error}</b>"


def show_tracker(notebook: str, path: Path) -> None:
    """Display the tracker in a kernel; print the Markdown checklist anywhere else."""
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        print(checklist_markdown(notebook, path))
        return
    if is_ephemeral(path):
        display(Markdown(
            f"⚠️ **Your progress is saved to `{path}`, which a Colab runtime reset erases.** Mount Drive "
            "(`from google.colab import drive; drive.mount('/content/drive')`) and run this cell again, "
            "or keep a copy with `export_progress()` and restore it later with `import_progress(file)`."
        ))
    display(Tracker(notebook, path).widget)
