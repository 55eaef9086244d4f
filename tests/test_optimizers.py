"""companion.optimizers against keras.optimizers: same updates, step by step.

Keras keeps the learning rate in a float32 variable and sends SGD's momentum and Adam's
bias-correction betas through float32. With hyperparameters that float32 represents exactly
(0.125, 0.5, 0.875, 0.9990234375) those casts change nothing, so float64 runs must agree to
rounding (1e-12 relative). With Keras's defaults (0.01, 0.9, 0.999) they do not, and the test
bounds the effect instead.
"""

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion import optimizers
from companion.optimizers import SGD, Adam, RMSprop

# Fewer Hypothesis examples on JAX and torch (make test-backends): every new shape is a new
# trace there (JAX compiles each); TensorFlow, the reference backend, runs the full search.
ON_TENSORFLOW = os.environ.get("KERAS_BACKEND", "tensorflow") == "tensorflow"

B2 = 0.9990234375  # 1 - 2**-10: float32-exact, close to Keras's 0.999


def _problem(seed, shapes=((3, 4), (4,)), steps=5, dtype="float64"):
    rng = np.random.default_rng(seed)
    w0 = [rng.normal(size=s).astype(dtype) for s in shapes]
    grads = [[rng.normal(size=s).astype(dtype) for s in shapes] for _ in range(steps)]
    return w0, grads


def _run_companion(opt, w0, grads):
    ws = [w.copy() for w in w0]
    ids = [id(w) for w in ws]
    for g in grads:
        opt.apply(g, ws)
    assert [id(w) for w in ws] == ids  # updated in place, never replaced
    return ws


def _run_keras(keras, opt, w0, grads):
    vs = [keras.Variable(w.copy(), dtype=w.dtype.name) for w in w0]
    for g in grads:
        # as backend tensors: Keras's torch optimizers do not take NumPy arrays
        opt.apply([keras.ops.convert_to_tensor(x) for x in g], vs)
    return [np.asarray(v.numpy()) for v in vs]


def _max_rel(a_list, b_list, ref_list=None):
    """Max over arrays of |a - b| / max|ref| (ref defaults to b)."""
    ref_list = b_list if ref_list is None else ref_list
    return max(
        float(np.max(np.abs(a - b)) / np.max(np.abs(r)))
        for a, b, r in zip(a_list, b_list, ref_list)
    )


EXACT_CONFIGS = [
    ("SGD", dict(learning_rate=0.125)),
    ("SGD", dict(learning_rate=0.125, momentum=0.875)),
    ("SGD", dict(learning_rate=0.125, momentum=0.875, nesterov=True)),
    ("RMSprop", dict(learning_rate=0.125, rho=0.875)),
    ("RMSprop", dict(learning_rate=0.125, rho=0.875, momentum=0.5)),
    ("RMSprop", dict(learning_rate=0.125, rho=0.875, centered=True)),
    ("RMSprop", dict(learning_rate=0.125, rho=0.875, momentum=0.5, centered=True)),
    ("Adam", dict(learning_rate=0.125, beta_1=0.875, beta_2=B2)),
    ("Adam", dict(learning_rate=0.125, beta_1=0.875, beta_2=B2, amsgrad=True)),
    ("Adam", dict(learning_rate=0.125, beta_1=0.5, beta_2=0.875, epsilon=0.25)),
    ("SGD", dict(learning_rate=0.5, momentum=0.5, clipnorm=1.0)),
    ("SGD", dict(learning_rate=0.5, clipvalue=0.5)),
    ("SGD", dict(learning_rate=0.5, momentum=0.5, global_clipnorm=2.0)),
    ("Adam", dict(learning_rate=0.125, beta_1=0.875, beta_2=B2, clipnorm=0.75)),
    ("RMSprop", dict(learning_rate=0.125, rho=0.875, global_clipnorm=1.5)),
    ("RMSprop", dict(learning_rate=0.125, rho=0.875, clipvalue=0.25)),
]


@pytest.mark.parametrize("name,kwargs", EXACT_CONFIGS, ids=[f"{n}-{k}" for n, k in EXACT_CONFIGS])
def test_float64_matches_keras_to_rounding(keras, name, kwargs):
    w0, grads = _problem(0)
    ours = _run_companion(getattr(optimizers, name)(**kwargs), w0, grads)
    theirs = _run_keras(keras, getattr(keras.optimizers, name)(**kwargs), w0, grads)
    # Compare the displacement from the start too: it is what the optimizer computed.
    moved_ours = [a - b for a, b in zip(ours, w0)]
    moved_theirs = [a - b for a, b in zip(theirs, w0)]
    assert _max_rel(ours, theirs) <= 1e-12
    assert _max_rel(moved_ours, moved_theirs) <= 1e-12


def test_clipping_really_clips(keras):
    """The clipping configurations above must change the result (else they test nothing)."""
    w0, grads = _problem(1)
    big = [[10 * g for g in step] for step in grads]
    for kwargs in (dict(clipnorm=1.0), dict(clipvalue=0.5), dict(global_clipnorm=2.0)):
        clipped = _run_companion(SGD(learning_rate=0.5, **kwargs), w0, big)
        plain = _run_companion(SGD(learning_rate=0.5), w0, big)
        assert _max_rel(clipped, plain) > 0.1, kwargs
        theirs = _run_keras(keras, keras.optimizers.SGD(learning_rate=0.5, **kwargs), w0, big)
        assert _max_rel(clipped, theirs) <= 1e-12, kwargs


def test_clipnorm_of_zero_gradient_and_small_global_norm():
    w = np.ones(3)
    SGD(learning_rate=1.0, clipnorm=1.0).apply([np.zeros(3)], [w])
    np.testing.assert_array_equal(w, np.ones(3))
    # Global norm below the threshold: scale exactly 1.
    w = np.zeros(2)
    SGD(learning_rate=1.0, global_clipnorm=10.0).apply([np.array([0.3, 0.4])], [w])
    np.testing.assert_array_equal(w, [-0.3, -0.4])
    # Above: the joint vector gets norm exactly clip_norm.
    w1, w2 = np.zeros(1), np.zeros(1)
    SGD(learning_rate=1.0, global_clipnorm=1.0).apply([np.array([3.0]), np.array([4.0])], [w1, w2])
    np.testing.assert_allclose([w1[0], w2[0]], [-0.6, -0.8], rtol=1e-15)


# Keras's defaults are not float32-representable. Keras stores lr=0.01 / 0.001 as float32
# (relative change ~1e-8), SGD momentum 0.9 as 0.899999976 (~3e-8), and computes Adam's bias
# correction with beta_2 = 0.999000013 (1 - beta_2**t changes by ~1.3e-5 relative at t=1, so
# sqrt(...) by ~6e-6). The displacement w - w0 therefore differs by up to ~1e-5 relative (Adam)
# and ~1e-7 (SGD, RMSprop); 2e-5 and 1e-6 bound that with room for a few steps' accumulation.
DEFAULT_CONFIGS = [
    ("SGD", dict(), 1e-6),
    ("SGD", dict(momentum=0.9), 1e-6),
    ("SGD", dict(momentum=0.9, nesterov=True), 1e-6),
    ("RMSprop", dict(), 1e-6),
    ("RMSprop", dict(momentum=0.9, centered=True), 1e-6),
    ("Adam", dict(), 2e-5),
    ("Adam", dict(amsgrad=True), 2e-5),
]


@pytest.mark.parametrize(
    "name,kwargs,bound", DEFAULT_CONFIGS, ids=[f"{n}-{k}" for n, k, _ in DEFAULT_CONFIGS]
)
def test_float64_with_keras_defaults_within_float32_cast_bound(keras, name, kwargs, bound):
    w0, grads = _problem(2)
    ours = _run_companion(getattr(optimizers, name)(**kwargs), w0, grads)
    theirs = _run_keras(keras, getattr(keras.optimizers, name)(**kwargs), w0, grads)
    moved_ours = [a - b for a, b in zip(ours, w0)]
    moved_theirs = [a - b for a, b in zip(theirs, w0)]
    assert _max_rel(moved_ours, moved_theirs) <= bound


@pytest.mark.parametrize("name,kwargs", EXACT_CONFIGS[::3])
def test_float32_variables(keras, name, kwargs):
    """float32 arithmetic on both sides; operation order differs slightly (Keras computes
    Adam's alpha with float32 powers, we in float64 rounded once to float32), so allow a few
    float32 ulps per step: 5 steps x ~4 ulps x 6e-8 relative each ~ 1e-6, relative to the
    largest displacement."""
    w0, grads = _problem(3, dtype="float32")
    ours = _run_companion(getattr(optimizers, name)(**kwargs), w0, grads)
    theirs = _run_keras(keras, getattr(keras.optimizers, name)(**kwargs), w0, grads)
    assert all(w.dtype == np.float32 for w in ours)
    moved_ours = [a - b for a, b in zip(ours, w0)]
    moved_theirs = [a - b for a, b in zip(theirs, w0)]
    assert _max_rel(moved_ours, moved_theirs) <= 2e-6


@settings(max_examples=15 if ON_TENSORFLOW else 5, deadline=None)
@given(
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple),
    steps=st.integers(1, 4),
    which=st.sampled_from(range(len(EXACT_CONFIGS))),
    seed=st.integers(0, 2**16),
)
def test_hypothesis_random_shapes_and_steps(keras, shape, steps, which, seed):
    name, kwargs = EXACT_CONFIGS[which]
    w0, grads = _problem(seed, shapes=(shape,), steps=steps)
    ours = _run_companion(getattr(optimizers, name)(**kwargs), w0, grads)
    theirs = _run_keras(keras, getattr(keras.optimizers, name)(**kwargs), w0, grads)
    moved_ours = [a - b for a, b in zip(ours, w0)]
    moved_theirs = [a - b for a, b in zip(theirs, w0)]
    assert _max_rel(moved_ours, moved_theirs) <= 1e-12


def test_update_rules_by_hand():
    """The docstring formulas, checked on one number (independent of Keras)."""
    w = np.array([1.0])
    opt = SGD(learning_rate=0.5, momentum=0.5)
    opt.apply([np.array([2.0])], [w])  # m = -1, w = 0
    opt.apply([np.array([2.0])], [w])  # m = -0.5 - 1 = -1.5, w = -1.5
    assert w[0] == -1.5
    w = np.array([1.0])
    SGD(learning_rate=0.5, momentum=0.5, nesterov=True).apply([np.array([2.0])], [w])
    assert w[0] == 1.0 + 0.5 * -1.0 - 1.0  # m = -1; w += 0.5 * m - lr * g
    w = np.array([1.0])
    RMSprop(learning_rate=0.1, rho=0.5, epsilon=2.0**-40).apply([np.array([2.0])], [w])
    np.testing.assert_allclose(w, [1.0 - 0.1 * 2.0 / np.sqrt(2.0 + 2.0**-40)], rtol=1e-15)
    w = np.array([1.0])
    Adam(learning_rate=0.1, beta_1=0.5, beta_2=0.75, epsilon=2.0**-40).apply([np.array([3.0])], [w])
    alpha = 0.1 * np.sqrt(1 - 0.75) / (1 - 0.5)
    np.testing.assert_allclose(
        w, [1.0 - alpha * 1.5 / (np.sqrt(0.25 * 9.0) + 2.0**-40)], rtol=1e-15
    )


def test_in_place_state_iterations_and_apply_gradients():
    w1, w2 = np.ones((2, 2)), np.zeros(2)
    opt = Adam(learning_rate=0.5)
    assert opt.iterations == 0
    assert opt.apply_gradients(zip([np.ones((2, 2)), np.ones(2)], [w1, w2])) == 1
    assert opt.iterations == 1
    assert np.all(w1 < 1) and np.all(w2 < 0)
    slots = opt.get_slots(w1)
    assert set(slots) == {"momentum", "velocity"}
    np.testing.assert_allclose(slots["momentum"], 0.1 * np.ones((2, 2)))
    opt.apply([np.ones((2, 2)), np.ones(2)], [w1, w2])
    assert opt.iterations == 2
    assert opt.get_slots(w1) is slots  # the same state, found again by identity


def test_get_and_config(keras):
    assert isinstance(optimizers.get("adam"), Adam)
    assert isinstance(optimizers.get("SGD"), SGD)
    assert isinstance(optimizers.get("RMSprop"), RMSprop)
    opt = SGD(momentum=0.5)
    assert optimizers.get(opt) is opt
    with pytest.raises(ValueError, match="Unknown optimizer 'adamw'.*adam, rmsprop, sgd"):
        optimizers.get("adamw")
    with pytest.raises(TypeError, match="got int"):
        optimizers.get(3)
    # Defaults and config keys as Keras.
    for name in ("SGD", "RMSprop", "Adam"):
        ours = getattr(optimizers, name)().get_config()
        theirs = getattr(keras.optimizers, name)().get_config()
        for key, value in ours.items():
            if key == "name":
                continue
            if isinstance(value, float):
                assert value == pytest.approx(theirs[key], rel=1e-7), key  # float32-stored lr
            else:
                assert value == theirs[key], key


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda: SGD(learning_rate=-0.1), r"`learning_rate` must be in \[0.0, inf\], but got -0.1"),
        (
            lambda: SGD(learning_rate="fast"),
            "`learning_rate` must be a real number, but got 'fast'",
        ),
        (lambda: SGD(momentum=1.5), r"`momentum` must be in \[0.0, 1.0\], but got 1.5"),
        (lambda: SGD(momentum=-0.5), r"`momentum` must be in \[0.0, 1.0\]"),
        (lambda: RMSprop(rho=1.0), r"`rho` must be in \[0.0, 1.0\), but got 1.0"),
        (lambda: RMSprop(epsilon=-1e-7), r"`epsilon` must be in \(0.0, inf\]"),
        (lambda: Adam(epsilon=0), r"`epsilon` must be in \(0.0, inf\], but got 0.0"),
        (lambda: Adam(beta_1=1.0), r"`beta_1` must be in \[0.0, 1.0\)"),
        (lambda: Adam(beta_2=float("nan")), "`beta_2` must be in"),
        (lambda: Adam(clipnorm=0.0), r"`clipnorm` must be in \(0.0, inf\], but got 0.0"),
        (lambda: SGD(clipvalue=-1.0), "`clipvalue` must be in"),
        (
            lambda: SGD(clipnorm=1.0, clipvalue=1.0),
            "Only one of `clipnorm`.*clipnorm=1.0, clipvalue=1.0",
        ),
    ],
)
def test_bad_hyperparameters(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_apply_arguments():
    opt = SGD()
    with pytest.raises(ValueError, match=r"one gradient per variable.*2 gradient\(s\) for 1"):
        opt.apply([np.ones(2), np.ones(2)], [np.ones(2)])
    with pytest.raises(ValueError, match=r"Gradient 0 has shape \(3,\).*variable has shape \(2,\)"):
        opt.apply([np.ones(3)], [np.ones(2)])
    with pytest.raises(TypeError, match="floating NumPy array.*got list"):
        opt.apply([np.ones(2)], [[1.0, 2.0]])
    with pytest.raises(TypeError, match="floating NumPy array.*dtype int64"):
        opt.apply([np.ones(2)], [np.array([1, 2])])
    assert opt.iterations == 0  # nothing was applied


# --- the in-place updates: the same arithmetic as the formulas, no allocations -------------------
def _formula_step(name, opt, g, w, state, t):
    """One update written as the docstring formulas (each expression allocates its result)."""
    if name == "SGD":
        if opt.momentum == 0:
            return w - g * opt.learning_rate
        state["m"] = state["m"] * opt.momentum - g * opt.learning_rate
        if opt.nesterov:
            return w + (state["m"] * opt.momentum - g * opt.learning_rate)
        return w + state["m"]
    if name == "RMSprop":
        rho = opt.rho
        state["v"] = rho * state["v"] + (1 - rho) * np.square(g)
        denominator = state["v"] + opt.epsilon
        if opt.centered:
            state["a"] = rho * state["a"] + (1 - rho) * g
            denominator = state["v"] - np.square(state["a"]) + opt.epsilon
        increment = (opt.learning_rate * g) / np.sqrt(denominator)
        if opt.momentum > 0:
            state["mom"] = opt.momentum * state["mom"] + increment
            return w - state["mom"]
        return w - increment
    alpha = opt.learning_rate * np.sqrt(1 - opt.beta_2**t) / (1 - opt.beta_1**t)
    state["m"] = state["m"] + (g - state["m"]) * (1 - opt.beta_1)
    state["v"] = state["v"] + (np.square(g) - state["v"]) * (1 - opt.beta_2)
    v = state["v"]
    if opt.amsgrad:
        state["v_hat"] = np.maximum(state["v_hat"], state["v"])
        v = state["v_hat"]
    return w - (state["m"] * alpha) / (np.sqrt(v) + opt.epsilon)


FORMULA_CONFIGS = [(n, kw) for n, kw in EXACT_CONFIGS if not any("clip" in k for k in kw)] + [
    ("SGD", dict()),
    ("RMSprop", dict(momentum=0.9, centered=True)),
    ("Adam", dict()),
    ("Adam", dict(amsgrad=True)),
]


@pytest.mark.parametrize(
    "name,kwargs", FORMULA_CONFIGS, ids=[f"{n}-{k}" for n, k in FORMULA_CONFIGS]
)
def test_in_place_update_equals_the_formulas_bit_for_bit_in_float64(name, kwargs):
    """The out= arithmetic performs the formulas' operations in the formulas' order, so float64
    results are identical, not merely close (the Keras comparisons above rest on that)."""
    w0, grads = _problem(4, shapes=((7, 5), (5,)), steps=4)
    opt = getattr(optimizers, name)(**kwargs)
    ours = _run_companion(opt, w0, grads)
    expected = [w.copy() for w in w0]
    states = [{k: np.zeros_like(w) for k in ("m", "v", "a", "mom", "v_hat")} for w in w0]
    for t, step_grads in enumerate(grads, start=1):
        expected = [
            _formula_step(name, opt, g, w, state, t)
            for g, w, state in zip(step_grads, expected, states)
        ]
    for a, b in zip(ours, expected):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "make",
    [
        lambda: SGD(learning_rate=0.1),
        lambda: SGD(momentum=0.5, nesterov=True),
        lambda: RMSprop(momentum=0.5, centered=True),
        lambda: Adam(),
        lambda: Adam(amsgrad=True),
    ],
)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_step_keeps_the_dtype_and_allocates_no_temporaries(make, dtype):
    """After the first step has created the state, a step allocates nothing the size of the
    weights: everything goes into the slots and the scratch buffers (``out=``). A float32
    variable is updated in float32 (no float64 temporaries from a NumPy scalar)."""
    import tracemalloc

    opt = make()
    w = np.ones((300, 200), dtype=dtype)
    g = np.full_like(w, 0.25)
    opt.apply([g], [w])
    tracemalloc.start()
    try:
        opt.apply([g], [w])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < w.nbytes / 10, f"a step allocated {peak} bytes for a {w.nbytes}-byte variable"
    assert w.dtype == np.dtype(dtype)
    assert all(s.dtype == np.dtype(dtype) for s in opt.get_slots(w).values())


def test_variables_of_one_shape_share_scratch_buffers_but_not_slots():
    opt = Adam(learning_rate=0.5)
    w1, w2 = np.ones(3), np.ones(3)
    opt.apply([np.ones(3), -np.ones(3)], [w1, w2])
    assert len(opt._scratch) == 1  # one shape and dtype, one set of buffers
    assert opt.get_slots(w1)["momentum"] is not opt.get_slots(w2)["momentum"]
    np.testing.assert_array_equal(w1, 1 - w2 + 1)  # opposite gradients, opposite steps
