"""B-spline bases by the Cox–de Boor recursion, vectorised over samples, features and bases.

For knots ``t_0 < t_1 < ... < t_{K-1}`` (one row per input feature) the bases of order ``p`` are

.. math::

    B^0_c(x) = [t_c \\le x < t_{c+1}],\\qquad
    B^p_c(x) = \\frac{x - t_c}{t_{c+p} - t_c} B^{p-1}_c(x)
             + \\frac{t_{c+p+1} - x}{t_{c+p+1} - t_{c+1}} B^{p-1}_{c+1}(x)

and the derivative of an order-``p`` basis is

.. math::

    B^{p\\,\\prime}_c(x) = p \\Bigl(\\frac{B^{p-1}_c(x)}{t_{c+p} - t_c}
                          - \\frac{B^{p-1}_{c+1}(x)}{t_{c+p+1} - t_{c+1}}\\Bigr).

A fraction with a zero-width denominator (repeated knots) counts as 0, the usual convention. The
half-open intervals make order 0 right-continuous; from order 2 on the bases are C^1, so their
derivative is exact everywhere. ``K`` knots give ``K - 1 - p`` bases; all vanish outside
``[t_0, t_{K-1})``.

>>> import numpy as np
>>> from actlab.nn.learnable.bspline import bspline_bases, uniform_grid
>>> grid = uniform_grid(1, grid_size=4, order=3, lo=-1.0, hi=1.0, dtype=np.float64)
>>> B, _ = bspline_bases(np.array([[-3.0], [0.0], [0.3]]), grid, 3)
>>> B.shape, np.round(B.sum(axis=-1).ravel(), 12).tolist()   # partition of unity inside
((3, 1, 7), [0.0, 1.0, 1.0])
"""

from __future__ import annotations

import numpy as np


def uniform_grid(in_features: int, grid_size: int, order: int, lo: float, hi: float,
                 dtype: np.dtype) -> np.ndarray:
    """Knots ``(in_features, grid_size + 2 order + 1)``: ``grid_size`` equal intervals on
    ``[lo, hi]`` extended by ``order`` intervals on each side (so that every point of
    ``[lo, hi]`` is covered by ``order + 1`` bases)."""
    h = (hi - lo) / grid_size
    knots = lo + h * np.arange(-order, grid_size + order + 1, dtype=np.float64)
    return np.tile(knots, (in_features, 1)).astype(dtype)


def _inv(den: np.ndarray) -> np.ndarray:
    """``1 / den`` where ``den > 0``, else 0 (repeated knots)."""
    out = np.zeros_like(den)
    np.divide(1.0, den, out=out, where=den > 0)
    return out


def bspline_bases(x: np.ndarray, grid: np.ndarray, order: int) -> tuple[np.ndarray, np.ndarray]:
    """``(B^order, B^(order-1))`` for ``x`` ``(batch, in)`` and ``grid`` ``(in, K)``: arrays of
    shape ``(batch, in, K - 1 - order)`` and ``(batch, in, K - order)`` (the second is what
    :func:`bspline_derivative` needs; it is ``B^0`` again when ``order == 0``)."""
    xe = x[:, :, None]
    g = grid[None, :, :]
    B = ((xe >= g[..., :-1]) & (xe < g[..., 1:])).astype(x.dtype)
    prev = B
    for p in range(1, order + 1):
        prev = B
        left = (xe - g[..., :-(p + 1)]) * _inv(g[..., p:-1] - g[..., :-(p + 1)])
        right = (g[..., p + 1:] - xe) * _inv(g[..., p + 1:] - g[..., 1:-p])
        B = left * prev[..., :-1] + right * prev[..., 1:]
    return B, prev


def bspline_derivative(prev: np.ndarray, grid: np.ndarray, order: int) -> np.ndarray:
    """d/dx of the order-``order`` bases from the order ``order - 1`` ones (zero for order 0)."""
    if order == 0:
        return np.zeros_like(prev)
    g = grid[None, :, :]
    k = order
    left = prev[..., :-1] * _inv(g[..., k:-1] - g[..., :-(k + 1)])
    right = prev[..., 1:] * _inv(g[..., k + 1:] - g[..., 1:-k])
    return k * (left - right)


def adaptive_grid(x: np.ndarray, grid_size: int, order: int, grid_eps: float,
                  margin: float = 0.0) -> np.ndarray:
    """Knots ``(in, grid_size + 2 order + 1)`` fitted to samples ``x`` ``(batch, in)``.

    Inner knots: ``grid_eps * uniform + (1 - grid_eps) * quantiles`` of each feature (the KAN
    paper's grid update; ``grid_eps = 1`` is a uniform grid on ``[min - margin, max + margin]``),
    extended by ``order`` uniform steps on each side. A constant feature gets the uniform grid on
    ``[v - 1, v + 1]``.
    """
    xs = np.sort(np.asarray(x, dtype=np.float64), axis=0)
    lo, hi = xs[0] - margin, xs[-1] + margin
    flat = (hi - lo) <= 1e-12 * np.maximum(1.0, np.abs(lo))
    lo, hi = np.where(flat, lo - 1.0, lo), np.where(flat, hi + 1.0, hi)
    step = (hi - lo) / grid_size
    idx = np.linspace(0, len(xs) - 1, grid_size + 1).round().astype(int)
    adaptive = xs[idx]                                       # (G + 1, in)
    uniform = lo + step * np.arange(grid_size + 1)[:, None]  # (G + 1, in)
    eps = np.where(flat, 1.0, grid_eps)
    inner = eps * uniform + (1.0 - eps) * adaptive
    ext = np.arange(1, order + 1)[:, None] * step
    knots = np.concatenate([inner[:1] - ext[::-1], inner, inner[-1:] + ext], axis=0)
    return knots.T
