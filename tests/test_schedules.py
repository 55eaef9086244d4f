"""The instructor guide's schedules can be run as written: prerequisites first, breaks in time.

Each schedule is a table under a "### ..." heading of the guide's "## Schedules" section, with
rows `| start | minutes | what |`; a notebook's rows start with its number in bold (**NN**), a
break's with "break" or "lunch", and the last row is "end". The prerequisites are the notebooks'
own (tools/course_map.py reads each source's "**Prerequisites**" paragraph).
"""

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "instructor-guide.md"
MAX_STRETCH = 90  # minutes between two breaks (Carpentries: a break every 60-90 minutes)

spec = importlib.util.spec_from_file_location("course_map", ROOT / "tools" / "course_map.py")
course_map = importlib.util.module_from_spec(spec)
spec.loader.exec_module(course_map)

SOURCES = {p.name[:2]: p for p in sorted((ROOT / "notebooks" / "py").glob("[0-9][0-9]_*.py"))}
ROW = re.compile(r"^\| (\d{1,2}):(\d\d) \| +(\d+) \| (.+?) \|\s*$")


def schedules(text=None):
    """{heading: [(start minute, minutes, what)]} from the guide's "## Schedules" section."""
    text = GUIDE.read_text() if text is None else text
    section = text.split("\n## Schedules\n", 1)[1].split("\n## ", 1)[0]
    found = {}
    for block in section.split("\n### ")[1:]:
        heading, body = block.split("\n", 1)
        rows = [ROW.match(line) for line in body.splitlines()]
        found[heading.strip()] = [
            (int(m[1]) * 60 + int(m[2]), int(m[3]), m[4]) for m in rows if m is not None
        ]
    return found


def notebook(what):
    match = re.match(r"\*\*(\d\d)\*\*", what)
    return match and match.group(1)


def is_break(what):
    return what.startswith(("break", "lunch"))


def problems(rows):
    """Every way a schedule cannot be run as written (an empty list: it can)."""
    found = []
    if not rows or rows[-1][2] != "end":
        return ["the last row must be 'end'"]
    if not rows[0][2].startswith("welcome"):
        found.append(f"the day opens with {rows[0][2]!r}, not a welcome slot")
    for (start, minutes, what), (next_start, _, _) in zip(rows, rows[1:]):
        if start + minutes != next_start:
            found.append(
                f"{what!r} starts at {start} and lasts {minutes} min: next row at {next_start}"
            )
    # Stretches without a break: from the start (or a break's end) to the next break (or end).
    since = rows[0][0]
    for start, minutes, what in rows:
        if is_break(what) or what == "end":
            if start - since > MAX_STRETCH:
                found.append(f"{start - since} min without a break before {what!r} at {start}")
            since = start + minutes
    return found


def order_problems(days):
    """Notebooks taught before their prerequisites, or in fewer minutes than their header's."""
    found, taught, minutes = [], [], {}
    for rows in days:
        for _, length, what in rows:
            nn = notebook(what)
            if nn:
                if nn not in taught:
                    taught.append(nn)
                minutes[nn] = minutes.get(nn, 0) + length
    for nn in taught:
        needed, helpful = course_map.prerequisites(SOURCES[nn])
        before = set(taught[: taught.index(nn)])
        for pre in sorted(needed - before):
            found.append(f"{nn} before its prerequisite {pre}")
        for pre in sorted((helpful & set(taught)) - before):
            found.append(f"{nn} before {pre}, which its header says helps")
        teach, exercise = course_map.minutes(SOURCES[nn])
        if minutes[nn] != teach + exercise:
            found.append(f"{nn} gets {minutes[nn]} min, its header {teach} + {exercise}")
    # A notebook split over a break is taught in one piece: nothing else between its parts.
    sequence = [notebook(w) for rows in days for _, _, w in rows if notebook(w)]
    for nn in taught:
        first, last = sequence.index(nn), len(sequence) - 1 - sequence[::-1].index(nn)
        if set(sequence[first : last + 1]) != {nn}:
            found.append(f"{nn}'s parts are separated by another notebook")
    return found


GUIDE_SCHEDULES = schedules()
COURSES = {  # schedule name(s) -> the days that make one workshop
    "half day": ["Half day"],
    "full day": ["Full day"],
    "two days": ["Two days, day 1", "Two days, day 2"],
}


def test_the_guide_has_the_three_schedules():
    assert set(GUIDE_SCHEDULES) == {d for days in COURSES.values() for d in days}


@pytest.mark.parametrize("day", sorted(GUIDE_SCHEDULES))
def test_day_is_contiguous_with_a_welcome_and_breaks_at_most_90_minutes_apart(day):
    assert problems(GUIDE_SCHEDULES[day]) == []


@pytest.mark.parametrize("course", sorted(COURSES))
def test_notebooks_come_after_their_prerequisites_with_their_minutes(course):
    days = [GUIDE_SCHEDULES[d] for d in COURSES[course]]
    assert order_problems(days) == []


def test_two_days_teach_every_notebook():
    days = [GUIDE_SCHEDULES[d] for d in COURSES["two days"]]
    taught = {notebook(w) for rows in days for _, _, w in rows if notebook(w)}
    assert taught == set(SOURCES)


def test_prerequisites_are_read_from_the_headers():
    needed = {nn: course_map.prerequisites(src)[0] for nn, src in SOURCES.items()}
    helpful = {nn: course_map.prerequisites(src)[1] for nn, src in SOURCES.items()}
    assert needed["07"] == {"02", "03", "04", "05"} and helpful["07"] == {"06"}
    assert needed["05"] == {"01", "02", "04"} and helpful["05"] == {"03"}
    assert needed["08"] == {"05"} and needed["01"] == {"00"} and needed["00"] == set()
    assert helpful["09"] == {"06", "07", "08"}


# The checker itself: the old full day's faults are caught.
OLD_FULL_DAY = """
## Schedules

### Full day

| time | min | what |
|---|---:|---|
| 9:00 | 65 | **00** and **01** |
| 10:05 | 15 | break |
| 10:20 | 60 | **02** Activation functions |
| 11:20 | 55 | **04** Sequential vs Functional |
| 12:15 | 60 | lunch |
| 13:15 | 60 | **05** Training |
| 14:15 | 15 | break |
| 14:30 | 70 | **07** Vanishing gradients |
| 15:40 | 10 | break |
| 15:50 | 60 | **06** Initialization |
| 16:50 | 10 | wrap-up |
| 17:00 | 0 | end |

## Next
"""


def test_the_checker_finds_the_old_schedules_faults():
    (rows,) = schedules(OLD_FULL_DAY).values()
    found = problems(rows) + order_problems([rows])
    assert "the day opens with '**00** and **01**', not a welcome slot" in found
    assert "115 min without a break before 'lunch' at 735" in found
    assert "07 before its prerequisite 03" in found
    assert "07 before 06, which its header says helps" in found
    assert "06 before its prerequisite 03" in found
