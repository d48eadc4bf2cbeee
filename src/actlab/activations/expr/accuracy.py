"""The accuracy check of generated code: f and f' against mpmath on the standard probe.

The probe (:data:`PROBE`) is actlab's set of input families: normal values in [-9, 9], small
ones, large ones up to 1e20 and the numerical traps (subnormals, exp's under/overflow points
near 709/745, 36.7, 1e300, the largest float, +-inf); the property sheet adds the function's
kinks and extrema with their neighbouring floats. At every point the error of the float64 result
is measured in ULPs of the true value (60-digit mpmath, rounded to float64) and compared with
``4 + 2 cond``, where ``cond = |x g'(x) / g(x)|`` is the condition number of the computed
quantity ``g`` (f or f'): the error that rounding x alone forces. A true value beyond the
largest float must come out as inf of the right sign; a finite true value must come out finite.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import mpmath as mp
import numpy as np

from . import mpeval

_UNIFORM = np.random.default_rng(20261205).uniform(-9, 9, 40)


def _pm(values) -> list[float]:
    return [s * float(v) for v in values for s in (1.0, -1.0)]


#: The probe: normal, small, large and trap inputs, both signs.
PROBE = np.unique(np.array(
    list(_UNIFORM) + _pm([0.0, 1e-3, 0.25, 1.0, math.pi / 2, math.pi, 3.0]) +
    _pm([501, 999.5, 1e3, 1e4, 1e5, 1e7, 1e10, 1e15, 1e20]) +
    _pm([5e-324, 2.2250738585072014e-308, 1e-300, 1e-20, 1e-8, 0.5, 2.0, 5.0, 6.0, 10.0, 20.0,
         30.0, 36.7, 37.0, 38.5, 40.0, 100.0, 360.0, 700.0, 709.0, 709.78, 710.0, 740.0, 745.0,
         745.13, 746.0, 1e155, 1e300, 1.7976931348623157e308, np.inf]), dtype=np.float64))


def probe_with(points: list[float]) -> np.ndarray:
    """The probe plus given points (a function's kinks and extrema) and their float
    neighbours."""
    extra = [v for p in points if math.isfinite(p) for v in (p, math.nextafter(p, -math.inf),
                                                             math.nextafter(p, math.inf))]
    return np.unique(np.concatenate([PROBE, np.array(extra, dtype=np.float64)]))
_HUGE = mp.mpf(10) ** 400  # stands for x = +-inf in mpmath (beyond every float)


@dataclass(frozen=True)
class Miss:
    """One probe point where the generated code misses the bound."""

    x: float
    what: str  # "f" or "f'"
    got: float
    true: float
    ulps: float
    allowed: float


@dataclass(frozen=True)
class Accuracy:
    """Worst ULP errors of f and f' on the probe, and every point beyond ``4 + 2 cond`` ULP."""

    points: int
    worst_f: float
    worst_df: float
    misses: tuple[Miss, ...]
    method: str = ("f and f' at float64 vs mpmath at 60 digits on the probe (normal, small, "
                   "large and trap inputs, +-inf); bound 4 ULP + 2 |x g'/g|")

    @property
    def ok(self) -> bool:
        return not self.misses

    def __str__(self) -> str:
        head = (f"worst error {self.worst_f:.3g} ULP in f, {self.worst_df:.3g} ULP in f' over "
                f"{self.points} points")
        if self.ok:
            return head + "; all within 4 ULP + conditioning"
        shown = "; ".join(f"{m.what}({m.x!r}) = {m.got!r}, true {m.true!r} ({m.ulps:.3g} ULP > "
                          f"{m.allowed:.3g})" for m in self.misses[:5])
        return f"{head}; {len(self.misses)} misses: {shown}"


def _true(fn, t: mp.mpf) -> tuple[float, mp.mpf | None]:
    try:
        v = fn(t)
    except (ZeroDivisionError, ValueError, OverflowError):
        return math.nan, None
    if isinstance(v, mp.mpc) or mp.isnan(v):
        return math.nan, None
    return float(v), v


def _cond(fn, t: mp.mpf, v: mp.mpf) -> float:
    """``|t g'(t) / g(t)|`` by a central difference at 60 digits."""
    h = abs(t) * mp.mpf(10) ** -25 if t != 0 else mp.mpf(10) ** -40
    try:
        d = (fn(t + h) - fn(t - h)) / (2 * h)
    except (ZeroDivisionError, ValueError, OverflowError):
        return math.inf
    if v == 0:
        return 0.0 if d * t == 0 else math.inf
    c = abs(t * d / v)
    return float(c) if not isinstance(c, mp.mpc) else math.inf


def _ulps(got: float, true: float, exact: mp.mpf) -> float:
    if math.isnan(got):
        return math.inf
    if math.isinf(true) or math.isinf(got):
        return 0.0 if got == true else math.inf
    with np.errstate(over="ignore"):
        spacing = float(np.spacing(abs(true))) if true != 0 else 5e-324
    spacing = spacing if math.isfinite(spacing) else 2.0**971
    return float(abs(mp.mpf(got) - exact) / mp.mpf(spacing))


def check(expression: Any, params: dict[str, Any], x: np.ndarray | None = None) -> Accuracy:
    """Accuracy of the generated f and f' of ``expression`` with ``params`` on the probe."""
    x = PROBE if x is None else np.asarray(x, dtype=np.float64)
    got = {"f": expression.f(x, params), "f'": expression.df(x, params)}
    trees = {"f": expression.expr, "f'": expression.dexpr}
    worst = {"f": 0.0, "f'": 0.0}
    misses = []
    with mp.workdps(mpeval.DPS):
        values = {k: mp.mpf(float(v)) for k, v in params.items()}
        for what, tree in trees.items():
            def fn(t, tree=tree):
                return mpeval.evaluate(tree, t, values)

            for i, xv in enumerate(x):
                t = mp.mpf(float(xv)) if math.isfinite(xv) else math.copysign(1, xv) * _HUGE
                true, exact = _true(fn, t)
                g = float(got[what][i])
                if exact is None:
                    continue  # undefined here (log of a negative number, ...): not judged
                if not math.isfinite(xv):
                    far = fn(10 * t)  # no limit at +-inf (sin): not judged there
                    if abs(far - exact) > 1e-9 * max(1, abs(exact)) and abs(exact) < 1e300:
                        continue
                    true = true if abs(exact) < 1e300 else math.copysign(math.inf, true)
                    exact = mp.mpf(true) if math.isfinite(true) else exact
                    if math.isfinite(true) and abs(true) < 1e-300:
                        true, exact = 0.0, mp.mpf(0)
                err = _ulps(g, true, exact)
                if math.isfinite(err):
                    worst[what] = max(worst[what], err)
                if err <= 4:
                    continue  # within the bound whatever the conditioning: skip computing it
                allowed = 4 + 2 * (_cond(fn, t, exact) if math.isfinite(xv) else 0.0)
                if not err <= allowed:
                    misses.append(Miss(float(xv), what, g, true, err, allowed))
    return Accuracy(len(x), worst["f"], worst["f'"], tuple(misses))
