"""The shared world state every process reads and writes, and the event recorder."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import simpy

from sim.model.calendar import Window, calendar
from sim.model.events import EVENT_TYPES, FIRST_ARMED_RUNG, Event
from sim.rng import Streams
from sim.scenario.params import ConstructionParams, Scenario, SectorParams

LN2 = math.log(2.0)


@functools.cache
def _kinds(tension_scale: float) -> dict[str, tuple[int, str, float, float]]:
    """Per event type: rung, CAMEO code, Goldstein weight and the tension it adds."""
    return {
        name: (et.rung, et.cameo, et.goldstein, -et.goldstein * tension_scale if et.dyadic else 0.0)
        for name, et in EVENT_TYPES.items()
    }


class Decaying:
    """A non-negative quantity that decays with a half-life, updated lazily on read and write."""

    __slots__ = ("value", "time", "rate")

    def __init__(self, value: float, half_life: float) -> None:
        self.value = value
        self.time = 0.0
        self.rate = LN2 / half_life

    def at(self, t: float) -> float:
        return self.value * math.exp(-self.rate * (t - self.time)) if self.value else 0.0

    def add(self, t: float, delta: float, cap: float = math.inf) -> float:
        v = self.value
        if v:
            v *= math.exp(-self.rate * (t - self.time))
        self.value = v = min(cap, max(0.0, v + delta))
        self.time = t
        return v


class Sector:
    """A sector's changing state: mine density and the DPRK crews at work there.

    The crews follow the working season by the calendar alone, so their number is read off
    the season lazily (no process wakes at season boundaries), and so is the density they
    lay, integrated from the last change of state (a halt or a CMA change) on read.
    """

    __slots__ = (
        "p",
        "season",
        "off_season",
        "lay_rate",
        "max_density",
        "working",
        "idle_until",
        "density",
        "lay_from",
        "open_from",
    )

    def __init__(self, p: SectorParams, c: ConstructionParams, season: Window) -> None:
        self.p = p
        self.season = season
        self.off_season = c.off_season_activity
        self.lay_rate = c.mine_laying_per_crew_day
        self.max_density = max(c.max_mine_density, p.mine_density)
        self.working = False  # crews work unless the CMA binds DPRK ...
        self.idle_until = 0.0  # ... and they are not halted after a blast
        self._set_density(0.0, p.mine_density)

    def crews_at(self, t: float) -> float:
        """Crews at work: all of them in the season, ``off_season_activity`` of them outside."""
        if not self.working or t < self.idle_until:
            return 0.0
        return self.p.crews * (1.0 if self.season.is_open(t) else self.off_season)

    def density_at(self, t: float) -> float:
        """Mine density at t (not before the last change of state): crews lay mines at a
        constant rate per crew-day, up to the ceiling."""
        if not self.working or t <= self.lay_from:
            return self.density
        on = self.season.open_time(t) - self.open_from  # season days worked since lay_from
        crew_days = self.p.crews * (on + self.off_season * (t - self.lay_from - on))
        return min(self.max_density, self.density + self.lay_rate * crew_days)

    def _set_density(self, t: float, density: float) -> None:
        """Density ``density`` at t; the crews lay more from t or the end of a halt."""
        self.density = density
        self.lay_from = max(t, self.idle_until)
        self.open_from = self.season.open_time(self.lay_from)

    def halt(self, t: float, until: float) -> None:
        """The crews stop work from t to ``until``."""
        density = self.density_at(t)
        self.idle_until = until
        self._set_density(t, density)

    def set_working(self, t: float, working: bool) -> None:
        """From t on, the crews work (by the season) or not at all (DPRK bound by the CMA)."""
        density = self.density_at(t)
        self.working = working
        self._set_density(t, density)


class World:
    """State of one replication: time, tension, ladder, CMA, backing, and the event log."""

    def __init__(self, env: simpy.Environment, scenario: Scenario, streams: Streams) -> None:
        self.env = env
        self.s = scenario
        self.streams = streams
        self.calendar = calendar(scenario.start_date)
        esc = scenario.escalation
        self.tension = Decaying(esc.initial_tension, esc.tension_half_life_days)
        self.tension_scale = esc.tension_per_goldstein
        self._kinds = _kinds(self.tension_scale)
        self.terminal_rung = esc.terminal_rung
        dip = scenario.diplomacy
        self.backing = dip.initial_backing
        self.restraint = Decaying(0.0, dip.restraint_half_life_days)
        self.dprk_bound = not dip.cma_dprk_suspended
        self.rok_bound = not dip.cma_rok_suspended
        self.exercise_until = -1.0
        c = scenario.construction
        season = self.calendar.window(c.season_start_day, c.season_end_day)
        self.sectors = [Sector(p, c, season) for p in scenario.terrain.sectors]
        rain = scenario.terrain
        self.rain = Decaying(0.0, rain.rain_displacement_half_life_days)
        self.events: list[Event] = []
        self.highest_rung = 0
        self.first_time_rung = [math.nan] * 8
        self.first_time_rung[0] = 0.0
        self.ended = env.event()  # succeeds when the terminal rung is reached
        self.on_armed: list[Callable[[Event], None]] = []
        self.on_cma_change: list[Callable[[], None]] = []

    # --- reading state -------------------------------------------------------------------
    def now_tension(self) -> float:
        return self.tension.at(self.env.now)

    def boldness(self) -> float:
        """DPRK's extra log-odds of answering force with force: backing minus restraint."""
        d = self.s.diplomacy
        restraint = self.restraint.at(self.env.now) * (1.0 - d.backing_blunting * self.backing)
        return d.backing_boldness * self.backing - restraint

    @property
    def over(self) -> bool:
        return self.ended.triggered

    # --- changing state ------------------------------------------------------------------
    def record(
        self,
        type_: str,
        actor: str,
        sector: str = "",
        cause: int = -1,
        killed: int = 0,
        injured: int = 0,
    ) -> Event:
        """Log an event, move tension by its Goldstein weight and the ladder by its rung."""
        rung, cameo, goldstein, shift = self._kinds[type_]
        t = self.env.now
        tension = self.tension.add(t, shift) if shift else self.tension.at(t)
        events = self.events
        ev = Event(
            len(events),
            t,
            type_,
            actor,
            sector,
            rung,
            tension,
            killed,
            injured,
            cause,
            cameo,
            goldstein,
        )
        events.append(ev)
        if rung > self.highest_rung:
            for k in range(self.highest_rung + 1, rung + 1):
                self.first_time_rung[k] = t
            self.highest_rung = rung
        if rung >= FIRST_ARMED_RUNG:
            for listener in self.on_armed:
                listener(ev)
        if rung >= self.terminal_rung and not self.ended.triggered:
            self.ended.succeed(ev)
        return ev

    def set_cma(self, *, dprk_bound: bool | None = None, rok_bound: bool | None = None) -> None:
        if dprk_bound is not None:
            self.dprk_bound = dprk_bound
        if rok_bound is not None:
            self.rok_bound = rok_bound
        for listener in self.on_cma_change:
            listener()

    def set_backing(self, value: float) -> None:
        self.backing = min(1.0, max(0.0, value))

    def close(self) -> None:
        """Drop what only a running replication needs: the events still scheduled and the
        listeners. Pending events and the processes waiting on them refer to each other, as
        do the listeners and the world, so without this a finished replication's objects
        wait for Python's cyclic garbage collector (which then cost ~10% of the run)."""
        queue = self.env._queue  # SimPy's heap of (time, priority, id, event); no public API
        for *_, event in queue:
            event.callbacks = None  # type: ignore[assignment]  # how SimPy marks processed
        queue.clear()
        self.on_armed.clear()
        self.on_cma_change.clear()
