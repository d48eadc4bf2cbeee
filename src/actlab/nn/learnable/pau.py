"""``PAU``: the Padé activation unit (Molina, Schramowski & Kersting 2019), a learnable rational
activation ``F(x) = P(x) / Q(x)``.

.. math::

    F(x) = \\frac{\\sum_{j=0}^{m} a_j x^j}{Q(x)},\\quad
    Q_A = 1 + \\sum_{k=1}^{n} |b_k x^k|,\\ Q_B = 1 + \\Bigl|\\sum_{k=1}^{n} b_k x^k\\Bigr|,\\
    Q_C = 0.1 + \\Bigl|\\sum_{k=0}^{n} b_k x^k\\Bigr|

with gradients ``dF/dx = (P' Q - P Q') / Q^2``, ``dF/da_j = x^j / Q`` and
``dF/db_k = -P (dQ/db_k) / Q^2`` (see :mod:`.rational` for the overflow-free evaluation and the
``sign(0) = 0`` convention at the kinks of ``|.|``). The coefficients start as the least-squares
fit of a catalogue entry (``target``, leaky ReLU by default as in the paper) on [-3, 3]; the fit's
errors are kept in ``layer.fit`` (``max_abs_error``, ``rms_error``).

>>> import numpy as np
>>> from actlab.nn import PAU
>>> layer = PAU(target="tanh", version="B")
>>> layer.build(np.random.default_rng(0), np.float64)
>>> bool(layer.fit.max_abs_error < 1e-4)
True
>>> np.round(layer.forward(np.array([-2.0, 0.0, 2.0])), 4)
array([-0.964,  0.   ,  0.964])
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import numpy as np

from ...activations import Activation as _Entry
from ...activations import get as get_activation
from ..base import Layer
from .common import channel_sum, channel_view, check_count
from .rational import RationalFit, check_version, fit_rational, rational, rational_grads

#: The largest numerator/denominator degree accepted (beyond it the monomials are useless).
MAX_DEGREE = 16


@lru_cache(maxsize=64)
def _cached_fit(target: str, params_json: str, degrees: tuple[int, int], version: str,
                interval: tuple[float, float]) -> RationalFit:
    f = get_activation(target, **json.loads(params_json))
    return fit_rational(lambda x: f(x), degrees, version, interval=interval)


def _check_degrees(degrees: Any) -> tuple[int, int]:
    ok = isinstance(degrees, (tuple, list)) and len(degrees) == 2 and all(
        isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in degrees)
    if not ok or not (1 <= degrees[0] <= MAX_DEGREE and 1 <= degrees[1] <= MAX_DEGREE):
        raise ValueError(f"PAU: degrees must be two integers (m, n) in [1, {MAX_DEGREE}], "
                         f"got {degrees!r}")
    return int(degrees[0]), int(degrees[1])


class PAU(Layer):
    """Padé activation unit ``P(x)/Q(x)`` with degrees ``(m, n)`` (see the module doc).

    ``num_parameters=1`` shares one set of coefficients; ``num_parameters=C`` learns one per
    channel (axis 1). ``version`` is ``"A"`` (the paper's safe PAU, default), ``"B"`` or ``"C"``.
    Parameters: ``numerator`` ``(C, m + 1)`` and ``denominator`` ``(C, n)`` (``(C, n + 1)`` for C,
    whose first column is ``b_0``). Not weight-decayed.
    """

    decay_keys = ()

    def __init__(
        self,
        num_parameters: int = 1,
        *,
        degrees: tuple[int, int] | list[int] = (5, 4),
        version: str = "A",
        target: str | _Entry = "leaky_relu",
        target_params: dict[str, Any] | None = None,
        interval: tuple[float, float] | list[float] = (-3.0, 3.0),
    ) -> None:
        super().__init__()
        self.num_parameters = check_count("PAU", "num_parameters", num_parameters)
        self.degrees = _check_degrees(degrees)
        self.version = check_version(version)
        entry = get_activation(target, **dict(target_params or {}))
        if entry.vector:
            raise ValueError(f"PAU: target {entry.name!r} is vector-valued; give an elementwise "
                             "activation to fit")
        self.target = entry.name
        self.target_params = dict(entry.params)
        lo, hi = (float(v) for v in interval)
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            raise ValueError(f"PAU: interval must be two finite numbers lo < hi, got {interval!r}")
        self.interval = (lo, hi)
        self.fit: RationalFit | None = None
        self._ctx = None

    # ------------------------------------------------------------------ set-up
    @property
    def fit_error(self) -> dict[str, float]:
        """``{"max_abs": ..., "rms": ...}`` of the initial least-squares fit on the interval."""
        fit = self._fitted()
        return {"max_abs": fit.max_abs_error, "rms": fit.rms_error}

    def _fitted(self) -> RationalFit:
        if self.fit is None:
            self.fit = _cached_fit(self.target, json.dumps(self.target_params, sort_keys=True),
                                   self.degrees, self.version, self.interval)
        return self.fit

    def target_activation(self) -> _Entry:
        """The catalogue entry the coefficients were fitted to."""
        return get_activation(self.target, **self.target_params)

    def recommended_init(self) -> str:
        return self.target_activation().info.init

    def build(self, rng: np.random.Generator, dtype: np.dtype) -> None:
        fit = self._fitted()
        c = self.num_parameters
        self.params = {
            "numerator": np.tile(np.asarray(fit.numerator, dtype), (c, 1)),
            "denominator": np.tile(np.asarray(fit.denominator, dtype), (c, 1)),
        }
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    # ------------------------------------------------------------------ passes
    def _coefficients(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (channel_view(self.params["numerator"], x, self),
                channel_view(self.params["denominator"], x, self))

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        a, b = self._coefficients(x)
        y, self._ctx = rational(x, a, b, self.version)
        return y

    def backward(self, dy: np.ndarray) -> np.ndarray:
        if self._ctx is None:
            raise RuntimeError("PAU.backward called before forward")
        x = self._ctx.x
        a, b = self._coefficients(x)
        c = self.num_parameters
        dx, da, db = rational_grads(dy, self._ctx, a, b,
                                    reduce=lambda g: channel_sum(g, x, c))
        for j, g in enumerate(da):
            self.grads["numerator"][:, j] = g
        for i, g in enumerate(db):
            self.grads["denominator"][:, i] = g
        return dx

    # ------------------------------------------------------------------ inspection
    def curve_title(self) -> str:
        return f"PAU version {self.version}, degrees {self.degrees}"

    def learned_curves(self, x: np.ndarray, max_curves: int = 8) -> list[tuple[str, np.ndarray]]:
        """``(label, F(x))`` for the first ``max_curves`` channels (float64)."""
        x = np.asarray(x, dtype=np.float64)
        out = []
        for ch in range(min(self.num_parameters, max_curves)):
            a = self.params["numerator"][ch].astype(np.float64)
            b = self.params["denominator"][ch].astype(np.float64)
            label = "learned" if self.num_parameters == 1 else f"channel {ch}"
            out.append((label, rational(x, a, b, self.version)[0]))
        return out

    def initial_curve(self, x: np.ndarray) -> tuple[str, np.ndarray]:
        """``(label, target(x))``: the catalogue entry the unit was initialised to."""
        entry = self.target_activation()
        fit = self._fitted()
        name = repr(entry) if entry.params else entry.name
        return (f"target {name} (fit max err {fit.max_abs_error:.2g})",
                entry(np.asarray(x, dtype=np.float64)))

    def config(self) -> dict[str, Any]:
        return {
            "num_parameters": self.num_parameters,
            "degrees": list(self.degrees),
            "version": self.version,
            "target": self.target,
            "target_params": self.target_params,
            "interval": list(self.interval),
        }

