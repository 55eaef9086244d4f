"""The environment files agree: pip (pyproject.toml), conda (environment.yml for learners,
environment-dev.yml for maintainers) and Binder."""

import re
from pathlib import Path

import pytest
import yaml
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

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


LEARNER_EXTRAS = ("keras", "lab")  # what learners install: pip install -e ".[keras,lab]"
CONDA_FILES = {"environment.yml": LEARNER_EXTRAS, "environment-dev.yml": None}  # None: every extra


def _pyproject(extras=None) -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    found = dict(_split(r) for r in project["dependencies"])
    for name, extra in project["optional-dependencies"].items():
        if extras is None or name in extras:
            found.update(_split(r) for r in extra)
    return found


@pytest.mark.parametrize("filename", sorted(CONDA_FILES))
def test_conda_environment_matches_pyproject(filename):
    pip = _pyproject(CONDA_FILES[filename])
    conda = {k: v for k, v in _conda(ROOT / filename).items() if k not in CONDA_ONLY}
    assert conda == pip, (
        f"{filename} and pyproject.toml disagree: "
        f"only in conda {sorted(set(conda) - set(pip))}, "
        f"only in pip {sorted(set(pip) - set(conda))}, "
        f"different ranges {sorted(k for k in set(conda) & set(pip) if conda[k] != pip[k])}"
    )


def test_learners_environment_has_no_maintainer_tools():
    learner = set(_conda(ROOT / "environment.yml"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    test_tools = {_split(r)[0] for r in project["optional-dependencies"]["test"]}
    assert {"playwright", "ruff", "nbqa", "pytest"} <= test_tools
    assert not learner & test_tools, f"test tools in environment.yml: {learner & test_tools}"
    for name in ("environment.yml", "environment-dev.yml"):
        assert "graphviz" in _conda(ROOT / name), f"{name}: plot_model needs Graphviz's dot"


@pytest.mark.parametrize("filename", sorted(CONDA_FILES))
def test_python_range_matches_requires_python(filename):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    conda = _conda(ROOT / filename)
    lower = project["requires-python"].removeprefix(">=")
    assert f">={lower}" in conda["python"].split(",")


# --- the lock: exact versions for the tests, the stored outputs and the Binder image -----------

LOCK = ROOT / "requirements" / "lock.txt"
SUPPORTED_PYTHONS = ["3.10", "3.11", "3.12", "3.13"]


def _pins(path: Path) -> list[Requirement]:
    """The requirements of a uv/pip-compile output file (comments and annotations skipped)."""
    pins = []
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith(("#", "-")):
            pins.append(Requirement(line))
    return pins


def _marker_env(python: str) -> dict[str, str]:
    """Linux x86-64 CPython `python` (the CI machine, Binder and Colab are all of this kind)."""
    env = default_environment()
    env.update(
        python_version=python,
        python_full_version=f"{python}.0",
        sys_platform="linux",
        platform_system="Linux",
        platform_machine="x86_64",
        os_name="posix",
        implementation_name="cpython",
        platform_python_implementation="CPython",
    )
    return env


def _resolved(pins: list[Requirement], python: str) -> dict[str, str]:
    """{name: exact version} of the pins whose markers hold on Linux with `python`."""
    found = {}
    for pin in pins:
        if pin.marker is None or pin.marker.evaluate(_marker_env(python)):
            name = canonicalize_name(pin.name)
            assert name not in found, f"{name} is pinned twice for Python {python}"
            (spec,) = pin.specifier
            found[name] = spec.version
    return found


def _binder_python() -> str:
    text = (ROOT / "binder" / "runtime.txt").read_text().strip()
    match = re.fullmatch(r"python-(3\.\d+)", text)
    assert match, f"binder/runtime.txt must read python-3.N, found {text!r}"
    return match.group(1)


def test_every_lock_entry_is_an_exact_pin():
    for path in (LOCK, ROOT / "binder" / "requirements.txt"):
        for pin in _pins(path):
            specs = list(pin.specifier)
            assert len(specs) == 1 and specs[0].operator == "==", (
                f"{path.relative_to(ROOT)}: {pin} is not an exact pin (run `make lock`)"
            )


@pytest.mark.parametrize("python", SUPPORTED_PYTHONS)
def test_lock_satisfies_pyproject_for_every_supported_python(python):
    resolved = _resolved(_pins(LOCK), python)
    for name, spec in _pyproject().items():
        assert name in resolved, f"{name} (pyproject) is not in the lock for Python {python}"
        assert resolved[name] in SpecifierSet(spec), (
            f"the lock pins {name}=={resolved[name]} for Python {python}, "
            f"outside pyproject's range {spec!r}: run `make lock`"
        )


@pytest.mark.parametrize("filename", sorted(CONDA_FILES))
def test_conda_ranges_hold_for_the_reference_stack(filename):
    resolved = _resolved(_pins(LOCK), _binder_python())
    for name, spec in _conda(ROOT / filename).items():
        if name in CONDA_ONLY:
            continue
        assert resolved[name] in SpecifierSet(spec), f"{filename} {name}{spec} vs lock"


def test_binder_installs_the_locked_versions():
    """binder/requirements.txt: the lock's Linux subset for Binder's Python, pin for pin."""
    python = _binder_python()
    assert python in SUPPORTED_PYTHONS
    locked = _resolved(_pins(LOCK), python)
    binder = _resolved(_pins(ROOT / "binder" / "requirements.txt"), python)
    different = {n: (v, locked.get(n)) for n, v in binder.items() if locked.get(n) != v}
    assert not different, f"binder/requirements.txt vs the lock (run `make lock`): {different}"
    # What the notebooks import is in the image.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    needed = {_split(r)[0] for r in project["dependencies"]}
    for extra in ("keras", "lab"):
        needed |= {_split(r)[0] for r in project["optional-dependencies"][extra]}
    assert needed <= set(binder), (
        f"missing in binder/requirements.txt: {sorted(needed - set(binder))}"
    )
    assert not (ROOT / "binder" / "environment.yml").exists(), (
        "repo2docker would read binder/environment.yml and ignore requirements.txt"
    )


def test_make_installs_from_the_lock():
    makefile = (ROOT / "Makefile").read_text()
    assert "LOCK := requirements/lock.txt" in makefile
    assert re.search(r"pip install .*-c \$\(LOCK\) -e \\?\"\.\[keras,lab,test\]", makefile)


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
