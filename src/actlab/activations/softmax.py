"""Vector-valued activations along an axis: softmax and log_softmax.

Both shift by the maximum first (``exp(x - max)``), so rows like ``[1000, 1000.5, -1000]`` are
exact. Their backward passes are vector-Jacobian products; ``Activation.jacobian`` builds the full
``(..., n, n)`` Jacobian from them.
"""

from __future__ import annotations

import numpy as np

from ._sheet import INF, info
from .registry import register
from .spec import Param, Spec

_AXIS = Param("axis", -1, "the axis the distribution runs along (PyTorch requires dim)", kind=int)


def _shifted(x, out, axis):
    """out = x - max(x, axis), 0 at the maximum. A row whose max is +inf becomes 0 at its +inf
    entries and -inf elsewhere (the limit: softmax([inf, 1]) = [1, 0], where torch gives NaN);
    an all -inf row is shifted by 0; a row with a NaN stays NaN throughout."""
    if x.size == 0:
        return out
    m = np.max(x, axis=axis, keepdims=True)
    top = m == np.inf
    np.subtract(x, np.where(np.isinf(m), 0, m), out=out)
    if top.any():
        np.copyto(out, np.where(x == np.inf, 0.0, -np.inf), where=np.broadcast_to(top, out.shape))
    return out


def _take(a, idx, axis):
    return np.take_along_axis(a, idx, axis=axis)


def _without(a, idx, axis):
    """A copy of ``a`` with the entries at ``idx`` (one per row) set to 0."""
    a = a.copy()
    np.put_along_axis(a, idx, 0, axis=axis)
    return a


def _softmax(x, out, axis=-1):
    _shifted(x, out, axis)
    np.exp(out, out=out)
    out /= np.sum(out, axis=axis, keepdims=True)
    return out


def _softmax_vjp(g, x, y, out, axis=-1):
    # J = diag(y) - y y^T, so g J = y (g - <g, y>). g is first shifted by its value at the largest
    # y, which leaves g J unchanged (the rows of J sum to 0) but removes the dominant term from
    # <g, y>: where y_i -> 1, g_i - <g, y> = sum_j y_j (g_i - g_j) would otherwise cancel (the
    # Jacobian diagonal y (1 - y) of softmax([0, -40]) is 4.2e-18, not 0).
    if y is None:
        y = _softmax(x, np.empty_like(x), axis)
    if out.size == 0:
        return out
    g = g - _take(g, np.argmax(y, axis=axis, keepdims=True), axis)
    np.multiply(g, y, out=out)
    dot = np.sum(out, axis=axis, keepdims=True)
    np.subtract(g, dot, out=out)
    return np.multiply(out, y, out=out)


def _log_softmax(x, out, axis=-1):
    # x - m - log(sum e^{x - m}) with the sum's leading 1 (at the maximum) taken out:
    # log1p(sum of the others) keeps log_softmax([0, -40]) = [-4.2e-18, -40], where
    # log(1 + 4.2e-18) rounds to 0.
    _shifted(x, out, axis)
    if out.size == 0:
        return out
    rest = _without(np.exp(out), np.argmax(out, axis=axis, keepdims=True), axis)
    return np.subtract(out, np.log1p(np.sum(rest, axis=axis, keepdims=True)), out=out)


def _log_softmax_vjp(g, x, y, out, axis=-1):
    # J = I - 1 p^T (p = softmax(x)), so g J = g - p sum(g). At the largest p, where 1 - p_top
    # cancels, the entry is rewritten g_top (1 - p_top) - p_top (sum(g) - g_top) with both
    # brackets summed over the other entries.
    p = np.exp(y) if y is not None else _softmax(x, np.empty_like(x), axis)
    if out.size == 0:
        return out
    top = np.argmax(p, axis=axis, keepdims=True)
    p_rest = np.sum(_without(p, top, axis), axis=axis, keepdims=True)
    g_rest = np.sum(_without(g, top, axis), axis=axis, keepdims=True)
    g_top = _take(g, top, axis)
    np.multiply(p, g_rest + g_top, out=out)
    np.subtract(g, out, out=out)
    np.put_along_axis(out, top, g_top * p_rest - _take(p, top, axis) * g_rest, axis=axis)
    return out


_FRAMEWORKS = {"pytorch": "F.{n}(x, dim) -- dim must be given", "jax": "jax.nn.{n}, axis=-1",
               "keras": "activations.{n}, axis=-1"}


def _sheet(name, display, formula, derivative, rng, max_abs_grad, saturating, pros, cons, use):
    return lambda axis: info(
        name, display, formula, derivative, params={"axis": axis}, range=rng,
        max_abs_grad=max_abs_grad, monotone=False, smoothness="Cinf", zero_centred=False,
        saturating=saturating, frameworks={k: v.format(n=name) for k, v in _FRAMEWORKS.items()},
        use=use, init="glorot_uniform", pros=pros, cons=cons, vector=True,
        reference=f"https://jax.readthedocs.io/en/latest/_autosummary/jax.nn.{name}.html",
    )


register(Spec(
    name="softmax", f=_softmax, df=None, vjp=_softmax_vjp, y_exact=True, vector=True,
    params=(_AXIS,),
    doc=r"""Softmax along ``axis``: a probability distribution.

.. math:: s_i = \frac{e^{x_i - m}}{\sum_j e^{x_j - m}},\ m = \max_j x_j, \qquad
          \frac{\partial s_i}{\partial x_j} = s_i(\delta_{ij} - s_j)

The articles' example:

>>> softmax(np.array([2.0, 1.0, 0.1]))
array([0.65900114, 0.24243297, 0.09856589])
>>> softmax(np.array([1000., 1000.5, -1000.]))
array([0.37754067, 0.62245933, 0.        ])
""",
    sheet=_sheet("softmax", "Softmax", r"s_i = e^{x_i} / \sum_j e^{x_j}",
                 r"\partial s_i / \partial x_j = s_i(\delta_{ij} - s_j)", (0.0, 1.0),
                 0.25, "both",  # |s_i (delta_ij - s_j)| <= 1/4, as sigmoid's
                 ("outputs a probability distribution: the multi-class output layer",),
                 ("saturates: a dominant logit leaves the others with vanishing gradients",),
                 ("output-multiclass",)),
))

register(Spec(
    name="log_softmax", aliases=("logsoftmax",), f=_log_softmax, df=None, vjp=_log_softmax_vjp,
    y_exact=True, vector=True,
    params=(_AXIS,),
    doc=r"""Log-softmax along ``axis``: log-probabilities without underflow.

.. math:: \ell_i = x_i - m - \log\sum_j e^{x_j - m}, \qquad
          \frac{\partial \ell_i}{\partial x_j} = \delta_{ij} - s_j

>>> log_softmax(np.array([2.0, 1.0, 0.1]))
array([-0.41703002, -1.41703002, -2.31703002])
""",
    sheet=_sheet("log_softmax", "Log-softmax", r"\ell_i = x_i - \log\sum_j e^{x_j}",
                 r"\partial \ell_i / \partial x_j = \delta_{ij} - s_j", (-INF, 0.0),
                 1.0, "right",  # as log_sigmoid: row i vanishes as x_i -> +inf, -> e_i at -inf
                 ("log-probabilities for the negative log-likelihood, no underflow",),
                 ("not a hidden-layer activation",), ("output-multiclass",)),
))
