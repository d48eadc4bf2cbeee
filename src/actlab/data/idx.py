"""IDX files (the MNIST format) and the MNIST loader, with shape, magic and checksum checks.

An IDX file is a 4-byte magic ``00 00 <type> <ndim>``, ``ndim`` big-endian uint32 dimensions,
then the data in C order, big-endian (http://yann.lecun.com/exdb/mnist/). Files may be gzipped
(detected from the content, not the name).
"""

from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path

import numpy as np

from .dataset import Dataset

__all__ = ["MNIST_FILES", "mnist", "parse_idx", "read_idx"]

_IDX_TYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

# The canonical MNIST files: name -> (shape, SHA-256 of the .gz, SHA-256 of the raw content).
MNIST_FILES: dict[str, tuple[tuple[int, ...], str, str]] = {
    "train-images-idx3-ubyte": (
        (60000, 28, 28),
        "d2cebd02927d553943b2679536bf602ec0cdcb6555ad87dda5d640e1d425faaf",
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    ),
    "train-labels-idx1-ubyte": (
        (60000,),
        "2a107763ddf1eef92815bfbb1b855b662a7228add9dfab29de697c644d666cda",
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    ),
    "t10k-images-idx3-ubyte": (
        (10000, 28, 28),
        "4e612d6003de73386763f2c35c044ab376e830da80adb2347651a1f182f103a1",
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    ),
    "t10k-labels-idx1-ubyte": (
        (10000,),
        "909a5aeb9fcec3f171b427c45622a55f69dc15dd80bd0624413cbfbe12553c1c",
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    ),
}


def parse_idx(data: bytes, source: str = "<bytes>") -> np.ndarray:
    """Decode the bytes of an (uncompressed) IDX file; corrupt input raises ``ValueError``.

    >>> parse_idx(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9]))
    array([7, 8, 9], dtype=uint8)
    """
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(f"{source}: not an IDX file (bad magic {data[:4].hex() or 'empty'})")
    code, ndim = data[2], data[3]
    if code not in _IDX_TYPES:
        raise ValueError(f"{source}: unknown IDX data type 0x{code:02x}")
    if ndim == 0:
        raise ValueError(f"{source}: IDX file declares 0 dimensions")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{source}: truncated IDX header ({len(data)} bytes)")
    shape = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    dtype = _IDX_TYPES[code]
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(data) - header != expected:
        raise ValueError(f"{source}: IDX header says shape {shape} ({expected} data bytes) "
                         f"but the file holds {len(data) - header} (truncated or corrupt)")
    arr = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return arr.astype(dtype.newbyteorder("="))  # native byte order, writable copy


def _read_bytes(path: Path) -> tuple[bytes, bytes]:
    """(bytes on disk, uncompressed bytes); gzip is recognised by its magic number."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            return raw, gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise ValueError(f"{path}: corrupt gzip data ({exc})") from None
    return raw, raw


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (raw or gzipped) into a native-endian array."""
    path = Path(path)
    return parse_idx(_read_bytes(path)[1], str(path))


def _find(directory: Path, stem: str) -> Path | None:
    for name in (stem + ".gz", stem, stem.replace("-idx", ".idx")):
        if (directory / name).is_file():
            return directory / name
    return None


def _mnist_dir(data_dir: str | os.PathLike) -> Path:
    base = Path(data_dir).expanduser()
    if not base.is_dir():
        raise FileNotFoundError(f"MNIST data directory {str(base)!r} does not exist")
    for d in (base, base / "mnist", base / "MNIST"):
        if all(_find(d, stem) for stem in MNIST_FILES):
            return d
    missing = [s + ".gz" for s in MNIST_FILES if not _find(base, s)]
    raise FileNotFoundError(f"{str(base)!r} lacks the MNIST IDX files {', '.join(missing)} "
                            "(gzipped or raw; also looked in its mnist/ subfolder)")


def _load_checked(path: Path, stem: str, verify: bool) -> np.ndarray:
    shape, gz_sha, raw_sha = MNIST_FILES[stem]
    on_disk, content = _read_bytes(path)
    if verify:
        digest = hashlib.sha256(on_disk).hexdigest()
        expected = gz_sha if on_disk is not content else raw_sha
        if digest != expected:
            raise ValueError(f"{path}: SHA-256 {digest[:16]}... does not match the canonical "
                             f"MNIST file ({expected[:16]}...); corrupt download? "
                             "(pass verify=False to read other IDX data under these names)")
    arr = parse_idx(content, str(path))
    if verify and arr.shape != shape:  # pragma: no cover - implied by the checksum
        raise ValueError(f"{path}: shape {arr.shape}, expected {shape}")
    if arr.dtype != np.uint8:
        raise ValueError(f"{path}: expected unsigned bytes, got IDX type {arr.dtype}")
    return arr


def mnist(data_dir: str | os.PathLike, *, dtype=np.float32, verify: bool = True) -> Dataset:
    """MNIST from the four canonical IDX files in ``data_dir`` (or its ``mnist/`` subfolder).

    Pixels are scaled to ``[0, 1]`` in ``dtype`` (float32 by default: 60000 x 784 floats);
    the canonical 60000/10000 split is kept. With ``verify`` (the default) every file must match
    the SHA-256 of the canonical file, gzipped or raw.
    """
    directory = _mnist_dir(data_dir)
    arrays = {stem: _load_checked(_find(directory, stem), stem, verify) for stem in MNIST_FILES}
    parts = []
    for prefix in ("train", "t10k"):
        images = arrays[f"{prefix}-images-idx3-ubyte"]
        labels = arrays[f"{prefix}-labels-idx1-ubyte"]
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(f"{directory}: {prefix} images {images.shape} and labels "
                             f"{labels.shape} do not match")
        if labels.max(initial=0) > 9:
            raise ValueError(f"{directory}: {prefix} labels outside 0..9")
        X = images.reshape(len(images), -1).astype(dtype)
        np.divide(X, 255, out=X)
        parts += [X, labels.astype(np.int64)]
    h, w = arrays["train-images-idx3-ubyte"].shape[1:]
    return Dataset(*parts, name="mnist", n_classes=10, sample_shape=(1, h, w))
