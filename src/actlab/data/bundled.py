"""Data sets that ship with a dependency: scikit-learn's digits and the generated MNIST-1D."""

from __future__ import annotations

import hashlib
import json
import os
import random
import zipfile
import zlib
from pathlib import Path

import numpy as np

from .._util_checks import check_memory, is_real
from .._util_files import atomic_open
from .dataset import Dataset, split

__all__ = ["cache_dir", "digits", "mnist1d"]


def digits(seed: int = 0, *, test_fraction: float = 0.25) -> Dataset:
    """scikit-learn's 8x8 digits (1797 images, 10 classes), pixels scaled to ``[0, 1]``.

    The stratified split is drawn from ``seed``.

    >>> ds = digits()
    >>> ds.X_train.shape, ds.X_test.shape, ds.sample_shape
    ((1347, 64), (450, 64), (1, 8, 8))
    """
    from sklearn.datasets import load_digits

    bunch = load_digits()
    X = bunch.data.astype(np.float64) / 16.0
    y = bunch.target.astype(np.int64)
    parts = split(X, y, test_fraction=test_fraction, seed=seed)
    return Dataset(*parts, name="digits", n_classes=10, sample_shape=(1, 8, 8))


def cache_dir() -> Path:
    """Where generated data are cached: ``$ACTLAB_CACHE_DIR``, else ``$XDG_CACHE_HOME/actlab``,
    else ``~/.cache/actlab``."""
    env = os.environ.get("ACTLAB_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "actlab"


def _atomic_savez(path: Path, **arrays: np.ndarray) -> None:
    """Write ``path`` via a temporary file in the same folder and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path) as fh:
        np.savez(fh, **arrays)


def _generate_mnist1d(args: dict) -> dict[str, np.ndarray]:
    from mnist1d.data import get_dataset_args, make_dataset  # generates locally; no download
    from mnist1d.utils import ObjectView

    defaults = get_dataset_args(as_dict=True)
    full = ObjectView({**defaults, **args})
    # mnist1d seeds the global `random` and `np.random` states: restore the caller's afterwards
    py_state, np_state = random.getstate(), np.random.get_state()
    try:
        data = make_dataset(full)
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)
    return {k: np.asarray(data[k]) for k in ("x", "y", "x_test", "y_test")}


def mnist1d(seed: int = 42, *, num_samples: int = 5000, train_split: float = 0.8,
            cache: bool = True) -> Dataset:
    """MNIST-1D (Greydanus & Kobak 2020), generated locally by the ``mnist1d`` package.

    ``seed=42`` and the defaults give the paper's data set: 4000 train / 1000 test signals of
    length 40, 10 classes (reported test accuracy: logistic 32 %, MLP 68 %, CNN 94 %). The first
    call for a given set of arguments takes about 2 s; the arrays are then cached in
    :func:`cache_dir` (an atomic write, keyed by the arguments). The package's ``download`` path
    is never used.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"mnist1d: seed must be a non-negative int, got {seed!r}")
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) \
            or num_samples < 20:
        raise ValueError(f"mnist1d: num_samples must be an int >= 20, got {num_samples!r}")
    if not (is_real(train_split) and 0.0 < train_split < 1.0):
        raise ValueError(f"mnist1d: train_split must be in (0, 1), got {train_split!r}")
    check_memory(8192 * int(num_samples), f"mnist1d with num_samples={num_samples}")
    args = {"seed": int(seed), "num_samples": int(num_samples), "train_split": float(train_split)}
    key = hashlib.sha256(json.dumps({"v": 1, **args}, sort_keys=True).encode()).hexdigest()[:16]
    path = cache_dir() / f"mnist1d-{key}.npz"
    arrays = None
    if cache and path.is_file():
        try:
            # a cache entry is a file like any other: bound what it may unpack to
            with zipfile.ZipFile(path) as zf:
                if sum(i.file_size for i in zf.infolist()) > 2**20 + 2048 * num_samples:
                    raise ValueError("oversized cache entry")
            with np.load(path, allow_pickle=False) as f:
                arrays = {k: f[k] for k in ("x", "y", "x_test", "y_test")}
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error):
            arrays = None  # unreadable cache entry: regenerate and overwrite
    if arrays is None:
        arrays = _generate_mnist1d(args)
        if cache:
            try:
                _atomic_savez(path, **arrays)
            except OSError:
                pass  # a read-only cache is not an error: the data are still returned
    X, Xt = (np.asarray(arrays[k], dtype=np.float64) for k in ("x", "x_test"))
    y, yt = (np.asarray(arrays[k], dtype=np.int64) for k in ("y", "y_test"))
    return Dataset(X, y, Xt, yt, name="mnist1d", n_classes=10, sample_shape=(1, X.shape[1]))
