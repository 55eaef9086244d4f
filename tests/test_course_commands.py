"""`python -m companion.course` does what the Makefile does, on machines without make."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from companion import course, doctor

ROOT = Path(__file__).resolve().parent.parent
MAKEFILE = (ROOT / "Makefile").read_text()


def _recipe(target):
    match = re.search(rf"^{target}:.*\n((?:\t.*\n)+)", MAKEFILE, re.M)
    return [line.strip() for line in match.group(1).splitlines()]


def _dry(argv, tmp_path):
    venv = tmp_path / "venv"
    runner = []
    original = course.Runner

    class Recording(original):
        def __init__(self, dry_run=False):
            super().__init__(dry_run=True)
            runner.append(self)

    pytest.MonkeyPatch().setattr(course, "Runner", Recording)
    try:
        assert course.main([*argv, "--venv", str(venv)]) == 0
    finally:
        course.Runner = original
    return venv, [" ".join(c) for c in runner[0].commands]


def test_venv_paths_per_system(tmp_path):
    assert course.venv_python(tmp_path, windows=True) == tmp_path / "Scripts" / "python.exe"
    assert course.venv_python(tmp_path, windows=False) == tmp_path / "bin" / "python"


def test_lab_creates_the_venv_installs_the_learners_extras_and_registers_the_kernel(tmp_path):
    venv, commands = _dry(["lab"], tmp_path)
    python = str(course.venv_python(venv))
    assert commands[0] == f"{sys.executable} -m venv {venv}"
    assert f"{python} -m pip install --quiet -c requirements/lock.txt -e .[keras,lab]" in commands
    kernel = doctor.KERNEL_INSTALL.replace("python -m", f"{python} -m").replace('"', "")
    assert kernel in commands
    assert commands[-1].startswith(f"{python} -m jupyterlab notebooks")


def test_doctor_and_no_lock(tmp_path):
    venv, commands = _dry(["doctor", "--no-lock"], tmp_path)
    python = str(course.venv_python(venv))
    assert f"{python} -m pip install --quiet -e .[keras,lab]" in commands
    assert commands[-1] == f"{python} -m companion.doctor"


def test_test_runs_what_make_test_runs(tmp_path):
    venv, commands = _dry(["test"], tmp_path)
    python = str(course.venv_python(venv))
    assert (
        f"{python} -m pip install --quiet -c requirements/lock.txt -e .[keras,lab,test]" in commands
    )
    notebooks = " ".join(sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("notebooks/*.ipynb")))
    nbval_flags = re.search(r"^NBVAL_FLAGS := (.*)$", MAKEFILE, re.M).group(1)
    make = []
    for target in ("lint", "unit", "nbval"):
        for line in _recipe(target):
            line = line.replace("$(BIN)/ruff", f"{python} -m ruff")
            line = line.replace("$(BIN)/nbqa", f"{python} -m nbqa")
            line = line.replace("$(BIN)/python", python).replace("$(NBVAL_FLAGS)", nbval_flags)
            make.append(line.replace("$(NOTEBOOKS)", notebooks))
    assert commands[-len(make) :] == make


def test_make_and_the_learner_commands_install_the_same_packages():
    assert 'pip install --quiet -c $(LOCK) -e ".[keras,lab,test]"' in MAKEFILE
    assert course.TEST_EXTRAS == ("keras", "lab", "test")
    assert course.LEARNER_EXTRAS == ("keras", "lab")


def test_runs_with_a_bare_python(tmp_path):
    """`python -m companion.course` imports the standard library only: it runs before installing
    anything (-S: no site-packages, so no NumPy either)."""
    code = (
        f"import runpy, sys; sys.path.insert(0, {str(ROOT)!r}); sys.argv = ['course', '--help']; "
        "runpy.run_module('companion.course', run_name='__main__')"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, cwd=tmp_path
    )
    assert "{lab,doctor,kernel,test,install}" in result.stdout, result.stderr
