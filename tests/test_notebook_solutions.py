"""Every notebook, run with its reference solutions filled in, reports "Correct!" everywhere.

The stored notebooks ship unsolved, and nbval proves that a fresh run of them reproduces their
stored "Not attempted" lines. This test proves the other half an instructor relies on: replace
each exercise cell (tagged ``exercise`` and ``qN``) with the reference solution of ``qN`` from
the notebook's ``companion.exercises`` module, run the notebook on a fresh kernel, and every
check cell prints "Correct!" — in the notebook's own context, with the variables the earlier
cells made, not only in the exercise module's unit tests.

It executes each notebook once more (about as long as nbval), so it is marked ``slow``;
``make test`` runs it on TensorFlow. The kernel runs Keras on the backend ``KERAS_BACKEND``
names (default TensorFlow); ``make test-backends`` runs this file with ``jax`` and ``torch``,
where a notebook without exercises still has to run top to bottom without an error.
"""

import importlib
import os
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NB_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NB_DIR.glob("[0-9][0-9]_*.ipynb"))
EXERCISE_IMPORT = re.compile(r"from companion\.exercises import (nb\d\d) as ex\b")
CHECK_CALL = re.compile(r"\bex\.(q\d+)\.check\(")
BACKEND = os.environ.get("KERAS_BACKEND", "tensorflow")


def exercise_module(nb):
    for cell in nb.cells:
        match = EXERCISE_IMPORT.search(cell.source) if cell.cell_type == "code" else None
        if match:
            return importlib.import_module(f"companion.exercises.{match.group(1)}")
    return None


def solve(nb, module):
    """Replace every exercise cell's source with its reference solution; return the qN solved."""
    solved = []
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if cell.cell_type != "code" or "exercise" not in tags:
            continue
        (name,) = [t for t in tags if re.fullmatch(r"q\d+", t)]
        question = getattr(module, name)
        assert question.solution_source, f"{module.__name__}.{name} has no reference solution"
        cell.source = question.solution_source
        solved.append(name)
    return solved


def check_outputs(nb):
    """{qN: the text its check cell printed} for every check cell of the notebook."""
    found = {}
    for cell in nb.cells:
        match = CHECK_CALL.search(cell.source) if cell.cell_type == "code" else None
        if match:
            found[match.group(1)] = "".join(
                out.get("text", "") for out in cell.outputs if out.get("output_type") == "stream"
            )
    return found


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_reference_solutions_pass_in_the_notebook(path, monkeypatch):
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    module = exercise_module(nb)
    if module is None and BACKEND == "tensorflow":
        pytest.skip(f"{path.name} has no exercises (nbval runs it on TensorFlow)")
    solved = solve(nb, module) if module is not None else []
    assert solved or module is None, f"{path.name} imports an exercise module but no exercise"

    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    monkeypatch.setenv("MPLBACKEND", os.environ.get("MPLBACKEND", "Agg"))
    monkeypatch.setenv("KERAS_BACKEND", BACKEND)  # the kernel's Keras backend
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NB_DIR)}}
    ).execute()

    printed = check_outputs(nb)
    unchecked = set(solved) - set(printed)
    assert not unchecked, f"{path.name}: no check cell for {sorted(unchecked)}"
    wrong = {
        name: text.strip() for name, text in printed.items() if not text.startswith("Correct!")
    }
    assert not wrong, (
        f"{path.name} on {BACKEND}: with the reference solutions, checks printed {wrong}"
    )
