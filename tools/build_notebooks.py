"""Build the stored notebooks from their jupytext sources, as "restart and run all" would.

The reviewable source of each notebook is ``notebooks/py/NN_name.py`` (jupytext's percent
format). This script turns it into ``notebooks/NN_name.ipynb``, executes it on a fresh kernel
with the working directory ``notebooks/``, and stores the result with execution counts 1..N.

It refuses to store a notebook that would fail the course's rules: an error output, anything
on stderr (framework log noise), a local path in an output, or an output larger than a limit.

Usage::

    python tools/build_notebooks.py                 # every notebook
    python tools/build_notebooks.py 01 02           # notebooks whose name starts with 01 or 02
    python tools/build_notebooks.py --no-execute 03 # only convert (outputs are dropped)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NB_DIR = ROOT / "notebooks"
SRC_DIR = NB_DIR / "py"

MAX_OUTPUT_BYTES = 200_000  # one output (an image included); keeps the repository small
LOCAL_PATH = re.compile(r"(/work/|/root/|/home/[^/\s]+/|/tmp/|site-packages|\.venv)")
KERNEL_METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def sources(prefixes):
    files = sorted(SRC_DIR.glob("[0-9][0-9]_*.py"))
    if prefixes:
        files = [f for f in files if any(f.name.startswith(p) for p in prefixes)]
    return files


def to_notebook(src: Path) -> nbformat.NotebookNode:
    nb = jupytext.read(src)
    nb.metadata = dict(KERNEL_METADATA)
    return nb


def problems_in(nb) -> list[str]:
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            where = f"cell {i} ({cell.source.splitlines()[0][:50] if cell.source else ''!r})"
            if out.output_type == "error":
                found.append(f"{where}: error output {out.ename}: {out.evalue}")
            if out.output_type == "stream" and out.name == "stderr":
                found.append(f"{where}: stderr output: {out.text[:300]!r}")
            text = json.dumps(out)
            if len(text) > MAX_OUTPUT_BYTES:
                found.append(f"{where}: output of {len(text)} bytes > {MAX_OUTPUT_BYTES}")
            for key in ("text",):
                if key in out and LOCAL_PATH.search(out[key]):
                    found.append(f"{where}: local path in output: {out[key][:200]!r}")
            for mime, data in out.get("data", {}).items():
                if mime.startswith("text") and LOCAL_PATH.search(str(data)):
                    found.append(f"{where}: local path in {mime} output: {str(data)[:200]!r}")
    return found


def execute(nb, timeout=600):
    env_backup = dict(os.environ)
    # The same quiet, repeatable environment the notebooks' first cell sets; setting it here too
    # keeps the kernel's own start-up quiet.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    try:
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(NB_DIR)}},
            record_timing=False,
            store_widget_state=False,
        )
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(env_backup)
    return nb


def coalesce_streams(outputs):
    """Join consecutive stdout (or stderr) chunks into one output.

    How a kernel chunks a cell's prints depends on timing, so without this the stored
    notebook would change from one build to the next although the text is the same.
    """
    merged = []
    for out in outputs:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and out.output_type == "stream"
            and previous.output_type == "stream"
            and out.name == previous.name
        ):
            previous.text += out.text
        else:
            merged.append(out)
    return merged


def clean(nb):
    nb.metadata = dict(KERNEL_METADATA)
    for i, cell in enumerate(nb.cells):
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = coalesce_streams(cell.outputs)
        # Stable ids keep diffs small (nbformat would draw random ones).
        cell["id"] = f"cell-{i:03d}"
    return nb


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefixes", nargs="*", help="notebook name prefixes, e.g. 01 05")
    parser.add_argument("--no-execute", action="store_true", help="convert only")
    args = parser.parse_args(argv)
    failed = False
    for src in sources(args.prefixes):
        target = NB_DIR / (src.stem + ".ipynb")
        nb = to_notebook(src)
        start = time.perf_counter()
        if not args.no_execute:
            try:
                execute(nb)
            except Exception as exc:  # report and go on with the others
                print(f"FAILED {src.name}: {type(exc).__name__}: {str(exc)[-2000:]}")
                failed = True
                continue
        seconds = time.perf_counter() - start
        problems = problems_in(nb)
        if problems:
            failed = True
            print(f"REFUSED {src.name} ({seconds:.1f} s):")
            for p in problems:
                print("   ", p)
            continue
        nb = clean(nb)
        nbformat.validate(nb)
        nbformat.write(nb, target)
        print(f"wrote {target.relative_to(ROOT)} ({seconds:.1f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
