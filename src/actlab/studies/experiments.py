"""The articles' claims as small experiments: conditions (run configurations) and analyses.

Each :class:`Claim` names its conditions (one :class:`RunConfig` per condition, run once per
seed) and an analysis that turns the runs into effects (oriented so the claim predicts > 0),
tables and charts. :mod:`actlab.studies.claims` runs them and computes the verdicts.
All sizes are chosen to take seconds to tens of seconds on 2 CPU cores.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import aggregate
from .records import Chart, Effect, RunConfig, RunResult, Series, Table
from .stats import effect, effect_vs, mean_ci

Runs = Mapping[str, Sequence[RunResult]]
Analysis = tuple[list[Effect], list[Table], list[Chart], list[str]]


@dataclass(frozen=True)
class Claim:
    number: int
    name: str
    title: str
    statement: str
    source: str
    method: str
    rule: str
    conditions: Mapping[str, RunConfig]
    analyse: Callable[[Runs], Analysis]
    extra: Callable[[Any, Any], dict] | None = None


# --------------------------------------------------------------------------- helpers
def hidden(r: RunResult, epoch: int | None = None) -> list:
    """Layer rows of the hidden layers (the output layer dropped)."""
    return r.layer_table(epoch)[:-1]


def dead_fraction(r: RunResult) -> float:
    rows = [x.dead for x in hidden(r) if x.dead is not None]
    return float(np.mean(rows)) if rows else math.nan


def _fmt(e: Any, f: str = "{:.3g}") -> str:
    return "n/a" if e.n == 0 else f"{f.format(e.mean)} [{f.format(e.low)}, {f.format(e.high)}]"


def summary_table(title: str, runs: Runs, columns: Mapping[str, Callable[[RunResult], Any]],
                  fmt: str = "{:.3g}") -> Table:
    """Rows = conditions, cells = mean [95 % CI] of each column's per-run value."""
    rows = []
    for cond, rs in runs.items():
        rows.append((cond, len(rs), *(_fmt(mean_ci([fn(r) for r in rs]), fmt)
                                      for fn in columns.values())))
    return Table(title, ("condition", "runs", *columns), tuple(rows))


def layer_chart(title: str, runs: Runs, field: str, epoch: int | None, logy: bool,
                ylabel: str) -> Chart:
    series = []
    for cond, rs in runs.items():
        x, mean, _, _ = aggregate.layer_profile(rs, field, epoch)
        series.append(Series(cond, tuple(x), tuple(mean)))
    return Chart(title, "layer", ylabel, tuple(series), logy=logy)


def epoch_chart(title: str, runs: Runs, field: str, ylabel: str, logy: bool = False) -> Chart:
    series = []
    for cond, rs in runs.items():
        x, mean, _, _ = aggregate.epoch_curve(rs, field)
        series.append(Series(cond, tuple(x), tuple(mean)))
    return Chart(title, "epoch", ylabel, tuple(series), logy=logy)


def weight_sparsity(model: Any, ds: Any) -> dict[str, float]:
    """Fraction of weights with ``|w| < 1e-3`` over every Dense layer (claim 9)."""
    ws = np.concatenate([layer.params["W"].ravel() for layer in model.layers
                         if "W" in layer.params])
    return {"sparsity": float(np.mean(np.abs(ws) < 1e-3)),
            "mean_abs_weight": float(np.mean(np.abs(ws)))}


def metric(name: str) -> Callable[[RunResult], float | None]:
    return lambda r: r.metric(name)


# --------------------------------------------------------------------------- 1
def _shrink(r: RunResult) -> float:
    """Orders of magnitude the gradient norm loses from the top hidden layer to the first
    (norms floored at 1e-30, so an exactly zero gradient counts as a finite, large loss)."""
    g = [max(x.grad_norm or 0.0, 1e-30) for x in hidden(r, 0)]
    return math.log10(g[-1] / g[0])


def _a1(runs: Runs) -> Analysis:
    s, r = runs["sigmoid"], runs["relu"]
    effects = [
        effect("orders of magnitude lost over 10 layers: sigmoid - relu",
               [_shrink(x) for x in s], [_shrink(x) for x in r], m=2, unit="decades"),
        effect_vs("relu loses less than one order of magnitude: 1 - relu's loss",
                  [1 - _shrink(x) for x in r], 0.0, m=2, unit="decades"),
    ]
    rows = []
    for layer in range(len(hidden(s[0], 0))):
        rows.append((layer + 1, *(_fmt(mean_ci([hidden(x, 0)[layer].grad_norm for x in runs[c]]),
                                       "{:.2e}") for c in runs)))
    table = Table("gradient norm per hidden layer, untrained network (mean [95 % CI])",
                  ("layer", *runs), tuple(rows))
    chart = layer_chart("gradient norm per layer (epoch 0)", runs, "grad_norm", 0, True,
                        "‖dL/dW‖")
    return effects, [table], [chart], []


# --------------------------------------------------------------------------- 2
def _top_mean(r: RunResult, epoch: int | None) -> float:
    return hidden(r, epoch)[-1].act_mean


def _first_mean(r: RunResult, epoch: int | None) -> float:
    return hidden(r, epoch)[0].act_mean


def _a2(runs: Runs) -> Analysis:
    rs = runs["sigmoid"]
    top_drop = [_top_mean(r, 0) - _top_mean(r, None) for r in rs]
    first_drop = [_first_mean(r, 0) - _first_mean(r, None) for r in rs]
    effects = [
        effect("top hidden layer's mean activation: untrained - end", [_top_mean(r, 0) for r in rs],
               [_top_mean(r, None) for r in rs], m=2),
        effect("drop of the top layer - drop of the first layer", top_drop, first_drop, m=2),
    ]
    epochs = aggregate.recorded_epochs(rs)
    series = []
    n_hidden = len(hidden(rs[0], 0))
    for layer in range(n_hidden):
        ys = [float(np.mean([hidden(r, e)[layer].act_mean for r in rs])) for e in epochs]
        series.append(Series(f"layer {layer + 1}", tuple(epochs), tuple(ys)))
    chart = Chart("mean sigmoid output per hidden layer", "epoch", "mean activation",
                  tuple(series))
    rows = []
    for layer in range(n_hidden):
        rows.append((layer + 1, _fmt(mean_ci([hidden(r, 0)[layer].act_mean for r in rs])),
                     _fmt(mean_ci([hidden(r, None)[layer].act_mean for r in rs])),
                     _fmt(mean_ci([hidden(r, None)[layer].saturated for r in rs]))))
    table = Table("per hidden layer (mean [95 % CI] over seeds)",
                  ("layer", "mean output, untrained", "mean output, end",
                   "saturated fraction, end"), tuple(rows))
    acc = mean_ci([r.test_accuracy for r in rs])
    sat = mean_ci([hidden(r, None)[-1].saturated for r in rs])
    notes = [f"Test accuracy at the end: {_fmt(acc)} (the network is still on its initial "
             "plateau, as in the paper's first epochs). The top layer's saturated fraction "
             f"(|f'| < 0.05, i.e. outputs below about 0.05) is {_fmt(sat)} at the end: what is "
             "tested is the early drive toward 0, not full saturation. Glorot & Bengio used "
             "1000 units per layer on Shapeset-3x2, where the top layer reached 0 and stayed "
             "there for many epochs."]
    return effects, [table], [chart], notes


# --------------------------------------------------------------------------- 3
def _a3(runs: Runs) -> Analysis:
    d = {k: [dead_fraction(r) for r in v] for k, v in runs.items()}
    loss = {k: [r.train_loss for r in v] for k, v in runs.items()}
    effects = [
        effect("dead fraction: ReLU bias -2 - ReLU healthy", d["relu, bias -2"],
               d["relu, healthy"], m=4),
        effect("dead fraction: ReLU lr 0.03 - ReLU healthy", d["relu, lr 0.03"],
               d["relu, healthy"], m=4),
        effect("training loss, bias -2: ReLU - Leaky ReLU (0.01)", loss["relu, bias -2"],
               loss["leaky_relu 0.01, bias -2"], m=4, unit="nats"),
        effect("training loss, bias -2: ReLU - Leaky ReLU (0.2)", loss["relu, bias -2"],
               loss["leaky_relu 0.2, bias -2"], m=4, unit="nats"),
    ]
    table = summary_table("end of training (mean [95 % CI])", runs, {
        "dead fraction (hidden layers)": dead_fraction, "training loss": metric("train_loss"),
        "test accuracy": metric("test_accuracy")})
    chart = layer_chart("dead units per layer, end of training", runs, "dead", None, False,
                        "fraction dead")
    notes = ["A unit is dead when it outputs exactly 0 for every probe sample, so Leaky ReLU "
             "units are never dead by construction; its fix is judged by whether the network "
             "still trains (training loss). PyTorch/JAX default the slope to 0.01, Keras' "
             "activation to 0.2; both are tested."]
    return effects, [table], [chart], notes


# --------------------------------------------------------------------------- 4
def _a4(runs: Runs) -> Analysis:
    he, xa = runs["He (std sqrt(2/n))"], runs["Xavier (std sqrt(1/n))"]
    effects = [effect("training loss after 5 epochs: Xavier - He", [r.train_loss for r in xa],
                      [r.train_loss for r in he], unit="nats")]
    table = summary_table("end of training (mean [95 % CI])", runs, {
        "training loss": metric("train_loss"), "test accuracy": metric("test_accuracy"),
        "first-layer gradient norm at init": lambda r: r.layer_table(0)[0].grad_norm})
    charts = [layer_chart("gradient norm per layer, untrained", runs, "grad_norm", 0, True,
                          "‖dL/dW‖"),
              epoch_chart("training loss", runs, "train_loss", "loss")]
    notes = [f"A constant predictor of 10 balanced classes has loss ln 10 = {math.log(10):.3f}."]
    return effects, [table], charts, notes


# --------------------------------------------------------------------------- 5
def _a5(runs: Runs) -> Analysis:
    def ett(r: RunResult) -> float:
        e = r.epochs_to_target
        return float(e) if e is not None else float(r.config.epochs + 1)

    relu, tanh = runs["relu"], runs["tanh"]
    effects = [effect("epochs to 25 % training error: tanh - relu", [ett(r) for r in tanh],
                      [ett(r) for r in relu], unit="epochs")]
    mr, mt = mean_ci([ett(r) for r in relu]).mean, mean_ci([ett(r) for r in tanh]).mean
    table = summary_table("epochs to 25 % training error (mean [95 % CI])", runs, {
        "epochs to target": ett,
        "reached": lambda r: float(r.epochs_to_target is not None)})
    notes = [f"Speed-up tanh/relu = {mt / mr:.2f}x (AlexNet reports 6x on CIFAR-10 with a CNN). "
             "Runs that never reach the target within the budget count as budget + 1 epochs."]
    return effects, [table], [epoch_chart("training accuracy", runs, "train_accuracy",
                                          "accuracy")], notes


# --------------------------------------------------------------------------- 6
def _a6(runs: Runs) -> Analysis:
    s, t = runs["sigmoid"], runs["tanh"]
    effects = [effect("training loss after 8 epochs: sigmoid - tanh", [r.train_loss for r in s],
                      [r.train_loss for r in t], unit="nats")]
    table = summary_table("end of training (mean [95 % CI])", runs, {
        "training loss": metric("train_loss"), "test accuracy": metric("test_accuracy"),
        "mean hidden output": lambda r: float(np.mean([x.act_mean for x in hidden(r)]))})
    return effects, [table], [epoch_chart("training loss", runs, "train_loss", "loss")], []


# --------------------------------------------------------------------------- 7
def _a7(runs: Runs) -> Analysis:
    acc = {k: [r.test_accuracy for r in v] for k, v in runs.items()}
    effects = [
        effect("test accuracy: silu - relu", acc["silu"], acc["relu"], m=2, margin=0.01),
        effect("test accuracy: gelu - relu", acc["gelu"], acc["relu"], m=2, margin=0.01),
    ]
    table = summary_table("end of training (mean [95 % CI])", runs, {
        "test accuracy": metric("test_accuracy"), "training loss": metric("train_loss")})
    notes = ["A difference whose interval lies within ±1 accuracy point counts as no practical "
             "difference (not supported)."]
    return effects, [table], [epoch_chart("held-out accuracy", runs, "val_accuracy",
                                          "accuracy")], notes


# --------------------------------------------------------------------------- 8
def _a8(runs: Runs) -> Analysis:
    acc = {k: [r.test_accuracy for r in v] for k, v in runs.items()}
    mse = {k: [r.test_loss for r in v] for k, v in runs.items()}
    effects = [
        effect("binary (moons) test accuracy: sigmoid+BCE - linear+MSE",
               acc["binary: sigmoid + cross-entropy"], acc["binary: linear + MSE"], m=3),
        effect("10 classes (digits) test accuracy: softmax+CE - independent sigmoids",
               acc["multi-class: softmax + cross-entropy"],
               acc["multi-class: independent sigmoids"], m=3),
        effect("regression (Friedman #1) test MSE: sigmoid output - linear output",
               mse["regression: sigmoid output"], mse["regression: linear output"], m=3),
    ]
    table = summary_table("test metrics (mean [95 % CI])", runs, {
        "test accuracy": metric("test_accuracy"), "test loss (its own loss)": metric("test_loss")})
    notes = ["Regression targets are standardized, so about half are negative: outside a "
             "sigmoid's range."]
    return effects, [table], [], notes


# --------------------------------------------------------------------------- 9
def _a9(runs: Runs) -> Analysis:
    sp = {k: [r.metric("sparsity") for r in v] for k, v in runs.items()}
    effects = [
        effect("fraction of |w| < 1e-3: L1 - L2", sp["L1 1e-3"], sp["L2 1e-3"], m=2),
        effect("fraction of |w| < 1e-3: L2 - none (equivalent within ±0.02)", sp["L2 1e-3"],
               sp["none"], m=2, margin=0.02, kind="equivalence"),
    ]
    table = summary_table("end of training (mean [95 % CI])", runs, {
        "fraction |w| < 1e-3": metric("sparsity"), "mean |w|": metric("mean_abs_weight"),
        "test accuracy": metric("test_accuracy")})
    return effects, [table], [], []


# --------------------------------------------------------------------------- 10
def _a10(runs: Runs) -> Analysis:
    clip, none = runs["clip_norm 1"], runs["no clipping"]
    effects = [effect("test accuracy: clipped - unclipped", [r.test_accuracy for r in clip],
                      [r.test_accuracy for r in none])]
    table = summary_table("end of training (mean [95 % CI])", runs, {
        "diverged": lambda r: float(r.status == "diverged"),
        "epochs completed": lambda r: float(r.epochs_run),
        "test accuracy": metric("test_accuracy")})
    notes = ["A diverged run (non-finite loss) keeps its last finite weights and is evaluated "
             "with them; the engine stops it at the first non-finite loss."]
    return effects, [table], [epoch_chart("training loss", runs, "train_loss", "loss", True)], \
        notes


# --------------------------------------------------------------------------- definitions
def _c(ds: str, act: str, **kw: Any) -> RunConfig:
    return RunConfig(dataset=ds, activation=act, **kw)


_STD_INIT = "variance_scaling:0.3333333333333333:fan_in:uniform"
_DIG = dict(depth=4, width=64, optimizer="adam", epochs=8, batch_size=32)

CLAIM_LIST: tuple[Claim, ...] = (
    Claim(1, "vanishing-gradients", "Vanishing gradients: sigmoid vs ReLU",
          "Gradient norms shrink layer by layer toward the input in a deep sigmoid network "
          "(sigmoid' <= 1/4), but not in a ReLU network.",
          "the articles; Hochreiter 1991; Glorot & Bengio 2010",
          "Untrained 10 x 64 MLPs on digits (sigmoid with Glorot init, ReLU with He init); "
          "per-layer weight-gradient norms on a fixed batch of 256 training samples.",
          "Supported if sigmoid loses significantly more orders of magnitude from the top "
          "hidden layer to the first than ReLU, and ReLU loses less than one.",
          {"sigmoid": _c("digits", "sigmoid", depth=10, width=64, epochs=0),
           "relu": _c("digits", "relu", depth=10, width=64, epochs=0)}, _a1),
    Claim(2, "sigmoid-saturation", "Top-layer saturation of a deep sigmoid net",
          "In a 4-hidden-layer sigmoid network with the standard U[-1/sqrt(n), 1/sqrt(n)] "
          "initialization, the top hidden layer's outputs are driven toward 0 (toward "
          "saturation) early in training, while the lower layers stay near 0.5.",
          "Glorot & Bengio 2010, section 3.1",
          "4 x 128 sigmoid MLP on digits, standard init, SGD lr 0.1, batches of 10, 6 epochs; "
          "mean sigmoid output per layer on a fixed probe batch after every epoch.",
          "Supported if the top layer's mean output falls significantly and falls more than "
          "the first layer's.",
          {"sigmoid": _c("digits", "sigmoid", depth=4, width=128, init=_STD_INIT,
                         optimizer="sgd", lr=0.1, epochs=6, batch_size=10)}, _a2),
    Claim(3, "dying-relu", "Dying ReLU, and Leaky ReLU's fix",
          "A large learning rate or a negative bias initialization leaves ReLU units dead "
          "(zero for every input, so they never receive a gradient again); Leaky ReLU keeps "
          "gradients flowing and the network trains.",
          "the articles; Maas et al. 2013; Lu et al. 2019",
          "4 x 64 MLPs on digits with Adam for 8 epochs: ReLU healthy (bias 0, lr 1e-3), ReLU "
          "with bias -2 (lr 0.01), ReLU with lr 0.03, Leaky ReLU (slope 0.01 and 0.2) with bias "
          "-2 (lr 0.01); dead fraction on a probe batch at the end.",
          "Supported if both bad settings leave significantly more dead ReLU units than the "
          "healthy one and both Leaky ReLUs reach a significantly lower training loss than "
          "ReLU under the negative bias.",
          {"relu, healthy": _c("digits", "relu", lr=1e-3, **_DIG),
           "relu, bias -2": _c("digits", "relu", lr=0.01, bias_init=-2.0, **_DIG),
           "relu, lr 0.03": _c("digits", "relu", lr=0.03, **_DIG),
           "leaky_relu 0.01, bias -2": _c("digits", "leaky_relu", lr=0.01, bias_init=-2.0,
                                          activation_params={"alpha": 0.01}, **_DIG),
           "leaky_relu 0.2, bias -2": _c("digits", "leaky_relu", lr=0.01, bias_init=-2.0,
                                         activation_params={"alpha": 0.2}, **_DIG)}, _a3),
    Claim(4, "he-init", "He vs Xavier initialization in a 30-layer ReLU MLP",
          "A 30-layer ReLU network initialized with std sqrt(1/n) (Xavier) stalls, while "
          "std sqrt(2/n) (He) trains.",
          "He et al. 2015, section 2.2 and figure 3",
          "30 x 64 ReLU MLPs on digits, glorot_normal vs he_normal, SGD lr 0.01 momentum 0.9, "
          "batches of 32, 5 epochs.",
          "Supported if the Xavier network ends with a significantly higher training loss.",
          {"He (std sqrt(2/n))": _c("digits", "relu", depth=30, width=64, init="he_normal",
                                    optimizer="sgd", lr=0.01, momentum=0.9, epochs=5,
                                    batch_size=32),
           "Xavier (std sqrt(1/n))": _c("digits", "relu", depth=30, width=64,
                                        init="glorot_normal", optimizer="sgd", lr=0.01,
                                        momentum=0.9, epochs=5, batch_size=32)}, _a4),
    Claim(5, "relu-faster-than-tanh", "ReLU reaches a target training error sooner than tanh",
          "Networks with ReLUs reach a given training error several times faster than with "
          "tanh units.",
          "Krizhevsky et al. 2012 (AlexNet), figure 1",
          "4 x 128 MLPs on MNIST-1D, SGD lr 0.01 momentum 0.9, batches of 32, at most 20 "
          "epochs, stopped at 25 % training error; epochs needed.",
          "Supported if tanh needs significantly more epochs than ReLU.",
          {a: _c("mnist1d", a, depth=4, width=128, optimizer="sgd", lr=0.01, momentum=0.9,
                 epochs=20, batch_size=32, target_error=0.25, stop_at_target=True)
           for a in ("relu", "tanh")}, _a5),
    Claim(6, "tanh-faster-than-sigmoid", "Zero-centred tanh trains faster than sigmoid",
          "Hidden units whose outputs are zero-centred (tanh) train faster than the logistic "
          "sigmoid, whose outputs are all positive.",
          "LeCun et al. 1998, Efficient BackProp, section 4.4",
          "3 x 64 MLPs on MNIST-1D (Glorot init for both), SGD lr 0.05 momentum 0.9, batches "
          "of 32, 8 epochs; training loss at the end.",
          "Supported if sigmoid ends with a significantly higher training loss.",
          {a: _c("mnist1d", a, depth=3, width=64, optimizer="sgd", lr=0.05, momentum=0.9,
                 epochs=8, batch_size=32) for a in ("sigmoid", "tanh")}, _a6),
    Claim(7, "swish-gelu-vs-relu", "Swish and GELU beat ReLU in deep networks",
          "Swish/SiLU and GELU reach a higher accuracy than ReLU in deep networks.",
          "Ramachandran et al. 2017; Hendrycks & Gimpel 2016",
          "8 x 64 MLPs on MNIST-1D, Adam lr 1e-3, batches of 64, 10 epochs; test accuracy.",
          "Supported if both SiLU and GELU are significantly more accurate than ReLU; not "
          "supported if either is significantly less accurate or within ±1 point of it.",
          {a: _c("mnist1d", a, depth=8, width=64, optimizer="adam", lr=1e-3, epochs=10,
                 batch_size=64) for a in ("relu", "silu", "gelu")}, _a7),
    Claim(8, "output-layer", "Output layer: sigmoid, softmax, linear",
          "Use a sigmoid output (with cross-entropy) for binary classification, softmax for "
          "multi-class classification and a linear output for regression.",
          "the articles; Bishop 2006, section 5.2",
          "2 x 32 ReLU MLPs with Adam: moons (sigmoid + binary cross-entropy vs linear + MSE "
          "on 0/1), digits (softmax + cross-entropy vs independent sigmoids with binary "
          "cross-entropy), Friedman #1 regression (linear vs sigmoid output, MSE).",
          "Supported if each recommended output is significantly better than its alternative.",
          {"binary: sigmoid + cross-entropy": _c("moons", "relu", depth=2, width=32, lr=0.01,
                                                 epochs=20, batch_size=32,
                                                 loss="binary_cross_entropy"),
           "binary: linear + MSE": _c("moons", "relu", depth=2, width=32, lr=0.01, epochs=20,
                                      batch_size=32, loss="mse"),
           "multi-class: softmax + cross-entropy": _c("digits", "relu", depth=2, width=32,
                                                      lr=3e-3, epochs=10, batch_size=32),
           "multi-class: independent sigmoids": _c("digits", "relu", depth=2, width=32,
                                                   lr=3e-3, epochs=10, batch_size=32,
                                                   loss="binary_cross_entropy"),
           "regression: linear output": _c("friedman1", "relu", depth=2, width=32, lr=3e-3,
                                           epochs=30, batch_size=32, loss="mse"),
           "regression: sigmoid output": _c("friedman1", "relu", depth=2, width=32, lr=3e-3,
                                            epochs=30, batch_size=32, loss="mse",
                                            output="sigmoid")}, _a8),
    Claim(9, "l1-sparsity", "L1 makes weights sparse, L2 does not",
          "An L1 penalty drives many weights to (near) zero; an L2 penalty shrinks weights "
          "but does not make them sparse.",
          "the articles; Tibshirani 1996; Goodfellow et al. 2016, section 7.1",
          "1 x 64 ReLU MLPs on digits, SGD lr 0.05 momentum 0.9, 10 epochs: no penalty, "
          "L1 1e-3, L2 1e-3; fraction of weights with |w| < 1e-3.",
          "Supported if L1 gives a significantly larger fraction than L2 and L2's fraction is "
          "within ±0.02 of no penalty's.",
          {"none": _c("digits", "relu", depth=1, width=64, optimizer="sgd", lr=0.05,
                      momentum=0.9, epochs=10, batch_size=32),
           "L1 1e-3": _c("digits", "relu", depth=1, width=64, optimizer="sgd", lr=0.05,
                         momentum=0.9, epochs=10, batch_size=32, l1=1e-3),
           "L2 1e-3": _c("digits", "relu", depth=1, width=64, optimizer="sgd", lr=0.05,
                         momentum=0.9, epochs=10, batch_size=32, l2=1e-3)}, _a9,
          extra=weight_sparsity),
    Claim(10, "gradient-clipping", "Gradient clipping tames exploding gradients",
          "Clipping the gradient norm keeps training stable where gradients explode.",
          "Pascanu et al. 2013",
          "10 x 64 ReLU MLPs on digits (He init), SGD lr 0.1 momentum 0.9 (large enough to "
          "diverge), 5 epochs, with and without clip_norm = 1.",
          "Supported if the clipped runs reach a significantly higher test accuracy.",
          {"no clipping": _c("digits", "relu", depth=10, width=64, optimizer="sgd", lr=0.1,
                             momentum=0.9, epochs=5, batch_size=32),
           "clip_norm 1": _c("digits", "relu", depth=10, width=64, optimizer="sgd", lr=0.1,
                             momentum=0.9, epochs=5, batch_size=32, clip_norm=1.0)}, _a10),
)

CLAIMS: dict[str, Claim] = {c.name: c for c in CLAIM_LIST}
