"""The results database is untrusted: hostile strings in any stored field never become markup."""

from __future__ import annotations

import re
import sqlite3
from html import unescape
from html.parser import HTMLParser

import pytest

from actlab.report import write_report
from actlab.studies.compare import CompareSpec
from actlab.studies.records import (
    Chart,
    ClaimResult,
    Effect,
    EpochStats,
    LayerStats,
    RunResult,
    Series,
    Table,
)
from actlab.studies.store import Store
from actlab.studies.tuning import LrPoint, Sweep

EVIL = 'x"><script>alert(1)</script><img src=x onerror=alert(2)>'


def _run(cfg, acc):
    epochs = tuple(EpochStats(e, 1.0 / e, acc, 1.1 / e, acc, 0.1) for e in (1, 2))
    layers = tuple(LayerStats(e, k, 4, None if k == 2 else EVIL, 0.1, 0.01, 1.0, 0.0, 0.1,
                              0.0, 0.1, 0.0) for e in (0, 1, 2) for k in (1, 2))
    return RunResult(cfg, "finished", 1 - acc, acc, 0.5, acc, 2, 1, 0.1, epochs, layers,
                     flags=(EVIL, "vanishing"), extra=((EVIL, 1.0),), message=EVIL,
                     selected_epoch=2, val_loss=0.4, val_accuracy=acc, size_train=10,
                     size_validation=3, size_test=5)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def _live_markup(page: str) -> list[str]:
    """Tags or attributes, as a browser parses them, that would run or load anything beyond
    the page's own script and styles."""
    p = _Tags()
    p.feed(page)
    bad = []
    scripts = [t for t, _ in p.tags if t == "script"]
    if len(scripts) != 1:
        bad.append(f"{len(scripts)} script tags")
    for tag, attrs in p.tags:
        if tag == "iframe" and _is_explorer(dict(attrs)):
            continue  # the lab's function explorer: checked by _is_explorer
        if tag in ("img", "iframe", "object", "embed", "link", "base", "form", "audio",
                   "video", "source", "image"):
            bad.append(tag)
        for k, v in attrs:
            if k.startswith("on") or k in ("src", "srcdoc", "xlink:href", "action"):
                bad.append(f"{tag} {k}")
            if k == "href" and v and not v.startswith(("#", "figures/", "summary.json",
                                                          "results.", "claims.csv", "http")):
                bad.append(f"{tag} href={v}")
            if v and "javascript:" in v.lower():
                bad.append(f"{tag} {k}={v}")
    return bad


def _is_explorer(attrs: dict) -> bool:
    """The embedded explorer: sandboxed to scripts (no same-origin), a srcdoc holding the
    lab's template markup only (its data script and its own script) and no hostile text."""
    from actlab.lab.page import template

    doc = attrs.get("srcdoc") or ""
    if attrs.get("sandbox") != "allow-scripts allow-downloads" or "src" in attrs or \
            attrs.get("title") != "actlab function explorer" or "alert(" in doc:
        return False
    inner, tpl = _Tags(), _Tags()
    inner.feed(doc)
    tpl.feed(template())
    return sorted(t for t, _ in inner.tags) == sorted(t for t, _ in tpl.tags)


@pytest.fixture()
def hostile_db(tmp_path):
    spec = CompareSpec(activations=("relu", "tanh"), seeds=2, dataset="digits", depth=1,
                       lr=1e-3).validate()
    d = spec.to_dict()
    d["dataset"] = EVIL  # a stored spec is not validated again
    d["init"] = EVIL
    d["optimizer"] = EVIL
    spec = CompareSpec.from_dict(d)
    sweep = {k: Sweep(k, (1e-3, 1e-2), 1e-3, (LrPoint(1e-3, 0, 2, _est()),
                                             LrPoint(1e-2, 0, 2, _est())), metric=EVIL)
             for k in ("relu", "tanh")}
    claim = ClaimResult(
        name=EVIL, number=7, title=EVIL + " relu", statement=EVIL, source=EVIL, verdict=EVIL,
        effects=(Effect(EVIL, 0.1, -0.1, 0.3, 0.95, 0.3, 0.5, 5, 5, EVIL, EVIL, method=EVIL,
                        correction=EVIL, note=EVIL),),
        method=EVIL, rule=EVIL, n_seeds=5, tables=(Table(EVIL, (EVIL,), ((EVIL,),)),),
        charts=(Chart(EVIL, EVIL, EVIL, (Series(EVIL, (1.0, 2.0), (0.5, 0.6)),)),),
        notes=(EVIL,))
    with Store(tmp_path / "results.sqlite") as store:
        store.put_meta("compare", {**spec.to_dict(), "chosen": {"relu": 1e-3, "tanh": 1e-3},
                                   "tuning": {k: s.to_dict() for k, s in sweep.items()}})
        for i, cfg in enumerate(spec.configs()):
            r = _run(cfg, 0.6 + 0.1 * (i % 2))
            store.put(r if i else RunResult(**{**r.__dict__, "status": EVIL}))
        store.put_meta("claim:" + EVIL, claim.to_dict())
    return tmp_path


def _est():
    from actlab.studies.records import Estimate

    return Estimate(0.5, 0.4, 0.6, 2, 0.05)


def test_hostile_strings_in_every_field_stay_text(hostile_db):
    page = write_report(hostile_db, figures=True).read_text()
    assert _live_markup(page) == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # it did reach the page, as text
    assert 'class="verdict unknown"' in page  # a verdict outside the closed set
    for m in re.finditer(r'(?:class|id|href|style|fill|stroke)="([^"]*)"', page):
        assert "<" not in m.group(1) and ">" not in m.group(1), m.group(0)
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page)
    assert csp and "default-src 'none'" in unescape(csp.group(1))


def test_hostile_activation_names_do_not_break_the_report(hostile_db):
    con = sqlite3.connect(hostile_db / "results.sqlite")
    row = con.execute("SELECT json FROM meta WHERE name = 'compare'").fetchone()[0]
    con.execute("UPDATE meta SET json = ? WHERE name = 'compare'",
                (row.replace('"relu"', '"' + EVIL.replace('"', '\\"') + '"', 1),))
    con.execute("UPDATE runs SET activation = ?", (EVIL,))
    con.commit()
    con.close()
    page = write_report(hostile_db, figures=False).read_text()
    assert _live_markup(page) == []
    assert "cannot be read" in page


@pytest.mark.parametrize("sql", [
    "UPDATE runs SET test_accuracy = ?", "UPDATE runs SET test_loss = ?",
    "UPDATE epochs SET train_loss = ?", "UPDATE layers SET grad_norm = ?",
    "UPDATE runs SET seed = ?"])
def test_hostile_text_in_numeric_columns(hostile_db, sql):
    """SQLite stores text in a REAL column as it is: numbers from the store are numbers or the
    store says it is corrupt; never markup."""
    con = sqlite3.connect(hostile_db / "results.sqlite")
    con.execute(sql, (EVIL,))
    con.commit()
    con.close()
    try:
        page = write_report(hostile_db, figures=True).read_text()
    except ValueError as exc:
        assert "results.sqlite" in str(exc)
        return
    assert _live_markup(page) == []
