"""Replay a lab page run in Python: the same initial weights (the page's exported model file),
the same data and batch order, through ``actlab.nn.fit`` in float64; the batch loss per step."""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np

import actlab.nn as nn
from actlab.nn.callbacks import Callback


class _Losses(Callback):
    def __init__(self) -> None:
        self.values: list[float] = []

    def on_batch_end(self, step, model, loss):
        self.values.append(loss)


def load_b64(b64: str, folder: Path, name: str) -> nn.Sequential:
    """``actlab.nn.load`` of a base64 model file (what ``window.actlab.exportModel`` returns)."""
    path = Path(folder) / name
    path.write_bytes(base64.b64decode(b64))
    return nn.load(path)


def _optimizer(cfg: dict) -> nn.Optimizer:
    if cfg["opt"] == "adam":
        return nn.Adam(lr=cfg["lr"])
    return nn.SGD(lr=cfg["lr"], momentum=0.9 if cfg["opt"] == "momentum" else 0.0)


def _targets(loss: str, y: np.ndarray, k: int, classes: bool) -> np.ndarray:
    if not classes:
        return y.astype(np.float64).reshape(-1, 1)
    if loss == "softmax_cross_entropy":
        return y.astype(np.int64)
    if k == 1:
        return y.astype(np.float64).reshape(-1, 1)
    return np.eye(k)[y.astype(np.int64)]


def replay(model: nn.Sequential, cfg: dict, loss: str, X: np.ndarray, y, batches) -> list[float]:
    """Train ``model`` in place on ``batches`` (lists of row indices); the loss of each step."""
    y = np.asarray(y, dtype=np.float64)
    k = model.layers[-1].out_features
    classes = cfg["data"] != "plane" and not (cfg["data"] == "csv" and k == 1 and loss == "sse")
    opt = _optimizer(cfg)
    rec = _Losses()
    common = dict(loss=loss, epochs=1, shuffle=False, callbacks=[rec], l1=cfg["l1"], l2=cfg["l2"],
                  clip_norm=cfg["clip"] or None, progress=False)
    if len({len(b) for b in batches[:-1]} | {cfg["batch"]}) == 1:  # one fit over all steps
        order = np.concatenate([np.asarray(b, dtype=np.int64) for b in batches])
        nn.fit(model, X[order], _targets(loss, y[order], k, classes), optimizer=opt,
               batch_size=cfg["batch"], **common)
    else:  # epochs end in a short batch: one fit call per batch, sharing the optimizer
        for b in batches:
            idx = np.asarray(b, dtype=np.int64)
            nn.fit(model, X[idx], _targets(loss, y[idx], k, classes), optimizer=opt,
                   batch_size=len(idx), **common)
    return rec.values


def assert_same_losses(page, ours, rtol: float = 1e-9) -> None:
    page = np.asarray(page, dtype=np.float64)
    ours = np.asarray(ours, dtype=np.float64)
    assert page.shape == ours.shape and page.size > 1
    rel = np.abs(page - ours) / np.maximum(np.abs(ours), 1e-300)
    worst = int(rel.argmax())
    assert rel.max() <= rtol, f"worst step {worst}: page {page[worst]} vs actlab {ours[worst]}"
    assert page[-1] != page[0]  # it trained
