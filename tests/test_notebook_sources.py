"""Stored notebooks: in sync with their sources and stored as "restart and run all" left them."""

import re
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NB_DIR = ROOT / "notebooks"
SOURCES = sorted((NB_DIR / "py").glob("[0-9][0-9]_*.py"))
NOTEBOOKS = sorted(NB_DIR.glob("[0-9][0-9]_*.ipynb"))
LOCAL_PATH = re.compile(r"(/work/|/root/|/home/[^/\s]+/|site-packages|\.venv/)")


def _ids(paths):
    return [p.stem for p in paths]


def _cells(nb):
    return [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", []))) for c in nb.cells]


def test_every_source_has_a_stored_notebook_and_back():
    assert {p.stem for p in SOURCES} == {p.stem for p in NOTEBOOKS}


@pytest.mark.parametrize("src", SOURCES, ids=_ids(SOURCES))
def test_stored_notebook_matches_its_source(src):
    stored = nbformat.read(NB_DIR / f"{src.stem}.ipynb", as_version=4)
    expected = jupytext.read(src)
    assert _cells(stored) == _cells(expected), (
        f"{src.name} and its .ipynb differ: edit the .py and run "
        f"`python tools/build_notebooks.py {src.stem[:2]}`"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_stored_as_restart_and_run_all(path):
    nb = nbformat.read(path, as_version=4)
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), "execution counts must be 1..N"
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.outputs:
            assert out.output_type != "error", f"error output in {path.name}: {out.get('ename')}"
            assert not (out.output_type == "stream" and out.name == "stderr"), (
                f"stderr output (log noise?) in {path.name}: {out.text[:200]!r}"
            )
            text = out.get("text", "") + "".join(
                str(v) for k, v in out.get("data", {}).items() if k.startswith("text")
            )
            assert not LOCAL_PATH.search(text), f"local path in an output of {path.name}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_lesson_structure(path):
    nb = nbformat.read(path, as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.lstrip().startswith("# ")
    for heading in ("Questions", "Objectives", "Prerequisites", "Key points"):
        assert heading.lower() in markdown.lower(), f"{path.name} lacks a '{heading}' section"
    assert re.search(r"teaching\D{0,20}\d+\s*min", markdown, re.I), f"{path.name}: no minutes"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "setup" in code[0].metadata.get("tags", []), "the first code cell must be the setup cell"
    assert "google.colab" in code[0].source, "the setup cell installs the companion on Colab"
    assert "tensorflow" not in code[0].source.split("google.colab")[1].split("\n")[1].lower(), (
        "the Colab install must not reinstall TensorFlow"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_exercises_ship_unsolved(path):
    nb = nbformat.read(path, as_version=4)
    exercises = [c for c in nb.cells if "exercise" in c.metadata.get("tags", [])]
    if path.name[:2] not in ("00",):
        assert len(exercises) >= 3, f"{path.name} has {len(exercises)} exercises; at least 3"
    names = {t for c in exercises for t in c.metadata.get("tags", []) if re.fullmatch(r"q\d+", t)}
    assert len(names) == len(exercises), f"{path.name}: each exercise cell needs its own qN tag"
    for cell in nb.cells:
        match = re.search(r"\bex\.(q\d+)\.check\(", cell.source)
        if cell.cell_type == "code" and match and match.group(1) in names:
            text = "".join(o.get("text", "") for o in cell.outputs)
            text += "".join(str(o.get("data", {}).get("text/plain", "")) for o in cell.outputs)
            assert "not attempted" in text.lower(), (
                f"{path.name}: the check of {match.group(1)} does not report 'not attempted' — "
                "stored notebooks ship unsolved"
            )
