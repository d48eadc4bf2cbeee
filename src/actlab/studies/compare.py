"""The comparison study behind ``actlab compare``: activations x seeds, each at its tuned lr.

The default study trains each of sigmoid, tanh, relu, leaky_relu, relu6, silu and gelu on
MNIST-1D (4000 train / 1000 test; 20 % of train held out as validation, drawn per seed) with
a 6 x 64 MLP, Adam, batches of 64 (MNIST-1D is chosen over digits because an MLP does not
saturate it: the activations separate; six hidden layers are deep enough for sigmoid's
vanishing gradients to show). "Epochs to target" counts epochs to 40 % training error.

**Protocol** (:mod:`actlab.studies.protocol`): the seed draws the weights, the batch order and
the validation split; the epoch is selected on validation and the test split evaluated once.
**Tuning** (:mod:`actlab.studies.tuning`): each activation's learning rate is chosen on
validation by successive halving over a log grid (Adam: 5 values from 1e-3 to 3e-2, 30x):
every lr runs a quarter of the epochs, the best third (2 of 5) the full budget with seed 0, and
the winner's run is reused as the final seed 0. ``lr=R`` fixes the rate (no tuning).
``budget`` trades time for epochs, seeds and grid (:data:`BUDGETS`). Analysis:
:mod:`actlab.studies.analysis`.
"""

from __future__ import annotations

import csv
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from .._util_html import HTMLRepr
from . import analysis
from .records import RunConfig, RunResult
from .runner import dataset_names, default_jobs, run_many
from .._util_files import atomic_open
from .store import Store
from .timing import TimeBreakdown
from .tuning import Rung, Sweep, fixed_lr, lr_grid, total_runs, tune_lr, with_final

#: The default activation set of ``actlab compare`` (names are checked against the registry).
DEFAULT_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "relu6", "silu", "gelu")
OPTIMIZERS = ("sgd", "adam")
DB_NAME = "results.sqlite"
META_KEY = "compare"
SUMMARY = "summary.json"
#: log-grid ends per optimizer (both span >= 30x)
GRID_RANGE = {"adam": (1e-3, 3e-2), "sgd": (1e-2, 0.5)}


@dataclass(frozen=True)
class Budget:
    """Epochs and seeds of the final runs; grid size and rung lengths (fractions of epochs)
    of the tuning; seeds of the tuning's last rung."""

    epochs: int
    seeds: int
    grid: int
    rungs: tuple[float, ...]
    last_seeds: int = 1
    eta: int = 3


BUDGETS = {
    "quick": Budget(epochs=8, seeds=3, grid=5, rungs=(0.25, 1.0)),
    "standard": Budget(epochs=12, seeds=5, grid=5, rungs=(0.25, 1.0)),
    "thorough": Budget(epochs=20, seeds=10, grid=7, rungs=(0.2, 0.5, 1.0), last_seeds=2, eta=2),
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
        if not eq or not k.strip():
            raise ValueError(f"activation parameter {item!r} must look like name=value")
        if k.strip() in params:
            raise ValueError(f"activation parameter {k.strip()!r} given twice in {text!r}")
        try:
            params[k.strip()] = int(v) if v.strip().lstrip("-").isdigit() else float(v)
        except ValueError:
            params[k.strip()] = v.strip()
    f = actlab.get(name, **params)  # validates name and parameters
    given = tuple(sorted((k, f.params[k]) for k in params))
    return f.name, given


@dataclass(frozen=True)
class CompareSpec:
    """What a compare study runs: every activation x seeds ``0 .. seeds-1`` at its lr.

    ``lr=None`` tunes the lr per activation (``grid``: the log grid, default by optimizer and
    budget); a number fixes it for every activation.
    """

    dataset: str = "mnist1d"
    activations: tuple[str, ...] = DEFAULT_ACTIVATIONS
    depth: int = 6
    width: int = 64
    init: str = "auto"
    optimizer: str = "adam"
    lr: float | None = None
    epochs: int = 12
    seeds: int = 5
    batch_size: int = 64
    target_error: float = 0.4
    budget: str = "standard"
    grid: tuple[float, ...] = ()
    val_fraction: float = 0.2

    def __post_init__(self) -> None:
        object.__setattr__(self, "activations", tuple(self.activations))
        object.__setattr__(self, "grid", tuple(float(g) for g in self.grid))

    @classmethod
    def for_budget(cls, budget: str = "standard", **kw: Any) -> CompareSpec:
        """The spec of ``budget`` (epochs, seeds); ``kw`` (not ``None``) override it."""
        if budget not in BUDGETS:
            raise ValueError(f"unknown budget {budget!r} (known: {', '.join(BUDGETS)})")
        b = BUDGETS[budget]
        base = {"epochs": b.epochs, "seeds": b.seeds, "budget": budget}
        return cls(**{**base, **{k: v for k, v in kw.items() if v is not None}})

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
        if self.lr is not None and not (isinstance(self.lr, (int, float))
                                        and math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"lr must be a positive number, got {self.lr!r}")
        if self.budget not in BUDGETS:
            raise ValueError(f"unknown budget {self.budget!r} (known: {', '.join(BUDGETS)})")
        if any(not (math.isfinite(g) and g > 0) for g in self.grid) or len(self.grid) == 1:
            raise ValueError(f"grid must be two or more positive learning rates, got {self.grid}")
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
        if not 0.0 < self.val_fraction < 1.0:
            raise ValueError(f"val_fraction must be in (0, 1), got {self.val_fraction!r}")
        return CompareSpec(**{**asdict(self), "activations": tuple(canon)})

    # ------------------------------------------------------------------ what runs
    def lr_grid(self) -> tuple[float, ...]:
        if self.grid:
            return tuple(sorted(self.grid))
        return lr_grid(*GRID_RANGE[self.optimizer], BUDGETS[self.budget].grid)

    def rungs(self) -> tuple[Rung, ...]:
        """Successive-halving rungs: short screening runs, the last at the full budget."""
        b = BUDGETS[self.budget]
        lengths = sorted({max(1, round(f * self.epochs)) for f in b.rungs} | {self.epochs})
        seeds = tuple(range(min(b.last_seeds, self.seeds)))
        return tuple(Rung(e, (0,) if e < self.epochs else seeds) for e in lengths)

    def conditions(self) -> dict[str, RunConfig]:
        """One base configuration per activation label (seed 0, lr to be set)."""
        out = {}
        for a in self.activations:
            name, params = parse_activation(a)
            cfg = RunConfig(
                dataset=self.dataset, activation=name, activation_params=params, seed=0,
                depth=self.depth, width=self.width, init=self.init, optimizer=self.optimizer,
                lr=float(self.lr or 0.0) or 1e-3, epochs=self.epochs,
                batch_size=self.batch_size, target_error=float(self.target_error),
                val_fraction=float(self.val_fraction))
            out[cfg.label()] = cfg
        return out

    def configs(self, lrs: Mapping[str, float] | None = None) -> list[RunConfig]:
        """The final runs: every activation x seed at ``lrs[label]`` (default: ``lr``)."""
        if lrs is None and self.lr is None:
            raise ValueError("configs() of a tuned study needs the chosen lrs")
        return [cfg.replace(lr=float(lrs[k] if lrs is not None else self.lr), seed=s)
                for k, cfg in self.conditions().items() for s in range(self.seeds)]

    def describe(self) -> str:
        lr = f"lr {self.lr:g} (fixed)" if self.lr is not None else (
            f"lr tuned per activation on validation over {len(self.lr_grid())} values "
            f"{self.lr_grid()[0]:g}–{self.lr_grid()[-1]:g}")
        return (f"{self.dataset}, MLP {self.depth} x {self.width}, init {self.init}, "
                f"{self.optimizer}, {lr}, {self.epochs} epochs, batch {self.batch_size}, "
                f"{self.seeds} seeds, budget {self.budget}, target training error "
                f"{self.target_error:.0%}")

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "activations": list(self.activations), "grid": list(self.grid)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CompareSpec:
        known = {f.name for f in fields(cls)}
        return cls(**{k: (tuple(v) if k in ("activations", "grid") else v)
                      for k, v in d.items() if k in known})


def write_csv(path: str | Path, results: Sequence[RunResult]) -> Path:
    """One row per run: its configuration and its results."""
    path = Path(path)
    cfg_cols = [f.name for f in fields(RunConfig)]
    res_cols = ["status", "test_accuracy", "test_loss", "train_loss", "train_accuracy",
                "selected_epoch", "val_accuracy", "val_loss", "epochs_run", "epochs_to_target",
                "size_train", "size_validation", "size_test", "wall_seconds"]
    extra_cols = sorted({k for r in results for k, _ in r.extra})
    with atomic_open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["key", "label", *cfg_cols, *res_cols, "flags", *extra_cols])
        for r in results:
            c = r.config.to_dict()
            c["activation_params"] = ";".join(f"{k}={v}" for k, v in r.config.activation_params)
            ex = dict(r.extra)
            w.writerow([r.key, r.config.label(), *(c[k] for k in cfg_cols),
                        *(getattr(r, k) for k in res_cols), ";".join(r.flags),
                        *(ex.get(k, "") for k in extra_cols)])
    return path


# --------------------------------------------------------------------------- the study
@dataclass(frozen=True)
class CompareOutcome(HTMLRepr):
    _html_skip = ("results", "tuning")  # notebook display: spec, summary rows, recommendation
    spec: CompareSpec
    results: tuple[RunResult, ...]
    reused: int
    rows: tuple[analysis.Row, ...]
    tuning: Mapping[str, Sweep]
    recommendation: analysis.Recommendation
    seconds: float
    out: Path
    total_runs: int = 0
    timing: TimeBreakdown | None = None  # where the time went (runs trained in this call)


def _progress_bar(total: int, progress: bool) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="compare", unit="run", disable=not progress, leave=True,
                dynamic_ncols=True, bar_format="{desc}: {n}/{total} runs |{bar}| "
                "[{elapsed} elapsed, ~{remaining} left] {postfix}")


def planned_runs(spec: CompareSpec) -> int:
    """How many runs the whole study asks for (tuning and final seeds, before reuse: the final
    seed-0 runs repeat the tuning's last rung and are reused)."""
    n = len(spec.activations)
    eta = BUDGETS[spec.budget].eta
    tuning = 0 if spec.lr is not None else total_runs(n, spec.lr_grid(), spec.rungs(), eta)
    return tuning + n * spec.seeds


def run_compare(
    spec: CompareSpec,
    out: str | Path = "actlab-report",
    *,
    jobs: int | None = None,
    progress: bool = True,
    report: bool = True,
    log: Callable[[str], None] | None = print,
) -> CompareOutcome:
    """Tune (unless ``spec.lr``), run (or resume) the study, store every run in
    ``out/results.sqlite``; with ``report`` also write ``results.csv`` and ``summary.json``.
    (The HTML report is :func:`actlab.report.write_report`, a layer above.)"""
    t0 = time.perf_counter()
    spec = spec.validate()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    jobs = default_jobs() if jobs is None or jobs <= 0 else int(jobs)
    total = planned_runs(spec)
    bar = _progress_bar(total, progress)
    reused = [0]
    fresh: list[RunResult] = []  # trained in this call (for the time breakdown)

    def run(configs: list[RunConfig]) -> list[RunResult]:
        stored = {c.key for c in configs if c.key in store}
        results, k = run_many(configs, store, jobs=jobs, progress=False, log=None, bar=bar)
        reused[0] += k
        fresh.extend(r for r in results if r.key not in stored)
        return results

    try:
        with Store(out / DB_NAME) as store:
            conds = spec.conditions()
            if spec.lr is None:
                tuning = tune_lr(conds, run, grid=spec.lr_grid(), rungs=spec.rungs(),
                                 eta=BUDGETS[spec.budget].eta)
            else:
                tuning = fixed_lr(conds, spec.lr)
            chosen = {k: s.chosen for k, s in tuning.items()}
            configs = spec.configs(chosen)
            results = run(configs)
            tuning = {k: with_final(s, [r for r in results if r.config.label() == k])
                      for k, s in tuning.items()}
            seconds = time.perf_counter() - t0
            store.put_meta(META_KEY, {**spec.to_dict(), "chosen": chosen,
                                      "tuning": {k: s.to_dict() for k, s in tuning.items()},
                                      "seconds": seconds, "runs": total})
    finally:
        bar.close()
    if log is not None:
        log(f"compare: {total} runs ({reused[0]} reused from {DB_NAME}) in {seconds:.1f} s")
    outcome = CompareOutcome(spec, tuple(results), reused[0], tuple(analysis.summarize(results)),
                             tuning, analysis.recommend(results), seconds, out, total,
                             TimeBreakdown.of(fresh, seconds, jobs))
    if report:
        write_csv(out / "results.csv", results)
        from .summary import summary, write_summary

        write_summary(out / SUMMARY, summary(outcome))
    return outcome


def stored(out: str | Path, store: Store | None = None) -> CompareOutcome | None:
    """The compare study stored in ``out`` (``None`` if there is none), without running."""
    own = store is None
    store = Store(Path(out) / DB_NAME) if store is None else store
    try:
        d = store.get_meta(META_KEY)
        if d is None:
            return None
        spec = CompareSpec.from_dict(d)
        tuning = {k: Sweep.from_dict(v) for k, v in d.get("tuning", {}).items()}
        chosen = d.get("chosen") or {k: s.chosen for k, s in tuning.items()}
        results = store.results([c.key for c in spec.configs(chosen if chosen else None)])
    finally:
        if own:
            store.close()
    return CompareOutcome(spec, tuple(results), 0, tuple(analysis.summarize(results)), tuning,
                          analysis.recommend(results), float(d.get("seconds", 0.0)), Path(out),
                          int(d.get("runs", 0)))
