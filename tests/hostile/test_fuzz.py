"""Fuzz targets for the model loader and the IDX reader (hypothesis; brief in CI).

Every input must give a result or a ``ValueError`` (``FileNotFoundError`` never, since the file
exists); nothing else, no warning. ``ACTLAB_FUZZ_EXAMPLES=100000`` runs longer campaigns:
``ACTLAB_FUZZ_EXAMPLES=20000 pytest tests/hostile/test_fuzz.py``.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actlab.data import parse_idx, read_idx
from actlab.nn import load, save
from actlab.nn.serialize import FORMAT

from . import corpus as C

EXAMPLES = int(os.environ.get("ACTLAB_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=EXAMPLES <= 150,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
LIMIT = 2**22  # 4 MB: what a fuzzed file may make a reader unpack

_DIR = Path(tempfile.mkdtemp(prefix="actlab-fuzz-"))
GOOD = save(C.good_model(), _DIR / "good.npz").read_bytes()
with zipfile.ZipFile(io.BytesIO(GOOD)) as _z:
    MEMBERS = {n: _z.read(n) for n in _z.namelist()}


def _load_bytes(data: bytes, **kw):
    path = _DIR / "fuzz.npz"
    path.write_bytes(data)
    try:
        return load(path, **kw)
    except ValueError as exc:
        assert "fuzz.npz" in str(exc) and "allow_pickle" not in str(exc)
        return None


@st.composite
def mutated(draw, base: bytes) -> bytes:
    """``base`` with a few bytes flipped, a slice cut out or inserted, or truncated."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "truncate"]))
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[i] ^= draw(st.integers(1, 255))
        elif kind == "cut":
            del data[i:i + draw(st.integers(1, 64))]
        elif kind == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=32))
        else:
            del data[i:]
    return bytes(data)


@FUZZ
@given(data=mutated(GOOD))
def test_fuzz_model_file_bytes(data):
    _load_bytes(data, max_bytes=LIMIT)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["layers", "type", "config", "in_features", "out_features", "seed",
                         "dtype", "name", "params", "bias", "kernel_size", "x"]), inner,
        max_size=4),
    max_leaves=20)
LAYER = st.fixed_dictionaries({
    "type": st.sampled_from(["Dense", "Activation", "Conv2d", "BatchNorm", "PReLU", "Flatten",
                             "Dropout", "Nope"]),
    "config": st.dictionaries(st.sampled_from(["in_features", "out_features", "name", "alpha",
                                               "in_channels", "out_channels", "kernel_size",
                                               "num_features", "p", "init", "bias"]),
                              JSON, max_size=4)})


@FUZZ
@given(config=st.one_of(JSON, st.fixed_dictionaries(
    {"layers": st.lists(LAYER, max_size=3), "seed": JSON, "dtype": JSON})))
def test_fuzz_model_architecture_record(config):
    members = dict(MEMBERS)
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.array(json.dumps({"format": FORMAT, "model": config})))
    members["__actlab__.npy"] = buf.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for k, v in members.items():
            zf.writestr(k, v)
    _load_bytes(out.getvalue(), max_bytes=LIMIT)


IDX_GOOD = C.idx_bytes(np.arange(60, dtype=np.int16).reshape(3, 4, 5), 0x0B)


@FUZZ
@given(data=st.one_of(mutated(IDX_GOOD), st.binary(max_size=64)), packed=st.booleans())
def test_fuzz_idx_reader(data, packed):
    try:
        arr = parse_idx(data, "fuzz.idx", max_bytes=LIMIT)
        assert arr.dtype.isnative
    except ValueError as exc:
        assert "fuzz.idx" in str(exc)
    path = _DIR / "fuzz.gz"
    path.write_bytes(gzip.compress(data) if packed else data)
    try:
        read_idx(path, max_bytes=LIMIT)
    except ValueError as exc:
        assert "fuzz.gz" in str(exc)


@FUZZ
@given(data=mutated(gzip.compress(IDX_GOOD)))
def test_fuzz_gzip_stream(data):
    path = _DIR / "fuzz2.gz"
    path.write_bytes(data)
    try:
        read_idx(path, max_bytes=LIMIT)
    except ValueError as exc:
        assert "fuzz2.gz" in str(exc)


TOKENS = ["x", "beta", "1", "0", "2.5", "1e300", "-", "+", "*", "/", "**", "(", ")", ",", "<",
          "exp(", "log(", "sqrt(", "sinh(", "cosh(", "sin(", "tanh(", "erfc(", "abs(", "max(",
          "where(", "sigmoid(", "softplus(", "gelu(", "elu(", "alpha=", "64", "65", "__import__",
          "os", ".", "[", "]", "lambda", ":", "'", "@", "if", "else", " "]


@FUZZ
@given(tokens=st.lists(st.sampled_from(TOKENS), max_size=30))
def test_fuzz_formula_text(tokens):
    """A formula from grammar tokens and hostile ones: an activation or a ValueError."""
    import actlab

    try:
        f = actlab.define("".join(tokens), beta=1.0)
    except ValueError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    y = f(np.linspace(-5, 5, 11))
    assert y.shape == (11,)
