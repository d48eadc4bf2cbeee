"""Write the lab page: the committed template (``lab_template.html``, built from ``web/lab`` by
esbuild) with the registry's catalogue injected as JSON.

The page is one self-contained HTML file: inline script and style, a Content-Security-Policy
that forbids every network load (``default-src 'none'``), no external resource of any kind,
so it works from ``file://`` and offline.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import webbrowser
from importlib import resources
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .._util_files import atomic_write
from .catalogue import catalogue

MODES = ("full", "explorer")
MAX_BYTES = 400_000


def template() -> str:
    """The built page template shipped as package data."""
    return resources.files("actlab.lab").joinpath("lab_template.html").read_text("utf-8")


def js_kernels(tpl: str | None = None) -> list[str]:
    """Names the page's JavaScript computes itself (from the template's meta tag)."""
    m = re.search(r'<meta name="actlab-kernels" content="([^"]*)">', tpl or template())
    return [n for n in m.group(1).split(",") if n] if m else []


def _script_json(data: Any) -> str:
    """JSON safe inside a <script> element: no '<', no line separators, strict (no NaN)."""
    text = json.dumps(data, allow_nan=False, separators=(",", ":"), ensure_ascii=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def page_html(mode: str = "full", *, function: str | None = None,
              custom: Iterable[Any] = ()) -> str:
    """The whole page as a string (``mode="explorer"``: the function explorer alone);
    ``function`` names the entry the explorer opens on (aliases allowed); ``custom`` adds
    activations from ``actlab.define`` (or ``"NAME=EXPR[:k=v,...]"`` strings) to the explorer
    and the playground's layer menus, sent as expression trees (data the page interprets)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {list(MODES)}, got {mode!r}")
    tpl = template()
    cat = catalogue(js_kernels(tpl), list(custom))
    if function is not None:
        from actlab.activations import registry

        names = [e["name"] for e in cat["entries"]]
        cat["start"] = {"fn": function if function in names else registry.canonical(function)}
    data = _script_json(cat)
    out = tpl.replace("__ACTLAB_MODE__", mode, 1).replace("__ACTLAB_CATALOGUE__", data, 1)
    return out


def write(path: str | os.PathLike = "lab.html", *, mode: str = "full",
          custom: Iterable[Any] = ()) -> Path:
    """Write the page to ``path`` atomically (temporary file + ``os.replace``); returns it."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a directory; give a file name such as lab.html")
    text = page_html(mode, custom=custom)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise FileNotFoundError(f"{directory}: no such directory")
    return atomic_write(path, text)


def open_in_browser(path: str | os.PathLike) -> bool:
    """Open a written page in the default browser; False when none is available."""
    return webbrowser.open(Path(path).resolve().as_uri())


def _iframe(doc: str, height: int, title: str) -> str:
    if not isinstance(height, int) or isinstance(height, bool) or height < 100:
        raise ValueError(f"height must be an integer >= 100 pixels, got {height!r}")
    return (f'<iframe srcdoc="{html.escape(doc, quote=True)}" title="{html.escape(title)}" '
            f'style="width:100%;height:{height}px;border:1px solid #ddd;border-radius:8px" '
            'sandbox="allow-scripts allow-downloads" loading="lazy"></iframe>')


def explorer_html(height: int = 760, *, function: str | None = None,
                  custom: Iterable[Any] = ()) -> str:
    """An ``<iframe srcdoc>`` holding the function explorer, to embed in a report's HTML
    (``function``: the entry it opens on, e.g. one report section per activation).

    The page runs inside the iframe's sandbox (scripts only: no same-origin access to the
    report, no network: the page's own CSP forbids it).
    """
    return _iframe(page_html("explorer", function=function, custom=custom), height,
                   "actlab function explorer")


def inline_script_hashes(doc: str) -> list[str]:
    """``'sha256-...'`` CSP sources of ``doc``'s executable inline scripts (a page that embeds
    the explorer in an ``<iframe srcdoc>`` passes them on: a srcdoc document inherits its
    parent's Content-Security-Policy)."""
    found = re.findall(r"<script>(.*?)</script>", doc, re.S)
    return ["'sha256-" + base64.b64encode(hashlib.sha256(js.encode("utf-8")).digest()).decode()
            + "'" for js in found]


def study_explorer(activations: Iterable[str], height: int = 760) -> tuple[str, list[str]]:
    """The explorer for a study's activations (``"NAME[:k=v]"`` or ``"expr:FORMULA"`` specs):
    ``(iframe_html, csp_script_sources)``. It opens on the first and overlays the others;
    specs that do not resolve (an unknown name, a refused formula) are left out."""
    from actlab.activations import registry
    from actlab.nn.zoo import parse_activation

    custom, names = [], []
    for text in activations:
        try:
            name, params = parse_activation(str(text))
            f = registry.get(name, **params)
        except (ValueError, TypeError, RecursionError):
            continue
        if f.spec.extra.get("expression") is not None:
            custom.append(f)
            names.append(f.name if not f.name.startswith("expr:") else f"custom{len(custom)}")
        elif f.name not in names:
            names.append(f.name)
    doc = page_html("explorer", custom=custom)
    if names:
        data = _script_json({"fn": names[0], "compare": names[1:8]})
        doc = doc.replace('"format":"actlab.lab.catalogue/1"',
                          f'"start":{data},"format":"actlab.lab.catalogue/1"', 1)
    return _iframe(doc, height, "actlab function explorer"), inline_script_hashes(doc)


class LabView:
    """What :func:`lab` returns: Jupyter shows ``_repr_html_`` (the page in an iframe)."""

    def __init__(self, height: int = 900, mode: str = "full", custom: Iterable[Any] = ()) -> None:
        self.html = _iframe(page_html(mode, custom=custom), height, "actlab lab")

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"<actlab lab page: {len(self.html)} characters of HTML; display it in a notebook>"


def lab(height: int = 900, *, mode: str = "full", define: Iterable[str] = (),
        activations: Iterable[Any] = ()) -> LabView:
    """The lab page for a notebook cell: ``actlab.lab.lab()`` (or ``actlab.lab()``) displays it
    inline through an ``<iframe srcdoc>``; the page needs no server and no network.

    ``define``: ``"NAME=EXPR[:k=v,...]"`` strings and ``activations``: activations from
    ``actlab.define``; both appear in the explorer (with sliders for their parameters) and in
    the playground's per-layer activation menus.

    >>> view = lab(define=["myswish=x*sigmoid(beta*x):beta=1.5"])
    >>> view._repr_html_().startswith("<iframe srcdoc=")
    True
    """
    if isinstance(define, str) or not isinstance(activations, Iterable):
        raise TypeError("define and activations must be lists (of strings / activations)")
    return LabView(height, mode, [*define, *activations])
