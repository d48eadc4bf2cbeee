"""Built-in data sets: ``load(name)`` and one function per set.

=========  ===============================================  =====================
name       what                                             split
=========  ===============================================  =====================
toy        the articles' 4x3 set (XOR with a bias column)   train = test
xor        the four XOR points                              train = test
moons      two half circles (scikit-learn)                  seeded, stratified
circles    two concentric circles (scikit-learn)            seeded, stratified
spirals    interleaved spiral arms                          seeded, stratified
digits     scikit-learn's 8x8 digits                        seeded, stratified
mnist1d    MNIST-1D, generated locally and cached           the paper's 4000/1000
mnist      MNIST from IDX files in ``data_dir``             canonical 60000/10000
=========  ===============================================  =====================

>>> from actlab.data import load
>>> ds = load("moons", seed=0, n=200)
>>> ds.name, ds.X_train.shape, ds.n_classes
('moons', (150, 2), 2)
"""

from __future__ import annotations

import difflib
import inspect
import os
from collections.abc import Callable
from typing import Any

from .._util_checks import integer
from .bundled import cache_dir, digits, mnist1d
from .dataset import Dataset, split
from .idx import MNIST_FILES, mnist, parse_idx, read_idx
from .scalers import Normalizer, Standardizer, scaler_from_state
from .synthetic import circles, moons, spirals, toy, xor

__all__ = [
    "MNIST_FILES", "Dataset", "Normalizer", "Standardizer", "cache_dir", "circles", "digits",
    "load", "mnist", "mnist1d", "moons", "names", "parse_idx", "read_idx", "scaler_from_state",
    "spirals", "split", "toy", "xor",
]

# name -> (function, takes the split seed)
_LOADERS: dict[str, tuple[Callable[..., Dataset], bool]] = {
    "toy": (toy, False),
    "xor": (xor, False),
    "moons": (moons, True),
    "circles": (circles, True),
    "spirals": (spirals, True),
    "digits": (digits, True),
    "mnist1d": (mnist1d, False),
    "mnist": (mnist, False),
}


def names() -> list[str]:
    """The data set names :func:`load` accepts."""
    return list(_LOADERS)


def _data_dir(data_dir: str | os.PathLike | None) -> str | os.PathLike:
    if data_dir is None:
        data_dir = os.environ.get("ACTLAB_DATA_DIR")
    if not data_dir:
        raise ValueError("mnist needs a data directory holding the four IDX files "
                         "(train-images-idx3-ubyte.gz, ...): pass data_dir / --data-dir "
                         "or set ACTLAB_DATA_DIR")
    return data_dir


def load(name: str, data_dir: str | os.PathLike | None = None, seed: int = 0,
         **options: Any) -> Dataset:
    """Load a data set by name; ``options`` go to its function (``n``, ``noise``, ...).

    ``seed`` draws the generated points and the train/test split of the sets that have no
    canonical split (moons, circles, spirals, digits); toy, xor, mnist1d (the paper's data, see
    :func:`mnist1d` for other generator seeds) and mnist are the same for every seed.
    ``data_dir`` is only used by mnist (default ``$ACTLAB_DATA_DIR``).
    """
    if not isinstance(name, str):
        raise ValueError(f"data set name must be a string, got {name!r}")
    key = name.strip().lower().replace("-", "").replace("_", "")
    if key not in _LOADERS:
        close = difflib.get_close_matches(key, names(), n=2, cutoff=0.5)
        hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
        raise ValueError(f"unknown data set {name!r}{hint} (known: {', '.join(names())})")
    seed = integer(seed, "seed", minimum=0)
    fn, takes_seed = _LOADERS[key]
    args: tuple = (_data_dir(data_dir),) if key == "mnist" else ()
    if takes_seed:
        options = {**options, "seed": seed}
    try:
        inspect.signature(fn).bind(*args, **options)
    except TypeError as exc:
        raise ValueError(f"{key}: bad option ({exc})") from None
    return fn(*args, **options)
