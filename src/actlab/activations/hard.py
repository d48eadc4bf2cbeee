"""Piecewise-linear approximations: hard_sigmoid, hard_swish, hard_tanh, and softsign.

At each boundary the derivative is that of the outer piece: hard_sigmoid' = 0 at +-3,
hard_swish' = 0 at -3 and 1 at 3, hard_tanh' = 0 at +-1. PyTorch 2.13 agrees (its hardswish
backward gives 0 at -3 and 1 at 3; releases up to 2.6 gave -0.5 and 1.5). jax.nn differs at
hard_tanh: its derivative is 1 at +-1.
"""

from __future__ import annotations

import numpy as np

from ._sheet import INF, PROS_CONS, info
from .classic import _box_grad, _nan_to
from .registry import register
from .spec import Extremum, Kink, Spec


def _hard_sigmoid(x, out):
    np.add(x, 3, out=out)
    np.clip(out, 0, 6, out=out)
    return np.divide(out, 6, out=out)


def _hard_sigmoid_grad(x, out):
    return _box_grad(x, out, -3.0, 3.0, 1.0 / 6.0)


register(Spec(
    name="hard_sigmoid", aliases=("hardsigmoid",), f=_hard_sigmoid, df=_hard_sigmoid_grad,
    doc=r"""Piecewise-linear sigmoid, ``relu6(x + 3) / 6``.

.. math:: f(x) = \min(1, \max(0, (x + 3)/6)), \qquad f'(x) = \tfrac16 [-3 < x < 3]

>>> hard_sigmoid(np.array([-4., 0., 1.5]))
array([0.  , 0.5 , 0.75])
""",
    sheet=lambda: info(
        "hard_sigmoid", "Hard sigmoid", r"f(x) = \mathrm{relu6}(x+3)/6",
        r"f'(x) = \tfrac16[-3 < x < 3]",
        range=(0.0, 1.0), minimum=Extremum(0.0, -3.0), maximum=Extremum(1.0, 3.0),
        max_abs_grad=1 / 6, monotone=True, smoothness="C0", zero_centred=False,
        saturating="both", exact_zeros=True,
        kinks=(Kink(-3.0, 0.0, 0.0, 1 / 6), Kink(3.0, 0.0, 1 / 6, 0.0)),
        frameworks={"pytorch": "F.hardsigmoid = relu6(x+3)/6", "jax": "jax.nn.hard_sigmoid",
                    "keras": "activations.hard_sigmoid (Keras 2: clip(0.2x + 0.5, 0, 1))"},
        use=("hidden",), init="glorot_uniform",
        pros=(PROS_CONS["cheap"] + ": a sigmoid for mobile nets",),
        cons=("zero gradient outside (-3, 3)", PROS_CONS["not_centred"]),
        reference="https://arxiv.org/abs/1905.02244",
    ),
))


def _hard_swish(x, out):
    _hard_sigmoid(x, out)
    np.multiply(out, x, out=out)
    np.copyto(out, -0.0, where=x == -np.inf)  # 0 * -inf is NaN; f = -0 on x <= -3
    return out


def _hard_swish_grad(x, out):
    # (2x + 3)/6 = (x + 1.5)/3 on (-3, 3): x + 1.5 is exact near the root -1.5; 0 for x <= -3
    # (also at -inf, where a product with 0 would give NaN); 1 for x >= 3. NaN stays NaN.
    np.add(x, 1.5, out=out)
    out /= 3
    np.copyto(out, 0.0, where=x <= -3)
    np.copyto(out, 1.0, where=x >= 3)
    return out


register(Spec(
    name="hard_swish", aliases=("hardswish", "hard_silu"), f=_hard_swish, df=_hard_swish_grad,
    doc=r"""Piecewise-linear Swish, ``x * relu6(x + 3) / 6`` (MobileNetV3).

.. math:: f(x) = x\,\frac{\mathrm{relu6}(x+3)}{6}, \qquad
          f'(x) = \begin{cases} 0 & x \le -3 \\ (2x+3)/6 & -3 < x < 3 \\ 1 & x \ge 3 \end{cases}

>>> hard_swish(np.array([-4., -1.5, 0., 4.]))
array([-0.   , -0.375,  0.   ,  4.   ])
""",
    sheet=lambda: info(
        "hard_swish", "Hard swish", r"f(x) = x\,\mathrm{relu6}(x+3)/6",
        r"f'(x) = (2x+3)/6 \text{ on } (-3,3)",
        range=(-0.375, INF), minimum=Extremum(-0.375, -1.5), max_abs_grad=1.5,
        monotone=False, smoothness="C0", zero_centred=False, saturating="left",
        exact_zeros=True, kinks=(Kink(-3.0, 0.0, 0.0, -0.5), Kink(3.0, 1.0, 1.5, 1.0)),
        frameworks={"pytorch": "F.hardswish (torch 2.13 backward: 0 at -3, 1 at 3, as here; "
                               "older releases -0.5 and 1.5)",
                    "jax": "jax.nn.hard_swish", "keras": "activations.hard_swish"},
        use=("hidden",), init="he_normal",
        pros=(PROS_CONS["cheap"] + ": Swish for mobile nets",),
        cons=("kinks at -3 and 3", PROS_CONS["not_centred"]),
        reference="https://arxiv.org/abs/1905.02244",
    ),
))


def _hard_tanh(x, out):
    return np.clip(x, -1, 1, out=out)


def _hard_tanh_grad(x, out):
    return _box_grad(x, out, -1.0, 1.0, 1.0)


def _hard_tanh_vjp(g, x, y, out):
    ref = y if y is not None else x
    np.multiply(g, (ref > -1) & (ref < 1), out=out)
    return _nan_to(out, ref)


register(Spec(
    name="hard_tanh", aliases=("hardtanh",), f=_hard_tanh, df=_hard_tanh_grad, vjp=_hard_tanh_vjp,
    y_exact=True,
    doc=r"""Piecewise-linear tanh, ``clip(x, -1, 1)``.

.. math:: f(x) = \max(-1, \min(1, x)), \qquad f'(x) = [-1 < x < 1]

>>> hard_tanh(np.array([-2., 0., 0.5, 2.]))
array([-1. ,  0. ,  0.5,  1. ])
""",
    sheet=lambda: info(
        "hard_tanh", "Hard tanh", r"f(x) = \max(-1, \min(1, x))", r"f'(x) = [-1 < x < 1]",
        range=(-1.0, 1.0), minimum=Extremum(-1.0, -1.0), maximum=Extremum(1.0, 1.0),
        max_abs_grad=1.0, monotone=True, smoothness="C0", zero_centred=True,
        saturating="both", kinks=(Kink(-1.0, 0.0, 0.0, 1.0), Kink(1.0, 0.0, 1.0, 0.0)),
        frameworks={"pytorch": "F.hardtanh(min_val=-1, max_val=1)", "jax": "jax.nn.hard_tanh",
                    "keras": "(none)"},
        use=("hidden",), init="glorot_uniform",
        pros=(PROS_CONS["cheap"], PROS_CONS["centred"]),
        cons=("zero gradient outside (-1, 1)",),
        reference="https://jax.readthedocs.io/en/latest/_autosummary/jax.nn.hard_tanh.html",
    ),
))


def _softsign(x, out):
    # sign(x) / (1 + 1/|x|): a chain of correctly rounded monotone steps, so f stays monotone
    # (x / (1 + |x|) is not: it falls from 1.0 at 2^53 to 1 - 2^-52 at 2^53 + 2), and +-inf
    # give +-1 by themselves. Below |x| = 2^-60, 1/|x| could overflow and f(x) rounds to x.
    np.abs(x, out=out)
    np.reciprocal(out, out=out)
    out += 1
    np.reciprocal(out, out=out)
    np.copysign(out, x, out=out)
    np.copyto(out, x, where=np.abs(x) < 2.0**-60)
    return out


def _softsign_grad(x, out):
    # (1/(1 + |x|))^2: squaring the reciprocal keeps 1e-310 at |x| = 1e155, where (1 + |x|)^2
    # overflows and its reciprocal is 0.
    np.abs(x, out=out)
    out += 1
    np.reciprocal(out, out=out)
    return np.square(out, out=out)


register(Spec(
    name="softsign", aliases=("soft_sign",), f=_softsign, df=_softsign_grad,
    doc=r"""Softsign, a rational tanh-like curve with polynomial tails.

.. math:: f(x) = \frac{x}{1 + |x|}, \qquad f'(x) = \frac{1}{(1 + |x|)^2}

>>> softsign(np.array([-2., 0., 2.]))
array([-0.66666667,  0.        ,  0.66666667])
""",
    sheet=lambda: info(
        "softsign", "Softsign", r"f(x) = x / (1 + |x|)", r"f'(x) = 1/(1 + |x|)^2",
        range=(-1.0, 1.0), max_abs_grad=1.0, monotone=True, smoothness="C1",
        zero_centred=True, saturating="both",
        frameworks={"pytorch": "F.softsign", "jax": "jax.nn.soft_sign",
                    "keras": "activations.softsign"},
        use=("hidden",), init="glorot_uniform",
        pros=(PROS_CONS["centred"], "saturates polynomially, more slowly than tanh"),
        cons=(PROS_CONS["vanishing"],),
        reference="https://pytorch.org/docs/stable/generated/torch.nn.Softsign.html",
    ),
))
