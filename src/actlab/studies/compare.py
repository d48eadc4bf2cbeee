"""The comparison study behind ``actlab compare``: activations x seeds on one data set and MLP.

The default study trains each of sigmoid, tanh, relu, leaky_relu, relu6, silu and gelu five
times (seeds 0-4) on MNIST-1D with a 6 x 64 MLP, Adam (lr 2e-3), 12 epochs of batches of 64;
"epochs to target" counts epochs to 40 % training error. MNIST-1D is chosen over digits because
an MLP does not saturate it (the paper reports 68 % for an MLP; every activation reaches
95 %+ on digits), so the activations separate; six hidden layers are deep enough for sigmoid's
vanishing gradients to show. On 2 cores the whole study takes well under 90 s.

Summary statistics are t-based 95 % intervals over seeds; orderings between activations are
stated only where a Bonferroni-simultaneous Welch interval of the difference excludes 0 (see
:mod:`actlab.studies.stats`); every other pair is reported as "no significant difference".
"""

from __future__ import annotations

import csv
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from . import stats
from .records import Estimate, RunConfig, RunResult
from .runner import dataset_names, default_jobs, run_many
from .store import Store

#: The default activation set of ``actlab compare`` (names are checked against the registry).
DEFAULT_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "relu6", "silu", "gelu")
OPTIMIZERS = ("sgd", "adam")
DB_NAME = "results.sqlite"
META_KEY = "compare"

#: metric -> (label, higher is better, format)
METRICS: dict[str, tuple[str, bool, str]] = {
    "test_accuracy": ("test accuracy", True, "{:.1%}"),
    "test_loss": ("test loss", False, "{:.3f}"),
    "train_loss": ("final training loss", False, "{:.3f}"),
    "epochs_to_target": ("epochs to target training error", False, "{:.1f}"),
    "wall_seconds": ("wall time per run (s)", False, "{:.1f}"),
}


def parse_activation(text: str) -> tuple[str, tuple[tuple[str, Any], ...]]:
    """``"relu"`` or ``"leaky_relu:alpha=0.2"`` -> canonical name and validated parameters.

    >>> parse_activation("swish")
    ('silu', ())
    >>> parse_activation("leaky_relu:alpha=0.2")
    ('leaky_relu', (('alpha', 0.2),))
    """
    import actlab
    from actlab.activations.expr import split_spec

    name, rest = split_spec(text)
    params: dict[str, Any] = {}
    for item in filter(None, (p.strip() for p in rest.split(","))):
        k, eq, v = item.partition("=")
        if not eq:
            raise ValueError(f"activation parameter {item!r} must look like name=value")
        try:
            params[k.strip()] = int(v) if v.strip().lstrip("-").isdigit() else float(v)
        except ValueError:
            params[k.strip()] = v.strip()
    f = actlab.get(name, **params)  # validates name and parameters
    given = tuple(sorted((k, f.params[k]) for k in params))
    return f.name, given


@dataclass(frozen=True)
class CompareSpec:
    """What a compare study runs: every activation x seeds ``0 .. seeds-1``."""

    dataset: str = "mnist1d"
    activations: tuple[str, ...] = DEFAULT_ACTIVATIONS
    depth: int = 6
    width: int = 64
    init: str = "auto"
    optimizer: str = "adam"
    lr: float = 2e-3
    epochs: int = 12
    seeds: int = 5
    batch_size: int = 64
    target_error: float = 0.4

    def __post_init__(self) -> None:
        object.__setattr__(self, "activations", tuple(self.activations))

    def validate(self) -> CompareSpec:
        """Canonical activation names (registry aliases resolved); ``ValueError`` if invalid."""
        from actlab.nn.init import get_initializer

        if not self.activations:
            raise ValueError("give at least one activation")
        canon: list[str] = []
        for a in self.activations:
            name, params = parse_activation(a)
            text = name + (":" + ",".join(f"{k}={v}" for k, v in params) if params else "")
            if text in canon:
                raise ValueError(f"activation {a!r} is given twice")
            canon.append(text)
        if self.dataset not in dataset_names():
            raise ValueError(f"unknown data set {self.dataset!r} (known: "
                             f"{', '.join(dataset_names())})")
        for name in ("depth", "width", "epochs", "seeds", "batch_size"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        if not (isinstance(self.lr, (int, float)) and math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"lr must be a positive number, got {self.lr!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r} (known: "
                             f"{', '.join(OPTIMIZERS)})")
        if self.init.startswith("variance_scaling:"):
            from .runner import _custom_init

            _custom_init(self.init)
        elif self.init != "auto":
            get_initializer(self.init)
        if not 0.0 <= self.target_error < 1.0:
            raise ValueError(f"target error must be in [0, 1), got {self.target_error!r}")
        return CompareSpec(**{**asdict(self), "activations": tuple(canon)})

    def configs(self) -> list[RunConfig]:
        out = []
        for a in self.activations:
            name, params = parse_activation(a)
            for seed in range(self.seeds):
                out.append(RunConfig(
                    dataset=self.dataset, activation=name, activation_params=params,
                    seed=seed, depth=self.depth, width=self.width, init=self.init,
                    optimizer=self.optimizer, lr=float(self.lr), epochs=self.epochs,
                    batch_size=self.batch_size, target_error=float(self.target_error)))
        return out

    def describe(self) -> str:
        return (f"{self.dataset}, MLP {self.depth} x {self.width}, init {self.init}, "
                f"{self.optimizer} lr {self.lr:g}, {self.epochs} epochs, batch "
                f"{self.batch_size}, {self.seeds} seeds, target training error "
                f"{self.target_error:.0%}")

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "activations": list(self.activations)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CompareSpec:
        known = {f.name for f in fields(cls)}
        return cls(**{k: (tuple(v) if k == "activations" else v) for k, v in d.items()
                      if k in known})


# --------------------------------------------------------------------------- summaries
@dataclass(frozen=True)
class SummaryRow:
    """One activation's results over seeds."""

    label: str
    runs: int
    diverged: int
    reached: int
    estimates: Mapping[str, Estimate]
    flags: Mapping[str, int] = field(default_factory=dict)
    better_than: tuple[str, ...] = ()


def group(results: Sequence[RunResult]) -> dict[str, list[RunResult]]:
    """Results by activation label, in first-seen order."""
    out: dict[str, list[RunResult]] = {}
    for r in results:
        out.setdefault(r.config.label(), []).append(r)
    return out


def _values(runs: Sequence[RunResult], metric: str) -> list[float | None]:
    return [None if r.status == "diverged" and metric != "wall_seconds" else r.metric(metric)
            for r in runs]


def _comparable(results: Sequence[RunResult], metric: str
                ) -> tuple[dict[str, list[float | None]], dict[str, tuple[int, int]]]:
    """Groups with at least two values of ``metric``, and the others with (values, runs)."""
    keep, left_out = {}, {}
    for k, v in group(results).items():
        vals = _values(v, metric)
        n = sum(x is not None and math.isfinite(x) for x in vals)
        if n >= 2:
            keep[k] = vals
        else:
            left_out[k] = (n, len(v))
    return keep, left_out


def comparisons(results: Sequence[RunResult]) -> dict[str, list[stats.Pair]]:
    """Pairwise simultaneous Welch comparisons for each metric of :data:`METRICS` (groups with
    fewer than two values of a metric are left out of its comparisons)."""
    out = {}
    for m, (_, hib, _) in METRICS.items():
        keep, _ = _comparable(results, m)
        out[m] = stats.pairwise(keep, higher_is_better=hib)
    return out


def statements(results: Sequence[RunResult], metric: str) -> list[str]:
    """What the data support about ``metric``: significant orderings, ties, groups left out."""
    label, hib, _ = METRICS[metric]
    keep, left_out = _comparable(results, metric)
    lines = stats.ordering_sentences(stats.pairwise(keep, higher_is_better=hib), label) \
        if len(keep) >= 2 else []
    for k, (n, runs) in left_out.items():
        lines.append(f"{label}: {k} is not compared (a value in only {n} of {runs} runs).")
    return lines


def primary_metric(results: Sequence[RunResult]) -> str:
    """``test_accuracy`` for classification studies, ``test_loss`` for regression."""
    return "test_accuracy" if any(r.test_accuracy is not None for r in results) else "test_loss"


def summarize(results: Sequence[RunResult]) -> list[SummaryRow]:
    """One row per activation; ``better_than`` follows :func:`primary_metric`."""
    groups = group(results)
    pairs = comparisons(results)[primary_metric(results)]
    rows = []
    for label, runs in groups.items():
        flags: dict[str, int] = {}
        for r in runs:
            for f in {f.split(":")[0] for f in r.flags}:
                flags[f] = flags.get(f, 0) + 1
        beats = tuple(p.b if p.better == p.a else p.a for p in pairs
                      if p.better == label)
        rows.append(SummaryRow(
            label=label, runs=len(runs), diverged=sum(r.status == "diverged" for r in runs),
            reached=sum(r.epochs_to_target is not None for r in runs),
            estimates={m: stats.mean_ci(_values(runs, m)) for m in METRICS},
            flags=flags, better_than=beats))
    return rows


def fmt_estimate(e: Estimate, fmt: str) -> str:
    """``mean [low, high]`` (``n/a`` without data, no interval for one value)."""
    if e.n == 0:
        return "n/a"
    if e.n == 1:
        return fmt.format(e.mean)
    return f"{fmt.format(e.mean)} [{fmt.format(e.low)}, {fmt.format(e.high)}]"


def format_table(rows: Sequence[SummaryRow], target_error: float) -> str:
    """The summary as fixed-width text (for the terminal)."""
    head = ["activation", "runs", "test accuracy [95% CI]", "test loss", "final train loss",
            f"epochs to {target_error:.0%} err", "s/run", "significantly better than"]
    body = []
    for r in rows:
        e = r.estimates
        ett = fmt_estimate(e["epochs_to_target"], "{:.1f}")
        body.append([
            r.label, f"{r.runs}" + (f" ({r.diverged} div.)" if r.diverged else ""),
            fmt_estimate(e["test_accuracy"], "{:.1%}"), fmt_estimate(e["test_loss"], "{:.3f}"),
            fmt_estimate(e["train_loss"], "{:.3f}"), f"{ett} ({r.reached}/{r.runs})",
            f"{e['wall_seconds'].mean:.1f}", ", ".join(r.better_than) or "-",
        ])
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(head, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(x).ljust(w) for x, w in zip(row, widths)) for row in body]
    return "\n".join(lines)


def write_csv(path: str | Path, results: Sequence[RunResult]) -> Path:
    """One row per run: its configuration and its results."""
    path = Path(path)
    cfg_cols = [f.name for f in fields(RunConfig)]
    res_cols = ["status", "test_accuracy", "test_loss", "train_loss", "train_accuracy",
                "epochs_run", "epochs_to_target", "wall_seconds"]
    extra_cols = sorted({k for r in results for k, _ in r.extra})
    tmp = path.with_suffix(".csv.tmp")
    with open(tmp, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["key", "label", *cfg_cols, *res_cols, "flags", *extra_cols])
        for r in results:
            c = r.config.to_dict()
            c["activation_params"] = ";".join(f"{k}={v}" for k, v in r.config.activation_params)
            ex = dict(r.extra)
            w.writerow([r.key, r.config.label(), *(c[k] for k in cfg_cols),
                        *(getattr(r, k) for k in res_cols), ";".join(r.flags),
                        *(ex.get(k, "") for k in extra_cols)])
    tmp.replace(path)
    return path


# --------------------------------------------------------------------------- the study
@dataclass(frozen=True)
class CompareOutcome:
    spec: CompareSpec
    results: tuple[RunResult, ...]
    reused: int
    rows: tuple[SummaryRow, ...]
    pairs: Mapping[str, list[stats.Pair]]
    seconds: float
    out: Path


def run_compare(
    spec: CompareSpec,
    out: str | Path = "actlab-report",
    *,
    jobs: int | None = None,
    progress: bool = True,
    report: bool = True,
    log: Callable[[str], None] | None = print,
) -> CompareOutcome:
    """Run (or resume) the study, store every run in ``out/results.sqlite`` and write the
    report (``index.html``, ``results.csv``, figures) into ``out``."""
    t0 = time.perf_counter()
    spec = spec.validate()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    jobs = default_jobs() if jobs is None or jobs <= 0 else int(jobs)
    with Store(out / DB_NAME) as store:
        store.put_meta(META_KEY, spec.to_dict())
        results, reused = run_many(spec.configs(), store, jobs=jobs, progress=progress,
                                   desc="compare", log=log)
        rows = summarize(results)
        pairs = comparisons(results)
        if report:
            from actlab.report import write_report

            write_csv(out / "results.csv", results)
            write_report(out, store)
    return CompareOutcome(spec, tuple(results), reused, tuple(rows), pairs,
                          time.perf_counter() - t0, out)
