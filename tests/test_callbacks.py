"""companion.callbacks: what the hooks promise beyond their use inside fit (see test_models)."""

import gc
import weakref

import numpy as np

from companion import callbacks, layers, models


def _trained_net():
    net = models.Sequential([layers.Dense(4, "relu", seed=0), layers.Dense(2, seed=1)])
    net.compile(optimizer="adam", loss="mse")
    rec = callbacks.History()
    net.fit(np.ones((8, 3)), np.zeros((8, 2)), batch_size=4, callbacks=[rec])
    return net, rec


def test_a_trained_model_is_freed_without_the_cyclic_collector():
    """fit keeps its History on the model; the callbacks' reference back is weak, so a sweep
    that trains and drops networks does not keep them (and their optimizer state) alive until
    Python's next full collection."""
    gc.disable()
    try:
        net, rec = _trained_net()
        assert rec.model is net and net.history.model is net
        alive = weakref.ref(net)
        del net
        assert alive() is None
        assert rec.model is None  # the callback outlives the model and says so
    finally:
        gc.enable()


def test_callback_model_can_be_set_and_cleared():
    cb = callbacks.Callback()
    assert cb.model is None
    net, _ = _trained_net()
    cb.set_model(net)
    assert cb.model is net
    cb.model = None
    assert cb.model is None


def test_a_subclass_that_skips_init_still_has_a_model_attribute():
    class Bare(callbacks.Callback):
        def __init__(self):  # no super().__init__()
            self.params = {}

    assert Bare().model is None
