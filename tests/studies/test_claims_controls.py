"""Claims 1 and 2 (controls: a ReLU net, the first hidden layer) and units, on synthetic runs."""

from __future__ import annotations

import pytest

from actlab.studies import claims
from actlab.studies.experiments import CLAIMS, Evidence

from .test_claims import _evidence, _noise, _run


def test_an_effect_without_a_unit_is_refused():
    from dataclasses import replace

    from actlab.studies import stats

    claim = CLAIMS["tanh-faster-than-sigmoid"]
    ev = _evidence(claim, lambda c, s: {"loss": 0.8 + 0.03 * _noise(s)})
    assert all(e.unit for e in claims.evaluate(claim, ev).effects)

    def bare(ev):
        es = stats.effects([stats.Test("a - b", {0: 1.0, 1: 2.0}, {0: 0.5, 1: 1.0})])
        return es, [], [], []
    with pytest.raises(ValueError, match="without a unit: a - b"):
        claims.evaluate(replace(claim, analyse=bare), ev)


# 1 and 2: the controls are a ReLU net and the first hidden layer ---------------------------
def _layers(r, rows):
    """``r`` with layer records ``rows[epoch] = [(grad_norm, act_mean) per hidden layer]`` (plus
    an output layer)."""
    from dataclasses import replace

    from actlab.studies.records import LayerStats

    out = []
    for ep, hidden in rows.items():
        for k, (g, m) in enumerate(hidden, 1):
            out.append(LayerStats(ep, k, 8, r.config.activation, g, None, 1.0, m, 0.1, 0.0,
                                  0.1, 0.0))
        out.append(LayerStats(ep, len(hidden) + 1, 10, None, 1.0, None, 1.0))
    return replace(r, layers=tuple(out))


def _vanishing(decades_sigmoid, decades_relu):
    claim = CLAIMS["vanishing-gradients"]
    runs = {}
    for c, cfg in claim.conditions.items():
        d = (decades_sigmoid if c == "sigmoid" else decades_relu)
        runs[c] = []
        for s in range(6):
            lost = d + 0.05 * _noise(s, len(c))
            grads = [10.0 ** (-lost * (1 - k / 9)) for k in range(10)]  # first layer smallest
            runs[c].append(_layers(_run(cfg, s), {0: [(g, 0.5) for g in grads]}))
    return claims.evaluate(claim, Evidence.of(runs))


def test_vanishing_gradients_control_can_flip_the_verdict():
    res = _vanishing(4.0, 0.3)
    assert res.verdict == "supported" and res.effects[0].estimate == pytest.approx(3.7, abs=0.2)
    assert _vanishing(0.3, 0.3).verdict == "inconclusive"  # both nets lose alike
    assert _vanishing(4.0, 2.0).verdict == "not supported"  # ReLU loses more than a decade


def _saturation(top_drop, first_drop):
    claim = CLAIMS["sigmoid-saturation"]
    [(c, cfg)] = claim.conditions.items()
    runs = []
    for s in range(6):
        n = 0.01 * _noise(s)
        rows = {0: [(1.0, 0.5)] * 4,
                6: [(1.0, 0.5 - first_drop + n), (1.0, 0.5), (1.0, 0.5),
                    (1.0, 0.5 - top_drop + 0.01 * _noise(s, 3))]}
        runs.append(_layers(_run(cfg, s), rows))
    return claims.evaluate(claim, Evidence.of({c: runs}))


def test_sigmoid_saturation_control_can_flip_the_verdict():
    assert _saturation(0.4, 0.0).verdict == "supported"
    assert _saturation(0.4, 0.4).verdict == "inconclusive"  # the whole net drifts alike
    assert _saturation(-0.2, 0.0).verdict == "not supported"  # the top layer rises
