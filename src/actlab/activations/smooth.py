"""Smooth and exponential activations: silu/swish, gelu (exact, tanh, sigmoid), elu, selu, celu,
softplus, mish, log_sigmoid.

All derivatives take the pre-activation ``x`` (GELU, SiLU and Mish cannot be recovered from the
output). Stable forms throughout: ``x * Phi(x)`` for GELU with an accurate normal CDF
(``0.5 x (1 + erf)`` is -0.0 at x = -10), ``logaddexp``'s form for softplus, ``expm1`` on a
clamped branch for ELU, and sigmoids from ``e^{-|x|}`` (no overflow, no premature underflow).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from ._sheet import INF, PROS_CONS, centred, exp_tail, info, normal_moments
from .classic import _exp_neg_abs, _exp_tail, _sigmoid
from .registry import register
from .spec import Extremum, Kink, Param, Spec

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
GELU_TANH_C = 0.044715
GELU_SIGMOID_C = 1.702
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_HALF = math.sqrt(0.5)

# x * sigma(x) and friends, located with mpmath at 40 digits (tests re-derive them).
SILU_MIN, SILU_ARGMIN = -0.2784645427610738, -1.2784645427610738
SILU_MAX_GRAD = 1.0998393201288669
GELU_MIN, GELU_ARGMIN = -0.16997120747990366, -0.75179152469356446
GELU_MAX_GRAD = 1.1289041451851548
GELU_TANH_MIN, GELU_TANH_ARGMIN = -0.17004075057125405, -0.75246142207101626
GELU_TANH_MAX_GRAD = 1.1289930686587718
MISH_MIN, MISH_ARGMIN = -0.30884341301725041, -1.1924312145154952
MISH_MAX_GRAD = 1.0884981612517279


def _limits(out: np.ndarray, x: np.ndarray, at_neg: float, at_pos: float) -> np.ndarray:
    """Write the limits at x = -inf / +inf (where products like -inf * 0 give NaN)."""
    inf = np.isinf(x)
    if inf.any():
        out[inf & (x < 0)] = at_neg
        out[inf & (x > 0)] = at_pos
    return out


# --------------------------------------------------------------------------------- silu/swish
def _silu(x, out, beta=1.0):
    bx = x * beta if beta != 1 else x
    _sigmoid(bx, out)
    np.multiply(out, x, out=out)
    _exp_tail(out, bx, x)  # x e^{bx} where e^{bx} is subnormal
    return _limits(out, x, 0.0, INF)


def _silu_grad(x, out, beta=1.0):
    # f'(x) = sigma(bx) (1 + bx sigma(-bx)). With e = e^{-|bx|} this is e (1 + bx + e) / (1 + e)^2
    # for bx < 0, where 1 + bx is exact near the root bx = -1.278 (no cancellation), and
    # (1 + e + bx e) / (1 + e)^2 for bx >= 0. Beyond |bx| = 800 sigma' underflows; the clip keeps
    # bx finite there (bx = inf would give 0 * inf).
    bx = np.clip(x * beta if beta != 1 else x, -800, 800)
    e = _exp_neg_abs(bx)
    neg = bx + 1
    neg += e
    neg *= e
    np.multiply(bx, e, out=out)
    out += 1
    out += e
    np.copyto(out, neg, where=bx < 0)
    e += 1
    out /= e
    out /= e
    return _exp_tail(out, bx, bx + 1)  # (1 + bx) e^{bx} where e^{bx} is subnormal


def _silu_sheet(beta):
    return info(
        "silu", "SiLU / Swish", r"f(x) = x\,\sigma(\beta x)",
        r"f'(x) = \sigma(\beta x)\,\bigl(1 + \beta x\,\sigma(-\beta x)\bigr)",
        params={"beta": beta},
        range=(SILU_MIN / beta, INF), minimum=Extremum(SILU_MIN / beta, SILU_ARGMIN / beta),
        max_abs_grad=SILU_MAX_GRAD, monotone=False, smoothness="Cinf",
        # x sigma(beta x) -> x/2 as beta -> 0: centred for beta below about 0.02
        zero_centred=centred(*normal_moments(lambda z: z * special.expit(beta * z))),
        saturating="left",
        frameworks={"pytorch": "F.silu (beta = 1 only)", "jax": "jax.nn.silu / jax.nn.swish",
                    "keras": "activations.silu / swish"},
        use=("hidden",), init="he_normal",
        pros=("smooth and non-monotone: small negative outputs keep gradients alive",
              "often matches or beats ReLU in deep nets (Ramachandran et al. 2017)"),
        cons=(PROS_CONS["costly"], "not monotone; min -0.278 at x = -1.278"),
        reference="https://arxiv.org/abs/1710.05941",
    )


register(Spec(
    name="silu",
    aliases=("swish",),
    f=_silu,
    df=_silu_grad,
    params=(Param("beta", 1.0, "slope inside the sigmoid (Swish-beta)", lower=0.0,
                  lower_open=True),),
    doc=r"""SiLU / Swish: the input gated by its own sigmoid.

.. math:: f(x) = x\,\sigma(\beta x), \qquad
          f'(x) = \sigma(\beta x)\bigl(1 + \beta x\,\sigma(-\beta x)\bigr)

Minimum -0.278465 at x = -1.278465 (for beta = 1).

>>> silu(np.array([-2., 0., 2.]))
array([-0.23840584,  0.        ,  1.76159416])
""",
    sheet=_silu_sheet,
))


# --------------------------------------------------------------------------------------- gelu
# The normal CDF. scipy's ndtr loses up to ~20 ULP for -4 < x < -0.7 (it takes 1 - erf below
# |x| = 1.41 and rounds x^2 inside exp above) and underflows to 0 below x = -37.5, where Phi is
# still subnormal. For x < -1/4 GELU therefore uses Phi = phi * M with the Mills ratio
# M = Phi / phi, which solves M' = 1 + x M: about a centre c its Taylor coefficients follow from
# M(c) alone, m_{k+1} = (c m_k + m_{k-1}) / (k + 1). About the GELU argmin x0, M(x0) = -x0
# exactly, so near x0 the derivative Phi + x phi = phi (x + M) is a series in h = x - x0 with
# nothing left to cancel. Below x = -3, M = sqrt(pi/2) erfcx(-x / sqrt 2).
_GELU_X0 = (-0.7517915246935645, 1.4956759177009883e-17)  # GELU argmin as a double-double
_MILLS_C2, _MILLS_AT_C2 = -2.25, 0.3851482907984346  # M(-2.25), mpmath
_SQRT_HALF_PI = 1.2533141373155003  # sqrt(pi/2) correctly rounded (math.sqrt is 1 ULP off)


def _mills_series(c: float, m0: float, n: int = 28) -> tuple[float, ...]:
    m = [m0, 1.0 + c * m0]
    for k in range(1, n - 1):
        m.append((c * m[k] + m[k - 1]) / (k + 1))
    return tuple(m)


_MILLS_X0 = _mills_series(_GELU_X0[0], -_GELU_X0[0])  # |h| <= 0.75: terms < 1e-18 beyond 28
_MILLS_C2_SERIES = _mills_series(_MILLS_C2, _MILLS_AT_C2)


def _horner(coef, h):
    acc = np.full_like(h, coef[-1])
    for c in coef[-2::-1]:
        acc *= h
        acc += c
    return acc


def _gelu_exact(x, out, derivative: bool):
    """x Phi(x), or its derivative Phi(x) + x phi(x), accurate to a few ULP (see above)."""
    special.ndtr(x, out=out)  # x >= -1/4 (and NaN): ndtr is accurate and nothing cancels
    if derivative:
        out += x * np.exp(-0.5 * x * x) * _INV_SQRT_2PI
    else:
        out *= x
    x0, x0_lo = _GELU_X0
    for lo, hi in ((-1.5, -0.25), (-3.0, -1.5), (-np.inf, -3.0)):
        part = (x >= lo) & (x < hi)
        if not part.any():
            continue
        t = x[part]
        phi = np.exp(-0.5 * t * t) * _INV_SQRT_2PI
        if lo == -1.5:
            h = t - x0  # exact near x0 (Sterbenz); then the low part of x0
            h -= x0_lo
            s = _horner(_MILLS_X0[1:], h)  # M = -x0 + h s
            if derivative:
                s += 1  # x + M = h (1 + s)
                res = phi * h * s
            else:
                res = t * (phi * (h * s - x0))
        else:
            if lo == -3.0:
                m = _horner(_MILLS_C2_SERIES, t - _MILLS_C2)
            else:
                m = _SQRT_HALF_PI * special.erfcx(-t * _SQRT_HALF)
            if derivative:  # phi (t + m), with care where phi is subnormal
                res = _exp_tail(phi * (t + m), -0.5 * t * t, (t + m) * _INV_SQRT_2PI)
            else:
                res = (t * m) * phi  # t m ~ -1: a subnormal phi loses nothing more
        out[part] = res
    return out


def _gelu(x, out, approximate="none"):
    if approximate == "sigmoid":
        return _silu(x, out, GELU_SIGMOID_C)
    if approximate == "tanh":
        # 0.5 x (1 + tanh u) = x sigma(2u): no cancellation for x << 0.
        v = _gelu_tanh_2u(x)
        _sigmoid(v, out)
        np.multiply(out, x, out=out)
        _exp_tail(out, v, x)  # x e^v where e^v is subnormal
    else:
        _gelu_exact(x, out, derivative=False)
    return _limits(out, x, 0.0, INF)


def _gelu_tanh_2u(x):
    """v = 2u = k x (1 + c x^2), k = 2 sqrt(2/pi): the argument of sigma in the tanh form."""
    v = x * x
    v *= 2 * _SQRT_2_OVER_PI * GELU_TANH_C
    v += 2 * _SQRT_2_OVER_PI
    v *= x
    return v


def _gelu_grad(x, out, approximate="none"):
    if approximate == "sigmoid":
        return _silu_grad(x, out, GELU_SIGMOID_C)
    if approximate == "tanh":
        # d/dx x sigma(v) = sigma(v) + 2x u' sigma'(v), v = 2u, with 2x u' = v + w, w = 2kc x^3.
        # With e = e^{-|v|}: e (1 + v + e + w) / (1 + e)^2 for v < 0, where 1 + v is exact near
        # the root v = -1.23, and (1 + e + (v + w) e) / (1 + e)^2 for v >= 0.
        # Beyond |v| = 800 sigma' underflows: the clips keep v, w finite (no 0 * inf).
        v = np.clip(_gelu_tanh_2u(x), -800, 800)
        w = np.clip(x, -100, 100)
        w = w * w * w
        w *= 4 * _SQRT_2_OVER_PI * GELU_TANH_C
        e = _exp_neg_abs(v)
        neg = v + 1
        neg += e
        neg += w
        neg *= e
        np.add(v, w, out=out)
        out *= e
        out += 1
        out += e
        np.copyto(out, neg, where=v < 0)
        e += 1
        out /= e
        out /= e
        _exp_tail(out, v, v + w + 1)  # (1 + v + w) e^v where e^v is subnormal
    else:
        _gelu_exact(x, out, derivative=True)
    return _limits(out, x, 0.0, 1.0)


def _gelu_sheet(approximate):
    if approximate == "sigmoid":
        lo, at = SILU_MIN / GELU_SIGMOID_C, SILU_ARGMIN / GELU_SIGMOID_C
        mg, formula = SILU_MAX_GRAD, r"f(x) = x\,\sigma(1.702\,x)"
        deriv = r"f'(x) = \sigma(kx)\,(1 + kx\,\sigma(-kx)),\ k = 1.702"
    elif approximate == "tanh":
        lo, at, mg = GELU_TANH_MIN, GELU_TANH_ARGMIN, GELU_TANH_MAX_GRAD
        formula = r"f(x) = \tfrac12 x\bigl(1 + \tanh(\sqrt{2/\pi}(x + 0.044715x^3))\bigr)"
        deriv = r"f'(x) = \sigma(2u) + 2x u'\sigma(2u)\sigma(-2u),\ u = \sqrt{2/\pi}(x+0.044715x^3)"
    else:
        lo, at, mg = GELU_MIN, GELU_ARGMIN, GELU_MAX_GRAD
        formula = r"f(x) = x\,\Phi(x) = \tfrac12 x\,\operatorname{erfc}(-x/\sqrt2)"
        deriv = r"f'(x) = \Phi(x) + x\,\varphi(x)"
    return info(
        "gelu", "GELU", formula, deriv, params={"approximate": approximate},
        range=(lo, INF), minimum=Extremum(lo, at), max_abs_grad=mg, monotone=False,
        smoothness="Cinf", zero_centred=False, saturating="left",
        frameworks={"pytorch": "F.gelu, approximate='none' (exact) or 'tanh'",
                    "jax": "jax.nn.gelu, approximate=True (tanh) by default",
                    "keras": "activations.gelu exact by default; ops.gelu approximate=True"},
        use=("hidden",), init="he_normal",
        pros=("smooth ReLU-like gate by the normal CDF; default in Transformers (BERT, GPT)",),
        cons=(PROS_CONS["costly"] + " (erf, or tanh in the approximation)",
              "not monotone; min -0.170 at x = -0.752"),
        reference="https://arxiv.org/abs/1606.08415",
    )


register(Spec(
    name="gelu",
    f=_gelu,
    df=_gelu_grad,
    params=(Param("approximate", "none", "'none' exact erf form, 'tanh' or 'sigmoid' "
                  "(x sigmoid(1.702 x)) approximations", choices=("none", "tanh", "sigmoid")),),
    doc=r"""Gaussian error linear unit.

.. math:: f(x) = x\,\Phi(x), \qquad f'(x) = \Phi(x) + x\,\varphi(x)

with approximations ``"tanh"``: :math:`\tfrac12 x(1+\tanh(\sqrt{2/\pi}(x+0.044715x^3)))` and
``"sigmoid"``: :math:`x\,\sigma(1.702x)`. The exact form is evaluated as ``x * Phi(x)`` with
``Phi`` accurate to a few ULP down to subnormal results (scipy's ``ndtr`` loses up to 20 ULP on
-4 < x < -0.7).

>>> gelu(np.array([-2., 0., 2.]))
array([-0.04550026,  0.        ,  1.95449974])
>>> gelu(np.array([-2., 0., 2.]), approximate="tanh")
array([-0.04540231,  0.        ,  1.95459769])
""",
    sheet=_gelu_sheet,
))


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
    """(E f, E f^2) for f = x (x > 0), alpha (e^{rate x} - 1) (x <= 0), Z ~ N(0, 1)."""
    e1, e2 = exp_tail(rate), exp_tail(2 * rate)  # E[e^{tZ}; Z < 0]
    mean = 1 / math.sqrt(2 * math.pi) + alpha * (e1 - 0.5)
    return mean, 0.5 + alpha**2 * (e2 - 2 * e1 + 0.5)


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
    name="elu",
    f=_elu,
    df=_elu_grad,
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
    name="selu",
    f=_selu,
    df=_selu_grad,
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
    np.copyto(out, x, where=x > 0)
    return out


def _celu_grad(x, out, alpha=1.0):
    np.minimum(x, 0, out=out)
    out /= alpha
    np.exp(out, out=out)  # 1 at x = 0 from both sides: C1
    np.copyto(out, 1.0, where=x > 0)
    return out


register(Spec(
    name="celu",
    f=_celu,
    df=_celu_grad,
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
    name="softplus",
    f=_softplus,
    df=_softplus_grad,
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
    name="log_sigmoid",
    aliases=("logsigmoid",),
    f=_log_sigmoid,
    df=_log_sigmoid_grad,
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


# --------------------------------------------------------------------------------------- mish
def _mish(x, out):
    np.logaddexp(0, x, out=out)
    np.tanh(out, out=out)
    np.multiply(out, x, out=out)
    _exp_tail(out, x, x)  # x tanh(softplus(x)) = x e^x where e^x is subnormal
    return _limits(out, x, 0.0, INF)


def _mish_grad(x, out):
    # x > 0: tanh(sp) + x sech^2(sp) sigma(x), sp = softplus(x); sech^2 = (1/cosh)^2 avoids
    # 1 - tanh^2; both terms are positive.
    sp = np.logaddexp(0, x)
    sech2 = np.cosh(sp)
    np.reciprocal(sech2, out=sech2)
    np.square(sech2, out=sech2)
    sech2 *= x
    sech2 *= _sigmoid(x, np.empty_like(x))
    np.tanh(sp, out=out)
    out += sech2
    # x <= 0: the same in w = e^x, 4w (x + 1 + w (x + 1.5 + w (1 + w/4))) / (w^2 + 2w + 2)^2.
    # The two terms above cancel at the root x = -1.19; here x + 1 and x + 1.5 are exact there, and
    # f' ~ (x + 1) e^x stays exact down to subnormal results.
    w = np.exp(np.minimum(x, 0))
    neg = w / 4
    neg += 1
    neg *= w
    neg += x + 1.5
    neg *= w
    neg += x + 1
    d = w + 2
    d *= w
    d += 2
    d *= 0.5
    neg /= d
    neg /= d  # inner / (d/2)^2 cannot overflow: d/2 is in [1, 2.5]
    tail = neg.copy()
    neg *= w
    _exp_tail(neg, x, tail)  # w (4 inner / d^2) where w = e^x is subnormal
    np.copyto(out, neg, where=x <= 0)
    return _limits(out, x, 0.0, 1.0)


register(Spec(
    name="mish",
    f=_mish,
    df=_mish_grad,
    doc=r"""Mish, a self-gated smooth activation.

.. math:: f(x) = x \tanh(\operatorname{softplus}(x)), \qquad
          f'(x) = \tanh(s) + x\,\operatorname{sech}^2(s)\,\sigma(x),\ s = \operatorname{softplus}(x)

Minimum -0.308843 at x = -1.192431.

>>> mish(np.array([-2., 0., 2.]))
array([-0.25250148,  0.        ,  1.94395896])
""",
    sheet=lambda: info(
        "mish", "Mish", r"f(x) = x\tanh(\log(1+e^x))",
        r"f'(x) = \tanh(s) + x\,\mathrm{sech}^2(s)\,\sigma(x)",
        range=(MISH_MIN, INF), minimum=Extremum(MISH_MIN, MISH_ARGMIN),
        max_abs_grad=MISH_MAX_GRAD, monotone=False, smoothness="Cinf", zero_centred=False,
        saturating="left",
        frameworks={"pytorch": "F.mish", "jax": "(none)", "keras": "activations.mish"},
        use=("hidden",), init="he_normal",
        pros=("smooth, non-monotone; reported gains over ReLU/Swish in vision (YOLOv4)",),
        cons=(PROS_CONS["costly"] + " (exp, log, tanh)",),
        reference="https://arxiv.org/abs/1908.08681",
    ),
))
