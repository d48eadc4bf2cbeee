"""Training records (``EpochRecord``, ``History``) and the ``Callback`` hooks of ``fit``.

The hooks, in the order ``fit`` calls them (``epoch`` counts completed passes, from 1):

``on_train_begin(model, X, y)``
    once, after the data are validated and converted (``X`` in the model dtype).
``on_epoch_begin(epoch, model)``
    before the first batch of pass ``epoch``.
``on_batch_end(step, model, loss)``
    after the optimizer update of global step ``step`` (1, 2, ...); ``loss`` is the batch's
    data loss before that update. Every layer's ``grads`` still hold this step's gradients
    (after penalties and clipping).
``on_epoch_end(epoch, model, record) -> None | "stop"``
    after the epoch's validation; return ``"stop"`` to end training (``history.stopped_by``
    becomes ``"callback"``).
``on_train_end(model, history)``
    once, when training ends normally, by a callback or by an interrupt (not on an exception
    such as ``TrainingDiverged``).

This interface is stable: the diagnostics build on it.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np


@dataclass(frozen=True)
class EpochRecord:
    """One completed epoch.

    ``train_loss``/``train_accuracy`` average the batches of the epoch (weighted by batch size,
    each measured before that batch's update, in training mode: Keras' convention);
    ``val_*`` are measured after the epoch in evaluation mode (``None`` without validation data);
    accuracies are ``None`` for regression losses. ``seconds`` is the epoch's wall time.
    """

    epoch: int
    train_loss: float
    train_accuracy: float | None
    val_loss: float | None
    val_accuracy: float | None
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> EpochRecord:
        names = {f.name for f in fields(cls)}
        missing = names - set(d)
        if missing:
            raise ValueError(f"EpochRecord: missing fields {sorted(missing)}")
        return cls(**{k: d[k] for k in names})


class History(list):
    """The list of :class:`EpochRecord` returned by ``fit``.

    ``interrupted`` is true when Ctrl-C stopped training (between batches; a partial epoch is
    not recorded); ``stopped_by`` is ``None``, ``"callback"`` or ``"interrupt"``.
    """

    def __init__(self, records: Any = (), *, interrupted: bool = False,
                 stopped_by: str | None = None) -> None:
        super().__init__(records)
        self.interrupted = interrupted
        self.stopped_by = stopped_by

    def column(self, name: str) -> list[Any]:
        """One field across epochs: ``history.column("val_loss")``."""
        return [getattr(r, name) for r in self]

    @property
    def last(self) -> EpochRecord | None:
        return self[-1] if self else None

    def to_frame(self) -> Any:
        """The records as a ``pandas.DataFrame``, one row per epoch (needs pandas)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("History.to_frame needs pandas (pip install pandas); "
                              "history.to_dict() gives the same data without it") from None
        return pd.DataFrame([r.to_dict() for r in self],
                            columns=[f.name for f in fields(EpochRecord)])

    def _repr_html_(self) -> str:
        """Notebook display: loss and accuracy curves (inline SVG) over epochs."""
        from .._util_html import page, svg_plot

        epochs = [float(r.epoch) for r in self]
        losses = {k: self.column(k) for k in ("train_loss", "val_loss")}
        accs = {k: self.column(k) for k in ("train_accuracy", "val_accuracy")}
        state = f"{len(self)} epochs" + (f", stopped by {self.stopped_by}"
                                         if self.stopped_by else "")
        return page(f"History ({state})", svg_plot(epochs, losses, xlabel="epoch"),
                    svg_plot(epochs, accs, xlabel="epoch"))

    def _repr_png_(self) -> bytes:
        """Notebook display as a picture: training and validation loss over epochs (PNG)."""
        from .._util_png import png_plot

        epochs = [float(r.epoch) for r in self]
        losses = {k: self.column(k) for k in ("train_loss", "val_loss")}
        return png_plot(epochs, {k: v for k, v in losses.items() if any(
            x is not None for x in v)}, xlabel="epoch", title=f"History ({len(self)} epochs)")

    def to_dict(self) -> dict[str, Any]:
        return {
            "records": [r.to_dict() for r in self],
            "interrupted": self.interrupted,
            "stopped_by": self.stopped_by,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> History:
        return cls(
            [EpochRecord.from_dict(r) for r in d["records"]],
            interrupted=bool(d.get("interrupted", False)),
            stopped_by=d.get("stopped_by"),
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> History:
        return cls.from_dict(json.loads(text))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, list):
            return NotImplemented
        same = list.__eq__(self, other)
        if isinstance(other, History):
            same = same and (self.interrupted, self.stopped_by) == (
                other.interrupted, other.stopped_by)
        return same

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (f"History({list.__repr__(self)}, interrupted={self.interrupted}, "
                f"stopped_by={self.stopped_by!r})")


class Callback:
    """Base class: override the hooks you need (see the module doc). All default to no-ops."""

    def on_train_begin(self, model: Any, X: np.ndarray, y: np.ndarray) -> None:
        pass

    def on_epoch_begin(self, epoch: int, model: Any) -> None:
        pass

    def on_batch_end(self, step: int, model: Any, loss: float) -> None:
        pass

    def on_epoch_end(self, epoch: int, model: Any, record: EpochRecord) -> str | None:
        return None

    def on_train_end(self, model: Any, history: History) -> None:
        pass


class EarlyStopping(Callback):
    """Stop when ``monitor`` (an EpochRecord field; ``val_loss`` falls back to ``train_loss``
    without validation data) has not improved by more than ``min_delta`` for ``patience``
    epochs. ``restore_best=True`` puts back the weights of the best epoch at the end."""

    def __init__(self, monitor: str = "val_loss", *, patience: int = 5, min_delta: float = 0.0,
                 mode: str = "auto", restore_best: bool = False) -> None:
        if monitor not in {f.name for f in fields(EpochRecord)}:
            raise ValueError(f"EarlyStopping: unknown monitor {monitor!r}")
        if mode == "auto":
            mode = "max" if "accuracy" in monitor else "min"
        if mode not in ("min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'min', 'max' or 'auto', got {mode!r}")
        self.monitor, self.patience, self.min_delta = monitor, int(patience), float(min_delta)
        self.mode, self.restore_best = mode, restore_best

    def on_train_begin(self, model, X, y):
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch = 0
        self.wait = 0
        self.best_state = None

    def on_epoch_end(self, epoch, model, record):
        value = getattr(record, self.monitor)
        if value is None and self.monitor.startswith("val_"):
            value = getattr(record, "train_" + self.monitor[4:])
        if value is None:
            return None
        sign = 1.0 if self.mode == "min" else -1.0
        if sign * (self.best - value) > self.min_delta:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best:
                self.best_state = model.state()
            return None
        self.wait += 1
        return "stop" if self.wait >= self.patience else None

    def on_train_end(self, model, history):
        if self.restore_best and self.best_state is not None:
            model.load_state(self.best_state)
