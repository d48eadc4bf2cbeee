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

__all__ = [
    "FORMATS",
    "default_x",
    "figure_format",
    "plot_activations",
    "plot_catalogue_grid",
    "plot_wb_family",
    "save_figure",
]
