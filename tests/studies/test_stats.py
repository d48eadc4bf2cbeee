"""Statistics and the verdict rule on synthetic numbers (no training)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sst

from actlab.studies import stats
from actlab.studies.records import Effect


def test_mean_ci_matches_scipy():
    x = [0.61, 0.64, 0.58, 0.66, 0.63]
    e = stats.mean_ci(x)
    lo, hi = sst.t.interval(0.95, len(x) - 1, loc=np.mean(x), scale=sst.sem(x))
    assert (e.mean, e.n) == (pytest.approx(np.mean(x)), 5)
    assert e.low == pytest.approx(lo) and e.high == pytest.approx(hi)


def test_mean_ci_drops_missing_and_handles_tiny_samples():
    assert stats.mean_ci([1.0, None, math.nan, 3.0]).n == 2
    assert stats.mean_ci({0: 1.0, 1: 3.0}).n == 2
    one = stats.mean_ci([2.0])
    assert one.mean == 2.0 and one.low == -math.inf and one.high == math.inf
    assert math.isnan(stats.mean_ci([]).mean)


def test_welch_matches_scipy():
    a = [0.9, 0.85, 0.88, 0.93, 0.87]
    b = [0.8, 0.86, 0.75, 0.83, 0.79, 0.81]
    w = stats.welch(a, b)
    ref = sst.ttest_ind(a, b, equal_var=False)
    assert w.method == "welch" and w.p_value == pytest.approx(ref.pvalue)
    ci = ref.confidence_interval(0.95)
    assert (w.low, w.high) == (pytest.approx(ci.low), pytest.approx(ci.high))


def test_paired_matches_scipy():
    a = {s: v for s, v in enumerate([0.90, 0.85, 0.88, 0.93, 0.87])}
    b = {s: v for s, v in enumerate([0.88, 0.86, 0.85, 0.90, 0.86])}
    p = stats.paired(a, b)
    ref = sst.ttest_rel(list(a.values()), list(b.values()))
    ci = ref.confidence_interval(0.95)
    assert p.method == "paired t" and p.p_value == pytest.approx(ref.pvalue)
    assert (p.low, p.high) == (pytest.approx(ci.low), pytest.approx(ci.high))


def test_one_sample_matches_scipy():
    x = [0.3, 0.5, 0.4, 0.45]
    d = stats.difference(x, 0.2)
    assert d.method == "one-sample t"
    assert d.p_value == pytest.approx(sst.ttest_1samp(x, 0.2).pvalue)


def test_pairing_by_seed_finds_what_welch_misses():
    rng = np.random.default_rng(0)
    seed_effect = rng.normal(0, 5.0, 10)  # large seed-to-seed noise shared by both conditions
    a = {s: 80 + seed_effect[s] + 1.0 + rng.normal(0, 0.2) for s in range(10)}
    b = {s: 80 + seed_effect[s] + rng.normal(0, 0.2) for s in range(10)}
    d = stats.difference(a, b)
    assert d.method == "paired t" and d.low > 0
    w = stats.difference(list(a.values()), list(b.values()))
    assert w.method == "welch" and w.low < 0 < w.high
    [e] = stats.effects([stats.Test("a - b", a, b, unit="pp")])
    assert e.method == "paired t" and e.verdict == "supported"


def test_unshared_seeds_fall_back_to_welch_and_count_what_is_left_out():
    d = stats.difference({0: 1.0, 1: 1.2, 2: 1.1}, {5: 0.5, 6: 0.7, 7: 0.6})
    assert d.method == "welch" and d.missing == 0
    d = stats.difference({0: 1.0, 1: 1.2, 2: 1.1, 3: None}, {0: 0.5, 1: 0.7, 2: 0.6, 3: 0.1})
    assert d.method == "paired t" and d.missing == 2 and d.n_a == 3
    [e] = stats.effects([stats.Test("x", {0: 1.0, 1: 1.2, 2: 1.1, 3: None},
                                    {0: 0.5, 1: 0.7, 2: 0.6, 3: 0.1})])
    assert "2 value(s) missing" in e.note  # never dropped silently


def test_by_seed_refuses_duplicate_seeds():
    class R:
        def __init__(self, seed, v):
            self.config, self.v = type("C", (), {"seed": seed})(), v

    assert stats.by_seed([R(0, 1.0), R(1, 2.0)], lambda r: r.v) == {0: 1.0, 1: 2.0}
    with pytest.raises(ValueError, match="seed 0"):
        stats.by_seed([R(0, 1.0), R(0, 2.0)], lambda r: r.v)


def test_welch_constant_groups():
    assert stats.welch([1.0, 1.0], [1.0, 1.0]).p_value == 1.0
    w = stats.welch([2.0, 2.0, 2.0], [1.0, 1.0, 1.0])
    assert (w.diff, w.low, w.high, w.p_value) == (1.0, 1.0, 1.0, 0.0)


def test_one_verdict_rule_has_no_group_overlap_condition():
    # group intervals overlap, but the interval of the difference excludes 0: supported
    z = [-1.5, -1.0, -0.5, -0.2, 0.0, 0.0, 0.2, 0.5, 1.0, 1.5]
    a, b = [1.2 + v for v in z], list(z)
    ea, eb = stats.mean_ci(a), stats.mean_ci(b)
    assert ea.low < eb.high  # the old rule would have said "inconclusive"
    e = stats.effect("a - b", a, b)
    assert e.low > 0 and e.verdict == "supported" and e.method == "welch"
    [pair] = stats.pairwise({"a": a, "b": b})
    assert pair.significant and pair.better == "a"


def test_verdicts():
    hi = [0.90, 0.91, 0.89, 0.92, 0.90]
    lo = [0.60, 0.62, 0.61, 0.59, 0.60]
    assert stats.effect("hi - lo", hi, lo).verdict == "supported"
    assert stats.effect("lo - hi", lo, hi).verdict == "not supported"
    same = [0.50, 0.70, 0.60, 0.55, 0.65]
    assert stats.effect("x", same, [0.52, 0.68, 0.61, 0.57, 0.60]).verdict == "inconclusive"
    assert stats.verdict(-math.inf, math.inf) == "inconclusive"


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


def test_holm_and_bonferroni_values():
    assert stats.holm([0.01, 0.04, 0.03]) == [0.03, 0.06, 0.06]
    assert stats.bonferroni([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.12, 0.09])
    assert stats.holm([math.nan, 0.01]) == [1.0, 0.02]


def _three_effects():
    rng = np.random.default_rng(1)
    strong = {s: 1.0 + rng.normal(0, 0.1) for s in range(8)}
    zero = {s: rng.normal(0, 0.1) for s in range(8)}
    # a marginal effect: significant alone (p ~ 0.035), not after correcting for three effects
    marginal = {s: v + 0.06 for s, v in zip(range(8), [0.05, -0.12, 0.2, 0.0, 0.15, -0.05,
                                                        0.1, -0.03])}
    base = {s: 0.0 for s in range(8)}
    return [stats.Test("strong", strong, zero), stats.Test("marginal", marginal, base),
            stats.Test("none", zero, {s: rng.normal(0, 0.1) for s in range(8)})]


def test_correction_across_the_effects_of_a_claim():
    tests = _three_effects()
    alone = stats.effects([tests[1]])[0]
    assert 0.025 < alone.p_value < 0.05 and alone.verdict == "supported"
    for correction in ("holm", "bonferroni"):
        es = stats.effects(tests, correction=correction)
        assert [e.verdict for e in es][:2] == ["supported", "inconclusive"]
        assert es[1].low < 0 < es[1].high and es[1].p_value > 0.05
        assert es[1].correction == f"{correction} over 3"
    holm, bonf = stats.effects(tests), stats.effects(tests, correction="bonferroni")
    assert holm[0].level == pytest.approx(1 - 0.05 / 3)
    assert holm[1].detectable <= bonf[1].detectable  # Holm is never wider than Bonferroni
    assert stats.combine(e.verdict for e in holm) == "inconclusive"
    with pytest.raises(ValueError, match="correction"):
        stats.correct([], correction="sidak")  # type: ignore[arg-type]


samples = st.lists(st.floats(-1.0, 1.0, allow_nan=False), min_size=3, max_size=6)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(samples, st.floats(-1.0, 1.0)), min_size=1, max_size=5))
def test_corrected_interval_excludes_zero_iff_adjusted_p_is_small(groups):
    diffs = [stats.difference([v + shift for v in xs], 0.0) for xs, shift in groups]
    for correction in ("holm", "bonferroni"):
        corrected, adj = stats.correct(diffs, correction=correction)
        for d, p in zip(corrected, adj):
            if d.se == 0 or abs(p - 0.05) < 1e-9:
                continue
            assert (d.low > 0 or d.high < 0) == (p < 0.05)


def test_effect_units_scale_and_detectable_effect():
    a = {s: 0.90 + 0.01 * (s % 3) for s in range(6)}
    b = {s: 0.80 + 0.01 * (s % 2) for s in range(6)}
    [e] = stats.effects([stats.Test("a - b", a, b, unit="pp", scale=100)])
    assert e.unit == "pp" and e.estimate == pytest.approx(10.5)
    assert e.detectable == pytest.approx((e.high - e.low) / 2)
    assert Effect.from_dict(e.to_dict()) == e


def test_censored_runs_count_at_the_budget():
    never = {0: None, 1: None, 2: 9, 3: None, 4: None}  # "never reached" in 20 epochs
    fast = {0: 3, 1: 4, 2: 3, 3: 5, 4: 4}
    slow, n = stats.censor_at(never, 20)
    assert n == 4 and slow[0] == 20.0
    # dropping the censored runs would leave one value and no verdict at all
    assert stats.effect("drop", [v for v in never.values() if v is not None],
                        list(fast.values())).verdict == "inconclusive"
    [e] = stats.effects([stats.Test("slow - fast", slow, fast, unit="epochs",
                                    censored=(n, 0))])
    assert e.verdict == "supported" and e.n_a == 5 and "censored at the budget" in e.note
    assert "bound" in e.note
    [e] = stats.effects([stats.Test("fast - slow", fast, slow, censored=(0, n))])
    assert e.verdict == "not supported" and "bound" not in e.note


def test_divergence_rate_is_a_wilson_interval():
    e = stats.proportion_ci(5, 10)
    assert e.mean == 0.5 and e.low == pytest.approx(0.2366, abs=1e-4)
    assert e.high == pytest.approx(0.7634, abs=1e-4)
    assert stats.proportion_ci(10, 10).high == 1.0
    with pytest.raises(ValueError):
        stats.proportion_ci(3, 2)


def test_tied_with_best():
    g = {"a": [0.90, 0.91, 0.89, 0.90], "b": [0.90, 0.92, 0.88, 0.89],
         "c": [0.50, 0.51, 0.49, 0.50], "d": [None, None]}
    r = stats.tied_with_best(g, metric="acc")
    assert r.best == ("a", "b") and r.worse == ("c",) and r.untested == ("d",)
    assert r.clear_winner is None and "no clear winner among a, b" in r.text
    g["b"] = [0.70, 0.71, 0.69, 0.70]
    r = stats.tied_with_best(g, metric="acc")
    assert r.best == ("a",) and r.clear_winner == "a" and r.worse == ("b", "c")
    # lower is better (a loss): the leader is the smallest mean
    loss = {"x": [0.3, 0.31, 0.29], "y": [1.0, 1.1, 0.9]}
    r = stats.tied_with_best(loss, higher_is_better=False)
    assert r.best == ("x",) and r.comparisons[0].diff > 0


def test_tied_with_best_uses_pairing():
    rng = np.random.default_rng(3)
    seed = rng.normal(0, 3.0, 8)
    g = {"a": {s: 50 + seed[s] + 1 + rng.normal(0, 0.1) for s in range(8)},
         "b": {s: 50 + seed[s] + rng.normal(0, 0.1) for s in range(8)}}
    assert stats.tied_with_best(g).best == ("a",)
    unpaired = {k: list(v.values()) for k, v in g.items()}
    assert stats.tied_with_best(unpaired).best == ("a", "b")


def test_outlier_flags_a_one_run_tail():
    he = [0.31, 0.28, 0.35, 0.30, 0.29, 0.33, 0.27, 4.03, 0.32, 0.30]  # claim 4's He tail
    o = stats.outlier({s: v for s, v in enumerate(he)})
    assert o.flagged and o.which == 7 and o.sd_without < 0.1 * o.sd
    assert o.critical == pytest.approx(2.290, abs=2e-3)  # Grubbs table, n = 10, alpha 0.05
    assert not stats.outlier([0.31, 0.28, 0.35, 0.30, 0.29, 0.33, 0.27, 0.32]).flagged
    assert not stats.outlier([1.0, 1.0, 1.0]).flagged and not stats.outlier([1.0, 2.0]).flagged
    [e] = stats.effects([stats.Test("x", dict(enumerate(he)), dict(enumerate([0.3] * 10)))])
    assert "dominates the spread" in e.note
    [e] = stats.effects([stats.Test("pp", dict(enumerate(he)), dict(enumerate([0.3] * 10)),
                                    unit="pp", scale=100)])
    assert "(7: 403 pp)" in e.note  # the tail in the effect's own unit


groups = st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=2, max_size=8)


@settings(max_examples=100, deadline=None)
@given(groups, groups, groups)
def test_an_ordering_is_stated_iff_its_corrected_interval_excludes_zero(a, b, c):
    data = {"a": a, "b": b, "c": c}
    for p in stats.pairwise(data):
        assert p.significant == (p.low > 0 or p.high < 0)
        if p.significant:
            assert p.better == (p.a if p.diff > 0 else p.b)
        else:
            assert p.better is None


def test_ordering_sentences():
    pairs = stats.pairwise({"lo": [0.60, 0.62, 0.61], "hi": [0.90, 0.91, 0.89],
                            "mid": [0.6, 0.9, 0.75]})
    lines = stats.ordering_sentences(pairs, "acc")
    assert lines[0] == "acc: hi better than lo." and "no significant difference" in lines[-1]
