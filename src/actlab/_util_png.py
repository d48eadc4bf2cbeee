"""PNG pictures for notebook display (``_repr_png_``): the same curves the HTML shows.

Drawn with matplotlib's object-oriented API on an Agg canvas (no pyplot state, no window, no
file), so a notebook, a terminal IPython with an image viewer, or a docs build can show them.

>>> from actlab._util_png import png_plot
>>> png = png_plot([0.0, 1.0, 2.0], {"f": [0.0, 1.0, 4.0]}, xlabel="x")
>>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence

from ._util_html import COLORS


def png_plot(x: Sequence[float], series: Mapping[str, Sequence[float | None]], *,
             xlabel: str = "", title: str = "", size: tuple[float, float] = (4.8, 3.0),
             dpi: int = 100) -> bytes:
    """PNG bytes of lines through ``(x, y)`` for each named series (``None``/non-finite
    values leave a gap), with a legend and axis labels."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for i, (name, ys) in enumerate(series.items()):
        clean = [v if v is not None and math.isfinite(v) else math.nan for v in ys]
        ax.plot(list(x), clean, color=COLORS[i % len(COLORS)], lw=1.5, label=name)
    ax.axhline(0.0, color="#999", lw=0.6)
    ax.grid(alpha=0.3)
    if xlabel:
        ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title, fontsize=10)
    if series:
        ax.legend(fontsize=8, frameon=False)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()
