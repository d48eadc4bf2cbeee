"""Exponential-family activations: elu, selu, celu, softplus and log_sigmoid.

Stable forms throughout: ``expm1`` on a clamped branch for the ELU family (no overflow for large
x), ``log1p`` of a decaying exponential for softplus and log_sigmoid (no overflow at x = 710).
"""

from __future__ import annotations

import math

import numpy as np

from ._sheet import INF, PROS_CONS, centred, exp_tail, info
from .classic import _sigmoid
from .registry import register
from .spec import Kink, Param, Spec

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


# ---------------------------------------------------------------------------------- elu family
def _elu(x, out, alpha=1.0, scale=1.0):
    np.minimum(x, 0, out=out)  # clamp the exp branch: no overflow for large x
    np.expm1(out, out=out)
    out *= alpha
    np.copyto(out, x, where=x > 0)
    if scale != 1:
        out *= scale
    return out


def _elu_grad(x, out, alpha=1.0, scale=1.0):
    np.minimum(x, 0, out=out)
    np.exp(out, out=out)
    out *= alpha  # f'(0) = alpha: the x <= 0 branch, as PyTorch and JAX
    np.copyto(out, 1.0, where=x > 0)
    if scale != 1:
        out *= scale
    return out


def _elu_moments(alpha, rate):
    """(E f, E f^2) / (s, s^2), s = max(1, alpha), for f = x (x > 0), alpha (e^{rate x} - 1)
    (x <= 0), Z ~ N(0, 1); the scaling keeps alpha up to 1.8e308 finite (``centred`` is
    scale-invariant)."""
    e1, e2 = exp_tail(rate), exp_tail(2 * rate)  # E[e^{tZ}; Z < 0]
    s = max(1.0, alpha)
    a = alpha / s
    mean = 1 / (s * math.sqrt(2 * math.pi)) + a * (e1 - 0.5)
    return mean, 0.5 / s / s + a * a * (e2 - 2 * e1 + 0.5)


def _elu_sheet(alpha):
    return info(
        "elu", "ELU", r"f(x) = x \text{ if } x > 0 \text{ else } \alpha(e^x - 1)",
        r"f'(x) = 1 \text{ if } x > 0 \text{ else } \alpha e^x",
        params={"alpha": alpha}, range=(-alpha, INF), max_abs_grad=max(1.0, alpha),
        monotone=True, smoothness="C1" if alpha == 1 else "C0",
        # E f(Z) = 0 near alpha = 1.6733: SELU's alpha, which makes SELU centred
        zero_centred=centred(*_elu_moments(alpha, 1.0)),
        saturating="left", kinks=() if alpha == 1 else (Kink(0.0, alpha, alpha, 1.0),),
        frameworks={"pytorch": "F.elu, alpha=1", "jax": "jax.nn.elu, alpha=1",
                    "keras": "activations.elu, alpha=1"},
        use=("hidden",), init="he_normal",
        pros=("negative outputs push mean activations toward zero", "no dying units"),
        cons=(PROS_CONS["costly"] + " (exp for x < 0)",),
        reference="https://arxiv.org/abs/1511.07289",
    )


register(Spec(
    name="elu", f=_elu, df=_elu_grad,
    params=(Param("alpha", 1.0, "saturation value -alpha for x -> -inf", lower=0.0,
                  lower_open=True),),
    doc=r"""Exponential linear unit.

.. math:: f(x) = \begin{cases} x & x > 0 \\ \alpha(e^x - 1) & x \le 0 \end{cases}, \qquad
          f'(x) = \begin{cases} 1 & x > 0 \\ \alpha e^x & x \le 0 \end{cases}

>>> elu(np.array([-2., 0., 2.]))
array([-0.86466472,  0.        ,  2.        ])
""",
    sheet=_elu_sheet,
))


def _selu(x, out):
    return _elu(x, out, SELU_ALPHA, SELU_SCALE)


def _selu_grad(x, out):
    return _elu_grad(x, out, SELU_ALPHA, SELU_SCALE)


register(Spec(
    name="selu", f=_selu, df=_selu_grad,
    doc=r"""Scaled ELU (self-normalising networks).

.. math:: f(x) = \lambda\,\mathrm{elu}_\alpha(x), \quad \lambda = 1.0507009873554805,
          \ \alpha = 1.6732632423543772

With LeCun-normal weights, activations keep mean 0 and variance 1 through depth.

>>> selu(np.array([-2., 0., 2.]))
array([-1.52016647,  0.        ,  2.10140197])
""",
    sheet=lambda: info(
        "selu", "SELU", r"f(x) = \lambda x \text{ if } x > 0 \text{ else } \lambda\alpha(e^x-1)",
        r"f'(x) = \lambda \text{ if } x > 0 \text{ else } \lambda\alpha e^x",
        range=(-SELU_SCALE * SELU_ALPHA, INF), max_abs_grad=SELU_SCALE * SELU_ALPHA,
        monotone=True, smoothness="C0", zero_centred=True, saturating="left",
        kinks=(Kink(0.0, SELU_SCALE * SELU_ALPHA, SELU_SCALE * SELU_ALPHA, SELU_SCALE),),
        frameworks={"pytorch": "F.selu", "jax": "jax.nn.selu", "keras": "activations.selu"},
        use=("hidden",), init="lecun_normal",
        pros=("self-normalising: zero mean, unit variance for N(0, 1) inputs",),
        cons=("needs LeCun-normal init and alpha-dropout to keep its guarantees",
              PROS_CONS["costly"]),
        reference="https://arxiv.org/abs/1706.02515",
    ),
))


def _celu(x, out, alpha=1.0):
    np.minimum(x, 0, out=out)
    out /= alpha
    np.expm1(out, out=out)
    out *= alpha
    # x > 0, or x / alpha underflowed to 0 (huge alpha, tiny x: f(x) = x (1 + x / 2alpha + ...))
    np.copyto(out, x, where=(x > 0) | ((out == 0) & (x != 0)))
    return out


def _celu_grad(x, out, alpha=1.0):
    np.minimum(x, 0, out=out)
    out /= alpha
    np.exp(out, out=out)  # 1 at x = 0 from both sides: C1
    np.copyto(out, 1.0, where=x > 0)
    return out


register(Spec(
    name="celu", f=_celu, df=_celu_grad,
    params=(Param("alpha", 1.0, "saturation value -alpha; also the scale of the exp branch",
                  lower=0.0, lower_open=True),),
    doc=r"""Continuously differentiable ELU.

.. math:: f(x) = \max(0, x) + \min\bigl(0, \alpha(e^{x/\alpha} - 1)\bigr), \qquad
          f'(x) = \begin{cases} 1 & x > 0 \\ e^{x/\alpha} & x \le 0 \end{cases}

>>> celu(np.array([-2., 0., 2.]))
array([-0.86466472,  0.        ,  2.        ])
""",
    sheet=lambda alpha: info(
        "celu", "CELU", r"f(x) = \max(0,x) + \min(0, \alpha(e^{x/\alpha}-1))",
        r"f'(x) = 1 \text{ if } x > 0 \text{ else } e^{x/\alpha}",
        params={"alpha": alpha}, range=(-alpha, INF), max_abs_grad=1.0, monotone=True,
        smoothness="C1", zero_centred=centred(*_elu_moments(alpha, 1 / alpha)),  # large alpha
        saturating="left",
        frameworks={"pytorch": "F.celu, alpha=1", "jax": "jax.nn.celu, alpha=1",
                    "keras": "(none)"},
        use=("hidden",), init="he_normal",
        pros=("ELU made C1 for every alpha",), cons=(PROS_CONS["costly"],),
        reference="https://arxiv.org/abs/1704.07483",
    ),
))


# ------------------------------------------------------------------------ softplus, log_sigmoid
def _softplus(x, out, beta=1.0):
    # log1p(e^{bx}) / b, a chain of monotone steps (max(x, 0) + log1p(e^{-|bx|}) / b is not
    # monotone in floating point near 0); above bx = 30, where e^{bx} heads for overflow,
    # x + log1p(e^{-bx}) / b, monotone there because the second term varies far slower than x.
    # bx = inf (x = 1e308, b = 2) takes that branch and gives x.
    bx = x * beta if beta != 1 else x
    big = bx > 30
    np.exp(np.where(big, -bx, bx), out=out)
    np.log1p(out, out=out)
    if beta != 1:
        out /= beta
    return np.add(out, x, out=out, where=big)


def _softplus_grad(x, out, beta=1.0):
    return _sigmoid(x * beta if beta != 1 else x, out)


register(Spec(
    name="softplus", f=_softplus, df=_softplus_grad,
    params=(Param("beta", 1.0, "sharpness; f -> relu as beta -> inf", lower=0.0,
                  lower_open=True),),
    doc=r"""Softplus, a smooth ReLU.

.. math:: f(x) = \tfrac1\beta \log(1 + e^{\beta x}), \qquad f'(x) = \sigma(\beta x)

Evaluated as ``log1p(exp(beta x)) / beta``, and as ``x + log1p(exp(-beta x)) / beta`` above
beta x = 30 (no overflow at x = 710; exact for all x, unlike PyTorch's, which returns x for
beta x > 20; monotone in floating point, unlike ``logaddexp``).

>>> softplus(np.array([-2., 0., 2.]))
array([0.12692801, 0.69314718, 2.12692801])
""",
    sheet=lambda beta: info(
        "softplus", "Softplus", r"f(x) = \tfrac1\beta\log(1+e^{\beta x})",
        r"f'(x) = \sigma(\beta x)", params={"beta": beta}, range=(0.0, INF), max_abs_grad=1.0,
        monotone=True, smoothness="Cinf", zero_centred=False, saturating="left",
        frameworks={"pytorch": "F.softplus, beta=1, threshold=20 (linear above)",
                    "jax": "jax.nn.softplus", "keras": "activations.softplus"},
        use=("hidden",), init="he_normal",
        pros=("smooth, strictly positive: used for scale/variance outputs",),
        cons=(PROS_CONS["costly"], PROS_CONS["not_centred"]),
        reference="https://pytorch.org/docs/stable/generated/torch.nn.Softplus.html",
    ),
))


def _log_sigmoid(x, out):
    # -log1p(e^-x), a chain of monotone steps; below x = -30, where e^-x heads for overflow,
    # x - log1p(e^x), monotone there because log1p(e^x) varies far slower than x.
    small = x < -30
    np.exp(np.where(small, x, -x), out=out)
    np.log1p(out, out=out)
    np.negative(out, out=out)
    return np.add(out, x, out=out, where=small)


def _log_sigmoid_grad(x, out):
    return _sigmoid(-x, out)


register(Spec(
    name="log_sigmoid", aliases=("logsigmoid",), f=_log_sigmoid, df=_log_sigmoid_grad,
    doc=r"""Logarithm of the sigmoid.

.. math:: f(x) = \log\sigma(x) = -\log(1 + e^{-x}), \qquad f'(x) = \sigma(-x)

>>> log_sigmoid(np.array([-2., 0., 2.]))
array([-2.12692801, -0.69314718, -0.12692801])
""",
    sheet=lambda: info(
        "log_sigmoid", "Log-sigmoid", r"f(x) = -\log(1+e^{-x})", r"f'(x) = \sigma(-x)",
        range=(-INF, 0.0), max_abs_grad=1.0, monotone=True, smoothness="Cinf",
        zero_centred=False, saturating="right",
        frameworks={"pytorch": "F.logsigmoid", "jax": "jax.nn.log_sigmoid",
                    "keras": "activations.log_sigmoid"},
        use=(), init="glorot_uniform",
        pros=("log-probability of the positive class without underflow (for NLL losses)",),
        cons=("rarely a hidden-layer choice: unbounded below, saturates for x > 0",),
        reference="https://jax.readthedocs.io/en/latest/_autosummary/jax.nn.log_sigmoid.html",
    ),
))
