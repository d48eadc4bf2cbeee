"""Names and parameter spellings peers use resolve to our entries, shown canonically."""

from __future__ import annotations

import numpy as np
import pytest

import actlab

PEER_NAMES = {"soft_sign": "softsign", "hard_silu": "hard_swish", "hardswish": "hard_swish",
              "hardsigmoid": "hard_sigmoid", "hardtanh": "hard_tanh",
              "logsigmoid": "log_sigmoid"}


@pytest.mark.parametrize("alias, name", PEER_NAMES.items())
def test_alias_and_module_function(alias, name):
    assert actlab.get(alias) == actlab.get(name) and repr(actlab.get(alias)).startswith(name)
    x = np.linspace(-4, 4, 17)
    np.testing.assert_array_equal(getattr(actlab, alias)(x), getattr(actlab, name)(x))
    assert alias in actlab.__all__


def test_parameter_spellings():
    assert actlab.get("leaky_relu", negative_slope=0.2) == actlab.get("leaky_relu", alpha=0.2)
    assert repr(actlab.get("leaky_relu", negative_slope=0.2)) == "leaky_relu(alpha=0.2)"
    assert actlab.get("softmax", dim=0) == actlab.get("softmax", axis=0)
    assert actlab.get("gelu", approximate=True) == actlab.get("gelu", approximate="tanh")
    assert actlab.get("gelu", approximate=False) == actlab.get("gelu", approximate="none")
    np.testing.assert_array_equal(actlab.leaky_relu(np.array([-1.0]), negative_slope=0.3),
                                  [-0.3])
    with pytest.raises(ValueError, match="not both"):
        actlab.get("leaky_relu", alpha=0.1, negative_slope=0.2)
    with pytest.raises(ValueError, match="unknown parameter 'dim'"):
        actlab.get("relu", dim=0)  # only where the entry has the parameter


def test_subpackages_are_lazy_attributes():
    import actlab as a

    assert a.nn.Sequential is not None and a.data.load is not None
    with pytest.raises(AttributeError):
        a.no_such_thing  # noqa: B018
