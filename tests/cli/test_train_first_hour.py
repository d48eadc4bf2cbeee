"""``actlab train`` agrees with ``compare`` and ``fit``: data sets, BLAS threads, defaults."""

from __future__ import annotations

import json

import pytest

from actlab.cli import main


def _json(capsys, *args: str) -> tuple[dict, str]:
    assert main(["train", *args, "--json", "--no-progress"]) == 0
    out, err = capsys.readouterr()
    return json.loads(out), err


def test_every_compare_data_set_is_accepted():
    from actlab.cli import build_parser
    from actlab.studies.runner import dataset_names

    help_text = build_parser()._subparsers._group_actions[0].choices["train"].format_help()
    for name in dataset_names():
        assert name in help_text.replace("\n", " ")


def test_regression_set_trains_with_mse(capsys):
    rec, err = _json(capsys, "--dataset", "diabetes", "--epochs", "2", "--hidden", "8")
    assert rec["dataset"]["name"] == "diabetes" and err == ""
    assert rec["test_accuracy"] is None and rec["test_loss"] > 0


def test_regression_set_refuses_cnn(capsys):
    assert main(["train", "--dataset", "diabetes", "--model", "cnn", "--no-progress"]) == 2
    assert "regression" in capsys.readouterr().err


def test_blas_threads_pinned_to_one_by_default(capsys, monkeypatch):
    import threadpoolctl

    seen = []
    real = threadpoolctl.threadpool_limits

    def spy(limits=None, *a, **k):
        seen.append(limits)
        return real(limits, *a, **k)

    monkeypatch.setattr(threadpoolctl, "threadpool_limits", spy)
    _json(capsys, "--dataset", "xor", "--epochs", "1", "--hidden", "4")
    _json(capsys, "--dataset", "xor", "--epochs", "1", "--hidden", "4", "--threads", "2")
    assert seen == [1, 2]


def test_sgd_default_lr_is_fits(capsys):
    from actlab.nn import SGD

    rec, _ = _json(capsys, "--dataset", "xor", "--epochs", "1", "--optimizer", "sgd")
    assert rec["config"]["lr"] == SGD().lr


@pytest.mark.parametrize("name, noted", [("softmax", True), ("log_softmax", True),
                                         ("relu", False)])
def test_output_function_as_hidden_gets_a_note(capsys, name, noted):
    assert main(["train", "--dataset", "xor", "--epochs", "1", "--hidden", "4",
                 "--activation", name, "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert ("output function" in err) == noted
    assert len(err.strip().splitlines()) == (1 if noted else 0)


def test_version(capsys):
    import actlab

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0 and actlab.__version__ in capsys.readouterr().out
