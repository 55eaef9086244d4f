"""tools/workshop_version.py points every learner-facing link at one fork and ref, and back."""

import importlib.util
import json
import re
import shutil
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location(
    "workshop_version", ROOT / "tools" / "workshop_version.py"
)
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)

FILES = ["README.md", "tools/course_map.py", "docs/setup.md"]
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture
def copy(tmp_path):
    for name in FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "notebooks" / "py").mkdir(parents=True)
    for name in NOTEBOOKS:
        shutil.copy(ROOT / "notebooks" / name, tmp_path / "notebooks" / name)
        py = Path(name).with_suffix(".py").name
        shutil.copy(ROOT / "notebooks" / "py" / py, tmp_path / "notebooks" / "py" / py)
    return tmp_path


def test_the_repository_links_name_one_repository_and_main():
    found = tool.current(ROOT)
    assert list(found) == [("dl-course/dense-activations", "main")], found
    where = set(next(iter(found.values())))
    assert {f"notebooks/{n}" for n in NOTEBOOKS} <= where
    assert set(FILES) <= where
    assert tool.main(["--check"]) == 0


def test_a_workshop_fork_and_branch_everywhere_then_back(copy):
    originals = {p: p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    assert tool.main(["--root", str(copy), "--ref", "ws-2027.03", "--repo", "my-org/fork"]) == 0
    assert list(tool.current(copy)) == [("my-org/fork", "ws-2027.03")]
    readme = (copy / "README.md").read_text()
    assert readme.count(
        "colab.research.google.com/github/my-org/fork/blob/ws-2027.03/notebooks/"
    ) == len(NOTEBOOKS)
    assert "mybinder.org/v2/gh/my-org/fork/ws-2027.03?" in readme
    assert "github.com%2Fmy-org%2Ffork&branch=ws-2027.03&urlpath=lab%2Ftree%2Ffork%2F" in readme
    assert (
        "git clone --branch ws-2027.03 https://github.com/my-org/fork.git\ncd fork\n"
        in (copy / "docs" / "setup.md").read_text()
    )
    for name in NOTEBOOKS:  # the Colab cell installs the fork at that ref, a valid requirement
        cells = json.loads((copy / "notebooks" / name).read_text())["cells"]
        source = "".join(next(c for c in cells if c["cell_type"] == "code")["source"])
        package = re.search(r'COURSE_PACKAGE = "([^"]+)"', source).group(1)
        requirement = Requirement(package)
        assert requirement.name == "dl-course-companion"
        assert requirement.url == "git+https://github.com/my-org/fork@ws-2027.03"
    assert (
        tool.main(["--root", str(copy), "--ref", "main", "--repo", "dl-course/dense-activations"])
        == 0
    )
    assert {p: p.read_bytes() for p in copy.rglob("*") if p.is_file()} == originals


def test_bad_arguments_are_refused(copy):
    with pytest.raises(SystemExit, match="owner/name"):
        tool.main(["--root", str(copy), "--ref", "x", "--repo", "not-a-repo"])
    with pytest.raises(SystemExit, match="letters, digits"):
        tool.main(["--root", str(copy), "--ref", "a b"])
