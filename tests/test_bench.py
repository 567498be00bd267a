"""scripts.bench: a notebook's quick-mode wall time and peak memory; module bench() figures; failures reported."""

import json
import sys
import types

import pytest

from scripts import bench
from scripts.nbtools import code, md, write_notebook


@pytest.mark.slow
def test_bench_notebook_times_and_measures_memory(tmp_path):
    good = write_notebook(tmp_path / "98_good.ipynb", [md("# good"), code("import os\nx = bytearray(50_000_000)\nprint(os.environ['COURSE_QUICK'], os.environ['COURSE_PROGRESS_FILE'])")])
    bad = write_notebook(tmp_path / "99_bad.ipynb", [md("# bad"), code("raise RuntimeError('boom')")])
    row = bench.bench_notebook(good)
    assert row["ok"] and row["notebook"] == "98_good.ipynb" and row["wall_s"] > 0
    assert row["peak_rss_mb"] > 50  # the kernel held a 50 MB buffer
    assert row["peak_tree_rss_mb"] >= row["peak_rss_mb"]
    failed = bench.bench_notebook(bad)
    assert not failed["ok"] and "boom" in failed["error"]
    table = bench.notebooks_markdown([row, failed])
    assert "| 98_good.ipynb | yes |" in table and "| 99_bad.ipynb | NO |" in table


def test_module_benches_are_discovered_and_failures_reported(monkeypatch):
    good = types.ModuleType("fake_bench_good")
    good.bench = lambda: {"clips_per_s": 12.5}
    bad = types.ModuleType("fake_bench_bad")
    bad.bench = lambda: 1 / 0
    monkeypatch.setitem(sys.modules, "fake_bench_good", good)
    monkeypatch.setitem(sys.modules, "fake_bench_bad", bad)
    monkeypatch.setattr(bench, "EXTRA_BENCHES", ["fake_bench_good", "fake_bench_bad", "no_such_module_xyz"])
    monkeypatch.setattr(bench.pkgutil, "iter_modules", lambda path: [])  # skip the real (slow) helpers benches
    rows = {row["module"]: row for row in bench.bench_modules()}
    assert rows["fake_bench_good"]["ok"] and rows["fake_bench_good"]["figures"] == {"clips_per_s": 12.5}
    assert not rows["fake_bench_bad"]["ok"] and "ZeroDivisionError" in rows["fake_bench_bad"]["error"]
    assert "import failed" in rows["no_such_module_xyz"]["error"]
    table = bench.models_markdown(list(rows.values()))
    assert "| fake_bench_good | clips_per_s | 12.5 |" in table and "FAILED" in table
    json.dumps(list(rows.values()), default=str)  # what main() writes to bench/models.json
