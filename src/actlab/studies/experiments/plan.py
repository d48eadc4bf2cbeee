"""How a claim's runs are planned: the learning-rate tuning, the seeds, the sweep claims.

1. **Tuning** (:func:`actlab.studies.tuning.tune_lr`, the same API as ``actlab compare``): every
   tuned condition runs at every lr of its grid (a log grid of 5 values spanning 100x, by
   optimizer: :data:`GRIDS`) on the first ``tune_seeds`` seeds at the full budget (one rung);
   the lr with the best mean *validation* score is chosen. A best lr at an edge of the grid
   (strictly better than its neighbour) extends the grid by one point beyond it (at most
   :data:`MAX_EXTEND` times) and the tuning is repeated there (stored runs are reused). Test
   data are never read.
2. **Evaluation.** Each condition runs at its chosen lr with seeds ``0 .. seeds-1`` (the
   tuning runs of the chosen lr are the same configurations, so they are reused): conditions
   are paired by seed.
3. **Sweep claims** (clipping) run every condition at every grid lr with *every* seed: the
   sweep is the experiment. The lr used for the evaluation runs is then the best mean
   validation score over all seeds.

``execute(configs, desc) -> results`` runs configurations (through the store, in parallel).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..records import RunConfig, RunResult
from ..stats import mean_ci
from ..tuning import LrPoint, Rung, Sweep, score, tune_lr
from .common import Claim, Evidence

#: Learning-rate grids for tuning, by optimizer: 5 values, log-spaced, spanning 100x.
GRIDS: dict[str, tuple[float, ...]] = {
    "sgd": (0.003, 0.01, 0.03, 0.1, 0.3),
    "adam": (3e-4, 1e-3, 3e-3, 1e-2, 3e-2),
}

Execute = Callable[[Sequence[RunConfig], str], Sequence[RunResult]]


def grid_for(claim: Claim, cfg: RunConfig) -> tuple[float, ...]:
    """The claim's grid, else the optimizer's."""
    if claim.grid is not None:
        return tuple(claim.grid)
    try:
        return GRIDS[cfg.optimizer]
    except KeyError:
        raise ValueError(f"claim {claim.name}: no lr grid for optimizer {cfg.optimizer!r}"
                         ) from None


def _sweep_claim(claim: Claim, execute: Execute, seeds: list[int]
                 ) -> tuple[dict[str, dict[float, list[RunResult]]], dict[str, Sweep]]:
    """Every condition x grid lr x seed; the chosen lr per condition (best mean validation)."""
    plan = [(c, lr, cfg.replace(lr=lr, seed=s)) for c, cfg in claim.conditions.items()
            for lr in grid_for(claim, cfg) for s in seeds]
    by_key = {r.key: r for r in execute([x for _, _, x in plan],
                                        f"claim {claim.number} lr sweep")}
    runs: dict[str, dict[float, list[RunResult]]] = {c: {} for c in claim.conditions}
    for c, lr, cfg in plan:
        if cfg.key in by_key:
            runs[c].setdefault(lr, []).append(by_key[cfg.key])
    tuning = {}
    for c, cfg in claim.conditions.items():
        grid = grid_for(claim, cfg)
        points = tuple(LrPoint(lr, 0, cfg.epochs, mean_ci([score(r) for r in runs[c][lr]]))
                       for lr in grid)
        best = max(points, key=lambda p: (p.score.mean if p.score.n else -1e300, -p.lr))
        tuning[c] = Sweep(c, grid, best.lr, points)
    return runs, tuning


#: How many times a grid is extended by one point beyond an edge where its best lr lies.
MAX_EXTEND = 2


def extend(grid: tuple[float, ...], chosen: float) -> tuple[float, ...]:
    """``grid`` with one more point (the grid's outer step) beyond the edge where ``chosen``
    lies; unchanged when ``chosen`` lies inside.

    >>> extend((0.01, 0.03, 0.1), 0.1), extend((0.01, 0.03, 0.1), 0.01)
    ((0.01, 0.03, 0.1, 0.3), (0.00333, 0.01, 0.03, 0.1))
    >>> extend((0.01, 0.03, 0.1), 0.03)
    (0.01, 0.03, 0.1)
    """
    g = tuple(sorted(grid))
    if len(g) < 2:
        return g
    if chosen == g[-1]:
        return (*g, float(f"{g[-1] * g[-1] / g[-2]:.3g}"))
    if chosen == g[0]:
        return (float(f"{g[0] * g[0] / g[1]:.3g}"), *g)
    return g


def edge_optimum(sweep: Sweep) -> bool:
    """Whether the chosen lr lies at an edge of the sweep and scores strictly better than its
    neighbour (a tie, e.g. every lr at chance, says nothing about lrs beyond the grid)."""
    pts = sorted((p for p in sweep.points if p.score.n), key=lambda p: p.lr)
    if sweep.fixed or len(pts) < 2:
        return False
    for edge, inner in ((pts[0], pts[1]), (pts[-1], pts[-2])):
        if edge.lr == sweep.chosen and edge.score.mean > inner.score.mean:
            return True
    return False


def _tune(claim: Claim, execute: Execute, grids: dict[str, tuple[float, ...]],
          tune_seeds: tuple[int, ...]) -> dict[str, Sweep]:
    """:func:`tune_lr` for every condition of ``grids``, batched by (grid, epochs)."""
    groups: dict[tuple[tuple[float, ...], int], dict[str, RunConfig]] = {}
    for c, grid in grids.items():
        cfg = claim.conditions[c]
        groups.setdefault((grid, cfg.epochs), {})[c] = cfg
    out: dict[str, Sweep] = {}
    for (grid, epochs), conds in groups.items():
        out.update(tune_lr(conds, lambda cs: list(execute(cs, f"claim {claim.number} lr "
                                                               "tuning")),
                           grid=grid, rungs=(Rung(epochs, tune_seeds),)))
    return out


def collect(claim: Claim, execute: Execute, seeds: int) -> Evidence:
    """Tune (or sweep) ``claim``'s conditions, then run the chosen lrs over ``seeds`` seeds."""
    if seeds < 1:
        raise ValueError(f"seeds must be >= 1, got {seeds}")
    all_seeds = list(range(seeds))
    sweep_runs: dict[str, dict[float, list[RunResult]]] = {}
    if claim.sweep:
        sweep_runs, tuning = _sweep_claim(claim, execute, all_seeds)
    else:
        tune_seeds = tuple(all_seeds[:max(1, min(claim.tune_seeds, seeds))])
        grids = {c: grid_for(claim, cfg) for c, cfg in claim.conditions.items()
                 if claim.tuned(c)}
        tuning = {}
        for _ in range(1 + MAX_EXTEND):
            tuning.update(_tune(claim, execute, grids, tune_seeds))
            grids = {c: extend(grids[c], tuning[c].chosen) for c in grids
                     if edge_optimum(tuning[c])}
            if not grids:
                break
    chosen = {c: tuning[c].chosen if c in tuning else cfg.lr
              for c, cfg in claim.conditions.items()}
    final = {c: [cfg.replace(lr=chosen[c], seed=s) for s in all_seeds]
             for c, cfg in claim.conditions.items()}
    by_key = {r.key: r for r in execute([x for v in final.values() for x in v],
                                        f"claim {claim.number}")}
    runs = {c: [by_key[x.key] for x in v if x.key in by_key] for c, v in final.items()}
    return Evidence(runs, chosen, tuning, sweep_runs)
