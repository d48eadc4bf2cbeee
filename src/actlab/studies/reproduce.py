"""``actlab reproduce mnist1d``: the MNIST-1D paper's table, rerun over seeds with intervals.

Greydanus & Kobak (2020) report test accuracy on MNIST-1D (4000 train / 1000 test, length 40):
logistic regression 32 %, MLP 68 %, CNN 94 %. Their settings, used here unchanged: Adam with
lr 1e-2, batches of 100 taken in order (no shuffling), 6000 steps (= 150 epochs), no weight
decay, raw inputs, PyTorch's default initialisation (weights and biases uniform on
``±1/sqrt(fan_in)``); MLP 40-100-100-10 with ReLU and a residual second layer
(``h2 = h1 + relu(W2 h1 + b2)``); CNN of three Conv1d of 25 channels (k5 s2 p1, k3 s2 p1,
k3 s2 p1) with ReLU and a linear read-out 125 -> 10. The paper's protocol reports the test
accuracy at the end of training (there is no validation split), and so does this table. A
seed draws the initial weights only (the batch order is fixed, as in the paper).

Our extension: the same MLP and CNN with each activation in place of ReLU.

>>> from actlab.studies.reproduce import reproduce
>>> r = reproduce(seeds=2, steps=40, activations=("tanh",), jobs=1, progress=False)
>>> [row.model for row in r.rows]
['logistic', 'mlp', 'cnn', 'mlp', 'cnn']
>>> r.rows[0].paper
0.32
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..activations import limit_threads
from ..nn.base import Layer
from . import parallel
from .findings import Estimate
from .stats import mean_ci

PAPER = {"logistic": 0.32, "mlp": 0.68, "cnn": 0.94}
STEPS, BATCH, LR = 6000, 100, 1e-2


class Residual(Layer):
    """``x + f(W x + b)``: a square Dense layer and an activation with a skip connection."""

    def __init__(self, width: int, activation: str = "relu", **params: Any) -> None:
        super().__init__()
        from ..nn.layers import Activation, Dense

        self.width, self.activation, self.act_params = int(width), activation, dict(params)
        self.dense = Dense(width, width, init="glorot_uniform")
        self.act = Activation(activation, **params)
        self.params, self.grads = self.dense.params, self.dense.grads

    def build(self, rng: np.random.Generator, dtype: np.dtype) -> None:
        self.dense.build(rng, dtype)
        self.params, self.grads = self.dense.params, self.dense.grads

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        return x + self.act.forward(self.dense.forward(x, training=training), training=training)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        return dy + self.dense.backward(self.act.backward(dy))

    def config(self) -> dict[str, Any]:
        return {"width": self.width, "activation": self.activation, **self.act_params}


def build(kind: str, activation: str = "relu", seed: int = 0) -> Any:
    """The paper's ``logistic``, ``mlp`` or ``cnn`` with PyTorch's default initialisation."""
    from ..nn.layers import Activation, Dense
    from ..nn.model import Sequential
    from ..nn.zoo import mnist1d_cnn

    if kind == "logistic":
        model = Sequential([Dense(40, 10, init="glorot_uniform")], seed=seed)
    elif kind == "mlp":
        model = Sequential([Dense(40, 100, init="glorot_uniform"), Activation(activation),
                            Residual(100, activation), Dense(100, 10, init="glorot_uniform")],
                           seed=seed)
    elif kind == "cnn":
        model = mnist1d_cnn(activation=activation, init="glorot_uniform", seed=seed)
    else:
        raise ValueError(f"unknown model {kind!r} (known: logistic, mlp, cnn)")
    rng = np.random.default_rng([seed, 2020])
    for layer in model.layers:
        target = layer.dense if isinstance(layer, Residual) else layer
        if "W" not in target.params:
            continue
        W = target.params["W"]
        fan_in = int(np.prod(W.shape[1:])) if W.ndim == 3 else W.shape[0]  # conv / dense
        bound = 1.0 / math.sqrt(fan_in)
        W[...] = rng.uniform(-bound, bound, W.shape)
        if "b" in target.params:
            b = target.params["b"]
            b[...] = rng.uniform(-bound, bound, b.shape)
    return model


def run(kind: str, activation: str, seed: int, steps: int = STEPS) -> float:
    """Test accuracy at the end of ``steps`` Adam steps (the paper's protocol)."""
    from actlab.data import load
    from actlab.nn.train import fit

    ds = load("mnist1d")
    X, y = ds.X_train.astype(np.float32), ds.y_train
    per_epoch = math.ceil(len(X) / BATCH)
    epochs, rest = divmod(int(steps), per_epoch)
    if rest:  # the paper's 6000 steps are 150 whole epochs; a shorter run is cut to whole ones
        epochs += 1
    model = build(kind, activation, seed)
    with np.errstate(all="ignore"):
        fit(model, X, y, loss="softmax_cross_entropy", optimizer=_adam(),
            epochs=max(1, epochs), batch_size=BATCH, shuffle=False, progress=False)
        pred = model.forward(ds.X_test.astype(np.float32), training=False)
    return float(np.mean(np.argmax(pred, axis=1) == ds.y_test))


def _adam() -> Any:
    from actlab.nn.optim import get_optimizer

    return get_optimizer("adam", lr=LR)


@dataclass(frozen=True)
class Row:
    model: str
    activation: str
    accuracy: Estimate
    paper: float | None = None


@dataclass(frozen=True)
class Reproduction:
    rows: tuple[Row, ...]
    seeds: int
    steps: int
    seconds: float


def _task(kind: str, activation: str, seed: int, steps: int,
          study: int | None = None) -> tuple[str, str, int, float]:
    if study is not None:  # in a worker process: leave when the study process is gone
        from .runner import _exit_with_parent

        _exit_with_parent(study)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        return kind, activation, seed, run(kind, activation, seed, steps)
    with threadpool_limits(1), limit_threads(1):
        return kind, activation, seed, run(kind, activation, seed, steps)


def reproduce(*, seeds: int = 5, steps: int = STEPS, activations: Sequence[str] = (),
              jobs: int = 1, progress: bool = True) -> Reproduction:
    """The paper's three models with ReLU, then MLP and CNN with each of ``activations``."""
    if seeds < 1 or steps < 1:
        raise ValueError(f"seeds and steps must be positive, got {seeds}, {steps}")
    import actlab

    acts = [actlab.get(a).name for a in activations]  # validates the names
    plan = [("logistic", "relu"), ("mlp", "relu"), ("cnn", "relu")]
    plan += [(k, a) for a in acts if a != "relu" for k in ("mlp", "cnn")]
    tasks = [(k, a, s) for k, a in plan for s in range(seeds)]
    t0 = time.perf_counter()
    from tqdm.auto import tqdm

    bar = tqdm(total=len(tasks), desc="reproduce mnist1d", unit="run", disable=not progress)
    done: dict[tuple[str, str, int], float] = {}
    try:
        # loky, Dask or Ray as configured (``actlab.studies.parallel``); results come back in
        # any order and are put back in seed order, so every backend gives the same table
        for k, a, s, v in parallel.execute(_task, [(k, a, s, steps) for k, a, s in tasks],
                                           jobs=jobs, child_kwargs={"study": os.getpid()}):
            done[(k, a, s)] = v
            bar.update(1)
    finally:
        bar.close()
    acc = {(k, a): [done[(k, a, s)] for s in range(seeds)] for k, a in plan}
    rows = tuple(Row(k, a, mean_ci(acc[(k, a)]), PAPER[k] if a == "relu" else None)
                 for k, a in plan)
    return Reproduction(rows, seeds, steps, time.perf_counter() - t0)


def format_table(r: Reproduction) -> str:
    """The paper's row beside ours, then the per-activation extension."""
    def cell(e: Estimate) -> str:
        if e.n > 1 and math.isfinite(e.low):  # an accuracy interval is clipped to [0, 1]
            return f"{e.mean:6.1%} [{max(0.0, e.low):.1%}, {min(1.0, e.high):.1%}]"
        return f"{e.mean:6.1%}"

    lines = [f"MNIST-1D, the paper's settings (Adam lr {LR:g}, batch {BATCH}, {r.steps} steps, "
             f"final-step test accuracy), {r.seeds} seeds, 95 % t intervals:",
             f"{'model':10s} {'paper':>6s}  {'actlab (ReLU)':28s}"]
    for row in r.rows:
        if row.paper is not None:
            lines.append(f"{row.model:10s} {row.paper:6.0%}  {cell(row.accuracy)}")
    ext = [row for row in r.rows if row.paper is None]
    if ext:
        lines += ["", "Per activation (our extension; same models and settings):",
                  f"{'activation':12s} {'MLP':28s} {'CNN':28s}"]
        by = {(row.model, row.activation): row.accuracy for row in r.rows}
        for a in dict.fromkeys(row.activation for row in r.rows if row.model != "logistic"):
            lines.append(f"{a:12s} {cell(by[('mlp', a)]):28s} {cell(by[('cnn', a)]):28s}")
    lines.append(f"\n[{r.seconds:.0f} s]")
    return "\n".join(lines)
