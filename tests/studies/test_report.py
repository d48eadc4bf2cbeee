"""The HTML report from synthetic records (no training): content, offline, hover script."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from importlib import resources

import pytest

import actlab
from actlab.report import write_report
from actlab.studies.compare import CompareSpec
from actlab.studies.records import (
    ClaimResult,
    Effect,
    EpochStats,
    LayerStats,
    RunResult,
    Table,
)
from actlab.studies.store import Store

ACTS = ("sigmoid", "relu", "leaky_relu:alpha=0.2")


def _fake(cfg, acc):
    epochs = tuple(EpochStats(e, 2.0 / e, acc - 0.1 / e, 2.1 / e, acc - 0.05 / e, 0.1)
                   for e in (1, 2, 3))
    layers = tuple(LayerStats(e, layer, 8, None if layer == 3 else cfg.activation,
                              10.0 ** (layer - 3), 0.01, 1.0, 0.5, 0.2, 0.0, 0.1, 0.0)
                   for e in (0, 1, 2, 3) for layer in (1, 2, 3))
    return RunResult(cfg, "finished", 1.0 - acc, acc, 0.5, acc, 3, 2, 0.2, epochs, layers,
                     flags=("vanishing",) if cfg.activation == "sigmoid" else ())


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("rep")
    spec = CompareSpec(activations=ACTS, seeds=3, dataset="digits", depth=2, lr=1e-3).validate()
    claim = ClaimResult(
        name="demo-claim", number=1, title="A <demo> claim", statement="x beats y",
        source="someone 2020", verdict="inconclusive",
        effects=(Effect("x - y", 0.1, -0.1, 0.3, 0.95, 0.3, 0.5, 5, 5, "pts", "inconclusive"),),
        method="m", rule="r", n_seeds=5, tables=(Table("t", ("a", "b"), (("c", 1.5),)),))
    with Store(out / "results.sqlite") as store:
        store.put_meta("compare", spec.to_dict())
        for i, cfg in enumerate(spec.configs()):
            store.put(_fake(cfg, 0.3 if cfg.activation == "sigmoid" else 0.8 + 0.01 * (i % 3)))
        store.put_meta("claim:demo-claim", claim.to_dict())
        path = write_report(out, store, figures=False)
    return path.read_text()


def test_names_every_activation_with_its_sheet(report):
    for label in ("sigmoid", "relu", "leaky_relu(alpha=0.2)"):
        assert f"<code>{label}</code>" in report
    for name in ("sigmoid", "relu", "leaky_relu"):
        info = actlab.get(name).info
        assert info.display_name in report
        assert info.formula.replace("&", "&amp;").replace("<", "&lt;")[:20] in report


def test_summary_and_statistics(report):
    assert "test accuracy [95 % CI]" in report
    assert "vanishing gradients (3/3 runs)" in report  # flags column
    assert "better than sigmoid" in report
    assert "no significant difference" in report
    assert "Holm" in report and "pp" in report
    assert "Clearly worse" in report and "sigmoid: vanishing gradients" in report


def test_claims_section(report):
    assert 'id="claim-demo-claim"' in report
    assert "A &lt;demo&gt; claim" in report  # escaped
    assert 'class="verdict inconclusive"' in report


def test_offline(report):
    assert not re.search(r"\bsrc\s*=|<link\b|url\(|@import", report)
    assert "<script>" in report and "<style>" in report


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_hover_script_runs(report, tmp_path):
    js = resources.files("actlab.report").joinpath("templates", "report.js").read_text()
    charts = [json.loads(c.replace("&quot;", '"').replace("&#x27;", "'").replace("&amp;", "&"))
              for c in re.findall(r'data-chart="([^"]*)"', report)]
    assert len(charts) >= 8
    (tmp_path / "charts.json").write_text(json.dumps(charts))
    (tmp_path / "report.js").write_text(js)
    shim = """
    const fs = require('fs');
    const charts = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
    function el() { return {style: {}, attrs: {}, on: {}, setAttribute(k, v) { this.attrs[k] = v; },
      getAttribute(k) { return this.attrs[k]; }, addEventListener(t, f) { this.on[t] = f; } }; }
    const tip = el();
    const svgs = charts.map(c => { const s = el(); s.attrs['data-chart'] = JSON.stringify(c);
      s.cursor = el(); s.querySelector = () => s.cursor;
      s.createSVGPoint = () => ({x: 0, y: 0, matrixTransform() { return {x: this.x, y: this.y}; }});
      s.getScreenCTM = () => ({inverse() { return null; }}); return s; });
    global.document = {createElement: () => tip, body: {appendChild() {}},
                       querySelectorAll: () => svgs};
    eval(fs.readFileSync(process.argv[3], 'utf8'));
    let ok = 0;
    for (const s of svgs) {
      const data = JSON.parse(s.attrs['data-chart']);
      const p = data.series[0].pts.find(p => p[1] !== null);
      if (!p) continue;
      s.on.mousemove({clientX: p[0] + 0.3, clientY: 5, pageX: 1, pageY: 1});
      if (tip.style.display !== 'block' || !tip.innerHTML.includes(data.series[0].name))
        throw new Error('no tooltip');
      if (s.cursor.attrs.x1 !== p[0]) throw new Error('cursor not on the nearest point');
      s.on.mouseleave();
      if (tip.style.display !== 'none') throw new Error('tooltip not hidden');
      ok++;
    }
    console.log(ok);
    """
    (tmp_path / "shim.js").write_text(shim)
    res = subprocess.run(["node", str(tmp_path / "shim.js"), str(tmp_path / "charts.json"),
                          str(tmp_path / "report.js")], capture_output=True, text=True,
                         timeout=60)
    assert res.returncode == 0, res.stderr
    assert int(res.stdout.strip()) == len(charts)


def test_empty_report(tmp_path):
    path = write_report(tmp_path, figures=False)
    assert "No results yet" in path.read_text()


def test_claims_about_the_same_functions_are_cross_referenced(tmp_path):
    spec = CompareSpec(activations=("relu", "silu", "gelu"), seeds=3, dataset="digits",
                       depth=2, lr=1e-3).validate()
    claim = ClaimResult(
        name="swish-gelu-vs-relu", number=7, title="Swish and GELU beat ReLU",
        statement="s", source="src", verdict="supported",
        effects=(Effect("silu - relu", 2.0, 0.5, 3.5, 0.95, 0.01, 1.0, 5, 5, "pp",
                        "supported"),), method="m", rule="r", n_seeds=5)
    with Store(tmp_path / "results.sqlite") as store:
        store.put_meta("compare", spec.to_dict())
        for cfg in spec.configs():  # all tied: the study does not separate them
            store.put(_fake(cfg, 0.8 + 0.01 * cfg.seed))
        store.put_meta("claim:swish-gelu-vs-relu", claim.to_dict())
        page = write_report(tmp_path, store, figures=False).read_text()
    assert "Claims about the same functions" in page
    section = page[page.index('id="answer"'):page.index('id="protocol"')]
    assert "Claim 7" in section and "They disagree" in section and "data" in section
