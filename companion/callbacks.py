"""Callbacks for ``companion.models.Sequential.fit``: hooks that run at fixed points of training.

The hooks and their order are Keras's: ``on_train_begin``, then for each epoch
``on_epoch_begin``, ``on_train_batch_begin`` / ``on_train_batch_end`` per batch (which call
``on_batch_begin`` / ``on_batch_end`` unless overridden), ``on_epoch_end`` (``logs`` holds the
epoch's ``loss``, metrics and ``val_*`` values), and finally ``on_train_end``. A callback sees
the model as ``self.model`` and may set ``self.model.stop_training = True``.

A notebook can record anything it likes:

    class RecordNorms(Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.norms.append(np.linalg.norm(self.model.get_weights()[0]))
"""

import numbers
import warnings
import weakref

from companion.utils import check_bool

__all__ = ["Callback", "History", "EarlyStopping"]


class Callback:
    """Base class: every hook does nothing, so a subclass overrides only what it needs."""

    def __init__(self):
        self.model = None
        self.params = {}

    @property
    def model(self):
        """The model ``fit`` is training (``None`` before ``fit``, or once that model is gone).

        Held by a weak reference: ``fit`` keeps its ``History`` on the model (``model.history``),
        and a strong reference back would make every trained model a reference cycle, which
        only Python's occasional full garbage collection frees. A learning-rate sweep would
        then keep every network it trained, weights and optimizer state, in memory.
        """
        ref = getattr(self, "_model_ref", None)
        return ref() if ref is not None else None

    @model.setter
    def model(self, model):
        self._model_ref = None if model is None else weakref.ref(model)

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_batch_begin(self, batch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)


class History(Callback):
    """Records each epoch's logs: ``history.history["loss"]`` is the list of epoch losses.

    ``fit`` returns one. ``history.epoch`` lists the epoch indices (from 0) and
    ``history.params`` holds ``{"verbose", "epochs", "steps"}`` as in Keras.
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


# Metrics whose larger values are better; "auto" mode needs to know the direction.
_MAXIMIZE = {
    "accuracy",
    "acc",
    "binary_accuracy",
    "categorical_accuracy",
    "sparse_categorical_accuracy",
}
_MINIMIZE = {"loss", "mse", "mae", "mean_squared_error", "mean_absolute_error"}


class EarlyStopping(Callback):
    """Stop training when the monitored value has stopped improving, with Keras's rules.

    At each epoch end (from ``start_from_epoch`` on): ``wait`` grows by one; an improvement,
    i.e. ``current + min_delta < best`` (mode "min") or ``current - min_delta > best`` (mode
    "max"), records the new best and resets ``wait`` to 0 (if it also beats ``baseline``);
    otherwise, once ``wait >= patience`` (and after the first epoch) training stops. Mode
    "auto" minimises losses and maximises accuracies. With ``restore_best_weights=True`` the
    weights of the best epoch are put back when training ends.

    Example:
        >>> stop = EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
        >>> # model.fit(x, y, validation_data=(xv, yv), epochs=100, callbacks=[stop])
    """

    def __init__(
        self,
        monitor="val_loss",
        min_delta=0,
        patience=0,
        verbose=0,
        mode="auto",
        baseline=None,
        restore_best_weights=False,
        start_from_epoch=0,
    ):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            # Keras warns and falls back to "auto"; a typo deserves an error here.
            raise ValueError(
                f"EarlyStopping mode must be 'auto', 'min' or 'max', but got {mode!r}."
            )
        if not isinstance(monitor, str) or not monitor:
            # Checked here, not after the first epoch has trained.
            raise TypeError(
                "EarlyStopping's `monitor` must be the name of a logged value such as "
                f"'val_loss' or 'val_accuracy', but got {monitor!r}."
            )
        for key, value in (("patience", patience), ("start_from_epoch", start_from_epoch)):
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{key} must be a non-negative integer, but got {value!r}.")
        for key, value in (("min_delta", min_delta), ("baseline", baseline)):
            if value is None and key == "baseline":
                continue
            if (
                isinstance(value, bool)
                or not isinstance(value, numbers.Real)
                or not abs(float(value)) < float("inf")
            ):
                raise ValueError(f"`{key}` must be a finite number, but got {value!r}.")
        self.monitor = monitor
        self.mode = mode
        self.min_delta = abs(min_delta)
        self.patience = int(patience)
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = check_bool(restore_best_weights, "restore_best_weights")
        self.start_from_epoch = int(start_from_epoch)
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0
        self._maximize = None

    def _direction(self):
        if self.mode != "auto":
            return self.mode == "max"
        name = self.monitor.removeprefix("val_")
        if name in _MINIMIZE:
            return False
        if name in _MAXIMIZE:
            return True
        raise ValueError(
            f"EarlyStopping cannot tell whether monitor={self.monitor!r} should be maximized "
            "or minimized. Pass mode='max' (for the highest value) or mode='min'."
        )

    def _is_improvement(self, value, reference):
        if reference is None:
            return True
        # An improvement must beat the reference by more than min_delta.
        if self._maximize:
            return value - self.min_delta > reference
        return value + self.min_delta < reference

    def on_train_begin(self, logs=None):
        # Reset so that one instance can serve several fit() calls (as Keras does).
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0
        # Which direction is better, decided before the first epoch trains (an ambiguous
        # monitor name is an error at the start of fit, not after an epoch of work).
        self._maximize = self._direction()

    def on_epoch_end(self, epoch, logs=None):
        if self._maximize is None:
            self._maximize = self._direction()
        logs = logs or {}
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"Early stopping conditioned on metric `{self.monitor}` which is not "
                f"available. Available metrics are: {','.join(logs)}",
                stacklevel=2,
            )
            return
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # Until something improves, the first monitored epoch counts as the best.
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(
                    "Restoring model weights from the end of the best epoch: "
                    f"{self.best_epoch + 1}."
                )
            self.model.set_weights(self.best_weights)
