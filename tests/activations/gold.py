"""Gold values: the mpmath references evaluated once per case on its grid, kept as double-doubles.

A true value ``v`` is stored as ``hi = float(v)`` (correctly rounded) and ``lo = float(v - hi)``,
so ULP errors are measured against 50-digit values with plain NumPy arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath as mp
import numpy as np

from . import mp_reference
from .cases import Case, case_points, vector_rows


@dataclass(frozen=True)
class Gold:
    x: np.ndarray
    f_hi: np.ndarray
    f_lo: np.ndarray
    df_hi: np.ndarray
    df_lo: np.ndarray
    cond_f: np.ndarray  # |x f'(x) / f(x)|
    cond_df: np.ndarray  # |x f''(x) / f'(x)|


def split(v: mp.mpf) -> tuple[float, float]:
    hi = float(v)
    if not np.isfinite(hi):
        return hi, 0.0
    return hi, float(v - mp.mpf(hi))


def cond(x: mp.mpf, num: mp.mpf, den: mp.mpf) -> float:
    """|x num / den| with 0/0 = 0 (flat pieces, f = 0 where f' = 0)."""
    top = abs(x * num)
    if top == 0:
        return 0.0
    if den == 0:
        return float("inf")
    return float(top / abs(den))


_NUDGE = mp.mpf(2) ** -51  # a relative change of x by 2 to 4 of its ULPs


def forced(g, t: mp.mpf, value: mp.mpf, linear: float) -> float:
    """The condition number, capped by what moving x by 2-4 ULPs really does to g.

    ``|x g'/g|`` is a linearisation; far in the tails (sigmoid at -1e20, where g underflows to
    0 for every nearby x) it promises errors that no neighbouring input produces, so there the
    actual change ``max |g(x (1 +- 2^-51)) - g(x)|``, in ULPs of g(x) and halved to match
    ``2 cond``, is used instead. Where g is smooth the two agree (the nudge is >= 2 ULPs).
    """
    if linear < 100:
        return linear
    step = float(np.spacing(abs(float(value)))) if float(value) != 0 else 5e-324
    moved = max(abs(g(t * (1 + s * _NUDGE)) - value) for s in (-1, 1))
    return min(linear, float(moved / mp.mpf(step)) / 2)


def evaluate(case: Case, x: np.ndarray | None = None) -> Gold:
    ref = mp_reference.reference(case.name, case.kwargs)
    x = case_points(case) if x is None else np.asarray(x, dtype=np.float64)
    cols: list[list[float]] = [[] for _ in range(6)]
    with mp.workdps(mp_reference.DPS):
        for xv in x:
            t = mp.mpf(float(xv))
            f, df, d2f = ref.f(t), ref.df(t), ref.d2f(t)
            cond_f = forced(ref.f, t, f, cond(t, df, f))
            cond_df = forced(ref.df, t, df, cond(t, d2f, df))
            for col, val in zip(cols, (*split(f), *split(df), cond_f, cond_df)):
                col.append(val)
    return Gold(x, *(np.array(c, dtype=np.float64) for c in cols))


@dataclass(frozen=True)
class VectorGold:
    """One row of a vector-valued entry: values and Jacobian (double-doubles) with conditions."""

    x: np.ndarray
    f_hi: np.ndarray
    f_lo: np.ndarray
    cond_f: np.ndarray
    jac_hi: np.ndarray
    jac_lo: np.ndarray
    cond_jac: np.ndarray


def evaluate_rows(name: str, rows: list[list[float]]) -> list[VectorGold]:
    out = []
    for row in rows:
        ref = mp_reference.VECTOR[name](row)
        with mp.workdps(mp_reference.DPS):
            f = np.array([split(v) for v in ref.f])
            jac = np.array([[split(v) for v in r] for r in ref.jac])
        out.append(VectorGold(
            np.array(row, dtype=np.float64), f[:, 0], f[:, 1], np.array(ref.cond_f, dtype=float),
            jac[..., 0], jac[..., 1], np.array(ref.cond_j, dtype=float)))
    return out


class GoldTable:
    """Lazily computed, cached gold values per case (one table per test session)."""

    def __init__(self) -> None:
        self._cache: dict[Case, Gold] = {}
        self._rows: dict[str, list[VectorGold]] = {}

    def __getitem__(self, case: Case) -> Gold:
        if case not in self._cache:
            self._cache[case] = evaluate(case)
        return self._cache[case]

    def rows(self, case: Case) -> list[VectorGold]:
        """Gold rows of a vector-valued entry (its axis does not change the values)."""
        if case.name not in self._rows:
            self._rows[case.name] = evaluate_rows(case.name, vector_rows())
        return self._rows[case.name]
