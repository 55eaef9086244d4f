"""Pre-flight check for a workshop: is this machine ready to run the course?

Run it before the workshop (it takes a few seconds)::

    python -m companion.doctor        # or: make doctor

Each check prints OK, WARN or FAIL with what it found; every WARN and FAIL comes with the fix.
The exit status is 0 when nothing failed, so an instructor can collect results with a script.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import platform
import re
import shutil
import sys
import time
from dataclasses import dataclass
from importlib import metadata

OK, WARN, FAIL = "OK", "WARN", "FAIL"

# (distribution, import name, lowest version the course supports, why it is needed)
REQUIREMENTS = (
    ("numpy", "numpy", "1.26", "the companion package's arrays"),
    ("matplotlib", "matplotlib", "3.7", "figures"),
    ("ipywidgets", "ipywidgets", "7.7", "the interactive widgets"),
    ("threadpoolctl", "threadpoolctl", "3.1", "fast companion training (one BLAS thread)"),
    ("tensorflow", "tensorflow", "2.16", "Keras's backend"),
    ("keras", "keras", "3.10", "every Keras comparison"),
)
INSTALL_HINT = 'pip install -e ".[keras,lab]"  (from the course folder), or run `make lab`'
MIN_FREE_MEMORY_GB = 2.0  # a notebook peaks under 1.5 GB; JupyterLab itself needs some room
MIN_FREE_DISK_GB = 1.0


@dataclass
class Check:
    name: str
    status: str
    found: str
    fix: str = ""


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("."):
        match = re.match(r"\d+", piece)  # leading digits only: "0rc1" is 0, not 1
        if match is None:
            break
        parts.append(int(match.group()))
        if match.end() < len(piece):  # a pre-release or local suffix ends the release part
            break
    return tuple(parts)


def check_python() -> Check:
    found = platform.python_version()
    if sys.version_info >= (3, 10):  # noqa: UP036 -- the check exists for older interpreters
        return Check("Python", OK, found)
    return Check(
        "Python",
        FAIL,
        found,
        "the course needs Python 3.10 or newer: install it (python.org, conda, or your system's "
        "packages) and create the environment again",
    )


def check_package(dist: str, module: str, minimum: str, why: str) -> Check:
    try:
        version = metadata.version(dist)
    except metadata.PackageNotFoundError:
        return Check(dist, FAIL, "not installed", f"needed for {why}: {INSTALL_HINT}")
    if _version_tuple(version) < _version_tuple(minimum):
        return Check(
            dist,
            FAIL,
            version,
            f"needs {dist} >= {minimum} for {why}: pip install --upgrade '{dist}>={minimum}'",
        )
    return Check(dist, OK, version)


def check_keras_backend() -> Check:
    """Import Keras for real and run one small operation on its backend."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    start = time.perf_counter()
    try:
        keras = importlib.import_module("keras")
        value = float(keras.ops.convert_to_numpy(keras.ops.sum(keras.ops.ones((2, 3)))))
    except Exception as exc:  # any failure here is the learner's problem to see, not a crash
        return Check(
            "Keras runs",
            FAIL,
            f"{type(exc).__name__}: {exc}"[:200],
            f"reinstall TensorFlow and Keras: {INSTALL_HINT}",
        )
    seconds = time.perf_counter() - start
    backend = keras.backend.backend()
    if backend != "tensorflow" or value != 6.0:
        return Check(
            "Keras runs",
            WARN,
            f"backend {backend}, 1+1+… = {value}",
            "the notebooks compare with the TensorFlow backend: set KERAS_BACKEND=tensorflow",
        )
    return Check("Keras runs", OK, f"backend {backend}, first use took {seconds:.1f} s")


def check_fashion_mnist() -> Check:
    from companion import data

    try:
        source = data.fashion_mnist_source()
    except Exception as exc:
        return Check("Fashion-MNIST", FAIL, f"{type(exc).__name__}: {exc}"[:300], _DATA_FIX)
    if source is None or str(source).lower().startswith("download"):
        return Check(
            "Fashion-MNIST",
            WARN,
            "not on this machine; the notebooks will download it (needs internet)",
            _DATA_FIX,
        )
    return Check("Fashion-MNIST", OK, f"found in {source}")


_DATA_FIX = (
    "for offline use: `sudo apt install dataset-fashion-mnist` (Debian/Ubuntu), or copy the four "
    "files train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, "
    "t10k-labels-idx1-ubyte.gz into ~/.keras/datasets/fashion-mnist/"
)


def _on_colab() -> bool:
    if "google.colab" in sys.modules:
        return True
    try:  # `python -m companion.doctor` in a Colab terminal: not imported, but installed
        return importlib.util.find_spec("google.colab") is not None
    except (ImportError, ValueError):
        return False


def _installed(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def check_widgets() -> Check:
    """Widgets render when the front-end speaks the protocol of the kernel's ipywidgets.

    Colab draws ipywidgets 7.7 (its own) with its own front-end. JupyterLab draws widgets with
    the jupyterlab_widgets extension, whose major version must go with ipywidgets': 1.x draws
    ipywidgets 7 and loads in JupyterLab 3 only; 3.x draws ipywidgets 8 only. Any other pair
    shows "Error displaying widget" in place of every widget (for an ipywidgets 7 kernel in
    JupyterLab 4: "Module @jupyter-widgets/controls, version ^1.5.0 is not registered").
    """
    try:
        import ipywidgets

        view = ipywidgets.IntSlider(value=1).get_view_spec()
    except Exception as exc:
        return Check("widgets render", FAIL, f"{type(exc).__name__}: {exc}"[:200], INSTALL_HINT)
    if not (view or {}).get("model_id"):
        return Check("widgets render", FAIL, "ipywidgets gives no widget view", INSTALL_HINT)
    kernel = _installed("ipywidgets") or ipywidgets.__version__
    if _on_colab():
        return Check("widgets render", OK, f"ipywidgets {kernel}, drawn by Colab's front-end")
    lab_widgets, lab = _installed("jupyterlab_widgets"), _installed("jupyterlab")
    found = ", ".join(
        [f"ipywidgets {kernel}", f"jupyterlab_widgets {lab_widgets or 'missing'}"]
        + ([f"JupyterLab {lab}"] if lab else [])
    )
    restart = "then restart JupyterLab"
    ipywidgets_8 = _version_tuple(kernel) >= (8,)
    if lab_widgets is None:
        return Check(
            "widgets render",
            FAIL,
            f"{found}: JupyterLab's widget front-end is missing",
            f"pip install --upgrade 'ipywidgets>=8' (it brings jupyterlab_widgets 3), {restart}",
        )
    # A mismatch is a warning: the notebooks run, only their widgets show an error.
    if ipywidgets_8 and _version_tuple(lab_widgets) < (3,):
        problem = "ipywidgets 8's widgets need jupyterlab_widgets 3 to be drawn"
        fix = f"pip install --upgrade 'jupyterlab_widgets>=3', {restart}"
    elif not ipywidgets_8 and (
        _version_tuple(lab_widgets) >= (3,) or _version_tuple(lab or "0") >= (4,)
    ):
        problem = "JupyterLab 4 and jupyterlab_widgets 3 draw ipywidgets 8's widgets, not 7's"
        fix = f"pip install --upgrade 'ipywidgets>=8' (Colab alone keeps its 7.7), {restart}"
    else:
        return Check("widgets render", OK, found)
    return Check("widgets render", WARN, f"{found}: {problem}", fix)


def _available_memory_gb() -> float | None:
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    try:  # macOS and others: total physical memory is the best cheap figure
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(available_gb: float | None = None) -> Check:
    available_gb = _available_memory_gb() if available_gb is None else available_gb
    if available_gb is None:
        return Check("free memory", WARN, "unknown", "make sure about 2 GB of memory is free")
    found = f"{available_gb:.1f} GB available"
    if available_gb < MIN_FREE_MEMORY_GB:
        return Check(
            "free memory",
            WARN,
            found,
            f"each notebook needs up to 1.5 GB: close other programs (browser tabs!) to free "
            f"{MIN_FREE_MEMORY_GB:.0f} GB, or use Colab/Binder",
        )
    return Check("free memory", OK, found)


def check_disk(path: str = ".") -> Check:
    free_gb = shutil.disk_usage(path).free / 1024**3
    found = f"{free_gb:.1f} GB free"
    if free_gb < MIN_FREE_DISK_GB:
        return Check("free disk", WARN, found, "free at least 1 GB of disk for the data and caches")
    return Check("free disk", OK, found)


def check_cpus() -> Check:
    count = os.cpu_count() or 1
    if count < 2:
        return Check(
            "CPU cores", WARN, str(count), "notebooks will run, slowly: budgets assume 2 cores"
        )
    return Check("CPU cores", OK, str(count))


def run_checks(with_keras: bool = True) -> list[Check]:
    checks = [check_python()]
    checks += [check_package(*requirement) for requirement in REQUIREMENTS]
    if with_keras and all(c.status == OK for c in checks if c.name in ("tensorflow", "keras")):
        checks.append(check_keras_backend())
    checks += [check_fashion_mnist(), check_widgets(), check_memory(), check_disk(), check_cpus()]
    return checks


def format_report(checks: list[Check]) -> str:
    width = max(len(c.name) for c in checks)
    lines = ["Pre-flight check for the dense-layers and activations course", ""]
    for c in checks:
        lines.append(f"  [{c.status:>4}] {c.name.ljust(width)}  {c.found}")
        if c.fix:
            lines.append(f"  {'':>6} {'':{width}}  fix: {c.fix}")
    failed = [c.name for c in checks if c.status == FAIL]
    warned = [c.name for c in checks if c.status == WARN]
    lines.append("")
    if failed:
        lines.append(f"NOT READY: {len(failed)} check(s) failed ({', '.join(failed)}).")
    elif warned:
        lines.append(f"READY, with {len(warned)} warning(s) ({', '.join(warned)}).")
    else:
        lines.append("READY: everything the course needs is here.")
    return "\n".join(lines)


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    checks = run_checks(with_keras="--no-keras" not in args)
    print(format_report(checks))
    return 1 if any(c.status == FAIL for c in checks) else 0


if __name__ == "__main__":
    sys.exit(main())
