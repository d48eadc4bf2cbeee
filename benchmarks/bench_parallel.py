"""Study throughput by backend: one process, the same runs sequentially, on loky and on Dask.

A comparison study (``actlab compare``'s engine, :func:`actlab.studies.runner.run_many`) of
``--runs`` independent training runs (digits, MLP, Adam) is timed

  * ``sequential``: ``jobs=1``, the runs one after another in this process;
  * ``loky xN``: joblib's loky processes (``--backend loky --jobs N``, the CLI's default);
  * ``dask xN``: ``--backend dask --jobs N`` as the CLI runs it, a ``LocalCluster`` of N
    single-threaded worker processes started and closed inside the timing;
  * ``dask xN warm``: the same on a cluster that is already running (``--scheduler ADDRESS``).

Every repeat runs each mode in turn (interleaved) into a fresh results store; the fastest repeat
of each mode is kept (the least disturbed by other processes on a shared machine) and printed
as a ratio to ``sequential``. BLAS is pinned to one thread (set below, before numpy loads) and
every run pins it again in its worker. The results of every mode are checked to be identical
(only wall-clock fields may differ). Run:

    .venv/bin/python benchmarks/bench_parallel.py [--jobs 2] [--repeats 3] [--quick]
"""

from __future__ import annotations

import os

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import contextlib  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from actlab.studies import parallel  # noqa: E402
from actlab.studies.records import RunConfig  # noqa: E402
from actlab.studies.runner import run_many  # noqa: E402
from actlab.studies.store import Store  # noqa: E402

ACTIVATIONS = ("relu", "tanh", "gelu", "silu")


def study(runs: int, epochs: int, width: int) -> list[RunConfig]:
    """``runs`` configurations: the activations in turn, each over increasing seeds."""
    return [RunConfig("digits", ACTIVATIONS[i % len(ACTIVATIONS)], seed=i // len(ACTIVATIONS),
                      depth=2, width=width, epochs=epochs, batch_size=32) for i in range(runs)]


def _timeless(r: Any) -> Any:
    return replace(r, wall_seconds=0.0, epochs=tuple(replace(e, seconds=0.0) for e in r.epochs))


@contextlib.contextmanager
def _warm_cluster(jobs: int) -> Iterator[str]:
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                      dashboard_address=":0", silence_logs=40) as cluster:
        with Client(cluster) as client:
            client.wait_for_workers(jobs)
            yield cluster.scheduler_address


def modes(jobs: int, scheduler: str | None) -> dict[str, tuple[Callable[[], Any], int]]:
    """name -> (a context manager factory selecting the backend, jobs)."""
    out: dict[str, tuple[Callable[[], Any], int]] = {
        "sequential": (contextlib.nullcontext, 1),
        f"loky x{jobs}": (lambda: parallel.configured("loky"), jobs),
    }
    if scheduler is not None:
        out[f"dask x{jobs}"] = (lambda: parallel.configured("dask"), jobs)
        out[f"dask x{jobs} warm"] = (lambda: parallel.configured("dask", scheduler), jobs)
    return out


def run(configs: list[RunConfig], *, jobs: int = 2, repeats: int = 3, dask: bool = True,
        stream: Any = sys.stdout) -> dict[str, float]:
    """Best-of-``repeats`` seconds per mode; raises if any mode's results differ."""
    best: dict[str, float] = {}
    reference: list[Any] | None = None
    with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        scheduler = stack.enter_context(_warm_cluster(jobs)) if dask else None
        table = modes(jobs, scheduler)
        for rep in range(repeats):
            for name, (select, n) in table.items():
                path = Path(tmp) / f"{rep}-{name.replace(' ', '-')}.sqlite"
                t0 = time.perf_counter()
                with Store(path) as store, select():
                    results, reused = run_many(configs, store, jobs=n, progress=False, log=None)
                seconds = time.perf_counter() - t0
                assert reused == 0
                got = [_timeless(r) for r in results]
                if reference is None:
                    reference = got
                elif got != reference:
                    raise AssertionError(f"{name}: results differ from the first mode's")
                best[name] = min(best.get(name, float("inf")), seconds)
                print(f"  repeat {rep + 1}: {name:<16} {seconds:7.2f} s", file=stream,
                      flush=True)
    base = best["sequential"]
    print(f"\n{'mode':<18}{'best s':>9}{'speed-up':>10}", file=stream)
    for name, seconds in best.items():
        print(f"{name:<18}{seconds:9.2f}{base / seconds:9.2f}x", file=stream)
    return best


def main(argv: list[str] | None = None) -> dict[str, float]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jobs", type=int, default=2, help="workers for loky and Dask (default 2)")
    ap.add_argument("--repeats", type=int, default=3, help="interleaved repeats (default 3)")
    ap.add_argument("--runs", type=int, default=16, help="training runs in the study (16)")
    ap.add_argument("--epochs", type=int, default=15, help="epochs per run (15)")
    ap.add_argument("--width", type=int, default=64, help="hidden units per layer (64)")
    ap.add_argument("--no-dask", action="store_true", help="sequential and loky only")
    ap.add_argument("--quick", action="store_true", help="a smoke run: 4 tiny runs, 1 repeat")
    args = ap.parse_args(argv)
    if args.quick:
        args.runs, args.epochs, args.width, args.repeats = 4, 1, 8, 1
    configs = study(args.runs, args.epochs, args.width)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = " ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    print(f"{platform.processor() or platform.machine()}, {cores} cores usable, load {load}; "
          f"{len(configs)} runs (digits, 2 x {args.width} MLP, {args.epochs} epochs), "
          f"BLAS threads {os.environ['OPENBLAS_NUM_THREADS']}, best of {args.repeats}")
    best = run(configs, jobs=args.jobs, repeats=args.repeats, dask=not args.no_dask)
    if hasattr(os, "getloadavg"):
        print("load after: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    return best


if __name__ == "__main__":
    main()
