"""Learnable activations: the Padé activation unit, APL and a KAN layer.

Every layer follows the engine contract (``params``/``grads`` with the same keys, ``backward``
overwrites ``grads``), keeps the model's dtype, and round-trips through ``actlab.nn.save``/``load``
(importing this package registers the layer types). For plots, each one offers
``learned_curves(x)`` (label, values) and PAU also ``initial_curve(x)``, the entry it was fitted to.

>>> from actlab.nn import Sequential, Dense, PAU
>>> model = Sequential([Dense(4, 8), PAU(target="tanh"), Dense(8, 2)], seed=0)
>>> [name for name, _ in model.named_parameters()][2:4]
['1.PAU.numerator', '1.PAU.denominator']
"""

from .apl import APL
from .bspline import bspline_bases, bspline_derivative
from .kan import KANLinear, update_grids
from .pau import PAU
from .rational import RationalFit, fit_rational

__all__ = ["APL", "KANLinear", "PAU", "RationalFit", "bspline_bases", "bspline_derivative",
           "fit_rational", "update_grids"]
