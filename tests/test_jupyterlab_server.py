"""JupyterLab starts headless on loopback, serves a course notebook through its REST API, and stops cleanly."""

import pytest

from lab_server import Lab, group_alive, running_lab

pytestmark = [pytest.mark.server, pytest.mark.slow]


def test_lab_serves_notebook_00_and_leaves_no_process(tmp_path):
    with running_lab(tmp_path) as lab:
        status, body = lab.get("/api/contents/notebooks/00_setup_and_tour.ipynb")
        assert status == 200 and body["type"] == "notebook"
        cells = body["content"]["cells"]
        assert cells[0]["cell_type"] == "markdown" and "Setup and tour" in cells[0]["source"]
        assert lab.get("/api/contents/notebooks/no_such.ipynb")[0] == 404
        unauthorised = Lab(lab.url, "wrong-token", lab.process).get("/api/contents")
        assert unauthorised[0] == 403
        pid = lab.process.pid
    assert lab.process.returncode is not None, "jupyter lab is still running"
    assert not group_alive(pid), "a process of the jupyter lab group is still alive"
