"""What the activation tests run over: registry cases, input families and the ULP yardstick.

Every test is parametrised over :data:`CASES`, built from ``actlab.names()``: an entry gets its
default parameters plus the settings in :data:`PARAM_GRID`, so a new registry entry is tested by
every check without touching this file (and fails the gold tests until it has an mpmath reference
in ``mp_reference.py`` and a torch decision in ``test_torch_parity.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import actlab
from actlab.activations import registry

# Parameter settings worth testing beyond each entry's defaults.
PARAM_GRID: dict[str, list[dict[str, Any]]] = {
    "leaky_relu": [{"alpha": 0.01}, {"alpha": 0.2}],
    "silu": [{"beta": 1.0}, {"beta": 1.702}],
    "gelu": [{"approximate": "none"}, {"approximate": "tanh"}, {"approximate": "sigmoid"}],
    "elu": [{"alpha": 1.0}, {"alpha": 0.5}],
    "celu": [{"alpha": 1.0}, {"alpha": 0.5}],
    "softplus": [{"beta": 1.0}, {"beta": 2.0}],
}
# Edge settings for the property-sheet checks only (the sheet must stay honest at the bounds).
EDGE_PARAMS: dict[str, list[dict[str, Any]]] = {
    "leaky_relu": [{"alpha": 0.0}, {"alpha": 1.0}],
    "elu": [{"alpha": 1.6732632423543772}, {"alpha": 3.0}],
    "celu": [{"alpha": 2.0}, {"alpha": 50.0}],
    "silu": [{"beta": 0.01}, {"beta": 5.0}],
    "softplus": [{"beta": 0.5}],
}


# Hypothesis: deterministic and modest (two shared cores); no example database on disk.
SETTINGS = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


@dataclass(frozen=True)
class Case:
    name: str
    params: tuple[tuple[str, Any], ...]

    @property
    def kwargs(self) -> dict[str, Any]:
        return dict(self.params)

    @property
    def id(self) -> str:
        return self.name + (f"({', '.join(f'{k}={v!r}' for k, v in self.params)})" if self.params
                            else "")

    def get(self) -> actlab.Activation:
        return actlab.get(self.name, **self.kwargs)

    @property
    def vector(self) -> bool:
        return registry.spec(self.name).vector


def _cases(extra: dict[str, list[dict[str, Any]]] | None = None) -> list[Case]:
    out: list[Case] = []
    for name in actlab.names():
        defaults = actlab.get(name).params
        chosen = [dict(defaults)] + [{**defaults, **p} for p in PARAM_GRID.get(name, [])]
        chosen += [{**defaults, **p} for p in (extra or {}).get(name, [])]
        for kwargs in chosen:
            case = Case(name, tuple(sorted(kwargs.items())))
            if case not in out:
                out.append(case)
    return out


CASES = _cases()
ELEMENTWISE = [c for c in CASES if not c.vector]
VECTOR = [c for c in CASES if c.vector]
SHEET_CASES = _cases(EDGE_PARAMS)


def params(cases: list[Case]):
    return pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in cases])


# --------------------------------------------------------------------------------- input families
def _pm(values) -> list[float]:
    return [s * float(v) for v in values for s in (1.0, -1.0)]


# PyTorch's unary-op reference families (normal, small, large) plus the numerical traps.
# The normal family comes in full float64 precision and rounded to float32 and float16, so that
# the same gold points also serve the float32 and float16 checks.
_UNIFORM = np.random.default_rng(20261123).uniform(-9, 9, 128)
NORMAL = list(_UNIFORM[:48]) + [float(np.float32(v)) for v in _UNIFORM[48:96]] + [
    float(np.float16(v)) for v in _UNIFORM[96:]]
SMALL = _pm([0.0, 0.001, 0.25, 1.0, math.pi / 2, math.pi])
SMALL32 = [float(np.float32(v)) for v in SMALL]
LARGE = _pm([501, 999.5, 1e3, 1e4, 1e5, 1e7, 1e10, 1e15, 1e20])
TRAPS = _pm([
    5e-324, 1e-320, 2.2250738585072014e-308, 1e-300, 1e-200, 1e-100, 1e-20, 1e-10, 1e-8, 1e-5,
    0.5, 1.5, 2.0, 3.0, 5.0, 6.0, 10.0, 18.0, 19.0, 20.0, 20.5, 30.0, 36.7, 37.0, 38.0, 38.5,
    40.0, 100.0, 355.0, 360.0, 370.0, 700.0, 709.0, 709.78, 710.0, 740.0, 745.0, 745.13, 746.0,
    21.3, 21.5, 37.9, 38.3, 741.3, 742.7, 744.4,  # subnormal e^x, phi(x), sigma(gelu's 2u)
    1e155, 1e200, 1e300, 1.7976931348623157e308,
])
# float32's own traps: subnormal and smallest normal inputs, exp's limits (88.7, -103.9), the top.
TRAPS32 = _pm([float(np.float32(v)) for v in (
    1.401298464324817e-45, 1e-40, 1.1754943508222875e-38, 1e-30, 9.0, 15.0, 87.0, 88.5, 89.0,
    103.0, 104.0, 1e30, 3.4028234663852886e38)])
# float16's: the smallest subnormal and normal numbers and the largest finite one.
TRAPS16 = _pm([5.960464477539063e-08, 6.103515625e-05, 65504.0])
FAMILIES = {"normal": NORMAL, "small": SMALL + SMALL32, "large": LARGE,
            "traps": TRAPS + TRAPS32 + TRAPS16}


def _around(x: float) -> list[float]:
    return [x, float(np.nextafter(x, -np.inf)), float(np.nextafter(x, np.inf))]


def case_points(case: Case) -> np.ndarray:
    """The gold grid for one elementwise case: the families plus its kinks and extrema (and
    their neighbours), and the traps rescaled by ``beta`` where the entry has one."""
    pts = [v for fam in FAMILIES.values() for v in fam]
    info = case.get().info
    for k in info.kinks:
        pts += _around(k.x)
    for ext in (info.minimum, info.maximum):
        if ext is not None:
            pts += _around(ext.at)
    beta = case.kwargs.get("beta")
    if beta not in (None, 1.0):
        pts += [t / beta for t in TRAPS if abs(t) < 1e300]
    return np.unique(np.array(pts, dtype=np.float64))


def vector_rows() -> list[list[float]]:
    """Rows for softmax/log_softmax gold values: pairs, triples and the worked examples."""
    base = [v for v in SMALL + LARGE[:8] + TRAPS if abs(v) < 1e300] + NORMAL[:16]
    rows = [[v, 0.0] for v in base] + [[1.0, v, -2.0] for v in base[::3]]
    rows += [[2.0, 1.0, 0.1], [1000.0, 1000.5, -1000.0], [0.0, -40.0], [0.0, -800.0],
             [1e-300, 0.0, -1e-300], [3.0, 3.0, 3.0], [-745.0, 0.0, 745.0], [7.0, 7.0, -60.0]]
    return rows


# ------------------------------------------------------------------------------------ the ULP ruler
def ulp(true: np.ndarray, dtype=np.float64) -> np.ndarray:
    """ULP of the (correctly rounded) true value in ``dtype``; the subnormal spacing at 0."""
    r = np.abs(np.asarray(true, dtype=np.float64)).astype(dtype)
    with np.errstate(over="ignore"):
        return np.spacing(r).astype(np.float64)


def ulp_error(got: np.ndarray, hi: np.ndarray, lo: np.ndarray, dtype=np.float64) -> np.ndarray:
    """|got - true| in ULPs of the true value ``hi + lo`` (a double-double) in ``dtype``.

    Infinite results must match exactly (overflow of a true value beyond the largest float).
    """
    got = np.asarray(got, dtype=np.float64)
    with np.errstate(all="ignore"):
        true_r = np.asarray(hi, dtype=np.float64).astype(dtype).astype(np.float64)
        diff = np.abs((got - hi) - lo)
        err = diff / ulp(hi, dtype)
    inf = np.isinf(true_r) | np.isinf(got)
    err = np.where(inf, np.where(got == true_r, 0.0, np.inf), err)
    return np.where(np.isnan(got), np.inf, err)


def tolerance(cond: np.ndarray) -> np.ndarray:
    """4 ULP plus twice the condition number |x g'(x) / g(x)| of the computed quantity."""
    return 4.0 + 2.0 * np.asarray(cond, dtype=np.float64)
