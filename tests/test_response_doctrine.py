"""The response doctrine (sim/model/response.py) against its closed form.

``option_weights`` is a multinomial logit: ignoring weighs 1, a protest ``exp(protest_logit)``,
an act of the mirror or escalate class ``exp(logit + drive - rung_aversion * rung -
jump_aversion * jump)`` with drive = tension_slope * tension + deliberate_bonus (if deliberate)
+ boldness and jump = max(0, rung - incident_rung - 1).

``answer_fire`` first draws doctrine (return fire with ``return_fire_probability``), then a
choice over ignore / protest / mirror at the incident's rung / escalate one rung up; doctrine
turns any choice but an escalation into a return of fire in kind. So, with q the choice's
probabilities, P(mirror) = r (1 - q_E) + (1 - r) q_M, P(escalate) = q_E and P(ignore or
protest) = (1 - r) q_{I,P}; fire is returned (in kind or higher) with r + (1 - r)(q_M + q_E) >= r.
ROK's hardline ROE sets r = 1; the restrained one takes mirror and escalate off the menu
against fire and sets r = 0. Tolerances: chi-square at level 0.001.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st
from model_helpers import baseline, replace
from scipy import stats

# replication first: at commit 31a3254 importing sim.model.response alone failed on the import
# cycle response -> crisis -> diplomacy -> response
from sim.model import replication  # noqa: F401
from sim.model.response import Reaction, answer_fire, option_weights
from sim.model.world import World
from sim.rng import Streams
from sim.scenario.params import SideParams

ALPHA = 0.001
SEED = 20240618
BASE = baseline()
P, M, E = Reaction.PROTEST, Reaction.MIRROR, Reaction.ESCALATE


def side(**fields) -> SideParams:
    values = {
        "protest_logit": 0.3,
        "mirror_logit": -1.0,
        "escalate_logit": -2.0,
        "tension_slope": 0.1,
        "deliberate_bonus": 0.7,
        "rung_aversion": 0.4,
        "jump_aversion": 1.1,
        "return_fire_probability": 0.5,
    }
    return SideParams(**(values | fields))


# --- option_weights -----------------------------------------------------------------------------
def test_option_weights_match_a_worked_example():
    """drive = 0.1 * 5 + 0.7 + 0.2 = 1.4. From an incident at rung 1: a mirror at rung 1 and an
    escalation to rung 2 jump nothing; fire at rung 4 jumps two rungs beyond the next one."""
    menu = ((P, 0), (M, 1), (E, 2), (E, 4))
    got = option_weights(side(), 5.0, True, 0.2, 1, menu)
    want = [
        1.0,
        math.exp(0.3),
        math.exp(-1.0 + 1.4 - 0.4 * 1),
        math.exp(-2.0 + 1.4 - 0.4 * 2),
        math.exp(-2.0 + 1.4 - 0.4 * 4 - 1.1 * 2),
    ]
    assert got == pytest.approx(want, rel=1e-12)
    # not deliberate: every act loses the bonus, ignoring and protest keep their weights
    calm = option_weights(side(), 5.0, False, 0.2, 1, menu)
    assert calm[:2] == pytest.approx(want[:2], rel=1e-12)
    assert calm[2:] == pytest.approx([w * math.exp(-0.7) for w in want[2:]], rel=1e-12)


logits = st.floats(-5.0, 5.0)
rates = st.floats(0.0, 2.0)


@settings(max_examples=200, deadline=None)
@given(
    protest=logits,
    mirror=logits,
    escalate=logits,
    slope=st.floats(0.0, 0.5),
    bonus=rates,
    rung_aversion=rates,
    jump_aversion=rates,
    tension=st.floats(0.0, 20.0),
    deliberate=st.booleans(),
    boldness=st.floats(-2.0, 2.0),
    incident=st.integers(0, 7),
    acts=st.lists(st.tuples(st.sampled_from([P, M, E]), st.integers(0, 7)), max_size=5),
)
def test_option_weights_closed_form(
    protest,
    mirror,
    escalate,
    slope,
    bonus,
    rung_aversion,
    jump_aversion,
    tension,
    deliberate,
    boldness,
    incident,
    acts,
):
    sp = side(
        protest_logit=protest,
        mirror_logit=mirror,
        escalate_logit=escalate,
        tension_slope=slope,
        deliberate_bonus=bonus,
        rung_aversion=rung_aversion,
        jump_aversion=jump_aversion,
    )
    drive = slope * tension + (bonus if deliberate else 0.0) + boldness
    want = [1.0]
    for kind, rung in acts:
        if kind == P:
            want.append(math.exp(protest))
        else:
            logit = mirror if kind == M else escalate
            jump = max(0, rung - incident - 1)
            want.append(math.exp(logit + drive - rung_aversion * rung - jump_aversion * jump))
    got = option_weights(sp, tension, deliberate, boldness, incident, acts)
    assert got == pytest.approx(want, rel=1e-9)


# --- answer_fire --------------------------------------------------------------------------------
def world_with(roe: str, **response) -> World:
    s = replace(BASE, response={"roe": roe, **response})
    return World(simpy.Environment(), s, Streams(SEED, 0))


def choice_probabilities(world: World, actor: str, rung: int, menu_acts: bool) -> np.ndarray:
    """q over ignore, protest, mirror, escalate for answer_fire's choice (rung >= 4)."""
    sp = world.s.response.dprk if actor == "DPRK" else world.s.response.rok
    bold = world.boldness() if actor == "DPRK" else 0.0
    menu = [(P, 0)] + ([(M, rung), (E, min(rung + 1, 7))] if menu_acts else [])
    w = option_weights(sp, world.now_tension(), True, bold, rung, menu)
    q = np.zeros(4)
    q[: len(w)] = np.array(w) / sum(w)
    return q


def answer_probabilities(q: np.ndarray, r: float) -> np.ndarray:
    """Distribution of answer_fire's result from the choice's q and doctrine's r."""
    i, p, m, e = q
    return np.array([(1 - r) * i, (1 - r) * p, r * (1 - e) + (1 - r) * m, e])


# Sides made to answer fire often in every way, so every cell of the chi-square is well filled.
SIDES = {
    "rok": {
        "protest_logit": 0.5,
        "mirror_logit": 1.5,
        "escalate_logit": 2.0,
        "return_fire_probability": 0.4,
    },
    "dprk": {
        "protest_logit": 0.5,
        "mirror_logit": 1.0,
        "escalate_logit": 2.5,
        "return_fire_probability": 0.3,
    },
}
CASES = [
    ("ROK", "standard", None, True),
    ("ROK", "hardline", 1.0, True),
    ("ROK", "restrained", 0.0, False),
    ("DPRK", "standard", None, True),
    ("DPRK", "restrained", None, True),  # the ROE binds ROK only
]


@pytest.mark.parametrize(("actor", "roe", "doctrine", "menu_acts"), CASES)
@pytest.mark.parametrize("rung", [4, 5])
def test_answer_fire_follows_doctrine_then_the_menu(actor, roe, doctrine, menu_acts, rung):
    """20,000 answers against the exact law (chi-square, 3 df where every cell can occur)."""
    world = world_with(roe, **SIDES)
    sp = world.s.response.dprk if actor == "DPRK" else world.s.response.rok
    r = sp.return_fire_probability if doctrine is None else doctrine
    probs = answer_probabilities(choice_probabilities(world, actor, rung, menu_acts), r)
    stream = Streams(SEED, rung)(f"answer.{actor}.{roe}")
    n = 20_000
    got = np.bincount([answer_fire(world, actor, stream, rung) for _ in range(n)], minlength=4)
    cells = probs > 0
    assert got[~cells].sum() == 0
    assert stats.chisquare(got[cells], n * probs[cells]).pvalue > ALPHA
    returned = probs[M] + probs[E]
    assert returned >= r - 1e-12  # fire is returned at least as often as doctrine says


def test_rok_always_returns_fire_under_hardline_and_never_under_restrained():
    """With a menu that strongly prefers ignoring, hardline still returns every shot; with one
    that strongly prefers firing, restrained ROE still returns none."""
    shy = {"rok": {"protest_logit": 5.0, "mirror_logit": -20.0, "escalate_logit": -20.0}}
    keen = {"rok": {"protest_logit": -20.0, "mirror_logit": 20.0, "escalate_logit": 20.0}}
    hard, restrained = world_with("hardline", **shy), world_with("restrained", **keen)
    stream = Streams(SEED, 0)("roe")
    for rung in (4, 5, 6, 7):
        for _ in range(500):
            assert answer_fire(hard, "ROK", stream, rung) in (M, E)
            assert answer_fire(restrained, "ROK", stream, rung) in (Reaction.IGNORE, P)


@pytest.mark.parametrize("actor", ["ROK", "DPRK"])
@pytest.mark.parametrize("rung", [4, 5, 6, 7])
def test_answer_fire_draws_the_same_numbers_under_every_roe(actor, rung):
    """Common random numbers: after the call a stream hands out the same next uniform and the
    same next exponential whatever the ROE."""
    for k in range(50):
        after = set()
        for roe in ("standard", "hardline", "restrained"):
            stream = Streams(SEED, k)("aligned")
            answer_fire(world_with(roe, **SIDES), actor, stream, rung)
            after.add((stream.random(), stream.standard_exponential()))
        assert len(after) == 1
