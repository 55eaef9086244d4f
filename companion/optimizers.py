"""Optimizers: SGD (with momentum and Nesterov), RMSprop and Adam, with Keras 3's update rules.

An optimizer turns gradients into weight updates. Each one here updates NumPy arrays *in
place*, exactly as ``keras.optimizers.*`` updates its variables:

    opt = SGD(learning_rate=0.1)
    opt.apply(grads, variables)          # or opt.apply_gradients(zip(grads, variables))

The update rules follow ``keras/src/optimizers/{sgd,rmsprop,adam}.py`` operation for
operation, so that a float64 run agrees with Keras to rounding. Two Keras details matter when
comparing numbers:

- Keras stores the learning rate in a ``floatx`` (float32) variable, and its SGD momentum and
  Adam's bias-correction betas go through float32 (momentum 0.9 acts as 0.899999976). This
  module uses the hyperparameters exactly as given, so float64 runs agree with Keras to
  ~1e-15 when the hyperparameters are float32-representable (0.5, 0.875, 0.9990234375) and to
  ~1e-7..1e-5 relative otherwise.
- Gradient clipping happens before the update step, in this order of precedence: ``clipnorm``
  (each gradient on its own), ``global_clipnorm`` (all gradients together), ``clipvalue``;
  Keras allows only one of them.

Each update rule is written twice: as a formula in the docstring and comments, and as NumPy
calls with ``out=`` that compute the same operations in the same order into arrays allocated
once (the slots and a scratch buffer per shape). A float32 variable is updated in float32
throughout, as Keras does, and a float64 one in float64.
"""

import numbers

import numpy as np

from companion.utils import MIRROR_KERAS, check_bool

__all__ = ["Optimizer", "SGD", "RMSprop", "Adam", "get", "names"]


def _check_float(value, name, low=None, high=None, low_open=False, high_open=False):
    """Return ``value`` as a Python float, or raise ``ValueError`` naming the allowed range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"`{name}` must be a real number, but got {value!r}.")
    value = float(value)
    lo = "(" if low_open else "["
    hi = ")" if high_open else "]"
    bounds = f"{lo}{'-inf' if low is None else low}, {'inf' if high is None else high}{hi}"
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if not np.isfinite(value) or too_low or too_high:
        raise ValueError(f"`{name}` must be in {bounds}, but got {value!r}.")
    return value


class Optimizer:
    """Base class: gradient clipping, per-variable state (slots) and the iteration counter.

    Subclasses implement ``update_step(gradient, variable, slots)``, which changes
    ``variable`` in place, and ``_slot_names()`` (the state arrays each variable needs,
    created as zeros of the variable's shape and dtype on the first update).
    """

    def __init__(
        self,
        learning_rate,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        name=None,
    ):
        set_args = [
            (k, v)
            for k, v in (
                ("clipnorm", clipnorm),
                ("clipvalue", clipvalue),
                ("global_clipnorm", global_clipnorm),
            )
            if v is not None
        ]
        if len(set_args) > 1:
            got = ", ".join(f"{k}={v}" for k, v in set_args)
            raise ValueError(
                f"Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set "
                f"(as in Keras), but got {got}."
            )
        for key, value in set_args:
            _check_float(value, key, low=0.0, low_open=True)
        self.learning_rate = learning_rate
        self.clipnorm = None if clipnorm is None else float(clipnorm)
        self.clipvalue = None if clipvalue is None else float(clipvalue)
        self.global_clipnorm = None if global_clipnorm is None else float(global_clipnorm)
        self.name = name or type(self).__name__.lower()
        self.iterations = 0
        # id(variable) -> (variable, {slot name: array}); keeping the variable itself makes
        # the id stable (an array that is still referenced cannot have its id reused).
        self._slots = {}
        # (shape, dtype) -> scratch arrays for the update's intermediate results, so that a
        # step allocates nothing; variables of one shape share them (updates run one by one).
        self._scratch = {}

    @property
    def learning_rate(self):
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self._learning_rate = _check_float(value, "learning_rate", low=0.0)

    # --- state -----------------------------------------------------------------------------
    def _slot_names(self):
        return ()

    def get_slots(self, variable):
        """The state arrays (e.g. ``{"momentum": ...}``) kept for ``variable``."""
        entry = self._slots.get(id(variable))
        if entry is None or entry[0] is not variable:
            entry = (variable, {n: np.zeros_like(variable) for n in self._slot_names()})
            self._slots[id(variable)] = entry
        return entry[1]

    def _buffers(self, variable, count):
        """``count`` scratch arrays shaped like ``variable``, reused from step to step."""
        key = (variable.shape, variable.dtype)
        buffers = self._scratch.get(key, ())
        if len(buffers) < count:
            buffers = tuple(np.empty_like(variable) for _ in range(count))
            self._scratch[key] = buffers
        return buffers

    # --- clipping (keras/src/optimizers/base_optimizer.py, `_clip_gradients`) -------------
    def _clip_gradients(self, grads):
        if self.clipnorm is not None:
            return [self._clip_by_norm(g, self.clipnorm) for g in grads]
        if self.global_clipnorm is not None:
            return self._clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue is not None:
            return [np.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    @staticmethod
    def _clip_scale(grads, clip_norm):
        """The factor c / ||grads|| that brings the L2 norm of all ``grads`` down to c (1 when
        the norm is already <= c), computed without overflow or underflow.

        sum(g**2) overflows float32 once |g| passes ~1e19 (float64: ~1e154), which TensorFlow's
        formula turns into a zero or NaN update. With m the largest |g|, the norm is m * r,
        r = sqrt(sum((g / m)**2)) in [1, sqrt(size)]: no square exceeds 1, and the factor
        (c / m) / r never forms the norm itself (which may exceed the largest float).
        NaN or inf in a gradient gives NaN (a diverged step shows up as NaN, as in Keras).
        """
        m = max((float(np.max(np.abs(g))) if g.size else 0.0) for g in grads)
        if m == 0.0:
            return 1.0
        if not np.isfinite(m):
            return float("nan")
        r = np.sqrt(sum(float(np.sum(np.square(g.astype(np.float64) / m))) for g in grads))
        scale = (clip_norm / m) / r
        return min(scale, 1.0)

    @classmethod
    def _clip_by_norm(cls, g, clip_norm):
        # TensorFlow's tf.clip_by_norm: g * c / max(||g||, c); a zero gradient stays zero.
        scale = cls._clip_scale([g], clip_norm)
        return g if scale == 1.0 else (g * scale).astype(g.dtype, copy=False)

    @classmethod
    def _clip_by_global_norm(cls, grads, clip_norm):
        # scale = c * min(1/norm, 1/c): 1 when the global norm is <= c; NaN when the norm is
        # not finite (as Keras, which adds (norm - norm)), so a diverged step shows up as NaN.
        scale = cls._clip_scale(grads, clip_norm)
        return grads if scale == 1.0 else [(g * scale).astype(g.dtype, copy=False) for g in grads]

    # --- applying ----------------------------------------------------------------------------
    def apply(self, grads, variables):
        """Update each array in ``variables`` in place using the matching gradient.

        Gradients are clipped first (if asked), then ``update_step`` runs for each variable,
        then ``iterations`` grows by one, as in Keras.
        """
        grads = list(grads)
        variables = list(variables)
        if len(grads) != len(variables):
            raise ValueError(
                f"{type(self).__name__}.apply expects one gradient per variable, but got "
                f"{len(grads)} gradient(s) for {len(variables)} variable(s)."
            )
        checked = []
        for i, (g, v) in enumerate(zip(grads, variables)):
            if g is None:
                raise ValueError(
                    f"Gradient {i} is None: there is no gradient for variable {i} (of shape "
                    f"{getattr(v, 'shape', '?')}). Leave that variable out of apply(), or pass "
                    "np.zeros_like(variable) if it should stay as it is."
                )
            if not isinstance(v, np.ndarray) or not np.issubdtype(v.dtype, np.floating):
                raise TypeError(
                    f"Variable {i} must be a floating NumPy array (it is updated in place), "
                    f"but got {type(v).__name__}"
                    + (f" of dtype {v.dtype}." if isinstance(v, np.ndarray) else ".")
                )
            if isinstance(g, (str, bytes)):
                raise TypeError(f"Gradient {i} must be an array of numbers, but got {g!r}.")
            try:
                g = np.asarray(g)
            except ValueError:  # a ragged list
                raise TypeError(
                    f"Gradient {i} must be an array of numbers (not a ragged list)."
                ) from None
            if (
                g.dtype == object
                or np.iscomplexobj(g)
                or not (np.issubdtype(g.dtype, np.number) or np.issubdtype(g.dtype, np.bool_))
            ):
                raise TypeError(
                    f"Gradient {i} must be an array of numbers, but got dtype {g.dtype}."
                )
            if g.shape != v.shape:
                raise ValueError(
                    f"Gradient {i} has shape {g.shape} but its variable has shape {v.shape}; "
                    "each gradient must have its variable's shape."
                )
            checked.append(g.astype(v.dtype, copy=False))
        if not checked:
            return self.iterations
        # A gradient whose square overflows (|g| > 1e154 in float64, 1e19 in float32) makes
        # inf or NaN as in Keras, silently: clipnorm/global_clipnorm is the remedy.
        with np.errstate(**MIRROR_KERAS):
            for g, v in zip(self._clip_gradients(checked), variables):
                self.update_step(g, v, self.get_slots(v))
        self.iterations += 1
        return self.iterations

    def apply_gradients(self, grads_and_vars):
        """Keras's older spelling: ``opt.apply_gradients(zip(grads, variables))``."""
        pairs = list(grads_and_vars)
        if not pairs:
            return self.iterations
        grads, variables = zip(*pairs)
        return self.apply(grads, variables)

    def update_step(self, gradient, variable, slots):
        raise NotImplementedError

    def get_config(self):
        return {
            "name": self.name,
            "learning_rate": self.learning_rate,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
        }

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum or Nesterov momentum.

    Plain:     w = w - learning_rate * g
    Momentum:  m = momentum * m - learning_rate * g;  w = w + m
    Nesterov:  m = momentum * m - learning_rate * g;  w = w + momentum * m - learning_rate * g

    (Keras 3's form: the velocity ``m`` already contains the learning rate.)

    Example:
        >>> w = np.array([1.0, 2.0])
        >>> SGD(learning_rate=0.5).apply([np.array([1.0, -2.0])], [w])
        1
        >>> w
        array([0.5, 3. ])
    """

    def __init__(
        self,
        learning_rate=0.01,
        momentum=0.0,
        nesterov=False,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        name=None,
    ):
        super().__init__(learning_rate, clipnorm, clipvalue, global_clipnorm, name)
        self.momentum = _check_float(momentum, "momentum", 0.0, 1.0)
        self.nesterov = check_bool(nesterov, "nesterov")

    def _slot_names(self):
        return ("momentum",) if self.momentum != 0 else ()

    def update_step(self, gradient, variable, slots):
        lr_g, step = self._buffers(variable, 2)
        np.multiply(gradient, self.learning_rate, out=lr_g)  # lr * g
        if self.momentum != 0:
            m = slots["momentum"]
            m *= self.momentum  # m = momentum * m - lr * g
            m -= lr_g
            if self.nesterov:
                np.multiply(m, self.momentum, out=step)  # w += momentum * m - lr * g
                step -= lr_g
                variable += step
            else:
                variable += m
        else:
            variable -= lr_g

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class RMSprop(Optimizer):
    """RMSprop: divide each step by a running root-mean-square of the gradients.

    v = rho * v + (1 - rho) * g**2
    centered:  a = rho * a + (1 - rho) * g;  denominator = v - a**2 + epsilon
    otherwise: denominator = v + epsilon        (epsilon inside the square root, as Keras)
    step = learning_rate * g / sqrt(denominator)
    momentum > 0:  mom = momentum * mom + step;  w = w - mom
    otherwise:     w = w - step

    Example:
        >>> w = np.array([1.0])
        >>> RMSprop(learning_rate=0.1, rho=0.5, epsilon=1e-12).apply([np.array([2.0])], [w])
        1
        >>> w  # v = 0.5 * 4 = 2, step = 0.1 * 2 / sqrt(2 + 1e-12)
        array([0.85857864])
    """

    def __init__(
        self,
        learning_rate=0.001,
        rho=0.9,
        momentum=0.0,
        epsilon=1e-7,
        centered=False,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        name=None,
    ):
        super().__init__(learning_rate, clipnorm, clipvalue, global_clipnorm, name)
        self.rho = _check_float(rho, "rho", 0.0, 1.0, high_open=True)
        self.momentum = _check_float(momentum, "momentum", 0.0, 1.0)
        # epsilon > 0: with 0, a zero gradient gives 0 / 0 = NaN weights.
        self.epsilon = _check_float(epsilon, "epsilon", 0.0, low_open=True)
        self.centered = check_bool(centered, "centered")

    def _slot_names(self):
        names = ["velocity"]
        if self.momentum > 0:
            names.append("momentum")
        if self.centered:
            names.append("average_gradient")
        return tuple(names)

    def update_step(self, gradient, variable, slots):
        rho = self.rho
        v = slots["velocity"]
        tmp, increment = self._buffers(variable, 2)
        np.square(gradient, out=tmp)  # v = rho * v + (1 - rho) * g**2
        tmp *= 1 - rho
        v *= rho
        v += tmp
        if self.centered:
            a = slots["average_gradient"]
            np.multiply(gradient, 1 - rho, out=tmp)  # a = rho * a + (1 - rho) * g
            a *= rho
            a += tmp
            np.square(a, out=tmp)  # denominator = v - a**2 + epsilon
            np.subtract(v, tmp, out=tmp)
        else:
            tmp[...] = v  # denominator = v + epsilon
        tmp += self.epsilon
        np.sqrt(tmp, out=tmp)
        np.multiply(gradient, self.learning_rate, out=increment)  # lr * g / sqrt(denominator)
        increment /= tmp
        if self.momentum > 0:
            mom = slots["momentum"]
            mom *= self.momentum  # mom = momentum * mom + increment
            mom += increment
            variable -= mom
        else:
            variable -= increment

    def get_config(self):
        return {
            **super().get_config(),
            "rho": self.rho,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "centered": self.centered,
        }


class Adam(Optimizer):
    """Adam: momentum on the gradient (m) and on its square (v), with bias correction.

    t = iterations + 1
    m = m + (g - m) * (1 - beta_1)
    v = v + (g**2 - v) * (1 - beta_2)
    alpha = learning_rate * sqrt(1 - beta_2**t) / (1 - beta_1**t)
    amsgrad: v_hat = max(v_hat, v), used in place of v below
    w = w - alpha * m / (sqrt(v) + epsilon)

    Keras folds the bias correction into ``alpha``, so epsilon is added to sqrt of the
    *uncorrected* v ("epsilon hat" in Kingma & Ba, just before their section 2.1).

    Example:
        >>> w = np.array([1.0])
        >>> Adam(learning_rate=0.1).apply([np.array([3.0])], [w])  # first step ~ lr * sign(g)
        1
        >>> np.round(w, 6)
        array([0.9])
    """

    def __init__(
        self,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        amsgrad=False,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        name=None,
    ):
        super().__init__(learning_rate, clipnorm, clipvalue, global_clipnorm, name)
        self.beta_1 = _check_float(beta_1, "beta_1", 0.0, 1.0, high_open=True)
        self.beta_2 = _check_float(beta_2, "beta_2", 0.0, 1.0, high_open=True)
        self.epsilon = _check_float(epsilon, "epsilon", 0.0, low_open=True)
        self.amsgrad = check_bool(amsgrad, "amsgrad")

    def _slot_names(self):
        return (
            ("momentum", "velocity", "velocity_hat") if self.amsgrad else ("momentum", "velocity")
        )

    def update_step(self, gradient, variable, slots):
        t = self.iterations + 1
        alpha = self.learning_rate * np.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        # In the variable's dtype, as Keras computes it: a float64 scalar would turn a float32
        # update into float64 arithmetic (NumPy 2 promotes float32 arrays with NumPy scalars).
        alpha = variable.dtype.type(alpha)
        m, v = slots["momentum"], slots["velocity"]
        tmp, step = self._buffers(variable, 2)
        np.subtract(gradient, m, out=tmp)  # m += (g - m) * (1 - beta_1)
        tmp *= 1 - self.beta_1
        m += tmp
        np.square(gradient, out=tmp)  # v += (g**2 - v) * (1 - beta_2)
        tmp -= v
        tmp *= 1 - self.beta_2
        v += tmp
        if self.amsgrad:
            v_hat = slots["velocity_hat"]
            np.maximum(v_hat, v, out=v_hat)
            v = v_hat
        np.sqrt(v, out=tmp)  # w -= (m * alpha) / (sqrt(v) + epsilon)
        tmp += self.epsilon
        np.multiply(m, alpha, out=step)
        step /= tmp
        variable -= step

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "amsgrad": self.amsgrad,
        }


_REGISTRY = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam}


def names():
    """The string identifiers ``get`` accepts."""
    return sorted(_REGISTRY)


def get(identifier):
    """An optimizer from a name (``"sgd"``, ``"rmsprop"``, ``"adam"``; any case) or an instance.

    A name gives a fresh optimizer with Keras's defaults; an instance is returned as it is.

        >>> get("adam").learning_rate
        0.001
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        cls = _REGISTRY.get(identifier.lower())
        if cls is None:
            raise ValueError(
                f"Unknown optimizer {identifier!r}. Valid names: {', '.join(names())}."
            )
        return cls()
    raise TypeError(
        "An optimizer must be a name or a companion.optimizers.Optimizer instance, "
        f"but got {type(identifier).__name__}."
    )
