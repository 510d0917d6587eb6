"""Run one replication of a scenario and reduce its event log to outcomes and a trajectory."""

from __future__ import annotations

import math

import numpy as np
import simpy

from sim.model import construction, crossings, diplomacy, grayzone, mines, terrain
from sim.model.calendar import months_between
from sim.model.events import EVENT_TYPES, FIRST_ARMED_RUNG, TYPE_INDEX, TYPE_NAMES, Event
from sim.model.result import ReplicationResult
from sim.model.world import World
from sim.rng import Streams
from sim.scenario.params import Scenario

MECHANISMS = (construction.start, mines.start, crossings.start, grayzone.start, diplomacy.start)


def simulate(scenario: Scenario, root_seed: int, replication: int) -> World:
    """Run the world of one replication to its horizon or to the terminal rung."""
    env = simpy.Environment()
    world = World(env, scenario, Streams(root_seed, replication))
    env.process(terrain.rain_process(world))
    for start in MECHANISMS:
        start(world)
    horizon = env.timeout(float(scenario.horizon_days))
    env.run(until=simpy.AnyOf(env, [horizon, world.ended]))
    return world


def run_replication(
    scenario: Scenario, root_seed: int, replication: int, keep_events: bool = False
) -> ReplicationResult:
    world = simulate(scenario, root_seed, replication)
    return summarise(world, replication, keep_events)


def summarise(world: World, replication: int, keep_events: bool) -> ReplicationResult:
    s = world.s
    events = world.events
    horizon = s.horizon_days
    end_time = float(world.env.now)
    months = months_between(s.start_date, s.end_date)
    monthly = np.zeros((len(months), len(TYPE_NAMES)), dtype=np.int32)
    killed = {"mines": 0, "armed": 0}
    injured = {"mines": 0, "armed": 0}
    for ev in events:
        monthly[world.calendar.month_index(ev.time), TYPE_INDEX[ev.type]] += 1
        armed = EVENT_TYPES[ev.type].rung >= FIRST_ARMED_RUNG
        cause = "mines" if ev.type == "mine_blast" else "armed" if armed else None
        if cause:
            killed[cause] += ev.killed
            injured[cause] += ev.injured
    tension, rung = daily_trajectory(world, events, horizon, end_time)
    war = world.ended.triggered
    outcomes: dict[str, float] = {
        "highest_rung": float(world.highest_rung),
        "ended_in_war": float(war),
        "end_day": end_time,
    }
    for k in range(1, 8):
        outcomes[f"first_day_rung_{k}"] = world.first_time_rung[k]
    totals = monthly.sum(axis=0)
    for name, n in zip(TYPE_NAMES, totals.tolist(), strict=True):
        outcomes[f"count_{name}"] = float(n)
    outcomes |= {
        "killed_mines": float(killed["mines"]),
        "injured_mines": float(injured["mines"]),
        "killed_armed": float(killed["armed"]),
        "injured_armed": float(injured["armed"]),
        "mean_tension": float(tension.mean()),
        "final_tension": float(tension[-1]),
        "max_tension": max([s.escalation.initial_tension] + [e.tension for e in events]),
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


def daily_trajectory(
    world: World, events: list[Event], horizon: int, end_time: float
) -> tuple[np.ndarray, np.ndarray]:
    """Tension at the end of each day and the highest rung of each day's events.

    After a replication ends at the terminal rung, tension stays at its last value and the
    rung at the terminal rung (the war goes on; the model no longer says how).
    """
    esc = world.s.escalation
    rate = math.log(2.0) / esc.tension_half_life_days
    days_end = np.arange(1, horizon + 1, dtype=np.float64)
    times = np.array([0.0] + [e.time for e in events])
    levels = np.array([esc.initial_tension] + [e.tension for e in events])
    idx = np.searchsorted(times, np.minimum(days_end, end_time), side="right") - 1
    at = np.minimum(days_end, end_time)
    tension = (levels[idx] * np.exp(-rate * (at - times[idx]))).astype(np.float32)
    rung = np.zeros(horizon, dtype=np.int8)
    if events:
        day = np.minimum(np.floor(times[1:]).astype(np.int64), horizon - 1)
        np.maximum.at(rung, day, np.array([EVENT_TYPES[e.type].rung for e in events], np.int8))
    if world.ended.triggered:
        rung[min(int(end_time), horizon - 1) :] = esc.terminal_rung
    return tension, rung
