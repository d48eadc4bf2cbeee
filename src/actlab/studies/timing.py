"""Where a study's time goes: training, the per-run probes and evaluations, and the rest.

Computed from the runs' own clocks, so it costs nothing to keep: an epoch's ``seconds`` time
the training loop (forward, backward, update), a run's ``wall_seconds`` add its set-up, the
diagnostics probes and the validation/test evaluations; what the workers' time (``jobs`` x the
study's wall time) holds beyond its runs is process start-up, scheduling, storing and workers
idle while a stage waits for its last run. Only runs trained in this call count (reused runs
cost nothing now).

>>> from actlab.studies.timing import TimeBreakdown
>>> t = TimeBreakdown(seconds=10.0, jobs=2, runs=4, training=14.0, per_run_other=3.0)
>>> t.other
3.0
>>> t.describe().split(": ", 1)[1].split(", probes")[0]
'10.0 s wall on 2 workers (20.0 worker-s) for 4 runs: training 14.0 s (70 %)'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from .records import RunResult


@dataclass(frozen=True)
class TimeBreakdown:
    """A study's time, in seconds: ``training`` and ``per_run_other`` are summed over the runs
    trained now (worker-seconds); ``report`` is filled in by whoever wrote the report."""

    seconds: float
    jobs: int
    runs: int
    training: float
    per_run_other: float
    report: float | None = None

    @property
    def other(self) -> float:
        """Worker time outside any run: start-up, scheduling, storing, idle workers."""
        return max(0.0, self.jobs * self.seconds - self.training - self.per_run_other)

    @classmethod
    def of(cls, fresh: Iterable[RunResult], seconds: float, jobs: int) -> TimeBreakdown:
        fresh = list(fresh)
        training = sum(e.seconds for r in fresh for e in r.epochs)
        runs = sum(r.wall_seconds for r in fresh)
        return cls(seconds=float(seconds), jobs=max(1, int(jobs)), runs=len(fresh),
                   training=float(training), per_run_other=float(max(0.0, runs - training)))

    def with_report(self, seconds: float) -> TimeBreakdown:
        return TimeBreakdown(**{**asdict(self), "report": float(seconds)})

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "other": self.other}

    def describe(self) -> str:
        """One line: the shares of the workers' time, then the report's seconds if known."""
        total = self.jobs * self.seconds
        share = (lambda v: f"{v:.1f} s ({100 * v / total:.0f} %)") if total > 0 else (
            lambda v: f"{v:.1f} s")
        text = (f"time: {self.seconds:.1f} s wall on {self.jobs} worker"
                f"{'s' if self.jobs > 1 else ''} ({total:.1f} worker-s) for {self.runs} runs: "
                f"training {share(self.training)}, probes and evaluation "
                f"{share(self.per_run_other)}, start-up, scheduling and idle "
                f"{share(self.other)}")
        return text + (f"; report {self.report:.1f} s" if self.report is not None else "")
