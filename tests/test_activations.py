"""companion.activations against keras.activations and tf.GradientTape.

Like scikit-learn's common estimator checks, most tests are parametrized over the registry
(``activations.names()`` plus keyword-argument variants), so an activation added to the registry
is compared with ``keras.activations.get(name)`` without writing a new test.

How close "close" is (see ``tolerance`` below for the per-function details):

- float64: ``|ours - keras| <= 1e-12 * |keras| + 4 * eps * S`` where ``S = max(1, |x|)`` (times
  ``|grad_output|`` for gradients). Intermediates as large as ``S`` carry a rounding error of
  ``eps * S``, which is what two correct float64 implementations may differ by where a result
  is formed by cancellation (``exp(x) - 1`` near 0, ``1 - tanh(x)**2`` near saturation).
  Exceptions, from constants TensorFlow keeps in float32: leaky_relu's slope (~1.5e-8
  relative) and gelu's constants (up to ~1e-6 relative for |x| <= 5).
- float32: the same form with ``rtol = 1e-6`` (8 ulp; TensorFlow's float32 exp/tanh/erfc
  kernels are a few ulp from correctly rounded, and so are ours) and ``4 * eps32 * S``.
"""

import doctest
import inspect
import math
import os
import re
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from companion import activations as A
from companion import backend
from companion.gradcheck import numerical_vjp

# Fewer Hypothesis examples on JAX and torch (make test-backends): every new shape is a new
# trace there (JAX compiles each); TensorFlow, the reference backend, runs the full search.
ON_TENSORFLOW = os.environ.get("KERAS_BACKEND", "tensorflow") == "tensorflow"

# --------------------------------------------------------------------------------------------
# What to test: every registered name with its defaults, plus keyword-argument variants
# --------------------------------------------------------------------------------------------

DEFAULT_KWARGS = {"threshold": dict(threshold=0.5, default_value=-1.0)}  # no defaults in Keras

VARIANTS = [
    ("relu", dict(negative_slope=0.1)),
    ("relu", dict(max_value=5.0)),
    ("relu", dict(max_value=6.0)),
    ("relu", dict(threshold=1.0)),
    ("relu", dict(threshold=-1.0, max_value=5.0)),
    ("relu", dict(negative_slope=0.3, max_value=4.0, threshold=0.5)),
    ("relu", dict(negative_slope=0.1, max_value=6.0)),
    ("leaky_relu", dict(negative_slope=0.01)),
    ("leaky_relu", dict(negative_slope=1.5)),
    ("elu", dict(alpha=0.5)),
    ("elu", dict(alpha=2.0)),
    ("celu", dict(alpha=2.0)),
    ("gelu", dict(approximate=True)),
    ("gelu", dict(approximate=False)),
    ("softmax", dict(axis=0)),
    ("softmax", dict(axis=None)),
    ("log_softmax", dict(axis=0)),
    ("log_softmax", dict(axis=None)),
    ("glu", dict(axis=0)),
    ("soft_shrink", dict(threshold=1.0)),
    ("hard_shrink", dict(threshold=0.2)),
    ("squareplus", dict(b=1.0)),
    ("threshold", dict(threshold=-1.0, default_value=2.0)),
]

CONFIGS = [(name, DEFAULT_KWARGS.get(name, {})) for name in A.names()] + VARIANTS


def config_id(config):
    name, kwargs = config
    return name + "".join(f"-{k}={v}" for k, v in kwargs.items())


CONFIG_IDS = [config_id(c) for c in CONFIGS]
ELEMENTWISE_CONFIGS = [c for c in CONFIGS if A.get(c[0]).elementwise]

# Keras 3.15's sparsemax is wrong on every backend whenever more than one logit is in the
# support (keras-team/keras#23425, fixed by #23469 after 3.15), so there is no reference to
# match; the companion leaves it out.
NOT_PROVIDED = {"sparsemax"}


def kinks(name, kwargs):
    """Points where the derivative jumps (or TensorFlow's gradient is special)."""
    if name == "relu":
        points = {0.0, kwargs.get("threshold", 0.0)}
        if kwargs.get("max_value") is not None:
            points.add(kwargs["max_value"])
        return sorted(points)
    if name in ("soft_shrink", "hard_shrink"):
        t = kwargs.get("threshold", 0.5)
        return [-t, t]
    if name == "threshold":
        return [kwargs["threshold"]]
    table = {
        "relu6": [0.0, 6.0],
        "leaky_relu": [0.0],
        "elu": [0.0],  # f'' jumps even for alpha=1 (numerical differences need distance)
        "selu": [0.0],
        "celu": [0.0],  # smooth, but TensorFlow's gradient is 2 there (see below)
        "hard_sigmoid": [-3.0, 3.0],
        "hard_silu": [-3.0, 3.0],
        "hard_swish": [-3.0, 3.0],
        "hard_tanh": [-1.0, 1.0],
        "sparse_plus": [-1.0, 1.0],
        "sparse_sigmoid": [-1.0, 1.0],
    }
    return table.get(name, [])


# Where TensorFlow's gradient is not the derivative, and we return the derivative instead.
TF_GRADIENT_ARTEFACTS = {"celu": {0.0: 2.0}}
# The Keras backend this process compares with (make test-backends runs each).
BACKEND = os.environ.get("KERAS_BACKEND", "tensorflow")
# Kinks where another backend's autodiff takes the other one-sided derivative than TensorFlow
# and the companion: selu at 0 on torch is the left slope scale * alpha = 1.7581, not scale.
BACKEND_KINK_GRADIENTS = {"torch": {"selu": [0.0]}}


def near_kink(name, kwargs, x, radius):
    x = np.asarray(x, dtype=np.float64)
    near = np.zeros(x.shape, dtype=bool)
    for k in kinks(name, kwargs):
        near |= np.abs(x - k) <= radius * max(1.0, abs(k))
    return near


def output_grad_shape(name, kwargs, x):
    if name == "glu":
        shape = list(x.shape)
        shape[kwargs.get("axis", -1)] //= 2
        return tuple(shape)
    return x.shape


# --------------------------------------------------------------------------------------------
# Tolerances: see the module docstring
# --------------------------------------------------------------------------------------------

_TF_INV_SQRT2 = float(np.float32(0.7071067811865476))  # TensorFlow casts via float32
_GELU_K = _TF_INV_SQRT2 / 0.7071067811865476  # TF's float64 gelu(x) equals ours(k x) / k
_GELU_DELTA = abs(_GELU_K - 1.0)  # 1.7e-8


def on_the_leaky_path(name, kwargs):
    """Keras sends these to tf.nn.leaky_relu, whose slope is a float32 attribute."""
    if name == "leaky_relu":
        return True
    return (
        name == "relu"
        and kwargs.get("negative_slope", 0.0) != 0
        and kwargs.get("max_value") is None
        and kwargs.get("threshold", 0.0) == 0
    )


def magnitude(name, kwargs, x, backward):
    """S: the size of the intermediates a rounding error is relative to (see module doc)."""
    s = np.maximum(1.0, np.abs(np.asarray(x, dtype=np.float64)))
    if name == "softmax":
        # Softmax only sees differences x - max, and its outputs are in [0, 1].
        return np.ones_like(s)
    if not A.get(name).elementwise:
        return np.max(s, axis=kwargs.get("axis", -1), keepdims=True)
    if name == "gelu" and kwargs.get("approximate") and backward:
        # 0.5 * x * (1 - t**2) * sqrt(2/pi) * (1 + 3 * 0.044715 * x**2) has factors of size
        # ~0.05 |x|**3 multiplying 1 - t**2, which is rounded with absolute error eps.
        return np.maximum(s, s**3 / 10)
    return s


def tolerance(name, kwargs, x, dtype, g=None):
    """(rtol, atol) arrays for comparing with Keras; ``g`` given means a gradient."""
    x = np.asarray(x, dtype=np.float64)
    eps = np.finfo(dtype).eps
    s = magnitude(name, kwargs, x, backward=g is not None)
    scale = 1.0
    if g is not None:
        g = np.abs(np.asarray(g, dtype=np.float64))
        if name == "glu":
            g = np.concatenate([g, g], axis=kwargs.get("axis", -1))
        scale = (
            g if A.get(name).elementwise else np.max(g, axis=kwargs.get("axis", -1), keepdims=True)
        )
    # TensorFlow flushes subnormal numbers to zero on CPU, intermediate ones included: a result
    # below the smallest normal number `tiny` may come back as 0, and a gradient term that passes
    # through an intermediate below `tiny` is lost although the chain rule would have scaled it
    # back up by up to ~2 S (squareplus: g / (2 sqrt(x**2 + b)), then times 2x). So up to
    # 4 S tiny of the result (float32: ~5e-38 S) may be missing; it only matters for gradients
    # of size ~1e-36, far below anything a formula error produces.
    atol = 4 * eps * s * scale + 4 * s * np.finfo(dtype).tiny
    rtol = np.full(x.shape, 1e-12 if dtype == np.float64 else 1e-6)
    if dtype == np.float64 and on_the_leaky_path(name, kwargs):
        slope = kwargs.get("negative_slope", 0.2)
        rtol = rtol + abs(float(np.float32(slope)) - slope) / abs(slope)
    if dtype == np.float64 and name == "hard_sigmoid" and BACKEND == "torch":
        # Keras on torch multiplies by 1/6 rounded to float32 (0.16666667163): 3e-8 relative.
        rtol = rtol + 6 * abs(float(np.float32(1 / 6)) - 1 / 6)
    if dtype == np.float64 and name == "gelu" and not kwargs.get("approximate"):
        # TF evaluates x * Phi(k x) with k = 1 + 1.7e-8: relative effect ~ delta * x**2 on the
        # value and delta * |x|**3 * phi(x) on the slope (see test_gelu_float64_identity).
        rtol = rtol + 2 * _GELU_DELTA * (1 + x**2)
        if g is not None:
            atol = atol + 2 * _GELU_DELTA * (1 + np.abs(x) ** 3) * scale
    if dtype == np.float64 and name == "gelu" and kwargs.get("approximate"):
        # TF's 0.044715 is float32 (off by 1.5e-9 absolute): ~2.5e-9 |x|**3 relative, below
        # 1e-6 on the compared domain |x| <= 5 (see in_domain).
        rtol = rtol + 1e-6
    return rtol, atol


def in_domain(name, kwargs, x, dtype):
    """Elements compared with Keras (all but the approximate gelu's float64 tail)."""
    x = np.asarray(x, dtype=np.float64)
    if dtype == np.float64 and name == "gelu" and kwargs.get("approximate"):
        return np.abs(x) <= 5
    return np.ones(x.shape, dtype=bool)


def assert_close(actual, expected, rtol, atol, what, mask=None):
    """Elementwise ``|actual - expected| <= rtol * |expected| + atol``, infs and NaNs equal."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, (what, actual.shape, expected.shape)
    rtol = np.broadcast_to(rtol, actual.shape)
    atol = np.broadcast_to(atol, actual.shape)
    with np.errstate(invalid="ignore", over="ignore"):
        same = (actual == expected) | (np.isnan(actual) & np.isnan(expected))
        ok = same | (np.abs(actual - expected) <= rtol * np.abs(expected) + atol)
    if mask is not None:
        ok |= ~np.broadcast_to(mask, ok.shape)
    if not ok.all():
        i = np.unravel_index(np.argmin(ok), ok.shape)
        raise AssertionError(
            f"{what}: {np.size(ok) - np.count_nonzero(ok)} element(s) differ; e.g. at {i}: "
            f"ours {actual[i]!r}, reference {expected[i]!r}, "
            f"allowed {rtol[i] * abs(expected[i]) + atol[i]:.3g}"
        )


# --------------------------------------------------------------------------------------------
# Keras / TensorFlow reference
# --------------------------------------------------------------------------------------------


def keras_reference(keras, name, kwargs, x, g):
    """keras.activations.get(name)(x, **kwargs) and its vector-Jacobian product with g, from the
    Keras backend's own autodiff (tf.GradientTape on TensorFlow)."""
    fn = keras.activations.get(name)
    return backend.vjp(lambda t: fn(t, **kwargs), x, g)


def grid(dtype):
    """Values over the interesting range, extremes and tiny numbers; rows of 4 (softmax/glu)."""
    points = [
        np.linspace(-12, 12, 2401),
        np.random.default_rng(0).normal(0, 4, 400),
        [-1e4, -1000.0, -100.0, -30.0, 30.0, 100.0, 1000.0, 1e4],
        [0.0, -0.0, 1e-300, -1e-300, 1e-10, -1e-10, 1e-3, -1e-3],
        [-6.0, 6.0, -3.0, 3.0, -1.0, 1.0, 0.5, -0.5, 0.2, -0.2, 4.0, 5.0, 2.0],
    ]
    x = np.concatenate(points).astype(dtype)
    x = x[np.isfinite(x)]
    pad = (-len(x)) % 4
    return np.concatenate([x, np.zeros(pad, dtype)]).reshape(-1, 4)


def strip_artefacts(name, kwargs, x):
    """Mask of points where TensorFlow's gradient is a known artefact (tested separately)."""
    mask = np.zeros(np.shape(x), dtype=bool)
    for point in TF_GRADIENT_ARTEFACTS.get(name, {}):
        mask |= np.asarray(x) == point
    for point in BACKEND_KINK_GRADIENTS.get(BACKEND, {}).get(name, []):
        mask |= np.asarray(x) == point
    return mask


# --------------------------------------------------------------------------------------------
# The registry itself
# --------------------------------------------------------------------------------------------


def keras_activation_names(keras):
    skip = {"get", "serialize", "deserialize"}
    return {n for n in dir(keras.activations) if not n.startswith("_") and n not in skip}


def test_registry_covers_keras(keras):
    assert set(A.names()) == keras_activation_names(keras) - NOT_PROVIDED
    assert A.names() == sorted(A.ALL)
    assert A.ALL["swish"] is A.silu
    assert A.ALL["hard_swish"] is A.hard_silu
    for required in ("linear", "relu", "sigmoid", "softmax", "log_softmax", "gelu", "mish"):
        assert required in A.ALL


@pytest.mark.parametrize("name", A.names())
def test_attributes_and_signature_mirror_keras(keras, name):
    f = A.get(name)
    keras_fn = keras.activations.get(name)
    assert f.__name__ == keras_fn.__name__  # the canonical name ("silu" for "swish")
    assert isinstance(f.elementwise, bool)
    assert callable(f.backward) and callable(f.derivative)
    ours = inspect.signature(f).parameters
    theirs = inspect.signature(keras_fn).parameters
    assert [(p.name, p.default) for p in ours.values()] == [
        (p.name, p.default) for p in theirs.values()
    ]
    if f.elementwise:
        assert list(inspect.signature(f.derivative).parameters) == list(ours)
    else:
        with pytest.raises(TypeError, match="not elementwise.*backward"):
            f.derivative(np.zeros(4))
    assert f.__doc__ and "Args:" in f.__doc__ and ">>>" in f.__doc__


def test_doctests():
    assert doctest.testmod(A).failed == 0


# --------------------------------------------------------------------------------------------
# Forward and backward against Keras on a fixed grid
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
def test_matches_keras_on_a_grid(keras, config, dtype):
    name, kwargs = config
    f = A.get(name)
    x = grid(dtype)
    g = np.random.default_rng(1).normal(size=output_grad_shape(name, kwargs, x)).astype(dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = f(x, **kwargs)
        dx = f.backward(x, g, **kwargs)
    assert y.dtype == dtype and dx.dtype == dtype
    y_keras, dx_tf = keras_reference(keras, name, kwargs, x, g)
    domain = in_domain(name, kwargs, x, dtype)
    rtol, atol = tolerance(name, kwargs, x, dtype)
    if name == "glu":
        rtol, atol = np.split(rtol, 2, axis=kwargs.get("axis", -1))[0], atol
        domain = np.split(domain, 2, axis=kwargs.get("axis", -1))[0]
    assert_close(y, y_keras, rtol, atol, f"{name} forward ({np.dtype(dtype).name})", domain)
    radius = 1e3 * np.finfo(dtype).eps  # TF's own rounding decides the side this close to a kink
    compared = in_domain(name, kwargs, x, dtype) & ~near_kink(name, kwargs, x, radius)
    compared &= ~strip_artefacts(name, kwargs, x)
    rtol, atol = tolerance(name, kwargs, x, dtype, g=g)
    assert_close(dx, dx_tf, rtol, atol, f"{name} backward ({np.dtype(dtype).name})", compared)


KINKED_CONFIGS = [c for c in ELEMENTWISE_CONFIGS if kinks(*c)]


@pytest.mark.parametrize("config", KINKED_CONFIGS, ids=map(config_id, KINKED_CONFIGS))
def test_gradient_at_kinks_is_tensorflows(tf, keras, config):
    name, kwargs = config
    x = np.array(kinks(name, kwargs) + [-0.0], dtype=np.float64)
    ours = A.get(name).backward(x, np.ones_like(x), **kwargs)
    _, theirs = keras_reference(keras, name, kwargs, x, np.ones_like(x))
    artefacts = TF_GRADIENT_ARTEFACTS.get(name, {})
    for xi, mine, tfs in zip(x, ours, theirs):
        if float(xi) in artefacts:
            # Documented deviation: TF's value is not the derivative; ours is (1 for celu).
            assert tfs == artefacts[float(xi)]
            assert mine == pytest.approx(1.0)
        else:
            assert mine == pytest.approx(tfs, rel=1e-7, abs=0), (name, kwargs, xi)


def test_relu_gradient_at_exactly_zero_is_zero(keras):
    # The value TensorFlow (and so Keras training) uses at relu's kink.
    assert A.relu.derivative(np.array([0.0, -0.0])).tolist() == [0.0, 0.0]
    assert A.relu.backward(np.array([0.0]), np.array([5.0])).tolist() == [0.0]


def test_gelu_float64_identity(tf, keras):
    # TensorFlow's float64 gelu multiplies by float32(1/sqrt 2), so it equals our exact gelu
    # at k*x, divided by k, with k = 1 + 1.7e-8; its gradient is our derivative at k*x. This
    # pins the whole float64 difference on that constant.
    if tuple(int(part) for part in tf.__version__.split(".")[:2]) < (2, 19):
        # Before 2.19, TensorFlow computed 0.5 * x * (1 + erf(x / sqrt 2)), which cancels to 0
        # for x below about -6 (the grid tests still compare it); 2.19 uses the erfc form.
        pytest.skip("TensorFlow < 2.19 computes gelu with 1 + erf, not erfc")
    x = np.concatenate([np.linspace(-30, 10, 801), [-1e4, 1e4, 0.0]])
    g = np.random.default_rng(3).normal(size=x.shape)
    y_keras, dx_tf = keras_reference(keras, "gelu", {}, x, g)
    eps = np.finfo(np.float64).eps
    s = np.maximum(1, np.abs(x))
    assert_close(A.gelu(_GELU_K * x) / _GELU_K, y_keras, 1e-12, 8 * eps * s, "gelu(kx)/k")
    assert_close(A.gelu.backward(_GELU_K * x, g), dx_tf, 1e-12, 8 * eps * s * np.abs(g), "d(kx)")


def test_keyword_arguments_can_be_positional_as_in_keras(keras):
    x = np.linspace(-8, 8, 33)
    np.testing.assert_array_equal(
        A.relu(x, 0.1, 5.0, 0.5), A.relu(x, negative_slope=0.1, max_value=5.0, threshold=0.5)
    )
    np.testing.assert_array_equal(
        A.relu.backward(x, np.ones_like(x), 0.1, 5.0, 0.5),
        A.relu.derivative(x, negative_slope=0.1, max_value=5.0, threshold=0.5),
    )
    y_keras = np.asarray(keras.ops.convert_to_numpy(keras.activations.relu(x, 0.1, 5.0, 0.5)))
    np.testing.assert_array_equal(A.relu(x, 0.1, 5.0, 0.5), y_keras)


# --------------------------------------------------------------------------------------------
# Backward against numerical differences, and derivative against backward
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
def test_backward_matches_numerical_vjp(config):
    name, kwargs = config
    f = A.get(name)
    rng = np.random.default_rng(2)
    x = rng.uniform(-6, 6, size=(6, 4))
    if f.elementwise:
        # Centred differences need h = 1e-5 clear of the kinks; 1e-3 leaves room.
        x = np.where(near_kink(name, kwargs, x, 1e-3), x + 2e-3, x)
        assert not near_kink(name, kwargs, x, 1e-3).any()
    g = rng.normal(size=output_grad_shape(name, kwargs, x))
    numerical = numerical_vjp(lambda z: f(z, **kwargs), x, g)
    # Rounding in the centred differences: ~eps * sum|f * g| / h; 1e-9 * (1 + sum) is 50x that.
    # Truncation (h**2 * |f'''| / 6 ~ 1e-10 relative) is inside rtol.
    atol = 1e-9 * (1 + np.sum(np.abs(f(x, **kwargs) * g)))
    np.testing.assert_allclose(f.backward(x, g, **kwargs), numerical, rtol=1e-6, atol=atol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("config", ELEMENTWISE_CONFIGS, ids=map(config_id, ELEMENTWISE_CONFIGS))
def test_derivative_is_backward_of_ones(config, dtype):
    name, kwargs = config
    f = A.get(name)
    x = grid(dtype)
    d = f.derivative(x, **kwargs)
    assert d.dtype == dtype and d.shape == x.shape
    np.testing.assert_array_equal(d, f.backward(x, np.ones_like(x), **kwargs))


# --------------------------------------------------------------------------------------------
# Extremes, dtypes, warnings
# --------------------------------------------------------------------------------------------

EXTREMES = [-1e4, -1000.0, -0.0, 0.0, 1000.0, 1e4]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
def test_extreme_inputs_without_warnings(keras, config, dtype):
    name, kwargs = config
    f = A.get(name)
    x = np.array(EXTREMES, dtype=dtype)
    g = np.ones(output_grad_shape(name, kwargs, x), dtype=dtype)
    # Overflow, 0/0 and x/0 raise; underflow to 0 (exp(-1000)) is the right answer and NumPy
    # ignores it by default. warnings as errors catches any other RuntimeWarning.
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        y = f(x, **kwargs)
        dx = f.backward(x, g, **kwargs)
    assert y.dtype == dtype and dx.dtype == dtype
    y_keras, dx_tf = keras_reference(keras, name, kwargs, x, g)
    if name == "exponential":
        # exp overflows in Keras too; ours is inf at the same places, finite elsewhere.
        np.testing.assert_array_equal(np.isinf(y), np.isinf(y_keras))
        assert np.isinf(y).any()
    else:
        assert np.all(np.isfinite(y)) and np.all(np.isfinite(dx))
    rtol, atol = tolerance(name, kwargs, x, dtype)
    domain = in_domain(name, kwargs, x, dtype)
    if name == "glu":
        rtol, domain = rtol[:3], domain[:3]
    assert_close(y, y_keras, rtol, atol, f"{name} at extremes", domain)
    compared = ~strip_artefacts(name, kwargs, x) & in_domain(name, kwargs, x, dtype)
    rtol, atol = tolerance(name, kwargs, x, dtype, g=g)
    assert_close(dx, dx_tf, rtol, atol, f"{name} gradient at extremes", compared)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_famous_extreme_values(dtype):
    big = np.array([-1000.0, 1000.0], dtype=dtype)
    assert A.sigmoid(big).tolist() == [0.0, 1.0]
    assert A.softplus(big).tolist() == [0.0, 1000.0]
    assert A.log_sigmoid(big).tolist() == [-1000.0, 0.0]
    assert A.softmax(big).tolist() == [0.0, 1.0]
    assert A.log_softmax(big).tolist() == [-2000.0, 0.0]
    assert A.tanh(big).tolist() == [-1.0, 1.0]
    assert A.elu(big).tolist() == [-1.0, 1000.0]
    assert A.sigmoid(np.array([0.0], dtype)).tolist() == [0.5]
    for f in (A.sigmoid, A.tanh, A.softplus, A.mish, A.silu, A.gelu, A.selu):
        assert np.all(np.isfinite(f.derivative(big)))


@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
def test_dtype_rules(config):
    name, kwargs = config
    f = A.get(name)
    ints = np.array([[-2, -1, 0, 3], [1, 2, -3, 0]])
    for x, expected in [
        (ints.astype(np.float32), np.float32),
        (ints.astype(np.float64), np.float64),
        (ints, np.float64),
        (ints > 0, np.float64),
        (ints.tolist(), np.float64),
    ]:
        y = f(x, **kwargs)
        g = np.ones(y.shape, dtype=expected)
        assert y.dtype == expected, (x, y.dtype)
        assert f.backward(x, g, **kwargs).dtype == expected
        if f.elementwise:
            assert f.derivative(x, **kwargs).dtype == expected
    # NumPy float64 scalars as arguments must not upcast a float32 input.
    scalar_kwargs = {
        k: np.float64(v)
        for k, v in kwargs.items()
        if isinstance(v, float) and k not in ("axis", "approximate")
    }
    if scalar_kwargs:
        x32 = ints.astype(np.float32)
        assert f(x32, **{**kwargs, **scalar_kwargs}).dtype == np.float32


@pytest.mark.parametrize("name", A.names())
def test_does_not_modify_its_input(name):
    f = A.get(name)
    kwargs = DEFAULT_KWARGS.get(name, {})
    x = np.array([[-2.0, -0.5, 0.0, 3.0]])
    before = x.copy()
    y = f(x, **kwargs)
    f.backward(x, np.ones_like(y), **kwargs)
    np.testing.assert_array_equal(x, before)


# --------------------------------------------------------------------------------------------
# Hypothesis: random shapes (1-3 axes) and values
# --------------------------------------------------------------------------------------------


@st.composite
def shapes_and_arrays(draw, name):
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    shape = list(draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5)))
    if name == "glu":
        shape[-1] *= 2  # glu splits the last axis in halves
    elements = st.floats(-1e4, 1e4, width=32 if dtype == np.float32 else 64, allow_subnormal=False)
    x = draw(hnp.arrays(dtype, tuple(shape), elements=elements))
    g = draw(
        hnp.arrays(
            dtype,
            output_grad_shape(name, DEFAULT_KWARGS.get(name, {}), x),
            # TensorFlow flushes subnormal numbers to zero on CPU; NumPy keeps them.
            elements=st.floats(
                -10, 10, width=32 if dtype == np.float32 else 64, allow_subnormal=False
            ),
        )
    )
    return x, g


# Keras warns about softmax over an axis of length 1 (always 1); a valid edge case here.
@pytest.mark.filterwarnings("ignore:You are using a softmax over axis")
@pytest.mark.parametrize("name", A.names())
def test_random_shapes_and_values_match_keras(keras, name):
    kwargs = DEFAULT_KWARGS.get(name, {})
    f = A.get(name)

    @settings(
        max_examples=30 if ON_TENSORFLOW else 5,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        derandomize=True,
    )
    @given(data=shapes_and_arrays(name))
    def check(data):
        x, g = data
        before = x.copy()
        with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
            warnings.simplefilter("error")
            y = f(x, **kwargs)
            dx = f.backward(x, g, **kwargs)
        np.testing.assert_array_equal(x, before)
        assert y.dtype == x.dtype and dx.dtype == x.dtype and dx.shape == x.shape
        y_keras, dx_tf = keras_reference(keras, name, kwargs, x, g)
        assert y.shape == y_keras.shape
        rtol, atol = tolerance(name, kwargs, x, x.dtype)
        domain = in_domain(name, kwargs, x, x.dtype)
        if name == "glu":
            rtol, domain = np.split(rtol, 2, axis=-1)[0], np.split(domain, 2, axis=-1)[0]
        assert_close(y, y_keras, rtol, atol, f"{name} forward", domain)
        radius = 1e3 * np.finfo(x.dtype).eps
        compared = ~near_kink(name, kwargs, x, radius) & ~strip_artefacts(name, kwargs, x)
        compared &= in_domain(name, kwargs, x, x.dtype)
        rtol, atol = tolerance(name, kwargs, x, x.dtype, g=g)
        assert_close(dx, dx_tf, rtol, atol, f"{name} backward", compared)

    check()


# --------------------------------------------------------------------------------------------
# get, serialize, custom
# --------------------------------------------------------------------------------------------


def test_get_names_aliases_none_and_callables(keras):
    for name in A.names():
        assert A.get(name) is A.ALL[name]
    assert A.get("swish") is A.silu and A.get("hard_swish") is A.hard_silu
    assert A.get(None) is A.linear
    assert A.get(A.tanh) is A.tanh
    # Keras's own functions map to their companion namesakes (with backward).
    assert A.get(keras.activations.relu) is A.relu
    assert A.get(keras.activations.swish) is A.silu
    wrapped = A.get(np.sin)
    assert callable(wrapped.backward) and wrapped.elementwise
    x = np.linspace(-2, 2, 9)
    np.testing.assert_array_equal(wrapped(x), np.sin(x))
    np.testing.assert_allclose(wrapped.derivative(x), np.cos(x), atol=1e-9)


def test_get_unknown_name_lists_valid_names_and_suggests():
    with pytest.raises(ValueError) as info:
        A.get("rleu")
    message = str(info.value)
    assert "'rleu'" in message and "Did you mean 'relu'?" in message
    assert ", ".join(A.names()) in message  # all valid names, sorted
    with pytest.raises(ValueError, match="Did you mean 'relu'"):
        A.get("ReLU")
    with pytest.raises(ValueError, match="Valid names"):
        A.get("zzzzzz")


@pytest.mark.parametrize("bad", [3, 2.5, ["relu"], {"class_name": "relu"}, b"relu"])
def test_get_rejects_other_types(bad):
    with pytest.raises(TypeError, match="name .*function or None"):
        A.get(bad)


def test_serialize_round_trips_through_keras(keras):
    for name in A.names():
        f = A.get(name)
        assert A.serialize(f) == f.__name__
        assert keras.activations.get(A.serialize(f)).__name__ == f.__name__
    assert A.serialize(A.swish) == "silu"
    with pytest.raises(ValueError, match="not a registered activation"):
        A.serialize(A.custom(np.sin))


def test_custom_without_derivative_uses_centred_differences():
    f = A.custom(lambda x: x * A.sigmoid(x), name="my_swish")
    assert f.__name__ == "my_swish" and f.elementwise
    assert "centred differences" in f.__doc__
    x = np.linspace(-6, 6, 25)
    np.testing.assert_array_equal(f(x), A.silu(x))
    # Step 6e-6 * max(1, |x|): error ~1e-10 for this smooth function.
    np.testing.assert_allclose(f.derivative(x), A.silu.derivative(x), atol=1e-9)
    g = np.random.default_rng(0).normal(size=x.shape)
    np.testing.assert_allclose(f.backward(x, g), A.silu.backward(x, g), atol=1e-8)
    x32 = x.astype(np.float32)
    assert f(x32).dtype == np.float32 and f.derivative(x32).dtype == np.float32
    # Computed in float64, then rounded: float32 accuracy (eps32 = 1.2e-7, values <= 1.1).
    np.testing.assert_allclose(f.derivative(x32), A.silu.derivative(x), atol=3e-7)


def test_custom_with_derivative_and_default_names():
    def cube(x):
        """x cubed."""
        return x**3

    f = A.custom(cube, derivative=lambda x: 3 * x**2)
    assert f.__name__ == "cube" and "x cubed" in f.__doc__
    assert "given function" in f.__doc__
    x = np.array([-1.0, 2.0])
    np.testing.assert_array_equal(f.derivative(x), [3.0, 12.0])
    np.testing.assert_array_equal(f.backward(x, np.array([2.0, 1.0])), [6.0, 12.0])
    assert A.custom(lambda x: x).__name__ == "custom"
    assert A.get(f) is f  # it has a backward now


def test_custom_reports_learner_mistakes():
    with pytest.raises(ValueError, match=r"shape \(\) for an input of shape \(3,\)"):
        A.custom(lambda x: 1.0, name="const")(np.zeros(3))
    with pytest.raises(ValueError, match=r"returned shape \(2,\) for an input of shape \(4,\)"):
        A.custom(lambda x: x[:2])(np.zeros(4))
    with pytest.raises(ValueError, match="missing return"):
        A.custom(lambda x: None)(np.zeros(2))
    with pytest.raises(ValueError, match="derivative of"):
        A.custom(np.tanh, derivative=lambda x: np.ones(1)).derivative(np.zeros(3))
    with pytest.raises(ValueError, match=r"grad_output.*\(3,\).*\(2,\)"):
        A.custom(np.tanh).backward(np.zeros(3), np.zeros(2))
    with pytest.raises(TypeError, match="function of x"):
        A.custom("relu")
    with pytest.raises(TypeError, match="derivative must be a function"):
        A.custom(np.tanh, derivative=2.0)


# --------------------------------------------------------------------------------------------
# Errors that teach
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: A.relu(np.ones(2), max_value=-1.0), ValueError, "max_value must be >= 0"),
        (lambda: A.elu(np.ones(2), alpha="big"), TypeError, "alpha must be a real number"),
        (lambda: A.leaky_relu(np.ones(2), negative_slope=None), TypeError, "negative_slope"),
        (lambda: A.celu(np.ones(2), alpha=0.0), ValueError, "non-zero"),
        (lambda: A.squareplus(np.ones(2), b=-1), ValueError, "b must be >= 0"),
        (lambda: A.gelu(np.ones(2), approximate="yes"), TypeError, "True or False"),
        (lambda: A.softmax(np.ones((2, 3)), axis=2), ValueError, r"at least 3 axes.*\(2, 3\)"),
        (lambda: A.softmax(np.ones((2, 3)), axis=1.0), TypeError, "axis must be an int"),
        (lambda: A.softmax(np.float64(1.0)), ValueError, "at least one axis"),
        (lambda: A.glu(np.ones((2, 3))), ValueError, r"even length.*\(2, 3\)"),
        (lambda: A.glu(np.ones(4), axis=None), TypeError, "axis must be an int"),
        (lambda: A.relu("abc"), TypeError, "input of relu"),
        (lambda: A.relu([[1.0], [2.0, 3.0]]), TypeError, "input of relu"),
        (lambda: A.threshold(np.ones(2)), TypeError, "threshold"),
        (lambda: A.relu(np.ones(2), alpha=1.0), TypeError, "alpha"),
        (
            lambda: A.tanh.backward(np.ones((2, 3)), np.ones((3, 2))),
            ValueError,
            r"tanh's output \(2, 3\), but got shape \(3, 2\)",
        ),
        (
            lambda: A.softmax.backward(np.ones((2, 3)), np.ones(3)),
            ValueError,
            r"softmax's output \(2, 3\), but got shape \(3,\)",
        ),
        (
            lambda: A.glu.backward(np.ones((2, 4)), np.ones((2, 4))),
            ValueError,
            r"glu's output \(2, 2\)",
        ),
        (lambda: A.softmax.derivative(np.ones(3)), TypeError, "Jacobian"),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_squareplus_with_b_zero_is_relu():
    x = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])
    np.testing.assert_array_equal(A.squareplus(x, b=0), A.relu(x))
    # At the kink, where TensorFlow's sqrt gradient gives 0/0, we return the average slope.
    np.testing.assert_array_equal(A.squareplus.derivative(x, b=0), [0.0, 0.0, 0.5, 1.0, 1.0])


# --------------------------------------------------------------------------------------------
# PROPERTIES, checked numerically
# --------------------------------------------------------------------------------------------

PROPERTY_GRID = np.unique(
    np.concatenate(
        [
            np.linspace(-20, 20, 400_001),
            -np.logspace(-12, 8, 201),
            np.logspace(-12, 8, 201),
            *[k + s * np.logspace(-12, -2, 11) for k in (-3, -1, 0, 1, 3) for s in (-1, 1)],
        ]
    )
)


def test_properties_cover_the_catalog():
    canonical = {A.get(n).__name__ for n in A.names()}
    assert set(A.PROPERTIES) == canonical - {"threshold"}
    for name, props in A.PROPERTIES.items():
        assert set(props) == {
            "range",
            "zero_centred",
            "monotonic",
            "saturating",
            "max_derivative",
            "cost",
        }, name
        assert isinstance(props["zero_centred"], bool) and isinstance(props["monotonic"], bool)
        assert props["cost"] in {"free", "cheap", "sqrt", "exp", "exp+log", "erf"}
        assert (props["max_derivative"] is None) == (not A.get(name).elementwise)


ELEMENTWISE_PROPERTY_NAMES = [n for n in A.PROPERTIES if A.get(n).elementwise]


@pytest.mark.parametrize("name", ELEMENTWISE_PROPERTY_NAMES)
def test_max_derivative_is_the_supremum(name):
    expected = A.PROPERTIES[name]["max_derivative"]
    with np.errstate(over="ignore"):
        d = A.get(name).derivative(PROPERTY_GRID)
    if math.isinf(expected):
        assert d.max() == math.inf  # unbounded (exponential)
        return
    # Never above the stated supremum, and approached within 1e-6 somewhere on the grid
    # (for selu, hard_silu and softplus the supremum is a limit, not a value taken).
    assert d.max() <= expected * (1 + 1e-12)
    assert d.max() >= expected * (1 - 1e-6)


def parse_interval(text):
    m = re.match(r"([\[(])(-?[\d.]+|-inf), (-?[\d.]+|inf)([\])])", text)
    assert m, text
    return m.group(1) == "[", float(m.group(2)), float(m.group(3)), m.group(4) == "]"


@pytest.mark.parametrize("name", ELEMENTWISE_PROPERTY_NAMES)
def test_range_monotonic_saturating_and_zero_centred(name):
    f = A.get(name)
    props = A.PROPERTIES[name]
    # Range: open ends not reached on [-15, 15] (where float64 can still tell, e.g. tanh(15)
    # < 1); closed finite ends reached (to the 5 digits written) and never crossed.
    closed_lo, lo, hi, closed_hi = parse_interval(props["range"])
    x = PROPERTY_GRID[np.abs(PROPERTY_GRID) <= 15]
    y = f(x)
    for closed, bound, extreme, sign in ((closed_lo, lo, y.min(), 1), (closed_hi, hi, y.max(), -1)):
        if math.isinf(bound):
            continue
        if closed:
            assert abs(extreme - bound) <= 5e-6, (name, extreme, bound)
        else:
            assert sign * (extreme - bound) > 0, (name, extreme, bound)
    # Monotonic: non-decreasing on the grid, or visibly decreasing somewhere (|x| <= 700 keeps
    # exp finite).
    steps = np.diff(f(PROPERTY_GRID[np.abs(PROPERTY_GRID) <= 700]))
    assert props["monotonic"] == bool(np.all(steps >= 0)), name
    # Saturating: where the derivative tends to 0.
    with np.errstate(over="ignore"):
        left, right = np.abs(f.derivative(np.array([-1e6, 1e6])))
    expected = {(True, True): "both", (True, False): "left", (False, True): "right"}
    assert props["saturating"] == expected.get((bool(left < 1e-6), bool(right < 1e-6)), False)
    # Zero-centred: |E f(Z)| < 0.1 for Z ~ N(0, 1), by the trapezoid rule on [-12, 12].
    z = np.linspace(-12, 12, 240_001)
    density = np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    values = f(z) * density
    mean = np.sum((values[1:] + values[:-1]) / 2 * np.diff(z))
    assert props["zero_centred"] == (abs(mean) < 0.1), (name, mean)


def test_properties_of_the_vector_activations():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1000, 6))
    p = A.softmax(x)
    assert np.all((p > 0) & (p < 1)) and np.allclose(p.sum(axis=-1), 1)
    assert np.all(A.log_softmax(x) < 0)
    # Monotonic in its own logit: raising x_0 raises softmax_0 and log_softmax_0.
    bumped = x.copy()
    bumped[:, 0] += 0.1
    assert np.all(A.softmax(bumped)[:, 0] > p[:, 0])
    assert np.all(A.log_softmax(bumped)[:, 0] > A.log_softmax(x)[:, 0])
    # glu is not monotonic: with a < 0, raising the gate b lowers a * sigmoid(b).
    assert A.glu(np.array([-1.0, 1.0])) < A.glu(np.array([-1.0, 0.0]))
    # Zero-centred: softmax and log_softmax have one sign; glu = a * sigmoid(b) has mean 0.
    assert not A.PROPERTIES["softmax"]["zero_centred"]
    assert not A.PROPERTIES["log_softmax"]["zero_centred"]
    z = rng.normal(size=(200_000, 2))
    assert A.PROPERTIES["glu"]["zero_centred"] == (abs(A.glu(z).mean()) < 0.1)
