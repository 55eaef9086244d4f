"""On Colab, each notebook's first cell installs the companion and changes nothing else.

Colab ships TensorFlow, Keras, NumPy, Matplotlib and ipywidgets 7.7 (which it imports when the
kernel starts, so a changed version would not even load before a restart); their versions are
pinned in ``requirements/colab.txt``. The setup cell of every stored notebook (and of its
source in ``notebooks/py``, which must agree) is run in a child Python with a stand-in
``google.colab`` module and ``subprocess.run`` captured, so nothing is installed. The captured
pip command, with the package's GitHub address replaced by this checkout, is then handed to
pip's resolver with ``--dry-run --report``, and the report says what it would install:

- the command as the cell has it (``--no-deps``), with ``--ignore-installed``: whatever the
  environment holds, it installs the companion and nothing else;
- the same command without ``--no-deps``, in a throwaway environment that holds Colab's
  versions of the companion's dependencies: pip would keep every one of them (the companion's
  ranges admit them), so even a cell without ``--no-deps`` would add the companion alone.

Both dry runs are offline (``--no-index``): a command that needed anything but the companion
would have to download it, and fails. ``--no-build-isolation`` builds the companion's metadata
with the environment's setuptools instead of downloading one; on Colab pip builds it in an
isolated environment, which installs nothing into Colab's.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
COLAB_CONSTRAINTS = ROOT / "requirements" / "colab.txt"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PROJECT = "dl-course-companion"
# The companion's dependencies are NumPy, Matplotlib and ipywidgets: TensorFlow and Keras are
# not in what a plain install resolves, so the Colab-like environment leaves them out (and the
# reports are checked to list the companion alone).
NOT_DEPENDENCIES = {"tensorflow", "keras"}

# Runs every setup cell, first as anywhere else, then with a stand-in google.colab module.
# subprocess.run calls from the cell's own code or mentioning pip, and os.system calls, are
# recorded instead of run (others, such as TensorFlow asking `uname` on import, are run).
# Prints the recorded calls as JSON.
RUN_SETUP_CELLS = r"""
import json, os, subprocess, sys, types

cells = json.loads(sys.stdin.read())
calls = []
real_run = subprocess.run

def run(args, **kwargs):
    words = [str(a) for a in ([args] if isinstance(args, (str, bytes)) else args)]
    from_cell = sys._getframe(1).f_code.co_filename in cells
    if not from_cell and not any("pip" in w for w in words):
        return real_run(args, **kwargs)
    calls.append({"args": words, "kwargs": kwargs})
    return subprocess.CompletedProcess(args, 0)

def system(command):
    calls.append({"args": [command], "kwargs": {"os.system": True}})
    return 0

subprocess.run, os.system = run, system
results = {}
for where in ("elsewhere", "colab"):
    if where == "colab":
        sys.modules["google.colab"] = types.ModuleType("google.colab")
    for name, source in cells.items():
        calls.clear()
        namespace = {"__name__": "__main__"}
        exec(compile(source, name, "exec"), namespace)
        package = namespace.get("COURSE_PACKAGE")
        results[f"{name} {where}"] = {"calls": list(calls), "package": package}
print("RESULTS " + json.dumps(results, default=repr))
"""


def _setup_cell(notebook, where: str) -> str:
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code, f"{where} has no code cell"
    assert "setup" in code[0].metadata.get("tags", []), (
        f"{where}: the first code cell must be the setup cell, tagged 'setup'"
    )
    return code[0].source


@pytest.fixture(scope="module")
def setup_cells() -> dict[str, tuple[str, str]]:
    """{notebook: (setup cell of the stored .ipynb, setup cell of notebooks/py/<name>.py)}."""
    jupytext = pytest.importorskip("jupytext")
    cells = {}
    for path in NOTEBOOKS:
        stored = _setup_cell(nbformat.read(path, as_version=4), path.name)
        script = ROOT / "notebooks" / "py" / f"{path.stem}.py"
        cells[path.stem] = (stored, _setup_cell(jupytext.read(script), script.name))
    return cells


@pytest.fixture(scope="module")
def captured(setup_cells) -> dict[str, dict]:
    """What each setup cell ran, ``"<notebook> elsewhere"`` and ``"<notebook> colab"``."""
    sources = {name: stored for name, (stored, _) in setup_cells.items()}
    result = subprocess.run(
        [sys.executable, "-c", RUN_SETUP_CELLS],
        input=json.dumps(sources),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=600,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULTS ")]
    assert result.returncode == 0 and lines, f"a setup cell failed:\n{result.stderr[-3000:]}"
    return json.loads(lines[-1].removeprefix("RESULTS "))


def _pins() -> dict[str, str]:
    pins = {}
    for line in COLAB_CONSTRAINTS.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[name.strip().lower()] = version.strip()
    return pins


def _install_command(captured: dict, python: str, no_deps: bool = True) -> list[str]:
    """The Colab cell's pip command, run by ``python``, installing this checkout."""
    (call,) = captured["calls"]
    args = call["args"]
    package = captured["package"]
    assert args[-1] == package and package.startswith(f"{PROJECT} @ "), args
    local = [f"{PROJECT} @ {ROOT.as_uri()}"]
    options = [a for a in args[4:-1] if no_deps or a != "--no-deps"]
    return [python, *args[1:4], *options, *local]


def _offline(python: str) -> list[str]:
    """No index, and the companion's metadata built with the environment's setuptools."""
    # (pip is looked for, not imported: imported first, it breaks setuptools' distutils shim)
    probe = "import importlib.util as u, setuptools; u.find_spec('pip').name; "
    probe += "print(setuptools.__version__)"
    found = subprocess.run([python, "-c", probe], capture_output=True, text=True)
    major = found.stdout.strip().split(".")[0]
    if found.returncode != 0 or not major.isdigit() or int(major) < 77:  # build-system's floor
        message = (
            f"{python} needs pip and setuptools>=77 (to build the companion without the index)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return ["--no-index", "--no-build-isolation"]


def _dry_run(command: list[str], report: Path, *options: str) -> list[dict]:
    """What pip would install: the ``install`` list of its ``--dry-run --report``."""
    full = [*command, "--dry-run", "--report", str(report), *options]
    result = subprocess.run(full, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert result.returncode == 0, (
        f"pip would need more than the companion (it is offline: anything else fails):\n"
        f"{' '.join(full)}\n{result.stderr[-3000:]}"
    )
    return json.loads(report.read_text())["install"]


def _assert_companion_alone(install: list[dict]) -> None:
    names = sorted(f"{i['metadata']['name']}=={i['metadata']['version']}" for i in install)
    assert len(install) == 1, f"pip would install {names}, not the companion alone"
    (item,) = install
    assert item["metadata"]["name"] == PROJECT and item["requested"]
    assert item["download_info"]["url"] == ROOT.as_uri()


def test_the_stored_setup_cells_are_those_of_the_sources(setup_cells):
    assert len(setup_cells) >= 10
    for name, (stored, source) in setup_cells.items():
        assert stored == source, (
            f"{name}.ipynb's setup cell is not that of notebooks/py/{name}.py: re-store the "
            "notebooks (make notebooks)"
        )
    assert len({stored for stored, _ in setup_cells.values()}) == 1, "one setup cell for all"


def test_the_setup_cell_installs_nothing_outside_colab(captured):
    ran = {key: value["calls"] for key, value in captured.items() if key.endswith(" elsewhere")}
    assert len(ran) == len(NOTEBOOKS) and not any(ran.values()), ran


def test_on_colab_the_setup_cell_installs_the_companion_alone(captured, tmp_path):
    colab = {key: value for key, value in captured.items() if key.endswith(" colab")}
    assert len(colab) == len(NOTEBOOKS)
    commands = set()
    for key, value in colab.items():
        assert len(value["calls"]) == 1, f"{key}: one install command, not {value['calls']}"
        (call,) = value["calls"]
        # pip of the kernel's own interpreter; a failed install stops the cell.
        assert call["args"][:4] == [sys.executable, "-m", "pip", "install"], key
        assert call["kwargs"] == {"check": True}, key
        commands.add(tuple(_install_command(value, sys.executable)))
    assert len(commands) == 1  # the same in every notebook: one dry run proves them all
    (command,) = commands
    constraints = ["-c", str(COLAB_CONSTRAINTS)]
    install = _dry_run(
        list(command), tmp_path / "report.json", "--ignore-installed", *constraints,
        *_offline(sys.executable),
    )  # fmt: skip
    _assert_companion_alone(install)


def _colab_interpreter() -> str:
    """An interpreter of Colab's Python version (from colab.txt's header) if pyenv has one."""
    version = re.search(r"^#.*Python (3\.\d+)", COLAB_CONSTRAINTS.read_text(), re.M)
    pyenv = shutil.which("pyenv")
    if version and pyenv:
        root = subprocess.run([pyenv, "root"], capture_output=True, text=True).stdout.strip()
        found = sorted(
            Path(root).glob(f"versions/{version.group(1)}.*/bin/python"),
            key=lambda p: [int(x) for x in re.findall(r"\d+", p.parent.parent.name)],
        )
        if found:
            return str(found[-1])
    return sys.executable


@pytest.fixture(scope="module")
def colab_like_python(tmp_path_factory) -> str:
    """A throwaway environment with Colab's versions of the companion's dependencies."""
    uv = shutil.which("uv") or shutil.which("uv", path=str(Path(sys.executable).parent))
    if uv is None:
        pytest.skip("uv (the test extra) is needed to make the Colab-like environment")
    venv = tmp_path_factory.mktemp("colab") / "venv"
    python = venv / "bin" / "python"
    pins = [f"{name}=={version}" for name, version in _pins().items()
            if name not in NOT_DEPENDENCIES]  # fmt: skip
    for step in (
        [uv, "venv", "--quiet", "--seed", "--python", _colab_interpreter(), str(venv)],
        [uv, "pip", "install", "--quiet", "--python", str(python), *pins, "setuptools>=77"],
    ):
        result = subprocess.run(step, capture_output=True, text=True, timeout=900)
        if result.returncode != 0:
            message = f"cannot make the Colab-like environment (PyPI?): {result.stderr[-2000:]}"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
    return str(python)


@pytest.mark.slow
def test_without_no_deps_colabs_versions_would_stay_too(captured, colab_like_python, tmp_path):
    probe = "import json; from importlib.metadata import version as v; import sys; " + (
        "print(json.dumps({n: v(n) for n in sys.argv[1:]}))"
    )
    pins = {n: p for n, p in _pins().items() if n not in NOT_DEPENDENCIES}
    held = subprocess.run(
        [colab_like_python, "-c", probe, *pins], capture_output=True, text=True, check=True
    )
    assert json.loads(held.stdout) == pins  # the environment holds Colab's versions
    value = captured[f"{NOTEBOOKS[0].stem} colab"]
    command = _install_command(value, colab_like_python, no_deps=False)
    assert "--no-deps" not in command
    install = _dry_run(
        command, tmp_path / "report.json", "-c", str(COLAB_CONSTRAINTS),
        *_offline(colab_like_python),
    )  # fmt: skip
    _assert_companion_alone(install)
