"""``actlab reproduce mnist1d``: the paper's models, built as the paper builds them."""

from __future__ import annotations

import numpy as np
import pytest

from actlab.cli import main
from actlab.nn.gradcheck import gradcheck
from actlab.studies.reproduce import PAPER, Residual, build, format_table, reproduce


def test_models_match_the_paper():
    assert sum(p.size for p in build("cnn").parameters()) == 5210  # the paper's CNN
    mlp = build("mlp")
    assert [type(layer).__name__ for layer in mlp.layers] == [
        "Dense", "Activation", "Residual", "Dense"]
    assert sum(p.size for p in mlp.parameters()) == 40 * 100 + 100 + 100 * 100 + 100 + 1010
    W = build("logistic", seed=3).layers[0].params["W"]
    assert np.abs(W).max() <= 1 / np.sqrt(40) and W.std() > 0.5 / np.sqrt(3 * 40)
    with pytest.raises(ValueError, match="unknown model"):
        build("gru")


def test_residual_gradient():
    from actlab.nn.layers import Dense
    from actlab.nn.model import Sequential

    model = Sequential([Residual(5, "tanh"), Dense(5, 2)], seed=0, dtype=np.float64)
    x = np.random.default_rng(0).normal(size=(4, 5))
    y = np.array([0, 1, 1, 0])
    assert gradcheck(model, x, y, "softmax_cross_entropy") < 1e-6


def test_cli_smoke(capsys):
    assert main(["reproduce", "mnist1d", "--seeds", "2", "--steps", "40", "--activations",
                 "tanh", "--jobs", "1", "--no-progress"]) == 0
    out = capsys.readouterr().out
    for k, v in PAPER.items():
        assert f"{k:10s} {v:6.0%}" in out
    assert "tanh" in out and "Per activation" in out


def test_same_table_on_any_backend_and_job_count(capsys):
    from actlab.studies import parallel

    ref = reproduce(seeds=2, steps=20, activations=(), jobs=1, progress=False)
    with parallel.configured("loky"):
        got = reproduce(seeds=2, steps=20, activations=(), jobs=2, progress=False)
    assert [r.accuracy for r in got.rows] == [r.accuracy for r in ref.rows]
    assert len({r.accuracy.mean for r in ref.rows}) == 3  # the models really differ
    assert main(["reproduce", "mnist1d", "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "scheduler" in capsys.readouterr().err


@pytest.mark.slow
def test_full_reproduction_is_near_the_paper():
    r = reproduce(seeds=5, activations=(), jobs=2, progress=False)
    print(format_table(r))
    got = {row.model: row.accuracy.mean for row in r.rows}
    assert abs(got["logistic"] - 0.32) < 0.05
    assert got["mlp"] > 0.55 and got["cnn"] > 0.85
