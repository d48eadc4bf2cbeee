"""Trainable activation parameters: the machinery behind ``Activation(f, trainable=(...))``.

Any parameter of a custom expression, or of a registry entry (through its expression form:
silu's ``beta`` trains ``x / (1 + exp(-beta x))``), becomes a layer parameter. Its gradient is
the symbolic derivative ``df/dp`` compiled like ``f`` and ``f'`` (exact, stable forms), summed
over the batch (and the spatial axes): one value shared by all units (``channels=None``) or one
per channel on axis 1 (``channels=C``, like PReLU).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..activations import Activation as Fn
from ..activations.expr import define, entries


def expression_form(f: Fn, trainable: tuple[str, ...]) -> Fn:
    """``f`` itself if it is a custom expression, else the registry entry's expression form."""
    if "expression" not in f.spec.extra:
        try:
            text, values = entries.form(f.name, f.params)
        except KeyError:
            raise ValueError(f"{f.name} has no expression form: its parameters cannot be "
                             "trained") from None
        f = define(text, **values)
    for p in trainable:
        if p not in f.params:
            raise ValueError(f"{f.name}: no parameter {p!r} to train "
                             f"(parameters: {', '.join(f.params) or 'none'})")
    return f


class ParamState:
    """Forward/backward of an activation whose named parameters are arrays being trained."""

    def __init__(self, f: Fn, trainable: tuple[str, ...], channels: int | None) -> None:
        if channels is not None and (isinstance(channels, bool) or not isinstance(
                channels, int) or channels < 1):
            raise ValueError(f"channels must be a positive integer or None, got {channels!r}")
        self.f = expression_form(f, trainable)
        self.names = trainable
        self.channels = channels
        self.expression = self.f.spec.extra["expression"]

    def init(self, dtype: np.dtype) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        n = self.channels or 1
        params = {p: np.full((n,), self.f.params[p], dtype) for p in self.names}
        return params, {p: np.zeros_like(v) for p, v in params.items()}

    def _values(self, x: np.ndarray, params: dict[str, np.ndarray]) -> dict[str, Any]:
        values: dict[str, Any] = {k: v for k, v in self.f.params.items() if k not in self.names}
        for p in self.names:
            a = params[p].astype(x.dtype, copy=False)
            if self.channels is None:
                values[p] = a.reshape(())
            else:
                if x.ndim < 2 or x.shape[1] != self.channels:
                    raise ValueError(f"trainable activation expects input of shape (batch, "
                                     f"{self.channels}, ...), got {x.shape}")
                values[p] = a.reshape((1, self.channels) + (1,) * (x.ndim - 2))
        return values

    def forward(self, x: np.ndarray, params: dict[str, np.ndarray]) -> np.ndarray:
        return self.expression.f(x, self._values(x, params))

    def backward(self, dy: np.ndarray, x: np.ndarray, params: dict[str, np.ndarray],
                 grads: dict[str, np.ndarray]) -> np.ndarray:
        values = self._values(x, params)
        for p in self.names:
            g = dy * self.expression.dparam(p)(x, values)
            if self.channels is None:
                grads[p][0] = g.sum()
            else:
                np.sum(g, axis=(0, *range(2, x.ndim)), out=grads[p])
        return dy * self.expression.df(x, values)

    def learned(self, params: dict[str, np.ndarray]) -> Fn | list[Fn]:
        """The activation with the current parameter values (one per channel if per-channel),
        for plots and sheets of what was learnt."""
        n = self.channels or 1
        acts = [_with(self.f, {p: float(params[p][c]) for p in self.names})
                for c in range(n)]
        return acts[0] if self.channels is None else acts


def attach_curves(layer: Any, state: ParamState) -> None:
    """Give a trainable ``Activation`` layer the learned-curve protocol of the learnable layers
    (``learned_curves``, ``initial_curve``, ``curve_title``), so ``plot_learned`` and the report
    draw it; a plain ``Activation`` does not get them (it learns nothing)."""
    initial = state.f

    def learned_curves(x: np.ndarray, max_curves: int = 8) -> list[tuple[str, np.ndarray]]:
        acts = state.learned(layer.params)
        acts = [acts] if not isinstance(acts, list) else acts[:max_curves]
        x = np.asarray(x, dtype=np.float64)
        return [(", ".join(f"{p}={a.params[p]:.4g}" for p in state.names), a(x))
                for a in acts]

    def initial_curve(x: np.ndarray) -> tuple[str, np.ndarray]:
        start = ", ".join(f"{p}={initial.params[p]:.4g}" for p in state.names)
        return f"initial {start}", initial(np.asarray(x, dtype=np.float64))

    def curve_title() -> str:
        per = f", {state.channels} channels" if state.channels else ""
        return f"{initial.name} (trains {', '.join(state.names)}{per})"

    layer.learned_curves = learned_curves
    layer.initial_curve = initial_curve
    layer.curve_title = curve_title


def _with(f: Fn, values: dict[str, float]) -> Fn:
    from ..activations import get

    return get(f, **values)
