"""Plain frozen records of study runs: what was run, what was measured, what was concluded.

Every record round-trips through JSON (``to_dict``/``from_dict``); the SQLite store, the CSV
export, the plots and the HTML report all read these records and nothing else. The records of
conclusions (estimates, effects, tables, claims) live in :mod:`actlab.studies.findings` and are
re-exported here.

Non-finite floats are written to JSON as the strings ``"nan"``, ``"inf"`` and ``"-inf"`` (the
convention of :meth:`actlab.activations.spec.Info.to_dict`), so a diverged run stays valid JSON.

>>> from actlab.studies.records import RunConfig
>>> cfg = RunConfig(dataset="digits", activation="relu", seed=3)
>>> RunConfig.from_dict(cfg.to_dict()) == cfg
True
>>> len(cfg.key)
16
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Literal

from ..diagnostics.layerstats import LayerStats
from ..nn.callbacks import EpochRecord
from .._util_codec import encode, int_or_none
from .._util_codec import float_or_none as _float
from .findings import Chart, ClaimResult, Effect, Estimate, Series, Table, Verdict

__all__ = [
    "RECORD_VERSION", "Chart", "ClaimResult", "Effect", "EpochStats", "Estimate", "LayerStats",
    "RunConfig", "RunResult", "Series", "Status", "Table", "Verdict", "encode",
]

#: Bump when the meaning of a stored run changes; old runs then no longer match any key.
RECORD_VERSION = 2  # 2: train/validation/test protocol, validation-selected epoch

Status = Literal["finished", "diverged"]


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
    ``n_train`` subsamples the training part (``None``: all of it).
    ``val_fraction`` of the data set's training split is held out as the validation split,
    drawn (stratified for classification) from ``seed``; the test split is the same for every
    seed (see :mod:`actlab.studies.protocol`).
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
    val_fraction: float = 0.2
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
        for name in ("bias_init", "lr", "momentum", "l1", "l2", "target_error", "val_fraction"):
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
class RunResult:
    """Everything one run produced. ``status="diverged"`` runs are results too (not retried).

    ``test_*``, ``train_*`` and ``val_*`` are measured once, on the weights of
    ``selected_epoch``: the epoch (0 = untrained) with the best validation metric (accuracy,
    then loss; loss for regression). ``epochs`` holds the per-epoch curves (their ``val_*`` are
    validation, never test). ``size_*`` are the split sizes. ``test_accuracy`` is ``None`` for
    regression; ``extra`` holds claim-specific scalars (weight sparsity, test MSE, ...) as sorted
    ``(name, value)`` pairs.
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
    selected_epoch: int | None = None
    val_loss: float | None = None
    val_accuracy: float | None = None
    size_train: int = 0
    size_validation: int = 0
    size_test: int = 0

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
            "selected_epoch": self.selected_epoch,
            "val_loss": encode(self.val_loss),
            "val_accuracy": encode(self.val_accuracy),
            "size_train": self.size_train,
            "size_validation": self.size_validation,
            "size_test": self.size_test,
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
            epochs_to_target=int_or_none(d.get("epochs_to_target")),
            wall_seconds=float(d["wall_seconds"]),
            epochs=tuple(EpochStats.from_dict(e) for e in d.get("epochs", ())),
            layers=tuple(LayerStats.from_dict(r) for r in d.get("layers", ())),
            flags=tuple(d.get("flags", ())),
            extra=tuple((k, _float(v)) for k, v in dict(d.get("extra", {})).items()),
            message=d.get("message", ""),
            selected_epoch=int_or_none(d.get("selected_epoch")),
            val_loss=_float(d.get("val_loss")),
            val_accuracy=_float(d.get("val_accuracy")),
            size_train=int(d.get("size_train", 0)),
            size_validation=int(d.get("size_validation", 0)),
            size_test=int(d.get("size_test", 0)),
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> RunResult:
        return cls.from_dict(json.loads(text))
