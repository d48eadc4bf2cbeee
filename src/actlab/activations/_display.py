"""How an :class:`~actlab.activations.registry.Activation` shows itself in a notebook: f and f'
on [-5, 5], as inline SVG above the property sheet (HTML) or as a PNG picture."""

from __future__ import annotations

import numpy as np


class NotebookDisplay:
    """Jupyter's rich display hooks for activations (``_repr_html_``, ``_repr_png_``)."""

    __slots__ = ()

    def _repr_html_(self) -> str:
        """Notebook display: f and f' on [-5, 5] as inline SVG above the property sheet."""
        from .._util_html import page, record_table, svg_plot

        x = np.linspace(-5.0, 5.0, 201)
        curves = {"f": self(x)}
        if not self.vector:
            curves["f'"] = self.grad(x)
        return page(repr(self), svg_plot(x, {k: v.tolist() for k, v in curves.items()},
                                         xlabel="x"), record_table(self.info))

    def _repr_png_(self) -> bytes:
        """Notebook display as a picture: f and f' on [-5, 5] (PNG)."""
        from .._util_png import png_plot

        x = np.linspace(-5.0, 5.0, 201)
        if self.vector:  # softmax-like: the first output of f([x, 0])
            curves = {"f": self(np.stack([x, np.zeros_like(x)], axis=-1))[..., 0]}
        else:
            curves = {"f": self(x), "f'": self.grad(x)}
        return png_plot(x.tolist(), {k: v.tolist() for k, v in curves.items()},
                        xlabel="x", title=repr(self))
