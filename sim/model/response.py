"""The action-reaction chain: how a side answers an incident, and chains of such answers.

A side answers an incident by ignoring it, protesting, mirroring it (answering in kind) or
escalating. The choice is a multinomial logit over a *menu* of options: ignoring has weight
1, protest ``exp(protest_logit)``, and each act of the mirror or escalate class
``exp(logit + drive - rung_aversion * rung)``, where the drive grows with tension, with a
perceived deliberate act and (for DPRK) with alliance backing net of restraint. An answer is
itself an incident for the other side, so chains grow until someone ignores or protests, a
working hotline takes the off-ramp, or restrained ROK rules of engagement refuse to return fire.
"""

from __future__ import annotations

import math
from collections.abc import Generator, Sequence
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


Option = tuple[Reaction, int]  # an act's class and its rung
OTHER = {"DPRK": "ROK", "ROK": "DPRK"}


MAX_LOGIT = 600.0  # e^600 ~ 4e260: a few such weights still sum to a finite number


def option_weights(
    side: SideParams,
    tension: float,
    deliberate: bool,
    boldness: float,
    incident_rung: int,
    options: Sequence[Option],
) -> list[float]:
    """Unnormalised probabilities of ignoring (first) and of each option.

    An act's weight falls with its rung and, beyond the next rung up from the incident, with
    every further rung it jumps (fire at leaflet balloons, rung 4 from a rung-1 launch, jumps
    two rungs beyond the next; gunfire at the loudspeakers, rung 5, three).
    """
    drive = side.tension_slope * tension + (side.deliberate_bonus if deliberate else 0.0) + boldness
    out = [1.0]
    for kind, rung in options:
        if kind == Reaction.PROTEST:
            out.append(math.exp(side.protest_logit))
        else:
            logit = side.mirror_logit if kind == Reaction.MIRROR else side.escalate_logit
            jump = max(0, rung - incident_rung - 1)
            x = logit + drive - side.rung_aversion * rung - side.jump_aversion * jump
            # tension keeps accumulating, so with the slope and tension units near their
            # bounds x can pass exp's range (709); at MAX_LOGIT the option is already certain
            out.append(math.exp(min(x, MAX_LOGIT)))
    return out


def side_params(world: World, actor: str) -> SideParams:
    r = world.s.response
    return r.dprk if actor == "DPRK" else r.rok


def choose_option(
    world: World,
    actor: str,
    stream: Stream,
    deliberate: bool,
    options: Sequence[Option],
    incident_rung: int = 0,
) -> int:
    """Index of ``actor``'s answer: 0 to ignore, k for ``options[k - 1]``. One draw."""
    bold = world.boldness() if actor == "DPRK" else 0.0
    weights = option_weights(
        side_params(world, actor), world.now_tension(), deliberate, bold, incident_rung, options
    )
    return stream.choice(weights)


def choose(
    world: World,
    actor: str,
    stream: Stream,
    deliberate: bool,
    incident_rung: int,
    mirror_rung: int,
    escalate_rung: int,
) -> Reaction:
    """Draw ``actor``'s answer (ignore, protest, mirror, escalate) under the world state.

    Under restrained ROE ROK does not return fire: against an armed incident its menu holds
    only ignore and protest (the draw is made all the same, to keep streams aligned).
    """
    menu: list[Option] = [(Reaction.PROTEST, 0)]
    if not (actor == "ROK" and world.roe == "restrained" and incident_rung >= FIRST_ARMED_RUNG):
        menu += [(Reaction.MIRROR, mirror_rung), (Reaction.ESCALATE, escalate_rung)]
    return Reaction(choose_option(world, actor, stream, deliberate, menu, incident_rung))


def answer_fire(world: World, actor: str, stream: Stream, rung: int) -> Reaction:
    """``actor``'s answer to fire at its forces (an act of rung >= 4 by the other side).

    Doctrine first: with the side's ``return_fire_probability`` it returns fire at once (ROK
    always under the hardline ROE, never under the restrained one): in kind, or a rung higher
    when its choice as for any incident would have been to escalate. Otherwise it chooses as
    for any incident. Both draws are always made.
    """
    returned = stream.random() < side_params(world, actor).return_fire_probability
    choice = choose(world, actor, stream, True, rung, rung, min(rung + 1, 7))
    if actor == "ROK" and world.roe != "standard":
        returned = world.roe == "hardline"
    return Reaction.MIRROR if returned and choice != Reaction.ESCALATE else choice


def armed_casualties(world: World, stream: Stream, rung: int) -> tuple[int, int]:
    e = world.s.escalation
    scale = e.casualty_growth_per_rung ** max(0, rung - FIRST_ARMED_RUNG)
    return stream.poisson(e.armed_killed_mean * scale), stream.poisson(e.armed_injured_mean * scale)


def delay(world: World, stream: Stream, rung: int) -> float:
    r = world.s.response
    return stream.exponential(r.armed_delay_days if rung >= 3 else r.response_delay_days)


def record_armed(
    world: World,
    type_: str,
    actor: str,
    sector: str,
    cause: int,
    stream: Stream,
    intent: str = "",
    injected: bool = False,
) -> Event:
    """Record an act of the ladder, with casualties when it is fire."""
    rung = EVENT_TYPES[type_].rung
    killed, injured = armed_casualties(world, stream, rung) if rung >= FIRST_ARMED_RUNG else (0, 0)
    return world.record(type_, actor, sector, cause, killed, injured, intent, injected)


def action_reaction(
    world: World,
    incident: Event,
    responder: str,
    origin: str,
    deliberate: bool = True,
    grievance: str = "",
    intent: str = "",
) -> Generator[simpy.Event, object, None]:
    """Answer ``incident`` and the answers to it, alternately by each side, until it stops.

    Each side draws from the stream ``response.<origin>.<side>``: ``origin`` names the
    mechanism (or the inject) the chain started in, so chains from one mechanism do not shift
    the random numbers of another's. ``grievance`` is the ROK posture the chain is about
    (``speakers_off``, ``leaflets_stop``): a DPRK protest may then be an ultimatum against it.
    ``intent`` overrides the intent of the first answer (a misread crossing).
    """
    d = world.s.diplomacy
    current, side = incident, responder
    while not world.over:
        stream = world.streams(f"response.{origin}.{side.lower()}")
        # drawn whether or not the hotline works, to keep streams aligned across scenarios
        offramp = stream.random() < d.hotline_offramp_probability
        if world.hotline and offramp:
            yield world.env.timeout(delay(world, stream, 0))
            world.record("hotline_contact", "both", current.sector, current.id)
            return
        r = max(current.rung, 2)
        if current.rung >= FIRST_ARMED_RUNG:
            choice = answer_fire(world, side, stream, r)
        else:
            choice = choose(world, side, stream, deliberate, current.rung, r, min(r + 1, 7))
        ultimatum = stream.random() < d.ultimatum_probability
        if choice == Reaction.IGNORE:
            return
        yield world.env.timeout(delay(world, stream, r))
        if world.over:
            return
        if choice == Reaction.PROTEST:
            from sim.model import crisis  # crisis diplomacy builds on this module (a cycle)

            if side == "DPRK" and ultimatum and crisis.can_demand(world, grievance):
                crisis.issue_ultimatum(world, "DPRK", grievance, current.id, stream, origin)
            else:
                world.record("protest", side, current.sector, current.id, intent=intent)
            return
        answer = LADDER_TYPE[r if choice == Reaction.MIRROR else min(r + 1, 7)]
        current = record_armed(world, answer, side, current.sector, current.id, stream, intent)
        side, deliberate, intent = OTHER[side], True, ""


def start_chain(
    world: World,
    incident: Event,
    responder: str,
    origin: str,
    deliberate: bool = True,
    grievance: str = "",
    intent: str = "",
) -> None:
    world.env.process(
        action_reaction(world, incident, responder, origin, deliberate, grievance, intent)
    )
