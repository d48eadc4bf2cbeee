"""``actlab compare`` and ``actlab claims`` through the command line entry point."""

from __future__ import annotations

import pytest

from actlab.cli import main
from actlab.studies.compare import DEFAULT_ACTIVATIONS

TINY = ["--dataset", "digits", "--depth", "2", "--width", "8", "--epochs", "1", "--seeds", "2",
        "--batch-size", "256", "--lr", "0.003", "--jobs", "1", "--no-progress"]


def test_compare_help_lists_the_options(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["compare", "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for opt in ("--dataset", "--activations", "--depth", "--width", "--init", "--optimizer",
                "--lr", "--epochs", "--seeds", "--jobs", "--out", "--budget", "--json"):
        assert opt in text
    assert ",".join(DEFAULT_ACTIVATIONS) in text.replace("\n", "").replace(" ", "")


def test_compare_tiny_study_then_rerun(tmp_path, capsys):
    out = tmp_path / "rep"
    assert main(["compare", "--activations", "relu,sigmoid", "--out", str(out), *TINY]) == 0
    text = capsys.readouterr().out
    assert "test accuracy [95% CI]" in text and "relu" in text and "sigmoid" in text
    assert "ANSWER: " in text
    assert "0 reused" in text and (out / "index.html").is_file()
    assert main(["compare", "--activations", "relu,sigmoid", "--out", str(out), *TINY]) == 0
    assert "4 reused" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["--activations", "rleu"], "did you mean 'relu'"),
    (["--dataset", "nope"], "unknown data set"),
    (["--lr", "-1"], "lr must be"),
    (["--budget", "huge"], "unknown budget"),
    (["--init", "nope"], "unknown initializer"),
])
def test_compare_bad_input_is_one_line_exit_2(tmp_path, capsys, args, message):
    assert main(["compare", "--out", str(tmp_path), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_compare_json_prints_the_summary(tmp_path, capsys):
    import json

    out = tmp_path / "rep"
    assert main(["compare", "--activations", "relu,tanh", "--out", str(out), "--json",
                 *TINY]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["selection"] == "validation" and [r["activation"] for r in d["rows"]] == [
        "relu", "tanh"]
    assert d == json.loads((out / "summary.json").read_text())


def test_compare_out_must_be_a_folder(tmp_path, capsys):
    f = tmp_path / "file"
    f.write_text("x")
    assert main(["compare", "--out", str(f), *TINY]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_claims_list(capsys):
    assert main(["claims", "--list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 10 and "vanishing-gradients" in lines[0]


def test_claims_unknown_name(capsys):
    assert main(["claims", "vanishing"]) == 2
    assert "did you mean 'vanishing-gradients'" in capsys.readouterr().err


def test_claim_runs_prints_a_verdict_and_writes_the_report(tmp_path, capsys):
    out = tmp_path / "rep"
    assert main(["claims", "1", "--seeds", "2", "--jobs", "1", "--out", str(out), "--report",
                 "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "[ 1] Vanishing gradients" in text
    assert any(v in text for v in ("SUPPORTED", "NOT SUPPORTED", "INCONCLUSIVE"))
    html = (out / "index.html").read_text()
    assert 'id="claim-vanishing-gradients"' in html and "verdict" in html
    lines = (out / "claims.csv").read_text().splitlines()
    assert len(lines) == 3 and lines[1].startswith("vanishing-gradients,1,")
