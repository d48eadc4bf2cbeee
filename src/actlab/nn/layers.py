"""Layers: Dense, Activation (any catalogue entry), Flatten, Dropout, PReLU, BatchNorm.

Every layer follows :class:`actlab.nn.base.Layer`: ``forward(x, training=)`` caches what
``backward`` needs, ``backward(dy)`` *overwrites* ``grads`` (it never accumulates) and returns
``dx``; ``config()`` is JSON-able and ``type(layer)(**layer.config())`` rebuilds the layer.
Arrays keep the model's float dtype end to end (float32 by default; no silent upcasts).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Layer
from .._util_checks import check_memory, integer, is_real, real
from .init import get_initializer, initializer_name


_sum_into = np.add.reduce  # (array, axis, dtype, out): what ndarray.sum calls


def _shape_error(layer: Layer, got: tuple[int, ...], expected: str) -> ValueError:
    return ValueError(f"{layer!r} expects input of shape {expected}, got {got}")


class Dense(Layer):
    """Affine map ``y = x @ W + b`` with ``W`` of shape ``(in_features, out_features)``.

    ``init="auto"`` takes the recommended initializer of the activation that follows in a
    ``Sequential`` (``info.init`` of the catalogue entry: He for the ReLU family, Glorot for
    tanh/sigmoid, LeCun for SELU), ``glorot_uniform`` when none follows. ``bias_init`` is a name,
    a number (``0.1``, the articles' advice for ReLU) or ``"constant:0.1"``.

    >>> layer = Dense(3, 2, init="zeros", bias_init=0.5)
    >>> layer.build(np.random.default_rng(0), np.float32)
    >>> layer.forward(np.ones((1, 3), np.float32))
    array([[0.5, 0.5]], dtype=float32)
    """

    decay_keys = ("W",)

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        init: str | float = "auto",
        bias_init: str | float = "zeros",
        bias: bool = True,
    ) -> None:
        super().__init__()
        for what, n in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
                raise ValueError(f"Dense: {what} must be a positive integer, got {n!r}")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        self.init = init if init == "auto" else initializer_name(init)
        self.bias_init = initializer_name(bias_init)
        self.bias = bool(bias)
        if self.init != "auto":
            get_initializer(self.init)  # fail early on a bad name
        get_initializer(self.bias_init)
        self.auto_init = "glorot_uniform"
        self._x: np.ndarray | None = None

    def build(self, rng: np.random.Generator, dtype: np.dtype) -> None:
        name = self.auto_init if self.init == "auto" else self.init
        shape = (self.in_features, self.out_features)
        # weights, gradients, two optimizer moments and the initializer's float64 draw
        check_memory(6 * self.in_features * self.out_features * np.dtype(dtype).itemsize,
                     f"{self!r}")
        self.params = {"W": get_initializer(name)(shape, rng, dtype)}
        if self.bias:
            self.params["b"] = get_initializer(self.bias_init)((self.out_features,), rng, dtype)
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise _shape_error(self, x.shape, f"(batch, {self.in_features})")
        self._x = x
        y = np.matmul(x, self.params["W"])
        if self.bias:
            np.add(y, self.params["b"], out=y)
        return y

    def backward(self, dy: np.ndarray, *, need_dx: bool = True) -> np.ndarray | None:
        x = self._x
        if x is None:
            raise RuntimeError("Dense.backward called before forward")
        grads = self.grads
        np.matmul(x.T, dy, out=grads["W"])
        if self.bias:  # dy.sum(axis=0, out=...) without the method's Python wrapper
            _sum_into(dy, 0, None, grads["b"])
        return np.matmul(dy, self.params["W"].T) if need_dx else None

    def config(self) -> dict[str, Any]:
        return {
            "in_features": self.in_features,
            "out_features": self.out_features,
            "init": self.init,
            "bias_init": self.bias_init,
            "bias": self.bias,
        }


class Activation(Layer):
    """Any catalogue activation as a layer: ``Activation("leaky_relu", alpha=0.2)``.

    The backward pass is the catalogue's vector-Jacobian product ``f.backward(dy, x, y)``, so
    vector-valued entries (softmax, log_softmax) work as hidden layers too.
    """

    decay_keys = ()

    def __init__(self, name: Any, *, expr: str | None = None, trainable: Any = (),
                 channels: int | None = None, **params: Any) -> None:
        super().__init__()
        import actlab

        if expr is not None:  # a custom formula (saved models): re-parsed by the whitelist
            named = isinstance(name, str) and not name.startswith("expr:")
            self.f = actlab.define(expr, name if named else None, **params)
        else:
            self.f = actlab.get(name, **params)
        self.trainable = (trainable,) if isinstance(trainable, str) else tuple(trainable)
        self._learn = None
        if self.trainable:
            from .trainable import ParamState, attach_curves

            self._learn = ParamState(self.f, self.trainable, channels)
            self.f = self._learn.f
            attach_curves(self, self._learn)
        self.channels = channels
        self._x: np.ndarray | None = None
        self._y: np.ndarray | None = None

    @property
    def name(self) -> str:
        return self.f.name

    def recommended_init(self) -> str:
        return self.f.info.init

    def build(self, rng: np.random.Generator, dtype: np.dtype) -> None:
        if self._learn is not None:
            self.params, self.grads = self._learn.init(dtype)

    def learned(self) -> Any:
        """The activation as trained now (a list, one per channel, with ``channels=C``)."""
        return self.f if self._learn is None else self._learn.learned(self.params)

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        # f(x) itself is the hot path: plain float32 arrays go straight to the compiled kernel
        y = self.f(x) if self._learn is None else self._learn.forward(x, self.params)
        self._x, self._y = x, y
        return y

    def backward(self, dy: np.ndarray) -> np.ndarray:
        x = self._x
        if x is None:
            raise RuntimeError("Activation.backward called before forward")
        if self._learn is not None:
            return self._learn.backward(dy, x, self.params, self.grads)
        return self.f.backward(dy, x, self._y)

    def config(self) -> dict[str, Any]:
        out = {"name": self.f.name, **self.f.params}
        if "expr" in self.f.spec.extra:
            out["expr"] = self.f.spec.extra["expr"]
        if self.trainable:
            out.update(trainable=list(self.trainable), channels=self.channels)
        return out


class Flatten(Layer):
    """``(batch, d1, d2, ...) -> (batch, d1*d2*...)``."""

    decay_keys = ()

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        if x.ndim < 1:
            raise _shape_error(self, x.shape, "(batch, ...)")
        self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        return dy.reshape(self._shape)


class Dropout(Layer):
    """Inverted dropout: in training zero each unit with probability ``p`` and scale the rest
    by ``1/(1-p)``; the identity when ``training=False``. Masks come from the Generator given
    to ``build`` (seeded by ``Sequential``), so runs are reproducible."""

    decay_keys = ()

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not is_real(p) or not 0.0 <= p < 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1), got {p!r}")
        self.p = float(p)
        self.rng = np.random.default_rng(0)
        self._mask: np.ndarray | None = None

    def build(self, rng: np.random.Generator, dtype: np.dtype) -> None:
        self.rng = np.random.default_rng(int(rng.integers(0, 2**63)))

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        if not training or self.p == 0.0:
            self._mask = None
            return x
        dt = x.dtype if x.dtype in (np.float32, np.float64) else np.float64
        keep = self.rng.random(x.shape, dtype=dt) >= self.p
        mask = keep.astype(x.dtype)
        mask *= x.dtype.type(1.0 / (1.0 - self.p))
        self._mask = mask
        return x * mask

    def backward(self, dy: np.ndarray) -> np.ndarray:
        return dy if self._mask is None else dy * self._mask

    def config(self) -> dict[str, Any]:
        return {"p": self.p}


def _channel_shape(x: np.ndarray, n: int) -> tuple[int, ...]:
    """Broadcast shape for per-channel parameters (channel axis 1, like PyTorch)."""
    return (1, n) + (1,) * (x.ndim - 2)


class PReLU(Layer):
    """Parametric ReLU (He et al. 2015): ``y = x`` for ``x > 0``, ``a * x`` otherwise.

    ``num_parameters=1`` shares one slope; ``num_parameters=C`` learns one per channel (axis 1,
    as in PyTorch). The initial slope 0.25 is PyTorch's (Keras starts at 0). At ``x = 0`` the
    derivative with respect to ``x`` is ``a`` (PyTorch's convention). The slope is not decayed.
    """

    decay_keys = ()

    def __init__(self, num_parameters: int = 1, *, init: float = 0.25) -> None:
        super().__init__()
        n = num_parameters
        self.num_parameters = integer(n, "PReLU: num_parameters", minimum=1)
        self.init = real(init, "PReLU: init")

    def recommended_init(self) -> str:
        return "he_normal"

    def build(self, rng: np.random.Generator, dtype: np.dtype) -> None:
        self.params = {"alpha": np.full((self.num_parameters,), self.init, dtype)}
        self.grads = {"alpha": np.zeros_like(self.params["alpha"])}

    def _alpha(self, x: np.ndarray) -> np.ndarray:
        a = self.params["alpha"]
        if self.num_parameters == 1:
            return a.reshape(())
        if x.ndim < 2 or x.shape[1] != self.num_parameters:
            raise _shape_error(self, x.shape, f"(batch, {self.num_parameters}, ...)")
        return a.reshape(_channel_shape(x, self.num_parameters))

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        a = self._alpha(x)
        self._x = x
        neg = np.minimum(x, 0)
        self._neg = neg
        y = np.maximum(x, 0)
        y += a * neg
        return y

    def backward(self, dy: np.ndarray) -> np.ndarray:
        x, a = self._x, self._alpha(self._x)
        prod = dy * self._neg
        if self.num_parameters == 1:
            self.grads["alpha"][0] = prod.sum()
        else:
            axes = (0,) + tuple(range(2, x.ndim))
            np.sum(prod, axis=axes, out=self.grads["alpha"])
        slope = np.where(x > 0, x.dtype.type(1), a).astype(x.dtype, copy=False)
        return dy * slope

    def config(self) -> dict[str, Any]:
        return {"num_parameters": self.num_parameters, "init": self.init}


class BatchNorm(Layer):
    """Batch normalisation (Ioffe & Szegedy 2015) over axis 1 of ``(batch, C)`` or
    ``(batch, C, ...)`` inputs.

    Training: ``y = gamma * (x - mean) / sqrt(var + eps) + beta`` with the biased batch
    statistics, and ``running = (1 - momentum) * running + momentum * batch`` where the running
    variance uses the unbiased batch variance (PyTorch's conventions, momentum 0.1, eps 1e-5).
    Evaluation uses the running statistics. The backward pass is exact in both modes.
    """

    decay_keys = ()

    def __init__(
        self, num_features: int, *, momentum: float = 0.1, eps: float = 1e-5, affine: bool = True
    ) -> None:
        super().__init__()
        num_features = integer(num_features, "BatchNorm: num_features", minimum=1)
        real(momentum, "BatchNorm: momentum", lower=0.0, upper=1.0)
        real(eps, "BatchNorm: eps", positive=True)
        self.num_features = num_features
        self.momentum = float(momentum)
        self.eps = float(eps)
        self.affine = bool(affine)

    def build(self, rng: np.random.Generator, dtype: np.dtype) -> None:
        c = self.num_features
        self.params = {}
        if self.affine:
            self.params = {"gamma": np.ones(c, dtype), "beta": np.zeros(c, dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.buffers = {"running_mean": np.zeros(c, dtype), "running_var": np.ones(c, dtype)}

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        c = self.num_features
        if x.ndim < 2 or x.shape[1] != c:
            raise _shape_error(self, x.shape, f"(batch, {c}, ...)")
        axes = (0,) + tuple(range(2, x.ndim))
        bshape = _channel_shape(x, c)
        dt = x.dtype.type
        if training:
            count = x.size // c
            if count < 2:
                raise ValueError(
                    f"{self!r}: training needs more than one value per channel, got input {x.shape}"
                )
            mean = x.mean(axis=axes)
            xc = x - mean.reshape(bshape)
            var = np.mean(np.square(xc), axis=axes)
            inv = 1.0 / np.sqrt(var + dt(self.eps))
            xhat = xc
            xhat *= inv.reshape(bshape)
            m = dt(self.momentum)
            rm, rv = self.buffers["running_mean"], self.buffers["running_var"]
            rm *= dt(1) - m
            rm += m * mean
            rv *= dt(1) - m
            rv += (m * dt(count / (count - 1))) * var
        else:
            inv = 1.0 / np.sqrt(self.buffers["running_var"] + dt(self.eps))
            xhat = x - self.buffers["running_mean"].reshape(bshape)
            xhat *= inv.reshape(bshape)
        self._cache = (training, xhat, inv, axes, bshape)
        if not self.affine:
            return xhat
        y = xhat * self.params["gamma"].reshape(bshape)
        y += self.params["beta"].reshape(bshape)
        return y

    def backward(self, dy: np.ndarray) -> np.ndarray:
        training, xhat, inv, axes, bshape = self._cache
        if self.affine:
            np.sum(dy * xhat, axis=axes, out=self.grads["gamma"])
            np.sum(dy, axis=axes, out=self.grads["beta"])
            dxhat = dy * self.params["gamma"].reshape(bshape)
        else:
            dxhat = dy.copy()
        if training:
            mean_d = dxhat.mean(axis=axes).reshape(bshape)
            mean_dx = (dxhat * xhat).mean(axis=axes).reshape(bshape)
            dxhat -= mean_d
            dxhat -= xhat * mean_dx
        dxhat *= inv.reshape(bshape)
        return dxhat

    def config(self) -> dict[str, Any]:
        return {
            "num_features": self.num_features,
            "momentum": self.momentum,
            "eps": self.eps,
            "affine": self.affine,
        }
