"""Intervals, paired and Welch differences, multiple-comparison corrections and the verdict rule.

The pure numerical core of :mod:`actlab.studies.stats` (whose docstring states the contract);
import it from there.

>>> from actlab.studies.intervals import difference
>>> difference({0: 2.0, 1: 3.0}, {0: 1.0, 1: 1.5}).method, difference([2.0, 3.0], [1.0, 1.5]).method
('paired t', 'welch')
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Union

import numpy as np

from .records import Estimate, Verdict

LEVEL = 0.95

Values = Union[Mapping[Any, "float | None"], Iterable["float | None"]]
Correction = Literal["holm", "bonferroni", "none"]


def _st():
    """scipy.stats, imported on first use (it takes about a second to import)."""
    from scipy import stats

    return stats


def _finite(v: Any) -> bool:
    return v is not None and math.isfinite(float(v))


def _clean(values: Iterable[float | None]) -> np.ndarray:
    """Float array of the finite values (``None`` and non-finite values are dropped)."""
    arr = np.array([float(v) if _finite(v) else np.nan for v in values], dtype=np.float64)
    return arr[np.isfinite(arr)]


def _seq(values: Values) -> list[float | None]:
    return list(values.values()) if isinstance(values, Mapping) else list(values)


def by_seed(runs: Iterable[Any], fn: Callable[[Any], float | None]) -> dict[int, float | None]:
    """``{seed: fn(run)}`` for runs with a ``config.seed`` (paired samples for
    :func:`difference`). Two runs with one seed are an error, not a silent overwrite."""
    out: dict[int, float | None] = {}
    for r in runs:
        s = int(r.config.seed)
        if s in out:
            raise ValueError(f"two runs with seed {s}: cannot pair by seed")
        out[s] = fn(r)
    return out


def mean_ci(values: Values, level: float = LEVEL) -> Estimate:
    """Mean and two-sided t-based confidence interval (``None``/non-finite values dropped).

    >>> mean_ci([1.0]).high
    inf
    >>> mean_ci([]).n
    0
    """
    x = _clean(_seq(values))
    n = int(x.size)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, 0, math.nan, level)
    mean = float(x.mean())
    if n == 1:
        return Estimate(mean, -math.inf, math.inf, 1, math.nan, level)
    sd = float(x.std(ddof=1))
    half = float(_st().t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n)
    return Estimate(mean, mean - half, mean + half, n, sd, level)


def proportion_ci(k: int, n: int, level: float = LEVEL) -> Estimate:
    """A rate ``k / n`` (e.g. diverged runs) with its Wilson score interval.

    >>> e = proportion_ci(0, 10)
    >>> e.mean, e.low, round(e.high, 3)
    (0.0, 0.0, 0.278)
    """
    if n <= 0:
        return Estimate(math.nan, math.nan, math.nan, 0, math.nan, level)
    if not 0 <= k <= n:
        raise ValueError(f"proportion_ci: need 0 <= k <= n, got k={k}, n={n}")
    z = float(_st().norm.ppf(0.5 + level / 2))
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return Estimate(p, low, high, n,
                    math.sqrt(p * (1 - p)), level)


def censor_at(values: Values, budget: float) -> tuple[Values, int]:
    """Replace "never reached" (``None``) by ``budget``; return the values and how many.

    >>> censor_at({0: 3, 1: None}, 20)
    ({0: 3.0, 1: 20.0}, 1)
    """
    if isinstance(values, Mapping):
        n = sum(v is None for v in values.values())
        return {k: float(budget) if v is None else float(v) for k, v in values.items()}, n
    vs = list(values)
    return [float(budget) if v is None else float(v) for v in vs], sum(v is None for v in vs)


# --------------------------------------------------------------------------- differences
@dataclass(frozen=True)
class Diff:
    """``mean(a) - mean(b)`` (or ``mean(a) - reference``) with its interval at ``level``.

    ``method`` is ``"paired t"``, ``"welch"`` or ``"one-sample t"``; ``n`` the number of
    pairs (paired, one-sample) or ``n_a + n_b`` (Welch); ``missing`` counts values left out
    (missing, non-finite or without a partner seed); ``se`` and ``df`` define the interval.
    """

    diff: float
    low: float
    high: float
    p_value: float
    df: float
    se: float
    method: str
    n_a: int
    n_b: int
    missing: int
    level: float
    cohen_d: float

    def at(self, level: float) -> Diff:
        """The same difference with its interval at another level."""
        low, high = _interval(self.diff, self.se, self.df, level)
        return Diff(self.diff, low, high, self.p_value, self.df, self.se, self.method, self.n_a,
                    self.n_b, self.missing, level, self.cohen_d)


def _interval(diff: float, se: float, df: float, level: float) -> tuple[float, float]:
    if not math.isfinite(diff):
        return math.nan, math.nan
    if se == 0.0:
        return diff, diff
    if not (df > 0 and math.isfinite(se)):
        return -math.inf, math.inf
    half = float(_st().t.ppf(0.5 + level / 2, df)) * se
    return diff - half, diff + half


def _p(diff: float, se: float, df: float) -> float:
    if not math.isfinite(diff):
        return math.nan
    if se == 0.0:
        return 1.0 if diff == 0 else 0.0
    if not (df > 0 and math.isfinite(se)):
        return 1.0
    return float(2 * _st().t.sf(abs(diff) / se, df))


def _d(diff: float, sd: float) -> float:
    if not (math.isfinite(diff) and math.isfinite(sd)):
        return math.nan
    return diff / sd if sd > 0 else (0.0 if diff == 0 else math.copysign(math.inf, diff))


def _make(diff, se, df, method, n_a, n_b, missing, level, d) -> Diff:
    low, high = _interval(diff, se, df, level)
    return Diff(diff, low, high, _p(diff, se, df), df, se, method, n_a, n_b, missing, level, d)


def one_sample(values: Values, reference: float, level: float = LEVEL) -> Diff:
    """``mean(values) - reference`` with the one-sample t interval."""
    raw = _seq(values)
    x = _clean(raw)
    n, missing = int(x.size), len(raw) - int(x.size)
    if n == 0:
        return _make(math.nan, math.nan, math.nan, "one-sample t", 0, 0, missing, level, math.nan)
    diff = float(x.mean()) - reference
    sd = float(x.std(ddof=1)) if n > 1 else math.nan
    se = sd / math.sqrt(n) if n > 1 else math.nan
    return _make(diff, se, n - 1, "one-sample t", n, 0, missing, level, _d(diff, sd))


def welch(a: Values, b: Values, level: float = LEVEL) -> Diff:
    """Welch's interval for ``mean(a) - mean(b)`` (Welch-Satterthwaite df).

    >>> w = welch([1.0, 1.1, 0.9, 1.0], [0.0, 0.1, -0.1, 0.0])
    >>> round(w.diff, 6), w.method, w.low > 0
    (1.0, 'welch', True)
    """
    ra, rb = _seq(a), _seq(b)
    xa, xb = _clean(ra), _clean(rb)
    na, nb = int(xa.size), int(xb.size)
    missing = len(ra) + len(rb) - na - nb
    if na == 0 or nb == 0:
        return _make(math.nan, math.nan, math.nan, "welch", na, nb, missing, level, math.nan)
    diff = float(xa.mean() - xb.mean())
    if na < 2 or nb < 2:
        return _make(diff, math.nan, math.nan, "welch", na, nb, missing, level, math.nan)
    va, vb = float(xa.var(ddof=1)), float(xb.var(ddof=1))
    se2 = va / na + vb / nb
    pooled = math.sqrt(((na - 1) * va + (nb - 1) * vb) / (na + nb - 2))
    # from the variance shares of se2 (in [0, 1]): squaring tiny variances never underflows
    df = 1.0 / ((va / na / se2) ** 2 / (na - 1) + (vb / nb / se2) ** 2 / (nb - 1)) \
        if se2 else math.inf
    return _make(diff, math.sqrt(se2), df, "welch", na, nb, missing, level, _d(diff, pooled))


def paired(a: Mapping[Any, float | None], b: Mapping[Any, float | None],
           level: float = LEVEL) -> Diff:
    """Paired t interval of the per-seed differences ``a[s] - b[s]`` over the common seeds.

    >>> p = paired({0: 1.0, 1: 2.0, 2: 3.0}, {0: 0.5, 1: 1.4, 2: 2.6, 3: 9.0})
    >>> round(p.diff, 3), p.n_a, p.missing
    (0.5, 3, 1)
    """
    keys = [k for k in a if k in b and _finite(a[k]) and _finite(b[k])]
    missing = len(a) + len(b) - 2 * len(keys)
    dx = np.array([float(a[k]) - float(b[k]) for k in keys], dtype=np.float64)
    n = int(dx.size)
    if n == 0:
        return _make(math.nan, math.nan, math.nan, "paired t", 0, 0, missing, level, math.nan)
    diff = float(dx.mean())
    sd = float(dx.std(ddof=1)) if n > 1 else math.nan
    se = sd / math.sqrt(n) if n > 1 else math.nan
    return _make(diff, se, n - 1, "paired t", n, n, missing, level, _d(diff, sd))


def difference(a: Values, b: Values | float, level: float = LEVEL) -> Diff:
    """``a - b``: paired t when both are keyed by seed with >= 2 common seeds, Welch otherwise;
    a number ``b`` gives the one-sample interval of ``mean(a) - b``."""
    if isinstance(b, (int, float)) and not isinstance(b, bool):
        return one_sample(a, float(b), level)
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        common = [k for k in a if k in b and _finite(a[k]) and _finite(b[k])]
        if len(common) >= 2:
            return paired(a, b, level)
    return welch(a, b, level)


# --------------------------------------------------------------------------- corrections
def adjusted_level(level: float, m: int) -> float:
    """Bonferroni: the per-interval level that makes ``m`` intervals hold together at ``level``.

    >>> adjusted_level(0.95, 5)
    0.99
    """
    return 1.0 - (1.0 - level) / max(int(m), 1)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values (monotone, capped at 1; NaN counts as 1).

    >>> holm([0.01, 0.04, 0.03])
    [0.03, 0.06, 0.06]
    """
    ps = [1.0 if not math.isfinite(p) else float(p) for p in p_values]
    m = len(ps)
    out = [1.0] * m
    running = 0.0
    for rank, i in enumerate(sorted(range(m), key=lambda i: ps[i])):
        running = max(running, min(1.0, (m - rank) * ps[i]))
        out[i] = round(running, 12)
    return out


def bonferroni(p_values: Sequence[float]) -> list[float]:
    """Bonferroni adjusted p-values: ``min(1, m p)``.

    >>> bonferroni([0.01, 0.5])
    [0.02, 1.0]
    """
    m = len(p_values)
    return [1.0 if not math.isfinite(p) else min(1.0, m * float(p)) for p in p_values]


def correct(diffs: Sequence[Diff], level: float = LEVEL, correction: Correction = "holm"
            ) -> tuple[list[Diff], list[float]]:
    """Corrected intervals and adjusted p-values of effects tested together (module doc).

    >>> ds = [welch([1.0, 1.1, 0.9], [0.0, 0.1, -0.1]), welch([1, 2, 3], [1, 2, 3.1])]
    >>> cs, ps = correct(ds)
    >>> [round(c.level, 4) for c in cs], cs[0].low > 0, cs[1].low > 0
    ([0.975, 0.95], True, False)
    """
    m = len(diffs)
    if correction == "none":
        return [d.at(level) for d in diffs], [d.p_value for d in diffs]
    if correction == "bonferroni":
        lv = adjusted_level(level, m)
        return [d.at(lv) for d in diffs], bonferroni([d.p_value for d in diffs])
    if correction != "holm":
        raise ValueError(f"unknown correction {correction!r} (holm, bonferroni or none)")
    adj = holm([d.p_value for d in diffs])
    order = sorted(range(m), key=lambda i: 1.0 if not math.isfinite(diffs[i].p_value)
                   else diffs[i].p_value)
    out: list[Diff | None] = [None] * m
    stopped = False
    for rank, i in enumerate(order):
        lv = adjusted_level(level, m if stopped else m - rank)
        c = diffs[i].at(lv)
        out[i] = c
        if not (c.low > 0 or c.high < 0):
            stopped = True
    return [c for c in out if c is not None], adj


# --------------------------------------------------------------------------- verdicts
def verdict(low: float, high: float, *, margin: float = 0.0, kind: str = "difference"
            ) -> Verdict:
    """Verdict from the corrected interval of an effect oriented so the claim predicts ``> 0``.

    ``kind="difference"``: supported when ``low > 0``; not supported when ``high < 0`` or
    (``margin > 0``) the interval lies inside ``(-margin, margin)``; inconclusive otherwise.
    ``kind="equivalence"`` (the claim predicts *no* effect beyond ``margin``): supported inside
    ``(-margin, margin)``, not supported wholly outside it, inconclusive otherwise.

    >>> verdict(-0.01, 0.02, margin=0.05)
    'not supported'
    >>> verdict(-0.01, 0.02, margin=0.05, kind="equivalence")
    'supported'
    """
    finite = math.isfinite(low) and math.isfinite(high)
    if kind == "equivalence":
        if margin <= 0:
            raise ValueError("an equivalence verdict needs a margin > 0")
        if finite and -margin < low and high < margin:
            return "supported"
        if low >= margin or high <= -margin:
            return "not supported"
        return "inconclusive"
    if kind != "difference":
        raise ValueError(f"unknown verdict kind {kind!r}")
    if low > 0:
        return "supported"
    if high < 0:
        return "not supported"
    if margin > 0 and finite and -margin < low and high < margin:
        return "not supported"
    return "inconclusive"


def combine(verdicts: Iterable[Verdict]) -> Verdict:
    """All effects of a claim must hold: any "not supported" wins, then any "inconclusive".

    >>> combine(["supported", "inconclusive"])
    'inconclusive'
    """
    vs = list(verdicts)
    if not vs:
        return "inconclusive"
    if "not supported" in vs:
        return "not supported"
    if "inconclusive" in vs:
        return "inconclusive"
    return "supported"

