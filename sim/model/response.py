"""The action-reaction chain: how a side answers an incident, and chains of such answers.

A side answers an incident by ignoring it, protesting, mirroring it (answering in kind) or
escalating (one rung up). The choice is multinomial-logit: ignoring has weight 1, the others
``exp(logit)``, where mirroring and escalating grow with tension, with a perceived deliberate
act and (for DPRK) with alliance backing net of condemnation restraint, and shrink with the
rung of the answer. An answer is itself an incident for the other side, so chains grow until
someone ignores or protests, or a working hotline takes the off-ramp.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from enum import IntEnum

import simpy

from sim.model.events import EVENT_TYPES, FIRST_ARMED_RUNG, LADDER_TYPE, Event
from sim.model.world import World
from sim.rng import Stream
from sim.scenario.params import SideParams


class Reaction(IntEnum):
    IGNORE = 0
    PROTEST = 1
    MIRROR = 2
    ESCALATE = 3


REACTIONS = tuple(Reaction)  # by index: cheaper than calling the enum

OTHER = {"DPRK": "ROK", "ROK": "DPRK"}


def reaction_weights(
    side: SideParams,
    tension: float,
    deliberate: bool,
    boldness: float,
    mirror_rung: int,
    escalate_rung: int,
) -> list[float]:
    """Unnormalised probabilities of IGNORE, PROTEST, MIRROR, ESCALATE."""
    drive = side.tension_slope * tension + (side.deliberate_bonus if deliberate else 0.0) + boldness
    return [
        1.0,
        math.exp(side.protest_logit),
        math.exp(side.mirror_logit + drive - side.rung_aversion * mirror_rung),
        math.exp(side.escalate_logit + drive - side.rung_aversion * escalate_rung),
    ]


def choose(
    world: World,
    actor: str,
    stream: Stream,
    deliberate: bool,
    mirror_rung: int,
    escalate_rung: int,
) -> Reaction:
    """Draw ``actor``'s answer to an incident under the current world state."""
    r = world.s.response
    side = r.dprk if actor == "DPRK" else r.rok
    bold = world.boldness() if actor == "DPRK" else 0.0
    w = reaction_weights(side, world.now_tension(), deliberate, bold, mirror_rung, escalate_rung)
    return REACTIONS[stream.choice(w)]


def armed_casualties(world: World, stream: Stream, rung: int) -> tuple[int, int]:
    e = world.s.escalation
    scale = e.casualty_growth_per_rung ** max(0, rung - FIRST_ARMED_RUNG)
    return stream.poisson(e.armed_killed_mean * scale), stream.poisson(e.armed_injured_mean * scale)


def delay(world: World, stream: Stream, rung: int) -> float:
    r = world.s.response
    return stream.exponential(r.armed_delay_days if rung >= 3 else r.response_delay_days)


def record_armed(
    world: World, type_: str, actor: str, sector: str, cause: int, stream: Stream
) -> Event:
    """Record a ladder event, with casualties when shots are exchanged."""
    rung = EVENT_TYPES[type_].rung
    killed, injured = armed_casualties(world, stream, rung) if rung >= FIRST_ARMED_RUNG else (0, 0)
    return world.record(type_, actor, sector, cause, killed, injured)


def action_reaction(
    world: World, incident: Event, responder: str, origin: str, deliberate: bool = True
) -> Generator[simpy.Event, object, None]:
    """Answer ``incident`` and the answers to it, alternately by each side, until it stops.

    Each side draws from a stream named for the mechanism the chain started in (``origin``),
    so chains from one mechanism do not shift the random numbers of another's.
    """
    d = world.s.diplomacy
    current, side = incident, responder
    while not world.over:
        stream = world.streams(f"response.{origin}.{side.lower()}")
        # drawn whether or not the hotline works, to keep streams aligned across scenarios
        offramp = stream.random() < d.hotline_offramp_probability
        if d.hotline_working and offramp:
            yield world.env.timeout(delay(world, stream, 0))
            world.record("hotline_contact", "both", current.sector, current.id)
            return
        r = max(current.rung, 2)
        choice = choose(world, side, stream, deliberate, r, min(r + 1, 7))
        if choice == Reaction.IGNORE:
            return
        yield world.env.timeout(delay(world, stream, r))
        if world.over:
            return
        if choice == Reaction.PROTEST:
            world.record("protest", side, current.sector, current.id)
            return
        answer = LADDER_TYPE[r if choice == Reaction.MIRROR else min(r + 1, 7)]
        current = record_armed(world, answer, side, current.sector, current.id, stream)
        side, deliberate = OTHER[side], True


def start_chain(
    world: World, incident: Event, responder: str, origin: str, deliberate: bool = True
) -> None:
    world.env.process(action_reaction(world, incident, responder, origin, deliberate))
