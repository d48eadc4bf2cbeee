"""Small data sets generated in memory: the articles' toy set, XOR, moons, circles, spirals."""

from __future__ import annotations

import numpy as np

from .._util_checks import check_memory, is_real, real

from .dataset import Dataset, split

__all__ = ["circles", "moons", "spirals", "toy", "xor"]


def toy() -> Dataset:
    """The articles' 4x3 set: column 3 is a constant bias input, ``y`` is XOR of columns 1 and 2.

    Train and test are the same four rows.

    >>> ds = toy()
    >>> ds.X_train.tolist(), ds.y_train.tolist()
    ([[0.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 1.0]], [0, 1, 1, 0])
    """
    X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)
    y = np.array([0, 1, 1, 0], dtype=np.int64)
    return Dataset(X, y, X.copy(), y.copy(), name="toy", n_classes=2)


def xor() -> Dataset:
    """The four XOR points ``{0,1}^2`` with ``y = x0 xor x1``; train and test are the same.

    >>> xor().y_train.tolist()
    [0, 1, 1, 0]
    """
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    y = np.array([0, 1, 1, 0], dtype=np.int64)
    return Dataset(X, y, X.copy(), y.copy(), name="xor", n_classes=2)


def _check(n: int, noise: float, test_fraction: float, minimum: int = 4) -> None:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < minimum:
        raise ValueError(f"n must be an int >= {minimum}, got {n!r}")
    real(noise, "noise", nonnegative=True)
    check_memory(128 * int(n), f"a data set of n={n} points")  # X, y, shuffles, the split
    if not (is_real(test_fraction) and 0.0 < test_fraction < 1.0):
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction!r}")


def moons(n: int = 1000, noise: float = 0.2, seed: int = 0, *,
          test_fraction: float = 0.25) -> Dataset:
    """Two interleaving half circles (``sklearn.datasets.make_moons``), split by ``seed``.

    >>> moons(100, 0.1, seed=1).X_train.shape
    (76, 2)
    """
    from sklearn.datasets import make_moons

    _check(n, noise, test_fraction)
    X, y = make_moons(n_samples=int(n), noise=float(noise), random_state=seed)
    parts = split(X, y.astype(np.int64), test_fraction=test_fraction, seed=seed)
    return Dataset(*parts, name="moons", n_classes=2)


def circles(n: int = 1000, noise: float = 0.1, seed: int = 0, *, factor: float = 0.5,
            test_fraction: float = 0.25) -> Dataset:
    """A small circle inside a large one (``sklearn.datasets.make_circles``), split by ``seed``.

    ``factor`` is the ratio of the inner radius to the outer one.
    """
    from sklearn.datasets import make_circles

    _check(n, noise, test_fraction)
    if not 0.0 < factor < 1.0:
        raise ValueError(f"factor must be in (0, 1), got {factor!r}")
    X, y = make_circles(n_samples=int(n), noise=float(noise), factor=float(factor),
                        random_state=seed)
    parts = split(X, y.astype(np.int64), test_fraction=test_fraction, seed=seed)
    return Dataset(*parts, name="circles", n_classes=2)


def spirals(n: int = 1000, classes: int = 3, noise: float = 0.2, seed: int = 0, *,
            turns: float = 0.75, test_fraction: float = 0.25) -> Dataset:
    """``classes`` interleaved spiral arms in the plane (the CS231n-style spiral set).

    Arm ``j`` holds ``n // classes`` points (the first ``n % classes`` arms one more) at radius
    ``r`` in ``[0, 1]`` and angle ``2 pi (turns r + j / classes)`` plus Gaussian ``noise``
    (in radians).

    >>> ds = spirals(300, classes=3, noise=0.1, seed=0)
    >>> ds.n_classes, len(ds.y_train) + len(ds.y_test), np.bincount(ds.y_train).tolist()
    (3, 300, [75, 75, 75])
    """
    if isinstance(classes, bool) or not isinstance(classes, (int, np.integer)) or classes < 2:
        raise ValueError(f"classes must be an int >= 2, got {classes!r}")
    _check(n, noise, test_fraction, minimum=2 * classes)
    rng = np.random.default_rng(seed)
    counts = [n // classes + (j < n % classes) for j in range(classes)]
    xs, ys = [], []
    for j, m in enumerate(counts):
        r = np.linspace(0.0, 1.0, m)
        theta = 2 * np.pi * (turns * r + j / classes) + noise * rng.standard_normal(m)
        xs.append(np.column_stack([r * np.cos(theta), r * np.sin(theta)]))
        ys.append(np.full(m, j, dtype=np.int64))
    parts = split(np.concatenate(xs), np.concatenate(ys), test_fraction=test_fraction, seed=seed)
    return Dataset(*parts, name="spirals", n_classes=int(classes))
