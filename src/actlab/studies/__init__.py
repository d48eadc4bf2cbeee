"""Comparison studies and the articles' claims as experiments; results are plain records.

``records`` (frozen dataclasses), ``store`` (SQLite), ``stats`` (confidence intervals, Welch,
verdicts), ``runner`` (one run, many runs in parallel, resumable), ``compare`` and ``claims``.
"""

from .records import (
    Chart,
    ClaimResult,
    Effect,
    EpochStats,
    Estimate,
    LayerStats,
    RunConfig,
    RunResult,
    Series,
    Table,
)
from .store import Store

__all__ = [
    "Chart", "ClaimResult", "Effect", "EpochStats", "Estimate", "LayerStats", "RunConfig",
    "RunResult", "Series", "Store", "Table",
]
