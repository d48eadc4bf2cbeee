"""Generators of hostile files: each writes one file into a folder and says what must happen.

A case is ``(name, make, expected)``: ``make(folder) -> Path`` writes the file (small and fast to
make: a bomb is a few kB that *declares* or *inflates to* a lot), ``expected`` the exception
class the reader must raise. Model files, IDX/gzip files and results databases; the tests and the
fuzz targets start from these.
"""

from __future__ import annotations

import gzip
import io
import json
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from actlab.nn import Activation, Dense, Sequential, save
from actlab.nn.serialize import FORMAT

Case = tuple[str, Callable[[Path], Path], type]


# ------------------------------------------------------------------------------ model files
def good_model() -> Sequential:
    return Sequential([Dense(3, 4), Activation("relu"), Dense(4, 2)], seed=0)


def _npy(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=True)
    return buf.getvalue()


def _meta(config: object, fmt: str = FORMAT) -> bytes:
    return _npy(np.array(json.dumps({"format": fmt, "model": config})))


def _zip(path: Path, members: dict[str, bytes], *, deflate: bool = False) -> Path:
    method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _dense_config(n_in: int, n_out: int) -> dict:
    return {"layers": [{"type": "Dense", "config": {"in_features": n_in, "out_features": n_out}}],
            "seed": 0, "dtype": "float32"}


def _good_members(tmp: Path) -> dict[str, bytes]:
    path = save(good_model(), tmp / ".good.npz")
    with zipfile.ZipFile(path) as zf:
        out = {n: zf.read(n) for n in zf.namelist()}
    path.unlink()
    return out


def _with(change: Callable[[dict[str, bytes]], None], *, deflate: bool = False):
    def make(folder: Path) -> Path:
        members = _good_members(folder)
        change(members)
        return _zip(folder / "model.npz", members, deflate=deflate)
    return make


def _header_claims_terabytes(members: dict[str, bytes]) -> None:
    data = members["0.params.W.npy"]
    head = np.lib.format.header_data_from_array_1_0(np.zeros((3, 4), np.float32))
    head["shape"] = (10**6, 10**6)
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, head)
    members["0.params.W.npy"] = buf.getvalue() + data[-48:]


def _pickled(members: dict[str, bytes]) -> None:
    members["0.params.W.npy"] = _npy(np.array([object(), 1], dtype=object))


def _meta_is(config: object, fmt: str = FORMAT):
    return _with(lambda m: m.update({"__actlab__.npy": _meta(config, fmt)}))


def _deflate_bomb(folder: Path) -> Path:
    """A member that inflates to 64 MB from ~64 kB (load with max_bytes=2**20 refuses it)."""
    members = _good_members(folder)
    members["0.params.W.npy"] = bytes(64 * 2**20)
    return _zip(folder / "model.npz", members, deflate=True)


def _lying_sizes(folder: Path) -> Path:
    """The central directory says a member is 100 bytes; it inflates to 8 MB."""
    path = _deflate_bomb(folder)
    raw = bytearray(path.read_bytes())
    start = 0
    while (i := raw.find(b"PK\x01\x02", start)) >= 0:
        name_len = struct.unpack_from("<H", raw, i + 28)[0]
        if raw[i + 46:i + 46 + name_len] == b"0.params.W.npy":
            struct.pack_into("<I", raw, i + 24, 100)
        start = i + 4
    path.write_bytes(bytes(raw))
    return path


def _truncated(folder: Path) -> Path:
    path = save(good_model(), folder / "model.npz")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _write(name: str, data: bytes):
    def make(folder: Path) -> Path:
        (folder / name).write_bytes(data)
        return folder / name
    return make


MODEL_CASES: list[Case] = [
    ("dense_200000_squared", _meta_is(_dense_config(200000, 200000)), ValueError),
    ("dense_10000_squared_no_arrays", lambda f: _zip(
        f / "model.npz", {"__actlab__.npy": _meta(_dense_config(10000, 10000))}), ValueError),
    ("conv_padding_1e6", _meta_is({"layers": [{"type": "Conv2d", "config": {
        "in_channels": 1, "out_channels": 1, "kernel_size": [3, 3], "padding": [10**6, 10**6]}}]}),
        ValueError),
    ("npy_header_terabytes", _with(_header_claims_terabytes), ValueError),
    ("pickled_member", _with(_pickled), ValueError),
    ("npy_header_too_large", _with(lambda m: m.update({"0.params.W.npy": b"\x93NUMPY\x02\x00"
                                   + (200000).to_bytes(4, "little") + b" " * 200000})),
     ValueError),
    ("lying_central_directory", _lying_sizes, ValueError),
    ("nested_json", _meta_is(json.loads("[" * 50 + "]" * 50)), ValueError),
    ("deep_json_recursion", _with(lambda m: m.update({"__actlab__.npy": _npy(
        np.array("[" * 200000 + "]" * 200000))})), ValueError),
    ("wrong_format_tag", _meta_is({"layers": []}, "pickle/1"), ValueError),
    ("meta_not_text", _with(lambda m: m.update({"__actlab__.npy": _npy(np.arange(3))})),
     ValueError),
    ("meta_not_json", _with(lambda m: m.update({"__actlab__.npy": _npy(np.array("{nope"))})),
     ValueError),
    ("no_meta", _with(lambda m: m.pop("__actlab__.npy")), ValueError),
    ("unknown_layer", _meta_is({"layers": [{"type": "os.system", "config": {}}]}), ValueError),
    ("bad_layer_kwargs", _meta_is({"layers": [{"type": "Dense", "config": {"evil": 1}}]}),
     ValueError),
    ("layers_not_a_list", _meta_is({"layers": "Dense"}), ValueError),
    ("negative_features", _meta_is(_dense_config(-3, 4)), ValueError),
    ("transposed_weights", _with(lambda m: m.update(
        {"0.params.W.npy": _npy(np.zeros((4, 3), np.float32))})), ValueError),
    ("float64_weights", _with(lambda m: m.update(
        {"0.params.W.npy": _npy(np.zeros((3, 4), np.float64))})), ValueError),
    ("nan_weights", _with(lambda m: m.update(
        {"0.params.W.npy": _npy(np.full((3, 4), np.nan, np.float32))})), ValueError),
    ("path_traversal_member", _with(lambda m: m.update({"../evil.npy": _npy(np.zeros(2))})),
     ValueError),
    ("not_npy_member", _with(lambda m: m.update({"evil.py": b"import os"})), ValueError),
    ("truncated", _truncated, ValueError),
    ("garbage", _write("model.npz", b"not a zip file at all"), ValueError),
    ("empty", _write("model.npz", b""), ValueError),
    ("pickle_file", _write("model.npz", b"\x80\x04\x95\x10\x00cos\nsystem\n."), ValueError),
    ("missing", lambda f: f / "missing.npz", FileNotFoundError),
    ("folder", lambda f: (f / "dir.npz").mkdir() or f / "dir.npz", IsADirectoryError),
]

#: load(..., max_bytes=BOMB_LIMIT) in the bomb cases (the default limit is 2 GiB).
BOMB_LIMIT = 2**20
BOMB_CASES: list[Case] = [("deflate_bomb", _deflate_bomb, ValueError)]


# ------------------------------------------------------------------------------ IDX files
def idx_bytes(arr: np.ndarray, code: int = 0x08) -> bytes:
    head = bytes([0, 0, code, arr.ndim]) + b"".join(struct.pack(">I", d) for d in arr.shape)
    return head + arr.astype(arr.dtype.newbyteorder(">")).tobytes()


def _gzip_bomb(folder: Path) -> Path:
    """Says 100 bytes, inflates to 32 MB (~32 kB on disk)."""
    header = bytes([0, 0, 8, 1]) + struct.pack(">I", 100)
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    body = comp.compress(header) + comp.compress(bytes(32 * 2**20)) + comp.flush()
    (folder / "bomb.gz").write_bytes(body)
    return folder / "bomb.gz"


def _corrupt_byte(folder: Path) -> Path:
    noise = np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8)
    data = bytearray(gzip.compress(idx_bytes(noise)))
    data[len(data) // 2] ^= 0xFF
    (folder / "corrupt.gz").write_bytes(bytes(data))
    return folder / "corrupt.gz"


IDX_CASES: list[Case] = [
    ("gzip_bomb", _gzip_bomb, ValueError),
    ("declares_2e19_bytes", _write("huge.idx", bytes([0, 0, 8, 2]) + b"\xff" * 8), ValueError),
    ("declares_2e19_bytes_gz", _write("huge.gz", gzip.compress(bytes([0, 0, 8, 2]) + b"\xff" * 8)),
     ValueError),
    ("corrupt_byte_in_gzip", _corrupt_byte, ValueError),
    ("truncated_gzip", _write("t.gz", gzip.compress(idx_bytes(
        np.random.default_rng(1).integers(0, 256, 1000, dtype=np.uint8)))[:500]), ValueError),
    ("trailing_garbage_gz", _write("g.gz", gzip.compress(idx_bytes(np.zeros(10, np.uint8)))
                                   + b"garbage"), ValueError),
    ("trailing_data_raw", _write("x.idx", idx_bytes(np.zeros(10, np.uint8)) + b"\x00"),
     ValueError),
    ("ndim_255_short", _write("x.idx", bytes([0, 0, 8, 255]) + b"\x00" * 12), ValueError),
    ("bad_magic", _write("x.idx", b"PK\x03\x04rest"), ValueError),
    ("unknown_type", _write("x.idx", bytes([0, 0, 7, 1, 0, 0, 0, 1, 5])), ValueError),
    ("empty", _write("x.idx", b""), ValueError),
    ("gzip_of_nothing", _write("x.gz", gzip.compress(b"")), ValueError),
    ("missing", lambda f: f / "missing.idx", FileNotFoundError),
]


# ------------------------------------------------------------------------------ databases
def corrupt_sqlite(folder: Path) -> Path:
    """A results.sqlite that is not a database."""
    (folder / "results.sqlite").write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 16)
    return folder / "results.sqlite"


def foreign_sqlite(folder: Path) -> Path:
    """A real SQLite database with an incompatible ``runs`` table."""
    import sqlite3

    con = sqlite3.connect(folder / "results.sqlite")
    con.execute("CREATE TABLE runs (key TEXT, evil BLOB)")
    con.execute("INSERT INTO runs VALUES ('x', x'00')")
    con.commit()
    con.close()
    return folder / "results.sqlite"
