"""Automatic checks for the notebooks' exercises.

``from companion.exercises import nb02`` gives the questions of notebook 2 (``nb02.q1``, ...);
each has ``check(answer)``, ``hint()`` and ``solution()``. The framework and the helpers for
writing checks live in :mod:`companion.exercises.core`, whose docstring shows how to write one.
"""

import re
from importlib import import_module

from companion.exercises.core import (
    CORRECT,
    NOT_ATTEMPTED,
    NOT_YET,
    Case,
    NotAttempted,
    NotYet,
    Question,
    case,
    describe,
    describe_exception,
    expect_array,
    expect_callable,
    expect_choice,
    expect_function,
    expect_number,
    for_case,
    questions_in,
)

__all__ = [
    "CORRECT",
    "NOT_ATTEMPTED",
    "NOT_YET",
    "Case",
    "NotAttempted",
    "NotYet",
    "Question",
    "case",
    "describe",
    "describe_exception",
    "expect_array",
    "expect_callable",
    "expect_choice",
    "expect_function",
    "expect_number",
    "for_case",
    "questions_in",
]

_NOTEBOOK_MODULE = re.compile(r"nb\d\d")


def __getattr__(name):
    # Per-notebook modules (nb00 ... nb09) load on first use, so importing the framework does
    # not import every notebook's checks (and their data).
    if _NOTEBOOK_MODULE.fullmatch(name):
        try:
            return import_module(f"companion.exercises.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"companion.exercises.{name}":
                raise
            raise AttributeError(
                f"there are no exercises for notebook {name[2:]} (no module "
                f"companion/exercises/{name}.py)"
            ) from None
    raise AttributeError(f"module 'companion.exercises' has no attribute {name!r}")
