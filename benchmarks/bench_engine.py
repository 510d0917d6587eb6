"""The engine's figures, measured side by side in one run (absolute times here are noisy).

    python benchmarks/bench_engine.py [--quick]

Prints:
1. the model's cost per SimPy event against a bare SimPy loop of timeouts (target <= 2.5x);
2. replications per second for baseline_2024 on the serial and the process backend (all
   cores), the parallel efficiency (target >= 0.9 on 2 cores) beside the machine's own
   ceiling (independent processes with no engine), and how the batch size moves the
   per-task overhead;
3. the peak memory of an experiment of 1,000 replications against one of 20,000 (target
   ratio <= 1.25), for the main process and for the largest worker;
4. a sweep's replications per second against a single-scenario run of as many replications,
   on the process backend (the cost of spreading them over many design points).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_model import bare_simpy, model

from sim.experiment import engine
from sim.experiment.backends import default_workers, make_backend
from sim.experiment.batch import Task, run_task
from sim.experiment.design import build_design, parse_factor, point_names
from sim.scenario.loader import load_scenario, load_variants

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline_2024.toml"


def per_event(n: int) -> None:
    sim_time, events, _ = model(n)
    bare = bare_simpy(events)
    ratio = (sim_time / events) / (bare / events)
    print(
        f"1. cost per SimPy event: model {1e6 * sim_time / events:.2f} us, bare SimPy "
        f"{1e6 * bare / events:.2f} us, ratio {ratio:.2f} (target <= 2.5)"
    )


def rate(
    backend_name: str,
    workers: int,
    n: int,
    batch_size: int = 0,
    exp: engine.Experiment | None = None,
    points: tuple | None = None,
) -> float:
    """Replications per second of a fresh experiment (pool start-up included), by default
    ``baseline_2024`` alone; with ``exp``, ``n`` replications of each of its scenarios."""
    exp = exp or engine.Experiment("run", (load_scenario(BASELINE),), 11)
    with tempfile.TemporaryDirectory() as tmp:
        store = engine.open_store(
            Path(tmp) / "x", exp, resume=False, force=False, facts={}, points=points
        )
        t = time.perf_counter()
        backend = make_backend(backend_name, workers)
        try:
            engine.run(exp, store, backend, n, batch_size=batch_size, quiet=True)
        finally:
            backend.close()
            store.close()
        return n * len(exp.scenarios) / (time.perf_counter() - t)


def _bare_replications(n: int) -> float:
    """Seconds for n replications in this process, no engine, no store."""
    scenario = load_scenario(BASELINE)
    t = time.perf_counter()
    run_task(Task(0, scenario, 5, tuple(range(n))))
    return time.perf_counter() - t


def ceiling(n: int, workers: int) -> float:
    """The machine's own speed-up: ``workers`` independent processes each running the same n
    replications at once, against one process alone (no engine involved)."""
    alone = _bare_replications(n)
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        together = pool.map(_bare_replications, [n] * workers)
    alone = min(alone, _bare_replications(n))  # the better of two, before and after
    return workers * alone / max(together)


def throughput(n: int) -> None:
    workers = default_workers()
    s = max(rate("serial", 1, n) for _ in range(2))
    p = max(rate("process", workers, n) for _ in range(2))
    c = ceiling(n // 2, workers)
    print(
        f"2. replications/s: serial {s:.0f}, process on {workers} cores {p:.0f}; "
        f"speed-up {p / s:.2f}, parallel efficiency {p / s / workers:.2f} (target >= 0.9)\n"
        f"   the machine's ceiling ({workers} independent processes, no engine): speed-up "
        f"{c:.2f}, efficiency {c / workers:.2f}; the engine reaches {p / s / c:.2f} of it"
    )
    for size in (1, 5, 25):
        r = rate("process", workers, n // 2, batch_size=size)
        print(
            f"   process, batch size {size:>3}: {r:.0f} replications/s ({r / p:.2f} of automatic)"
        )


def memory_child(n: int) -> None:
    """Run one experiment in this process and print its peak RSS and its workers' (KiB)."""
    from sim.cli import main

    with tempfile.TemporaryDirectory() as tmp:
        code = main(
            [
                "run",
                str(BASELINE),
                "-n",
                str(n),
                "--seed",
                "3",
                "--quiet",
                "--out",
                str(Path(tmp) / "m"),
            ]
        )
    self_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"code": code, "main": self_kib, "worker": child_kib}))


def memory(small: int, large: int) -> None:
    peaks = {}
    for n in (small, large):
        out = subprocess.run(
            [sys.executable, __file__, "--memory-child", str(n)],
            capture_output=True,
            text=True,
            check=True,
        )
        peaks[n] = json.loads(out.stdout.strip().splitlines()[-1])
    a, b = peaks[small], peaks[large]
    print(
        f"3. peak memory, {small} vs {large} replications: main process {a['main'] / 1024:.0f} "
        f"vs {b['main'] / 1024:.0f} MiB (ratio {b['main'] / a['main']:.2f}, target <= 1.25); "
        f"largest worker {a['worker'] / 1024:.0f} vs {b['worker'] / 1024:.0f} MiB"
    )


def sweep(points: int, reps: int, workers: int) -> float:
    """Replications per second of an LHS sweep over ``points`` values of a casualty mean close
    to the baseline's (so a replication costs what a baseline one does), ``reps`` each."""
    base = load_scenario(BASELINE)
    design = build_design([parse_factor("mines.killed_mean=1.9:2.1", base)], "lhs", points, 11)
    names = point_names(base.name, points)
    variants = load_variants(BASELINE, [], [design.overrides(k) for k in range(points)])
    scenarios = tuple(dataclasses.replace(v, name=n) for v, n in zip(variants, names, strict=True))
    exp = engine.Experiment("sweep", scenarios, 11, trajectories=False)
    return rate("process", workers, reps, exp=exp, points=(design.columns(), design.rows(names)))


def sweeps(total: int) -> None:
    workers = default_workers()
    single = max(rate("process", workers, total) for _ in range(2))
    print(f"4. sweeps on {workers} cores, against one scenario run {total} times ({single:.0f}/s):")
    for reps in (10, 50, 250):
        r = max(sweep(total // reps, reps, workers) for _ in range(2))
        print(
            f"   {total // reps:>4} points x {reps:>3} replications: {r:.0f} replications/s "
            f"({r / single:.2f} of the single run)"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller runs (a smoke check)")
    ap.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return
    per_event(100 if args.quick else 300)
    throughput(400 if args.quick else 4000)
    memory(100, 2000) if args.quick else memory(1000, 20000)
    sweeps(500 if args.quick else 5000)


if __name__ == "__main__":
    main()
