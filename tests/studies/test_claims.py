"""Claims: definitions, the run plan, and verdicts that a control can flip (synthetic runs)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from actlab.studies import claims
from actlab.studies.experiments import CLAIM_LIST, CLAIMS, Evidence, collect
from actlab.studies.experiments.plan import grid_for
from actlab.studies.experiments.training import matched_l2
from actlab.studies.records import EpochStats, RunResult
from actlab.studies.runner import dataset_names
from actlab.studies.store import Store


def test_ten_claims_each_with_a_control_and_valid_conditions():
    import actlab

    assert [c.number for c in CLAIM_LIST] == list(range(1, 11))
    for c in CLAIM_LIST:
        assert c.conditions and c.statement and c.source and c.rule and c.functions
        assert "Could this fail?" in c.method_text and len(c.control) > 40
        for cfg in c.conditions.values():
            actlab.get(cfg.activation, **cfg.params)  # registry names only
            assert cfg.dataset in dataset_names()


def test_every_trained_claim_tunes_lr_on_a_log_grid():
    for c in CLAIM_LIST:
        trained = [k for k, cfg in c.conditions.items() if cfg.epochs > 0]
        if not trained:
            continue
        assert c.tune or c.sweep, c.name
        for k in trained:
            if not (c.tuned(k) or c.sweep):
                assert k in c.fixed_lr  # only a manipulated lr is fixed, and it is named
                continue
            g = grid_for(c, c.conditions[k])
            assert len(g) >= 5 and max(g) / min(g) >= 30, (c.name, g)


def test_select():
    assert [c.number for c in claims.select([])] == list(range(1, 11))
    assert [c.name for c in claims.select(["10", "1", "1"])] == ["vanishing-gradients",
                                                                "gradient-clipping"]
    with pytest.raises(ValueError, match="did you mean"):
        claims.select(["dying-rleu"])


# --------------------------------------------------------------------------- synthetic runs
def _run(cfg, seed, *, acc=0.9, val=None, loss=0.3, status="finished", extra=(), ett=None,
         test_loss=None):
    epochs = (EpochStats(1, 2.0, None, None, None, 0.0),
              EpochStats(cfg.epochs or 1, loss, None, None, None, 0.0))
    return RunResult(cfg.replace(seed=seed), status, 0.5 if test_loss is None else test_loss,
                     acc, loss, acc, cfg.epochs, ett, 0.1, epochs=epochs, extra=extra,
                     val_loss=0.5, val_accuracy=acc if val is None else val)


def _noise(seed, k=0):
    return float(np.random.default_rng([seed, k]).normal(0, 1))


def _evidence(claim, values, seeds=6, **kw):
    """Runs of every condition of ``claim``; ``values(cond, seed) -> dict of _run kwargs``."""
    runs = {c: [_run(cfg, s, **values(c, s)) for s in range(seeds)]
            for c, cfg in claim.conditions.items()}
    return Evidence.of(runs)


def _verdict(name, values, seeds=6):
    claim = CLAIMS[name]
    res = claims.evaluate(claim, _evidence(claim, values, seeds))
    json.dumps(res.to_dict())  # a plain record
    return res


# 10: clipping ---------------------------------------------------------------------------
def _sweep(limit_none, limit_clip, seeds=5):
    """Runs train below an lr limit per condition and diverge above it."""
    claim = CLAIMS["gradient-clipping"]
    sweep = {}
    for c, cfg in claim.conditions.items():
        limit = limit_clip if c == "clip_norm 1" else limit_none
        sweep[c] = {lr: [_run(cfg.replace(lr=lr), s, val=0.9 if lr <= limit(s) else 0.1,
                              status="finished" if lr <= limit(s) else "diverged")
                         for s in range(seeds)] for lr in claim.grid}
    runs = {c: by_lr[0.01] for c, by_lr in sweep.items()}
    return claims.evaluate(claim, Evidence(runs, {c: 0.01 for c in runs}, {}, sweep))


def test_clipping_supported_when_the_range_widens_and_flipped_by_its_control():
    wide = _sweep(lambda s: 0.1 if s % 2 else 0.03, lambda s: 1.0)
    assert wide.verdict == "supported"
    assert wide.effects[0].unit == "decades" and wide.effects[0].method == "paired t"
    assert wide.effects[0].estimate == pytest.approx(2.5 * 3 / 6 * 2 / 2 + 0.5, rel=0.5)
    reported = [t for t in wide.tables if t.title.startswith("reported")][0]
    assert len(reported.rows) == 2  # best validation accuracy and test accuracy, both shown
    # control: clipping trains at no more lrs than no clipping -> not "supported"
    same = _sweep(lambda s: 0.1 if s % 2 else 0.03, lambda s: 0.1 if s % 2 else 0.03)
    assert same.verdict == "inconclusive"
    worse = _sweep(lambda s: 0.1, lambda s: 0.01 if s % 2 else 0.003)
    assert worse.verdict == "not supported"


# 4: He vs Xavier ------------------------------------------------------------------------
def _he(stall_sgd, stall_adam):
    def values(c, s):
        stall = stall_sgd if c.startswith("SGD") else stall_adam
        base = 0.3 + 0.02 * _noise(s, hash(c) % 7)
        return {"loss": base + (stall if "Xavier" in c else 0.0)}
    return _verdict("he-init", values, seeds=10)


def test_he_init_names_the_optimizer_and_can_fail():
    both = _he(2.0, 2.0)
    assert both.verdict == "supported" and [e.verdict for e in both.effects] == [
        "supported", "supported"]
    sgd_only = _he(2.0, 0.0)
    assert sgd_only.verdict == "inconclusive"
    assert "with SGD: supported" in sgd_only.notes[0]
    assert "with Adam: inconclusive" in sgd_only.notes[0]
    assert _he(2.0, -0.5).verdict == "not supported"  # Xavier better under Adam


def test_he_init_flags_a_one_run_tail():
    def values(c, s):
        tail = 3.7 if (c == "SGD, He (std sqrt(2/n))" and s == 3) else 0.0
        return {"loss": 0.3 + 0.01 * _noise(s, len(c)) + tail + (1.0 if "Xavier" in c else 0)}
    res = _verdict("he-init", values, seeds=10)
    assert "dominates the spread" in res.effects[0].note


# 7: Swish/GELU vs ReLU by depth ---------------------------------------------------------
def _swish(gain_deep, gain_shallow):
    def values(c, s):
        act, depth = c.split(", ")
        gain = 0.0 if act == "relu" else (gain_deep if depth == "deep" else gain_shallow)
        return {"acc": 0.6 + 0.03 * _noise(s) + gain + 0.002 * _noise(s, len(c))}
    return _verdict("swish-gelu-vs-relu", values, seeds=8)


def test_swish_gelu_depth_contrast_is_the_control():
    res = _swish(0.05, 0.0)
    assert res.verdict == "supported" and res.effects[0].unit == "pp"
    assert res.effects[0].estimate == pytest.approx(5.0, abs=0.5)
    assert all(e.method == "paired t" for e in res.effects)
    # the same advantage in the shallow net: not about depth -> not supported
    assert _swish(0.05, 0.05).verdict in ("inconclusive", "not supported")
    assert _swish(0.0, 0.0).verdict == "not supported"  # within ±1 point in the deep net


# 9: L1 vs L2 ----------------------------------------------------------------------------
def _l1(matched_sparsity):
    mean_w = {"none": 0.05, "L1 1e-3": 0.02, "L2 0.001": 0.045, "L2 0.003": 0.035,
              "L2 0.01": 0.021, "L2 0.03": 0.01}

    def values(c, s):
        sp = {"none": 0.004, "L1 1e-3": 0.30}.get(c, 0.004)
        if c == "L2 0.01":
            sp = matched_sparsity
        sp += 0.001 * abs(_noise(s, len(c)))
        return {"extra": (("sparsity", sp), ("mean_abs_weight", mean_w[c]))}
    return _verdict("l1-sparsity", values)


def test_l2_is_matched_in_shrinkage_and_can_sparsify():
    res = _l1(0.004)
    assert res.verdict == "supported" and "L2 0.01" in res.effects[1].name
    assert matched_l2(_evidence(CLAIMS["l1-sparsity"], lambda c, s: {"extra": (
        ("sparsity", 0.0), ("mean_abs_weight", {"L1 1e-3": 0.02, "L2 0.03": 0.019}.get(
            c, 0.5)))})) == "L2 0.03"
    # the finding: matched L2 raises near-zero weights from 0.4 % to 4.1 %
    assert _l1(0.041).verdict == "not supported"
    assert _l1(0.041).effects[2].verdict == "not supported"


# 8: output layer ------------------------------------------------------------------------
def _outputs(sigmoid_mse):
    def values(c, s):
        n = 0.002 * _noise(s, len(c))
        if c.startswith("regression"):
            mse = sigmoid_mse if "sigmoid" in c else 0.010
            return {"acc": None, "val": None, "test_loss": mse + n}
        good = c.startswith(("binary: sigmoid", "multi-class: softmax"))
        return {"acc": (0.95 if good else 0.90) + n}
    return _verdict("output-layer", values)


def test_output_layer_regression_control_can_fail():
    assert _outputs(0.030).verdict == "supported"
    assert _outputs(0.010).verdict == "inconclusive"
    assert _outputs(0.005).verdict == "not supported"  # sigmoid fits (0, 1) targets better


def test_friedman_unit_targets_lie_inside_the_sigmoid_range():
    from actlab.studies.runner import load_dataset

    ds = load_dataset("friedman1-unit")
    y = np.concatenate([ds.y_train, ds.y_test])
    assert 0.0 < y.min() and y.max() < 1.0 and math.isclose(y.min(), 0.05)


# 3 and 6 ---------------------------------------------------------------------------------
def _with_dead(r, dead):
    from dataclasses import replace

    from actlab.studies.records import LayerStats

    rows = (LayerStats(8, 1, 64, "relu", 1.0, 0.1, 1.0, 0.5, 0.5, dead),
            LayerStats(8, 2, 10, None, 1.0, 0.1, 1.0))
    return replace(r, layers=rows)


def _dying(dead_bad, leaky_gain):
    claim = CLAIMS["dying-relu"]
    runs = {}
    for c, cfg in claim.conditions.items():
        dead = dead_bad if c in ("relu, bias -2", "relu, lr 0.03") else 0.05
        loss = 1.5 - (leaky_gain if c.startswith("leaky") else 0.0)
        runs[c] = [_with_dead(_run(cfg, s, loss=loss + 0.02 * _noise(s, len(c))),
                              dead + 0.01 * _noise(s, 9)) for s in range(6)]
    return claims.evaluate(claim, Evidence.of(runs))


def test_dying_relu_control_can_flip_the_verdict():
    assert _dying(0.5, 1.0).verdict == "supported"
    assert _dying(0.05, 1.0).verdict == "inconclusive"  # no more dead units than healthy
    assert _dying(0.5, -0.5).verdict == "not supported"  # Leaky ReLU trains worse


def test_tanh_vs_sigmoid_control_can_flip_the_verdict():
    def run(gap):
        return _verdict("tanh-faster-than-sigmoid", lambda c, s: {
            "loss": 0.8 + 0.03 * _noise(s) + (gap if c == "sigmoid" else 0.0)})
    assert run(0.5).verdict == "supported"
    assert run(0.0).verdict == "inconclusive"
    assert run(-0.5).verdict == "not supported"


# 5: censoring ---------------------------------------------------------------------------
def test_runs_that_never_reach_the_target_are_censored_not_dropped():
    res = _verdict("relu-faster-than-tanh", lambda c, s: {
        "ett": (3 + s % 2) if c == "relu" else (None if s < 4 else 9)})
    [e] = res.effects
    assert e.n_a == 6 and "censored at the budget: 4 run(s)" in e.note
    assert e.verdict == "supported"


# --------------------------------------------------------------------------- the plan
def test_collect_tunes_on_validation_then_pairs_the_chosen_lr_over_seeds():
    claim = CLAIMS["dying-relu"]
    calls = []

    def execute(cfgs, desc):
        calls.append(list(cfgs))
        # validation accuracy peaks at lr 3e-3 for every condition; test accuracy lies
        return [_run(c, c.seed, val=0.9 - abs(math.log10(c.lr / 3e-3)) / 10, acc=c.lr)
                for c in cfgs]

    ev = collect(claim, execute, seeds=4)
    for c in claim.conditions:
        assert ev.chosen[c] == (0.03 if c in claim.fixed_lr else 3e-3)
        assert [r.config.seed for r in ev.runs[c]] == [0, 1, 2, 3]
        assert {r.config.lr for r in ev.runs[c]} == {ev.chosen[c]}
    assert "relu, lr 0.03" not in ev.tuning and len(ev.tuning) == 4
    tuning_runs = [c for batch in calls[:-1] for c in batch]
    assert {c.seed for c in tuning_runs} == {0}  # tune_seeds = 1
    res = claims.evaluate(claim, ev)
    assert "Learning rates:" in res.method and "Could this fail?" in res.method
    assert not any("edge of its grid" in n for n in res.notes)
    assert any(t.title.startswith("learning-rate sweep") for t in res.tables)


def test_collect_extends_the_grid_past_an_edge_optimum():
    claim = CLAIMS["tanh-faster-than-sigmoid"]  # SGD grid 0.003 .. 0.3

    def execute(cfgs, desc):  # validation accuracy peaks at lr 0.9, beyond the grid
        return [_run(c, c.seed, val=0.9 - abs(math.log10(c.lr / 0.9)) / 10) for c in cfgs]

    ev = collect(claim, execute, seeds=2)
    assert ev.chosen == {"sigmoid": 0.9, "tanh": 0.9}
    assert ev.tuning["tanh"].grid == (0.003, 0.01, 0.03, 0.1, 0.3, 0.9, 2.7)
    assert not any("edge" in n for n in claims.evaluate(claim, ev).notes)
    # every lr at chance: the tie says nothing about lrs beyond the grid, so no extension
    flat = collect(claim, lambda cfgs, d: [_run(c, c.seed, val=0.1) for c in cfgs], seeds=2)
    assert flat.tuning["tanh"].grid == (0.003, 0.01, 0.03, 0.1, 0.3)


def test_collect_sweeps_every_seed_for_sweep_claims():
    claim = CLAIMS["gradient-clipping"]
    seen = []

    def execute(cfgs, desc):
        seen.extend(cfgs)
        return [_run(c, c.seed, val=0.9 - c.lr if c.lr < 0.3 else 0.1) for c in cfgs]

    ev = collect(claim, execute, seeds=3)
    assert {(c.lr, c.seed) for c in seen} == {(lr, s) for lr in claim.grid for s in range(3)}
    assert ev.chosen["no clipping"] == 0.001
    res = claims.evaluate(claim, ev)
    assert any("no clipping, clip_norm 1 lies at the edge of its grid" in n for n in res.notes)
    assert set(ev.sweep["clip_norm 1"]) == set(claim.grid)


def test_vanishing_gradient_claim_runs(tmp_path):
    with Store(tmp_path / "r.sqlite") as store:
        res = claims.run_claim(claims.CLAIMS["vanishing-gradients"], store, seeds=3,
                               progress=False, log=None)
        assert len(store) == 6
    assert res.verdict == "supported"
    assert res.effects[0].estimate > 2 and res.effects[0].method == "paired t"
    assert "SUPPORTED" in claims.format_result(res)


# --------------------------------------------------------------------------- cross-references
def test_scope_and_cross_reference_explain_a_disagreement():
    res = _swish(0.05, 0.0)
    s = claims.scope(CLAIMS["swish-gelu-vs-relu"], res)
    json.dumps(s.to_dict())
    assert s.verdict == "supported" and s.depths == (2, 8) and s.datasets == ("mnist1d",)
    tied = claims.cross_reference(s, dataset="mnist1d", depth=8, epochs=6, seeds=s.seeds,
                                  best=("relu", "silu", "gelu"), worse=("sigmoid",))
    assert tied.agree is False and tied.differences == ()
    other = claims.cross_reference(s, dataset="digits", depth=4, epochs=10, seeds=5,
                                   best=("silu", "gelu"), worse=("relu",))
    assert other.agree is True and "data" in other.differences and "AGREE" not in other.text
    assert claims.cross_reference(s, dataset="digits", depth=4, epochs=10, seeds=5,
                                  best=("tanh",), worse=("relu",)) is None
    [x] = claims.related([res, _he(2.0, 2.0)], dataset="mnist1d", depth=6, epochs=12, seeds=8,
                         best=("relu", "silu", "gelu"), worse=("sigmoid",))
    assert x.claim == 7 and x.agree is False and x.differences == ("depth", "budget")
    assert "They disagree; the designs differ in depth, budget" in x.text
    clip = claims.scope(CLAIMS["gradient-clipping"])
    assert clip.verdict == "not run" and clip.metric == ""
