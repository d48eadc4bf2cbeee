"""Bad arguments to the engine: a clear error or a correct result, never silent garbage and
never a RuntimeWarning (divergence is TrainingDiverged)."""

from __future__ import annotations

import numpy as np
import pytest

import actlab
from actlab import nn
from actlab.nn import losses as L
from actlab.nn.train import TrainingDiverged
from actlab.nn.zoo import parse_activation as zoo_parse
from actlab.studies.compare import parse_activation

X = np.random.default_rng(0).normal(size=(16, 2))
Y = (X[:, 0] > 0).astype(int)
Z = np.array([[0.5, -0.2]])


def model(dtype=np.float32):
    return nn.Sequential([nn.Dense(2, 4), nn.Activation("relu"), nn.Dense(4, 2)], seed=0,
                         dtype=dtype)


def fit(**kw):
    y = kw.pop("y", Y)
    return nn.fit(model(), X, y, loss=kw.pop("loss", "ce"), progress=False,
                  epochs=kw.pop("epochs", 2), **kw)


REFUSED = {
    "backward_y_shape": lambda: actlab.get("relu").backward(np.ones(6), np.ones(6), np.ones(3)),
    "backward_y_broadcast": lambda: actlab.get("relu").backward(np.ones((2, 3)), np.ones((2, 3)),
                                                                np.ones(3)),
    "backward_y_shape_softmax": lambda: actlab.get("softmax").backward(np.ones(4), np.ones(4),
                                                                       np.ones(3)),
    "masked_softmax": lambda: actlab.get("softmax")(np.ma.array([1.0, 2.0], mask=[0, 1])),
    "masked_jacobian": lambda: actlab.get("relu").jacobian(np.ma.array([1.0, 2.0], mask=[0, 1])),
    "bce_target_2": lambda: L.binary_cross_entropy(Z, np.array([[2.0, 0.0]])),
    "bce_target_negative": lambda: L.binary_cross_entropy(Z, np.array([[-1.0, 0.0]])),
    "bce_target_nan": lambda: L.binary_cross_entropy(Z, np.array([[np.nan, 0.0]])),
    "ce_negative_probability": lambda: L.softmax_cross_entropy(Z, np.array([[-0.5, 1.5]])),
    "ce_nan_probability": lambda: L.softmax_cross_entropy(Z, np.array([[np.nan, 1.0]])),
    "ce_label_1e30": lambda: L.softmax_cross_entropy(Z, np.array([1e30])),
    "ce_label_nan": lambda: L.softmax_cross_entropy(Z, np.array([np.nan])),
    "mse_string_targets": lambda: L.mse(Z, np.array([["a", "b"]])),
    "mse_complex_predictions": lambda: L.mse(np.ones((1, 2), complex), np.ones((1, 2))),
    "ce_object_predictions": lambda: L.softmax_cross_entropy(np.array([[None, 1]]), [1]),
    "dense_init_nan": lambda: nn.Sequential([nn.Dense(2, 2, init=np.nan)]),
    "dense_init_inf": lambda: nn.Sequential([nn.Dense(2, 2, init=-np.inf)]),
    "dense_bias_init_nan": lambda: nn.Sequential([nn.Dense(2, 2, bias_init=float("nan"))]),
    "dense_init_beyond_float32": lambda: nn.Sequential([nn.Dense(2, 2, init=1e300)]),
    "dense_in_float": lambda: nn.Dense(2.0, 3),
    "prelu_init_nan": lambda: nn.PReLU(2, init=np.nan),
    "dropout_nan": lambda: nn.Dropout(np.nan),
    "batchnorm_eps_nan": lambda: nn.BatchNorm(3, eps=np.nan),
    "sgd_lr_nan": lambda: nn.get_optimizer("sgd", lr=np.nan),
    "adam_eps_string": lambda: nn.get_optimizer("adam", eps="x"),
    "duplicate_key_compare": lambda: parse_activation("leaky_relu:alpha=0.1,alpha=0.2"),
    "duplicate_key_train": lambda: zoo_parse("leaky_relu:alpha=0.1,alpha=0.2"),
    "fit_l1_string": lambda: fit(l1="x"),
    "fit_l2_negative": lambda: fit(l2=-1.0),
    "fit_l1_nan": lambda: fit(l1=np.nan),
    "fit_clip_norm_nan": lambda: fit(clip_norm=np.nan),
    "fit_batch_2_5": lambda: fit(batch_size=2.5),
    "fit_seed_string": lambda: fit(seed="a"),
    "fit_labels_1e30": lambda: fit(y=np.full(16, 1e30)),
    "fit_labels_2_5": lambda: fit(y=np.full(16, 2.5)),
    "fit_regression_targets_1e300": lambda: fit(y=np.full((16, 2), 1e300), loss="mse"),
    "predict_batch_2_5": lambda: model().predict(X, batch_size=2.5),
    "predict_batch_0": lambda: model().predict(X, batch_size=0),
    "evaluate_batch_0": lambda: model().evaluate(X, Y, "ce", batch_size=0),
    "evaluate_batch_negative": lambda: model().evaluate(X, Y, "ce", batch_size=-1),
    "model_masked_input": lambda: model().predict(np.ma.array(X)),
    "softmax_axis_huge": lambda: actlab.get("softmax", axis=10**30),
    "param_complex": lambda: actlab.get("elu", alpha=1j),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_with_a_clear_error(case):
    with pytest.raises((ValueError, TypeError)) as info:
        REFUSED[case]()
    message = str(info.value)
    assert message and "\n" not in message and "range() arg" not in message


@pytest.mark.parametrize("kw", [dict(clip_value=np.float32(1)), dict(clip_norm=np.float64(1)),
                                dict(batch_size=np.int64(4)), dict(epochs=np.int32(1)),
                                dict(l2=np.float32(1e-4)), dict(seed=np.int64(3))])
def test_numpy_scalars_are_numbers(kw):
    assert len(fit(**kw)) >= 1
    m = model()
    assert m.predict(X, batch_size=np.int64(4)).shape == (16, 2)
    assert actlab.get("elu", alpha=np.float32(1.5)).params["alpha"] == 1.5
    nn.get_optimizer("sgd", lr=np.float32(0.1))


def test_masked_arrays_keep_their_mask():
    x = np.ma.array([-1.0, 0.5, 2.0], mask=[0, 1, 0])
    for name in ("relu", "gelu", "silu", "elu"):
        f = actlab.get(name)
        for out, ref in ((f(x), f(x.data)), (f.grad(x), f.grad(x.data)),
                         (f.backward(np.ma.ones(3), x), f.backward(np.ones(3), x.data))):
            assert isinstance(out, np.ma.MaskedArray)
            assert out.mask.tolist() == [False, True, False]
            np.testing.assert_array_equal(out.data[[0, 2]], ref[[0, 2]])


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_divergence_is_training_diverged_never_a_warning(optimizer):
    """Under warnings-as-errors (pyproject) an overflow warning would fail this test."""
    with pytest.raises(TrainingDiverged) as info:
        nn.fit(model(), X * 1e3, Y, loss="ce", optimizer=nn.get_optimizer(optimizer, lr=1e30),
               epochs=5, progress=False)
    assert info.value.restored in ("current", "checkpoint")
    m = model(np.float64)
    out = m.predict(X * 1e300)  # inf/NaN outputs are IEEE results, not warnings
    assert out.shape == (16, 2)
    assert m.evaluate(X * 1e300, Y, "ce")["loss"] > 1e290
    m.evaluate(np.full((16, 2), 1.7e308), Y, "ce")  # overflows to inf inside: quietly


def test_huge_activation_parameter_inside_a_model():
    """alpha * (e^x - 1) rounds to -inf in float32 for x < 0: never NaN (it was at x = 0)."""
    m = nn.Sequential([nn.Dense(2, 2), nn.Activation("elu", alpha=1e200)])
    out = m.predict(np.vstack([X, np.zeros((1, 2))]))
    assert not np.isnan(out).any() and (out[-1] == 0).all()


def test_data_sets_refuse_sizes_beyond_memory_before_allocating():
    from actlab.data import load

    with pytest.raises(MemoryError, match="n=10000000000000"):
        load("moons", n=10**13)
    with pytest.raises(MemoryError, match="num_samples"):
        load("mnist1d", num_samples=10**13)
    with pytest.raises(MemoryError, match="Dense"):
        nn.Sequential([nn.Dense(10, 10**12)])
    with pytest.raises(ValueError, match="noise"):
        load("moons", noise="x")


def test_integer_predictions_get_a_float_gradient():
    value, grad = L.mse.value_and_grad(np.array([[1, 2]]), np.array([[0.0, 0.0]]))
    assert value == 2.5 and grad.dtype == np.float64
    np.testing.assert_allclose(grad, [[1.0, 2.0]])


def test_welch_with_a_variance_whose_square_underflows():
    from actlab.studies.stats import welch

    w = welch([0.0, 0.0], [0.0, 2.8e-124])
    assert w.df == 1.0 and w.low < 0 < w.high


@pytest.mark.parametrize("formula", ["tanh(sinh(cosh(x)))", "sin(exp(exp(x))) * 0 + x"])
def test_formula_whose_exact_value_explodes_gets_its_sheet(formula):
    """The mpmath gold values saturate where e^u's exponent would need billions of bits (it
    was a MemoryError or a hang: sinh of cosh(12), sin of e^(e^12) reduced modulo pi)."""
    import tracemalloc

    tracemalloc.start()
    try:
        info = actlab.get(f"expr:{formula}").info
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert info.formula and peak < 512 * 2**20  # a plain formula's sheet takes ~100 MB
