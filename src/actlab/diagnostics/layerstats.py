"""One Dense layer's diagnostics at the end of one epoch: the record the monitor produces and
studies store.

>>> from actlab.diagnostics.layerstats import LayerStats
>>> s = LayerStats(epoch=0, layer=1, units=4, activation="relu", grad_norm=None,
...                grad_ratio=None, weight_norm=1.5, dead=0.25)
>>> LayerStats.from_dict(s.to_dict()) == s
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from .._util_codec import encode
from .._util_codec import float_or_none as _float


@dataclass(frozen=True)
class LayerStats:
    """Diagnostics of one Dense layer (and the activation after it) at the end of one epoch.

    ``epoch`` 0 is the untrained network. ``layer`` counts Dense layers from 1 (input side);
    the last one is the output layer. Gradient figures are root-mean-square over the epoch's
    batches of the weight-gradient Frobenius norm (``grad_norm``) and of
    ``||dW|| / ||W||`` (``grad_ratio``). Activation statistics are taken on a fixed probe batch
    after the activation that follows the layer (``None`` where none follows): ``act_mean`` and
    ``act_std`` over all entries; ``dead`` the fraction of units that output exactly 0 for every
    probe sample; ``saturated`` the fraction of entries with ``|f'(x)| < 0.05``; ``zeros`` the
    fraction of entries exactly 0.
    """

    epoch: int
    layer: int
    units: int
    activation: str | None
    grad_norm: float | None
    grad_ratio: float | None
    weight_norm: float
    act_mean: float | None = None
    act_std: float | None = None
    dead: float | None = None
    saturated: float | None = None
    zeros: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return encode(asdict(self))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LayerStats:
        floats = ("grad_norm", "grad_ratio", "weight_norm", "act_mean", "act_std", "dead",
                  "saturated", "zeros")
        kw = {k: _float(d.get(k)) for k in floats}
        return cls(epoch=int(d["epoch"]), layer=int(d["layer"]), units=int(d["units"]),
                   activation=d.get("activation"), **kw)
