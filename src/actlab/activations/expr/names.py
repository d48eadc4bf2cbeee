"""Activation specs as text: ``NAME[:k=v,...]`` and ``expr:FORMULA[:k=v,...]`` (no SymPy here,
so the CLI and the studies split specs without importing it)."""

from __future__ import annotations

PREFIX = "expr:"


def split_spec(text: str) -> tuple[str, str]:
    """``"NAME[:k=v,...]"`` or ``"expr:FORMULA[:k=v,...]"`` -> ``(name, "k=v,...")`` (a formula
    never contains ``:``, so the first ``:`` after it starts the parameters).

    >>> split_spec("expr:x*sigmoid(beta*x):beta=1.5")
    ('expr:x*sigmoid(beta*x)', 'beta=1.5')
    >>> split_spec("leaky_relu:alpha=0.2")
    ('leaky_relu', 'alpha=0.2')
    """
    text = str(text).strip()
    if text.startswith(PREFIX):
        formula, _, rest = text[len(PREFIX):].partition(":")
        return PREFIX + formula.strip(), rest
    name, _, rest = text.partition(":")
    return name.strip(), rest


def split_list(text: str) -> list[str]:
    """Comma-separated activations, commas inside a formula's parentheses kept.

    >>> split_list("relu, expr:max(x, 0.1*x), silu:beta=2")
    ['relu', 'expr:max(x, 0.1*x)', 'silu:beta=2']
    """
    items, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth <= 0:
            items.append(text[start:i])
            start = i + 1
    items.append(text[start:])
    return [s.strip() for s in items if s.strip()]
