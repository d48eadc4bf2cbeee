"""Every loader: shapes, label ranges, determinism by seed, and the ``load`` front door."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from actlab import data
from actlab.data import Dataset, load

SMALL = ["toy", "xor", "moons", "circles", "spirals", "digits"]


def check(ds: Dataset, n_features: int, n_classes: int) -> None:
    assert ds.X_train.ndim == ds.X_test.ndim == 2
    assert ds.X_train.shape[1] == ds.X_test.shape[1] == n_features == ds.n_features
    assert ds.n_classes == n_classes and ds.task == "classification"
    for y in (ds.y_train, ds.y_test):
        assert y.dtype == np.int64 and y.min() >= 0 and y.max() < n_classes
    assert ds.X_train.dtype.kind == "f" and np.isfinite(ds.X_train).all()
    assert int(np.prod(ds.sample_shape)) == n_features
    json.dumps(ds.summary())


def same(a: Dataset, b: Dataset) -> bool:
    return all(np.array_equal(getattr(a, f), getattr(b, f))
               for f in ("X_train", "y_train", "X_test", "y_test"))


def test_toy_is_the_articles_set():
    ds = data.toy()
    np.testing.assert_array_equal(ds.X_train, [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
    np.testing.assert_array_equal(ds.y_train, [0, 1, 1, 0])
    assert same(ds, load("toy")) and np.array_equal(ds.X_test, ds.X_train)
    check(ds, 3, 2)


def test_xor():
    ds = data.xor()
    check(ds, 2, 2)
    np.testing.assert_array_equal(ds.y_train, np.logical_xor(*ds.X_train.T.astype(bool)))


@pytest.mark.parametrize("name,fn,kw", [("moons", data.moons, {}), ("circles", data.circles, {}),
                                        ("spirals", data.spirals, {"classes": 4})])
def test_generated_sets(name, fn, kw):
    ds = fn(400, noise=0.1, seed=3, **kw)
    check(ds, 2, kw.get("classes", 2))
    assert len(ds.y_train) + len(ds.y_test) == 400 and len(ds.y_test) == 100
    assert same(ds, fn(400, noise=0.1, seed=3, **kw))          # same seed, same data
    assert not same(ds, fn(400, noise=0.1, seed=4, **kw))      # another seed, other data
    counts = np.bincount(ds.y_test)                            # stratified test split
    assert counts.max() - counts.min() <= 1


def test_spirals_noise_free_arms_are_separate():
    ds = data.spirals(300, classes=3, noise=0.0, seed=0)
    r = np.hypot(*ds.X_train.T)
    assert r.max() <= 1.0 + 1e-12


def test_digits():
    ds = data.digits(seed=1)
    check(ds, 64, 10)
    assert ds.sample_shape == (1, 8, 8)
    assert len(ds.y_train) + len(ds.y_test) == 1797
    assert 0.0 <= ds.X_train.min() and ds.X_train.max() <= 1.0
    assert same(ds, data.digits(seed=1)) and not same(ds, data.digits(seed=2))


@pytest.mark.parametrize("name", SMALL)
def test_load_every_small_set_is_deterministic(name):
    a, b = load(name, seed=5), load(name, seed=5)
    assert a.name == name and same(a, b)


def test_load_errors(monkeypatch):
    monkeypatch.delenv("ACTLAB_DATA_DIR", raising=False)
    with pytest.raises(ValueError, match="did you mean 'moons'"):
        load("moon")
    with pytest.raises(ValueError, match="seed"):
        load("moons", seed=-1)
    with pytest.raises(ValueError, match="bad option"):
        load("moons", bogus=1)
    with pytest.raises(ValueError, match="noise"):
        load("moons", noise=-1.0)
    with pytest.raises(ValueError, match="data directory"):
        load("mnist")


def test_dataset_validates_shapes():
    X = np.zeros((4, 3))
    with pytest.raises(ValueError, match="X_train"):
        Dataset(X, np.zeros(3, np.int64), X, np.zeros(4, np.int64), name="bad", n_classes=2)
    with pytest.raises(ValueError, match="sample_shape"):
        Dataset(X, np.zeros(4, np.int64), X, np.zeros(4, np.int64), name="bad", n_classes=2,
                sample_shape=(2, 2))


def test_mnist1d_generates_caches_and_restores_global_rng(tmp_path, monkeypatch):
    monkeypatch.setenv("ACTLAB_CACHE_DIR", str(tmp_path))
    np.random.seed(123)
    random.seed(123)
    before = (np.random.get_state()[1].copy(), random.getstate())
    ds = data.mnist1d()
    assert np.array_equal(np.random.get_state()[1], before[0]) and random.getstate() == before[1]
    check(ds, 40, 10)
    assert (len(ds.y_train), len(ds.y_test)) == (4000, 1000) and ds.sample_shape == (1, 40)
    files = list(tmp_path.iterdir())
    assert len(files) == 1 and files[0].suffix == ".npz"       # one cache entry, no temp files
    assert same(ds, data.mnist1d())                             # read back from the cache
    assert same(ds, load("mnist1d", seed=9))                    # the paper's data for any seed


def test_mnist1d_unreadable_cache_is_regenerated(tmp_path, monkeypatch):
    monkeypatch.setenv("ACTLAB_CACHE_DIR", str(tmp_path))
    ds = data.mnist1d(num_samples=200, seed=1)
    (entry,) = tmp_path.iterdir()
    entry.write_bytes(b"garbage")
    assert same(ds, data.mnist1d(num_samples=200, seed=1))
    assert len(ds.y_train) == 160


def test_mnist1d_without_cache_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("ACTLAB_CACHE_DIR", str(tmp_path / "c"))
    data.mnist1d(num_samples=100, seed=2, cache=False)
    assert not (tmp_path / "c").exists()
    with pytest.raises(ValueError, match="seed"):
        data.mnist1d(seed=-1)
