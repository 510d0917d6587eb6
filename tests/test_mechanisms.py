"""Each mechanism alone, with constant rates, against its analytic law.

Tolerances come from the known distribution of the statistic (exact Poisson quantiles of a
sum, chi-square for a dispersion index, Kolmogorov-Smirnov), at a two-sided level of 0.999,
so a correct model fails a given test about once in a thousand seeds.
"""

from __future__ import annotations

import dataclasses as dc
import datetime as dt
import hashlib
import math

import numpy as np
import pytest
import simpy
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

from sim.model.replication import run_replication, simulate
from sim.model.response import Reaction, option_weights
from sim.model.thinning import thinned_poisson
from sim.rng import Stream, Streams, seed_words

SEED = 20240618


def one_sector(s, **sector_fields):
    first = s.terrain.sectors[0]
    return replace(s, terrain={"sectors": (dc.replace(first, **sector_fields),)})


def counts(s, type_: str, reps: int) -> np.ndarray:
    return np.array([run_replication(s, SEED, i).outcomes[f"count_{type_}"] for i in range(reps)])


# --- the thinning engine --------------------------------------------------------------------
def test_thinning_gives_poisson_counts_for_a_seasonal_rate():
    """Counts of a thinned process with rate 2 + sin(t) over [0, T] are Poisson(2T + 1 - cos T)."""
    horizon, reps = 20.0, 400
    totals = []
    for i in range(reps):
        env = simpy.Environment()
        hits = [0]
        stream = Streams(SEED, i)("thinning")

        def hit(hits: list[int] = hits) -> None:
            hits[0] += 1

        env.process(thinned_poisson(env, stream, 3.0, lambda t: 2.0 + math.sin(t), hit))
        env.run(until=horizon)
        totals.append(hits[0])
    mean = 2.0 * horizon + 1.0 - math.cos(horizon)
    assert poisson_sum_ok(sum(totals), reps * mean)
    assert dispersion_ok(np.array(totals, dtype=float))


# --- mines ----------------------------------------------------------------------------------
def blast_world(persistence=1.0):
    s = constant_season(quiet(baseline()))
    s = one_sector(s, crews=4, mine_density=0.5)
    return replace(
        s,
        construction={
            "persistence": persistence,
            "standdown_days": 0.0,
            "mine_laying_per_crew_day": 0.0,
            "max_mine_density": 0.5,
        },
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


def test_dprk_patrols_on_the_line_meet_the_mines_on_their_side():
    """No crews, two DPRK patrol groups always out: blasts north of the line are Poisson at
    2 x patrol_blast_rate_per_patrol_day x mine density x (1 - efficacy x effort), with the
    patrol casualty means, and no blast halts anything."""
    s = one_sector(constant_season(quiet(baseline())), crews=0, dprk_patrols=2, mine_density=0.5)
    s = replace(s, mines={"patrol_blast_rate_per_patrol_day": 0.01, "clearance_effort": 0.4})
    m, reps = s.mines, 300
    rate = 2 * 0.01 * 0.5 * (1 - m.clearance_efficacy * 0.4)
    blasts = killed = 0
    for i in range(reps):
        o = run_replication(s, SEED, i).outcomes
        blasts += int(o["count_mine_blast"])
        killed += int(o["killed_mines"])
    assert poisson_sum_ok(blasts, reps * rate * s.horizon_days)
    assert poisson_sum_ok(killed, blasts * m.patrol_killed_mean)


def test_no_construction_while_the_cma_binds_the_north():
    s = replace(blast_world(), diplomacy={"cma_dprk_suspended": False})
    for i in range(20):
        o = run_replication(s, SEED, i).outcomes
        assert o["count_mine_blast"] == 0 and o["count_fortification_work"] == 0


# --- crossings ------------------------------------------------------------------------------
def test_crossings_are_poisson_and_detection_is_binomial_thinning():
    """Crews and patrols cross at their rates; fixed posts see a party of n with probability
    1 - (1 - d) ** (n / crew_party_size), and the ROK patrols on the line add their chances."""
    veg, vis, crews, patrols, rok = 0.6, 0.25, 3, 2, 1
    s = one_sector(
        constant_season(quiet(baseline()), veg),
        crews=crews,
        dprk_patrols=patrols,
        rok_patrols=rok,
        marker_visibility=vis,
    )
    s = replace(s, mines={"blast_rate_per_crew_day": 0.0})  # no blast halts the crews
    c, p = s.crossings, s.patrols
    per_crew = (
        c.rate_per_crew_day
        * math.exp(c.vegetation_effect * veg)
        * (1 + c.marking_effect * (1 - vis))
    )
    by_crews, by_patrols = crews * per_crew, c.patrol_exposure * patrols * per_crew

    def seen(size: int) -> float:
        fixed = (1 - c.detection_probability) ** (size / c.crew_party_size)
        return 1 - fixed * (1 - p.detection_per_patrol) ** rok

    reps, h = 300, s.horizon_days
    detected = by_crews * seen(c.crew_party_size) + by_patrols * seen(c.patrol_party_size)
    total = by_crews + by_patrols
    found = counts(s, "mdl_crossing", reps)
    missed = counts(s, "mdl_crossing_undetected", reps)
    assert poisson_sum_ok(int(found.sum()), reps * detected * h)
    assert poisson_sum_ok(int(missed.sum()), reps * (total - detected) * h)
    assert dispersion_ok(found)


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
    s = replace(
        quiet(baseline()),
        grayzone={
            "leaflet_rate_per_day": rate,
            "leaflet_season_start_day": 1,
            "leaflet_season_end_day": 366,
            "balloon_campaign_probability": 0.0,
        },
    )
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
    s = replace(
        quiet(s),
        end_date=s.start_date + dt.timedelta(days=200),
        grayzone={
            "leaflet_rate_per_day": r,
            "leaflet_season_start_day": doy,
            "leaflet_season_end_day": doy + 29,
            "balloon_campaign_probability": 1.0,
            "balloon_waves_per_campaign": m,
            "balloon_first_delay_days": 1.0,
            "balloon_wave_gap_days": 1.0,
            "loudspeaker_posture": "off",
        },
    )
    w = counts(s, "balloon_wave", reps)
    mean, var = 30 * r * m, 30 * r * ((m - 1) + m * m)
    bound = abs(stats.norm.ppf(ALPHA / 2)) * math.sqrt(var / reps)
    assert abs(w.mean() - mean) <= bound


def test_loudspeakers_stay_off_when_no_wave_can_switch_them_on():
    s = replace(
        baseline(),
        grayzone={"loudspeaker_posture": "off", "posture_raise_probability_per_wave": 0.0},
        mines={"patrol_blast_rate_per_patrol_day": 0.0},  # no blamed attack, no reprisal
    )
    for i in range(20):
        assert run_replication(s, SEED, i).outcomes["count_loudspeaker_broadcast"] == 0


# --- responses and tension ------------------------------------------------------------------
def menu(mirror_rung: int, escalate_rung: int) -> tuple:
    """The four answers: ignore (implicit), protest, mirror, escalate."""
    return (
        (Reaction.PROTEST, 0),
        (Reaction.MIRROR, mirror_rung),
        (Reaction.ESCALATE, escalate_rung),
    )


def test_stream_choice_matches_the_reaction_weights():
    side = baseline().response.dprk
    w = option_weights(
        side, tension=5.0, deliberate=True, boldness=0.5, incident_rung=1, options=menu(1, 4)
    )
    stream = Streams(SEED, 0)("choice")
    n = 20000
    drawn = np.bincount([stream.choice(w) for _ in range(n)], minlength=4)
    expected = n * np.array(w) / sum(w)
    assert stats.chisquare(drawn, expected).pvalue > ALPHA
    assert [r.value for r in Reaction] == [0, 1, 2, 3]


def test_escalation_becomes_more_likely_with_tension_and_less_with_rung():
    side = baseline().response.rok

    def p_escalate(t: float, rung: int) -> float:
        w = option_weights(side, t, True, 0.0, rung, menu(rung, rung + 1))
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
    s = replace(
        s,
        escalation={"terminal_rung": 4},
        crossings={"detection_probability": 1.0},
        response={"retreat_on_broadcast_probability": 0.0, "dprk": {"escalate_logit": 50.0}},
    )
    r = run_replication(s, SEED, 0, keep_events=True)
    assert r.outcomes["ended_in_war"] == 1.0
    assert r.events[-1].type == "small_arms_exchange"
    assert r.outcomes["end_day"] == pytest.approx(r.events[-1].time)
    assert (r.rung[int(r.events[-1].time) :] == 4).all()


def test_block_drawn_stream_matches_direct_generator_draws():
    """Block drawing changes the cost, not the numbers: the same uniforms in the same order
    as a PCG64 seeded, as documented, with the BLAKE2b digest of "root:replication:name"."""
    a = Streams(SEED, 3)("x")
    digest = hashlib.blake2b(f"{SEED}:3:x".encode(), digest_size=32).digest()
    words = [int.from_bytes(digest[k : k + 8], "little") for k in range(0, 32, 8)]
    assert seed_words(SEED, 3, "x").tolist() == words
    # numpy's PCG64 seeding (pcg64_set_seed): initstate = w0:w1, stream = w2:w3, 128-bit each
    mult, mask = 0x2360ED051FC65DA44385DF649FCCF645, (1 << 128) - 1
    inc = (((words[2] << 64 | words[3]) << 1) | 1) & mask
    state = ((inc + (words[0] << 64 | words[1])) * mult + inc) & mask  # step from 0, add, step
    bits = np.random.PCG64()
    bits.state = {
        "bit_generator": "PCG64",
        "state": {"state": state, "inc": inc},
        "has_uint32": 0,
        "uinteger": 0,
    }
    direct = np.random.Generator(bits)
    got = [a.random() for _ in range(600)]
    want = direct.random(600)  # one double per 64-bit output: blocks do not change the order
    np.testing.assert_array_equal(got, want)
    assert isinstance(a, Stream)


# --- terrain and diplomacy ------------------------------------------------------------------
def test_heavy_rain_comes_only_in_the_monsoon_at_its_rate():
    s = replace(quiet(baseline()), terrain={"heavy_rain_rate_per_day": 0.2})
    t = s.terrain
    reps, days = 300, t.monsoon_end_day - t.monsoon_start_day + 1  # one monsoon in the horizon
    rains, months = [], set()
    for i in range(reps):
        r = run_replication(s, SEED, i, keep_events=True)
        rains.append(r.outcomes["count_heavy_rain"])
        months |= {r.months[m] for m in np.nonzero(r.monthly_counts.sum(axis=1))[0]}
    assert months <= {"2024-06", "2024-07", "2024-08"} and "2024-07" in months
    assert poisson_sum_ok(int(sum(rains)), reps * 0.2 * days)


def test_timeline_events_happen_at_midday_of_their_dates():
    """A trace test: the quiet world with its scheduled events only gives this exact log."""
    base = baseline()
    s = replace(quiet(base), timeline={"events": base.timeline.events})
    world = simulate(s, SEED, 0)
    log = [(e.time, e.type, e.actor) for e in world.events]
    want = [((te.date - s.start_date).days + 0.5, te.type, te.actor) for te in s.timeline.events]
    assert log == want
    assert world.backing == pytest.approx(0.8)  # the treaty raised backing to at least 0.8


def test_show_of_force_rate_is_multiplied_during_exercises():
    base = baseline()
    exercise = next(te for te in base.timeline.events if te.type == "exercise")
    s = replace(
        quiet(base),
        timeline={"events": (exercise,)},
        diplomacy={"show_of_force_rate_per_day": 0.01, "exercise_multiplier": 20.0},
    )
    reps = 300
    n = 0
    for i in range(reps):
        n += sum(  # drills only: ROK can answer one in kind, and DPRK answer that in turn
            e.type == "show_of_force" and e.cause == -1
            for e in run_replication(s, SEED, i, keep_events=True).events
        )
    d = exercise.duration_days
    mean = 0.01 * (s.horizon_days - d) + 0.01 * 20.0 * d
    assert poisson_sum_ok(n, reps * mean)


def test_suspending_the_cma_is_reciprocated_and_sets_the_crews_to_work():
    base = baseline()
    suspension = dc.replace(base.timeline.events[0], type="cma_suspension", actor="ROK")
    s = replace(
        quiet(base),
        timeline={"events": (suspension,)},
        diplomacy={"cma_dprk_suspended": False, "cma_rok_suspended": False},
    )
    s = one_sector(s, crews=4)
    world = simulate(s, SEED, 0)
    cma = [(e.type, e.actor) for e in world.events if e.type == "cma_suspension"]
    assert cma == [("cma_suspension", "ROK"), ("cma_suspension", "DPRK")]
    follow = [e for e in world.events if e.type == "cma_suspension"][1]
    assert not any(e.type == "mine_blast" and e.time < follow.time for e in world.events)
    sector = world.sectors[0]  # the crews worked: they laid mines after the suspension
    assert sector.density_at(world.env.now) > s.terrain.sectors[0].mine_density


def test_misreading_grows_with_tension_and_the_hotline_halves_it():
    from sim.model.crossings import misread_probability

    s = quiet(baseline())
    world = simulate(s, SEED, 0)
    low = misread_probability(world)
    world.tension.add(world.env.now, 10.0)
    high = misread_probability(world)
    c = s.crossings
    assert high - low == pytest.approx(10.0 * c.misread_per_tension, rel=1e-6)
    hot = simulate(replace(s, diplomacy={"hotline_working": True}), SEED, 0)
    hot.tension.add(hot.env.now, world.now_tension() - hot.now_tension())
    assert misread_probability(hot) == pytest.approx(high * s.diplomacy.hotline_misread_factor)
