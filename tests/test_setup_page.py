"""The learners' setup page tells the truth: its links exist, its Windows and Linux commands are
the same commands, its kernel is the doctor's and `make kernel`'s, and its Linux path works.

The Linux path (the block between the setup-linux markers of docs/setup.md) is executed line by
line in a copy of the repository by test_linux_setup_path_runs: with COURSE_OFFLINE_KIT set (a
kit built by tools/offline_kit.py) pip reads that kit's wheels and no index; with
COURSE_SETUP_ONLINE=1 it uses the package index; otherwise the test is skipped (it downloads or
installs about 700 MB).
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from companion import doctor

ROOT = Path(__file__).resolve().parent.parent
SETUP = (ROOT / "docs" / "setup.md").read_text()
DOCS = [
    "setup.md",
    "instructor-guide.md",
    "instructor-notes.md",
    "cheat-sheet.md",
    "workshop-logistics.md",
    "glossary.md",
]


def _block(text, marker):
    inner = text.split(f"<!-- {marker}:start -->", 1)[1].split(f"<!-- {marker}:end -->", 1)[0]
    return re.search(r"```\w*\n(.*?)```", inner, re.S).group(1).strip().splitlines()


def _windows_block():
    section = SETUP.split("\n## Windows", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```\n(.*?)```", section, re.S).group(1)
    return [line.strip() for line in block.strip().splitlines()]


LINUX = _block(SETUP, "setup-linux")


@pytest.mark.parametrize("name", DOCS)
def test_relative_links_exist(name):
    text = (ROOT / "docs" / name).read_text()
    links = re.findall(r"\]\(((?!https?://|#)[^)\s]+)\)", text)
    missing = [link for link in links if not (ROOT / "docs" / link.split("#")[0]).exists()]
    assert not missing, f"docs/{name} links to missing files: {missing}"


def test_readme_sends_learners_to_the_setup_page_first():
    head = (ROOT / "README.md").read_text().split("\n## ", 1)[0]
    assert "(docs/setup.md)" in head


def test_windows_commands_are_the_linux_ones_with_windows_paths():
    """The commands differ between systems only where they must (no make, Scripts, py)."""
    expected = [
        line.replace("python3 -m venv", "py -m venv").replace(".venv/bin/", ".venv\\Scripts\\")
        for line in LINUX
    ]
    windows = _windows_block()
    assert windows[: len(expected)] == expected
    assert windows[len(expected) :] == [".venv\\Scripts\\jupyter lab notebooks"]


def test_learners_install_no_test_tools_and_register_the_doctors_kernel():
    install = [line for line in LINUX if "pip install -e" in line]
    assert install == ['.venv/bin/python -m pip install -e ".[keras,lab]"']
    kernel = doctor.KERNEL_INSTALL.replace("python -m", ".venv/bin/python -m")
    assert kernel in LINUX
    makefile = (ROOT / "Makefile").read_text()
    assert doctor.KERNEL_INSTALL.replace("python -m", "$(BIN)/python -m") in makefile
    assert SETUP.count(doctor.KERNEL_INSTALL.split("python -m ")[1]) >= 3  # Linux, Windows, conda


@pytest.mark.slow
def test_linux_setup_path_runs(tmp_path):
    kit = os.environ.get("COURSE_OFFLINE_KIT")
    if not kit and os.environ.get("COURSE_SETUP_ONLINE") != "1":
        pytest.skip("set COURSE_OFFLINE_KIT (a built kit) or COURSE_SETUP_ONLINE=1")
    if sys.platform != "linux":
        pytest.skip("the Linux path")
    course = tmp_path / "dense-activations"
    ignore = shutil.ignore_patterns(
        ".git", ".venv*", ".compat", "offline-kit", "__pycache__", ".*_cache", ".hypothesis",
        "*.egg-info", "benchmarks",
    )  # fmt: skip
    shutil.copytree(ROOT, course, ignore=ignore)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON"))}
    env.update(HOME=str(tmp_path / "home"), JUPYTER_DATA_DIR=str(tmp_path / "jupyter"))
    if kit:
        python = f"{sys.version_info.major}.{sys.version_info.minor}"
        wheels = Path(kit) / "wheels" / f"linux-x86_64-py{python}"
        env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheels))
    outputs = []
    for line in LINUX:
        result = subprocess.run(
            shlex.split(line), cwd=course, env=env, capture_output=True, text=True, timeout=1800
        )
        assert result.returncode == 0, f"{line}\n{result.stdout}\n{result.stderr}"
        outputs.append(result.stdout)
    report = outputs[-1]
    assert "READY" in report and "NOT READY" not in report, report
    assert f'[  OK] kernel          "{doctor.KERNEL_DISPLAY_NAME}" runs' in report, report
