"""Hostile model, IDX/gzip and MNIST files: a clear error naming the file, bounded memory."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from actlab.data import mnist, read_idx
from actlab.nn import load, save

from . import corpus as C

PEAK = 64 * 2**20  # no hostile file may make a reader allocate more than this


def _check(reader, path, expected, **kw):
    tracemalloc.start()
    try:
        with pytest.raises(expected) as info:
            reader(path, **kw)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(info.value)
    assert path.name in message, message
    assert "allow_pickle" not in message and "\n" not in message
    assert peak < PEAK, f"{peak / 2**20:.0f} MB allocated"
    return message


@pytest.mark.parametrize("name,make,expected", C.MODEL_CASES, ids=[c[0] for c in C.MODEL_CASES])
def test_hostile_model_file(tmp_path, name, make, expected):
    _check(load, make(tmp_path), expected)


@pytest.mark.parametrize("name,make,expected", C.BOMB_CASES, ids=[c[0] for c in C.BOMB_CASES])
def test_deflate_bomb_refused_before_inflating(tmp_path, name, make, expected):
    msg = _check(load, make(tmp_path), expected, max_bytes=C.BOMB_LIMIT)
    assert "limit" in msg


@pytest.mark.parametrize("name,make,expected", C.IDX_CASES, ids=[c[0] for c in C.IDX_CASES])
def test_hostile_idx_file(tmp_path, name, make, expected):
    _check(read_idx, make(tmp_path), expected)


def test_good_files_still_load(tmp_path):
    m = C.good_model()
    back = load(save(m, tmp_path / "m.npz"))
    for a, b in zip(m.parameters(), back.parameters(), strict=True):
        np.testing.assert_array_equal(a, b)
    arr = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "a.idx").write_bytes(C.idx_bytes(arr))
    np.testing.assert_array_equal(read_idx(tmp_path / "a.idx"), arr)
    with pytest.raises(ValueError, match="limit"):
        read_idx(tmp_path / "a.idx", max_bytes=10)


def test_gzip_bomb_in_an_mnist_folder(tmp_path):
    """A bomb under a canonical MNIST name: refused by its checksum before inflating, and
    bounded by its header with verify=False."""
    bomb = C._gzip_bomb(tmp_path)
    for stem in C_MNIST:
        (tmp_path / f"{stem}.gz").write_bytes(bomb.read_bytes())
    for verify, match in ((True, "SHA-256"), (False, "more than")):
        tracemalloc.start()
        try:
            with pytest.raises(ValueError, match=match):
                mnist(tmp_path, verify=verify)
            assert tracemalloc.get_traced_memory()[1] < PEAK
        finally:
            tracemalloc.stop()


C_MNIST = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
           "t10k-labels-idx1-ubyte")


def test_killed_saves_leave_no_tmp_files_behind(tmp_path):
    """Temporary files of killed saves (no writer holds their lock) go at the next save or
    load; the saved file honours the umask."""
    import os

    target = tmp_path / "m.npz"
    stale = [tmp_path / f".m.npz.dead{i}.tmp" for i in range(3)]
    for p in stale:
        p.write_bytes(b"x" * 1000)
        os.utime(p, (0, 0))  # old: not a writer that is just starting
    save(C.good_model(), target)
    assert not any(p.exists() for p in stale)
    old = os.umask(0o027)
    try:
        save(C.good_model(), target)
    finally:
        os.umask(old)
    assert target.stat().st_mode & 0o777 == 0o640
    stale[0].write_bytes(b"x")
    os.utime(stale[0], (0, 0))
    load(target)
    assert not stale[0].exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]


@pytest.mark.parametrize("sql", [
    "UPDATE runs SET config_json = '{nope'",
    "UPDATE runs SET config_json = '" + "[" * 100000 + "]" * 100000 + "'",
    "UPDATE runs SET flags = '{'",
    "UPDATE runs SET extra = '[1]'",
])
def test_tampered_results_database(tmp_path, sql):
    import sqlite3

    from actlab.studies.records import RunConfig, RunResult
    from actlab.studies.store import Store

    db = tmp_path / "results.sqlite"
    r = RunResult(RunConfig("digits", "relu"), "finished", 0.1, 0.97, 0.05, 0.99, 3, 1, 0.5)
    with Store(db) as store:
        store.put(r)
    con = sqlite3.connect(db)
    con.execute(sql)
    con.commit()
    con.close()
    with Store(db) as store, pytest.raises(ValueError, match="results.sqlite.*corrupt"):
        store.get(r.key)


def test_links_and_fifos_named_like_temporary_files(tmp_path):
    """Only regular files are cleaned up (opening a FIFO of that name blocked every later
    save); a symlink is never followed, and a target that is a symlink is replaced by the
    new file, never written through."""
    import os

    from actlab._util_files import atomic_write

    outside = tmp_path / "outside.txt"
    outside.write_text("keep")
    folder = tmp_path / "out"
    folder.mkdir()
    fifo, link = folder / ".r.txt.a.tmp", folder / ".r.txt.b.tmp"
    os.mkfifo(fifo)
    link.symlink_to(outside)
    for p in (fifo, link):
        os.utime(p, (0, 0), follow_symlinks=False)
    (folder / "r.txt").symlink_to(outside)
    atomic_write(folder / "r.txt", "new")  # returned (it hung on the FIFO)
    assert (folder / "r.txt").read_text() == "new" and not (folder / "r.txt").is_symlink()
    assert outside.read_text() == "keep" and fifo.exists() and link.is_symlink()
