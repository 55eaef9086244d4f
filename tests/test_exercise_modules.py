"""What every exercise of every notebook must do, whatever it asks.

The per-notebook files (``test_exercises_nbNN.py``) test each question's specific hints; this
file holds the promises every question makes, iterated over every ``companion.exercises.nbNN``
module, so a new notebook's exercises get them without a new test:

- the reference solution is "correct";
- a blank answer (``...``) is "not attempted";
- each exercise cell of the notebook's source, run as it ships, is "not attempted";
- where the answer is a function: one still returning ``...`` or raising
  ``NotImplementedError`` is "not attempted", and one that raises anything else gets "not yet"
  naming the exception — never a traceback or a crash of the checker.
"""

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import companion.exercises
from companion.exercises.core import CORRECT, NOT_ATTEMPTED, NOT_YET, questions_in

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted(
    info.name
    for info in pkgutil.iter_modules(companion.exercises.__path__)
    if info.name.startswith("nb")
)
QUESTIONS = [
    (name, q)
    for name in MODULES
    for q in questions_in(importlib.import_module(f"companion.exercises.{name}"))
]
IDS = [f"{name}.{q.name}" for name, q in QUESTIONS]


@pytest.fixture(autouse=True)
def _keras_loaded(keras):
    """Several checks build Keras models: load Keras once with the quiet test settings."""
    return keras


def test_every_notebook_with_exercises_has_a_module():
    assert MODULES == [f"nb{n:02d}" for n in range(10)]
    for name in MODULES:
        assert questions_in(importlib.import_module(f"companion.exercises.{name}"))


@pytest.mark.parametrize(("module", "q"), QUESTIONS, ids=IDS)
def test_reference_solution_is_correct(module, q):
    status, message = q.evaluate_solution()
    assert status == CORRECT, f"{module}.{q.name}: {message}"


@pytest.mark.parametrize(("module", "q"), QUESTIONS, ids=IDS)
def test_blank_answer_is_not_attempted(module, q):
    blanks = (...,) * len(q.answer_names)
    assert q.evaluate(*blanks)[0] == NOT_ATTEMPTED


def _function_questions():
    found = []
    for module, q in QUESTIONS:
        answers = q.reference_answers()
        if len(answers) == 1 and inspect.isfunction(answers[0]):
            found.append((module, q))
    return found


FUNCTION_QUESTIONS = _function_questions()


@pytest.mark.parametrize(
    ("module", "q"), FUNCTION_QUESTIONS, ids=[f"{m}.{q.name}" for m, q in FUNCTION_QUESTIONS]
)
def test_function_returning_ellipsis_is_not_attempted(module, q):
    def blank(*args, **kwargs):
        return ...

    assert q.evaluate(blank)[0] == NOT_ATTEMPTED


@pytest.mark.parametrize(
    ("module", "q"), FUNCTION_QUESTIONS, ids=[f"{m}.{q.name}" for m, q in FUNCTION_QUESTIONS]
)
def test_exception_in_learner_code_is_reported_kindly(module, q):
    def broken(*args, **kwargs):
        return {}["missing"]

    status, message = q.evaluate(broken)
    assert status == NOT_YET, message
    assert "KeyError" in message and "your code raised" in message, message
    assert "Traceback" not in message and "checker itself failed" not in message


@pytest.mark.parametrize(
    ("module", "q"), FUNCTION_QUESTIONS, ids=[f"{m}.{q.name}" for m, q in FUNCTION_QUESTIONS]
)
def test_function_raising_not_implemented_is_not_attempted(module, q):
    def blank(*args, **kwargs):
        raise NotImplementedError

    assert q.evaluate(blank)[0] == NOT_ATTEMPTED


@pytest.mark.parametrize("module", MODULES)
def test_answer_cells_as_shipped_are_not_attempted(module, keras):
    """Each exercise cell of the notebook's source, run as it ships, is "not attempted"."""
    import jupytext
    import numpy as np

    (source,) = (ROOT / "notebooks" / "py").glob(f"{module[2:]}_*.py")
    # Every numbered question has its exercise cell, in order (00's "demo" has none).
    questions = [
        q
        for q in questions_in(importlib.import_module(f"companion.exercises.{module}"))
        if q.name.startswith("q")
    ]
    cells = [c for c in jupytext.read(source).cells if "exercise" in c.metadata.get("tags", [])]
    assert [c.metadata["tags"][1] for c in cells] == [q.name for q in questions]
    for cell, q in zip(cells, questions, strict=True):
        namespace = {"np": np, "keras": keras}
        # The names the cell uses from the notebook's earlier cells, as the solution gets them.
        namespace.update((q.setup() if callable(q.setup) else q.setup) or {})
        exec(cell.source, namespace)
        status, message = q.evaluate(*[namespace[name] for name in q.answer_names])
        assert status == NOT_ATTEMPTED, (q.name, message)
