"""The train/validation/test protocol: test data never steer a choice; tuning finds the best lr."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from actlab.studies.protocol import split_validation
from actlab.studies.records import RunConfig, RunResult
from actlab.studies.runner import load_dataset, run_one
from actlab.studies.store import Store
from actlab.studies.tuning import Rung, fixed_lr, lr_grid, survivors, total_runs, tune_lr

CFG = RunConfig("digits", "relu", depth=1, width=16, epochs=4, lr=3e-3, batch_size=64)


def _poisoned(ds, seed=0):
    rng = np.random.default_rng(seed)
    return replace(ds, y_test=rng.integers(0, 10, ds.y_test.size))


def test_split_sizes_are_recorded_and_seed_draws_the_split():
    ds = load_dataset("digits")
    a, b = split_validation(ds, 0, 0.2), split_validation(ds, 1, 0.2)
    assert a.sizes() == b.sizes()
    assert a.sizes()["train"] + a.sizes()["validation"] == len(ds.y_train)
    assert not np.array_equal(a.y_val, b.y_val)
    assert a.X_test is ds.X_test  # the test split is the same for every seed
    r = run_one(CFG, ds)
    assert (r.size_train, r.size_validation, r.size_test) == (
        a.sizes()["train"], a.sizes()["validation"], len(ds.y_test))
    assert 0 <= r.selected_epoch <= CFG.epochs
    best = max(r.epochs, key=lambda e: (e.val_accuracy, -e.val_loss))
    if r.selected_epoch > 0:
        assert r.val_accuracy == best.val_accuracy


def test_poisoned_test_labels_change_nothing_that_was_chosen():
    ds = load_dataset("digits")
    bad = _poisoned(ds)
    assert np.mean(bad.y_test == ds.y_test) < 0.5
    grid = lr_grid(1e-3, 3e-2, 5)
    rungs = (Rung(2, (0,)), Rung(3, (0,)))
    conds = {"relu": CFG, "tanh": CFG.replace(activation="tanh")}
    picks, epochs, tests = [], [], []
    for data in (ds, bad):
        runs: list[RunResult] = []

        def run(cfgs, data=data, runs=runs):
            out = [run_one(c, data) for c in cfgs]
            runs.extend(out)
            return out

        picks.append({k: s.chosen for k, s in tune_lr(conds, run, grid=grid, rungs=rungs).items()})
        epochs.append([(r.config.key, r.selected_epoch, r.val_accuracy) for r in runs])
        tests.append([r.test_accuracy for r in runs])
    assert picks[0] == picks[1]
    assert epochs[0] == epochs[1]
    assert tests[0] != tests[1]  # the poison did reach the (reported) test metric


def _fake(cfg: RunConfig, best: float) -> RunResult:
    """A run whose validation accuracy peaks at lr = best (log scale), with seed noise."""
    acc = 0.9 - 0.1 * (math.log10(cfg.lr / best)) ** 2 + 0.002 * cfg.seed + 0.001 * cfg.epochs
    return RunResult(cfg, "finished", 1.0, 0.5, 1.0, 0.5, cfg.epochs, None, 0.0,
                     val_accuracy=acc, val_loss=1 - acc, selected_epoch=cfg.epochs)


def test_tuning_picks_the_known_best_lr_and_keeps_the_whole_sweep():
    grid = lr_grid(1e-4, 1e-1, 7)
    best = {"a": grid[1], "b": grid[5]}
    asked: list[RunConfig] = []

    def run(cfgs):
        asked.extend(cfgs)
        return [_fake(c, best[c.activation]) for c in cfgs]

    conds = {k: RunConfig("digits", k) for k in best}
    rungs = (Rung(1, (0, 1)), Rung(2, (0, 1)), Rung(4, (0,)))
    tuned = tune_lr(conds, run, grid=grid, rungs=rungs)
    assert {k: s.chosen for k, s in tuned.items()} == best
    assert len(asked) == total_runs(2, grid, rungs)
    s = tuned["a"]
    assert [p.lr for p in s.points] == list(grid) and s.grid == grid
    assert max(p.rung for p in s.points) == 2
    assert all(p.score.n >= 1 for p in s.points)
    assert type(s).from_dict(s.to_dict()).to_dict() == s.to_dict()


def test_grid_and_fixed_lr():
    g = lr_grid(3e-4, 1e-2, 5)
    assert len(g) == 5 and g[-1] / g[0] >= 30
    assert survivors(7, 3) == [7, 4, 2]
    fixed = fixed_lr({"relu": CFG}, 0.01)
    assert fixed["relu"].chosen == 0.01 and fixed["relu"].fixed
    with pytest.raises(ValueError):
        fixed_lr({"relu": CFG}, -1.0)
    with pytest.raises(ValueError):
        lr_grid(1.0, 0.1)


def test_diverged_run_is_kept_at_its_best_epoch(tmp_path):
    r = run_one(CFG.replace(lr=1e6, optimizer="sgd", epochs=3))
    assert r.status == "diverged"
    assert r.selected_epoch is not None and r.test_accuracy is not None
    with Store(tmp_path / "r.sqlite") as st:
        st.put(r)
        back = st.get(r.key)
    assert back.selected_epoch == r.selected_epoch and back.size_test == r.size_test


def test_old_database_gets_the_new_columns(tmp_path):
    import sqlite3

    db = tmp_path / "old.sqlite"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE runs (key TEXT PRIMARY KEY, dataset TEXT, config_json TEXT NOT "
                "NULL, status TEXT, finished_at TEXT)")
    con.commit()
    con.close()
    with Store(db) as st:
        r = run_one(CFG.replace(epochs=1))
        st.put(r)
        assert st.get(r.key).val_accuracy == r.val_accuracy
