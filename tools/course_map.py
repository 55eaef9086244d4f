"""Refresh the README's course map from the notebooks and the latest notebook benchmark.

Each row's minutes come from the notebook source's header line
("**Time**: teaching N min · exercises M min", then "· investigation K min" where a notebook
has an optional investigation exercise, shown as "(+K)") and its run time from
``benchmarks/results/notebooks.json`` (written by ``make benchmark``, not tracked by git); a
notebook missing from that file keeps the run time the README shows. The topics column is
hand-written and kept as it is. ``tests/test_readme.py`` fails when the minutes drift apart.

Usage::

    python benchmarks/notebooks.py          # measure (writes benchmarks/results/notebooks.json)
    python tools/course_map.py              # rewrite the rows between the course-map markers
    python tools/course_map.py --check      # only say whether the README is up to date
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
RESULTS = ROOT / "benchmarks" / "results" / "notebooks.json"
START, END = "<!-- course-map:start -->", "<!-- course-map:end -->"
ROW = re.compile(
    r"^\| (\d\d) \| \[(?P<title>.*?)\]\((?P<link>.*?)\) \| (?P<topics>.*?) \| [^|]*? \| "
    r"(?P<run>[^|]*?) \| .*$"
)
COLAB = "https://colab.research.google.com"
REPO_PATH = "github/dl-course/dense-activations/blob/main/notebooks"


def minutes(source: Path) -> tuple[int, int]:
    match = re.search(r"teaching (\d+) min\D+(\d+) min", source.read_text())
    if match is None:
        raise SystemExit(f"{source.name}: no 'teaching N min · exercises M min' header line")
    return int(match.group(1)), int(match.group(2))


def investigation_minutes(source: Path) -> int | None:
    """The minutes of the optional investigation exercise ("· investigation N min" after the
    exercise minutes; for fast groups or homework, outside the schedules), or None."""
    match = re.search(r"teaching \d+ min\D+\d+ min · investigation (\d+) min", source.read_text())
    return int(match.group(1)) if match else None


def prerequisites(source: Path) -> tuple[set[str], set[str]]:
    """(needed, helpful) notebook numbers from the source's "**Prerequisites**" paragraph.

    A clause (split at "." and ";") that says "helps", "explains" or "draws on" names notebooks
    that help; every other two-digit number in the paragraph is a notebook that must come first.
    """
    match = re.search(r"\*\*Prerequisites\*\*:(.*?)\n#\s*\n", source.read_text(), re.S)
    if match is None:
        raise SystemExit(f"{source.name}: no '**Prerequisites**:' paragraph in the header")
    text = re.sub(r"\s*\n#\s*", " ", match.group(1))
    needed, helpful = set(), set()
    for clause in re.split(r"[.;]", text):
        numbers = set(re.findall(r"\b(\d\d)\b", clause))
        soft = re.search(r"\bhelps\b|\bexplains\b|\bdraws on\b", clause)
        (helpful if soft else needed).update(numbers)
    return needed, helpful - needed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description="Rewrite README.md's course map from the notebooks' header minutes and "
        "benchmarks/results/notebooks.json (written by benchmarks/notebooks.py)."
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; print the difference and exit 1 if the README is not up to date",
    )
    args = parser.parse_args(argv)
    text = README.read_text()
    head, rest = text.split(START, 1)
    table, tail = rest.split(END, 1)
    old = {m.group(1): m for m in (ROW.match(line) for line in table.splitlines()) if m}
    seconds = {}
    if RESULTS.exists():
        seconds = {r["notebook"][:2]: r["seconds"] for r in json.loads(RESULTS.read_text())}
    sources = {s.name[:2]: s for s in (ROOT / "notebooks" / "py").glob("[0-9][0-9]_*.py")}
    rows = []
    for nn in sorted(set(sources) | set(old)):
        if nn not in sources:  # a planned notebook: its row stays as written
            rows.append(old[nn].group(0))
            continue
        source = sources[nn]
        name = source.stem + ".ipynb"
        if nn not in old:
            raise SystemExit(f"add a row for {name} to the course map by hand (title, topics)")
        teach, exercise = minutes(source)
        extra = investigation_minutes(source)
        listed = f"{teach} + {exercise}" + (f" (+{extra})" if extra else "")
        # A notebook without a fresh measurement keeps the run time the README already shows.
        run = f"{seconds[nn]:.0f}" if nn in seconds else old[nn]["run"]
        badge = f"[![Colab]({COLAB}/assets/colab-badge.svg)]({COLAB}/{REPO_PATH}/{name})"
        rows.append(
            f"| {nn} | [{old[nn]['title']}](notebooks/{name}) | {old[nn]['topics']} | "
            f"{listed} | {run} | {badge} |"
        )
    new = head + START + "\n" + "\n".join(rows) + "\n" + END + tail
    missing = sorted(set(sources) - set(seconds))
    note = f" (no run time yet for {', '.join(missing)})" if missing else ""
    if args.check:
        if new == text:
            print(f"course map up to date: {len(rows)} rows{note}")
            return 0
        sys.stdout.writelines(
            difflib.unified_diff(text.splitlines(True), new.splitlines(True), "README.md", "new")
        )
        return 1
    README.write_text(new)
    print(f"course map: {len(rows)} rows{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
