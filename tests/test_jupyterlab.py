"""The README's "Work through the chapters" command works: the pinned JupyterLab starts and runs a chapter.

The test starts ``jupyter lab`` from this environment on a free local port (no browser), checks that it serves
the JupyterLab page and lists the chapters, that its kernel "Python 3 (ipykernel)" — the one the README names
and the notebooks' ``kernelspec`` asks for — is this environment's Python, then starts that kernel through the
server's REST API in ``book/`` and executes every code cell of chapter 1 in it, as a reader pressing
"Run All" would. The server runs without ``PYTHONPATH`` (an inherited one is removed), so the kernel imports
minimopt only if ``pip install -r requirements.txt`` installed it, and the JupyterLab it serves must be the version
``requirements.txt`` pins.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from jupyter_client import BlockingKernelClient

REPO = Path(__file__).resolve().parents[1]
CHAPTER = REPO / "book" / "gradient_descent_is_euler.ipynb"
KERNEL_DISPLAY_NAME = "Python 3 (ipykernel)"
START_TIMEOUT_S = 60
CELL_TIMEOUT_S = 120


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port, token = _free_port(), secrets.token_hex(16)
    runtime = tmp_path_factory.mktemp("jupyter-runtime")
    # no PYTHONPATH: the kernel must find minimopt installed (requirements.txt's "-e ."), not through the checkout
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["JUPYTER_RUNTIME_DIR"] = str(runtime)
    log = open(runtime / "server.log", "w+")  # a file, not a pipe: a full pipe would block the server
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--ServerApp.port={port}",
         "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={REPO}",
         "--ServerApp.port_retries=0", "--LabApp.news_url=", "--LabApp.check_for_updates_class="
         "jupyterlab.NeverCheckForUpdate", *(["--allow-root"] if os.geteuid() == 0 else [])],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            log.seek(0)
            pytest.fail(f"jupyter lab did not start within {START_TIMEOUT_S} s:\n{log.read()[-3000:]}")
        time.sleep(0.5)
    yield base, token, runtime
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()


def _request(base, token, path, method="GET", body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{base}{path}", data=data, method=method,
                                     headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read().decode()


def _pinned_jupyterlab() -> str:
    pins = re.findall(r"^jupyterlab==([^\s#;]+)", (REPO / "requirements.txt").read_text(), re.MULTILINE)
    assert len(pins) == 1, f"requirements.txt must pin jupyterlab exactly once (jupyterlab==X), found {pins}"
    return pins[0]


def test_jupyterlab_serves_the_book_with_this_environments_kernel(server):
    from importlib.metadata import version

    base, token, _ = server
    status, page = _request(base, token, "/lab")
    assert status == 200 and "JupyterLab" in page
    pinned = _pinned_jupyterlab()
    assert version("jupyterlab") == pinned, f"JupyterLab {version('jupyterlab')} is installed, {pinned} is pinned"
    served = re.search(r'"appVersion":\s*"([^"]+)"', page)
    assert served and served.group(1) == pinned, (
        f"the server runs JupyterLab {served and served.group(1)}, requirements.txt pins {pinned}")
    _, listing = _request(base, token, "/api/contents/book")
    names = {item["name"] for item in json.loads(listing)["content"]}
    assert CHAPTER.name in names
    _, specs = _request(base, token, "/api/kernelspecs")
    python3 = json.loads(specs)["kernelspecs"]["python3"]["spec"]
    assert python3["display_name"] == KERNEL_DISPLAY_NAME
    kernel_python = Path(python3["argv"][0])
    assert kernel_python.name.startswith("python"), python3["argv"]
    if kernel_python.is_absolute():
        assert kernel_python.resolve().parent == Path(sys.executable).resolve().parent, (
            f"the python3 kernel runs {kernel_python}, not this environment's {sys.executable}")


def test_a_chapter_runs_top_to_bottom_in_a_kernel_started_by_the_server(server):
    base, token, runtime = server
    notebook = nbformat.read(CHAPTER, as_version=4)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    status, body = _request(base, token, "/api/kernels", method="POST", body={"name": "python3", "path": "book"})
    assert status == 201
    kernel_id = json.loads(body)["id"]
    client = BlockingKernelClient(connection_file=str(Path(runtime) / f"kernel-{kernel_id}.json"))
    client.load_connection_file()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=START_TIMEOUT_S)
        for number, cell in enumerate(notebook.cells):
            if cell.cell_type != "code":
                continue
            reply = client.execute_interactive(cell.source, timeout=CELL_TIMEOUT_S, output_hook=lambda msg: None)
            content = reply["content"]
            assert content["status"] == "ok", (
                f"cell {number} of {CHAPTER.name} failed: {content.get('ename')}: {content.get('evalue')}")
    finally:
        client.stop_channels()
        _request(base, token, f"/api/kernels/{kernel_id}", method="DELETE")
