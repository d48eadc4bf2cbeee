"""Per-layer, per-epoch diagnostics as a training callback (cheap enough to leave on).

What is measured, for every Dense layer ``l`` (numbered from 1 at the input side; the last one is
the output layer) and the activation that follows it:

* ``grad_norm``: root-mean-square over the epoch's batches of ``||dL/dW_l||_F``;
* ``grad_ratio``: the same for ``||dL/dW_l||_F / ||W_l||_F`` (how far one unit-rate step moves
  the weights, relative to their size);
* on a fixed probe batch (up to ``probe_size`` training samples, drawn once with ``seed``) at
  the end of every epoch: ``act_mean``/``act_std`` of the activation's output, ``dead`` (the
  fraction of units whose output is exactly 0 for every probe sample), ``saturated`` (the
  fraction of entries with ``|f'(x)| < 0.05``, ``x`` the pre-activation) and ``zeros`` (the
  fraction of entries exactly 0).

Epoch 0 is the untrained network (activation statistics always; gradient norms when the callback
is given the ``loss``, computed on the probe batch).

Flags (thresholds are the :class:`Thresholds` fields, documented there) are raised per epoch and
collected in :attr:`Diagnostics.flags`: ``"vanishing"``, ``"exploding"`` and ``"dead:<layer>"``.

Cost per batch: one dot product per weight matrix (two norms); per epoch: one forward pass of the
probe batch. In a 6x128 MLP on MNIST-1D that is a few per cent of the training time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..nn.callbacks import Callback
from .layerstats import LayerStats

#: |f'(x)| below this counts as saturated.
SATURATION_GRAD = 0.05


@dataclass(frozen=True)
class Thresholds:
    """When a flag is raised (evaluated on each epoch's records).

    ``vanishing``
        the input-side layer's gradient norm is below ``vanishing`` times the largest layer
        gradient norm of the network (default 1e-3: the first layer learns a thousand times
        more slowly than the fastest; sigmoid shrinks gradients by at least 4x per layer, so a
        20-layer sigmoid net is far below it and a 4-layer ReLU net far above), or every
        gradient is exactly 0.
    ``exploding``
        any gradient norm is non-finite, or the input-side layer's gradient norm exceeds
        ``exploding`` times the output layer's (default 1e3: gradients grow toward the input),
        or any gradient norm exceeds ``exploding_abs`` (default 1e4).
    ``dead``
        a hidden layer has more than ``dead`` of its units dead (default 0.5: mostly dead).
    """

    vanishing: float = 1e-3
    exploding: float = 1e3
    exploding_abs: float = 1e4
    dead: float = 0.5


def _norm(a: np.ndarray) -> float:
    flat = a.ravel()
    return math.sqrt(float(np.dot(flat, flat)))


def _dense_indices(layers: Sequence[Any]) -> list[int]:
    return [i for i, layer in enumerate(layers) if "W" in getattr(layer, "params", {})]


def _activation_after(layers: Sequence[Any], i: int, dense: list[int]) -> int | None:
    """Index of the first catalogue activation after layer ``i`` and before the next Dense."""
    stop = next((j for j in dense if j > i), len(layers))
    for j in range(i + 1, stop):
        # type(): hasattr on the instance would compute the (lazy, possibly slow) sheet
        if hasattr(layers[j], "f") and hasattr(type(layers[j].f), "info"):
            return j
    return None


def layer_flags(rows: Sequence[LayerStats], th: Thresholds = Thresholds()) -> list[str]:
    """Flags for one epoch's rows (input side first).

    >>> rows = [LayerStats(1, l, 8, "sigmoid", g, None, 1.0) for l, g in [(1, 1e-9), (2, 1.0)]]
    >>> layer_flags(rows)
    ['vanishing']
    """
    out: list[str] = []
    norms = [r.grad_norm for r in rows if r.grad_norm is not None]
    if norms:
        if not all(math.isfinite(g) for g in norms):
            out.append("exploding")
        else:
            top = max(norms)
            first, last = norms[0], norms[-1]
            if first < th.vanishing * top or top == 0.0:  # all zero: nothing flows at all
                out.append("vanishing")
            if (last > 0 and first > th.exploding * last) or top > th.exploding_abs:
                out.append("exploding")
    for r in rows[:-1] if len(rows) > 1 else rows:
        if r.dead is not None and r.dead > th.dead:
            out.append(f"dead:{r.layer}")
    return out


class Diagnostics(Callback):
    """Training callback recording :class:`LayerStats` rows (see the module doc).

    Works with any callback-driven trainer that calls ``on_train_begin(model, X, y)``,
    ``on_batch_end(step, model, loss)`` after the backward pass and
    ``on_epoch_end(epoch, model, record)``; ``model.layers`` must be a list of layers with
    ``params``/``grads`` dicts (actlab's ``Sequential``).
    """

    def __init__(
        self,
        *,
        probe: np.ndarray | None = None,
        probe_size: int = 256,
        seed: int = 0,
        loss: Any = None,
        thresholds: Thresholds = Thresholds(),
    ) -> None:
        self.probe = probe
        self.probe_size = int(probe_size)
        self.seed = int(seed)
        self.loss = loss
        self.thresholds = thresholds
        self.records: list[LayerStats] = []
        self.flags: list[str] = []
        self.flag_epochs: dict[str, int] = {}
        self._probe_y: np.ndarray | None = None

    # ------------------------------------------------------------------ callback hooks
    def on_train_begin(self, model: Any, X: np.ndarray, y: np.ndarray) -> None:
        if self.probe is None:
            rng = np.random.default_rng(self.seed)
            n = min(self.probe_size, len(X))
            idx = np.sort(rng.choice(len(X), size=n, replace=False))
            self.probe, self._probe_y = X[idx], y[idx]
        self.records, self.flags, self.flag_epochs = [], [], {}
        layers = model.layers
        self._dense = _dense_indices(layers)
        self._acts = {i: _activation_after(layers, i, self._dense) for i in self._dense}
        self._reset()
        grads = self._probe_gradients(model) if self.loss is not None else None
        self._record(0, model, grads)

    def on_batch_end(self, step: int, model: Any, loss: float) -> None:
        layers = model.layers
        for k, i in enumerate(self._dense):
            g = _norm(layers[i].grads["W"])
            w = _norm(layers[i].params["W"])
            self._g2[k] += g * g
            self._r2[k] += (g / w) ** 2 if w > 0 else math.inf
        self._batches += 1

    def on_epoch_end(self, epoch: int, model: Any, record: Any = None) -> None:
        n = max(self._batches, 1)
        grads = None
        if self._batches:
            grads = [(math.sqrt(g / n), math.sqrt(r / n)) for g, r in zip(self._g2, self._r2)]
        self._record(int(epoch), model, grads)
        self._reset()
        return None

    def on_train_end(self, model: Any, history: Any = None) -> None:
        return None

    # ------------------------------------------------------------------ internals
    def _reset(self) -> None:
        self._g2 = [0.0] * len(self._dense)
        self._r2 = [0.0] * len(self._dense)
        self._batches = 0

    def _probe_gradients(self, model: Any) -> list[tuple[float, float]] | None:
        """Gradient norms on the probe batch of the current weights (used for epoch 0)."""
        if self._probe_y is None:
            return None
        norms = gradient_norms(model, self.probe, self._probe_y, self.loss)
        layers = model.layers
        return [(g, g / w if (w := _norm(layers[i].params["W"])) > 0 else math.inf)
                for g, i in zip(norms, self._dense)]

    def _record(self, epoch: int, model: Any, grads: list[tuple[float, float]] | None) -> None:
        layers = model.layers
        x = self.probe
        pre: dict[int, np.ndarray] = {}
        outs: dict[int, np.ndarray] = {}
        wanted = {j for j in self._acts.values() if j is not None}
        last = max(wanted) if wanted else -1
        with np.errstate(all="ignore"):
            for j, layer in enumerate(layers[: last + 1]):
                if j in wanted:
                    pre[j] = x
                x = layer.forward(x, training=False)
                if j in wanted:
                    outs[j] = x
        rows = []
        for k, i in enumerate(self._dense):
            j = self._acts[i]
            W = layers[i].params["W"]
            row: dict[str, Any] = dict(
                epoch=epoch, layer=k + 1, units=int(W.shape[-1]),
                activation=None if j is None else layers[j].f.name,
                grad_norm=None if grads is None else grads[k][0],
                grad_ratio=None if grads is None else grads[k][1],
                weight_norm=_norm(W),
            )
            if j is not None:
                row.update(activation_stats(layers[j].f, pre[j], outs[j]))
            rows.append(LayerStats(**row))
        self.records.extend(rows)
        for flag in layer_flags(rows, self.thresholds):
            if flag not in self.flag_epochs:
                self.flag_epochs[flag] = epoch
                self.flags.append(flag)


def activation_stats(f: Any, x: np.ndarray, y: np.ndarray) -> dict[str, float | None]:
    """``act_mean``, ``act_std``, ``dead``, ``saturated``, ``zeros`` of one activation layer
    with pre-activation ``x`` and output ``y`` (rows are samples).

    >>> import actlab
    >>> x = np.array([[-1.0, 2.0], [-3.0, 0.5]])
    >>> s = activation_stats(actlab.get("relu"), x, np.maximum(x, 0))
    >>> s["dead"], s["zeros"], s["saturated"]
    (0.5, 0.5, 0.5)
    """
    y2 = y.reshape(len(y), -1)
    yf = y2.astype(np.float64, copy=False)
    is_zero = y2 == 0
    sat = None
    if not getattr(f, "vector", False):
        with np.errstate(all="ignore"):
            d = f.grad(x)
        sat = float(np.mean(np.abs(d) < SATURATION_GRAD))
    return {
        "act_mean": float(yf.mean()) if yf.size else None,
        "act_std": float(yf.std()) if yf.size else None,
        "dead": float(np.mean(np.all(is_zero, axis=0))) if y2.shape[1] else None,
        "saturated": sat,
        "zeros": float(is_zero.mean()) if y2.size else None,
    }


def gradient_norms(model: Any, X: np.ndarray, y: np.ndarray, loss: Any) -> list[float]:
    """Frobenius norm of ``dL/dW`` of every Dense layer (input side first) on one batch.

    ``loss`` is a loss object with ``value_and_grad(pred, target)`` or a name for
    ``actlab.nn.get_loss``. The model's ``grads`` are overwritten, as by any training step.
    """
    if isinstance(loss, str):
        from actlab.nn.losses import get_loss

        loss = get_loss(loss)
    with np.errstate(all="ignore"):
        pred = model.forward(X, training=True)
        _, dpred = loss.value_and_grad(pred, y)
        model.backward(dpred)
    layers = model.layers
    return [_norm(layers[i].grads["W"]) for i in _dense_indices(layers)]
