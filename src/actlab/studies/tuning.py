"""Learning-rate tuning per condition, chosen on validation only (successive halving).

Contract (``compare`` and the claims call it the same way)::

    from actlab.studies.tuning import Rung, lr_grid, tune_lr, fixed_lr
    grid = lr_grid(1e-3, 3e-2, 5)                   # log grid: >= 5 values spanning >= 30x
    rungs = (Rung(epochs=4, seeds=(0,)), Rung(epochs=12, seeds=(0,)))
    tuned = tune_lr({"relu": cfg_relu, "gelu": cfg_gelu}, run, grid=grid, rungs=rungs)
    tuned["relu"].chosen                            # the lr to use for relu
    tuned["relu"].points                            # the whole sweep: LrPoint per lr
    final = [cfg_relu.replace(lr=tuned["relu"].chosen, seed=s) for s in range(5)]
    fixed = fixed_lr({"relu": cfg_relu}, 1e-3)      # ``--lr R``: no tuning, same record type

``run(configs) -> results`` trains a batch of :class:`RunConfig` and returns their results in
order (e.g. ``lambda cs: run_many(cs, store)[0]``: stored runs are reused, so a final rung at
the full budget makes the chosen lr's seed-0 run free for the evaluation that follows).

Successive halving: every lr of the grid runs at rung 0 (short runs); after each rung the best
``1/eta`` of the lrs (at least one) go on to the next rung. The score of an lr is the mean over
the rung's seeds of the run's *validation* metric at its selected epoch (accuracy for
classification, minus loss for regression); ties go to the smaller lr. Test data are never
read (see :mod:`actlab.studies.protocol`). Each :class:`LrPoint` keeps the score of an lr at
the last rung it reached, with its t interval, so the whole sweep can be shown.

>>> from actlab.studies.tuning import Rung, lr_grid
>>> lr_grid(1e-3, 3e-2, 5)
(0.001, 0.00234, 0.00548, 0.0128, 0.03)
>>> Rung(4, (0,)).runs(3, 2)
6
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._util_codec import encode
from .findings import Estimate
from .records import RunConfig, RunResult
from .stats import mean_ci

Runner = Callable[[list[RunConfig]], list[RunResult]]


def lr_grid(low: float, high: float, n: int = 5) -> tuple[float, ...]:
    """``n`` log-spaced learning rates from ``low`` to ``high`` (3 significant digits)."""
    if not (0 < low < high and math.isfinite(high)) or n < 2:
        raise ValueError(f"lr grid needs 0 < low < high and n >= 2, got {low}, {high}, {n}")
    r = math.log(high / low)
    return tuple(float(f"{low * math.exp(r * i / (n - 1)):.3g}") for i in range(n))


@dataclass(frozen=True)
class Rung:
    """One stage of successive halving: runs of ``epochs`` epochs, one per seed."""

    epochs: int
    seeds: tuple[int, ...]

    def runs(self, conditions: int, lrs: int) -> int:
        return conditions * lrs * len(self.seeds)


def survivors(n: int, rungs: int, eta: int = 2) -> list[int]:
    """How many lrs run at each rung: ``n``, then ``ceil(n / eta)``, ... (at least 1).

    >>> survivors(5, 3)
    [5, 3, 2]
    """
    out = [n]
    for _ in range(rungs - 1):
        out.append(max(1, math.ceil(out[-1] / eta)))
    return out


def total_runs(conditions: int, grid: Sequence[float], rungs: Sequence[Rung],
               eta: int = 2) -> int:
    """Runs a tuning will ask for (before reuse), for progress bars."""
    return sum(r.runs(conditions, k) for r, k in zip(rungs, survivors(len(grid), len(rungs),
                                                                      eta)))


@dataclass(frozen=True)
class LrPoint:
    """One lr of a sweep: its validation score at the last rung it reached."""

    lr: float
    rung: int
    epochs: int
    score: Estimate

    def to_dict(self) -> dict[str, Any]:
        return {"lr": self.lr, "rung": self.rung, "epochs": self.epochs,
                "score": self.score.to_dict()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LrPoint:
        return cls(float(d["lr"]), int(d["rung"]), int(d["epochs"]),
                   Estimate.from_dict(d["score"]))


@dataclass(frozen=True)
class Sweep:
    """The tuning of one condition: the grid, every lr's score and the chosen lr.

    ``metric`` names the score (``"validation accuracy"`` or ``"validation loss"``, the latter
    stored negated so higher is better); ``fixed`` marks an lr given by the user (no tuning).
    """

    condition: str
    grid: tuple[float, ...]
    chosen: float
    points: tuple[LrPoint, ...] = ()
    metric: str = "validation accuracy"
    fixed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return encode({"condition": self.condition, "grid": list(self.grid),
                       "chosen": self.chosen, "points": [p.to_dict() for p in self.points],
                       "metric": self.metric, "fixed": self.fixed})

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Sweep:
        return cls(str(d["condition"]), tuple(float(x) for x in d["grid"]), float(d["chosen"]),
                   tuple(LrPoint.from_dict(p) for p in d.get("points", ())),
                   str(d.get("metric", "validation accuracy")), bool(d.get("fixed", False)))


def score(result: RunResult) -> float | None:
    """Validation score of one run, higher is better (accuracy, else minus the loss)."""
    if result.val_accuracy is not None:
        return result.val_accuracy
    if result.val_loss is None or not math.isfinite(result.val_loss):
        return None
    return -result.val_loss


def fixed_lr(conditions: Mapping[str, RunConfig], lr: float) -> dict[str, Sweep]:
    """The record of no tuning: every condition uses ``lr``."""
    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    return {k: Sweep(k, (float(lr),), float(lr), fixed=True) for k in conditions}


def tune_lr(conditions: Mapping[str, RunConfig], run: Runner, *, grid: Sequence[float],
            rungs: Sequence[Rung], eta: int = 2) -> dict[str, Sweep]:
    """Successive halving over ``grid`` for every condition at once (one batch per rung)."""
    grid = tuple(sorted(float(g) for g in grid))
    if len(grid) < 2 or not rungs:
        raise ValueError("tuning needs at least two learning rates and one rung")
    alive = {k: list(grid) for k in conditions}
    best: dict[str, dict[float, LrPoint]] = {k: {} for k in conditions}
    metric = "validation accuracy"
    for i, rung in enumerate(rungs):
        batch = [(k, lr, conditions[k].replace(lr=lr, epochs=rung.epochs, seed=s))
                 for k in conditions for lr in alive[k] for s in rung.seeds]
        results = run([c for _, _, c in batch])
        values: dict[tuple[str, float], list[float | None]] = {}
        for (k, lr, _), r in zip(batch, results):
            if r.val_accuracy is None:
                metric = "minus validation loss"
            values.setdefault((k, lr), []).append(score(r))
        keep = survivors(len(grid), len(rungs), eta)[min(i + 1, len(rungs) - 1)]
        for k in conditions:
            for lr in alive[k]:
                est = mean_ci(values.get((k, lr), []))
                best[k][lr] = LrPoint(lr, i, rung.epochs, est)
            ranked = sorted(alive[k], key=lambda lr, k=k: (-_finite(best[k][lr].score.mean), lr))
            alive[k] = ranked[:keep] if i + 1 < len(rungs) else ranked[:1]
    return {k: Sweep(k, grid, alive[k][0], tuple(best[k][lr] for lr in grid), metric)
            for k in conditions}


def _finite(x: float) -> float:
    return x if math.isfinite(x) else -math.inf
