"""``save``/``load``: one ``.npz`` file, arrays plus a JSON architecture, no pickle.

The file holds ``__actlab__`` (a JSON string: format tag, ``Sequential.config()`` with every
layer's type and constructor arguments, activation parameters included) and one array per
parameter/buffer named ``"<layer index>.params.<key>"`` / ``"<layer index>.buffers.<key>"``.
It is written to a temporary file in the target directory and moved into place with
``os.replace`` (:mod:`actlab._util_files`), so a crash never leaves a half-written model. ``load``
opens it with ``allow_pickle=False`` and turns every problem (missing, truncated, not an actlab
model, unknown layer type, shape/dtype mismatch) into a ``ValueError`` naming the path.

Layer types are looked up by class name in :data:`actlab.nn.base.LAYER_TYPES`, which every
``Layer`` subclass joins when its module is imported.
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from .._util_files import atomic_open, remove_stale
from .model import Sequential

FORMAT = "actlab.nn.Sequential/1"
_META = "__actlab__"
#: Default limit of a model file's unpacked size (``load(..., max_bytes=)`` changes it).
MAX_BYTES = 2**31
_MAX_META = 16 * 2**20  # the architecture record
_MAX_MEMBERS = 10_000
_SMALL = 64 * 2**20  # a layer may declare this much without matching stored arrays


def save(model: Sequential, path: str | os.PathLike) -> Path:
    """Write ``model`` to ``path`` (``.npz`` is *not* appended); returns the path."""
    if not isinstance(model, Sequential):
        raise TypeError(f"save expects a Sequential, got {type(model).__name__}")
    path = Path(path)
    meta = json.dumps({"format": FORMAT, "model": model.config()})
    arrays = {k: np.ascontiguousarray(v) for k, v in model.state().items()}
    arrays[_META] = np.array(meta)
    with atomic_open(path) as fh:
        np.savez(fh, **arrays)
    return path


class _Member:
    """One ``.npy`` member of the archive, its header read (no data yet)."""

    def __init__(self, info: zipfile.ZipInfo, shape: tuple[int, ...], dtype: np.dtype,
                 fortran: bool) -> None:
        self.info, self.shape, self.dtype, self.fortran = info, shape, dtype, fortran
        self.nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize


def _header(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> _Member:
    with zf.open(info) as fh:
        try:
            version = np.lib.format.read_magic(fh)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
            else:
                raise ValueError(f"unsupported .npy version {version}")
        except (ValueError, SyntaxError, TypeError) as e:
            # numpy's own message may advise allow_pickle=True: never pass that on
            reason = "header too large" if "allow_pickle" in str(e) else str(e)
            raise ValueError(
                f"member {info.filename!r}: malformed .npy header ({reason})") from None
    if dtype.hasobject or dtype.kind not in "biufcU":
        raise ValueError(f"member {info.filename!r}: dtype {dtype} is not allowed in a model")
    m = _Member(info, tuple(int(d) for d in shape), dtype, bool(fortran))
    if m.nbytes > info.file_size:
        raise ValueError(f"member {info.filename!r} declares shape {m.shape} ({m.nbytes} bytes) "
                         f"but stores {info.file_size} bytes (truncated or forged)")
    return m


def _data(zf: zipfile.ZipFile, m: _Member) -> np.ndarray:
    with zf.open(m.info) as fh:  # reads at most the member's declared, checked size
        try:
            return np.lib.format.read_array(fh, allow_pickle=False)
        except ValueError as e:
            reason = "not plain numbers" if "allow_pickle" in str(e) else str(e)
            raise ValueError(f"member {m.info.filename!r}: unreadable array ({reason})") from None


def _members(zf: zipfile.ZipFile, max_bytes: int) -> dict[str, _Member]:
    infos = zf.infolist()
    if len(infos) > _MAX_MEMBERS:
        raise ValueError(f"{len(infos)} archive members (at most {_MAX_MEMBERS})")
    total = sum(i.file_size for i in infos)
    if total > max_bytes:
        raise ValueError(f"the archive unpacks to {total} bytes, more than the limit "
                         f"of {max_bytes} (pass max_bytes= to load larger models)")
    out = {}
    for info in infos:
        if not info.filename.endswith(".npy") or info.is_dir():
            raise ValueError(f"unexpected archive member {info.filename!r}")
        out[info.filename[:-4]] = _header(zf, info)
    return out


def _read(path: Path, max_bytes: int) -> tuple[Any, zipfile.ZipFile, dict[str, _Member]]:
    """(architecture record, open archive, array headers); nothing large is read yet."""
    zf = zipfile.ZipFile(path)
    try:
        members = _members(zf, max_bytes)
        meta_m = members.pop(_META, None)
        if meta_m is None:
            raise ValueError("no actlab architecture record (not a model saved by actlab)")
        if meta_m.dtype.kind != "U" or meta_m.shape != () or meta_m.nbytes > _MAX_META:
            raise ValueError("malformed architecture record")
        text = str(_data(zf, meta_m))
        try:
            meta = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as e:
            raise ValueError(f"architecture record is not valid JSON ({type(e).__name__})") from e
    except BaseException:
        zf.close()
        raise
    return meta, zf, members


def _declared_elements(config: Any) -> int:
    """An upper bound of the parameters a layer's config can allocate: 4 x the product of its
    integers (Dense in x out, Conv2d out x in x kernel, BatchNorm's four vectors, ...);
    activation parameters do not size anything and are skipped."""
    total = 4

    def walk(v: Any, depth: int = 0) -> None:
        nonlocal total
        if depth > 8:
            raise ValueError("layer config nested too deeply")
        if isinstance(v, bool):
            return
        if isinstance(v, int):
            total *= max(1, abs(v))
        elif isinstance(v, (list, tuple)):
            for item in v:
                walk(item, depth + 1)
        elif isinstance(v, dict):
            for k, item in v.items():
                if k != "params":
                    walk(item, depth + 1)

    walk(config)
    return total


def _check_sizes(config: Any, members: dict[str, _Member], max_bytes: int) -> None:
    """Refuse an architecture whose layers would allocate more than the limit, or much more
    than the arrays the file stores, *before* building it."""
    if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
        raise ValueError("the architecture record has no layer list")
    if len(config["layers"]) > _MAX_MEMBERS:
        raise ValueError(f"{len(config['layers'])} layers (at most {_MAX_MEMBERS})")
    itemsize = 8  # float64 at most; params and grads: x2
    for i, entry in enumerate(config["layers"]):
        if not isinstance(entry, dict):
            raise ValueError(f"layer {i}: malformed entry {entry!r:.60}")
        bound = _declared_elements(entry.get("config", {})) * itemsize * 2
        stored = sum(m.nbytes for k, m in members.items() if k.split(".", 1)[0] == str(i))
        if bound > max_bytes or (bound > _SMALL and bound > 64 * stored):
            raise ValueError(
                f"layer {i} ({entry.get('type')!r}) declares sizes that would allocate up to "
                f"{bound} bytes but the file stores {stored} bytes for it")


def load(path: str | os.PathLike, *, max_bytes: int = MAX_BYTES) -> Sequential:
    """Rebuild the model saved by :func:`save` at ``path``.

    The file is untrusted input: no code runs (no pickle), declared sizes are checked against
    the stored arrays and ``max_bytes`` (the total unpacked size) before anything is allocated,
    and every problem raises ``ValueError`` naming the path (``FileNotFoundError`` if missing).
    """
    path = Path(path)
    remove_stale(path)  # temporary files of saves that were killed
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.is_dir():
        raise IsADirectoryError(f"{path}: is a folder, not a model file")
    try:
        meta, zf, members = _read(path, max_bytes)
    except ValueError as e:
        raise ValueError(f"{path}: cannot read model file: {e}") from None
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error, KeyError, NotImplementedError,
            RuntimeError, OverflowError, MemoryError) as e:
        raise ValueError(f"{path}: corrupt or truncated model file ({type(e).__name__})") from None
    with zf:
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            found = meta.get("format") if isinstance(meta, dict) else None
            raise ValueError(f"{path}: unsupported format {found!r:.80} (expected {FORMAT!r})")
        config = meta.get("model")
        try:
            _check_sizes(config, members, max_bytes)
            model = Sequential.from_config(config)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError,
                RecursionError) as e:
            raise ValueError(f"{path}: incompatible architecture: {e}") from None
        expected = model.state()
        missing = sorted(set(expected) - set(members))
        extra = sorted(set(members) - set(expected))
        if missing or extra:
            raise ValueError(f"{path}: arrays do not match the architecture "
                             f"(missing {missing}, unexpected {extra[:10]})")
        for key, ref in expected.items():
            m = members[key]
            if m.shape != ref.shape or m.dtype != ref.dtype:
                raise ValueError(f"{path}: array {key!r} has shape {m.shape} and dtype "
                                 f"{m.dtype}; the architecture needs {ref.shape} and {ref.dtype}")
        try:
            arrays = {key: _data(zf, members[key]) for key in expected}
        except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error) as e:
            raise ValueError(f"{path}: corrupt or truncated model file "
                             f"({type(e).__name__})") from None
    for key, a in arrays.items():
        if a.dtype.kind == "f" and not np.isfinite(a).all():
            raise ValueError(f"{path}: array {key!r} holds NaN or infinite values")
    model.load_state(arrays)
    return model
