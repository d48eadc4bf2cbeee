"""Figures of the catalogue: f and f' from the registry, the w/b families and an overview grid.

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot (no global state,
nothing is shown); :func:`save_figure` writes one atomically. What the registry's property sheet
says is drawn, not re-derived: finite range bounds as dashed lines, kinks as a closed dot at the
derivative actlab returns and open dots at the one-sided limits, the minimum of non-monotone
entries as a triangle. Vector-valued entries (softmax, log_softmax) are drawn as their 2-class
slice ``f([x, 0])[0]``, and the legend says so.

>>> from actlab.plotting import plot_activations
>>> fig = plot_activations(["relu", "gelu"])
>>> [ax.get_title() for ax in fig.axes]
['f(x)', "f'(x)"]
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
from matplotlib import rc_context
from matplotlib.figure import Figure

from .._util_files import atomic_open
from ..activations import Activation, get, names

FORMATS = ("png", "svg", "pdf")
#: drop the creation date so that svg/pdf bytes depend only on the figure
_METADATA = {"png": None, "svg": {"Date": None}, "pdf": {"CreationDate": None}}
_BOUND_STYLE = dict(linestyle="--", linewidth=0.9, alpha=0.55)
_AXIS_STYLE = dict(color="0.6", linewidth=0.6, zorder=0)
_N = 801  # samples per curve


# ------------------------------------------------------------------------------ evaluation
def _activations(items: str | Activation | Iterable[str | Activation]) -> list[Activation]:
    if isinstance(items, (str, Activation)):
        items = [items]
    acts = [get(item) for item in items]
    if not acts:
        raise ValueError("nothing to plot: give at least one activation")
    return acts


def _slice(act: Activation) -> Activation:
    """The entry with its distribution axis last, for the 2-class slice of vector entries."""
    return get(act.name, **{**act.params, "axis": -1}) if act.vector else act


def _f(act: Activation, x: np.ndarray) -> np.ndarray:
    """f(x), or ``f([x, 0])[0]`` for vector-valued entries."""
    if act.vector:
        pair = np.stack([x, np.zeros_like(x)], axis=-1)
        return _slice(act)(pair)[..., 0]
    return act(x)


def _df(act: Activation, x: np.ndarray) -> np.ndarray:
    """f'(x), or ``d/dx f([x, 0])[0]`` (the Jacobian's top-left entry) for vector entries."""
    if act.vector:
        pair = np.stack([x, np.zeros_like(x)], axis=-1)
        seed = np.zeros_like(pair)
        seed[..., 0] = 1.0
        return _slice(act).backward(seed, pair)[..., 0]
    return act.grad(x)


def _label(act: Activation) -> str:
    name = repr(act) if act.params and not act.vector else act.name
    return f"{name}([x, 0])[0]  (2-class slice)" if act.vector else name


def _interesting(act: Activation) -> list[float]:
    """Abscissae the plot must show: kinks and attained extrema."""
    info = act.info
    pts = [k.x for k in info.kinks]
    pts += [e.at for e in (info.minimum, info.maximum) if e is not None and np.isfinite(e.at)]
    return pts


def default_x(acts: Sequence[Activation], n: int = _N) -> np.ndarray:
    """[-5, 5], widened so that every kink and extremum sits at least 2 inside the window."""
    pts = [p for act in acts for p in _interesting(act)]
    lo = min([-5.0, *(p - 2.0 for p in pts)])
    hi = max([5.0, *(p + 2.0 for p in pts)])
    return np.linspace(lo, hi, n)


def _kinks_in(act: Activation, x: np.ndarray):
    return [k for k in act.info.kinks if x[0] <= k.x <= x[-1]]


def _curves(act: Activation, x: np.ndarray):
    """(xf, f, xd, f') with the kinks sampled exactly in f and as gaps (NaN) in f'."""
    kx = np.array([k.x for k in _kinks_in(act, x)], dtype=float)
    xf = np.union1d(x, kx)
    xd = xf[~np.isin(xf, kx)]
    d = _df(act, xd)
    at = np.searchsorted(xd, kx)
    return xf, _f(act, xf), np.insert(xd, at, kx), np.insert(d, at, np.nan)


@lru_cache(maxsize=None)
def _mathtext(tex: str) -> str | None:
    """``$tex$`` if matplotlib's mathtext can typeset it (after mild rewrites), else None."""
    from matplotlib.mathtext import MathTextParser

    for old, new in ((r"\tfrac", r"\frac"), (r"\bigl", ""), (r"\bigr", ""),
                     (r"\operatorname", r"\mathrm")):
        tex = tex.replace(old, new)
    try:
        MathTextParser("path").parse(f"${tex}$")
    except Exception:  # noqa: BLE001 - any parse failure means: title without the formula
        return None
    return f"${tex}$"


def _title(act: Activation) -> str:
    info = act.info
    head = info.display_name + (f"  {act!r}" if act.params and not act.vector else "")
    formula = _mathtext(info.formula)
    return f"{head}:  {formula}" if formula else head


# ------------------------------------------------------------------------------ drawing
def _margins(fig: Figure, wide: bool, title: bool) -> None:
    """Fixed margins for the 4.2 inch high one- or two-panel figures (a layout engine would
    measure every tick label, which costs more than drawing the figure)."""
    fig.subplots_adjust(left=0.075 if wide else 0.13, right=0.985, bottom=0.12,
                        top=0.84 if title else 0.91, wspace=0.2)


def _frame(ax, title: str, xlabel: str = "x") -> None:
    ax.axhline(0.0, **_AXIS_STYLE)
    ax.axvline(0.0, **_AXIS_STYLE)
    ax.grid(True, linewidth=0.4, alpha=0.4)
    ax.set_title(title)
    ax.set_xlabel(xlabel)


def _bounds(ax, act: Activation, color) -> None:
    """Dashed lines at the finite ends of the range (horizontal asymptotes or attained bounds)."""
    for bound in act.info.range:
        if np.isfinite(bound):
            ax.axhline(bound, color=color, label="_bound", **_BOUND_STYLE)


def _minimum(ax, act: Activation, color, annotate: bool) -> None:
    m = act.info.minimum
    if act.info.monotone or act.vector or m is None:
        return
    ax.plot([m.at], [m.value], marker="v", color=color, markersize=7, linestyle="none",
            label="_minimum", zorder=4)
    if annotate:
        ax.annotate(f"min {m.value:.4g} at x = {m.at:.4g}", (m.at, m.value),
                    xytext=(-10, 40), textcoords="offset points", ha="right", fontsize=8,
                    color=color, arrowprops=dict(arrowstyle="->", color=color, linewidth=0.8))


def _kink_dots(ax_f, ax_d, act: Activation, x: np.ndarray, color, color_d=None) -> None:
    """A dot on f at each kink; on f' open dots at the one-sided limits, closed at f'(kink)."""
    color_d = color if color_d is None else color_d
    for k in _kinks_in(act, x):
        fk = float(_f(act, np.array([k.x]))[0])
        ax_f.plot([k.x], [fk], "o", color=color, markersize=4, label="_kink", zorder=4)
        if ax_d is None:
            continue
        ax_d.plot([k.x, k.x], [k.left, k.right], "o", markerfacecolor="white",
                  markeredgecolor=color_d, markersize=6, linestyle="none", label="_kink_open",
                  zorder=4)
        ax_d.plot([k.x], [k.derivative], "o", color=color_d, markersize=6,
                  label="_kink_closed", zorder=5)


def _colors(n: int) -> list:
    if n <= 10:
        return [f"C{i}" for i in range(n)]
    from matplotlib import colormaps

    cmap = colormaps["tab20"]
    return [cmap(i % 20) for i in range(n)]


def plot_activations(
    names_or_activations: str | Activation | Iterable[str | Activation],
    derivative: bool = True,
    x: np.ndarray | Sequence[float] | None = None,
) -> Figure:
    """One panel of f with every entry overlaid and, with ``derivative``, a second of f'.

    Entries are names (aliases allowed) or :class:`Activation` objects with parameters.
    """
    acts = _activations(names_or_activations)
    grid = default_x(acts) if x is None else np.sort(np.asarray(x, dtype=float).ravel())
    if grid.size < 2:
        raise ValueError("x needs at least two points")
    fig = Figure(figsize=(11.0 if derivative else 6.0, 4.2))
    _margins(fig, wide=derivative, title=len(acts) == 1)
    axes = fig.subplots(1, 2 if derivative else 1, squeeze=False)[0]
    ax_f, ax_d = axes[0], (axes[1] if derivative else None)
    _frame(ax_f, "f(x)")
    if ax_d is not None:
        _frame(ax_d, "f'(x)")
    for i, (act, color) in enumerate(zip(acts, _colors(len(acts)))):
        xf, f, xd, d = _curves(act, grid)
        # earlier curves drawn wider, so that coinciding pieces (relu under relu6) stay visible
        width = 1.6 + 1.4 * (len(acts) - 1 - i) / max(len(acts) - 1, 1)
        ax_f.plot(xf, f, color=color, linewidth=width, label=_label(act))
        _bounds(ax_f, act, color)
        _minimum(ax_f, act, color, annotate=len(acts) == 1)
        if ax_d is not None:
            ax_d.plot(xd, d, color=color, linewidth=width, label=_label(act))
        _kink_dots(ax_f, ax_d, act, grid, color)
    for ax in axes:
        ax.legend(fontsize=8, loc="best")
    if len(acts) == 1:
        fig.suptitle(_title(acts[0]))
    return fig


def plot_wb_family(
    name: str | Activation,
    ws: Sequence[float] = (0.5, 1, 2, 5),
    bs: Sequence[float] = (-2, -1, 0, 1, 2),
    x: np.ndarray | Sequence[float] | None = None,
) -> Figure:
    """The articles' families f(w x + b): several w with b = 0, several b with w = 1.

    A weight scales the slope (w -> inf turns a sigmoid into a step), a bias shifts the curve
    by -b/w. One labelled line per w in the left panel and per b in the right one.
    """
    (act,) = _activations([name])
    grid = default_x([act]) if x is None else np.sort(np.asarray(x, dtype=float).ravel())
    fig = Figure(figsize=(11.0, 4.2))
    _margins(fig, wide=True, title=True)
    ax_w, ax_b = fig.subplots(1, 2)
    what = f"{act.name}([w x + b, 0])[0]" if act.vector else f"{act.name}(w x + b)"
    for ax, values, key in ((ax_w, ws, "w"), (ax_b, bs, "b")):
        fixed = "b = 0" if key == "w" else "w = 1"
        _frame(ax, f"{what},  {fixed}")
        _bounds(ax, act, "0.3")
        colors = _colors(len(values)) if len(values) > 6 else [
            _sequential(i, len(values)) for i in range(len(values))]
        for v, color in zip(values, colors):
            w, b = (float(v), 0.0) if key == "w" else (1.0, float(v))
            ax.plot(grid, _f(act, w * grid + b), color=color, linewidth=1.8, label=f"{key} = {v:g}")
        ax.legend(fontsize=8, loc="best", title="2-class slice" if act.vector else None,
                  title_fontsize=8)
    slice_note = "  (2-class slice)" if act.vector else ""
    fig.suptitle(f"{act.info.display_name}: weight and bias families{slice_note}")
    return fig


def _sequential(i: int, n: int):
    from matplotlib import colormaps

    return colormaps["viridis"](0.1 + 0.8 * i / max(n - 1, 1))


def plot_catalogue_grid(ncols: int = 5) -> Figure:
    """Every registry entry in one grid: f solid, f' dashed, kinks and range bounds marked."""
    entries = [get(n) for n in names()]
    ncols = max(1, min(ncols, len(entries)))
    nrows = -(-len(entries) // ncols)
    height = 2.7 * nrows + 0.7
    fig = Figure(figsize=(3.3 * ncols, height))
    # fixed margins: constrained layout costs seconds on 20 axes
    fig.subplots_adjust(left=0.035, right=0.99, bottom=0.3 / height, top=1 - 0.75 / height,
                        wspace=0.22, hspace=0.42)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, act in zip(axes, entries):
        grid = default_x([act], n=401)
        xf, f, xd, d = _curves(act, grid)
        ax.axhline(0.0, **_AXIS_STYLE)
        ax.axvline(0.0, **_AXIS_STYLE)
        ax.plot(xf, f, color="C0", linewidth=1.6, label="f")
        ax.plot(xd, d, color="C1", linewidth=1.2, linestyle="--", label="f'")
        _bounds(ax, act, "C0")
        _minimum(ax, act, "C0", annotate=False)
        _kink_dots(ax, ax, act, grid, "C0", "C1")
        ax.set_title(act.name + ("  [x, 0] slice" if act.vector else ""), fontsize=10)
        ax.tick_params(labelsize=7)
        ax.grid(True, linewidth=0.3, alpha=0.4)
    for ax in axes[len(entries):]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", ncols=2, frameon=False)
    fig.suptitle(f"actlab catalogue: {len(entries)} activations.  f solid, f' dashed; thin dashed "
                 "lines: range bounds; dots: kinks (filled = the f' actlab returns); "
                 "\u25bc minimum")
    return fig


# ------------------------------------------------------------------------------ output
def figure_format(path: str | os.PathLike) -> str:
    """'png', 'svg' or 'pdf' from the file suffix; anything else raises ``ValueError``."""
    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(
            f"cannot write {os.fspath(path)!r}: unknown figure format {fmt or '(no suffix)'!r}; "
            f"use one of {', '.join('.' + f for f in FORMATS)}"
        )
    return fmt


def save_figure(fig: Figure, path: str | os.PathLike, *, dpi: int = 110) -> Path:
    """Write ``fig`` to ``path`` atomically (temp file in the same folder, then ``os.replace``).

    The format follows the suffix (png, svg or pdf); the folder must exist.
    """
    path = Path(path)
    fmt = figure_format(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"folder {os.fspath(folder)!r} does not exist")
    # a fixed salt makes the svg ids, and so the svg bytes, reproducible
    with atomic_open(path) as fh, rc_context({"svg.hashsalt": "actlab"}):
        fig.savefig(fh, format=fmt, dpi=dpi, metadata=_METADATA[fmt])
    return path
