"""The :class:`Dataset` record and the deterministic, seeded train/test split."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

Task = Literal["classification", "regression"]


@dataclass(frozen=True, eq=False)
class Dataset:
    """A train/test split of one data set.

    ``X_*`` are float arrays with one flattened sample per row; ``sample_shape`` is the natural
    ``(channels, *spatial)`` layout of one sample (``(1, 28, 28)`` for MNIST, ``(1, 40)`` for
    MNIST-1D) that convolutional models reshape to. ``y_*`` are integer class labels
    ``0 .. n_classes - 1`` for classification.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    name: str
    n_classes: int
    task: Task = "classification"
    sample_shape: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        for split in ("train", "test"):
            X, y = getattr(self, f"X_{split}"), getattr(self, f"y_{split}")
            if X.ndim != 2 or y.ndim != 1 or len(X) != len(y):
                raise ValueError(f"{self.name}: X_{split} must be (n, d) and y_{split} (n,), "
                                 f"got {X.shape} and {y.shape}")
        if self.X_train.shape[1] != self.X_test.shape[1]:
            raise ValueError(f"{self.name}: train and test have different feature counts")
        if self.task not in ("classification", "regression"):
            raise ValueError(f"{self.name}: unknown task {self.task!r}")
        shape = self.sample_shape or (1, self.X_train.shape[1])
        if int(np.prod(shape)) != self.X_train.shape[1]:
            raise ValueError(f"{self.name}: sample_shape {shape} does not hold "
                             f"{self.X_train.shape[1]} features")
        object.__setattr__(self, "sample_shape", tuple(int(s) for s in shape))

    @property
    def n_features(self) -> int:
        return int(self.X_train.shape[1])

    def transformed(self, scaler: Any) -> Dataset:
        """Fit ``scaler`` on the training split only, then transform both splits."""
        scaler.fit(self.X_train)
        return replace(self, X_train=scaler.transform(self.X_train),
                       X_test=scaler.transform(self.X_test))

    def summary(self) -> dict[str, Any]:
        """JSON-able description (no arrays)."""
        return {
            "name": self.name,
            "task": self.task,
            "n_classes": self.n_classes,
            "n_train": int(len(self.y_train)),
            "n_test": int(len(self.y_test)),
            "n_features": self.n_features,
            "sample_shape": list(self.sample_shape or ()),
        }

    def __repr__(self) -> str:
        s = self.summary()
        return (f"Dataset({s['name']!r}, train={s['n_train']}, test={s['n_test']}, "
                f"features={s['n_features']}, classes={s['n_classes']})")


def split(X: np.ndarray, y: np.ndarray, *, test_fraction: float, seed: int,
          stratify: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A deterministic shuffled split; with ``stratify`` each class keeps its proportion.

    >>> Xtr, ytr, Xte, yte = split(np.arange(20.0)[:, None], np.arange(20) % 2,
    ...                            test_fraction=0.25, seed=0)
    >>> len(ytr), len(yte), int(yte.sum())
    (16, 4, 2)
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
    rng = np.random.default_rng(seed)
    groups = [np.flatnonzero(y == c) for c in np.unique(y)] if stratify else [np.arange(len(y))]
    test: list[np.ndarray] = []
    train: list[np.ndarray] = []
    for idx in groups:
        idx = rng.permutation(idx)
        k = int(round(len(idx) * test_fraction))
        test.append(idx[:k])
        train.append(idx[k:])
    tr = rng.permutation(np.concatenate(train))
    te = rng.permutation(np.concatenate(test))
    return X[tr], y[tr], X[te], y[te]
