"""What every exercise of every notebook must do, whatever it asks.

The per-notebook files (``test_exercises_nbNN.py``) test each question's specific hints; this
file holds the promises every question makes, iterated over every ``companion.exercises.nbNN``
module, so a new notebook's exercises get them without a new test:

- the reference solution is "correct";
- a blank answer (``...``) is "not attempted";
- where the answer is a function: one still returning ``...`` is "not attempted", and one that
  raises gets "not yet" naming the exception — never a traceback or a crash of the checker.
"""

import importlib
import inspect
import pkgutil

import pytest

import companion.exercises
from companion.exercises.core import CORRECT, NOT_ATTEMPTED, NOT_YET, questions_in

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
