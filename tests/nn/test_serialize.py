"""save/load: round trips, atomic writes, and clear errors for bad files."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from actlab.nn import (
    Activation,
    BatchNorm,
    Dense,
    Dropout,
    Flatten,
    PReLU,
    Sequential,
    fit,
    load,
    save,
)
from actlab.nn import serialize as S


def model(dtype=np.float32):
    return Sequential([Flatten(), Dense(6, 8, bias_init=0.1), BatchNorm(8),
                       Activation("leaky_relu", alpha=0.2), Dropout(0.2), PReLU(8),
                       Dense(8, 5), Activation("gelu", approximate="tanh"), Dense(5, 3),
                       Activation("log_softmax")], seed=11, dtype=dtype)


def trained():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(32, 2, 3)), rng.integers(0, 3, size=32)
    m = model()
    fit(m, X, np.eye(3)[y], loss="mse", epochs=2, batch_size=8, progress=False)
    return m, X


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_round_trip(tmp_path, dtype):
    m, X = trained()
    m = m.astype(dtype)
    path = save(m, tmp_path / "model.npz")
    m2 = load(path)
    assert m2.config() == m.config() and m2.dtype == dtype
    for k, v in m.state().items():
        w = m2.state()[k]
        assert w.dtype == v.dtype and np.array_equal(w, v), k
    assert not np.array_equal(m.layers[2].buffers["running_mean"], 0)  # buffers really saved
    np.testing.assert_array_equal(m2.predict(X), m.predict(X))
    assert m2.layers[3].f.params == {"alpha": 0.2}
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]  # no temporary left behind


def test_file_is_plain_npz_with_json(tmp_path):
    path = save(model(), tmp_path / "m.npz")
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(str(z["__actlab__"]))
        assert meta["format"] == S.FORMAT
        assert meta["model"]["layers"][3] == {"type": "Activation",
                                              "config": {"name": "leaky_relu", "alpha": 0.2}}
        assert z["1.params.W"].shape == (6, 8)
        assert all(z[k].dtype != object for k in z.files)


def test_save_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    save(model(), path)
    before = path.read_bytes()

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(S.np, "savez", boom)
    with pytest.raises(OSError, match="disk full"):
        save(Sequential([Dense(2, 2)]), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


def test_truncated_and_garbage_files(tmp_path):
    good = save(model(), tmp_path / "good.npz")
    data = good.read_bytes()
    for name, content in [("trunc.npz", data[: len(data) // 2]), ("tail.npz", data[:-30]),
                          ("garbage.npz", b"not a zip file at all"), ("empty.npz", b"")]:
        bad = tmp_path / name
        bad.write_bytes(content)
        with pytest.raises(ValueError, match=name):
            load(bad)
    with pytest.raises(FileNotFoundError, match="no such file"):
        load(tmp_path / "missing.npz")


def _rewrite(path, out, change):
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    change(arrays)
    np.savez(out, **arrays)
    return out


def test_incompatible_contents(tmp_path):
    good = save(model(), tmp_path / "good.npz")

    def meta(arrays, fn):
        d = json.loads(str(arrays["__actlab__"]))
        fn(d)
        arrays["__actlab__"] = np.array(json.dumps(d))

    cases = {
        "no_meta": (lambda a: a.pop("__actlab__"), "not a model saved by actlab"),
        "bad_json": (lambda a: a.update(__actlab__=np.array("{oops")), "not valid JSON"),
        "format": (lambda a: meta(a, lambda d: d.update(format="other/9")), "unsupported format"),
        "layer": (lambda a: meta(a, lambda d: d["model"]["layers"][0].update(type="Nope")),
                  "unknown layer type 'Nope'"),
        "shape": (lambda a: a.update({"1.params.W": np.zeros((6, 9), np.float32)}), "shape"),
        "dtype": (lambda a: a.update({"1.params.W": np.zeros((6, 8))}), "dtype"),
        "missing": (lambda a: a.pop("2.buffers.running_var"), "missing"),
    }
    for name, (change, message) in cases.items():
        path = _rewrite(good, tmp_path / f"{name}.npz", change)
        with pytest.raises(ValueError, match=message) as e:
            load(path)
        assert str(path) in str(e.value)


def test_pickled_arrays_are_refused(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, __actlab__=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="evil.npz"):
        load(path)
    assert zipfile.is_zipfile(path)


def test_conv_layers_round_trip(tmp_path):
    conv = pytest.importorskip("actlab.nn.conv")
    m = Sequential([conv.Conv2d(1, 2, 3, padding=1), Activation("relu"), conv.MaxPool2d(2),
                    Flatten(), Dense(8, 2)], seed=2)
    x = np.random.default_rng(0).normal(size=(2, 1, 4, 4))
    m2 = load(save(m, tmp_path / "conv.npz"))
    np.testing.assert_array_equal(m2.predict(x), m.predict(x))
