"""Module-level functions named as in ``torch.nn.functional`` / ``jax.nn``, one per entry.

``relu(x)``, ``gelu(x, approximate="tanh")``, ``leaky_relu(x, alpha=0.2)``, ...: each is
``get(name, **params)(x, out=out)`` and carries the entry's docstring (formulas and doctest).
Aliases are functions too (``hardswish``, ``soft_sign``, ``logsigmoid``, ...).
They are generated from the registry, so a new entry gets its function for free.
"""

from __future__ import annotations

from typing import Any

import numpy as np  # noqa: F401  (doctests use np)
from numpy.typing import ArrayLike

from . import registry


def _make(name: str):
    spec = registry.spec(name)

    def function(x: ArrayLike, *, out: np.ndarray | None = None, **params: Any):
        return registry.get(name, **params)(x, out=out)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = spec.doc
    return function


__all__ = registry.names()
for _name in __all__:
    globals()[_name] = _make(_name)
# peers' names as functions too: soft_sign, hard_silu, hardswish, logsigmoid, swish, ...
for _name in sorted(registry.aliases()):
    if _name.isidentifier():
        globals()[_name] = _make(_name)
        __all__.append(_name)
del _name
