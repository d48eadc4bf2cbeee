"""Figures (matplotlib only, no pyplot state): the catalogue here, the studies beside it."""

from .catalogue import (
    FORMATS,
    default_x,
    figure_format,
    plot_activations,
    plot_catalogue_grid,
    plot_wb_family,
    save_figure,
)
from .learned import learnable_layers, plot_learned

__all__ = [
    "FORMATS",
    "default_x",
    "figure_format",
    "learnable_layers",
    "plot_activations",
    "plot_catalogue_grid",
    "plot_learned",
    "plot_wb_family",
    "save_figure",
]
