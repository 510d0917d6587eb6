"""One task of an experiment: run a batch of replications and reduce them to what is stored.

A worker returns a :class:`BatchResult`: outcome rows, monthly counts, the batch's daily
trajectories (float32 and int8, about 2 kB per replication, cheaper to send than a compressed
sketch is to build) and, when asked, the events, coded and formatted for the store and
``events.csv`` here in the worker (``eventlog``). The parent folds the trajectories into its
sketch and drops them, so what it holds stays small whatever the replication count.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.experiment.eventlog import EventBatch, EventLog, encode
from sim.experiment.parameters import Applier, ParameterTable
from sim.model.replication import run_replication
from sim.model.result import ReplicationResult
from sim.scenario.params import Scenario


@dataclass(frozen=True)
class Task:
    """Replications ``replications`` of scenario number ``scenario_index`` of an experiment."""

    scenario_index: int
    scenario: Scenario
    root_seed: int
    replications: tuple[int, ...]
    keep_events: bool = False
    table: ParameterTable | None = None  # per-replication parameter sets (a posterior, a fit)


@dataclass(frozen=True)
class BatchResult:
    """What a task sends back: one row per replication, in the order of ``replications``.

    ``monthly[r, m]`` holds the event counts of month ``months[m]`` by type (``TYPE_NAMES``
    order) followed by that month's highest daily rung; ``tension[r]`` and ``rung[r]`` are the
    replication's daily trajectory.
    """

    scenario_index: int
    replications: tuple[int, ...]
    outcome_names: tuple[str, ...]
    outcomes: np.ndarray  # float64 (r, outcomes)
    months: tuple[str, ...]
    monthly: np.ndarray  # int32 (r, months, types + 1)
    tension: np.ndarray  # float32 (r, days)
    rung: np.ndarray  # int8 (r, days)
    events: EventBatch | None = None  # when the task keeps events


def month_starts(start: dt.date, months: Sequence[str], days: int) -> np.ndarray:
    """Index of the first simulated day of each month (day 0 for the start month)."""
    out = [0]
    for label in months[1:]:
        y, m = (int(p) for p in label.split("-"))
        out.append(min(days, (dt.date(y, m, 1) - start).days))
    return np.asarray(out, dtype=np.int64)


def reduce_results(
    task: Task, results: Sequence[ReplicationResult], events: EventBatch | None = None
) -> BatchResult:
    """Fold replications into a batch result (separate from running them, for tests); their
    events, when the task keeps them, come coded in ``events`` or are coded here."""
    first = results[0]
    names = tuple(first.outcomes)
    outcomes = np.array([[r.outcomes[k] for k in names] for r in results], dtype=np.float64)
    rungs = np.stack([r.rung for r in results])
    starts = month_starts(task.scenario.start_date, first.months, rungs.shape[1])
    top = np.maximum.reduceat(rungs, starts, axis=1).astype(np.int32)
    monthly = np.concatenate([np.stack([r.monthly_counts for r in results]), top[..., None]], 2)
    if task.keep_events and events is None:
        events = encode(task.scenario.name, [(r.replication, r.events or ()) for r in results])
    return BatchResult(
        scenario_index=task.scenario_index,
        replications=tuple(r.replication for r in results),
        outcome_names=names,
        outcomes=outcomes,
        months=first.months,
        monthly=monthly,
        tension=np.stack([r.tension for r in results]),
        rung=rungs,
        events=events,
    )


@contextmanager
def paused_gc() -> Iterator[None]:
    """No automatic cyclic garbage collection while a batch runs; each replication's young
    garbage is collected once it ends (``collect_young``). The automatic collector, triggered
    every 700 allocations, would look at the live world over and over (measured: about 10%
    more time for a batch than one young collection per replication)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def collect_young() -> None:
    """Free a finished replication's reference cycles while they are young (and in cache)."""
    gc.collect(0)


def run_task(task: Task) -> BatchResult:
    """Run a task's replications (in a worker) and reduce them."""
    scenario_of = Applier(task.scenario, task.table, task.root_seed)
    log = EventLog(task.scenario.name) if task.keep_events else None
    results = []
    with paused_gc():
        for i in task.replications:
            result = run_replication(scenario_of(i), task.root_seed, i, task.keep_events)
            if log is not None:  # coded and formatted now, and dropped
                log.add(i, result.events or ())
                result = dataclasses.replace(result, events=None)
            results.append(result)
            collect_young()
    return reduce_results(task, results, log.finish() if log is not None else None)


@dataclass(frozen=True)
class MapTask:
    """Replications of one scenario, each reduced by ``reduce`` (a module-level function)."""

    scenario: Scenario
    root_seed: int
    replications: tuple[int, ...]
    reduce: Callable[[Scenario, ReplicationResult], Any]
    keep_events: bool = True


def run_map_task(task: MapTask) -> tuple[tuple[int, ...], list[Any]]:
    """Run a map task: its replication indices and one reduced value per replication."""
    values = []
    with paused_gc():
        for i in task.replications:
            result = run_replication(task.scenario, task.root_seed, i, task.keep_events)
            values.append(task.reduce(task.scenario, result))
            del result
            collect_young()
    return task.replications, values
