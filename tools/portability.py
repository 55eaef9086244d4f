"""Portability matrix: the stored notebooks reproduce under other CPU kernels and thread counts.

nbval compares every stored output strictly, and the solved-notebooks test expects "Correct!"
from every check. Both must hold on any x86-64 machine, not only on the one that stored the
outputs. This tool runs them under configurations that change what a machine changes:

=========  =================================================================================
native     this machine as it is
avx2       NumPy's AVX-512 kernels disabled, OpenBLAS's Haswell (AVX2) kernels, oneDNN (the
           matrix products inside TensorFlow) held to AVX2: an AVX2-only host
skylakex   OpenBLAS's SkylakeX (AVX-512) kernels, whatever the CPU would pick itself
threads1   one thread everywhere (OpenMP, OpenBLAS, TensorFlow's intra- and inter-op pools)
threads4   four threads everywhere (more threads than the 2-core reference machine has)
=========  =================================================================================

and prints a table configuration x failures. The exit status is 1 if any configuration fails.

Usage::

    python tools/portability.py                      # all five (make portability)
    python tools/portability.py avx2 threads1        # some of them
    python tools/portability.py --notebooks 03 07    # only notebooks whose name starts so
    python tools/portability.py avx2 threads4 --solutions avx2
                                                     # the solved notebooks only under avx2
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NB_DIR = ROOT / "notebooks"
NBVAL_FLAGS = [
    "--nbval",
    "--nbval-current-env",
    "--nbval-sanitize-with",
    "tests/nbval_sanitize.cfg",
]
SOLUTIONS_TEST = "tests/test_notebook_solutions.py"


def _threads(n: int) -> dict[str, str]:
    n = str(n)
    return {
        "OMP_NUM_THREADS": n,
        "OPENBLAS_NUM_THREADS": n,
        "MKL_NUM_THREADS": n,
        "TF_NUM_INTRAOP_THREADS": n,
        "TF_NUM_INTEROP_THREADS": n,
    }


CONFIGURATIONS: dict[str, dict[str, str]] = {
    "native": {},
    "avx2": {
        "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR",
        "OPENBLAS_CORETYPE": "Haswell",
        "ONEDNN_MAX_CPU_ISA": "AVX2",
    },
    "skylakex": {"OPENBLAS_CORETYPE": "SkylakeX"},
    "threads1": _threads(1),
    "threads4": _threads(4),
}

# What a configuration really gave, read in a child process with its environment.
PROBE = """
import numpy as np
try:
    from numpy._core._multiarray_umath import __cpu_features__ as features
except ImportError:  # NumPy 1.x
    from numpy.core._multiarray_umath import __cpu_features__ as features
wide = [k for k in ("AVX512F", "AVX512_SKX", "AVX512_ICL", "AVX512_SPR") if features.get(k)]
print("NumPy AVX-512:", ",".join(wide) or "off")
"""


def child_env(config: str) -> dict[str, str]:
    env = dict(os.environ)
    # Variables a configuration sets are removed first, so that the caller's shell cannot leak
    # a thread count or a core type into "native".
    for overrides in CONFIGURATIONS.values():
        for key in overrides:
            env.pop(key, None)
    env.update(CONFIGURATIONS[config])
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    env.setdefault("MPLBACKEND", "Agg")
    return env


def probe(config: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=child_env(config),
        capture_output=True,
        text=True,
        check=False,
    )
    return (result.stdout.strip() or result.stderr.strip().splitlines()[-1])[:80]


def failures_from_junit(path: Path) -> tuple[int, list[str]]:
    """(number of tests, ids of the failed or errored ones) from a pytest JUnit XML file."""
    root = ET.parse(path).getroot()
    total, failed = 0, []
    for case in root.iter("testcase"):
        total += 1
        if case.find("failure") is not None or case.find("error") is not None:
            name, classname = case.get("name", "?"), case.get("classname", "")
            if classname.endswith(".ipynb"):  # nbval: "notebooks.07_x.ipynb", "Cell 12"
                short = f"{classname.split('.')[1][:2]} {name.lower()}"
            else:  # the solved-notebooks test: "...[07_x]"
                short = f"{name.partition('[')[2][:2]} solved"
            failed.append(short)
    return total, failed


def run_config(
    config: str, notebooks: list[Path], solutions_k: str | None, solutions: bool = True
) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp) / "junit.xml"
        cmd = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "--no-header",
            "-p",
            "no:cacheprovider",
            f"--junitxml={junit}",
            *NBVAL_FLAGS,
            *(str(p.relative_to(ROOT)) for p in notebooks),
            *([SOLUTIONS_TEST] if solutions else []),
        ]
        if solutions and solutions_k:
            cmd += ["-k", solutions_k]
        start = time.perf_counter()
        result = subprocess.run(
            cmd, cwd=ROOT, env=child_env(config), capture_output=True, text=True, check=False
        )
        minutes = (time.perf_counter() - start) / 60
        if not junit.exists():
            return {"total": 0, "failed": ["pytest did not run: " + result.stderr[-300:]],
                    "minutes": minutes, "log": result.stdout + result.stderr}  # fmt: skip
        total, failed = failures_from_junit(junit)
    return {"total": total, "failed": failed, "minutes": minutes, "log": result.stdout}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "configs", nargs="*", help=f"configurations (default all): {', '.join(CONFIGURATIONS)}"
    )
    parser.add_argument("--notebooks", nargs="*", default=None, help="notebook name prefixes")
    parser.add_argument(
        "--solutions",
        nargs="*",
        default=None,
        help="configurations that also run the solved notebooks (default: every one run)",
    )
    args = parser.parse_args(argv)
    configs = args.configs or list(CONFIGURATIONS)
    with_solutions = configs if args.solutions is None else args.solutions
    unknown = [c for c in [*configs, *with_solutions] if c not in CONFIGURATIONS]
    if unknown:
        parser.error(f"unknown configuration(s) {unknown}; expected some of {list(CONFIGURATIONS)}")
    notebooks = sorted(NB_DIR.glob("[0-9][0-9]_*.ipynb"))
    solutions_k = None
    if args.notebooks:
        notebooks = [p for p in notebooks if any(p.name.startswith(n) for n in args.notebooks)]
        if not notebooks:
            parser.error(f"no notebook starts with {args.notebooks}")
        solutions_k = " or ".join(p.stem for p in notebooks)

    rows = []
    for config in configs:
        settings = " ".join(f"{k}={v}" for k, v in CONFIGURATIONS[config].items()) or "(none)"
        what = "nbval + solved notebooks" if config in with_solutions else "nbval"
        print(f"== {config} ({what}): {settings}\n   {probe(config)}", flush=True)
        outcome = run_config(config, notebooks, solutions_k, config in with_solutions)
        status = "ok" if not outcome["failed"] else f"{len(outcome['failed'])} FAILED"
        print(f"   {outcome['total']} tests, {status}, {outcome['minutes']:.1f} min", flush=True)
        if outcome["failed"]:
            print("\n".join(f"   - {f}" for f in outcome["failed"]))
            tail = outcome["log"].strip().splitlines()[-80:]
            print("   last lines of its log:\n" + "\n".join("     " + line for line in tail))
        rows.append((config, outcome))

    print("\nconfiguration  tests  failures  minutes  failed")
    for config, outcome in rows:
        names = ", ".join(outcome["failed"]) or "-"
        print(
            f"{config:<13}  {outcome['total']:>5}  {len(outcome['failed']):>8}  "
            f"{outcome['minutes']:>7.1f}  {names}"
        )
    return 1 if any(outcome["failed"] for _, outcome in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
