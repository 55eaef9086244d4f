"""The pre-flight check: each failure is reported with its fix, and a ready machine says so."""

import subprocess
import sys
import types
from importlib import metadata
from pathlib import Path

import pytest

from companion import doctor

ROOT = Path(__file__).resolve().parent.parent


def test_ready_machine_reports_ready_and_exits_zero():
    result = subprocess.run(
        [sys.executable, "-m", "companion.doctor"], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "READY" in result.stdout and "NOT READY" not in result.stdout
    for name in ("Python", "numpy", "keras", "Keras runs", "Fashion-MNIST", "widgets render"):
        assert name in result.stdout


def test_missing_package_fails_with_the_install_command(monkeypatch):
    def missing(dist):
        raise metadata.PackageNotFoundError(dist)

    monkeypatch.setattr(doctor.metadata, "version", missing)
    check = doctor.check_package("keras", "keras", "3.3", "every Keras comparison")
    assert check.status == doctor.FAIL
    assert "not installed" in check.found and "pip install" in check.fix


def test_old_package_fails_with_the_upgrade_command(monkeypatch):
    monkeypatch.setattr(doctor.metadata, "version", lambda dist: "2.15.1")
    check = doctor.check_package("keras", "keras", "3.3", "every Keras comparison")
    assert check.status == doctor.FAIL
    assert "keras>=3.3" in check.fix


def test_missing_dataset_warns_with_the_offline_fix(monkeypatch):
    from companion import data

    monkeypatch.setattr(data, "fashion_mnist_source", lambda *a, **k: "download")
    check = doctor.check_fashion_mnist()
    assert check.status == doctor.WARN
    assert "apt install dataset-fashion-mnist" in check.fix
    assert ".keras/datasets/fashion-mnist" in check.fix


def test_broken_dataset_lookup_fails_kindly(monkeypatch):
    from companion import data

    def broken(*args, **kwargs):
        raise OSError("permission denied")

    monkeypatch.setattr(data, "fashion_mnist_source", broken)
    check = doctor.check_fashion_mnist()
    assert check.status == doctor.FAIL and "permission denied" in check.found


@pytest.mark.parametrize(("gb", "status"), [(0.8, doctor.WARN), (6.0, doctor.OK)])
def test_memory_threshold(gb, status):
    check = doctor.check_memory(available_gb=gb)
    assert check.status == status
    if status == doctor.WARN:
        assert "close other programs" in check.fix


def test_missing_widget_frontend_fails(monkeypatch):
    real = metadata.version

    def fake(dist):
        if dist == "jupyterlab_widgets":
            raise metadata.PackageNotFoundError(dist)
        return real(dist)

    monkeypatch.setattr(doctor.metadata, "version", fake)
    check = doctor.check_widgets()
    assert check.status == doctor.FAIL and "ipywidgets" in check.fix


def _fake_versions(monkeypatch, **versions):
    """metadata.version answers ``versions`` (None: not installed), the real one otherwise."""
    real = metadata.version

    def fake(dist):
        if dist in versions:
            if versions[dist] is None:
                raise metadata.PackageNotFoundError(dist)
            return versions[dist]
        return real(dist)

    monkeypatch.setattr(doctor.metadata, "version", fake)


@pytest.mark.parametrize(
    ("ipywidgets", "lab_widgets", "lab", "status", "fix"),
    [
        ("8.1.9", "3.0.17", "4.6.6", doctor.OK, ""),
        ("8.1.9", "3.0.17", None, doctor.OK, ""),
        # An ipywidgets 8 kernel needs the 8 front-end.
        ("8.1.9", "1.1.11", "3.6.8", doctor.WARN, "'jupyterlab_widgets>=3'"),
        # ipywidgets 7.7 with its own front-end in JupyterLab 3 works ...
        ("7.7.1", "1.1.11", "3.6.8", doctor.OK, ""),
        # ... JupyterLab 4's cannot draw it (test_browser shows the error), nor can
        # jupyterlab_widgets 3 in JupyterLab 3, and jupyterlab_widgets 1 does not load in Lab 4.
        # The notebooks run, only their widgets show an error: a warning, with the fix.
        ("7.7.1", "3.0.17", "4.6.6", doctor.WARN, "'ipywidgets>=8'"),
        ("7.7.1", "3.0.17", "3.6.8", doctor.WARN, "'ipywidgets>=8'"),
        ("7.7.1", "1.1.11", "4.6.6", doctor.WARN, "'ipywidgets>=8'"),
        ("7.7.1", None, None, doctor.FAIL, "'ipywidgets>=8'"),
    ],
)
def test_widget_front_end_must_draw_the_kernels_ipywidgets(
    monkeypatch, ipywidgets, lab_widgets, lab, status, fix
):
    monkeypatch.setattr(doctor, "_on_colab", lambda: False)
    _fake_versions(
        monkeypatch, ipywidgets=ipywidgets, jupyterlab_widgets=lab_widgets, jupyterlab=lab
    )
    check = doctor.check_widgets()
    assert check.status == status, check
    assert f"ipywidgets {ipywidgets}, jupyterlab_widgets {lab_widgets or 'missing'}" in check.found
    assert fix in check.fix and (status == doctor.OK) == (check.fix == "")


def test_colab_draws_its_own_ipywidgets_7(monkeypatch):
    # Colab's runtime: ipywidgets 7.7.1 with jupyterlab_widgets 3 installed but unused.
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    _fake_versions(monkeypatch, ipywidgets="7.7.1", jupyterlab_widgets="3.0.15", jupyterlab=None)
    check = doctor.check_widgets()
    assert check.status == doctor.OK
    assert check.found == "ipywidgets 7.7.1, drawn by Colab's front-end"
    check = doctor.check_package(*[r for r in doctor.REQUIREMENTS if r[0] == "ipywidgets"][0])
    assert check.status == doctor.OK and check.found == "7.7.1"


def test_minimum_versions_are_pyprojects_floors():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        tomllib = pytest.importorskip("tomli")
    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    floors = {}
    for text in project["dependencies"] + project["optional-dependencies"]["keras"]:
        requirement = Requirement(text)
        floors[requirement.name] = next(
            s.version for s in requirement.specifier if s.operator == ">="
        )
    assert {dist: minimum for dist, _, minimum, _ in doctor.REQUIREMENTS} == floors


def test_report_lists_fixes_and_verdict():
    checks = [
        doctor.Check("Python", doctor.OK, "3.11"),
        doctor.Check("keras", doctor.FAIL, "not installed", "pip install keras"),
        doctor.Check("free memory", doctor.WARN, "1.0 GB", "close programs"),
    ]
    report = doctor.format_report(checks)
    assert "[FAIL] keras" in report and "fix: pip install keras" in report
    assert report.strip().endswith("NOT READY: 1 check(s) failed (keras).")
    assert doctor.format_report(checks[:1]).strip().endswith("everything the course needs is here.")


def test_version_parsing():
    assert doctor._version_tuple("2.21.0rc1") == (2, 21, 0)
    assert doctor._version_tuple("3.15.1") > doctor._version_tuple("3.3")
