"""Optimizers, penalties and gradient clipping. Optimizers never see layers.

``optimizer.step(params, grads, decay=None)`` updates the arrays in ``params`` in place from the
matching ``grads`` (two lists of arrays in the same order; state such as momentum is kept per
position). All arithmetic stays in the parameters' dtype.

Two different ways to shrink weights, kept apart on purpose:

* **decoupled weight decay** — the optimizers' ``weight_decay``: before the gradient step,
  ``p <- p - lr * weight_decay * p`` (Loshchilov & Hutter 2019, PyTorch's ``AdamW``). It is
  applied only where ``decay[i]`` is true (``Sequential.decay_mask()``: weights, not biases).
  For plain SGD it equals an L2 penalty of ``weight_decay / 2 * sum(w**2)``; for momentum and
  Adam it does not.
* **penalties added to the loss** — :class:`L1` and :class:`L2` (``fit(l1=, l2=)``): the
  penalty's gradient is *added to the gradient* before the optimizer sees it, so Adam rescales it
  like any other gradient (PyTorch's ``Adam(weight_decay=)`` is this coupled L2).
  Conventions (Keras'): ``L1(c)`` adds ``c * sum(|w|)`` (gradient ``c * sign(w)``);
  ``L2(c)`` adds ``c * sum(w**2)`` (gradient ``2 c w``).

Clipping (:func:`clip_grad_norm`, :func:`clip_grad_value`) works in place on the gradient list and
returns the global L2 norm measured *before* clipping.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._util_checks import is_real, real
from ..activations import _fast
from ..activations._threads import SPLIT_AT


def _check_lists(params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
    if len(params) != len(grads):
        raise ValueError(f"{len(params)} parameters but {len(grads)} gradients")
    for i, (p, g) in enumerate(zip(params, grads)):
        if p.shape != g.shape:
            raise ValueError(f"parameter {i} has shape {p.shape}, its gradient {g.shape}")


def _one_pass(p: np.ndarray, g: np.ndarray, state: np.ndarray | None) -> bool:
    """Whether the compiled one-pass step applies: C-contiguous float32/float64 arrays of one
    dtype and shape, ``g`` not overlapping ``p`` (distinct owning arrays never do)."""
    return (p.dtype in _FLOATS and g.dtype == p.dtype and p.shape == g.shape
            and p.flags.c_contiguous and g.flags.c_contiguous
            and (state is None or state.flags.c_contiguous)
            and ((p.base is None and g.base is None and p is not g)
                 or not np.may_share_memory(p, g)))


_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


class Optimizer:
    """Base class: learning rate, decoupled weight decay, per-position state."""

    name = "optimizer"

    def __init__(self, lr: float, weight_decay: float = 0.0) -> None:
        real(lr, f"{type(self).__name__}: lr", positive=True)
        real(weight_decay, f"{type(self).__name__}: weight_decay", nonnegative=True)
        self.lr = float(lr)
        self.weight_decay = float(weight_decay)
        self.reset()

    def reset(self) -> None:
        """Forget all state (momentum buffers, Adam moments, step count)."""
        self.t = 0
        self._shapes: list[tuple[tuple[int, ...], np.dtype]] | None = None
        self._ids: tuple[int, ...] = ()
        self._held: tuple[list[np.ndarray], list[np.ndarray]] = ([], [])
        self._fused: list[bool] = []
        self._scratch: list[np.ndarray] = []

    def _prepare(self, params, grads, decay) -> list[bool]:
        ids = (*map(id, params), -1, *map(id, grads))
        if ids != self._ids:  # new arrays: check them (the same arrays again: checked already)
            _check_lists(params, grads)
            shapes = [(p.shape, p.dtype) for p in params]
            if self._shapes is None:
                self._shapes = shapes
                self._scratch = [np.empty_like(p) for p in params]
                self._init_state(params)
            elif shapes != self._shapes:
                raise ValueError(
                    f"{type(self).__name__}.step: the parameter list changed since the first "
                    "step (call reset() to use the optimizer on another model)"
                )
            # holding the arrays keeps their ids from being reused by other arrays
            self._ids, self._held = ids, (list(params), list(grads))
            self._fused = [_one_pass(p, g, s) for p, g, s in zip(params, grads, self._state())]
        if decay is None:
            return [True] * len(params)
        if len(decay) != len(params):
            raise ValueError(f"decay mask has {len(decay)} entries for {len(params)} parameters")
        return [bool(d) for d in decay]

    def _init_state(self, params: Sequence[np.ndarray]) -> None:
        pass

    def _state(self) -> list[np.ndarray | None]:
        """One state array per parameter that a one-pass step updates (None: stateless)."""
        return [None] * len(self._scratch)

    def _decay(self, p: np.ndarray) -> None:
        p *= p.dtype.type(1.0 - self.lr * self.weight_decay)

    def step(
        self,
        params: Sequence[np.ndarray],
        grads: Sequence[np.ndarray],
        decay: Sequence[bool] | None = None,
    ) -> None:
        raise NotImplementedError

    def config(self) -> dict[str, Any]:
        return {"lr": self.lr, "weight_decay": self.weight_decay}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items())
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum, PyTorch's formulation:

    ``v <- momentum * v + g``; step ``s = g + momentum * v`` (Nesterov) or ``s = v``;
    ``p <- p - lr * s``. With ``momentum=0``: ``p <- p - lr * g``.
    """

    name = "sgd"

    def __init__(
        self,
        lr: float = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        if not (is_real(momentum) and 0.0 <= momentum < 1.0):
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum!r}")
        if nesterov and momentum == 0:
            raise ValueError("SGD: nesterov=True needs momentum > 0")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        super().__init__(lr, weight_decay)

    def _init_state(self, params):
        self.velocity = [np.zeros_like(p) for p in params] if self.momentum else []

    def _state(self):
        return self.velocity or super()._state()

    def step(self, params, grads, decay=None):
        mask = self._prepare(params, grads, decay)
        self.t += 1
        fused = _fast.kernels()
        lr, momentum, nesterov, wd = self.lr, self.momentum, self.nesterov, self.weight_decay
        one_pass = self._fused if fused is not None else [False] * len(mask)
        for i, (p, g) in enumerate(zip(params, grads)):
            if wd and mask[i]:
                self._decay(p)
            v = self.velocity[i] if momentum else None
            if one_pass[i]:  # the same operations, one pass
                fused.sgd(p, g, v, lr, momentum, nesterov, p.size >= SPLIT_AT[1])
                continue
            dt = p.dtype.type
            tmp = self._scratch[i]
            if self.momentum:
                v *= dt(self.momentum)
                v += g
                if self.nesterov:
                    np.multiply(v, dt(self.momentum), out=tmp)
                    tmp += g
                    tmp *= dt(self.lr)
                else:
                    np.multiply(v, dt(self.lr), out=tmp)
            else:
                np.multiply(g, dt(self.lr), out=tmp)
            p -= tmp

    def config(self):
        return {"lr": self.lr, "momentum": self.momentum, "nesterov": self.nesterov,
                "weight_decay": self.weight_decay}


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) with bias correction, PyTorch's arithmetic:

    ``m <- b1 m + (1-b1) g``; ``v <- b2 v + (1-b2) g^2``;
    ``p <- p - lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)``.
    ``weight_decay`` is decoupled (AdamW); for PyTorch's coupled ``Adam(weight_decay=)`` use an
    :class:`L2` penalty (``fit(l2=)``) instead.
    """

    name = "adam"

    def __init__(
        self,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        b1, b2 = betas if isinstance(betas, (tuple, list)) and len(betas) == 2 else (-1, -1)
        if not (is_real(b1) and is_real(b2) and 0.0 <= b1 < 1.0 and 0.0 <= b2 < 1.0):
            raise ValueError(f"Adam: betas must be in [0, 1), got {betas!r}")
        real(eps, "Adam: eps", positive=True)
        self.betas = (float(b1), float(b2))
        self.eps = float(eps)
        super().__init__(lr, weight_decay)

    def _init_state(self, params):
        # Stored rescaled to save three passes per step: mu = m / (1 - b1) and
        # nu = v / (1 - b2) obey mu <- b1 mu + g and nu <- b2 nu + g^2 (no multiply by g).
        self._mu = [np.zeros_like(p) for p in params]
        self._nu = [np.zeros_like(p) for p in params]

    def _state(self):
        return self._mu

    def moments(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Copies of the first and second moment estimates ``m`` and ``v`` (not bias-corrected)."""
        b1, b2 = self.betas
        return ([mu * mu.dtype.type(1 - b1) for mu in getattr(self, "_mu", [])],
                [nu * nu.dtype.type(1 - b2) for nu in getattr(self, "_nu", [])])

    def step(self, params, grads, decay=None):
        mask = self._prepare(params, grads, decay)
        self.t += 1
        b1, b2 = self.betas
        bc1 = 1.0 - b1**self.t
        bc2 = 1.0 - b2**self.t
        # sqrt(v_hat) = c * sqrt(nu) with c = sqrt((1 - b2) / bc2), so the update
        # lr/bc1 * m / (sqrt(v_hat) + eps) = k * mu / (sqrt(nu) + eps / c)
        c = math.sqrt((1.0 - b2) / bc2)
        k = self.lr * (1.0 - b1) / (bc1 * c)
        eps_c = self.eps / c
        fused = _fast.kernels()
        for i, (p, g) in enumerate(zip(params, grads)):
            dt = p.dtype.type
            if self.weight_decay and mask[i]:
                self._decay(p)
            mu, nu, tmp = self._mu[i], self._nu[i], self._scratch[i]
            if fused is not None and self._fused[i]:  # the same operations, one pass
                fused.adam(p, g, mu, nu, b1, b2, eps_c, k, p.size >= SPLIT_AT[1])
                continue
            mu *= dt(b1)
            mu += g
            np.multiply(g, g, out=tmp)
            nu *= dt(b2)
            nu += tmp
            np.sqrt(nu, out=tmp)
            tmp += dt(eps_c)
            np.divide(mu, tmp, out=tmp)
            tmp *= dt(k)
            p -= tmp

    def config(self):
        return {"lr": self.lr, "betas": list(self.betas), "eps": self.eps,
                "weight_decay": self.weight_decay}


OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "adam": Adam}


def get_optimizer(optimizer: str | Optimizer, **kwargs: Any) -> Optimizer:
    """An optimizer from its name (``"sgd"``, ``"adam"``) and keyword arguments, or the object.

    >>> get_optimizer("sgd", lr=0.1, momentum=0.9)
    SGD(lr=0.1, momentum=0.9, nesterov=False, weight_decay=0.0)
    """
    if isinstance(optimizer, Optimizer):
        if kwargs:
            raise ValueError("keyword arguments are only accepted with an optimizer name")
        return optimizer
    if not isinstance(optimizer, str):
        raise ValueError(f"optimizer must be a name or an Optimizer, got {optimizer!r}")
    key = optimizer.strip().lower()
    if key not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r} (known: {', '.join(OPTIMIZERS)})")
    return OPTIMIZERS[key](**kwargs)


# --------------------------------------------------------------------------- penalties
class _Penalty:
    """A weight penalty with coefficient ``coef >= 0``."""

    def __init__(self, coef: float) -> None:
        real(coef, f"{type(self).__name__}: coef ({type(self).__name__.lower()})",
             nonnegative=True)
        self.coef = float(coef)


class L1(_Penalty):
    """L1 penalty ``coef * sum(|w|)``; gradient ``coef * sign(w)`` (0 at w = 0)."""

    def penalty(self, params: Sequence[np.ndarray]) -> float:
        return self.coef * sum(float(np.abs(p).sum(dtype=np.float64)) for p in params)

    def add_grad(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        for p, g in zip(params, grads):
            g += p.dtype.type(self.coef) * np.sign(p)


class L2(_Penalty):
    """L2 penalty ``coef * sum(w**2)``; gradient ``2 * coef * w`` (Keras' convention)."""

    def penalty(self, params: Sequence[np.ndarray]) -> float:
        return self.coef * sum(float(np.vdot(p, p)) for p in params)

    def add_grad(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        for p, g in zip(params, grads):
            g += p.dtype.type(2.0 * self.coef) * p


# --------------------------------------------------------------------------- clipping
def global_norm(arrays: Sequence[np.ndarray]) -> float:
    """``sqrt(sum of squares)`` over every array (float64 total; per-array float32 dot
    products are redone in float64 if they overflow)."""
    total = 0.0
    for a in arrays:
        s = float(np.vdot(a, a))
        if math.isinf(s) and a.dtype != np.float64:
            b = a.astype(np.float64)
            s = float(np.vdot(b, b))
        total += s
    return math.sqrt(total)


def clip_grad_norm(grads: Sequence[np.ndarray], max_norm: float) -> float:
    """Scale all gradients in place so their global norm is at most ``max_norm``.

    Returns the norm before clipping (non-finite norms leave the gradients untouched).
    """
    if not max_norm > 0:
        raise ValueError(f"clip_grad_norm: max_norm must be > 0, got {max_norm!r}")
    norm = global_norm(grads)
    if math.isfinite(norm) and norm > max_norm:
        scale = max_norm / norm
        for g in grads:
            g *= g.dtype.type(scale)
    return norm


def clip_grad_value(grads: Sequence[np.ndarray], value: float) -> float:
    """Clip every gradient element to ``[-value, value]`` in place; returns the pre-clip norm."""
    if not value > 0:
        raise ValueError(f"clip_grad_value: value must be > 0, got {value!r}")
    norm = global_norm(grads)
    for g in grads:
        np.clip(g, -value, value, out=g)
    return norm
