"""Compare's use of the statistics, on synthetic records: the answer, flags, units, censoring."""

from __future__ import annotations

from actlab.studies import analysis
from actlab.studies.records import EpochStats, LayerStats, RunConfig, RunResult


def _run(act, seed, acc, *, status="finished", flags=(), reach=3, grad_first=0.1, epochs=10):
    cfg = RunConfig("digits", act, seed=seed, epochs=epochs)
    layers = tuple(LayerStats(e, k, 8, None if k == 3 else act,
                              grad_first if k == 1 else 1.0, 0.01, 1.0, 0.0, 1.0, 0.0, 0.1, 0.0)
                   for e in (0, 1) for k in (1, 2, 3))
    ep = tuple(EpochStats(e, 1.0 / e, acc, 1.0, acc, 0.1) for e in (1, 2))
    return RunResult(cfg, status, 1 - acc, acc, 1.0 - acc, acc, 2, reach, 0.1, ep, layers,
                     flags=flags, selected_epoch=2, val_accuracy=acc, val_loss=1 - acc,
                     size_train=8, size_validation=2, size_test=4)


NOISE = (0.0, 0.012, -0.008, 0.005, -0.01)


def test_no_clear_winner_when_within_noise():
    runs = [_run(a, s, 0.8 + NOISE[(s + 2 * i) % 5] + (0.002 if a == "b" else 0.0))
            for i, a in enumerate(("a", "b", "c")) for s in range(5)]
    rec = analysis.recommend(runs)
    assert rec.text.startswith("No clear winner among ")
    assert set(rec.best) == {"a", "b", "c"} and rec.worse == ()
    assert "could detect differences of about" in rec.text and "pp" in rec.text


def test_clearly_worse_with_the_reason_from_diagnostics():
    runs = [_run("relu", s, 0.8 + n) for s, n in enumerate(NOISE)]
    runs += [_run("sigmoid", s, 0.5 + n, flags=("vanishing",), grad_first=1e-4)
             for s, n in enumerate(NOISE)]
    rec = analysis.recommend(runs)
    assert rec.best == ("relu",) and rec.worse == ("sigmoid",)
    assert rec.text.startswith("Use relu")
    assert "-30.0 pp" in rec.text  # the effect in percentage points, not a bare fraction
    assert "sigmoid: vanishing gradients, first-layer gradient down to 1e-04" in rec.text
    row = {r.label: r for r in analysis.summarize(runs)}["sigmoid"]
    assert any("vanishing gradients (5/5 runs)" in f for f in row.flag_list())


def test_pairing_is_used_and_said():
    # the same seed-to-seed swing on both sides: only a paired analysis sees the 1 pp gap
    swing = (0.0, 0.1, -0.1, 0.05, -0.05)
    runs = [_run("a", s, 0.7 + w + 0.01) for s, w in enumerate(swing)]
    runs += [_run("b", s, 0.7 + w + 0.001 * s) for s, w in enumerate(swing)]
    lines = analysis.statements(runs, "test_accuracy")
    assert any("a better than b" in x and "paired t" in x and "pp" in x for x in lines), lines
    # shuffled seeds on one side: no pairing left to exploit, Welch sees no difference
    unpaired = [_run("a", s + 10, 0.7 + w + 0.01) for s, w in enumerate(swing)] + runs[5:]
    lines = analysis.statements(unpaired, "test_accuracy")
    assert any("welch" in x for x in lines) and not any("better than" in x for x in lines)


def test_diverged_runs_stay_in_the_mean_and_are_counted():
    runs = [_run("a", s, 0.8) for s in range(4)] + [_run("a", 4, 0.1, status="diverged")]
    row = analysis.summarize(runs)[0]
    assert row.diverged == 1 and row.estimates["test_accuracy"].n == 5
    assert abs(row.estimates["test_accuracy"].mean - 0.66) < 1e-12
    assert row.flag_list()[0].startswith("diverged 1/5")


def test_never_reached_is_censored_at_the_budget():
    runs = [_run("a", s, 0.8, reach=None if s < 2 else 4, epochs=10) for s in range(4)]
    row = analysis.summarize(runs)[0]
    assert row.reached == 2
    assert row.estimates["epochs_to_target"].mean == (10 + 10 + 4 + 4) / 4


def test_one_seed_says_why_there_is_no_answer():
    runs = [_run(a, 0, 0.8) for a in ("a", "b")]
    rec = analysis.recommend(runs)
    assert "--seeds 2" in rec.text and rec.worse == ()


def test_one_run_dominating_the_spread_is_flagged_in_units():
    runs = [_run("a", s, v) for s, v in enumerate((0.80, 0.81, 0.79, 0.80, 0.30, 0.81, 0.80))]
    row = analysis.summarize(runs)[0]
    assert "dominates the spread" in row.outlier and "30 %" in row.outlier, row.outlier
    assert row.outlier in row.flag_list()
