"""`make solutions` (tools/solutions.py) builds handouts whose every check says "Correct!"."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _tool():
    spec = importlib.util.spec_from_file_location("solutions", ROOT / "tools" / "solutions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_solved_handout_and_html(tmp_path, capsys):
    tool = _tool()
    assert tool.main(["00", "--out", str(tmp_path)]) == 0
    assert "00_setup_and_tour.ipynb: all checks correct" in capsys.readouterr().out
    import nbformat

    solved = nbformat.read(tmp_path / "00_setup_and_tour.ipynb", as_version=4)
    printed = tool.machinery.check_outputs(solved)
    assert printed and all(text.startswith("Correct!") for text in printed.values()), printed
    assert "Correct!" in (tmp_path / "00_setup_and_tour.html").read_text()
    stored = (ROOT / "notebooks" / "00_setup_and_tour.ipynb").read_text()
    assert "Not attempted" in stored  # the repository's notebooks stay unsolved


@pytest.mark.slow
def test_an_unsolved_check_fails_the_build(tmp_path, monkeypatch, capsys):
    tool = _tool()
    monkeypatch.setattr(tool.machinery, "solve", lambda nb, module: [])  # nothing solved
    assert tool.main(["00", "--out", str(tmp_path)]) == 1
    assert "q1: Not attempted" in capsys.readouterr().out
