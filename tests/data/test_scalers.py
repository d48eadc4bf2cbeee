"""Standardizer / Normalizer: fitted on the training split only, JSON-able state."""

from __future__ import annotations

import json

import numpy as np
import pytest

from actlab.data import Dataset, Normalizer, Standardizer, scaler_from_state


def dataset(rng) -> Dataset:
    X_train = rng.normal(3.0, 2.0, size=(50, 4))
    X_test = rng.normal(-30.0, 5.0, size=(20, 4))  # a far-shifted test split
    return Dataset(X_train, rng.integers(0, 2, 50), X_test, rng.integers(0, 2, 20),
                   name="synthetic", n_classes=2)


@pytest.mark.parametrize("cls", [Standardizer, Normalizer])
def test_fitted_on_train_only(cls, rng):
    ds = dataset(rng)
    scaler = cls()
    out = ds.transformed(scaler)
    if cls is Standardizer:
        np.testing.assert_allclose(out.X_train.mean(0), 0, atol=1e-12)
        np.testing.assert_allclose(out.X_train.std(0), 1, rtol=1e-12)
        np.testing.assert_allclose(scaler.shift_, ds.X_train.mean(0))
    else:
        np.testing.assert_allclose(out.X_train.min(0), 0, atol=1e-12)
        np.testing.assert_allclose(out.X_train.max(0), 1, rtol=1e-12)
    # the test split used the training statistics: it is far from standardised itself
    assert np.all(out.X_test.mean(0) < -1)
    np.testing.assert_allclose(scaler.transform(ds.X_test), out.X_test)
    np.testing.assert_allclose(scaler.inverse_transform(out.X_test), ds.X_test, atol=1e-12)
    assert out.y_train is ds.y_train


@pytest.mark.parametrize("cls", [Standardizer, Normalizer])
def test_state_round_trips_through_json(cls, rng):
    X = rng.normal(size=(10, 3))
    scaler = cls(per_feature=False).fit(X)
    state = json.loads(json.dumps(scaler.state()))
    again = scaler_from_state(state)
    assert type(again) is cls and again.per_feature is False
    np.testing.assert_array_equal(again.transform(X), scaler.transform(X))


def test_constant_features_and_dtype():
    X = np.array([[1.0, 5.0], [3.0, 5.0]], np.float32)
    s = Standardizer().fit(X)
    out = s.transform(X)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out[:, 1], 0.0)  # constant: shifted, not divided by 0


def test_errors():
    with pytest.raises(RuntimeError, match="not fitted"):
        Standardizer().transform(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="3 features"):
        Standardizer().fit(np.zeros((2, 3))).transform(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="non-empty"):
        Normalizer().fit(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="kind"):
        scaler_from_state({"kind": "nope"})
