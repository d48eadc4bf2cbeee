"""Statistics over seeds: t-based confidence intervals, Welch comparisons and verdicts.

Conventions (used by ``actlab compare`` and ``actlab claims`` alike):

* A mean over ``n`` seeds gets the two-sided t interval ``mean +- t_{n-1} s / sqrt(n)``
  (``scipy.stats.t``); one seed gives an infinite interval, because one run says nothing about
  seed noise.
* Two groups are compared with Welch's unequal-variance t test; the interval of the difference
  uses the Welch-Satterthwaite degrees of freedom.
* **Multiple comparisons**: when ``m`` differences are tested together (all pairs of a compare
  study, or the several effects of one claim), each interval is widened to the level
  ``1 - (1 - level) / m`` (Bonferroni), so that all stated intervals hold together at ``level``.
  Separate claims are separate hypotheses from the literature and are not corrected against
  each other.
* **A direction is stated only when two things hold**: the (widened) Welch interval of the
  difference excludes 0, *and* the two groups' own 95 % intervals (the ones the report shows)
  do not overlap. The second condition is deliberately conservative: no ordering is ever
  printed beside intervals that overlap. Otherwise the result is "no significant difference"
  (compare) or "inconclusive" (claims).

>>> e = mean_ci([0.9, 0.8, 0.85])
>>> round(e.mean, 3), round(e.low, 3), round(e.high, 3)
(0.85, 0.726, 0.974)
>>> verdict(0.1, 0.3)
'supported'
>>> verdict(-0.1, 0.3)
'inconclusive'
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .records import Effect, Estimate, Verdict


def _student_t():
    """scipy.stats.t, imported on first use (scipy.stats takes about a second to import)."""
    from scipy.stats import t

    return t

LEVEL = 0.95


def _clean(values: Iterable[float | None]) -> np.ndarray:
    """Float array of the finite values (``None`` and non-finite values are dropped)."""
    arr = np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)
    return arr[np.isfinite(arr)]


def mean_ci(values: Iterable[float | None], level: float = LEVEL) -> Estimate:
    """Mean and two-sided t-based confidence interval (``None``/non-finite values dropped).

    >>> mean_ci([1.0]).high
    inf
    >>> mean_ci([]).n
    0
    """
    x = _clean(values)
    n = int(x.size)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, 0, math.nan, level)
    mean = float(x.mean())
    if n == 1:
        return Estimate(mean, -math.inf, math.inf, 1, math.nan, level)
    sd = float(x.std(ddof=1))
    half = float(_student_t().ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n)
    return Estimate(mean, mean - half, mean + half, n, sd, level)


@dataclass(frozen=True)
class Welch:
    """Welch's comparison of ``a`` and ``b``: ``diff = mean(a) - mean(b)``."""

    diff: float
    low: float
    high: float
    p_value: float
    df: float
    cohen_d: float
    n_a: int
    n_b: int
    level: float


def welch(a: Iterable[float | None], b: Iterable[float | None], level: float = LEVEL) -> Welch:
    """Welch t interval and two-sided p-value for ``mean(a) - mean(b)``.

    Two constant groups (zero variance) give a zero-width interval: equal means then have
    ``p = 1``, different means ``p = 0``. ``cohen_d`` divides by the pooled standard deviation
    (``inf`` when that is 0 and the means differ).

    >>> w = welch([1.0, 1.1, 0.9, 1.0], [0.0, 0.1, -0.1, 0.0])
    >>> round(w.diff, 6), w.low > 0, w.p_value < 0.001
    (1.0, True, True)
    """
    xa, xb = _clean(a), _clean(b)
    na, nb = int(xa.size), int(xb.size)
    if na < 2 or nb < 2:
        diff = float(xa.mean() - xb.mean()) if na and nb else math.nan
        return Welch(diff, -math.inf, math.inf, math.nan if math.isnan(diff) else 1.0,
                     math.nan, math.nan, na, nb, level)
    ma, mb = float(xa.mean()), float(xb.mean())
    va, vb = float(xa.var(ddof=1)), float(xb.var(ddof=1))
    diff = ma - mb
    se2 = va / na + vb / nb
    pooled = math.sqrt(((na - 1) * va + (nb - 1) * vb) / (na + nb - 2))
    d = diff / pooled if pooled > 0 else (0.0 if diff == 0 else math.copysign(math.inf, diff))
    if se2 == 0.0:
        return Welch(diff, diff, diff, 1.0 if diff == 0 else 0.0, math.inf, d, na, nb, level)
    df = se2**2 / ((va / na) ** 2 / (na - 1) + (vb / nb) ** 2 / (nb - 1))
    se = math.sqrt(se2)
    half = float(_student_t().ppf(0.5 + level / 2, df)) * se
    p = float(2 * _student_t().sf(abs(diff) / se, df))
    return Welch(diff, diff - half, diff + half, p, df, d, na, nb, level)


def adjusted_level(level: float, m: int) -> float:
    """Bonferroni: the per-interval level that makes ``m`` intervals hold together at ``level``.

    >>> adjusted_level(0.95, 5)
    0.99
    """
    return 1.0 - (1.0 - level) / max(int(m), 1)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values (monotone, capped at 1).

    >>> holm([0.01, 0.04, 0.03])
    [0.03, 0.06, 0.06]
    """
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    out = [1.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        out[i] = round(running, 12)
    return out


def separated(a: Iterable[float | None], b: Iterable[float | None],
              level: float = LEVEL) -> bool:
    """True when the t intervals of the two groups' means do not overlap.

    >>> separated([1.0, 1.1, 0.9], [2.0, 2.1, 1.9]), separated([1.0, 2.0], [1.5, 2.5])
    (True, False)
    """
    ea, eb = mean_ci(a, level), mean_ci(b, level)
    if ea.n == 0 or eb.n == 0:
        return False
    return bool(ea.high < eb.low or eb.high < ea.low)


def verdict(low: float, high: float, *, margin: float = 0.0, separate: bool = True,
            kind: str = "difference") -> Verdict:
    """Verdict from the interval of an effect oriented so that the claim predicts ``> 0``.

    ``kind="difference"`` (the claim predicts an effect):

    * ``"supported"``: the whole interval is above 0 (and ``separate``: the groups' own
      intervals do not overlap);
    * ``"not supported"``: the whole interval is below 0 and ``separate`` (the opposite holds),
      or ``margin > 0`` and the interval lies inside ``(-margin, margin)`` (practically absent);
    * ``"inconclusive"``: otherwise (the interval contains 0, or the groups overlap).

    ``kind="equivalence"`` (the claim predicts *no* effect beyond ``margin``): supported when the
    interval lies inside ``(-margin, margin)``, not supported when it lies wholly outside it,
    inconclusive otherwise.

    >>> verdict(-0.4, -0.1)
    'not supported'
    >>> verdict(-0.01, 0.02, margin=0.05)
    'not supported'
    >>> verdict(0.1, 0.3, separate=False)
    'inconclusive'
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
    if low > 0 and separate:
        return "supported"
    if high < 0 and separate:
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


def effect(
    name: str,
    claimed: Iterable[float | None],
    other: Iterable[float | None],
    *,
    level: float = LEVEL,
    m: int = 1,
    margin: float = 0.0,
    kind: str = "difference",
    unit: str = "",
) -> Effect:
    """An :class:`Effect` ``mean(claimed) - mean(other)`` with its verdict (see :func:`verdict`).

    ``m`` is the number of effects tested together (Bonferroni-widened interval, and the
    p-value multiplied by ``m``, capped at 1).

    >>> effect("x", [3.0, 3.1, 2.9], [1.0, 1.1, 0.9]).verdict
    'supported'
    >>> effect("x", [1.0, 1.5, 0.5], [1.0, 1.2, 0.7]).verdict
    'inconclusive'
    """
    claimed, other = list(claimed), list(other)
    lv = adjusted_level(level, m)
    w = welch(claimed, other, lv)
    p = min(1.0, w.p_value * m) if math.isfinite(w.p_value) else w.p_value
    sep = separated(claimed, other, level)
    return Effect(name=name, estimate=w.diff, low=w.low, high=w.high, level=lv, p_value=p,
                  cohen_d=w.cohen_d, n_a=w.n_a, n_b=w.n_b, unit=unit,
                  verdict=verdict(w.low, w.high, margin=margin, separate=sep, kind=kind))


def effect_vs(
    name: str,
    values: Iterable[float | None],
    reference: float,
    *,
    level: float = LEVEL,
    m: int = 1,
    unit: str = "",
) -> Effect:
    """One-sample effect ``mean(values) - reference`` (t interval; the claim predicts > 0).

    >>> effect_vs("x", [0.5, 0.6, 0.4], 0.1).verdict
    'supported'
    """
    lv = adjusted_level(level, m)
    e = mean_ci(values, lv)
    if e.n >= 2 and e.sd > 0:
        t = (e.mean - reference) / (e.sd / math.sqrt(e.n))
        p = min(1.0, float(2 * _student_t().sf(abs(t), e.n - 1)) * m)
        d = (e.mean - reference) / e.sd
    else:
        p = math.nan if e.n < 2 else (1.0 if e.mean == reference else 0.0)
        d = math.nan if e.n < 2 else (0.0 if e.mean == reference else
                                      math.copysign(math.inf, e.mean - reference))
    low, high = e.low - reference, e.high - reference
    return Effect(name=name, estimate=e.mean - reference, low=low, high=high, level=lv,
                  p_value=p, cohen_d=d, n_a=e.n, n_b=0, unit=unit, verdict=verdict(low, high))


# --------------------------------------------------------------------------- orderings
@dataclass(frozen=True)
class Pair:
    """One pair of a compare study: ``diff = mean(a) - mean(b)`` with a simultaneous interval."""

    a: str
    b: str
    diff: float
    low: float
    high: float
    p_value: float
    significant: bool
    better: str | None


def pairwise(
    groups: Mapping[str, Iterable[float | None]],
    *,
    higher_is_better: bool = True,
    level: float = LEVEL,
) -> list[Pair]:
    """Every pair of groups with Bonferroni-simultaneous Welch intervals.

    A pair is ``significant`` (and ``better`` names the winner) only when its simultaneous
    interval excludes 0 and the groups' own ``level`` intervals do not overlap (see the module
    doc); ``p_value`` is Bonferroni-adjusted.

    >>> ps = pairwise({"a": [1, 1.1, 0.9], "b": [1, 1.2, 0.8], "c": [5, 5.1, 4.9]})
    >>> [(p.a, p.b, p.better) for p in ps]
    [('a', 'b', None), ('a', 'c', 'c'), ('b', 'c', 'c')]
    """
    names = list(groups)
    data = {k: list(v) for k, v in groups.items()}
    m = len(names) * (len(names) - 1) // 2
    lv = adjusted_level(level, m)
    out = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            w = welch(data[a], data[b], lv)
            sig = bool(w.low > 0 or w.high < 0) and separated(data[a], data[b], level)
            better = None
            if sig:
                a_wins = (w.diff > 0) == higher_is_better
                better = a if a_wins else b
            p = min(1.0, w.p_value * m) if math.isfinite(w.p_value) else w.p_value
            out.append(Pair(a, b, w.diff, w.low, w.high, p, sig, better))
    return out


def ordering_sentences(pairs: Sequence[Pair], metric: str) -> list[str]:
    """Plain-language statements: only the significant orderings, then what is not different.

    >>> ordering_sentences([Pair("a", "b", 0.0, -1, 1, 1.0, False, None)], "accuracy")
    ['accuracy: no significant difference between any pair (a, b).']
    """
    wins: dict[str, list[str]] = {}
    names: list[str] = []
    for p in pairs:
        for n in (p.a, p.b):
            if n not in names:
                names.append(n)
        if p.better is not None:
            loser = p.b if p.better == p.a else p.a
            wins.setdefault(p.better, []).append(loser)
    if not wins:
        return [f"{metric}: no significant difference between any pair ({', '.join(names)})."]
    lines = [f"{metric}: {w} better than {', '.join(ls)}." for w, ls in wins.items()]
    ties = [f"{p.a}/{p.b}" for p in pairs if not p.significant]
    if ties:
        lines.append(f"{metric}: no significant difference for {', '.join(ties)}.")
    return lines
