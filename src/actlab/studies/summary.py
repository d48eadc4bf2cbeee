"""``summary.json``: the machine-readable answer of a compare study.

Keys: ``dataset``, ``split`` (``train``, ``validation``, ``test`` sizes), ``selection``
(``"validation"``), ``protocol``, ``tuning`` (``param``, ``method``, ``grid``, ``rungs``,
``chosen`` per activation, the whole ``sweep``), ``rows`` (per activation: ``activation``,
``runs``, ``diverged``, ``divergence_rate``, ``lr``, ``test_accuracy`` and
``validation_accuracy`` as ``{mean, low, high, n}`` in %, ...), ``recommendation`` (``best``,
``worse``, ``text``, ``why``), ``runs``, ``reused``, ``seconds`` and ``timing`` (where the
time went: :class:`actlab.studies.timing.TimeBreakdown`).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._util_codec import encode
from .protocol import PROTOCOL_TEXT

if TYPE_CHECKING:
    from .compare import CompareOutcome

#: the keys every summary.json has (a test checks them)
KEYS = ("dataset", "split", "selection", "protocol", "tuning", "rows", "recommendation",
        "seconds")


def _ci(e: Any, scale: float = 1.0) -> dict[str, Any] | None:
    """``{mean, low, high, n}`` (``None`` for an infinite bound, the whole thing without data)."""
    if e.n == 0:
        return None

    def f(x: float) -> float | None:
        return round(x * scale, 6) if math.isfinite(x) else None

    return {"mean": f(e.mean), "low": f(e.low), "high": f(e.high), "n": e.n}


def summary(o: CompareOutcome) -> dict[str, Any]:
    """The machine-readable answer (``summary.json``, ``actlab compare --json``)."""
    first = o.results[0] if o.results else None
    rows = []
    for r in o.rows:
        e = r.estimates
        rows.append({
            "activation": r.label, "runs": r.runs, "diverged": r.diverged,
            "divergence_rate": _ci(r.divergence), "lr": o.tuning[r.label].chosen
            if r.label in o.tuning else r.lr,
            "test_accuracy": _ci(e["test_accuracy"], 100), "validation_accuracy":
            _ci(e["val_accuracy"], 100), "test_loss": _ci(e["test_loss"]),
            "selected_epoch": _ci(e["selected_epoch"]),
            "epochs_to_target": {**(_ci(e["epochs_to_target"]) or {}),
                                 "censored": r.runs - r.reached},
            "flags": r.flag_list()})
    return {
        "dataset": o.spec.dataset,
        "split": {"train": first.size_train, "validation": first.size_validation,
                  "test": first.size_test} if first else None,
        "selection": "validation",
        "protocol": PROTOCOL_TEXT.format(val=o.spec.val_fraction),
        "model": f"MLP {o.spec.depth} x {o.spec.width}, {o.spec.optimizer}, "
                 f"{o.spec.epochs} epochs, batch {o.spec.batch_size}",
        "seeds": o.spec.seeds,
        "analysis": "paired t by seed (same seed = same split, init and batch order), Holm "
                    "over the comparisons with the leader; accuracies in %, differences in pp",
        "tuning": {"param": "lr", "method": "fixed" if o.spec.lr is not None else
                   "successive halving on validation accuracy",
                   "grid": list(o.spec.lr_grid()) if o.spec.lr is None else [o.spec.lr],
                   "rungs": [{"epochs": r.epochs, "seeds": list(r.seeds)}
                             for r in o.spec.rungs()] if o.spec.lr is None else [],
                   "chosen": {k: s.chosen for k, s in o.tuning.items()},
                   "sweep": {k: [{"lr": p.lr, "epochs": p.epochs, "rung": p.rung,
                                  "validation_accuracy": _ci(p.score, 100)} for p in s.points]
                             for k, s in o.tuning.items()}},
        "rows": rows,
        "recommendation": o.recommendation.to_dict(),
        "runs": o.total_runs, "reused": o.reused, "seconds": round(o.seconds, 2),
        "timing": o.timing.to_dict() if o.timing is not None else None,
    }


def write_summary(path: str | Path, data: Mapping[str, Any]) -> Path:
    """Write ``data`` as JSON atomically (temporary file + rename)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    with os.fdopen(fd, "w") as fh:
        json.dump(encode(data), fh, indent=1, sort_keys=False)
    os.replace(tmp, path)
    return path
