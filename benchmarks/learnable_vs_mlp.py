"""Learnable activations vs plain MLPs of equal parameter count on MNIST-1D.

Rows (MNIST-1D: 4000 train / 1000 test signals of length 40, 10 classes, raw inputs):

* ``relu  40-100-100-10``  the reference MLP;
* ``PAU   40-100-100-10``  a shared PAU (version A, leaky-ReLU init) after each hidden layer;
* ``relu  equal to APL``   a ReLU MLP whose width gives APL's parameter count;
* ``APL   40-100-100-10``  APL with 2 hinges per unit;
* ``KAN   40-32-10``       two KANLinear layers (grid 5, cubic), one grid update from the
  training inputs before training (Liu et al. update the grid during training as well);
* ``relu  equal to KAN``   a ReLU MLP with (about) the KAN's parameter count.

Every model trains with Adam (lr 3e-3, batch 100, shuffled, float32) for ``--epochs`` epochs
(default 60; the MNIST-1D paper uses 150, so these are shorter runs) for each of ``--seeds``
seeds; the table gives test accuracy as mean and 95 % t-interval over seeds. Time per step
(forward + backward + Adam on one batch of 100) is measured separately, interleaved over the
models, best of ``--repeats``, BLAS pinned to one thread (set below, before numpy loads).

Run:  .venv/bin/python benchmarks/learnable_vs_mlp.py [--epochs 60] [--seeds 5]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402

from actlab.data import mnist1d  # noqa: E402
from actlab.nn import (  # noqa: E402
    APL, PAU, Activation, Adam, Dense, KANLinear, Sequential, fit, get_loss, update_grids,
)

Builder = Callable[[int], Sequential]


def mlp(width: int, act: Callable[[int], object], seed: int) -> Sequential:
    return Sequential([Dense(40, width), act(width), Dense(width, width), act(width),
                       Dense(width, 10)], seed=seed)


def mlp_params(width: int) -> int:
    return 40 * width + width + width * width + width + width * 10 + 10


def equal_width(n_params: int) -> int:
    """The ReLU MLP width whose parameter count is closest to ``n_params``."""
    return min(range(1, 1000), key=lambda w: abs(mlp_params(w) - n_params))


def builders() -> dict[str, Builder]:
    def relu(_w):
        return Activation("relu")

    def kan(seed):
        return Sequential([KANLinear(40, 32), KANLinear(32, 10)], seed=seed)

    apl_n = mlp(100, lambda w: APL(w, hinges=2), 0).n_params
    kan_n = kan(0).n_params
    wa, wk = equal_width(apl_n), equal_width(kan_n)
    return {
        "relu 40-100-100-10": lambda s: mlp(100, relu, s),
        "PAU  40-100-100-10": lambda s: mlp(100, lambda w: PAU(), s),
        f"relu 40-{wa}-{wa}-10 (=APL)": lambda s: mlp(wa, relu, s),
        "APL  40-100-100-10": lambda s: mlp(100, lambda w: APL(w, hinges=2), s),
        f"relu 40-{wk}-{wk}-10 (=KAN)": lambda s: mlp(wk, relu, s),
        "KAN  40-32-10": kan,
    }


def train_once(build: Builder, seed: int, data, epochs: int) -> float:
    model = build(seed)
    if any(isinstance(layer, KANLinear) for layer in model):
        update_grids(model, data.X_train[:1000])
    fit(model, data.X_train, data.y_train, loss="softmax_cross_entropy",
        optimizer=Adam(lr=3e-3), epochs=epochs, batch_size=100, seed=seed, progress=False)
    return model.evaluate(data.X_test, data.y_test, "softmax_cross_entropy")["accuracy"]


def step_times(models: dict[str, Sequential], X, y, repeats: int, steps: int = 20):
    loss = get_loss("softmax_cross_entropy")
    best = {k: math.inf for k in models}
    state = {}
    for name, model in models.items():
        state[name] = (model, Adam(lr=3e-3), model.parameters(), model.gradients())
    batches = [X[i * 100:(i + 1) * 100].astype(np.float32) for i in range(steps)]
    labels = [y[i * 100:(i + 1) * 100] for i in range(steps)]
    for _ in range(repeats):
        for name, (model, opt, params, grads) in state.items():
            t = time.perf_counter()
            for xb, yb in zip(batches, labels):
                _, dout = loss.value_and_grad(model.forward(xb, training=True), yb)
                model.backward(dout, need_input_grad=False)
                opt.step(params, grads)
            best[name] = min(best[name], (time.perf_counter() - t) / steps)
    return best


def ci95(values: list[float]) -> tuple[float, float]:
    from scipy.stats import t

    a = np.asarray(values, float)
    if len(a) < 2:
        return float(a.mean()), float("nan")
    return float(a.mean()), float(t.ppf(0.975, len(a) - 1) * a.std(ddof=1) / math.sqrt(len(a)))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()
    data = mnist1d()
    rows = builders()
    t0 = time.perf_counter()
    acc = {name: [train_once(build, s, data, args.epochs) for s in range(args.seeds)]
           for name, build in rows.items()}
    train_s = time.perf_counter() - t0
    times = step_times({n: b(0) for n, b in rows.items()}, data.X_train, data.y_train,
                       args.repeats)
    print(f"MNIST-1D, {args.epochs} epochs, Adam lr 3e-3, batch 100, float32, "
          f"{args.seeds} seeds (0..{args.seeds - 1}); 1 BLAS thread")
    print(f"{'model':<28} {'params':>7} {'test acc % (95% CI)':>22} {'ms/step':>8}")
    for name, build in rows.items():
        m, h = ci95(acc[name])
        n = build(0).n_params
        print(f"{name:<28} {n:>7,} {100 * m:>13.1f} ± {100 * h:<5.1f} {1e3 * times[name]:>8.2f}")
    print(f"(training wall time {train_s:.0f} s)")


if __name__ == "__main__":
    main()
