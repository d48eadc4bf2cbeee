"""IDX parsing: the real MNIST files (when ../shared/datasets/mnist exists) and corrupt files."""

from __future__ import annotations

import gzip
import os
import struct
from pathlib import Path

import numpy as np
import pytest

from actlab.data import MNIST_FILES, load, mnist, parse_idx, read_idx

MNIST_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "mnist"
needs_mnist = pytest.mark.skipif(not all((MNIST_DIR / f"{s}.gz").is_file() for s in MNIST_FILES),
                                 reason=f"MNIST IDX files not found in {MNIST_DIR}")


def idx_bytes(arr: np.ndarray, code: int = 0x08) -> bytes:
    head = bytes([0, 0, code, arr.ndim]) + b"".join(struct.pack(">I", d) for d in arr.shape)
    return head + arr.astype(arr.dtype.newbyteorder(">")).tobytes()


@pytest.mark.parametrize("dtype,code", [(np.uint8, 0x08), (np.int8, 0x09), (np.int16, 0x0B),
                                        (np.int32, 0x0C), (np.float32, 0x0D), (np.float64, 0x0E)])
def test_parse_every_idx_type(dtype, code):
    arr = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype) if dtype != np.uint8 \
        else np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    out = parse_idx(idx_bytes(arr, code))
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative
    np.testing.assert_array_equal(out, arr)


def test_read_idx_raw_and_gzip(tmp_path):
    arr = np.arange(12, dtype=np.uint8).reshape(3, 4)
    (tmp_path / "a.idx").write_bytes(idx_bytes(arr))
    (tmp_path / "a.idx.gz").write_bytes(gzip.compress(idx_bytes(arr)))
    (tmp_path / "misnamed.gz").write_bytes(idx_bytes(arr))  # gzip is detected by content
    for name in ("a.idx", "a.idx.gz", "misnamed.gz"):
        np.testing.assert_array_equal(read_idx(tmp_path / name), arr)


@pytest.mark.parametrize("blob,match", [
    (b"", "bad magic"),
    (b"\x01\x00\x08\x01", "bad magic"),
    (bytes([0, 0, 0x07, 1, 0, 0, 0, 1, 5]), "unknown IDX data type"),
    (bytes([0, 0, 8, 0]), "0 dimensions"),
    (bytes([0, 0, 8, 2, 0, 0, 0, 2]), "truncated IDX header"),
    (bytes([0, 0, 8, 1, 0, 0, 0, 3, 1, 2]), "truncated or corrupt"),
    (bytes([0, 0, 8, 1, 0, 0, 0, 1, 1, 2]), "truncated or corrupt"),
])
def test_corrupt_idx_raises_clear_errors(blob, match):
    with pytest.raises(ValueError, match=match):
        parse_idx(blob, "x.idx")


def test_corrupt_gzip_raises(tmp_path):
    good = gzip.compress(idx_bytes(np.zeros(100, np.uint8)))
    (tmp_path / "bad.gz").write_bytes(good[: len(good) // 2])
    with pytest.raises(ValueError, match="corrupt gzip"):
        read_idx(tmp_path / "bad.gz")


def test_missing_directory_and_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        mnist(tmp_path / "nope")
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte.gz"):
        mnist(tmp_path)


@pytest.fixture(scope="module")
def real_mnist():
    return mnist(MNIST_DIR)


@needs_mnist
def test_real_mnist_files(real_mnist):
    ds = real_mnist
    assert ds.X_train.shape == (60000, 784) and ds.X_test.shape == (10000, 784)
    assert ds.X_train.dtype == np.float32 and ds.sample_shape == (1, 28, 28)
    assert 0.0 == ds.X_train.min() and ds.X_train.max() == 1.0
    assert np.bincount(ds.y_train).tolist()[:3] == [5923, 6742, 5958]
    assert ds.y_train[:5].tolist() == [5, 0, 4, 1, 9] and ds.y_test[:3].tolist() == [7, 2, 1]
    assert abs(float(ds.X_train.mean()) - 0.1307) < 1e-3  # the usual normalisation constant


@needs_mnist
def test_load_finds_the_mnist_subfolder(real_mnist):
    ds = load("mnist", data_dir=MNIST_DIR.parent)  # the parent holding mnist/ works too
    np.testing.assert_array_equal(ds.y_test, real_mnist.y_test)


@needs_mnist
def test_raw_files_are_accepted_and_checksummed(tmp_path, real_mnist):
    for stem in MNIST_FILES:
        if "labels" in stem:  # raw (uncompressed) label files beside linked gz images
            (tmp_path / stem).write_bytes(gzip.decompress((MNIST_DIR / f"{stem}.gz").read_bytes()))
        else:
            os.symlink(MNIST_DIR / f"{stem}.gz", tmp_path / f"{stem}.gz")
    ds = mnist(tmp_path)
    np.testing.assert_array_equal(ds.y_train, real_mnist.y_train)
    raw = tmp_path / "t10k-labels-idx1-ubyte"
    blob = bytearray(raw.read_bytes())
    blob[-1] = (blob[-1] + 1) % 10  # still a valid IDX file, but not the canonical one
    raw.write_bytes(bytes(blob))
    with pytest.raises(ValueError, match="SHA-256 .* does not match"):
        mnist(tmp_path)
    ds = mnist(tmp_path, verify=False)
    assert ds.y_test[-1] == blob[-1]
