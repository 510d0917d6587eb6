"""Each mechanism alone, with constant rates, against its analytic law.

Tolerances come from the known distribution of the statistic (exact Poisson quantiles of a
sum, chi-square for a dispersion index, Kolmogorov-Smirnov), at a two-sided level of 0.999,
so a correct model fails a given test about once in a thousand seeds.
"""

from __future__ import annotations

import dataclasses as dc
import datetime as dt
import math

import numpy as np
import pytest
import simpy
from model_helpers import baseline, constant_season, quiet, replace
from scipy import stats

from sim.model.replication import run_replication, simulate
from sim.model.response import Reaction, reaction_weights
from sim.model.thinning import thinned_poisson
from sim.rng import Stream, Streams, stream_key

ALPHA = 0.001
SEED = 20240618


def poisson_sum_ok(total: int, mean: float) -> bool:
    """Is ``total`` inside the central 1-ALPHA interval of Poisson(mean)?"""
    lo, hi = stats.poisson.interval(1 - ALPHA, mean)
    return lo <= total <= hi


def dispersion_ok(counts: np.ndarray) -> bool:
    """Index-of-dispersion test: for Poisson counts, sum (x - mean)^2 / mean ~ chi2(n - 1)."""
    n, m = len(counts), counts.mean()
    d = ((counts - m) ** 2).sum() / m
    lo, hi = stats.chi2.interval(1 - ALPHA, n - 1)
    return lo <= d <= hi


def one_sector(s, **sector_fields):
    first = s.terrain.sectors[0]
    return replace(s, terrain={"sectors": (dc.replace(first, **sector_fields),)})


def counts(s, type_: str, reps: int) -> np.ndarray:
    return np.array(
        [run_replication(s, SEED, i).outcomes[f"count_{type_}"] for i in range(reps)]
    )


# --- the thinning engine --------------------------------------------------------------------
def test_thinning_gives_poisson_counts_for_a_seasonal_rate():
    """Counts of a thinned process with rate 2 + sin(t) over [0, T] are Poisson(2T + 1 - cos T)."""
    horizon, reps = 20.0, 400
    totals = []
    for i in range(reps):
        env = simpy.Environment()
        hits: list[float] = []
        stream = Streams(SEED, i)("thinning")
        env.process(
            thinned_poisson(env, stream, 3.0, lambda t: 2.0 + math.sin(t),
                            lambda: hits.append(env.now))
        )
        env.run(until=horizon)
        totals.append(len(hits))
    mean = 2.0 * horizon + 1.0 - math.cos(horizon)
    assert poisson_sum_ok(sum(totals), reps * mean)
    assert dispersion_ok(np.array(totals, dtype=float))


# --- mines ----------------------------------------------------------------------------------
def blast_world(persistence=1.0):
    s = constant_season(quiet(baseline()))
    s = one_sector(s, crews=4, mine_density=0.5)
    return replace(
        s,
        construction={"persistence": persistence, "standdown_days": 0.0,
                      "mine_laying_per_crew_day": 0.0, "max_mine_density": 0.5},
        mines={"clearance_effort": 0.0, "blast_rate_per_crew_day": 0.01},
    )


def test_blasts_are_poisson_with_crews_times_hazard_times_density():
    s = blast_world()
    reps = 300
    c = counts(s, "mine_blast", reps)
    mean = 4 * 0.01 * 0.5 * s.horizon_days
    assert poisson_sum_ok(int(c.sum()), reps * mean)
    assert dispersion_ok(c)


def test_blast_casualties_are_poisson_per_blast():
    s = blast_world()
    blasts = killed = injured = 0
    for i in range(200):
        o = run_replication(s, SEED, i).outcomes
        blasts += int(o["count_mine_blast"])
        killed += int(o["killed_mines"])
        injured += int(o["injured_mines"])
    assert poisson_sum_ok(killed, blasts * s.mines.killed_mean)
    assert poisson_sum_ok(injured, blasts * s.mines.injured_mean)


def test_clearance_scales_the_hazard():
    s = blast_world()
    s = replace(s, mines={"clearance_effort": 1.0, "clearance_efficacy": 0.75})
    reps = 300
    c = counts(s, "mine_blast", reps)
    mean = 4 * 0.01 * 0.5 * 0.25 * s.horizon_days
    assert poisson_sum_ok(int(c.sum()), reps * mean)


def test_a_crew_that_does_not_persist_stops_after_its_first_blast():
    """persistence 0 and an endless halt: at most one blast, and P(one) = 1 - exp(-lambda H)."""
    s = replace(blast_world(persistence=0.0), construction={"halt_days": 1e9})
    lam, reps = 4 * 0.01 * 0.5, 300
    c = counts(s, "mine_blast", reps)
    assert c.max() <= 1
    p = 1 - math.exp(-lam * s.horizon_days)
    assert stats.binomtest(int(c.sum()), reps, p).pvalue > ALPHA


def test_no_construction_while_the_cma_binds_the_north():
    s = replace(blast_world(), diplomacy={"cma_dprk_suspended": False})
    for i in range(20):
        o = run_replication(s, SEED, i).outcomes
        assert o["count_mine_blast"] == 0 and o["count_fortification_work"] == 0


# --- crossings ------------------------------------------------------------------------------
def test_crossings_are_poisson_and_detection_is_binomial_thinning():
    veg, vis, crews, patrols = 0.6, 0.25, 3, 2
    s = one_sector(constant_season(quiet(baseline()), veg), crews=crews, patrols=patrols,
                   marker_visibility=vis)
    c = s.crossings
    rate = ((crews + c.patrol_exposure * patrols) * c.rate_per_crew_day
            * math.exp(c.vegetation_effect * veg) * (1 + c.marking_effect * (1 - vis)))
    reps = 300
    seen = counts(s, "mdl_crossing", reps)
    missed = counts(s, "mdl_crossing_undetected", reps)
    h = s.horizon_days
    assert poisson_sum_ok(int(seen.sum()), reps * rate * h * c.detection_probability)
    assert poisson_sum_ok(int(missed.sum()), reps * rate * h * (1 - c.detection_probability))
    assert dispersion_ok(seen)


def test_standard_roe_broadcasts_before_shooting_and_hardline_does_not():
    s = one_sector(constant_season(quiet(baseline()), 0.9), crews=4)
    hard = replace(s, response={"roe": "hardline"})
    std_o = [run_replication(s, SEED, i).outcomes for i in range(30)]
    hard_o = [run_replication(hard, SEED, i).outcomes for i in range(30)]
    assert sum(o["count_warning_broadcast"] for o in std_o) == sum(
        o["count_mdl_crossing"] for o in std_o
    )
    assert sum(o["count_warning_broadcast"] for o in hard_o) == 0
    assert sum(o["count_mdl_crossing"] for o in hard_o) > 0


# --- gray zone ------------------------------------------------------------------------------
def test_first_leaflet_launch_is_exponential():
    rate = 0.1
    s = replace(quiet(baseline()), grayzone={
        "leaflet_rate_per_day": rate, "leaflet_season_start_day": 1,
        "leaflet_season_end_day": 366, "balloon_campaign_probability": 0.0})
    firsts = []
    for i in range(300):
        ev = run_replication(s, SEED, i, keep_events=True).events
        firsts.append(next(e.time for e in ev if e.type == "leaflet_launch"))
    assert stats.kstest(firsts, stats.expon(scale=1 / rate).cdf).pvalue > ALPHA


def test_balloon_waves_are_compound_poisson():
    """Leaflets Poisson(r) over a 30-day season, each drawing 1 + Poisson(m - 1) waves:
    waves per replication have mean 30 r m and variance 30 r E[K^2], E[K^2] = (m - 1) + m^2."""
    r, m, reps = 0.1, 2.5, 400
    s = baseline()
    doy = s.start_date.timetuple().tm_yday
    # one season only: the horizon ends before the window comes round again
    s = replace(quiet(s), end_date=s.start_date + dt.timedelta(days=200), grayzone={
        "leaflet_rate_per_day": r, "leaflet_season_start_day": doy,
        "leaflet_season_end_day": doy + 29, "balloon_campaign_probability": 1.0,
        "balloon_waves_per_campaign": m, "balloon_first_delay_days": 1.0,
        "balloon_wave_gap_days": 1.0, "loudspeaker_policy": "off"})
    w = counts(s, "balloon_wave", reps)
    mean, var = 30 * r * m, 30 * r * ((m - 1) + m * m)
    bound = abs(stats.norm.ppf(ALPHA / 2)) * math.sqrt(var / reps)
    assert abs(w.mean() - mean) <= bound


def test_loudspeakers_off_means_no_broadcasts():
    s = replace(baseline(), grayzone={"loudspeaker_policy": "off"})
    for i in range(20):
        assert run_replication(s, SEED, i).outcomes["count_loudspeaker_broadcast"] == 0


# --- responses and tension ------------------------------------------------------------------
def test_stream_choice_matches_the_reaction_weights():
    side = baseline().response.dprk
    w = reaction_weights(side, tension=5.0, deliberate=True, boldness=0.5,
                         mirror_rung=1, escalate_rung=4)
    stream = Streams(SEED, 0)("choice")
    n = 20000
    drawn = np.bincount([stream.choice(w) for _ in range(n)], minlength=4)
    expected = n * np.array(w) / sum(w)
    assert stats.chisquare(drawn, expected).pvalue > ALPHA
    assert [r.value for r in Reaction] == [0, 1, 2, 3]


def test_escalation_becomes_more_likely_with_tension_and_less_with_rung():
    side = baseline().response.rok

    def p_escalate(t: float, rung: int) -> float:
        w = reaction_weights(side, t, True, 0.0, rung, rung + 1)
        return w[3] / sum(w)

    assert p_escalate(10.0, 3) > p_escalate(1.0, 3)
    assert p_escalate(5.0, 5) < p_escalate(5.0, 3)


def test_tension_decays_with_its_half_life_between_events():
    s = quiet(baseline())
    world = simulate(s, SEED, 0)
    h = s.escalation.tension_half_life_days
    assert world.tension.at(h) == pytest.approx(s.escalation.initial_tension / 2)
    r = run_replication(s, SEED, 0)
    day_ends = np.arange(1, s.horizon_days + 1)
    expected = s.escalation.initial_tension * 0.5 ** (day_ends / h)
    np.testing.assert_allclose(r.tension, expected, rtol=1e-5)


def test_terminal_rung_ends_the_replication():
    """With the terminal rung at 4 and crossers always returning fire, the first answered
    crossing ends the run as 'war'."""
    s = one_sector(constant_season(quiet(baseline()), 0.9), crews=4)
    s = replace(s, escalation={"terminal_rung": 4},
                crossings={"detection_probability": 1.0},
                response={"retreat_on_broadcast_probability": 0.0,
                          "dprk": {"escalate_logit": 50.0}})
    r = run_replication(s, SEED, 0, keep_events=True)
    assert r.outcomes["ended_in_war"] == 1.0
    assert r.events[-1].type == "small_arms_exchange"
    assert r.outcomes["end_day"] == pytest.approx(r.events[-1].time)
    assert (r.rung[int(r.events[-1].time):] == 4).all()


def test_block_drawn_stream_matches_direct_generator_draws():
    """Block drawing changes the cost, not the numbers: the same uniforms in the same order."""
    a = Streams(SEED, 3)("x")
    seq = np.random.SeedSequence(SEED, spawn_key=(3, stream_key("x")))
    direct = np.random.Generator(np.random.PCG64(seq))
    got = [a.random() for _ in range(600)]
    want = np.concatenate([direct.random(256) for _ in range(3)])[:600]
    np.testing.assert_array_equal(got, want)
    assert isinstance(a, Stream)
