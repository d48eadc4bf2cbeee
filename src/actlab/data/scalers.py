"""Feature scalers fitted on the training split only, with JSON-able state.

>>> import numpy as np
>>> from actlab.data import Standardizer
>>> s = Standardizer().fit(np.array([[0.0, 1.0], [2.0, 1.0]]))
>>> s.transform(np.array([[1.0, 3.0]]))
array([[0., 2.]])
>>> Standardizer.from_state(s.state()).state() == s.state()
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["Normalizer", "Standardizer", "scaler_from_state"]


class _Scaler:
    """``y = (x - shift) / scale`` with ``shift``/``scale`` learnt by ``fit``."""

    kind = ""

    def __init__(self, *, per_feature: bool = True) -> None:
        self.per_feature = bool(per_feature)
        self.shift_: np.ndarray | None = None
        self.scale_: np.ndarray | None = None

    def _stats(self, X: np.ndarray, axis) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def fit(self, X: np.ndarray):
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or len(X) == 0:
            raise ValueError(f"{type(self).__name__}.fit expects a non-empty (n, d) array, "
                             f"got shape {X.shape}")
        axis = 0 if self.per_feature else None
        shift, scale = self._stats(X, axis)
        scale = np.where(scale > 0, scale, 1.0)  # constant features are only shifted
        self.shift_ = np.atleast_1d(shift)
        self.scale_ = np.atleast_1d(scale)
        return self

    def _check(self, X: np.ndarray) -> np.ndarray:
        if self.shift_ is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit(X_train) first")
        X = np.asarray(X)
        if X.dtype.kind != "f":
            X = X.astype(np.float64)
        if self.per_feature and (X.ndim != 2 or X.shape[1] != len(self.shift_)):
            raise ValueError(f"{type(self).__name__} was fitted on {len(self.shift_)} features, "
                             f"got shape {X.shape}")
        return X

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Scale ``X``; the dtype of a float input is kept."""
        X = self._check(X)
        out = (X - self.shift_.astype(X.dtype)) / self.scale_.astype(X.dtype)
        return out.astype(X.dtype, copy=False)

    def inverse_transform(self, X: np.ndarray) -> np.ndarray:
        X = self._check(X)
        return (X * self.scale_.astype(X.dtype) + self.shift_.astype(X.dtype)).astype(X.dtype)

    def fit_transform(self, X: np.ndarray) -> np.ndarray:
        return self.fit(X).transform(X)

    def state(self) -> dict[str, Any]:
        """JSON-able state: ``{"kind", "per_feature", "shift", "scale"}``."""
        return {
            "kind": self.kind,
            "per_feature": self.per_feature,
            "shift": None if self.shift_ is None else self.shift_.tolist(),
            "scale": None if self.scale_ is None else self.scale_.tolist(),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]):
        if state.get("kind") != cls.kind:
            raise ValueError(f"state of a {state.get('kind')!r} scaler, not {cls.kind!r}")
        obj = cls(per_feature=state["per_feature"])
        if state.get("shift") is not None:
            obj.shift_ = np.asarray(state["shift"], dtype=np.float64)
            obj.scale_ = np.asarray(state["scale"], dtype=np.float64)
        return obj

    def __repr__(self) -> str:
        return f"{type(self).__name__}(per_feature={self.per_feature})"


class Standardizer(_Scaler):
    """Zero mean and unit (population) standard deviation, per feature or over all features."""

    kind = "standardize"

    def _stats(self, X, axis):
        return X.mean(axis=axis), X.std(axis=axis)


class Normalizer(_Scaler):
    """Min-max scaling to ``[0, 1]`` on the fitting data, per feature or over all features."""

    kind = "normalize"

    def _stats(self, X, axis):
        lo = X.min(axis=axis)
        return lo, X.max(axis=axis) - lo


def scaler_from_state(state: dict[str, Any]) -> _Scaler:
    """Rebuild either scaler from its :meth:`state`."""
    for cls in (Standardizer, Normalizer):
        if state.get("kind") == cls.kind:
            return cls.from_state(state)
    raise ValueError(f"unknown scaler kind {state.get('kind')!r}")
