"""The course's commands for machines without `make` (Windows), in plain Python.

From the course folder, with any Python 3.10-3.13 (nothing installed yet: this module imports
only the standard library)::

    python -m companion.course lab       # .venv, install, register the kernel, JupyterLab
    python -m companion.course doctor    # the same environment, then the pre-flight check
    python -m companion.course kernel    # register "Dense & activations (course)" only
    python -m companion.course test      # the maintainers' `make test`: lint, unit tests, nbval
    python -m companion.course lab --dry-run   # print the commands, run nothing

(Windows: `py -m companion.course lab`.) `lab`, `doctor` and `kernel` install what learners
need (`.[keras,lab]`); `test` adds the test tools (`.[keras,lab,test]`), as `make test` does.
All install the locked versions of requirements/lock.txt unless `--no-lock` (an Intel Mac,
where the lock's TensorFlow has no wheel). An environment is installed again only when
pyproject.toml or the lock changed since, or it lacks an extra.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = "requirements/lock.txt"
LEARNER_EXTRAS = ("keras", "lab")
TEST_EXTRAS = ("keras", "lab", "test")
KERNEL = ["--name", "dl-course", "--display-name", "Dense & activations (course)"]
# What `make lint`, `make unit` and `make nbval` run (tests/test_course_commands.py compares).
LINT_PATHS = ["companion", "tests", "tools", "benchmarks", "hub"]
NBQA_IGNORES = "--extend-ignore=E402,B018,F811,F401"
NBVAL_FLAGS = [
    "--nbval", "--nbval-current-env", "--nbval-sanitize-with", "tests/nbval_sanitize.cfg",
]  # fmt: skip


def check_flag(value, name: str) -> bool:
    """``value`` if it is True or False, else a TypeError naming ``name``: ``companion.utils``'s
    ``check_bool`` without NumPy, for the modules that import the standard library only (this one
    and ``companion.doctor``)."""
    if isinstance(value, bool):
        return value
    raise TypeError(f"`{name}` must be True or False, but got {value!r} ({type(value).__name__}).")


def venv_python(venv: Path, windows: bool | None = None) -> Path:
    windows = os.name == "nt" if windows is None else windows
    return venv / "Scripts" / "python.exe" if windows else venv / "bin" / "python"


class Runner:
    def __init__(self, dry_run: bool = False):
        self.dry_run = check_flag(dry_run, "dry_run")
        self.commands: list[list[str]] = []

    def __call__(self, command: list[str]) -> None:
        command = [str(part) for part in command]
        self.commands.append(command)
        print("$", shlex.join(command), flush=True)
        if self.dry_run:
            return
        result = subprocess.run(command, cwd=ROOT)
        if result.returncode != 0:
            raise SystemExit(result.returncode)


def _stamp_ok(stamp: Path, extras: tuple[str, ...]) -> bool:
    if not stamp.exists():
        return False
    have = set(stamp.read_text().split(","))
    newest = max((ROOT / name).stat().st_mtime for name in ("pyproject.toml", LOCK))
    return set(extras) <= have and stamp.stat().st_mtime >= newest


def install(run: Runner, venv: Path, extras: tuple[str, ...], lock: bool = True) -> Path:
    """Create the virtual environment if needed and install the course into it."""
    lock = check_flag(lock, "lock")
    python = venv_python(venv)
    stamp = venv / ".course-stamp"
    if not python.exists():
        run([sys.executable, "-m", "venv", venv])
    if _stamp_ok(stamp, extras) and not run.dry_run:
        return python
    run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    constraint = ["-c", LOCK] if lock else []
    run([python, "-m", "pip", "install", "--quiet", *constraint, "-e", f".[{','.join(extras)}]"])
    if not run.dry_run:
        stamp.write_text(",".join(extras))
    return python


def register_kernel(run: Runner, python: Path) -> None:
    run([python, "-m", "ipykernel", "install", "--user", *KERNEL])


def lab_command(python: Path) -> list[str]:
    command = [str(python), "-m", "jupyterlab", "notebooks"]
    if hasattr(os, "getuid") and os.getuid() == 0:  # containers, cloud VMs: as `make lab`
        command.append("--allow-root")
    return command


def test_commands(python: Path) -> list[list[str]]:
    notebooks = sorted(
        str(p.relative_to(ROOT)) for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")
    )
    return [
        [str(python), "-m", "ruff", "check", *LINT_PATHS, "notebooks/py"],
        [str(python), "-m", "ruff", "format", "--check", *LINT_PATHS],
        [str(python), "-m", "nbqa", "ruff", *notebooks, NBQA_IGNORES],
        [str(python), "-m", "pytest", "tests"],
        [str(python), "-m", "pytest", *NBVAL_FLAGS, *notebooks],
    ]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m companion.course",
        description="The course's make targets, for machines without make.",
    )
    parser.add_argument("command", choices=["lab", "doctor", "kernel", "test", "install"])
    parser.add_argument("--venv", type=Path, default=ROOT / ".venv", help="default: .venv")
    parser.add_argument("--no-lock", action="store_true", help="pyproject's ranges, not the lock")
    parser.add_argument("--dry-run", action="store_true", help="print the commands only")
    args = parser.parse_args(argv)
    run = Runner(dry_run=args.dry_run)
    extras = TEST_EXTRAS if args.command == "test" else LEARNER_EXTRAS
    python = install(run, args.venv, extras, lock=not args.no_lock)
    if args.command in ("lab", "kernel", "install"):
        register_kernel(run, python)
    if args.command == "lab":
        run(lab_command(python))
    elif args.command == "doctor":
        run([python, "-m", "companion.doctor"])
    elif args.command == "test":
        for command in test_commands(python):
            run(command)
    return 0


if __name__ == "__main__":
    sys.exit(main())
