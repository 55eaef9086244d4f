"""Exercise checks for the notebooks: ``q.check(answer)``, ``q.hint()``, ``q.solution()``.

Every check ends in one of three outcomes, printed as one line:

- ``Not attempted: <what to do>`` -- the answer is still ``...`` or ``None``, or the learner's
  function returns ``...``/``None`` or raises ``NotImplementedError``;
- ``Not yet: <a specific hint>`` -- something is wrong, and the message says what (a shape, a
  sign, a factor of two, an exception in the learner's code with its line number);
- ``Correct! <a short why>``.

A learner never sees a traceback from a check: exceptions in their code are reported as
"Not yet" with the line of their cell that raised, and a bug in a check is reported as such.

How a notebook author writes an exercise
----------------------------------------
1. In ``companion/exercises/nbNN.py`` define a check function that returns ``None`` when the
   answer is right and raises ``NotYet("hint")`` when it is not, and a ``Question``. The
   ``expect_*`` helpers below do the usual comparisons and write the hints::

       import numpy as np

       from companion.exercises.core import Question, case, expect_callable, expect_function


       def _check_relu(relu):
           expect_callable(relu, n_args=1, name="relu")
           expect_function(
               relu,
               [case(np.array([-2.0, 0.0, 3.0])), case(np.array([[1.5, -0.5]]))],
               reference=lambda x: np.maximum(x, 0.0),
               name="relu",
           )


       q1 = Question(
           "q1",
           prompt="Write relu(x) = max(x, 0), elementwise, for an array x.",
           check_fn=_check_relu,
           hint=["np.maximum compares elementwise.", "np.maximum(x, 0.0) is the whole body."],
           solution_source='''
       def relu(x):
           return np.maximum(x, 0.0)
       ''',
           correct="relu passes positive values through and zeroes the rest.",
       )

       QUESTIONS = [q1]

2. In the notebook, the answer cell (cell tag ``exercise``) holds the blank::

       def relu(x):
           ...  # your code here: return max(x, 0) elementwise

   and the next cell runs the check (the hint and solution cells are optional)::

       from companion.exercises import nb02

       nb02.q1.check(relu)
       # nb02.q1.hint()
       # nb02.q1.solution()

3. A test runs every reference solution through its check:
   ``assert q.evaluate_solution()[0] == "correct"`` for each ``q`` in ``nbNN.QUESTIONS``.

Answers that are several names are passed together: ``q2.check(W, b)`` calls
``check_fn(W, b)``. ``solution_source`` defines the same names as the answer cell;
``answer_names`` says which of them are the answer (default: every top-level name the solution
defines, in order). ``setup`` gives the names the solution needs from earlier cells (a dict or a
function returning one); ``numpy`` is always available as ``np``.

``evaluate(*answers)`` returns ``(status, message)`` instead of printing, for tests.

What a check guarantees, whatever the learner's code does
--------------------------------------------------------
- Each call of a learner's function (a ``def`` or ``lambda`` passed as an answer) has a time
  limit, ``TIME_LIMIT`` seconds (``Question(time_limit=...)``): past it the check says
  "your function did not return within 5 s — an infinite loop?". The limit uses
  ``signal.setitimer``/``SIGALRM``, so it works on the main thread of a Unix process (a
  Jupyter kernel runs cells there); elsewhere (Windows, a worker thread) there is no limit.
  The alarm interrupts Python code; a single long NumPy call finishes first.
- Within one check a learner's function is called once per distinct input: a repeated call
  with equal arguments (arrays, numbers, strings, tuples of them) replays the first result,
  including any change the first call made to its input arrays.
- A wrong-typed or wrong-shaped answer that a check did not anticipate still gets "Not yet",
  naming what came and what the reference solution gives. "A bug in the course" is said only
  when the reference solution fails its own check too.
- NumPy's error state (``np.seterr``), print options and legacy global random state are
  restored after each check; checks run under NumPy's default error state.
- ``SystemExit`` raised by a learner's code becomes "Not yet" with a sentence;
  ``KeyboardInterrupt`` (the stop button) stops the check, as it stops any cell.
"""

import ast
import contextlib
import copy
import functools
import inspect
import linecache
import numbers
import os
import re
import signal
import sysconfig
import textwrap
import threading
import time
import types
import warnings

import numpy as np

NOT_ATTEMPTED = "not attempted"
NOT_YET = "not yet"
CORRECT = "correct"

_PREFIX = {NOT_ATTEMPTED: "Not attempted:", NOT_YET: "Not yet:", CORRECT: "Correct!"}

_DEFAULT_RTOL = 1e-5
# Learners may compute in float32 (Keras's default) while references use float64: float32
# keeps about 7 significant digits and a few operations lose a few units in the last place, so
# 1e-5 relative accepts every correct float32 computation, while a wrong formula (a missing
# factor, a sign, a transposed matrix) is off by far more. The absolute 1e-6 covers values
# that should be ~0 but come out as float32 round-off of O(1) intermediate terms.
_DEFAULT_ATOL = 1e-6


class NotYet(Exception):
    """Raise from a check function to report ``Not yet: <message>``."""


class NotAttempted(Exception):
    """Raise from a check function to report ``Not attempted: <message>``."""


#: Seconds one call of a learner's function may take before the check gives up on it.
TIME_LIMIT = 5.0


class TimeLimitExceeded(BaseException):
    """A learner's function ran past its time limit.

    A ``BaseException``, like ``KeyboardInterrupt``: the ``except Exception`` of the learner's
    own code and of the checks cannot swallow it, so it reaches ``Question.evaluate``.
    """

    def __init__(self, name, seconds):
        super().__init__(name, seconds)
        self.name = name
        self.seconds = seconds


def _alarm_available():
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def time_limit(seconds, name="your function"):
    """Inside the block, raise ``TimeLimitExceeded`` after ``seconds`` of wall time.

    Uses ``SIGALRM`` (``signal.setitimer``), available on the main thread of a Unix process,
    which is where a Jupyter kernel runs cells; elsewhere (Windows, other threads) and for
    ``seconds=None`` there is no limit. A timer that was already running (pytest-timeout's,
    say) is put back afterwards with the time it had left.
    """
    if seconds is None or not _alarm_available():
        yield
        return

    def on_alarm(signum, frame):
        raise TimeLimitExceeded(name, seconds)

    old_handler = signal.signal(signal.SIGALRM, on_alarm)
    old_delay, old_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    start = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        if old_delay:
            left = max(old_delay - (time.monotonic() - start), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, left, old_interval)


@contextlib.contextmanager
def _preserved_global_state():
    """Run a check under NumPy's default error state; put back what the learner had after.

    A learner's ``np.seterr(all="raise")`` (in a cell or in their function) must neither make
    the checker's own arithmetic raise nor outlive the check; the same for print options and
    NumPy's legacy global random state (``np.random.seed``).
    """
    random_state = np.random.get_state()  # noqa: NPY002 -- saved to be restored, not used
    with np.errstate(all="warn", under="ignore"), np.printoptions():
        try:
            yield
        finally:
            np.random.set_state(random_state)  # noqa: NPY002


# ---------------------------------------------------------------------------------------------
# Whose code raised? Learner code vs checker code vs libraries.


def _normalise(path):
    return os.path.normcase(os.path.realpath(path))


_EXERCISES_DIR = _normalise(os.path.dirname(__file__))
_COMPANION_DIR = os.path.dirname(_EXERCISES_DIR)
_LIBRARY_DIRS = tuple(
    sorted(
        {
            _normalise(p)
            for key in ("stdlib", "platstdlib", "purelib", "platlib")
            if (p := sysconfig.get_paths().get(key))
        }
        | {_normalise(os.path.dirname(os.__file__))}
    )
)
_CELL_FILE = re.compile(r"(ipykernel_\d+[/\\]\d+\.py$)|(^<ipython-input-)")


def _under(path, directory):
    return path == directory or path.startswith(directory + os.sep)


def _frame_kind(code, checker_codes):
    """'checker', 'library' or 'learner' for the code object of one traceback frame."""
    filename = code.co_filename
    if code in checker_codes:
        return "checker"
    if filename.startswith("<"):
        # Frozen modules are Python's own; other "<...>" names are exec'd or typed-in code.
        return "library" if filename.startswith("<frozen") else "learner"
    path = _normalise(filename)
    if _under(path, _EXERCISES_DIR):
        return "checker"
    if _under(path, _COMPANION_DIR) or any(_under(path, d) for d in _LIBRARY_DIRS):
        return "library"
    return "learner"


def _innermost_frames(exc, checker_codes):
    """(kind, frame summary) of the deepest non-library frame, and the deepest learner frame."""
    tb = exc.__traceback__
    deciding, learner = None, None
    while tb is not None:
        kind = _frame_kind(tb.tb_frame.f_code, checker_codes)
        if kind != "library":
            deciding = (kind, tb)
        if kind == "learner":
            learner = tb
        tb = tb.tb_next
    return deciding, learner


def _where(tb):
    """' (line 3 of your cell, in relu: `return x @ W`)' for a traceback entry."""
    if tb is None:
        return ""
    code = tb.tb_frame.f_code
    lineno = tb.tb_lineno
    if _CELL_FILE.search(code.co_filename):
        place = f"line {lineno} of your cell"
    elif code.co_filename.startswith("<"):
        place = f"line {lineno} of {code.co_filename}"
    else:
        place = f"line {lineno} of {os.path.basename(code.co_filename)}"
    if code.co_name not in ("<module>", "<lambda>"):
        place += f", in {code.co_name}"
    source = linecache.getline(code.co_filename, lineno, tb.tb_frame.f_globals).strip()
    if source:
        place += f": `{_shorten(source, 80)}`"
    return f" ({place})"


def _shorten(text, limit=200):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe_exception(exc, checker_codes=()):
    """A one-line, traceback-free account of an exception raised by a learner's code.

    Example: ``your code raised ZeroDivisionError: division by zero (line 2 of your cell,
    in mean: `return total / n`)``.
    """
    _, learner_tb = _innermost_frames(exc, set(checker_codes))
    message = _shorten(exc) if str(exc) else "(no message)"
    return f"your code raised {type(exc).__name__}: {message}{_where(learner_tb)}"


_KERAS_BOLD = re.compile(r"\x1b\[1m(.*?)\x1b\[0m", re.S)


def unwrap_keras_error(exc):
    """``exc`` with Keras's "Exception encountered when calling ..." wrapping removed.

    Keras re-raises an error from a layer's ``call`` with the original message in bold between
    its own lines (layer name, arguments received); a learner needs the original message.
    """
    text = str(exc.args[0]) if len(exc.args) == 1 else ""
    match = _KERAS_BOLD.search(text) if "Exception encountered when calling" in text else None
    if match is None:
        return exc
    try:
        clean = type(exc)(match.group(1).strip())
    except Exception:  # an exception type that cannot be rebuilt from a message
        return exc
    return clean.with_traceback(exc.__traceback__)


_SHAPE_ERROR_WORDS = ("matmul", "broadcast", "shapes")


def call_learner(fn, args, name, label, shape_help=""):
    """Call a learner's function ``name`` on copies of ``args``; failures become kind messages.

    ``NotYet``/``NotAttempted`` raised by nested checks pass through; ``NotImplementedError``
    means "not attempted"; any other exception becomes ``NotYet("<label>, your code raised
    ...")`` without a traceback, followed by ``shape_help`` when NumPy refused the shapes (a
    matmul or broadcasting error). Arrays and lists are copied, so a learner's function that
    changes its input in place cannot spoil the checker's data.
    """
    try:
        return fn(*[a.copy() if isinstance(a, (np.ndarray, list)) else a for a in args])
    except (NotYet, NotAttempted):
        raise
    except NotImplementedError:
        raise NotAttempted(
            f"{name} still raises NotImplementedError: replace that line with your code."
        ) from None
    except Exception as exc:
        exc = unwrap_keras_error(exc)
        shape_error = any(word in str(exc) for word in _SHAPE_ERROR_WORDS)
        extra = f" {shape_help.strip()}" if shape_help and shape_error else ""
        raise NotYet(f"{label}, {describe_exception(exc)}.{extra}") from None


@contextlib.contextmanager
def for_case(label):
    """Inside the ``with`` block, a ``NotYet`` says which case it is about: ``"<label>: ..."``.

    Example::

        >>> with for_case("for x = [1, 2]"):
        ...     expect_number(3, 4, name="f(x)")
        Traceback (most recent call last):
        companion.exercises.core.NotYet: for x = [1, 2]: f(x) = 3 is too small.
    """
    try:
        yield
    except NotYet as exc:
        raise NotYet(f"{label}: {exc}") from None


def require_result(result, name, allow_none=False):
    """Raise ``NotAttempted`` when a learner's function ``name`` returned ``...`` (or None)."""
    if result is Ellipsis or (result is None and not allow_none):
        what = "still returns `...`" if result is Ellipsis else "returned None"
        raise NotAttempted(
            f"{_function_label(name)} {what}: write its body and `return` the result, run "
            "that cell, then run this check again."
        )


def _function_label(name):
    """ "your function f" for a named function; "your function" alone when it has no name."""
    return (
        "your function"
        if name in (None, "", "your function", "<lambda>")
        else (f"your function {name}")
    )


def load_keras():
    """Keras, imported when a check first needs it (the companion never imports it at load)."""
    import keras

    return keras


def expect_keras_layers(model, name, input_shape, kinds, spec):
    """The layers (``keras.Input`` left out) of the Keras model a learner's ``name`` returned.

    First the checks that every "build this model" exercise makes: ``model`` is a
    ``keras.Model``, it starts with ``keras.Input(shape=input_shape)``, and its layers are of the
    classes ``kinds``, in order (``spec`` describes the model in words, for the hint).
    """
    keras = load_keras()
    if not isinstance(model, keras.Model):
        raise NotYet(f"{name} should return a keras.Model, but it returned {type(model).__name__}.")
    if not getattr(model, "inputs", None):
        raise NotYet(
            f"the model has no input yet: start it with keras.Input(shape={input_shape}), so that "
            "it is built and its weights exist."
        )
    shape, expected = tuple(model.inputs[0].shape), (None, *input_shape)
    if shape != expected:
        raise NotYet(
            f"the model's input has shape {shape}, expected {expected}: start with "
            f"keras.Input(shape={input_shape})."
        )
    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    got = [type(layer).__name__ for layer in layers]
    if got != list(kinds):
        raise NotYet(f"the model's layers are {got}; the spec is {spec}.")
    return layers


def keras_setup():
    """The namespace a Keras exercise's reference solution runs in: ``{"keras": keras}``."""
    return {"keras": load_keras()}


# ---------------------------------------------------------------------------------------------
# Blank answers and learner functions.


def _is_blank(value, allow_none=False):
    if value is Ellipsis or (value is None and not allow_none):
        return True
    if isinstance(value, (tuple, list)):
        return any(v is Ellipsis for v in value)
    if isinstance(value, dict):
        return any(v is Ellipsis for v in value.values())
    if isinstance(value, np.ndarray) and value.dtype == object:
        return any(v is Ellipsis for v in value.flat)
    return False


def _blank_message(label, value):
    then = "run that cell, then run this check again."
    if value is None:
        return f"{label} is still None: replace it with your answer, {then}"
    return f"{label} still contains `...`: replace the `...` with your answer, {then}"


def _returned_blank(fn_name, result):
    if result is Ellipsis:
        return NotAttempted(
            f"{_function_label(fn_name)} still returns `...`: write its body, run that cell, "
            "then run this check again."
        )
    return NotAttempted(
        f"{_function_label(fn_name)} returned None: write its body and `return` the result "
        "(a missing `return`?)."
    )


_MAX_KEY_SIZE = 1_000_000  # larger arrays are not worth hashing for the call cache


def _content_key(value):
    """A hashable key equal for equal plain data (arrays, numbers, strings, tuples/lists of
    them), or None for anything else (generators, models...), which is never cached."""
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes)):
        return (type(value).__name__, value)
    if isinstance(value, np.generic):
        return ("np", value.dtype.str, value.tobytes())
    if isinstance(value, np.ndarray):
        if value.dtype == object or value.size > _MAX_KEY_SIZE:
            return None
        return ("nd", value.shape, value.dtype.str, np.ascontiguousarray(value).tobytes())
    if isinstance(value, (tuple, list)):
        keys = [_content_key(v) for v in value]
        return None if any(k is None for k in keys) else (type(value).__name__, tuple(keys))
    return None


class _CheckSession:
    """What one ``evaluate`` remembers about the learner's functions: the time limit, a cache
    of results per distinct input, and each function's last call (for "what came")."""

    def __init__(self, time_limit):
        self.time_limit = time_limit
        self.cache = {}
        self.last_call = {}  # answer index -> (args, kwargs, result)


def _wrap_learner_function(fn, allow_none, session=None, index=0):
    """A transparent wrapper around a learner's function.

    It turns a ``...``/``None`` return into ``NotAttempted``, applies the session's time limit
    (``time_limit``), restores NumPy's error state after each call, and replays the result of
    an earlier call with equal arguments (see ``_content_key``), including what that call did
    to its input arrays, so that a check never runs a slow function twice on the same input.
    Only plain functions (``def`` and ``lambda``) are wrapped; classes and other callables are
    passed through unchanged so that ``isinstance`` checks in a check still work.
    """
    if not isinstance(fn, types.FunctionType):
        return fn
    session = session or _CheckSession(TIME_LIMIT)
    name = getattr(fn, "__name__", "your function")
    if name == "<lambda>":
        name = "your function"

    @functools.wraps(fn)
    def learner_function(*args, **kwargs):
        inputs = [*args, *kwargs.values()]
        key = _content_key((list(args), sorted(kwargs.items())))
        if key is not None and key in session.cache:
            result, after = session.cache[key]
            for arr, new in zip(inputs, after):
                if isinstance(arr, np.ndarray) and arr.flags.writeable:
                    arr[...] = new
            session.last_call[index] = (args, kwargs, result)
            return _copy(result)
        with time_limit(session.time_limit, name), np.errstate():
            result = fn(*args, **kwargs)
        if result is Ellipsis or (result is None and not allow_none):
            raise _returned_blank(name, result)
        session.last_call[index] = (args, kwargs, result)
        if key is not None:
            after = [a.copy() if isinstance(a, np.ndarray) else None for a in inputs]
            session.cache[key] = (_copy(result), after)
        return result

    return learner_function


def _defined_names(source):
    """Top-level names a piece of source defines (def, class, assignments), in order."""
    names = []
    for node in ast.parse(source).body:
        targets = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            targets = [node.name]
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            nodes = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in nodes:
                elts = target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]
                targets += [t.id for t in elts if isinstance(t, ast.Name)]
        names += [t for t in targets if t not in names]
    return names


# ---------------------------------------------------------------------------------------------
# Question


class Question:
    """One exercise: ``check(answer)``, ``hint()``, ``solution()``.

    Parameters
    ----------
    name : str
        How the notebook refers to it, e.g. ``"q1"`` (used in messages: ``q1.hint()``).
    prompt : str, optional
        The task in one or two sentences (shown by ``repr`` and ``show()``).
    check_fn : callable
        ``check_fn(*answers)`` raises ``NotYet("hint")`` when the answer is wrong; when it
        returns normally the answer is correct. Returning ``False`` (or ``np.False_``) gives a
        generic "Not yet"; returning a string gives the "why" printed after ``Correct!``.
    hint : str or list of str, optional
        Hints shown one at a time by ``hint()``.
    time_limit : float or None
        Seconds one call of a learner's function may take (default ``TIME_LIMIT``, 5 s);
        ``None`` for no limit.
    solution_source : str, optional
        Python source defining the same names as the answer cell.
    correct : str
        The short "why" printed after ``Correct!``.
    todo : str, optional
        What to do when nothing is filled in yet (default: replace the ``...``).
    answer_names : sequence of str, optional
        The names the check cell passes, in order (default: names ``solution_source`` defines).
    setup : dict or callable, optional
        Names the reference solution needs from earlier cells (``numpy`` is there as ``np``).
    allow_none : bool
        ``True`` when ``None`` is a meaningful answer or return value (rare).

    Example::

        >>> q = Question("q1", check_fn=lambda n: expect_number(n, 12, name="n"),
        ...              correct="3 x 3 weights + 3 biases.")
        >>> q.check(...)  # doctest: +ELLIPSIS
        Not attempted: your answer still contains `...`: replace the `...` with your answer, ...
        >>> q.check(12)
        Correct! 3 x 3 weights + 3 biases.
    """

    def __init__(
        self,
        name,
        prompt=None,
        check_fn=None,
        hint=None,
        solution_source=None,
        *,
        correct="",
        todo=None,
        answer_names=None,
        setup=None,
        allow_none=False,
        time_limit=None,
    ):
        if not isinstance(name, str) or not name:
            raise TypeError(f"Question name must be a non-empty string, but got {name!r}.")
        if not callable(check_fn):
            raise TypeError(
                f"Question {name!r} needs check_fn, a function that returns None for a right "
                f"answer and raises NotYet('hint') otherwise; got {check_fn!r}."
            )
        if hint is None:
            hints = []
        elif isinstance(hint, str):
            hints = [hint]
        elif isinstance(hint, (list, tuple)) and all(isinstance(h, str) for h in hint):
            hints = list(hint)
        else:
            raise TypeError(f"hint must be a string or a list of strings, but got {hint!r}.")
        self.name = name
        self.prompt = prompt
        self.check_fn = check_fn
        self.hints = hints
        self.solution_source = (
            textwrap.dedent(solution_source).strip() if solution_source is not None else None
        )
        if self.solution_source:
            try:
                defined = _defined_names(self.solution_source)
            except SyntaxError as exc:
                raise ValueError(
                    f"solution_source of question {name!r} is not valid Python: {exc}"
                ) from None
        else:
            defined = []
        self.answer_names = tuple(answer_names) if answer_names is not None else tuple(defined)
        self.correct = correct
        self.todo = todo
        self.setup = setup
        self.allow_none = allow_none
        self.time_limit = TIME_LIMIT if time_limit is None else time_limit
        self.last_status = None
        self._reference_verdict = None  # does the reference pass its own check? (cached)
        self._hints_shown = 0
        fn = getattr(check_fn, "func", check_fn)  # functools.partial
        code = getattr(fn, "__code__", None) or getattr(
            getattr(fn, "__func__", None), "__code__", None
        )
        self._checker_codes = {code} if code is not None else set()

    def __repr__(self):
        text = f"Question {self.name}"
        return f"{text}: {self.prompt}" if self.prompt else text

    def show(self):
        """Print the prompt."""
        print(repr(self))

    # -- checking ---------------------------------------------------------------------------

    def _label(self, index=None, key=None):
        if key is not None:
            return key
        if index is not None and index < len(self.answer_names) and len(self.answer_names) > 1:
            return self.answer_names[index]
        return "your answer"

    def evaluate(self, *answers, **named_answers):
        """Return ``(status, message)`` for an answer, without printing.

        ``status`` is ``"not attempted"``, ``"not yet"`` or ``"correct"``.
        """
        if not answers and not named_answers:
            call = f"{self.name}.check({', '.join(self.answer_names) or 'your_answer'})"
            return NOT_ATTEMPTED, f"pass your answer to the check, e.g. {call}."
        items = [(self._label(index=i), a) for i, a in enumerate(answers)]
        items += [(self._label(key=k), a) for k, a in named_answers.items()]
        for label, value in items:
            if _is_blank(value, self.allow_none):
                return NOT_ATTEMPTED, self.todo or _blank_message(label, value)
        arity = self._arity_message(answers, named_answers)
        if arity:
            return NOT_YET, arity
        session = _CheckSession(self.time_limit)
        args = [
            _wrap_learner_function(a, self.allow_none, session, i) for i, a in enumerate(answers)
        ]
        kwargs = {
            k: _wrap_learner_function(a, self.allow_none, session, k)
            for k, a in named_answers.items()
        }
        with warnings.catch_warnings(record=True) as caught, _preserved_global_state():
            warnings.simplefilter("always")
            status, message = self._run_check(args, kwargs, session, answers, named_answers)
        if status == NOT_YET:
            numeric = [w for w in caught if issubclass(w.category, RuntimeWarning)]
            if numeric:
                message += f" (NumPy warned: {_shorten(numeric[0].message, 80)})"
        return status, message

    def _arity_message(self, answers, named_answers):
        """A "Not yet" text when the check cannot take that many answers (or those names)."""
        try:
            inspect.signature(self.check_fn).bind(*answers, **named_answers)
        except TypeError:
            pass
        except ValueError:  # no signature to read: let the check itself decide
            return None
        else:
            return None
        names = ", ".join(self.answer_names) or "your answer"
        got = len(answers) + len(named_answers)
        return (
            f"{self.name}.check expects {len(self.answer_names) or 'a different number of'} "
            f"answer(s), {self.name}.check({names}), but got {got}."
        )

    def _run_check(self, args, kwargs, session, answers, named_answers):
        try:
            result = self.check_fn(*args, **kwargs)
        except NotYet as exc:
            return NOT_YET, str(exc) or self._generic_not_yet()
        except NotAttempted as exc:
            return NOT_ATTEMPTED, self.todo or str(exc) or _blank_message("your answer", ...)
        except NotImplementedError:
            return NOT_ATTEMPTED, self.todo or (
                "your code still raises NotImplementedError: replace that line with your "
                "code, run the cell, then run this check again."
            )
        except TimeLimitExceeded as exc:
            return NOT_YET, (
                f"your function {exc.name} did not return within {exc.seconds:g} s — an "
                "infinite loop? (A `while` whose condition never becomes False, or a loop "
                "variable that never changes?)"
            )
        except SystemExit:
            return NOT_YET, (
                "your code raised SystemExit (sys.exit() or exit()), which ends a script, not "
                "a function: remove it and `return` the result instead."
            )
        except Exception as exc:  # learner's error or a bug in the check: never a traceback
            deciding, _ = _innermost_frames(exc, self._checker_codes)
            if deciding is not None and deciding[0] == "learner":
                return NOT_YET, describe_exception(exc, self._checker_codes) + "."
            return NOT_YET, self._checker_failure(exc, session, answers, named_answers)
        # np.allclose returns np.bool_, whose False is not `False`.
        if isinstance(result, (bool, np.bool_)) and not result:
            return NOT_YET, self._generic_not_yet()
        if isinstance(result, str):
            return CORRECT, result
        # Anything else (None, True, or the value an expect_* helper returned) means "correct".
        return CORRECT, self.correct

    def _checker_failure(self, exc, session, answers, named_answers):
        """The message for an exception raised by the check's own code.

        If the reference solution passes this check, the check choked on the form of the
        learner's answer (a type or shape it did not anticipate): say what came and what
        the reference gives. Only when the reference fails too is it a bug in the course.
        """
        reason = f"({type(exc).__name__}: {_shorten(exc, 120)})"
        if self._reference_passes() is not True:
            return (
                f"the checker itself failed {reason}. This is a bug in the course, not "
                "necessarily in your answer: please report it. "
                f"{self.name}.solution() shows a reference answer."
            )
        came, expected = self._forms(session, answers, named_answers)
        return (
            f"the check cannot use {came}; it expects {expected}. Compare with what the task "
            f"asks for ({self.name}.hint() may help). {reason}"
        )

    def _reference_passes(self):
        """True/False: does the reference solution pass this check? None: there is none."""
        if self._reference_verdict is None:
            self._reference_verdict = "running"  # a failure inside the reference's own check
            try:
                status, _ = self.evaluate_solution()
                verdict = status == CORRECT
            except Exception:
                verdict = False
            self._reference_verdict = verdict if self.solution_source else None
        return self._reference_verdict if self._reference_verdict != "running" else False

    def _forms(self, session, answers, named_answers):
        """(what came, what was expected) in words, e.g. ("the result of most_confused, a
        tuple of 2 str", "a tuple of 2 int")."""
        try:
            reference = self.reference_answers()
        except Exception:
            reference = ()
        for index, (args, kwargs, result) in reversed(list(session.last_call.items())):
            if isinstance(index, int) and index < len(self.answer_names):
                name = self.answer_names[index]
            else:
                fn = answers[index] if isinstance(index, int) else named_answers[index]
                name = getattr(fn, "__name__", "your function")
            name = "your function" if name == "<lambda>" else name
            came = f"what {name} returned, {form(result)}"
            ref_fn = reference[index] if isinstance(index, int) and index < len(reference) else None
            if callable(ref_fn):
                try:
                    with time_limit(self.time_limit, "the reference solution"):
                        want = ref_fn(*map(_copy, args), **{k: _copy(v) for k, v in kwargs.items()})
                    return came, form(want)
                except BaseException as exc:  # noqa: BLE001 -- only to describe; never raised
                    if isinstance(exc, KeyboardInterrupt):
                        raise
            return came, "something else (see the task)"
        values = [*answers, *named_answers.values()]
        came = "your answer, " + form(values[0] if len(values) == 1 else tuple(values))
        if reference:
            return came, form(reference[0] if len(reference) == 1 else tuple(reference))
        return came, "something else (see the task)"

    def _generic_not_yet(self):
        more = f" {self.name}.hint() gives a hint." if self.hints else ""
        return "that is not the expected answer yet." + more

    def check(self, *answers, **named_answers):
        """Print ``Not attempted: ...``, ``Not yet: ...`` or ``Correct! ...`` for an answer.

        Returns ``None``, so a check cell shows only the printed line.
        """
        status, message = self.evaluate(*answers, **named_answers)
        self.last_status = status
        from companion.progress import record_check  # live class progress: off unless opted in

        record_check(self, status)
        print(f"{_PREFIX[status]} {message}".rstrip())

    # -- hints and solution -----------------------------------------------------------------

    def hint(self, n=None):
        """Print the next hint (or hint number ``n``, counting from 1)."""
        if not self.hints:
            print(f"No hint for this one; {self.name}.solution() shows a reference answer.")
            return
        total = len(self.hints)
        if n is None:
            repeat = self._hints_shown >= total
            n = min(self._hints_shown + 1, total)
        else:
            if not isinstance(n, numbers.Integral) or not 1 <= n <= total:
                raise ValueError(f"hint number must be an integer from 1 to {total}, got {n!r}.")
            repeat = False
        self._hints_shown = max(self._hints_shown, n)
        label = "Hint:" if total == 1 else f"Hint {n} of {total}:"
        text = f"{label} {self.hints[n - 1]}"
        if repeat:
            text += f" (That was the last hint; {self.name}.solution() shows a reference answer.)"
        print(text)

    def solution(self):
        """Print the reference solution's source."""
        if not self.solution_source:
            print(f"No reference solution is stored for {self.name}.")
            return
        print("Solution:")
        print(self.solution_source)

    def reference_answers(self):
        """Run ``solution_source`` and return the values of ``answer_names`` as a tuple."""
        if not self.solution_source:
            raise ValueError(f"question {self.name!r} has no solution_source to run.")
        namespace = {"np": np, "numpy": np}
        extra = self.setup() if callable(self.setup) else self.setup
        namespace.update(extra or {})
        exec(compile(self.solution_source, f"<solution of {self.name}>", "exec"), namespace)
        missing = [n for n in self.answer_names if n not in namespace]
        if missing:
            raise ValueError(
                f"solution_source of {self.name!r} does not define {missing}; "
                f"it defines {_defined_names(self.solution_source)}."
            )
        return tuple(namespace[n] for n in self.answer_names)

    def evaluate_solution(self):
        """``evaluate`` applied to the reference solution (what a test asserts is correct)."""
        return self.evaluate(*self.reference_answers())


def questions_in(module):
    """The ``Question`` objects a module defines, in order of their names (q1, q2, ...)."""
    found = [v for v in vars(module).values() if isinstance(v, Question)]
    key = lambda q: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", q.name)]
    return sorted(found, key=key)


# ---------------------------------------------------------------------------------------------
# Helpers for writing checks: each returns quietly when fine and raises NotYet with a hint.


def describe(value, max_items=6):
    """A short, readable representation of a value for hints (arrays abbreviated)."""
    if isinstance(value, np.ndarray) or (
        isinstance(value, (list, tuple)) and value and not isinstance(value[0], str)
    ):
        try:
            arr = np.asarray(value)
        except Exception:
            return _shorten(repr(value), 80)
        if arr.dtype != object:
            if arr.size > max_items:
                return f"an array of shape {arr.shape}"
            text = np.array2string(arr, precision=4, separator=", ", suppress_small=True)
            # One line, as hints are: a 2-D array's rows joined by a space.
            return re.sub(r"\s*\n\s*", " ", text)
    if isinstance(value, (float, np.floating)):
        return format(float(value), ".6g")
    if callable(value) and hasattr(value, "__name__"):
        return f"the function {value.__name__}"
    return _shorten(repr(value), 80)


def form(value):
    """The type and shape of a value in words, without its content (it may be an answer).

    >>> form((1, 2)), form(np.zeros((2, 3))), form([[1, 2], [3]])
    ('a tuple of 2 int', 'an array of shape (2, 3) and dtype float64', 'a list of 2 list')
    """
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, (tuple, list)):
        kinds = ["None" if v is None else type(v).__name__ for v in value]
        if not kinds:
            return f"an empty {type(value).__name__}"
        same = len(set(kinds)) == 1
        inner = kinds[0] if same else ", ".join(kinds[:4]) + (", ..." if len(kinds) > 4 else "")
        if not same:
            inner = f"({inner})"
        return f"a {type(value).__name__} of {len(value)} {inner}"
    if value is None:
        return "None"
    if isinstance(value, str):
        return "a string"
    article = "an" if type(value).__name__[0] in "aeiou" else "a"
    return f"{article} {type(value).__name__}"


def _kind(value):
    if callable(value) and not isinstance(value, np.ndarray):
        return "a function" if inspect.isroutine(value) else f"a {type(value).__name__} object"
    if isinstance(value, str):
        return f"the string {value!r}"
    return f"{type(value).__name__} {describe(value)}"


def _as_numeric_array(answer, name, expected_shape):
    if answer is Ellipsis or answer is None:
        raise NotAttempted(_blank_message(name, answer))
    if isinstance(answer, (str, bytes, dict, set)) or callable(answer):
        extra = " (did you forget to call it?)" if callable(answer) else ""
        raise NotYet(
            f"{name} should be a NumPy array of shape {expected_shape}, but it is "
            f"{_kind(answer)}{extra}."
        )
    try:
        arr = np.asarray(answer)
    except Exception:
        raise NotYet(
            f"{name} should be a NumPy array of shape {expected_shape}, but it cannot be turned "
            "into one (rows of different lengths?)."
        ) from None
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise NotYet(
            f"{name} should be an array of numbers of shape {expected_shape}, but it holds "
            f"{arr.dtype} values (rows of different lengths, or strings?)."
        )
    return arr


def _shape_hint(got, want, name):
    got, want = tuple(got), tuple(want)
    base = f"{name} has shape {got}, expected {want}"
    if len(got) == 2 and got == want[::-1]:
        if name.isidentifier():
            return f"{base} -- rows and columns are swapped: did you transpose {name}?"
        return f"{base} -- rows and columns are swapped: a transpose, or operands swapped?"
    if len(got) == len(want) + 1 and got[1:] == want:
        return (
            f"{base} -- there is an extra first axis: did you forget to sum or average "
            "over the batch axis (axis=0)?"
        )
    if got == want[1:]:
        return f"{base} -- the first axis is missing: did you sum or average over axis 0 too early?"
    if tuple(d for d in got if d != 1) == tuple(d for d in want if d != 1):
        return (
            f"{base} -- they differ only in axes of length 1: use keepdims=True, "
            ".reshape(...) or np.squeeze."
        )
    if int(np.prod(got)) == int(np.prod(want)):
        return f"{base} -- the same number of values, arranged differently: check a reshape."
    return f"{base}."


def _matches(answer, candidate, rtol, atol):
    candidate = np.asarray(candidate)
    return (
        answer.shape == candidate.shape
        and bool(np.all(np.isfinite(answer)))
        and bool(np.allclose(answer, candidate, rtol=rtol, atol=atol))
    )


def _value_hint(arr, want, rtol, atol, name, reveal):
    if _matches(arr, -want, rtol, atol):
        return f"{name} has the right size but the opposite sign: check a minus sign."
    if want.ndim == 2 and want.shape[0] == want.shape[1] and _matches(arr, want.T, rtol, atol):
        return f"{name} looks transposed: rows and columns are swapped."
    scale = np.abs(want) > max(atol, 1e-12)
    if scale.any():
        ratios = arr[scale] / want[scale]
        r = float(np.median(ratios))
        if np.isfinite(r) and r not in (0.0, 1.0) and _matches(arr, r * want, rtol, atol):
            return (
                f"every value of {name} is {r:.4g} times the expected one: a factor is missing "
                "or extra (a mean instead of a sum, a 1/2, the batch size?)."
            )
    diff = arr - want
    if diff.size > 1 and np.allclose(diff, diff.flat[0], rtol=0, atol=atol) and diff.flat[0] != 0:
        return (
            f"every value of {name} is off by the same {float(diff.flat[0]):+.4g}: a missing or "
            "extra constant (the bias?)."
        )
    bad = ~np.isclose(arr, want, rtol=rtol, atol=atol)
    n_bad = int(bad.sum())
    worst = np.unravel_index(int(np.argmax(np.where(bad, np.abs(diff), -1))), want.shape)
    index = tuple(int(i) for i in worst) if want.ndim else ()
    text = f"{n_bad} of {want.size} values of {name} are off"
    if reveal:
        where = f" at index {index}" if index else ""
        text += f"; e.g.{where} expected {float(want[worst]):.6g}, got {float(arr[worst]):.6g}"
    return text + "."


def expect_array(
    answer,
    expected,
    rtol=_DEFAULT_RTOL,
    atol=_DEFAULT_ATOL,
    *,
    name="your array",
    check_dtype=False,
    mistakes=(),
    shape_hint=None,
    value_hint=None,
    reveal=True,
):
    """Check that ``answer`` is an array close to ``expected``; raise ``NotYet`` with a hint.

    Close means ``|answer - expected| <= atol + rtol * |expected|`` elementwise (NumPy's
    ``isclose``). Hints name the problem: a transposed or mis-shaped array, integer dtype, NaN,
    a flipped sign, a constant factor or offset, or the first value that is off. ``mistakes``
    is a list of ``(wrong_array, hint)`` pairs for known wrong answers; ``shape_hint`` and
    ``value_hint`` are appended to the shape and value messages. Returns the answer as an array.

    Example::

        >>> expect_array(np.ones((3, 2)), np.ones((2, 3)), name="W")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        companion.exercises.core.NotYet: W has shape (3, 2), expected (2, 3) -- rows and ...
    """
    want = np.asarray(expected)
    arr = _as_numeric_array(answer, name, want.shape)
    extra = lambda hint: f" {hint}" if hint else ""
    if arr.shape != want.shape:
        raise NotYet(_shape_hint(arr.shape, want.shape, name) + extra(shape_hint))
    if np.issubdtype(want.dtype, np.floating) and not np.issubdtype(arr.dtype, np.floating):
        raise NotYet(
            f"{name} holds {arr.dtype} values, expected floating-point numbers: an integer "
            "array (np.zeros(..., dtype=int), integer literals) cannot hold fractions."
        )
    if check_dtype and arr.dtype != want.dtype:
        raise NotYet(
            f"{name} has dtype {arr.dtype}, expected {want.dtype} (Keras computes in float32 "
            f"by default): convert with .astype('{want.dtype}')."
        )
    arr_f, want_f = arr.astype(np.float64), want.astype(np.float64)
    bad = ~np.isfinite(arr_f) & np.isfinite(want_f)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise NotYet(
            f"{name} contains {int(bad.sum())} NaN or infinite value(s) (the first at index "
            f"{first}): an overflow in exp, a log of 0 or a division by zero?"
        )
    for wrong, hint in mistakes:
        if _matches(arr_f, np.asarray(wrong, dtype=np.float64), rtol, atol):
            raise NotYet(hint)
    same_nonfinite = np.array_equal(np.isfinite(arr_f), np.isfinite(want_f))
    finite = np.isfinite(want_f)
    if not same_nonfinite or not np.array_equal(arr_f[~finite], want_f[~finite], equal_nan=True):
        raise NotYet(f"{name} should be infinite or NaN exactly where the expected result is.")
    if not np.allclose(arr_f[finite], want_f[finite], rtol=rtol, atol=atol):
        hint = _value_hint(
            np.where(finite, arr_f, 0.0), np.where(finite, want_f, 0.0), rtol, atol, name, reveal
        )
        raise NotYet(hint + extra(value_hint))
    return arr


def expect_number(
    answer,
    expected,
    rtol=_DEFAULT_RTOL,
    atol=0.0,
    *,
    name="your answer",
    mistakes=None,
    reveal=False,
):
    """Check that ``answer`` is one number close to ``expected``; raise ``NotYet`` if not.

    Close means ``|answer - expected| <= atol + rtol * |expected|``. Integers are compared
    exactly when ``expected`` is an integer. ``mistakes`` maps known wrong values to hints
    (``{12: "you counted the weights but not the biases"}``, or a list of ``(value, hint)``
    pairs); a right answer is right even where a mistake gives the same number. The expected
    value is not shown unless ``reveal=True`` (it would give the answer away); the hint says
    too large or too small instead. Returns the answer as a Python number.

    Example::

        >>> expect_number(15, 12, name="n_params")
        Traceback (most recent call last):
        companion.exercises.core.NotYet: n_params = 15 is too large.
    """
    if answer is Ellipsis or answer is None:
        raise NotAttempted(_blank_message(name, answer))
    if isinstance(answer, str):
        raise NotYet(f"{name} is the string {answer!r}; write the number without quotes.")
    if isinstance(answer, (bool, np.bool_)) or callable(answer):
        raise NotYet(f"{name} should be a number, but it is {_kind(answer)}.")
    if isinstance(answer, (np.ndarray, list, tuple)):
        arr = np.asarray(answer, dtype=object)
        if arr.size != 1:
            raise NotYet(
                f"{name} should be a single number, but it is an array of shape {arr.shape}: "
                "did you forget to sum, average or index it?"
            )
        answer = arr.reshape(()).item()
        if isinstance(answer, np.generic):
            answer = answer.item()
    if not isinstance(answer, (numbers.Real, np.number)) or isinstance(answer, bool):
        raise NotYet(f"{name} should be a number, but it is {_kind(answer)}.")
    value = answer.item() if isinstance(answer, np.generic) else answer
    if isinstance(value, numbers.Integral) and abs(value) > 2**53:
        try:
            float(value)
        except OverflowError:  # 10**400: no float holds it, NumPy cannot compare it
            raise NotYet(
                f"{name} is an integer with {len(str(abs(value)))} digits, far too large: an "
                "exponent or a product that should have been a sum?"
            ) from None
    if not np.isfinite(float(value)):
        raise NotYet(f"{name} is {value}: an overflow, a log of 0 or a division by zero?")
    exact = isinstance(expected, (numbers.Integral, np.integer)) and not isinstance(expected, bool)
    if exact:
        ok = float(value) == float(expected)
    else:
        ok = bool(np.isclose(value, expected, rtol=rtol, atol=atol))
    if ok:
        return value
    pairs = mistakes.items() if isinstance(mistakes, dict) else (mistakes or ())
    for wrong, hint in pairs:
        if np.isclose(value, wrong, rtol=rtol, atol=atol):
            raise NotYet(hint)
    shown = format(value, ".6g") if isinstance(value, float) else str(value)
    if reveal:
        raise NotYet(f"{name} = {shown}, expected {describe(expected)}.")
    if expected != 0 and np.isclose(value, -expected, rtol=rtol, atol=atol):
        raise NotYet(f"{name} = {shown} has the wrong sign.")
    direction = "too large" if value > expected else "too small"
    raise NotYet(f"{name} = {shown} is {direction}.")


def expect_callable(answer, n_args=None, *, name="your function", arg_names=None):
    """Check that ``answer`` is a function that accepts ``n_args`` positional arguments.

    Example::

        >>> expect_callable(lambda x: x, n_args=2, name="dense")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        companion.exercises.core.NotYet: dense should accept 2 argument(s), but its ... is (x).
    """
    if answer is Ellipsis or answer is None:
        raise NotAttempted(_blank_message(name, answer))
    if not callable(answer):
        raise NotYet(
            f"{name} should be a function, but it is {_kind(answer)}: define it with "
            f"`def {name if name.isidentifier() else 'f'}(...):`."
        )
    if n_args is None:
        return answer
    try:
        signature = inspect.signature(answer)
    except (TypeError, ValueError):  # some builtins and ufuncs have no signature
        return answer
    try:
        signature.bind(*([None] * n_args))
    except TypeError:
        wanted = f" ({', '.join(arg_names)})" if arg_names else ""
        raise NotYet(
            f"{name} should accept {n_args} argument(s){wanted}, but its signature is {signature}."
        ) from None
    return answer


class Case:
    """The arguments of one test call: ``case(x, W, b)`` or ``case(x, axis=0)``."""

    def __init__(self, *args, **kwargs):
        self.args = args
        self.kwargs = kwargs

    def describe(self, fn=None):
        """``x = [1. 2.], W = an array of shape (2, 3)`` using the function's argument names."""
        names = []
        try:
            bound = inspect.signature(fn).bind(*self.args, **self.kwargs)
            names = list(bound.arguments.items())
        except (TypeError, ValueError):
            names = [(f"argument {i + 1}", a) for i, a in enumerate(self.args)]
            names += list(self.kwargs.items())
        return ", ".join(f"{k} = {describe(v)}" for k, v in names)

    def __repr__(self):
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"case({', '.join(parts)})"


def case(*args, **kwargs):
    """Arguments for one call of a learner's function in ``expect_function``."""
    return Case(*args, **kwargs)


def _copy(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    try:
        return copy.deepcopy(value)
    except Exception:  # objects that cannot be copied are passed as they are
        return value


def _changed(before, after):
    if isinstance(before, np.ndarray):
        return not (
            isinstance(after, np.ndarray)
            and before.shape == after.shape
            and np.array_equal(before, after, equal_nan=before.dtype.kind == "f")
        )
    return False


def expect_function(
    fn,
    cases,
    reference=None,
    expected=None,
    rtol=_DEFAULT_RTOL,
    atol=_DEFAULT_ATOL,
    *,
    name="your function",
    compare=None,
    allow_mutation=False,
    check_dtype=False,
):
    """Call a learner's function on several cases and stop at the first one that is wrong.

    ``cases`` is a list of ``case(...)`` (or plain values for one-argument functions).
    Expected results come from ``reference(*args, **kwargs)`` or from the list ``expected``.
    Results are compared with ``expect_array`` (or ``expect_number`` for scalars), or with
    ``compare(result, expected)`` which raises ``NotYet``. Exceptions in the learner's function
    become "Not yet" messages naming the case and the line; changing an input array in place is
    reported unless ``allow_mutation``.

    Example::

        >>> expect_function(lambda x: x * 2, [case(np.array([1.0, -1.0]))],
        ...                 reference=lambda x: np.maximum(x, 0), name="relu")
        ... # doctest: +ELLIPSIS
        Traceback (most recent call last):
        companion.exercises.core.NotYet: for x = [ 1., -1.]: 2 of 2 values of the output of ...
    """
    expect_callable(fn, name=name)
    cases = [c if isinstance(c, Case) else Case(c) for c in cases]
    if (reference is None) == (expected is None):
        raise TypeError("expect_function needs exactly one of reference= or expected=.")
    if expected is not None and len(expected) != len(cases):
        raise ValueError(
            f"expect_function got {len(cases)} cases but {len(expected)} expected results."
        )
    for i, c in enumerate(cases):
        label = f"for {c.describe(fn)}"
        if reference is not None:  # on copies too: a reference may work in place
            want = reference(*map(_copy, c.args), **{k: _copy(v) for k, v in c.kwargs.items()})
        else:
            want = expected[i]
        args = [_copy(a) for a in c.args]
        kwargs = {k: _copy(v) for k, v in c.kwargs.items()}
        try:
            result = fn(*args, **kwargs)
        except (NotYet, NotAttempted):
            raise
        except NotImplementedError:
            raise NotAttempted(
                f"{name} still raises NotImplementedError: replace that line with your code."
            ) from None
        except Exception as exc:  # the learner's function failed on this case
            raise NotYet(f"{label}, {describe_exception(exc)}.") from None
        if result is Ellipsis or result is None:
            raise _returned_blank(name, result)
        for before, after in zip(
            [*c.args, *c.kwargs.values()], [*args, *kwargs.values()], strict=True
        ):
            if not allow_mutation and _changed(before, after):
                raise NotYet(
                    f"{label}, {name} changed its input array in place (an assignment like "
                    "x[...] = ... or x += ... modifies the caller's array): work on a copy, "
                    "e.g. with np.maximum or x.copy()."
                )
        result_name = f"the output of {name}"
        with for_case(label):
            if compare is not None:
                compare(result, want)
            elif np.ndim(want) == 0 and not isinstance(want, np.ndarray):
                expect_number(result, want, rtol, atol, name=result_name, reveal=True)
            else:
                expect_array(result, want, rtol, atol, name=result_name, check_dtype=check_dtype)
    return None


def expect_choice(answer, choices, correct, *, name="your answer", explanations=None):
    """Check a multiple-choice answer (case and surrounding spaces are ignored for strings).

    ``explanations`` maps wrong choices to the reason they are wrong.

    Example::

        >>> expect_choice("tanh", ["sigmoid", "tanh", "relu"], "relu",
        ...               explanations={"tanh": "tanh saturates for large |x|."})
        Traceback (most recent call last):
        companion.exercises.core.NotYet: tanh saturates for large |x|.
    """
    if answer is Ellipsis or answer is None:
        raise NotAttempted(_blank_message(name, answer))
    norm = lambda v: v.strip().lower() if isinstance(v, str) else v
    options = {norm(c): c for c in choices}
    key = norm(answer)
    if key not in options:
        listed = ", ".join(repr(c) for c in choices)
        raise NotYet(f"{name} should be one of {listed}, but it is {_kind(answer)}.")
    if key != norm(correct):
        explanations = {norm(k): v for k, v in (explanations or {}).items()}
        fallback = f"{options[key]!r} is not the best choice; think again."
        raise NotYet(explanations.get(key, fallback))
    return options[key]


__all__ = [
    "CORRECT",
    "NOT_ATTEMPTED",
    "NOT_YET",
    "Case",
    "NotAttempted",
    "NotYet",
    "Question",
    "case",
    "describe",
    "describe_exception",
    "expect_array",
    "expect_callable",
    "expect_choice",
    "expect_function",
    "expect_number",
    "for_case",
    "form",
    "questions_in",
    "time_limit",
    "TIME_LIMIT",
    "TimeLimitExceeded",
    "call_learner",
    "require_result",
    "load_keras",
    "expect_keras_layers",
    "keras_setup",
    "unwrap_keras_error",
]
