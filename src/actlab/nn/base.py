"""The engine contract: what every layer, loss and callback provides.

A layer owns its parameters and their gradients in two dicts with the same keys
(``params`` and ``grads``); optimizers update ``params`` in place and never see
layers (scikit-learn's MLP keeps the same split). ``forward`` caches what
``backward`` needs; ``backward(dy)`` fills ``grads`` and returns ``dx``.
"""

from __future__ import annotations

from typing import Any

import numpy as np


#: Every ``Layer`` subclass, keyed by class name; ``load`` rebuilds layers from it. Subclasses are
#: registered automatically (``Layer.__init_subclass__``), so a layer defined in any module
#: (conv.py) round-trips through ``save``/``load`` once that module is imported.
LAYER_TYPES: dict[str, type[Layer]] = {}


def register_layer(cls: type[Layer]) -> type[Layer]:
    """Register ``cls`` under its class name (done automatically for every subclass).

    Re-defining a class in the same module (a reload) replaces the entry; two different modules
    defining the same class name raise ``ValueError``.
    """
    other = LAYER_TYPES.get(cls.__name__)
    if other is not None and other is not cls and other.__module__ != cls.__module__:
        raise ValueError(
            f"layer type {cls.__name__!r} is already registered by {other.__module__}"
        )
    LAYER_TYPES[cls.__name__] = cls
    return cls


class Layer:
    """Base class. Subclasses set ``params``/``grads`` and override the methods.

    Additions used by the engine (all optional for a subclass):

    ``buffers``
        non-trainable arrays saved with the model (BatchNorm's running statistics);
        read it with ``getattr(layer, "buffers", {})``.
    ``decay_keys``
        parameter keys that L1/L2 penalties and decoupled weight decay apply to
        (default ``("W",)``: weights, not biases, BatchNorm's gamma/beta or PReLU's slope).
    ``recommended_init()``
        the initializer a preceding weight layer with ``init="auto"`` should use
        (see :func:`recommended_init`).
    ``init`` / ``auto_init``
        a weight layer whose ``init`` attribute is ``"auto"`` gets ``auto_init`` set by
        ``Sequential`` before ``build`` (the recommendation of the next activation).
    """

    params: dict[str, np.ndarray]
    grads: dict[str, np.ndarray]
    decay_keys: tuple[str, ...] = ("W",)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__name__.startswith("_"):
            register_layer(cls)

    def __init__(self) -> None:
        self.params = {}
        self.grads = {}
        self.buffers: dict[str, np.ndarray] = {}

    def build(self, rng: np.random.Generator, dtype: np.dtype) -> None:
        """Allocate and initialise parameters (called once by ``Sequential``)."""

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        raise NotImplementedError

    def backward(self, dy: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def config(self) -> dict[str, Any]:
        """JSON-able constructor arguments: ``type(self)(**config())`` rebuilds the layer."""
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items())
        return f"{type(self).__name__}({args})"



def recommended_init(layer: Layer) -> str | None:
    """The initializer a preceding weight layer with ``init="auto"`` should use, or ``None``.

    A layer opts in by defining a ``recommended_init()`` method (the Activation layer returns its
    catalogue entry's ``info.init``; PReLU returns ``"he_normal"``).
    """
    method = getattr(layer, "recommended_init", None)
    return method() if callable(method) else None
