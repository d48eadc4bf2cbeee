"""Claims about how a net is trained and read out: output layers (8), L1 vs L2 sparsity (9),
gradient clipping's stable learning-rate range (10)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..records import RunResult, Table
from ..runner import EXTRA_DATASETS
from ..stats import Test, effects, mean_ci
from .common import (
    PCT,
    conf as _c,
    Analysis,
    Claim,
    Evidence,
    effects_table,
    epoch_chart,
    fmt,
    metric,
    seeds_of,
    summary_table,
    val_score,
    with_tuning,
)


# --------------------------------------------------------------------------- 8
def _friedman1_unit(seed: int) -> Any:
    """Friedman #1 with targets rescaled into [0.05, 0.95] (min-max over the whole generated
    sample): inside a sigmoid's range, so a sigmoid output *can* fit them (claim 8's control)."""
    from dataclasses import replace

    ds = EXTRA_DATASETS["friedman1"](seed)
    lo = min(ds.y_train.min(), ds.y_test.min())
    hi = max(ds.y_train.max(), ds.y_test.max())
    return replace(ds, y_train=0.05 + 0.9 * (ds.y_train - lo) / (hi - lo),
                   y_test=0.05 + 0.9 * (ds.y_test - lo) / (hi - lo), name="friedman1-unit")


EXTRA_DATASETS["friedman1-unit"] = _friedman1_unit

_B, _BL = "binary: sigmoid + cross-entropy", "binary: linear + MSE"
_M, _MS = "multi-class: softmax + cross-entropy", "multi-class: independent sigmoids"
_R, _RS = "regression (targets in (0, 1)): linear output", \
    "regression (targets in (0, 1)): sigmoid output"


def _a8(ev: Evidence) -> Analysis:
    acc = {k: seeds_of(v, metric("test_accuracy")) for k, v in ev.runs.items()}
    mse = {k: seeds_of(v, metric("test_loss")) for k, v in ev.runs.items()}
    es = effects([
        Test("binary (moons) test accuracy: sigmoid+BCE - linear+MSE", acc[_B], acc[_BL],
             unit="pp", scale=100),
        Test("10 classes (digits) test accuracy: softmax+CE - independent sigmoids", acc[_M],
             acc[_MS], unit="pp", scale=100),
        Test("regression (Friedman #1, targets in (0, 1)) test MSE: sigmoid - linear output",
             mse[_RS], mse[_R], unit="MSE"),
    ])
    table = summary_table("test metrics at the validation-selected epoch (mean [95 % CI])",
                          ev.runs, {"test accuracy": metric("test_accuracy"),
                                    "test loss (its own loss)": metric("test_loss")},
                          chosen=ev.chosen)
    notes = ["Regression targets are rescaled into [0.05, 0.95] for both outputs, so the "
             "sigmoid output can represent every target: on standardised targets (52 % "
             "negative) its MSE could not fall below about 0.52 and that comparison could not "
             "fail. MSE is in squared rescaled-target units."]
    return es, with_tuning(ev, [table]), \
        [], notes


# --------------------------------------------------------------------------- 9
def weight_sparsity(model: Any, ds: Any) -> dict[str, float]:
    """Fraction of weights with ``|w| < 1e-3`` over every Dense layer, and mean ``|w|``."""
    ws = np.concatenate([layer.params["W"].ravel() for layer in model.layers
                         if "W" in layer.params])
    return {"sparsity": float(np.mean(np.abs(ws) < 1e-3)),
            "mean_abs_weight": float(np.mean(np.abs(ws)))}


_L2_LADDER = (1e-3, 3e-3, 1e-2, 3e-2)


def matched_l2(ev: Evidence) -> str:
    """The L2 condition whose mean |w| (over seeds) is closest to L1's: matched shrinkage."""
    target = mean_ci([r.metric("mean_abs_weight") for r in ev.runs["L1 1e-3"]]).mean
    ladder = [f"L2 {s:g}" for s in _L2_LADDER if f"L2 {s:g}" in ev.runs]
    return min(ladder, key=lambda k: abs(mean_ci([r.metric("mean_abs_weight")
                                                  for r in ev.runs[k]]).mean - target))


def _a9(ev: Evidence) -> Analysis:
    sp = {k: seeds_of(v, metric("sparsity")) for k, v in ev.runs.items()}
    m = matched_l2(ev)
    es = effects([
        Test("fraction of |w| < 1e-3: L1 - L2 (weak, 1e-3)", sp["L1 1e-3"], sp["L2 0.001"],
             unit="pp", scale=100),
        Test(f"fraction of |w| < 1e-3: L1 - L2 matched in shrinkage ({m})", sp["L1 1e-3"],
             sp[m], unit="pp", scale=100),
        Test(f"fraction of |w| < 1e-3: L2 matched ({m}) - none (equivalent within ±2 pp)",
             sp[m], sp["none"], unit="pp", scale=100, margin=2.0, kind="equivalence"),
    ])
    table = summary_table("end of training (mean [95 % CI])", ev.runs, {
        "fraction |w| < 1e-3": metric("sparsity"), "mean |w|": metric("mean_abs_weight"),
        "test accuracy": metric("test_accuracy")}, chosen=ev.chosen)
    notes = [f"Matched shrinkage: {m} is the L2 strength of the ladder "
             f"{', '.join(f'{s:g}' for s in _L2_LADDER)} whose mean |w| is closest to L1's "
             "(chosen from the weights, never from a test metric)."]
    return es, with_tuning(ev, [table]), [], notes


# --------------------------------------------------------------------------- 10
_GRID10 = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
_TRAINS = 0.5  # validation accuracy a run must reach (5x chance on digits) to count as training
_NONE, _CLIP = "no clipping", "clip_norm 1"


def trains(r: RunResult) -> bool:
    """A run trains when it did not diverge and reached validation accuracy >= 0.5."""
    v = val_score(r)
    return r.status != "diverged" and v is not None and v >= _TRAINS


def stable_width(sweep: dict[float, list[RunResult]], seed: int) -> float:
    """Decades of the lr grid at which the run of ``seed`` trains (points x mean step)."""
    lrs = sorted(sweep)
    step = math.log10(lrs[-1] / lrs[0]) / (len(lrs) - 1) if len(lrs) > 1 else 1.0
    ok = sum(trains(r) for lr in lrs for r in sweep[lr] if r.config.seed == seed)
    return ok * step


def _best(sweep: dict[float, list[RunResult]], seed: int) -> float | None:
    vals = [val_score(r) for lr in sweep for r in sweep[lr] if r.config.seed == seed]
    vals = [v for v in vals if v is not None]
    return max(vals) if vals else None


def _lr_cell(runs: list[RunResult]) -> str:
    n_div = sum(r.status == "diverged" for r in runs)
    return (f"{sum(trains(r) for r in runs)}/{len(runs)}; div. {n_div}; "
            f"val {fmt(mean_ci([val_score(r) for r in runs]), PCT)}")


def _a10(ev: Evidence) -> Analysis:
    seeds = sorted({r.config.seed for by in ev.sweep.values() for rs in by.values() for r in rs})
    width = {c: {s: stable_width(ev.sweep[c], s) for s in seeds} for c in (_NONE, _CLIP)}
    best = {c: {s: _best(ev.sweep[c], s) for s in seeds} for c in (_NONE, _CLIP)}
    test = {c: seeds_of(ev.runs[c], metric("test_accuracy")) for c in (_NONE, _CLIP)}
    es = effects([Test("width of the lr range that trains: clipped - unclipped", width[_CLIP],
                       width[_NONE], unit="decades")])
    reported = effects([
        Test("best validation accuracy over the sweep: clipped - unclipped", best[_CLIP],
             best[_NONE], unit="pp", scale=100),
        Test("test accuracy at each condition's validation-chosen lr: clipped - unclipped",
             test[_CLIP], test[_NONE], unit="pp", scale=100)])
    rows = [(f"{lr:g}", *(_lr_cell(ev.sweep[c][lr]) for c in (_NONE, _CLIP)))
            for lr in sorted(ev.sweep[_NONE])]
    sweep_table = Table("runs that train / diverged runs / validation accuracy (mean [95 % "
                        "CI]), per lr",
                        ("lr", _NONE, _CLIP), tuple(rows))
    tables = [sweep_table, effects_table("reported beside the verdict (Holm over 2)", reported),
              summary_table("at each condition's validation-chosen lr (mean [95 % CI])",
                            ev.runs, {"test accuracy": metric("test_accuracy"),
                                      "epochs completed": lambda r: float(r.epochs_run)},
                            chosen=ev.chosen)]
    notes = [f"A run 'trains' when it does not diverge and reaches validation accuracy >= "
             f"{_TRAINS:.0%}; the width counts the grid points that train for each seed times "
             "the grid's mean step in decades, paired by seed. A diverged run keeps its best "
             "validation epoch before diverging and counts in every denominator."]
    return es, tables, [epoch_chart("training loss at the chosen lr", ev.runs, "train_loss",
                                    "loss", True)], notes


CLAIMS: tuple[Claim, ...] = (
    Claim(8, "output-layer", "Output layer: sigmoid, softmax, linear",
          "Use a sigmoid output (with cross-entropy) for binary classification, softmax for "
          "multi-class classification and a linear output for regression.",
          "the articles; Bishop 2006, section 5.2",
          "2 x 32 ReLU MLPs with Adam, each condition at its lr tuned on validation: moons "
          "(sigmoid + binary cross-entropy vs linear + MSE on 0/1), digits (softmax + "
          "cross-entropy vs independent sigmoids with binary cross-entropy), Friedman #1 "
          "regression with targets rescaled into (0, 1) (linear vs sigmoid output, MSE); "
          "paired by seed.",
          "Supported if each recommended output is significantly better than its alternative "
          "(Holm over the three effects).",
          "yes: each alternative output is the control; the regression targets lie inside the "
          "sigmoid's range, so a sigmoid output that fits as well as a linear one gives an "
          "interval containing 0 (or below it).",
          {_B: _c("moons", "relu", depth=2, width=32, epochs=20, batch_size=32,
                  loss="binary_cross_entropy"),
           _BL: _c("moons", "relu", depth=2, width=32, epochs=20, batch_size=32, loss="mse"),
           _M: _c("digits", "relu", depth=2, width=32, epochs=10, batch_size=32),
           _MS: _c("digits", "relu", depth=2, width=32, epochs=10, batch_size=32,
                   loss="binary_cross_entropy"),
           _R: _c("friedman1-unit", "relu", depth=2, width=32, epochs=30, batch_size=32,
                  loss="mse"),
           _RS: _c("friedman1-unit", "relu", depth=2, width=32, epochs=30, batch_size=32,
                   loss="mse", output="sigmoid")}, _a8, tune_seeds=1, functions=("relu",)),
    Claim(9, "l1-sparsity", "L1 makes weights sparse, L2 does not",
          "An L1 penalty drives many weights to (near) zero; an L2 penalty shrinks weights "
          "but does not make them sparse.",
          "the articles; Tibshirani 1996; Goodfellow et al. 2016, section 7.1",
          "1 x 64 ReLU MLPs on digits, SGD momentum 0.9, 10 epochs, each condition at its lr "
          "tuned on validation: no penalty, L1 1e-3, and L2 at 1e-3 (weak), 3e-3, 1e-2 and "
          "3e-2; the L2 matched to L1 in shrinkage is the one with the closest mean |w|; "
          "fraction of weights with |w| < 1e-3, paired by seed.",
          "Supported if L1 gives a significantly larger fraction than both the weak and the "
          "matched L2, and the matched L2's fraction is within ±2 points of no penalty's "
          "(Holm over the three effects).",
          "yes: L2 matched to L1 in mean |w| is the control; if equal shrinkage alone made "
          "weights near zero, the matched L2 would come out as sparse as L1 and not within "
          "±2 points of no penalty.",
          {"none": _c("digits", "relu", depth=1, width=64, optimizer="sgd", lr=0.05,
                      momentum=0.9, epochs=10, batch_size=32),
           "L1 1e-3": _c("digits", "relu", depth=1, width=64, optimizer="sgd", lr=0.05,
                         momentum=0.9, epochs=10, batch_size=32, l1=1e-3),
           **{f"L2 {s:g}": _c("digits", "relu", depth=1, width=64, optimizer="sgd", lr=0.05,
                              momentum=0.9, epochs=10, batch_size=32, l2=s)
              for s in _L2_LADDER}}, _a9, extra=weight_sparsity, tune_seeds=1,
          functions=("relu",)),
    Claim(10, "gradient-clipping", "Gradient clipping widens the range of learning rates that "
          "train",
          "Clipping the gradient norm keeps training stable where gradients explode, so that "
          "a wider range of learning rates trains.",
          "Pascanu et al. 2013",
          "8 x 32 ReLU MLPs on digits (He init), SGD momentum 0.9, batches of 32, 4 epochs, "
          f"with and without clip_norm = 1, at every lr of {', '.join(map(str, _GRID10))} and "
          "every seed; the width of the lr range that trains, paired by seed. Also reported: "
          "the best validation accuracy over the sweep and the test accuracy at each "
          "condition's validation-chosen lr.",
          "Supported if clipping makes the range of learning rates that train significantly "
          "wider.",
          "yes: the same nets, lrs and seeds without clipping are the control; if the "
          "unclipped runs trained at as many lrs (no exploding gradients in range), the "
          "width difference would be 0, and it is negative if clipping stalls small lrs.",
          {_NONE: _c("digits", "relu", depth=8, width=32, init="he_normal", optimizer="sgd",
                     lr=0.1, momentum=0.9, epochs=4, batch_size=32),
           _CLIP: _c("digits", "relu", depth=8, width=32, init="he_normal", optimizer="sgd",
                     lr=0.1, momentum=0.9, epochs=4, batch_size=32, clip_norm=1.0)},
          _a10, grid=_GRID10, sweep=True, functions=("relu",)),
)
