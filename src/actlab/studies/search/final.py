"""The final evaluation: finalists and baselines under the fair protocol, compared with ReLU.

Every function (the ``k`` finalists and the baselines relu, silu, gelu, tanh) gets its learning
rate tuned on validation (:func:`actlab.studies.tuning.tune_lr`, successive halving over a log
grid) and is then trained with ``seeds`` fresh seeds (none of them used by the search, so the
search's lucky draws do not carry over: no winner's curse from reused seeds). Test accuracy is
read once per run at the validation-selected epoch. Each function's difference to ReLU is the
paired t interval over seeds in percentage points, Holm-corrected over the ``k`` finalists (the
baselines are corrected among themselves); :func:`actlab.studies.stats.verdict` gives the
verdict. The same is repeated on a second setting (the transfer check).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..intervals import by_seed, mean_ci
from ..records import Effect, RunConfig, RunResult
from ..stats import Test, effects
from ..tuning import Rung, Sweep, tune_lr
from .halving import Runner

BASELINES = ("relu", "silu", "gelu", "tanh")
REFERENCE = "relu"
TARGET_POINTS = 2.0  #: the effect the search hopes for, in points of test accuracy


@dataclass(frozen=True)
class Scored:
    """One function of a final evaluation: its test accuracy and difference to ReLU (points)."""

    label: str
    activation: str
    lr: float
    seeds: int
    test: Mapping[str, float]
    delta: Effect | None
    finalist: bool

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"label": self.label, "activation": self.activation,
                             "lr": self.lr, "seeds": self.seeds,
                             "test_accuracy": dict(self.test)}
        if self.delta is not None:
            e = self.delta
            d["delta_vs_relu"] = {"mean": e.estimate, "low": e.low, "high": e.high,
                                  "level": e.level, "p_value": e.p_value, "method": e.method,
                                  "correction": e.correction, "verdict": e.verdict}
        return d


def _points(runs: Sequence[RunResult]) -> dict[str, float]:
    e = mean_ci([None if r.test_accuracy is None else 100 * r.test_accuracy for r in runs])
    return {"mean": e.mean, "low": e.low, "high": e.high}


def evaluate(conditions: Mapping[str, RunConfig], finalists: Sequence[str], run: Runner, *,
             grid: Sequence[float], epochs: int, seeds: Sequence[int], eta: int = 3
             ) -> tuple[list[Scored], dict[str, Sweep]]:
    """Tune, train and compare ``conditions`` (label -> base config; ``relu`` among them);
    ``finalists`` are the labels corrected together."""
    if REFERENCE not in conditions:
        raise ValueError("the final evaluation needs relu among its conditions")
    short = max(1, round(epochs / 4))
    rungs = (Rung(short, (seeds[0],)), Rung(epochs, (seeds[0],))) if short < epochs else \
        (Rung(epochs, (seeds[0],)),)
    conds = {k: c.replace(epochs=epochs) for k, c in conditions.items()}
    sweeps = tune_lr(conds, run, grid=grid, rungs=rungs, eta=eta)
    batch = [(k, conds[k].replace(lr=sweeps[k].chosen, seed=s)) for k in conds for s in seeds]
    results = run([c for _, c in batch])
    by_label: dict[str, list[RunResult]] = {}
    for (k, _), r in zip(batch, results):
        by_label.setdefault(k, []).append(r)

    def acc(r: RunResult) -> float | None:
        return r.test_accuracy

    ref = by_seed(by_label[REFERENCE], acc)
    deltas: dict[str, Effect] = {}
    for group in (list(finalists), [k for k in conds if k not in finalists and k != REFERENCE]):
        tests = [Test(f"{k} - relu", by_seed(by_label[k], acc), ref, unit="pp", scale=100)
                 for k in group]
        for k, e in zip(group, effects(tests) if tests else []):
            deltas[k] = e
    out = [Scored(k, conds[k].activation, sweeps[k].chosen, len(by_label[k]),
                  _points(by_label[k]), deltas.get(k), k in finalists) for k in conds]
    return out, sweeps


def _fmt(e: Effect) -> str:
    return f"{e.estimate:+.2f} points [{e.low:+.2f}, {e.high:+.2f}]"


def verdict(scored: Sequence[Scored], names: Mapping[str, str],
            transfer: Sequence[Scored] | None, transfer_setting: str) -> str:
    """One sentence: did a finalist beat tuned ReLU by >= 2 points (corrected CI excluding 0),
    and do the winners transfer?"""
    fin = [s for s in scored if s.finalist and s.delta is not None]
    if not fin:
        return "No finalist could be evaluated."
    best = max(fin, key=lambda s: s.delta.estimate if math.isfinite(s.delta.estimate)
               else -math.inf)
    win = [s for s in fin if s.delta.low > 0 and s.delta.estimate >= TARGET_POINTS]
    small = [s for s in fin if s.delta.low > 0 and s not in win]
    level = f"{best.delta.level:.3g}"
    if win:
        top = max(win, key=lambda s: s.delta.estimate)
        text = (f"{names.get(top.label, top.label)} = {top.label} beats tuned ReLU by "
                f"{_fmt(top.delta)} (Holm-corrected over {len(fin)} finalists, CI at {level})"
                + (f", and {len(win) - 1} more finalist(s) do too" if len(win) > 1 else ""))
    elif small:
        top = max(small, key=lambda s: s.delta.estimate)
        text = (f"No activation in this space beats tuned ReLU by >= {TARGET_POINTS:g} points; "
                f"{names.get(top.label, top.label)} = {top.label} is better by a smaller "
                f"margin, {_fmt(top.delta)} (corrected CI excludes 0)")
    else:
        text = (f"No activation in this space beats tuned ReLU by >= {TARGET_POINTS:g} points "
                f"with a corrected CI excluding 0 (best finalist {best.label}: "
                f"{_fmt(best.delta)})")
    base = [s for s in scored if not s.finalist and s.delta is not None]
    if base:
        top = max(base, key=lambda s: s.delta.estimate if math.isfinite(s.delta.estimate)
                  else -math.inf)
        text += f"; best baseline {top.label}: {_fmt(top.delta)} against ReLU"
    if transfer:
        good = [s.label for s in win or small]
        tr = {s.label: s for s in transfer if s.delta is not None}
        held = [k for k in good if k in tr and tr[k].delta.low > 0]
        if good:
            text += (f"; on {transfer_setting} {len(held)} of {len(good)} winner(s) also beat "
                     "ReLU (corrected CI excludes 0)" + ("" if held else ": they do not "
                                                       "transfer"))
        else:
            beat = [k for k, s in tr.items() if s.finalist and s.delta.low > 0]
            text += (f"; on {transfer_setting} {len(beat)} finalist(s) beat ReLU (corrected CI "
                     "excludes 0)")
    return text + "."
