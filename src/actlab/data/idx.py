"""IDX files (the MNIST format) and the MNIST loader, with shape, magic and checksum checks.

An IDX file is a 4-byte magic ``00 00 <type> <ndim>``, ``ndim`` big-endian uint32 dimensions,
then the data in C order, big-endian (http://yann.lecun.com/exdb/mnist/). Files may be gzipped
(detected from the content, not the name).
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import zlib
from pathlib import Path
from typing import BinaryIO

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


#: Default limit of the data an IDX file may declare (``read_idx(..., max_bytes=)`` changes it).
MAX_BYTES = 2**31
_CHUNK = 1 << 20


def _parse_header(head: bytes, source: str) -> tuple[tuple[int, ...], np.dtype, int]:
    """(shape, dtype, header length) from the first bytes of an IDX file."""
    if len(head) < 4 or head[0] != 0 or head[1] != 0:
        raise ValueError(f"{source}: not an IDX file (bad magic {head[:4].hex() or 'empty'})")
    code, ndim = head[2], head[3]
    if code not in _IDX_TYPES:
        raise ValueError(f"{source}: unknown IDX data type 0x{code:02x}")
    if ndim == 0:
        raise ValueError(f"{source}: IDX file declares 0 dimensions")
    header = 4 + 4 * ndim
    if len(head) < header:
        raise ValueError(f"{source}: truncated IDX header ({len(head)} bytes)")
    shape = tuple(int(d) for d in np.frombuffer(head, dtype=">u4", count=ndim, offset=4))
    return shape, _IDX_TYPES[code], header


def _data_bytes(shape: tuple[int, ...], dtype: np.dtype, source: str, max_bytes: int) -> int:
    expected = math.prod(shape) * dtype.itemsize  # Python ints: no overflow
    if expected > max_bytes:
        raise ValueError(f"{source}: IDX header declares shape {shape} ({expected} bytes), more "
                         f"than the limit of {max_bytes} bytes (pass max_bytes= to allow it)")
    return expected


def _to_array(data: bytes, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    arr = np.frombuffer(data, dtype=dtype).reshape(shape)
    return arr.astype(dtype.newbyteorder("="))  # native byte order, writable copy


def parse_idx(data: bytes, source: str = "<bytes>", *, max_bytes: int = MAX_BYTES) -> np.ndarray:
    """Decode the bytes of an (uncompressed) IDX file; corrupt input raises ``ValueError``.

    >>> parse_idx(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9]))
    array([7, 8, 9], dtype=uint8)
    """
    shape, dtype, header = _parse_header(bytes(data[:1024]), source)
    expected = _data_bytes(shape, dtype, source, max_bytes)
    if len(data) - header != expected:
        raise ValueError(f"{source}: IDX header says shape {shape} ({expected} data bytes) "
                         f"but the file holds {len(data) - header} (truncated or corrupt)")
    return _to_array(bytes(data[header:]), shape, dtype)


def _read_exactly(fh: BinaryIO, n: int) -> bytes:
    """``n`` bytes from ``fh`` in chunks (a short read ends early: the caller checks)."""
    parts, left = [], n
    while left > 0:
        chunk = fh.read(min(left, _CHUNK))
        if not chunk:
            break
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _read_stream(fh: BinaryIO, source: str, max_bytes: int) -> np.ndarray:
    head = fh.read(4)
    if len(head) == 4 and head[0] == 0 and head[1] == 0:
        head += _read_exactly(fh, 4 * head[3])
    shape, dtype, header = _parse_header(head, source)
    expected = _data_bytes(shape, dtype, source, max_bytes)
    data = _read_exactly(fh, expected)
    extra = len(fh.read(1))  # reads at most one more byte (inflates at most one more block)
    if len(data) != expected or extra:
        held = f"{len(data)}" if not extra else f"more than {expected}"
        raise ValueError(f"{source}: IDX header says shape {shape} ({expected} data bytes) "
                         f"but the file holds {held} (truncated or corrupt)")
    return _to_array(data, shape, dtype)


def read_idx(path: str | os.PathLike, *, max_bytes: int = MAX_BYTES) -> np.ndarray:
    """Read an IDX file (raw or gzipped, detected from the content) into a native-endian array.

    The header is checked first: data beyond ``max_bytes`` is refused before it is read or
    inflated, and a gzip stream is decompressed only as far as the header says (no gzip bomb).
    """
    path = Path(path)
    source = str(path)
    try:
        if _is_gzip(path):
            with gzip.open(path, "rb") as fh:
                return _read_stream(fh, source, max_bytes)
        with open(path, "rb") as fh:
            return _read_stream(fh, source, max_bytes)
    except (OSError, EOFError, zlib.error) as exc:
        if isinstance(exc, (FileNotFoundError, IsADirectoryError, PermissionError)):
            raise
        raise ValueError(f"{path}: corrupt gzip data ({type(exc).__name__}: {exc})") from None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


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
    if verify:  # the file on disk is hashed (streamed) before anything is decompressed
        digest = _sha256(path)
        expected = gz_sha if _is_gzip(path) else raw_sha
        if digest != expected:
            raise ValueError(f"{path}: SHA-256 {digest[:16]}... does not match the canonical "
                             f"MNIST file ({expected[:16]}...); corrupt download? "
                             "(pass verify=False to read other IDX data under these names)")
    arr = read_idx(path)
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
