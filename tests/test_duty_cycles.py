"""Duty cycles of patrols (sim/model/patrols.py, world.Duty) and of DPRK crews
(sim/model/construction.py, world.Sector) against the alternating renewal process they are.

A group alternates Exp(spell) at work and Exp(rest) off: a two-state Markov chain with rates
a = 1/spell and b = 1/rest. Started in its stationary law, it is at work at any time t with
probability spell / (spell + rest); its time at work in [0, T] has mean T spell / (spell + rest)
and variance 2 p q (T / l - (1 - exp(-l T)) / l**2), l = a + b, p = 1 - q = spell / (spell +
rest) (the integral of the covariance p q exp(-l |s - t|) over the square).

Crews lay mine density at ``mine_laying_per_crew_day`` per crew-day worked; the crew-days are
counted here independently of the model, from the rests, halts and decisions it recorded and
the season read off the dates. A blast halts the crews: for ``standdown_days`` with probability
``persistence``, else for Exp(``halt_days``); blasts come at a constant rate while they work,
so the gap from the end of a halt to the next blast is exponential.

Stochastic tolerances are two-sided at level 0.001 (binomial and Kolmogorov-Smirnov tests, a
normal bound with the exact variance for a sum of hundreds of independent occupation times).
"""

from __future__ import annotations

import dataclasses as dc
import datetime as dt
import math

import pytest
import simpy
from model_helpers import STEADY, baseline, constant_season, quiet, replace
from scipy import stats

from sim.model import world as world_module
from sim.model.replication import MECHANISMS, simulate
from sim.model.world import Duty, Sector, World
from sim.rng import Streams
from sim.scenario.params import TimelineEvent

ALPHA = 0.001
SEED = 20240618
Z = stats.norm.ppf(1 - ALPHA / 2)
BASE = baseline()


def one_sector(s, **fields):
    first = s.terrain.sectors[0]
    return replace(s, terrain={"sectors": (dc.replace(first, **fields),)})


def started(s, rep: int) -> World:
    """A world with every mechanism started and the clock at 0 (as ``simulate`` sets it up),
    to be run by hand."""
    world = World(simpy.Environment(), s, Streams(SEED, rep))
    for start in MECHANISMS:
        start(world)
    return world


def occupation_variance(spell: float, rest: float, horizon: float) -> float:
    """Variance of the time at work in [0, horizon] of the stationary alternating process."""
    lam = 1.0 / spell + 1.0 / rest
    p = spell / (spell + rest)
    return 2.0 * p * (1.0 - p) * (horizon / lam - (1.0 - math.exp(-lam * horizon)) / lam**2)


def overlap(intervals, horizon: float) -> float:
    """Total length of the (disjoint) intervals inside [0, horizon]."""
    return sum(max(0.0, min(b, horizon) - max(a, 0.0)) for a, b in intervals)


def binom_ok(k: int, n: int, p: float) -> bool:
    return stats.binomtest(k, n, p).pvalue > ALPHA


# --- patrols ----------------------------------------------------------------------------------
ROK_SPELL, ROK_REST, DPRK_SPELL, DPRK_REST = 3.0, 2.0, 1.0, 4.0


def patrol_world():
    s = one_sector(quiet(BASE), rok_patrols=2, dprk_patrols=3)
    return replace(
        s,
        patrols={
            "rok_spell_days": ROK_SPELL,
            "rok_rest_days": ROK_REST,
            "dprk_spell_days": DPRK_SPELL,
            "dprk_rest_days": DPRK_REST,
        },
        adaptation={"alert_per_incident": 0.0},
    )


def test_patrols_start_stationary_and_stay_so():
    """At t = 0 and at t = 37.3 each side is out with probability spell / (spell + rest)."""
    s = patrol_world()
    n = 1000
    out = {("rok", 0): 0, ("dprk", 0): 0, ("rok", 1): 0, ("dprk", 1): 0}
    for i in range(n):
        world = started(s, i)
        sector = world.sectors[0]
        world.env.run(until=1e-9)  # the duty processes take their first step at t = 0
        out["rok", 0] += sector.rok.out(0.0) == 2
        out["dprk", 0] += sector.dprk.out(0.0) == 3
        world.env.run(until=37.3)
        out["rok", 1] += sector.rok.out(37.3) == 2
        out["dprk", 1] += sector.dprk.out(37.3) == 3
    for k in (0, 1):
        assert binom_ok(out["rok", k], n, ROK_SPELL / (ROK_SPELL + ROK_REST))
        assert binom_ok(out["dprk", k], n, DPRK_SPELL / (DPRK_SPELL + DPRK_REST))


_REST_UNTIL = Duty.__dict__["rest_until"]  # the slot behind Duty.rest_until


class RecordingDuty(Duty):
    """A Duty that keeps the rests planned on it: its process sets ``rest_from`` and then
    ``rest_until``; ``call_out`` cuts ``rest_until`` of the current rest short."""

    def __init__(self, groups: int) -> None:
        self.rests: list[list[float]] = []
        super().__init__(groups)

    @property  # type: ignore[override]
    def rest_until(self) -> float:
        return _REST_UNTIL.__get__(self)

    @rest_until.setter
    def rest_until(self, value: float) -> None:
        _REST_UNTIL.__set__(self, value)
        start = self.rest_from
        if self.rests and self.rests[-1][0] == start:
            self.rests[-1][1] = value
        elif start < math.inf:
            self.rests.append([start, value])


def test_long_run_share_on_the_line_is_spell_over_cycle(monkeypatch):
    """Time on the line in [0, T] summed over 300 replications against its exact mean and
    variance (the sd of the mean share is about 0.002, so a share off by 0.01 fails)."""
    monkeypatch.setattr(world_module, "Duty", RecordingDuty)
    s = patrol_world()
    horizon, n = float(s.horizon_days), 300
    totals = {"rok": 0.0, "dprk": 0.0}
    for i in range(n):
        sector = simulate(s, SEED, i).sectors[0]
        for side in totals:
            duty = getattr(sector, side)
            assert isinstance(duty, RecordingDuty)
            totals[side] += horizon - overlap(duty.rests, horizon)
    for side, spell, rest in (("rok", ROK_SPELL, ROK_REST), ("dprk", DPRK_SPELL, DPRK_REST)):
        mean = n * horizon * spell / (spell + rest)
        sd = math.sqrt(n * occupation_variance(spell, rest, horizon))
        assert abs(totals[side] - mean) <= Z * sd, side


def test_call_out_ends_a_rest_at_once():
    d = Duty(3)
    assert d.out(0.0) == 3  # no rest planned
    d.rest_from, d.rest_until = 5.0, 9.0
    d.call_out(4.0)  # before the rest: nothing to cut
    assert (d.rest_from, d.rest_until) == (5.0, 9.0)
    assert d.out(4.9) == 3 and d.out(5.0) == 0 and d.out(8.9) == 0 and d.out(9.0) == 3
    d.call_out(6.5)
    assert d.out(6.5) == 3 and d.out(8.0) == 3 and d.rest_until == 6.5
    d.call_out(7.0)  # out already: nothing changes
    assert (d.rest_from, d.rest_until) == (5.0, 6.5)


def test_an_incident_calls_resting_rok_patrols_out_in_its_sector_only():
    """ROK patrols rest almost always (P(out at a given time) = 1e-6); an injected crossing in
    the first sector sends its ROK patrols out at once, and no one else's."""
    sectors = tuple(
        dc.replace(p, crews=0, dprk_patrols=2, rok_patrols=2) for p in BASE.terrain.sectors[:2]
    )
    name = sectors[0].name
    s = replace(
        quiet(BASE),
        terrain={"sectors": sectors},
        patrols={"rok_spell_days": 1.0, "rok_rest_days": 1e6, "dprk_rest_days": 1e6},
        crossings={"detection_probability": 1.0},
    )
    day = 10
    te = TimelineEvent(
        date=s.start_date + dt.timedelta(days=day), type="mdl_crossing", actor="DPRK", sector=name
    )
    s = replace(s, timeline={"events": (te,)})
    t = day + 0.5
    for i in range(20):
        world = started(s, i)
        world.env.run(until=t - 1e-6)
        first, second = world.sectors
        assert first.rok.out(world.env.now) == 0 and second.rok.out(world.env.now) == 0
        dprk_before = first.dprk.out(world.env.now)
        world.env.run(until=t + 1e-6)
        now = world.env.now
        assert [e.type for e in world.events][:1] == ["mdl_crossing"]
        assert first.rok.out(now) == 2 and second.rok.out(now) == 0
        assert first.dprk.out(now) == dprk_before


# --- crews --------------------------------------------------------------------------------------
WORK, REST = 3.0, 2.0


def crew_world():
    s = one_sector(constant_season(quiet(BASE)), crews=2, dprk_patrols=0, rok_patrols=0)
    return replace(
        s,
        construction={"work_spell_days": WORK, "rest_days": REST},
        mines={"blast_rate_per_crew_day": 0.0},  # no blast, no halt
        crossings={"rate_per_crew_day": 0.0},
    )


def test_crews_start_stationary_and_stay_so():
    s = crew_world()
    n, at_start, later = 1000, 0, 0
    for i in range(n):
        world = started(s, i)
        sector = world.sectors[0]
        world.env.run(until=1e-9)
        at_start += sector.crews_at(0.0) == 2
        world.env.run(until=51.7)
        later += sector.crews_at(51.7) == 2
    p = WORK / (WORK + REST)
    assert binom_ok(at_start, n, p) and binom_ok(later, n, p)


def record_calls(monkeypatch, method: str) -> list[tuple[float, float]]:
    """Patch ``Sector.method(t, a, b)`` (or ``(t, b)``) to log its interval as it is called."""
    log: list[tuple[float, float]] = []
    original = getattr(Sector, method)

    def wrapper(self, t, *interval):
        log.append((interval[0] if len(interval) == 2 else t, interval[-1]))
        return original(self, t, *interval)

    monkeypatch.setattr(Sector, method, wrapper)
    return log


def test_crews_work_a_share_spell_over_cycle(monkeypatch):
    rests = record_calls(monkeypatch, "plan_rest")
    s = crew_world()
    horizon, n, total = float(s.horizon_days), 300, 0.0
    for i in range(n):
        rests.clear()
        simulate(s, SEED, i)
        total += horizon - overlap(rests, horizon)
    mean = n * horizon * WORK / (WORK + REST)
    assert abs(total - mean) <= Z * math.sqrt(n * occupation_variance(WORK, REST, horizon))


def crew_days(s, rests, halts, stops, crews_from, horizon: float) -> float:
    """Crew-days worked in [0, horizon], counted piece by piece: the crews in force times 1 in
    the season (days of the year season_start_day..season_end_day, read off the dates) or
    off_season_activity outside it; nothing in a rest, a halt or a stop order."""
    c = s.construction

    def in_season(t: float) -> bool:
        doy = (s.start_date + dt.timedelta(days=math.floor(t))).timetuple().tm_yday
        return c.season_start_day <= doy <= c.season_end_day

    def inside(t: float, intervals) -> bool:
        return any(a <= t < b for a, b in intervals)

    cuts = {0.0, horizon, *map(float, range(1, math.ceil(horizon)))}
    for a, b in (*rests, *halts, *stops):
        cuts |= {min(max(a, 0.0), horizon), min(max(b, 0.0), horizon)}
    cuts |= {t for t, _ in crews_from if t < horizon}
    points = sorted(cuts)
    total = 0.0
    for a, b in zip(points, points[1:], strict=False):
        m = 0.5 * (a + b)
        if inside(m, rests) or inside(m, halts) or inside(m, stops):
            continue
        crews = [n for t, n in crews_from if t <= m][-1]
        total += crews * (1.0 if in_season(m) else c.off_season_activity) * (b - a)
    return total


def test_density_laid_is_rate_times_crew_days_worked(monkeypatch):
    """Rests, blast halts (stand-downs and longer halts), a stop order and a change of crews,
    across season boundaries: density at the end = initial + rate x crew-days (exact)."""
    rests = record_calls(monkeypatch, "plan_rest")
    halts = record_calls(monkeypatch, "halt")
    s = one_sector(quiet(BASE), crews=3, mine_density=0.3, dprk_patrols=0, rok_patrols=0)

    def decision(d: int, **fields) -> TimelineEvent:
        date = s.start_date + dt.timedelta(days=d)
        return TimelineEvent(date=date, type=fields.pop("type"), actor="DPRK", **fields)

    stop, resume, more = 150, 190, 250
    timeline = (
        decision(stop, type="work", working=False),
        decision(resume, type="work", working=True),
        decision(more, type="crews", crews=5),
    )
    s = replace(
        s,
        construction={
            "off_season_activity": 0.4,
            "work_spell_days": 20.0,
            "rest_days": 5.0,
            "persistence": 0.5,
            "standdown_days": 3.0,
            "halt_days": 10.0,
            "mine_laying_per_crew_day": 0.0003,
            "max_mine_density": 1.0,
        },
        mines={"blast_rate_per_crew_day": 0.01, "clearance_effort": 0.0},
        crossings={"rate_per_crew_day": 0.0},
        timeline={"events": timeline},
    )
    horizon = float(s.horizon_days)
    stops = [(stop + 0.5, resume + 0.5)]
    crews_from = [(0.0, 3), (more + 0.5, 5)]
    n_halts = 0
    for i in range(20):
        rests.clear()
        halts.clear()
        world = simulate(s, SEED, i)
        n_halts += len(halts)
        worked = crew_days(s, rests, halts, stops, crews_from, horizon)
        want = 0.3 + s.construction.mine_laying_per_crew_day * worked
        assert want < 1.0  # below the ceiling
        assert world.sectors[0].density_at(horizon) == pytest.approx(want, rel=1e-9, abs=1e-12)
    assert n_halts >= 20  # the halts were exercised (about 3 a replication expected)


def test_density_stops_at_its_ceiling():
    s = one_sector(constant_season(quiet(BASE)), crews=4, mine_density=0.3)
    s = replace(
        s,
        construction={"mine_laying_per_crew_day": 0.01, "max_mine_density": 0.5},
        mines={"blast_rate_per_crew_day": 0.0},
        crossings={"rate_per_crew_day": 0.0},
    )
    world = simulate(s, SEED, 0)
    assert world.sectors[0].density_at(float(s.horizon_days)) == pytest.approx(0.5)


# --- halts after blasts ---------------------------------------------------------------------------
CREWS, BLAST_RATE, DENSITY = 4, 0.05, 0.5
LAMBDA = CREWS * BLAST_RATE * DENSITY  # blasts a day while the crews work: 0.1


def halting_world(persistence: float):
    s = one_sector(constant_season(quiet(BASE)), crews=CREWS, mine_density=DENSITY)
    return replace(
        s,
        construction={
            "persistence": persistence,
            "standdown_days": 5.0,
            "halt_days": 10.0,
            "mine_laying_per_crew_day": 0.0,
            "work_spell_days": STEADY,
        },
        mines={"blast_rate_per_crew_day": BLAST_RATE, "clearance_effort": 0.0},
        crossings={"rate_per_crew_day": 0.0},
    )


def blasts_and_halts(s, monkeypatch, reps: int, first: int):
    """The first ``first`` blasts of each replication with the halt each set off. The first
    five blasts come before the 405-day horizon but with probability below 1e-9 (the time to
    them is at most a sum of nine exponentials of mean 10 plus 20 days)."""
    halts = record_calls(monkeypatch, "halt")
    out = []
    for i in range(reps):
        halts.clear()
        world = simulate(s, SEED, i)
        blasts = [e.time for e in world.events if e.type == "mine_blast"]
        assert len(blasts) == len(halts) and len(blasts) >= first
        assert all(h[0] == b for h, b in zip(halts, blasts, strict=True))
        out.append((blasts[:first], [b - a for a, b in halts[:first]]))
    return out


def test_a_persisting_crew_stands_down_then_blasts_come_at_the_same_rate(monkeypatch):
    """persistence 1: every halt is standdown_days; the first blast and every gap from the end
    of a stand-down to the next blast are Exp(rate) (2,000 gaps, KS)."""
    s = halting_world(1.0)
    gaps = []
    for blasts, halts in blasts_and_halts(s, monkeypatch, 400, 5):
        assert halts == pytest.approx([5.0] * 5)
        gaps += [blasts[0]] + [b - a - 5.0 for a, b in zip(blasts, blasts[1:], strict=False)]
    assert min(gaps) > 0.0  # no blast inside a stand-down
    assert stats.kstest(gaps, stats.expon(scale=1 / LAMBDA).cdf).pvalue > ALPHA


def test_a_crew_that_does_not_persist_halts_for_an_exponential_time(monkeypatch):
    """persistence 0: halts are Exp(halt_days), and the gaps after them Exp(rate) (KS)."""
    s = halting_world(0.0)
    lengths, gaps = [], []
    for blasts, halts in blasts_and_halts(s, monkeypatch, 400, 5):
        lengths += halts[:4]
        gaps += [b - a - h for a, b, h in zip(blasts, blasts[1:], halts, strict=False)]
    assert min(gaps) > 0.0  # no blast inside a halt
    assert stats.kstest(lengths, stats.expon(scale=10.0).cdf).pvalue > ALPHA
    assert stats.kstest(gaps, stats.expon(scale=1 / LAMBDA).cdf).pvalue > ALPHA


def test_a_blast_brings_a_stand_down_with_probability_persistence(monkeypatch):
    s = halting_world(0.6)
    short = total = 0
    for _, halts in blasts_and_halts(s, monkeypatch, 300, 5):
        short += sum(h == pytest.approx(5.0) for h in halts)
        total += len(halts)
    assert binom_ok(short, total, 0.6)


def test_crews_are_idle_during_a_stand_down():
    """An injected blast at day 10 (noon): no crew at work for standdown_days, all after."""
    s = halting_world(1.0)
    s = replace(s, mines={"blast_rate_per_crew_day": 0.0})
    te = TimelineEvent(
        date=s.start_date + dt.timedelta(days=10),
        type="mine_blast",
        actor="DPRK",
        sector=s.terrain.sectors[0].name,
    )
    world = started(replace(s, timeline={"events": (te,)}), 0)
    sector, t = world.sectors[0], 10.5
    world.env.run(until=t - 0.01)
    assert sector.crews_at(world.env.now) == CREWS
    for at, crews in ((t + 0.01, 0), (t + 4.99, 0), (t + 5.01, CREWS)):
        world.env.run(until=at)
        assert sector.crews_at(at) == crews
