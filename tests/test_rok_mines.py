"""Mine blasts among ROK patrols (sim/model/mines.py) against their analytic law.

Blasts come as a Poisson process of rate sum over sectors of patrols on the line x
patrol_blast_rate_per_patrol_day x south_mine_density x (1 + rain) x (1 - clearance_efficacy x
rok_clearance_effort). Rain is random, but given its path (read off the heavy-rain events) the
count of blasts is Poisson with the integral of that rate, and each blast falls in a sector with
probability its share of the rate. Casualties per blast are Poisson. ROK blames a displaced
mine with blame_if_displaced_probability after Exp(investigation_days), and answers a blame by
the menu of ``answer_blamed_attack`` (a multinomial logit, ``option_weights``). Tolerances:
exact Poisson and binomial tests, chi-square and Kolmogorov-Smirnov at two-sided level 0.001.
"""

from __future__ import annotations

import dataclasses as dc
import datetime as dt
import math

import numpy as np
from model_helpers import (
    ALPHA,
    baseline,
    constant_season,
    dispersion_ok,
    poisson_sum_ok,
    quiet,
    replace,
)
from scipy import stats

from sim.model.replication import simulate
from sim.model.response import Reaction, option_weights
from sim.scenario.params import TimelineEvent

SEED = 20240618
BASE = baseline()
WEST, CENTRAL = (p.name for p in BASE.terrain.sectors[:2])
# patrols and south mine density by sector: rate weights 2 x 0.5 = 1.0 and 3 x 0.2 = 0.6
SECTORS = {WEST: (2, 0.5), CENTRAL: (3, 0.2)}
RATE, EFFORT, EFFICACY = 0.02, 0.5, 0.8
DOGS = {"protest_logit": -50.0, "mirror_logit": -50.0, "escalate_logit": -50.0}
QUIET_DPRK = DOGS | {"return_fire_probability": 0.0}  # DPRK ignores whatever ROK does


def patrol_world(rain: bool = False, **mines):
    sectors = tuple(
        dc.replace(
            p,
            crews=0,
            dprk_patrols=0,
            rok_patrols=SECTORS[p.name][0],
            south_mine_density=SECTORS[p.name][1],
        )
        for p in BASE.terrain.sectors[:2]
    )
    s = constant_season(quiet(BASE))
    terrain = {"sectors": sectors}
    if rain:
        terrain |= {
            "heavy_rain_rate_per_day": 0.2,
            "rain_displacement_per_episode": 0.5,
            "rain_displacement_cap": 1.5,
            "rain_displacement_half_life_days": 20.0,
        }
    return replace(
        s,
        terrain=terrain,
        patrols={"rok_rest_days": 0.01},  # with endless spells: always on the line
        mines={
            "patrol_blast_rate_per_patrol_day": RATE,
            "rok_clearance_effort": EFFORT,
            "clearance_efficacy": EFFICACY,
            "blame_if_displaced_probability": 0.0,
        }
        | mines,
        response={"dprk": QUIET_DPRK},
    )


def rok_blasts(world):
    return [e for e in world.events if e.type == "mine_blast" and e.actor == "ROK"]


def integrated_rain(world, horizon: float) -> float:
    """The integral of the rain displacement over [0, horizon], replayed from the heavy-rain
    events: each adds rain_displacement_per_episode up to the cap, then it decays."""
    t = world.s.terrain
    r = math.log(2.0) / t.rain_displacement_half_life_days
    level, last, total = 0.0, 0.0, 0.0
    for e in world.events:
        if e.type != "heavy_rain":
            continue
        total += level * (1.0 - math.exp(-r * (e.time - last))) / r
        level = min(t.rain_displacement_cap, level * math.exp(-r * (e.time - last)))
        level = min(t.rain_displacement_cap, level + t.rain_displacement_per_episode)
        last = e.time
    return total + level * (1.0 - math.exp(-r * (horizon - last))) / r


def test_patrol_blasts_are_poisson_at_the_documented_rate_and_fall_by_sector_share():
    """300 replications, about 14 blasts each: given the rain, total ~ Poisson(sum of the
    integrated rates); each blast in the west with probability 1.0 / (1.0 + 0.6)."""
    s = patrol_world(rain=True)
    horizon = float(s.horizon_days)
    weight = sum(n * d for n, d in SECTORS.values())
    per_day = weight * RATE * (1.0 - EFFICACY * EFFORT)
    total = west = 0
    mean = 0.0
    rained = 0
    for i in range(300):
        world = simulate(s, SEED, i)
        blasts = rok_blasts(world)
        total += len(blasts)
        west += sum(e.sector == WEST for e in blasts)
        rain = integrated_rain(world, horizon)
        rained += rain > 0
        mean += per_day * (horizon + rain)
    assert rained > 250  # the rain term was exercised
    assert poisson_sum_ok(total, mean)
    assert stats.binomtest(west, total, 1.0 / weight).pvalue > ALPHA


def test_patrol_blasts_without_rain_have_poisson_counts():
    """Without rain the rate is constant: counts per replication are iid Poisson."""
    s = patrol_world()
    counts = np.array([len(rok_blasts(simulate(s, SEED, i))) for i in range(300)], dtype=float)
    per_day = sum(n * d for n, d in SECTORS.values()) * RATE * (1.0 - EFFICACY * EFFORT)
    assert poisson_sum_ok(int(counts.sum()), 300 * per_day * s.horizon_days)
    assert dispersion_ok(counts)


def test_patrol_blast_casualties_are_poisson():
    s = patrol_world(patrol_killed_mean=0.7, patrol_injured_mean=2.0)
    killed, injured = [], []
    for i in range(200):
        for e in rok_blasts(simulate(s, SEED, i)):
            killed.append(e.killed)
            injured.append(e.injured)
    n = len(killed)
    assert n > 1000
    assert poisson_sum_ok(sum(killed), 0.7 * n) and poisson_sum_ok(sum(injured), 2.0 * n)
    assert dispersion_ok(np.array(killed, float)) and dispersion_ok(np.array(injured, float))


def test_rok_blames_a_displaced_mine_with_its_probability_after_an_exponential_delay():
    """Blasts before day T - 80 (an investigation outlasts 80 days with probability e^-20):
    blamed ~ Binomial(n, p); delays ~ Exp(investigation_days) (KS); a blame is a misreading."""
    p, mean_delay = 0.3, 4.0
    s = patrol_world(blame_if_displaced_probability=p, investigation_days=mean_delay)
    cutoff = s.horizon_days - 80.0
    eligible = blamed = 0
    delays = []
    for i in range(250):
        world = simulate(s, SEED, i)
        assert not world.over
        blasts = {e.id: e for e in rok_blasts(world)}
        blames = [e for e in world.events if e.type == "blame_statement"]
        for b in blames:
            blast = blasts[b.cause]
            assert b.actor == "ROK" and b.sector == blast.sector
            assert blast.intent == "accident" and b.intent == "misread"
            if blast.time < cutoff:
                delays.append(b.time - blast.time)
        eligible += sum(e.time < cutoff for e in blasts.values())
        blamed += sum(blasts[b.cause].time < cutoff for b in blames)
    assert stats.binomtest(blamed, eligible, p).pvalue > ALPHA
    assert stats.kstest(delays, stats.expon(scale=mean_delay).cdf).pvalue > ALPHA


# --- ROK's answer to a blamed attack ----------------------------------------------------------
ROK_SIDE = {
    "protest_logit": 0.0,
    "mirror_logit": 0.0,
    "escalate_logit": 1.0,
    "tension_slope": 0.02,
    "deliberate_bonus": 1.0,
    "rung_aversion": 0.5,
    "jump_aversion": 1.5,
}
MENU = ((Reaction.PROTEST, 0), (Reaction.MIRROR, 1), (Reaction.ESCALATE, 2))
ANSWERS = {"protest": 1, "speakers_raised": 2, "show_of_force": 3}  # by Reaction value


def blamed_world(planted: bool = False):
    """One ROK patrol blast injected on day 1, ROK's blame forced; tension starts at 0, so at
    the answer it is exactly the blame's weight. ROK free of the CMA and its speakers off, so
    a reprisal in kind switches them to continuous."""
    s = quiet(BASE)
    te = TimelineEvent(
        date=s.start_date + dt.timedelta(days=1),
        type="mine_blast",
        actor="ROK",
        sector=WEST,
        injured=2,
        planted=planted,
        blame="yes",
    )
    return replace(
        s,
        end_date=s.start_date + dt.timedelta(days=60),
        timeline={"events": (te,)},
        escalation={"initial_tension": 0.0},
        diplomacy={"cma_rok_suspended": True},
        grayzone={"loudspeaker_posture": "off", "loudspeaker_broadcasts_per_day": 0.0},
        response={"rok": ROK_SIDE, "dprk": QUIET_DPRK},
    )


def descendants(events, root: int) -> list:
    below, out = {root}, []
    for e in events:  # causes precede their effects in the log
        if e.cause in below:
            below.add(e.id)
            out.append(e)
    return out


def test_rok_answers_a_blame_by_the_menu_of_answer_blamed_attack():
    """1,000 blames; their answers (ignore, protest, speakers to continuous, show of force)
    against option_weights at the blame's tension (chi-square, 3 df). The reprisal comes
    within the 60 days with probability above 1 - 1e-6."""
    s = blamed_world()
    n = 1000
    got = np.zeros(4)
    tensions = set()
    for i in range(n):
        world = simulate(s, SEED, i)
        blame = next(e for e in world.events if e.type == "blame_statement")
        answers = [
            e
            for e in world.events
            if e.cause == blame.id and e.type in ANSWERS and e.actor == "ROK"
        ]
        assert len(answers) <= 1
        got[ANSWERS[answers[0].type] if answers else 0] += 1
        tensions.add(blame.tension)
    (tension,) = tensions
    assert tension == s.escalation.tension_unit
    w = np.array(option_weights(s.response.rok, tension, True, 0.0, 0, MENU))
    assert stats.chisquare(got, n * w / w.sum()).pvalue > ALPHA


def test_a_blamed_displaced_mine_starts_a_misread_chain_and_a_planted_one_a_deliberate_one():
    for planted, intent in ((False, "misread"), (True, "deliberate")):
        s = blamed_world(planted)
        chains = 0
        for i in range(60):
            world = simulate(s, SEED, i)
            blast = next(e for e in world.events if e.type == "mine_blast")
            assert blast.intent == ("deliberate" if planted else "accident")
            below = descendants(world.events, blast.id)
            assert below[0].type == "blame_statement"
            assert {e.intent for e in below} == {intent}
            chains += len(below) > 1
        assert chains > 30  # most blames were answered, so chains were followed
