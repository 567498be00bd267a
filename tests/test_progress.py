"""helpers.progress: persistence, atomic writes, corruption recovery, concurrent writers, unknown ids."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from helpers import progress
from helpers.progress import ProgressFileWarning, load, overview, tick, ticked, untick

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_checklists_are_consistent():
    data = progress.checklists()
    notebooks = data["notebooks"]
    assert sorted(notebooks) == [f"{i:02d}" for i in range(9)]
    goal_ids = {goal["id"] for goal in data["goals"]}
    assert len(data["goals"]) == 4
    seen = set(goal_ids)
    for notebook, entry in notebooks.items():
        assert entry["title"] and 2 <= len(entry["items"]) <= 4, notebook
        for item in entry["items"]:
            assert item["id"].startswith(f"{notebook}."), item["id"]
            assert item["id"] not in seen, f"duplicate id {item['id']}"
            seen.add(item["id"])
            assert item.get("goal", "goal.approaches") in goal_ids
    for goal in data["goals"]:
        assert goal["notebook"] in notebooks
        for notebook in goal.get("parts_from", []):
            parts = [item for item in notebooks[notebook]["items"] if item.get("goal") == goal["id"]]
            assert parts, f"notebook {notebook} has no item counting towards {goal['id']}"


def test_goals_match_the_lesson_wording():
    lesson = [
        "I can explain why text-to-video generation is more complex than text-to-image.",
        "I understand the high-level approaches used for text-to-video generation.",
        "I have a conceptual understanding of 3D convolutions.",
        "I have used a pre-trained text-to-video model to generate a short video.",
    ]
    goals = progress.checklists()["goals"]
    assert [goal["title"] for goal in goals] == lesson
    assert [goal["notebook"] for goal in goals] == ["01", "08", "02", "07"]


def test_tick_persists_and_untick_removes(progress_file):
    assert not progress_file.exists()
    tick("02", "02.motion-detector")
    tick("02", "goal.3d-conv")
    assert set(ticked("02")) == {"02.motion-detector", "goal.3d-conv"}
    data = json.loads(progress_file.read_text())  # on disk, in the documented format
    assert data["format"] == progress.FORMAT and "02.motion-detector" in data["ticks"]["02"]
    untick("02", "02.motion-detector")
    assert set(ticked("02")) == {"goal.3d-conv"}
    untick("02", "02.motion-detector")  # unticking twice is harmless
    assert set(ticked("02")) == {"goal.3d-conv"}


def test_progress_file_env_and_default(monkeypatch, tmp_path, progress_file):
    assert progress.progress_path() == progress_file
    monkeypatch.delenv("COURSE_PROGRESS_FILE")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert progress.progress_path() == tmp_path / ".t2v-course" / "progress.json"


def test_colab_without_drive_is_ephemeral(monkeypatch, tmp_path):
    monkeypatch.delenv("COURSE_PROGRESS_FILE")
    monkeypatch.setenv("COLAB_RELEASE_TAG", "test")
    monkeypatch.setattr(progress, "DRIVE_DIR", tmp_path / "drive" / "MyDrive")
    assert progress.is_ephemeral()
    (tmp_path / "drive" / "MyDrive").mkdir(parents=True)
    assert progress.progress_path() == tmp_path / "drive" / "MyDrive" / "t2v-course" / "progress.json"
    assert not progress.is_ephemeral()


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: tick("09", "09.x"), "known ids: 00, 01"),
        (lambda: tick("02", "02.nope"), "02.motion-detector"),
        (lambda: untick("02", "01.flicker"), "its items are"),
        (lambda: progress.tracker("1"), "unknown notebook id '1'"),
    ],
)
def test_unknown_ids_raise_naming_the_known_ones(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_write_is_atomic_when_interrupted(progress_file, monkeypatch):
    tick("00", "00.environment")
    before = progress_file.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(progress.json, "dump", crash)
    with pytest.raises(OSError, match="disk full"):
        tick("00", "00.exercise")
    assert progress_file.read_bytes() == before  # the old file is intact
    assert [p.name for p in progress_file.parent.iterdir() if p.suffix == ".tmp"] == []  # no temp left behind


@pytest.mark.parametrize("content", ["{not json", json.dumps({"some": "other app"}), json.dumps([1, 2])])
def test_corrupt_or_foreign_file_is_backed_up_and_reported(progress_file, content):
    progress_file.parent.mkdir(parents=True)
    progress_file.write_text(content)
    with pytest.warns(ProgressFileWarning, match="it was kept as") as caught:
        tick("01", "01.flicker")
    backups = list(progress_file.parent.glob("progress.bad-*.json"))
    assert len(backups) == 1 and backups[0].read_text() == content  # never silently overwritten
    assert str(backups[0]) in str(caught[0].message)  # the backup's name is reported
    assert set(ticked("01")) == {"01.flicker"}


def test_unknown_items_in_the_file_are_kept(progress_file):
    progress_file.parent.mkdir(parents=True)
    progress_file.write_text(json.dumps({"format": progress.FORMAT, "version": 1, "ticks": {"03": {"03.old": "x"}}}))
    tick("03", "03.compression")
    assert load()["ticks"]["03"]["03.old"] == "x"  # a renamed item from another version is not dropped
    assert set(ticked("03")) == {"03.compression"}


WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from helpers import progress
    notebook, rounds, go = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    while not go.exists():  # start together, so the two writers really overlap
        time.sleep(0.005)
    items = [entry["id"] for entry in progress.items(notebook)]
    for _ in range(rounds):
        # the same read-modify-write path as tick(), on a counter: a lost update shows as a missing count
        progress._update(progress.progress_path(), lambda data: data.update(count=data.get("count", 0) + 1))
    for item in items:
        progress.tick(notebook, item)
    """
)


def test_two_processes_ticking_at_once_keep_every_tick(progress_file, tmp_path):
    env = dict(os.environ, COURSE_PROGRESS_FILE=str(progress_file), PYTHONPATH=str(REPO_ROOT))
    go, rounds = tmp_path / "go", 150
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, notebook, str(rounds), str(go)], env=env, cwd=REPO_ROOT)
        for notebook in ("04", "06")
    ]
    go.touch()
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0]
    assert load()["count"] == 2 * rounds, "a write was lost: the file lock does not serialise writers"
    for notebook in ("04", "06"):
        assert set(ticked(notebook)) == {entry["id"] for entry in progress.items(notebook)}


def test_overview_counts_notebooks_and_goals():
    tick("01", "01.approach-frame-by-frame")
    tick("03", "03.approach-latent")
    tick("07", "goal.pretrained")
    view = overview()
    rows = {row.notebook: row for row in view.notebooks}
    assert (rows["01"].done, rows["01"].total) == (1, 4) and rows["01"].last_ticked
    assert rows["02"].done == 0 and rows["02"].last_ticked is None
    goals = {goal.id: goal for goal in view.goals}
    assert goals["goal.pretrained"].done and not goals["goal.approaches"].done
    assert (goals["goal.approaches"].parts_done, goals["goal.approaches"].parts_total) == (2, 5)
    assert "| 01 | Why video is hard | 1/4 |" in view.to_markdown()


def test_export_and_import_merge(tmp_path):
    tick("00", "00.environment")
    exported = progress.export_progress(tmp_path / "copy.json")
    progress.reset()
    assert ticked("00") == {}
    tick("02", "02.factorised")
    assert progress.import_progress(exported) == 1
    assert set(ticked("00")) == {"00.environment"} and set(ticked("02")) == {"02.factorised"}
    (tmp_path / "foreign.json").write_text("{}")
    with pytest.raises(ValueError, match="not a course progress file"):
        progress.import_progress(tmp_path / "foreign.json")


def test_markdown_fallback_without_a_kernel(capsys):
    tick("00", "00.exercise")
    progress.tracker("00")  # plain Python: no kernel, so the Markdown checklist is printed
    out = capsys.readouterr().out
    assert "- [x] I solved the exercise" in out and "- [ ] I ran the environment report" in out
    assert 'tick("00", "00.environment")' in out


def test_widget_ticks_are_saved_at_once(progress_file):
    from helpers.progress_widget import Tracker

    tracker = Tracker("02", progress_file)
    assert len(tracker.boxes) == len(progress.items("02"))
    tracker.boxes["02.conv3d-parity"].value = True
    assert "02.conv3d-parity" in json.loads(progress_file.read_text())["ticks"]["02"]
    assert "saved to" in tracker.status.value
    tracker.boxes["02.conv3d-parity"].value = False
    assert ticked("02") == {}
    bundle = tracker.widget._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and "- [ ]" in bundle["text/markdown"]
    assert Tracker("02", progress_file).boxes["02.conv3d-parity"].value is False


def test_widget_shows_a_failed_save(progress_file, monkeypatch):
    from helpers import progress_widget

    tracker = progress_widget.Tracker("00", progress_file)

    def read_only(*args):
        raise PermissionError("read-only file system")

    monkeypatch.setattr(progress_widget, "tick", read_only)
    tracker.boxes["00.environment"].value = True
    assert "Not saved: PermissionError: read-only file system" in tracker.status.value


def run_cli(*args, input_text=""):
    return subprocess.run(
        [sys.executable, "-m", "helpers.progress", *args], input=input_text, capture_output=True, text=True,
        cwd=REPO_ROOT, env=dict(os.environ), timeout=60,
    )


def test_cli_table_and_reset_with_confirmation(progress_file):
    tick("05", "05.stages")
    result = run_cli()
    assert result.returncode == 0 and "| 05 | Cascades (Imagen Video) | 1/3 |" in result.stdout
    assert str(progress_file) in result.stdout
    refused = run_cli("--reset", input_text="no\n")
    assert refused.returncode == 1 and set(ticked("05")) == {"05.stages"}
    confirmed = run_cli("--reset", input_text="yes\n")
    assert confirmed.returncode == 0 and ticked("05") == {}
    tick("05", "05.stages")
    assert run_cli("--reset", "--yes").returncode == 0 and ticked("05") == {}
