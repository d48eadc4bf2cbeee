"""The experimental protocol every study run follows: three splits and validation selection.

Contract (used by :func:`actlab.studies.runner.run_one`, hence by ``compare`` and the claims):

* **Three splits.** The data set's test split is fixed (the same for every seed). The run's
  ``seed`` draws a validation split of ``RunConfig.val_fraction`` of the training split
  (stratified by class for classification) -- :func:`split_validation` -- as well as the initial
  weights and the batch order. Runs of different conditions with the same seed therefore share
  initial draws, batch order and split: they are *paired*.
* **Validation selection.** After every epoch (and before the first: epoch 0, the untrained
  net) the model is evaluated on the validation split only (:class:`SelectEpoch`). The selected
  epoch is the best by validation accuracy, ties broken by validation loss (regression: by
  validation loss); the weights of that epoch are restored and the **test split is evaluated
  once**, on them. Nothing that chooses (epochs, learning rates, conditions) reads test data.
* **No survivorship.** A diverged run is a result: its selected epoch is the best finite one
  before divergence (epoch 0 if none), it stays in every mean, and its status says
  ``"diverged"`` so the divergence rate can be reported.
* **Overfitting flag.** :func:`overfitting` flags a run whose validation loss rose by more than
  ``rise`` (relative) after its minimum while the training loss kept falling.

>>> from actlab.studies.protocol import split_validation
>>> import numpy as np
>>> from actlab.data import Dataset
>>> ds = Dataset(np.arange(40.0).reshape(20, 2), np.arange(20) % 2, np.zeros((4, 2)),
...              np.zeros(4, dtype=int), name="d", n_classes=2)
>>> s = split_validation(ds, seed=0, fraction=0.25)
>>> s.sizes()
{'train': 16, 'validation': 4, 'test': 4}
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..nn.callbacks import Callback

#: One paragraph for reports and method texts.
PROTOCOL_TEXT = (
    "Each run's seed draws its initial weights, its batch order and a validation split "
    "({val:.0%} of the training data, stratified); the test split is fixed. The model is "
    "evaluated on validation after every epoch (epoch 0 = untrained); the epoch with the best "
    "validation accuracy (then loss) is selected, its weights restored, and the test split is "
    "evaluated once, on them. Diverged runs stay in every mean (at their best epoch before "
    "diverging) and are counted."
)


@dataclass(frozen=True, eq=False)
class Splits:
    """Train / validation / test arrays of one run (inputs already scaled)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray

    def sizes(self) -> dict[str, int]:
        return {"train": int(len(self.y_train)), "validation": int(len(self.y_val)),
                "test": int(len(self.y_test))}


def split_validation(ds: Any, seed: int, fraction: float = 0.2) -> Splits:
    """Hold out ``fraction`` of ``ds``'s training split as validation, drawn from ``seed``.

    Classification sets are stratified; the test split is passed through untouched. A set too
    small to split (fewer than 2 samples per part) raises ``ValueError``.
    """
    from actlab.data import split

    if not 0.0 < fraction < 1.0:
        raise ValueError(f"val_fraction must be in (0, 1), got {fraction!r}")
    X, y = ds.X_train, ds.y_train
    stratify = ds.task == "classification"
    # a separate stream from the seed's weight and batch-order draws
    Xtr, ytr, Xv, yv = split(X, y, test_fraction=fraction, seed=int(seed) + 7919,
                             stratify=stratify)
    if len(ytr) < 2 or len(yv) < 1:
        raise ValueError(f"{ds.name}: {len(y)} training samples are too few for a "
                         f"{fraction:.0%} validation split")
    return Splits(Xtr, ytr, Xv, yv, ds.X_test, ds.y_test)


def _better(a: tuple[float | None, float], b: tuple[float | None, float] | None) -> bool:
    """Is validation result ``a = (accuracy, loss)`` better than ``b``? (NaN loss never is.)"""
    if not math.isfinite(a[1]):
        return False
    if b is None:
        return True
    if a[0] is not None and b[0] is not None and a[0] != b[0]:
        return a[0] > b[0]
    return a[1] < b[1]


class SelectEpoch(Callback):
    """Evaluates the validation split after each epoch and keeps the best weights.

    ``evaluate(model) -> (accuracy or None, loss)`` is the only thing that sees data; it is
    given the validation arrays by the caller. Call :meth:`start` with the untrained model
    (epoch 0) before training, and :meth:`restore` afterwards.
    """

    def __init__(self, evaluate: Callable[[Any], tuple[float | None, float]]) -> None:
        self.evaluate = evaluate
        self.curve: dict[int, tuple[float | None, float]] = {}
        self.best_epoch: int | None = None
        self._best: tuple[float | None, float] | None = None
        self._state: dict[str, np.ndarray] | None = None

    def _see(self, epoch: int, model: Any) -> None:
        with np.errstate(all="ignore"):
            acc, loss = self.evaluate(model)
        self.curve[epoch] = (acc, loss)
        if _better((acc, loss), self._best):
            self._best, self.best_epoch, self._state = (acc, loss), epoch, model.state()

    def start(self, model: Any) -> None:
        self._see(0, model)

    def on_epoch_end(self, epoch: int, model: Any, record: Any) -> str | None:
        self._see(int(epoch), model)
        return None

    def restore(self, model: Any) -> int | None:
        """Load the selected weights into ``model``; the selected epoch (None: none finite)."""
        if self._state is not None:
            model.load_state(self._state)
        return self.best_epoch


def overfitting(epochs: Sequence[Any], rise: float = 0.1) -> int | None:
    """The epoch of minimal validation loss if, after it, validation loss rose by more than
    ``rise`` (relative) while training loss fell; else ``None``.

    >>> from types import SimpleNamespace as E
    >>> curve = [E(epoch=i, train_loss=2.0 - 0.1 * i, val_loss=v)
    ...          for i, v in enumerate([2.0, 1.5, 1.2, 1.3, 1.6], 1)]
    >>> overfitting(curve)
    3
    >>> overfitting(curve[:3]) is None
    True
    """
    pts = [(e.epoch, e.train_loss, e.val_loss) for e in epochs
           if e.val_loss is not None and math.isfinite(e.val_loss)
           and e.train_loss is not None and math.isfinite(e.train_loss)]
    if len(pts) < 3:
        return None
    i = min(range(len(pts)), key=lambda k: pts[k][2])
    last = pts[-1]
    if i == len(pts) - 1:
        return None
    if last[2] > pts[i][2] * (1.0 + rise) and last[1] < pts[i][1]:
        return int(pts[i][0])
    return None
