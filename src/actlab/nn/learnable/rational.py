"""Rational functions P(x)/Q(x) of the Padé activation unit: value, gradients, least-squares fit.

With ``P(x) = sum_{j=0}^{m} a_j x^j`` the three denominators (Molina et al. 2019, and the
``rational_activations`` package's naming) are

.. math::

    Q_A(x) = 1 + \\sum_{k=1}^{n} |b_k x^k|, \\qquad
    Q_B(x) = 1 + \\Bigl|\\sum_{k=1}^{n} b_k x^k\\Bigr|, \\qquad
    Q_C(x) = 0.1 + \\Bigl|\\sum_{k=0}^{n} b_k x^k\\Bigr|

(version C has a constant term ``b_0``; ``rational_activations`` keeps ``n`` coefficients
``b_0..b_{n-1}`` there, we keep the stated degree ``n``). ``Q >= 1`` (A, B) or ``>= 0.1`` (C), so
the division is safe.

**Stable evaluation.** Powers ``x^9`` overflow float32 at ``|x| ~ 2e4``, and ``P/Q`` would then
be ``inf/inf``. We write ``s = max(1, |x|)``, ``u = x/s = clip(x, -1, 1)`` and ``w = 1/s``, so that
``x^j = s^j u^j`` and every polynomial becomes a homogeneous one in ``(u, w)`` with ``|u|, w <= 1``:

.. math::

    P = s^m \\tilde P,\\ \\tilde P = \\sum_j a_j u^j w^{m-j}; \\qquad
    Q = s^n \\tilde Q,\\ \\tilde Q_B = w^n + \\Bigl|\\sum_k b_k u^k w^{n-k}\\Bigr|; \\qquad
    F = s^{m-n} \\tilde P / \\tilde Q.

When ``max |x|`` is below ``finfo.max ** (1 / (2 max(m, n) + 2))`` (1.6e3 in float32 for degrees
(5, 4)) no power can overflow and the plain form (``s = w = 1``, ``u = x``) is used: fewer passes.
Nothing overflows unless the result itself does; ``x = ±inf`` gives the limit ``±inf·a_m/|b_n|``
(NaN when that is ``inf·0``), ``nan`` gives ``nan``, all without floating-point warnings.

**Kinks.** ``|.|`` is not differentiable where its argument is 0; we use ``sign(0) = 0`` (the
average of the one-sided slopes, as ``numpy.sign``). In version A this matters at ``x = 0`` (the
``|b_1 x|`` term) and at ``b_k = 0``; in B/C where ``sum b_k x^k = 0``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

#: The constant of the denominator per version.
VERSIONS = {"A": 1.0, "B": 1.0, "C": 0.1}


def check_version(version: Any) -> str:
    v = str(version).upper() if isinstance(version, str) else version
    if v not in VERSIONS:
        raise ValueError(f"PAU: version must be one of {', '.join(VERSIONS)}, got {version!r}")
    return v


def first_b(version: str) -> int:
    """Index of the first denominator coefficient: 0 for version C (it has ``b_0``), else 1."""
    return 0 if version == "C" else 1


def _scaled(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(s, u, w)`` with ``s = max(1, |x|)``, ``u = x / s``, ``w = 1 / s`` (no warnings)."""
    ax = np.abs(x)
    s = np.maximum(ax, 1.0).astype(x.dtype, copy=False)
    u = np.clip(x, -1.0, 1.0).astype(x.dtype, copy=False)
    w = np.reciprocal(s)
    return s, u, w


def _powers(base: np.ndarray, n: int) -> list[Any]:
    out: list[Any] = [1.0]
    for _ in range(n):
        out.append(base if len(out) == 1 else out[-1] * base)
    return out


def _mul(a: Any, b: Any) -> Any:
    """``a * b``, skipping the pass when either factor is the scalar 1.0 of the unscaled path."""
    if isinstance(b, float) and b == 1.0:
        return a
    if isinstance(a, float) and a == 1.0:
        return b
    return a * b


def _spow(s: np.ndarray, w: np.ndarray, e: int) -> Any:
    """``s**e`` for an integer ``e`` (``w**-e`` when negative: no overflow for large ``s``)."""
    if e == 0:
        return 1.0
    return s ** e if e > 0 else w ** (-e)


@dataclass
class _Ctx:
    x: np.ndarray
    version: str
    m: int
    n: int
    k0: int
    s: Any              # max(1, |x|), or 1.0 on the unscaled path
    w: Any              # 1 / s
    up: list[Any]       # u^0 .. u^max(m, n)
    wp: list[Any]       # w^0 .. w^max(m, n)
    P: Any = None       # tilde P
    Q: Any = None       # tilde Q (floored at the dtype's tiny)
    sgnS: Any = None    # sign of tilde S (versions B, C)


def _setup(x: np.ndarray, a: Any, b: Any, version: str) -> _Ctx:
    m, k0 = len(a) - 1, first_b(version)
    n = len(b) - 1 + k0
    d = max(m, n)
    # Unscaled fast path (s = w = 1, u = x) while no power up to Q^2 can overflow.
    limit = float(np.finfo(x.dtype).max) ** (1.0 / (2 * d + 2))
    if x.size and float(np.max(np.abs(x))) <= limit:
        return _Ctx(x, version, m, n, k0, 1.0, 1.0, _powers(x, d), [1.0] * (d + 1))
    s, u, w = _scaled(x)
    return _Ctx(x, version, m, n, k0, s, w, _powers(u, d), _powers(w, d))


def rational(x: np.ndarray, a: Any, b: Any, version: str) -> tuple[np.ndarray, _Ctx]:
    """``F(x) = P(x)/Q(x)`` and the context :func:`rational_grads` needs.

    ``a[j]`` (``j = 0..m``) and ``b[i]`` (``i = 0..``, the coefficient of ``x^(i + first_b)``) are
    scalars or arrays broadcasting against ``x``.
    """
    ctx = _setup(x, a, b, version)
    m, n, k0, nb, up, wp = ctx.m, ctx.n, ctx.k0, len(b), ctx.up, ctx.wp
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        P = sum(a[j] * _mul(up[j], wp[m - j]) for j in range(m + 1))
        if version == "A":
            aup = _powers(np.abs(up[1]), n)
            Q = wp[n] + sum(np.abs(b[i]) * _mul(aup[i + k0], wp[n - i - k0]) for i in range(nb))
            sgnS = None
        else:
            S = sum(b[i] * _mul(up[i + k0], wp[n - i - k0]) for i in range(nb))
            Q = VERSIONS[version] * wp[n] + np.abs(S)
            sgnS = np.sign(S)
        P = np.asarray(P + np.zeros_like(x))
        Q = np.maximum(Q, np.finfo(x.dtype).tiny)
        y = np.asarray(_mul(_spow(ctx.s, ctx.w, m - n), P / Q), dtype=x.dtype)
    ctx.P, ctx.Q, ctx.sgnS = P, Q, sgnS
    return y, ctx


def rational_grads(
    dy: np.ndarray, ctx: _Ctx, a: Any, b: Any,
    reduce: Callable[[np.ndarray], np.ndarray],
) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """``(dL/dx, [dL/da_j], [dL/db_i])`` for upstream ``dy``; ``reduce`` sums a per-element
    coefficient gradient over the axes a coefficient is shared along."""
    x, version, P, Q, s, w = ctx.x, ctx.version, ctx.P, ctx.Q, ctx.s, ctx.w
    m, n, k0, nb, up, wp = ctx.m, ctx.n, ctx.k0, len(b), ctx.up, ctx.wp
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        dP = sum(j * a[j] * _mul(up[j - 1], wp[m - j]) for j in range(1, m + 1))
        R = P / Q / Q  # tilde P / tilde Q^2
        if version == "A":
            aup = _powers(np.abs(up[1]), n)
            dQ = np.sign(up[1]) * sum(k * np.abs(b[k - k0]) * _mul(aup[k - 1], wp[n - k])
                                      for k in range(max(k0, 1), n + 1))
        else:
            dQ = ctx.sgnS * sum(
                k * b[k - k0] * _mul(up[k - 1], wp[n - k]) for k in range(max(k0, 1), n + 1)
            )
        dx = dy * _mul(_spow(s, w, m - n - 1), dP / Q - R * dQ)
        inv_q = dy / Q
        da = [reduce(_mul(inv_q, _mul(_spow(s, w, j - n), up[j]))) for j in range(m + 1)]
        db = []
        for i in range(nb):
            k = i + k0
            if version == "A":
                term = np.sign(b[i]) * (np.abs(up[k]) if k else 1.0)
            else:
                term = ctx.sgnS * up[k]
            db.append(reduce(_mul(-(dy * R), _mul(_spow(s, w, m + k - 2 * n), term))))
        dx = np.asarray(dx, dtype=x.dtype)
    return dx, da, db


# ------------------------------------------------------------------------------ fitting
@dataclass(frozen=True)
class RationalFit:
    """Coefficients of the least-squares fit and its error on the grid."""

    numerator: tuple[float, ...]
    denominator: tuple[float, ...]
    max_abs_error: float
    rms_error: float
    interval: tuple[float, float]
    points: int


def fit_rational(
    target: Callable[[np.ndarray], np.ndarray],
    degrees: tuple[int, int] = (5, 4),
    version: str = "A",
    *,
    interval: tuple[float, float] = (-3.0, 3.0),
    points: int = 1001,
) -> RationalFit:
    """Least-squares fit of ``P/Q`` (the given version) to ``target`` on ``points`` equally spaced
    points of ``interval``, in float64.

    Start: the linearised problem ``min sum (P(x) - f(x) (1 + sum b_k x^k))^2`` (linear in ``a``,
    ``b``; the classic Padé-style least-squares start), then Levenberg-Marquardt
    (``scipy.optimize.least_squares``) on the true residual ``P/Q - f`` of version B with the
    analytic Jacobian. Version C starts from B's answer divided by 10 (the same function); version
    A from both the linear start and B's answer, keeping the better. The errors reported are
    ``max |P/Q - f|`` and the RMS over the grid.

    >>> fit = fit_rational(np.tanh, version="B")
    >>> fit.max_abs_error < 1e-3
    True
    """
    version = check_version(version)
    m, n = (int(d) for d in degrees)
    x = np.linspace(float(interval[0]), float(interval[1]), int(points))
    f = np.asarray(target(x), dtype=np.float64)
    if f.shape != x.shape or not np.all(np.isfinite(f)):
        raise ValueError(f"PAU: the fit target is not finite on {list(interval)}")
    na = m + 1

    def resid(t: np.ndarray, v: str) -> np.ndarray:
        return rational(x, t[:na], t[na:], v)[0] - f

    # version B from the linearised start; A and C start from B's answer as well
    cols = [x ** j for j in range(m + 1)] + [-f * x ** k for k in range(1, n + 1)]
    A = np.stack(cols, axis=1)
    scale = np.maximum(np.abs(A).max(axis=0), 1e-300)
    theta, *_ = np.linalg.lstsq(A / scale, f, rcond=None)
    theta_b = _refine(theta / scale, x, f, na, "B")
    if version == "B":
        best = theta_b
    elif version == "C":  # 0.1 + |0.1 S| = 0.1 Q_B: the same function with a / 10, b / 10
        best = _refine(np.concatenate([theta_b[:na] * 0.1, [0.0], theta_b[na:] * 0.1]),
                       x, f, na, "C")
    else:
        starts = [_refine(t, x, f, na, "A") for t in (theta / scale, theta_b)]
        best = min(starts, key=lambda t: float(np.sum(resid(t, "A") ** 2)))
    r = resid(best, version)
    return RationalFit(
        numerator=tuple(float(v) for v in best[:na]),
        denominator=tuple(float(v) for v in best[na:]),
        max_abs_error=float(np.max(np.abs(r))),
        rms_error=float(np.sqrt(np.mean(r ** 2))),
        interval=(float(interval[0]), float(interval[1])),
        points=int(points),
    )


def _refine(theta: np.ndarray, x: np.ndarray, f: np.ndarray, na: int, version: str) -> np.ndarray:
    """Levenberg-Marquardt on the residual ``P/Q - f`` from ``theta``; ``theta`` if no better."""
    from scipy.optimize import least_squares  # ~0.3 s to import: only when a PAU is fitted

    def resid(t: np.ndarray) -> np.ndarray:
        return rational(x, t[:na], t[na:], version)[0] - f

    def jac(t: np.ndarray) -> np.ndarray:
        a, b = t[:na], t[na:]
        _, ctx = rational(x, a, b, version)
        _, da, db = rational_grads(np.ones_like(x), ctx, a, b, reduce=lambda g: g)
        return np.stack([np.broadcast_to(g, x.shape) for g in da + db], axis=1)

    if not np.all(np.isfinite(theta)):
        return np.zeros_like(theta)
    sol = least_squares(resid, theta, jac=jac, method="lm", max_nfev=60 * theta.size)
    if np.all(np.isfinite(sol.x)) and np.sum(sol.fun ** 2) <= np.sum(resid(theta) ** 2):
        return sol.x
    return theta
