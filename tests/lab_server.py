"""Start and stop a headless JupyterLab for the server and browser tests (no process left behind)."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Lab:
    """A running JupyterLab: its base URL, token and process."""

    url: str
    token: str
    process: subprocess.Popen

    def get(self, path: str) -> tuple[int, dict]:
        """GET an API path with the token; returns (status, JSON body)."""
        request = urllib.request.Request(f"{self.url}{path}", headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, {}


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def group_alive(pgid: int) -> bool:
    """True while any process of the process group is alive."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    """Interrupt JupyterLab's whole process group (server and kernels), escalating to SIGKILL."""
    pgid = process.pid  # started with start_new_session: its pid is the group id
    for sig, wait in ((signal.SIGINT, timeout / 2), (signal.SIGTERM, timeout / 4), (signal.SIGKILL, timeout / 4)):
        if not group_alive(pgid):
            break
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, sig)
            if sig == signal.SIGINT:  # jupyter asks "shut down?" on the first ^C: a second one confirms
                time.sleep(0.2)
                os.killpg(pgid, sig)
        deadline = time.monotonic() + wait
        while group_alive(pgid) and time.monotonic() < deadline:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.1)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


#: JupyterLab settings for tests: never autosave (a test must not write outputs into the course's
#: notebooks) and no news pop-up.
SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
}


def write_settings(folder: Path) -> Path:
    """A JupyterLab user-settings folder holding :data:`SETTINGS`."""
    for name, values in SETTINGS.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    return folder


@contextlib.contextmanager
def running_lab(tmp_path: Path, env: dict | None = None, root_dir: Path = REPO_ROOT, startup_timeout: float = 90):
    """Start ``jupyter lab --no-browser`` on a free loopback port with a token; yield a :class:`Lab`; stop it."""
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ if env is None else env)
    env.update(JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTER_CONFIG_DIR=str(tmp_path / "config"))
    env.update(
        JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
        JUPYTERLAB_SETTINGS_DIR=str(write_settings(tmp_path / "settings")),
    )
    log = open(tmp_path / "jupyter-lab.log", "w")
    command = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root_dir}",
        "--ServerApp.port_retries=0", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.news_url=None",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers and CI often run as root
        command.append("--allow-root")
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    lab = Lab(f"http://127.0.0.1:{port}", token, process)
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {process.returncode}: {(tmp_path / 'jupyter-lab.log').read_text()[-2000:]}")
            with contextlib.suppress(OSError):
                if lab.get("/api/status")[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise TimeoutError(f"jupyter lab did not serve within {startup_timeout} s")
            time.sleep(0.25)
        yield lab
    finally:
        stop(process)
        log.close()
