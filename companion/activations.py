"""Activation functions in NumPy, each with its derivative right below it.

Every function mirrors ``keras.activations`` (Keras 3): same name, same arguments, same defaults,
and values that match Keras to rounding (``tests/test_activations.py`` checks every registered
function against Keras and its gradients against ``tf.GradientTape``).

Each registered function ``f`` carries:

- ``f.backward(x, grad_output, **kwargs)``: the vector-Jacobian product, i.e. the gradient of a
  loss with respect to ``x`` given ``grad_output``, the gradient with respect to ``f(x)``;
- ``f.derivative(x, **kwargs)``: ``df/dx`` element by element (only where ``f.elementwise``);
- ``f.elementwise``: ``False`` for softmax, log_softmax and glu, whose outputs mix elements.

At a kink (relu at 0, hard_sigmoid at -3 and 3, ...) the derivative is not defined; there we
return what TensorFlow's gradient returns, so that backward passes agree with Keras exactly.
Each derivative's docstring says which value that is.

Where we knowingly differ from Keras/TensorFlow (all tested):

- constants are exact: TensorFlow keeps leaky_relu's slope and gelu's 1/sqrt(2) and 0.044715
  in float32 even for float64 tensors, so float64 results differ by ~1e-8 relative (gelu:
  up to ~1e-6 for |x| <= 5, more in the far negative tail);
- the derivative of celu at 0 is 1 (TensorFlow's gradient says 2), and that of
  ``squareplus(b=0)`` (a ReLU) at 0 is 1/2 (TensorFlow: NaN);
- squareplus avoids the cancellation in ``x + sqrt(x**2 + b)`` for negative x, which costs
  Keras's float32 version most of its digits below x ~ -100;
- sparsemax is left out: Keras 3.15's is wrong whenever more than one entry is non-zero
  (keras-team/keras#23425).

>>> import numpy as np
>>> relu(np.array([-2.0, 0.0, 3.0]))
array([0., 0., 3.])
>>> relu.derivative(np.array([-2.0, 0.0, 3.0]))
array([0., 0., 1.])
>>> get("swish") is silu
True
"""

import difflib
import functools
import math
import numbers

import numpy as np

from companion.utils import MIRROR_KERAS, as_float_array

ALL = {}
"""The registry: Keras's activation names (aliases included) -> companion functions."""


# ---------------------------------------------------------------------------------------------
# Registration helpers (the machinery; the activations themselves start further down)
# ---------------------------------------------------------------------------------------------


def _activation(*aliases, elementwise=True):
    """Register a NumPy activation under its own name and ``aliases``.

    The decorated function receives ``x`` already converted by ``as_float_array`` (float dtype
    kept, integers and booleans turned into float64) and returns an array of the same dtype.
    """

    def register(core):
        name = core.__name__

        @functools.wraps(core)
        def activation(x, *args, **kwargs):
            x = as_float_array(x, name=f"the input of {name}")
            # Overflow to inf and NaN in -> NaN out, as Keras, without a NumPy warning.
            with np.errstate(**MIRROR_KERAS):
                out = np.asarray(core(x, *args, **kwargs))
            # In the input's dtype: NumPy 1.x promotes a 0-d float16 or float32 input with a
            # Python number to float64 (NumPy 2 keeps the array's dtype; then this copies nothing).
            return out.astype(x.dtype, copy=False)

        activation.elementwise = elementwise
        activation.aliases = aliases
        activation.backward = None
        activation.derivative = None if elementwise else _no_elementwise_derivative(name)
        for key in (name, *aliases):
            ALL[key] = activation
        return activation

    return register


def _derivative_of(activation):
    """Attach ``rule`` as ``activation.derivative`` and build ``activation.backward`` from it."""
    name = activation.__name__

    def attach(rule):
        @functools.wraps(rule)
        def derivative(x, *args, **kwargs):
            x = as_float_array(x, name=f"the input of {name}.derivative")
            with np.errstate(**MIRROR_KERAS):
                d = np.asarray(rule(x, *args, **kwargs))
            # Rules may return booleans (x > 0) or broadcastable constants; callers get floats.
            return np.broadcast_to(d, x.shape).astype(x.dtype)

        def backward(x, grad_output, *args, **kwargs):
            x = as_float_array(x, name=f"the input of {name}.backward")
            grad_output = _grad_output(grad_output, x.shape, x.dtype, name)
            # Only exponential's derivative can be inf (overflow); 0 * inf is then NaN, as in
            # TensorFlow, without a NumPy warning.
            with np.errstate(**MIRROR_KERAS):
                return grad_output * derivative(x, *args, **kwargs)

        derivative.__name__ = "derivative"
        derivative.__qualname__ = f"{name}.derivative"
        backward.__name__ = "backward"
        backward.__qualname__ = f"{name}.backward"
        backward.__doc__ = (
            f"Vector-Jacobian product of {name}: grad_output * {name}.derivative(x).\n\n"
            f"Takes the same keyword arguments as {name}; returns the gradient with respect to x."
        )
        activation.derivative = derivative
        activation.backward = backward
        return rule

    return attach


def _backward_of(activation):
    """Attach ``rule(x, grad_output, ...)`` as ``activation.backward`` (non-elementwise ones)."""
    name = activation.__name__

    def attach(rule):
        @functools.wraps(rule)
        def backward(x, grad_output, *args, **kwargs):
            x = as_float_array(x, name=f"the input of {name}.backward")
            grad_output = as_float_array(
                grad_output, name=f"grad_output of {name}.backward", dtype=x.dtype
            )
            with np.errstate(**MIRROR_KERAS):
                return np.asarray(rule(x, grad_output, *args, **kwargs))

        backward.__name__ = "backward"
        backward.__qualname__ = f"{name}.backward"
        activation.backward = backward
        return rule

    return attach


def _no_elementwise_derivative(name):
    def derivative(x, *args, **kwargs):
        raise TypeError(
            f"{name} is not elementwise: each output depends on several inputs, so it has a "
            f"Jacobian rather than one derivative per element. Use "
            f"{name}.backward(x, grad_output) for the gradient."
        )

    derivative.__qualname__ = f"{name}.derivative"
    return derivative


def _grad_output(grad_output, shape, dtype, name):
    """``grad_output`` as an array of ``dtype`` with exactly ``shape`` (the output's shape)."""
    g = as_float_array(grad_output, name=f"grad_output of {name}.backward", dtype=dtype)
    if g.shape != tuple(shape):
        raise ValueError(
            f"{name}.backward expects grad_output with the shape of {name}'s output "
            f"{tuple(shape)}, but got shape {g.shape}."
        )
    return g


def _number(value, what, fn_name, dtype):
    """A keyword argument such as ``alpha`` as a scalar of the input's dtype.

    Casting keeps float32 inputs in float32 even if the argument is a NumPy float64 scalar.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{fn_name}'s {what} must be a real number, but got {value!r} ({type(value).__name__})."
        )
    if math.isnan(value):
        raise ValueError(f"{fn_name}'s {what} must be a number, but got NaN.")
    return dtype.type(value)


def _axis(axis, x, fn_name, allow_none=False):
    """Check ``axis`` against the input's shape, with a message that names both."""
    if axis is None and allow_none:
        return None
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        expected = "an int or None" if allow_none else "an int"
        raise TypeError(f"{fn_name}'s axis must be {expected}, but got {axis!r}.")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(
            f"{fn_name}(axis={axis}) needs an input with at least "
            f"{axis + 1 if axis >= 0 else -axis} axes, but got an input of shape {x.shape}."
        )
    return int(axis)


# ---------------------------------------------------------------------------------------------
# Identity and the ReLU family
# ---------------------------------------------------------------------------------------------


@_activation()
def linear(x):
    """Linear (identity) activation: ``linear(x) = x``.

    What a ``Dense`` layer uses when no activation is given. A stack of linear layers is one
    linear map, which is why hidden layers need a non-linear activation.

    Args:
        x: Input array.

    >>> linear(np.array([-1.5, 2.0]))
    array([-1.5,  2. ])
    """
    return x


@_derivative_of(linear)
def _linear_derivative(x):
    """d/dx x = 1 everywhere."""
    return np.ones_like(x)


@_activation()
def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit, with Keras's optional slope, cap and threshold.

    With the defaults: ``relu(x) = max(x, 0)``. In general (Keras's rule):

    - ``x`` if ``threshold < x`` (capped at ``max_value`` if given),
    - ``negative_slope * (x - threshold)`` if ``x <= threshold``.

    As in Keras, a non-zero ``threshold`` keeps values in ``(threshold, 0)`` when it is negative
    and no ``max_value`` is given (the clip to ``[0, max_value]`` only happens with a cap).

    Args:
        x: Input array.
        negative_slope: Slope below the threshold (0 gives the plain ReLU).
        max_value: Largest output value, or ``None`` for no cap. Must be >= 0.
        threshold: Inputs at or below it are damped (set to zero if ``negative_slope`` is 0).

    Reference: Nair & Hinton, "Rectified Linear Units Improve Restricted Boltzmann Machines",
    ICML 2010; Glorot, Bordes & Bengio, "Deep Sparse Rectifier Neural Networks", AISTATS 2011.

    >>> relu(np.array([-10.0, -5.0, 0.0, 5.0, 10.0]), max_value=5.0)
    array([0., 0., 0., 5., 5.])
    >>> relu(np.array([-10.0, -5.0, 0.0, 5.0, 10.0]), negative_slope=0.5)
    array([-5. , -2.5,  0. ,  5. , 10. ])
    """
    slope, cap, thr = _relu_arguments(x, negative_slope, max_value, threshold)
    if slope != 0 and cap is None and thr == 0:
        return np.where(x > 0, x, slope * x)  # Keras hands this case to tf.nn.leaky_relu
    y = _relu_positive_part(x, cap, thr)
    if slope != 0:
        y = y - slope * np.maximum(thr - x, 0)
    return y


def _relu_arguments(x, negative_slope, max_value, threshold):
    slope = _number(negative_slope, "negative_slope", "relu", x.dtype)
    thr = _number(threshold, "threshold", "relu", x.dtype)
    cap = None if max_value is None else _number(max_value, "max_value", "relu", x.dtype)
    if cap is not None and cap < 0:
        raise ValueError(f"relu's max_value must be >= 0 (or None), but got {max_value!r}.")
    return slope, cap, thr


def _relu_positive_part(x, cap, thr):
    """Keras's relu before the negative slope: thresholded, then clipped to [0, cap]."""
    if thr != 0:
        y = np.where(x > thr, x, 0)
    else:
        y = np.maximum(x, 0)
    if cap is not None:
        y = np.clip(y, 0, cap)
    return y


@_derivative_of(relu)
def _relu_derivative(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Derivative of relu: 1 on the linear part, 0 above ``max_value``, the slope below.

    At the kinks we return TensorFlow's values: 0 at ``x = threshold`` (so 0 at exactly 0 for the
    plain ReLU); the slope at 0 in the leaky case (``negative_slope`` only); at ``x = max_value``
    1 in general but 0 for ``max_value=6`` without a threshold (Keras then uses ``relu6``, whose
    gradient is 0 at 6).
    """
    slope, cap, thr = _relu_arguments(x, negative_slope, max_value, threshold)
    if slope != 0 and cap is None and thr == 0:
        return np.where(x > 0, 1, slope)
    if thr != 0:
        d = x > thr
    elif cap == 6:
        d = (x > 0) & (x < 6)
    else:
        d = x > 0
    if cap is not None and not (thr == 0 and cap == 6):
        # tf.clip_by_value lets the gradient through at both ends of [0, cap].
        y = np.where(x > thr, x, 0)
        d = d & (y >= 0) & (y <= cap)
    d = d.astype(x.dtype)
    if slope != 0:
        d = d + slope * (thr - x > 0)
    return d


@_activation()
def relu6(x):
    """ReLU capped at 6: ``relu6(x) = min(max(x, 0), 6)``.

    The cap keeps activations in a range that low-precision arithmetic represents well.

    Args:
        x: Input array.

    Reference: Krizhevsky, "Convolutional Deep Belief Networks on CIFAR-10", 2010.

    >>> relu6(np.array([-1.0, 3.0, 8.0]))
    array([0., 3., 6.])
    """
    return np.clip(x, 0, 6)


@_derivative_of(relu6)
def _relu6_derivative(x):
    """1 for 0 < x < 6, else 0 (TensorFlow's value at both kinks, 0 and 6, is 0)."""
    return (x > 0) & (x < 6)


@_activation()
def leaky_relu(x, negative_slope=0.2):
    """Leaky ReLU: ``x`` if ``x > 0``, else ``negative_slope * x``.

    The small slope keeps a gradient flowing for negative inputs, so units cannot "die".
    The function's default slope is 0.2 (Keras's ``LeakyReLU`` *layer* defaults to 0.3).

    Args:
        x: Input array.
        negative_slope: Slope for ``x <= 0``.

    Reference: Maas, Hannun & Ng, "Rectifier Nonlinearities Improve Neural Network Acoustic
    Models", ICML 2013.

    >>> leaky_relu(np.array([-2.0, 0.0, 3.0]))
    array([-0.4,  0. ,  3. ])
    """
    slope = _number(negative_slope, "negative_slope", "leaky_relu", x.dtype)
    return np.where(x > 0, x, slope * x)


@_derivative_of(leaky_relu)
def _leaky_relu_derivative(x, negative_slope=0.2):
    """1 for x > 0, ``negative_slope`` for x <= 0 (TensorFlow's value at 0 is the slope)."""
    slope = _number(negative_slope, "negative_slope", "leaky_relu", x.dtype)
    return np.where(x > 0, 1, slope)


@_activation()
def elu(x, alpha=1.0):
    """Exponential linear unit: ``x`` if ``x > 0``, else ``alpha * (exp(x) - 1)``.

    Negative outputs pull the mean activation towards zero; the function saturates at
    ``-alpha`` for very negative inputs.

    Args:
        x: Input array.
        alpha: Scale of the negative part (the value it saturates to is ``-alpha``).

    Reference: Clevert, Unterthiner & Hochreiter, "Fast and Accurate Deep Network Learning by
    Exponential Linear Units (ELUs)", ICLR 2016, https://arxiv.org/abs/1511.07289

    >>> elu(np.array([-1.0, 0.0, 2.0])).round(4)
    array([-0.6321,  0.    ,  2.    ])
    """
    alpha = _number(alpha, "alpha", "elu", x.dtype)
    # expm1 is accurate for tiny negative x; feeding it only the negative part means exp never
    # sees a large positive number.
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


@_derivative_of(elu)
def _elu_derivative(x, alpha=1.0):
    """1 for x > 0, ``alpha * exp(x)`` for x <= 0.

    At 0 this gives ``alpha``, which is TensorFlow's value (for ``alpha=1`` the two sides meet).
    """
    alpha = _number(alpha, "alpha", "elu", x.dtype)
    return np.where(x > 0, 1, alpha * np.exp(np.minimum(x, 0)))


# Klambauer et al.'s constants, to the digits TensorFlow uses; scale * alpha is kept as its own
# literal (as TensorFlow does) rather than a rounded product.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SELU_SCALE_ALPHA = 1.7580993408473768599402175208123


@_activation()
def selu(x):
    """Scaled exponential linear unit: ``scale * elu(x, alpha)`` with fixed constants.

    ``selu(x) = scale * x`` for ``x > 0``, ``scale * alpha * (exp(x) - 1)`` for ``x <= 0``, with
    ``alpha = 1.67326324...`` and ``scale = 1.05070098...``, chosen so that activations keep
    mean 0 and variance 1 through many layers ("self-normalizing") when the weights use
    ``lecun_normal`` initialization.

    Args:
        x: Input array.

    Reference: Klambauer, Unterthiner, Mayr & Hochreiter, "Self-Normalizing Neural Networks",
    NeurIPS 2017, https://arxiv.org/abs/1706.02515

    >>> selu(np.array([-1.0, 0.0, 1.0])).round(4)
    array([-1.1113,  0.    ,  1.0507])
    """
    scale = x.dtype.type(_SELU_SCALE)
    scale_alpha = x.dtype.type(_SELU_SCALE_ALPHA)
    return np.where(x > 0, scale * x, scale_alpha * np.expm1(np.minimum(x, 0)))


@_derivative_of(selu)
def _selu_derivative(x):
    """``scale`` for x >= 0, ``scale * alpha * exp(x)`` for x < 0.

    At 0 TensorFlow returns ``scale`` (1.0507), the right-hand slope; from the left the slope
    tends to ``scale * alpha`` (1.7581), the largest value the derivative approaches.
    """
    scale = x.dtype.type(_SELU_SCALE)
    scale_alpha = x.dtype.type(_SELU_SCALE_ALPHA)
    return np.where(x < 0, scale_alpha * np.exp(np.minimum(x, 0)), scale)


@_activation()
def celu(x, alpha=1.0):
    """Continuously differentiable ELU: ``max(x, 0) + alpha * (exp(min(x, 0) / alpha) - 1)``.

    Unlike ``elu`` with ``alpha != 1``, its slope is 1 on both sides of 0 for every ``alpha``.

    Args:
        x: Input array.
        alpha: Scale of the negative part (non-zero).

    Reference: Barron, "Continuously Differentiable Exponential Linear Units", 2017,
    https://arxiv.org/abs/1704.07483

    >>> celu(np.array([-2.0, 0.0, 2.0]), alpha=2.0).round(4)
    array([-1.2642,  0.    ,  2.    ])
    """
    alpha = _number(alpha, "alpha", "celu", x.dtype)
    if alpha == 0:
        raise ValueError("celu's alpha must be non-zero (it divides x), but got 0.")
    return np.maximum(x, 0) + alpha * np.expm1(np.minimum(x, 0) / alpha)


@_derivative_of(celu)
def _celu_derivative(x, alpha=1.0):
    """1 for x > 0, ``exp(x / alpha)`` for x <= 0; 1 at 0, where both sides meet.

    TensorFlow's gradient at exactly 0 is 2: tf.maximum and tf.minimum each pass the full
    gradient on a tie, so both halves count. Celu is differentiable at 0 with slope 1, so we
    return 1 there (the one place where this module does not copy TensorFlow).
    """
    alpha = _number(alpha, "alpha", "celu", x.dtype)
    if alpha == 0:
        raise ValueError("celu's alpha must be non-zero (it divides x), but got 0.")
    return np.where(x > 0, 1, np.exp(np.minimum(x, 0) / alpha))


# ---------------------------------------------------------------------------------------------
# Smooth ReLU-like functions
# ---------------------------------------------------------------------------------------------

_INV_SQRT2 = 0.7071067811865476  # 1/sqrt(2), the constant TensorFlow's gelu uses
_INV_SQRT_2PI = 0.3989422804014327  # 1/sqrt(2*pi), the standard normal density at 0
_SQRT_2_OVER_PI = 0.7978845608028654  # sqrt(2/pi), in the tanh approximation of gelu
_GELU_CUBIC = 0.044715

# NumPy has no erf/erfc. What follows is fdlibm's erfc (glibc's until 2.40, and so Python's
# math.erfc there) on whole arrays: each range of |x| has its own rational approximation,
# accurate to about one unit in the last place of a float64. Against math.erfc: within 4 units
# in the last place (NumPy's exp is not the C library's) and identical for more than 90% of
# values, over 3 million points from -40 to 40 and the edge cases. It is about four times faster
# than math.erfc called element by element, and needs no SciPy.
#
# The coefficients are those of fdlibm's s_erf.c:
#   Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
#   Developed at SunPro, a Sun Microsystems, Inc. business.
#   Permission to use, copy, modify, and distribute this software is freely granted, provided
#   that this notice is preserved.
_ERX = 8.45062911510467529297e-01  # erf(1) rounded to float32
# |x| < 0.84375: erf(x) = x + x * P(x**2) / Q(x**2)
_ERF_P = (1.28379167095512558561e-01, -3.25042107247001499370e-01, -2.84817495755985104766e-02,
          -5.77027029648944159157e-03, -2.37630166566501626084e-05)  # fmt: skip
_ERF_Q = (1.0, 3.97917223959155352819e-01, 6.50222499887672944485e-02, 5.08130628187576562776e-03,
          1.32494738004321644526e-04, -3.96022827877536812320e-06)  # fmt: skip
# 0.84375 <= |x| < 1.25, s = |x| - 1: erf(|x|) = ERX + P(s) / Q(s)
_ERF1_P = (-2.36211856075265944077e-03, 4.14856118683748331666e-01, -3.72207876035701323847e-01,
           3.18346619901161753674e-01, -1.10894694282396677476e-01, 3.54783043256182359371e-02,
           -2.16637559486879084300e-03)  # fmt: skip
_ERF1_Q = (1.0, 1.06420880400844228286e-01, 5.40397917702171048937e-01,
           7.18286544141962662868e-02, 1.26171219808761642112e-01, 1.36370839120290507362e-02,
           1.19844998467991074170e-02)  # fmt: skip
# 1.25 <= |x| < 1/0.35 and 1/0.35 <= |x| < 28, s = 1 / x**2:
# erfc(|x|) = exp(-x**2 - 0.5625 + R(s) / S(s)) / |x|
_ERFC2_R = (-9.86494403484714822705e-03, -6.93858572707181764372e-01, -1.05586262253232909814e01,
            -6.23753324503260060396e01, -1.62396669462573470355e02, -1.84605092906711035994e02,
            -8.12874355063065934246e01, -9.81432934416914548592e00)  # fmt: skip
_ERFC2_S = (1.0, 1.96512716674392571292e01, 1.37657754143519042600e02, 4.34565877475229228821e02,
            6.45387271733267880336e02, 4.29008140027567833386e02, 1.08635005541779435134e02,
            6.57024977031928170135e00, -6.04244152148580987438e-02)  # fmt: skip
_ERFC3_R = (-9.86494292470009928597e-03, -7.99283237680523006574e-01, -1.77579549177547519889e01,
            -1.60636384855821916062e02, -6.37566443368389627722e02, -1.02509513161107724954e03,
            -4.83519191608651397019e02)  # fmt: skip
_ERFC3_S = (1.0, 3.03380607434824582924e01, 3.25792512996573918826e02, 1.53672958608443695994e03,
            3.19985821950859553908e03, 2.55305040643316442583e03, 4.74528541206955367215e02,
            -2.24409524465858183362e01)  # fmt: skip


def _polynomial(x, coefficients):
    """``c0 + c1 x + c2 x**2 + ...`` by Horner's rule."""
    result = coefficients[-1]
    for c in coefficients[-2::-1]:
        result = result * x + c
    return result


def _erfc(z):
    """``erfc(z) = 1 - erf(z)`` element by element, computed in float64, returned in z's dtype."""
    x = np.asarray(z, dtype=np.float64).ravel()
    ax = np.abs(x)
    out = np.empty_like(x)

    i = np.flatnonzero(ax < 0.84375)
    xs = x.take(i)
    t = xs * xs
    xr = xs * (_polynomial(t, _ERF_P) / _polynomial(t, _ERF_Q))  # erf(x) - x
    # Above 1/4, erfc = 1/2 - (x - 1/2 + x r) keeps the bits that 1 - erf(x) would cancel.
    out.put(i, np.where(xs < 0.25, 1.0 - (xs + xr), 0.5 - (xr + (xs - 0.5))))

    i = np.flatnonzero((ax >= 0.84375) & (ax < 1.25))
    xs = x.take(i)
    s = np.abs(xs) - 1.0
    erf_minus_erx = _polynomial(s, _ERF1_P) / _polynomial(s, _ERF1_Q)
    out.put(i, np.where(xs >= 0, (1.0 - _ERX) - erf_minus_erx, 1.0 + (_ERX + erf_minus_erx)))

    i = np.flatnonzero(~(ax < 1.25))  # NaN too
    xs = x.take(i)
    a = np.abs(xs)
    with np.errstate(over="ignore", invalid="ignore"):  # huge |x| and inf: see the last where
        s = 1.0 / (a * a)
        rs = np.where(
            a < 1 / 0.35,
            _polynomial(s, _ERFC2_R) / _polynomial(s, _ERFC2_S),
            _polynomial(s, _ERFC3_R) / _polynomial(s, _ERFC3_S),
        )
        # exp(-x**2) without the rounding error of x**2: hi is |x| with the lower half of its
        # significand cleared, so hi**2 is exact, and -x**2 = -hi**2 + (hi - |x|)(hi + |x|).
        hi = (a.view(np.uint64) & np.uint64(0xFFFFFFFF00000000)).view(np.float64)
        tail = np.exp(-hi * hi - 0.5625) * np.exp((hi - a) * (hi + a) + rs) / a
    tail = np.where(a >= 28, 0.0, tail)  # erfc(28) < 1e-342 is 0 in float64; NaN stays NaN
    # erfc(-|x|) = 2 - erfc(|x|), which is exactly 2.0 in float64 once |x| > 6.
    out.put(i, np.where(xs > 0, tail, 2.0 - tail))
    return out.reshape(np.shape(z)).astype(z.dtype, copy=False)


@_activation()
def gelu(x, approximate=False):
    """Gaussian error linear unit: ``gelu(x) = x * P(X <= x)`` with ``X ~ N(0, 1)``.

    Exact form (the default, as ``keras.activations.gelu``):
    ``gelu(x) = 0.5 * x * (1 + erf(x / sqrt(2))) = 0.5 * x * erfc(-x / sqrt(2))``.

    With ``approximate=True``:
    ``0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x**3)))``.
    (``keras.ops.gelu`` defaults to the approximation; the activation does not.)

    Args:
        x: Input array.
        approximate: Whether to use the tanh approximation.

    Reference: Hendrycks & Gimpel, "Gaussian Error Linear Units (GELUs)", 2016,
    https://arxiv.org/abs/1606.08415

    >>> gelu(np.array([-1.0, 0.0, 1.0])).round(4)
    array([-0.1587,  0.    ,  0.8413])
    """
    if not isinstance(approximate, (bool, np.bool_)):
        raise TypeError(f"gelu's approximate must be True or False, but got {approximate!r}.")
    if approximate:
        return 0.5 * x * (1 + np.tanh(_gelu_tanh_argument(x)))
    # erfc(-x/sqrt 2) rather than 1 + erf(x/sqrt 2): no cancellation for negative x.
    return 0.5 * x * _erfc(-x * x.dtype.type(_INV_SQRT2))


def _gelu_tanh_argument(x):
    # tanh is exactly +-1 (in float64 too) once |x| > 20; clipping there changes no value and
    # keeps x**3 from overflowing for huge float32 inputs.
    xc = np.clip(x, -20, 20)
    return _SQRT_2_OVER_PI * (xc + _GELU_CUBIC * xc**3)


@_derivative_of(gelu)
def _gelu_derivative(x, approximate=False):
    """Exact: ``Phi(x) + x * phi(x)`` (normal CDF plus x times the normal density).

    Approximate: ``0.5 * (1 + t) + 0.5 * x * (1 - t**2) * sqrt(2/pi) * (1 + 3 * 0.044715 * x**2)``
    with ``t = tanh(sqrt(2/pi) * (x + 0.044715 * x**3))``. Smooth everywhere; the largest slope
    of the exact form is 1.1289 at ``x = sqrt(2)``.
    """
    if approximate:
        t = np.tanh(_gelu_tanh_argument(x))
        xc = np.clip(x, -20, 20)  # beyond 20, 1 - t**2 is exactly 0
        dinner = _SQRT_2_OVER_PI * (1 + 3 * _GELU_CUBIC * xc * xc)
        return 0.5 * (1 + t) + 0.5 * xc * (1 - t * t) * dinner
    cdf = 0.5 * _erfc(-x * x.dtype.type(_INV_SQRT2))
    # The density underflows to 0 long before |x| = 40; clipping avoids overflowing x*x.
    xc = np.clip(x, -40, 40)
    return cdf + xc * (_INV_SQRT_2PI * np.exp(-0.5 * xc * xc))


@_activation("swish")
def silu(x):
    """Sigmoid-weighted linear unit (also called swish): ``silu(x) = x * sigmoid(x)``.

    Smooth and non-monotonic: it dips to -0.2785 at x = -1.2785 before rising like ``x``.

    Args:
        x: Input array.

    Reference: Elfwing, Uchibe & Doya, "Sigmoid-Weighted Linear Units for Neural Network Function
    Approximation in Reinforcement Learning", 2017, https://arxiv.org/abs/1702.03118;
    Ramachandran, Zoph & Le, "Searching for Activation Functions", 2017,
    https://arxiv.org/abs/1710.05941

    >>> silu(np.array([-1.0, 0.0, 1.0])).round(4)
    array([-0.2689,  0.    ,  0.7311])
    """
    return x * sigmoid(x)


@_derivative_of(silu)
def _silu_derivative(x):
    """``s * (1 + x * (1 - s))`` with ``s = sigmoid(x)``; at most 1.0998 (at x = 2.3994)."""
    s = sigmoid(x)
    return s * (1 + x * (1 - s))


swish = silu  # Keras's alias: the same function object


@_activation()
def mish(x):
    """Mish: ``mish(x) = x * tanh(softplus(x))``.

    Smooth and non-monotonic, like silu; its minimum is -0.3088 at x = -1.1924.

    Args:
        x: Input array.

    Reference: Misra, "Mish: A Self Regularized Non-Monotonic Activation Function", 2019,
    https://arxiv.org/abs/1908.08681

    >>> mish(np.array([-1.0, 0.0, 1.0])).round(4)
    array([-0.3034,  0.    ,  0.8651])
    """
    return x * np.tanh(softplus(x))


@_derivative_of(mish)
def _mish_derivative(x):
    """``t + x * (1 - t**2) * sigmoid(x)`` with ``t = tanh(softplus(x))``; at most 1.0885."""
    t = np.tanh(softplus(x))
    return t + x * (1 - t * t) * sigmoid(x)


@_activation()
def softplus(x):
    """Softplus, a smooth ReLU: ``softplus(x) = log(1 + exp(x))``.

    Computed as ``max(x, 0) + log1p(exp(-|x|))``: the same value, but ``exp`` only ever sees
    non-positive numbers, so ``softplus(1000)`` is 1000 instead of an overflow.

    Args:
        x: Input array.

    Reference: Dugas, Bengio, Belisle, Nadeau & Garcia, "Incorporating Second-Order Functional
    Knowledge for Better Option Pricing", NeurIPS 2000.

    >>> softplus(np.array([-1000.0, 0.0, 1000.0])).round(4).tolist()
    [0.0, 0.6931, 1000.0]
    """
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


@_derivative_of(softplus)
def _softplus_derivative(x):
    """``sigmoid(x)``: between 0 and 1, never reaching either."""
    return sigmoid(x)


@_activation()
def squareplus(x, b=4):
    """Squareplus, an algebraic smooth ReLU: ``squareplus(x) = (x + sqrt(x**2 + b)) / 2``.

    For negative ``x`` we use the equal form ``b / (2 * (sqrt(x**2 + b) - x))``, which avoids
    the cancellation of ``x + sqrt(x**2 + b)``; ``hypot`` avoids overflowing ``x**2``.

    Args:
        x: Input array.
        b: Smoothness (>= 0); ``b = 0`` gives the ReLU.

    Reference: Barron, "Squareplus: A Softplus-Like Algebraic Rectifier", 2021,
    https://arxiv.org/abs/2112.11687

    >>> squareplus(np.array([-2.0, 0.0, 2.0])).round(4)
    array([0.4142, 1.    , 2.4142])
    """
    b = _squareplus_b(x, b)
    root = np.hypot(x, np.sqrt(b))
    with np.errstate(divide="ignore", invalid="ignore"):  # b = 0 and x <= 0: branch unused
        negative = b / (2 * (root - x))
    return np.where(x >= 0, (x + root) / 2, np.where(b == 0, 0, negative))


def _squareplus_b(x, b):
    b = _number(b, "b", "squareplus", x.dtype)
    if b < 0:
        raise ValueError(f"squareplus's b must be >= 0 (it is under a square root), got {b!r}.")
    return b


@_derivative_of(squareplus)
def _squareplus_derivative(x, b=4):
    """``(1 + x / sqrt(x**2 + b)) / 2``; strictly between 0 and 1 when ``b > 0``."""
    b = _squareplus_b(x, b)
    root = np.hypot(x, np.sqrt(b))
    with np.errstate(divide="ignore", invalid="ignore"):  # b = 0 at x = 0: 0/0
        ratio = np.where(root > 0, x / root, 0)
    return (1 + ratio) / 2


@_activation()
def sparse_plus(x):
    """SparsePlus: 0 for ``x <= -1``, ``(x + 1)**2 / 4`` for ``-1 < x < 1``, ``x`` for ``x >= 1``.

    A softplus-like curve that is exactly 0 on the left, so outputs can be sparse.

    Args:
        x: Input array.

    Reference: Blondel, Martins & Niculae, "Learning with Fenchel-Young Losses", JMLR 2020,
    https://arxiv.org/abs/1901.02324

    >>> sparse_plus(np.array([-2.0, 0.0, 2.0]))
    array([0.  , 0.25, 2.  ])
    """
    return np.where(x <= -1, 0, np.where(x < 1, 0.25 * (x + 1) ** 2, x))


@_derivative_of(sparse_plus)
def _sparse_plus_derivative(x):
    """0 for x <= -1, ``(x + 1) / 2`` for -1 < x < 1, 1 for x >= 1 (continuous)."""
    return np.where(x <= -1, 0, np.where(x < 1, 0.5 * (x + 1), 1))


# ---------------------------------------------------------------------------------------------
# Sigmoid family
# ---------------------------------------------------------------------------------------------


@_activation()
def sigmoid(x):
    """Logistic sigmoid: ``sigmoid(x) = 1 / (1 + exp(-x))``, between 0 and 1.

    Computed with ``e = exp(-|x|)`` as ``1 / (1 + e)`` for ``x >= 0`` and ``e / (1 + e)`` for
    ``x < 0``: the same values, but ``exp`` never overflows, so ``sigmoid(-1000)`` is exactly 0
    without a warning.

    Args:
        x: Input array.

    >>> sigmoid(np.array([-1000.0, 0.0, 2.0])).round(4)
    array([0.    , 0.5   , 0.8808])
    """
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


@_derivative_of(sigmoid)
def _sigmoid_derivative(x):
    """``sigmoid(x) * (1 - sigmoid(x))``: at most 0.25 (at 0), the root of vanishing gradients."""
    s = sigmoid(x)
    return s * (1 - s)


@_activation()
def hard_sigmoid(x):
    """Piecewise-linear sigmoid (Keras 3): ``hard_sigmoid(x) = relu6(x + 3) / 6``.

    0 for ``x <= -3``, 1 for ``x >= 3``, ``x / 6 + 0.5`` in between. (Keras 2 used
    ``0.2 * x + 0.5`` clipped to [0, 1].)

    Args:
        x: Input array.

    Reference: Howard et al., "Searching for MobileNetV3", ICCV 2019,
    https://arxiv.org/abs/1905.02244

    >>> hard_sigmoid(np.array([-4.0, 0.0, 1.5, 4.0]))
    array([0.  , 0.5 , 0.75, 1.  ])
    """
    return np.clip(x + 3, 0, 6) / 6


@_derivative_of(hard_sigmoid)
def _hard_sigmoid_derivative(x):
    """1/6 for -3 < x < 3, else 0; TensorFlow's value at the kinks -3 and 3 is 0."""
    z = x + 3  # tested on x + 3, like relu6(x + 3), so the kinks fall where TensorFlow's do
    return ((z > 0) & (z < 6)) / x.dtype.type(6)


@_activation()
def sparse_sigmoid(x):
    """Sparse sigmoid: 0 for ``x <= -1``, ``(x + 1) / 2`` for ``-1 < x < 1``, 1 for ``x >= 1``.

    Args:
        x: Input array.

    Reference: Blondel, Martins & Niculae, "Learning with Fenchel-Young Losses", JMLR 2020,
    https://arxiv.org/abs/1901.02324

    >>> sparse_sigmoid(np.array([-2.0, 0.0, 0.5, 2.0]))
    array([0.  , 0.5 , 0.75, 1.  ])
    """
    return np.where(x <= -1, 0, np.where(x >= 1, 1, 0.5 * (x + 1)))


@_derivative_of(sparse_sigmoid)
def _sparse_sigmoid_derivative(x):
    """1/2 for -1 < x < 1, else 0 (TensorFlow's value at -1 and 1 is 0)."""
    return np.where((x > -1) & (x < 1), 0.5, 0)


@_activation()
def log_sigmoid(x):
    """Logarithm of the sigmoid: ``log_sigmoid(x) = log(1 / (1 + exp(-x))) = -softplus(-x)``.

    Computed as ``min(x, 0) - log1p(exp(-|x|))``, finite for every finite input (taking the log
    of ``sigmoid(-1000) = 0`` would give ``-inf``).

    Args:
        x: Input array.

    >>> log_sigmoid(np.array([-1000.0, 0.0])).round(4).tolist()
    [-1000.0, -0.6931]
    """
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


@_derivative_of(log_sigmoid)
def _log_sigmoid_derivative(x):
    """``sigmoid(-x) = 1 - sigmoid(x)``, between 0 and 1."""
    return sigmoid(-x)


# ---------------------------------------------------------------------------------------------
# Tanh family and shrinkage functions
# ---------------------------------------------------------------------------------------------


@_activation()
def tanh(x):
    """Hyperbolic tangent: ``tanh(x) = (exp(x) - exp(-x)) / (exp(x) + exp(-x))``, in (-1, 1).

    A sigmoid rescaled to be zero-centred: ``tanh(x) = 2 * sigmoid(2 * x) - 1``.

    Args:
        x: Input array.

    Reference: LeCun, Bottou, Orr & Mueller, "Efficient BackProp", 1998.

    >>> tanh(np.array([-1.0, 0.0, 1.0])).round(4)
    array([-0.7616,  0.    ,  0.7616])
    """
    return np.tanh(x)


@_derivative_of(tanh)
def _tanh_derivative(x):
    """``1 - tanh(x)**2``: at most 1 (at 0), vanishing for large ``|x|``."""
    t = np.tanh(x)
    return 1 - t * t


@_activation()
def hard_tanh(x):
    """Piecewise-linear tanh: ``hard_tanh(x) = clip(x, -1, 1)``.

    Args:
        x: Input array.

    >>> hard_tanh(np.array([-2.0, 0.5, 2.0]))
    array([-1. ,  0.5,  1. ])
    """
    return np.clip(x, -1, 1)


@_derivative_of(hard_tanh)
def _hard_tanh_derivative(x):
    """1 for -1 <= x <= 1, else 0: TensorFlow's clip passes the gradient at both ends."""
    return (x >= -1) & (x <= 1)


@_activation()
def softsign(x):
    """Softsign: ``softsign(x) = x / (1 + |x|)``, in (-1, 1).

    Like tanh, but it approaches its limits polynomially rather than exponentially.

    Args:
        x: Input array.

    Reference: Bergstra, Desjardins, Lamblin & Bengio, "Quadratic Polynomials Learn Better Image
    Features", 2009; Glorot & Bengio, "Understanding the Difficulty of Training Deep Feedforward
    Neural Networks", AISTATS 2010.

    >>> softsign(np.array([-3.0, 0.0, 1.0]))
    array([-0.75,  0.  ,  0.5 ])
    """
    return x / (1 + np.abs(x))


@_derivative_of(softsign)
def _softsign_derivative(x):
    """``1 / (1 + |x|)**2``; squaring the reciprocal avoids overflowing ``(1 + |x|)**2``."""
    r = 1 / (1 + np.abs(x))
    return r * r


@_activation()
def tanh_shrink(x):
    """Tanh shrink: ``tanh_shrink(x) = x - tanh(x)``.

    Close to 0 near the origin (like ``x**3 / 3``) and to ``x -+ 1`` far from it.

    Args:
        x: Input array.

    >>> tanh_shrink(np.array([-2.0, 0.0, 2.0])).round(4)
    array([-1.036,  0.   ,  1.036])
    """
    return x - np.tanh(x)


@_derivative_of(tanh_shrink)
def _tanh_shrink_derivative(x):
    """``tanh(x)**2`` (that is, ``1 - (1 - tanh(x)**2)`` without the cancellation)."""
    t = np.tanh(x)
    return t * t


@_activation()
def soft_shrink(x, threshold=0.5):
    """Soft shrinkage: ``x - threshold`` above ``threshold``, ``x + threshold`` below
    ``-threshold``, 0 in between.

    Args:
        x: Input array.
        threshold: Half-width of the band set to zero.

    Reference: Donoho, "De-noising by Soft-Thresholding", IEEE Trans. Inf. Theory, 1995.

    >>> soft_shrink(np.array([-2.0, 0.2, 1.5]))
    array([-1.5,  0. ,  1. ])
    """
    t = _number(threshold, "threshold", "soft_shrink", x.dtype)
    return np.where(x > t, x - t, np.where(x < -t, x + t, 0))


@_derivative_of(soft_shrink)
def _soft_shrink_derivative(x, threshold=0.5):
    """1 for ``|x| > threshold``, else 0 (0 at the kinks, as TensorFlow)."""
    t = _number(threshold, "threshold", "soft_shrink", x.dtype)
    return (x > t) | (x < -t)


@_activation()
def hard_shrink(x, threshold=0.5):
    """Hard shrinkage: ``x`` if ``|x| > threshold``, else 0.

    Args:
        x: Input array.
        threshold: Half-width of the band set to zero.

    >>> hard_shrink(np.array([-2.0, 0.2, 1.5]))
    array([-2. ,  0. ,  1.5])
    """
    t = _number(threshold, "threshold", "hard_shrink", x.dtype)
    return np.where(np.abs(x) > t, x, 0)


@_derivative_of(hard_shrink)
def _hard_shrink_derivative(x, threshold=0.5):
    """1 for ``|x| > threshold``, else 0 (0 at the jumps, as TensorFlow)."""
    t = _number(threshold, "threshold", "hard_shrink", x.dtype)
    return np.abs(x) > t


@_activation()
def threshold(x, threshold, default_value):
    """Threshold: ``x`` if ``x > threshold``, else ``default_value``.

    Both arguments are required, as in Keras.

    Args:
        x: Input array.
        threshold: Inputs at or below it are replaced.
        default_value: The value they are replaced with.

    >>> threshold(np.array([-1.0, 0.5, 2.0]), threshold=0.5, default_value=-9.0)
    array([-9., -9.,  2.])
    """
    t = _number(threshold, "threshold", "threshold", x.dtype)
    v = _number(default_value, "default_value", "threshold", x.dtype)
    return np.where(x > t, x, v)


@_derivative_of(threshold)
def _threshold_derivative(x, threshold, default_value):
    """1 for ``x > threshold``, else 0 (0 at the jump, as TensorFlow)."""
    t = _number(threshold, "threshold", "threshold", x.dtype)
    _number(default_value, "default_value", "threshold", x.dtype)
    return x > t


@_activation()
def exponential(x):
    """Exponential: ``exponential(x) = exp(x)``.

    Overflows to ``inf`` above ~88.7 in float32 and ~709.8 in float64, exactly as Keras does;
    we return that ``inf`` without NumPy's overflow warning.

    Args:
        x: Input array.

    >>> exponential(np.array([0.0, 1.0])).round(4)
    array([1.    , 2.7183])
    """
    with np.errstate(over="ignore"):
        return np.exp(x)


@_derivative_of(exponential)
def _exponential_derivative(x):
    """``exp(x)``, the function itself."""
    with np.errstate(over="ignore"):
        return np.exp(x)


@_activation("hard_swish")
def hard_silu(x):
    """Hard SiLU (hard swish): ``hard_silu(x) = x * hard_sigmoid(x) = x * relu6(x + 3) / 6``.

    0 for ``x <= -3``, ``x`` for ``x >= 3``, ``x * (x + 3) / 6`` in between.

    Args:
        x: Input array.

    Reference: Howard et al., "Searching for MobileNetV3", ICCV 2019,
    https://arxiv.org/abs/1905.02244

    >>> hard_silu(np.array([-4.0, -1.5, 0.0, 4.0]))
    array([-0.   , -0.375,  0.   ,  4.   ])
    """
    return x * hard_sigmoid(x)


@_derivative_of(hard_silu)
def _hard_silu_derivative(x):
    """``hard_sigmoid(x) + x * hard_sigmoid'(x)``: ``(2x + 3) / 6`` on (-3, 3), 0 below, 1 above.

    With TensorFlow's kink convention the value is 0 at -3 and 1 at 3 (left limit 1.5).
    """
    return hard_sigmoid(x) + x * hard_sigmoid.derivative(x)


hard_swish = hard_silu  # Keras's alias: the same function object


# ---------------------------------------------------------------------------------------------
# Functions of whole vectors: softmax, log_softmax, glu
# ---------------------------------------------------------------------------------------------


@_activation(elementwise=False)
def softmax(x, axis=-1):
    """Softmax along ``axis``: ``softmax(x)_i = exp(x_i) / sum_j exp(x_j)``.

    Turns a vector of scores (logits) into probabilities that sum to 1. Subtracting the maximum
    first leaves the result unchanged and keeps ``exp`` from overflowing: ``softmax([1000, 0])``
    is ``[1, 0]``, not ``nan``. ``axis=None`` normalizes over all elements, as Keras.

    Args:
        x: Input array with at least one axis.
        axis: Axis (int) along which the probabilities sum to 1, or None for all elements.

    Reference: Bridle, "Probabilistic Interpretation of Feedforward Classification Network
    Outputs, with Relationships to Statistical Pattern Recognition", 1990.

    >>> softmax(np.array([[1000.0, 0.0], [1.0, 1.0]]))
    array([[1. , 0. ],
           [0.5, 0.5]])
    """
    if x.ndim == 0:
        raise ValueError("softmax needs an input with at least one axis, but got a scalar.")
    axis = _axis(axis, x, "softmax", allow_none=True)
    if x.size == 0:  # an empty batch: an empty result of the same shape, as Keras
        return np.empty_like(x)
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


@_backward_of(softmax)
def _softmax_backward(x, grad_output, axis=-1):
    """Vector-Jacobian product of softmax: ``y * (g - sum(g * y, axis))`` with ``y = softmax(x)``.

    The Jacobian is ``diag(y) - y y^T`` along ``axis``; multiplying by it this way costs O(n)
    instead of building the n-by-n matrix.
    """
    y = softmax(x, axis=axis)
    _check_same_shape(grad_output, y.shape, "softmax")
    axis = _axis(axis, x, "softmax", allow_none=True)
    return y * (grad_output - np.sum(grad_output * y, axis=axis, keepdims=True))


def _check_same_shape(grad_output, shape, name):
    if grad_output.shape != tuple(shape):
        raise ValueError(
            f"{name}.backward expects grad_output with the shape of {name}'s output "
            f"{tuple(shape)}, but got shape {grad_output.shape}."
        )


@_activation(elementwise=False)
def log_softmax(x, axis=-1):
    """Log of the softmax: ``log_softmax(x)_i = x_i - log(sum_j exp(x_j))``.

    Computed as ``(x - max) - log(sum(exp(x - max)))`` (the log-sum-exp trick), so large
    logits give finite values where ``log(softmax(x))`` would give ``log(0) = -inf``.

    Args:
        x: Input array with at least one axis.
        axis: Axis (int) to normalize along, or None for all elements.

    >>> log_softmax(np.array([1000.0, 0.0]))
    array([    0., -1000.])
    """
    if x.ndim == 0:
        raise ValueError("log_softmax needs an input with at least one axis, but got a scalar.")
    axis = _axis(axis, x, "log_softmax", allow_none=True)
    if x.size == 0:  # an empty batch: an empty result of the same shape, as Keras
        return np.empty_like(x)
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


@_backward_of(log_softmax)
def _log_softmax_backward(x, grad_output, axis=-1):
    """Vector-Jacobian product of log_softmax: ``g - softmax(x) * sum(g, axis)``."""
    y = softmax(x, axis=axis)
    _check_same_shape(grad_output, y.shape, "log_softmax")
    axis = _axis(axis, x, "log_softmax", allow_none=True)
    return grad_output - y * np.sum(grad_output, axis=axis, keepdims=True)


@_activation(elementwise=False)
def glu(x, axis=-1):
    """Gated linear unit: ``glu(x) = a * sigmoid(b)``, ``a`` and ``b`` the halves of ``x``.

    The output has half as many entries along ``axis`` as the input.

    Args:
        x: Input array whose length along ``axis`` is even.
        axis: Axis (int) to split.

    Reference: Dauphin, Fan, Auli & Grangier, "Language Modeling with Gated Convolutional
    Networks", ICML 2017, https://arxiv.org/abs/1612.08083

    >>> glu(np.array([2.0, -4.0, 0.0, 1000.0]))
    array([ 1., -4.])
    """
    a, b = _glu_halves(x, axis)
    return a * sigmoid(b)


def _glu_halves(x, axis):
    if x.ndim == 0:
        raise ValueError("glu needs an input with at least one axis, but got a scalar.")
    axis = _axis(axis, x, "glu")
    if x.shape[axis] % 2:
        raise ValueError(
            f"glu splits its input into two halves along axis {axis}, so that axis needs an even "
            f"length, but the input has shape {x.shape}."
        )
    return np.split(x, 2, axis=axis)


@_backward_of(glu)
def _glu_backward(x, grad_output, axis=-1):
    """Gradient of ``a * sigmoid(b)``: ``g * sigmoid(b)`` for ``a`` and ``g * a * s * (1 - s)``
    for ``b``, put back together along ``axis``."""
    a, b = _glu_halves(x, axis)
    _check_same_shape(grad_output, a.shape, "glu")
    s = sigmoid(b)
    return np.concatenate([grad_output * s, grad_output * a * s * (1 - s)], axis=axis)


# ---------------------------------------------------------------------------------------------
# Looking functions up, and wrapping a learner's own
# ---------------------------------------------------------------------------------------------


def names():
    """Sorted list of the registered names, aliases (``swish``, ``hard_swish``) included."""
    return sorted(ALL)


def get(identifier):
    """Turn a name, a function or ``None`` into an activation (like ``keras.activations.get``).

    - a name such as ``"relu"``: the registered function (aliases ``"swish"`` and
      ``"hard_swish"`` included);
    - ``None``: ``linear`` (what ``Dense`` uses without an activation);
    - a companion activation, or any callable with a ``backward``: itself;
    - a Keras activation function (``keras.activations.relu``): the companion's namesake;
    - any other callable: wrapped by ``custom`` (its derivative by centred differences).

    >>> get("relu") is relu, get(None) is linear
    (True, True)
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        if identifier in ALL:
            return ALL[identifier]
        close = difflib.get_close_matches(identifier.lower(), names(), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(
            f"Unknown activation {identifier!r}.{hint} Valid names: {', '.join(names())}."
        )
    if callable(identifier):
        if callable(getattr(identifier, "backward", None)):
            return identifier
        name = getattr(identifier, "__name__", None)
        if str(getattr(identifier, "__module__", "")).startswith("keras") and name in ALL:
            return ALL[name]
        return custom(identifier)
    raise TypeError(
        "An activation must be given as a name (str), a function or None, but got "
        f"{type(identifier).__name__}: {identifier!r}."
    )


def serialize(activation):
    """The Keras name of a registered activation (``serialize(swish) == "silu"``), for Keras."""
    name = getattr(activation, "__name__", None)
    if ALL.get(name) is activation:
        return name
    raise ValueError(
        f"{activation!r} is not a registered activation, so it has no Keras name. Pass Keras "
        f"the function itself, or one of: {', '.join(names())}."
    )


def custom(fn, derivative=None, name=None):
    """Make a learner's elementwise function ``fn(x)`` usable as an activation (in ``Dense``).

    The result ``f`` calls ``fn`` on a float array and checks that the output has the input's
    shape; it gets ``f.derivative`` and ``f.backward`` like the built-in activations.

    - With ``derivative`` (a function of ``x``), ``f.derivative`` calls it.
    - Without, the derivative is estimated by centred differences,
      ``(fn(x + h) - fn(x - h)) / (2h)`` with ``h = eps**(1/3) * max(1, |x|)`` (about
      ``6e-6 * max(1, |x|)``), computed in float64. That is accurate to about 1e-10 for smooth
      functions but meaningless within ``h`` of a kink, and it assumes ``fn`` is elementwise
      (every element is nudged at once).

    Args:
        fn: A function from an array to an array of the same shape.
        derivative: Optional function ``x -> dfn/dx`` (elementwise).
        name: The name to show (default: ``fn.__name__``).

    >>> f = custom(lambda x: x * sigmoid(x), name="my_swish")
    >>> bool(np.allclose(f.derivative(np.array([0.0, 2.0])), silu.derivative(np.array([0.0, 2.0]))))
    True
    """
    if not callable(fn):
        raise TypeError(f"custom() needs a function of x, but got {type(fn).__name__}: {fn!r}.")
    if derivative is not None and not callable(derivative):
        raise TypeError(
            f"custom()'s derivative must be a function of x or None, but got "
            f"{type(derivative).__name__}: {derivative!r}."
        )
    label = name or getattr(fn, "__name__", None) or "custom"
    if label == "<lambda>":
        label = "custom"

    def call(x):
        x = as_float_array(x, name=f"the input of {label}")
        return _same_shape_output(fn(x), x, label, "returned")

    def numerical_derivative(x):
        x = as_float_array(x, name=f"the input of {label}.derivative")
        x64 = x.astype(np.float64)
        h = np.finfo(np.float64).eps ** (1 / 3) * np.maximum(1.0, np.abs(x64))
        up, down = x64 + h, x64 - h
        f_up = _same_shape_output(fn(up), up, label, "returned", np.float64)
        f_down = _same_shape_output(fn(down), down, label, "returned", np.float64)
        # Divide by the step actually taken: up - down is exact, 2 * h may not be.
        return ((f_up - f_down) / (up - down)).astype(x.dtype)

    def given_derivative(x):
        x = as_float_array(x, name=f"the input of {label}.derivative")
        return _same_shape_output(derivative(x), x, f"the derivative of {label}", "returned")

    def backward(x, grad_output):
        x = as_float_array(x, name=f"the input of {label}.backward")
        grad_output = _grad_output(grad_output, x.shape, x.dtype, label)
        return grad_output * call.derivative(x)

    call.__name__ = call.__qualname__ = label
    call.__wrapped__ = fn
    call.elementwise = True
    call.aliases = ()
    call.derivative = given_derivative if derivative is not None else numerical_derivative
    call.backward = backward
    how = (
        "its derivative is the given function"
        if derivative is not None
        else "its derivative is estimated by centred differences (float64, h = 6e-6 * max(1, |x|)),"
        " accurate for smooth elementwise functions, not within h of a kink"
    )
    call.__doc__ = f"Custom activation {label!r}: {how}.\n\n{fn.__doc__ or ''}".rstrip()
    return call


def _same_shape_output(y, x, label, verb, dtype=None):
    if y is None:
        raise ValueError(f"{label} returned None for an input of shape {x.shape}; missing return?")
    y = as_float_array(y, name=f"what {label} {verb}")
    if y.shape != x.shape:
        raise ValueError(
            f"An activation must return an array of its input's shape (it acts elementwise), but "
            f"{label} {verb} shape {y.shape} for an input of shape {x.shape}."
        )
    return y.astype(dtype or x.dtype, copy=False)


# ---------------------------------------------------------------------------------------------
# Properties for the notebook's comparison table
# ---------------------------------------------------------------------------------------------


def _props(range_, zero_centred, monotonic, saturating, max_derivative, cost):
    return dict(
        range=range_,
        zero_centred=zero_centred,
        monotonic=monotonic,
        saturating=saturating,
        max_derivative=max_derivative,
        cost=cost,
    )


PROPERTIES = {
    "linear": _props("(-inf, inf)", True, True, False, 1.0, "free"),
    "relu": _props("[0, inf)", False, True, "left", 1.0, "cheap"),
    "relu6": _props("[0, 6]", False, True, "both", 1.0, "cheap"),
    "leaky_relu": _props("(-inf, inf)", False, True, False, 1.0, "cheap"),
    "elu": _props("(-1, inf)", False, True, "left", 1.0, "exp"),
    "selu": _props("(-1.7581, inf)", True, True, "left", _SELU_SCALE_ALPHA, "exp"),
    "celu": _props("(-1, inf)", False, True, "left", 1.0, "exp"),
    "gelu": _props("[-0.16997, inf)", False, False, "left", 1.1289041451851545, "erf"),
    "silu": _props("[-0.27846, inf)", False, False, "left", 1.0998393201288668, "exp"),
    "mish": _props("[-0.30884, inf)", False, False, "left", 1.0884981612517277, "exp+log"),
    "softplus": _props("(0, inf)", False, True, "left", 1.0, "exp+log"),
    "squareplus": _props("(0, inf)", False, True, "left", 1.0, "sqrt"),
    "sparse_plus": _props("[0, inf)", False, True, "left", 1.0, "cheap"),
    "sigmoid": _props("(0, 1)", False, True, "both", 0.25, "exp"),
    "hard_sigmoid": _props("[0, 1]", False, True, "both", 1 / 6, "cheap"),
    "sparse_sigmoid": _props("[0, 1]", False, True, "both", 0.5, "cheap"),
    "log_sigmoid": _props("(-inf, 0)", False, True, "right", 1.0, "exp+log"),
    "tanh": _props("(-1, 1)", True, True, "both", 1.0, "exp"),
    "hard_tanh": _props("[-1, 1]", True, True, "both", 1.0, "cheap"),
    "softsign": _props("(-1, 1)", True, True, "both", 1.0, "cheap"),
    "tanh_shrink": _props("(-inf, inf)", True, True, False, 1.0, "exp"),
    "soft_shrink": _props("(-inf, inf)", True, True, False, 1.0, "cheap"),
    "hard_shrink": _props("(-inf, inf)", True, True, False, 1.0, "cheap"),
    "exponential": _props("(0, inf)", False, True, "left", math.inf, "exp"),
    "hard_silu": _props("[-0.375, inf)", False, False, "left", 1.5, "cheap"),
    "softmax": _props("(0, 1), sums to 1", False, True, "when one logit dominates", None, "exp"),
    "log_softmax": _props("(-inf, 0)", False, True, "when one logit dominates", None, "exp+log"),
    "glu": _props("(-inf, inf)", True, False, "when the gate saturates", None, "exp"),
}
"""Properties of each activation with its default arguments, for the notebook's table.

- ``range``: the set of output values, in interval notation (rounded where irrational);
- ``zero_centred``: whether ``|E[f(Z)]| < 0.1`` for ``Z ~ N(0, 1)`` (independent entries for
  the vector ones), i.e. whether a layer fed standardized inputs produces outputs that average
  near zero (tanh yes, elu no at 0.16, selu yes by design);
- ``monotonic``: non-decreasing (for softmax/log_softmax: in its own logit);
- ``saturating``: where the derivative tends to 0: ``"left"`` (x -> -inf), ``"right"``,
  ``"both"`` or ``False``;
- ``max_derivative``: the supremum of ``f'`` over the real line (``inf`` if unbounded, ``None``
  where there is no elementwise derivative); for selu, hard_silu, softplus and a few others it
  is a limit rather than a value taken;
- ``cost``: the most expensive operation per element: ``"free"``, ``"cheap"`` (comparisons and
  arithmetic), ``"sqrt"``, ``"exp"``, ``"exp+log"``, ``"erf"``.

``threshold`` is left out: it has no default arguments, so no single shape.
"""

__all__ = ["ALL", "PROPERTIES", "custom", "get", "names", "serialize", *ALL]
