"""The calibration record (Nov 2023 - Jun 2024) and how a replication compares with it.

Observed figures come from ``sim/data/events_2023-11_to_2024-06.csv``: "several" mine blasts
reported by 2024-06-18 (no count released), three MDL crossings in June 2024 each answered by a
warning broadcast and warning shots and ending in retreat without return fire, seven trash
balloon waves from 2024-05-28 to 06-26, loudspeakers back on 2024-06-09, no exchange of fire.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.analysis.stats import proportion_ci, quantile_interval
from sim.model.events import FIRST_ARMED_RUNG, Event
from sim.model.result import ReplicationResult
from sim.scenario.params import Scenario

BLASTS_BY = dt.date(2024, 6, 18)  # JCS report of "several" blasts
CROSSINGS_MONTH = (dt.date(2024, 6, 1), dt.date(2024, 6, 30))
WAVES_WINDOW = (dt.date(2024, 5, 20), dt.date(2024, 6, 30))  # "from late May to June"
CALIBRATION_END = dt.date(2024, 6, 30)
OBSERVED_JUNE_CROSSINGS = 3
OBSERVED_WAVES = 7
SEVERAL = 3  # "several" blasts: at least three
# A share's rule, and the test of its 95% interval that says the model agrees with the record.
MOST = ("most replications (lower bound > 0.5)", lambda lo, hi: lo > 0.5)
SMALL = ("small (upper bound < 0.1)", lambda lo, hi: hi < 0.1)


@dataclass(frozen=True)
class CalibrationStats:
    """One replication's figures for the calibration window."""

    blasts_by_june_18: int
    june_crossings: int
    june_crossings_all_shots_then_retreat: bool  # vacuously true without June crossings
    balloon_waves: int
    loudspeakers_by_june_30: bool
    fire_by_june_30: bool


def _day_range(start: dt.date, first: dt.date, last: dt.date) -> tuple[float, float]:
    return float((first - start).days), float((last - start).days + 1)


def descendants(events: tuple[Event, ...] | list[Event], root: Event) -> list[Event]:
    """Every event caused, directly or through a chain, by ``root``."""
    children: dict[int, list[Event]] = {}
    for ev in events:
        if ev.cause >= 0:
            children.setdefault(ev.cause, []).append(ev)
    out, todo = [], [root.id]
    while todo:
        for child in children.get(todo.pop(), ()):
            out.append(child)
            todo.append(child.id)
    return out


def calibration_stats(events: tuple[Event, ...] | list[Event], start: dt.date) -> CalibrationStats:
    blasts_end = float((BLASTS_BY - start).days + 1)
    jun = _day_range(start, *CROSSINGS_MONTH)
    waves = _day_range(start, *WAVES_WINDOW)
    end = float((CALIBRATION_END - start).days + 1)
    crossings = [e for e in events if e.type == "mdl_crossing" and jun[0] <= e.time < jun[1]]
    as_reported = True
    for c in crossings:
        after = descendants(events, c)
        types = {e.type for e in after}
        fired = any(e.rung >= FIRST_ARMED_RUNG for e in after)
        as_reported &= {"warning_broadcast", "warning_shots", "retreat"} <= types and not fired
    return CalibrationStats(
        blasts_by_june_18=sum(
            e.type == "mine_blast" and e.actor == "DPRK" and e.time < blasts_end for e in events
        ),
        june_crossings=len(crossings),
        june_crossings_all_shots_then_retreat=as_reported,
        balloon_waves=sum(
            e.type == "balloon_wave" and waves[0] <= e.time < waves[1] for e in events
        ),
        loudspeakers_by_june_30=any(
            e.type == "loudspeaker_broadcast" and e.time < end for e in events
        ),
        fire_by_june_30=any(e.rung >= FIRST_ARMED_RUNG and e.time < end for e in events),
    )


def replication_stats(scenario: Scenario, result: ReplicationResult) -> CalibrationStats:
    """One replication's calibration figures (run in the workers; needs its events)."""
    return calibration_stats(result.events or (), scenario.start_date)


def calibration_table(st: Sequence[CalibrationStats]) -> list[dict]:
    """The record beside the model: counts with their central 90% interval, shares with their
    95% Wilson interval, and whether the record is consistent with the model."""
    n = len(st)

    def count_row(check: str, observed: int, xs: list[int], rule: str) -> dict:
        med, lo, hi = quantile_interval(np.asarray(xs, dtype=float), 0.9)
        return {
            "check": check,
            "observed": observed,
            "model": float(np.mean(xs)),
            "lo": lo,
            "hi": hi,
            "interval": "central 90%",
            "rule": rule,
            "agrees": bool(lo <= observed <= hi),
        }

    def share_row(check: str, observed: str, flags: list[bool], rule: str, ok) -> dict:
        p, lo, hi = proportion_ci(int(sum(flags)), n)
        return {
            "check": check,
            "observed": observed,
            "model": p,
            "lo": lo,
            "hi": hi,
            "interval": "95% Wilson",
            "rule": rule,
            "agrees": bool(ok(lo, hi)),
        }

    several = [s.blasts_by_june_18 >= SEVERAL for s in st]
    return [
        share_row(
            "mine blasts >= 3 by 2024-06-18",
            "several",
            several,
            *MOST,
        ),
        count_row(
            "mine blasts by 2024-06-18",
            SEVERAL,
            [s.blasts_by_june_18 for s in st],
            "3 ('several') inside the interval",
        ),
        count_row(
            "MDL crossings in June 2024",
            OBSERVED_JUNE_CROSSINGS,
            [s.june_crossings for s in st],
            "observed inside the interval",
        ),
        share_row(
            "June crossings: broadcast, shots, retreat, no fire",
            "3 of 3",
            [s.june_crossings_all_shots_then_retreat for s in st],
            *MOST,
        ),
        count_row(
            "balloon waves 2024-05-20..06-30",
            OBSERVED_WAVES,
            [s.balloon_waves for s in st],
            "observed inside the interval",
        ),
        share_row(
            "loudspeakers on by 2024-06-30",
            "yes (06-09)",
            [s.loudspeakers_by_june_30 for s in st],
            *MOST,
        ),
        share_row(
            "any exchange of fire by 2024-06-30",
            "no",
            [s.fire_by_june_30 for s in st],
            *SMALL,
        ),
    ]
