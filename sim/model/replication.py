"""Run one replication of a scenario and reduce its event log to outcomes and a trajectory."""

from __future__ import annotations

import datetime as dt
import functools
import math

import numpy as np
import simpy

from sim.model import (
    adaptation,
    construction,
    crisis,
    crossings,
    diplomacy,
    grayzone,
    mines,
    patrols,
    terrain,
    timeline,
)
from sim.model.calendar import months_between
from sim.model.events import (
    EVENT_TYPES,
    FIRST_ARMED_RUNG,
    INTENTS,
    TYPE_INDEX,
    TYPE_NAMES,
    Event,
)
from sim.model.result import ReplicationResult
from sim.model.world import World
from sim.rng import Streams
from sim.scenario.params import Scenario

# In this order: the timeline last, so that a scheduled event at time 0 finds every
# mechanism in place (SimPy runs same-time events in the order they were scheduled).
MECHANISMS = (
    terrain.start,
    patrols.start,
    construction.start,
    mines.start,
    crossings.start,
    grayzone.start,
    diplomacy.start,
    crisis.start,
    adaptation.start,
    timeline.start,
)


def simulate(
    scenario: Scenario,
    root_seed: int,
    replication: int,
    env: simpy.Environment | None = None,
    streams: Streams | None = None,
) -> World:
    """Run the world of one replication to its horizon or to the terminal rung.

    ``env`` and ``streams`` default to a new environment and the replication's named streams;
    tests pass their own to watch the clock or the draws.
    """
    env = env or simpy.Environment()
    world = World(env, scenario, streams or Streams(root_seed, replication))
    for start in MECHANISMS:
        start(world)
    horizon = env.timeout(float(scenario.horizon_days))
    env.run(until=simpy.AnyOf(env, [horizon, world.ended]))
    world.close()
    return world


def run_replication(
    scenario: Scenario, root_seed: int, replication: int, keep_events: bool = False
) -> ReplicationResult:
    world = simulate(scenario, root_seed, replication)
    return summarise(world, replication, keep_events)


def summarise(world: World, replication: int, keep_events: bool) -> ReplicationResult:
    """Reduce a finished world to its outcomes, monthly counts and daily trajectory."""
    s = world.s
    events = world.events
    end_time = float(world.env.now)
    months, month_starts = _month_grid(s.start_date, s.end_date)
    n_types = len(TYPE_NAMES)
    # columns of the event log (an Event is a named tuple): times, type indices, ...
    cols = _columns(events)
    kinds = np.array([TYPE_INDEX[name] for name in cols.type], dtype=np.int64)
    times = np.array(cols.time, dtype=np.float64)
    month = np.searchsorted(month_starts, times, side="right") - 1
    monthly = np.bincount(month * n_types + kinds, minlength=len(months) * n_types)
    monthly = monthly.reshape(len(months), n_types).astype(np.int32)
    killed, injured = np.array(cols.killed), np.array(cols.injured)
    mines = kinds == TYPE_INDEX["mine_blast"]
    armed = TYPE_RUNGS[kinds] >= FIRST_ARMED_RUNG
    levels = np.array(cols.tension, dtype=np.float64)
    tension, rung = daily_trajectory(world, times, levels, TYPE_RUNGS[kinds], end_time)
    outcomes: dict[str, float] = {
        "highest_rung": float(world.highest_rung),
        "ended_in_war": float(world.ended.triggered),
        "end_day": end_time,
    }
    outcomes |= zip(FIRST_DAY_KEYS, world.first_time_rung[1:], strict=True)
    outcomes |= zip(COUNT_KEYS, monthly.sum(axis=0).astype(float).tolist(), strict=True)
    initial = s.escalation.initial_tension
    intents = np.array(cols.intent)[armed] if armed.any() else ()
    outcomes["armed_events"] = float(armed.sum())
    outcomes |= {
        key: float(np.sum(intents == i)) for key, i in zip(INTENT_KEYS, INTENTS, strict=True)
    }
    outcomes |= {
        "killed_mines": float(killed[mines].sum()),
        "injured_mines": float(injured[mines].sum()),
        "killed_armed": float(killed[armed].sum()),
        "injured_armed": float(injured[armed].sum()),
        "mean_tension": float(tension.mean()),
        "final_tension": float(tension[-1]),
        "max_tension": max(initial, float(levels.max())) if len(levels) else initial,
    }
    return ReplicationResult(
        replication=replication,
        outcomes=outcomes,
        months=months,
        monthly_counts=monthly,
        tension=tension,
        rung=rung,
        events=tuple(events) if keep_events else None,
    )


TYPE_RUNGS = np.array([EVENT_TYPES[name].rung for name in TYPE_NAMES], dtype=np.int8)
FIRST_DAY_KEYS = tuple(f"first_day_rung_{k}" for k in range(1, 8))
COUNT_KEYS = tuple(f"count_{name}" for name in TYPE_NAMES)
# Armed events (rung >= 4) by the intent of the chain they belong to: where the risk comes from.
INTENT_KEYS = tuple(f"armed_{intent}" for intent in INTENTS)
# Every outcome a replication reports, in the order ``summarise`` fills them.
OUTCOME_NAMES = (
    "highest_rung",
    "ended_in_war",
    "end_day",
    *FIRST_DAY_KEYS,
    *COUNT_KEYS,
    "armed_events",
    *INTENT_KEYS,
    "killed_mines",
    "injured_mines",
    "killed_armed",
    "injured_armed",
    "mean_tension",
    "final_tension",
    "max_tension",
)


def _columns(events: list[Event]) -> Event:
    """The event log as one Event of columns (tuples), empty ones for an empty log."""
    columns = zip(*events, strict=True) if events else [()] * len(Event._fields)
    return Event(*columns)  # type: ignore[arg-type]  # fields hold columns here, not values


@functools.cache
def _month_grid(start: dt.date, end: dt.date) -> tuple[tuple[str, ...], np.ndarray]:
    """Labels of the calendar months from start to end and the day offset each begins at."""
    months = months_between(start, end)
    firsts = [dt.date(int(m[:4]), int(m[5:]), 1) for m in months]
    return months, np.array([(d - start).days for d in firsts], dtype=np.float64)


def daily_trajectory(
    world: World, times: np.ndarray, levels: np.ndarray, rungs: np.ndarray, end_time: float
) -> tuple[np.ndarray, np.ndarray]:
    """Tension at the end of each day and the highest rung of each day's events.

    ``times``, ``levels`` and ``rungs`` are the events' times, tensions and rungs. After a
    replication ends at the terminal rung, tension stays at its last value and the rung at
    the terminal rung (the war goes on; the model no longer says how).
    """
    esc, horizon = world.s.escalation, world.s.horizon_days
    rate = math.log(2.0) / esc.tension_half_life_days
    at = np.minimum(np.arange(1, horizon + 1, dtype=np.float64), end_time)
    times = np.concatenate(([0.0], times))
    levels = np.concatenate(([esc.initial_tension], levels))
    idx = np.searchsorted(times, at, side="right") - 1
    tension = (levels[idx] * np.exp(-rate * (at - times[idx]))).astype(np.float32)
    rung = np.zeros(horizon, dtype=np.int8)
    day = np.minimum(np.floor(times[1:]).astype(np.int64), horizon - 1)
    np.maximum.at(rung, day, rungs)
    if world.ended.triggered:
        rung[min(int(end_time), horizon - 1) :] = esc.terminal_rung
    return tension, rung
