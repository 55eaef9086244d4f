"""companion.compare: the gap lines the notebooks print, and the single-line baseline."""

import numpy as np
import pytest

from companion import compare, data


def test_report_gap_prints_the_bound_when_within_and_the_gap_when_not(capsys):
    compare.report_gap("a - b", np.ones((2, 3)), np.ones((2, 3)) + 3e-16, 1e-12)
    compare.report_gap("a - b", [1.0, 2.0], [1.0, 2.25], 1e-6)
    assert capsys.readouterr().out.splitlines() == [
        "max |a - b| < 1e-12",
        "max |a - b| = 0.25, NOT below 1e-6",
    ]


def test_a_gap_equal_to_the_bound_is_not_below_it(capsys):
    compare.report_gap("d", [0.0], [0.5], 0.5)
    assert "NOT below 5e-1" in capsys.readouterr().out


@pytest.mark.parametrize("bad", [0, -1e-6, True, "1e-6"])
def test_power_of_ten_rejects_a_bound_that_is_not_positive(bad):
    with pytest.raises(ValueError, match="bound must be a positive number"):
        compare.power_of_ten(bad)


def test_max_abs_diff_rejects_different_shapes():
    with pytest.raises(ValueError, match=r"shapes \(2,\) and \(3,\)"):
        compare.max_abs_diff(np.ones(2), np.ones(3))


def test_best_line_accuracy_separable_xor_and_brute_force():
    X, y = data.make_2d("gaussians", n=200, noise=0.1, seed=0)
    assert compare.best_line_accuracy(X, y) == 1.0
    X_xor = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    assert compare.best_line_accuracy(X_xor, np.array([0, 0, 1, 1])) == 0.75
    # Against a brute force over random lines: the search is never beaten by more than one
    # point (its angles are a grid of 1 degree).
    X, y = data.make_2d("moons", n=60, noise=0.1, seed=1)
    rng = np.random.default_rng(0)
    w = rng.normal(size=(4000, 2))
    c = rng.normal(size=4000)
    side = (X @ w.T + c) > 0
    acc = (side == y[:, None].astype(bool)).mean(axis=0)
    brute = np.max(np.maximum(acc, 1 - acc))
    assert compare.best_line_accuracy(X, y) >= brute - 1 / 60


def test_activation_gaps_are_float64_rounding_for_relu_and_tanh(keras):
    x = np.linspace(-3.0, 3.0, 13).reshape(-1, 1)
    assert compare.activation_gaps("relu", x) == (0.0, 0.0)
    value_gap, grad_gap = compare.activation_gaps("tanh", x)
    assert value_gap < 1e-15 and grad_gap < 1e-15  # float64 tanh: last-bit differences only
