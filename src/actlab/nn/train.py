"""``fit``: mini-batch training with a seeded shuffle, records, hooks and fault handling.

* Data are checked before anything runs: non-numeric or non-finite ``X``/``y`` and length
  mismatches raise ``ValueError``. ``X`` (and float targets) are converted to the model dtype once.
* The same model seed and ``fit`` seed give bitwise identical weights and records.
* A non-finite batch loss raises :class:`TrainingDiverged` (a ``ValueError``) naming the epoch and
  step. The model keeps the last finite weights: the loss is checked *before* the update it would
  drive, so the current weights are kept when they are finite; otherwise (an update overflowed)
  the copy taken at the end of the last finite epoch (or at the start) is restored. Optimizer
  state (momentum, Adam moments) is not rolled back.
* Ctrl-C stops cleanly between batches (the first SIGINT sets a flag checked after each batch;
  a second one interrupts at once) and returns the history so far with ``interrupted=True``.
"""

from __future__ import annotations

import math
import signal
import threading
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._util_checks import integer, real
from .callbacks import Callback, EpochRecord, History
from .losses import Loss, SoftmaxCrossEntropy, get_loss
from .model import Sequential, quiet
from .optim import L1, L2, Optimizer, clip_grad_norm, clip_grad_value, get_optimizer


class TrainingDiverged(ValueError):
    """The loss (or, at an epoch's end, a weight) became NaN or infinite.

    ``epoch`` and ``step`` are 1-based; ``step`` counts batches since the start of ``fit`` and
    names the batch whose loss was not finite (its update was not applied) or the update that
    made the weights non-finite. ``loss`` is the offending value, ``restored`` says which
    weights the model now holds (``"current"``: they were finite; ``"checkpoint"``: the copy from
    the end of the last finite epoch, or from the start), ``history`` the completed epochs."""

    def __init__(self, message: str, *, epoch: int, step: int, loss: float, restored: str,
                 history: History) -> None:
        super().__init__(message)
        self.epoch, self.step, self.loss = epoch, step, loss
        self.restored, self.history = restored, history


def _check_finite(a: np.ndarray, name: str) -> None:
    if a.dtype.kind in "fc":
        finite = np.isfinite(a)
        if not finite.all():
            bad = np.argwhere(~finite)
            raise ValueError(
                f"{name} contains {len(bad)} NaN or infinite value(s) (first at index "
                f"{tuple(int(i) for i in bad[0])}); clean the data before training"
            )


def _prepare_data(model: Sequential, loss: Loss, X: Any, y: Any, what: str):
    X = np.asarray(X)
    y = np.asarray(y)
    if X.dtype.kind not in "biuf":
        raise ValueError(f"{what}X must be numeric, got dtype {X.dtype}")
    if y.dtype.kind not in "biuf":
        raise ValueError(f"{what}y must be numeric, got dtype {y.dtype}")
    if X.ndim < 1 or y.ndim < 1:
        raise ValueError(f"{what}X and y must have a sample axis; got shapes {X.shape}, {y.shape}")
    if len(X) != len(y):
        raise ValueError(f"{what}X has {len(X)} samples but {what}y has {len(y)}")
    if len(X) == 0:
        raise ValueError(f"{what}X is empty")
    _check_finite(X, f"{what}X")
    _check_finite(y, f"{what}y")
    with np.errstate(over="ignore"):
        X = np.ascontiguousarray(X, dtype=model.dtype)
    _check_finite(X, f"{what}X (converted to {model.dtype})")
    labels = isinstance(loss, SoftmaxCrossEntropy) and y.ndim == 1
    if labels:
        if y.dtype.kind == "f" and not (np.array_equal(y, np.round(y))
                                        and np.abs(y).max(initial=0) < 2**53):
            raise ValueError(f"{what}y: softmax_cross_entropy needs integer class labels")
        y = y.astype(np.int64, copy=False)
    else:
        with np.errstate(over="ignore"):
            y = np.ascontiguousarray(y, dtype=model.dtype)
        _check_finite(y, f"{what}y (converted to {model.dtype})")
    return X, y


class _SigintFlag:
    """First Ctrl-C sets ``requested``; a second one raises KeyboardInterrupt at once.
    Installed only in the main thread and only over Python's default handler."""

    def __init__(self) -> None:
        self.requested = False
        self._installed = False

    def _handler(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self):
        if (threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGINT) is signal.default_int_handler):
            signal.signal(signal.SIGINT, self._handler)
            self._installed = True
        return self

    def __exit__(self, *exc):
        if self._installed:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        return False


def fit(
    model: Sequential,
    X: Any,
    y: Any,
    *,
    loss: str | Loss,
    optimizer: str | Optimizer = "sgd",
    epochs: int = 10,
    batch_size: int = 32,
    seed: int = 0,
    validation: tuple[Any, Any] | None = None,
    callbacks: Sequence[Callback] = (),
    clip_norm: float | None = None,
    clip_value: float | None = None,
    l1: float = 0.0,
    l2: float = 0.0,
    shuffle: bool = True,
    progress: bool = True,
) -> History:
    """Train ``model`` in place on ``(X, y)`` and return the per-epoch :class:`History`.

    ``loss`` and ``optimizer`` are objects or names (``"softmax_cross_entropy"``, ``"sgd"`` with
    its default learning rate 0.01). ``l1``/``l2`` add penalties on the weights (``decay_mask``)
    to the loss gradient (see :mod:`actlab.nn.optim`; the recorded losses are data losses without
    the penalty). ``clip_value`` then ``clip_norm`` clip the gradients before each update.
    ``progress=True`` shows a tqdm bar on stderr; ``False`` prints nothing.
    """
    if not isinstance(model, Sequential):
        raise TypeError(f"fit needs a Sequential model, got {type(model).__name__}")
    loss_fn = get_loss(loss)
    opt = get_optimizer(optimizer)
    epochs = integer(epochs, "epochs", minimum=0)
    batch_size = integer(batch_size, "batch_size", minimum=1)
    integer(seed, "seed", minimum=0)
    clip_norm, clip_value = (None if v is None else real(v, f"{name} (or None)", positive=True)
                             for name, v in (("clip_norm", clip_norm), ("clip_value", clip_value)))
    l1, l2 = real(l1, "l1", nonnegative=True), real(l2, "l2", nonnegative=True)
    penalties = [p for p in (L1(l1) if l1 else None, L2(l2) if l2 else None) if p is not None]
    X, y = _prepare_data(model, loss_fn, X, y, "")
    if validation is not None:
        if not (isinstance(validation, (tuple, list)) and len(validation) == 2):
            raise ValueError("validation must be a pair (X_val, y_val)")
        Xv, yv = _prepare_data(model, loss_fn, *validation, "validation ")
    callbacks = list(callbacks)
    for cb in callbacks:
        if not isinstance(cb, Callback):
            raise TypeError(f"callbacks must be Callback instances, got {cb!r}")

    n = len(X)
    rng = np.random.default_rng(seed)
    params, grads, mask = model.parameters(), model.gradients(), model.decay_mask()
    pen_params = [p for p, m in zip(params, mask) if m]
    pen_grads = [g for g, m in zip(grads, mask) if m]
    checkpoint = model.state()
    history = History()
    step = 0
    steps_per_epoch = math.ceil(n / batch_size)

    def diverged(epoch: int, value: float, where: str, at: int) -> TrainingDiverged:
        if model.all_finite():
            restored = "current"
        else:
            model.load_state(checkpoint)
            restored = "checkpoint"
        return TrainingDiverged(
            f"training diverged: {where} at epoch {epoch}, step {at} (loss {value}); "
            f"the model keeps the last finite weights ({restored}). Lower the learning rate, "
            "clip gradients (clip_norm=) or check the data scale.",
            epoch=epoch, step=at, loss=value, restored=restored, history=history,
        )

    for cb in callbacks:
        cb.on_train_begin(model, X, y)
    from tqdm.auto import tqdm

    bar = tqdm(total=epochs * steps_per_epoch, unit="batch", desc="fit",
               disable=not progress, leave=True, dynamic_ncols=True)
    try:
        # overflow to inf/NaN is expected on the way to divergence and is detected below
        # (TrainingDiverged): no RuntimeWarning from the engine; one error state for the whole
        # loop (quiet(): the engine's calls inside skip their own)
        with _SigintFlag() as sigint, quiet():
            for epoch in range(1, epochs + 1):
                for cb in callbacks:
                    cb.on_epoch_begin(epoch, model)
                t0 = time.perf_counter()
                order = rng.permutation(n) if shuffle else None
                total, correct, seen = 0.0, 0.0, 0
                for start in range(0, n, batch_size):
                    stop = start + batch_size
                    idx = order[start:stop] if shuffle else slice(start, stop)
                    xb, yb = X[idx], y[idx]
                    out = model.forward(xb, training=True)
                    value, dout = loss_fn.value_and_grad(out, yb)
                    if not math.isfinite(value):
                        raise diverged(epoch, value, "non-finite loss", step + 1)
                    model.backward(dout, need_input_grad=False)
                    for pen in penalties:
                        pen.add_grad(pen_params, pen_grads)
                    if clip_value is not None:
                        clip_grad_value(grads, clip_value)
                    if clip_norm is not None:
                        clip_grad_norm(grads, clip_norm)
                    opt.step(params, grads, mask)
                    step += 1
                    m = len(xb)
                    total += value * m
                    seen += m
                    if loss_fn.classification:
                        correct += loss_fn.accuracy(out, yb) * m
                    for cb in callbacks:
                        cb.on_batch_end(step, model, value)
                    bar.update(1)
                    if sigint.requested:
                        raise KeyboardInterrupt
                if not model.all_finite():
                    raise diverged(epoch, math.nan, "non-finite weights after the update", step)
                checkpoint = model.state()
                val_loss = val_acc = None
                if validation is not None:
                    ev = model.evaluate(Xv, yv, loss_fn)
                    val_loss, val_acc = ev["loss"], ev["accuracy"]
                record = EpochRecord(
                    epoch=epoch,
                    train_loss=total / seen,
                    train_accuracy=correct / seen if loss_fn.classification else None,
                    val_loss=val_loss,
                    val_accuracy=val_acc,
                    seconds=time.perf_counter() - t0,
                )
                history.append(record)
                post = {"loss": f"{record.train_loss:.4g}"}
                if val_loss is not None:
                    post["val_loss"] = f"{val_loss:.4g}"
                bar.set_postfix(post, refresh=False)
                answers = [cb.on_epoch_end(epoch, model, record) for cb in callbacks]
                if "stop" in answers:
                    history.stopped_by = "callback"
                    break
    except KeyboardInterrupt:
        history.interrupted = True
        history.stopped_by = "interrupt"
    finally:
        bar.close()
    for cb in callbacks:
        cb.on_train_end(model, history)
    return history
