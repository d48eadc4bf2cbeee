"""``KANLinear``: a Kolmogorov–Arnold network layer (Liu et al. 2024) in the "efficient KAN"
formulation: a learnable univariate function on every edge ``(i, o)``,

.. math::

    y_o = \\sum_{i} \\phi_{i,o}(x_i),\\qquad
    \\phi_{i,o}(x) = w^{base}_{i,o}\\,\\mathrm{silu}(x) + \\sum_{c} w^{spline}_{i,c,o} B_c(x),

where ``B_c`` are the B-spline bases of order ``k`` on feature ``i``'s grid (``grid_size``
intervals plus ``k`` on each side, see :mod:`.bspline`). Instead of evaluating each edge
function separately, the bases of all features are computed at once (Cox–de Boor, vectorised)
and the layer is two matrix products: ``silu(x) @ W_base + B(x).reshape(batch, -1) @
W_spline.reshape(-1, out)``. Gradients:

.. math::

    \\frac{\\partial L}{\\partial x_i} = \\mathrm{silu}'(x_i) \\sum_o w^{base}_{i,o} g_o
        + \\sum_{c} B_c'(x_i) \\sum_o w^{spline}_{i,c,o} g_o .

``update_grid(x)`` moves the knots to the data (quantiles blended with a uniform grid,
``grid_eps``) and refits the spline weights by least squares so that every edge function keeps
its values at the samples. The grid is a buffer: it is saved with the model.

>>> import numpy as np
>>> from actlab.nn import KANLinear
>>> layer = KANLinear(2, 3, grid_size=4)
>>> layer.build(np.random.default_rng(0), np.float64)
>>> layer.forward(np.zeros((5, 2))).shape, layer.params["spline_W"].shape
((5, 3), (2, 7, 3))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._util_checks import is_real
from ...activations import get as get_activation
from ..base import Layer
from ..init import get_initializer, initializer_name
from .bspline import adaptive_grid, bspline_bases, bspline_derivative, uniform_grid
from .common import check_count

_SILU = get_activation("silu")


class KANLinear(Layer):
    """KAN layer ``(batch, in_features) -> (batch, out_features)`` (no bias, like efficient-kan).

    ``grid_size`` intervals on ``grid_range`` and spline ``order`` (3: cubic) give
    ``grid_size + order`` bases per edge, so ``in * out * (grid_size + order + 1)`` parameters.
    ``init`` initialises ``base_W`` (``(in, out)``); ``spline_W`` (``(in, bases, out)``) starts
    uniform on ``±scale_noise / 2`` (small: the layer starts close to ``silu(x) @ base_W``).
    Both are in ``decay_keys``.
    """

    decay_keys = ("base_W", "spline_W")

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        grid_size: int = 5,
        order: int = 3,
        grid_range: tuple[float, float] | list[float] = (-1.0, 1.0),
        scale_noise: float = 0.1,
        grid_eps: float = 0.02,
        init: str = "he_uniform",
    ) -> None:
        super().__init__()
        self.in_features = check_count("KANLinear", "in_features", in_features)
        self.out_features = check_count("KANLinear", "out_features", out_features)
        self.grid_size = check_count("KANLinear", "grid_size", grid_size)
        if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or not (
                0 <= order <= 8):
            raise ValueError(f"KANLinear: order must be an integer in [0, 8], got {order!r}")
        self.order = int(order)
        lo, hi = (float(v) for v in grid_range)
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            raise ValueError(f"KANLinear: grid_range must be finite lo < hi, got {grid_range!r}")
        self.grid_range = (lo, hi)
        for what, v, top in (("scale_noise", scale_noise, np.inf), ("grid_eps", grid_eps, 1.0)):
            if not is_real(v) or not 0 <= v <= top:
                raise ValueError(f"KANLinear: {what} must be a number in [0, {top}], got {v!r}")
        self.scale_noise = float(scale_noise)
        self.grid_eps = float(grid_eps)
        self.init = initializer_name(init)
        get_initializer(self.init)
        self._cache: tuple[np.ndarray, ...] | None = None

    @property
    def n_bases(self) -> int:
        return self.grid_size + self.order

    def build(self, rng: np.random.Generator, dtype: np.dtype) -> None:
        i, o, nb = self.in_features, self.out_features, self.n_bases
        base = get_initializer(self.init)((i, o), rng, dtype)
        spline = rng.uniform(-self.scale_noise / 2, self.scale_noise / 2, (i, nb, o))
        self.params = {"base_W": base, "spline_W": spline.astype(dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.buffers = {"grid": uniform_grid(i, self.grid_size, self.order, *self.grid_range,
                                             dtype=dtype)}

    # ------------------------------------------------------------------ passes
    def _check(self, x: np.ndarray) -> None:
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"{self!r} expects input of shape (batch, {self.in_features}), "
                             f"got {x.shape}")

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        self._check(x)
        B, prev = bspline_bases(x, self.buffers["grid"], self.order)
        base = _SILU(x)
        y = base @ self.params["base_W"]
        y += B.reshape(len(x), -1) @ self.params["spline_W"].reshape(-1, self.out_features)
        self._cache = (x, base, B, prev)
        return y

    def backward(self, dy: np.ndarray, *, need_dx: bool = True) -> np.ndarray | None:
        if self._cache is None:
            raise RuntimeError("KANLinear.backward called before forward")
        x, base, B, prev = self._cache
        n, o = len(x), self.out_features
        np.matmul(base.T, dy, out=self.grads["base_W"])
        np.matmul(B.reshape(n, -1).T, dy, out=self.grads["spline_W"].reshape(-1, o))
        if not need_dx:
            return None
        dx = (dy @ self.params["base_W"].T) * _SILU.grad(x)
        dB = bspline_derivative(prev, self.buffers["grid"], self.order)
        dyS = (dy @ self.params["spline_W"].reshape(-1, o).T).reshape(B.shape)
        dx += np.einsum("bic,bic->bi", dyS, dB)
        return dx

    # ------------------------------------------------------------------ grid update
    def update_grid(self, x: Any, *, margin: float = 0.0) -> None:
        """Fit the grid to samples ``x`` ``(batch, in_features)`` of this layer's input and refit
        ``spline_W`` by least squares (per input feature) so that each edge's spline keeps its
        values at the samples. Needs at least 2 finite samples."""
        x = np.asarray(x, dtype=np.float64)
        self._check(x)
        if len(x) < 2 or not np.all(np.isfinite(x)):
            raise ValueError("KANLinear.update_grid needs at least 2 samples, all finite")
        dtype = self.params["spline_W"].dtype
        old_grid = self.buffers["grid"].astype(np.float64)
        W = self.params["spline_W"].astype(np.float64)
        B_old, _ = bspline_bases(x, old_grid, self.order)
        target = np.einsum("bic,ico->bio", B_old, W)  # each edge's spline at the samples
        grid = adaptive_grid(x, self.grid_size, self.order, self.grid_eps, margin)
        B_new, _ = bspline_bases(x, grid, self.order)
        for i in range(self.in_features):
            W[i] = np.linalg.lstsq(B_new[:, i, :], target[:, i, :], rcond=None)[0]
        self.buffers["grid"][...] = grid.astype(dtype)
        self.params["spline_W"][...] = W.astype(dtype)
        self._cache = None

    # ------------------------------------------------------------------ inspection
    def curve_range(self) -> tuple[float, float]:
        """The span of the grids' inner intervals (where the splines act)."""
        g = self.buffers["grid"]
        k = self.order
        return float(g[:, k].min()), float(g[:, g.shape[1] - 1 - k].max())

    def curve_title(self) -> str:
        return f"KAN {self.in_features}\u2192{self.out_features}, grid {self.grid_size}"

    def learned_curves(self, x: np.ndarray, max_curves: int = 8) -> list[tuple[str, np.ndarray]]:
        """``(label, phi_{i,o}(x))`` for the first ``max_curves`` edges (row-major in ``i, o``)."""
        x = np.asarray(x, dtype=np.float64).ravel()
        grid = self.buffers["grid"].astype(np.float64)
        B, _ = bspline_bases(np.repeat(x[:, None], self.in_features, axis=1), grid, self.order)
        silu = _SILU(x)
        out = []
        for i in range(self.in_features):
            for o in range(self.out_features):
                if len(out) == max_curves:
                    return out
                phi = float(self.params["base_W"][i, o]) * silu
                phi = phi + B[:, i, :] @ self.params["spline_W"][i, :, o].astype(np.float64)
                out.append((f"edge {i}\u2192{o}", phi))
        return out

    def config(self) -> dict[str, Any]:
        return {
            "in_features": self.in_features,
            "out_features": self.out_features,
            "grid_size": self.grid_size,
            "order": self.order,
            "grid_range": list(self.grid_range),
            "scale_noise": self.scale_noise,
            "grid_eps": self.grid_eps,
            "init": self.init,
        }


def update_grids(model: Any, X: Any, *, margin: float = 0.0) -> int:
    """Run ``X`` through ``model`` (evaluation mode) and call ``update_grid`` on every
    :class:`KANLinear` with the input it sees; returns how many layers were updated."""
    x = model._as_input(X)
    count = 0
    for layer in model.layers:
        if isinstance(layer, KANLinear):
            layer.update_grid(x, margin=margin)
            count += 1
        x = layer.forward(x, training=False)
    return count
