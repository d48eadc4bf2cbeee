"""Study runs as TensorBoard event files: read back (own reader, and TensorBoard's if present)."""

from __future__ import annotations

import pytest

from actlab.report.tensorboard import crc32c, read_scalars, write_tensorboard
from actlab.studies.records import EpochStats, RunConfig, RunResult


def _runs() -> list[RunResult]:
    return [RunResult(RunConfig("digits", act, seed=s), "finished", 0.25 + s, 0.5 if act else None,
                      0.2, 0.6, 2, None, 0.0,
                      epochs=(EpochStats(1, 1.5 + s, 0.4, 1.25, 0.375, 0.0),
                              EpochStats(2, 0.75, 0.5, 1.0, None, 0.0)))
            for act in ("relu", "tanh") for s in (0, 1)]


def test_crc32c_check_value():
    assert crc32c(b"123456789") == 0xE3069283  # the standard CRC-32C check value


def test_written_scalars_read_back(tmp_path):
    files = write_tensorboard(_runs(), tmp_path)
    assert len(files) == 4 and len({f.parent for f in files}) == 4
    got = read_scalars(files[1])  # relu, seed 1
    assert got["train/loss"] == [(1, 2.5), (2, 0.75)]
    assert got["val/accuracy"] == [(1, 0.375)]  # a missing value is not written
    assert got["test/loss"] == [(2, 1.25)] and got["test/accuracy"] == [(2, 0.5)]
    data = bytearray(files[1].read_bytes())
    data[-5] ^= 1  # corrupt the last record
    files[1].write_bytes(bytes(data))
    with pytest.raises(ValueError, match="checksum"):
        read_scalars(files[1])


def test_tensorboard_reads_them(tmp_path):
    loader = pytest.importorskip("tensorboard.backend.event_processing.event_file_loader")
    files = write_tensorboard(_runs()[:1], tmp_path)
    events = list(loader.LegacyEventFileLoader(str(files[0])).Load())
    assert events[0].file_version == "brain.Event:2"
    scalars = [(e.step, v.tag, v.simple_value) for e in events for v in e.summary.value]
    assert (1, "train/loss", 1.5) in scalars and (2, "test/loss", 0.25) in scalars
