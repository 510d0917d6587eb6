"""The shared world state every process reads and writes, and the event recorder."""

from __future__ import annotations

import math
from collections.abc import Callable

import simpy

from sim.model.calendar import Calendar
from sim.model.events import EVENT_TYPES, FIRST_ARMED_RUNG, Event
from sim.rng import Streams
from sim.scenario.params import Scenario, SectorParams

LN2 = math.log(2.0)


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
        self.value = min(cap, max(0.0, self.at(t) + delta))
        self.time = t
        return self.value


class Sector:
    """A sector's changing state: mine density and the DPRK crews at work there."""

    __slots__ = ("p", "density", "density_time", "active_crews", "lay_rate", "max_density", "crew")

    def __init__(self, p: SectorParams, lay_rate: float, max_density: float) -> None:
        self.p = p
        self.density = p.mine_density
        self.density_time = 0.0
        self.active_crews = 0.0
        self.lay_rate = lay_rate
        self.max_density = max(max_density, p.mine_density)
        self.crew: simpy.Process | None = None  # the construction process, interrupted by blasts

    def density_at(self, t: float) -> float:
        """Mine density now: crews at work lay mines at a constant rate between state changes."""
        laid = self.lay_rate * self.active_crews * (t - self.density_time)
        return min(self.max_density, self.density + laid)

    def set_crews(self, t: float, crews: float) -> None:
        self.density = self.density_at(t)
        self.density_time = t
        self.active_crews = crews


class World:
    """State of one replication: time, tension, ladder, CMA, backing, and the event log."""

    def __init__(self, env: simpy.Environment, scenario: Scenario, streams: Streams) -> None:
        self.env = env
        self.s = scenario
        self.streams = streams
        self.calendar = Calendar(scenario.start_date)
        esc = scenario.escalation
        self.tension = Decaying(esc.initial_tension, esc.tension_half_life_days)
        self.tension_scale = esc.tension_per_goldstein
        self.terminal_rung = esc.terminal_rung
        dip = scenario.diplomacy
        self.backing = dip.initial_backing
        self.restraint = Decaying(0.0, dip.restraint_half_life_days)
        self.dprk_bound = not dip.cma_dprk_suspended
        self.rok_bound = not dip.cma_rok_suspended
        self.exercise_until = -1.0
        c = scenario.construction
        self.sectors = [
            Sector(p, c.mine_laying_per_crew_day, c.max_mine_density)
            for p in scenario.terrain.sectors
        ]
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
        et = EVENT_TYPES[type_]
        t = self.env.now
        if et.dyadic and et.goldstein:
            tension = self.tension.add(t, -et.goldstein * self.tension_scale)
        else:
            tension = self.tension.at(t)
        ev = Event(
            len(self.events),
            t,
            type_,
            actor,
            sector,
            et.rung,
            tension,
            killed,
            injured,
            cause,
            et.cameo,
            et.goldstein,
        )
        self.events.append(ev)
        if et.rung > self.highest_rung:
            for k in range(self.highest_rung + 1, et.rung + 1):
                self.first_time_rung[k] = t
            self.highest_rung = et.rung
        if et.rung >= FIRST_ARMED_RUNG:
            for listener in self.on_armed:
                listener(ev)
        if et.rung >= self.terminal_rung and not self.ended.triggered:
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
