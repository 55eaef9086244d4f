"""Exercises of notebook 00, setup and tour.

- ``demo``: how many inputs one Fashion-MNIST image gives a dense layer (784); the notebook
  answers it three times to show the three outcomes of a check.
- ``q1``: ``to_unit_range(images)`` scales uint8 pixels to float32 in [0, 1].
- ``q2``: ``class_counts(labels)`` counts the labels of each of the ten classes.
"""

import numpy as np

from companion.exercises.core import (
    NotYet,
    Question,
    case,
    expect_array,
    expect_function,
    expect_number,
)

__all__ = ["demo", "q1", "q2", "QUESTIONS"]


# ---------------------------------------------------------------------------------------------
# demo: the number of pixels of one image


def _check_demo(n_inputs):
    expect_number(
        n_inputs,
        784,
        name="your answer",
        mistakes={
            28: "28 is the number of pixels along one side of the image; a dense layer sees "
            "every pixel of the 28 x 28 grid as one input.",
            56: "28 + 28 counts the sides; the grid has 28 rows of 28 pixels each.",
            10: "10 is the number of classes (the outputs), not the inputs.",
        },
    )


demo = Question(
    "demo",
    prompt="How many input numbers does one 28 x 28 Fashion-MNIST image give a dense layer?",
    check_fn=_check_demo,
    hint="A dense layer takes a flat vector: one number per pixel.",
    solution_source="n_inputs = 28 * 28",
    correct="28 x 28 = 784 pixels, one input each: a dense layer sees the image as a flat vector.",
)


# ---------------------------------------------------------------------------------------------
# q1: pixels to [0, 1] in float32


def _unit_range_cases():
    rng = np.random.default_rng(0)
    return [
        case(np.array([0, 51, 255], dtype=np.uint8)),
        case(rng.integers(0, 256, size=(2, 28, 28), dtype=np.uint8)),
        case(np.array([[255, 128], [0, 1]], dtype=np.uint8)),
    ]


def _check_unit_range(to_unit_range):
    cases = _unit_range_cases()

    def compare(result, want):
        if isinstance(result, np.ndarray) and result.dtype == np.float64:
            raise NotYet(
                "the values are right but the dtype is float64; Keras computes in float32, "
                "which takes half the memory: convert with .astype('float32') (or "
                "np.float32(...))."
            )
        if isinstance(result, np.ndarray) and np.issubdtype(result.dtype, np.integer):
            raise NotYet(
                f"the result holds integers ({result.dtype}): integer division (//) or "
                "keeping the uint8 dtype throws the fractions away. Convert to float32 first."
            )
        got = np.asarray(result)
        if got.shape == want.shape and got.size and np.allclose(got, want * 255.0):
            raise NotYet("the values are unchanged: divide by 255.")
        if got.shape == want.shape and np.allclose(got, want * 255.0 / 256.0, rtol=1e-6):
            raise NotYet("you divided by 256; the largest pixel value is 255, which must map to 1.")
        # float32 has a 24-bit significand: k/255 is off by at most half an ulp (6e-8 near 1).
        expect_array(
            result, want, rtol=1e-6, atol=1e-7, name="to_unit_range(images)", check_dtype=True
        )

    expect_function(
        to_unit_range,
        cases,
        reference=lambda images: images.astype(np.float32) / np.float32(255.0),
        name="to_unit_range",
        compare=compare,
    )


q1 = Question(
    "q1",
    prompt="Write to_unit_range(images): uint8 pixels 0-255 -> float32 values 0-1, same shape.",
    check_fn=_check_unit_range,
    hint=[
        "Two steps: change the dtype to float32, then divide by the largest pixel value.",
        "images.astype('float32') / 255 does both.",
    ],
    solution_source="""
def to_unit_range(images):
    return images.astype("float32") / 255.0
""",
    correct="0 maps to 0.0 and 255 to 1.0, in float32 as Keras expects.",
)


# ---------------------------------------------------------------------------------------------
# q2: class counts


def _class_count_cases():
    rng = np.random.default_rng(1)
    return [
        case(np.array([0, 1, 1, 9, 9, 9], dtype=np.uint8)),
        case(rng.integers(0, 10, size=500).astype(np.uint8)),
        # Classes 8 and 9 absent: np.bincount without minlength returns a shorter array.
        case(np.array([3, 3, 0, 7], dtype=np.uint8)),
    ]


def _check_class_counts(class_counts):
    def reference(labels):
        return np.array([np.sum(labels == k) for k in range(10)])

    def compare(result, want):
        got = np.asarray(result) if not isinstance(result, dict) else None
        if got is None:
            raise NotYet(
                "class_counts returned a dict; return a NumPy array of 10 counts (entry k = "
                "the count of class k)."
            )
        if got.ndim == 1 and got.size < 10 and np.array_equal(got, want[: got.size]):
            raise NotYet(
                f"the result has {got.size} entries instead of 10: the classes after the "
                "largest label present are missing (np.bincount(labels, minlength=10))."
            )
        if got.shape == want.shape and np.isclose(np.sum(got), 1.0) and np.sum(want) != 1:
            raise NotYet("these are fractions; return the counts (do not divide by the total).")
        expect_array(got, want, rtol=0, atol=0, name="class_counts(labels)")

    expect_function(
        class_counts,
        _class_count_cases(),
        reference=reference,
        name="class_counts",
        compare=compare,
    )


q2 = Question(
    "q2",
    prompt="Write class_counts(labels): an array of 10 counts, entry k = number of labels == k.",
    check_fn=_check_class_counts,
    hint=[
        "For each k in range(10), (labels == k).sum() counts one class (labels is a NumPy array, "
        "so labels == k is an array of True/False).",
        "np.bincount(labels, minlength=10) counts them all at once.",
    ],
    solution_source="""
def class_counts(labels):
    return np.bincount(labels, minlength=10)
""",
    correct="Fashion-MNIST's training set has 6000 images of each class: a balanced dataset.",
)

QUESTIONS = [demo, q1, q2]
