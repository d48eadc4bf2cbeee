"""Whole-network gradient check by central differences, in float64.

:func:`gradcheck` copies the model to float64, computes every parameter gradient and the input
gradient by back-propagation, and compares them with central differences
``(L(w + eps) - L(w - eps)) / (2 eps)``. For one tensor the error is

.. math::

    \\frac{\\max_i |a_i - n_i|}{\\max(\\max_i |a_i|, \\max_i |n_i|, \\text{atol})}

(``a`` analytic, ``n`` numerical): relative to the tensor's largest gradient, so components
that are legitimately tiny do not dominate. ``atol`` (default ``1e-3 * max(|L|, 1)``) is the
floor of the denominator: the rounding noise of a central difference is about
``1e-16 |L| / eps``, so a tensor whose true gradient is zero (a bias before BatchNorm, dead
units) would otherwise show a large "relative" error made only of noise. In float64 with
``eps=1e-6`` a correct layer gives about 1e-7 or less; a wrong one 1e-3 or more (away from
kinks: a finite difference straddling a kink of relu and friends is not a derivative).

Dropout masks are replayed identically in every evaluation (the layers' generators are reset
before each forward), and ``training=True`` (the default) checks BatchNorm with batch statistics.
The original model is never modified.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .losses import get_loss
from .model import Sequential


def gradcheck_details(
    model: Sequential,
    X: Any,
    y: Any,
    loss: Any,
    eps: float = 1e-6,
    *,
    training: bool = True,
    check_input: bool = True,
    max_entries: int | None = None,
    atol: float | None = None,
    seed: int = 0,
) -> dict[str, float]:
    """Per-tensor errors: ``{"<index>.<Type>.<key>": err, ..., "input": err}``.

    ``max_entries`` checks at most that many randomly chosen entries per tensor (all by default).
    """
    loss = get_loss(loss)
    m = model.astype(np.float64)
    X = np.array(X, dtype=np.float64)
    y = np.asarray(y)
    if y.dtype.kind == "f":
        y = y.astype(np.float64)
    rng_layers = [
        layer for layer in m.layers
        if isinstance(getattr(layer, "rng", None), np.random.Generator)
    ]
    rng_states = [layer.rng.bit_generator.state for layer in rng_layers]
    buffers = m.state()

    def run() -> np.ndarray:
        for layer, state in zip(rng_layers, rng_states):
            layer.rng.bit_generator.state = state
        return m.forward(X, training=training)

    def value() -> float:
        return loss.value(run(), y)

    base, dout = loss.value_and_grad(run(), y)
    if atol is None:
        atol = 1e-3 * max(abs(base), 1.0)
    dx = m.backward(dout, need_input_grad=True)
    tensors = [(name, p, g.copy()) for (name, p), g in zip(m.named_parameters(), m.gradients())]
    if check_input:
        tensors.append(("input", X, dx))
    pick = np.random.default_rng(seed)
    errors = {}
    for name, arr, analytic in tensors:
        flat_idx = np.arange(arr.size)
        if max_entries is not None and arr.size > max_entries:
            flat_idx = pick.choice(arr.size, size=max_entries, replace=False)
        a = analytic.reshape(-1)[flat_idx]
        n = np.empty_like(a)
        flat = arr.reshape(-1)  # a view: arrays are contiguous
        for j, i in enumerate(flat_idx):
            orig = flat[i]
            flat[i] = orig + eps
            fp = value()
            flat[i] = orig - eps
            fm = value()
            flat[i] = orig
            n[j] = (fp - fm) / (2 * eps)
        scale = max(float(np.max(np.abs(a), initial=0.0)),
                    float(np.max(np.abs(n), initial=0.0)), atol)
        errors[name] = float(np.max(np.abs(a - n), initial=0.0)) / scale
    m.load_state(buffers)
    return errors


def gradcheck(
    model: Sequential, X: Any, y: Any, loss: Any, eps: float = 1e-6, **kwargs: Any
) -> float:
    """Largest relative error over every parameter tensor and the input gradient
    (see :func:`gradcheck_details` for the options).

    >>> from actlab.nn import Dense, Activation, Sequential
    >>> model = Sequential([Dense(3, 4), Activation("tanh"), Dense(4, 2)], seed=1)
    >>> X = np.random.default_rng(0).normal(size=(5, 3))
    >>> gradcheck(model, X, np.array([0, 1, 1, 0, 1]), "softmax_cross_entropy") < 1e-6
    True
    """
    return max(gradcheck_details(model, X, y, loss, eps, **kwargs).values())
