"""Custom activations from formulas: safe parsing, exact stable code, mpmath-checked accuracy and
an inferred property sheet (``actlab.define``)."""

from .define import PREFIX, Expression, accuracy_of, define, split_list, split_spec

__all__ = ["PREFIX", "Expression", "accuracy_of", "define", "split_list", "split_spec"]
