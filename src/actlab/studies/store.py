"""SQLite storage of finished runs: one row per run in ``runs``, with ``epochs`` and ``layers``.

Crash safety: the database is in WAL mode and each run (its ``runs`` row with all its
``epochs`` and ``layers`` rows) is written in one transaction, so a process killed at any moment
(SIGKILL included) leaves every committed run readable and no half-written run behind. Runs are
keyed by :attr:`RunConfig.key`, the hash of the full configuration; writing a key again
replaces that run.

>>> from actlab.studies.store import Store
>>> import tempfile, os
>>> from actlab.studies.records import RunConfig, RunResult
>>> path = os.path.join(tempfile.mkdtemp(), "r.sqlite")
>>> with Store(path) as store:
...     r = RunResult(RunConfig("digits", "relu"), "finished", 0.1, 0.97, 0.05, 0.99, 3, 1, 0.5)
...     store.put(r)
...     store.get(r.key) == r, len(store)
(True, 1)
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

from . import lock
from .records import EpochStats, LayerStats, RunConfig, RunResult, encode

_CONFIG_COLUMNS = [f.name for f in fields(RunConfig)]
_RESULT_COLUMNS = ["status", "test_loss", "test_accuracy", "train_loss", "train_accuracy",
                   "epochs_run", "epochs_to_target", "wall_seconds", "selected_epoch",
                   "val_loss", "val_accuracy", "size_train", "size_validation", "size_test"]
_EPOCH_COLUMNS = [f.name for f in fields(EpochStats)]
_LAYER_COLUMNS = [f.name for f in fields(LayerStats)]


def _sql_type(name: str) -> str:
    if name in ("dataset", "activation", "init", "optimizer", "loss", "output", "dtype", "status",
                "activation_params"):
        return "TEXT"
    if name in ("seed", "depth", "width", "epochs", "batch_size", "n_train", "probe_size",
                "stop_at_target",
                "version", "epochs_run", "epochs_to_target", "epoch", "layer", "units",
                "selected_epoch", "size_train", "size_validation", "size_test"):
        return "INTEGER"
    return "REAL"


_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS runs (
    key TEXT PRIMARY KEY,
    {", ".join(f"{c} {_sql_type(c)}" for c in _CONFIG_COLUMNS)},
    {", ".join(f"{c} {_sql_type(c)}" for c in _RESULT_COLUMNS)},
    flags TEXT, extra TEXT, message TEXT, config_json TEXT NOT NULL, finished_at TEXT
);
CREATE TABLE IF NOT EXISTS epochs (
    key TEXT NOT NULL REFERENCES runs(key) ON DELETE CASCADE,
    {", ".join(f"{c} {_sql_type(c)}" for c in _EPOCH_COLUMNS)},
    PRIMARY KEY (key, epoch)
);
CREATE TABLE IF NOT EXISTS layers (
    key TEXT NOT NULL REFERENCES runs(key) ON DELETE CASCADE,
    {", ".join(f"{c} {'TEXT' if c == 'activation' else _sql_type(c)}" for c in _LAYER_COLUMNS)},
    PRIMARY KEY (key, epoch, layer)
);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, json TEXT NOT NULL, updated TEXT);
"""
_INDEX = "CREATE INDEX IF NOT EXISTS runs_by_activation ON runs (dataset, activation, seed)"


def _sql(value: Any) -> Any:
    """SQLite cannot store NaN (it becomes NULL anyway); say so explicitly."""
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return _sql(value.item())
    return value


class Store:
    """A results database. Use as a context manager, or call :meth:`close`."""

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire(self.path)  # one process per database: no run is trained twice
        self._conn = None
        try:
            self._conn = sqlite3.connect(str(self.path), timeout=timeout)
            self._open()
        except BaseException:
            self.close()
            raise

    def _open(self) -> None:
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL survives process kills
        self._conn.execute("PRAGMA foreign_keys=ON")
        with self._conn:
            self._conn.executescript(_SCHEMA)
            self._add_missing_columns()
            self._conn.execute(_INDEX)

    def _add_missing_columns(self) -> None:
        """A database written by an older actlab lacks the newer columns: add them (empty).

        Its old runs keep their old configuration keys, so they are simply never reused."""
        texts = ("flags", "extra", "message", "finished_at")
        for table, cols in (("runs", [*_CONFIG_COLUMNS, *_RESULT_COLUMNS, *texts]),
                            ("epochs", _EPOCH_COLUMNS), ("layers", _LAYER_COLUMNS)):
            have = {r[1] for r in self._conn.execute(f"PRAGMA table_info({table})")}
            for c in cols:
                if c not in have:
                    text = c in texts or (table == "layers" and c == "activation")
                    kind = "TEXT" if text else _sql_type(c)
                    self._conn.execute(f"ALTER TABLE {table} ADD COLUMN {c} {kind}")

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None  # type: ignore[assignment]
        if not getattr(self, "_released", False):
            self._released = True
            lock.release(self.path)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ runs
    def put(self, result: RunResult) -> None:
        """Write one run and its epoch/layer rows atomically (one transaction, committed)."""
        cfg = result.config.to_dict()
        row = {c: cfg[c] for c in _CONFIG_COLUMNS}
        row["activation_params"] = json.dumps(cfg["activation_params"], sort_keys=True)
        for c in _RESULT_COLUMNS:
            row[c] = getattr(result, c)
        row.update(
            key=result.key,
            flags=json.dumps(list(result.flags)),
            extra=json.dumps(encode(dict(result.extra)), sort_keys=True),
            message=result.message,
            config_json=json.dumps(cfg, sort_keys=True),
            finished_at=time.strftime("%Y-%m-%dT%H:%M:%S"),
        )
        cols = list(row)
        with self._conn:  # one transaction: all rows of this run, or none
            self._conn.execute("DELETE FROM runs WHERE key = ?", (result.key,))
            self._conn.execute(
                f"INSERT INTO runs ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                [_sql(row[c]) for c in cols],
            )
            self._conn.executemany(
                f"INSERT INTO epochs (key, {', '.join(_EPOCH_COLUMNS)}) "
                f"VALUES ({', '.join('?' * (len(_EPOCH_COLUMNS) + 1))})",
                [[result.key, *(_sql(getattr(e, c)) for c in _EPOCH_COLUMNS)]
                 for e in result.epochs],
            )
            self._conn.executemany(
                f"INSERT INTO layers (key, {', '.join(_LAYER_COLUMNS)}) "
                f"VALUES ({', '.join('?' * (len(_LAYER_COLUMNS) + 1))})",
                [[result.key, *(_sql(getattr(r, c)) for c in _LAYER_COLUMNS)]
                 for r in result.layers],
            )

    def __contains__(self, key: object) -> bool:
        cur = self._conn.execute("SELECT 1 FROM runs WHERE key = ?", (key,))
        return cur.fetchone() is not None

    def __len__(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0])

    def keys(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT key FROM runs ORDER BY rowid")]

    def finished(self, keys: Iterable[str]) -> set[str]:
        """The subset of ``keys`` already stored."""
        wanted = list(keys)
        have: set[str] = set()
        for i in range(0, len(wanted), 500):
            chunk = wanted[i:i + 500]
            q = f"SELECT key FROM runs WHERE key IN ({', '.join('?' * len(chunk))})"
            have.update(r[0] for r in self._conn.execute(q, chunk))
        return have

    def get(self, key: str) -> RunResult | None:
        """The stored run ``key`` (``None`` if absent); a tampered or corrupt row raises
        ``ValueError`` naming the database."""
        try:
            return self._get(key)
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as e:
            raise ValueError(f"{self.path}: stored run {key!r} is corrupt ({type(e).__name__}: "
                             f"{e}); move the database away to train the runs again") from None

    def _get(self, key: str) -> RunResult | None:
        row = self._conn.execute(
            f"SELECT config_json, {', '.join(_RESULT_COLUMNS)}, flags, extra, message "
            "FROM runs WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        config = RunConfig.from_dict(json.loads(row[0]))
        res = dict(zip(_RESULT_COLUMNS, row[1:1 + len(_RESULT_COLUMNS)]))
        for c in ("size_train", "size_validation", "size_test"):
            res[c] = int(res[c] or 0)
        flags, extra, message = row[1 + len(_RESULT_COLUMNS):]
        epochs = tuple(
            EpochStats(**dict(zip(_EPOCH_COLUMNS, r))) for r in self._conn.execute(
                f"SELECT {', '.join(_EPOCH_COLUMNS)} FROM epochs WHERE key = ? ORDER BY epoch",
                (key,))
        )
        layers = tuple(
            LayerStats(**dict(zip(_LAYER_COLUMNS, r))) for r in self._conn.execute(
                f"SELECT {', '.join(_LAYER_COLUMNS)} FROM layers WHERE key = ? "
                "ORDER BY epoch, layer", (key,))
        )
        extra_d = {k: float(v) for k, v in json.loads(extra or "{}").items() if v is not None}
        return RunResult(config=config, epochs=epochs, layers=layers,
                         flags=tuple(json.loads(flags or "[]")), extra=tuple(extra_d.items()),
                         message=message or "", **res)

    def results(self, keys: Iterable[str] | None = None) -> list[RunResult]:
        """Stored runs for ``keys`` in that order (missing keys skipped), or all runs."""
        wanted = self.keys() if keys is None else list(keys)
        out = []
        for k in wanted:
            r = self.get(k)
            if r is not None:
                out.append(r)
        return out

    def __iter__(self) -> Iterator[RunResult]:
        return iter(self.results())

    # ------------------------------------------------------------------ metadata
    def put_meta(self, name: str, value: Any) -> None:
        """Store a JSON document (a study description, claim verdicts) under ``name``."""
        with self._conn:
            self._conn.execute(
                "INSERT OR REPLACE INTO meta (name, json, updated) VALUES (?, ?, ?)",
                (name, json.dumps(encode(value), sort_keys=True),
                 time.strftime("%Y-%m-%dT%H:%M:%S")))

    def get_meta(self, name: str, default: Any = None) -> Any:
        row = self._conn.execute("SELECT json FROM meta WHERE name = ?", (name,)).fetchone()
        return default if row is None else json.loads(row[0])

    def meta_names(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT name FROM meta ORDER BY name")]
