"""The property sheet of a custom activation, inferred numerically (the method is in
:data:`METHOD` and in ``info.method``).

Every field means what :mod:`actlab.activations.spec` says; the inference samples f and f' on
a fine grid (step 1e-4 on [-12, 12], stretched by the largest parameter scale), a geometric grid
out to 1e300 and +-inf, then refines: smooth extrema and the maximum of |f'| by bracketing and
bounded minimisation, kinks by bisection to adjacent floats, attainment of an extremum by
comparing mpmath values with the limits at +-inf.
"""

from __future__ import annotations

import math
from typing import Any

import mpmath as mp
import numpy as np
from scipy import optimize

from .._sheet import PROS_CONS, centred, info
from ..spec import Extremum, Info, Kink
from . import mpeval

MAX_KINKS = 64  #: jumps of f' examined on the grid

METHOD = ("inferred numerically: f, f' on a 1e-4 grid over [-12, 12] (times the parameter "
          "scale), a geometric grid to 1e300 and +-inf; extrema and max |f'| refined by "
          "minimisation, kinks bisected to adjacent floats, attainment decided in mpmath; "
          "zero-centred by E f(Z) over the same grid; init by the second-moment rule")


def _scale(values: dict[str, Any]) -> float:
    mags = [abs(float(v)) for v in values.values() if float(v) != 0]
    return max([1.0, *(1 / m for m in mags if m < 1), *(m for m in mags if m > 1)])


class _Sampler:
    def __init__(self, expression: Any, values: dict[str, Any]) -> None:
        self.e, self.values = expression, values
        s = _scale(values)
        self.step = 1e-4 * s
        self.fine = np.linspace(-12 * s, 12 * s, 240001)
        far = np.geomspace(12 * s, 1e300, 600)
        self.grid = np.unique(np.concatenate([self.fine, far, -far]))

    def f(self, x):
        return self.e.f(np.atleast_1d(np.asarray(x, dtype=np.float64)), self.values)

    def df(self, x):
        return self.e.df(np.atleast_1d(np.asarray(x, dtype=np.float64)), self.values)

    def mp_f(self, t: float):
        with mp.workdps(mpeval.DPS):
            vals = {k: mp.mpf(float(v)) for k, v in self.values.items()}
            return mpeval.evaluate(self.e.expr, t if not math.isinf(t) else
                                   math.copysign(1, t) * mp.mpf(10) ** 400, vals)


def _round(a: float, b: float) -> float:
    """Of two adjacent floats, the one with the shorter binary expansion."""
    def bits(v: float) -> int:
        if v == 0:
            return -1
        m, _ = math.frexp(abs(v))
        n = 0
        while m != int(m):
            m *= 2
            n += 1
        return n
    return a if bits(a) <= bits(b) else b


def _kinks(s: _Sampler) -> tuple[Kink, ...]:
    d = s.df(s.fine)
    jumps = np.flatnonzero(np.abs(np.diff(d)) > 1e-2)[:MAX_KINKS]
    out: list[Kink] = []
    for j in jumps:
        a, b = float(s.fine[j]), float(s.fine[j + 1])
        da, db = float(d[j]), float(d[j + 1])
        for _ in range(200):
            m = 0.5 * (a + b)
            if m in (a, b):
                break
            dm = float(s.df(m)[0])
            if abs(dm - da) <= abs(dm - db):
                a = m
            else:
                b = m
        x = _snap(_round(a, b))
        if any(abs(k.x - x) < 10 * s.step for k in out):
            continue
        h = 1e-8 * max(1.0, abs(x))
        left = 2 * float(s.df(x - h)[0]) - float(s.df(x - 2 * h)[0])
        right = 2 * float(s.df(x + h)[0]) - float(s.df(x + 2 * h)[0])
        if abs(left - right) > 1e-6 * max(1.0, abs(left), abs(right)):  # a jump, not a slope
            out.append(Kink(x, float(s.df(x)[0]), left, right))
    return tuple(out)


def _snap(x: float) -> float:
    """A kink found where rounding moves it (x + 3 == 6 already at 3 - 4e-16) snaps to the
    shortest decimal within 1e-12 (3.0)."""
    for digits in range(13):
        r = round(x, digits)
        if abs(r - x) <= 1e-12 * max(1.0, abs(x)):
            return r
    return x


def _extremum(s: _Sampler, sign: int, y: np.ndarray, limits: tuple[float, float],
              kinks: tuple[Kink, ...]) -> tuple[float, Extremum | None]:
    """``(bound, Extremum or None)`` of ``sign * f`` (sign 1: minimum, -1: maximum)."""
    g = sign * y
    bound = float(np.min(np.concatenate([g, sign * np.array(limits)])))
    if bound == -np.inf:
        return sign * bound, None
    idx = np.flatnonzero(g == bound)
    if idx.size == 0:
        return sign * bound, None
    i = int(idx[np.argmin(np.abs(s.grid[idx]))])
    x = float(s.grid[i])
    if 0 < i < len(s.grid) - 1 and g[i - 1] > g[i] < g[i + 1] and not any(
            abs(k.x - x) < 3 * s.step for k in kinks):
        lo, hi = float(s.grid[i - 1]), float(s.grid[i + 1])
        dl, dh = sign * float(s.df(lo)[0]), sign * float(s.df(hi)[0])
        if dl < 0 < dh and np.isfinite([dl, dh]).all():
            try:
                x = optimize.brentq(lambda t: float(s.df(t)[0]), lo, hi, xtol=1e-300,
                                    rtol=1e-15, maxiter=200)
            except ValueError:  # f' is NaN in the bracket (a cusp): keep the grid point
                pass
        value = float(s.f(x)[0])
        return sign * min(sign * value, bound), Extremum(value, x)
    near = [k.x for k in kinks if abs(k.x - x) < 3 * s.step and sign * s.f(k.x)[0] == bound]
    x = near[0] if near else x
    value = float(s.f(x)[0])
    for side, lim in zip((-1.0, 1.0), limits):
        if sign * lim == bound:
            a, b = s.mp_f(x), s.mp_f(side * math.inf)
            if a != b:  # at 60 digits: only a true plateau (relu, clamps) is equal
                return sign * bound, None
    return sign * bound, Extremum(value, x)


def _max_grad(s: _Sampler, x: np.ndarray, d: np.ndarray) -> float:
    a = np.where(np.isnan(d), 0.0, np.abs(d))
    i = int(np.argmax(a))
    best = float(a[i])
    if 0 < i < len(x) - 1 and np.isfinite(x[i]) and a[i - 1] < a[i] > a[i + 1]:
        res = optimize.minimize_scalar(lambda t: -abs(float(s.df(t)[0])),
                                       bounds=(x[i - 1], x[i + 1]), method="bounded",
                                       options={"xatol": 1e-13})
        best = max(best, -float(res.fun))
    return best


def _init(s: _Sampler, mean: float, msq: float, zero_centred: bool) -> str:
    """LeCun if self-normalising (centred, E f(Z)^2 = 1, not odd); He if rectifier-like (the
    mean slope on x < 0 below 0.8 times the one on x > 0); Glorot otherwise."""
    z = s.fine[np.abs(s.fine) <= 12]
    w = np.exp(-0.5 * z**2)
    w /= w.sum()
    fz, fm = s.f(z), s.f(-z)
    odd = bool(np.allclose(fz, -fm, atol=1e-12, rtol=1e-9))
    if zero_centred and abs(msq - 1) < 0.05 and not odd:
        return "lecun_normal"
    d = s.df(z)
    pos, neg = float(w[z > 0] @ d[z > 0]), float(w[z < 0] @ d[z < 0])
    return "he_normal" if neg < 0.8 * pos else "glorot_uniform"


def _pros_cons(zc: bool, side: str, exact_zeros: bool, smooth: str) -> dict[str, tuple]:
    """The catalogue's stock pros and cons that follow from the inferred fields."""
    pros = [PROS_CONS["centred"]] if zc else []
    cons = [] if zc else [PROS_CONS["not_centred"]]
    if smooth == "Cinf":
        pros.append(PROS_CONS["smooth"])
    if exact_zeros:
        pros.append("sparse activations: exact zeros on a whole interval")
        cons.append("dying units: no gradient where f is flat")
    if side != "none":
        cons.append(PROS_CONS["vanishing"] + f" (saturates: {side})")
    return {"pros": tuple(pros), "cons": tuple(cons)}


def infer(expression: Any, name: str, values: dict[str, Any]) -> Info:
    """The inferred property sheet of ``expression`` with parameter ``values``."""
    from .accuracy import check, probe_with

    s = _Sampler(expression, dict(values))
    x = np.concatenate([[-np.inf], s.grid, [np.inf]])
    y, d = s.f(x), s.df(x)
    limits = (float(y[0]), float(y[-1]))
    kinks = _kinks(s)
    lo, minimum = _extremum(s, 1, y[1:-1], limits, kinks)
    hi, maximum = _extremum(s, -1, y[1:-1], limits, kinks)
    fine_d = s.df(s.fine)
    q = np.diff(fine_d) / s.step
    j2 = np.abs(np.diff(q)) > 5e-3 * np.maximum(1.0, np.abs(q[1:]))  # relative where f'' grows
    smooth = "C0" if kinks else ("C1" if j2.any() else "Cinf")
    w = np.exp(-0.5 * s.fine**2) / math.sqrt(2 * math.pi) * s.step
    fy = s.f(s.fine)
    mean, msq = float(w @ fy), float(w @ fy**2)
    zc = centred(mean, msq)
    sat = [abs(float(s.df(v)[0])) <= 1e-6 and float(s.df(v * np.inf)[0]) == 0
           for v in (-1e4, 1e4)]
    side = {(True, True): "both", (True, False): "left", (False, True): "right",
            (False, False): "none"}[tuple(sat)]
    z = s.f(np.linspace(-20, 20, 40001))
    zero = np.concatenate([[0], (z == 0).astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(zero))
    exact_zeros = int(np.max(edges[1::2] - edges[::2], initial=0)) >= 100
    finite = np.isfinite(x)
    sheet = info(
        name, name, f"f(x) = {expression.text}", f"f'(x) = {expression.dexpr}",
        params=dict(values), range=(lo, hi), minimum=minimum, maximum=maximum,
        max_abs_grad=max([_max_grad(s, x[finite], d[finite]),
                          *np.nan_to_num(np.abs(d[~finite]), nan=0.0, posinf=np.inf),
                          *(abs(v) for k in kinks for v in (k.left, k.right))]),
        monotone=bool((d[~np.isnan(d)] >= 0).all()), smoothness=smooth, zero_centred=zc,
        saturating=side, exact_zeros=exact_zeros, kinks=kinks,
        frameworks={"actlab": f"actlab.define({expression.text!r})"},
        use=("hidden",), init=_init(s, mean, msq, zc), **_pros_cons(zc, side, exact_zeros,
                                                                  smooth),
        reference=f"expr:{expression.text}",
    )
    from dataclasses import replace

    marks = [k.x for k in kinks] + [e.at for e in (minimum, maximum) if e is not None]
    return replace(sheet, method=METHOD,
                   accuracy=check(expression, dict(values), probe_with(marks)))
