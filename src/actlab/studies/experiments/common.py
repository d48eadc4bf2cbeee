"""What every claim shares: the :class:`Claim` record, the :class:`Evidence` it is judged on, and
the helpers that turn runs into per-seed values, tables and charts.

A claim's analysis receives :class:`Evidence` (its runs at the chosen learning rates, paired by
seed, and the learning-rate sweep they were chosen from) and returns effects (tested together,
Holm-corrected, see :mod:`actlab.studies.stats`), tables, charts and notes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import aggregate
from ..records import Chart, Effect, RunConfig, RunResult, Series, Table
from ..stats import by_seed, mean_ci
from ..tuning import Sweep, score

#: The loss of a constant predictor of 10 balanced classes, ln 10 (nats).
LN10 = math.log(10)

Runs = Mapping[str, Sequence[RunResult]]
Analysis = tuple[list[Effect], list[Table], list[Chart], list[str]]
PerSeed = dict[int, "float | None"]


@dataclass(frozen=True)
class Evidence:
    """The runs a claim is judged on.

    ``runs``: condition -> runs at the condition's chosen learning rate, one per seed (the same
    seeds for every condition, so conditions are paired by seed). ``chosen``: condition -> the
    learning rate used (tuned on validation, or fixed by the design). ``tuning``: condition ->
    its :class:`~actlab.studies.tuning.Sweep` (every lr's validation score). ``sweep``: for
    sweep claims, condition -> lr -> the runs of every seed at that lr.
    """

    runs: Mapping[str, Sequence[RunResult]]
    chosen: Mapping[str, float] = field(default_factory=dict)
    tuning: Mapping[str, Sweep] = field(default_factory=dict)
    sweep: Mapping[str, Mapping[float, Sequence[RunResult]]] = field(default_factory=dict)

    @classmethod
    def of(cls, runs: Runs) -> Evidence:
        """Evidence from runs alone (each condition at the lr of its configuration)."""
        return cls(runs, {k: v[0].config.lr for k, v in runs.items() if v})


@dataclass(frozen=True)
class Claim:
    """One claim of the articles as an experiment.

    ``conditions`` are the base configurations (one per condition, run once per seed); every
    condition not in ``fixed_lr`` gets its learning rate tuned on validation over ``grid``
    (default: by optimizer, :data:`actlab.studies.experiments.plan.GRIDS`) unless ``tune`` is
    False. ``sweep`` claims run every condition at every grid lr with every seed (the sweep is
    the experiment). ``control`` is the "could this fail?" sentence: it names the control
    condition and how the claim would come out not supported. ``seeds`` is the default number
    of seeds; ``tune_seeds`` how many of them the tuning sweep uses. ``functions`` are the
    catalogue functions the claim speaks of and ``metric`` the run metric its ordering of them
    is about (``""``: not an ordering by a metric a compare study ranks), for
    cross-references.
    """

    number: int
    name: str
    title: str
    statement: str
    source: str
    method: str
    rule: str
    control: str
    conditions: Mapping[str, RunConfig]
    analyse: Callable[[Evidence], Analysis]
    extra: Callable[[Any, Any], dict] | None = None
    tune: bool = True
    fixed_lr: frozenset[str] = frozenset()
    grid: tuple[float, ...] | None = None
    sweep: bool = False
    seeds: int = 5
    tune_seeds: int = 2
    functions: tuple[str, ...] = ()
    metric: str = ""

    def tuned(self, condition: str) -> bool:
        return self.tune and condition not in self.fixed_lr

    @property
    def method_text(self) -> str:
        return f"{self.method} Could this fail? {self.control}"


def conf(dataset: str, activation: str, **kw: Any) -> RunConfig:
    """A claim condition's :class:`RunConfig` (seed 0; the plan sets seeds and lrs)."""
    return RunConfig(dataset=dataset, activation=activation, **kw)


# --------------------------------------------------------------------------- per-run values
def hidden(r: RunResult, epoch: int | None = None) -> list:
    """Layer rows of the hidden layers (the output layer dropped)."""
    return r.layer_table(epoch)[:-1]


def dead_fraction(r: RunResult) -> float:
    rows = [x.dead for x in hidden(r) if x.dead is not None]
    return float(np.mean(rows)) if rows else math.nan


def metric(name: str) -> Callable[[RunResult], float | None]:
    return lambda r: r.metric(name)


def last_train_loss(r: RunResult, chance: float) -> float:
    """Training loss of the last epoch run; a run that diverged counts as ``chance`` (the loss
    of a constant predictor, ln K) so that it stays in the mean as a run that did not train."""
    if r.status == "diverged" or not r.epochs:
        return chance
    v = r.epochs[-1].train_loss
    return float(v) if v is not None and math.isfinite(v) else chance


def val_score(r: RunResult) -> float | None:
    """The validation score tuning maximises (:func:`actlab.studies.tuning.score`)."""
    return score(r)


def seeds_of(runs: Sequence[RunResult], fn: Callable[[RunResult], float | None]) -> PerSeed:
    """``{seed: fn(run)}``: the paired sample of one condition."""
    return by_seed(runs, fn)


def per_seed(ev: Evidence, fn: Callable[[RunResult], float | None]) -> dict[str, PerSeed]:
    """Every condition's paired sample of ``fn``."""
    return {k: seeds_of(v, fn) for k, v in ev.runs.items()}


def diverged(runs: Sequence[RunResult]) -> float:
    return float(np.mean([r.status == "diverged" for r in runs])) if runs else math.nan


# --------------------------------------------------------------------------- tables, charts
def fmt(e: Any, f: str = "{:.3g}") -> str:
    """``mean [low, high]`` of an :class:`Estimate`; one value has no interval."""
    if e.n == 0:
        return "n/a"
    if e.n == 1:
        return f"{f.format(e.mean)} (1 run)"
    return f"{f.format(e.mean)} [{f.format(e.low)}, {f.format(e.high)}]"


PCT = "{:.1%}"


def _is_rate(column: str) -> bool:
    """Accuracies and fractions are shown in percent, never as bare fractions."""
    return any(w in column for w in ("accuracy", "fraction", "reached"))


def summary_table(title: str, runs: Runs, columns: Mapping[str, Callable[[RunResult], Any]],
                  f: str = "{:.3g}", chosen: Mapping[str, float] | None = None) -> Table:
    """Rows = conditions, cells = mean [95 % CI] of each column's per-run value (accuracies
    and fractions in percent); with ``chosen``, a column of the learning rate each condition
    ran at."""
    rows = []
    for cond, rs in runs.items():
        lr = () if chosen is None else (f"{chosen.get(cond, rs[0].config.lr):g}",)
        div = f"{sum(r.status == 'diverged' for r in rs)}/{len(rs)}"
        rows.append((cond, len(rs), div, *lr,
                     *(fmt(mean_ci([fn(r) for r in rs]), PCT if _is_rate(name) else f)
                       for name, fn in columns.items())))
    lr_col = () if chosen is None else ("lr",)
    return Table(title, ("condition", "runs", "diverged", *lr_col, *columns), tuple(rows))


def tuning_table(ev: Evidence) -> Table | None:
    """The whole learning-rate sweep: every lr's validation score (mean [95 % CI] over the
    tuning seeds; minus the loss for regression) per condition; the chosen lr is marked
    ``*``."""
    if not ev.tuning:
        return None
    lrs = sorted({p.lr for s in ev.tuning.values() for p in s.points})
    rows = []
    for cond, sw in ev.tuning.items():
        pts = {p.lr: p for p in sw.points}
        f = PCT if sw.metric == "validation accuracy" else "{:.3g}"
        rows.append((cond, sw.metric, *((("* " if sw.chosen == lr else "") + fmt(pts[lr].score, f))
                                        if lr in pts else "-" for lr in lrs)))
    return Table("learning-rate sweep on validation (mean [95 % CI] over the tuning seeds; "
                 "* = chosen)", ("condition", "score", *(f"lr {lr:g}" for lr in lrs)),
                 tuple(rows))


def effects_table(title: str, effects: Sequence[Effect]) -> Table:
    """Effects as table rows (for effects that are reported but not part of the verdict)."""
    rows = [(e.name, f"{e.estimate:+.3g} {e.unit}".strip(),
             f"[{e.low:+.3g}, {e.high:+.3g}]", e.method, e.note or "") for e in effects]
    return Table(title, ("effect", "estimate", "95 % CI", "interval", "note"), tuple(rows))


def layer_chart(title: str, runs: Runs, field_: str, epoch: int | None, logy: bool,
                ylabel: str) -> Chart:
    series = []
    for cond, rs in runs.items():
        x, mean, _, _ = aggregate.layer_profile(rs, field_, epoch)
        series.append(Series(cond, tuple(x), tuple(mean)))
    return Chart(title, "layer", ylabel, tuple(series), logy=logy)


def epoch_chart(title: str, runs: Runs, field_: str, ylabel: str, logy: bool = False) -> Chart:
    series = []
    for cond, rs in runs.items():
        x, mean, _, _ = aggregate.epoch_curve(rs, field_)
        series.append(Series(cond, tuple(x), tuple(mean)))
    return Chart(title, "epoch", ylabel, tuple(series), logy=logy)


def with_tuning(ev: Evidence, tables: list[Table]) -> list[Table]:
    """``tables`` followed by the learning-rate sweep table when there was one."""
    t = tuning_table(ev)
    return [*tables, t] if t is not None else tables
