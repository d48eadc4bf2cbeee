"""Study runs as TensorBoard event files, written without TensorBoard or TensorFlow.

``write_tensorboard(results, logdir)`` writes one folder per run (``<label>/seed<k>``) holding one
``events.out.tfevents.*`` file: per-epoch scalars (``train/loss``, ``train/accuracy``,
``val/loss``, ``val/accuracy``) and the final ``test/loss`` and ``test/accuracy``. Open it with
``tensorboard --logdir LOGDIR``. The format is TFRecord framing (length, masked CRC-32C, data,
masked CRC-32C) around ``Event`` protocol buffers, encoded here by hand (a few fields only).
:func:`read_scalars` reads such a file back, checking every checksum.

>>> from actlab.report.tensorboard import crc32c
>>> hex(crc32c(b"123456789"))   # the standard CRC-32C check value
'0xe3069283'
"""

from __future__ import annotations

import re
import socket
import struct
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def _crc_table() -> list[int]:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1  # CRC-32C (Castagnoli), reflected
        table.append(c)
    return table


_TABLE = _crc_table()


def crc32c(data: bytes) -> int:
    """CRC-32C of ``data`` (``crc32c(b"123456789") == 0xE3069283``)."""
    c = 0xFFFFFFFF
    for b in data:
        c = _TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def _masked_crc(data: bytes) -> int:
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number: int, wire: int, payload: bytes) -> bytes:
    key = _varint(number << 3 | wire)
    return key + (_varint(len(payload)) + payload if wire == 2 else payload)


def _event(wall_time: float, step: int, *, version: str | None = None,
           scalars: dict[str, float] | None = None) -> bytes:
    """An ``Event``: wall_time (1, double), step (2, int64), file_version (3) or summary (5)
    of ``Summary.Value`` (1) entries with tag (1) and simple_value (2, float)."""
    msg = _field(1, 1, struct.pack("<d", wall_time)) + _field(2, 0, _varint(step))
    if version is not None:
        msg += _field(3, 2, version.encode())
    if scalars:
        values = b"".join(_field(1, 2, _field(1, 2, tag.encode()) +
                                 _field(2, 5, struct.pack("<f", v))) for tag, v in scalars.items())
        msg += _field(5, 2, values)
    return msg


def _record(data: bytes) -> bytes:
    length = struct.pack("<Q", len(data))
    return (length + struct.pack("<I", _masked_crc(length)) + data
            + struct.pack("<I", _masked_crc(data)))


def _folder(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.=,+-]+", "_", text).strip("._") or "run"


def write_tensorboard(results: Iterable[Any], logdir: str | Path) -> list[Path]:
    """One event file per run (``RunResult`` records); returns the files written."""
    logdir = Path(logdir)
    written = []
    for r in results:
        folder = logdir / _folder(r.config.label()) / f"seed{int(r.config.seed)}"
        folder.mkdir(parents=True, exist_ok=True)
        now = time.time()
        events = [_event(now, 0, version="brain.Event:2")]
        for e in r.epochs:
            values = {"train/loss": e.train_loss, "train/accuracy": e.train_accuracy,
                      "val/loss": e.val_loss, "val/accuracy": e.val_accuracy}
            events.append(_event(now, int(e.epoch), scalars={
                k: float(v) for k, v in values.items() if v is not None}))
        final = {"test/loss": r.test_loss, "test/accuracy": r.test_accuracy}
        events.append(_event(now, int(r.epochs_run), scalars={
            k: float(v) for k, v in final.items() if v is not None}))
        path = folder / f"events.out.tfevents.{int(now)}.{_folder(socket.gethostname())}"
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(b"".join(_record(ev) for ev in events))
        tmp.replace(path)
        written.append(path)
    return written


# --------------------------------------------------------------------------- reading back
def _read_varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = n = 0
    while True:
        b = buf[i]
        n |= (b & 0x7F) << shift
        i, shift = i + 1, shift + 7
        if not b & 0x80:
            return n, i


def _fields(buf: bytes) -> Iterable[tuple[int, Any]]:
    i = 0
    while i < len(buf):
        key, i = _read_varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _read_varint(buf, i)
        elif wire == 1:
            value, i = buf[i:i + 8], i + 8
        elif wire == 5:
            value, i = buf[i:i + 4], i + 4
        elif wire == 2:
            n, i = _read_varint(buf, i)
            value, i = buf[i:i + n], i + n
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        yield number, value


def read_scalars(path: str | Path) -> dict[str, list[tuple[int, float]]]:
    """``{tag: [(step, value), ...]}`` from an event file; a bad checksum raises ValueError."""
    data = Path(path).read_bytes()
    out: dict[str, list[tuple[int, float]]] = {}
    i = 0
    while i < len(data):
        if len(data) - i < 12:
            raise ValueError(f"{path}: truncated record at byte {i}")
        header = data[i:i + 8]
        (n,) = struct.unpack("<Q", header)
        if struct.unpack("<I", data[i + 8:i + 12])[0] != _masked_crc(header):
            raise ValueError(f"{path}: bad length checksum at byte {i}")
        body = data[i + 12:i + 12 + n]
        if len(body) != n or struct.unpack("<I", data[i + 12 + n:i + 16 + n])[0] != \
                _masked_crc(body):
            raise ValueError(f"{path}: bad data checksum at byte {i}")
        i += 16 + n
        step = 0
        for number, value in _fields(body):
            if number == 2:
                step = value
            elif number == 5:
                for _, v in _fields(value):
                    entry = dict(_fields(v))
                    tag = entry[1].decode()
                    out.setdefault(tag, []).append((step, struct.unpack("<f", entry[2])[0]))
    return out
