"""The experiment engine end to end: backends agree byte for byte, runs resume after a kill,
folders are protected, --precision stops where the intervals say."""

from __future__ import annotations

import csv
import dataclasses as dc
import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stores import store_rows

from sim.analysis.stats import proportion_ci
from sim.cli import main
from sim.errors import InputError
from sim.experiment import engine
from sim.experiment.backends import make_backend
from sim.experiment.store import STORE_NAME
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def run(*args: str) -> int:
    return main([*args, "--quiet"])


def read_csv(path: Path) -> list[dict]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


COMPARE = ["compare", "baseline_2024", "loudspeakers_off", "-n", "60", "--seed", "21"]


@pytest.fixture(scope="module")
def serial_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("serial")
    assert run(*COMPARE, "--backend", "serial", "--events", "--out", str(out)) == 0
    return out


def _same_results(a: Path, b: Path) -> None:
    for name in ("outcomes.csv", "trajectory_summary.csv", "survival.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    sketches = "SELECT scenario, replications, sketch FROM sketches ORDER BY scenario"
    assert store_rows(a, sketches) == store_rows(b, sketches)


@pytest.mark.parametrize(
    "backend",
    [
        ("--backend", "process", "--workers", "1", "--batch-size", "7"),
        ("--backend", "process", "--workers", "2", "--batch-size", "5"),
        ("--backend", "process", "--workers", "2"),  # automatic batch size
    ],
    ids=["process-1", "process-2", "process-auto"],
)
def test_process_backend_matches_serial(serial_run, tmp_path, backend):
    out = tmp_path / "p"
    assert run(*COMPARE, *backend, "--events", "--out", str(out)) == 0
    _same_results(serial_run, out)
    assert (serial_run / "events.csv").read_bytes() == (out / "events.csv").read_bytes()


def test_dask_local_cluster_matches_serial(serial_run, tmp_path):
    pytest.importorskip("distributed")
    out = tmp_path / "d"
    code = run(
        *COMPARE,
        "--backend",
        "dask",
        "--workers",
        "2",
        "--batch-size",
        "8",
        "--events",
        "--out",
        str(out),
    )
    assert code == 0
    _same_results(serial_run, out)


def test_dask_scheduler_address_joins_a_running_cluster(serial_run, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address="127.0.0.1:0"
    ) as cluster:
        out = tmp_path / "s"
        code = run(
            *COMPARE,
            "--backend",
            "dask",
            "--scheduler",
            cluster.scheduler_address,
            "--events",
            "--out",
            str(out),
        )
        assert code == 0
    _same_results(serial_run, out)


def test_common_random_numbers_through_the_engine(serial_run):
    """Silencing the loudspeakers leaves every mine blast and rain spell of every replication
    exactly as it was: those processes draw from their own streams."""
    events = read_csv(serial_run / "events.csv")

    def stream(scenario: str, kinds: set[str]) -> list[tuple]:
        return [
            (e["replication"], e["type"], e["time"], e["sector"], e["killed"], e["injured"])
            for e in events
            if e["scenario"] == scenario and e["type"] in kinds
        ]

    kinds = {"heavy_rain"}
    base = stream("baseline_2024", kinds)
    assert base and base == stream("loudspeakers_off", kinds)
    assert stream("baseline_2024", {"loudspeaker_broadcast"})
    assert not stream("loudspeakers_off", {"loudspeaker_broadcast"})


def test_store_is_plain_sqlite(serial_run):
    rows = read_csv(serial_run / "outcomes.csv")
    ((count, blasts),) = store_rows(
        serial_run,
        "SELECT COUNT(*), SUM(count_mine_blast) FROM outcomes WHERE scenario = 'baseline_2024'",
    )
    assert count == 60
    assert blasts == sum(
        float(r["count_mine_blast"]) for r in rows if r["scenario"] == "baseline_2024"
    )
    days = store_rows(serial_run, "SELECT COUNT(*) FROM daily WHERE scenario = 'baseline_2024'")
    assert days[0][0] > 365
    names = {r[0] for r in store_rows(serial_run, "SELECT name FROM sqlite_master")}
    assert {"outcomes", "monthly", "sketches", "daily", "replication_events", "scenarios"} <= names


# --- folders and resume ----------------------------------------------------------------------
RUN = ["run", "baseline_2024", "--seed", "4", "--backend", "serial"]


def test_refuses_a_different_experiment_and_keeps_the_old_one(tmp_path, capsys):
    out = tmp_path / "r"
    assert run(*RUN, "-n", "10", "--out", str(out)) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert run(*RUN[:2], "--seed", "5", "--backend", "serial", "-n", "10", "--out", str(out)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "different experiment" in err[0] and "--force" in err[0]
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert run(*RUN, "-n", "20", "--out", str(out)) == 2  # same one, larger, but no --resume
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--resume" in err[0]
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert (
        run(
            *RUN[:2], "--seed", "5", "--backend", "serial", "-n", "10", "--out", str(out), "--force"
        )
        == 0
    )
    assert {r["seed"] for r in read_csv(out / "outcomes.csv")} == {"5"}


def test_refuses_a_foreign_folder(tmp_path, capsys):
    foreign = tmp_path / "f"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    assert run(*RUN, "-n", "5", "--out", str(foreign)) == 2
    assert run(*RUN, "-n", "5", "--out", str(foreign), "--resume") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all("not empty" in line for line in err)
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"]
    assert (foreign / "notes.txt").read_text() == "mine"


def test_resume_extends_an_experiment(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert run(*RUN, "-n", "15", "--out", str(a)) == 0
    assert run(*RUN, "-n", "40", "--out", str(a), "--resume") == 0
    assert run(*RUN, "-n", "40", "--out", str(b)) == 0
    assert (a / "outcomes.csv").read_bytes() == (b / "outcomes.csv").read_bytes()
    assert (a / "trajectory_summary.csv").read_bytes() == (
        b / "trajectory_summary.csv"
    ).read_bytes()


def _wait_for_rows(folder: Path, at_least: int, proc: subprocess.Popen) -> int:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the run ended before it could be interrupted"
        try:
            ((n,),) = store_rows(folder, "SELECT COUNT(*) FROM outcomes")
            if n >= at_least:
                return n
        except sqlite3.OperationalError:
            pass  # the store or its table does not exist yet
        time.sleep(0.02)
    raise AssertionError("no progress")


@pytest.mark.parametrize(
    "backend, how",
    [("process", signal.SIGKILL), ("process", signal.SIGINT), ("dask", signal.SIGINT)],
    ids=["SIGKILL", "Ctrl-C", "Ctrl-C-dask"],
)
def test_a_stopped_run_resumes_to_identical_outcomes(tmp_path, backend, how):
    if backend == "dask":
        pytest.importorskip("distributed")
    n = "3000"
    cmd = [
        sys.executable,
        "-m",
        "sim",
        *RUN[:2],
        "--seed",
        "9",
        "-n",
        n,
        "--backend",
        backend,
        "--workers",
        "2",
        "--batch-size",
        "20",
    ]
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [*cmd, "--out", str(out)],
        env=ENV,
        cwd=tmp_path,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stored = _wait_for_rows(out, 200, proc)
    os.killpg(proc.pid, how)  # the whole group: the workers too, as a terminal would
    _, err = proc.communicate(timeout=60)
    if how == signal.SIGINT:
        assert proc.returncode == 130
        assert "--resume" in err and "Traceback" not in err
    ((kept,),) = store_rows(out, "SELECT COUNT(*) FROM outcomes")
    assert stored <= kept < int(n)
    ((batches,),) = store_rows(out, "SELECT COUNT(*) FROM batches")
    assert kept == 20 * batches  # whole batches only
    ((unsketched,),) = store_rows(out, "SELECT COUNT(*) FROM batches WHERE sketched = 0")
    # Ctrl-C saves the sketch on the way out; after a kill the resume must replay batches
    assert (unsketched > 0) if how == signal.SIGKILL else (unsketched == 0)
    done = subprocess.run(
        [*cmd, "--out", str(out), "--resume", "--quiet"],
        env=ENV,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    ref = tmp_path / "whole"
    whole = subprocess.run(
        [*cmd, "--out", str(ref), "--quiet"], env=ENV, cwd=tmp_path, capture_output=True, text=True
    )
    assert whole.returncode == 0, whole.stderr
    for name in ("outcomes.csv", "trajectory_summary.csv", "survival.csv"):
        assert (out / name).read_bytes() == (ref / name).read_bytes(), name


# --- precision -------------------------------------------------------------------------------
def test_precision_stops_when_every_headline_interval_is_narrow(tmp_path, capsys):
    out = tmp_path / "p"
    h = 0.04
    assert (
        run(
            *RUN, "-n", "50", "--precision", str(h), "--max-replications", "5000", "--out", str(out)
        )
        == 0
    )
    printed = capsys.readouterr().out
    rows = read_csv(out / "outcomes.csv")
    n = len(rows)
    assert f"precision: {n} replications" in printed and "target met" in printed
    top = np.array([float(r["highest_rung"]) for r in rows])
    war = np.array([float(r["ended_in_war"]) for r in rows])
    for hits in [top >= k for k in engine.PRECISION_RUNGS] + [war > 0]:
        _, lo, hi = proportion_ci(int(hits.sum()), n)
        assert (hi - lo) / 2 < h
    # the same experiment on two workers stops at the same count with the same rows
    other = tmp_path / "q"
    assert (
        run(
            *RUN[:4],
            "--backend",
            "process",
            "--workers",
            "2",
            "-n",
            "50",
            "--precision",
            str(h),
            "--max-replications",
            "5000",
            "--out",
            str(other),
        )
        == 0
    )
    assert (out / "outcomes.csv").read_bytes() == (other / "outcomes.csv").read_bytes()


def test_precision_respects_the_cap(tmp_path, capsys):
    out = tmp_path / "cap"
    assert (
        run(*RUN, "-n", "20", "--precision", "0.001", "--max-replications", "60", "--out", str(out))
        == 0
    )
    assert len(read_csv(out / "outcomes.csv")) == 60
    assert "target missed" in capsys.readouterr().out


def test_replications_for_matches_the_wilson_width():
    cols = {"highest_rung": np.array([4.0] * 30 + [2.0] * 70), "ended_in_war": np.zeros(100)}
    need = engine.replications_for(cols, 0.02)
    # P(rung>=3) = P(rung>=4) = 0.3 is the widest: the Wilson width at 0.3 crosses 0.02 there
    _, lo, hi = proportion_ci(round(0.3 * need), need)
    assert (hi - lo) / 2 < 0.02
    _, lo, hi = proportion_ci(round(0.3 * (need - 1)), need - 1)
    assert (hi - lo) / 2 >= 0.02
    assert abs(need - 1.96**2 * 0.21 / 0.02**2) < 0.02 * need  # the normal approximation


# --- planning, backends, progress -------------------------------------------------------------
def test_task_sizes_bound_overhead_and_shrink_towards_the_end(tmp_path):
    class FakeProcess:
        name, workers = "process", 2

    short, long = engine.TASK_SECONDS["process"]
    assert engine.batch_bounds(FakeProcess(), 0.002) == (round(short / 0.002), round(long / 0.002))
    assert engine.batch_bounds(FakeProcess(), 10.0) == (1, 1)
    assert engine.batch_bounds(FakeProcess(), 1e-9) == (engine.MAX_BATCH, engine.MAX_BATCH)

    scenario = load_scenario(ROOT / "scenarios" / "baseline_2024.toml")
    exp = engine.Experiment("run", (scenario, dc.replace(scenario, name="other")), 1)
    store = engine.open_store(tmp_path / "x", exp, resume=False, force=False, facts={})
    tasks, total = engine.plan(exp, store, 1000, (10, 200), workers=2)
    sizes = [len(t.replications) for t in tasks]
    assert total == 2000 and sum(sizes) == 2000
    assert max(sizes) == 200
    for i in (0, 1):  # every replication of each scenario exactly once, in shrinking tasks
        mine = [t.replications for t in tasks if t.scenario_index == i]
        assert sorted(r for reps in mine for r in reps) == list(range(1000))
        lengths = [len(reps) for reps in mine]
        assert lengths == sorted(lengths, reverse=True)
        assert min(lengths[:-1]) >= 10
    assert sizes[-1] <= 10  # the experiment ends on a short task
    fixed, _ = engine.plan(exp, store, 1000, (64, 64), workers=2)
    assert {len(t.replications) for t in fixed} == {64, 1000 - 15 * 64}
    store.close()


def test_unknown_or_missing_backends_are_one_line_errors(monkeypatch, capsys, tmp_path):
    with pytest.raises(InputError, match="serial, process, dask"):
        make_backend("threads")
    with pytest.raises(InputError, match="only with --backend dask"):
        make_backend("process", 1, "tcp://127.0.0.1:1")
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if Dask were not installed
    out = tmp_path / "never"
    assert run(*RUN, "-n", "5", "--backend", "dask", "--out", str(out)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pip install 'dmzsim[dask]'" in err[0]
    assert not out.exists()


def test_progress_bar_only_on_a_terminal(tmp_path, monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    term = Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    assert main([*RUN, "-n", "30", "--batch-size", "10", "--out", str(tmp_path / "t")]) == 0
    assert "30/30" in term.getvalue() and "rep/s" in term.getvalue()
    quiet = Terminal()
    monkeypatch.setattr(sys, "stderr", quiet)
    assert main([*RUN, "-n", "30", "--out", str(tmp_path / "q"), "--quiet"]) == 0
    assert quiet.getvalue() == ""
    piped = subprocess.run(
        [sys.executable, "-m", "sim", *RUN, "-n", "30", "--out", str(tmp_path / "p")],
        env=ENV,
        capture_output=True,
        text=True,
    )
    assert piped.returncode == 0 and "rep/s" not in piped.stderr and "%|" not in piped.stderr


def test_resume_reads_the_seed_from_the_store(tmp_path):
    out = tmp_path / "r"
    assert run(*RUN, "-n", "10", "--out", str(out)) == 0
    assert (
        run(
            "run", "baseline_2024", "--backend", "serial", "-n", "20", "--out", str(out), "--resume"
        )
        == 0
    )
    rows = read_csv(out / "outcomes.csv")
    assert len(rows) == 20 and {r["seed"] for r in rows} == {"4"}


def test_a_foreign_or_corrupt_store_is_refused_untouched(tmp_path, capsys):
    out = tmp_path / "c"
    out.mkdir()
    (out / STORE_NAME).write_bytes(b"not a database at all" * 100)
    before = (out / STORE_NAME).read_bytes()
    assert run(*RUN, "-n", "5", "--out", str(out)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a dmzsim experiment store" in err[0]
    assert (out / STORE_NAME).read_bytes() == before


class _Done:
    """A stand-in for the store: which replications each scenario already has."""

    def __init__(self, done: dict[str, list[int]]) -> None:
        self._done = done

    def done(self, name: str) -> np.ndarray:
        return np.array(sorted(self._done.get(name, [])), dtype=np.int64)


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(1, 400),
    done=st.lists(st.sets(st.integers(0, 450), max_size=60), min_size=1, max_size=3),
    lo=st.integers(1, 50),
    extra=st.integers(0, 200),
    workers=st.integers(1, 8),
)
def test_plan_covers_every_missing_replication_once(n, done, lo, extra, workers):
    base = load_scenario(ROOT / "scenarios" / "baseline_2024.toml")
    scenarios = tuple(dc.replace(base, name=f"s{i}") for i in range(len(done)))
    exp = engine.Experiment("compare", scenarios, 1)
    store = _Done({f"s{i}": sorted(d) for i, d in enumerate(done)})
    tasks, total = engine.plan(exp, store, n, (lo, lo + extra), workers)
    assert total == sum(len(t.replications) for t in tasks)
    for i, d in enumerate(done):
        got = [r for t in tasks if t.scenario_index == i for r in t.replications]
        assert sorted(got) == sorted(set(range(n)) - d)  # each missing one exactly once
    assert all(1 <= len(t.replications) <= lo + extra for t in tasks)
    assert all(t.root_seed == 1 and t.scenario is scenarios[t.scenario_index] for t in tasks)


def test_ctrl_c_between_storing_a_batch_and_sketching_it_waits_for_both(tmp_path, monkeypatch):
    """A Ctrl-C that lands just after a batch is written (before it is in the sketch) is held
    until the batch is in the sketch too, so the sketch saved on the way out has every stored
    batch and a resume replays nothing (the subprocess test above only sometimes hits this)."""
    from sim.experiment.store import Store

    s = load_scenario(ROOT / "scenarios" / "baseline_2024.toml")
    exp = engine.Experiment("run", (s,), 3)
    store = engine.open_store(tmp_path / "x", exp, resume=False, force=False, facts={})
    write, calls = Store.write_batch, []

    def write_then_ctrl_c(self, *args, **kwargs):
        batch_id = write(self, *args, **kwargs)
        calls.append(batch_id)
        if len(calls) == 3:
            signal.raise_signal(signal.SIGINT)
        return batch_id

    monkeypatch.setattr(Store, "write_batch", write_then_ctrl_c)
    with pytest.raises(engine.Interrupted):
        engine.run(exp, store, make_backend("serial", 1), 40, batch_size=4, quiet=True)
    (unsketched,) = store.con.execute("SELECT COUNT(*) FROM batches WHERE sketched = 0").fetchone()
    (stored,) = store.con.execute("SELECT COUNT(*) FROM batches").fetchone()
    store.close()
    assert stored == len(calls) == 3 and unsketched == 0
