"""Plain frozen records of study runs: what was run, what was measured, what was concluded.

Every record round-trips through JSON (``to_dict``/``from_dict``); the SQLite store, the CSV
export, the plots and the HTML report all read these records and nothing else.

Non-finite floats are written to JSON as the strings ``"nan"``, ``"inf"`` and ``"-inf"`` (the
convention of :meth:`actlab.activations.spec.Info.to_dict`), so a diverged run stays valid JSON.

>>> cfg = RunConfig(dataset="digits", activation="relu", seed=3)
>>> RunConfig.from_dict(cfg.to_dict()) == cfg
True
>>> len(cfg.key)
16
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Literal

import numpy as np

from .._util_html import HTMLRepr
from ..nn.callbacks import EpochRecord

#: Bump when the meaning of a stored run changes; old runs then no longer match any key.
RECORD_VERSION = 1

Status = Literal["finished", "diverged"]
Verdict = Literal["supported", "not supported", "inconclusive"]


def encode(value: Any) -> Any:
    """JSON-safe copy of ``value``: non-finite floats become strings, tuples become lists."""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, Mapping):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, np.generic):
        return encode(value.item())
    return value


def _float(value: Any) -> float | None:
    """Inverse of :func:`encode` for one optional float."""
    if value is None:
        return None
    if isinstance(value, str):
        return float(value)  # "nan", "inf", "-inf"
    return float(value)


def _pairs(value: Any) -> tuple[tuple[str, Any], ...]:
    items = value.items() if isinstance(value, Mapping) else value
    return tuple(sorted((str(k), v) for k, v in items))


# --------------------------------------------------------------------------- configuration
@dataclass(frozen=True)
class RunConfig:
    """The full configuration of one training run; :attr:`key` hashes all of it.

    ``depth`` counts hidden layers of ``width`` units, each a Dense layer followed by
    ``activation``. ``init="auto"`` lets the engine choose the initializer the activation's
    property sheet recommends; ``"variance_scaling:<scale>:<mode>:<distribution>"`` initialises
    the hidden layers' weights with that variance (``"variance_scaling:0.333:fan_in:uniform"``
    is the "standard" U[-1/sqrt(n), 1/sqrt(n)] of Glorot & Bengio). ``momentum`` is used by SGD.
    ``output="auto"`` means the loss decides the output layer (softmax cross-entropy on logits
    for classification, identity for regression); ``"sigmoid"`` etc. add that activation after
    the last Dense layer.
    ``target_error`` is the training error whose first crossing gives ``epochs_to_target``
    (``stop_at_target`` ends training there).
    ``n_train`` subsamples the training set (``None``: all of it).
    """

    dataset: str
    activation: str
    seed: int = 0
    activation_params: tuple[tuple[str, Any], ...] = ()
    depth: int = 4
    width: int = 64
    init: str = "auto"
    bias_init: float = 0.0
    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.0
    epochs: int = 10
    batch_size: int = 64
    loss: str = "auto"
    output: str = "auto"
    l1: float = 0.0
    l2: float = 0.0
    clip_norm: float | None = None
    target_error: float = 0.25
    stop_at_target: bool = False
    n_train: int | None = None
    probe_size: int = 256
    dtype: str = "float32"
    version: int = RECORD_VERSION

    def __post_init__(self) -> None:
        object.__setattr__(self, "activation_params", _pairs(self.activation_params))

    @property
    def params(self) -> dict[str, Any]:
        """``activation_params`` as a dict (the keyword arguments of ``actlab.get``)."""
        return dict(self.activation_params)

    @property
    def key(self) -> str:
        """16 hex digits of the SHA-256 of the canonical JSON of every field."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def label(self) -> str:
        """Short human name: the activation with its non-default parameters."""
        if not self.activation_params:
            return self.activation
        args = ",".join(f"{k}={v}" for k, v in self.activation_params)
        return f"{self.activation}({args})"

    def replace(self, **changes: Any) -> RunConfig:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["activation_params"] = dict(self.activation_params)
        return encode(d)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RunConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"RunConfig: unknown fields {sorted(unknown)}")
        d = dict(d)
        for name in ("bias_init", "lr", "momentum", "l1", "l2", "target_error"):
            if name in d:
                d[name] = _float(d[name])
        if d.get("clip_norm") is not None:
            d["clip_norm"] = _float(d["clip_norm"])
        return cls(**d)


# --------------------------------------------------------------------------- measurements
@dataclass(frozen=True)
class EpochStats(EpochRecord):
    """One epoch of one run: the engine's :class:`~actlab.nn.EpochRecord`, stored JSON-safe
    (non-finite losses of diverged runs become strings and come back as floats)."""

    def to_dict(self) -> dict[str, Any]:
        return encode(asdict(self))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> EpochStats:
        return cls(
            epoch=int(d["epoch"]),
            train_loss=_float(d["train_loss"]),
            train_accuracy=_float(d.get("train_accuracy")),
            val_loss=_float(d.get("val_loss")),
            val_accuracy=_float(d.get("val_accuracy")),
            seconds=float(d.get("seconds", 0.0)),
        )


@dataclass(frozen=True)
class LayerStats:
    """Diagnostics of one Dense layer (and the activation after it) at the end of one epoch.

    ``epoch`` 0 is the untrained network. ``layer`` counts Dense layers from 1 (input side);
    the last one is the output layer. Gradient figures are root-mean-square over the epoch's
    batches of the weight-gradient Frobenius norm (``grad_norm``) and of
    ``||dW|| / ||W||`` (``grad_ratio``). Activation statistics are taken on a fixed probe batch
    after the activation that follows the layer (``None`` where none follows): ``act_mean`` and
    ``act_std`` over all entries; ``dead`` the fraction of units that output exactly 0 for every
    probe sample; ``saturated`` the fraction of entries with ``|f'(x)| < 0.05``; ``zeros`` the
    fraction of entries exactly 0.
    """

    epoch: int
    layer: int
    units: int
    activation: str | None
    grad_norm: float | None
    grad_ratio: float | None
    weight_norm: float
    act_mean: float | None = None
    act_std: float | None = None
    dead: float | None = None
    saturated: float | None = None
    zeros: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return encode(asdict(self))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LayerStats:
        floats = ("grad_norm", "grad_ratio", "weight_norm", "act_mean", "act_std", "dead",
                  "saturated", "zeros")
        kw = {k: _float(d.get(k)) for k in floats}
        return cls(epoch=int(d["epoch"]), layer=int(d["layer"]), units=int(d["units"]),
                   activation=d.get("activation"), **kw)


@dataclass(frozen=True)
class RunResult:
    """Everything one run produced. ``status="diverged"`` runs are results too (not retried).

    ``test_accuracy`` is ``None`` for regression; ``extra`` holds claim-specific scalars
    (weight sparsity, test MSE, ...) as sorted ``(name, value)`` pairs.
    """

    config: RunConfig
    status: Status
    test_loss: float | None
    test_accuracy: float | None
    train_loss: float | None
    train_accuracy: float | None
    epochs_run: int
    epochs_to_target: int | None
    wall_seconds: float
    epochs: tuple[EpochStats, ...] = ()
    layers: tuple[LayerStats, ...] = ()
    flags: tuple[str, ...] = ()
    extra: tuple[tuple[str, float], ...] = ()
    message: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "extra", _pairs(self.extra))
        object.__setattr__(self, "epochs", tuple(self.epochs))
        object.__setattr__(self, "layers", tuple(self.layers))
        object.__setattr__(self, "flags", tuple(self.flags))

    @property
    def key(self) -> str:
        return self.config.key

    def metric(self, name: str) -> float | None:
        """A scalar by name: a field (``test_accuracy``, ``wall_seconds``, ...) or an ``extra``."""
        if name in dict(self.extra):
            return dict(self.extra)[name]
        value = getattr(self, name)
        return None if value is None else float(value)

    def layer_table(self, epoch: int | None = None) -> list[LayerStats]:
        """The layer records of one epoch (default: the last recorded), input side first."""
        if not self.layers:
            return []
        if epoch is None:
            epoch = max(r.epoch for r in self.layers)
        return sorted((r for r in self.layers if r.epoch == epoch), key=lambda r: r.layer)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "config": self.config.to_dict(),
            "status": self.status,
            "test_loss": encode(self.test_loss),
            "test_accuracy": encode(self.test_accuracy),
            "train_loss": encode(self.train_loss),
            "train_accuracy": encode(self.train_accuracy),
            "epochs_run": self.epochs_run,
            "epochs_to_target": self.epochs_to_target,
            "wall_seconds": self.wall_seconds,
            "epochs": [e.to_dict() for e in self.epochs],
            "layers": [r.to_dict() for r in self.layers],
            "flags": list(self.flags),
            "extra": encode(dict(self.extra)),
            "message": self.message,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RunResult:
        return cls(
            config=RunConfig.from_dict(d["config"]),
            status=d["status"],
            test_loss=_float(d.get("test_loss")),
            test_accuracy=_float(d.get("test_accuracy")),
            train_loss=_float(d.get("train_loss")),
            train_accuracy=_float(d.get("train_accuracy")),
            epochs_run=int(d["epochs_run"]),
            epochs_to_target=None if d.get("epochs_to_target") is None
            else int(d["epochs_to_target"]),
            wall_seconds=float(d["wall_seconds"]),
            epochs=tuple(EpochStats.from_dict(e) for e in d.get("epochs", ())),
            layers=tuple(LayerStats.from_dict(r) for r in d.get("layers", ())),
            flags=tuple(d.get("flags", ())),
            extra=tuple((k, _float(v)) for k, v in dict(d.get("extra", {})).items()),
            message=d.get("message", ""),
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> RunResult:
        return cls.from_dict(json.loads(text))


# --------------------------------------------------------------------------- conclusions
@dataclass(frozen=True)
class Estimate:
    """A mean over seeds with its two-sided t-based confidence interval."""

    mean: float
    low: float
    high: float
    n: int
    sd: float
    level: float = 0.95

    def to_dict(self) -> dict[str, Any]:
        return encode(asdict(self))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Estimate:
        return cls(mean=_float(d["mean"]), low=_float(d["low"]), high=_float(d["high"]),
                   n=int(d["n"]), sd=_float(d["sd"]), level=float(d.get("level", 0.95)))


@dataclass(frozen=True)
class Effect:
    """One tested effect: ``estimate`` of (claimed side) minus (other side), oriented so that a
    positive value is what the claim predicts, with a Welch CI at ``level`` and p-value."""

    name: str
    estimate: float
    low: float
    high: float
    level: float
    p_value: float
    cohen_d: float
    n_a: int
    n_b: int
    unit: str = ""
    verdict: Verdict = "inconclusive"

    def to_dict(self) -> dict[str, Any]:
        return encode(asdict(self))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Effect:
        return cls(name=d["name"], estimate=_float(d["estimate"]), low=_float(d["low"]),
                   high=_float(d["high"]), level=float(d["level"]), p_value=_float(d["p_value"]),
                   cohen_d=_float(d["cohen_d"]), n_a=int(d["n_a"]), n_b=int(d["n_b"]),
                   unit=d.get("unit", ""), verdict=d.get("verdict", "inconclusive"))


@dataclass(frozen=True)
class Table:
    """A small table for the report: a title, column names and rows of cells (str or float)."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    def to_dict(self) -> dict[str, Any]:
        return encode({"title": self.title, "columns": self.columns, "rows": self.rows})

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Table:
        return cls(title=d["title"], columns=tuple(d["columns"]),
                   rows=tuple(tuple(r) for r in d["rows"]))


@dataclass(frozen=True)
class Series:
    """A named curve for the report: ``x`` and ``y`` of equal length (``None`` = gap)."""

    name: str
    x: tuple[float, ...]
    y: tuple[float | None, ...]

    def to_dict(self) -> dict[str, Any]:
        return encode({"name": self.name, "x": self.x, "y": self.y})

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Series:
        return cls(name=d["name"], x=tuple(_float(v) for v in d["x"]),
                   y=tuple(_float(v) for v in d["y"]))


@dataclass(frozen=True)
class Chart:
    """A line chart for the report (rendered as inline SVG, hover shows the values)."""

    title: str
    xlabel: str
    ylabel: str
    series: tuple[Series, ...]
    logy: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "xlabel": self.xlabel, "ylabel": self.ylabel,
                "series": [s.to_dict() for s in self.series], "logy": self.logy}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Chart:
        return cls(title=d["title"], xlabel=d["xlabel"], ylabel=d["ylabel"],
                   series=tuple(Series.from_dict(s) for s in d["series"]),
                   logy=bool(d.get("logy", False)))


@dataclass(frozen=True)
class ClaimResult(HTMLRepr):
    """The verdict of one claim of the articles, computed from its runs.

    ``verdict`` combines the ``effects`` as the claim's ``rule`` says; ``method`` says what was
    run and how the effects were tested (including the multiple-comparison handling).
    """

    name: str
    number: int
    title: str
    statement: str
    source: str
    verdict: Verdict
    effects: tuple[Effect, ...]
    method: str
    rule: str
    n_seeds: int
    run_keys: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    charts: tuple[Chart, ...] = ()
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)
    _html_title, _html_skip = "title", ("run_keys", "charts")  # notebook display (not fields)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "number": self.number, "title": self.title,
            "statement": self.statement, "source": self.source, "verdict": self.verdict,
            "effects": [e.to_dict() for e in self.effects], "method": self.method,
            "rule": self.rule, "n_seeds": self.n_seeds, "run_keys": list(self.run_keys),
            "tables": [t.to_dict() for t in self.tables],
            "charts": [c.to_dict() for c in self.charts],
            "seconds": self.seconds, "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ClaimResult:
        return cls(
            name=d["name"], number=int(d["number"]), title=d["title"], statement=d["statement"],
            source=d["source"], verdict=d["verdict"],
            effects=tuple(Effect.from_dict(e) for e in d["effects"]), method=d["method"],
            rule=d["rule"], n_seeds=int(d["n_seeds"]), run_keys=tuple(d.get("run_keys", ())),
            tables=tuple(Table.from_dict(t) for t in d.get("tables", ())),
            charts=tuple(Chart.from_dict(c) for c in d.get("charts", ())),
            seconds=float(d.get("seconds", 0.0)), notes=tuple(d.get("notes", ())),
        )
