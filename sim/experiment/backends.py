"""Executors for batches of replications: in-process, local worker processes, or Dask.

A backend runs a function over tasks and yields the results as they complete, in any order;
the engine stores them by replication index, so nothing downstream depends on that order.
Only a bounded number of tasks is in flight at once, which keeps memory flat and lets the
engine stop early (``--precision``) or on Ctrl-C without waiting for queued work.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Protocol

from sim.errors import InputError

BACKENDS = ("serial", "process", "dask")
IN_FLIGHT_PER_WORKER = 3  # enough queued work that no worker idles between tasks


class Backend(Protocol):
    name: str
    workers: int

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]: ...

    def close(self) -> None: ...


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class SerialBackend:
    """Runs every task in this process, one after another."""

    name = "serial"
    workers = 1

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        for task in tasks:
            yield fn(task)

    def close(self) -> None:
        pass


def _ignore_sigint() -> None:
    # Ctrl-C reaches the whole process group; the parent handles it and stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _windowed(
    submit: Callable[[Any], Any], tasks: Iterable[Any], limit: int, wait_any: Callable
) -> Iterator[Any]:
    """Submit tasks keeping at most ``limit`` in flight; yield results as they complete."""
    pending: set[Any] = set()
    it = iter(tasks)
    exhausted = False
    try:
        while True:
            while not exhausted and len(pending) < limit:
                task = next(it, None)
                if task is None:
                    exhausted = True
                else:
                    pending.add(submit(task))
            if not pending:
                return
            done, pending = wait_any(pending)
            for fut in done:
                yield fut.result()
    finally:
        for fut in pending:
            fut.cancel()


class ProcessBackend:
    """Local worker processes (``concurrent.futures.ProcessPoolExecutor``)."""

    name = "process"

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool = ProcessPoolExecutor(max_workers=workers, initializer=_ignore_sigint)

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        def wait_any(pending: set[Future]) -> tuple[set[Future], set[Future]]:
            done, rest = wait(pending, return_when=FIRST_COMPLETED)
            return set(done), set(rest)

        return _windowed(
            lambda t: self._pool.submit(fn, t),
            tasks,
            IN_FLIGHT_PER_WORKER * self.workers,
            wait_any,
        )

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskBackend:
    """A Dask distributed cluster: an existing one at ``scheduler``, or a local one."""

    name = "dask"

    def __init__(self, workers: int, scheduler: str | None = None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise InputError(
                "--backend",
                None,
                "dask",
                "needs Dask: pip install 'dmzsim[dask]' (or pip install 'dask[distributed]')",
            ) from None
        self._cluster = None
        if scheduler:
            try:
                self._client = Client(scheduler, timeout="10s")
            except OSError as err:
                raise InputError(
                    "--scheduler", None, scheduler, f"no Dask scheduler answers there ({err})"
                ) from None
            self.workers = max(1, sum(self._client.nthreads().values()))
        else:
            # workers started while SIGINT is ignored keep ignoring it, as the process pool's
            # do: Ctrl-C reaches the whole process group, and only this process should act;
            # they also inherit a quieter log level (cancelled tasks are expected on Ctrl-C)
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
            os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "error")
            try:
                self._cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=":0",  # any free port: never clash with 8787
                )
            finally:
                signal.signal(signal.SIGINT, previous)
            self._client = Client(self._cluster)
            self.workers = workers

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        from distributed import wait as dask_wait

        def wait_any(pending: set[Any]) -> tuple[set[Any], set[Any]]:
            done, rest = dask_wait(list(pending), return_when="FIRST_COMPLETED")
            return set(done), set(rest)

        return _windowed(
            lambda t: self._client.submit(fn, t, pure=False),
            tasks,
            IN_FLIGHT_PER_WORKER * self.workers,
            wait_any,
        )

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def check_options(name: str, workers: int = 0, scheduler: str | None = None) -> None:
    """Refuse a backend setting that cannot work, before anything starts."""
    if name not in BACKENDS:
        raise InputError("--backend", None, name, f"one of {', '.join(BACKENDS)}")
    if workers < 0:
        raise InputError("--workers", None, workers, "must be 0 (one per core) or more")
    if scheduler and name != "dask":
        raise InputError("--scheduler", None, scheduler, "only with --backend dask")


def make_backend(name: str, workers: int = 0, scheduler: str | None = None) -> Backend:
    """The backend called ``name``; ``workers`` 0 means one per core."""
    check_options(name, workers, scheduler)
    n = workers or default_workers()
    if name == "serial":
        return SerialBackend()
    if name == "process":
        return ProcessBackend(n)
    return DaskBackend(n, scheduler)
