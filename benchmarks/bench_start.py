"""Fast starts and cheap events: the targets of issue 11, measured side by side in one run.

    python benchmarks/bench_start.py [--quick] [--before DIR] [--repeat R] [--instructions]

Prints, each beside its target:
1. the CPU time (user + system, all processes) of ``dmzsim run baseline_2024 -n 1 --backend
   serial --plots none`` (target <= 1 s), and for reference with every plot and of ``--help``;
   with ``--before DIR`` (an older checkout, e.g. ``git archive HEAD | tar -x -C DIR``) the
   same command there, as it ran before (without ``--plots none``, which it lacks);
2. the CPU time of a run with ``--events`` against the same run without, serial and on local
   processes (target <= 1.3x);
3. the engine's overhead at 2,000 replications: ``engine.run`` (store, sketches, tasks)
   against the same replications run bare through ``run_replication``, in one process and in
   as many processes as the engine has workers (target <= 5% of the model's time, wall and
   CPU); and against a bare loop that collects garbage as the engine does (one young
   collection after each replication), which leaves the engine's bookkeeping alone.

With ``--instructions`` (valgrind installed), also the instructions per replication of the
engine and of a run with events against bare replications, counted by callgrind: the same
figures on every run, whatever else the machine does.

Commands run in subprocesses with byte-code caching on (in a temporary folder, not the tree)
after one warm-up run; each figure is the least of ``--repeat`` runs, since the other load of
a shared machine only ever adds time. Absolute times are noisy; ratios less so.
"""

from __future__ import annotations

import argparse
import functools
import gc
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from sim.experiment import engine
from sim.experiment.backends import default_workers, make_backend
from sim.experiment.batch import collect_young, paused_gc
from sim.model.replication import run_replication
from sim.scenario.loader import load_scenario
from sim.scenario.params import Scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline_2024.toml"
RUN_ONE = ["run", "baseline_2024", "-n", "1", "--backend", "serial", "--seed", "1", "--quiet"]


def _env(pythonpath: Path, cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return env | {"PYTHONPATH": str(pythonpath), "PYTHONPYCACHEPREFIX": str(cache)}


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _cpu() -> float:
    """CPU seconds of this process and of every child it has waited for."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime + _children_cpu()


def command_cpu(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """CPU and wall seconds of ``python -m sim ARGS`` in a subprocess (its workers included)."""
    before, t0 = _children_cpu(), time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "sim", *args],
        env=env,
        cwd=cwd,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return _children_cpu() - before, time.perf_counter() - t0


def least(repeat: int, measure: Callable[[int], tuple[float, float]]) -> tuple[float, float]:
    """The least CPU and the least wall time of ``repeat`` measurements."""
    runs = [measure(i) for i in range(repeat)]
    return min(c for c, _ in runs), min(w for _, w in runs)


def start(repeat: int, before: Path | None, tmp: Path) -> None:
    env = _env(ROOT, tmp / "pycache")
    out = iter(range(10**6))

    def cli(args: list[str], path_env: dict[str, str] = env) -> Callable[[int], tuple]:
        return lambda _: command_cpu([*args, "--out", f"o{next(out)}"], path_env, tmp)

    command_cpu(["--help"], env, tmp)  # warm-up: byte code, file cache
    cli([*RUN_ONE, "--plots", "none"])(0)
    help_cpu, _ = least(repeat, lambda _: command_cpu(["--help"], env, tmp))
    none_cpu, none_wall = least(repeat, cli([*RUN_ONE, "--plots", "none"]))
    all_cpu, _ = least(max(1, repeat // 2), cli(RUN_ONE))
    ok = "met" if none_cpu <= 1.0 else "MISSED"
    print(
        f"1. run -n 1 --backend serial --plots none: {none_cpu:.2f} s CPU ({none_wall:.2f} s "
        f"wall), target <= 1 s: {ok}; with the six plots {all_cpu:.2f} s; --help {help_cpu:.2f} s"
    )
    if before is not None:
        old = _env(before, tmp / "pycache-before")
        cli(RUN_ONE, old)(0)
        old_cpu, old_wall = least(max(1, repeat // 2), cli(RUN_ONE, old))
        print(
            f"   before ({before}): run -n 1 --backend serial {old_cpu:.2f} s CPU "
            f"({old_wall:.2f} s wall)"
        )


def events(n: int, repeat: int, tmp: Path) -> None:
    env = _env(ROOT, tmp / "pycache")
    workers = default_workers()
    for backend in ("serial", "process"):
        base = ["run", "baseline_2024", "-n", str(n), "--seed", "5", "--quiet", "--plots", "none"]
        base += ["--backend", backend]
        counter = iter(range(10**6))
        plain, kept = [], []
        for _ in range(repeat):  # alternate, so that a burst of load hits both alike
            out = f"{backend}-{next(counter)}"  # a new folder each: a re-run would only reprint
            plain.append(command_cpu([*base, "--out", f"{out}-plain"], env, tmp))
            kept.append(command_cpu([*base, "--events", "--out", f"{out}-events"], env, tmp))
        p, e = min(c for c, _ in plain), min(c for c, _ in kept)
        ratio = e / p
        where = "serial" if backend == "serial" else f"process, {workers} workers"
        ok = "met" if ratio <= 1.3 else "MISSED"
        print(
            f"2. {n} replications ({where}): plain {p:.2f} s CPU, --events {e:.2f} s CPU, "
            f"ratio {ratio:.2f}, target <= 1.3: {ok}"
        )


@functools.cache
def _baseline() -> Scenario:
    return load_scenario(BASELINE)


def _bare(reps: range, young: bool = False) -> int:
    """Replications ``reps`` through run_replication with Python's default garbage collection,
    or (``young``) with the engine's: none during a replication, a young one after each."""
    scenario = _baseline()  # loaded once per process, as the engine sends it once per task
    if not young:
        for i in reps:
            run_replication(scenario, 11, i)
        return len(reps)
    with paused_gc():
        for i in reps:
            run_replication(scenario, 11, i)
            collect_young()
    return len(reps)


def bare(n: int, workers: int, young: bool = False) -> tuple[float, float]:
    """CPU and wall seconds of replications 0..n-1 through run_replication alone: in this
    process, or spread over ``workers`` fresh processes in chunks of 50."""
    gc.collect()
    c0, t0 = _cpu(), time.perf_counter()
    if workers == 1:
        _bare(range(n), young)
    else:
        chunks = [range(i, min(n, i + 50)) for i in range(0, n, 50)]
        with ProcessPoolExecutor(workers) as pool:
            assert sum(pool.map(_bare, chunks, [young] * len(chunks))) == n
    return _cpu() - c0, time.perf_counter() - t0


def engined(n: int, workers: int) -> tuple[float, float]:
    """CPU and wall seconds of ``engine.run`` for the same replications into a new store
    (timing of the model, planning, tasks, sketches and store included; outputs not)."""
    exp = engine.Experiment("run", (_baseline(),), 11)
    gc.collect()
    with tempfile.TemporaryDirectory() as tmp:
        c0, t0 = _cpu(), time.perf_counter()
        store = engine.open_store(Path(tmp) / "x", exp, resume=False, force=False, facts={})
        backend = make_backend("serial" if workers == 1 else "process", workers)
        try:
            engine.run(exp, store, backend, n, quiet=True)
        finally:
            backend.close()
            store.close()
        return _cpu() - c0, time.perf_counter() - t0


def overhead(n: int, repeat: int) -> None:
    """The engine against run_replication in a loop (Python's default garbage collection, as
    a user's loop has it), and against a loop with the engine's collection policy, which
    leaves only the engine's bookkeeping (tasks, store, sketches) in the difference."""
    for workers in sorted({1, default_workers()}):
        runs = [
            (bare(n, workers), bare(n, workers, True), engined(n, workers)) for _ in range(repeat)
        ]
        (bc, bw), (yc, yw), (ec, ew) = (
            (min(r[k][0] for r in runs), min(r[k][1] for r in runs)) for k in (0, 1, 2)
        )
        where = "in one process" if workers == 1 else f"in {workers} processes"
        ok = "met" if max(ec / bc, ew / bw) <= 1.05 else "MISSED"
        print(
            f"3. {n} replications {where}: bare {bc:.2f} s CPU / {bw:.2f} s wall, engine "
            f"{ec:.2f} s CPU / {ew:.2f} s wall; overhead {100 * (ec / bc - 1):+.1f}% CPU, "
            f"{100 * (ew / bw - 1):+.1f}% wall, target <= 5%: {ok}\n"
            f"   bare with the engine's garbage collection {yc:.2f} s CPU / {yw:.2f} s wall: "
            f"bookkeeping {100 * (ec / yc - 1):+.1f}% CPU, {100 * (ew / yw - 1):+.1f}% wall"
        )


# One process's work for --instructions: replications through run_replication, or engine.run
# (serial, tasks of 50, sketches saved at the end only, as a 2,000-replication run saves them
# a few times), with or without events (events.csv written too).
ICOUNT = """
import sys, tempfile
from pathlib import Path
from sim.experiment import engine
from sim.experiment.backends import make_backend
from sim.experiment.outputs import export_events_csv
from sim.model.replication import run_replication
from sim.scenario.loader import load_scenario
mode, n = sys.argv[1], int(sys.argv[2])
s = load_scenario(Path(sys.argv[3]))
if mode == "bare":
    for i in range(n):
        run_replication(s, 11, i)
else:
    engine.SKETCH_SECONDS = 1e9
    exp = engine.Experiment("run", (s,), 11, keep_events=mode == "events")
    folder = Path(tempfile.mkdtemp())
    store = engine.open_store(folder / "x", exp, resume=False, force=False, facts={})
    engine.run(exp, store, make_backend("serial", 1), n, batch_size=50, quiet=True)
    if mode == "events":
        export_events_csv(store, folder / "events.csv", [s.name])
    store.close()
"""


def instructions(mode: str, n: int) -> int:
    """Instructions valgrind's callgrind counts for one ICOUNT process."""
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable]
        + ["-c", ICOUNT, mode, str(n), str(BASELINE)],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(next(x for x in out.stderr.splitlines() if "Collected" in x).split(":")[-1])


def counted(n: int) -> None:
    """Instructions per replication (the difference of 2n and n replications, over n): the
    same count on every run, whatever else the machine does."""
    per = {
        m: (instructions(m, 2 * n) - instructions(m, n)) / n for m in ("bare", "plain", "events")
    }
    print(
        f"4. instructions per replication (callgrind, serial): bare {per['bare'] / 1e6:.2f} M, "
        f"engine {per['plain'] / 1e6:.2f} M ({100 * (per['plain'] / per['bare'] - 1):+.1f}%), "
        f"with events {per['events'] / 1e6:.2f} M ({per['events'] / per['plain']:.2f}x the engine)"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer replications and repeats")
    p.add_argument("--before", type=Path, help="an older checkout to time `run -n 1` in")
    p.add_argument("--repeat", type=int, default=0, help="runs per figure (default 3, quick 1)")
    p.add_argument("--only", choices=("start", "events", "overhead"), help="one section")
    p.add_argument(
        "--instructions", action="store_true", help="also count instructions (needs valgrind)"
    )
    a = p.parse_args()
    repeat = a.repeat or (1 if a.quick else 3)
    n = 300 if a.quick else 2000
    with tempfile.TemporaryDirectory() as tmp:
        if a.only in (None, "start"):
            start(max(repeat, 3), a.before, Path(tmp))
        if a.only in (None, "events"):
            events(n, repeat, Path(tmp))
        if a.only in (None, "overhead"):
            overhead(n, repeat)
    if a.instructions:
        counted(50 if a.quick else 100)


if __name__ == "__main__":
    main()
