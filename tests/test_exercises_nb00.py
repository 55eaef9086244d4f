"""The checks of notebook 00's demo question and exercises."""

import numpy as np
import pytest

from companion.exercises import nb00
from companion.exercises.core import CORRECT, NOT_YET


def evaluate(q, answer):
    status, message = q.evaluate(answer)
    assert "Traceback" not in message and "checker itself failed" not in message, message
    return status, message


# --- demo: the three outcomes the notebook shows ----------------------------------------------


@pytest.mark.parametrize(
    ("answer", "hint"),
    [(28, "one side"), (56, "28 rows"), (10, "number of classes"), (785, "too large")],
)
def test_demo_wrong_answers(answer, hint):
    status, message = evaluate(nb00.demo, answer)
    assert status == NOT_YET
    assert hint in message


def test_demo_accepts_numpy_integers():
    assert evaluate(nb00.demo, np.int64(28) * 28)[0] == CORRECT


# --- q1: scaling pixels -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda images: images / 255, "dtype is float64"),
        (lambda images: images // 255, "holds integers"),
        (lambda images: images.astype("float32"), "values are unchanged"),
        (lambda images: images.astype("float32") / 256, "divided by 256"),
        (lambda images: images.astype("float32") / 127.5 - 1, "values of to_unit_range"),
    ],
    ids=["float64", "floor-division", "unscaled", "by-256", "minus-one-to-one"],
)
def test_q1_typical_mistakes(wrong, hint):
    status, message = evaluate(nb00.q1, wrong)
    assert status == NOT_YET
    assert hint in message


def test_q1_keras_style_answer_passes():
    assert evaluate(nb00.q1, lambda images: np.float32(images) / np.float32(255))[0] == CORRECT


def test_q1_in_place_change_is_reported():
    def in_place(images):
        images //= 2
        return images.astype("float32") / 255.0

    status, message = evaluate(nb00.q1, in_place)
    assert status == NOT_YET
    assert "in place" in message


# --- q2: class counts -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (np.bincount, "instead of 10"),
        (lambda labels: np.bincount(labels, minlength=10) / len(labels), "fractions"),
        (lambda labels: {k: int(np.sum(labels == k)) for k in range(10)}, "returned a dict"),
        (lambda labels: np.bincount(labels, minlength=10)[::-1], "values of class_counts"),
    ],
    ids=["no-minlength", "fractions", "dict", "reversed"],
)
def test_q2_typical_mistakes(wrong, hint):
    status, message = evaluate(nb00.q2, wrong)
    assert status == NOT_YET
    assert hint in message


def test_q2_loop_answer_passes():
    def counts(labels):
        return [int((labels == k).sum()) for k in range(10)]

    assert evaluate(nb00.q2, counts)[0] == CORRECT
