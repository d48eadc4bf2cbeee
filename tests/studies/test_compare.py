"""A tiny compare study end to end: report, CSV, database, resumption."""

from __future__ import annotations

import csv
import re
import sqlite3

import pytest

import actlab
from actlab.studies.compare import DEFAULT_ACTIVATIONS, CompareSpec, run_compare

TINY = dict(dataset="digits", depth=2, width=8, epochs=2, seeds=2, batch_size=128)


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp")
    spec = CompareSpec(activations=("relu", "tanh", "swish"), **TINY)
    res = run_compare(spec, out, jobs=1, progress=False, log=None)
    return spec, res, out


def test_default_set_is_in_the_registry():
    assert set(DEFAULT_ACTIVATIONS) <= set(actlab.names())
    assert CompareSpec().validate().activations == DEFAULT_ACTIVATIONS


def test_validation_errors():
    with pytest.raises(ValueError, match="did you mean"):
        CompareSpec(activations=("rleu",)).validate()
    with pytest.raises(ValueError, match="given twice"):
        CompareSpec(activations=("silu", "swish")).validate()
    with pytest.raises(ValueError, match="data set"):
        CompareSpec(dataset="nope").validate()
    with pytest.raises(ValueError, match="depth"):
        CompareSpec(depth=0).validate()
    with pytest.raises(ValueError):
        CompareSpec(init="nope").validate()
    spec = CompareSpec(activations=("leaky_relu:alpha=0.2",)).validate()
    assert spec.configs()[0].params == {"alpha": 0.2}


def test_outputs(study):
    spec, res, out = study
    assert res.reused == 0 and len(res.results) == 6
    assert [r.label for r in res.rows] == ["relu", "tanh", "silu"]  # swish is silu's alias
    for name in ("index.html", "results.csv", "results.sqlite", "figures/curves.png",
                 "figures/gradient_flow.svg", "figures/unit_stats.png",
                 "figures/activations.svg"):
        assert (out / name).is_file(), name
    with open(out / "results.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 6 and {r["activation"] for r in rows} == {"relu", "tanh", "silu"}
    con = sqlite3.connect(out / "results.sqlite")
    assert con.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 6
    assert con.execute("SELECT COUNT(DISTINCT key) FROM epochs").fetchone()[0] == 6
    # (2 hidden + 1 output layer) x (epoch 0, 1, 2) per run
    assert con.execute("SELECT COUNT(*) FROM layers").fetchone()[0] == 6 * 3 * 3


def test_report_names_every_activation_and_loads_nothing(study):
    spec, res, out = study
    html = (out / "index.html").read_text()
    for name in ("relu", "tanh", "silu"):
        assert f"<code>{name}</code>" in html
        assert actlab.get(name).info.display_name in html
    assert "95 % CI" in html and "no significant difference" in html
    # nothing is loaded from anywhere: no src=, no stylesheet links, no url(), no @import
    assert not re.search(r"""\bsrc\s*=""", html)
    assert not re.search(r"""<link\b""", html)
    assert not re.search(r"""url\(|@import""", html)
    assert not re.search(r"""(?:fetch|XMLHttpRequest|import\()""", html)
    # every href is an in-page anchor, a local file, or a plain reference link (not loaded)
    for href in re.findall(r'href="([^"]*)"', html):
        assert href.startswith(("#", "http://", "https://")) or (out / href).exists(), href
    assert html.count("<svg") >= 8 and "data-chart=" in html


def test_rerun_reuses_every_finished_run(study):
    spec, res, out = study
    again = run_compare(spec, out, jobs=1, progress=False, log=None, report=False)
    assert again.reused == 6
    assert [r.key for r in again.results] == [r.key for r in res.results]
    more = CompareSpec(activations=("relu", "tanh", "silu"), **{**TINY, "seeds": 3})
    third = run_compare(more, out, jobs=1, progress=False, log=None, report=False)
    assert third.reused == 6 and len(third.results) == 9
