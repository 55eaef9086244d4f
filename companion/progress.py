"""Live class progress (opt-in): who is stuck where, while the lesson runs.

Off unless ``COURSE_PROGRESS_DIR`` names a folder (the instructor sets it on the class's hub;
``hub/jupyterhub_config.py`` passes it to every learner's kernel). Then every ``q.check(...)``
appends one line to ``<folder>/<user>.jsonl``::

    {"time": "2026-12-05T10:31:07Z", "user": "alice", "notebook": "nb02", "question": "q1",
     "status": "not yet"}

and nothing else: never the learner's answer, code or hint text. The learner's first check in
a kernel prints one line saying that check results are shared. Everywhere else (a laptop,
Colab, Binder, the tests) the variable is unset and no check result leaves the kernel.

The instructor's view::

    python -m companion.progress [FOLDER]      # learner x question table + who is stuck

or ``docs/instructor.ipynb`` (a heat map learners x questions and a bar per question,
refreshed on demand with a button: ``dashboard(FOLDER)``).

Guarantees (tests/test_progress.py):

- concurrent writers lose no record: each record is one ``write`` of one line to a file opened
  in append mode, under an exclusive ``flock`` (several kernels of one learner share a file);
- a corrupt or partial line (a disk that filled up, a hand edit) is skipped with one
  ``ProgressWarning`` per file, never a crash; a check never fails because the folder does not
  work (it warns once and carries on);
- through this API a learner reads only their own records (``my_records``): the class-wide
  readers refuse inside a learner's hub server (``JUPYTERHUB_USER`` set and not one of
  ``COURSE_PROGRESS_INSTRUCTORS``, default ``instructor``). Files are created ``0640``: where
  every learner is a system user (The Littlest JupyterHub), a folder of the instructors' group
  with mode ``3773`` (setgid: files join the group; sticky: nobody deletes another's file; no
  read bit for others: no listing) lets learners append and only instructors read. On
  ``make hub``'s local spawner every learner is the same system user, so the API is the
  boundary there.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import getpass
import json
import os
import re
import sys
import warnings
from collections import Counter
from pathlib import Path

try:  # POSIX: an exclusive lock around each append
    import fcntl
except ImportError:  # Windows: append mode alone (each record is one small write)
    fcntl = None

ENV = "COURSE_PROGRESS_DIR"
INSTRUCTORS_ENV = "COURSE_PROGRESS_INSTRUCTORS"
NOT_ATTEMPTED, NOT_YET, CORRECT = "not attempted", "not yet", "correct"
STATUSES = (NOT_ATTEMPTED, NOT_YET, CORRECT)
FIELDS = ("time", "user", "notebook", "question", "status")
NOTICE = (
    "Note: check results are shared with your instructor (user name, question, outcome and "
    "time; never your code)."
)
_SYMBOL = {CORRECT: "ok", NOT_YET: "STUCK", NOT_ATTEMPTED: "-"}

_state = {"notice_shown": False, "failed": False}


class ProgressWarning(UserWarning):
    """A progress record that could not be written or read."""


# -- writing ------------------------------------------------------------------------------------


def enabled():
    """The shared folder, or ``None`` when live progress is off (the default)."""
    folder = os.environ.get(ENV, "").strip()
    return Path(folder) if folder else None


def current_user():
    """The learner: the hub's user name, else the operating system's."""
    user = os.environ.get("JUPYTERHUB_USER") or ""
    if not user:
        try:
            user = getpass.getuser()
        except Exception:  # no name for this uid (some containers)
            user = f"uid{os.getuid()}" if hasattr(os, "getuid") else "unknown"
    return user


def _file_name(user):
    """``alice.jsonl``; characters a file name should not hold become ``_``."""
    safe = re.sub(r"[^A-Za-z0-9._@-]", "_", user).lstrip(".") or "_"
    return f"{safe}.jsonl"


def _notebook_of(question):
    """``"nb02"`` for a question defined in ``companion/exercises/nb02.py``."""
    fn = getattr(question.check_fn, "func", question.check_fn)  # functools.partial
    module = getattr(fn, "__module__", None) or ""
    return module.rsplit(".", 1)[-1] if module.startswith("companion.exercises.") else module


def make_record(user, notebook, question, status, time=None):
    """One record (a dict of ``FIELDS``), validated."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, but got {status!r}.")
    for name, value in (("user", user), ("notebook", notebook), ("question", question)):
        if not isinstance(value, str) or not value:
            raise ValueError(f"{name} must be a non-empty string, but got {value!r}.")
    if time is None:
        time = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "time": time,
        "user": user,
        "notebook": notebook,
        "question": question,
        "status": status,
    }


def append(folder, record):
    """Append one record to ``folder/<user>.jsonl``: one line, one write, under a lock."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    line = (json.dumps({k: record[k] for k in FIELDS}, ensure_ascii=False) + "\n").encode()
    fd = os.open(folder / _file_name(record["user"]), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        view = memoryview(line)
        while view:  # a regular file takes it in one write; loop for safety
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)  # closing releases the lock


def record_check(question, status):
    """The hook ``Question.check`` calls: one record when live progress is on, else nothing.

    Never raises: a folder that does not work prints one warning per kernel, and the check
    goes on as if progress were off."""
    folder = enabled()
    if folder is None:
        return
    if not _state["notice_shown"]:
        _state["notice_shown"] = True
        print(NOTICE)
    try:
        record = make_record(current_user(), _notebook_of(question) or "?", question.name, status)
        append(folder, record)
    except Exception as exc:
        if not _state["failed"]:
            _state["failed"] = True
            warnings.warn(
                f"could not share this check result in {folder} ({type(exc).__name__}: {exc}); "
                "your check works as usual.",
                ProgressWarning,
                stacklevel=3,
            )


# -- reading ------------------------------------------------------------------------------------


def _valid(record):
    return (
        isinstance(record, dict)
        and all(isinstance(record.get(k), str) and record.get(k) for k in FIELDS)
        and record["status"] in STATUSES
    )


def _read_file(path):
    records, bad = [], []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            if _valid(record):
                records.append({k: record[k] for k in FIELDS})
            else:
                bad.append(number)
    if bad:
        shown = ", ".join(map(str, bad[:5])) + (", ..." if len(bad) > 5 else "")
        warnings.warn(
            f"{path.name}: skipped {len(bad)} corrupt or partial line(s) (line {shown}).",
            ProgressWarning,
            stacklevel=3,
        )
    return records


def _instructors():
    names = os.environ.get(INSTRUCTORS_ENV, "instructor")
    return {n.strip() for n in names.split(",") if n.strip()}


def _folder(folder):
    folder = Path(folder) if folder is not None else enabled()
    if folder is None:
        raise ValueError(
            f"no progress folder: pass one, or set {ENV} to the folder the hub shares "
            "(hub/jupyterhub_config.py)."
        )
    if not folder.is_dir():
        raise FileNotFoundError(f"progress folder {folder} does not exist (no check yet?).")
    return folder


def read_records(folder=None):
    """Every learner's records, oldest first: the instructor's reader.

    Refused inside a learner's hub server: learners see their own records with
    ``my_records()``."""
    user = os.environ.get("JUPYTERHUB_USER")
    if user and user not in _instructors():
        raise PermissionError(
            f"{user!r} is a learner on this hub: only the instructor ({INSTRUCTORS_ENV}: "
            f"{', '.join(sorted(_instructors()))}) reads the class's progress; "
            "my_records() shows your own."
        )
    folder = _folder(folder)
    records = [r for path in sorted(folder.glob("*.jsonl")) for r in _read_file(path)]
    return sorted(records, key=lambda r: r["time"])


def my_records(folder=None):
    """The current user's own records."""
    user = current_user()
    path = _folder(folder) / _file_name(user)
    return [r for r in _read_file(path) if r["user"] == user] if path.exists() else []


# -- summaries ----------------------------------------------------------------------------------


def _question_key(record):
    return f"{record['notebook']}.{record['question']}"


def _natural(text):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def latest(records):
    """``{(user, "nb02.q1"): (latest status, number of checks)}``."""
    result, counts = {}, Counter()
    for r in sorted(records, key=lambda r: r["time"]):
        key = (r["user"], _question_key(r))
        counts[key] += 1
        result[key] = r["status"]
    return {key: (status, counts[key]) for key, status in result.items()}


def grid(records):
    """(learners, questions, {(learner, question): (status, checks)}), sorted."""
    cells = latest(records)
    learners = sorted({u for u, _ in cells}, key=_natural)
    questions = sorted({q for _, q in cells}, key=_natural)
    return learners, questions, cells


def stuck_counts(records):
    """``{question: Counter(latest status -> learners)}``, with learners who never checked it
    counted as not attempted."""
    learners, questions, cells = grid(records)
    return {
        q: Counter(cells.get((u, q), (NOT_ATTEMPTED, 0))[0] for u in learners) for q in questions
    }


def format_table(records):
    """The learner x question table (latest status; ``STUCK x3``: "not yet" after 3 checks)
    and one line per question: how many learners are correct, stuck, not started."""
    learners, questions, cells = grid(records)
    if not learners:
        return "no check results yet."

    def cell(u, q):
        status, n = cells.get((u, q), (None, 0))
        if status is None:
            return "."
        return _SYMBOL[status] + (f" x{n}" if status == NOT_YET and n > 1 else "")

    header = ["learner", *questions]
    rows = [[u, *(cell(u, q) for q in questions)] for u in learners]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip() for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append("")
    lines.append(f"{len(learners)} learners; per question: correct / stuck (not yet) / not started")
    for q, counts in stuck_counts(records).items():
        stuck = sorted(
            (u for u in learners if cells.get((u, q), ("",))[0] == NOT_YET), key=_natural
        )
        who = f"  stuck: {', '.join(stuck)}" if stuck else ""
        lines.append(f"  {q}: {counts[CORRECT]} / {counts[NOT_YET]} / {counts[NOT_ATTEMPTED]}{who}")
    return "\n".join(lines)


# -- figures and the widget (matplotlib and ipywidgets imported only here) ----------------------

_COLOURS = {None: "#f2f2f2", NOT_ATTEMPTED: "#bdbdbd", NOT_YET: "#e6550d", CORRECT: "#31a354"}


def plot(records, fig=None):
    """A heat map learners x questions (latest status) and a bar per question: who is stuck."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    learners, questions, cells = grid(records)
    order = [None, NOT_ATTEMPTED, NOT_YET, CORRECT]
    if fig is None:
        fig = plt.figure(figsize=(8, 0.9 + 0.28 * max(len(learners), 4)))
    fig.clear()
    heat, bars = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    values = [[order.index(cells.get((u, q), (None, 0))[0]) for q in questions] for u in learners]
    heat.imshow(values or [[0]], cmap=ListedColormap([_COLOURS[s] for s in order]), vmin=0,
                vmax=3, aspect="auto")  # fmt: skip
    heat.set_xticks(range(len(questions)), questions, rotation=60, ha="right", fontsize=8)
    heat.set_yticks(range(len(learners)), learners, fontsize=8)
    heat.set_title("latest check per learner", fontsize=9)
    counts = stuck_counts(records)
    y = range(len(questions))
    left = [0] * len(questions)
    for status in (CORRECT, NOT_YET, NOT_ATTEMPTED):
        widths = [counts[q][status] for q in questions]
        bars.barh(y, widths, left=left, color=_COLOURS[status], label=status)
        left = [a + b for a, b in zip(left, widths)]
    bars.set_yticks(list(y), questions, fontsize=8)
    bars.invert_yaxis()
    bars.set_xlabel("learners", fontsize=8)
    bars.set_title("who is stuck (not yet)", fontsize=9)
    legend = [Patch(color=_COLOURS[s], label=s) for s in (CORRECT, NOT_YET, NOT_ATTEMPTED)]
    fig.legend(handles=legend, loc="lower center", ncol=3, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def dashboard(folder=None):
    """A Refresh button over the table and the figures of ``folder`` ($COURSE_PROGRESS_DIR).

    The table is an HTML widget and the figure an Image widget (a PNG), so the view needs no
    Output widget and draws the same in JupyterLab, Notebook 7 and a stored notebook."""
    import html
    import io

    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    button = widgets.Button(description="Refresh", icon="refresh")
    stamp = widgets.Label()
    table = widgets.HTML()
    image = widgets.Image(format="png")

    def refresh(_=None):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ProgressWarning)
            records = read_records(folder)
        notes = "".join(f"warning: {w.message}\n" for w in caught)
        table.value = f"<pre>{html.escape(notes + format_table(records))}</pre>"
        fig = plot(records)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=80)
        plt.close(fig)
        image.value = buffer.getvalue()
        stamp.value = f"{len(records)} records"

    button.on_click(refresh)
    refresh()
    return widgets.VBox([widgets.HBox([button, stamp]), table, image])


def write_sample(folder, learners=8, seed=0):
    """A made-up class (for docs/instructor.ipynb and the tests): ``learners`` learners working
    through notebook 02's questions, some stuck."""
    import random

    rng = random.Random(seed)
    questions = ["q1", "q2", "q3", "q4"]
    for i in range(learners):
        user = f"learner{i + 1:02d}"
        minute = 0
        for q in questions[: rng.randint(1, len(questions))]:
            tries = rng.choice([1, 1, 2, 3])
            stuck = rng.random() < 0.25
            for t in range(tries):
                last = t == tries - 1
                status = NOT_YET if (stuck or not last) else CORRECT
                if t == 0 and rng.random() < 0.2:
                    status = NOT_ATTEMPTED
                minute += rng.randint(1, 4)
                time = f"2026-12-05T10:{minute:02d}:00Z"
                append(folder, make_record(user, "nb02", q, status, time=time))


# -- the command line ---------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m companion.progress",
        description="Live class progress: learner x question table (latest check) and who is "
        "stuck where.",
    )
    parser.add_argument("folder", nargs="?", help=f"the progress folder (default: ${ENV})")
    parser.add_argument("--notebook", help="only this notebook's questions, e.g. nb02")
    args = parser.parse_args(argv)
    try:
        records = read_records(args.folder)
    except (ValueError, FileNotFoundError, PermissionError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.notebook:
        records = [r for r in records if r["notebook"] == args.notebook]
    print(format_table(records))
    return 0


if __name__ == "__main__":
    sys.exit(main())
