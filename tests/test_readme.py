"""The README tells the truth: its links exist, its commands exist, and CI runs its test command."""

import re
from pathlib import Path

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
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.M))
    named = set(re.findall(r"`make ([a-z-]+)`", README)) | set(
        re.findall(r"^make ([a-z-]+)", README, re.M)
    )
    assert {"lab", "test"} <= named
    assert named <= targets, f"README names missing make targets: {sorted(named - targets)}"


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test\s*$", ci, re.M), ".ci/run must call `make test`, as the README"
    assert "apt-get update" in ci
    for package in ("dataset-fashion-mnist", "chromium"):
        assert package in ci, f".ci/run must install {package}"
