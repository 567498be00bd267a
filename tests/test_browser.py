"""A real browser ticks the tracker: headless Chromium opens notebook 00 in JupyterLab, runs it, clicks a checkbox.

Needs Debian's `chromium` (/usr/bin/chromium) and Playwright for Python. Without Chromium the test
skips, saying how to enable it; with COURSE_REQUIRE_BROWSER=1 (set by .ci/run) it fails instead.
"""

import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest

from helpers.progress import items
from lab_server import REPO_ROOT, running_lab


FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
NOTEBOOK = "notebooks/00_setup_and_tour.ipynb"
RUN_TIMEOUT_S = 300  # generous: the notebook takes ~10 s alone, much longer on a busy 2-core machine


def chromium_or_skip() -> str:
    """The Chromium executable, or skip (fail when COURSE_REQUIRE_BROWSER=1) with how to get one."""
    path = os.environ.get("COURSE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    problem = None
    if not Path(path).exists():
        problem = f"Chromium not found ({path}): install it with `sudo apt install chromium` to run the browser test"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "Playwright for Python is missing: `pip install -e '.[test]'` installs it"
    if problem:
        if os.environ.get("COURSE_REQUIRE_BROWSER") == "1":
            pytest.fail(problem + " (COURSE_REQUIRE_BROWSER=1 makes this a failure)")
        pytest.skip(problem)
    return path


def wait_for_tick(path: Path, item: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            data = json.loads(path.read_text())
            if item in data["ticks"].get("00", {}):
                return data
        time.sleep(0.2)
    raise AssertionError(f"{item} never reached {path}")


def started(page) -> bool:
    """True once any code cell shows an execution count or a running star."""
    prompts = page.locator(".jp-InputPrompt").all_inner_texts()
    return any(re.search(r"\[(\d+|\*)\]", prompt) for prompt in prompts)


def test_missing_chromium_skips_with_advice_or_fails_in_ci(monkeypatch):
    monkeypatch.setenv("COURSE_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.delenv("COURSE_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="sudo apt install chromium"):
        chromium_or_skip()
    monkeypatch.setenv("COURSE_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="COURSE_REQUIRE_BROWSER=1"):
        chromium_or_skip()


@pytest.mark.browser
@pytest.mark.slow
def test_tracker_checkbox_click_is_saved(tmp_path):
    chromium = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    progress_file = tmp_path / "progress.json"
    env = dict(os.environ, COURSE_PROGRESS_FILE=str(progress_file), COURSE_QUICK="1")
    env.pop("MPLBACKEND", None)  # the kernel draws inline, as for a learner
    screenshot = tmp_path / "notebook00.png"
    # Serve a copy: whatever the browser does, the course's own notebook is never written to.
    served = tmp_path / "served"
    (served / "notebooks").mkdir(parents=True)
    shutil.copy(REPO_ROOT / NOTEBOOK, served / NOTEBOOK)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    with running_lab(tmp_path, env, root_dir=served) as lab, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1600})
            page.goto(f"{lab.url}/lab/tree/{NOTEBOOK}?token={lab.token}", timeout=60_000)
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
            # 1. Run all cells from the Run menu, as a learner would; if the kernel was not ready
            #    and nothing started, ask again.
            # 2. The tracker widget renders in the last cell (scrolled into view: JupyterLab only
            #    renders the cells on screen).
            last = page.locator(".jp-Notebook .jp-Cell").last
            boxes = page.locator(".course-tracker-item input[type='checkbox']")
            deadline, clicked = time.monotonic() + RUN_TIMEOUT_S, None
            while boxes.count() == 0 and time.monotonic() < deadline:
                if clicked is None or (time.monotonic() - clicked > 20 and not started(page)):
                    page.locator(".jp-Notebook .jp-Cell").first.click()
                    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
                    page.locator("li.lm-Menu-item[data-command='runmenu:run-all']").click()
                    clicked = time.monotonic()
                last.scroll_into_view_if_needed()
                page.wait_for_timeout(500)
            if boxes.count() == 0:
                page.screenshot(path=str(screenshot))
            expected = len(items("00"))
            assert boxes.count() == expected, f"the tracker did not render {expected} checkboxes; see {screenshot}"
            errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
            assert "Traceback" not in " ".join(errors.all_inner_texts())
            # 3. Click one checkbox; the kernel saves the tick at once.
            boxes.first.scroll_into_view_if_needed()
            boxes.first.click()
            data = wait_for_tick(progress_file, items("00")[0]["id"])
            page.locator(".course-tracker-item").first.scroll_into_view_if_needed()
            page.wait_for_timeout(300)
            page.screenshot(path=str(screenshot))
        finally:
            browser.close()
    assert set(data["ticks"]["00"]) == {items("00")[0]["id"]}
    assert (served / NOTEBOOK).read_bytes() == (REPO_ROOT / NOTEBOOK).read_bytes(), "the notebook was saved"
    assert screenshot.stat().st_size > 10_000
