"""What a search leaves behind: ``search.json``, the candidate log (CSV and SQLite), and
:func:`load_search`, which registers the finalists so ``actlab.get("found_...")`` works.

``search.json`` holds at least ``dataset``, ``space``, ``candidates`` (generated), ``evaluated``
(trained at least once), ``discarded`` (each with its reason), ``finalists`` and ``baselines``
(each: ``expression`` or ``activation``, ``test_accuracy`` and ``delta_vs_relu`` as
``{mean, low, high}`` in percentage points, ``seeds``, ``lr``), ``transfer``, ``verdict`` (one
sentence) and ``seconds``. Files are written atomically.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..._util_files import atomic_open, atomic_write
from ..._util_codec import encode
from .screen import Candidate
from .space import read_json

SEARCH_JSON = "search.json"
CANDIDATES_CSV = "candidates.csv"
CANDIDATES_DB = "candidates.sqlite"
MAX_JSON_BYTES = 64 * 1024 * 1024  #: largest search.json read back
NAME_PREFIX = "found_"


def found_name(formula: str) -> str:
    """The registry name of a found formula: ``found_`` and 8 hex digits of its SHA-256.

    >>> found_name("x * sigmoid(x)")
    'found_8043eb02'
    """
    return NAME_PREFIX + hashlib.sha256(formula.encode("utf-8")).hexdigest()[:8]


def _stage_reached(c: Candidate) -> int | None:
    return max(c.scores) if c.scores else None


_COLUMNS = ("order", "name", "expression", "status", "kind", "reason", "stage_reached")


def candidate_rows(pool: Sequence[Candidate], stages: int,
                   finalists: Sequence[str]) -> list[dict[str, Any]]:
    """One row per generated candidate: what became of it and its score in every stage."""
    fin = set(finalists)
    rows = []
    for c in pool:
        status = c.status if c.status == "discarded" else (
            "finalist" if c.formula in fin else "trained" if c.scores else "not trained")
        row = {"order": c.order, "name": found_name(c.formula), "expression": c.formula,
               "status": status, "kind": c.kind, "reason": c.reason,
               "stage_reached": _stage_reached(c)}
        for i in range(stages):
            row[f"score_stage{i}"] = c.scores.get(i)
        rows.append(row)
    return rows


def write_candidate_log(out: Path, rows: Sequence[Mapping[str, Any]], stages: int) -> None:
    """``candidates.csv`` and ``candidates.sqlite`` (table ``candidates``), both atomically."""
    cols = [*_COLUMNS, *(f"score_stage{i}" for i in range(stages))]
    with atomic_open(out / CANDIDATES_CSV, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for r in rows:
            w.writerow(["" if r.get(k) is None else r.get(k) for k in cols])
    fd, tmp = tempfile.mkstemp(prefix=".candidates-", suffix=".sqlite", dir=out)
    os.close(fd)
    try:
        con = sqlite3.connect(tmp)
        try:
            types = {"order": "INTEGER", "stage_reached": "INTEGER"}
            decl = ", ".join(f'"{k}" {types.get(k, "REAL" if k.startswith("score") else "TEXT")}'
                             for k in cols)
            with con:
                con.execute(f"CREATE TABLE candidates ({decl})")
                con.executemany(
                    f"INSERT INTO candidates VALUES ({', '.join('?' * len(cols))})",
                    [[r.get(k) for k in cols] for r in rows])
        finally:
            con.close()
        os.replace(tmp, out / CANDIDATES_DB)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_search_json(out: Path, data: Mapping[str, Any]) -> Path:
    path = out / SEARCH_JSON
    atomic_write(path, json.dumps(encode(dict(data)), indent=1, allow_nan=False) + "\n")
    return path


def read_search_json(out: str | os.PathLike[str]) -> dict[str, Any]:
    """``OUT/search.json`` (or the file itself), size-bounded; ``ValueError`` if unreadable."""
    path = Path(out)
    if path.is_dir():
        path = path / SEARCH_JSON
    if not path.exists():
        raise FileNotFoundError(f"no search results at {path} (run actlab search first)")
    data = read_json(path, MAX_JSON_BYTES)
    if not isinstance(data, dict) or not isinstance(data.get("finalists"), list):
        raise ValueError(f"{path} is not a search result (no 'finalists' list)")
    return data


def load_search(out: str | os.PathLike[str]) -> dict[str, Any]:
    """Register the finalists of the search in ``out`` under their ``found_...`` names and
    return ``{name: activation}``; each formula is re-parsed by the whitelist grammar (the
    file never runs code).

    After it, ``actlab.get(name)`` works, as does ``expr:<expression>`` anywhere an activation
    is named (``actlab train --activation``, ``actlab compare --activations``).
    """
    import actlab

    data = read_search_json(out)
    found: dict[str, Any] = {}
    for i, f in enumerate(data["finalists"]):
        if not isinstance(f, dict) or not isinstance(f.get("expression"), str):
            raise ValueError(f"search.json: finalists[{i}] has no expression")
        name = f.get("name") or found_name(f["expression"])
        if not isinstance(name, str) or not name.startswith(NAME_PREFIX):
            raise ValueError(f"search.json: finalists[{i}] name {name!r} must start with "
                             f"{NAME_PREFIX!r}")
        try:
            found[name] = actlab.define(f["expression"], name=name)
        except (ValueError, TypeError) as e:
            raise ValueError(f"search.json: finalists[{i}]: {e}") from None
    return found
