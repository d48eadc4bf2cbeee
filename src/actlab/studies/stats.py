"""Statistics over seeds: intervals, paired/Welch differences, Holm, and the one verdict rule.

The contract, fixed in advance (``actlab compare`` and ``actlab claims`` alike):

* **Samples.** A condition's values come either as a plain sequence (unpaired) or as a mapping
  ``seed -> value`` (:func:`by_seed`). A seed draws the initial weights, the batch order and the
  train/validation split, so two conditions run with the same seeds are *paired*.
* **Difference of two conditions** (:func:`difference`): when both samples are keyed by seed
  and share at least two seeds, the paired t interval of the per-seed differences is used
  (``method="paired t"``); otherwise Welch's unequal-variance interval (``method="welch"``).
  The result always says which. A seed present on one side only, or a value missing
  (``None``/non-finite) on either side, is never dropped silently: it is counted in
  ``missing``, and ``paired`` then uses the complete pairs (Welch uses every finite value).
* **Multiple comparisons** (:func:`correct`): every effect of one study or one claim is tested
  together. ``"holm"`` (default): sort the raw p-values ascending; the k-th gets the interval
  level ``1 - (1 - level) / (m - k + 1)`` up to and including the first that fails to exclude
  0, every later one gets the Bonferroni level ``1 - (1 - level) / m``. Hence a corrected
  interval excludes 0 exactly when the Holm-adjusted p-value is below ``1 - level``.
  ``"bonferroni"``: every interval at ``1 - (1 - level) / m`` (simultaneous coverage).
  ``"none"``: ``level``. Separate claims are separate hypotheses and are not corrected together.
* **One verdict rule** (:func:`verdict`): an effect is oriented so that the claim (or an
  ordering) predicts ``> 0``. *Supported* when the corrected interval lies wholly above 0; *not
  supported* when it lies wholly below 0 (the opposite holds) or, given a smallest effect of
  interest ``margin``, wholly inside ``(-margin, margin)`` (no practical effect); otherwise
  *inconclusive*. No other condition (in particular no "group intervals must not overlap").
* **Units.** Effects are reported in their unit: accuracy differences in percentage points
  (``scale=100``, ``unit="pp"``), losses in nats, times in epochs. ``detectable`` is the
  half-width of the corrected interval: the smallest effect this design could tell from 0.
* **No survivorship.** Diverged runs stay in every denominator (their metric is whatever the
  run measured, e.g. the accuracy of its last finite weights) and :func:`proportion_ci` gives
  the divergence rate. A run that never reaches a target is *censored at the budget*
  (:func:`censor_at`): it counts as the budget, the count is reported, and :class:`Effect`'s
  ``note`` says when the estimate is therefore a bound.
* **Ties for best** (:func:`tied_with_best`): the best condition by mean and every condition
  whose corrected difference to it includes 0 form the tied group ("no clear winner among
  A, B, C" when it has more than one member); the rest are clearly worse.
* **Tails** (:func:`outlier`): a condition whose spread is dominated by one run is flagged by a
  two-sided Grubbs test (level 0.05); the report shows the spread without that run.

>>> from actlab.studies.stats import difference, mean_ci, verdict, welch
>>> e = mean_ci([0.9, 0.8, 0.85])
>>> round(e.mean, 3), round(e.low, 3), round(e.high, 3)
(0.85, 0.726, 0.974)
>>> verdict(0.1, 0.3), verdict(-0.1, 0.3), verdict(-0.3, -0.1)
('supported', 'inconclusive', 'not supported')
>>> a, b = {0: 0.91, 1: 0.80, 2: 0.85, 3: 0.70}, {0: 0.90, 1: 0.78, 2: 0.84, 3: 0.69}
>>> d = difference(a, b)
>>> d.method, round(d.diff, 4), d.low > 0
('paired t', 0.0125, True)
>>> welch(a, b).low > 0  # the same numbers unpaired: seed-to-seed noise hides the effect
False
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from .intervals import (
    LEVEL,
    Correction,
    Diff,
    Values,
    adjusted_level,
    bonferroni,
    by_seed,
    censor_at,
    combine,
    correct,
    difference,
    holm,
    mean_ci,
    one_sample,
    paired,
    proportion_ci,
    verdict,
    welch,
)
from .ranking import Outlier, Pair, Ranking, ordering_sentences, outlier, pairwise, tied_with_best
from .records import Effect

__all__ = [
    "LEVEL", "Correction", "Diff", "Effect", "Outlier", "Pair", "Ranking", "Test", "Values",
    "adjusted_level", "bonferroni", "by_seed", "censor_at", "combine", "correct", "difference",
    "effect", "effect_vs", "effects", "holm", "mean_ci", "one_sample", "ordering_sentences",
    "outlier", "paired", "pairwise", "proportion_ci", "tied_with_best", "verdict", "welch",
]


@dataclass(frozen=True)
class Test:
    """One effect to test: ``claimed - other`` (or ``claimed - reference`` for a number), the
    sides oriented so the claim predicts ``> 0``; values are multiplied by ``scale`` (100 turns
    accuracy into percentage points) and ``margin`` is in those units. ``censored`` counts runs
    censored at the budget on each side (see :func:`censor_at`); ``note`` is passed through."""

    name: str
    claimed: Values
    other: Values | float
    unit: str = ""
    scale: float = 1.0
    margin: float = 0.0
    kind: str = "difference"
    censored: tuple[int, int] = (0, 0)
    note: str = ""


def _scale(v: Values | float, k: float) -> Values | float:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v) * k
    if isinstance(v, Mapping):
        return {s: None if x is None else float(x) * k for s, x in v.items()}
    return [None if x is None else float(x) * k for x in v]


def _note(t: Test, d: Diff) -> str:
    parts = [t.note] if t.note else []
    if d.missing:
        parts.append(f"{d.missing} value(s) missing or without a partner seed, left out of "
                     "this interval")
    ca, cb = t.censored
    if ca or cb:
        parts.append(f"censored at the budget: {ca} run(s) on the claimed side, {cb} on the "
                     "other" + ("; the estimate is a bound" if ca else ""))
    for side, v in (("claimed", t.claimed), ("other", t.other)):
        if not isinstance(v, (int, float)):
            o = outlier(_scale(v, t.scale))  # type: ignore[arg-type]
            if o.flagged:
                parts.append(f"{side} side: {o.describe(t.unit)}")
    return "; ".join(parts)


def effects(tests: Sequence[Test], *, level: float = LEVEL,
            correction: Correction = "holm") -> list[Effect]:
    """Test every effect of one claim/study together and give each its verdict.

    >>> a = {s: 0.90 + 0.01 * (s % 3) for s in range(6)}
    >>> b = {s: 0.80 + 0.01 * (s % 2) for s in range(6)}
    >>> [e] = effects([Test("a - b", a, b, unit="pp", scale=100)])
    >>> e.method, round(e.estimate, 2), e.verdict
    ('paired t', 10.5, 'supported')
    """
    diffs = [difference(_scale(t.claimed, t.scale), _scale(t.other, t.scale)) for t in tests]
    corrected, adj = correct(diffs, level, correction)
    out = []
    for t, d, p in zip(tests, corrected, adj):
        half = (d.high - d.low) / 2 if math.isfinite(d.high - d.low) else math.inf
        out.append(Effect(
            name=t.name, estimate=d.diff, low=d.low, high=d.high, level=d.level, p_value=p,
            cohen_d=d.cohen_d, n_a=d.n_a, n_b=d.n_b, unit=t.unit,
            verdict=verdict(d.low, d.high, margin=t.margin, kind=t.kind), method=d.method,
            correction=f"{correction} over {len(tests)}" if len(tests) > 1 else "none",
            detectable=half, note=_note(t, d)))
    return out


def effect(name: str, claimed: Values, other: Values | float, *, level: float = LEVEL,
           m: int = 1, margin: float = 0.0, kind: str = "difference", unit: str = "") -> Effect:
    """One effect alone, Bonferroni-widened for ``m`` effects (prefer :func:`effects`).

    >>> effect("x", [3.0, 3.1, 2.9], [1.0, 1.1, 0.9]).verdict
    'supported'
    >>> effect("x", [1.0, 1.5, 0.5], [1.0, 1.2, 0.7]).verdict
    'inconclusive'
    """
    c = claimed if isinstance(claimed, Mapping) else list(claimed)
    o = other if isinstance(other, (Mapping, int, float)) else list(other)
    lv = adjusted_level(level, m)
    [e] = effects([Test(name, c, o, unit=unit, margin=margin, kind=kind)], level=lv,
                  correction="none")
    p = min(1.0, e.p_value * m) if math.isfinite(e.p_value) else e.p_value
    return replace(e, p_value=p, correction=f"bonferroni over {m}" if m > 1 else "none")


def effect_vs(name: str, values: Iterable[float | None], reference: float, *,
              level: float = LEVEL, m: int = 1, unit: str = "") -> Effect:
    """One-sample effect ``mean(values) - reference`` (the claim predicts > 0).

    >>> effect_vs("x", [0.5, 0.6, 0.4], 0.1).verdict
    'supported'
    """
    return effect(name, list(values), reference, level=level, m=m, unit=unit)
