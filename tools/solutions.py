"""Build the solved notebooks (and their HTML) for handouts: `make solutions`.

Each stored notebook is run on a fresh kernel with every exercise cell replaced by its reference
solution (the machinery of tests/test_notebook_solutions.py: the cells tagged ``exercise`` and
``qN`` get ``companion.exercises.nbNN.qN.solution_source``), and written to
``solutions/NN_name.ipynb`` and ``solutions/NN_name.html`` (nbconvert). It exits 1 if a check
cell of a solved notebook prints anything but "Correct!", so a handout never shows a failing
check. The stored notebooks stay unsolved; ``solutions/`` is not tracked by git.

Usage::

    python tools/solutions.py              # every notebook (a few minutes)
    python tools/solutions.py 03 07        # some notebooks
    python tools/solutions.py --out DIR    # another folder
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parent.parent
NB_DIR = ROOT / "notebooks"

_spec = importlib.util.spec_from_file_location(
    "notebook_solutions", ROOT / "tests" / "test_notebook_solutions.py"
)
machinery = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(machinery)


def build(path: Path, out: Path) -> list[str]:
    """Solve, run and write one notebook; return the problems (an empty list: all correct)."""
    nb = nbformat.read(path, as_version=4)
    module = machinery.exercise_module(nb)
    solved = machinery.solve(nb, module) if module is not None else []
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("MPLBACKEND", "Agg")
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NB_DIR)}}
    )
    client.execute()
    printed = machinery.check_outputs(nb)
    problems = [f"{name}: no check cell" for name in solved if name not in printed]
    problems += [
        f"{name}: {text.strip()[:200]}"
        for name, text in printed.items()
        if not text.startswith("Correct!")
    ]
    out.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out / path.name)
    html, _ = HTMLExporter().from_notebook_node(nb)
    (out / path.with_suffix(".html").name).write_text(html, encoding="utf-8")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="notebook numbers (default: all)")
    parser.add_argument("--out", type=Path, default=ROOT / "solutions")
    args = parser.parse_args(argv)
    paths = [p for p in machinery.NOTEBOOKS if not args.notebooks or p.name[:2] in args.notebooks]
    if not paths:
        raise SystemExit(f"no notebook matches {args.notebooks}")
    failed = 0
    for path in paths:
        problems = build(path, args.out)
        print(f"{path.name}: {'all checks correct' if not problems else '; '.join(problems)}")
        failed += bool(problems)
    print(f"solved notebooks and HTML in {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
