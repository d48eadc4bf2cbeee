"""Means over seeds of per-epoch and per-layer records (for plots and the report).

>>> from actlab.studies.aggregate import epoch_curve
>>> from actlab.studies.records import EpochStats, RunConfig, RunResult
>>> runs = [RunResult(RunConfig("d", "relu", seed=s), "finished", None, None, None, None, 2,
...                   None, 0.0, epochs=[EpochStats(1, 1.0 + s, None, None, None, 0.0),
...                                      EpochStats(2, 0.5, None, None, None, 0.0)])
...         for s in range(3)]
>>> x, mean, low, high = epoch_curve(runs, "train_loss")
>>> x, mean
([1, 2], [2.0, 0.5])
"""

from __future__ import annotations

from collections.abc import Sequence

from .records import RunResult
from .stats import mean_ci

Curve = tuple[list[int], list[float | None], list[float | None], list[float | None]]


def _finite_or_none(v: float) -> float | None:
    return v if v == v and abs(v) != float("inf") else None


def epoch_curve(runs: Sequence[RunResult], field: str) -> Curve:
    """Per epoch: mean over runs of ``field`` of :class:`EpochStats`, with the t interval."""
    by_epoch: dict[int, list[float | None]] = {}
    for r in runs:
        for e in r.epochs:
            by_epoch.setdefault(e.epoch, []).append(getattr(e, field))
    xs = sorted(by_epoch)
    est = [mean_ci(by_epoch[x]) for x in xs]
    return (xs, [_finite_or_none(e.mean) for e in est], [_finite_or_none(e.low) for e in est],
            [_finite_or_none(e.high) for e in est])


def layer_profile(runs: Sequence[RunResult], field: str, epoch: int | None = None) -> Curve:
    """Per layer at ``epoch`` (default: each run's last recorded epoch): mean of a
    :class:`LayerStats` field over runs, with the t interval."""
    by_layer: dict[int, list[float | None]] = {}
    for r in runs:
        for row in r.layer_table(epoch):
            by_layer.setdefault(row.layer, []).append(getattr(row, field))
    xs = sorted(by_layer)
    est = [mean_ci(by_layer[x]) for x in xs]
    return (xs, [_finite_or_none(e.mean) for e in est], [_finite_or_none(e.low) for e in est],
            [_finite_or_none(e.high) for e in est])


def recorded_epochs(runs: Sequence[RunResult]) -> list[int]:
    """Epochs with layer records in every run (0 = untrained), ascending."""
    sets = [{row.epoch for row in r.layers} for r in runs if r.layers]
    if not sets:
        return []
    return sorted(set.intersection(*sets))


def pick_epochs(epochs: Sequence[int], n: int = 4) -> list[int]:
    """Up to ``n`` epochs spread over ``epochs`` (first, last and evenly between).

    >>> pick_epochs(list(range(11)))
    [0, 3, 7, 10]
    """
    e = list(epochs)
    if len(e) <= n:
        return e
    idx = sorted({round(i * (len(e) - 1) / (n - 1)) for i in range(n)})
    return [e[i] for i in idx]
