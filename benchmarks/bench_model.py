"""Cost of the model against bare SimPy, measured side by side in one run.

    python benchmarks/bench_model.py [-n REPLICATIONS]

Prints microseconds per SimPy event for a bare loop of timeouts and for the model (baseline
scenario), their ratio, and milliseconds per replication. Both run with the cyclic garbage
collector paused, as the experiment engine runs replications. Absolute times on shared
machines are noisy; the ratio is the figure to watch.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import simpy

from sim.experiment.batch import paused_gc
from sim.model.replication import simulate, summarise
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parent.parent


def bare_simpy(n_events: int) -> float:
    """Seconds for ``n_events`` timeouts in one process."""
    env = simpy.Environment()

    def ticker(env: simpy.Environment):
        for _ in range(n_events):
            yield env.timeout(1.0)

    env.process(ticker(env))
    with paused_gc():
        t = time.perf_counter()
        env.run()
        return time.perf_counter() - t


def model(n: int) -> tuple[float, int, float]:
    """Seconds simulating, SimPy events scheduled, and seconds summarising, for n replications."""
    s = load_scenario(ROOT / "scenarios" / "baseline_2024.toml")
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=300, help="replications (default 300)")
    n = ap.parse_args().n
    sim_time, events, sum_time = model(n)
    bare = bare_simpy(events)
    per_bare = 1e6 * bare / events
    per_model = 1e6 * sim_time / events
    print(f"bare SimPy timeouts : {per_bare:6.2f} us/event ({events} events)")
    print(f"model (baseline)    : {per_model:6.2f} us/event ({events / n:.0f} events/replication)")
    print(f"ratio model/bare    : {per_model / per_bare:6.2f}")
    print(
        f"per replication     : {1e3 * sim_time / n:6.2f} ms simulating + "
        f"{1e3 * sum_time / n:.2f} ms summarising"
    )


if __name__ == "__main__":
    main()
