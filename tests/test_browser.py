"""Real-browser test: JupyterLab in headless Chromium renders the course's widgets and they react.

JupyterLab is started on localhost with a token, on a temporary copy of a widget notebook (so
autosave never touches the stored notebooks). Chromium (Debian's ``chromium`` package) is
driven by Playwright with ``executable_path``: Playwright's own browser download needs the
internet. Without Chromium the test skips locally and says how to install it; under CI
(``CI=true``) a missing browser is a failure, so CI proves what it claims.

ipywidgets 7.7, Colab's, kernel-side: Colab draws widgets with its own front-end, which speaks
ipywidgets 7's protocol (``@jupyter-widgets/controls`` 1.5). JupyterLab 4's front-end,
jupyterlab_widgets 3, speaks ipywidgets 8's only (``controls`` 2.0): with a 7.7 kernel every
widget shows "Module @jupyter-widgets/controls, version ^1.5.0 is not registered". So the 7.7
test opens the notebook in JupyterLab 3 with jupyterlab_widgets 1.x (ipywidgets 7's front-end),
both from the environment of ``COURSE_IPYWIDGETS7_PYTHON``, and a second test shows that the
JupyterLab 4 front-end indeed cannot draw a 7.7 kernel's widgets (what ``companion.doctor``
reports). Without the variable both skip and say how to make the environment; set to an
interpreter that lacks what they need, they fail. The companion comes from this checkout.
"""

from __future__ import annotations

import contextlib
import json
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

IPYWIDGETS7_VARIABLE = "COURSE_IPYWIDGETS7_PYTHON"
IPYWIDGETS7_SETUP = (
    "run `make test-ipywidgets7`, which builds .venv-ipywidgets7 (Colab's ipywidgets 7.7 stack) "
    f"and sets {IPYWIDGETS7_VARIABLE} to its Python"
)
# What the interpreter must have: ipywidgets 7 in the kernel, and its own front-end.
IPYWIDGETS7_NEEDS = {"ipywidgets": "7", "jupyterlab": "3", "jupyterlab_widgets": "1"}
IPYWIDGETS7_PROBE = (
    "import json, ipykernel, companion.widgets\n"
    "from importlib.metadata import version\n"
    f"print(json.dumps({{d: version(d) for d in {sorted(IPYWIDGETS7_NEEDS)}}}))"
)

WIDGET_NOTEBOOK_CELLS = [
    "from companion.utils import setup_notebook\n\nsetup_notebook()",
    # Which ipywidgets the kernel has: the test reads it from the page.
    'import ipywidgets\n\nprint(f"kernel ipywidgets {ipywidgets.__version__}.")',
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


def _write_notebook(path: Path, kernel: str = "python3", display_name: str = "Python 3") -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in WIDGET_NOTEBOOK_CELLS]
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": display_name, "language": "python"}
    nbformat.write(nb, path)


@contextlib.contextmanager
def _jupyterlab(python: str, workdir: Path, **env_vars: str):
    """JupyterLab from ``python``'s environment, serving ``workdir`` on a free port.

    Kernelspecs written under ``data/kernels`` (``data`` in what it yields) are found too."""
    port, token = _free_port(), secrets.token_hex(16)
    data = workdir / ".jupyter-data"
    env = dict(os.environ)
    env.update(
        JUPYTER_CONFIG_DIR=str(workdir / ".jupyter"),
        JUPYTERLAB_WORKSPACES_DIR=str(workdir / ".workspaces"),
        JUPYTER_RUNTIME_DIR=str(workdir / ".runtime"),
        JUPYTER_PATH=os.pathsep.join(filter(None, [str(data), os.environ.get("JUPYTER_PATH")])),
        TF_CPP_MIN_LOG_LEVEL="3",
        **env_vars,
    )
    cmd = [
        python,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.token={token}",  # JupyterLab 3's name for it
        f"--ServerApp.root_dir={workdir}",
        "--LabApp.news_url=",
    ]
    log = open(workdir / "lab.log", "w")  # noqa: SIM115 -- closed in the teardown below
    process = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_server(f"{base}/api/status?token={token}", process)
        yield {"base": base, "token": token, "log": workdir / "lab.log", "data": data}
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


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
    """This environment's JupyterLab (4, with ipywidgets 8's front-end)."""
    workdir = tmp_path_factory.mktemp("lab")
    _write_notebook(workdir / "widgets.ipynb")
    with _jupyterlab(sys.executable, workdir) as server:
        yield server


@pytest.fixture(scope="module")
def ipywidgets7():
    """COURSE_IPYWIDGETS7_PYTHON and its versions, checked: unset skips, unusable fails."""
    python = os.environ.get(IPYWIDGETS7_VARIABLE)
    if not python:
        pytest.skip(f"ipywidgets 7.7 browser test skipped: {IPYWIDGETS7_VARIABLE} is not set; "
                    f"to run it: {IPYWIDGETS7_SETUP}")  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        result = subprocess.run(
            [python, "-c", IPYWIDGETS7_PROBE], capture_output=True, text=True, timeout=120, env=env
        )
        versions = json.loads(result.stdout) if result.returncode == 0 else {}
    except (OSError, ValueError) as exc:
        result, versions = None, {"error": str(exc)}
    wrong = {d: versions.get(d) for d, major in IPYWIDGETS7_NEEDS.items()
             if str(versions.get(d, "")).split(".")[0] != major}  # fmt: skip
    if wrong:
        stderr = result.stderr[-1500:] if result is not None else ""
        pytest.fail(
            f"{IPYWIDGETS7_VARIABLE}={python} must have ipywidgets 7.x, JupyterLab 3.x and "
            f"jupyterlab_widgets 1.x (ipywidgets 7's front-end) and the companion's "
            f"dependencies; found {versions or 'nothing'}: {stderr}\nto make one: "
            f"{IPYWIDGETS7_SETUP}"
        )
    return {"python": python, **versions}


@pytest.fixture(scope="module")
def lab7_server(tmp_path_factory, ipywidgets7):
    """JupyterLab 3 with ipywidgets 7's front-end, its kernel ipywidgets 7.7 (Colab's)."""
    workdir = tmp_path_factory.mktemp("lab7")
    _write_notebook(workdir / "widgets.ipynb")
    # The kernel inherits the server's environment: the companion of this checkout.
    with _jupyterlab(ipywidgets7["python"], workdir, PYTHONPATH=str(ROOT)) as server:
        yield server


@contextlib.contextmanager
def _notebook_page(chromium_path, server, notebook):
    """A page on ``notebook`` with every cell run; yields (page, browser console errors)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect, sync_playwright

    # ?reset: a fresh workspace, with this notebook alone (not one an earlier test opened).
    url = f"{server['base']}/lab/tree/{notebook}?reset&token={server['token']}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        # The browser's errors: a widget that cannot be drawn says why only there.
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        try:
            page.goto(url)
            page.locator(".jp-Notebook").first.wait_for(timeout=90_000)
            # A fresh Lab may ask which kernel to start: take the notebook's own.
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
            # The menu's item (JupyterLab 3 also lists it in the hidden command palette).
            page.locator(".lm-Menu").get_by_text("Run All Cells", exact=True).click()
            yield page, errors
        except Exception:
            shot = server["log"].parent / "failure.png"
            page.screenshot(path=str(shot))
            print(f"screenshot: {shot}\nJupyterLab log:\n{server['log'].read_text()[-3000:]}")
            print("browser console errors:\n" + "\n".join(errors[-20:]))
            raise
        finally:
            browser.close()


def _assert_widget_renders_and_reacts(page, kernel_ipywidgets):
    from playwright.sync_api import expect

    # The kernel is the one asked for: its ipywidgets version is printed.
    expect(page.get_by_text(f"kernel ipywidgets {kernel_ipywidgets}.")).to_be_visible(
        timeout=90_000
    )
    widget = page.locator(".jp-OutputArea-output .widget-slider").first
    widget.wait_for(timeout=60_000)
    output = page.locator(".jp-OutputArea-output .widget-output").first
    expect(output.locator("img, pre").first).to_be_visible(timeout=60_000)
    before = output.inner_html()

    # ipywidgets 8 draws sliders with noUiSlider, ipywidgets 7 with jQuery UI.
    handle = widget.locator(".noUi-handle, .ui-slider-handle").first
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


def test_widget_renders_and_reacts_to_the_keyboard(chromium_path, lab_server):
    import ipywidgets

    with _notebook_page(chromium_path, lab_server, "widgets.ipynb") as (page, _):
        _assert_widget_renders_and_reacts(page, ipywidgets.__version__)


def test_widget_renders_and_reacts_with_ipywidgets7_in_the_kernel(
    chromium_path, lab7_server, ipywidgets7
):
    with _notebook_page(chromium_path, lab7_server, "widgets.ipynb") as (page, _):
        _assert_widget_renders_and_reacts(page, ipywidgets7["ipywidgets"])


def test_jupyterlab4_front_end_cannot_draw_ipywidgets7_widgets(
    chromium_path, lab_server, ipywidgets7
):
    """Why companion.doctor fails an ipywidgets 7 kernel next to jupyterlab_widgets 3.

    If this starts failing, jupyterlab_widgets has learnt ipywidgets 7's protocol: relax
    ``doctor.check_widgets`` and run the 7.7 test against JupyterLab 4 instead."""
    spec = {
        "argv": [ipywidgets7["python"], "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python (ipywidgets 7)",
        "language": "python",
        "env": {"PYTHONPATH": str(ROOT)},
    }
    spec_dir = lab_server["data"] / "kernels" / "ipywidgets7"
    spec_dir.mkdir(parents=True, exist_ok=True)
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    notebook = lab_server["log"].parent / "widgets_ipywidgets7.ipynb"
    _write_notebook(notebook, "ipywidgets7", spec["display_name"])
    with _notebook_page(chromium_path, lab_server, notebook.name) as (page, errors):
        from playwright.sync_api import expect

        expect(page.get_by_text(f"kernel ipywidgets {ipywidgets7['ipywidgets']}.")).to_be_visible(
            timeout=90_000
        )
        unregistered = "Module @jupyter-widgets/controls, version ^1.5.0 is not registered"
        deadline = time.monotonic() + 60
        while not any(unregistered in e for e in errors) and time.monotonic() < deadline:
            page.wait_for_timeout(500)
        assert any(unregistered in e for e in errors), errors[-5:]
        assert page.locator(".jp-OutputArea-output .widget-slider").count() == 0
