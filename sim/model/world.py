"""The shared world state every process reads and writes, and the event recorder."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import simpy

from sim.model.calendar import Window, calendar
from sim.model.events import (
    ACCIDENT,
    CONFLICT,
    DELIBERATE,
    EVENT_TYPES,
    FIRST_ARMED_RUNG,
    RELIEF,
    Event,
)
from sim.rng import Stream, Streams
from sim.scenario.params import (
    SPEAKER_POSTURES,
    ConstructionParams,
    Scenario,
    SectorParams,
)

LN2 = math.log(2.0)
# Roots that are accidents unless a process says otherwise; every other root is deliberate.
ACCIDENTAL_TYPES = frozenset(
    {"heavy_rain", "mine_blast", "mdl_crossing", "mdl_crossing_undetected"}
)


@functools.cache
def _kinds(unit: float, growth: float, relief: float) -> dict[str, tuple]:
    """Per event type: rung, CAMEO code, Goldstein weight, tension added, tension kept, and
    the intent of an event of that type that has no cause."""
    out = {}
    for name, et in EVENT_TYPES.items():
        add = unit * growth**et.rung if et.tension == CONFLICT else 0.0
        keep = math.exp(-relief * et.goldstein) if et.tension == RELIEF else 1.0
        intent = ACCIDENT if name in ACCIDENTAL_TYPES else DELIBERATE
        out[name] = (et.rung, et.cameo, et.goldstein, add, keep, intent)
    return out


_new_event = tuple.__new__


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

    def scale(self, t: float, factor: float) -> float:
        """Multiply the current value by ``factor`` (a relief event)."""
        self.value = v = self.at(t) * factor
        self.time = t
        return v


class Duty:
    """A sector's patrol groups of one side: on the line except in [rest_from, rest_until).

    Its process (``patrols.duty``) plans each rest at the end of a spell; the state is read
    off the plan, so a rest ending costs no event.
    """

    __slots__ = ("groups", "rest_from", "rest_until")

    def __init__(self, groups: int) -> None:
        self.groups = groups
        self.rest_from = math.inf  # no rest planned yet
        self.rest_until = math.inf

    def out(self, t: float) -> int:
        """Groups on the line at t."""
        return 0 if self.rest_from <= t < self.rest_until else self.groups

    def call_out(self, t: float) -> None:
        """Cut a rest short: back on the line from t to the planned end of the next spell."""
        if self.rest_from <= t < self.rest_until:
            self.rest_until = t


class Sector:
    """A sector's changing state: the DPRK crews at work, the mines they lay, the patrols on
    the line, and the caution and clearance that follow incidents there.

    The crews at work are read off the season lazily (no process wakes at season
    boundaries), and so is the density they lay, integrated from the last change of state (a
    spell, a stand-down, a CMA change, a decision) on read. Patrols and crews change state in
    their own processes (``patrols.py``, ``construction.py``).
    """

    __slots__ = (
        "p",
        "name",
        "season",
        "off_season",
        "lay_rate",
        "max_density",
        "crews",
        "max_crews",
        "allowed",
        "ordered",
        "rest_from",
        "rest_until",
        "idle_until",
        "density",
        "lay_from",
        "open_from",
        "dprk",
        "rok",
        "caution",
        "clearance",
        "rok_clearance",
    )

    def __init__(
        self, p: SectorParams, c: ConstructionParams, season: Window, max_crews: int, world: World
    ) -> None:
        a = world.s.adaptation
        self.p = p
        self.name = p.name
        self.season = season
        self.off_season = c.off_season_activity
        self.lay_rate = c.mine_laying_per_crew_day
        self.max_density = max(c.max_mine_density, p.mine_density)
        self.crews = p.crews
        self.max_crews = max_crews  # the most crews any decision assigns (for rate bounds)
        self.allowed = False  # DPRK is free of the CMA ...
        self.ordered = True  # ... no decision stopped the work ...
        self.rest_from = math.inf  # ... the crews are not in a planned rest ...
        self.rest_until = math.inf
        self.idle_until = 0.0  # ... and not halted after a blast
        self.dprk = Duty(p.dprk_patrols)  # patrol groups and their duty cycles
        self.rok = Duty(p.rok_patrols)
        self.caution = Decaying(0.0, a.caution_half_life_days)
        self.clearance = Decaying(0.0, a.clearance_boost_half_life_days)
        self.rok_clearance = Decaying(0.0, a.clearance_boost_half_life_days)
        self._set_density(0.0, p.mine_density)

    def crews_at(self, t: float) -> float:
        """Crews at work: all of them in the season, ``off_season_activity`` of them outside;
        none while the CMA binds DPRK, after a stop order, in a rest or a halt."""
        if (
            not (self.allowed and self.ordered)
            or t < self.idle_until
            or self.rest_from <= t < self.rest_until
        ):
            return 0.0
        return self.crews * (1.0 if self.season.is_open(t) else self.off_season)

    def _crew_days(self, a: float, b: float) -> float:
        """Crew-days worked from a to b if the crews worked throughout (by the season)."""
        on = self.season.open_time(b) - self.season.open_time(a)  # season days in [a, b]
        return self.crews * (on + self.off_season * (b - a - on))

    def density_at(self, t: float) -> float:
        """Mine density at t (not before the last change of state): crews lay mines at a
        constant rate per crew-day, up to the ceiling, except in their planned rest."""
        if not (self.allowed and self.ordered) or t <= self.lay_from:
            return self.density
        on = self.season.open_time(t) - self.open_from  # season days worked since lay_from
        crew_days = self.crews * (on + self.off_season * (t - self.lay_from - on))
        a, b = max(self.lay_from, self.rest_from), min(t, self.rest_until)
        if a < b:
            crew_days -= self._crew_days(a, b)
        return min(self.max_density, self.density + self.lay_rate * crew_days)

    def _set_density(self, t: float, density: float) -> None:
        """Density ``density`` at t; the crews lay more from t or the end of a halt."""
        self.density = density
        self.lay_from = max(t, self.idle_until)
        self.open_from = self.season.open_time(self.lay_from)

    def halt(self, t: float, until: float) -> None:
        """A blast stops the crews from t to ``until`` (read lazily: no event marks the end)."""
        density = self.density_at(t)
        self.idle_until = max(self.idle_until, until)
        self._set_density(t, density)

    def plan_rest(self, t: float, start: float, end: float) -> None:
        """The crews' next rest runs from ``start`` to ``end`` (planned at t)."""
        density = self.density_at(t)
        self.rest_from, self.rest_until = start, end
        self._set_density(t, density)

    def change(self, t: float, **state: object) -> None:
        """Set ``allowed``, ``ordered`` or ``crews`` from t on, keeping the density laid so
        far."""
        density = self.density_at(t)
        for key, value in state.items():
            setattr(self, key, value)
        self._set_density(t, density)


class World:
    """State of one replication: time, tension, ladder, postures, crisis, and the event log."""

    def __init__(self, env: simpy.Environment, scenario: Scenario, streams: Streams) -> None:
        self.env = env
        self.s = scenario
        self._streams = streams
        self.calendar = calendar(scenario.start_date)
        esc = scenario.escalation
        self.tension = Decaying(esc.initial_tension, esc.tension_half_life_days)
        self._kinds = _kinds(
            esc.tension_unit, esc.tension_growth_per_rung, esc.relief_per_goldstein
        )
        self.terminal_rung = esc.terminal_rung
        dip, gz, ad = scenario.diplomacy, scenario.grayzone, scenario.adaptation
        self.backing = dip.initial_backing
        self.restraint = Decaying(0.0, dip.restraint_half_life_days)  # after condemnations
        self.suspension = Decaying(0.0, dip.restraint_half_life_days)  # after the leader's
        self.crisis = Decaying(0.0, dip.crisis_half_life_days)  # armed events and ultimatums
        self.alert = Decaying(0.0, ad.alert_half_life_days)  # ROK's alert after incidents
        self.dprk_bound = not dip.cma_dprk_suspended
        self.rok_bound = not dip.cma_rok_suspended
        # postures that decisions and the state change
        self.speakers = SPEAKER_POSTURES.index(gz.loudspeaker_posture)
        self.roe = scenario.response.roe
        self.hotline = dip.hotline_working
        self.leaflets_allowed = gz.leaflets_allowed
        self.facilities = dip.joint_facilities
        self.talks_until = -1.0  # talks under way until then
        self.talks_arranged = False  # an offer was accepted and the talks are yet to open
        self.last_agreement = -math.inf
        self.ultimatums: set[int] = set()  # ids of ultimatums whose deadline is pending
        self.grayzone: Any = None  # the gray-zone loop (grayzone.GrayZone), for injects
        self.injecting = ""  # the key of the inject being applied, if any
        self.exercise_until = -1.0
        c = scenario.construction
        season = self.calendar.window(c.season_start_day, c.season_end_day)
        self.sectors = [
            Sector(p, c, season, _max_crews(scenario, p.name, p.crews), self)
            for p in scenario.terrain.sectors
        ]
        self.sector = {sector.name: sector for sector in self.sectors}
        self.rain = Decaying(0.0, scenario.terrain.rain_displacement_half_life_days)
        self.events: list[Event] = []
        self.highest_rung = 0
        self.first_time_rung = [math.nan] * 8
        self.first_time_rung[0] = 0.0
        self.ended = env.event()  # succeeds when the terminal rung is reached
        self.on_armed: list[Callable[[Event], None]] = []
        self.on_cma_change: list[Callable[[], None]] = []
        self.on_crisis: list[Callable[[], None]] = []
        self.hooks: dict[str, list[Callable[[Event], None]]] = {}  # listeners by event type

    # --- reading state -------------------------------------------------------------------
    def now_tension(self) -> float:
        return self.tension.at(self.env.now)

    def boldness(self) -> float:
        """DPRK's extra log-odds of answering force with force: backing minus restraint
        (condemnation restraint, blunted by backing, and the leader's own suspension)."""
        d, now = self.s.diplomacy, self.env.now
        restraint = self.restraint.at(now) * (1.0 - d.backing_blunting * self.backing)
        return d.backing_boldness * self.backing - restraint - self.suspension.at(now)

    def streams(self, name: str) -> Stream:
        """The replication's stream ``name``. While an inject is being applied it is the
        inject's own stream of that name instead (``KEY.name``), so that whatever an injected
        incident sets off at once draws nothing from the mechanisms' streams."""
        key = self.injecting
        return self._streams(f"{key}.{name}" if key else name)

    def talking(self) -> bool:
        return self.env.now < self.talks_until

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
        intent: str = "",
        injected: bool = False,
    ) -> Event:
        """Log an event and move tension and the ladder by it.

        ``intent`` defaults to the cause's (so a chain keeps the intent of its root), and for a
        root to "accident" for accidental types and "deliberate" otherwise.
        """
        rung, cameo, goldstein, add, keep, root_intent = self._kinds[type_]
        t = self.env.now
        tension = self.tension
        if add:
            level = tension.add(t, add)
        elif keep != 1.0:
            level = tension.scale(t, keep)
        else:
            level = tension.at(t)
        events = self.events
        if not intent:
            intent = events[cause].intent if cause >= 0 else root_intent
        # tuple.__new__ skips the named tuple's Python-level __new__ (a third of the cost)
        ev = _new_event(
            Event,
            (len(events), t, type_, actor, sector, rung, level, killed, injured, cause)
            + (cameo, goldstein, injected, intent),
        )
        events.append(ev)
        if rung > self.highest_rung:
            for k in range(self.highest_rung + 1, rung + 1):
                self.first_time_rung[k] = t
            self.highest_rung = rung
        hooks = self.hooks.get(type_)
        if hooks:
            for hook in hooks:
                hook(ev)
        if rung >= FIRST_ARMED_RUNG:
            self.raise_crisis(2.0 ** (rung - FIRST_ARMED_RUNG))
            for listener in self.on_armed:
                listener(ev)
        if rung >= self.terminal_rung and not self.ended.triggered:
            self.ended.succeed(ev)
        return ev

    def after(self, delay: float, action: Callable[[], object]) -> None:
        """Call ``action`` ``delay`` days from now, unless the replication has ended by then:
        a callback on a timeout, cheaper than a process for a single deferred step."""

        def fire(_: simpy.Event) -> None:
            if not self.ended.triggered:
                action()

        self.env.timeout(delay).callbacks.append(fire)

    def on(self, type_: str, hook: Callable[[Event], None]) -> None:
        """Call ``hook`` with every event of ``type_`` as it is recorded."""
        self.hooks.setdefault(type_, []).append(hook)

    def raise_crisis(self, amount: float) -> None:
        self.crisis.add(self.env.now, amount)
        for listener in self.on_crisis:
            listener()

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
        self.on_crisis.clear()
        self.hooks.clear()


def _max_crews(s: Scenario, sector: str, crews: int) -> int:
    """The most crews ``sector`` will ever have: its own or any scheduled decision's."""
    return max(
        [crews]
        + [te.crews for te in s.timeline.events if te.type == "crews" and te.sector in ("", sector)]
    )
