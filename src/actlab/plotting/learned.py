"""Learned activations of a model: one panel per learnable layer (PAU, APL, KAN edges).

Any layer with a ``learned_curves(x, max_curves)`` method is drawn (titled by its
``curve_title()``, over its ``curve_range()`` when it has one); PAU layers also draw the
catalogue entry they were initialised to (``initial_curve``) as a dashed line beside the learned
curve, so the change made by training is visible.

>>> from actlab.nn import Sequential, Dense, PAU, APL
>>> from actlab.plotting.learned import plot_learned
>>> model = Sequential([Dense(3, 4), PAU(target="tanh"), Dense(4, 4), APL(4)], seed=0)
>>> fig = plot_learned(model)
>>> [ax.get_title() for ax in fig.axes]
['layer 1: PAU version A, degrees (5, 4)', 'layer 3: APL, 2 hinges, 4 units']
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ..nn import load
from .catalogue import _AXIS_STYLE, _colors

_DEFAULT_RANGE = (-4.0, 4.0)


def learnable_layers(model: Any) -> list[tuple[int, Any]]:
    """``(index, layer)`` for every layer of ``model`` that can draw its learned curve."""
    return [(i, layer) for i, layer in enumerate(model.layers)
            if callable(getattr(layer, "learned_curves", None))]


def _grid(layer: Any, x: np.ndarray | None, n: int = 401) -> np.ndarray:
    if x is not None:
        return np.sort(np.asarray(x, dtype=np.float64).ravel())
    span = getattr(layer, "curve_range", None)
    lo, hi = span() if callable(span) else _DEFAULT_RANGE
    return np.linspace(lo, hi, n)


def plot_learned(
    model: Any, *, x: np.ndarray | None = None, max_curves: int = 8, ncols: int = 2
) -> Figure:
    """One panel per learnable layer of ``model`` (a ``Sequential`` or the path of a saved one).

    Each panel shows up to ``max_curves`` learned curves (per channel, unit or KAN edge) over
    ``x`` (default [-4, 4]; a KAN layer's grid span). Raises ``ValueError`` when the model has
    no learnable activation layer.
    """
    if isinstance(model, (str, os.PathLike)):
        model = load(model)
    layers = learnable_layers(model)
    if not layers:
        raise ValueError("the model has no learnable activation layer (PAU, APL, KANLinear)")
    if isinstance(max_curves, bool) or not isinstance(max_curves, int) or max_curves < 1:
        raise ValueError(f"max_curves must be a positive integer, got {max_curves!r}")
    ncols = max(1, min(ncols, len(layers)))
    nrows = -(-len(layers) // ncols)
    height = 3.8 * nrows + 0.6
    fig = Figure(figsize=(5.2 * ncols, height))
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.45 / height, top=1 - 0.75 / height,
                        wspace=0.25, hspace=0.45)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, (i, layer) in zip(axes, layers):
        grid = _grid(layer, x)
        curves = layer.learned_curves(grid, max_curves=max_curves)
        ax.axhline(0.0, **_AXIS_STYLE)
        ax.axvline(0.0, **_AXIS_STYLE)
        for (label, y), color in zip(curves, _colors(len(curves))):
            ax.plot(grid, y, color=color, linewidth=1.6, label=label)
        initial = getattr(layer, "initial_curve", None)
        if callable(initial):
            label, y = initial(grid)
            ax.plot(grid, y, color="0.3", linewidth=1.2, linestyle="--", label=label)
        title = getattr(layer, "curve_title", None)
        ax.set_title(f"layer {i}: {title() if callable(title) else type(layer).__name__}")
        ax.set_xlabel("x")
        ax.grid(True, linewidth=0.4, alpha=0.4)
        ax.legend(fontsize=7, loc="best")
    for ax in axes[len(layers):]:
        ax.set_visible(False)
    fig.suptitle("learned activations")
    return fig
