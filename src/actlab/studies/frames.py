"""Study results as table rows, and as a ``pandas.DataFrame`` where pandas is installed.

One row per run: the label, the configuration's fields, the status, the final train/test loss
and accuracy, epochs run and to target, wall time, and the run's extra scalars (``extra.<name>``).

>>> from actlab.studies.frames import result_rows
>>> from actlab.studies.records import RunConfig, RunResult
>>> r = RunResult(RunConfig("digits", "relu", seed=1), "finished", 0.2, 0.95, 0.1, 0.99, 3, 2,
...               1.5, extra=(("dead_fraction", 0.1),))
>>> row = result_rows([r])[0]
>>> row["label"], row["seed"], row["test_accuracy"], row["extra.dead_fraction"]
('relu', 1, 0.95, 0.1)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from typing import Any

from .records import RunResult

RESULT_FIELDS = ("status", "test_loss", "test_accuracy", "train_loss", "train_accuracy",
                 "epochs_run", "epochs_to_target", "wall_seconds")


def result_rows(results: Iterable[RunResult]) -> list[dict[str, Any]]:
    """One flat dict per run (configuration parameters as ``activation_params`` dicts)."""
    rows = []
    for r in results:
        cfg = r.config
        row: dict[str, Any] = {"label": cfg.label(), "key": r.key}
        for f in fields(cfg):
            v = getattr(cfg, f.name)
            row[f.name] = dict(v) if f.name == "activation_params" else v
        row.update({name: getattr(r, name) for name in RESULT_FIELDS})
        row.update({f"extra.{k}": v for k, v in r.extra})
        rows.append(row)
    return rows


def results_frame(results: Iterable[RunResult]) -> Any:
    """:func:`result_rows` as a ``pandas.DataFrame`` (needs pandas)."""
    try:
        import pandas as pd
    except ImportError:
        raise ImportError("results_frame needs pandas (pip install pandas); result_rows() gives "
                          "the same rows as plain dicts") from None
    return pd.DataFrame(result_rows(results))
