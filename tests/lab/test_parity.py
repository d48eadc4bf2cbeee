"""One engine, two languages: the page's engine (run in node) against actlab.nn in float64.

The page run exports its initial weights as an actlab model file, its data and the batch order;
Python opens the file with ``actlab.nn.load``, replays the same batches through ``fit`` and
compares every step's batch loss (relative difference <= 1e-9) and the final weights.
"""

from __future__ import annotations

import base64

import numpy as np
import pytest

import actlab.nn as nn
from actlab.lab.catalogue import catalogue
from actlab.nn.callbacks import Callback

from .conftest import run_node

STEPS = 200

CASES = {
    "tanh-sgd-bce": dict(data="circles", layers=[8, 8], acts=["tanh", "tanh"], opt="sgd",
                         lr=0.1, batch=10, loss="binary_cross_entropy"),
    "relu-momentum-softmax-l2-clip": dict(data="blobs3", layers=[16, 8],
                                          acts=["relu", "leaky_relu"], opt="momentum",
                                          lr=0.05, batch=7, l2=1e-3, clip=0.5, bias=0.1),
    "gelu-adam-sse-l1": dict(data="plane", layers=[6, 6, 6], acts=["gelu", "mish", "silu"],
                             opt="adam", lr=0.01, batch=16, l1=1e-4),
    "deep-sigmoid-sse-classes": dict(data="xor", layers=[10] * 6, acts=["sigmoid"] * 6,
                                     opt="sgd", lr=0.5, batch=10, loss="sse"),
    "elu-family": dict(data="moons", layers=[8, 8, 8, 8], opt="adam", lr=0.02, batch=12,
                       acts=["elu", "selu", "softplus", "hard_swish"], init="lecun_normal"),
    "bounded-family": dict(data="spirals", layers=[8, 8, 8, 8, 8], opt="momentum", lr=0.05,
                           acts=["hard_tanh", "relu6", "softsign", "celu", "log_sigmoid"],
                           batch=9, loss="softmax_cross_entropy"),
}


class _Losses(Callback):
    def __init__(self) -> None:
        self.values: list[float] = []

    def on_batch_end(self, step, model, loss):
        self.values.append(loss)


def _optimizer(cfg: dict) -> nn.Optimizer:
    if cfg["opt"] == "adam":
        return nn.Adam(lr=cfg["lr"])
    return nn.SGD(lr=cfg["lr"], momentum=0.9 if cfg["opt"] == "momentum" else 0.0)


def _load(b64: str, tmp_path, name: str) -> nn.Sequential:
    path = tmp_path / name
    path.write_bytes(base64.b64decode(b64))
    return nn.load(path)


def _targets(loss: str, y: np.ndarray, k: int, classes: bool) -> np.ndarray:
    if not classes:
        return y.astype(np.float64).reshape(-1, 1)
    if loss == "softmax_cross_entropy":
        return y.astype(np.int64)
    if k == 1:
        return y.astype(np.float64).reshape(-1, 1)
    return np.eye(k)[y.astype(np.int64)]


@pytest.mark.parametrize("name", list(CASES))
def test_page_engine_equals_actlab_nn(name, tmp_path):
    run = run_node("replay.mjs", {"catalogue": catalogue(), "config": CASES[name], "steps": STEPS})
    cfg = run["config"]
    model = _load(run["model"], tmp_path, "start.npz")
    assert model.dtype == np.float64
    X = np.array(run["Xtr"], dtype=np.float64).reshape(-1, 2)
    y = np.array(run["ytr"], dtype=np.float64)
    k = model.layers[-1].out_features
    classes = cfg["data"] != "plane"
    order = np.concatenate([np.array(b, dtype=np.int64) for b in run["batches"]])
    sizes = {len(b) for b in run["batches"][:-1]}
    rec = _Losses()
    if sizes == {cfg["batch"]}:
        nn.fit(model, X[order], _targets(run["loss"], y[order], k, classes), loss=run["loss"],
               optimizer=_optimizer(cfg), epochs=1, batch_size=cfg["batch"], shuffle=False,
               callbacks=[rec], l1=cfg["l1"], l2=cfg["l2"], clip_norm=cfg["clip"] or None,
               progress=False)
    else:  # epochs end in a short batch: one fit call per batch, sharing the optimizer
        opt = _optimizer(cfg)
        for b in run["batches"]:
            idx = np.array(b, dtype=np.int64)
            nn.fit(model, X[idx], _targets(run["loss"], y[idx], k, classes), loss=run["loss"],
                   optimizer=opt, epochs=1, batch_size=len(idx), shuffle=False, callbacks=[rec],
                   l1=cfg["l1"], l2=cfg["l2"], clip_norm=cfg["clip"] or None, progress=False)
    page = np.array(run["losses"], dtype=np.float64)
    ours = np.array(rec.values, dtype=np.float64)
    assert len(page) == len(ours) == STEPS
    rel = np.abs(page - ours) / np.maximum(np.abs(ours), 1e-300)
    worst = int(rel.argmax())
    assert rel.max() <= 1e-9, f"worst step {worst}: {page[worst]} vs {ours[worst]}"
    assert page[-1] != page[0]  # it trained
    final = _load(run["final_model"], tmp_path, "final.npz")
    for key, want in model.state().items():
        np.testing.assert_allclose(final.state()[key], want, rtol=1e-8, atol=1e-12, err_msg=key)
