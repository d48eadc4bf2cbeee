"""Diagnostics of training: gradient flow, dead and saturated units, activation statistics.

:class:`Diagnostics` is a callback for ``actlab.nn.fit``; its records are
:class:`actlab.studies.records.LayerStats` rows and its flags follow :class:`Thresholds`.
"""

from .monitor import (
    SATURATION_GRAD,
    Diagnostics,
    Thresholds,
    activation_stats,
    gradient_norms,
    layer_flags,
)

__all__ = [
    "SATURATION_GRAD", "Diagnostics", "Thresholds", "activation_stats", "gradient_norms",
    "layer_flags",
]
