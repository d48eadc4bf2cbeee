"""``save``/``load``: one ``.npz`` file, arrays plus a JSON architecture, no pickle.

The file holds ``__actlab__`` (a JSON string: format tag, ``Sequential.config()`` with every
layer's type and constructor arguments, activation parameters included) and one array per
parameter/buffer named ``"<layer index>.params.<key>"`` / ``"<layer index>.buffers.<key>"``.
It is written to a temporary file in the target directory and moved into place with
``os.replace``, so a crash never leaves a half-written model under the final name. ``load``
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

from .._util_files import atomic_open
from .model import Sequential

FORMAT = "actlab.nn.Sequential/1"
_META = "__actlab__"


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


def _read(path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    try:
        # open the file ourselves: np.load leaks its handle when the zip is corrupt
        with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as npz:
            if _META not in npz.files:
                raise ValueError("no actlab architecture record (not a model saved by actlab)")
            meta_arr = npz[_META]
            arrays = {k: npz[k] for k in npz.files if k != _META}
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file") from None
    except ValueError as e:
        raise ValueError(f"{path}: cannot read model file: {e}") from e
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error, KeyError) as e:
        kind = type(e).__name__
        raise ValueError(f"{path}: corrupt or truncated model file ({kind}: {e})") from e
    if meta_arr.dtype.kind != "U" or meta_arr.ndim != 0:
        raise ValueError(f"{path}: malformed architecture record")
    try:
        meta = json.loads(str(meta_arr))
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: architecture record is not valid JSON ({e})") from e
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else None
        raise ValueError(f"{path}: unsupported format {found!r} (expected {FORMAT!r})")
    return meta, arrays


def load(path: str | os.PathLike) -> Sequential:
    """Rebuild the model saved by :func:`save` at ``path``."""
    path = Path(path)
    meta, arrays = _read(path)
    config = meta.get("model")
    try:
        model = Sequential.from_config(config)
    except (ValueError, TypeError, KeyError) as e:
        raise ValueError(f"{path}: incompatible architecture: {e}") from e
    expected = model.state()
    missing = sorted(set(expected) - set(arrays))
    extra = sorted(set(arrays) - set(expected))
    if missing or extra:
        raise ValueError(f"{path}: arrays do not match the architecture "
                         f"(missing {missing}, unexpected {extra})")
    for key, ref in expected.items():
        a = arrays[key]
        if a.shape != ref.shape or a.dtype != ref.dtype:
            raise ValueError(f"{path}: array {key!r} has shape {a.shape} and dtype {a.dtype}; "
                             f"the architecture needs {ref.shape} and {ref.dtype}")
    model.load_state(arrays)
    return model
