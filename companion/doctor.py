"""Pre-flight check for a workshop: is this machine ready to run the course?

Run it before the workshop (it takes a few seconds)::

    python -m companion.doctor        # or: make doctor

and inside a notebook (``from companion import doctor; doctor.report()``), where it checks the
kernel's Python, the one the notebooks really use.

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

from companion import _backend_name  # the standard library only, as this module
from companion.course import check_flag

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
        if dist == "tensorflow":
            name = _backend_name.backend()
            if name != "tensorflow":  # Keras runs on JAX or PyTorch here: not needed
                return Check(dist, OK, f"not installed (not needed: Keras's backend is {name})")
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
    os.environ.setdefault("KERAS_BACKEND", _backend_name.backend())
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
    if value != 6.0:
        return Check(
            "Keras runs",
            FAIL,
            f"backend {backend}: a sum of six ones gave {value}",
            f"reinstall TensorFlow and Keras: {INSTALL_HINT}",
        )
    if backend != "tensorflow":
        return Check(
            "Keras runs",
            WARN,
            f"backend {backend} (KERAS_BACKEND), first use took {seconds:.1f} s",
            "the course is tested on JAX and PyTorch too, but its stored outputs were made with "
            "TensorFlow, so some printed digits will differ; if TensorFlow installs on this "
            "machine, unset KERAS_BACKEND (or set it to tensorflow); if not, see the README's "
            "'TensorFlow will not install?'",
        )
    return Check("Keras runs", OK, f"backend {backend}, first use took {seconds:.1f} s")


def check_backends() -> Check:
    """Which of Keras's backends this machine can import (found on the path, not imported)."""
    modules = _backend_name.BACKEND_MODULES
    found = []
    for name, module in modules.items():
        ok = importlib.util.find_spec(module) is not None
        found.append(f"{name} {_installed(module) or '?'}" if ok else f"{name} not installed")
    usable = [name for name, module in modules.items() if importlib.util.find_spec(module)]
    backend = _backend_name.backend()
    text = f"KERAS_BACKEND={backend}; " + ", ".join(found)
    if not usable:
        return Check("Keras backends", FAIL, text, f"install one: {INSTALL_HINT}")
    if backend not in usable:
        return Check("Keras backends", FAIL, text, f"set KERAS_BACKEND to one of {usable}")
    return Check("Keras backends", OK, text)


def check_fashion_mnist() -> Check:
    try:
        from companion import data
    except ImportError as exc:  # NumPy missing: its own check above says how to install it
        return Check("Fashion-MNIST", FAIL, f"not checked: {exc}", f"first: {INSTALL_HINT}")
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
    place = (
        "the system dataset folder (dataset-fashion-mnist)"
        if str(source) == str(data.SYSTEM_DATASET_DIR)
        else "the Keras cache"
    )
    # In a notebook, no folder names: a stored output must not carry a machine's paths.
    return Check("Fashion-MNIST", OK, place if _in_kernel() else f"{place}: {source}")


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


def _psutil_available() -> tuple[float | None, str]:
    import psutil  # Jupyter's kernels depend on it (through IPython); Colab has it

    return psutil.virtual_memory().available / 1024**3, ""


def _linux_available() -> tuple[float | None, str]:
    with open("/proc/meminfo") as handle:
        for line in handle:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024**2, ""
    return None, "/proc/meminfo has no MemAvailable line (Linux older than 3.14)"


def _macos_available() -> tuple[float | None, str]:
    """Free + inactive + speculative pages, as Activity Monitor's "available" (and psutil)."""
    import subprocess

    text = subprocess.run(["vm_stat"], capture_output=True, text=True, timeout=10).stdout
    page = re.search(r"page size of (\d+) bytes", text)
    counts = dict(re.findall(r"^Pages (free|inactive|speculative):\s+(\d+)\.", text, re.M))
    if page is None or "free" not in counts:
        return None, "vm_stat gave no page counts"
    pages = sum(int(count) for count in counts.values())
    return pages * int(page.group(1)) / 1024**3, ""


def _windows_available() -> tuple[float | None, str]:
    import ctypes
    from ctypes import wintypes

    class MemoryStatusEx(ctypes.Structure):  # the MEMORYSTATUSEX of the Windows API
        _fields_ = [
            ("dwLength", wintypes.DWORD),
            ("dwMemoryLoad", wintypes.DWORD),
            ("ullTotalPhys", ctypes.c_ulonglong),
            ("ullAvailPhys", ctypes.c_ulonglong),
            ("ullTotalPageFile", ctypes.c_ulonglong),
            ("ullAvailPageFile", ctypes.c_ulonglong),
            ("ullTotalVirtual", ctypes.c_ulonglong),
            ("ullAvailVirtual", ctypes.c_ulonglong),
            ("ullAvailExtendedVirtual", ctypes.c_ulonglong),
        ]

    status = MemoryStatusEx()
    status.dwLength = ctypes.sizeof(MemoryStatusEx)
    if not ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):
        return None, "GlobalMemoryStatusEx failed"
    return status.ullAvailPhys / 1024**3, ""


def _available_memory_gb() -> tuple[float | None, str]:
    """(available GB, "") or (None, why it is unknown): memory free for a new program.

    psutil when it is installed (it is wherever Jupyter's kernel is); otherwise each system's
    own figure: Linux's MemAvailable, macOS's free + inactive pages (total memory is not
    what is available: a Mac with 8 GB and a busy browser has far less), Windows's
    GlobalMemoryStatusEx.
    """
    system = platform.system()
    readers = []
    if importlib.util.find_spec("psutil") is not None:
        readers.append(_psutil_available)
    readers += {
        "Linux": [_linux_available],
        "Darwin": [_macos_available],
        "Windows": [_windows_available],
    }.get(system, [])
    why = f"no way to measure it on {system or 'this system'} without psutil"
    for reader in readers:
        try:
            gb, why = reader()
        except Exception as exc:  # a reader that fails leaves the next one a chance
            gb, why = None, f"{type(exc).__name__}: {exc}"[:120]
        if gb is not None:
            return gb, ""
    return None, why


def check_memory(available_gb: float | None = None) -> Check:
    why = ""
    if available_gb is None:
        available_gb, why = _available_memory_gb()
    if available_gb is None:
        return Check(
            "free memory",
            WARN,
            f"unknown ({why})",
            "make sure about 2 GB of memory is free (your system's task manager shows it)",
        )
    found = f"{available_gb:.1f} GB available"
    if available_gb < MIN_FREE_MEMORY_GB:
        return Check(
            "free memory",
            WARN,
            found,
            f"each notebook needs up to 1.5 GB: close other programs (browser tabs!) to free "
            f"{MIN_FREE_MEMORY_GB:.0f} GB, shut down the kernels of notebooks you have finished "
            "(Kernel > Shut Down Kernel), or use Colab/Binder",
        )
    return Check("free memory", OK, found)


KERNEL_NAME = "dl-course"
KERNEL_DISPLAY_NAME = "Dense & activations (course)"
KERNEL_INSTALL = (
    f"python -m ipykernel install --user --name {KERNEL_NAME} "
    f'--display-name "{KERNEL_DISPLAY_NAME}"'
)
KERNEL_FIX = (
    f"{KERNEL_INSTALL} with this environment's Python (or `make kernel`, or "
    "`python -m companion.course kernel`), then choose that "
    "kernel in JupyterLab (Kernel > Change Kernel)"
)


def _in_kernel() -> bool:
    """True inside a Jupyter kernel (a notebook cell), False in a terminal."""
    shell = sys.modules.get("IPython")
    get_ipython = getattr(shell, "get_ipython", None)
    return get_ipython is not None and getattr(get_ipython(), "kernel", None) is not None


def _environment() -> str:
    """A short, path-free description of the running Python's environment."""
    version = platform.python_version()
    if sys.prefix != sys.base_prefix:
        return f"Python {version} in the virtual environment '{os.path.basename(sys.prefix)}'"
    if os.environ.get("CONDA_PREFIX"):
        return f"Python {version} in the conda environment '{os.environ.get('CONDA_DEFAULT_ENV')}'"
    return f"Python {version} (no virtual environment)"


def _course_venv() -> str | None:
    """The course folder's .venv (made by `make lab` or `python -m companion.course`), if any."""
    venv = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), ".venv")
    return venv if os.path.isdir(venv) else None


def _same_python(a: str, b: str) -> bool:
    # Not realpath: a venv's python is a symlink to the system's, and they are different kernels.
    return os.path.normcase(os.path.abspath(a)) == os.path.normcase(os.path.abspath(b))


def _course_kernel_python() -> str | None:
    """The Python that the registered course kernel starts, or None when there is none."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    except NoSuchKernel:
        return None
    return spec.argv[0] if spec.argv else None


def check_kernel() -> Check:
    """The most common workshop problem: notebooks running in another Python than the course's.

    Inside a notebook it checks that the kernel is the course's environment (when the course
    folder has a `.venv`, the kernel must run it). In a terminal it checks that a kernel named
    "Dense & activations (course)" is registered and starts this very Python, so that learners
    who open JupyterLab from elsewhere (Anaconda Navigator, another environment) can pick it.
    """
    here = _environment()
    venv = _course_venv()
    if _on_colab():
        return Check("kernel", OK, f"Colab's kernel, {here}")
    if _in_kernel():
        if venv is not None and not _same_python(sys.prefix, venv):
            return Check(
                "kernel",
                WARN,
                f"this notebook's kernel runs {here}, not the course's '.venv'",
                f'Kernel > Change Kernel > "{KERNEL_DISPLAY_NAME}" (register it first: '
                f"{KERNEL_INSTALL})",
            )
        if venv is not None:
            # Path-free and the same on every machine that uses the course's .venv.
            version = platform.python_version()
            return Check("kernel", OK, f"this notebook's kernel runs the course's environment "
                         f"(Python {version})")  # fmt: skip
        return Check("kernel", OK, f"this notebook's kernel runs {here}")
    if os.environ.get("JUPYTERHUB_USER"):
        # A terminal of a JupyterHub or Binder server: one image, whose default kernel is this.
        return Check("kernel", OK, f"{here}: a JupyterHub/Binder server's default kernel")
    if sys.prefix == sys.base_prefix and not os.environ.get("CONDA_PREFIX"):
        # A container or a system Python: one Python, whose default kernel is this one.
        return Check("kernel", OK, f"{here}: JupyterLab's default kernel runs it")
    try:
        python = _course_kernel_python()
    except ImportError:
        return Check("kernel", FAIL, f"{here}; jupyter_client is missing", INSTALL_HINT)
    if python is None:
        return Check("kernel", WARN, f'no kernel "{KERNEL_DISPLAY_NAME}" is registered', KERNEL_FIX)
    if not _same_python(python, sys.executable):
        return Check(
            "kernel",
            WARN,
            f'the kernel "{KERNEL_DISPLAY_NAME}" starts another Python than this one ({here})',
            KERNEL_FIX,
        )
    return Check("kernel", OK, f'"{KERNEL_DISPLAY_NAME}" runs {here}')


def check_plot_model() -> Check:
    """keras.utils.plot_model (notebook 04) needs pydot and Graphviz's `dot` program."""
    pydot = _installed("pydot")
    dot = shutil.which("dot")
    if pydot and dot:
        return Check("plot_model", OK, f"pydot {pydot}, Graphviz's dot found")
    missing = [name for name, found in (("pydot", pydot), ("Graphviz's dot", dot)) if not found]
    system = platform.system()
    graphviz = {
        "Linux": "sudo apt install graphviz (Fedora: sudo dnf install graphviz)",
        "Darwin": "brew install graphviz",
        "Windows": "winget install graphviz, then open a new terminal",
    }.get(system, "install Graphviz from graphviz.org")
    fixes = (["pip install pydot"] if not pydot else []) + ([graphviz] if not dot else [])
    return Check(
        "plot_model",
        WARN,
        f"{' and '.join(missing)} missing: only notebook 04's optional diagram needs them",
        "; ".join(fixes) + " (conda: conda install graphviz pydot)",
    )


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
    with_keras = check_flag(with_keras, "with_keras")
    checks = [check_python()]
    checks += [check_package(*requirement) for requirement in REQUIREMENTS]
    checks.append(check_backends())
    needed = ("tensorflow", "keras") if _backend_name.backend() == "tensorflow" else ("keras",)
    if with_keras and all(c.status == OK for c in checks if c.name in needed):
        checks.append(check_keras_backend())
    checks += [check_kernel(), check_fashion_mnist(), check_widgets(), check_plot_model()]
    checks += [check_memory(), check_disk(), check_cpus()]
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


def report(with_keras: bool = True) -> bool:
    """Run every check and print the report; True when nothing failed.

    For a notebook cell (notebook 00): run inside the kernel, the checks see the kernel's own
    Python and packages, which is what the notebooks use::

        from companion import doctor
        doctor.report()
    """
    checks = run_checks(with_keras=with_keras)
    print(format_report(checks))
    return not any(c.status == FAIL for c in checks)


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    checks = run_checks(with_keras="--no-keras" not in args)
    print(format_report(checks))
    return 1 if any(c.status == FAIL for c in checks) else 0


if __name__ == "__main__":
    sys.exit(main())
