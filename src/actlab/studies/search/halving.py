"""Successive halving over candidates, with an evolutionary screening stage for large spaces.

Stage 0 trains every screened candidate once, briefly; each later stage trains the best
``keep`` of the previous one longer and with more seeds. A candidate's score in a stage is the
mean over the stage's seeds of its runs' *validation* accuracy at the validation-selected epoch
(:func:`actlab.studies.tuning.score`; a diverged run counts with what it reached, a missing
score as 0); ties go to the shorter formula. Test data are never read here.

Screening is **exhaustive** when the deduplicated space has at most ``screen`` candidates, and
**evolutionary** otherwise (regularised evolution, Real et al. 2019, in generations so that a
generation's runs go out in parallel): a random population, then children made by changing one
unary or binary of a tournament winner (:meth:`Space.mutate`), each new child screened as it
arrives, until ``screen`` candidates are trained. Every run goes through ``run`` (the
results store), and the random choices depend only on the search seed and the stored scores,
so a rerun or a resumed search makes the same choices and reuses every finished run.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..records import RunConfig, RunResult
from ..tuning import score as run_score
from .screen import Candidate, Pool, admit
from .space import Space

Runner = Callable[[list[RunConfig]], list[RunResult]]
#: ``make(candidate, epochs, seed) -> RunConfig``
Maker = Callable[[Candidate, int, int], RunConfig]

TOURNAMENT = 5  #: tournament size of the evolution
MAX_TRIES = 200  #: mutations tried per child before a random candidate is taken


@dataclass(frozen=True)
class Stage:
    """One rung: ``epochs`` per run, ``seeds`` runs per candidate, the best ``keep`` go on."""

    epochs: int
    seeds: int
    keep: int

    def to_dict(self) -> dict[str, int]:
        return {"epochs": self.epochs, "seeds": self.seeds, "keep": self.keep}


@dataclass(frozen=True)
class StageRecord:
    """What one stage did: how many candidates entered, the runs, and who went on."""

    index: int
    stage: Stage
    entered: int
    runs: int
    advanced: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"stage": self.index, **self.stage.to_dict(), "entered": self.entered,
                "runs": self.runs, "advanced": list(self.advanced)}


def _mean(values: Sequence[float | None]) -> float:
    vals = [v if v is not None and math.isfinite(v) else 0.0 for v in values]
    return float(np.mean(vals)) if vals else 0.0


def train_stage(cands: Sequence[Candidate], index: int, stage: Stage, seeds: Sequence[int],
                make: Maker, run: Runner) -> int:
    """Run every candidate at ``stage`` and store its score in ``candidate.scores[index]``;
    returns the number of runs asked for."""
    batch = [(c, make(c, stage.epochs, s)) for c in cands for s in seeds[:stage.seeds]]
    results = run([cfg for _, cfg in batch])
    values: dict[str, list[float | None]] = {}
    for (c, _), r in zip(batch, results):
        values.setdefault(c.formula, []).append(run_score(r))
    for c in cands:
        c.scores[index] = _mean(values.get(c.formula, []))
    return len(batch)


def ranked(cands: Sequence[Candidate], index: int) -> list[Candidate]:
    """Best first by the stage's score; ties: the shorter formula, then alphabetical."""
    return sorted(cands, key=lambda c: (-c.scores.get(index, -math.inf), len(c.formula),
                                        c.formula))


def successive_halving(first: Sequence[Candidate], stages: Sequence[Stage],
                       seeds: Sequence[int], make: Maker, run: Runner, *,
                       start: int = 1, runs0: int = 0) -> tuple[list[Candidate],
                                                               list[StageRecord]]:
    """Stages ``start ..`` over the survivors of the screened ``first`` (scored in stage
    ``start - 1``); returns the finalists (best first) and a record per stage (stage 0's
    record included, with ``runs0`` runs)."""
    records = []
    alive = ranked(first, start - 1)[:stages[start - 1].keep]
    records.append(StageRecord(start - 1, stages[start - 1], len(first), runs0,
                               tuple(c.formula for c in alive)))
    for i in range(start, len(stages)):
        entered = len(alive)
        n = train_stage(alive, i, stages[i], seeds, make, run)
        alive = ranked(alive, i)[:stages[i].keep]
        records.append(StageRecord(i, stages[i], entered, n, tuple(c.formula for c in alive)))
    return alive, records


def screen(pool: Pool, space: Space, n: int, stage: Stage, seeds: Sequence[int], make: Maker,
           run: Runner, rng: np.random.Generator, *, generation: int = 8
           ) -> tuple[list[Candidate], int, str]:
    """Stage 0: ``n`` candidates trained once (all of them when the pool is no larger: the
    search is then exhaustive). Returns the screened candidates, the runs asked for and the
    method (``"exhaustive"`` or ``"evolutionary"``)."""
    kept = [c for c in pool.kept()]
    enumerated = space.units == 1 or not space.unary
    if enumerated and len(kept) <= n:
        admitted = [c for c in kept if admit(c, space)]
        return admitted, train_stage(admitted, 0, stage, seeds, make, run), "exhaustive"
    screened: list[Candidate] = []
    runs = 0
    init = max(1, min(n, max(generation, n // 3)))
    while len(screened) < n:
        want = min(generation if screened else init, n - len(screened))
        batch = _population(pool, space, kept, screened, want, rng, enumerated)
        if not batch:
            break  # the space is exhausted
        runs += train_stage(batch, 0, stage, seeds, make, run)
        screened.extend(batch)
    return screened, runs, "evolutionary"


def _population(pool: Pool, space: Space, kept: list[Candidate], screened: list[Candidate],
                want: int, rng: np.random.Generator, enumerated: bool) -> list[Candidate]:
    """``want`` new admitted candidates: random ones for the first generation (or when the
    screened ones have no tree to mutate), children of tournament winners after that."""
    seen = {c.formula for c in screened}
    out: list[Candidate] = []
    parents = [c for c in screened if c.tree is not None]
    tries = 0
    while len(out) < want and tries < MAX_TRIES * max(1, want):
        tries += 1
        if parents and tries <= MAX_TRIES * want // 2:
            idx = rng.choice(len(parents), size=min(TOURNAMENT, len(parents)), replace=False)
            parent = max((parents[int(i)] for i in idx),
                         key=lambda c: (c.scores.get(0, -math.inf), -len(c.formula)))
            c = pool.add(space.mutate(parent.tree, rng))
        elif enumerated:
            fresh = [k for k in kept if k.formula not in seen and k.status == "kept"]
            if not fresh:
                break
            c = fresh[int(rng.integers(len(fresh)))]
        else:
            c = pool.add(space.sample(rng))
        if c.formula in seen or c.status != "kept" or not admit(c, space):
            continue
        seen.add(c.formula)
        out.append(c)
    return out
