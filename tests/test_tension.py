"""Tension and the headline measures never fall when escalation rises.

Metamorphic tests: replay an event log, replay it again with armed events added, and compare.
Every update of tension is a non-decreasing function of tension (conflict adds a weight,
relief multiplies by a factor below one, decay multiplies by a factor below one), so the
variant with more armed events must report tension at least as high at every moment, and
headline outcomes at least as high. And the example that motivated the rule: a hardline ROE,
which raises the chance of fire, raises mean tension too.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st
from model_helpers import baseline, quiet

from sim.analysis.stats import paired_difference_ci
from sim.model.events import EVENT_TYPES, FIRST_ARMED_RUNG
from sim.model.replication import simulate, summarise
from sim.model.world import World
from sim.rng import Streams
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASE = baseline()
QUIET = quiet(BASE)
HEADLINE = ("highest_rung", "armed_events", "killed_armed", "mean_tension", "max_tension")
TYPES = sorted(EVENT_TYPES)
ARMED = sorted(t for t, et in EVENT_TYPES.items() if FIRST_ARMED_RUNG <= et.rung < 7)
HORIZON = QUIET.horizon_days


def replay(log: list[tuple[float, str, int]]) -> tuple[World, np.ndarray]:
    """A world that records ``log`` (time, type, killed) and nothing else; the tension just
    before each event and at every day's end."""
    env = simpy.Environment()
    world = World(env, QUIET, Streams(0, 0))
    for t, type_, killed in sorted(log, key=lambda e: e[0]):
        if t > env.now:
            env.run(until=t)
        world.record(type_, "DPRK", killed=killed)
    env.run(until=HORIZON)
    days = np.arange(1, HORIZON + 1, dtype=float)
    return world, np.array([world.tension.at(d) for d in days])


events = st.tuples(st.floats(0.0, HORIZON - 1.0), st.sampled_from(TYPES), st.integers(0, 3)).filter(
    lambda e: EVENT_TYPES[e[1]].rung < 7
)


@settings(max_examples=200, deadline=None)
@given(
    log=st.lists(events, max_size=40),
    extra=st.lists(
        st.tuples(st.floats(0.0, HORIZON - 1.0), st.sampled_from(ARMED), st.integers(0, 3)),
        min_size=1,
        max_size=5,
    ),
)
def test_more_armed_events_never_lower_tension_or_the_headline(log, extra):
    a, ta = replay(log)
    b, tb = replay(log + extra)
    assert (tb >= ta - 1e-9 * np.maximum(1.0, ta)).all()
    ra, rb = summarise(a, 0, False).outcomes, summarise(b, 0, False).outcomes
    for key in HEADLINE:
        assert rb[key] >= ra[key] - 1e-9 * max(1.0, abs(ra[key])), key
    assert rb["armed_events"] == ra["armed_events"] + len(extra)


@settings(max_examples=100, deadline=None)
@given(log=st.lists(events, max_size=30), at=st.floats(0.0, HORIZON - 1.0))
def test_a_procedural_step_moves_nothing_and_a_relief_never_raises(log, at):
    """A warning broadcast or a retreat (steps of an incident) leave tension as it was; talks,
    an agreement or the leader's suspension can only lower it."""
    _, t0 = replay(log)
    for step in ("warning_broadcast", "retreat", "mdl_crossing_undetected", "mine_blast"):
        _, t1 = replay([*log, (at, step, 0)])
        np.testing.assert_allclose(t1, t0, rtol=1e-12)
    for relief in ("talks", "agreement", "leader_suspension", "regret"):
        _, t1 = replay([*log, (at, relief, 0)])
        assert (t1 <= t0 + 1e-12).all()


def test_tension_weights_grow_with_the_rung():
    """A conflict event adds tension_unit * growth ** rung: fire weighs more than any number
    of procedural steps before it, and each rung doubles the weight in the baseline."""
    e = QUIET.escalation
    for type_, et in EVENT_TYPES.items():
        world = World(simpy.Environment(), QUIET, Streams(0, 0))
        before = world.now_tension()
        after = world.record(type_, "DPRK").tension
        if et.tension == "conflict":
            assert math.isclose(after - before, e.tension_unit * e.tension_growth_per_rung**et.rung)
        elif et.tension == "relief":
            assert math.isclose(after, before * math.exp(-e.relief_per_goldstein * et.goldstein))
        else:
            assert after == before


def test_a_hardline_roe_raises_both_fire_and_tension():
    """The paired difference hardline - standard of mean tension is positive (99.9% t-interval
    above 0), as is that of P(exchange of fire): the index no longer rewards dropping the
    warning broadcasts."""
    hard = load_scenario(ROOT / "scenarios" / "hardline_roe.toml")
    n = 300
    a = [summarise(simulate(BASE, 5, i), i, False).outcomes for i in range(n)]
    b = [summarise(simulate(hard, 5, i), i, False).outcomes for i in range(n)]
    for key in ("mean_tension", "armed_events"):
        x = np.array([o[key] for o in a])
        y = np.array([o[key] for o in b])
        d, lo, hi = paired_difference_ci(x, y, 0.999)
        assert lo > 0, (key, d, lo, hi)
