"""The environment files agree: pip (pyproject.toml), conda (environment.yml) and Binder."""

import re
from pathlib import Path

import pytest
import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parent.parent

# conda-forge names that differ from PyPI names, and packages only one side needs.
CONDA_ONLY = {"python", "pip", "graphviz"}


def _split(requirement: str) -> tuple[str, str]:
    match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*", requirement)
    assert match, f"cannot parse requirement {requirement!r}"
    name = match.group(1).lower().replace("_", "-")
    spec = ",".join(sorted(part.strip() for part in match.group(2).split(",") if part.strip()))
    return name, spec


def _conda(path: Path) -> dict[str, str]:
    env = yaml.safe_load(path.read_text())
    found = {}
    for dep in env["dependencies"]:
        items = dep["pip"] if isinstance(dep, dict) else [dep]
        for item in items:
            name, spec = _split(item)
            found[name] = spec
    return found


def _pyproject() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    found = dict(_split(r) for r in project["dependencies"])
    for extra in project["optional-dependencies"].values():
        found.update(_split(r) for r in extra)
    return found


def test_environment_yml_matches_pyproject():
    pip = _pyproject()
    conda = {k: v for k, v in _conda(ROOT / "environment.yml").items() if k not in CONDA_ONLY}
    assert conda == pip, (
        "environment.yml and pyproject.toml disagree: "
        f"only in conda {sorted(set(conda) - set(pip))}, "
        f"only in pip {sorted(set(pip) - set(conda))}, "
        f"different ranges {sorted(k for k in set(conda) & set(pip) if conda[k] != pip[k])}"
    )


def test_python_range_matches_requires_python():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    conda = _conda(ROOT / "environment.yml")
    lower = project["requires-python"].removeprefix(">=")
    assert f">={lower}" in conda["python"].split(",")


def test_binder_environment_is_a_subset_with_the_same_ranges():
    full = _conda(ROOT / "environment.yml")
    binder = _conda(ROOT / "binder" / "environment.yml")
    for name, spec in binder.items():
        assert name in full, f"binder/environment.yml has {name}, environment.yml does not"
        assert spec == full[name], f"{name}: binder {spec!r} vs environment.yml {full[name]!r}"
    # What the notebooks import must be in the Binder image.
    pip = _pyproject()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    needed = {_split(r)[0] for r in project["dependencies"]}
    needed |= {_split(r)[0] for r in project["optional-dependencies"]["keras"]}
    assert needed <= set(binder), f"missing in binder: {sorted(needed - set(binder))}"
    assert set(binder) - CONDA_ONLY <= set(pip)


@pytest.mark.parametrize("name", ["postBuild", "start"])
def test_binder_scripts_are_executable(name):
    path = ROOT / "binder" / name
    assert path.exists() and path.stat().st_mode & 0o111, f"binder/{name} must be executable"


def test_binder_postbuild_installs_the_companion():
    text = (ROOT / "binder" / "postBuild").read_text()
    assert re.search(r"pip install .*-e \.", text)


def test_apt_txt_lists_the_dataset_and_graphviz():
    packages = (ROOT / "binder" / "apt.txt").read_text().split()
    assert "dataset-fashion-mnist" in packages
    assert "graphviz" in packages


def test_no_exact_pins_for_learners():
    for name, spec in _pyproject().items():
        assert "==" not in spec, f"{name} is pinned exactly ({spec}); use a range"
