"""Figures of a study, from its records only (matplotlib, no pyplot state).

* :func:`plot_curves`: training loss and validation accuracy per epoch, mean over seeds with the
  95 % interval shaded, one colour per activation;
* :func:`plot_gradient_flow`: per activation, the gradient norm of every Dense layer at a few
  epochs (log scale);
* :func:`plot_unit_stats`: per activation, the dead and saturated fractions per layer at the
  last epoch;
* :func:`save_study_figures`: all of them plus the catalogue's f/f' figure, as PNG and SVG.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure

from ..studies import aggregate
from ..studies.records import RunResult

_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")


def _groups(results: Sequence[RunResult]) -> dict[str, list[RunResult]]:
    out: dict[str, list[RunResult]] = {}
    for r in results:
        out.setdefault(r.config.label(), []).append(r)
    return out


def _nan(v: Sequence[float | None]) -> list[float]:
    return [math.nan if x is None else x for x in v]


def plot_curves(results: Sequence[RunResult]) -> Figure:
    """Training loss (log) and validation accuracy per epoch, mean and 95 % interval over seeds."""
    fig = Figure(figsize=(10, 3.8))
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.91, wspace=0.18)
    ax_l, ax_a = fig.subplots(1, 2)
    for i, (label, runs) in enumerate(_groups(results).items()):
        c = _COLORS[i % len(_COLORS)]
        for ax, field in ((ax_l, "train_loss"), (ax_a, "val_accuracy")):
            x, mean, low, high = aggregate.epoch_curve(runs, field)
            ax.plot(x, _nan(mean), color=c, label=label, linewidth=1.6)
            ax.fill_between(x, _nan(low), _nan(high), color=c, alpha=0.15, linewidth=0)
    ax_l.set(title="training loss", xlabel="epoch",
             yscale="log" if all(r.train_loss is None or r.train_loss > 0 for r in results)
             else "linear")
    ax_a.set(title="validation accuracy", xlabel="epoch")
    ax_a.legend(fontsize=8, frameon=False)
    for ax in (ax_l, ax_a):
        ax.grid(alpha=0.3)
    return fig


def _panel_grid(n: int, ncols: int = 4) -> tuple[Figure, list]:
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(3.0 * ncols, 2.6 * nrows))
    # a fixed layout: matplotlib's constrained layout doubles the time of every save
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.5 / (2.6 * nrows) + 0.06,
                        top=1 - 0.35 / (2.6 * nrows), wspace=0.3, hspace=0.55)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel().tolist()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def plot_gradient_flow(results: Sequence[RunResult]) -> Figure:
    """One panel per activation: gradient norm per Dense layer at up to four epochs."""
    groups = _groups(results)
    fig, axes = _panel_grid(max(len(groups), 1))
    for ax, (label, runs) in zip(axes, groups.items()):
        epochs = aggregate.pick_epochs(aggregate.recorded_epochs(runs))
        positive = False
        for j, ep in enumerate(epochs):
            x, mean, _, _ = aggregate.layer_profile(runs, "grad_norm", ep)
            y = [m if m is not None and m > 0 else math.nan for m in mean]
            positive = positive or any(v == v for v in y)
            ax.plot(x, y, marker="o", markersize=3, label=f"epoch {ep}",
                    color=_COLORS[j % len(_COLORS)])
        # a log axis without a positive value warns: all-zero gradients stay on a linear axis
        ax.set(title=label, xlabel="layer", yscale="log" if positive else "linear")
        ax.grid(alpha=0.3)
    if axes:
        axes[0].set_ylabel("‖dL/dW‖")
        axes[0].legend(fontsize=7, frameon=False)
    return fig


def plot_unit_stats(results: Sequence[RunResult]) -> Figure:
    """One panel per activation: dead and saturated fractions per layer, last epoch."""
    groups = _groups(results)
    fig, axes = _panel_grid(max(len(groups), 1))
    for ax, (label, runs) in zip(axes, groups.items()):
        for field, c in (("dead", "#d62728"), ("saturated", "#1f77b4"), ("zeros", "#7f7f7f")):
            x, mean, _, _ = aggregate.layer_profile(runs, field)
            ax.plot(x, _nan(mean), marker="o", markersize=3, color=c, label=field)
        ax.set(title=label, xlabel="layer", ylim=(-0.03, 1.03))
        ax.grid(alpha=0.3)
    if axes:
        axes[0].set_ylabel("fraction")
        axes[0].legend(fontsize=7, frameon=False)
    return fig


def save_study_figures(results: Sequence[RunResult], out: str | Path,
                       formats: Sequence[str] = ("png", "svg")) -> list[Path]:
    """Write ``figures/{curves,gradient_flow,unit_stats,activations}.{png,svg}`` under ``out``."""
    from .catalogue import plot_activations, save_figure

    folder = Path(out) / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    groups = _groups(results)
    names = []
    for runs in groups.values():
        c = runs[0].config
        names.append((c.activation, c.params))
    figures = {
        "curves": plot_curves(results),
        "gradient_flow": plot_gradient_flow(results),
        "unit_stats": plot_unit_stats(results),
    }
    import actlab

    figures["activations"] = plot_activations([actlab.get(n, **p) for n, p in names])
    paths = []
    for name, fig in figures.items():
        for fmt in formats:
            paths.append(save_figure(fig, folder / f"{name}.{fmt}"))
    return paths
