"""``APL``: the adaptive piecewise linear unit (Agostinelli, Hoffman, Sadowski & Baldi 2014).

.. math::

    f(x) = \\max(0, x) + \\sum_{s=1}^{S} a_s \\max(0, -x + b_s)

with learnable ``a_s`` (slopes) and ``b_s`` (hinge positions) per unit. Gradients, with
:math:`[\\cdot]` the indicator:

.. math::

    \\frac{\\partial f}{\\partial x} = [x > 0] - \\sum_s a_s [x < b_s],\\quad
    \\frac{\\partial f}{\\partial a_s} = \\max(0, b_s - x),\\quad
    \\frac{\\partial f}{\\partial b_s} = a_s [x < b_s].

**Kinks**: every ``max(0, z)`` gets derivative ``[z > 0]`` at ``z = 0``, the catalogue's
``relu'(0) = 0``. So at ``x = 0`` the derivative is the left-hand value and at a hinge
``x = b_s`` the right-hand one (the hinge term is off there), and ``df/db_s = 0`` at ``x = b_s``.

>>> import numpy as np
>>> from actlab.nn import APL
>>> layer = APL(1, hinges=1)
>>> layer.build(np.random.default_rng(0), np.float64)
>>> layer.params["a"][:] = 0.5; layer.params["b"][:] = -1.0
>>> layer.forward(np.array([-2.0, 0.0, 2.0]))
array([0.5, 0. , 2. ])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._util_checks import is_real
from ..base import Layer
from .common import channel_sum, channel_view, check_count


class APL(Layer):
    """APL with ``hinges`` (S) terms per unit; ``num_units=1`` shares them across units.

    Input ``(batch, units)`` or ``(batch, units, ...)`` (channel axis 1). Parameters ``a`` and
    ``b`` have shape ``(units, S)``. Initialisation: ``a_s`` uniform on
    ``[-init_scale, init_scale]`` and ``b_s`` uniform on ``[-1, 1]`` (the paper draws both at
    random; it penalises ``a`` with L2 = 0.001, so ``a`` is in ``decay_keys``).
    """

    decay_keys = ("a",)

    def __init__(self, num_units: int = 1, *, hinges: int = 2, init_scale: float = 0.1) -> None:
        super().__init__()
        self.num_units = check_count("APL", "num_units", num_units)
        self.hinges = check_count("APL", "hinges", hinges)
        if not is_real(init_scale) or not (
                np.isfinite(init_scale) and init_scale >= 0):
            raise ValueError(f"APL: init_scale must be a finite number >= 0, got {init_scale!r}")
        self.init_scale = float(init_scale)
        self._x: np.ndarray | None = None

    def recommended_init(self) -> str:
        return "he_normal"  # ReLU plus small hinge terms at the start

    def build(self, rng: np.random.Generator, dtype: np.dtype) -> None:
        shape = (self.num_units, self.hinges)
        self.params = {
            "a": rng.uniform(-self.init_scale, self.init_scale, shape).astype(dtype),
            "b": rng.uniform(-1.0, 1.0, shape).astype(dtype),
        }
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        a = channel_view(self.params["a"], x, self)
        b = channel_view(self.params["b"], x, self)
        self._x = x
        y = np.maximum(x, 0)
        for s in range(self.hinges):
            y += a[s] * np.maximum(b[s] - x, 0)
        return y

    def backward(self, dy: np.ndarray) -> np.ndarray:
        x = self._x
        if x is None:
            raise RuntimeError("APL.backward called before forward")
        a = channel_view(self.params["a"], x, self)
        b = channel_view(self.params["b"], x, self)
        slope = (x > 0).astype(x.dtype)
        for s in range(self.hinges):
            on = x < b[s]
            slope -= a[s] * on
            self.grads["a"][:, s] = channel_sum(dy * np.maximum(b[s] - x, 0), x, self.num_units)
            self.grads["b"][:, s] = channel_sum(dy * (a[s] * on), x, self.num_units)
        return dy * slope

    def curve_title(self) -> str:
        return f"APL, {self.hinges} hinges, {self.num_units} units"

    def learned_curves(self, x: np.ndarray, max_curves: int = 8) -> list[tuple[str, np.ndarray]]:
        """``(label, f(x))`` for the first ``max_curves`` units (float64)."""
        x = np.asarray(x, dtype=np.float64)
        out = []
        for unit in range(min(self.num_units, max_curves)):
            y = np.maximum(x, 0)
            for s in range(self.hinges):
                a, b = (float(self.params[k][unit, s]) for k in ("a", "b"))
                y = y + a * np.maximum(b - x, 0)
            out.append(("learned" if self.num_units == 1 else f"unit {unit}", y))
        return out

    def config(self) -> dict[str, Any]:
        return {"num_units": self.num_units, "hinges": self.hinges, "init_scale": self.init_scale}
