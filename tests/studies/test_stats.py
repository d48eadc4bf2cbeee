"""Statistics and verdict logic on synthetic numbers (no training)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sst

from actlab.studies import stats


def test_mean_ci_matches_scipy():
    x = [0.61, 0.64, 0.58, 0.66, 0.63]
    e = stats.mean_ci(x)
    lo, hi = sst.t.interval(0.95, len(x) - 1, loc=np.mean(x), scale=sst.sem(x))
    assert (e.mean, e.n) == (pytest.approx(np.mean(x)), 5)
    assert e.low == pytest.approx(lo) and e.high == pytest.approx(hi)


def test_mean_ci_drops_missing_and_handles_tiny_samples():
    assert stats.mean_ci([1.0, None, math.nan, 3.0]).n == 2
    one = stats.mean_ci([2.0])
    assert one.mean == 2.0 and one.low == -math.inf and one.high == math.inf
    assert math.isnan(stats.mean_ci([]).mean)


def test_welch_matches_scipy():
    a = [0.9, 0.85, 0.88, 0.93, 0.87]
    b = [0.8, 0.86, 0.75, 0.83, 0.79, 0.81]
    w = stats.welch(a, b)
    ref = sst.ttest_ind(a, b, equal_var=False)
    assert w.p_value == pytest.approx(ref.pvalue)
    ci = ref.confidence_interval(0.95)
    assert (w.low, w.high) == (pytest.approx(ci.low), pytest.approx(ci.high))


def test_welch_constant_groups():
    assert stats.welch([1.0, 1.0], [1.0, 1.0]).p_value == 1.0
    w = stats.welch([2.0, 2.0, 2.0], [1.0, 1.0, 1.0])
    assert (w.diff, w.low, w.high, w.p_value) == (1.0, 1.0, 1.0, 0.0)


def test_overlapping_intervals_are_inconclusive():
    # two groups whose 95 % intervals overlap: no direction may be claimed
    a = [0.80, 0.84, 0.78, 0.86, 0.82]
    b = [0.79, 0.83, 0.77, 0.85, 0.80]
    ea, eb = stats.mean_ci(a), stats.mean_ci(b)
    assert ea.low < eb.high and eb.low < ea.high
    e = stats.effect("a - b", a, b)
    assert e.verdict == "inconclusive"
    assert stats.effect("b - a", b, a).verdict == "inconclusive"
    [pair] = stats.pairwise({"a": a, "b": b})
    assert not pair.significant and pair.better is None
    assert stats.ordering_sentences([pair], "acc") == [
        "acc: no significant difference between any pair (a, b)."]


def test_overlapping_group_intervals_block_a_verdict_even_if_welch_excludes_zero():
    a, b = [1.0, 1.9], [0.0, 0.9]  # n = 2: wide group intervals
    assert not stats.separated(a, b)
    assert stats.effect("a - b", a, b).verdict == "inconclusive"


def test_separated_groups_give_a_direction():
    hi = [0.90, 0.91, 0.89, 0.92, 0.90]
    lo = [0.60, 0.62, 0.61, 0.59, 0.60]
    assert stats.effect("hi - lo", hi, lo).verdict == "supported"
    assert stats.effect("lo - hi", lo, hi).verdict == "not supported"
    [pair] = stats.pairwise({"lo": lo, "hi": hi})
    assert pair.significant and pair.better == "hi"
    [pair] = stats.pairwise({"lo": lo, "hi": hi}, higher_is_better=False)
    assert pair.better == "lo"


def test_margin_and_equivalence():
    a = [0.500, 0.501, 0.499, 0.500, 0.502]
    b = [0.500, 0.499, 0.501, 0.500, 0.498]
    assert stats.effect("a - b", a, b, margin=0.01).verdict == "not supported"
    assert stats.effect("a - b", a, b).verdict == "inconclusive"
    assert stats.effect("a - b", a, b, margin=0.01, kind="equivalence").verdict == "supported"
    far = [x + 0.2 for x in a]
    assert stats.effect("far", far, b, margin=0.01, kind="equivalence").verdict == "not supported"
    with pytest.raises(ValueError):
        stats.verdict(-1.0, 1.0, kind="equivalence")


def test_bonferroni_widens_intervals():
    a = [1.0, 1.2, 0.9, 1.1, 1.05]
    b = [0.5, 0.7, 0.6, 0.65, 0.4]
    one, four = stats.effect("x", a, b), stats.effect("x", a, b, m=4)
    assert four.level == pytest.approx(0.9875)
    assert four.low < one.low and four.high > one.high
    assert four.p_value == pytest.approx(min(1.0, 4 * one.p_value))


def test_combine():
    assert stats.combine(["supported", "supported"]) == "supported"
    assert stats.combine(["supported", "not supported", "inconclusive"]) == "not supported"
    assert stats.combine([]) == "inconclusive"


def test_holm():
    assert stats.holm([0.01, 0.04, 0.03]) == [0.03, 0.06, 0.06]


groups = st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=2, max_size=8)


@settings(max_examples=200, deadline=None)
@given(groups, groups, groups)
def test_no_ordering_is_ever_claimed_beside_overlapping_intervals(a, b, c):
    data = {"a": a, "b": b, "c": c}
    for p in stats.pairwise(data):
        ea, eb = stats.mean_ci(data[p.a]), stats.mean_ci(data[p.b])
        overlap = not (ea.high < eb.low or eb.high < ea.low)
        if overlap:
            assert not p.significant and p.better is None
        if p.significant:
            assert p.low > 0 or p.high < 0
            winner = p.a if p.diff > 0 else p.b
            assert p.better == winner
