"""Live class progress (companion.progress): opt-in check records and the instructor's view."""

import json
import multiprocessing
import os
import subprocess
import sys
import warnings
from pathlib import Path

import nbformat
import pytest

from companion import progress
from companion.exercises import nb00
from companion.exercises.core import Question, expect_number

ROOT = Path(__file__).resolve().parent.parent
SECRET = "learners_private_code_7e3f"


@pytest.fixture(autouse=True)
def _not_on_a_hub(monkeypatch):
    """Each test decides whether it runs as a hub learner (a hub terminal sets these)."""
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.delenv(progress.ENV, raising=False)


@pytest.fixture
def shared(tmp_path, monkeypatch):
    """Progress on, into a fresh folder, as hub learner 'alice' (a fresh notice state)."""
    folder = tmp_path / "progress"
    monkeypatch.setenv(progress.ENV, str(folder))
    monkeypatch.setenv("JUPYTERHUB_USER", "alice")
    monkeypatch.setitem(progress._state, "notice_shown", False)
    monkeypatch.setitem(progress._state, "failed", False)
    return folder


def _lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_off_by_default_writes_nothing_and_prints_only_the_check(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(progress.ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    nb00.demo.check(28 * 28)
    assert capsys.readouterr().out.startswith("Correct!")
    assert progress.enabled() is None
    assert list(tmp_path.iterdir()) == []


def test_each_check_appends_one_record_in_the_documented_format(shared, capsys):
    nb00.demo.check(...)
    nb00.demo.check(28)
    nb00.demo.check(28 * 28)
    out = capsys.readouterr().out.splitlines()
    # One notice line, once per kernel, before the first check's own line.
    assert out[0] == progress.NOTICE
    assert [line.split(":")[0].split("!")[0] for line in out[1:]] == [
        "Not attempted",
        "Not yet",
        "Correct",
    ]
    records = _lines(shared / "alice.jsonl")
    assert [r["status"] for r in records] == ["not attempted", "not yet", "correct"]
    for r in records:
        assert list(r) == list(progress.FIELDS)
        assert (r["user"], r["notebook"], r["question"]) == ("alice", "nb00", "demo")
        assert r["time"].endswith("Z") and len(r["time"]) == len("2026-12-05T10:31:07Z")


def test_no_code_answer_or_hint_text_leaves_the_kernel(shared):
    def answer(x):
        learners_private_code_7e3f = x  # noqa: F841 -- the learner's code, which must stay
        raise ValueError(SECRET)

    q = Question("q9", check_fn=lambda f: expect_number(f(1), 2, name="f(1)"))
    q.check(answer)  # "not yet": the learner's exception, whose message names SECRET
    q.check(SECRET)
    text = (shared / "alice.jsonl").read_text()
    assert SECRET not in text and "ValueError" not in text
    assert {k for r in _lines(shared / "alice.jsonl") for k in r} == set(progress.FIELDS)


def _writer(args):
    folder, user, n, barrier = args
    barrier.wait()
    for i in range(n):
        progress.append(folder, progress.make_record(user, "nb02", f"q{i % 4 + 1}", "not yet"))


def test_twenty_concurrent_writers_lose_no_record(tmp_path):
    folder = tmp_path / "progress"
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(20)
    # 20 processes: 4 learners with 5 kernels each (the same file), 200 records per process.
    jobs = [(folder, f"learner{i % 4}", 200, barrier) for i in range(20)]
    procs = [ctx.Process(target=_writer, args=(job,)) for job in jobs]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a torn line would warn
        records = progress.read_records(folder)
    assert len(records) == 20 * 200
    assert sorted(p.name for p in folder.iterdir()) == [f"learner{i}.jsonl" for i in range(4)]
    assert all(len(_lines(folder / f"learner{i}.jsonl")) == 1000 for i in range(4))


def test_a_corrupt_or_partial_line_is_skipped_with_a_warning(tmp_path):
    folder = tmp_path / "progress"
    progress.append(folder, progress.make_record("bob", "nb02", "q1", "not yet"))
    with open(folder / "bob.jsonl", "a") as f:
        f.write('{"time": "2026-12-05T10:00:00Z", "user": "bob", "notebook": "nb0')  # partial
        f.write("\nnot json at all\n")
        f.write(json.dumps({"time": "t", "user": "bob", "notebook": "nb02", "question": "q1",
                            "status": "solved"}) + "\n")  # fmt: skip
    progress.append(folder, progress.make_record("bob", "nb02", "q1", "correct"))
    with pytest.warns(progress.ProgressWarning, match=r"bob.jsonl: skipped 3 .*line 2, 3, 4"):
        records = progress.read_records(folder)
    assert [r["status"] for r in records] == ["not yet", "correct"]


def test_an_unusable_folder_never_breaks_a_check(shared, capsys):
    shared.parent.mkdir(exist_ok=True)
    shared.write_text("a file, not a folder")
    with pytest.warns(progress.ProgressWarning, match="your check works as usual"):
        nb00.demo.check(28 * 28)
    assert capsys.readouterr().out.splitlines()[-1].startswith("Correct!")
    nb00.demo.check(28 * 28)  # warned once per kernel, not at every check


def test_a_learner_reads_only_their_own_records(shared, monkeypatch):
    progress.append(shared, progress.make_record("bob", "nb00", "demo", "correct"))
    nb00.demo.check(28)
    assert [r["user"] for r in progress.my_records()] == ["alice"]
    with pytest.raises(PermissionError, match="only the instructor"):
        progress.read_records()
    with pytest.raises(PermissionError):
        progress.read_records(shared)
    assert progress.main([str(shared)]) == 2  # the command line refuses too, with the reason
    monkeypatch.setenv("JUPYTERHUB_USER", "instructor")
    assert {r["user"] for r in progress.read_records()} == {"alice", "bob"}


def test_bad_records_are_refused_when_written():
    with pytest.raises(ValueError, match="status must be one of"):
        progress.make_record("a", "nb00", "q1", "done")
    with pytest.raises(ValueError, match="user must be a non-empty string"):
        progress.make_record("", "nb00", "q1", "correct")


def test_user_names_cannot_escape_the_folder(tmp_path):
    progress.append(tmp_path, progress.make_record("../../etc/x y", "nb00", "q1", "correct"))
    assert [p.name for p in tmp_path.iterdir()] == ["_.._etc_x_y.jsonl"]


def test_table_shows_latest_status_and_who_is_stuck(tmp_path):
    rec = progress.make_record
    for r in [
        rec("bob", "nb02", "q1", "not yet", "2026-12-05T10:00:00Z"),
        rec("bob", "nb02", "q1", "not yet", "2026-12-05T10:01:00Z"),
        rec("bob", "nb02", "q1", "not yet", "2026-12-05T10:02:00Z"),
        rec("alice", "nb02", "q1", "not yet", "2026-12-05T10:00:30Z"),
        rec("alice", "nb02", "q1", "correct", "2026-12-05T10:03:00Z"),
        rec("alice", "nb02", "q10", "not attempted", "2026-12-05T10:04:00Z"),
    ]:
        progress.append(tmp_path, r)
    table = progress.format_table(progress.read_records(tmp_path))
    lines = table.splitlines()
    assert lines[0].split() == ["learner", "nb02.q1", "nb02.q10"]
    assert lines[2].split() == ["alice", "ok", "-"]
    assert lines[3].split() == ["bob", "STUCK", "x3", "."]
    assert "  nb02.q1: 1 / 1 / 0  stuck: bob" in lines
    assert "  nb02.q10: 0 / 0 / 2" in lines


def test_cli_prints_the_table_and_explains_a_missing_folder(tmp_path):
    progress.write_sample(tmp_path, learners=5, seed=1)
    env = {k: v for k, v in os.environ.items() if k not in (progress.ENV, "JUPYTERHUB_USER")}
    env["PYTHONPATH"] = str(ROOT)
    run = [sys.executable, "-m", "companion.progress"]
    done = subprocess.run([*run, str(tmp_path)], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].split()[:2] == ["learner", "nb02.q1"]
    assert "5 learners; per question" in done.stdout
    done = subprocess.run([*run, str(tmp_path), "--notebook", "nb09"], capture_output=True,
                          text=True, env=env)  # fmt: skip
    assert done.stdout.strip() == "no check results yet."
    done = subprocess.run(run, capture_output=True, text=True, env=env)
    assert done.returncode == 2 and f"set {progress.ENV}" in done.stderr


def test_plot_and_dashboard_draw_the_sample_class(tmp_path):
    pytest.importorskip("ipywidgets")
    progress.write_sample(tmp_path, learners=8, seed=0)
    records = progress.read_records(tmp_path)
    fig = progress.plot(records)
    heat, bars = fig.axes[:2]
    assert len(heat.get_yticklabels()) == 8
    assert [t.get_text() for t in bars.get_yticklabels()] == ["nb02.q1", "nb02.q2", "nb02.q3",
                                                               "nb02.q4"]  # fmt: skip
    box = progress.dashboard(tmp_path)
    assert box.children[0].children[1].value == f"{len(records)} records"


def test_instructor_notebook_is_stored_executed_with_small_outputs():
    path = ROOT / "docs" / "instructor.ipynb"
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    assert all(o.output_type != "error" for c in code for o in c.outputs)
    assert path.stat().st_size < 150_000
    assert "STUCK" in "".join(o.get("text", "") for c in code for o in c.outputs)
