"""``make bench``: per notebook, quick-mode wall time and peak memory; then every module's ``bench()`` figures.

    python -m scripts.bench                      # all notebooks, then all module benches
    python -m scripts.bench notebooks/00_*.ipynb # some notebooks only
    python -m scripts.bench --models-only        # only the module benches
    python -m scripts.bench --approaches-only    # only notebook 08's approach table (all 48 prompts)

Writes ``bench/notebooks.{json,md}``, ``bench/approaches.{json,md}`` (every approach of the course on
all 48 combinations: :func:`helpers.approaches.compare_approaches`, the table notebook 08 shows) and
``bench/models.{json,md}``, so the README's figures are pasted from a run, not typed.

**Registry of model figures.** Any module ``helpers/<name>.py`` with a top-level ``bench() -> dict``
is found and run automatically (figures: a flat dict of numbers or short strings). Code outside
``helpers`` registers itself in :data:`EXTRA_BENCHES` as ``"package.module"``.

**Memory.** ``peak RSS`` is the largest single process, exact (``wait4`` of nbconvert, which waits
for its kernel: in practice the kernel). ``peak tree RSS`` sums nbconvert, the kernel and anything
they start, sampled every 50 ms (a short spike between samples can be missed).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import psutil

REPO_ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = REPO_ROOT / "bench"
#: Modules outside ``helpers`` whose ``bench()`` should run too (``"scripts.train_tiny"``, ...).
EXTRA_BENCHES: list[str] = []


def _tree_rss(root: psutil.Process) -> int:
    """Resident memory in bytes of ``root`` and all its descendants (0 for those already gone)."""
    total = 0
    try:
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    for process in processes:
        try:
            total += process.memory_info().rss
        except psutil.Error:
            pass
    return total


def bench_notebook(path: Path, timeout_s: int = 600) -> dict:
    """Execute one notebook in quick mode (throwaway progress file); wall time and peak memory."""
    with tempfile.TemporaryDirectory(prefix="course-bench-") as folder:
        env = dict(os.environ, COURSE_QUICK="1", COURSE_PROGRESS_FILE=str(Path(folder) / "progress.json"))
        env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
        command = [
            sys.executable, "-m", "jupyter", "nbconvert", "--execute", "--to", "notebook",
            f"--ExecutePreprocessor.timeout={timeout_s}", "--output-dir", folder, "--output", "executed", str(path),
        ]
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        watcher = psutil.Process(process.pid)
        peak_tree = 0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            peak_tree = max(peak_tree, _tree_rss(watcher))
            time.sleep(0.05)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        log = process.stdout.read().decode(errors="replace")
    peak_single = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)  # bytes
    return {
        "notebook": path.name,
        "ok": process.returncode == 0,
        "wall_s": round(wall, 2),
        "peak_rss_mb": round(peak_single / 2**20, 1),
        "peak_tree_rss_mb": round(max(peak_tree, peak_single) / 2**20, 1),
        **({} if process.returncode == 0 else {"error": log[-1500:]}),
    }


def bench_modules() -> list[dict]:
    """Run every ``bench()`` of helpers' modules and of :data:`EXTRA_BENCHES`; one row per module."""
    import helpers

    names = [f"helpers.{info.name}" for info in pkgutil.iter_modules(helpers.__path__)] + EXTRA_BENCHES
    rows = []
    for name in names:
        try:
            module = importlib.import_module(name)
        except Exception as error:  # noqa: BLE001 - report a broken module, keep benchmarking the rest
            rows.append({"module": name, "ok": False, "error": f"import failed: {type(error).__name__}: {error}"})
            continue
        if not callable(getattr(module, "bench", None)):
            continue
        print(f"bench {name} ...", flush=True)
        start = time.perf_counter()
        try:
            figures = module.bench()
            rows.append({"module": name, "ok": True, "seconds": round(time.perf_counter() - start, 2), "figures": figures})
        except Exception as error:  # noqa: BLE001
            rows.append({"module": name, "ok": False, "error": f"{type(error).__name__}: {error}"})
    return rows


def machine() -> dict:
    """Where the figures were measured."""
    import torch

    return {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cpu_count": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
    }


def notebooks_markdown(rows: list[dict]) -> str:
    """The notebook table in Markdown."""
    lines = ["| notebook | ok | quick wall time (s) | peak RSS (MB) | peak tree RSS (MB) |", "|---|---|---|---|---|"]
    lines += [
        f"| {r['notebook']} | {'yes' if r['ok'] else 'NO'} | {r['wall_s']} | {r['peak_rss_mb']} | {r['peak_tree_rss_mb']} |"
        for r in rows
    ]
    total = sum(r["wall_s"] for r in rows)
    lines.append(f"| **all** | {'yes' if all(r['ok'] for r in rows) else 'NO'} | {total:.1f} | {max((r['peak_rss_mb'] for r in rows), default=0)} | |")
    return "\n".join(lines)


def models_markdown(rows: list[dict]) -> str:
    """The module figures in Markdown, one line per figure."""
    lines = ["| module | figure | value |", "|---|---|---|"]
    for row in rows:
        if not row["ok"]:
            lines.append(f"| {row['module']} | FAILED | {row['error'][:200]} |")
            continue
        for key, value in row["figures"].items():
            lines.append(f"| {row['module']} | {key} | {value} |")
    return "\n".join(lines)


def header(info: dict) -> str:
    """The Markdown title line saying where and when the figures were measured."""
    return (
        f"# make bench\n\nMeasured {info['when']} on {info['cpu_count']} CPUs (1-min load {info['load_average_1min']}), "
        f"GPU: {info['gpu'] or 'none'}, torch {info['torch']}."
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benches, print the tables, write bench/*.json and bench/bench.md; non-zero if any failed."""
    parser = argparse.ArgumentParser(prog="python -m scripts.bench", description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebooks to time (default: all in notebooks/)")
    parser.add_argument("--models-only", action="store_true", help="skip the notebooks")
    parser.add_argument("--notebooks-only", action="store_true", help="skip the approach table and the module benches")
    parser.add_argument("--approaches-only", action="store_true", help="only the approach table")
    args = parser.parse_args(argv)
    os.environ.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")  # offline first: benches never download
    OUT_DIR.mkdir(exist_ok=True)
    info, sections, failed = machine(), [], False
    run_notebooks = not (args.models_only or args.approaches_only)
    run_approaches = args.approaches_only or not (args.models_only or args.notebooks_only)
    run_modules = not (args.notebooks_only or args.approaches_only)
    if run_notebooks:
        paths = [Path(p) for p in args.notebooks] or sorted((REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
        rows = []
        for path in paths:
            rows.append(bench_notebook(path.resolve()))
            print(f"{rows[-1]['notebook']}: {rows[-1]['wall_s']} s, {rows[-1]['peak_rss_mb']} MB", flush=True)
        (OUT_DIR / "notebooks.json").write_text(json.dumps({"machine": info, "notebooks": rows}, indent=1))
        sections.append("## Notebooks (quick mode)\n\n" + notebooks_markdown(rows))
        (OUT_DIR / "notebooks.md").write_text(f"{header(info)}\n\n{sections[-1]}\n")
        failed |= not all(r["ok"] for r in rows)
    if run_approaches:
        from helpers.approaches import compare_approaches

        print("approach table (all 48 combinations) ...", flush=True)
        table = compare_approaches(quick=False, progress=False)
        title = "## Every approach on the same 48 prompts (notebook 08)"
        table.save(OUT_DIR, title=f"{header(info)}\n\n{title}")
        sections.append(f"{title}\n\n{table.to_markdown()}")
        failed |= len(table.rows) < 5
    if run_modules:
        rows = bench_modules()
        (OUT_DIR / "models.json").write_text(json.dumps({"machine": info, "modules": rows}, indent=1, default=str))
        sections.append("## Module figures (`bench()` of each module)\n\n" + models_markdown(rows))
        (OUT_DIR / "models.md").write_text(f"{header(info)}\n\n{sections[-1]}\n")
        failed |= not all(r["ok"] for r in rows)
    print("\n" + "\n\n".join([header(info), *sections]))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
