"""One engine, two languages: the page's engine (run in node) against actlab.nn in float64.

The page run exports its initial weights as an actlab model file, its data and the batch order;
Python opens the file with ``actlab.nn.load``, replays the same batches through ``fit`` and
compares every step's batch loss (relative difference <= 1e-9) and the final weights.
(``test_e2e.py`` does the same for a run inside Chromium.)
"""

from __future__ import annotations

import numpy as np
import pytest

from actlab.lab.catalogue import catalogue

from .conftest import run_node
from .replay import assert_same_losses, load_b64 as _load, replay

STEPS = 200

CASES = {
    "tanh-sgd-bce": dict(data="circles", layers=[8, 8], acts=["tanh", "tanh"], opt="sgd",
                         lr=0.1, batch=10, loss="binary_cross_entropy"),
    "relu-momentum-softmax-l2-clip": dict(data="blobs3", layers=[16, 8],
                                          acts=["relu", "leaky_relu"], opt="momentum",
                                          lr=0.05, batch=7, l2=1e-3, clip=0.5, bias=0.1),
    "gelu-adam-sse-l1": dict(data="plane", layers=[6, 6, 6], acts=["gelu", "mish", "silu"],
                             opt="adam", lr=0.01, batch=16, l1=1e-4),
    "deep-sigmoid-sse-classes": dict(data="xor", layers=[10] * 6, acts=["sigmoid"] * 6,
                                     opt="sgd", lr=0.5, batch=10, loss="sse"),
    "elu-family": dict(data="moons", layers=[8, 8, 8, 8], opt="adam", lr=0.02, batch=12,
                       acts=["elu", "selu", "softplus", "hard_swish"], init="lecun_normal"),
    "bounded-family": dict(data="spirals", layers=[8, 8, 8, 8, 8], opt="momentum", lr=0.05,
                           acts=["hard_tanh", "relu6", "softsign", "celu", "log_sigmoid"],
                           batch=9, loss="softmax_cross_entropy"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_page_engine_equals_actlab_nn(name, tmp_path):
    run = run_node("replay.mjs", {"catalogue": catalogue(), "config": CASES[name], "steps": STEPS})
    model = _load(run["model"], tmp_path, "start.npz")
    assert model.dtype == np.float64
    X = np.array(run["Xtr"], dtype=np.float64).reshape(-1, 2)
    ours = replay(model, run["config"], run["loss"], X, run["ytr"], run["batches"])
    assert_same_losses(run["losses"], ours)
    assert len(ours) == STEPS
    final = _load(run["final_model"], tmp_path, "final.npz")
    for key, want in model.state().items():
        np.testing.assert_allclose(final.state()[key], want, rtol=1e-8, atol=1e-12, err_msg=key)
