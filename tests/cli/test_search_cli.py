"""actlab search on the command line: a tiny planted search end to end, and its failure paths."""

from __future__ import annotations

import json

import pytest

from actlab.cli import main
from actlab.studies.search.study import BUDGETS

from ..studies.test_search import PLANTED, TINY


def test_search_cli_tiny_planted_search_writes_report(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(BUDGETS, "quick", TINY)  # the CLI's quick budget, made tiny
    space = tmp_path / "planted.json"
    space.write_text(json.dumps(PLANTED))
    out = tmp_path / "s"
    argv = ["search", "--dataset", "circles", "--space", str(space), "--budget", "quick",
            "--transfer", "none", "--jobs", "1", "--no-progress", "--out", str(out)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "ANSWER: " in text and "found_" in text and "tanh(x)" in text
    page = (out / "index.html").read_text()
    assert "Leaderboard" in page and "<svg" in page and "candidates.csv" in page
    assert json.loads((out / "search.json").read_text())["finalists"][0]["expression"] \
        == "tanh(x)"


@pytest.mark.parametrize("args, message", [
    (["--space", "galaxy"], "unknown space 'galaxy'"),
    (["--dataset", "nope"], "unknown data set 'nope'"),
    (["--transfer", "nope"], "unknown transfer data set 'nope'"),
    (["--budget", "huge"], "invalid choice"),
    (["--backend", "spark"], "invalid choice"),
    (["--jobs", "x"], "expected an integer"),
])
def test_search_cli_bad_input_is_one_line_exit_2(tmp_path, capsys, args, message):
    try:
        code = main(["search", "--out", str(tmp_path / "o"), *args])
    except SystemExit as e:  # argparse's own errors
        code = e.code
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_search_cli_hostile_space_file_and_out_file(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"formulas": ["x", "open('/etc/passwd')"]}))
    assert main(["search", "--space", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "formulas[1]" in err and err.count("\n") == 1
    f = tmp_path / "file"
    f.write_text("")
    assert main(["search", "--out", str(f)]) == 2
    assert "not a folder" in capsys.readouterr().err
