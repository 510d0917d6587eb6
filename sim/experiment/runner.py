"""Run many replications of a scenario, serially or on local worker processes.

Replication *i* always gets the same seeds (see ``sim.rng``), so the results do not depend on
the number of workers or the order in which batches finish; they are returned in index order.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

from sim.model.replication import run_replication
from sim.model.result import ReplicationResult
from sim.scenario.params import Scenario

Progress = Callable[[int], None]


def run_batch(
    scenario: Scenario, root_seed: int, indices: Sequence[int], keep_events: bool = False
) -> list[ReplicationResult]:
    return [run_replication(scenario, root_seed, i, keep_events) for i in indices]


def batches(n: int, size: int) -> list[range]:
    return [range(lo, min(n, lo + size)) for lo in range(0, n, size)]


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def run_replications(
    scenario: Scenario,
    n: int,
    root_seed: int,
    *,
    workers: int = 1,
    keep_events: bool = False,
    batch_size: int = 50,
    progress: Progress | None = None,
) -> list[ReplicationResult]:
    """Replications 0..n-1 of ``scenario``, in index order."""
    parts = batches(n, batch_size)
    out: list[ReplicationResult] = []
    if workers <= 1 or len(parts) <= 1:
        for part in parts:
            out.extend(run_batch(scenario, root_seed, part, keep_events))
            if progress:
                progress(len(part))
        return out
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(run_batch, scenario, root_seed, p, keep_events) for p in parts]
        for fut in futures:
            batch = fut.result()
            out.extend(batch)
            if progress:
                progress(len(batch))
    return out
