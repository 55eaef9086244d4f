"""Short intro and closing slides per notebook, from the notebook's own header and key points.

Each notebook source (``notebooks/py/NN_*.py``) opens with its title, questions, objectives,
prerequisites and time, and closes with its key points. This writes them as Markdown slides
(``slides/NN_name.md``, slides separated by ``---``, with Marp's front matter, so that Marp,
VS Code's Marp extension or reveal-md show them as a deck and any Markdown viewer prints them):

1. the title, prerequisites and time;  2. the questions;  3. the objectives;
4. (after the notebook) the key points.

The slides are made from the sources on every run, so they never disagree with the notebooks;
``slides/`` is not tracked by git.

Usage::

    python tools/slides.py             # every notebook, into slides/
    python tools/slides.py 05 --out DIR
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "notebooks" / "py"
FRONT_MATTER = "---\nmarp: true\npaginate: true\n---\n"


def _markdown_cells(source: str) -> list[str]:
    """The Markdown cells of a jupytext percent source, without their leading '# '."""
    cells = []
    for marker, block in re.findall(r"^# %%([^\n]*)\n(.*?)(?=^# %%|\Z)", source, flags=re.M | re.S):
        if "[markdown]" in marker:
            lines = [re.sub(r"^# ?", "", line) for line in block.strip().splitlines()]
            cells.append("\n".join(lines).strip())
    return cells


def _section(text: str, label: str) -> str:
    """The paragraph(s) after "**label**" up to the next bold label or the end."""
    match = re.search(rf"\*\*{label}\*\*[^\n]*\n(.*?)(?=\n\*\*[A-Z]|\Z)", text, re.S)
    if match is None:
        raise SystemExit(f"no **{label}** section")
    return match.group(1).strip()


def _inline(text: str, label: str) -> str:
    match = re.search(rf"\*\*{label}\*\*:\s*(.*?)(?=\n\n|\Z)", text, re.S)
    if match is None:
        raise SystemExit(f"no **{label}**: line")
    return " ".join(match.group(1).split())


def slides(path: Path) -> str:
    cells = _markdown_cells(path.read_text(encoding="utf-8"))
    header = cells[0]
    title = re.match(r"# (.+)", header).group(1).strip()
    key_points = next(c for c in cells if "## Key points" in c)
    points = key_points.split("## Key points", 1)[1].split("\n", 1)[1].strip()
    points = points.split("\n## ", 1)[0].strip()  # up to the next section, if any
    parts = [
        f"# {title}\n\n**Prerequisites**: {_inline(header, 'Prerequisites')}\n\n"
        f"**Time**: {_inline(header, 'Time')}\n\nOpen `notebooks/{path.stem}.ipynb` and run the "
        "first cell.",
        f"## Questions\n\n{_section(header, 'Questions')}",
        f"## Objectives\n\nAfter this notebook you will be able to:\n\n"
        f"{_section(header, 'Objectives')}",
        f"## Key points: {title}\n\n{points}",
    ]
    return FRONT_MATTER + "\n\n---\n\n".join(parts) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="notebook numbers (default: all)")
    parser.add_argument("--out", type=Path, default=ROOT / "slides")
    args = parser.parse_args(argv)
    paths = sorted(SOURCES.glob("[0-9][0-9]_*.py"))
    paths = [p for p in paths if not args.notebooks or p.name[:2] in args.notebooks]
    if not paths:
        raise SystemExit(f"no notebook matches {args.notebooks}")
    args.out.mkdir(parents=True, exist_ok=True)
    for path in paths:
        (args.out / f"{path.stem}.md").write_text(slides(path), encoding="utf-8")
    print(f"{len(paths)} slide decks in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
