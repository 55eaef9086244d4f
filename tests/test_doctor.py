"""The pre-flight check: each failure is reported with its fix, and a ready machine says so."""

import subprocess
import sys
from importlib import metadata

import pytest

from companion import doctor


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
