"""The README tells the truth: its links exist, its commands exist, and CI runs its test command."""

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_relative_links_exist():
    links = re.findall(r"\]\(((?!https?://|#)[^)\s]+)\)", README)
    assert links, "the README links to its notebooks and docs"
    missing = [link for link in links if not (ROOT / link).exists()]
    assert not missing, f"README links to missing files: {missing}"


def test_course_map_lists_every_notebook_with_a_colab_badge():
    notebooks = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for name in notebooks:
        assert f"notebooks/{name})" in README, f"{name} is not in the course map"
        assert f"blob/main/notebooks/{name})" in README, f"{name} has no Colab badge"


def test_make_targets_named_in_the_readme_exist():
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z0-9-]*):", makefile, re.M))
    named = set(re.findall(r"`make ([a-z0-9-]+)`", README)) | set(
        re.findall(r"^make ([a-z0-9-]+)", README, re.M)
    )
    assert {"lab", "test"} <= named
    assert named <= targets, f"README names missing make targets: {sorted(named - targets)}"


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r'^(stage "[^"]+" )?make test\s*$', ci, re.M), (
        ".ci/run must call `make test`, as the README"
    )
    assert re.search(r'^(stage "[^"]+" )?make portability\b', ci, re.M), (
        ".ci/run must run the portability matrix"
    )
    assert "apt-get update" in ci
    for package in ("dataset-fashion-mnist", "chromium"):
        assert package in ci, f".ci/run must install {package}"


def _header_minutes():
    """{"NN": (teaching, exercises, investigation or None)} from each notebook source's
    "**Time**" line ("· investigation K min" after the exercises, where there is one)."""
    found = {}
    for src in sorted((ROOT / "notebooks" / "py").glob("[0-9][0-9]_*.py")):
        text = src.read_text()
        match = re.search(r"teaching (\d+) min\D+(\d+) min(?: · investigation (\d+) min)?", text)
        assert match, f"{src.name}: no 'teaching N min · exercises M min' line"
        extra = int(match.group(3)) if match.group(3) else None
        found[src.name[:2]] = (int(match.group(1)), int(match.group(2)), extra)
    return found


def test_course_map_minutes_are_the_notebooks_minutes():
    rows = re.findall(
        r"^\| (\d\d) \| \[.*?\]\(.*?\) \| .*? \| (\d+) \+ (\d+)(?: \(\+(\d+)\))? \|", README, re.M
    )
    listed = {nn: (int(t), int(e), int(x) if x else None) for nn, t, e, x in rows}
    assert listed == _header_minutes(), "README course map minutes differ from the notebooks'"


def test_instructor_guide_timings_are_the_notebooks_minutes():
    guide = (ROOT / "docs" / "instructor-guide.md").read_text()
    rows = re.findall(r"^\| (\d\d) \| [^|]+\| +(\d+) \| +(\d+) \| +(\d+|—) \|", guide, re.M)
    listed = {nn: (int(t), int(e), None if x == "—" else int(x)) for nn, t, e, x in rows}
    assert listed == _header_minutes(), "the guide's timing table differs from the notebooks'"


def test_a_notebook_with_an_investigation_exercise_gives_its_minutes():
    """An exercise headed "investigat..." is outside the schedules: the header must say so."""
    for src in sorted((ROOT / "notebooks" / "py").glob("[0-9][0-9]_*.py")):
        investigates = re.search(r"^# ### Exercise \d+ — .*investigat", src.read_text(), re.M)
        declared = _header_minutes()[src.name[:2]][2] is not None
        assert bool(investigates) == declared, (
            f"{src.name}: an investigation exercise and the header's '· investigation K min' "
            "go together"
        )


@pytest.mark.parametrize("uid", ["0", "1000"])
def test_make_lab_allows_root_only_for_root(uid, tmp_path):
    """Jupyter refuses to start as root without --allow-root (containers, cloud VMs, CI)."""
    fake_id = tmp_path / "id"
    fake_id.write_text(f"#!/bin/sh\necho {uid}\n")
    fake_id.chmod(0o755)
    env = dict(os.environ, PATH=f"{tmp_path}:{os.environ['PATH']}")
    # -n prints the recipe without running it; -W marks the install as done (no pip here).
    result = subprocess.run(
        ["make", "-n", "-W", ".venv/.installed-stamp", "-o", "install", "lab"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    command = [line for line in result.stdout.splitlines() if "jupyter lab" in line]
    assert command, result.stdout
    assert ("--allow-root" in command[0]) == (uid == "0"), command[0]
