"""``search()``: screen a space, halve, evaluate the finalists fairly, check transfer, record.

The pipeline (every run through the results store ``OUT/results.sqlite``, so a rerun or a
search killed at any moment resumes without training a finished run again):

1. **Space** (:mod:`.space`) -> **screening** (:mod:`.screen`): duplicates by value and
   unusable candidates removed before any training, with reasons.
2. **Successive halving** (:mod:`.halving`): short single-seed runs at a fixed learning rate
   (``screen_lr``), then fewer, longer, multi-seed runs; ranking on validation only.
3. **Final evaluation** (:mod:`.final`): the ``k`` finalists and the baselines with their lr
   tuned on validation, fresh seeds, paired CIs against ReLU, Holm-corrected.
4. **Transfer**: the same on a second setting (another data set).

Budgets (:data:`BUDGETS`) size each step; ``quick`` takes a few minutes on 2 cores.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from ..records import RunConfig, RunResult
from ..runner import dataset_names, default_jobs, run_many
from ..store import Store
from ..tuning import lr_grid
from . import final, halving, records
from .halving import Stage
from .screen import Candidate, Pool, screen_all
from .space import Space, load_space

DB_NAME = "results.sqlite"
META_KEY = "search"
GRID_RANGE = (1e-3, 3e-2)  #: Adam learning rates tuned over (>= 30x)


@dataclass(frozen=True)
class Budget:
    """How much a search trains: ``screen`` candidates in stage 0, the halving ``stages``
    (the last one's ``keep`` is the number of finalists), the final evaluation's epochs,
    seeds and lr grid, and the transfer check's seeds."""

    screen: int
    stages: tuple[Stage, ...]
    final_epochs: int
    final_seeds: int
    grid: int
    transfer_seeds: int

    @property
    def finalists(self) -> int:
        return self.stages[-1].keep


BUDGETS = {
    "quick": Budget(screen=24, stages=(Stage(2, 1, 10), Stage(6, 2, 5)), final_epochs=8,
                    final_seeds=5, grid=3, transfer_seeds=3),
    # swish (2794 distinct candidates) is screened exhaustively; projected 870 CPU s on an idle
    # machine (benchmarks/bench_search_cost.py: 0.059 CPU s per epoch of a formula, 0.038 relu)
    "standard": Budget(screen=3000, stages=(Stage(3, 1, 100), Stage(8, 2, 20), Stage(20, 3, 5)),
                       final_epochs=30, final_seeds=10, grid=5, transfer_seeds=5),
}


@dataclass(frozen=True)
class SearchSpec:
    """What a search runs. ``space``: a built-in space name or a ``.json`` file; the model is
    compare's default MLP (``depth`` x ``width``, Adam, batches of ``batch_size``);
    ``transfer``: the data set of the transfer check (``""``: none); ``seed``: the search's
    random choices and the runs' seeds (``1000 * seed`` + offsets). Every function, baselines
    included, starts from the same ``init`` (He normal by default): "auto" would infer each
    formula's property sheet first, which can take minutes for a formula like
    ``sigmoid(exp(x))``, and one init keeps the comparison about the function alone."""

    dataset: str = "mnist1d"
    space: str = "swish"
    budget: str = "standard"
    depth: int = 6
    width: int = 64
    batch_size: int = 64
    screen_lr: float = 5e-3
    init: str = "he_normal"
    transfer: str = "digits"
    seed: int = 0
    baselines: tuple[str, ...] = final.BASELINES
    val_fraction: float = 0.2

    def __post_init__(self) -> None:
        object.__setattr__(self, "baselines", tuple(self.baselines))

    def validate(self) -> SearchSpec:
        if self.budget not in BUDGETS:
            raise ValueError(f"unknown budget {self.budget!r} (known: {', '.join(BUDGETS)})")
        known = dataset_names()
        for what, ds in (("data set", self.dataset), ("transfer data set", self.transfer)):
            if (ds or what == "data set") and ds not in known:
                raise ValueError(f"unknown {what} {ds!r} (known: {', '.join(known)})")
        for k in ("depth", "width", "batch_size"):
            v = getattr(self, k)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{k} must be a positive integer, got {v!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or \
                not 0 <= self.seed < 10**6:
            raise ValueError(f"seed must be an integer in [0, 10**6), got {self.seed!r}")
        if not (isinstance(self.screen_lr, (int, float)) and math.isfinite(self.screen_lr)
                and self.screen_lr > 0):
            raise ValueError(f"screen_lr must be a positive number, got {self.screen_lr!r}")
        if final.REFERENCE not in self.baselines:
            raise ValueError("the baselines must include relu (the reference)")
        import actlab

        for b in self.baselines:
            actlab.get(b)
        load_space(self.space)
        return self

    @property
    def plan(self) -> Budget:
        return BUDGETS[self.budget]

    def seeds(self, offset: int, n: int) -> tuple[int, ...]:
        return tuple(1000 * self.seed + offset + i for i in range(n))

    def base(self, dataset: str, activation: str) -> RunConfig:
        return RunConfig(dataset=dataset, activation=activation, depth=self.depth,
                         width=self.width, init=self.init, batch_size=self.batch_size,
                         optimizer="adam", lr=self.screen_lr, val_fraction=self.val_fraction)

    def describe(self) -> str:
        b = self.plan
        return (f"{self.dataset}, MLP {self.depth} x {self.width}, Adam, batch "
                f"{self.batch_size}; space {self.space}; budget {self.budget}: screen "
                f"{b.screen}, stages " + ", ".join(f"{s.epochs} ep x {s.seeds} seed(s) -> "
                                                   f"{s.keep}" for s in b.stages)
                + f"; final {b.final_epochs} epochs x {b.final_seeds} seeds, lr tuned over "
                f"{b.grid} values; transfer: {self.transfer or 'none'}")

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "baselines": list(self.baselines)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SearchSpec:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


def planned_runs(spec: SearchSpec, finalists: int | None = None) -> int:
    """Runs a search asks for at most (before reuse)."""
    b = spec.plan
    n = b.screen * b.stages[0].seeds
    n += sum(b.stages[i - 1].keep * s.seeds for i, s in enumerate(b.stages) if i)
    k = (finalists if finalists is not None else b.finalists) + len(spec.baselines)
    per = b.grid + math.ceil(b.grid / 3) + b.final_seeds - 1
    n += k * per
    if spec.transfer:
        n += k * (b.grid + math.ceil(b.grid / 3) + b.transfer_seeds - 1)
    return n


def _bar(total: int, progress: bool) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="search", unit="run", disable=not progress, leave=True,
                dynamic_ncols=True, bar_format="{desc}: {n}/{total} runs |{bar}| "
                "[{elapsed} elapsed, ~{remaining} left] {postfix}")


def search(spec: SearchSpec | None = None, out: str | Path = "actlab-search", *,
           jobs: int | None = None, progress: bool = True,
           log: Callable[[str], None] | None = print, **kw: Any) -> dict[str, Any]:
    """Run (or resume) a search; write ``OUT/search.json`` and the candidate log, and return
    the ``search.json`` document. ``kw`` are :class:`SearchSpec` fields when ``spec`` is None.

    >>> from actlab.studies.search import SearchSpec
    >>> SearchSpec(budget="quick").validate().plan.finalists
    5
    """
    t0 = time.perf_counter()
    spec = (spec or SearchSpec(**kw)).validate()
    space = load_space(spec.space)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    jobs = default_jobs() if jobs is None or jobs <= 0 else int(jobs)
    plan = spec.plan
    bar = _bar(planned_runs(spec), progress)
    counts = {"asked": 0, "reused": 0}
    cpu: dict[str, float] = {}  # run key -> its seconds (one core each)

    def run(configs: list[RunConfig]) -> list[RunResult]:
        res, k = run_many(configs, store, jobs=jobs, progress=False, log=None, bar=bar)
        counts["asked"] += len(configs)
        counts["reused"] += k
        cpu.update((r.key, r.wall_seconds) for r in res)
        return res

    def make(c: Candidate, epochs: int, seed: int) -> RunConfig:
        return spec.base(spec.dataset, c.activation).replace(epochs=epochs, seed=seed)

    try:
        with Store(out / DB_NAME) as store:
            store.put_meta(META_KEY, {**spec.to_dict(), "state": "running"})
            items = list(space.formulas) + (list(space.trees()) if space.units == 1 and
                                            space.unary else [])
            pool = screen_all(space, items) if items else Pool(space)
            if log:
                log(f"search: {spec.describe()}")
                log(f"search: space {space.name}: {space.size()} candidates, "
                    f"{len(pool.kept())} left after removing duplicates and unusable ones"
                    if items else f"search: space {space.name}: {space.size()} candidates "
                    "(sampled)")
            rng = np.random.default_rng([spec.seed, 20171016])
            seeds = spec.seeds(0, max(s.seeds for s in plan.stages))
            first, runs0, method = halving.screen(pool, space, plan.screen, plan.stages[0],
                                                  seeds, make, run, rng,
                                                  generation=max(8, 2 * jobs))
            if not first:
                raise ValueError(f"space {space.name!r} has no usable candidate (all "
                                 "duplicates, constant, not finite or unstable)")
            finalists, stage_records = halving.successive_halving(
                first, plan.stages, seeds, make, run, runs0=runs0)
            fin = {c.formula: c for c in finalists}
            conds = {c.formula: spec.base(spec.dataset, c.activation) for c in finalists}
            conds.update({b: spec.base(spec.dataset, b) for b in spec.baselines})
            grid = lr_grid(*GRID_RANGE, plan.grid)
            scored, sweeps = final.evaluate(conds, list(fin), run, grid=grid,
                                            epochs=plan.final_epochs,
                                            seeds=spec.seeds(100, plan.final_seeds))
            transfer: list[final.Scored] = []
            if spec.transfer:
                tconds = {k: c.replace(dataset=spec.transfer) for k, c in conds.items()}
                transfer, _ = final.evaluate(tconds, list(fin), run, grid=grid,
                                             epochs=plan.final_epochs,
                                             seeds=spec.seeds(200, plan.transfer_seeds))
            names = {f: records.found_name(f) for f in fin}
            seconds = time.perf_counter() - t0
            data = _document(spec, space, pool, first, method, stage_records, finalists,
                             scored, transfer, names, counts, sum(cpu.values()), seconds)
            store.put_meta(META_KEY, {**spec.to_dict(), "state": "finished",
                                      "seconds": seconds})
    finally:
        bar.close()
    rows = records.candidate_rows(pool.all, len(plan.stages), list(fin))
    records.write_candidate_log(out, rows, len(plan.stages))
    records.write_search_json(out, data)
    if log:
        log(f"search: {counts['asked']} runs ({counts['reused']} reused from {DB_NAME}) in "
            f"{seconds:.1f} s")
    return data


def _entry(s: final.Scored, names: dict[str, str], c: Candidate | None) -> dict[str, Any]:
    d = s.to_dict()
    delta = d.pop("delta_vs_relu", None) or {"mean": 0.0, "low": 0.0, "high": 0.0,
                                             "method": "reference"}
    out: dict[str, Any] = {}
    if c is not None:
        out.update(name=names[c.formula], expression=c.formula,
                   validation_by_stage={str(k): v for k, v in sorted(c.scores.items())})
    else:
        out.update(name=s.label, activation=s.activation)
    out.update(test_accuracy=d["test_accuracy"], delta_vs_relu=delta, seeds=d["seeds"],
               lr=d["lr"])
    return out


def _document(spec: SearchSpec, space: Space, pool: Pool, first: list[Candidate], method: str,
              stage_records: list[halving.StageRecord], finalists: list[Candidate],
              scored: list[final.Scored], transfer: list[final.Scored], names: dict[str, str],
              counts: dict[str, Any], cpu: float, seconds: float) -> dict[str, Any]:
    fin = {c.formula: c for c in finalists}

    def split(rows: list[final.Scored]) -> tuple[list[dict], list[dict]]:
        return ([_entry(s, names, fin[s.label]) for s in rows if s.finalist],
                [_entry(s, names, None) for s in rows if not s.finalist])

    f_rows, b_rows = split(scored)
    t_rows = split(transfer) if transfer else ([], [])
    setting = f"{spec.transfer}, MLP {spec.depth} x {spec.width}" if spec.transfer else ""
    b = spec.plan
    return {
        "dataset": spec.dataset, "space": space.to_dict(), "budget": spec.budget,
        "setting": spec.describe(), "seed": spec.seed, "method": method,
        "candidates": len(pool.all), "unique": len(pool.kept()) + sum(
            1 for c in pool.all if c.kind in ("rejected", "unstable")),
        "evaluated": len(first),
        "discarded": [{"expression": c.formula, "kind": c.kind, "reason": c.reason}
                      for c in pool.discarded()],
        "discarded_counts": pool.counts(),
        "stages": [r.to_dict() for r in stage_records],
        "screen_lr": spec.screen_lr,
        "final": {"epochs": b.final_epochs, "seeds": b.final_seeds,
                  "lr_grid": list(lr_grid(*GRID_RANGE, b.grid)),
                  "correction": f"holm over {len(finalists)} finalists"},
        "finalists": f_rows, "baselines": b_rows,
        "transfer": {"setting": setting, "finalists": t_rows[0], "baselines": t_rows[1]},
        "verdict": final.verdict(scored, names, transfer or None, setting),
        "runs": {"asked": counts["asked"], "reused": counts["reused"],
                 "trained": counts["asked"] - counts["reused"]},
        "cpu_seconds": cpu, "seconds": seconds,
        "files": [records.CANDIDATES_CSV, records.CANDIDATES_DB, DB_NAME],
    }
