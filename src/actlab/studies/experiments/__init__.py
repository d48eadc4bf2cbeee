"""The articles' claims as fair experiments: conditions, lr tuning on validation, analyses.

Each :class:`Claim` names its conditions (one :class:`~actlab.studies.records.RunConfig`
each), how their learning rates are chosen (:mod:`.plan`: a log grid, validation only) and an
analysis that turns the :class:`Evidence` (runs paired by seed) into effects oriented so that
the claim predicts > 0, tables, charts and notes. Every claim states its control ("could this
fail?"). :mod:`actlab.studies.claims` runs them and computes the verdicts.

>>> from actlab.studies.experiments import CLAIM_LIST
>>> [c.number for c in CLAIM_LIST]
[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
"""

from __future__ import annotations

from . import gradients, training, units
from .common import Analysis, Claim, Evidence
from .plan import GRIDS, collect
from .training import weight_sparsity

CLAIM_LIST: tuple[Claim, ...] = tuple(sorted(
    (*gradients.CLAIMS, *units.CLAIMS, *training.CLAIMS), key=lambda c: c.number))
CLAIMS: dict[str, Claim] = {c.name: c for c in CLAIM_LIST}

__all__ = ["CLAIMS", "CLAIM_LIST", "GRIDS", "Analysis", "Claim", "Evidence",
           "collect", "weight_sparsity"]
