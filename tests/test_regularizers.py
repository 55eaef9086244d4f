"""companion.regularizers against keras.regularizers (values) and tf.GradientTape (gradients).

Keras converts each factor through float32 (``ops.cast(0.01, "float64")`` goes via a float32
tensor), so exact float64 agreement is tested with float32-representable factors; 0.01 agrees
to the float32 rounding of the factor, |0.01 - float32(0.01)| / 0.01 = 2.2e-8.
"""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from companion import backend
from companion import regularizers as cr

# Factors that float32 represents exactly, so Keras's cast changes nothing.
EXACT_FACTORS = [(0.5, 0.0), (0.0, 0.125), (2.0**-7, 0.75), (0.0, 0.0), (3.0, 1.5)]
FLOAT32_FACTOR_RTOL = 3e-8  # > |0.01 - float32(0.01)| / 0.01 = 2.2e-8
U32 = 2.0**-24  # float32 unit roundoff


def make_pair(keras, l1, l2):
    """(ours, Keras's) for the class the factors call for."""
    if l2 == 0.0 and l1 != 0.0:
        return cr.L1(l1), keras.regularizers.L1(l1)
    if l1 == 0.0 and l2 != 0.0:
        return cr.L2(l2), keras.regularizers.L2(l2)
    return cr.L1L2(l1, l2), keras.regularizers.L1L2(l1, l2)


weights = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=1, max_dims=3, max_side=8),
    # No subnormals: TensorFlow on CPU flushes them to zero, so its sign(5e-324) is 0. Nor
    # weights whose gradient would be subnormal (L2(0.125)'s is w / 4: TensorFlow's is 0 for
    # w = 4.45e-308): |w| < 1e-300 becomes 0.
    elements=st.floats(-10, 10, allow_nan=False, allow_subnormal=False, width=64).map(
        lambda x: x if abs(x) >= 1e-300 else 0.0
    ),
)


def keras_takes_float64(keras, reg):
    """Whether ``reg`` can be applied to float64 weights in this Keras.

    Keras before 3.14 keeps L1's factor as a float32 tensor and multiplies it uncast, so its L1
    raises InvalidArgumentError on float64 weights (Colab's Keras 3.13 included); 3.14 casts the
    factor to the weights' dtype. L2 and L1L2 work in float64 in every Keras 3.
    """
    major, minor = (int(part) for part in keras.version().split(".")[:2])
    return type(reg).__name__ != "L1" or (major, minor) >= (3, 14)


def keras_value(reg, w):
    return float(np.asarray(reg(np.asarray(w))))


def keras_gradient(reg, w):
    """The penalty's gradient from the Keras backend's own autodiff (tf.GradientTape on TF)."""
    import keras

    # Keras's L1L2(0, 0) returns a constant that does not touch the weights: a zero gradient.
    (grad,) = backend.grad(lambda v: keras.ops.convert_to_tensor(reg(v), dtype=v.dtype), w)
    return grad


# --- registry -------------------------------------------------------------------------------
def test_names_and_defaults_match_keras(keras):
    assert cr.names() == ["l1", "l1l2", "l2"]
    for name in cr.names():
        ours, theirs = cr.get(name), keras.regularizers.get(name)
        assert type(ours).__name__ == type(theirs).__name__
        keras_cfg = theirs.get_config()
        assert set(ours.get_config()) == set(keras_cfg)
        for key, value in ours.get_config().items():
            # Keras keeps L1's factor as a float32 tensor: 0.009999999776 for 0.01.
            assert value == pytest.approx(keras_cfg[key], rel=FLOAT32_FACTOR_RTOL)
    assert cr.get("l1").l1 == 0.01 and cr.get("l2").l2 == 0.01
    assert cr.get("l1_l2").get_config() == {"l1": 0.0, "l2": 0.0}  # L1L2's Keras defaults
    for cls_name in ("L1", "L2", "L1L2"):
        assert type(cr.get(cls_name)).__name__ == cls_name


def test_get_other_identifiers():
    reg = cr.L2(0.5)
    assert cr.get(reg) is reg
    assert cr.get(None) is None
    assert isinstance(cr.get(cr.L1), cr.L1)
    assert cr.get({"class_name": "L2", "config": {"l2": 0.25}}).l2 == 0.25
    assert cr.L1(None).l1 == 0.01 and cr.L1L2(None, None).get_config() == {"l1": 0.0, "l2": 0.0}


def test_get_wraps_a_plain_function_with_a_numerical_gradient():
    def cubic(w):
        return float(np.sum(w**3))

    reg = cr.get(cubic)
    w = np.array([[1.0, -2.0], [0.5, 3.0]])
    assert reg(w) == cubic(w)
    # Centred differences are exact for a cubic up to h**2 * f'''/6 = 1e-10 and rounding.
    np.testing.assert_allclose(reg.gradient(w), 3 * w**2, rtol=1e-8)
    assert "cubic" in repr(reg)

    def with_gradient(w):
        return 0.0

    with_gradient.gradient = lambda w: np.zeros_like(w)
    assert cr.get(with_gradient) is with_gradient


def test_get_unknown_name():
    with pytest.raises(ValueError) as info:
        cr.get("l2x")
    msg = str(info.value)
    assert "'l2x'" in msg and "Did you mean 'l2'?" in msg and "l1, l1l2, l2" in msg
    with pytest.raises(TypeError, match="int"):
        cr.get(3)
    with pytest.raises(ValueError, match="class_name"):
        cr.get({"l2": 0.1})


@pytest.mark.parametrize("cls", [cr.L1, cr.L2])
@pytest.mark.parametrize("bad", [-0.1, "0.1", math.nan, math.inf, True, [0.1]])
def test_bad_factors_name_what_came(keras, cls, bad):
    with pytest.raises(ValueError) as info:
        cls(bad)
    assert repr(bad) in str(info.value) and "non-negative" in str(info.value)
    if bad is True:
        return  # Keras takes True as 1.0 (bool is an int); we refuse it as a likely slip
    with pytest.raises(ValueError):  # Keras refuses the same values
        getattr(keras.regularizers, cls.__name__)(bad)


def test_bad_factors_l1l2():
    with pytest.raises(ValueError, match="l2=-1"):
        cr.L1L2(l1=0.1, l2=-1)
    with pytest.raises(ValueError, match="l1='a'"):
        cr.L1L2(l1="a")


def test_bad_weights():
    with pytest.raises(TypeError, match="weights"):
        cr.L2()("abc")
    with pytest.raises(TypeError, match="weights"):
        cr.L1().gradient([[1.0], [2.0, 3.0]])


# --- values ---------------------------------------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(w=weights, factors=st.sampled_from(EXACT_FACTORS))
def test_values_match_keras_float64(keras, w, factors):
    ours, theirs = make_pair(keras, *factors)
    assume(keras_takes_float64(keras, theirs))
    expected = factors[0] * np.sum(np.abs(w)) + factors[1] * np.sum(w**2)
    # float64 sums of <= 512 terms in different orders: 1e-13 relative is ample.
    assert ours(w) == pytest.approx(keras_value(theirs, w), rel=1e-13, abs=1e-300)
    assert ours(w) == pytest.approx(expected, rel=1e-13, abs=1e-300)
    assert isinstance(ours(w), float)


def test_default_factors_match_keras_float64(keras):
    w = np.random.default_rng(0).normal(size=(30, 20))
    for ours, theirs in [
        (cr.L1(), keras.regularizers.L1()),
        (cr.L2(), keras.regularizers.L2()),
        (cr.L1L2(0.01, 0.01), keras.regularizers.L1L2(0.01, 0.01)),
    ]:
        if keras_takes_float64(keras, theirs):
            assert ours(w) == pytest.approx(keras_value(theirs, w), rel=FLOAT32_FACTOR_RTOL)
    # No 1/2 anywhere: L2(0.01) of ones(10) is 0.1.
    assert cr.L2()(np.ones(10)) == pytest.approx(0.1, rel=1e-15)


@pytest.mark.parametrize("factors", EXACT_FACTORS + [(0.01, 0.01)])
def test_values_match_keras_float32(keras, factors):
    w = np.random.default_rng(1).normal(size=(24, 25)).astype(np.float32)
    ours, theirs = make_pair(keras, *factors)
    exact = float(make_pair(keras, *factors)[0](w.astype(np.float64)))
    # A float32 sum of n non-negative terms is within n * u of the exact sum (u = 2**-24),
    # plus one rounding for the factor's product and the conversion; both sides obey it.
    n = 2 * w.size + 3
    assert abs(ours(w) - exact) <= n * U32 * exact + 1e-30
    assert abs(keras_value(theirs, w) - ours(w)) <= 2 * n * U32 * exact + 1e-30


def test_zero_factor_terms_are_skipped_like_keras(keras):
    w = np.array([np.inf, 1.0])
    assert cr.L2(0.5)(w) == keras_value(keras.regularizers.L2(0.5), w) == math.inf


# --- gradients ------------------------------------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(w=weights, factors=st.sampled_from(EXACT_FACTORS), zeros=st.booleans())
def test_gradient_matches_tape_float64(keras, w, factors, zeros):
    if zeros:
        w = w.copy()
        w.reshape(-1)[::2] = 0.0  # L1's kink: TensorFlow's gradient of |0| is 0
    ours, theirs = make_pair(keras, *factors)
    assume(keras_takes_float64(keras, theirs))
    grad = ours.gradient(w)
    assert grad.shape == w.shape and grad.dtype == w.dtype
    expected = keras_gradient(theirs, w)
    np.testing.assert_allclose(grad, expected, rtol=1e-15, atol=0)


def test_default_l1_gradient_at_zero_is_zero(keras):
    w = np.array([0.0, -0.0, 2.0, -3.0])
    np.testing.assert_array_equal(cr.L1().gradient(w), [0.0, 0.0, 0.01, -0.01])
    if not keras_takes_float64(keras, keras.regularizers.L1()):
        pytest.skip("this Keras's L1 cannot take float64 weights (Keras < 3.14)")
    # Keras's 0.01 is the float32 one.
    np.testing.assert_allclose(
        keras_gradient(keras.regularizers.L1(), w), cr.L1().gradient(w), rtol=3e-8
    )


@pytest.mark.parametrize("factors", EXACT_FACTORS)
def test_gradient_matches_numerical(factors):
    rng = np.random.default_rng(2)
    w = rng.normal(size=(5, 4))
    w[np.abs(w) < 1e-2] = 0.5  # keep centred differences away from |w|'s kink
    reg = cr.L1L2(*factors)
    h = 1e-5
    numerical = np.zeros_like(w)
    for idx in np.ndindex(w.shape):
        step = np.zeros_like(w)
        step[idx] = h
        numerical[idx] = (reg(w + step) - reg(w - step)) / (2 * h)
    # Penalties are quadratic at most, so centred differences are exact up to rounding:
    # ~ eps * |penalty| / h = 2e-16 * 1e2 / 1e-5 = 2e-9 absolute.
    np.testing.assert_allclose(reg.gradient(w), numerical, rtol=0, atol=1e-8)


def test_float32_gradient_stays_float32():
    w = np.array([1.0, -2.0], dtype=np.float32)
    for reg in (cr.L1(), cr.L2(), cr.L1L2(0.1, 0.2)):
        assert reg.gradient(w).dtype == np.float32
    assert cr.L2(0.5).gradient(np.array([1, -2])).dtype == np.float64  # ints -> float64


def test_repr_and_config_round_trip():
    for reg in (cr.L1(0.5), cr.L2(0.25), cr.L1L2(0.1, 0.2)):
        clone = type(reg).from_config(reg.get_config())
        assert clone.get_config() == reg.get_config()
        assert repr(reg).startswith(type(reg).__name__ + "(")
