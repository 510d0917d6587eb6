"""Adaptation after incidents (sim/model/adaptation.py) against its analytic law.

- Warning shots in a sector multiply its crossing rate by exp(-caution), where caution rises
  by caution_per_warning_shots at each volley there and halves every caution_half_life_days.
  Given the volleys, crossings nobody sees (they change nothing) are Poisson with the integral
  of that rate.
- A blast raises clearance on the side it hit by clearance_boost_per_blast (capped at effort 1)
  and the boost halves every clearance_boost_half_life_days: the blast rate on that side is
  base x (1 - efficacy x min(1, effort + boost)). By the time-rescaling theorem the integrated
  rate over each gap between blasts is Exp(1), iid.
- A detected crossing raises ROK's alert, and a crossing is then seen with probability
  1 - (1 - d) ** (size / crew_size) x (1 - d_patrol) ** patrols out x exp(-alert). Given the
  past, each crossing is seen with that probability: the centred sum of the outcomes over its
  standard deviation is asymptotically N(0, 1) (martingale central limit theorem).

Tolerances: exact Poisson, Kolmogorov-Smirnov and normal bounds at two-sided level 0.001.
"""

from __future__ import annotations

import dataclasses as dc
import datetime as dt
import math

import pytest
import simpy
from model_helpers import ALPHA, baseline, constant_season, poisson_sum_ok, quiet, replace
from scipy import integrate, stats

# replication first: at commit 31a3254 importing sim.model.crossings alone failed on the import
# cycle response -> crisis -> diplomacy -> response
from sim.model import replication
from sim.model.crossings import crossing_rate, detection_probability
from sim.model.world import World
from sim.rng import Streams
from sim.scenario.params import TimelineEvent

SEED = 20240618
Z = stats.norm.ppf(1 - ALPHA / 2)
LN2 = math.log(2.0)
BASE = baseline()
SECTOR = BASE.terrain.sectors[0].name
RETREAT = {"protest_logit": -50.0, "mirror_logit": -50.0, "escalate_logit": -50.0}
ESCALATE = {"protest_logit": -50.0, "mirror_logit": -50.0, "escalate_logit": 50.0}


def one_sector(s, **fields):
    first = s.terrain.sectors[0]
    return replace(s, terrain={"sectors": (dc.replace(first, **fields),)})


def started(s, rep: int) -> World:
    """A world with every mechanism started and the clock at 0, to be run by hand."""
    world = World(simpy.Environment(), s, Streams(SEED, rep))
    for start in replication.MECHANISMS:
        start(world)
    return world


def inject(s, day: int, type_: str, **fields):
    te = TimelineEvent(date=s.start_date + dt.timedelta(days=day), type=type_, **fields)
    return replace(s, timeline={"events": (*s.timeline.events, te)})


def decaying(kicks, amount: float, half_life: float, t: float) -> float:
    """Sum of ``amount`` added at each time in ``kicks`` before t, each halving per half-life."""
    return sum(amount * 2.0 ** (-(t - k) / half_life) for k in kicks if k < t)


# --- caution after warning shots ----------------------------------------------------------------
CAUTION, CAUTION_HALF_LIFE = 2.5, 5.0


def caution_world():
    """Crews cross at about 5 a day in each of two sectors and nobody sees them (no detection,
    no alert), so they change nothing. A DPRK drill injected in the first sector on day 5 is
    answered by ROK with warning shots there (escalation is ROK's only answer, DPRK ignores
    them): the only volley."""
    sectors = tuple(
        dc.replace(p, crews=4, dprk_patrols=0, rok_patrols=0) for p in BASE.terrain.sectors[:2]
    )
    s = replace(
        constant_season(quiet(BASE)),
        terrain={"sectors": sectors},
        end_date=BASE.start_date + dt.timedelta(days=29),
        crossings={"rate_per_crew_day": 0.2, "detection_probability": 0.0},
        mines={"blast_rate_per_crew_day": 0.0},
        adaptation={
            "caution_per_warning_shots": CAUTION,
            "caution_half_life_days": CAUTION_HALF_LIFE,
        },
        response={"rok": ESCALATE, "dprk": RETREAT},
    )
    return inject(s, 5, "show_of_force", actor="DPRK", sector=SECTOR)


def base_crossing_rate(s, k: int = 0) -> float:
    c, p = s.crossings, s.terrain.sectors[k]
    veg = s.terrain.vegetation_summer  # constant all year here
    return (
        p.crews
        * c.rate_per_crew_day
        * math.exp(c.vegetation_effect * veg)
        * (1.0 + c.marking_effect * (1.0 - p.marker_visibility))
    )


def test_warning_shots_lower_the_crossing_rate_by_exp_minus_caution():
    """Unseen crossings in the first sector after the volley, over 150 replications (about 45
    each), against Poisson(sum of rate0 x integral of exp(-caution(t))) given the volley's
    time; before it, Poisson(rate0 x its time); in the other sector, Poisson(rate0 x 30)."""
    s = caution_world()
    rate0, other0, horizon = base_crossing_rate(s), base_crossing_rate(s, 1), float(s.horizon_days)
    before = after = other = 0
    mean_before = mean_after = 0.0
    for i in range(150):
        world = replication.simulate(s, SEED, i)
        volleys = [e for e in world.events if e.type == "warning_shots"]
        assert [(e.actor, e.sector) for e in volleys] == [("ROK", SECTOR)]
        first = volleys[0].time
        unseen = [e for e in world.events if e.type == "mdl_crossing_undetected"]
        here = [e.time for e in unseen if e.sector == SECTOR]
        before += sum(t < first for t in here)
        after += sum(t >= first for t in here)
        other += len(unseen) - len(here)
        mean_before += rate0 * first
        mean_after += (
            rate0
            * integrate.quad(
                lambda t, v=first: math.exp(-decaying([v], CAUTION, CAUTION_HALF_LIFE, t)),
                first,
                horizon,
                epsabs=1e-10,
            )[0]
        )
    assert poisson_sum_ok(before, mean_before)
    assert poisson_sum_ok(after, mean_after)
    assert poisson_sum_ok(other, 150 * other0 * horizon)


def test_caution_decays_with_its_half_life_in_the_crossing_rate():
    s = caution_world()
    world = started(s, 0)
    sector = world.sectors[0]
    rate0 = base_crossing_rate(s)
    while not any(e.type == "warning_shots" for e in world.events):
        world.env.step()
    volley = world.env.now
    for t in (volley + 0.5, volley + 4.0, volley + 12.0):
        world.env.run(until=t)
        caution = CAUTION * 2.0 ** (-(t - volley) / CAUTION_HALF_LIFE)
        assert sector.caution.at(t) == pytest.approx(caution, rel=1e-12)
        assert crossing_rate(world, sector, t) == pytest.approx(
            rate0 * math.exp(-caution), rel=1e-12
        )
        other = base_crossing_rate(s, 1)  # the other sector: no caution
        assert crossing_rate(world, world.sectors[1], t) == pytest.approx(other, rel=1e-12)


# --- clearance after blasts ---------------------------------------------------------------------
EFFICACY, BOOST, BOOST_HALF_LIFE, BLASTS = 0.9, 0.6, 3.0, 5


def clearance_world(**construction):
    """One sector where DPRK crews and ROK patrols are both hit at a rate of 1 a day before any
    clearance; no effort at the start, so only the boosts clear (their sum caps at 1)."""
    s = one_sector(
        constant_season(quiet(BASE)),
        crews=4,
        mine_density=0.5,
        dprk_patrols=0,
        rok_patrols=2,
        south_mine_density=0.5,
    )
    return replace(
        s,
        end_date=s.start_date + dt.timedelta(days=299),
        construction={
            "persistence": 1.0,
            "standdown_days": 0.0,  # no halt: the crews' exposure stays constant
            "mine_laying_per_crew_day": 0.0,
        }
        | construction,
        crossings={"rate_per_crew_day": 0.0},
        mines={
            "blast_rate_per_crew_day": 0.5,
            "patrol_blast_rate_per_patrol_day": 1.0,
            "clearance_effort": 0.0,
            "rok_clearance_effort": 0.0,
            "clearance_efficacy": EFFICACY,
            "blame_probability": 0.0,
            "blame_if_displaced_probability": 0.0,
        },
        adaptation={
            "clearance_boost_per_blast": BOOST,
            "clearance_boost_half_life_days": BOOST_HALF_LIFE,
        },
    )


def rescaled_gaps(times: list[float], rate0: float) -> list[float]:
    """Integrated rate over each gap, replaying the boost: after blast k it is
    b_k = min(1, b_(k-1) decayed + BOOST) and the rate rate0 x (1 - EFFICACY x b(t))."""
    out, boost, last = [], 0.0, 0.0
    for t in times:
        g = t - last
        kept = (1.0 - 2.0 ** (-g / BOOST_HALF_LIFE)) * BOOST_HALF_LIFE / LN2
        out.append(rate0 * (g - EFFICACY * boost * kept))
        boost = min(1.0, boost * 2.0 ** (-g / BOOST_HALF_LIFE) + BOOST)
        last = t
    return out


def test_a_blast_raises_clearance_on_the_side_it_hit_up_to_full_effort():
    """The first five blasts on each side of 250 replications (all within the 300 days but with
    probability below 1e-8: the slowest rate is 0.1 a day, and P(Poisson(30) < 5) < 4e-9): the
    integrated rates over the gaps, replaying only that side's boosts, are iid Exp(1) (KS,
    1,250 a side). A boost that crossed sides, ignored the cap or decayed at another rate
    would fail."""
    s = clearance_world()
    rates = {"DPRK": 4 * 0.5 * 0.5, "ROK": 2 * 1.0 * 0.5}
    pooled: dict[str, list[float]] = {"DPRK": [], "ROK": []}
    capped = 0
    for i in range(250):
        world = replication.simulate(s, SEED, i)
        for side in pooled:
            times = [e.time for e in world.events if e.type == "mine_blast" and e.actor == side]
            assert len(times) >= BLASTS
            pooled[side] += rescaled_gaps(times[:BLASTS], rates[side])
            capped += any(b - a < 0.8 for a, b in zip(times, times[1:BLASTS], strict=False))
    assert capped > 250  # the cap was reached often (a gap under 0.8 days caps the boost)
    for side, gaps in pooled.items():
        assert stats.kstest(gaps, "expon").pvalue > ALPHA, side


def test_blast_boosts_are_kept_per_side():
    s = clearance_world()
    s = replace(s, mines={"blast_rate_per_crew_day": 0.0, "patrol_blast_rate_per_patrol_day": 0.0})
    s = inject(s, 2, "mine_blast", actor="DPRK", sector=SECTOR)
    s = inject(s, 4, "mine_blast", actor="ROK", sector=SECTOR)
    s = inject(s, 4, "mine_blast", actor="ROK", sector=SECTOR)
    world = started(s, 0)
    sector = world.sectors[0]
    world.env.run(until=3.0)
    assert sector.clearance.at(3.0) == pytest.approx(BOOST * 2.0 ** (-0.5 / BOOST_HALF_LIFE))
    assert sector.rok_clearance.at(3.0) == 0.0
    world.env.run(until=5.0)
    assert sector.rok_clearance.at(4.5) == pytest.approx(1.0)  # 0.6 + 0.6, capped
    assert sector.clearance.at(5.0) == pytest.approx(BOOST * 2.0 ** (-2.5 / BOOST_HALF_LIFE))


# --- ROK's alert and detection ------------------------------------------------------------------
ALERT, ALERT_HALF_LIFE, D_POST, D_PATROL = 1.0, 3.0, 0.3, 0.2


def alert_world():
    """Crews cross at about 1.25 a day; fixed posts and two ROK patrols see a crew with
    probability 1 - 0.7 x 0.8 ** 2, more on alert; the crossers always retreat."""
    s = one_sector(constant_season(quiet(BASE)), crews=4, dprk_patrols=0, rok_patrols=2)
    return replace(
        s,
        crossings={"rate_per_crew_day": 0.05, "detection_probability": D_POST},
        patrols={"detection_per_patrol": D_PATROL},
        mines={"blast_rate_per_crew_day": 0.0, "patrol_blast_rate_per_patrol_day": 0.0},
        adaptation={
            "alert_per_incident": ALERT,
            "alert_half_life_days": ALERT_HALF_LIFE,
            "caution_per_warning_shots": 0.0,
        },
        response={"dprk": RETREAT},
    )


def seen_probability(alert: float, size: int = 25, patrols: int = 2) -> float:
    missed = (1 - D_POST) ** (size / 25) * (1 - D_PATROL) ** patrols * math.exp(-alert)
    return 1.0 - missed


def test_a_detected_crossing_raises_the_alert_and_detection_follows_the_formula():
    # a party of 2,500 is missed by every fixed post with probability 0.7 ** 100: it is seen
    s = inject(alert_world(), 3, "mdl_crossing", actor="DPRK", sector=SECTOR, party_size=2500)
    s = replace(s, crossings={"rate_per_crew_day": 0.0})
    world = started(s, 0)
    sector = world.sectors[0]
    world.env.run(until=3.4)
    assert detection_probability(world, sector, 25) == pytest.approx(seen_probability(0.0))
    for t in (3.5 + 1e-9, 4.5, 9.0):
        world.env.run(until=t)
        assert [e.type for e in world.events][:1] == ["mdl_crossing"]
        alert = ALERT * 2.0 ** (-(t - 3.5) / ALERT_HALF_LIFE)
        assert world.alert.at(t) == pytest.approx(alert)
        assert detection_probability(world, sector, 25) == pytest.approx(seen_probability(alert))
        assert detection_probability(world, sector, 10) == pytest.approx(
            seen_probability(alert, size=10)
        )


def test_crossings_are_seen_with_the_probability_their_alert_gives():
    """Each crossing (about 500 a replication, 10 replications) is seen with probability
    p(alert from the detected crossings before it): sum (seen - p) / sqrt(sum p (1 - p)) is
    N(0, 1). Without the alert p would be 0.552 throughout, and the sum would be off by
    about 60 standard deviations."""
    s = alert_world()
    deviation = variance = 0.0
    n = 0
    for i in range(10):
        world = replication.simulate(s, SEED, i)
        seen: list[float] = []
        for e in world.events:
            if e.type not in ("mdl_crossing", "mdl_crossing_undetected"):
                continue
            p = seen_probability(decaying(seen, ALERT, ALERT_HALF_LIFE, e.time))
            x = e.type == "mdl_crossing"
            deviation += x - p
            variance += p * (1 - p)
            n += 1
            if x:
                seen.append(e.time)
        assert not any(e.rung >= 4 for e in world.events)  # no fire raised the alert
    assert n > 3000
    assert abs(deviation) <= Z * math.sqrt(variance)
