"""Self-gated smooth activations: silu/swish, gelu (exact, tanh, sigmoid) and mish.

Each is x times a smooth gate (sigmoid, the normal CDF, tanh of softplus). All derivatives take the
pre-activation ``x`` (none of them can be recovered from the output), and all are evaluated in
stable forms: GELU's ``Phi`` never as ``0.5 (1 + erf)``, which is -0.0 at x = -10.
"""

from __future__ import annotations

import math

import numpy as np

from ._sheet import INF, PROS_CONS, centred, info, normal_moments, special
from .classic import _exp_neg_abs, _exp_tail, _sigmoid
from .registry import register
from .spec import Extremum, Param, Spec

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


def _gated_grad(v, out, w=None):
    """sigma(v) + (v + w) sigma'(v), the derivative of x sigma(v) when x dv/dx = v + w.

    With e = e^{-|v|} this is e (1 + v + w + e) / (1 + e)^2 for v < 0, where 1 + v is exact near
    the root (no cancellation), and (1 + e + (v + w) e) / (1 + e)^2 for v >= 0. Callers clip v to
    [-800, 800], beyond which sigma' underflows (v = inf would give 0 * inf). silu has w = 0.
    """
    e = _exp_neg_abs(v)
    neg = v + 1
    neg += e
    if w is not None:
        neg += w
        np.add(v, w, out=out)
        out *= e
    else:
        np.multiply(v, e, out=out)
    neg *= e
    out += 1
    out += e
    np.copyto(out, neg, where=v < 0)
    e += 1
    out /= e
    out /= e
    # (1 + v + w) e^v where e^v is subnormal
    return _exp_tail(out, v, (v + w + 1) if w is not None else v + 1)


def _silu_grad(x, out, beta=1.0):
    # f'(x) = sigma(bx) (1 + bx sigma(-bx)): the gated derivative with v = bx, w = 0.
    return _gated_grad(np.clip(x * beta if beta != 1 else x, -800, 800), out)


def _silu_sheet(beta):
    return info(
        "silu", "SiLU / Swish", r"f(x) = x\,\sigma(\beta x)",
        r"f'(x) = \sigma(\beta x)\,\bigl(1 + \beta x\,\sigma(-\beta x)\bigr)",
        params={"beta": beta},
        range=(SILU_MIN / beta, INF), minimum=Extremum(SILU_MIN / beta, SILU_ARGMIN / beta),
        max_abs_grad=SILU_MAX_GRAD, monotone=False, smoothness="Cinf",
        # x sigma(beta x) -> x/2 as beta -> 0: centred for beta below about 0.02
        zero_centred=centred(*normal_moments(lambda z: z * special().expit(beta * z))),
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
    name="silu", aliases=("swish",), f=_silu, df=_silu_grad,
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
    special().ndtr(x, out=out)  # x >= -1/4 (and NaN): ndtr is accurate and nothing cancels
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
                m = _SQRT_HALF_PI * special().erfcx(-t * _SQRT_HALF)
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
        # The clips keep v, w finite where sigma' has underflowed (no 0 * inf).
        v = np.clip(_gelu_tanh_2u(x), -800, 800)
        w = np.clip(x, -100, 100)
        w = w * w * w
        w *= 4 * _SQRT_2_OVER_PI * GELU_TANH_C
        _gated_grad(v, out, w)
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
    name="gelu", f=_gelu, df=_gelu_grad,
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
    name="mish", f=_mish, df=_mish_grad,
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
