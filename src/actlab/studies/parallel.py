"""Run independent tasks on loky, Dask or Ray and yield their results as they complete.

A study is embarrassingly parallel: every run is a pure function of its configuration. This
module only moves tasks out and results back; the driver keeps the single SQLite writer, so the
results (and the store) are the same whichever backend or number of workers ran them.

Backends:

- ``None`` (the library default): joblib with whatever :func:`joblib.parallel_config` selects
  (loky processes unless configured otherwise).
- ``"loky"``: joblib's loky processes on this machine, ``jobs`` of them.
- ``"dask"``: ``dask.distributed`` futures; on a running cluster (``scheduler="tcp://host:8786"``)
  or, without a scheduler, on a ``LocalCluster`` of ``jobs`` single-threaded worker processes
  started for the call. Needs the ``dask`` extra (``pip install 'actlab[dask]'``).
- ``"ray"``: ``ray.remote`` tasks collected with ``ray.wait`` (Ray's joblib backend cannot
  return results as they complete); joins the cluster at ``scheduler`` or starts a local one.

Choose a backend for a block of code with :func:`configured` (the CLI's ``--backend`` and
``--scheduler`` do this), or pass it to :func:`execute`.

>>> from actlab.studies.parallel import configured, current
>>> with configured("loky"):
...     current().backend
'loky'
>>> configured("spark")
Traceback (most recent call last):
...
ValueError: unknown backend 'spark' (choose loky, dask or ray)
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

BACKENDS = ("loky", "dask", "ray")


@dataclass(frozen=True)
class ParallelConfig:
    """Where tasks run: ``backend`` (``None`` = joblib's configured backend) and, for Dask or
    Ray, the ``scheduler`` address of a running cluster (``None`` = start a local one)."""

    backend: str | None = None
    scheduler: str | None = None

    def __post_init__(self) -> None:
        if self.backend is not None and self.backend not in BACKENDS:
            raise ValueError(f"unknown backend {self.backend!r} (choose {', '.join(BACKENDS[:-1])}"
                             f" or {BACKENDS[-1]})")
        if self.scheduler is not None:
            if self.backend not in ("dask", "ray"):
                raise ValueError("a scheduler address needs backend 'dask' or 'ray' "
                                 f"(got backend {self.backend!r})")
            if not isinstance(self.scheduler, str) or not self.scheduler.strip():
                raise ValueError(f"scheduler must be an address, got {self.scheduler!r}")

    @property
    def remote(self) -> bool:
        """Whether tasks run on a cluster this process did not start."""
        return self.scheduler is not None


# each block: its configuration and what it started (a local Dask cluster), closed at its end
_STACK: list[tuple[ParallelConfig, dict[str, Any]]] = [(ParallelConfig(), {})]


def current() -> ParallelConfig:
    """The configuration :func:`execute` uses when given none."""
    return _STACK[-1][0]


def configured(backend: str | None = None, scheduler: str | None = None
               ) -> contextlib.AbstractContextManager[ParallelConfig]:
    """Context manager: run studies inside the block on ``backend`` (validated at once).

    A local Dask cluster started inside the block serves every study of the block (``claims``
    runs one study per claim) and is closed when the block ends.
    """
    cfg = ParallelConfig(backend, scheduler)

    @contextlib.contextmanager
    def block() -> Iterator[ParallelConfig]:
        entry: tuple[ParallelConfig, dict[str, Any]] = (cfg, {})
        _STACK.append(entry)
        try:
            yield cfg
        finally:
            _STACK.remove(entry)
            for resource in reversed(list(entry[1].values())):
                resource.close()

    return block()


def execute(fn: Callable[..., Any], tasks: Sequence[tuple], *, jobs: int = 1,
            config: ParallelConfig | None = None,
            child_kwargs: dict[str, Any] | None = None) -> Iterator[Any]:
    """``fn(*task)`` for every task, yielded in the order they finish.

    ``fn`` must be a module-level function (it is pickled to the workers). ``child_kwargs`` are
    passed only to tasks running in processes this call started on this machine (loky or a local
    Dask cluster), e.g. a flag that makes a worker exit with its parent. With the default or
    loky backend and ``jobs == 1`` the tasks run here, in order.
    """
    cfg = config if config is not None else current()
    tasks = list(tasks)
    jobs = max(1, min(int(jobs), len(tasks) or 1))
    if not tasks:
        return iter(())
    if cfg.backend == "dask":
        shared = _STACK[-1][1] if config is None or config is current() else None
        return _dask(fn, tasks, jobs, cfg, child_kwargs or {}, shared)
    if cfg.backend == "ray":
        return _ray(fn, tasks, jobs, cfg)
    if jobs == 1:
        return (fn(*t) for t in tasks)
    return _joblib(fn, tasks, jobs, cfg.backend, child_kwargs or {})


def _joblib(fn: Callable[..., Any], tasks: list[tuple], jobs: int, backend: str | None,
            kw: dict[str, Any]) -> Iterator[Any]:
    from joblib import Parallel, delayed

    # loky: idle workers leave after 5 s, so workers of a killed study do not linger
    options: dict[str, Any] = {"idle_worker_timeout": 5} if backend == "loky" else {}
    parallel = Parallel(n_jobs=jobs, return_as="generator_unordered", backend=backend, **options)
    yield from parallel(delayed(fn)(*t, **kw) for t in tasks)


def _shared(tasks: list[tuple]) -> set[int]:
    """ids of the arguments that several tasks share (data sets): sent to the workers once."""
    seen: dict[int, int] = {}
    for t in tasks:
        for a in t:
            if a is not None and not isinstance(a, (str, int, float, bool)) and not callable(a):
                seen[id(a)] = seen.get(id(a), 0) + 1
    return {k for k, n in seen.items() if n > 1}


def _dask(fn: Callable[..., Any], tasks: list[tuple], jobs: int, cfg: ParallelConfig,
          kw: dict[str, Any], shared: dict[str, Any] | None) -> Iterator[Any]:
    """``shared``: the enclosing :func:`configured` block's resources (a local cluster started
    there is kept for the block's next studies), or ``None`` (close it after this call)."""
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise ImportError("backend 'dask' needs dask.distributed: pip install 'actlab[dask]'"
                          ) from None
    own: list[Any] = []  # closed after this call
    if cfg.remote:
        client = Client(cfg.scheduler, set_as_default=False)
        own.append(client)
        kw = {}
    elif shared is not None and "dask_client" in shared:
        client = shared["dask_client"]
    else:
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                               dashboard_address=":0", silence_logs=40)
        client = Client(cluster, set_as_default=False)
        if shared is not None:
            shared["dask_cluster"], shared["dask_client"] = cluster, client
        else:
            own += [client, cluster]
    futures: list[Any] = []
    try:
        shared = _shared(tasks)
        scattered: dict[int, Any] = {}
        for t in tasks:
            for a in t:
                if id(a) in shared and id(a) not in scattered:
                    scattered[id(a)] = client.scatter(a, broadcast=True, hash=False)
        for t in tasks:
            args = [scattered.get(id(a), a) for a in t]
            futures.append(client.submit(fn, *args, pure=False, **kw))
        with client.as_current():
            done = as_completed(futures)
        for fut in done:
            yield fut.result()
    finally:
        client.cancel(futures)
        for resource in own:
            resource.close()


def _ray(fn: Callable[..., Any], tasks: list[tuple], jobs: int,
         cfg: ParallelConfig) -> Iterator[Any]:  # pragma: no cover - needs the ray extra
    try:
        import ray
    except ImportError:
        raise ImportError("backend 'ray' needs ray: pip install 'ray>=2.9'") from None
    started = not ray.is_initialized()
    if started:
        if cfg.remote:
            ray.init(address=cfg.scheduler)
        else:
            ray.init(num_cpus=jobs, include_dashboard=False, log_to_driver=False)
    remote = ray.remote(num_cpus=1)(fn)
    pending: list[Any] = []
    try:
        shared = _shared(tasks)
        refs = {id(a): ray.put(a) for t in tasks for a in t if id(a) in shared}
        pending = [remote.remote(*[refs.get(id(a), a) for a in t]) for t in tasks]
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            yield ray.get(done[0])
    finally:
        for ref in pending:
            ray.cancel(ref, force=True)
        if started:
            ray.shutdown()
