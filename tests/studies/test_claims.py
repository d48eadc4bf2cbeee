"""Claims: selection, verdicts from synthetic runs, one real (cheap) claim."""

from __future__ import annotations

import pytest

from actlab.studies import claims
from actlab.studies.experiments import CLAIM_LIST
from actlab.studies.records import RunResult
from actlab.studies.runner import dataset_names
from actlab.studies.store import Store


def test_ten_claims_with_valid_conditions():
    import actlab

    assert [c.number for c in CLAIM_LIST] == list(range(1, 11))
    for c in CLAIM_LIST:
        assert c.conditions and c.statement and c.source and c.rule
        for cfg in c.conditions.values():
            actlab.get(cfg.activation, **cfg.params)  # registry names only
            assert cfg.dataset in dataset_names()


def test_select():
    assert [c.number for c in claims.select([])] == list(range(1, 11))
    assert [c.name for c in claims.select(["10", "1", "1"])] == ["vanishing-gradients",
                                                                "gradient-clipping"]
    with pytest.raises(ValueError, match="did you mean"):
        claims.select(["dying-rleu"])


def _runs(cfg, accs):
    return [RunResult(cfg.replace(seed=i), "finished", 0.5, a, 0.5, a, 5, None, 0.1)
            for i, a in enumerate(accs)]


@pytest.mark.parametrize("clip, none, verdict", [
    ([0.90, 0.91, 0.92, 0.90, 0.91], [0.10, 0.11, 0.10, 0.09, 0.10], "supported"),
    ([0.50, 0.70, 0.60, 0.55, 0.65], [0.52, 0.68, 0.61, 0.57, 0.60], "inconclusive"),
    ([0.10, 0.11, 0.10, 0.09, 0.10], [0.90, 0.91, 0.92, 0.90, 0.91], "not supported"),
])
def test_verdict_from_synthetic_runs(clip, none, verdict):
    claim = claims.CLAIMS["gradient-clipping"]
    runs = {"no clipping": _runs(claim.conditions["no clipping"], none),
            "clip_norm 1": _runs(claim.conditions["clip_norm 1"], clip)}
    res = claims.evaluate(claim, runs)
    assert res.verdict == verdict and res.n_seeds == 5
    assert res.effects[0].estimate == pytest.approx(sum(clip) / 5 - sum(none) / 5)
    assert verdict.upper() in claims.format_result(res)


def test_vanishing_gradient_claim_runs(tmp_path):
    with Store(tmp_path / "r.sqlite") as store:
        res = claims.run_claim(claims.CLAIMS["vanishing-gradients"], store, seeds=3,
                               progress=False, log=None)
        assert len(store) == 6
    assert res.verdict == "supported"
    assert res.effects[0].estimate > 2  # decades lost by sigmoid beyond relu's
