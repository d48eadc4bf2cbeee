"""Custom activations from formulas: safe parsing, exact stable code, mpmath-checked accuracy and
an inferred property sheet (``actlab.define``).

SymPy is imported on first use (``define``, ``Expression``, ``accuracy_of``), not with actlab.
"""

from __future__ import annotations

from typing import Any

from .names import PREFIX, split_list, split_spec

__all__ = ["PREFIX", "Expression", "accuracy_of", "define", "split_list", "split_spec"]


def __getattr__(name: str) -> Any:
    if name in ("Expression", "accuracy_of", "define"):
        from . import core as module

        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
