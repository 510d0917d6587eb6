"""Cost of the model against bare SimPy, and against an earlier version, measured side by side.

    python benchmarks/bench_model.py [-n REPLICATIONS]
    python benchmarks/bench_model.py --before REF [--rounds R] [-n REPLICATIONS]

The first form prints microseconds per SimPy event for a bare loop of timeouts and for the
model (baseline scenario), their ratio, and milliseconds per replication. Both run with the
cyclic garbage collector paused, as the experiment engine runs replications.

With ``--before REF`` (a git commit, e.g. the last one before a model change) the same
measurement also runs on that version, checked out into a temporary git worktree, in
alternating subprocesses (before, after, before, ...), and the script prints the cost of a
replication after against before. Each subprocess divides its time per replication by its own
bare-SimPy time per event, so a machine that is slower in one round is slower for both; the
median ratio over the rounds is the figure to read. Absolute times on shared machines are
noisy; the ratios are what to compare.

With ``--instructions`` as well, each version also runs under valgrind's callgrind, which
counts instructions rather than seconds: the same count every time, whatever else the machine
does. A replication's count is the difference between runs of two sizes (which removes
start-up and warm-up), and the ratio after/before is exact.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def bare_simpy(n_events: int) -> float:
    """Seconds for ``n_events`` timeouts in one process."""
    import simpy

    from sim.experiment.batch import paused_gc

    env = simpy.Environment()

    def ticker(env: simpy.Environment):
        for _ in range(n_events):
            yield env.timeout(1.0)

    env.process(ticker(env))
    with paused_gc():
        t = time.perf_counter()
        env.run()
        return time.perf_counter() - t


def model(root: Path, n: int) -> tuple[float, int, float]:
    """Seconds simulating, SimPy events scheduled, and seconds summarising, for n replications
    of ``root``'s baseline scenario."""
    from sim.experiment.batch import paused_gc
    from sim.model.replication import simulate, summarise
    from sim.scenario.loader import load_scenario

    s = load_scenario(root / "scenarios" / "baseline_2024.toml")
    sim_time = sum_time = 0.0
    events = 0
    with paused_gc():
        for i in range(n):
            t = time.perf_counter()
            world = simulate(s, 1, i)
            sim_time += time.perf_counter() - t
            events += next(world.env._eid)  # SimPy's own counter of scheduled events (private)
            t = time.perf_counter()
            summarise(world, i, keep_events=False)
            sum_time += time.perf_counter() - t
    return sim_time, events, sum_time


def measure(root: Path, n: int) -> dict:
    """One measurement of the code under ``root`` (which must be first on sys.path)."""
    model(root, max(10, n // 10))  # warm up: imports, calendars, caches
    sim_time, events, sum_time = model(root, n)
    bare = bare_simpy(events)
    return {
        "bare_us_per_event": 1e6 * bare / events,
        "model_us_per_event": 1e6 * sim_time / events,
        "events_per_replication": events / n,
        "ms_simulating": 1e3 * sim_time / n,
        "ms_summarising": 1e3 * sum_time / n,
        # a replication's cost in bare-SimPy events: comparable across noisy rounds
        "replication_in_bare_events": (sim_time + sum_time) / n / (bare / events),
    }


def report(m: dict, label: str = "model (baseline)") -> None:
    print(f"bare SimPy timeouts : {m['bare_us_per_event']:6.2f} us/event")
    print(
        f"{label:20s}: {m['model_us_per_event']:6.2f} us/event "
        f"({m['events_per_replication']:.0f} events/replication)"
    )
    print(f"ratio model/bare    : {m['model_us_per_event'] / m['bare_us_per_event']:6.2f}")
    print(
        f"per replication     : {m['ms_simulating']:6.2f} ms simulating + "
        f"{m['ms_summarising']:.2f} ms summarising"
    )


def run_in(root: Path, n: int) -> dict:
    """``measure`` in a fresh interpreter with ``root`` first on the path."""
    code = (
        "import json, sys; from pathlib import Path; "
        f"sys.path.insert(0, {str(root)!r}); "
        "sys.modules.pop('sim', None); "
        f"sys.path.insert(0, {str(Path(__file__).parent)!r}); "
        "import bench_model as b; "
        f"print(json.dumps(b.measure(Path({str(root)!r}), {n})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def compare(ref: str, n: int, rounds: int, count: bool = False) -> None:
    with tempfile.TemporaryDirectory(prefix="dmzsim-before-") as tmp:
        before = Path(tmp) / "before"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(before), ref],
            check=True,
        )
        try:
            ratios, pairs = [], []
            for k in range(rounds):
                b = run_in(before, n)
                a = run_in(ROOT, n)
                ratio = a["replication_in_bare_events"] / b["replication_in_bare_events"]
                ratios.append(ratio)
                pairs.append((b, a))
                print(
                    f"round {k + 1}: before {b['ms_simulating'] + b['ms_summarising']:.2f} ms, "
                    f"after {a['ms_simulating'] + a['ms_summarising']:.2f} ms per replication; "
                    f"after/before (normalised by bare SimPy) {ratio:.2f}"
                )
            b, a = pairs[ratios.index(statistics.median_low(ratios))]
            print(f"\nbefore ({ref}):")
            report(b)
            print("\nafter (this checkout):")
            report(a)
            print(
                f"\ncost of a replication, after / before: median {statistics.median(ratios):.2f} "
                f"over {rounds} rounds (range {min(ratios):.2f}-{max(ratios):.2f}); "
                f"SimPy events per replication {b['events_per_replication']:.0f} -> "
                f"{a['events_per_replication']:.0f}"
            )
            if count:
                k = 100
                ib = per_replication_instructions(before, k)
                ia = per_replication_instructions(ROOT, k)
                print(
                    f"instructions per replication (callgrind, replications {k}-{2 * k - 1}): "
                    f"before {ib / 1e6:.2f} M, after {ia / 1e6:.2f} M: after / before {ia / ib:.3f}"
                )
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(before)],
                check=False,
            )


ICOUNT = """
import gc, sys
sys.path.insert(0, sys.argv[1])
from sim.model.replication import simulate, summarise
from sim.scenario.loader import load_scenario
s = load_scenario(sys.argv[1] + "/scenarios/baseline_2024.toml")
gc.disable()
for i in range(int(sys.argv[2])):
    summarise(simulate(s, 1, i), i, False)
"""


def instructions(root: Path, n: int) -> int:
    """Instructions callgrind counts for n replications of ``root``'s baseline, start-up
    included."""
    out = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            "-c",
            ICOUNT,
            str(root),
            str(n),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in out.stderr.splitlines() if "Collected" in x)
    return int(line.split(":")[-1].strip())


def per_replication_instructions(root: Path, n: int) -> float:
    """Instructions per replication: the difference between 2n and n replications, over n."""
    return (instructions(root, 2 * n) - instructions(root, n)) / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=300, help="replications per measurement (300)")
    ap.add_argument("--before", metavar="REF", help="also measure this git commit, side by side")
    ap.add_argument("--rounds", type=int, default=5, help="alternating rounds with --before (5)")
    ap.add_argument(
        "--instructions",
        action="store_true",
        help="with --before: also count instructions under valgrind (about a minute)",
    )
    args = ap.parse_args()
    if args.before:
        compare(args.before, args.n, args.rounds, args.instructions)
    else:
        report(measure(ROOT, args.n))


if __name__ == "__main__":
    main()
