"""Records -> one self-contained HTML page (``index.html``): inline CSS, inline SVG charts with a
small inline script for hover read-outs; nothing is loaded from the network.

:func:`write_report` reads everything from the results database of an output folder: the compare
study's description (``meta`` row ``compare``) with its runs, and the claim verdicts (``meta``
rows ``claim:<name>``). The page opens with the answer (:mod:`actlab.report.answer`).

Safety: the database is untrusted input. Every stored value reaches the page escaped or checked
against a closed set (:mod:`actlab.report.htmlkit`), and a Content-Security-Policy meta tag
forbids every network load and every script but the page's own (pinned by its SHA-256).
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
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


def csp(js: str, extra: tuple[str, ...] = ()) -> str:
    """The page's Content-Security-Policy: nothing from the network, only its own script (and
    ``extra`` ``'sha256-...'`` sources: the embedded explorer's script, whose ``srcdoc`` frame
    inherits this policy)."""
    digest = base64.b64encode(hashlib.sha256(js.encode("utf-8")).digest()).decode()
    more = "".join(" " + h for h in extra if _HASH.fullmatch(h))
    return ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
            f"script-src 'sha256-{digest}'{more}; base-uri 'none'; form-action 'none'")


_HASH = re.compile(r"'sha256-[A-Za-z0-9+/]{43}='")


def page(title: str, subtitle: str, sections: list[tuple[str, list[tuple[str, str]]]],
         scripts: tuple[str, ...] = ()) -> str:
    """Assemble the page from ``(html, nav entries)`` sections (``scripts``: CSP hash sources
    of embedded frames' scripts)."""
    nav = " ".join(f'<a href="#{html.escape(a)}">{html.escape(t)}</a>'
                   for _, entries in sections for a, t in entries)
    body = "\n".join(s for s, _ in sections if s) or "<p>No results yet: run <code>actlab " \
        "compare</code> or <code>actlab claims --report</code>.</p>"
    js = "\n" + _template("report.js") + "\n"
    return Template(_template("report.html")).substitute(
        title=html.escape(title), subtitle=html.escape(subtitle), nav=nav, body=body,
        css=_template("report.css"), js=js, csp=html.escape(csp(js, scripts)), version=_version(),
        generated=time.strftime("%Y-%m-%d %H:%M"))


def write_report(out: str | Path, store: Store | None = None, *, figures: bool = True,
                 explorer: bool = True) -> Path:
    """Write ``out/index.html`` (and the matplotlib figures under ``out/figures``);
    ``explorer``: embed the lab's function explorer on the study's activations."""
    from ..studies.compare import stored
    from .answer import answer_section, protocol_section, tuning_section
    from .sections import _colors, claims_section, compare_section, explorer_section

    out = Path(out)
    own = store is None
    store = Store(out / "results.sqlite") if store is None else store
    try:
        sections = []
        subtitle = []
        scripts: list[str] = []
        names = sorted(n for n in store.meta_names() if n.startswith("claim:"))
        claims = []
        for n in names:
            try:
                claims.append(ClaimResult.from_dict(store.get_meta(n)))
            except (KeyError, TypeError, ValueError):
                subtitle.append(f"unreadable claim record {n}")
        try:
            outcome = stored(out, store)
        except (KeyError, TypeError, ValueError) as exc:
            outcome = None
            sections.append((f'<p class="note">The stored compare study cannot be read: '
                             f"{html.escape(str(exc))}</p>", []))
        if outcome is not None:
            results = list(outcome.results)
            files: list[str] = []
            if figures and results:
                from ..plotting.study import save_study_figures

                files = [str(p.relative_to(out)) for p in save_study_figures(results, out)]
            files += [f for f in ("summary.json", "results.csv", "claims.csv", "results.sqlite")
                      if (out / f).exists()]
            colors = _colors([r.label for r in outcome.rows])
            sections.append(answer_section(outcome, claims))
            sections.append(protocol_section(outcome))
            sections.append(tuning_section(outcome, colors))
            sections.append(compare_section(outcome, figures=files))
            if explorer:
                sections.append(explorer_section(outcome.spec.activations, scripts))
            subtitle.append(f"compare: {outcome.spec.describe()}")
        if claims:
            sections.append(claims_section(claims))
            subtitle.append(f"{len(claims)} claims tested")
    finally:
        if own:
            store.close()
    text = page("actlab report", "; ".join(subtitle) or "no results", sections, tuple(scripts))
    path = out / "index.html"
    atomic_write(path, text)
    return path
