"""The execution backends fail safe: the local Dask cluster listens on loopback only, a bad or
silent ``--scheduler`` is one line within the connect deadline, a worker that dies is retried
once and then stops the run in one line with whole batches kept, and no worker outlives its
parent. Every address here is loopback (127.0.0.1)."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from loopback import free_port, http_server, junk_server
from stores import store_rows

from sim.cli import main
from sim.errors import InputError
from sim.experiment import backends
from sim.experiment.backends import ProcessBackend, WorkerLost, check_options

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
RUN = ["run", "baseline_2024", "-n", "40", "--seed", "3", "--batch-size", "5", "--plots", "none"]
RUN += ["-q"]


# --- --scheduler: checked before anything starts, refused in one line -------------------------
@pytest.mark.parametrize(
    "address",
    [
        "not a url",
        "http://127.0.0.1:8786",
        "tcp://127.0.0.1",
        "tcp://127.0.0.1:",
        "tcp://127.0.0.1:0",
        "tcp://127.0.0.1:65536",
        "tcp://127.0.0.1:8786/path",
        "tcp://-bad-host-:8786",
        "tcp://[not-ipv6]:8786",
        "tcp://:8786",
        "",
    ],
)
def test_a_malformed_scheduler_address_is_refused_before_any_connection(address):
    with pytest.raises(InputError, match="tcp://HOST:PORT") as err:
        check_options("dask", 1, address)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:8786", "tcp://localhost:1", "tcp://[::1]:80"])
def test_a_well_formed_scheduler_address_passes_the_check(address):
    check_options("dask", 1, address)


def _refused_quickly(port: int, seconds: float) -> str:
    """make_backend's one-line refusal of tcp://127.0.0.1:PORT, which must come in time."""
    t0 = time.monotonic()
    with pytest.raises(InputError) as err:
        backends.make_backend("dask", 1, f"tcp://127.0.0.1:{port}")
    assert time.monotonic() - t0 < seconds
    text = str(err.value)
    assert "\n" not in text and text.startswith("--scheduler = ")
    return text


def test_a_port_where_nothing_listens_is_refused_at_once():
    pytest.importorskip("distributed")
    assert "connection refused" in _refused_quickly(free_port(), 2.0)


def test_a_server_that_is_not_dask_is_refused_in_one_line():
    pytest.importorskip("distributed")
    with junk_server() as port:
        assert "does not speak Dask" in _refused_quickly(port, backends.CONNECT_SECONDS)


def test_a_silent_server_is_refused_at_the_deadline_not_hung(monkeypatch, capsys, tmp_path):
    """distributed itself would wait forever for the handshake of an HTTP server."""
    pytest.importorskip("distributed")
    assert backends.CONNECT_SECONDS <= 10
    monkeypatch.setattr(backends, "CONNECT_SECONDS", 1.5)  # the same path, sooner
    with http_server() as port:
        assert "no Dask handshake within 1.5 s" in _refused_quickly(port, 1.5 + 1.0)
        out = tmp_path / "never"
        scheduler = f"tcp://127.0.0.1:{port}"
        code = main([*RUN, "--backend", "dask", "--scheduler", scheduler, "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("dmzsim run: error: --scheduler")
    assert not out.exists()


# --- the local Dask cluster listens on loopback only ------------------------------------------
def _listening(pids: Iterable[int]) -> set[tuple[int, str, int]]:
    psutil = pytest.importorskip("psutil")
    out = set()
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            for c in psutil.Process(pid).net_connections(kind="inet"):
                if c.status == psutil.CONN_LISTEN:
                    out.add((pid, c.laddr.ip, c.laddr.port))
    return out


def test_the_local_dask_cluster_and_dashboard_listen_on_loopback_only():
    pytest.importorskip("distributed")
    psutil = pytest.importorskip("psutil")
    me = psutil.Process()
    before = _listening([me.pid])
    backend = backends.make_backend("dask", 1)
    try:
        family = [me.pid, *(p.pid for p in me.children(recursive=True))]
        new = _listening(family) - before
    finally:
        backend.close()
    # the scheduler, its dashboard, the nanny and the worker, at least
    assert len(new) >= 3, new
    assert {ip for _, ip, _ in new} <= {"127.0.0.1", "::1"}, new


# --- a worker that dies mid-run -----------------------------------------------------------------
def _dying(marker: Path, always: int | None, fn: Callable[[Any], Any], task: Any) -> Any:
    """Run ``fn(task)``, but first SIGKILL this worker: once in the whole run (the first task to
    create ``marker``), or every time the task holds replication ``always``."""
    if always is not None and always in task.replications:
        os.kill(os.getpid(), signal.SIGKILL)
    if always is None:
        with contextlib.suppress(FileExistsError):
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            os.kill(os.getpid(), signal.SIGKILL)
    return fn(task)


class _DyingBackend(ProcessBackend):
    """A process backend whose tasks kill their own worker (the hook lives only in tests)."""

    def __init__(self, workers: int, marker: Path, always: int | None) -> None:
        super().__init__(workers)
        self._hook = (marker, always)

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        return super().map_unordered(functools.partial(_dying, *self._hook, fn), tasks)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ref") / "serial"
    assert main([*RUN, "--backend", "serial", "--out", str(out)]) == 0
    return out


def _dying_backends(monkeypatch, marker: Path, always: int | None) -> None:
    monkeypatch.setattr(
        backends, "make_backend", lambda name, workers, scheduler: _DyingBackend(2, marker, always)
    )


def test_a_worker_killed_once_is_retried_and_the_results_are_unchanged(
    reference, tmp_path, monkeypatch, capsys
):
    marker = tmp_path / "killed-once"
    _dying_backends(monkeypatch, marker, None)
    out = tmp_path / "p"
    assert main([*RUN, "--backend", "process", "-j", "2", "--out", str(out)]) == 0
    assert marker.exists()  # a worker did die
    assert "Traceback" not in capsys.readouterr().err
    for name in ("outcomes.csv", "trajectory_summary.csv", "survival.csv"):
        assert (out / name).read_bytes() == (reference / name).read_bytes(), name


def test_a_worker_that_dies_twice_stops_the_run_in_one_line_and_resume_finishes(
    reference, tmp_path, monkeypatch, capsys
):
    out = tmp_path / "p"
    argv = [*RUN, "--backend", "process", "-j", "2", "--out", str(out)]
    with monkeypatch.context() as m:
        _dying_backends(m, tmp_path / "unused", always=22)  # replications 20..24 always die
        assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0] == (
        "dmzsim run: error: a worker process died (killed by signal 9, SIGKILL) twice on "
        "replications 20..24 of baseline_2024; run the same command with --resume to continue"
    )
    ((kept,),) = store_rows(out, "SELECT COUNT(*) FROM outcomes")
    ((batches,),) = store_rows(out, "SELECT COUNT(*) FROM batches")
    assert kept == 5 * batches < 40  # whole batches only, and not the one that died
    assert (22,) not in store_rows(out, "SELECT replication FROM outcomes")
    assert main([*argv, "--resume"]) == 0
    for name in ("outcomes.csv", "trajectory_summary.csv", "survival.csv"):
        assert (out / name).read_bytes() == (reference / name).read_bytes(), name


def _dies_on_3(x: int) -> int:
    if x == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return x


def test_a_dask_task_whose_workers_keep_dying_is_worker_lost():
    pytest.importorskip("distributed")
    import dask

    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        backend = backends.make_backend("dask", 1)
        try:
            with pytest.raises(WorkerLost) as lost:
                list(backend.map_unordered(_dies_on_3, range(6)))
        finally:
            backend.close()
    assert lost.value.tasks == [3]
    assert str(lost.value).startswith("a worker process died (Dask KilledWorker) twice")


class _DyingDask(backends.DaskBackend):
    """A local Dask backend whose task for replication 22 kills its worker every time."""

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        return super().map_unordered(functools.partial(_dying, Path("unused"), 22, fn), tasks)


def dying_dask_run(argv: list[str]) -> int:
    """``main(argv)`` with every dask backend a ``_DyingDask``: run in a subprocess below."""
    backends.make_backend = lambda name, workers, scheduler: _DyingDask(2)
    code = main(argv)
    assert logging.getLogger("distributed.client").level == logging.WARNING  # as Dask set it
    return code


def test_a_dask_run_whose_worker_keeps_dying_ends_in_our_line_alone(reference, tmp_path):
    # in a subprocess, as a user sees it: Dask's log handler writes to the process's stderr
    pytest.importorskip("distributed")
    out = tmp_path / "d"
    argv = [*RUN, "--backend", "dask", "-j", "2", "--out", str(out)]
    code = f"import sys, test_backends_safety as t; sys.exit(t.dying_dask_run({argv!r}))"
    env = {**ENV, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), ENV["PYTHONPATH"]])}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        "dmzsim run: error: a worker process died (Dask KilledWorker) 4 times on replications "
        "20..24 of baseline_2024; run the same command with --resume to continue"
    ]
    assert main([*argv, "--resume", "--backend", "serial"]) == 0
    for name in ("outcomes.csv", "trajectory_summary.csv", "survival.csv"):
        assert (out / name).read_bytes() == (reference / name).read_bytes(), name


def _distributed_log_level() -> int:
    return logging.getLogger("distributed").getEffectiveLevel()


def test_a_local_clusters_workers_log_nothing_below_critical(monkeypatch):
    # a worker's heartbeat that finds the scheduler closed on Ctrl-C logs an ERROR with a
    # traceback (seen in CI): the workers must be as quiet as this process while it runs
    pytest.importorskip("distributed")
    monkeypatch.delenv("DASK_LOGGING__DISTRIBUTED", raising=False)
    backend = backends.make_backend("dask", 2)
    try:
        levels = backend._client.run(_distributed_log_level)
        assert len(levels) == 2 and set(levels.values()) == {logging.CRITICAL}, levels
        assert _distributed_log_level() == logging.CRITICAL
    finally:
        backend.close()


CLUSTER = """
import sys, time
from distributed import LocalCluster
cluster = LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                       scheduler_port=int(sys.argv[1]), dashboard_address="127.0.0.1:0")
print("ready", flush=True)
time.sleep(600)
"""


def test_a_scheduler_lost_mid_run_ends_it_in_one_line_and_resume_finishes(tmp_path):
    pytest.importorskip("distributed")
    port = free_port()
    cluster = subprocess.Popen(
        [sys.executable, "-c", CLUSTER, str(port)], env=ENV, cwd=tmp_path,
        start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    out = tmp_path / "r"
    argv = ["run", "baseline_2024", "-n", "1000", "--seed", "3", "--batch-size", "5", "-q"]
    argv += ["--plots", "none", "--out", str(out)]
    scheduler = f"tcp://127.0.0.1:{port}"
    run = None
    try:
        assert cluster.stdout is not None and cluster.stdout.readline() == "ready\n"
        run = subprocess.Popen(
            [sys.executable, "-m", "sim", *argv, "--backend", "dask", "--scheduler", scheduler],
            env=ENV, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while not _stored(out) and time.monotonic() < deadline:
            assert run.poll() is None, run.stderr.read() if run.stderr else ""
            time.sleep(0.05)
        os.killpg(cluster.pid, signal.SIGKILL)  # the scheduler and its workers, at once
        _, err = run.communicate(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(cluster.pid, signal.SIGKILL)
        cluster.wait()
        if run is not None and run.poll() is None:
            run.kill()
            run.wait()
    assert run.returncode == 2, err
    assert err.splitlines() == [
        f"dmzsim run: error: the connection to the Dask scheduler {scheduler} was lost mid-run; "
        "run the same command with --resume to continue"
    ]
    ((kept,),) = store_rows(out, "SELECT COUNT(*) FROM outcomes")
    assert 0 < kept < 1000 and kept % 5 == 0  # whole batches only
    assert main([*argv, "--resume", "--backend", "serial"]) == 0
    ((kept,),) = store_rows(out, "SELECT COUNT(DISTINCT replication) FROM outcomes")
    assert kept == 1000


def test_worker_lost_is_one_line_without_a_store():
    lost = WorkerLost("killed by signal 9, SIGKILL", 2, [])
    assert str(lost).startswith("a worker process died (killed by signal 9, SIGKILL) twice")
    assert isinstance(lost, InputError) and "\n" not in str(lost)


# --- no worker outlives its parent ----------------------------------------------------------------
def _gone(pids: list[int], seconds: float) -> list[int]:
    """The processes of ``pids`` still running (not zombies) after up to ``seconds``."""
    psutil = pytest.importorskip("psutil")
    deadline = time.monotonic() + seconds
    while True:
        alive = []
        for pid in pids:
            with contextlib.suppress(psutil.Error):
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    alive.append(pid)
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


def _stored(folder: Path) -> bool:
    """Whether the run in ``folder`` has stored a batch (its workers are at work)."""
    import sqlite3

    with contextlib.suppress(sqlite3.Error):
        return bool(store_rows(folder, "SELECT COUNT(*) FROM outcomes")[0][0])
    return False


def _kill_parent_of_run(tmp_path: Path, backend: str, workers: int) -> list[int]:
    """Start a long run, wait for its ``workers`` worker processes, SIGKILL the parent alone;
    return the processes of that run left after a few seconds (after killing them)."""
    psutil = pytest.importorskip("psutil")
    cmd = [sys.executable, "-m", "sim", "run", "baseline_2024", "-n", "5000", "--seed", "1"]
    cmd += ["--backend", backend, "-j", str(workers), "--plots", "none", "-q"]
    proc = subprocess.Popen(
        [*cmd, "--out", str(tmp_path / "o")],
        env=ENV,
        cwd=tmp_path,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not _stored(tmp_path / "o") and time.monotonic() < deadline:
            assert proc.poll() is None, "the run ended early"
            time.sleep(0.1)
        family = psutil.Process(proc.pid).children(recursive=True)
        assert len(family) >= workers, "the workers never started"
        pids = [p.pid for p in family]
    finally:
        proc.kill()  # the parent alone (SIGKILL), as the out-of-memory killer would
        proc.wait()
    left = _gone(pids, 5.0)
    for pid in left:  # never leave them behind, even when the test fails
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return left


def test_process_workers_die_with_their_parent(tmp_path):
    assert _kill_parent_of_run(tmp_path, "process", 2) == []


def test_dask_workers_die_with_their_parent(tmp_path):
    pytest.importorskip("distributed")
    assert _kill_parent_of_run(tmp_path, "dask", 1) == []


WATCHDOG = """
import os, sys, time
sys.platform = "elsewhere"  # no parent-death signal: the watchdog thread alone
from sim.experiment.backends import die_with_parent
parent = os.getpid()
child = os.fork()
if child == 0:
    die_with_parent(parent)
    time.sleep(60)
    os._exit(0)
print(child, flush=True)
time.sleep(0.3)
"""


def test_the_watchdog_alone_ends_an_orphaned_worker():
    done = subprocess.run(
        [sys.executable, "-c", WATCHDOG], env=ENV, capture_output=True, text=True, timeout=30
    )
    child = int(done.stdout.strip())
    assert _gone([child], backends.WATCH_PARENT_SECONDS + 3.0) == []
