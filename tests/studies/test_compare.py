"""A tiny compare study end to end: report, CSV, database, resumption."""

from __future__ import annotations

import contextlib
import csv
import io
from html import unescape
import json
import re
import sqlite3

import pytest

import actlab
from actlab.report import write_report
from actlab.studies.compare import (
    DEFAULT_ACTIVATIONS,
    CompareSpec,
    planned_runs,
    run_compare,
    stored,
)
from actlab.studies.summary import KEYS

TINY = dict(dataset="digits", depth=2, width=8, epochs=2, seeds=2, batch_size=128, lr=3e-3)


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp")
    spec = CompareSpec(activations=("relu", "tanh", "swish"), **TINY)
    res = run_compare(spec, out, jobs=1, progress=False, log=None)
    write_report(out)
    return spec, res, out


@pytest.fixture(scope="module")
def tuned(tmp_path_factory):
    out = tmp_path_factory.mktemp("tuned")
    spec = CompareSpec.for_budget("quick", activations=("relu", "sigmoid"), dataset="digits",
                                  depth=2, width=8, epochs=4, seeds=3, batch_size=128)
    bar = io.StringIO()
    with contextlib.redirect_stderr(bar):  # the whole study's progress bar
        res = run_compare(spec, out, jobs=1, progress=True, log=None)
    write_report(out, figures=False)
    return spec, res, out, bar.getvalue()


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
    spec = CompareSpec(activations=("leaky_relu:alpha=0.2",), lr=0.01).validate()
    assert spec.configs()[0].params == {"alpha": 0.2}
    with pytest.raises(ValueError, match="chosen lrs"):
        CompareSpec().validate().configs()
    with pytest.raises(ValueError, match="budget"):
        CompareSpec.for_budget("huge")
    with pytest.raises(ValueError, match="grid"):
        CompareSpec(grid=(0.1,)).validate()


def test_outputs(study):
    spec, res, out = study
    assert res.reused == 0 and len(res.results) == 6
    assert [r.label for r in res.rows] == ["relu", "tanh", "silu"]  # swish is silu's alias
    for name in ("index.html", "results.csv", "results.sqlite", "summary.json",
                 "figures/curves.png",
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
    assert html.index('id="answer"') < html.index('id="protocol"') < html.index('id="compare"')
    assert "Content-Security-Policy" in html and "default-src 'none'" in unescape(html)
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
    # the time breakdown counts only the runs trained in that call
    assert res.timing.runs == 6 and again.timing.runs == 0 and third.timing.runs == 3
    assert again.timing.training == 0.0


def test_time_breakdown_adds_up(study):
    _, res, out = study
    t = res.timing
    stored_epochs = sum(e.seconds for r in res.results for e in r.epochs)
    assert t.training == pytest.approx(stored_epochs) and t.training > 0
    walls = sum(r.wall_seconds for r in res.results)
    assert t.training + t.per_run_other == pytest.approx(walls)
    assert walls <= t.jobs * t.seconds  # the runs happened inside the study's wall time
    assert t.other == pytest.approx(t.jobs * t.seconds - walls, abs=1e-9)
    data = json.loads((out / "summary.json").read_text())
    assert data["timing"]["runs"] == 6 and data["timing"]["training"] == pytest.approx(t.training)
    line = t.with_report(1.5).describe()
    assert "training" in line and line.endswith("report 1.5 s")


def test_tuned_study_tunes_each_activation_on_validation(tuned):
    spec, res, out, _ = tuned
    grid = spec.validate().lr_grid()
    assert len(grid) >= 5 and round(grid[-1] / grid[0], 9) >= 30
    assert set(res.tuning) == {"relu", "sigmoid"}
    for label, sweep in res.tuning.items():
        assert sweep.chosen in grid and [p.lr for p in sweep.points] == list(grid)
        assert {r.config.lr for r in res.results if r.config.label() == label} == {sweep.chosen}
    assert len(res.results) == 2 * 3
    # the winner's full-budget tuning run is the final seed 0: reused, not rerun
    assert res.reused >= 2 and res.total_runs == planned_runs(spec.validate())
    html = (out / "index.html").read_text()
    assert 'id="tuning"' in html and "chosen" in html


def test_summary_json_schema(tuned):
    spec, res, out, _ = tuned
    d = json.loads((out / "summary.json").read_text())
    assert set(KEYS) <= set(d)
    assert d["selection"] == "validation" and d["dataset"] == "digits"
    assert set(d["split"]) == {"train", "validation", "test"}
    assert d["split"]["test"] == 450 and d["split"]["train"] + d["split"]["validation"] == 1347
    t = d["tuning"]
    assert t["param"] == "lr" and len(t["grid"]) >= 5
    assert set(t["chosen"]) == {"relu", "sigmoid"} and all(v in t["grid"]
                                                           for v in t["chosen"].values())
    for row in d["rows"]:
        assert {"activation", "runs", "diverged", "test_accuracy",
                "validation_accuracy"} <= set(row)
        for k in ("test_accuracy", "validation_accuracy"):
            assert set(row[k]) >= {"mean", "low", "high"}
            assert 0 <= row[k]["mean"] <= 100
    rec = d["recommendation"]
    assert {"best", "worse", "text"} <= set(rec) and rec["best"]
    assert set(rec["best"]) | set(rec["worse"]) <= {"relu", "sigmoid"}
    assert d["seconds"] > 0
    again = stored(out)
    assert again.recommendation.text == res.recommendation.text


def test_one_seed_explains_itself(tmp_path):
    spec = CompareSpec(activations=("relu", "tanh"), **{**TINY, "seeds": 1, "epochs": 1})
    res = run_compare(spec, tmp_path, jobs=1, progress=False, log=None)
    text = res.recommendation.text
    assert "--seeds 2" in text and "no difference can be told from noise" in text
    assert "is not compared" not in text


def test_progress_covers_the_whole_study_with_an_estimate(tuned):
    spec, res, out, text = tuned
    frames = re.findall(r"compare: (\d+)/(\d+) runs \|[^\n\r]*\[([^\]]*) elapsed, ~([^\]]*) "
                        r"left\]", text)
    assert frames, text[-500:]
    done, total, _, _ = frames[-1]
    # tuning and final runs in one bar; runs reused from the store are taken off its total
    assert int(done) == int(total) == res.total_runs - res.reused
    assert int(frames[0][1]) == planned_runs(spec.validate())


def test_report_shows_the_sweep_splits_protocol_and_flags(tuned):
    spec, res, out, _ = tuned
    html = unescape((out / "index.html").read_text())
    answer = html[html.index('id="answer"'):html.index('id="protocol"')]
    for col in ("lr (tuned)", "diverged", "overfitting (runs)", "saturated activations",
                "flags"):
        assert col in answer  # the flags stand beside the recommendation
    assert res.recommendation.text in answer
    d = json.loads((out / "summary.json").read_text())
    protocol = html[html.index('id="protocol"'):html.index('id="tuning"')]
    sp = d["split"]
    assert (f"train {sp['train']}, validation {sp['validation']}, test {sp['test']}"
            in protocol)
    assert "validation split" in protocol and "evaluated once" in protocol
    sweep = html[html.index('id="tuning"'):html.index('id="compare"')]
    for lr in spec.validate().lr_grid():
        assert f"lr {lr:.3g}" in sweep
    for label, s in res.tuning.items():
        row = sweep[sweep.index(f"<td>{label}</td>"):]
        row = row[:row.index("</tr>")]
        cells = re.findall(r"<td>(.*?)</td>", row)[1:-1]
        assert len(cells) == len(s.grid) and all("%" in c and "n=" in c for c in cells)
        assert sum("✔" in c for c in cells) == 1
        p = {q.lr: q for q in s.points}[s.chosen]
        chosen = [c for c in cells if "✔" in c][0]
        assert f"{100 * p.score.mean:.1f} %" in chosen
        # the chosen rate over every final seed, with its interval
        assert p.score.n == spec.seeds and p.epochs == spec.epochs
        assert f"[{100 * p.score.low:.1f}, {100 * p.score.high:.1f}]" in chosen
        finals = [r.val_accuracy for r in res.results if r.config.label() == label]
        assert abs(p.score.mean - sum(finals) / len(finals)) < 1e-12
