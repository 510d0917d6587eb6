"""Crisis diplomacy (sim/model/crisis.py) against its analytic law.

Offers of talks come as a Poisson process of rate talks_offer_rate_per_day x (1 +
talks_tension_slope x tension) + crisis_offer_rate_per_day x crisis, where each armed event of
rung r raises the crisis level by 2 ** (r - 4) and the level decays with crisis_half_life_days.
In a quiet world where nobody answers, tension and crisis are deterministic sums of decaying
exponentials, so the count of offers in a window is Poisson with the integral of that rate.
An offer is accepted with talks_acceptance_probability (times no_hotline_acceptance_factor
when the lines are cut). At an ultimatum's deadline the threat is carried out with
ultimatum_follow_through if the demand is still open and no talks are under way, and the
ultimatum lapses otherwise; nothing happens if ROK complied. After a DPRK escalation away from
the line its leader suspends action with leader_suspension_probability, after
Exp(leader_suspension_delay_days). Tolerances: exact Poisson and binomial tests,
Kolmogorov-Smirnov and the chi-square index of dispersion at two-sided level 0.001.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from model_helpers import ALPHA, baseline, dispersion_ok, poisson_sum_ok, quiet, replace
from scipy import stats

from sim.model.replication import simulate
from sim.scenario.params import TimelineEvent

SEED = 20240618
BASE = baseline()
LN2 = math.log(2.0)
IGNORE_ALL = {
    "protest_logit": -50.0,
    "mirror_logit": -50.0,
    "escalate_logit": -50.0,
    "return_fire_probability": 0.0,
}


def event(s, day: int, type_: str, **fields) -> TimelineEvent:
    """A scheduled event at noon of day ``day`` (time day + 0.5)."""
    return TimelineEvent(date=s.start_date + dt.timedelta(days=day), type=type_, **fields)


def still_world(days: int, *events, **diplomacy):
    """Nothing happens by itself and nobody answers anything: only the scheduled events, the
    offers of talks and what the tested mechanism does."""
    s = quiet(BASE)
    timeline = tuple(event(s, *e[:2], **(e[2] if len(e) > 2 else {})) for e in events)
    return replace(
        s,
        end_date=s.start_date + dt.timedelta(days=days - 1),
        timeline={"events": timeline},
        response={"rok": IGNORE_ALL, "dprk": IGNORE_ALL},
        diplomacy={
            "crisis_offer_rate_per_day": 0.0,
            "condemnation_probability": 0.0,
            "leader_suspension_probability": 0.0,
        }
        | diplomacy,
    )


def caused_by(world, ev, *types):
    return [e for e in world.events if e.cause == ev.id and e.type in types]


# --- offers of talks ----------------------------------------------------------------------------
def decayed(amount: float, since: float, half_life: float, a: float, b: float) -> float:
    """Integral over [a, b] of amount x 2 ** (-(t - since) / half_life) for t >= since."""
    a = max(a, since)
    if b <= a:
        return 0.0
    return (
        amount
        * half_life
        / LN2
        * (2.0 ** (-(a - since) / half_life) - 2.0 ** (-(b - since) / half_life))
    )


def test_offers_of_talks_come_at_the_offer_rate():
    """Tension 20 at the start; fire at balloons (rung 4) at t = 10.5 and an artillery barrage
    (rung 5) at t = 30.5 add tension 0.25 x 2 ** rung and crisis 1 and 2. Offers in [0, 10.5),
    [10.5, 30.5) and [30.5, 60] over 200 replications are Poisson with the integrals of the
    rate (about 1.5, 11 and 24 offers a replication)."""
    base, slope, per_crisis = 0.05, 0.1, 1.0
    s = still_world(
        60,
        (10, "fire_at_balloons", {"actor": "DPRK"}),
        (30, "artillery_barrage", {"actor": "DPRK"}),
        talks_offer_rate_per_day=base,
        talks_tension_slope=slope,
        crisis_offer_rate_per_day=per_crisis,
        talks_acceptance_probability=0.0,
    )
    e = s.escalation
    h, hc, horizon = e.tension_half_life_days, s.diplomacy.crisis_half_life_days, 60.0
    s = replace(s, escalation={"initial_tension": 20.0})
    armed = [(10.5, 4), (30.5, 5)]
    cuts = [0.0, 10.5, 30.5, horizon]
    means = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        tension = decayed(20.0, 0.0, h, a, b) + sum(
            decayed(e.tension_unit * e.tension_growth_per_rung**r, t, h, a, b) for t, r in armed
        )
        crisis = sum(decayed(2.0 ** (r - 4), t, hc, a, b) for t, r in armed)
        means.append(base * (b - a) + base * slope * tension + per_crisis * crisis)
    n = 200
    counts = np.zeros((n, 3))
    for i in range(n):
        world = simulate(s, SEED, i)
        assert [x.type for x in world.events if x.rung >= 4] == [
            "fire_at_balloons",
            "artillery_barrage",
        ]
        times = [x.time for x in world.events if x.type == "talks_offer"]
        counts[i] = np.histogram(times, bins=cuts)[0]
    for k in range(3):
        assert poisson_sum_ok(int(counts[:, k].sum()), n * means[k]), k
    assert dispersion_ok(counts.sum(axis=1))


@pytest.mark.parametrize("hotline", [True, False])
def test_an_offer_is_accepted_with_its_probability(hotline):
    """Each offer made before the last 30 days opens talks (after Exp(1) days) if and only if
    it was accepted: Binomial(offers, 0.4 x (1 if the lines work else 0.25))."""
    s = still_world(
        405,
        talks_offer_rate_per_day=0.3,
        talks_tension_slope=0.0,
        talks_acceptance_probability=0.4,
        no_hotline_acceptance_factor=0.25,
        hotline_working=hotline,
        agreement_probability=0.0,
    )
    offers = accepted = 0
    for i in range(12):
        world = simulate(s, SEED, i)
        for ev in world.events:
            if ev.type == "talks_offer" and ev.time < 405 - 30:
                offers += 1
                accepted += bool(caused_by(world, ev, "talks"))
    assert offers > 600
    p = 0.4 * (1.0 if hotline else 0.25)
    assert stats.binomtest(accepted, offers, p).pvalue > ALPHA


# --- ultimatums and agreements ----------------------------------------------------------------
def ultimatum_world(days: int, *events, **diplomacy):
    """ROK's speakers continuous (but silent: no sessions), leaflets allowed, one facility to
    blow up; ROK never complies and DPRK always carries out its threats unless told otherwise."""
    s = still_world(
        days,
        *events,
        **{
            "ultimatum_follow_through": 1.0,
            "ultimatum_compliance_probability": 0.0,
            "joint_facilities": 1,
        }
        | diplomacy,
    )
    return replace(
        s,
        grayzone={
            "loudspeaker_posture": "continuous",
            "loudspeaker_broadcasts_per_day": 0.0,
            "leaflets_allowed": True,
        },
    )


SPEAKERS = {"actor": "DPRK", "demand": "speakers_off", "deadline_days": 2.0}


def outcome(world, ultimatum) -> tuple[str, float] | None:
    """What the deadline brought: the act carried out or the lapse, and when."""
    done = caused_by(world, ultimatum, "fire_at_speakers", "demolition", "ultimatum_lapsed")
    assert len(done) <= 1
    return (done[0].type, done[0].time) if done else None


def test_an_open_demand_is_enforced_with_the_follow_through_probability():
    s = ultimatum_world(10, (1, "ultimatum", SPEAKERS), ultimatum_follow_through=0.6)
    n = carried = 0
    for i in range(500):
        world = simulate(s, SEED, i)
        (ultimatum,) = [e for e in world.events if e.type == "ultimatum"]
        kind, t = outcome(world, ultimatum)
        assert t == pytest.approx(ultimatum.time + 2.0)
        assert kind in ("fire_at_speakers", "ultimatum_lapsed")
        carried += kind == "fire_at_speakers"
        n += 1
    assert stats.binomtest(carried, n, 0.6).pvalue > ALPHA


def test_an_ultimatum_lapses_while_talks_are_under_way():
    s = ultimatum_world(
        10,
        (1, "talks", {"actor": "both"}),
        (1, "ultimatum", SPEAKERS),
        talks_days=1e6,
        agreement_probability=0.0,
    )
    for i in range(50):
        world = simulate(s, SEED, i)
        (ultimatum,) = [e for e in world.events if e.type == "ultimatum"]
        assert outcome(world, ultimatum) == ("ultimatum_lapsed", pytest.approx(3.5))


def test_nothing_happens_at_the_deadline_when_rok_complied():
    """Compliance with probability 0.4 at a uniform time before the deadline (KS on the
    share of the time allowed); otherwise the threat is carried out (follow-through 1)."""
    s = ultimatum_world(10, (1, "ultimatum", SPEAKERS), ultimatum_compliance_probability=0.4)
    n = complied = 0
    shares = []
    for i in range(400):
        world = simulate(s, SEED, i)
        (ultimatum,) = [e for e in world.events if e.type == "ultimatum"]
        lowered = caused_by(world, ultimatum, "speakers_lowered")
        if lowered:
            complied += 1
            shares.append((lowered[0].time - ultimatum.time) / 2.0)
            assert outcome(world, ultimatum) is None
            assert world.speakers == 0
        else:
            assert outcome(world, ultimatum) == ("fire_at_speakers", pytest.approx(3.5))
        n += 1
    assert stats.binomtest(complied, n, 0.4).pvalue > ALPHA
    assert stats.kstest(shares, "uniform").pvalue > ALPHA


def test_an_agreement_turns_the_speakers_off_ends_the_crisis_and_voids_ultimatums():
    """Two ultimatums on day 5 (deadline 5 days): speakers off, leaflets stopped. Talks open on
    day 6 and agree within hours. The speakers go off (that demand is met: nothing at its
    deadline); the leaflets demand is still open, but the threat is not carried out. Without
    the talks both threats are carried out."""
    leaflets = {"actor": "DPRK", "demand": "leaflets_stop", "threat": "demolition"}
    ultimatums = (
        (5, "ultimatum", SPEAKERS | {"deadline_days": 5.0}),
        (5, "ultimatum", leaflets | {"deadline_days": 5.0}),
    )
    talks = (6, "talks", {"actor": "both"})
    terms = {
        "talks_days": 0.01,
        "agreement_probability": 1.0,
        "regret_probability": 0.0,
        "cma_restoration_probability": 0.0,
    }
    agreed = ultimatum_world(20, *ultimatums, talks, **terms)
    control = ultimatum_world(20, *ultimatums, **terms)
    for i in range(30):
        world = simulate(agreed, SEED, i)
        speakers, leaflet = [e for e in world.events if e.type == "ultimatum"]
        (agreement,) = [e for e in world.events if e.type == "agreement"]
        assert 6.5 < agreement.time < speakers.time + 5.0
        assert [e.type for e in caused_by(world, agreement, "speakers_lowered")] == [
            "speakers_lowered"
        ]
        assert world.speakers == 0 and world.crisis.at(world.env.now) == 0.0
        assert outcome(world, speakers) is None
        # voided: no act at the deadline (a lapse may be recorded or not)
        assert outcome(world, leaflet) in (None, ("ultimatum_lapsed", pytest.approx(10.5)))
        world = simulate(control, SEED, i)
        speakers, leaflet = [e for e in world.events if e.type == "ultimatum"]
        assert outcome(world, speakers) == ("fire_at_speakers", pytest.approx(10.5))
        assert outcome(world, leaflet) == ("demolition", pytest.approx(10.5))


# --- the leader's suspension --------------------------------------------------------------------
ESCALATIONS = ("demolition", "fire_at_speakers", "fire_at_balloons", "artillery_barrage")


def test_the_leader_suspends_action_after_a_dprk_escalation():
    """Each of the four escalations, 250 replications each: a suspension caused by it with
    probability 0.4 (binomial per type), Exp(3) days later (KS on all delays). The horizon
    leaves 58 days for the delay (missed with probability e^-19)."""
    p, mean_delay = 0.4, 3.0
    delays = []
    for kind in ESCALATIONS:
        s = still_world(
            60,
            (1, kind, {"actor": "DPRK"}),
            leader_suspension_probability=p,
            leader_suspension_delay_days=mean_delay,
        )
        suspended = 0
        for i in range(250):
            world = simulate(s, SEED, i)
            (act,) = [e for e in world.events if e.type == kind]
            after = caused_by(world, act, "leader_suspension")
            suspended += len(after)
            delays += [e.time - act.time for e in after]
            assert all(e.actor == "DPRK" for e in after)
        assert stats.binomtest(suspended, 250, p).pvalue > ALPHA, kind
    assert stats.kstest(delays, stats.expon(scale=mean_delay).cdf).pvalue > ALPHA


def test_rok_escalations_bring_no_suspension():
    s = still_world(
        60, (1, "artillery_barrage", {"actor": "ROK"}), leader_suspension_probability=1.0
    )
    for i in range(20):
        world = simulate(s, SEED, i)
        assert not [e for e in world.events if e.type == "leader_suspension"]


def test_a_suspension_restrains_dprk_and_voids_its_ultimatums():
    s = ultimatum_world(
        30,
        (1, "ultimatum", SPEAKERS | {"deadline_days": 10.0}),
        (2, "demolition", {"actor": "DPRK"}),
        leader_suspension_probability=1.0,
        leader_suspension_delay_days=0.5,  # before the deadline but with probability e^-17
    )
    for i in range(30):
        world = simulate(s, SEED, i)
        (ultimatum,) = [e for e in world.events if e.type == "ultimatum"]
        (suspension,) = [e for e in world.events if e.type == "leader_suspension"]
        assert suspension.time < ultimatum.time + 10.0
        assert outcome(world, ultimatum) is None
        assert world.suspension.time == suspension.time
        assert world.suspension.value == pytest.approx(s.diplomacy.suspension_restraint)
