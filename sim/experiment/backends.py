"""Executors for batches of replications: in-process, local worker processes, or Dask.

A backend runs a function over tasks and yields the results as they complete, in any order;
the engine stores them by replication index, so nothing downstream depends on that order.
Only a bounded number of tasks is in flight at once, which keeps memory flat and lets the
engine stop early (``--precision``) or on Ctrl-C without waiting for queued work.
"""

from __future__ import annotations

import asyncio
import ctypes
import ipaddress
import logging
import os
import re
import signal
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.process import BaseProcess
from typing import Any, Protocol

from sim.errors import InputError

BACKENDS = ("serial", "process", "dask")
IN_FLIGHT_PER_WORKER = 3  # enough queued work that no worker idles between tasks
CONNECT_SECONDS = 10.0  # the longest joining a Dask scheduler may take before it is refused
WATCH_PARENT_SECONDS = 1.0  # how often a worker checks that its parent is still alive
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
# tcp://HOST:PORT, HOST a name, an IPv4 address or an IPv6 address in brackets
SCHEDULER_ADDRESS = re.compile(r"tcp://(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(?P<port>\d+)")
HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")


class BackendLost(InputError):
    """The backend failed under a run: reported like bad input, in one line with exit status 2,
    since whole batches are stored and the remedy is the user's (``advice``: the engine says
    to resume)."""

    advice = "run the command again (a run that stores results goes on with --resume)"


class WorkerLost(BackendLost):
    """A worker died (a signal, the out-of-memory killer, a crash in native code) again on
    the same task after one retry; perhaps resume with fewer workers."""

    def __init__(self, cause: str, times: int, tasks: list[Any]) -> None:
        super().__init__("worker", None, cause, "died")
        self.cause = cause
        self.times = times
        self.tasks = tasks  # the tasks that were running each time
        self.where = "on the same task"  # the engine names the batch

    def __str__(self) -> str:
        times = {1: "once", 2: "twice"}.get(self.times, f"{self.times} times")
        return f"a worker process died ({self.cause}) {times} {self.where}; {self.advice}"


class SchedulerLost(BackendLost):
    """The connection to the Dask scheduler was lost mid-run (it stopped, or the network did)."""

    def __init__(self, scheduler: str) -> None:
        super().__init__("--scheduler", None, scheduler, "lost")
        self.scheduler = scheduler

    def __str__(self) -> str:
        return (
            f"the connection to the Dask scheduler {self.scheduler} was lost mid-run; {self.advice}"
        )


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


def _worker_init(parent: int) -> None:
    """Set up a worker process: ignore Ctrl-C (it reaches the whole process group; the parent
    handles it and stops the workers) and exit when ``parent`` dies."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent)


def die_with_parent(parent: int) -> None:
    """Make this process exit when its parent ``parent`` dies, even by SIGKILL, rather than
    linger as an orphan: Linux's parent-death signal (sent when the parent's forking *thread*
    ends, so a pool must be driven from a thread that outlives it, as the CLI's main thread
    does), and a thread that polls the parent's id (elsewhere, and as a fallback)."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no libc to call: the watchdog alone
            pass
    if os.getppid() != parent:  # the parent died before the signal was set
        os._exit(1)
    watch = threading.Thread(target=_watch_parent, args=(parent,), name="watch-parent")
    watch.daemon = True
    watch.start()


def _watch_parent(parent: int) -> None:
    """Exit at once when the parent is gone (this process was handed to another parent)."""
    while os.getppid() == parent:
        time.sleep(WATCH_PARENT_SECONDS)
    os._exit(1)  # no cleanup: the parent that would receive results is gone


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
    """Local worker processes (``concurrent.futures.ProcessPoolExecutor``).

    A worker that dies breaks the whole pool; the tasks not yet returned then run again, once,
    on a fresh pool: a task whose worker dies again stops the run (:class:`WorkerLost`)."""

    name = "process"

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool = self._new_pool()
        self._seen: dict[int, BaseProcess] = {}  # worker processes, to read how they ended

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers, initializer=_worker_init, initargs=(os.getpid(),)
        )

    def _submit(self, fn: Callable[[Any], Any], task: Any) -> Future:
        fut = self._pool.submit(fn, task)
        # the pool's own record of its processes is gone once it is broken and shut down
        self._seen.update(getattr(self._pool, "_processes", None) or {})
        return fut

    def _restart(self) -> str:
        """Replace the broken pool with a fresh one; how its dead worker ended."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        ended = [p.exitcode for p in self._seen.values() if p.exitcode]
        self._seen.clear()
        self._pool = self._new_pool()
        # the pool terminates the other workers (SIGTERM) once one has died: prefer another end
        ended.sort(key=lambda code: code == -signal.SIGTERM)
        return _how_ended(ended[0]) if ended else "it ended abruptly"

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        limit = IN_FLIGHT_PER_WORKER * self.workers
        pending: dict[Future, tuple[Any, bool]] = {}  # future -> (task, whether a suspect)
        # Tasks in flight when a worker died: each runs again alone on a fresh pool, so that
        # a worker that dies again names the one task that kills it (rare: a few seconds).
        suspects: deque[Any] = deque()
        it = iter(tasks)
        try:
            while True:
                if suspects or any(suspect for _, suspect in pending.values()):
                    if not pending:
                        task = suspects.popleft()
                        pending[self._submit(fn, task)] = (task, True)
                else:
                    while len(pending) < limit and (task := next(it, _END)) is not _END:
                        pending[self._submit(fn, task)] = (task, False)
                if not pending:
                    return
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                if any(isinstance(f.exception(), BrokenProcessPool) for f in done):
                    # every task in flight fails with the pool: keep those that did return
                    wait(pending, return_when=ALL_COMPLETED)
                    done = set(pending)
                lost: list[tuple[Any, bool]] = []
                for fut in done:
                    task, suspect = pending.pop(fut)
                    if isinstance(fut.exception(), BrokenProcessPool):
                        lost.append((task, suspect))
                    else:
                        yield fut.result()
                if lost:
                    cause = self._restart()
                    if again := [task for task, suspect in lost if suspect]:
                        raise WorkerLost(cause, 2, again)
                    suspects.extend(task for task, _ in lost)
        finally:
            for fut in pending:
                fut.cancel()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


_END = object()  # the end of the task iterator


def _how_ended(exitcode: int) -> str:
    """'killed by signal 9, SIGKILL' or 'exit status 3', from a process' exit code."""
    if exitcode < 0:
        try:
            return f"killed by signal {-exitcode}, {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit status {exitcode}"


class DaskBackend:
    """A Dask distributed cluster: an existing one at ``scheduler``, or a local one."""

    name = "dask"

    def __init__(self, workers: int, scheduler: str | None = None) -> None:
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise InputError(
                "--backend",
                None,
                "dask",
                "needs Dask: pip install 'dmzsim[dask]' (or pip install 'dask[distributed]')",
            ) from None
        self._cluster = None
        self._scheduler = scheduler or "of the local cluster"
        # Dask logs a dead worker, its restart and the task it gave up on, a line each; this
        # run says what matters in its own line (WorkerLost), so the parent's Dask loggers are
        # quiet while the backend is open, then as they were
        self._log_levels = _quiet_loggers("distributed")
        try:
            self._connect(workers, scheduler)
        except BaseException:
            _restore_loggers(self._log_levels)
            raise

    def _connect(self, workers: int, scheduler: str | None) -> None:
        from distributed import Client, LocalCluster

        if scheduler:
            self._client = join_scheduler(scheduler, Client)
            self.workers = max(1, sum(self._client.nthreads().values()))
        else:
            # workers started while SIGINT is ignored keep ignoring it, as the process pool's
            # do: Ctrl-C reaches the whole process group, and only this process should act;
            # they also inherit quiet loggers, as this process has: on Ctrl-C their tasks are
            # cancelled and a heartbeat may find the scheduler gone (an ERROR with a traceback)
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
            os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "critical")
            try:
                self._cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",  # the scheduler, the nannies and the workers
                    # loopback, like the rest; any free port: never clash with 8787
                    dashboard_address="127.0.0.1:0",
                )
            finally:
                signal.signal(signal.SIGINT, previous)
            self._client = Client(self._cluster)
            self.workers = workers

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        from distributed import KilledWorker
        from distributed import wait as dask_wait
        from distributed.client import CancelledError
        from distributed.comm import CommClosedError

        def wait_any(pending: set[Any]) -> tuple[set[Any], set[Any]]:
            done, rest = dask_wait(list(pending), return_when="FIRST_COMPLETED")
            return set(done), set(rest)

        submitted: dict[Any, Any] = {}  # future key -> task, to name one whose workers died

        def submit(task: Any) -> Any:
            fut = self._client.submit(fn, task, pure=False)
            submitted[fut.key] = task
            return fut

        try:
            yield from _windowed(submit, tasks, IN_FLIGHT_PER_WORKER * self.workers, wait_any)
        except KilledWorker as err:  # the scheduler ran it on new workers already, in vain
            task = submitted.get(err.task)
            tried = err.allowed_failures + 1
            raise WorkerLost("Dask KilledWorker", tried, [] if task is None else [task]) from None
        except (CancelledError, CommClosedError):  # nothing else cancels our futures
            raise SchedulerLost(self._scheduler) from None

    def close(self) -> None:
        try:
            self._client.close()
            if self._cluster is not None:
                self._cluster.close()
        finally:
            _restore_loggers(self._log_levels)


def _quiet_loggers(package: str) -> dict[str, int]:
    """Raise the loggers of ``package`` that have a level of their own (Dask configures
    ``distributed`` and ``distributed.client``, say) to CRITICAL; their levels before."""
    names = [package, *(n for n in logging.root.manager.loggerDict if n.startswith(package + "."))]
    levels = {}
    for name in names:
        log = logging.getLogger(name)
        if name == package or log.level != logging.NOTSET:
            levels[name] = log.level
            log.setLevel(logging.CRITICAL)
    return levels


def _restore_loggers(levels: dict[str, int]) -> None:
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def check_options(name: str, workers: int = 0, scheduler: str | None = None) -> None:
    """Refuse a backend setting that cannot work, before anything starts."""
    if name not in BACKENDS:
        raise InputError("--backend", None, name, f"one of {', '.join(BACKENDS)}")
    if workers < 0:
        raise InputError("--workers", None, workers, "must be 0 (one per core) or more")
    if scheduler is not None and name != "dask":
        raise InputError("--scheduler", None, scheduler, "only with --backend dask")
    if scheduler is not None:
        scheduler_address(scheduler)


def scheduler_address(text: str) -> tuple[str, int]:
    """The host and port of ``tcp://HOST:PORT`` (HOST a name or an IP address, PORT 1..65535);
    InputError for anything else, before a connection is tried."""
    allowed = "a Dask scheduler's address tcp://HOST:PORT, e.g. tcp://SCHEDULER:8786"
    match = SCHEDULER_ADDRESS.fullmatch(text)
    if match is None:
        raise InputError("--scheduler", None, text, allowed)
    host, port = match["host"], int(match["port"])
    if not 1 <= port <= 65535:
        raise InputError("--scheduler", None, text, f"the port must be 1..65535 ({allowed})")
    if host.startswith("["):
        host = host[1:-1]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise InputError(
                "--scheduler", None, text, f"not an IPv6 address ({allowed})"
            ) from None
    elif not all(HOST_LABEL.fullmatch(label) for label in host.removesuffix(".").split(".")):
        raise InputError("--scheduler", None, text, f"not a host name or address ({allowed})")
    return host, port


def join_scheduler(address: str, client: Callable[..., Any]) -> Any:
    """A ``client`` (``distributed.Client``) of the Dask scheduler at ``address``, or one
    InputError line within ``CONNECT_SECONDS``: nothing listens there, the host is unknown, or
    what answers does not speak Dask (distributed waits forever for a silent peer's
    handshake, so that is checked first, under a deadline)."""
    host, port = scheduler_address(address)
    deadline = time.monotonic() + CONNECT_SECONDS

    def refuse(why: str) -> InputError:
        return InputError("--scheduler", None, address, f"no Dask scheduler there: {why}")

    try:
        socket.create_connection((host, port), timeout=CONNECT_SECONDS).close()
    except socket.gaierror:
        raise refuse(f"unknown host {host}") from None
    except TimeoutError:
        raise refuse(f"no answer within {CONNECT_SECONDS:g} s") from None
    except ConnectionRefusedError:
        raise refuse(f"nothing listens on port {port} of {host} (connection refused)") from None
    except OSError as err:
        raise refuse(err.strerror or type(err).__name__) from None
    try:
        asyncio.run(_handshake(address, deadline - time.monotonic()))
    except TimeoutError:
        raise refuse(f"no Dask handshake within {CONNECT_SECONDS:g} s") from None
    except Exception as err:  # whatever a stranger sends, one line
        raise refuse(f"it does not speak Dask ({type(err).__name__})") from None
    try:
        return client(address, timeout=max(1.0, deadline - time.monotonic()))
    except Exception as err:  # a worker's address, a version clash, ...
        raise refuse(f"{type(err).__name__}: {err}".splitlines()[0]) from None


async def _handshake(address: str, seconds: float) -> None:
    """Open a Dask connection to ``address`` (both sides exchange a handshake), then close it."""
    from distributed.comm import connect

    comm = await asyncio.wait_for(connect(address, timeout=seconds), max(seconds, 0.1))
    await comm.close()


def make_backend(name: str, workers: int = 0, scheduler: str | None = None) -> Backend:
    """The backend called ``name``; ``workers`` 0 means one per core."""
    check_options(name, workers, scheduler)
    n = workers or default_workers()
    if name == "serial":
        return SerialBackend()
    if name == "process":
        return ProcessBackend(n)
    return DaskBackend(n, scheduler)
