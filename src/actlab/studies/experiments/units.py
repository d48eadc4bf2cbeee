"""Claims comparing hidden units: dying ReLU (3), ReLU vs tanh speed (5), tanh vs sigmoid (6),
Swish/GELU vs ReLU by depth (7)."""

from __future__ import annotations


from ..records import RunResult
from ..stats import Test, censor_at, effects, mean_ci
from .common import (
    conf as _c,
    LN10,
    Analysis,
    Claim,
    Evidence,
    dead_fraction,
    effects_table,
    epoch_chart,
    last_train_loss,
    layer_chart,
    metric,
    seeds_of,
    summary_table,
    val_score,
    with_tuning,
)


def _loss(r: RunResult) -> float:
    return last_train_loss(r, LN10)


# --------------------------------------------------------------------------- 3
def _a3(ev: Evidence) -> Analysis:
    d = {k: seeds_of(v, dead_fraction) for k, v in ev.runs.items()}
    loss = {k: seeds_of(v, _loss) for k, v in ev.runs.items()}
    es = effects([
        Test("dead fraction: ReLU bias -2 - ReLU healthy", d["relu, bias -2"],
             d["relu, healthy"], unit="pp", scale=100),
        Test("dead fraction: ReLU lr 0.03 - ReLU healthy", d["relu, lr 0.03"],
             d["relu, healthy"], unit="pp", scale=100),
        Test("training loss, bias -2: ReLU - Leaky ReLU (0.01)", loss["relu, bias -2"],
             loss["leaky_relu 0.01, bias -2"], unit="nats"),
        Test("training loss, bias -2: ReLU - Leaky ReLU (0.2)", loss["relu, bias -2"],
             loss["leaky_relu 0.2, bias -2"], unit="nats"),
    ])
    table = summary_table("end of training (mean [95 % CI])", ev.runs, {
        "dead fraction (hidden layers)": dead_fraction, "training loss, last epoch": _loss,
        "test accuracy": metric("test_accuracy")}, chosen=ev.chosen)
    chart = layer_chart("dead units per layer, end of training", ev.runs, "dead", None, False,
                        "fraction dead")
    notes = ["A unit is dead when it outputs exactly 0 for every probe sample, so Leaky ReLU "
             "units are never dead by construction; its fix is judged by whether the network "
             "still trains (training loss). 'lr 0.03' is the manipulated factor and is not "
             "tuned; every other condition runs at its lr tuned on validation."]
    return es, with_tuning(ev, [table]), [chart], notes


# --------------------------------------------------------------------------- 5
_BUDGET5 = 10
_TARGET5 = 0.5  # training error; MNIST-1D MLPs need far more than 10 epochs for 25 %


def _ett(r: RunResult) -> float | None:
    return None if r.epochs_to_target is None else float(r.epochs_to_target)


def _a5(ev: Evidence) -> Analysis:
    raw = {k: seeds_of(v, _ett) for k, v in ev.runs.items()}
    cens = {k: censor_at(v, _BUDGET5) for k, v in raw.items()}
    es = effects([Test(f"epochs to {_TARGET5:.0%} training error: tanh - relu", cens["tanh"][0],
                       cens["relu"][0], unit="epochs",
                       censored=(cens["tanh"][1], cens["relu"][1]))])
    table = summary_table(f"epochs to {_TARGET5:.0%} training error (mean [95 % CI]; never "
                          "reached = "
                          f"censored at {_BUDGET5})", ev.runs, {
                              "epochs to target": lambda r: _ett(r) or _BUDGET5,
                              "reached": lambda r: float(r.epochs_to_target is not None)},
                          chosen=ev.chosen)
    mr, mt = (mean_ci(cens[k][0]).mean for k in ("relu", "tanh"))
    notes = [f"Speed-up tanh/relu = {mt / mr:.2f}x (AlexNet reports 6x on CIFAR-10 with a CNN). "
             "Each activation's lr is tuned on validation accuracy, like every claim's."]
    return es, with_tuning(ev, [table]), \
        [epoch_chart("training accuracy", ev.runs, "train_accuracy", "accuracy")], notes


# --------------------------------------------------------------------------- 6
def _a6(ev: Evidence) -> Analysis:
    s, t = ev.runs["sigmoid"], ev.runs["tanh"]
    es = effects([Test("training loss after the last epoch: sigmoid - tanh",
                       seeds_of(s, _loss), seeds_of(t, _loss), unit="nats")])
    table = summary_table("end of training (mean [95 % CI])", ev.runs, {
        "training loss, last epoch": _loss, "test accuracy": metric("test_accuracy")},
        chosen=ev.chosen)
    return es, with_tuning(ev, [table]), \
        [epoch_chart("training loss", ev.runs, "train_loss", "loss")], []


# --------------------------------------------------------------------------- 7
_DEPTHS7 = {"shallow": 2, "deep": 8}


def _a7(ev: Evidence) -> Analysis:
    acc = {k: seeds_of(v, metric("test_accuracy")) for k, v in ev.runs.items()}

    def gap(act: str, depth: str) -> dict[int, float | None]:
        a, r = acc[f"{act}, {depth}"], acc[f"relu, {depth}"]
        return {s: None if a.get(s) is None or r.get(s) is None else a[s] - r[s] for s in a}

    tests = []
    for act in ("silu", "gelu"):
        tests.append(Test(f"deep net test accuracy: {act} - relu", acc[f"{act}, deep"],
                          acc["relu, deep"], unit="pp", scale=100, margin=1.0))
    for act in ("silu", "gelu"):
        tests.append(Test(f"depth contrast: ({act} - relu) deep - ({act} - relu) shallow",
                          gap(act, "deep"), gap(act, "shallow"), unit="pp", scale=100))
    es = effects(tests)
    shallow = effects([Test(f"shallow net test accuracy: {act} - relu", acc[f"{act}, shallow"],
                            acc["relu, shallow"], unit="pp", scale=100)
                       for act in ("silu", "gelu")])
    table = summary_table("test accuracy at the validation-selected epoch (mean [95 % CI])",
                          ev.runs, {"test accuracy": metric("test_accuracy"),
                                    "validation accuracy": val_score,
                                    "training loss, last epoch": _loss}, chosen=ev.chosen)
    notes = ["A deep-net difference whose interval lies within ±1 accuracy point counts as no "
             "practical difference (not supported).",
             "The shallow-net effects are reported for the contrast (not part of the verdict)."]
    return es, with_tuning(ev, [table, effects_table("shallow net (control, Holm over 2)",
                                                     shallow)]), \
        [epoch_chart("validation accuracy", ev.runs, "val_accuracy", "accuracy")], notes


_DIG = dict(depth=4, width=64, optimizer="adam", epochs=8, batch_size=32)

CLAIMS: tuple[Claim, ...] = (
    Claim(3, "dying-relu", "Dying ReLU, and Leaky ReLU's fix",
          "A large learning rate or a negative bias initialization leaves ReLU units dead "
          "(zero for every input, so they never receive a gradient again); Leaky ReLU keeps "
          "gradients flowing and the network trains.",
          "the articles; Maas et al. 2013; Lu et al. 2019",
          "4 x 64 MLPs on digits with Adam for 8 epochs: ReLU healthy (bias 0), ReLU with bias "
          "-2, ReLU with the large lr 0.03 (fixed: it is the manipulation), Leaky ReLU (slope "
          "0.01 and 0.2) with bias -2; every other lr tuned on validation; dead fraction on a "
          "probe batch at the end; paired by seed.",
          "Supported if both bad settings leave significantly more dead ReLU units than the "
          "healthy one and both Leaky ReLUs reach a significantly lower training loss than "
          "ReLU under the negative bias (Holm over the four effects).",
          "yes: the healthy ReLU is the control for the dead fractions and ReLU with the same "
          "bias for Leaky ReLU's fix; a tuned lr small enough to keep units alive, or a ReLU "
          "net that trains despite the bias, makes an effect's interval contain 0.",
          {"relu, healthy": _c("digits", "relu", lr=1e-3, **_DIG),
           "relu, bias -2": _c("digits", "relu", lr=0.01, bias_init=-2.0, **_DIG),
           "relu, lr 0.03": _c("digits", "relu", lr=0.03, **_DIG),
           "leaky_relu 0.01, bias -2": _c("digits", "leaky_relu", lr=0.01, bias_init=-2.0,
                                          activation_params={"alpha": 0.01}, **_DIG),
           "leaky_relu 0.2, bias -2": _c("digits", "leaky_relu", lr=0.01, bias_init=-2.0,
                                         activation_params={"alpha": 0.2}, **_DIG)}, _a3,
          fixed_lr=frozenset({"relu, lr 0.03"}), tune_seeds=1,
          functions=("relu", "leaky_relu")),
    Claim(5, "relu-faster-than-tanh", "ReLU reaches a target training error sooner than tanh",
          "Networks with ReLUs reach a given training error several times faster than with "
          "tanh units.",
          "Krizhevsky et al. 2012 (AlexNet), figure 1",
          f"4 x 64 MLPs on MNIST-1D, SGD momentum 0.9, batches of 32, at most {_BUDGET5} "
          f"epochs, stopped at {_TARGET5:.0%} training error; each activation at its lr tuned on "
          "validation; epochs needed, paired by seed; "
          "runs that never reach it are censored at the budget and counted.",
          "Supported if tanh needs significantly more epochs than ReLU.",
          "yes: tanh at its own best lr is the control; if tuning lets tanh reach the target "
          "as soon as ReLU, the interval contains 0, and if tanh is faster it lies below 0.",
          {a: _c("mnist1d", a, depth=4, width=64, optimizer="sgd", lr=0.01, momentum=0.9,
                 epochs=_BUDGET5, batch_size=32, target_error=_TARGET5, stop_at_target=True)
           for a in ("relu", "tanh")}, _a5, tune_seeds=1, functions=("relu", "tanh"),
          metric="epochs_to_target"),
    Claim(6, "tanh-faster-than-sigmoid", "Zero-centred tanh trains faster than sigmoid",
          "Hidden units whose outputs are zero-centred (tanh) train faster than the logistic "
          "sigmoid, whose outputs are all positive.",
          "LeCun et al. 1998, Efficient BackProp, section 4.4",
          "3 x 64 MLPs on MNIST-1D (Glorot init for both), SGD momentum 0.9, batches of 32, 8 "
          "epochs, each activation at its lr tuned on validation; training loss of the last "
          "epoch, paired by seed.",
          "Supported if sigmoid ends with a significantly higher training loss.",
          "yes: tanh at its own tuned lr is the control; a sigmoid net that a larger lr lets "
          "keep up gives an interval containing 0.",
          {a: _c("mnist1d", a, depth=3, width=64, optimizer="sgd", lr=0.05, momentum=0.9,
                 epochs=8, batch_size=32) for a in ("sigmoid", "tanh")}, _a6, tune_seeds=1,
          functions=("sigmoid", "tanh"), metric="train_loss"),
    Claim(7, "swish-gelu-vs-relu", "Swish and GELU beat ReLU in deep networks",
          "Swish/SiLU and GELU reach a higher accuracy than ReLU in deep networks, and their "
          "advantage grows with depth.",
          "Ramachandran et al. 2017; Hendrycks & Gimpel 2016",
          "MLPs of width 64 on MNIST-1D, shallow (2 hidden layers) and deep (8), Adam, batches "
          "of 64, 6 epochs, each activation x depth at its lr tuned on validation; test "
          "accuracy at the validation-selected epoch, paired by seed.",
          "Supported if, in the deep net, SiLU and GELU are each significantly more accurate "
          "than ReLU and their advantage over ReLU is significantly larger in the deep net "
          "than in the shallow one (Holm over the four effects); not supported if a deep-net "
          "difference is significantly negative or within ±1 point.",
          "yes: ReLU at its own tuned lr is the control at each depth, and the shallow net is "
          "the control for depth; equal accuracies, or an advantage that does not grow with "
          "depth, leave an interval around 0.",
          {f"{a}, {d}": _c("mnist1d", a, depth=n, width=64, optimizer="adam", lr=1e-3,
                           epochs=6, batch_size=64)
           for d, n in _DEPTHS7.items() for a in ("relu", "silu", "gelu")}, _a7, tune_seeds=1,
          functions=("relu", "silu", "gelu"), metric="test_accuracy"),
)
