"""Records round-trip through JSON and SQLite; keys hash the full configuration."""

from __future__ import annotations

import dataclasses
import json
import math
import sqlite3

from actlab.studies.records import (
    Chart,
    ClaimResult,
    Effect,
    EpochStats,
    LayerStats,
    RunConfig,
    RunResult,
    Series,
    Table,
)
from actlab.studies.store import Store


def _result(**kw) -> RunResult:
    cfg = RunConfig("digits", "leaky_relu", seed=2, activation_params={"alpha": 0.2},
                    clip_norm=1.0)
    base = dict(
        config=cfg, status="finished", test_loss=0.3, test_accuracy=0.91, train_loss=0.2,
        train_accuracy=0.95, epochs_run=2, epochs_to_target=1, wall_seconds=1.5,
        epochs=(EpochStats(1, 0.5, 0.8, 0.45, 0.82, 0.7), EpochStats(2, 0.2, 0.95, 0.3, 0.91, 0.7)),
        layers=(LayerStats(0, 1, 8, "leaky_relu", None, None, 2.0, 0.1, 0.5, 0.0, 0.4, 0.0),
                LayerStats(1, 1, 8, "leaky_relu", math.inf, 0.5, 2.1, 0.1, 0.5, 0.0, 0.4, 0.0),
                LayerStats(1, 2, 10, None, 0.3, 0.1, 1.0)),
        flags=("exploding",), extra={"sparsity": 0.25}, message="")
    base.update(kw)
    return RunResult(**base)


def test_key_hashes_every_field():
    cfg = RunConfig("digits", "relu")
    assert cfg.key == RunConfig("digits", "relu").key
    for f in dataclasses.fields(RunConfig):
        v = getattr(cfg, f.name)
        if isinstance(v, bool):
            new = not v
        elif isinstance(v, int):
            new = v + 1
        elif isinstance(v, float):
            new = v + 0.5
        elif v is None:
            new = 3
        elif isinstance(v, tuple):
            new = {"x": 1}
        else:
            new = v + "x"
        assert cfg.replace(**{f.name: new}).key != cfg.key, f.name
    # parameter order does not matter
    assert RunConfig("d", "a", activation_params={"p": 1, "q": 2}).key == \
        RunConfig("d", "a", activation_params={"q": 2, "p": 1}).key


def test_run_result_json_round_trip_with_non_finite_values():
    r = _result()
    text = r.to_json()
    json.loads(text)  # strict JSON
    assert "Infinity" not in text and "NaN" not in text
    assert RunResult.from_json(text) == r


def test_store_round_trip_and_replace(tmp_path):
    r = _result()
    with Store(tmp_path / "r.sqlite") as store:
        store.put(r)
        store.put(r)  # writing a key again replaces it
        assert len(store) == 1 and r.key in store
        assert store.get(r.key) == r
        assert store.finished([r.key, "nope"]) == {r.key}
        assert store.get("nope") is None
        store.put_meta("x", {"a": [1, 2], "b": math.inf})
        assert store.get_meta("x") == {"a": [1, 2], "b": "inf"}
    con = sqlite3.connect(tmp_path / "r.sqlite")
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("SELECT COUNT(*) FROM epochs").fetchone()[0] == 2
    assert con.execute("SELECT COUNT(*) FROM layers").fetchone()[0] == 3
    row = con.execute("SELECT activation, seed, test_accuracy, status FROM runs").fetchone()
    assert row == ("leaky_relu", 2, 0.91, "finished")


def test_claim_result_round_trip():
    c = ClaimResult(
        name="x", number=1, title="t", statement="s", source="src", verdict="supported",
        effects=(Effect("e", 1.0, 0.5, 1.5, 0.95, 0.01, 2.0, 5, 5, "u", "supported"),),
        method="m", rule="r", n_seeds=5, run_keys=("a", "b"),
        tables=(Table("t", ("a", "b"), (("x", 1.0),)),),
        charts=(Chart("c", "x", "y", (Series("s", (1.0, 2.0), (0.5, None)),), logy=True),),
        seconds=1.0, notes=("n",))
    assert ClaimResult.from_dict(json.loads(json.dumps(c.to_dict()))) == c
