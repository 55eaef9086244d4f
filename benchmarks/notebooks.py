"""Run every notebook on a fresh kernel and print its wall time and peak memory against the budgets.

Budgets (COURSE.md): each notebook under 90 s and 1.5 GB on 2 CPU cores; the course under 10 min.

    python benchmarks/notebooks.py              # all notebooks, pinned to 2 cores where possible
    python benchmarks/notebooks.py 05 07        # some of them
    python benchmarks/notebooks.py --markdown   # also print a Markdown table for the README
    python benchmarks/notebooks.py --backend jax  # on another Keras backend (needs jax / torch)

Each notebook runs in its own child process that starts the kernel; the kernel's peak resident
memory is read with ``getrusage(RUSAGE_CHILDREN)`` once it has exited. Wall time includes the
kernel start, as a learner's "restart and run all" does. Times on a shared machine are noisy:
run it on a quiet one and read the figures as ±10 %.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NB_DIR = ROOT / "notebooks"
BUDGET_SECONDS = 90.0
BUDGET_MB = 1536.0
COURSE_BUDGET_SECONDS = 600.0


def _run_one(path: str) -> None:
    """Child-process entry: execute one notebook, print JSON with seconds and peak memory."""
    import resource

    import nbformat
    from nbclient import NotebookClient

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NB_DIR)}}
    ).execute()
    seconds = time.perf_counter() - start
    errors = sum(
        1
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if out.output_type == "error"
    )
    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    scale = 1024**2 if sys.platform == "darwin" else 1024
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / scale
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "errors": errors}))


def measure(path: Path, cores: int | None) -> dict:
    cmd = [sys.executable, __file__, "--one", str(path)]
    preexec = None
    if cores and hasattr(os, "sched_setaffinity"):
        available = sorted(os.sched_getaffinity(0))
        chosen = set(available[:cores])

        def preexec():  # the kernel inherits the affinity: the course's "2 CPU cores"
            os.sched_setaffinity(0, chosen)

    result = subprocess.run(cmd, capture_output=True, text=True, preexec_fn=preexec)
    if result.returncode != 0:
        return {
            "seconds": float("nan"),
            "peak_mb": float("nan"),
            "errors": -1,
            "failure": (result.stderr or result.stdout)[-500:],
        }
    return json.loads(result.stdout.strip().splitlines()[-1])


RESULTS = ROOT / "benchmarks" / "results" / "notebooks.json"


def _results_file(backend):
    # TensorFlow, the reference, keeps the file tools/course_map.py reads.
    return RESULTS if backend == "tensorflow" else RESULTS.with_name(f"notebooks-{backend}.json")


def _save(rows, backend="tensorflow"):
    """Write ``rows`` into the results file, keeping the rows of notebooks not measured now."""
    kept = {}
    results = _results_file(backend)
    if results.exists():
        try:
            kept = {r["notebook"]: r for r in json.loads(results.read_text())}
        except (ValueError, KeyError, TypeError):
            kept = {}  # an unreadable old file: start afresh
    kept.update({r["notebook"]: r for r in rows})
    results.parent.mkdir(exist_ok=True)
    results.write_text(json.dumps([kept[k] for k in sorted(kept)], indent=1))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Notebook run time and peak memory")
    parser.add_argument(
        "prefixes", nargs="*", help="only the notebooks whose names start with these (e.g. 05)"
    )
    parser.add_argument("--cores", type=int, default=2, help="CPU cores to pin to (0 = all)")
    parser.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    parser.add_argument(
        "--backend",
        choices=["tensorflow", "jax", "torch"],
        default=os.environ.get("KERAS_BACKEND", "tensorflow"),
        help="Keras backend the kernels run on (KERAS_BACKEND; default tensorflow)",
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.environ["KERAS_BACKEND"] = args.backend  # the kernels inherit it
    if args.one:
        _run_one(args.one)
        return 0
    paths = sorted(NB_DIR.glob("[0-9][0-9]_*.ipynb"))
    if args.prefixes:
        paths = [p for p in paths if any(p.name.startswith(x) for x in args.prefixes)]
    rows = []
    header = f"{'notebook':40} {'seconds':>8} {'peak MB':>8}  within budget"
    print(
        f"backend: {args.backend}  cores: {args.cores or os.cpu_count()}  "
        f"budgets: {BUDGET_SECONDS:.0f} s, "
        f"{BUDGET_MB:.0f} MB per notebook; {COURSE_BUDGET_SECONDS:.0f} s for the course"
    )
    print(header)
    print("-" * len(header))
    for path in paths:
        row = {"notebook": path.stem, **measure(path, args.cores or None)}
        row["ok"] = (
            row["errors"] == 0 and row["seconds"] <= BUDGET_SECONDS and row["peak_mb"] <= BUDGET_MB
        )
        rows.append(row)
        print(
            f"{path.stem:40} {row['seconds']:8.1f} {row['peak_mb']:8.0f}  "
            f"{'yes' if row['ok'] else 'NO'}"
            + (f"  ({row['failure']})" if "failure" in row else "")
        )
    total = sum(r["seconds"] for r in rows)
    print("-" * len(header))
    print(
        f"{'whole course':40} {total:8.1f} {max((r['peak_mb'] for r in rows), default=0):8.0f}  "
        f"{'yes' if total <= COURSE_BUDGET_SECONDS else 'NO'}"
    )
    if args.markdown:
        print("\n| notebook | run time (s) | peak memory (MB) |\n|---|---:|---:|")
        for r in rows:
            print(f"| {r['notebook']} | {r['seconds']:.0f} | {r['peak_mb']:.0f} |")
    _save(rows, args.backend)
    return 0 if all(r["ok"] for r in rows) and total <= COURSE_BUDGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
