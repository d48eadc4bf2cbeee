"""``Sequential``: a stack of layers built with one seeded Generator, in one float dtype.

>>> import numpy as np
>>> from actlab.nn import Dense, Activation, Sequential
>>> model = Sequential([Dense(3, 4), Activation("relu"), Dense(4, 2)], seed=0)
>>> model.predict(np.zeros((5, 3))).shape
(5, 2)
>>> model.layers[0].auto_init   # Dense(init="auto") followed by relu
'he_normal'
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from .._util_checks import integer
from ..activations._arrays import QUIET, quietly
from .base import LAYER_TYPES, Layer, recommended_init

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


class LayerError(ValueError):
    """A layer rejected its input; the message names the layer index, its type and the shapes."""


def _float_dtype(dtype: Any) -> np.dtype:
    dt = np.dtype(dtype)
    if dt not in FLOAT_DTYPES:
        raise ValueError(f"dtype must be float32 or float64, got {dt}")
    return dt


class quiet:
    """``with quiet():`` ignore NumPy's floating-point errors once for many engine calls.

    Overflow to inf and NaN from it are IEEE results the callers check for (``fit`` raises
    ``TrainingDiverged``): the engine never emits a RuntimeWarning. Each entry point
    (``Sequential.forward``/``backward``, a loss, an activation's NumPy path) sets
    ``np.errstate(all="ignore")`` for itself, about 1 us a call; inside ``quiet()`` they skip it,
    so a hand-written training loop pays it once (``fit`` runs its loop inside one). Inside,
    NumPy's error state is the one ``quiet()`` set: leave it as it is there.

    >>> import numpy as np
    >>> with quiet():
    ...     float(np.float32(3e38) * np.float32(10))
    inf
    """

    __slots__ = ("_errstate", "_token")

    def __init__(self) -> None:
        self._token: Any = None

    def __enter__(self) -> quiet:
        if self._token is not None:
            raise TypeError("cannot enter the same quiet() twice")
        self._errstate = np.errstate(all="ignore")
        self._errstate.__enter__()
        self._token = QUIET.set(True)
        return self

    def __exit__(self, *exc: Any) -> None:
        QUIET.reset(self._token)
        self._token = None
        self._errstate.__exit__(*exc)


class Sequential:
    """Layers applied in order. ``seed`` seeds every initializer and dropout mask.

    ``forward(x, training=)`` / ``backward(dy)`` run the whole stack; ``parameters()`` and
    ``gradients()`` are matching lists for an optimizer; ``decay_mask()`` says which of them are
    weights (for penalties and weight decay). Inputs are converted to ``dtype`` once, at the
    first layer; every layer keeps that dtype.
    """

    def __init__(self, layers: Iterable[Layer], *, seed: int = 0, dtype: Any = np.float32) -> None:
        self.layers: list[Layer] = list(layers)
        for i, layer in enumerate(self.layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"layer {i} is {layer!r}, not an actlab.nn Layer")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise ValueError(f"seed must be an integer, got {seed!r}")
        self.seed = int(seed)
        self.dtype = _float_dtype(dtype)
        self.build()

    # ------------------------------------------------------------------ building
    def _auto_init(self, i: int) -> str:
        """Initializer for a weight layer at index ``i`` with ``init="auto"``."""
        for layer in self.layers[i + 1:]:
            rec = recommended_init(layer)
            if rec is not None:
                return rec
            if getattr(layer, "init", None) is not None:  # another weight layer: stop looking
                break
        return "glorot_uniform"

    def build(self) -> None:
        """(Re)initialise every layer from ``seed`` (called by the constructor)."""
        rng = np.random.default_rng(self.seed)
        for i, layer in enumerate(self.layers):
            if isinstance(getattr(layer, "init", None), str) and layer.init == "auto":
                layer.auto_init = self._auto_init(i)
            layer.build(rng, self.dtype)
        # Without an input gradient, back-propagation can stop at the first layer that has
        # parameters: the parameter-free layers below it (Unflatten, Flatten, ...) only make dx.
        self._first_trained = next(
            (i for i, layer in enumerate(self.layers) if layer.params), len(self.layers)
        )
        first = (self.layers[self._first_trained].backward
                 if self._first_trained < len(self.layers) else None)
        self._first_skips_dx = (
            first is not None and "need_dx" in inspect.signature(first).parameters
        )

    # ------------------------------------------------------------------ containers
    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)

    def __getitem__(self, i: int) -> Layer:
        return self.layers[i]

    def __repr__(self) -> str:
        inner = ",\n".join(f"  {layer!r}" for layer in self.layers)
        return f"Sequential([\n{inner}\n], seed={self.seed}, dtype={self.dtype.name})"

    def parameters(self) -> list[np.ndarray]:
        """Every trainable array, layer by layer, in each layer's ``params`` order."""
        return [p for layer in self.layers for p in layer.params.values()]

    def gradients(self) -> list[np.ndarray]:
        """The gradient arrays matching :meth:`parameters` one for one."""
        return [layer.grads[k] for layer in self.layers for k in layer.params]

    def decay_mask(self) -> list[bool]:
        """For each parameter, whether penalties and weight decay apply (``layer.decay_keys``)."""
        return [
            k in getattr(layer, "decay_keys", ("W",))
            for layer in self.layers
            for k in layer.params
        ]

    def named_parameters(self) -> list[tuple[str, np.ndarray]]:
        """``("<index>.<Type>.<key>", array)`` pairs in :meth:`parameters` order."""
        return [
            (f"{i}.{type(layer).__name__}.{k}", p)
            for i, layer in enumerate(self.layers)
            for k, p in layer.params.items()
        ]

    @property
    def n_params(self) -> int:
        return int(sum(p.size for p in self.parameters()))

    # ------------------------------------------------------------------ passes
    def _as_input(self, x: Any) -> np.ndarray:
        if isinstance(x, np.ma.MaskedArray):
            raise TypeError("masked arrays are not supported: pass x.filled(value) or drop the "
                            "masked samples")
        a = np.asarray(x)
        if a.dtype != self.dtype:
            if a.dtype.kind not in "biuf":
                raise ValueError(f"input has dtype {a.dtype}; expected numbers")
            with np.errstate(over="ignore"):  # beyond float32's range: inf, as IEEE says
                a = a.astype(self.dtype)
        return a

    @staticmethod
    def _layer_error(layer: Layer, i: int, x: np.ndarray, e: ValueError) -> LayerError:
        return LayerError(f"layer {i} ({type(layer).__name__}: {layer!r}) cannot take input of "
                          f"shape {x.shape}: {e}")

    def _run(self, layer: Layer, i: int, x: np.ndarray, training: bool) -> np.ndarray:
        try:
            return layer.forward(x, training=training)
        except LayerError:
            raise
        except ValueError as e:
            raise self._layer_error(layer, i, x, e) from e

    def forward(self, x: Any, *, training: bool = False) -> np.ndarray:
        """Output of the whole stack (caches what :meth:`backward` needs)."""
        if type(x) is not np.ndarray or x.dtype is not self.dtype:
            x = self._as_input(x)
        if QUIET.get():  # inside nn.quiet() (fit's loop): errors are ignored already
            return self._forward(x, training)
        return quietly(self._forward, x, training)

    def _forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        layers = self.layers
        try:
            for i, layer in enumerate(layers):
                x = layer.forward(x, training=training)
        except LayerError:
            raise
        except ValueError as e:
            raise self._layer_error(layers[i], i, x, e) from e
        return x

    __call__ = forward

    def forward_trace(self, x: Any, *, training: bool = False) -> list[np.ndarray]:
        """Every layer's output, in order (``len(result) == len(model)``; the last is the model
        output). Arrays may share memory with each other (Flatten returns a view)."""
        x = self._as_input(x)
        outs = []
        for i, layer in enumerate(self.layers):
            x = self._run(layer, i, x, training)
            outs.append(x)
        return outs

    def backward(self, dy: np.ndarray, *, need_input_grad: bool = True) -> np.ndarray | None:
        """Back-propagate ``dy`` (the loss gradient w.r.t. the output); fills every layer's
        ``grads`` (overwriting) and returns the gradient w.r.t. the input, or ``None`` when
        ``need_input_grad=False`` lets back-propagation stop at the first layer with parameters,
        which then skips its own input-gradient product."""
        if type(dy) is not np.ndarray:
            dy = np.asarray(dy)
        if QUIET.get():
            return self._backward(dy, need_input_grad)
        return quietly(self._backward, dy, need_input_grad)

    def _backward(self, dy: np.ndarray, need_input_grad: bool) -> np.ndarray | None:
        layers = self.layers
        if need_input_grad or not layers:
            for layer in reversed(layers):
                dy = layer.backward(dy)
            return dy
        # stop at the first layer with parameters (the last layer when none has any)
        stop = min(self._first_trained, len(layers) - 1)
        for i in range(len(layers) - 1, stop, -1):
            dy = layers[i].backward(dy)
        if self._first_skips_dx:
            layers[stop].backward(dy, need_dx=False)
        else:
            layers[stop].backward(dy)
        return None

    def predict(self, X: Any, *, batch_size: int = 1024) -> np.ndarray:
        """Outputs in evaluation mode (dropout off, BatchNorm running statistics), in batches.

        These are the network's raw outputs (logits for a classifier trained with
        ``softmax_cross_entropy``), as Keras' ``Model.predict`` returns them, not
        scikit-learn's labels: a ``Sequential`` is a stack of layers and does not know which
        loss it was trained with. Labels are ``predict(X).argmax(axis=1)`` (one logit per
        class) or ``predict(X)[:, 0] > 0`` (one logit, binary cross-entropy); probabilities are
        ``actlab.softmax(predict(X))`` or ``actlab.sigmoid(...)``.
        """
        batch_size = integer(batch_size, "predict: batch_size", minimum=1)
        X = self._as_input(X)
        if X.ndim == 0:
            raise ValueError("predict: X must have a sample axis, got a scalar")
        if len(X) <= batch_size:
            return self.forward(X)
        return np.concatenate(
            [self.forward(X[i:i + batch_size]) for i in range(0, len(X), batch_size)]
        )

    def evaluate(self, X: Any, y: Any, loss: Any, *, batch_size: int = 1024) -> dict[str, Any]:
        """``{"loss": mean loss, "accuracy": float or None}`` in evaluation mode."""
        from .losses import get_loss

        loss = get_loss(loss)
        batch_size = integer(batch_size, "evaluate: batch_size", minimum=1)
        X = self._as_input(X)
        y = np.asarray(y)
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
        if len(X) == 0:
            raise ValueError("evaluate: no samples")
        total, correct = 0.0, 0.0
        for i in range(0, len(X), batch_size):
            out = self.forward(X[i:i + batch_size])
            yb = y[i:i + batch_size]
            with quiet():
                total += loss.value(out, yb) * len(out)
            acc = loss.accuracy(out, yb)
            correct = None if acc is None else correct + acc * len(out)
        return {
            "loss": total / len(X),
            "accuracy": None if correct is None else correct / len(X),
        }

    # ------------------------------------------------------------------ state
    def state(self) -> dict[str, np.ndarray]:
        """Copies of every parameter and buffer, keyed ``"<i>.params.<k>"`` and
        ``"<i>.buffers.<k>"`` (``i`` the layer index)."""
        out = {}
        for i, layer in enumerate(self.layers):
            for k, p in layer.params.items():
                out[f"{i}.params.{k}"] = p.copy()
            for k, b in getattr(layer, "buffers", {}).items():
                out[f"{i}.buffers.{k}"] = b.copy()
        return out

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        """Copy arrays from :meth:`state` into the existing arrays (shapes must match)."""
        own = self._state_arrays()
        missing = sorted(set(own) - set(state))
        extra = sorted(set(state) - set(own))
        if missing or extra:
            raise ValueError(
                f"state does not fit this model: missing {missing}, unexpected {extra}"
            )
        for k, dst in own.items():
            src = np.asarray(state[k])
            if src.shape != dst.shape:
                raise ValueError(f"state {k!r} has shape {src.shape}, the model {dst.shape}")
            np.copyto(dst, src, casting="same_kind")

    def _state_arrays(self) -> dict[str, np.ndarray]:
        out = {}
        for i, layer in enumerate(self.layers):
            for k, p in layer.params.items():
                out[f"{i}.params.{k}"] = p
            for k, b in getattr(layer, "buffers", {}).items():
                out[f"{i}.buffers.{k}"] = b
        return out

    def all_finite(self) -> bool:
        """Whether every parameter and buffer is finite."""
        return all(bool(np.isfinite(a).all()) for a in self._state_arrays().values())

    # ------------------------------------------------------------------ config
    def config(self) -> dict[str, Any]:
        """JSON-able architecture: layer types and configs, seed, dtype."""
        return {
            "layers": [
                {"type": type(layer).__name__, "config": layer.config()} for layer in self.layers
            ],
            "seed": self.seed,
            "dtype": self.dtype.name,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Sequential:
        """Rebuild (freshly initialised) from :meth:`config`."""
        layers = []
        for i, entry in enumerate(config["layers"]):
            name = entry["type"]
            if name not in LAYER_TYPES:
                raise ValueError(
                    f"layer {i}: unknown layer type {name!r} "
                    f"(known: {', '.join(sorted(LAYER_TYPES))})"
                )
            layers.append(LAYER_TYPES[name](**entry.get("config", {})))
        return cls(layers, seed=config.get("seed", 0), dtype=config.get("dtype", "float32"))

    def astype(self, dtype: Any) -> Sequential:
        """A copy in another dtype with the same weights and buffers (float64 for gradcheck)."""
        other = Sequential.from_config({**self.config(), "dtype": np.dtype(dtype).name})
        other.load_state(self.state())
        for mine, theirs in zip(self.layers, other.layers):  # same dropout stream
            if isinstance(getattr(mine, "rng", None), np.random.Generator):
                theirs.rng.bit_generator.state = mine.rng.bit_generator.state
        return other

    def copy(self) -> Sequential:
        return self.astype(self.dtype)

    def _repr_html_(self) -> str:
        """Notebook display: one row per layer with its output shape and parameter count."""
        from .._util_html import page, table
        from .export._common import input_shape

        shape = input_shape(self)
        shapes: list[Any] = ["?"] * len(self.layers)
        if all(isinstance(d, int) for d in shape[1:]):
            try:
                outs = self.forward_trace(np.zeros([1, *shape[1:]], self.dtype))
                shapes = [("N", *o.shape[1:]) for o in outs]
            except ValueError:  # a stack that does not fit together: shapes stay unknown
                pass
        rows = [[i, repr(layer), shapes[i], f"{sum(p.size for p in layer.params.values()):,}"]
                for i, layer in enumerate(self.layers)]
        rows.append(["", "total", "", f"{self.n_params:,}"])
        return page(f"Sequential ({self.dtype.name}, seed {self.seed})",
                    table(["#", "layer", "output shape", "params"], rows))

    def summary(self) -> str:
        """One line per layer with its parameter count."""
        names = [repr(layer) for layer in self.layers]
        w = max([len("total"), *map(len, names)])
        lines = [f"{'#':>3}  {'layer':<{w}} {'params':>10}"]
        for i, (layer, name) in enumerate(zip(self.layers, names)):
            n = sum(p.size for p in layer.params.values())
            lines.append(f"{i:>3}  {name:<{w}} {n:>10,}")
        lines.append(f"     {'total':<{w}} {self.n_params:>10,}  ({self.dtype.name})")
        return "\n".join(lines)
