"""Claims about gradient flow through depth: vanishing gradients (1), top-layer saturation (2),
He vs Xavier initialization (4)."""

from __future__ import annotations

import math

import numpy as np

from ..records import Chart, Series, Table
from ..stats import Test, effects, mean_ci
from .common import (
    conf as _c,
    LN10,
    Analysis,
    Claim,
    Evidence,
    epoch_chart,
    fmt,
    hidden,
    last_train_loss,
    layer_chart,
    metric,
    seeds_of,
    summary_table,
    with_tuning,
)


# --------------------------------------------------------------------------- 1
def _shrink(r) -> float:
    """Orders of magnitude the gradient norm loses from the top hidden layer to the first
    (norms floored at 1e-30, so an exactly zero gradient counts as a finite, large loss)."""
    g = [max(x.grad_norm or 0.0, 1e-30) for x in hidden(r, 0)]
    return math.log10(g[-1] / g[0])


def _a1(ev: Evidence) -> Analysis:
    s, r = ev.runs["sigmoid"], ev.runs["relu"]
    es = effects([
        Test("orders of magnitude lost over 10 layers: sigmoid - relu", seeds_of(s, _shrink),
             seeds_of(r, _shrink), unit="decades"),
        Test("relu loses less than one order of magnitude: 1 - relu's loss",
             seeds_of(r, lambda x: 1 - _shrink(x)), 0.0, unit="decades"),
    ])
    rows = []
    for layer in range(len(hidden(s[0], 0))):
        rows.append((layer + 1, *(fmt(mean_ci([hidden(x, 0)[layer].grad_norm
                                               for x in ev.runs[c]]), "{:.2e}")
                                  for c in ev.runs)))
    table = Table("gradient norm per hidden layer, untrained network (mean [95 % CI])",
                  ("layer", *ev.runs), tuple(rows))
    chart = layer_chart("gradient norm per layer (epoch 0)", ev.runs, "grad_norm", 0, True,
                        "‖dL/dW‖")
    return es, [table], [chart], ["No training happens, so there is no learning rate to tune."]


# --------------------------------------------------------------------------- 2
def _top(r, epoch):
    return hidden(r, epoch)[-1].act_mean


def _first(r, epoch):
    return hidden(r, epoch)[0].act_mean


def _a2(ev: Evidence) -> Analysis:
    rs = ev.runs["sigmoid"]
    es = effects([
        Test("top hidden layer's mean activation: untrained - end", seeds_of(rs, lambda r:
             _top(r, 0)), seeds_of(rs, lambda r: _top(r, None)), unit="sigmoid output"),
        Test("drop of the top layer - drop of the first layer (the control)",
             seeds_of(rs, lambda r: _top(r, 0) - _top(r, None)),
             seeds_of(rs, lambda r: _first(r, 0) - _first(r, None)), unit="sigmoid output"),
    ])
    epochs = sorted(set.intersection(*[{x.epoch for x in r.layers} for r in rs]))
    n_hidden = len(hidden(rs[0], 0))
    series = [Series(f"layer {k + 1}", tuple(epochs),
                     tuple(float(np.mean([hidden(r, e)[k].act_mean for r in rs]))
                           for e in epochs)) for k in range(n_hidden)]
    chart = Chart("mean sigmoid output per hidden layer", "epoch", "mean activation",
                  tuple(series))
    rows = [(k + 1, fmt(mean_ci([hidden(r, 0)[k].act_mean for r in rs])),
             fmt(mean_ci([hidden(r, None)[k].act_mean for r in rs])),
             fmt(mean_ci([hidden(r, None)[k].saturated for r in rs]))) for k in range(n_hidden)]
    table = Table("per hidden layer (mean [95 % CI] over seeds)",
                  ("layer", "mean output, untrained", "mean output, end",
                   "saturated fraction, end"), tuple(rows))
    acc = mean_ci([r.test_accuracy for r in rs])
    notes = [f"Test accuracy at the validation-selected epoch: {fmt(acc)}. What is tested is "
             "the early drive of the top layer toward 0, not full saturation; Glorot & Bengio "
             "used 1000 units per layer on Shapeset-3x2."]
    return es, with_tuning(ev, [table]), [chart], notes


# --------------------------------------------------------------------------- 4
_HE, _XA = "He (std sqrt(2/n))", "Xavier (std sqrt(1/n))"


def _first_grad(r) -> float | None:
    rows = r.layer_table(0)
    return rows[0].grad_norm if rows else None


def _a4(ev: Evidence) -> Analysis:
    loss = {k: seeds_of(v, lambda r: last_train_loss(r, LN10)) for k, v in ev.runs.items()}
    tests = [Test(f"[{opt}] training loss after the last epoch: Xavier - He",
                  loss[f"{opt}, {_XA}"], loss[f"{opt}, {_HE}"], unit="nats")
             for opt in ("SGD", "Adam")]
    es = effects(tests)
    table = summary_table("end of training (mean [95 % CI]; test at the validation-selected "
                          "epoch)", ev.runs, {
                              "training loss, last epoch": lambda r: last_train_loss(r, LN10),
                              "test accuracy": metric("test_accuracy"),
                              "first-layer gradient norm at init": _first_grad},
                          chosen=ev.chosen)
    charts = [layer_chart("gradient norm per layer, untrained", ev.runs, "grad_norm", 0, True,
                          "‖dL/dW‖"),
              epoch_chart("training loss", ev.runs, "train_loss", "loss")]
    by_opt = "; ".join(f"with {opt}: {e.verdict} ({e.estimate:+.2f} nats "
                       f"[{e.low:+.2f}, {e.high:+.2f}])" for opt, e in zip(("SGD", "Adam"), es))
    notes = [f"Verdict by optimizer, {by_opt}.",
             f"A constant predictor of 10 balanced classes has loss ln 10 = {LN10:.3f}; a "
             "diverged run counts at that loss (it stays in the mean)."]
    return es, with_tuning(ev, [table]), charts, notes


_DEEP = dict(depth=30, width=32, epochs=4, batch_size=64)

CLAIMS: tuple[Claim, ...] = (
    Claim(1, "vanishing-gradients", "Vanishing gradients: sigmoid vs ReLU",
          "Gradient norms shrink layer by layer toward the input in a deep sigmoid network "
          "(sigmoid' <= 1/4), but not in a ReLU network.",
          "the articles; Hochreiter 1991; Glorot & Bengio 2010",
          "Untrained 10 x 64 MLPs on digits (sigmoid with Glorot init, ReLU with He init); "
          "per-layer weight-gradient norms on a fixed batch of 256 training samples; paired by "
          "seed.",
          "Supported if sigmoid loses significantly more orders of magnitude from the top "
          "hidden layer to the first than ReLU, and ReLU loses less than one.",
          "yes: ReLU is the control; if both nets lost the same number of decades, the first "
          "effect's interval would contain 0 (inconclusive), and a ReLU net losing more than "
          "one decade makes the second effect fail.",
          {"sigmoid": _c("digits", "sigmoid", depth=10, width=64, epochs=0),
           "relu": _c("digits", "relu", depth=10, width=64, epochs=0)}, _a1, tune=False,
          functions=("sigmoid", "relu")),
    Claim(2, "sigmoid-saturation", "Top-layer saturation of a deep sigmoid net",
          "In a 4-hidden-layer sigmoid network with the standard U[-1/sqrt(n), 1/sqrt(n)] "
          "initialization, the top hidden layer's outputs are driven toward 0 (toward "
          "saturation) early in training, while the lower layers stay near 0.5.",
          "Glorot & Bengio 2010, section 3.1",
          "4 x 128 sigmoid MLP on digits, standard init, SGD lr 0.1 (the paper's setting, "
          "fixed: the claim is about the dynamics there, and tuned on validation every lr of "
          "the SGD grid sat on the chance plateau the claim describes (measured at 4 x 64, 4 "
          "epochs), so the choice would be arbitrary), batches of 10, 6 epochs; mean "
          "sigmoid output per layer on a fixed probe batch after every epoch, paired within "
          "each run.",
          "Supported if the top layer's mean output falls significantly and falls more than "
          "the first layer's.",
          "yes: the first hidden layer is the control; if the whole net drifted alike, the "
          "second effect would contain 0, and a top layer that does not fall fails the first.",
          {"sigmoid": _c("digits", "sigmoid", depth=4, width=128,
                         init="variance_scaling:0.3333333333333333:fan_in:uniform",
                         optimizer="sgd", lr=0.1, epochs=6, batch_size=10)}, _a2,
          fixed_lr=frozenset({"sigmoid"}),
          functions=("sigmoid",)),
    Claim(4, "he-init", "He vs Xavier initialization in a 30-layer ReLU MLP",
          "A 30-layer ReLU network initialized with std sqrt(1/n) (Xavier) stalls, while "
          "std sqrt(2/n) (He) trains, whichever optimizer trains it.",
          "He et al. 2015, section 2.2 and figure 3",
          "30 x 32 ReLU MLPs on digits, glorot_normal vs he_normal, with SGD (momentum 0.9) "
          "and with Adam, each initialization x optimizer at its own lr tuned on validation; "
          "batches of 64, 4 epochs; training loss of the last epoch, paired by seed; 10 seeds "
          "so that one-run tails show.",
          "Supported if, with SGD and with Adam alike, the Xavier network ends with a "
          "significantly higher training loss (Holm over the two optimizers); the notes name "
          "the optimizer for which it holds.",
          "yes: He initialization under the same optimizer, lr tuning and seeds is the "
          "control; with Adam (per-parameter step sizes undo the shrinking variance) the "
          "difference can vanish, and the verdict then says so for that optimizer.",
          {f"{opt}, {name}": _c("digits", "relu", init=init, optimizer=o,
                                momentum=0.9 if o == "sgd" else 0.0, lr=lr, **_DEEP)
           for opt, o, lr in (("SGD", "sgd", 0.01), ("Adam", "adam", 1e-3))
           for name, init in ((_HE, "he_normal"), (_XA, "glorot_normal"))},
          _a4, seeds=10, tune_seeds=1, functions=("relu",)),
)
