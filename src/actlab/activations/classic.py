"""The articles' classic activations: identity, sigmoid, tanh, relu, leaky_relu, relu6.

Each kernel pair ``f(x, out)`` / ``df(x, out)`` writes into ``out`` and sits side by side with its
registration (formula, kinks, property sheet). Conventions at kinks: relu'(0) = 0 and
relu6'(0) = relu6'(6) = 0 (as jax.nn's custom JVPs and PyTorch); leaky_relu'(0) = alpha (as
PyTorch; jax.nn gives 1 there).
"""

from __future__ import annotations

import math

import numpy as np

from ._sheet import INF, PROS_CONS, centred, info
from .registry import register
from .spec import Extremum, Kink, Param, Spec


def _nan_to(out: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Propagate NaN from ``x`` into a derivative computed by comparisons (which drop NaN)."""
    np.copyto(out, x, where=np.isnan(x))
    return out


# ----------------------------------------------------------------------------------- identity
def _identity(x, out):
    np.copyto(out, x)
    return out


def _identity_grad(x, out):
    out.fill(1.0)
    return _nan_to(out, x)


def _identity_vjp(g, x, y, out):
    np.copyto(out, g)
    return _nan_to(out, y if y is not None else x)  # NaN in x propagates, as in g * f'(x)


register(Spec(
    name="identity", aliases=("linear",), f=_identity, df=_identity_grad, vjp=_identity_vjp,
    y_exact=True,
    doc=r"""Identity (linear) activation.

.. math:: f(x) = x, \qquad f'(x) = 1

The output layer for regression.

>>> identity(np.array([-2., 0., 2.]))
array([-2.,  0.,  2.])
""",
    sheet=lambda: info(
        "identity", "Identity (linear)", r"f(x) = x", r"f'(x) = 1",
        range=(-INF, INF), max_abs_grad=1.0, monotone=True, smoothness="Cinf",
        zero_centred=True, saturating="none",
        frameworks={"pytorch": "nn.Identity", "jax": "(no op)", "keras": "activations.linear"},
        use=("output-regression",), init="glorot_uniform",
        pros=("exact gradient 1: nothing vanishes", "the output layer for regression"),
        cons=("a stack of linear layers is one linear map: no expressive power gained",),
        reference="https://keras.io/api/layers/activations/#linear-function",
    ),
))


# ------------------------------------------------------------------------------------ sigmoid
def _exp_neg_abs(x):
    """e^{-|x|}, in (0, 1]: never overflows (the building block of every sigmoid here)."""
    e = np.abs(x)
    np.negative(e, out=e)
    return np.exp(e, out=e)


_LOG_TINY = {np.dtype(t): math.log(np.finfo(t).tiny) for t in (np.float32, np.float64)}


def _exp_tail(out, arg, mult):
    """Where e^arg is subnormal, rewrite ``out = mult e^arg`` as ``sign(mult) e^{arg + log|mult|}``.

    A subnormal e^arg keeps only a few bits; a product with a large ``mult`` (silu's x at
    x = -745) would scale its rounding error into hundreds of ULPs of a representable result.
    """
    tail = arg < _LOG_TINY[arg.dtype]
    if tail.any():
        m = mult[tail]
        out[tail] = np.copysign(np.exp(arg[tail] + np.log(np.abs(m))), m)
    return out


def _sigmoid(x, out):
    # 1/(1 + e^-x): a chain of monotone, correctly rounded steps, so sigma stays monotone
    # (e/(1 + e) is not). Below x = -40, where 1 + e^x rounds to 1 and e^-x would overflow,
    # sigma = e^x, exact down to subnormal results (scipy's expit is 0 below x = -709.78,
    # where sigma(-710) = 4.5e-309).
    np.negative(x, out=out)
    np.exp(out, out=out)
    out += 1
    np.reciprocal(out, out=out)
    tail = x < -40
    if tail.any():
        out[tail] = np.exp(x[tail])
    return out


def _sigmoid_grad(x, out):
    # sigma(x) sigma(-x) = e / (1 + e)^2, e = e^{-|x|}: no cancellation, unlike sigma (1 - sigma),
    # which is 0 for x > 37, and no underflow of sigma(-|x|) before the product does.
    e = _exp_neg_abs(x)
    np.add(e, 1, out=out)
    np.divide(e, out, out=e)
    return np.divide(e, out, out=out)


register(Spec(
    name="sigmoid", aliases=("logistic", "expit"), f=_sigmoid, df=_sigmoid_grad,
    doc=r"""Logistic sigmoid.

.. math:: \sigma(x) = \frac{1}{1 + e^{-x}}, \qquad \sigma'(x) = \sigma(x)\,\sigma(-x) \le \tfrac14

Computed as :math:`1/(1+e^{-x})` (monotone in floating point) and as :math:`e^x` below
x = -40, exact down to subnormal results; the derivative as
:math:`\sigma(x)\sigma(-x) = e/(1+e)^2,\ e = e^{-|x|}`, which stays exact where
:math:`\sigma(1-\sigma)` underflows to 0 (x > 37). The articles' worked example:

>>> sigmoid(np.array([[0.8, -0.9], [1.2, -1.1]]))
array([[0.68997448, 0.2890505 ],
       [0.76852478, 0.24973989]])
>>> sigmoid(np.array([-2., 0., 2.]))
array([0.11920292, 0.5       , 0.88079708])

See https://pytorch.org/docs/stable/generated/torch.sigmoid.html
""",
    sheet=lambda: info(
        "sigmoid", "Sigmoid (logistic)", r"\sigma(x) = \frac{1}{1+e^{-x}}",
        r"\sigma'(x) = \sigma(x)\,\sigma(-x)",
        range=(0.0, 1.0), max_abs_grad=0.25, monotone=True, smoothness="Cinf",
        zero_centred=False, saturating="both",
        frameworks={"pytorch": "torch.sigmoid", "jax": "jax.nn.sigmoid",
                    "keras": "activations.sigmoid"},
        use=("output-binary",), init="glorot_uniform",
        pros=("probability output for binary classification", PROS_CONS["smooth"]),
        cons=(PROS_CONS["vanishing"] + " (f' <= 0.25, so gradients shrink 4x per layer)",
              PROS_CONS["not_centred"], PROS_CONS["costly"]),
        reference="https://en.wikipedia.org/wiki/Logistic_function",
    ),
))


# --------------------------------------------------------------------------------------- tanh
def _tanh(x, out):
    return np.tanh(x, out=out)


def _tanh_grad(x, out):
    # sech^2 x = 4e / (1 + e)^2 with e = e^{-2|x|}: exact down to subnormal results, where
    # 1 - tanh^2 is 0 for |x| > 19, and no overflow (cosh(711) = inf). For |x| < 1/2, where
    # tanh^2 < 1/4 and nothing cancels, 1 - tanh^2 is the more accurate of the two.
    ax2 = np.abs(x)
    ax2 *= -2
    e = np.exp(ax2)
    np.add(e, 1, out=out)
    e *= 4
    e /= out
    np.divide(e, out, out=out)
    _exp_tail(out, ax2, np.full_like(x, 4))  # 4e, e subnormal: e^{-2|x| + log 4}
    t = np.tanh(x)
    np.square(t, out=t)
    np.subtract(1, t, out=t)
    np.copyto(out, t, where=np.abs(x) < 0.5)
    return out


register(Spec(
    name="tanh", f=_tanh, df=_tanh_grad,
    doc=r"""Hyperbolic tangent, a rescaled sigmoid.

.. math:: \tanh x = 2\sigma(2x) - 1, \qquad \tanh' x = \operatorname{sech}^2 x = 1 - \tanh^2 x

The derivative is computed as :math:`4e/(1+e)^2,\ e = e^{-2|x|}` (as :math:`1 - \tanh^2 x` only
for :math:`|x| < 1/2`), exact where :math:`1-\tanh^2` cancels.
The articles' worked example:

>>> tanh(np.array([[0.5, -0.6], [0.9, -1.0]]))
array([[ 0.46211716, -0.53704957],
       [ 0.71629787, -0.76159416]])
>>> x = np.array([-2., 0., 2.])
>>> tanh(x)
array([-0.96402758,  0.        ,  0.96402758])
>>> bool(np.allclose(tanh(x), 2 * sigmoid(2 * x) - 1))
True
""",
    sheet=lambda: info(
        "tanh", "Hyperbolic tangent", r"\tanh x = \frac{e^x - e^{-x}}{e^x + e^{-x}}",
        r"\tanh' x = 1 - \tanh^2 x",
        range=(-1.0, 1.0), max_abs_grad=1.0, monotone=True, smoothness="Cinf",
        zero_centred=True, saturating="both",
        frameworks={"pytorch": "torch.tanh", "jax": "jax.numpy.tanh", "keras": "activations.tanh"},
        use=("hidden",), init="glorot_uniform",
        pros=(PROS_CONS["centred"], "steeper than sigmoid (f'(0) = 1); the classic RNN choice"),
        cons=(PROS_CONS["vanishing"], PROS_CONS["costly"]),
        reference="https://pytorch.org/docs/stable/generated/torch.tanh.html",
    ),
))


# --------------------------------------------------------------------------------------- relu
def _relu(x, out):
    return np.maximum(x, 0, out=out)


def _relu_grad(x, out):
    # heaviside(x, 0): 1 for x > 0, 0 for x <= 0 (relu'(0) = 0), NaN for NaN.
    return np.heaviside(x, 0, out=out)


def _relu_vjp(g, x, y, out):
    # f'(x) = [x > 0] = [y > 0]: exact from either; NaN in x propagates.
    ref = y if y is not None else x
    np.multiply(g, ref > 0, out=out)
    return _nan_to(out, ref)


register(Spec(
    name="relu", f=_relu, df=_relu_grad, vjp=_relu_vjp, y_exact=True,
    doc=r"""Rectified linear unit.

.. math:: f(x) = \max(0, x), \qquad f'(x) = [x > 0] \quad (f'(0) = 0)

The articles' worked example, a unit with weights w and bias b:

>>> x = np.array([1., -2., 3.]); w = np.array([0.4, 0.3, 0.5]); b = -0.5
>>> relu(w @ x + b)
np.float64(0.8)
>>> relu(np.array([-2., 0., 2.]))
array([0., 0., 2.])
""",
    sheet=lambda: info(
        "relu", "ReLU", r"f(x) = \max(0, x)", r"f'(x) = [x > 0]",
        range=(0.0, INF), minimum=Extremum(0.0, 0.0), max_abs_grad=1.0, monotone=True,
        smoothness="C0", zero_centred=False, saturating="left", exact_zeros=True,
        kinks=(Kink(0.0, 0.0, 0.0, 1.0),),
        frameworks={"pytorch": "torch.relu (relu'(0) = 0)", "jax": "jax.nn.relu (relu'(0) = 0)",
                    "keras": "activations.relu"},
        use=("hidden",), init="he_normal",
        pros=(PROS_CONS["cheap"], PROS_CONS["no_vanish"], PROS_CONS["sparse"]),
        cons=(PROS_CONS["dying"], PROS_CONS["not_centred"]),
        reference="https://jax.readthedocs.io/en/latest/_autosummary/jax.nn.relu.html",
    ),
))


# --------------------------------------------------------------------------------- leaky_relu
def _leaky_relu(x, out, alpha):
    # where(x > 0, x, alpha x) as two passes; for 0 <= alpha < 1 this is max(x, alpha x).
    if alpha == 0:  # relu: 0 * -inf would be NaN
        return np.maximum(x, 0, out=out)
    np.multiply(x, alpha, out=out)
    return np.maximum(x, out, out=out)


def _leaky_relu_grad(x, out, alpha):
    np.heaviside(x, 0, out=out)  # 1 for x > 0, 0 for x <= 0, NaN for NaN
    np.multiply(out, 1.0 - alpha, out=out)
    return np.add(out, alpha, out=out)  # f'(0) = alpha


def _leaky_relu_vjp(g, x, y, out, alpha):
    ref = y if y is not None else x  # sign(y) = sign(x) for alpha >= 0
    slope = np.where(ref > 0, 1.0, alpha).astype(out.dtype, copy=False)
    np.multiply(g, slope, out=out)
    return _nan_to(out, ref)


def _leaky_sheet(alpha):
    return info(
        "leaky_relu", "Leaky ReLU", r"f(x) = \max(x, \alpha x)",
        r"f'(x) = 1 \text{ if } x > 0 \text{ else } \alpha",
        params={"alpha": alpha},
        range=(-INF if alpha > 0 else 0.0, INF),
        minimum=None if alpha > 0 else Extremum(0.0, 0.0), max_abs_grad=1.0, monotone=True,
        smoothness="C0" if alpha != 1 else "Cinf",
        # E f(Z) = (1 - alpha) phi(0), E f(Z)^2 = (1 + alpha^2) / 2: centred only near alpha = 1
        zero_centred=centred((1 - alpha) / math.sqrt(2 * math.pi), (1 + alpha**2) / 2),
        saturating="none" if alpha > 0 else "left", exact_zeros=alpha == 0,
        kinks=(Kink(0.0, alpha, alpha, 1.0),) if alpha != 1 else (),
        frameworks={"pytorch": "F.leaky_relu, negative_slope=0.01",
                    "jax": "jax.nn.leaky_relu, negative_slope=0.01",
                    "keras": "activations.leaky_relu 0.2; layers.LeakyReLU 0.3; tf.nn 0.2"},
        use=("hidden",), init="he_normal",
        pros=("keeps a gradient alpha for x < 0: no dying units", PROS_CONS["cheap"]),
        cons=("alpha is one more hyper-parameter (0.01 here, 0.2 in TensorFlow)",
              PROS_CONS["not_centred"]),
        reference="https://pytorch.org/docs/stable/generated/torch.nn.LeakyReLU.html",
    )


register(Spec(
    name="leaky_relu", aliases=("lrelu",), f=_leaky_relu, df=_leaky_relu_grad, vjp=_leaky_relu_vjp,
    y_exact=True,
    params=(Param("alpha", 0.01, "slope for x < 0 (PyTorch/JAX 0.01, TensorFlow 0.2)",
                  lower=0.0, upper=1.0),),
    doc=r"""Leaky ReLU with slope ``alpha`` for negative inputs.

.. math:: f(x) = \begin{cases} x & x > 0 \\ \alpha x & x \le 0 \end{cases}, \qquad
          f'(x) = \begin{cases} 1 & x > 0 \\ \alpha & x \le 0 \end{cases}

>>> leaky_relu(np.array([-2., 0., 2.]))
array([-0.02,  0.  ,  2.  ])
>>> leaky_relu(np.array([-2., 0., 2.]), alpha=0.2)
array([-0.4,  0. ,  2. ])
""",
    sheet=_leaky_sheet,
))


# -------------------------------------------------------------------------------------- relu6
def _relu6(x, out):
    return np.clip(x, 0, 6, out=out)


def _box_grad(x, out, lo, hi, slope):
    """slope on the open interval (lo, hi), 0 outside and at both ends; NaN propagates."""
    np.heaviside(x - lo, 0, out=out)
    out *= np.heaviside(hi - x, 0)
    if slope != 1:
        out *= slope
    return out


def _relu6_grad(x, out):
    return _box_grad(x, out, 0.0, 6.0, 1.0)


def _relu6_vjp(g, x, y, out):
    ref = y if y is not None else x
    np.multiply(g, (ref > 0) & (ref < 6), out=out)
    return _nan_to(out, ref)


register(Spec(
    name="relu6", f=_relu6, df=_relu6_grad, vjp=_relu6_vjp, y_exact=True,
    doc=r"""ReLU capped at 6 (MobileNet).

.. math:: f(x) = \min(6, \max(0, x)), \qquad f'(x) = [0 < x < 6]
   \quad (f'(0) = f'(6) = 0)

>>> relu6(np.array([-2., 0., 2., 8.]))
array([0., 0., 2., 6.])
""",
    sheet=lambda: info(
        "relu6", "ReLU6", r"f(x) = \min(6, \max(0, x))", r"f'(x) = [0 < x < 6]",
        range=(0.0, 6.0), minimum=Extremum(0.0, 0.0), maximum=Extremum(6.0, 6.0),
        max_abs_grad=1.0, monotone=True, smoothness="C0", zero_centred=False,
        saturating="both", exact_zeros=True,
        kinks=(Kink(0.0, 0.0, 0.0, 1.0), Kink(6.0, 0.0, 1.0, 0.0)),
        frameworks={"pytorch": "F.relu6", "jax": "jax.nn.relu6", "keras": "activations.relu6"},
        use=("hidden",), init="he_normal",
        pros=("bounded output: robust in low precision (MobileNet)", PROS_CONS["cheap"],
              PROS_CONS["sparse"]),
        cons=(PROS_CONS["dying"] + "; also no gradient above 6", PROS_CONS["not_centred"]),
        reference="https://jax.readthedocs.io/en/latest/_autosummary/jax.nn.relu6.html",
    ),
))
