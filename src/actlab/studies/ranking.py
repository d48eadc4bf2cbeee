"""Orderings of conditions: all pairs, the group tied for best, and one-run tails.

Part of the statistics contract of :mod:`actlab.studies.stats` (import from there): every
difference is paired by seed where possible (Welch otherwise), corrected over all comparisons
of the call (Holm by default), and an ordering is stated only when its corrected interval
excludes 0.

>>> from actlab.studies.ranking import tied_with_best
>>> r = tied_with_best({"a": [0.90, 0.91, 0.89], "b": [0.90, 0.92, 0.88],
...                     "c": [0.50, 0.51, 0.49]}, metric="accuracy")
>>> r.best, r.worse
(('a', 'b'), ('c',))
>>> r.text
'accuracy: no clear winner among a, b; clearly worse: c.'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .intervals import LEVEL, Correction, Diff, Values, _clean, _seq, _st, correct, difference


@dataclass(frozen=True)
class Pair:
    """One pair: ``diff = mean(a) - mean(b)`` (paired by seed where possible) with its corrected
    interval; ``p_value`` is adjusted; ``better`` names the winner when ``significant``."""

    a: str
    b: str
    diff: float
    low: float
    high: float
    p_value: float
    significant: bool
    better: str | None
    method: str = "welch"
    level: float = LEVEL

    def to_dict(self) -> dict[str, Any]:
        from .records import encode

        return encode(self.__dict__)


def _pair(a: str, b: str, d: Diff, p: float, higher_is_better: bool) -> Pair:
    sig = bool(d.low > 0 or d.high < 0)
    better = None
    if sig:
        better = a if (d.diff > 0) == higher_is_better else b
    return Pair(a, b, d.diff, d.low, d.high, p, sig, better, d.method, d.level)


def pairwise(groups: Mapping[str, Values], *, higher_is_better: bool = True,
             level: float = LEVEL, correction: Correction = "holm") -> list[Pair]:
    """Every pair of groups, corrected together over all ``k (k - 1) / 2`` pairs.

    Groups given as ``{seed: value}`` mappings are compared with the paired t interval.

    >>> ps = pairwise({"a": [1, 1.1, 0.9], "b": [1, 1.2, 0.8], "c": [5, 5.1, 4.9]})
    >>> [(p.a, p.b, p.better) for p in ps]
    [('a', 'b', None), ('a', 'c', 'c'), ('b', 'c', 'c')]
    """
    names = list(groups)
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]
    diffs = [difference(groups[a], groups[b]) for a, b in pairs]
    corrected, adj = correct(diffs, level, correction)
    return [_pair(a, b, d, p, higher_is_better)
            for (a, b), d, p in zip(pairs, corrected, adj)]


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


# --------------------------------------------------------------------------- tied for best
@dataclass(frozen=True)
class Ranking:
    """The group statistically tied for best and the clearly worse ones.

    ``best`` starts with the leader (best mean) followed by every condition whose corrected
    difference to the leader includes 0, in order of mean; ``worse`` are the others;
    ``untested`` have no finite value. ``comparisons`` are leader-vs-other pairs, oriented so
    that a positive ``diff`` favours the leader (in the metric's units times ``scale``).
    """

    metric: str
    best: tuple[str, ...]
    worse: tuple[str, ...]
    untested: tuple[str, ...]
    comparisons: tuple[Pair, ...]
    text: str

    @property
    def clear_winner(self) -> str | None:
        return self.best[0] if len(self.best) == 1 else None

    def to_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "best": list(self.best), "worse": list(self.worse),
                "untested": list(self.untested), "text": self.text,
                "comparisons": [p.to_dict() for p in self.comparisons]}


def _scaled(v: Values, scale: float) -> Values:
    if isinstance(v, Mapping):
        return {k: None if x is None else float(x) * scale for k, x in v.items()}
    return [None if x is None else float(x) * scale for x in v]


def tied_with_best(groups: Mapping[str, Values], *, higher_is_better: bool = True,
                   metric: str = "metric", level: float = LEVEL,
                   correction: Correction = "holm", scale: float = 1.0) -> Ranking:
    """Leader by mean, then the conditions tied with it ("no clear winner among ...")."""
    means = {k: float(_clean(_seq(v)).mean()) if _clean(_seq(v)).size else math.nan
             for k, v in groups.items()}
    tested = [k for k in groups if math.isfinite(means[k])]
    untested = tuple(k for k in groups if k not in tested)
    if not tested:
        return Ranking(metric, (), (), untested, (), f"{metric}: no finite values.")
    sign = 1.0 if higher_is_better else -1.0
    order = sorted(tested, key=lambda k: -sign * means[k])
    leader, others = order[0], order[1:]
    data = {k: _scaled(groups[k], scale * sign) for k in order}
    diffs = [difference(data[leader], data[k]) for k in others]
    corrected, adj = correct(diffs, level, correction)
    pairs = tuple(_pair(leader, k, d, p, True) for k, d, p in zip(others, corrected, adj))
    tied = [leader] + [p.b for p in pairs if not p.low > 0]
    worse = [p.b for p in pairs if p.low > 0]
    if len(tied) == 1:
        text = f"{metric}: {leader} is best"
    else:
        text = f"{metric}: no clear winner among {', '.join(tied)}"
    text += f"; clearly worse: {', '.join(worse)}." if worse else "."
    return Ranking(metric, tuple(tied), tuple(worse), untested, pairs, text)


# --------------------------------------------------------------------------- tails
@dataclass(frozen=True)
class Outlier:
    """Two-sided Grubbs test for one run dominating a condition's spread.

    ``which`` is the run's key (seed) or index, ``g`` the statistic ``max |x - mean| / sd``,
    ``critical`` its critical value at ``alpha``, ``share`` the run's share of the sum of
    squared deviations, ``sd_without`` the standard deviation of the other runs.
    """

    flagged: bool
    which: Any
    value: float
    g: float
    critical: float
    share: float
    sd: float
    sd_without: float

    def describe(self, unit: str = "") -> str:
        u = f" {unit}" if unit else ""
        return (f"one run ({self.which}: {self.value:.4g}{u}) dominates the spread: sd "
                f"{self.sd:.3g}{u}, {self.sd_without:.3g}{u} without it (Grubbs G = "
                f"{self.g:.3f} > {self.critical:.3f})")


def outlier(values: Values, alpha: float = 0.05) -> Outlier:
    """Grubbs' test on the finite values (``n >= 3``); never flags a constant sample.

    >>> o = outlier([0.30, 0.28, 0.31, 0.29, 4.03, 0.30, 0.27])
    >>> o.flagged, o.which, round(o.share, 2)
    (True, 4, 0.86)
    >>> outlier([1.0, 1.2, 0.9, 1.1, 1.05]).flagged
    False
    """
    keys = list(values) if isinstance(values, Mapping) else list(range(len(_seq(values))))
    raw = _seq(values)
    pairs = [(k, float(v)) for k, v in zip(keys, raw) if v is not None and math.isfinite(v)]
    x = np.array([v for _, v in pairs], dtype=np.float64)
    n = int(x.size)
    if n < 3 or float(x.std(ddof=1)) == 0.0:
        sd = float(x.std(ddof=1)) if n >= 2 else math.nan
        return Outlier(False, None, math.nan, math.nan, math.nan, math.nan, sd, sd)
    sd = float(x.std(ddof=1))
    dev = np.abs(x - x.mean())
    i = int(np.argmax(dev))
    g = float(dev[i]) / sd
    t = float(_st().t.ppf(1 - alpha / (2 * n), n - 2))
    crit = (n - 1) / math.sqrt(n) * math.sqrt(t * t / (n - 2 + t * t))
    share = float(dev[i] ** 2 / np.sum(dev**2))
    rest = np.delete(x, i)
    sd_without = float(rest.std(ddof=1)) if rest.size >= 2 else math.nan
    return Outlier(bool(g > crit), pairs[i][0], float(x[i]), g, crit, share, sd, sd_without)
