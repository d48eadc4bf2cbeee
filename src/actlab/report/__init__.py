"""Records -> one self-contained HTML page (``index.html``): inline CSS, inline SVG charts with a
small inline script for hover read-outs; nothing is loaded from the network.

:func:`write_report` reads everything from the results database of an output folder: the compare
study's description (``meta`` row ``compare``) with its runs, and the claim verdicts (``meta``
rows ``claim:<name>``).
"""

from __future__ import annotations

import html
import time
from importlib import resources
from pathlib import Path
from string import Template

from .._util_files import atomic_write
from ..studies.records import ClaimResult
from ..studies.store import Store

__all__ = ["page", "write_report"]


def _template(name: str) -> str:
    return resources.files("actlab.report").joinpath("templates", name).read_text("utf-8")


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("actlab")
    except Exception:  # pragma: no cover - not installed
        return "(development)"


def page(title: str, subtitle: str, sections: list[tuple[str, list[tuple[str, str]]]]) -> str:
    """Assemble the page from ``(html, nav entries)`` sections."""
    nav = " ".join(f'<a href="#{html.escape(a)}">{html.escape(t)}</a>'
                   for _, entries in sections for a, t in entries)
    body = "\n".join(s for s, _ in sections) or "<p>No results yet: run <code>actlab compare" \
        "</code> or <code>actlab claims --report</code>.</p>"
    return Template(_template("report.html")).substitute(
        title=html.escape(title), subtitle=html.escape(subtitle), nav=nav, body=body,
        css=_template("report.css"), js=_template("report.js"), version=_version(),
        generated=time.strftime("%Y-%m-%d %H:%M"))


def write_report(out: str | Path, store: Store | None = None, *, figures: bool = True) -> Path:
    """Write ``out/index.html`` (and the matplotlib figures under ``out/figures``)."""
    from .sections import claims_section, compare_section

    out = Path(out)
    own = store is None
    store = Store(out / "results.sqlite") if store is None else store
    try:
        sections = []
        subtitle = []
        spec_d = store.get_meta("compare")
        if spec_d is not None:
            from ..studies.compare import CompareSpec

            spec = CompareSpec.from_dict(spec_d)
            configs = spec.configs()
            results = store.results([c.key for c in configs])
            files: list[str] = []
            if figures and results:
                from ..plotting.study import save_study_figures

                files = [str(p.relative_to(out)) for p in save_study_figures(results, out)]
            files += [f for f in ("results.csv", "claims.csv", "results.sqlite")
                      if (out / f).exists()]
            sections.append(compare_section(spec, results, expected=len(configs), figures=files))
            subtitle.append(f"compare: {spec.describe()}")
        names = sorted(n for n in store.meta_names() if n.startswith("claim:"))
        claims = [ClaimResult.from_dict(store.get_meta(n)) for n in names]
        if claims:
            sections.append(claims_section(claims))
            subtitle.append(f"{len(claims)} claims tested")
    finally:
        if own:
            store.close()
    text = page("actlab report", "; ".join(subtitle) or "no results", sections)
    path = out / "index.html"
    atomic_write(path, text)
    return path
