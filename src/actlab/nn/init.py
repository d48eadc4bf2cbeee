"""Weight initializers: one :func:`variance_scaling` and one-line named versions.

Every initializer is a function ``(shape, rng, dtype) -> ndarray`` (the ``rng`` is a
``numpy.random.Generator``; nothing here touches global random state), following
``jax.nn.initializers``. Fans are computed from the shape: ``fan_in = shape[in_axis] * receptive``
and ``fan_out = shape[out_axis] * receptive`` where ``receptive`` is the product of the other
axes. The defaults ``in_axis=-2, out_axis=-1`` fit Dense's ``W`` of shape ``(in, out)``; a
PyTorch-layout convolution kernel ``(out, in, kh, kw)`` uses ``in_axis=1, out_axis=0``.

======================  ========  ========  ====================  ==========================
name                    scale     mode      distribution          variance
======================  ========  ========  ====================  ==========================
``he_normal``           2         fan_in    truncated_normal      2 / fan_in
``he_uniform``          2         fan_in    uniform               2 / fan_in
``glorot_normal``       1         fan_avg   truncated_normal      2 / (fan_in + fan_out)
``glorot_uniform``      1         fan_avg   uniform               2 / (fan_in + fan_out)
``lecun_normal``        1         fan_in    truncated_normal      1 / fan_in
``lecun_uniform``       1         fan_in    uniform               1 / fan_in
======================  ========  ========  ====================  ==========================

The ``*_normal`` versions draw from a normal truncated at two standard deviations and rescaled so
the variance is exactly the one in the table (jax.nn.initializers and Keras do the same; PyTorch's
``kaiming_normal_``/``xavier_normal_`` draw an untruncated normal with the same variance).

>>> import numpy as np
>>> from actlab.nn.init import he_normal
>>> rng = np.random.default_rng(0)
>>> w = he_normal((1000, 500), rng, np.float32)
>>> w.dtype, w.shape
(dtype('float32'), (1000, 500))
>>> bool(abs(w.var() * 1000 / 2 - 1) < 0.02)
True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

import numpy as np

from .._util_checks import is_real, real

Initializer = Callable[[tuple[int, ...], np.random.Generator, np.dtype], np.ndarray]
Mode = Literal["fan_in", "fan_out", "fan_avg"]
Distribution = Literal["normal", "truncated_normal", "uniform"]

#: std of a standard normal truncated to [-2, 2] is 0.8796...; dividing by it restores variance 1.
TRUNCATED_NORMAL_STD = 0.87962566103423978


def fans(shape: tuple[int, ...], in_axis: int = -2, out_axis: int = -1) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of the given shape (see the module doc)."""
    shape = tuple(int(s) for s in shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    n = len(shape)
    ia, oa = in_axis % n, out_axis % n
    receptive = math.prod(s for i, s in enumerate(shape) if i not in (ia, oa))
    return shape[ia] * receptive, shape[oa] * receptive


def _truncated_standard_normal(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Standard normal conditioned on [-2, 2] (redraw outside values; deterministic given rng)."""
    z = rng.standard_normal(shape)
    bad = np.abs(z) > 2.0
    while bad.any():
        z[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(z) > 2.0
    return z


def variance_scaling(
    scale: float = 1.0,
    mode: Mode = "fan_in",
    distribution: Distribution = "truncated_normal",
    *,
    in_axis: int = -2,
    out_axis: int = -1,
) -> Initializer:
    """Initializer with variance ``scale / n``, ``n`` = fan_in, fan_out or their mean.

    ``distribution`` is ``"normal"`` (std ``sqrt(scale/n)``), ``"truncated_normal"`` (truncated at
    two standard deviations, rescaled to the same variance) or ``"uniform"`` on
    ``[-sqrt(3 scale/n), sqrt(3 scale/n)]``.
    """
    real(scale, "variance_scaling: scale", positive=True)
    if mode not in ("fan_in", "fan_out", "fan_avg"):
        raise ValueError(f"variance_scaling: mode must be fan_in, fan_out or fan_avg, got {mode!r}")
    if distribution not in ("normal", "truncated_normal", "uniform"):
        raise ValueError(
            "variance_scaling: distribution must be normal, truncated_normal or uniform, "
            f"got {distribution!r}"
        )

    def init(shape: tuple[int, ...], rng: np.random.Generator, dtype=np.float32) -> np.ndarray:
        shape = tuple(int(s) for s in shape)
        fan_in, fan_out = fans(shape, in_axis, out_axis)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
        var = scale / max(n, 1)
        if distribution == "normal":
            w = rng.standard_normal(shape) * math.sqrt(var)
        elif distribution == "truncated_normal":
            w = _truncated_standard_normal(rng, shape) * (math.sqrt(var) / TRUNCATED_NORMAL_STD)
        else:
            limit = math.sqrt(3.0 * var)
            w = rng.uniform(-limit, limit, shape)
        return w.astype(dtype, copy=False)

    init.__name__ = f"variance_scaling_{scale:g}_{mode}_{distribution}"
    return init


_VS = {  # name -> variance_scaling arguments (for non-default axes)
    "he_normal": (2.0, "fan_in", "truncated_normal"),
    "he_uniform": (2.0, "fan_in", "uniform"),
    "glorot_normal": (1.0, "fan_avg", "truncated_normal"),
    "glorot_uniform": (1.0, "fan_avg", "uniform"),
    "lecun_normal": (1.0, "fan_in", "truncated_normal"),
    "lecun_uniform": (1.0, "fan_in", "uniform"),
}


def _named(name: str, doc: str) -> Initializer:
    """The module-level initializer ``name``: :func:`variance_scaling` with ``_VS[name]``."""
    scaled = variance_scaling(*_VS[name])

    def init(shape, rng, dtype=np.float32):
        return scaled(shape, rng, dtype)

    init.__name__ = init.__qualname__ = name
    init.__doc__ = doc
    return init


he_normal = _named("he_normal", "He et al. 2015: variance ``2/fan_in`` (truncated normal).")
he_uniform = _named("he_uniform", "He et al. 2015: variance ``2/fan_in`` (uniform).")
glorot_normal = _named("glorot_normal",
                       "Glorot & Bengio 2010: variance ``2/(fan_in+fan_out)`` (truncated normal).")
glorot_uniform = _named("glorot_uniform",
                        "Glorot & Bengio 2010: variance ``2/(fan_in+fan_out)`` (uniform).")
lecun_normal = _named("lecun_normal",
                      "LeCun 1998 (the SELU initializer): variance ``1/fan_in`` (truncated"
                      " normal).")
lecun_uniform = _named("lecun_uniform", "LeCun 1998: variance ``1/fan_in`` (uniform).")


def zeros(shape, rng=None, dtype=np.float32):
    """All zeros (the default bias)."""
    return np.zeros(shape, dtype)


def ones(shape, rng=None, dtype=np.float32):
    """All ones (BatchNorm's gamma)."""
    return np.ones(shape, dtype)


def constant(value: float) -> Initializer:
    """All ``value`` (``constant(0.1)`` is the articles' ReLU bias)."""
    value = real(value, "constant initializer value")

    def init(shape, rng=None, dtype=np.float32):
        if abs(value) > float(np.finfo(dtype).max):
            raise ValueError(f"constant initializer value {value!r} overflows {np.dtype(dtype)}")
        return np.full(shape, value, dtype)

    init.__name__ = f"constant:{value!r}"
    return init


INITIALIZERS: dict[str, Initializer] = {
    f.__name__: f
    for f in (
        he_normal, he_uniform, glorot_normal, glorot_uniform,
        lecun_normal, lecun_uniform, zeros, ones,
    )
}
ALIASES = {"kaiming_normal": "he_normal", "kaiming_uniform": "he_uniform",
           "xavier_normal": "glorot_normal", "xavier_uniform": "glorot_uniform"}



def get_initializer(
    spec: str | float | Initializer, *, in_axis: int = -2, out_axis: int = -1
) -> Initializer:
    """Resolve a name, a number, ``"constant:<value>"`` or a callable to an initializer.

    >>> get_initializer("constant:0.1")((2,), None, np.float32)
    array([0.1, 0.1], dtype=float32)
    >>> get_initializer(0.5)((1,), None, np.float64)
    array([0.5])
    """
    if callable(spec):
        return spec
    if isinstance(spec, bool):
        raise ValueError(f"unknown initializer {spec!r}")
    if isinstance(spec, (int, float, np.integer, np.floating)):
        return constant(float(spec))
    if not isinstance(spec, str):
        raise ValueError(f"initializer must be a name, a number or a callable, got {spec!r}")
    key = spec.strip().lower()
    if key.startswith("constant:"):
        try:
            return constant(float(key.split(":", 1)[1]))
        except ValueError:
            msg = f"bad constant initializer {spec!r} (use e.g. 'constant:0.1')"
            raise ValueError(msg) from None
    key = ALIASES.get(key, key)
    if key in _VS and (in_axis, out_axis) != (-2, -1):
        scale, mode, dist = _VS[key]
        return variance_scaling(scale, mode, dist, in_axis=in_axis, out_axis=out_axis)
    if key not in INITIALIZERS:
        known = ", ".join([*INITIALIZERS, "constant:<value>"])
        raise ValueError(f"unknown initializer {spec!r} (known: {known})")
    return INITIALIZERS[key]


def initializer_name(init: str | float | Initializer) -> str | float:
    """A JSON-able name for ``init`` (for layer configs); callables must be registered ones."""
    if isinstance(init, str):
        return init
    if is_real(init):
        return real(init, "initializer value") if isinstance(init, np.generic) else init
    name = getattr(init, "__name__", "")
    if name in INITIALIZERS or name.startswith("constant:"):
        return name
    raise ValueError(
        f"initializer {init!r} has no name that can be saved; pass a name such as 'he_normal'"
    )
