"""Initializers: the starting values of a layer's weights, with Keras 3's names and formulas.

Every initializer is an object you call with a shape:

    init = GlorotUniform()
    kernel = init((784, 256), seed=0)                # float32, like Keras's floatx
    kernel64 = init((784, 256), seed=0, dtype="float64")

The variance-scaling family (Glorot, He, LeCun) picks its spread from the shape, following
``keras/src/initializers/random_initializers.py``:

    n = fan_in, fan_out or (fan_in + fan_out) / 2        (the ``mode``; at least 1)
    uniform:           U(-limit, limit)  with limit = sqrt(3 * scale / n)
    truncated normal:  N(0, stddev**2) cut at 2 * stddev, with
                       stddev = sqrt(scale / n) / 0.87962566103423978
    untruncated normal: N(0, scale / n)

so that the samples' variance is ``scale / n`` in all three cases (0.8796... is the standard
deviation of a standard normal cut at +-2, which the correction divides out).

Seeds are explicit: ``seed`` is an ``int``, a ``numpy.random.Generator`` or ``None`` (fresh
entropy). An initializer built with ``seed=`` uses that seed whenever a call gives none, so an
integer seed returns the same values on every call, as in Keras; a seed given to the call wins.
(Keras also repeats itself for an *unseeded* initializer, because it draws a seed once when
the object is made; here an unseeded call draws fresh values every time.)

The samples follow the same distributions as Keras's but not the same random streams: NumPy
and TensorFlow use different generators, so compare them statistically, not number by number.
"""

import inspect
import math
import numbers

import numpy as np

from companion.utils import as_generator, check_seed, lookup_name, resolve_identifier

__all__ = [
    "Initializer",
    "Zeros",
    "Ones",
    "Constant",
    "Identity",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "GlorotUniform",
    "GlorotNormal",
    "HeUniform",
    "HeNormal",
    "LecunUniform",
    "LecunNormal",
    "Orthogonal",
    "compute_fans",
    "get",
    "names",
    "ALL",
    "TRUNCATED_NORMAL_STDDEV_CORRECTION",
]

# Standard deviation of a standard normal truncated to [-2, 2]:
# sqrt(1 - 4 * phi(2) / (Phi(2) - Phi(-2))). Keras divides by it so that the truncated
# samples keep the intended variance.
TRUNCATED_NORMAL_STDDEV_CORRECTION = 0.87962566103423978


# --- argument checks ------------------------------------------------------------------------
def _as_shape(shape):
    """Return ``shape`` as a tuple of non-negative Python ints, or raise ``ValueError``."""
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool):
        shape = (shape,)
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__iter__"):
        raise TypeError(
            f"shape must be a tuple of non-negative integers such as (784, 256), but got {shape!r}."
        )
    shape = tuple(shape)
    for dim in shape:
        if isinstance(dim, (bool, np.bool_)) or not isinstance(dim, numbers.Integral):
            raise TypeError(
                f"shape must be a tuple of non-negative integers such as (784, 256), "
                f"but got {shape!r} (the entry {dim!r} is not an integer)."
            )
        if dim < 0:
            raise ValueError(
                f"shape must be a tuple of non-negative integers such as (784, 256), "
                f"but got {shape!r} (the entry {dim!r} is not)."
            )
    return tuple(int(d) for d in shape)


def _as_dtype(dtype, floating=True):
    """``dtype`` as a NumPy dtype; ``None`` means ``"float32"`` (Keras's floatx)."""
    if dtype is None:
        dtype = "float32"
    try:
        out = np.dtype(dtype)
    except TypeError:
        raise TypeError(
            f"dtype must be a NumPy dtype such as 'float32', but got {dtype!r}."
        ) from None
    if floating and not np.issubdtype(out, np.floating):
        raise ValueError(
            f"A random initializer needs a floating dtype such as 'float32' or 'float64', "
            f"but got {out.name!r}."
        )
    if not floating and not (np.issubdtype(out, np.number) or out == np.bool_):
        raise ValueError(f"dtype must be numeric, but got {out.name!r}.")
    return out


def _check_real(value, name, positive=False, non_negative=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"`{name}` must be a finite real number, but got {value!r}.")
    if positive and value <= 0:
        raise ValueError(f"`{name}` must be positive, but got {value!r}.")
    if non_negative and value < 0:
        raise ValueError(f"`{name}` must be non-negative, but got {value!r}.")
    return float(value)


def compute_fans(shape, input_axes=None, output_axes=None):
    """Number of input and output units ``(fan_in, fan_out)`` of a weight shape, as Keras.

    - ``()`` (a scalar): (1, 1)
    - ``(n,)``: (n, n)
    - ``(n_in, n_out)`` (a Dense kernel): (n_in, n_out)
    - ``(k1, ..., kd, c_in, c_out)`` (a convolution kernel): with the receptive field
      r = k1 * ... * kd, (c_in * r, c_out * r)
    - with ``input_axes`` and ``output_axes`` given: the products of those axes.

    Example:
        >>> compute_fans((3, 3, 16, 32))
        (144, 288)
    """
    shape = _as_shape(shape)
    if input_axes is not None and output_axes is not None:
        try:
            fan_in = math.prod(shape[a] for a in input_axes)
            fan_out = math.prod(shape[a] for a in output_axes)
        except (IndexError, TypeError):
            raise ValueError(
                f"input_axes={input_axes!r} and output_axes={output_axes!r} must be lists of "
                f"axes of the shape {shape}."
            ) from None
        return int(fan_in), int(fan_out)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


# --- base class -----------------------------------------------------------------------------
class Initializer:
    """Base class: ``init(shape, seed=None, dtype="float32")`` returns a NumPy array.

    Subclasses implement ``_generate(shape, rng, dtype)``; the base class checks the
    arguments and turns the seed into a Generator.
    """

    #: Whether the values depend on the seed (so that tests know which ones to compare).
    random = False

    def __init__(self, seed=None):
        self.seed = check_seed(seed)

    def __call__(self, shape, seed=None, dtype="float32"):
        shape = _as_shape(shape)
        dtype = _as_dtype(dtype, floating=self.random)
        seed = check_seed(seed)
        rng = as_generator(self.seed if seed is None else seed) if self.random else None
        with np.errstate(over="ignore", invalid="ignore"):
            out = self._generate(shape, rng, dtype)
        if np.issubdtype(out.dtype, np.floating) and not np.all(np.isfinite(out)):
            # e.g. Constant(1e39) or RandomNormal(stddev=1e300) in float32: checked after the
            # cast to dtype, where the overflow happens.
            raise ValueError(
                f"{self!r} gives values that are not finite in {out.dtype.name} (largest finite "
                f"value {float(np.finfo(out.dtype).max):.4g}): choose smaller parameters or a "
                "wider dtype."
            )
        return out

    def _generate(self, shape, rng, dtype):
        raise NotImplementedError

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


# --- constants ------------------------------------------------------------------------------
class Zeros(Initializer):
    """All zeros: ``zeros(shape)``. Keras's default for biases.

    Example:
        >>> Zeros()((2,))
        array([0., 0.], dtype=float32)
    """

    def __init__(self):
        super().__init__(seed=None)

    def _generate(self, shape, rng, dtype):
        return np.zeros(shape, dtype=dtype)


class Ones(Initializer):
    """All ones: ``ones(shape)``.

    Example:
        >>> Ones()((2,), dtype="float64")
        array([1., 1.])
    """

    def __init__(self):
        super().__init__(seed=None)

    def _generate(self, shape, rng, dtype):
        return np.ones(shape, dtype=dtype)


class Constant(Initializer):
    """Every entry equal to ``value``: ``value * ones(shape)``.

    Example:
        >>> Constant(0.5)((2,))
        array([0.5, 0.5], dtype=float32)
    """

    def __init__(self, value=0.0):
        super().__init__(seed=None)
        if (
            isinstance(value, (bool, np.bool_))
            or not isinstance(value, numbers.Real)
            or not math.isfinite(value)
        ):
            raise ValueError(f"Constant's `value` must be a finite real number, but got {value!r}.")
        self.value = value

    def _generate(self, shape, rng, dtype):
        return np.full(shape, self.value, dtype=dtype)

    def get_config(self):
        return {"value": self.value}


class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes only; rectangular ones get ``eye(n, m)``).

    Example:
        >>> Identity()((2, 3))
        array([[1., 0., 0.],
               [0., 1., 0.]], dtype=float32)
    """

    def __init__(self, gain=1.0):
        super().__init__(seed=None)
        self.gain = _check_real(gain, "gain")

    def _generate(self, shape, rng, dtype):
        if len(shape) != 2:
            raise ValueError(
                f"Identity can only make 2-D matrices, but got shape={shape} of rank {len(shape)}."
            )
        return (self.gain * np.eye(*shape)).astype(dtype)

    def get_config(self):
        return {"gain": self.gain}


# --- plain random distributions -------------------------------------------------------------
def _truncated_standard_normal(rng, shape):
    """Standard normal samples, redrawing those beyond +-2 (as Keras's truncated_normal)."""
    z = rng.standard_normal(shape)
    flat = z.reshape(-1)
    bad = np.flatnonzero(np.abs(flat) > 2.0)
    # About 4.6% are redrawn each round, so this loop ends after a handful of rounds.
    while bad.size:
        flat[bad] = rng.standard_normal(bad.size)
        bad = bad[np.abs(flat[bad]) > 2.0]
    return z


class RandomNormal(Initializer):
    """Samples from N(mean, stddev**2).

    Example:
        >>> RandomNormal(stddev=1.0)((400, 500), seed=0).std().round(2)
        np.float32(1.0)
    """

    random = True

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed=seed)
        self.mean = _check_real(mean, "mean")
        self.stddev = _check_real(stddev, "stddev", non_negative=True)

    def _generate(self, shape, rng, dtype):
        return (self.mean + self.stddev * rng.standard_normal(shape)).astype(dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": _seed_config(self.seed)}


class TruncatedNormal(Initializer):
    """Samples from N(mean, stddev**2), redrawing any value more than 2 * stddev from the mean.

    Note that ``stddev`` is the parameter *before* truncation: the samples' standard
    deviation is 0.8796 * stddev.

    Example:
        >>> x = TruncatedNormal(stddev=1.0)((1000,), seed=0)
        >>> bool(abs(x).max() <= 2.0)
        True
    """

    random = True

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed=seed)
        self.mean = _check_real(mean, "mean")
        self.stddev = _check_real(stddev, "stddev", non_negative=True)

    def _generate(self, shape, rng, dtype):
        return (self.mean + self.stddev * _truncated_standard_normal(rng, shape)).astype(dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": _seed_config(self.seed)}


class RandomUniform(Initializer):
    """Samples from the uniform distribution on [minval, maxval).

    Example:
        >>> x = RandomUniform(-1.0, 1.0)((1000,), seed=0)
        >>> bool(x.min() >= -1.0 and x.max() < 1.0)
        True
    """

    random = True

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed=seed)
        self.minval = _check_real(minval, "minval")
        self.maxval = _check_real(maxval, "maxval")
        if self.minval > self.maxval:
            raise ValueError(
                f"RandomUniform needs minval <= maxval, but got minval={minval!r}, "
                f"maxval={maxval!r}."
            )

    def _generate(self, shape, rng, dtype):
        return rng.uniform(self.minval, self.maxval, size=shape).astype(dtype)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": _seed_config(self.seed)}


def _seed_config(seed):
    # A Generator has no portable description; an int does.
    return seed if isinstance(seed, int) else None


# --- variance scaling -----------------------------------------------------------------------
class VarianceScaling(Initializer):
    """Samples whose variance is ``scale / n``, with n chosen from the shape by ``mode``.

    n = fan_in (mode="fan_in"), fan_out ("fan_out") or (fan_in + fan_out) / 2 ("fan_avg"),
    at least 1; see ``compute_fans``. Then, by ``distribution``:

    - "uniform": U(-limit, limit), limit = sqrt(3 * scale / n)
    - "truncated_normal" (or "normal"): N(0, stddev**2) cut at +-2 stddev,
      stddev = sqrt(scale / n) / 0.87962566103423978
    - "untruncated_normal": N(0, scale / n)

    ``variance(shape)``, ``stddev(shape)`` and ``limit(shape)`` return these constants.

    Example:
        >>> VarianceScaling(2.0, "fan_in", "uniform").limit((3, 5))   # sqrt(3 * 2 / 3)
        1.4142135623730951
    """

    random = True
    _MODES = ("fan_avg", "fan_in", "fan_out")
    _DISTRIBUTIONS = ("truncated_normal", "uniform", "untruncated_normal")

    def __init__(
        self,
        scale=1.0,
        mode="fan_in",
        distribution="truncated_normal",
        seed=None,
        input_axes=None,
        output_axes=None,
    ):
        super().__init__(seed=seed)
        if isinstance(scale, bool) or not isinstance(scale, numbers.Real):
            raise ValueError(f"`scale` must be a positive number, but got {scale!r}.")
        if not (scale > 0 and math.isfinite(scale)):
            raise ValueError(f"`scale` must be a positive number, but got {scale!r}.")
        if mode not in self._MODES:
            raise ValueError(f"`mode` must be one of {list(self._MODES)}, but got {mode!r}.")
        dist = distribution.lower() if isinstance(distribution, str) else distribution
        if dist == "normal":  # Keras's alias
            dist = "truncated_normal"
        if dist not in self._DISTRIBUTIONS:
            raise ValueError(
                f"`distribution` must be one of {list(self._DISTRIBUTIONS)} (or 'normal'), "
                f"but got {distribution!r}."
            )
        self.scale = float(scale)
        self.mode = mode
        self.distribution = dist
        self.input_axes = input_axes
        self.output_axes = output_axes

    def variance(self, shape):
        """The samples' variance for this ``shape``: scale / n."""
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}
        # max(1, n) as Keras, so an empty shape does not divide by zero.
        return self.scale / max(1.0, n[self.mode])

    def stddev(self, shape):
        """The ``stddev`` Keras gives its normal sampler (before truncation, if truncated).

        truncated_normal: sqrt(scale / n) / 0.87962566103423978; untruncated_normal:
        sqrt(scale / n). A uniform initializer has no such parameter: use ``limit``.
        """
        if self.distribution == "uniform":
            raise ValueError(
                f"{type(self).__name__} draws from a uniform distribution, which has no "
                f"stddev parameter: use limit(shape) (its samples' standard deviation is "
                f"sqrt(variance(shape)) = limit / sqrt(3))."
            )
        stddev = math.sqrt(self.variance(shape))
        if self.distribution == "truncated_normal":
            stddev /= TRUNCATED_NORMAL_STDDEV_CORRECTION
        return stddev

    def limit(self, shape):
        """The largest possible |value|: sqrt(3 * scale / n) for uniform, 2 * stddev for the
        truncated normal, and infinity for the untruncated normal."""
        if self.distribution == "uniform":
            return math.sqrt(3.0 * self.variance(shape))
        if self.distribution == "truncated_normal":
            return 2.0 * self.stddev(shape)
        return math.inf

    def _generate(self, shape, rng, dtype):
        if self.distribution == "uniform":
            limit = self.limit(shape)
            return rng.uniform(-limit, limit, size=shape).astype(dtype)
        stddev = self.stddev(shape)
        if self.distribution == "truncated_normal":
            return (stddev * _truncated_standard_normal(rng, shape)).astype(dtype)
        return (stddev * rng.standard_normal(shape)).astype(dtype)

    def get_config(self):
        return {
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "seed": _seed_config(self.seed),
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


class _FixedVarianceScaling(VarianceScaling):
    # The named initializers below fix scale, mode and distribution (Keras does the same).
    _ARGS = (1.0, "fan_in", "truncated_normal")

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(*self._ARGS, seed=seed, input_axes=input_axes, output_axes=output_axes)

    def get_config(self):
        return {
            "seed": _seed_config(self.seed),
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


class GlorotUniform(_FixedVarianceScaling):
    """Glorot (Xavier) uniform: U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out)).

    VarianceScaling(scale=1, mode="fan_avg", distribution="uniform"); Keras's default kernel
    initializer for Dense. (Glorot & Bengio, 2010.)

    Example:
        >>> GlorotUniform().limit((2, 4))    # sqrt(6 / 6)
        1.0
    """

    _ARGS = (1.0, "fan_avg", "uniform")


class GlorotNormal(_FixedVarianceScaling):
    """Glorot (Xavier) normal: truncated normal with samples' variance 2 / (fan_in + fan_out).

    VarianceScaling(scale=1, mode="fan_avg", distribution="truncated_normal").

    Example:
        >>> round(GlorotNormal().stddev((1, 1)) * 0.87962566103423978, 12)
        1.0
    """

    _ARGS = (1.0, "fan_avg", "truncated_normal")


class HeUniform(_FixedVarianceScaling):
    """He uniform: U(-limit, limit), limit = sqrt(6 / fan_in). For ReLU networks.

    VarianceScaling(scale=2, mode="fan_in", distribution="uniform"). (He et al., 2015.)

    Example:
        >>> HeUniform().limit((6, 10))
        1.0
    """

    _ARGS = (2.0, "fan_in", "uniform")


class HeNormal(_FixedVarianceScaling):
    """He normal: truncated normal with samples' variance 2 / fan_in. For ReLU networks.

    VarianceScaling(scale=2, mode="fan_in", distribution="truncated_normal").

    Example:
        >>> HeNormal().variance((8, 3))
        0.25
    """

    _ARGS = (2.0, "fan_in", "truncated_normal")


class LecunUniform(_FixedVarianceScaling):
    """LeCun uniform: U(-limit, limit), limit = sqrt(3 / fan_in).

    VarianceScaling(scale=1, mode="fan_in", distribution="uniform").

    Example:
        >>> LecunUniform().limit((3, 7))
        1.0
    """

    _ARGS = (1.0, "fan_in", "uniform")


class LecunNormal(_FixedVarianceScaling):
    """LeCun normal: truncated normal with samples' variance 1 / fan_in. With SELU, this
    gives self-normalizing networks (Klambauer et al., 2017).

    VarianceScaling(scale=1, mode="fan_in", distribution="truncated_normal").

    Example:
        >>> LecunNormal().variance((4, 3))
        0.25
    """

    _ARGS = (1.0, "fan_in", "truncated_normal")


class Orthogonal(Initializer):
    """``gain`` times a random orthogonal matrix (Saxe et al., 2014).

    The shape is flattened to (rows, cols) = (prod(shape[:-1]), shape[-1]); a
    (max(rows, cols), min(rows, cols)) standard normal matrix is QR-factorized and Q's
    columns are multiplied by the signs of R's diagonal (making the result uniformly
    distributed); Q is transposed if rows < cols. So the columns (or rows, whichever are
    fewer) are orthonormal.

    Example:
        >>> q = Orthogonal()((3, 3), seed=0, dtype="float64")
        >>> np.allclose(q.T @ q, np.eye(3))
        True
    """

    random = True

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed=seed)
        self.gain = _check_real(gain, "gain")

    def _generate(self, shape, rng, dtype):
        if len(shape) < 2:
            raise ValueError(
                f"Orthogonal needs a shape of at least 2 dimensions, but got shape={shape} "
                f"of rank {len(shape)}."
            )
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = rng.standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q.reshape(shape)).astype(dtype)

    def get_config(self):
        return {"gain": self.gain, "seed": _seed_config(self.seed)}


class _FunctionInitializer(Initializer):
    """Wraps a plain function ``fn(shape, dtype=None)`` (Keras's convention for custom
    initializers) so that it can be called as ``init(shape, seed=None, dtype="float32")``.
    ``seed`` is passed on only if the function takes a ``seed`` argument."""

    def __init__(self, fn):
        super().__init__(seed=None)
        self.fn = fn
        try:
            params = inspect.signature(fn).parameters
        except (TypeError, ValueError):  # some builtins have no signature
            params = {}
        kinds = {p.kind for p in params.values()}
        self._takes_seed = "seed" in params or inspect.Parameter.VAR_KEYWORD in kinds
        self._takes_dtype = "dtype" in params or inspect.Parameter.VAR_KEYWORD in kinds

    def __call__(self, shape, seed=None, dtype="float32"):
        shape = _as_shape(shape)
        dtype = _as_dtype(dtype, floating=False)
        kwargs = {}
        if self._takes_dtype:
            kwargs["dtype"] = dtype.name
        if self._takes_seed:
            kwargs["seed"] = seed
        out = np.asarray(self.fn(shape, **kwargs)).astype(dtype)
        if out.shape != shape:
            raise ValueError(
                f"The initializer function {getattr(self.fn, '__name__', self.fn)!r} was "
                f"asked for shape {shape} but returned an array of shape {out.shape}."
            )
        return out

    def __repr__(self):
        return f"_FunctionInitializer({getattr(self.fn, '__name__', self.fn)!r})"


# --- registry -------------------------------------------------------------------------------
#: Keras's snake_case name -> class; tests iterate over it.
ALL = {
    "constant": Constant,
    "glorot_normal": GlorotNormal,
    "glorot_uniform": GlorotUniform,
    "he_normal": HeNormal,
    "he_uniform": HeUniform,
    "identity": Identity,
    "lecun_normal": LecunNormal,
    "lecun_uniform": LecunUniform,
    "ones": Ones,
    "orthogonal": Orthogonal,
    "random_normal": RandomNormal,
    "random_uniform": RandomUniform,
    "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling,
    "zeros": Zeros,
}

# Every string Keras's `initializers.get` accepts for these classes (it is case-sensitive).
_IDENTIFIERS = {
    **ALL,
    **{cls.__name__: cls for cls in ALL.values()},
    "normal": RandomNormal,
    "uniform": RandomUniform,
    "one": Ones,
    "zero": Zeros,
    "IdentityInitializer": Identity,
    "OrthogonalInitializer": Orthogonal,
}


def names():
    """The snake_case names of the initializers, sorted (``get`` also takes class names)."""
    return sorted(ALL)


def get(identifier):
    """An initializer from a name, a config dict, a class, an instance or a function.

    - a name: Keras's snake_case name (``"glorot_uniform"``, ``"he_normal"``, ...) or class
      name (``"GlorotUniform"``), giving a new instance with Keras's defaults;
    - ``{"class_name": "RandomNormal", "config": {"stddev": 1.0}}`` as Keras serializes;
    - an ``Initializer`` class (instantiated) or instance (returned as it is);
    - a function ``fn(shape, dtype=None)``, wrapped so it takes ``seed=`` and ``dtype=``;
    - ``None`` gives ``None``, as in Keras.

    Example:
        >>> get("he_normal")
        HeNormal(seed=None, input_axes=None, output_axes=None)
    """
    return resolve_identifier(
        identifier,
        Initializer,
        _lookup,
        _FunctionInitializer,
        config_error="An initializer config must look like {'class_name': 'RandomNormal', "
        "'config': {...}}",
        type_error="An initializer must be a name such as 'glorot_uniform', an Initializer or a "
        "function fn(shape, dtype=None)",
    )


def _lookup(name):
    return lookup_name(
        _IDENTIFIERS,
        name,
        "initializer",
        names(),
        also="(or the class names, e.g. 'GlorotUniform')",
    )
