"""companion.initializers against keras.initializers.

Formula constants are compared EXACTLY: Keras's random sampler is replaced by a recorder that
captures the (minval, maxval) or stddev Keras asks for, and those must equal ours bit for bit.
Samples cannot be compared number by number (NumPy and TensorFlow have different random
streams), so they are compared statistically, against theory and against Keras's own samples.

Statistical bounds: with n = 200 000 samples, the sample mean and the sample variance are
normal to an excellent approximation, with standard errors sqrt(var / n) and
sqrt((mu4 - var**2) / n) (mu4 = the fourth central moment, known in closed form for each
distribution below). Each check allows 6 standard errors: a correct implementation fails one
with probability 2e-9, so all ~100 checks in this file together fail by chance with
probability < 1e-6. The two-sample Kolmogorov-Smirnov test uses level alpha = 1e-8.
"""

import inspect
import math
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion import initializers as ci

SHAPE = (400, 500)  # 200 000 samples; fan_in 400, fan_out 500
N = math.prod(SHAPE)
Z_BOUND = 6.0  # standard errors allowed for a moment check (two-sided p = 2e-9)
KS_ALPHA = 1e-8

RANDOM_NAMES = [n for n in ci.names() if ci.ALL[n].random]
VS_NAMES = [n for n in ci.names() if issubclass(ci.ALL[n], ci.VarianceScaling)]
# Distributions whose samples we check statistically (Orthogonal has its own test).
SAMPLED_NAMES = [n for n in RANDOM_NAMES if n != "orthogonal"]

FAN_SHAPES = [(), (7,), (784, 256), (256, 10), (1, 1), (3, 3, 16, 32), (5, 2, 3, 4), (0, 5)]

# Standard normal truncated to [-2, 2] (what Keras's truncated_normal draws):
_A = 2.0
_PHI_A = math.exp(-_A * _A / 2) / math.sqrt(2 * math.pi)
_MASS = math.erf(_A / math.sqrt(2))
TRUNC_VAR = 1 - 2 * _A * _PHI_A / _MASS
TRUNC_MU4 = 3 - (2 * _A**3 + 6 * _A) * _PHI_A / _MASS


# --- helpers --------------------------------------------------------------------------------
def keras_class(keras, name):
    return getattr(keras.initializers, ci.ALL[name].__name__)


def theory(init, shape):
    """(mean, variance, fourth central moment, largest |x - mean| or inf) of init's samples."""
    if isinstance(init, ci.VarianceScaling):
        var = init.variance(shape)
        if init.distribution == "uniform":
            limit = math.sqrt(3 * var)
            return 0.0, var, 9 * var**2 / 5, limit
        if init.distribution == "truncated_normal":
            s = init.stddev(shape)
            return 0.0, s * s * TRUNC_VAR, s**4 * TRUNC_MU4, 2 * s
        return 0.0, var, 3 * var**2, math.inf
    if isinstance(init, ci.RandomUniform):
        width = init.maxval - init.minval
        return (init.minval + init.maxval) / 2, width**2 / 12, width**4 / 80, width / 2
    if isinstance(init, ci.TruncatedNormal):
        s = init.stddev
        return init.mean, s * s * TRUNC_VAR, s**4 * TRUNC_MU4, 2 * s
    if isinstance(init, ci.RandomNormal):
        s = init.stddev
        return init.mean, s * s, 3 * s**4, math.inf
    raise AssertionError(f"no theory for {init!r}")


def ks_statistic(a, b):
    """Two-sample Kolmogorov-Smirnov statistic sup |F_a(x) - F_b(x)|."""
    a, b = np.sort(np.ravel(a)), np.sort(np.ravel(b))
    grid = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, grid, side="right") / a.size
    cdf_b = np.searchsorted(b, grid, side="right") / b.size
    return float(np.max(np.abs(cdf_a - cdf_b)))


def ks_critical(n, m, alpha=KS_ALPHA):
    # Asymptotic bound P(D > c * sqrt((n + m) / (n m))) <= 2 exp(-2 c^2).
    c = math.sqrt(-0.5 * math.log(alpha / 2))
    return c * math.sqrt((n + m) / (n * m))


class RecordingRandom:
    """Stands in for keras.src.backend.random inside Keras's initializers module."""

    def __init__(self):
        self.calls = []

    def _record(self, kind, shape, **kwargs):
        self.calls.append((kind, kwargs))
        return np.zeros(shape, dtype="float32")

    def uniform(self, shape, **kwargs):
        return self._record("uniform", shape, **kwargs)

    def normal(self, shape, **kwargs):
        return self._record("normal", shape, **kwargs)

    def truncated_normal(self, shape, **kwargs):
        return self._record("truncated_normal", shape, **kwargs)


def keras_constants(keras, k_init, shape):
    """The distribution name and the parameters Keras's initializer passes to its sampler."""
    import keras.src.initializers.random_initializers as kri

    rec = RecordingRandom()
    with mock.patch.object(kri, "random", rec):
        k_init(shape)
    assert len(rec.calls) == 1
    return rec.calls[0]


# --- registry and names ---------------------------------------------------------------------
def keras_identifiers():
    # keras.initializers.get's lookup table (get("constant") itself fails in Keras 3.15:
    # Constant.from_config needs a "value" key).
    from keras.src.initializers import ALL_OBJECTS_DICT

    return ALL_OBJECTS_DICT


def test_registry_is_what_keras_calls_these_names(keras):
    for name in ci.names():
        assert keras_identifiers()[name].__name__ == ci.ALL[name].__name__
    assert ci.names() == sorted(ci.ALL)
    assert {"glorot_uniform", "he_normal", "lecun_normal", "zeros", "ones", "constant"} <= set(
        ci.names()
    )


def test_every_identifier_matches_keras_get(keras):
    # Every string we accept, Keras accepts and maps to the class of the same name.
    for ident, cls in ci._IDENTIFIERS.items():
        assert keras_identifiers()[ident].__name__ == cls.__name__, ident
        assert type(ci.get(ident)) is cls


def test_get_other_identifiers():
    init = ci.HeNormal(seed=3)
    assert ci.get(init) is init
    assert isinstance(ci.get(ci.GlorotUniform), ci.GlorotUniform)
    assert ci.get(None) is None  # as keras.initializers.get
    from_dict = ci.get({"class_name": "RandomNormal", "config": {"stddev": 2.0}})
    assert isinstance(from_dict, ci.RandomNormal) and from_dict.stddev == 2.0
    assert ci.get({"class_name": "zeros"})((2,)).tolist() == [0.0, 0.0]


def test_get_wraps_keras_style_functions():
    init = ci.get(lambda shape, dtype=None: np.full(shape, 2.0, dtype=dtype))
    out = init((2, 3), seed=0, dtype="float64")
    assert out.dtype == np.float64 and out.shape == (2, 3) and np.all(out == 2.0)

    def seeded(shape, seed=None):
        return np.random.default_rng(seed).standard_normal(shape)

    np.testing.assert_array_equal(ci.get(seeded)((3,), seed=5), ci.get(seeded)((3,), seed=5))
    with pytest.raises(ValueError, match=r"shape \(2, 2\).*shape \(3,\)"):
        ci.get(lambda shape: np.zeros(3))((2, 2))


def test_get_unknown_name_lists_names_and_suggests():
    with pytest.raises(ValueError) as info:
        ci.get("glorot_unifrom")
    msg = str(info.value)
    assert "'glorot_unifrom'" in msg and "Did you mean 'glorot_uniform'?" in msg
    assert ", ".join(ci.names()) in msg  # the sorted list
    with pytest.raises(ValueError, match="Valid names"):
        ci.get("he")
    with pytest.raises(TypeError, match="int"):
        ci.get(3)
    with pytest.raises(ValueError, match="class_name"):
        ci.get({"config": {}})


# --- fans and formula constants -------------------------------------------------------------
def hand_fans(shape):
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    r = 1
    for d in shape[:-2]:
        r *= d
    return shape[-2] * r, shape[-1] * r


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 12), min_size=0, max_size=5).map(tuple))
def test_compute_fans_matches_keras(shape):
    from keras.src.initializers.random_initializers import compute_fans as keras_fans

    assert ci.compute_fans(shape) == keras_fans(shape) == hand_fans(shape)
    assert ci.compute_fans(list(shape)) == ci.compute_fans(np.array(shape, dtype=int))


def test_compute_fans_with_axes_matches_keras():
    from keras.src.initializers.random_initializers import compute_fans as keras_fans

    cases = {
        ((3, 4, 5), (0, 1), (2,)): (12, 5),
        ((6, 2, 7), (2,), (0, 1)): (7, 12),
        ((5,), (0,), (0,)): (5, 5),
    }
    # Keras's compute_fans takes the axes from Keras 3.15 on; before, only the products above.
    keras_has_axes = "input_axes" in inspect.signature(keras_fans).parameters
    for (shape, ins, outs), fans in cases.items():
        assert ci.compute_fans(shape, list(ins), list(outs)) == fans
        if keras_has_axes:
            assert keras_fans(shape, list(ins), list(outs)) == fans
    with pytest.raises(ValueError, match="input_axes"):
        ci.compute_fans((3, 4), [5], [0])


@pytest.mark.parametrize("name", VS_NAMES)
def test_scale_mode_distribution_match_keras(keras, name):
    ours = ci.get(name)
    theirs = keras_class(keras, name)()
    # Keras's named subclasses hide these keys from their own get_config; the base's has them.
    keras_cfg = keras.initializers.VarianceScaling.get_config(theirs)
    our_cfg = ci.VarianceScaling.get_config(ours)
    for key in ("scale", "mode", "distribution"):
        assert our_cfg[key] == keras_cfg[key], key


@pytest.mark.parametrize("name", VS_NAMES)
@pytest.mark.parametrize("shape", FAN_SHAPES)
def test_formula_constants_exact(keras, name, shape):
    ours = ci.get(name)
    fan_in, fan_out = hand_fans(shape)
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[ours.mode]
    variance = ours.scale / max(1.0, n)
    assert ours.variance(shape) == variance

    kind, params = keras_constants(keras, keras_class(keras, name)(), shape)
    if ours.distribution == "uniform":
        assert kind == "uniform"
        assert ours.limit(shape) == math.sqrt(3.0 * variance)
        assert ours.limit(shape) == params["maxval"] == -params["minval"]  # Keras's own, exactly
        with pytest.raises(ValueError, match="limit"):
            ours.stddev(shape)
    else:
        assert kind == "truncated_normal"
        assert ours.stddev(shape) == math.sqrt(variance) / 0.87962566103423978
        assert ours.stddev(shape) == params["stddev"]
        assert ours.limit(shape) == 2 * ours.stddev(shape)


@settings(max_examples=30, deadline=None)
@given(
    shape=st.lists(st.integers(1, 50), min_size=1, max_size=4).map(tuple),
    scale=st.floats(0.01, 10.0),
    mode=st.sampled_from(["fan_in", "fan_out", "fan_avg"]),
    distribution=st.sampled_from(["uniform", "truncated_normal", "untruncated_normal", "normal"]),
)
def test_variance_scaling_constants_exact_for_any_config(keras, shape, scale, mode, distribution):
    ours = ci.VarianceScaling(scale, mode, distribution)
    theirs = keras.initializers.VarianceScaling(scale, mode, distribution)
    assert ours.distribution == theirs.distribution
    kind, params = keras_constants(keras, theirs, shape)
    if kind == "uniform":
        assert ours.limit(shape) == params["maxval"]
    else:
        # Keras calls random.normal for "untruncated_normal".
        assert kind == ("normal" if ours.distribution == "untruncated_normal" else kind)
        assert ours.stddev(shape) == params["stddev"]


def test_truncation_constant_is_the_std_of_a_normal_cut_at_two():
    # Derived from first principles, not copied: the std of N(0, 1) restricted to [-2, 2].
    assert math.sqrt(TRUNC_VAR) == pytest.approx(ci.TRUNCATED_NORMAL_STDDEV_CORRECTION, rel=1e-15)


def test_plain_distribution_defaults_match_keras(keras):
    for cls, keys in [
        (ci.RandomNormal, ("mean", "stddev")),
        (ci.TruncatedNormal, ("mean", "stddev")),
        (ci.RandomUniform, ("minval", "maxval")),
        (ci.Constant, ("value",)),
        (ci.Orthogonal, ("gain",)),
        (ci.Identity, ("gain",)),
    ]:
        ours, theirs = cls(), getattr(keras.initializers, cls.__name__)()
        for key in keys:
            assert getattr(ours, key) == getattr(theirs, key), (cls.__name__, key)


# --- samples --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def keras_samples(keras):
    """Keras's own samples for every sampled initializer (float32, Keras's default)."""
    return {
        name: np.asarray(keras_class(keras, name)(seed=1234)(SHAPE), dtype=np.float64)
        for name in SAMPLED_NAMES
    }


@pytest.mark.parametrize("name", SAMPLED_NAMES)
def test_samples_match_theory_and_keras(keras_samples, name):
    init = ci.get(name)
    ours = init(SHAPE, seed=2024, dtype="float64")
    theirs = keras_samples[name]
    mean, var, mu4, bound = theory(init, SHAPE)
    se_mean = math.sqrt(var / N)
    se_var = math.sqrt((mu4 - var * var) / N)
    for label, x in (("companion", ours), ("keras", theirs)):
        assert abs(x.mean() - mean) <= Z_BOUND * se_mean, (label, x.mean(), mean)
        assert abs(x.var() - var) <= Z_BOUND * se_var, (label, x.var(), var)
    # Difference of two independent estimates: standard error times sqrt(2).
    assert abs(ours.mean() - theirs.mean()) <= Z_BOUND * math.sqrt(2) * se_mean
    assert abs(ours.var() - theirs.var()) <= Z_BOUND * math.sqrt(2) * se_var
    # Bounds: exact for ours (sampled in float64); Keras samples in float32, so allow its
    # rounding of one float32 ulp (relative 2**-23).
    if math.isfinite(bound):
        assert np.max(np.abs(ours - mean)) <= bound
        assert np.max(np.abs(theirs - mean)) <= bound * (1 + 2**-23) + abs(mean) * 2**-23
        # The bound is also nearly reached (a wrong, too-small limit would fail here).
        assert np.max(np.abs(ours - mean)) >= 0.99 * bound
    assert ks_statistic(ours, theirs) <= ks_critical(ours.size, theirs.size)


def test_ks_check_has_power_against_a_missing_correction(keras_samples):
    # Without Keras's 0.8796 correction, GlorotNormal's samples would be 12% too narrow:
    # the same KS test must reject that, or it could not catch a formula error.
    init = ci.GlorotNormal()
    rng = np.random.default_rng(7)
    wrong = init.stddev(SHAPE) * 0.87962566103423978 * ci._truncated_standard_normal(rng, SHAPE)
    assert ks_statistic(wrong, keras_samples["glorot_normal"]) > ks_critical(N, N)


def test_orthogonal_matches_keras(keras):
    for shape in [SHAPE, (500, 400), (4, 5, 6)]:
        ours = ci.Orthogonal()(shape, seed=1, dtype="float64")
        theirs = np.asarray(keras.initializers.Orthogonal(seed=1)(shape, dtype="float64"))
        rows, cols = math.prod(shape[:-1]), shape[-1]
        for q in (ours.reshape(rows, cols), theirs.reshape(rows, cols)):
            small = q @ q.T if rows < cols else q.T @ q
            np.testing.assert_allclose(small, np.eye(min(rows, cols)), atol=1e-12)
        if shape == SHAPE:
            assert ks_statistic(ours, theirs) <= ks_critical(ours.size, theirs.size)
    gained = ci.Orthogonal(gain=3.0)((3, 3), seed=0, dtype="float64")
    np.testing.assert_allclose(gained.T @ gained, 9 * np.eye(3), atol=1e-12)
    with pytest.raises(ValueError, match="at least 2 dimensions.*shape=\\(5,\\)"):
        ci.Orthogonal()((5,))


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
@pytest.mark.parametrize("shape", [(3,), (2, 3), (2, 3, 4)])
def test_constant_initializers_equal_keras(keras, dtype, shape):
    cases = [(ci.Zeros(), "Zeros", {}), (ci.Ones(), "Ones", {})]
    cases.append((ci.Constant(3.0), "Constant", {"value": 3.0}))
    for ours, kname, kw in cases:
        theirs = np.asarray(getattr(keras.initializers, kname)(**kw)(shape, dtype=dtype))
        out = ours(shape, dtype=dtype)
        assert out.dtype == theirs.dtype
        np.testing.assert_array_equal(out, theirs)
    if len(shape) == 2 and dtype != "int32":
        theirs = np.asarray(keras.initializers.Identity(gain=2.0)(shape, dtype=dtype))
        np.testing.assert_array_equal(ci.Identity(gain=2.0)(shape, dtype=dtype), theirs)


def test_identity_needs_two_dimensions():
    with pytest.raises(ValueError, match=r"2-D.*\(2, 2, 2\)"):
        ci.Identity()((2, 2, 2))


# --- seeds and dtypes -----------------------------------------------------------------------
@pytest.mark.parametrize("name", RANDOM_NAMES)
def test_seeds(name):
    init = ci.get(name)
    shape = (20, 30)
    np.testing.assert_array_equal(init(shape, seed=5), init(shape, seed=5))
    assert not np.array_equal(init(shape, seed=5), init(shape, seed=6))
    assert not np.array_equal(init(shape), init(shape))  # None: fresh entropy each time
    # A Generator advances, so two calls on it differ; the same Generator state repeats.
    rng = np.random.default_rng(0)
    first, second = init(shape, seed=rng), init(shape, seed=rng)
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(first, init(shape, seed=np.random.default_rng(0)))
    # A constructor seed repeats across calls, as Keras's integer seed; a call seed wins.
    seeded = type(init)(seed=5)
    np.testing.assert_array_equal(seeded(shape), seeded(shape))
    np.testing.assert_array_equal(seeded(shape), init(shape, seed=5))
    np.testing.assert_array_equal(seeded(shape, seed=6), init(shape, seed=6))
    with pytest.raises(TypeError, match="seed"):
        init(shape, seed="0")
    with pytest.raises(TypeError, match="seed"):
        type(init)(seed=1.5)
    with pytest.raises(ValueError, match="seed must be a non-negative int, but got -1"):
        init(shape, seed=-1)


@pytest.mark.parametrize("name", ci.names())
def test_dtype(name):
    init = ci.get(name)
    assert init((3, 4), seed=0).dtype == np.float32  # Keras's floatx
    assert init((3, 4), seed=0, dtype=None).dtype == np.float32
    assert init((3, 4), seed=0, dtype="float64").dtype == np.float64
    assert init((3, 4), seed=0, dtype=np.float16).dtype == np.float16
    if init.random:
        with pytest.raises(ValueError, match="floating dtype.*'int32'"):
            init((3, 4), seed=0, dtype="int32")
        # float32 samples are the float64 ones rounded: same seed, same values to float32.
        np.testing.assert_array_equal(
            init((3, 4), seed=0), init((3, 4), seed=0, dtype="float64").astype(np.float32)
        )
    with pytest.raises(TypeError, match="dtype"):
        init((3, 4), dtype="floaty")


@pytest.mark.parametrize("name", ci.names())
def test_bad_shapes_name_what_came(name):
    init = ci.get(name)
    # A negative size is a bad value (ValueError); a float, string or bool a wrong kind.
    for bad in [(3.0, 4), (3, -1), "34", (True, 2), 2.5, None]:
        error = ValueError if bad == (3, -1) else TypeError
        with pytest.raises(error, match="non-negative integers") as info:
            init(bad)
        assert repr(bad) in str(info.value) or repr(tuple(bad)) in str(info.value)
    if name not in ("identity", "orthogonal"):  # these two need 2-D shapes
        assert init(5, seed=0, dtype="float64").shape == (5,)  # an int means (n,)


def test_bad_constructor_arguments_name_what_came():
    with pytest.raises(ValueError, match="`mode`.*'fan_sum'"):
        ci.VarianceScaling(mode="fan_sum")
    with pytest.raises(ValueError, match="`distribution`.*'gaussian'"):
        ci.VarianceScaling(distribution="gaussian")
    for scale in (-1.0, 0.0, math.inf, "2"):
        with pytest.raises(ValueError, match=f"`scale`.*{scale!r}"):
            ci.VarianceScaling(scale=scale)
    with pytest.raises(ValueError, match="`stddev`.*-0.1"):
        ci.RandomNormal(stddev=-0.1)
    with pytest.raises(ValueError, match="minval=1.0, maxval=0.0"):
        ci.RandomUniform(1.0, 0.0)
    with pytest.raises(ValueError, match="`value`.*'a'"):
        ci.Constant("a")
    assert ci.VarianceScaling(distribution="Normal").distribution == "truncated_normal"


def test_get_config_round_trips():
    for name in ci.names():
        init = ci.get(name)
        clone = type(init).from_config(init.get_config())
        assert clone.get_config() == init.get_config()
        assert repr(init).startswith(type(init).__name__ + "(")
