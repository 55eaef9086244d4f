"""tools/slides.py: every notebook gets its intro and key-points slides, from its own text."""

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("slides", ROOT / "tools" / "slides.py")
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)
SOURCES = sorted((ROOT / "notebooks" / "py").glob("[0-9][0-9]_*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=[p.stem for p in SOURCES])
def test_four_slides_from_the_notebooks_text(path):
    deck = tool.slides(path)
    assert deck.startswith(tool.FRONT_MATTER)
    parts = deck[len(tool.FRONT_MATTER) :].split("\n\n---\n\n")
    assert len(parts) == 4
    text = path.read_text()
    title = re.search(r"^# # (.+)$", text, re.M).group(1)
    assert parts[0].startswith(f"# {title}\n") and "**Time**: teaching" in parts[0]
    assert parts[1].startswith("## Questions\n\n- ")
    assert parts[2].startswith("## Objectives\n") and "\n- " in parts[2]
    assert parts[3].startswith(f"## Key points: {title}\n\n- ")
    for part in parts[1:]:  # every bullet is the notebook's own (first line of each)
        for bullet in re.findall(r"^- (.+)$", part, re.M):
            assert f"# - {bullet}" in text


def test_writes_one_deck_per_notebook(tmp_path):
    assert tool.main(["--out", str(tmp_path)]) == 0
    assert sorted(p.stem for p in tmp_path.glob("*.md")) == [p.stem for p in SOURCES]
