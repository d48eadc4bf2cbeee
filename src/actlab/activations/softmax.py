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
    """out = x - max(x, axis); rows whose max is +-inf are shifted by 0 (torch gives NaN/-inf)."""
    m = np.max(x, axis=axis, keepdims=True) if x.size else np.zeros_like(x)
    m = np.where(np.isfinite(m), m, 0)
    return np.subtract(x, m, out=out)


def _softmax(x, out, axis=-1):
    _shifted(x, out, axis)
    np.exp(out, out=out)
    out /= np.sum(out, axis=axis, keepdims=True)
    return out


def _softmax_vjp(g, x, y, out, axis=-1):
    # J = diag(y) - y y^T, so g J = y * (g - <g, y>)
    if y is None:
        y = _softmax(x, np.empty_like(x), axis)
    np.multiply(g, y, out=out)
    dot = np.sum(out, axis=axis, keepdims=True)
    np.subtract(g, dot, out=out)
    return np.multiply(out, y, out=out)


def _log_softmax(x, out, axis=-1):
    _shifted(x, out, axis)
    lse = np.log(np.sum(np.exp(out), axis=axis, keepdims=True))
    return np.subtract(out, lse, out=out)


def _log_softmax_vjp(g, x, y, out, axis=-1):
    # J = I - 1 softmax^T, so g J = g - softmax(x) * sum(g)
    p = np.exp(y) if y is not None else _softmax(x, np.empty_like(x), axis)
    p *= np.sum(g, axis=axis, keepdims=True)
    return np.subtract(g, p, out=out)


_FRAMEWORKS = {"pytorch": "F.{n}(x, dim) -- dim must be given", "jax": "jax.nn.{n}, axis=-1",
               "keras": "activations.{n}, axis=-1"}


def _sheet(name, display, formula, derivative, rng, pros, cons, use):
    return lambda axis: info(
        name, display, formula, derivative, params={"axis": axis}, range=rng,
        max_abs_grad=1.0, monotone=False, smoothness="Cinf", zero_centred=False,
        saturating="both", frameworks={k: v.format(n=name) for k, v in _FRAMEWORKS.items()},
        use=use, init="glorot_uniform", pros=pros, cons=cons, vector=True,
        reference=f"https://jax.readthedocs.io/en/latest/_autosummary/jax.nn.{name}.html",
    )


register(Spec(
    name="softmax",
    f=_softmax,
    df=None,
    vjp=_softmax_vjp,
    y_exact=True,
    vector=True,
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
                 ("outputs a probability distribution: the multi-class output layer",),
                 ("saturates: a dominant logit leaves the others with vanishing gradients",),
                 ("output-multiclass",)),
))

register(Spec(
    name="log_softmax",
    aliases=("logsoftmax",),
    f=_log_softmax,
    df=None,
    vjp=_log_softmax_vjp,
    y_exact=True,
    vector=True,
    params=(_AXIS,),
    doc=r"""Log-softmax along ``axis``: log-probabilities without underflow.

.. math:: \ell_i = x_i - m - \log\sum_j e^{x_j - m}, \qquad
          \frac{\partial \ell_i}{\partial x_j} = \delta_{ij} - s_j

>>> log_softmax(np.array([2.0, 1.0, 0.1]))
array([-0.41703002, -1.41703002, -2.31703002])
""",
    sheet=_sheet("log_softmax", "Log-softmax", r"\ell_i = x_i - \log\sum_j e^{x_j}",
                 r"\partial \ell_i / \partial x_j = \delta_{ij} - s_j", (-INF, 0.0),
                 ("log-probabilities for the negative log-likelihood, no underflow",),
                 ("not a hidden-layer activation",), ("output-multiclass",)),
))
