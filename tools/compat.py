"""Compatibility environments: prove that pyproject's version ranges are true.

pyproject.toml states ranges for learners (``numpy>=1.26``, ``tensorflow>=2.16,<3``, ...), and
``make test`` runs one locked stack. This tool checks the ends of those ranges and Colab's stack
in throwaway virtual environments, each made with uv and another interpreter of this machine:

=======  ======  ============================================================================
lowest   3.10    every direct dependency at its floor (``uv pip install --resolution
                 lowest-direct -e ".[keras,lab,test]"``) on the oldest supported Python
newest   3.13    the newest releases (``uv pip install --upgrade -e ".[keras,lab,test]"``)
colab    3.13    Google Colab's versions, pinned in ``requirements/colab.txt``: those first,
                 then the companion with ``--no-deps`` as the notebooks' first cell installs
                 it on Colab, then the test extra constrained by the same file; the pins are
                 verified after the install
=======  ======  ============================================================================

In each environment it prints the key versions and runs

1. the unit tests: ``python -m pytest tests -m "not browser" -p no:cacheprovider``, without
   ``tests/test_notebook_solutions.py``, which step 2 runs (it executes every notebook, and
   running it twice would add ten minutes and prove nothing more);
2. every notebook top to bottom: ``python -m pytest --nbval-lax --nbval-current-env
   notebooks/[0-9][0-9]_*.ipynb`` (every cell executed in a kernel of this environment,
   outputs not compared: they are a byte-for-byte record of the locked stack, which
   ``make test`` checks) plus ``tests/test_notebook_solutions.py`` (every check cell run with
   the reference solutions).

It ends with a table environment x (unit tests, notebooks, minutes), and for ``lowest`` the
direct dependencies that uv could not install at their floor (such a floor is not proven). The
exit status is 1 if anything failed: an environment that cannot be installed, a Colab pin that
moved, a test or a notebook cell; a missing interpreter or uv stops it before it starts.

The environments live in ``.compat/<name>`` (ignored by git) and are made afresh on every run
unless ``--reuse`` is given; logs, JUnit reports and each environment's ``pip freeze`` are kept
in ``.compat/logs``. Jupyter, IPython and Matplotlib read their configuration from inside the
environment, so nothing in the user's home changes a result. Interpreters come from pyenv
(``pyenv root``/versions/<X.Y.Z>, the newest patch release) unless ``--python`` names one.

Usage::

    python tools/compat.py                       # all three (make compat)
    python tools/compat.py lowest colab          # some of them
    python tools/compat.py --python lowest=/usr/bin/python3.10
    python tools/compat.py newest --reuse        # rerun the tests in an existing environment
    python tools/compat.py --list                # the environments and their interpreters
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".compat"
LOGS = WORK / "logs"
COLAB_CONSTRAINTS = ROOT / "requirements" / "colab.txt"
EXTRAS = ".[keras,lab,test]"
SOLUTIONS_TEST = "tests/test_notebook_solutions.py"
# What the tables show: the distributions the course's results depend on.
KEY_PACKAGES = [
    "numpy",
    "tensorflow",
    "keras",
    "matplotlib",
    "ipywidgets",
    "ipykernel",
    "ipython",
    "jupyterlab",
]
# Quiet, repeatable TensorFlow and a headless Matplotlib in every child process.
QUIET = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "MPLBACKEND": "Agg",
    "KERAS_BACKEND": "tensorflow",
    # debugpy, which ipykernel starts, warns about Python's frozen modules at each kernel start.
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}


@dataclass(frozen=True)
class Environment:
    name: str
    python: str  # X.Y
    summary: str


ENVIRONMENTS = {
    env.name: env
    for env in (
        Environment("lowest", "3.10", "direct dependencies at their floors (uv lowest-direct)"),
        Environment("newest", "3.13", "newest releases (uv --upgrade)"),
        Environment("colab", "3.13", f"Colab's versions ({COLAB_CONSTRAINTS.relative_to(ROOT)})"),
    )
}


class SetupError(Exception):
    """Something this machine lacks (an interpreter, uv): no environment can be made."""


# --------------------------------------------------------------------------- interpreters


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text))


def pyenv_root() -> Path | None:
    pyenv = shutil.which("pyenv")
    if pyenv:
        done = subprocess.run([pyenv, "root"], capture_output=True, text=True, check=False)
        if done.returncode == 0 and done.stdout.strip():
            return Path(done.stdout.strip())
    for guess in (os.environ.get("PYENV_ROOT"), Path.home() / ".pyenv"):
        if guess and Path(guess, "versions").is_dir():
            return Path(guess)
    return None


def find_python(version: str, override: str | None) -> Path:
    """The interpreter for Python ``version`` (X.Y): ``override`` or pyenv's newest X.Y.Z."""
    if override:
        path = Path(override).expanduser()
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise SetupError(f"--python: {override} is not an executable file")
    else:
        root = pyenv_root()
        if root is None:
            raise SetupError(
                f"no Python {version}: pyenv is not installed (no `pyenv root`, no ~/.pyenv). "
                f"Install Python {version} and pass --python ENV=/path/to/python{version}."
            )
        pattern = re.compile(rf"{re.escape(version)}\.\d+")
        found = sorted(
            (d for d in (root / "versions").iterdir() if pattern.fullmatch(d.name)),
            key=lambda d: _version_key(d.name),
        )
        candidates = [d / "bin" / "python" for d in found if (d / "bin" / "python").exists()]
        if not candidates:
            raise SetupError(
                f"no Python {version} in {root / 'versions'} (looked for {version}.N/bin/python). "
                f"Install it with `pyenv install {version}`, or pass "
                f"--python ENV=/path/to/python{version}."
            )
        path = candidates[-1]
    done = subprocess.run(
        [str(path), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SetupError(f"{path} does not run: {done.stderr.strip() or done.stdout.strip()}")
    if done.stdout.strip() != version:
        raise SetupError(
            f"{path} is Python {done.stdout.strip()}, this environment needs {version}"
        )
    return path


def find_uv() -> Path:
    """uv from this interpreter's environment (the test extra installs it) or from PATH."""
    beside = Path(sys.executable).parent / "uv"
    found = beside if beside.exists() else shutil.which("uv")
    if not found:
        raise SetupError(
            "uv is not installed: `make install` puts it in .venv (it is in the test extra), "
            "or see https://docs.astral.sh/uv/ to install it"
        )
    return Path(found)


# --------------------------------------------------------------------------- requirements


def _pyproject() -> dict:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10 runs this tool only with tomli installed
        import tomli as tomllib
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _project() -> dict:
    return _pyproject()["project"]


def _name(requirement: str) -> str:
    return re.match(r"\s*([A-Za-z0-9_.\-]+)", requirement).group(1).lower().replace("_", "-")


def direct_floors() -> dict[str, str]:
    """{distribution: floor} for every ``>=`` requirement of the package and its extras."""
    project = _project()
    requirements = list(project["dependencies"])
    for extra in ("keras", "lab", "test"):
        requirements += project["optional-dependencies"][extra]
    floors = {}
    for requirement in requirements:
        match = re.search(r">=\s*([0-9][^,;\s]*)", requirement)
        if match:
            floors[_name(requirement)] = match.group(1)
    return floors


def colab_pins() -> dict[str, str]:
    if not COLAB_CONSTRAINTS.exists():
        raise SetupError(f"{COLAB_CONSTRAINTS.relative_to(ROOT)} is missing")
    pins = {}
    for line in COLAB_CONSTRAINTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        if not match:
            raise SetupError(f"{COLAB_CONSTRAINTS.name}: not an exact pin: {line!r}")
        pins[match.group(1).lower().replace("_", "-")] = match.group(2)
    return pins


# --------------------------------------------------------------------------- running


@dataclass
class Result:
    install: str = "not run"
    unit: str = "not run"
    notebooks: str = "not run"
    seconds: float = 0.0
    versions: dict | None = None
    above_floor: list[str] | None = None  # lowest: direct dependencies uv put above their floor

    @property
    def ok(self) -> bool:
        return all(r.startswith("pass") for r in (self.install, self.unit, self.notebooks))


def child_env(venv: Path) -> dict[str, str]:
    """The environment of every child: this venv first, quiet TF, config inside the venv."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(QUIET)
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["JUPYTER_CONFIG_DIR"] = str(venv / "home" / "jupyter-config")
    env["JUPYTER_DATA_DIR"] = str(venv / "home" / "jupyter-data")
    env["IPYTHONDIR"] = str(venv / "home" / "ipython")
    env["MPLCONFIGDIR"] = str(venv / "home" / "matplotlib")
    # Hypothesis's example database: one per environment, since another Hypothesis version
    # misreads the examples that this one saved in the repository's .hypothesis/.
    env["HYPOTHESIS_STORAGE_DIRECTORY"] = str(venv / "home" / "hypothesis")
    env["UV_NO_PROGRESS"] = "1"
    return env


def run(cmd: list, env: dict[str, str], log: Path) -> int:
    """Run ``cmd`` in the repository root, its output both on the terminal and in ``log``."""
    cmd = [str(c) for c in cmd]
    shown = " ".join(c if re.fullmatch(r"[\w@%+=:,./\-\[\]]+", c) else repr(c) for c in cmd)
    print(f"$ {shown}", flush=True)
    with open(log, "a", encoding="utf-8", buffering=1) as out:
        out.write(f"$ {shown}\n")
        out.flush()
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for line in proc.stdout:
            sys.stdout.write(line)
            out.write(line)
        sys.stdout.flush()
        return proc.wait()


def install(env: Environment, uv: Path, venv: Path, environ: dict, log: Path) -> str:
    """Install the course into ``venv`` the way ``env`` says; "pass" or why it failed."""
    python = venv / "bin" / "python"
    pip = [uv, "pip", "install", "--python", python]
    constraints = ["-c", COLAB_CONSTRAINTS]
    if env.name == "lowest":
        steps = [[*pip, "--resolution", "lowest-direct", "-e", EXTRAS]]
    elif env.name == "newest":
        steps = [[*pip, "--upgrade", "-e", EXTRAS]]
    else:  # colab
        project = _project()
        # What Colab has preinstalled: its pinned packages, and the lab extra's packages that
        # Colab also ships (tqdm, pydot: versions unpublished here, so the newest that fits),
        # but not JupyterLab (Colab's front end is its own).
        preinstalled = [
            r for r in project["optional-dependencies"]["lab"] if _name(r) != "jupyterlab"
        ]
        steps = [
            [*pip, "-r", COLAB_CONSTRAINTS, *constraints, *preinstalled],
            # The notebooks' first cell on Colab: the companion alone, changing nothing else.
            [*pip, "--no-deps", "-e", "."],
            [*pip, *constraints, *project["optional-dependencies"]["test"]],
        ]
    # pip and the build backend, as a learner's environment (and Colab) has them: the Colab
    # install test runs pip offline with them. Installed last and on their own, so that nothing
    # they bring takes the place of a floor under test (uv's seed set would: its wheel needs
    # packaging >= 24, above the test extra's floor).
    build = _pyproject()["build-system"]["requires"]
    steps.append([*pip, "pip", *build, *(constraints if env.name == "colab" else [])])
    for step in steps:
        if run(step, environ, log) != 0:
            return "FAIL (uv pip install)"
    # Every package imports (a wheel that installs but cannot load is a failed install).
    check = "import companion, numpy, matplotlib, ipywidgets, tensorflow, keras, nbval, pytest"
    if run([python, "-c", check], environ, log) != 0:
        return "FAIL (import)"
    if env.name == "colab":
        installed = versions(python, environ, list(colab_pins()))
        moved = {
            name: (pin, installed.get(name))
            for name, pin in colab_pins().items()
            if installed.get(name) != pin
        }
        if moved:
            for name, (pin, got) in moved.items():
                print(f"!! colab pin moved: {name}=={pin} expected, {got} installed", flush=True)
            return "FAIL (Colab pins moved: " + ", ".join(sorted(moved)) + ")"
    return "pass"


VERSIONS = """
import json, platform, sys
from importlib import metadata
found = {"python": platform.python_version()}
for name in sys.argv[1:]:
    try:
        found[name] = metadata.version(name)
    except metadata.PackageNotFoundError:
        found[name] = None
print(json.dumps(found))
"""


def versions(python: Path, environ: dict, names: list[str]) -> dict[str, str | None]:
    """{"python": X.Y.Z, name: version or None} as installed in ``python``'s environment."""
    done = subprocess.run(
        [str(python), "-c", VERSIONS, *names], env=environ, capture_output=True, text=True
    )
    if done.returncode != 0:
        print(f"!! cannot read the versions in {python}:\n{done.stderr.strip()}", flush=True)
        return {}
    return json.loads(done.stdout)


def above_floors(installed: dict[str, str | None]) -> list[str]:
    """For ``lowest``: the floors uv did not reach, so that the run did not test them."""
    above = []
    for name, floor in sorted(direct_floors().items()):
        got = installed.get(name)
        if got is not None and _version_key(got)[: len(_version_key(floor))] != _version_key(floor):
            above.append(f"{name} {got} (floor {floor})")
    if above:
        print("Resolved above their floors (the floor itself was not tested):")
        for line in above:
            print(f"  {line}")
    else:
        print("Every direct dependency was installed at its floor.")
    return above


def pytest_result(code: int, junit: Path) -> str:
    """'pass (N passed, ...)' or 'FAIL (...)' from pytest's exit code and JUnit report."""
    counts = {}
    if junit.exists():
        try:
            root = ET.parse(junit).getroot()
            suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
            for key in ("tests", "failures", "errors", "skipped"):
                counts[key] = sum(int(s.get(key, 0)) for s in suites)
        except ET.ParseError:
            counts = {}
    if counts:
        passed = counts["tests"] - counts["failures"] - counts["errors"] - counts["skipped"]
        parts = [f"{passed} passed"]
        words = {"failures": "failed", "errors": "errors", "skipped": "skipped"}
        parts += [f"{counts[k]} {word}" for k, word in words.items() if counts[k]]
        detail = ", ".join(parts)
    else:
        detail = "no report"
    if code == 0 and counts.get("tests", 0) > 0:
        return f"pass ({detail})"
    if code == 5:
        return "FAIL (no tests collected)"
    return f"FAIL ({detail}; pytest exit {code})"


def run_environment(
    env: Environment, interpreter: Path, uv: Path, reuse: bool, extra: list[str]
) -> Result:
    result = Result()
    start = time.monotonic()
    venv = WORK / env.name
    environ = child_env(venv)
    for old in LOGS.glob(f"{env.name}-*"):
        old.unlink()
    print(f"\n=== {env.name}: Python {env.python} ({interpreter}), {env.summary} ===", flush=True)

    stamp = venv / ".compat-installed"
    if reuse and stamp.exists():
        print(f"Reusing {venv.relative_to(ROOT)} (--reuse)")
        result.install = "pass (reused)"
    else:
        shutil.rmtree(venv, ignore_errors=True)
        log = LOGS / f"{env.name}-install.log"
        if run([uv, "venv", "--python", interpreter, venv], environ, log) != 0:
            result.install = "FAIL (uv venv)"
        else:
            result.install = install(env, uv, venv, environ, log)
        if result.install == "pass":
            stamp.touch()

    python = venv / "bin" / "python"
    if python.exists():
        result.versions = versions(python, environ, KEY_PACKAGES)
        shown = "  ".join(f"{k} {v}" for k, v in result.versions.items() if v is not None)
        print(f"\n{env.name} versions: {shown}", flush=True)
        freeze = subprocess.run(
            [str(uv), "pip", "freeze", "--python", str(python)],
            env=environ,
            capture_output=True,
            text=True,
            check=False,
        )
        (LOGS / f"{env.name}-freeze.txt").write_text(freeze.stdout)
        if env.name == "lowest":
            result.above_floor = above_floors(versions(python, environ, list(direct_floors())))
    if not result.install.startswith("pass"):
        result.seconds = time.monotonic() - start
        return result

    base = [python, "-m", "pytest", "-p", "no:cacheprovider", *extra]
    junit = LOGS / f"{env.name}-unit.xml"
    code = run(
        [*base, "tests", "-m", "not browser", f"--ignore={SOLUTIONS_TEST}", f"--junitxml={junit}"],
        environ,
        LOGS / f"{env.name}-unit.log",
    )
    result.unit = pytest_result(code, junit)

    notebooks = sorted(p.relative_to(ROOT) for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    junit = LOGS / f"{env.name}-notebooks.xml"
    code = run(
        # --nbval-current-env: the kernel is this environment's Python, whatever kernelspecs
        # the machine has.
        [
            *base,
            "--nbval-lax",
            "--nbval-current-env",
            *notebooks,
            SOLUTIONS_TEST,
            f"--junitxml={junit}",
        ],
        environ,
        LOGS / f"{env.name}-notebooks.log",
    )
    result.notebooks = pytest_result(code, junit)
    result.seconds = time.monotonic() - start
    return result


# --------------------------------------------------------------------------- report


def table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def summary(results: dict[str, Result]) -> str:
    versions_rows = [["environment", "python", *KEY_PACKAGES]]
    result_rows = [["environment", "install", "unit tests", "notebooks", "minutes"]]
    for name, result in results.items():
        found = result.versions or {}
        versions_rows.append([name, *(found.get(k) or "-" for k in ["python", *KEY_PACKAGES])])
        result_rows.append(
            [name, result.install, result.unit, result.notebooks, f"{result.seconds / 60:.1f}"]
        )
    text = f"{table(versions_rows)}\n\n{table(result_rows)}"
    for name, result in results.items():
        if result.above_floor:
            text += f"\n\n{name}: installed above the floor: {'; '.join(result.above_floor)}"
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Install the course in throwaway environments (lowest floors on Python "
        "3.10, newest releases on 3.13, Colab's versions on 3.13) and run the unit tests and "
        "every notebook in each.",
    )
    parser.add_argument(
        "environments",
        nargs="*",
        metavar="ENV",
        help=f"which environments (default: all): {', '.join(ENVIRONMENTS)}",
    )
    parser.add_argument(
        "--python",
        action="append",
        default=[],
        metavar="ENV=PATH",
        help="the interpreter for ENV instead of pyenv's (repeatable)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep an environment that a previous run installed completely (default: afresh)",
    )
    parser.add_argument(
        "--pytest-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="an extra argument for both pytest runs, e.g. --pytest-arg=-x (repeatable)",
    )
    parser.add_argument(
        "--list", action="store_true", help="list the environments and their interpreters"
    )
    args = parser.parse_args(argv)

    unknown = [name for name in args.environments if name not in ENVIRONMENTS]
    if unknown:
        parser.error(f"unknown environment {', '.join(unknown)}; choose from {list(ENVIRONMENTS)}")
    overrides = {}
    for item in args.python:
        name, sep, path = item.partition("=")
        if not sep or name not in ENVIRONMENTS or not path:
            parser.error(
                f"--python {item!r}: expected ENV=PATH with ENV one of {list(ENVIRONMENTS)}"
            )
        overrides[name] = path
    selected = [ENVIRONMENTS[name] for name in (args.environments or ENVIRONMENTS)]

    try:
        interpreters = {
            env.name: find_python(env.python, overrides.get(env.name)) for env in selected
        }
        uv = find_uv()
        if any(env.name == "colab" for env in selected):
            colab_pins()
    except SetupError as error:
        print(f"compat: {error}", file=sys.stderr)
        return 1
    if args.list:
        for env in selected:
            print(f"{env.name:8} Python {env.python}  {interpreters[env.name]}  {env.summary}")
        return 0

    LOGS.mkdir(parents=True, exist_ok=True)
    uv_version = subprocess.run([str(uv), "--version"], capture_output=True, text=True).stdout
    print(f"uv: {uv} ({uv_version.strip()})")
    results = {}
    for env in selected:
        results[env.name] = run_environment(
            env, interpreters[env.name], uv, args.reuse, args.pytest_arg
        )
    print(f"\n=== make compat: {time.strftime('%Y-%m-%d')} ===\n{summary(results)}")
    print(f"\nLogs, JUnit reports and pip freezes: {LOGS.relative_to(ROOT)}/")
    failed = [name for name, result in results.items() if not result.ok]
    if failed:
        print(f"FAILED: {', '.join(failed)}")
        return 1
    print("All environments passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
