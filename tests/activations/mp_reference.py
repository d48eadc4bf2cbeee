"""Independent mpmath references for every registry entry: f, f' and f'' at 50 digits.

Written from the mathematical definitions (papers and framework docs), not from actlab's kernels.
Every formula avoids cancellation *in mpmath* too: 50 digits do not survive ``1 - sigma(700)`` or
``log(1 + e^-745)``, so the references use ``sigma(x) sigma(-x)``, ``log1p``, ``expm1`` and
``erfc`` exactly where the float64 kernels must. ``f''`` only sets the tolerance (the conditioning
of ``f'``), so it is written for accuracy, not speed.

Conventions at kinks are the documented ones (jax.nn custom JVPs): relu'(0) = 0,
relu6'(0) = relu6'(6) = 0, leaky_relu'(0) = alpha, elu'(0) = alpha (the x <= 0 branch),
hard_sigmoid'(+-3) = 0, hard_swish'(-3) = 0 and hard_swish'(3) = 1, hard_tanh'(+-1) = 0.

``reference(name, params)`` raises ``KeyError`` for an entry without a reference, so a new registry
entry fails the gold-value tests until someone writes its reference here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import mpmath as mp

DPS = 50
mpf = mp.mpf

SELU_LAMBDA = mpf("1.0507009873554804934193349852946")
SELU_ALPHA = mpf("1.6732632423543772848170429916717")
GELU_TANH_C = mpf("0.044715")
GELU_SIGMOID_C = mpf("1.702")

Fn = Callable[[mp.mpf], mp.mpf]


@dataclass(frozen=True)
class Ref:
    """f, f' (with the kink convention) and f'' (0 on linear pieces, one-sided at kinks)."""

    f: Fn
    df: Fn
    d2f: Fn


# ------------------------------------------------------------------------------ building blocks
def sig(x):
    return 1 / (1 + mp.exp(-x))


def dsig(x):
    return sig(x) * sig(-x)


def d2sig(x):
    # sigma'' = sigma' (sigma(-x) - sigma(x)) = -sigma' tanh(x/2)
    return -dsig(x) * mp.tanh(x / 2)


def softplus1(x):
    return mp.log1p(mp.exp(x)) if x < 0 else x + mp.log1p(mp.exp(-x))


def Phi(x):
    if x > 1e8:  # 1 - Phi(x) < exp(-5e15): 1 at any working precision
        return mpf(1)
    if x < -1e8:  # Mills-ratio series (mpmath's erfc overflows here); next term ~ x^-10
        t = 1 / (x * x)
        return phi(x) / -x * (1 - t + 3 * t**2 - 15 * t**3 + 105 * t**4)
    return mp.erfc(-x / mp.sqrt(2)) / 2


def phi(x):
    return mp.exp(-x * x / 2) / mp.sqrt(2 * mp.pi)


def _zero(x):
    return mpf(0)


def _one(x):
    return mpf(1)


# ------------------------------------------------------------------------------------- entries
def identity() -> Ref:
    return Ref(lambda x: x, _one, _zero)


def sigmoid() -> Ref:
    return Ref(sig, dsig, d2sig)


def tanh() -> Ref:
    return Ref(mp.tanh, lambda x: mp.sech(x) ** 2, lambda x: -2 * mp.tanh(x) * mp.sech(x) ** 2)


def relu() -> Ref:
    return Ref(lambda x: max(x, mpf(0)), lambda x: mpf(1 if x > 0 else 0), _zero)


def leaky_relu(alpha: float) -> Ref:
    a = mpf(alpha)
    return Ref(lambda x: x if x > 0 else a * x, lambda x: mpf(1) if x > 0 else a, _zero)


def relu6() -> Ref:
    return Ref(lambda x: min(max(x, mpf(0)), mpf(6)), lambda x: mpf(1 if 0 < x < 6 else 0), _zero)


def _swish(k) -> Ref:
    """x sigma(k x): f' = sigma(kx) + kx sigma'(kx), f'' = k sigma'(kx) (2 - kx tanh(kx/2))."""
    return Ref(
        lambda x: x * sig(k * x),
        lambda x: sig(k * x) + k * x * dsig(k * x),
        lambda x: k * dsig(k * x) * (2 - k * x * mp.tanh(k * x / 2)),
    )


def silu(beta: float) -> Ref:
    return _swish(mpf(beta))


def gelu(approximate: str) -> Ref:
    if approximate == "none":
        return Ref(
            lambda x: x * Phi(x),
            lambda x: Phi(x) + x * phi(x),
            lambda x: phi(x) * (2 - x * x),
        )
    if approximate == "tanh":
        s = mp.sqrt(2 / mp.pi)

        def u(x):
            return s * (x + GELU_TANH_C * x**3)

        def du(x):
            return s * (1 + 3 * GELU_TANH_C * x**2)

        # 0.5 x (1 + tanh u) = x sigma(2u): the second form keeps all digits when u << 0.
        return Ref(
            lambda x: x * sig(2 * u(x)),
            lambda x: sig(2 * u(x)) + 2 * x * du(x) * dsig(2 * u(x)),
            lambda x: dsig(2 * u(x))
            * (4 * du(x) + 12 * s * GELU_TANH_C * x * x - 4 * x * du(x) ** 2 * mp.tanh(u(x))),
        )
    if approximate == "sigmoid":
        return _swish(GELU_SIGMOID_C)
    raise KeyError(f"gelu approximate={approximate!r}")


def _elu(alpha, scale) -> Ref:
    return Ref(
        lambda x: scale * (x if x > 0 else alpha * mp.expm1(x)),
        lambda x: scale * (1 if x > 0 else alpha * mp.exp(x)),
        lambda x: scale * (0 if x > 0 else alpha * mp.exp(x)),
    )


def elu(alpha: float) -> Ref:
    return _elu(mpf(alpha), mpf(1))


def selu() -> Ref:
    return _elu(SELU_ALPHA, SELU_LAMBDA)


def celu(alpha: float) -> Ref:
    a = mpf(alpha)
    return Ref(
        lambda x: x if x > 0 else a * mp.expm1(x / a),
        lambda x: mpf(1) if x > 0 else mp.exp(x / a),
        lambda x: mpf(0) if x > 0 else mp.exp(x / a) / a,
    )


def softplus(beta: float) -> Ref:
    b = mpf(beta)
    return Ref(
        lambda x: softplus1(b * x) / b,
        lambda x: sig(b * x),
        lambda x: b * dsig(b * x),
    )


def log_sigmoid() -> Ref:
    return Ref(lambda x: -softplus1(-x), lambda x: sig(-x), lambda x: -dsig(x))


def mish() -> Ref:
    def sech2(x):
        return mp.sech(softplus1(x)) ** 2

    def d2f(x):
        t, h, s = mp.tanh(softplus1(x)), sech2(x), sig(x)
        return 2 * h * s + x * h * s * (sig(-x) - 2 * t * s)

    return Ref(
        lambda x: x * mp.tanh(softplus1(x)),
        lambda x: mp.tanh(softplus1(x)) + x * sech2(x) * sig(x),
        d2f,
    )


def hard_sigmoid() -> Ref:
    return Ref(
        lambda x: min(max(x + 3, mpf(0)), mpf(6)) / 6,
        lambda x: mpf(1) / 6 if -3 < x < 3 else mpf(0),
        _zero,
    )


def hard_swish() -> Ref:
    return Ref(
        lambda x: x * min(max(x + 3, mpf(0)), mpf(6)) / 6,
        lambda x: mpf(0) if x <= -3 else (mpf(1) if x >= 3 else (2 * x + 3) / 6),
        lambda x: mpf(1) / 3 if -3 < x < 3 else mpf(0),
    )


def hard_tanh() -> Ref:
    return Ref(
        lambda x: min(max(x, mpf(-1)), mpf(1)), lambda x: mpf(1 if -1 < x < 1 else 0), _zero
    )


def softsign() -> Ref:
    return Ref(
        lambda x: x / (1 + abs(x)),
        lambda x: 1 / (1 + abs(x)) ** 2,
        lambda x: -2 * mp.sign(x) / (1 + abs(x)) ** 3,
    )


ELEMENTWISE: dict[str, Callable[..., Ref]] = {
    "identity": identity, "sigmoid": sigmoid, "tanh": tanh, "relu": relu,
    "leaky_relu": leaky_relu, "relu6": relu6, "silu": silu, "gelu": gelu, "elu": elu,
    "selu": selu, "celu": celu, "softplus": softplus, "log_sigmoid": log_sigmoid, "mish": mish,
    "hard_sigmoid": hard_sigmoid, "hard_swish": hard_swish, "hard_tanh": hard_tanh,
    "softsign": softsign,
}


def reference(name: str, params: dict) -> Ref:
    """The reference for an elementwise entry with these parameters (KeyError if missing)."""
    return ELEMENTWISE[name](**params)


# ------------------------------------------------------------------------- softmax, log_softmax
@dataclass(frozen=True)
class VectorRef:
    """Values, Jacobian and componentwise condition numbers of a vector-valued entry.

    ``cond_f[i] = sum_k |x_k d f_i/d x_k| / |f_i|`` and ``cond_j[i][j]`` likewise for ``J_ij``:
    the relative error that rounding the inputs alone forces.
    """

    f: list
    jac: list
    cond_f: list
    cond_j: list


def _ratio(num, den):
    return mpf(0) if num == 0 else (mp.inf if den == 0 else abs(num / den))


def _softmax_parts(xs):
    """softmax s and d[i][k] = delta_ik - s_k, with 1 - s_i summed from the others (no cancel)."""
    m = max(xs)
    e = [mp.exp(x - m) for x in xs]
    total = mp.fsum(e)
    s = [v / total for v in e]
    n = len(xs)
    d = [[(mp.fsum(s[j] for j in range(n) if j != i) if i == k else -s[k]) for k in range(n)]
         for i in range(n)]
    return s, d, m, e


def softmax(xs: Sequence[float]) -> VectorRef:
    with mp.workdps(DPS):
        x = [mpf(v) for v in xs]
        n = len(x)
        s, d, _, _ = _softmax_parts(x)
        jac = [[s[i] * d[i][j] for j in range(n)] for i in range(n)]
        cond_f = [_ratio(mp.fsum(abs(x[k] * s[i] * d[i][k]) for k in range(n)), s[i])
                  for i in range(n)]
        # d J_ij / d x_k = s_i d_ik d_ij - s_i s_j d_jk
        cond_j = [[_ratio(mp.fsum(abs(x[k] * (s[i] * d[i][k] * d[i][j] - s[i] * s[j] * d[j][k]))
                                  for k in range(n)), jac[i][j]) for j in range(n)]
                  for i in range(n)]
        return VectorRef(s, jac, cond_f, cond_j)


def log_softmax(xs: Sequence[float]) -> VectorRef:
    with mp.workdps(DPS):
        x = [mpf(v) for v in xs]
        n = len(x)
        s, d, m, e = _softmax_parts(x)
        top = x.index(m)
        # log sum exp(x - m) = log1p(sum over the others): no cancellation when one entry dominates
        tail = mp.log1p(mp.fsum(e[k] for k in range(n) if k != top))
        ell = [(v - m) - tail for v in x]  # not v - (m + tail): m + tail would round the tail
        jac = [[d[i][j] for j in range(n)] for i in range(n)]
        cond_f = [_ratio(mp.fsum(abs(x[k] * d[i][k]) for k in range(n)), ell[i]) for i in range(n)]
        # d J_ij / d x_k = -s_j d_jk
        cond_j = [[_ratio(mp.fsum(abs(x[k] * s[j] * d[j][k]) for k in range(n)), jac[i][j])
                   for j in range(n)] for i in range(n)]
        return VectorRef(ell, jac, cond_f, cond_j)


VECTOR: dict[str, Callable[[Sequence[float]], VectorRef]] = {
    "softmax": softmax, "log_softmax": log_softmax,
}
