"""Study results as rows / DataFrames."""

from __future__ import annotations

import pytest

from actlab.studies.frames import result_rows, results_frame
from actlab.studies.records import RunConfig, RunResult


def _results():
    return [RunResult(RunConfig("digits", a, seed=s, activation_params=p), "finished", 0.5 + s,
                      0.9, 0.4, 0.95, 3, None, 1.0, extra=(("dead", s / 10),))
            for a, p in (("relu", ()), ("leaky_relu", (("alpha", 0.2),))) for s in (0, 1)]


def test_rows_carry_config_results_and_extras():
    rows = result_rows(_results())
    assert [r["label"] for r in rows] == ["relu", "relu", "leaky_relu(alpha=0.2)",
                                          "leaky_relu(alpha=0.2)"]
    assert rows[3]["activation_params"] == {"alpha": 0.2} and rows[3]["seed"] == 1
    assert rows[1]["test_loss"] == 1.5 and rows[1]["extra.dead"] == 0.1
    assert len({r["key"] for r in rows}) == 4


def test_frame_or_a_clear_import_error():
    try:
        import pandas  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="needs pandas"):
            results_frame(_results())
        return
    frame = results_frame(_results())
    assert list(frame["test_loss"]) == [0.5, 1.5, 0.5, 1.5]
