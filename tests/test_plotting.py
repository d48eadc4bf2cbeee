"""Catalogue figures: built from the registry, drawn without pyplot, written atomically."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

import actlab
from actlab.plotting import (
    default_x,
    plot_activations,
    plot_catalogue_grid,
    plot_wb_family,
    save_figure,
)

NAMES = actlab.names()
MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "svg": b"<svg", "pdf": b"%PDF-"}


def labelled(ax) -> list:
    return [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]


def lines_named(ax, label: str) -> list:
    return [ln for ln in ax.get_lines() if ln.get_label() == label]


@pytest.mark.parametrize("name", NAMES)
def test_figure_for_every_entry(name):
    act = actlab.get(name)
    info = act.info
    fig = plot_activations(name)
    assert isinstance(fig, Figure)
    ax_f, ax_d = fig.axes
    (f_line,) = labelled(ax_f)
    (d_line,) = labelled(ax_d)
    assert ("2-class slice" in f_line.get_label()) == act.vector
    x, y = f_line.get_xdata(), f_line.get_ydata()
    assert x[0] <= -5 and x[-1] >= 5 and np.all(np.isfinite(y))
    if not act.vector:
        np.testing.assert_array_equal(y, act(x))
    # kinks: a gap in f' at the kink, a closed dot at the derivative actlab returns
    yd = d_line.get_ydata()
    assert np.count_nonzero(np.isnan(yd)) == len(info.kinks)
    closed = lines_named(ax_d, "_kink_closed")
    assert [(ln.get_xdata()[0], ln.get_ydata()[0]) for ln in closed] == [
        (k.x, k.derivative) for k in info.kinks]
    assert len(lines_named(ax_d, "_kink_open")) == len(info.kinks)
    # dashed lines at the finite ends of the range
    bounds = lines_named(ax_f, "_bound")
    assert sorted(ln.get_ydata()[0] for ln in bounds) == [b for b in info.range if np.isfinite(b)]
    assert all(ln.get_linestyle() == "--" for ln in bounds)
    # minimum marked for non-monotone entries
    minima = lines_named(ax_f, "_minimum")
    wants_min = not info.monotone and not act.vector and info.minimum is not None
    assert len(minima) == int(wants_min)
    if wants_min:
        assert minima[0].get_xdata()[0] == info.minimum.at


def test_overlay_and_derivative_switch():
    acts = ["relu", actlab.get("leaky_relu", alpha=0.2), "swish"]
    fig = plot_activations(acts, derivative=False)
    (ax,) = fig.axes
    assert [ln.get_label() for ln in labelled(ax)] == ["relu", "leaky_relu(alpha=0.2)",
                                                       "silu(beta=1.0)"]
    fig = plot_activations(["relu", "tanh"], x=np.linspace(-1, 1, 5))
    assert [len(labelled(a)) for a in fig.axes] == [2, 2]


def test_softmax_slice_is_the_sigmoid():
    fig = plot_activations(["softmax", "log_softmax"])
    ax_f, ax_d = fig.axes
    (sm, lsm), (dsm, dlsm) = labelled(ax_f), labelled(ax_d)
    sig = actlab.get("sigmoid")
    x = sm.get_xdata()
    np.testing.assert_allclose(sm.get_ydata(), sig(x), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(dsm.get_ydata(), sig.grad(x), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(lsm.get_ydata(), actlab.get("log_sigmoid")(x), rtol=1e-12)
    np.testing.assert_allclose(dlsm.get_ydata(), sig(-x), rtol=1e-12, atol=1e-300)


def test_default_x_shows_every_kink_and_extremum():
    x = default_x([actlab.get("relu6")])
    assert x[0] == -5 and x[-1] >= 8
    x = default_x([actlab.get(n) for n in NAMES])
    assert x[0] <= -5 and x[-1] >= 8


@pytest.mark.parametrize("name", ["sigmoid", "relu6", "softmax"])
def test_wb_family_line_counts(name):
    fig = plot_wb_family(name, ws=(0.5, 1, 2), bs=(-1, 0, 1, 2))
    ax_w, ax_b = fig.axes
    assert [ln.get_label() for ln in labelled(ax_w)] == ["w = 0.5", "w = 1", "w = 2"]
    assert [ln.get_label() for ln in labelled(ax_b)] == ["b = -1", "b = 0", "b = 1", "b = 2"]
    f = actlab.get(name)
    w2 = labelled(ax_w)[2]
    x = w2.get_xdata()
    if not f.vector:
        np.testing.assert_array_equal(w2.get_ydata(), f(2 * x))
        np.testing.assert_array_equal(labelled(ax_b)[0].get_ydata(), f(x - 1))
    else:
        assert "2-class slice" in ax_w.get_legend().get_title().get_text()


def test_wb_family_defaults():
    fig = plot_wb_family("tanh")
    assert [len(labelled(a)) for a in fig.axes] == [4, 5]


def test_catalogue_grid_has_every_entry():
    fig = plot_catalogue_grid()
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title().split()[0] for ax in visible] == NAMES


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_save_figure_formats(tmp_path, fmt):
    path = save_figure(plot_activations(["relu", "softmax"]), tmp_path / f"fig.{fmt.upper()}")
    assert path.read_bytes()[:400].find(MAGIC[fmt]) >= 0
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temp file left


def test_save_figure_is_deterministic_for_svg(tmp_path):
    a = save_figure(plot_activations("tanh", derivative=False), tmp_path / "a.svg").read_bytes()
    b = save_figure(plot_activations("tanh", derivative=False), tmp_path / "b.svg").read_bytes()
    assert a == b


def test_save_figure_errors_and_atomicity(tmp_path, monkeypatch):
    fig = plot_activations("relu", derivative=False)
    with pytest.raises(ValueError, match="unknown figure format 'jpg'"):
        save_figure(fig, tmp_path / "x.jpg")
    with pytest.raises(ValueError, match="no suffix"):
        save_figure(fig, tmp_path / "x")
    with pytest.raises(FileNotFoundError):
        save_figure(fig, tmp_path / "missing" / "x.png")
    target = tmp_path / "keep.png"
    target.write_bytes(b"old")

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(fig, "savefig", broken)
    with pytest.raises(RuntimeError):
        save_figure(fig, target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.png"]


def test_no_pyplot():
    """Figures are built as Figure objects: no pyplot global state, nothing ever shown."""
    import actlab.plotting as plotting

    for name in ("__init__.py", "catalogue.py"):
        source = (Path(plotting.__file__).parent / name).read_text()
        assert "import pyplot" not in source and "matplotlib.pyplot" not in source, name
        assert ".show(" not in source, name
