"""Build an offline workshop kit: wheels for the learners' platforms, the course, the data.

A room without internet (or with a slow one) installs the course from a USB stick. The kit is a
folder::

    offline-kit/
      INSTALL.md                      what a learner types, per operating system
      dense-activations.zip           the course (git archive of the chosen commit)
      keras/datasets/fashion-mnist/   the four Fashion-MNIST files (point KERAS_HOME at keras/)
      wheels/<platform>-py<X.Y>/      every wheel the learners' install needs, no index used
      wheels/<platform>-py<X.Y>.txt   the exact versions in that folder (both patch ends)

For each platform and Python version the learners' packages (pyproject's core, ``keras`` and
``lab`` extras: no test tools) are resolved *for that target* by ``uv pip compile
--python-platform`` (pip evaluates environment markers such as ``sys_platform == "win32"``
against the machine it runs on, so ``pip download --platform`` alone misses Windows-only
dependencies), with the versions of ``requirements/lock.txt``, for the first and the latest
patch release of the Python version (X.Y.0 and X.Y.99: the lock pins a few packages per patch
range); then ``pip download --no-deps --only-binary=:all: --platform ... --python-version ...``
fetches exactly those wheels, plus the build backend (setuptools) that the editable install of
the companion needs.

Usage::

    python tools/offline_kit.py                       # this machine's platform and Python only
    python tools/offline_kit.py --platform linux-x86_64 --python 3.11 --python 3.12
    python tools/offline_kit.py --all             # 4 platforms x Python 3.10-3.13 (~7.5 GB est.)
    python tools/offline_kit.py --dry-run --all       # print the commands, download nothing

Wheels already in a target folder are not downloaded again (``pip download`` skips a file that
is there), so a second run only fetches what changed.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "lock.txt"
SUPPORTED_PYTHONS = ("3.10", "3.11", "3.12", "3.13")
DATA_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
DATA_SOURCES = (
    Path(os.environ.get("KERAS_HOME", "~/.keras")).expanduser() / "datasets" / "fashion-mnist",
    Path("/usr/share/datasets/fashion-mnist"),
)
# The companion is installed editable from the course folder: pip builds it with setuptools,
# whose wheel must be in the kit too (pip download leaves the build backend out).
BUILD_BACKEND = "setuptools>=77"

# name: (uv's --python-platform, pip's --platform tags, who has it). pip expands a macOS tag
# to the older versions it covers (macosx_14_0 covers 11.0-13.x) and manylinux2014 to 2010 and
# 1, but not manylinux_2_28 to the glibc versions below it: those are listed one by one
# (TensorFlow 2.21's wheel is manylinux_2_27, cffi's manylinux_2_17).
_MANYLINUX = [f"manylinux_2_{minor}_x86_64" for minor in range(28, 16, -1)]
PLATFORMS = {
    "linux-x86_64": (
        "x86_64-manylinux_2_28",
        [*_MANYLINUX, "manylinux2014_x86_64"],
        "Linux on Intel/AMD (Debian 11+, Ubuntu 20.04+, Fedora, ...; glibc >= 2.28)",
    ),
    "macos-arm64": (
        "aarch64-apple-darwin",
        ["macosx_14_0_arm64"],
        "macOS on Apple silicon (M1-M4), a native arm64 Python",
    ),
    "macos-x86_64": (
        "x86_64-apple-darwin",
        ["macosx_14_0_x86_64"],
        "macOS on Intel (TensorFlow's last Intel-Mac wheels are 2.16)",
    ),
    "windows-amd64": (
        "x86_64-pc-windows-msvc",
        ["win_amd64"],
        "Windows 10/11 on Intel/AMD, 64-bit Python from python.org",
    ),
}


def this_platform() -> str:
    machine = platform.machine().lower()
    system = platform.system()
    if system == "Linux" and machine in ("x86_64", "amd64"):
        return "linux-x86_64"
    if system == "Darwin":
        return "macos-arm64" if machine == "arm64" else "macos-x86_64"
    if system == "Windows" and machine in ("amd64", "x86_64"):
        return "windows-amd64"
    raise SystemExit(f"no kit target for {system} {machine}: pass --platform (one of {PLATFORMS})")


def uv_command() -> list[str]:
    """uv from this environment (the test extra has it), else from PATH."""
    local = Path(sys.executable).with_name("uv")
    if local.exists():
        return [str(local)]
    if shutil.which("uv"):
        return ["uv"]
    raise SystemExit("uv is needed to resolve for other platforms: pip install uv")


def resolve_command(target: str, python: str, output: Path, *, locked: bool = True) -> list[str]:
    """uv's resolution of the learners' packages for one platform and Python version."""
    uv_platform = PLATFORMS[target][0]
    command = [
        *uv_command(),
        "pip",
        "compile",
        str(ROOT / "pyproject.toml"),
        "--extra", "keras", "--extra", "lab",
        "--python-platform", uv_platform,
        "--python-version", python,
        # Wheels only, as pip download will fetch: uv would otherwise accept a version that
        # has only a source archive for the target (argon2-cffi-bindings 26.2 on Intel Macs).
        "--only-binary", ":all:",
        "--no-header", "--no-annotate", "--quiet",
        "-o", str(output),
    ]  # fmt: skip
    if locked:
        command += ["-c", str(LOCK)]
    return command


def download_command(target: str, python: str, requirements: Path, dest: Path) -> list[str]:
    """pip's download of exactly the resolved wheels (no resolution of its own: --no-deps)."""
    command = [
        sys.executable, "-m", "pip", "download",
        "--dest", str(dest),
        "--only-binary=:all:",
        "--no-deps",
        "--implementation", "cp",
        "--python-version", python,
        "-r", str(requirements),
        BUILD_BACKEND,
    ]  # fmt: skip
    for tag in PLATFORMS[target][1]:
        command += ["--platform", tag]
    return command


def _run(command: list[str], dry_run: bool) -> int:
    print("$", shlex.join(command), flush=True)
    if dry_run:
        return 0
    return subprocess.run(command).returncode


# A minor version's first and latest patch releases: the lock splits a few pins on the patch
# (soupsieve 4.1.4 needs Python >= 3.11.5; 3.11.0-3.11.4 get 2.10), so the kit resolves and
# downloads both, and pip picks, offline, the wheel the learner's own patch release accepts.
PATCHES = ("0", "99")


def build_wheelhouse(kit: Path, target: str, python: str, dry_run: bool = False) -> None:
    wheels = kit / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    dest = wheels / f"{target}-py{python}"
    pinned: list[str] = []
    for patch in PATCHES:
        version = f"{python}.{patch}"
        pins = wheels / f"{target}-py{version}.txt"
        if _run(resolve_command(target, version, pins), dry_run) != 0:
            # The lock is made for the platforms the tests run on; a target it cannot serve (an
            # Intel Mac: TensorFlow stopped at 2.16 there) gets pyproject's ranges instead.
            print(f"  the lock does not resolve for {target}, Python {version}: pyproject's ranges")
            if _run(resolve_command(target, version, pins, locked=False), dry_run) != 0:
                raise SystemExit(f"no resolution for {target}, Python {version}")
        if not dry_run:
            # uv writes environment markers it could not decide for a platform family; the
            # pins themselves are what pip downloads.
            lines = [line.split(";")[0].strip() for line in pins.read_text().splitlines()]
            lines = [line for line in lines if line and not line.startswith("#")]
            pins.write_text("\n".join(lines) + "\n")
            pinned += lines
        if _run(download_command(target, version, pins, dest), dry_run) != 0:
            raise SystemExit(f"pip download failed for {target}, Python {version}")
        if not dry_run:
            pins.unlink()
    if not dry_run:  # the record of what the folder holds
        (wheels / f"{target}-py{python}.txt").write_text("\n".join(sorted(set(pinned))) + "\n")


def copy_data(kit: Path) -> Path:
    target = kit / "keras" / "datasets" / "fashion-mnist"
    for source in DATA_SOURCES:
        if all((source / name).is_file() for name in DATA_FILES):
            target.mkdir(parents=True, exist_ok=True)
            for name in DATA_FILES:
                shutil.copy2(source / name, target / name)
            return source
    raise SystemExit(
        "Fashion-MNIST is not on this machine: `sudo apt install dataset-fashion-mnist`, or run "
        "notebook 00 once online (Keras keeps the files in ~/.keras/datasets/fashion-mnist)"
    )


def archive_course(kit: Path, ref: str) -> Path:
    """The course as a zip of the commit ``ref`` (tracked files only, as a learner would clone)."""
    out = kit / "dense-activations.zip"
    command = ["git", "-C", str(ROOT), "archive", "--format=zip", "--prefix=dense-activations/"]
    subprocess.run([*command, "-o", str(out), ref], check=True)
    with zipfile.ZipFile(out) as archive:
        assert "dense-activations/pyproject.toml" in archive.namelist()
    return out


# What a learner reads on the stick; {date}, {ref} and {targets} are filled in.
INSTALL = Path(__file__).with_name("offline_kit_install.md")


def write_install(kit: Path, ref: str, targets: list[tuple[str, str]]) -> None:
    import datetime

    listed = "\n".join(
        f"  - `wheels/{t}-py{p}/`: {PLATFORMS[t][2]}, Python {p}" for t, p in targets
    )
    revision = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", ref], capture_output=True, text=True
    ).stdout.strip()
    text = INSTALL.read_text().format(
        date=datetime.date.today(), ref=revision or ref, targets=listed
    )
    (kit / "INSTALL.md").write_text(text)


def _size(path: Path) -> str:
    total = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return f"{total / 1024**2:.0f} MB"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "offline-kit", help="kit folder")
    parser.add_argument("--platform", action="append", choices=sorted(PLATFORMS), help="repeatable")
    parser.add_argument(
        "--python", action="append", choices=SUPPORTED_PYTHONS, help="repeatable X.Y"
    )
    parser.add_argument("--all", action="store_true", help="every platform and Python")
    parser.add_argument("--ref", default="HEAD", help="the commit or tag the zip holds")
    parser.add_argument("--dry-run", action="store_true", help="print the pip/uv commands only")
    args = parser.parse_args(argv)
    platforms = args.platform or (sorted(PLATFORMS) if args.all else [this_platform()])
    pythons = args.python or (
        list(SUPPORTED_PYTHONS) if args.all else [platform.python_version().rsplit(".", 1)[0]]
    )
    targets = [(t, p) for t in platforms for p in pythons]
    kit = args.out
    for target, python in targets:
        build_wheelhouse(kit, target, python, dry_run=args.dry_run)
    if args.dry_run:
        return 0
    source = copy_data(kit)
    archive_course(kit, args.ref)
    write_install(kit, args.ref, targets)
    print(f"\nkit: {kit} ({_size(kit)}); data copied from {source}")
    for target, python in targets:
        folder = kit / "wheels" / f"{target}-py{python}"
        print(f"  {folder.name}: {len(list(folder.glob('*.whl')))} wheels, {_size(folder)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
