"""Parameter spellings of PyTorch and JAX accepted by :func:`actlab.get`
(``negative_slope`` for ``alpha``, ``dim`` for ``axis``, ``gelu(approximate=True)``).
"""

from __future__ import annotations

from typing import Any

from .spec import Spec


#: Parameter names as PyTorch / JAX spell them -> ours (accepted where the entry has ours).
PEER_PARAMS = {"negative_slope": "alpha", "dim": "axis"}
#: Parameter values as peers spell them: jax.nn.gelu(approximate=True) is the tanh form.
PEER_VALUES = {("gelu", "approximate"): {True: "tanh", False: "none"}}


def _peer_spellings(s: Spec, params: dict[str, Any]) -> dict[str, Any]:
    own = {p.name for p in s.params}
    out: dict[str, Any] = {}
    for key, value in params.items():
        ours = PEER_PARAMS.get(key)
        if ours in own and key not in own:
            if ours in params:
                raise ValueError(f"{s.name}: give {ours!r} or {key!r}, not both")
            key = ours
        table = PEER_VALUES.get((s.name, key))
        if table is not None and isinstance(value, bool):
            value = table[value]
        out[key] = value
    return out
