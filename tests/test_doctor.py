"""The pre-flight check: each failure is reported with its fix, and a ready machine says so."""

import re
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


@pytest.mark.parametrize("backend", ["tensorflow", "jax", "torch"])
def test_missing_tensorflow_fails_only_on_the_tensorflow_backend(monkeypatch, backend):
    def missing(dist):
        raise metadata.PackageNotFoundError(dist)

    monkeypatch.setattr(doctor.metadata, "version", missing)
    monkeypatch.setattr("companion._backend_name.backend", lambda: backend)
    check = doctor.check_package("tensorflow", "tensorflow", "2.16", "Keras's backend")
    if backend == "tensorflow":
        assert check.status == doctor.FAIL and "pip install" in check.fix
    else:  # JAX or PyTorch runs Keras: the way out when TensorFlow will not install
        assert check.status == doctor.OK and f"backend is {backend}" in check.found


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


@pytest.mark.parametrize("in_kernel", [False, True])
def test_found_dataset_names_the_place_and_the_folder_only_in_a_terminal(monkeypatch, in_kernel):
    from companion import data

    monkeypatch.setattr(data, "fashion_mnist_source", lambda *a, **k: data.SYSTEM_DATASET_DIR)
    monkeypatch.setattr(doctor, "_in_kernel", lambda: in_kernel)
    check = doctor.check_fashion_mnist()
    assert check.status == doctor.OK and check.found.startswith("the system dataset folder")
    assert (str(data.SYSTEM_DATASET_DIR) in check.found) != in_kernel


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


# --- memory: what is available, on each system -------------------------------------------------

VM_STAT = """\
Mach Virtual Memory Statistics: (page size of 16384 bytes)
Pages free:                               12000.
Pages active:                            400000.
Pages inactive:                          100000.
Pages speculative:                         8000.
Pages throttled:                              0.
Pages wired down:                        150000.
"""


def _no_psutil(monkeypatch, system):
    real = doctor.importlib.util.find_spec
    monkeypatch.setattr(
        doctor.importlib.util, "find_spec", lambda name: None if name == "psutil" else real(name)
    )
    monkeypatch.setattr(doctor.platform, "system", lambda: system)


def test_macos_memory_is_free_plus_inactive_pages_not_the_total(monkeypatch):
    _no_psutil(monkeypatch, "Darwin")
    calls = []

    def fake_run(command, **kwargs):
        calls.append(command)
        return subprocess.CompletedProcess(command, 0, stdout=VM_STAT, stderr="")

    monkeypatch.setattr(subprocess, "run", fake_run)
    gb, why = doctor._available_memory_gb()
    assert calls == [["vm_stat"]]
    # (12000 free + 100000 inactive + 8000 speculative) pages of 16 KiB; active and wired
    # pages (the 8.6 GB a total-memory figure would add) are not available.
    assert gb == pytest.approx(120000 * 16384 / 1024**3) and why == ""
    assert doctor.check_memory(gb).found == "1.8 GB available"


def test_windows_memory_comes_from_global_memory_status(monkeypatch):
    import ctypes

    _no_psutil(monkeypatch, "Windows")

    class Kernel32:
        @staticmethod
        def GlobalMemoryStatusEx(pointer):  # noqa: N802 -- the Windows API's name
            status = pointer._obj
            assert status.dwLength == ctypes.sizeof(status)  # as Windows requires
            status.ullTotalPhys = 16 * 1024**3
            status.ullAvailPhys = 5 * 1024**3
            return 1

    monkeypatch.setattr(ctypes, "windll", types.SimpleNamespace(kernel32=Kernel32), raising=False)
    assert doctor._available_memory_gb() == (5.0, "")
    assert doctor.check_memory().found == "5.0 GB available"


def test_unknown_memory_says_why(monkeypatch):
    _no_psutil(monkeypatch, "Plan9")
    gb, why = doctor._available_memory_gb()
    assert gb is None and "Plan9" in why and "psutil" in why
    check = doctor.check_memory()
    assert check.status == doctor.WARN and check.found.startswith("unknown (")


def test_a_failing_reader_is_reported_not_raised(monkeypatch):
    _no_psutil(monkeypatch, "Darwin")

    def no_vm_stat(command, **kwargs):
        raise FileNotFoundError("vm_stat")

    monkeypatch.setattr(subprocess, "run", no_vm_stat)
    gb, why = doctor._available_memory_gb()
    assert gb is None and "FileNotFoundError" in why


def test_psutil_and_linux_agree_here():
    pytest.importorskip("psutil")
    if doctor.platform.system() != "Linux":
        pytest.skip("compares psutil with /proc/meminfo")
    by_psutil, _ = doctor._psutil_available()
    by_proc, _ = doctor._linux_available()
    # Both read MemAvailable, a few milliseconds apart: other processes move it by megabytes.
    assert abs(by_psutil - by_proc) < 0.25


def test_low_memory_fix_names_finished_kernels():
    assert "Shut Down Kernel" in doctor.check_memory(available_gb=1.0).fix


# --- plot_model: pydot and Graphviz ------------------------------------------------------------


@pytest.mark.parametrize(
    ("system", "fix"),
    [("Linux", "apt install graphviz"), ("Darwin", "brew install graphviz"), ("Windows", "winget")],
)
def test_missing_graphviz_warns_with_the_systems_fix(monkeypatch, system, fix):
    _fake_versions(monkeypatch, pydot="4.0.1")  # present, whatever this environment has
    monkeypatch.setattr(doctor.shutil, "which", lambda name: None)
    monkeypatch.setattr(doctor.platform, "system", lambda: system)
    check = doctor.check_plot_model()
    assert check.status == doctor.WARN and "Graphviz's dot" in check.found
    assert fix in check.fix and "pip install pydot" not in check.fix


def test_missing_pydot_warns(monkeypatch):
    _fake_versions(monkeypatch, pydot=None)
    monkeypatch.setattr(doctor.shutil, "which", lambda name: "/usr/bin/dot")
    check = doctor.check_plot_model()
    assert check.status == doctor.WARN and check.fix.startswith("pip install pydot")


# --- the kernel: the notebooks' Python -----------------------------------------------------------


def test_kernel_of_another_environment_is_caught_inside_the_notebook(monkeypatch, tmp_path):
    monkeypatch.setattr(doctor, "_on_colab", lambda: False)
    monkeypatch.setattr(doctor, "_in_kernel", lambda: True)
    monkeypatch.setattr(doctor, "_course_venv", lambda: str(tmp_path / ".venv"))
    check = doctor.check_kernel()
    assert check.status == doctor.WARN and "not the course's '.venv'" in check.found
    assert "Change Kernel" in check.fix and doctor.KERNEL_DISPLAY_NAME in check.fix
    monkeypatch.setattr(doctor, "_course_venv", lambda: sys.prefix)
    check = doctor.check_kernel()
    # Stored in notebook 00's output: no folder names, the same words on every machine.
    assert check.status == doctor.OK and "the course's environment" in check.found
    assert ".venv" not in check.found and "/" not in check.found


@pytest.mark.parametrize(
    ("registered", "status"), [(None, doctor.WARN), ("/elsewhere/bin/python", doctor.WARN)]
)
def test_terminal_check_wants_the_course_kernel_on_this_python(monkeypatch, registered, status):
    monkeypatch.setattr(doctor, "_on_colab", lambda: False)
    monkeypatch.setattr(doctor, "_in_kernel", lambda: False)
    monkeypatch.setattr(doctor.sys, "prefix", "/course/.venv")  # a virtual environment
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.setattr(doctor, "_course_kernel_python", lambda: registered)
    check = doctor.check_kernel()
    assert check.status == status and "ipykernel install --user --name dl-course" in check.fix
    monkeypatch.setattr(doctor, "_course_kernel_python", lambda: sys.executable)
    assert doctor.check_kernel().status == doctor.OK


def test_hub_and_binder_terminals_need_no_named_kernel(monkeypatch):
    monkeypatch.setattr(doctor, "_on_colab", lambda: False)
    monkeypatch.setattr(doctor, "_in_kernel", lambda: False)
    monkeypatch.setattr(doctor.sys, "prefix", "/srv/conda/envs/notebook")
    monkeypatch.setattr(doctor, "_course_kernel_python", lambda: None)
    monkeypatch.setenv("JUPYTERHUB_USER", "learner-01")
    check = doctor.check_kernel()
    assert check.status == doctor.OK and "JupyterHub/Binder" in check.found
    monkeypatch.delenv("JUPYTERHUB_USER")
    assert doctor.check_kernel().status == doctor.WARN


def test_registered_kernel_is_found(tmp_path):
    """The command setup.md and `make kernel` give, run for real into a scratch Jupyter folder."""
    import os

    env = dict(os.environ, JUPYTER_DATA_DIR=str(tmp_path), JUPYTER_PATH=str(tmp_path))
    install = [sys.executable, "-m", "ipykernel", "install", "--user", "--name", "dl-course"]
    install += ["--display-name", doctor.KERNEL_DISPLAY_NAME]
    subprocess.run(install, env=env, check=True, capture_output=True, timeout=120)
    code = "from companion import doctor; c = doctor.check_kernel(); print(c.status, c.found)"
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    if sys.prefix == sys.base_prefix:
        pytest.skip("not in a virtual environment: the default kernel is this Python")
    assert result.stdout.startswith("OK"), result.stdout + result.stderr
    assert doctor.KERNEL_DISPLAY_NAME in result.stdout


def test_doctor_runs_inside_a_kernel():
    """What notebook 00 calls: the doctor sees that it runs in a kernel, and reports."""
    pytest.importorskip("jupyter_client")
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3")
    try:
        outputs = []
        code = (
            "from companion import doctor\n"
            "print('in kernel:', doctor._in_kernel())\n"
            "ready = doctor.report(with_keras=False)"
        )
        client.execute_interactive(
            code,
            timeout=120,
            output_hook=lambda msg: outputs.append(msg["content"].get("text", "")),
        )
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    text = "".join(outputs)
    assert "in kernel: True" in text and "this notebook's kernel runs" in text, text
    assert "READY" in text
    # What notebook 00 would store: no folder of this machine (tools/build_notebooks.py refuses).
    assert not re.search(r"/work/|/root/|/home/|/usr/|/tmp/|site-packages", text), text


# --- the Keras backend ---------------------------------------------------------------------------


def _fake_keras(monkeypatch, backend, total):
    ops = types.SimpleNamespace(
        ones=lambda shape: shape,
        sum=lambda x: x,
        convert_to_numpy=lambda x: total,
    )
    fake = types.SimpleNamespace(ops=ops, backend=types.SimpleNamespace(backend=lambda: backend))
    real = doctor.importlib.import_module
    monkeypatch.setattr(
        doctor.importlib, "import_module", lambda name: fake if name == "keras" else real(name)
    )


def test_another_backend_warns_and_names_it(monkeypatch):
    _fake_keras(monkeypatch, "jax", 6.0)
    check = doctor.check_keras_backend()
    assert check.status == doctor.WARN and check.found.startswith("backend jax")
    assert "TensorFlow will not install?" in check.fix


def test_a_backend_that_computes_wrong_fails(monkeypatch):
    _fake_keras(monkeypatch, "tensorflow", 5.0)
    check = doctor.check_keras_backend()
    assert check.status == doctor.FAIL and "gave 5.0" in check.found


def test_runs_with_a_bare_python(tmp_path):
    """The pre-flight check must work where the course's packages are missing, and say so:
    `python -m companion.doctor` on a Python without site-packages (-S: no NumPy, no Keras)
    prints its report, naming NumPy's install command, and exits 1, with no traceback."""
    code = (
        f"import runpy, sys; sys.path.insert(0, {str(ROOT)!r}); sys.argv = ['doctor']; "
        "runpy.run_module('companion.doctor', run_name='__main__')"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, cwd=tmp_path
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1
    assert re.search(r"\[FAIL\] numpy +not installed", result.stdout), result.stdout
    assert "NOT READY" in result.stdout
