"""Real-browser test: JupyterLab in headless Chromium renders the course's widgets and they react.

JupyterLab is started on localhost with a token, on a temporary copy of a widget notebook (so
autosave never touches the stored notebooks). Chromium (Debian's ``chromium`` package) is
driven by Playwright with ``executable_path``: Playwright's own browser download needs the
internet. Without Chromium the test skips locally and says how to install it; under CI
(``CI=true``) a missing browser is a failure, so CI proves what it claims.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = (
    "install Chromium to run it: `sudo apt install chromium` (Debian/Ubuntu); "
    "Playwright's own `playwright install` needs the internet and is not used"
)
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # the CI network is closed; avoid refused connections
    "--disable-component-update",
    "--disable-sync",
]

WIDGET_NOTEBOOK_CELLS = [
    "from companion.utils import setup_notebook\n\nsetup_notebook()",
    "from companion.widgets import activation_explorer\n\nexplorer = activation_explorer()\n"
    "explorer",
]


def _chromium() -> str | None:
    override = os.environ.get("CHROMIUM_PATH")
    if override:
        return override
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_server(url: str, process: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"JupyterLab did not answer on {url} within {timeout} s")


@pytest.fixture(scope="module")
def chromium_path():
    path = _chromium()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser test, but no Chromium was found: {INSTALL_HINT}")
        pytest.skip(f"real-browser test skipped: no Chromium on this machine; {INSTALL_HINT}")
    pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    return path


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("lab")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in WIDGET_NOTEBOOK_CELLS]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, workdir / "widgets.ipynb")
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ)
    env.update(
        JUPYTER_CONFIG_DIR=str(workdir / ".jupyter"),
        JUPYTERLAB_WORKSPACES_DIR=str(workdir / ".workspaces"),
        JUPYTER_RUNTIME_DIR=str(workdir / ".runtime"),
        TF_CPP_MIN_LOG_LEVEL="3",
    )
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={workdir}",
        "--LabApp.news_url=",
    ]
    log = open(workdir / "lab.log", "w")  # noqa: SIM115 -- closed in the teardown below
    process = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_server(f"{base}/api/status?token={token}", process)
        yield {"base": base, "token": token, "log": workdir / "lab.log"}
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def test_widget_renders_and_reacts_to_the_keyboard(chromium_path, lab_server):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect, sync_playwright

    url = f"{lab_server['base']}/lab/tree/widgets.ipynb?token={lab_server['token']}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            page.locator(".jp-Notebook").first.wait_for(timeout=90_000)
            # A fresh Lab may ask which kernel to start: take the notebook's own (Python 3).
            select = page.get_by_role("button", name="Select", exact=True)
            try:
                select.wait_for(timeout=10_000)
                select.click()
            except PlaywrightTimeout:
                pass
            # Wait for the kernel, then run every cell from the Run menu, as a learner would.
            expect(
                page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")
            ).to_have_count(1, timeout=90_000)
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_text("Run All Cells", exact=True).click()

            widget = page.locator(".jp-OutputArea-output .widget-slider").first
            widget.wait_for(timeout=60_000)
            output = page.locator(".jp-OutputArea-output .widget-output").first
            expect(output.locator("img, pre").first).to_be_visible(timeout=60_000)
            before = output.inner_html()

            handle = widget.locator(".noUi-handle").first
            handle.focus()
            for _ in range(5):
                handle.press("ArrowRight")
            # The callback redraws: the output area's content must change.
            page.wait_for_function(
                "([el, old]) => el.innerHTML !== old",
                arg=[output.element_handle(), before],
                timeout=30_000,
            )
            assert page.get_by_text("Error displaying widget").count() == 0
            assert (
                page.locator(
                    ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
                ).count()
                == 0
            )
        except Exception:
            shot = lab_server["log"].parent / "failure.png"
            page.screenshot(path=str(shot))
            print(f"screenshot: {shot}\nJupyterLab log:\n{lab_server['log'].read_text()[-3000:]}")
            raise
        finally:
            browser.close()
