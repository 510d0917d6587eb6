"""Crisis diplomacy: acts of force carried out, ultimatums, offers of talks that come more often
as tension rises and after armed incidents, the agreements talks reach, and a leader's
unilateral suspension.

The August 2015 crisis is the pattern: fire and an artillery answer (08-20), a 48-hour
ultimatum to switch the loudspeakers off, talks opened as it expired (08-22), an agreement
(08-25) trading a statement of regret for the speakers. June 2020 adds the leader's own
off-ramp: Kim Jong Un suspended the military action plans a week after the demolition.
"""

from __future__ import annotations

import math
from collections.abc import Generator

import simpy

from sim.model import response
from sim.model.diplomacy import restore_cma
from sim.model.events import Event
from sim.model.policies import set_leaflets, set_speakers
from sim.model.response import Reaction, choose_option, delay, record_armed, start_chain
from sim.model.world import World
from sim.rng import Stream

CONTINUOUS = 2  # the loudspeaker posture an ultimatum can demand an end to
TENSION_CAP = 100.0  # offers stop growing with tension beyond this (a bound for thinning)
# DPRK acts of force away from the line that its leader may later suspend.
ESCALATIONS = ("demolition", "fire_at_speakers", "fire_at_balloons", "artillery_barrage")


# --- acts of force ---------------------------------------------------------------------------
def carry_out(
    world: World,
    act: str,
    actor: str,
    cause: int,
    stream: Stream,
    origin: str,
    grievance: str = "",
    injected: bool = False,
    sector: str = "",
) -> Event:
    """``actor`` carries out ``act`` (fire, a barrage, a demolition, a show of force); the
    other side answers it. A demolition on DPRK's own side draws only a protest or nothing."""
    other = response.OTHER[actor]
    if act == "demolition":
        world.facilities = max(0, world.facilities - 1)
        ev = world.record("demolition", actor, sector, cause, injected=injected)
        if choose_option(world, other, stream, True, ((Reaction.PROTEST, 0),)):
            world.record("protest", other, sector, ev.id)
        return ev
    ev = record_armed(world, act, actor, sector, cause, stream, injected=injected)
    start_chain(world, ev, other, origin, grievance=grievance)
    return ev


# --- ultimatums --------------------------------------------------------------------------------
def demand_open(world: World, demand: str) -> bool:
    """Whether ROK still does what ``demand`` asks it to stop."""
    if demand == "speakers_off":
        return world.speakers > 0
    if demand == "leaflets_stop":
        return world.leaflets_allowed
    return False


def can_demand(world: World, demand: str) -> bool:
    """Whether DPRK can make ``demand`` an ultimatum: it needs something ROK is doing and can
    stop, and an act to threaten. The loudspeakers off while they broadcast continuously
    (threat: fire at them, as in August 2015); the leaflets stopped while an inter-Korean
    facility stands to be blown up (as in June 2020). Otherwise a protest is a threat
    statement (as in 2024, when threats preceded balloons and the speakers spoke once)."""
    if demand == "speakers_off":
        return world.speakers == CONTINUOUS
    if demand == "leaflets_stop":
        return world.leaflets_allowed and world.facilities > 0
    return False


def threat_for(demand: str) -> str:
    """The act a natural ultimatum threatens."""
    return "fire_at_speakers" if demand == "speakers_off" else "demolition"


def issue_ultimatum(
    world: World,
    issuer: str,
    demand: str,
    cause: int,
    stream: Stream,
    origin: str,
    threat: str = "",
    deadline: float | None = None,
    injected: bool = False,
) -> Event:
    """``issuer`` demands ``demand`` by a deadline or it will carry out ``threat``.

    By the deadline ROK may comply (with ``ultimatum_compliance_probability``); at it, the
    issuer acts with ``ultimatum_follow_through`` unless the demand was met, talks are under
    way or an agreement was reached, or its leader suspended action; otherwise it lets the
    deadline pass.
    """
    d = world.s.diplomacy
    ev = world.record("ultimatum", issuer, cause=cause, injected=injected)
    world.raise_crisis(1.0)
    days = stream.exponential(d.ultimatum_days) if deadline is None else deadline
    comply = stream.random() < d.ultimatum_compliance_probability
    comply_at = stream.random() * days
    follow = stream.random() < d.ultimatum_follow_through
    world.ultimatums.add(ev.id)
    threat = threat or threat_for(demand)
    world.env.process(
        _deadline(world, ev, demand, threat, days, comply, comply_at, follow, stream, origin)
    )
    return ev


def _deadline(
    world: World,
    ev: Event,
    demand: str,
    threat: str,
    days: float,
    comply: bool,
    comply_at: float,
    follow: bool,
    stream: Stream,
    origin: str,
) -> Generator[simpy.Event, object, None]:
    env = world.env
    issued = env.now
    if comply:
        yield env.timeout(comply_at)
        if not world.over and demand_open(world, demand):
            if demand == "speakers_off":
                set_speakers(world, 0, cause=ev.id)
            else:
                set_leaflets(world, False, cause=ev.id)
        days -= comply_at
    yield env.timeout(days)
    if world.over or ev.id not in world.ultimatums:
        return  # suspended by the leader meanwhile
    world.ultimatums.discard(ev.id)
    if not demand_open(world, demand) or (threat == "demolition" and not world.facilities):
        return  # the demand was met, or the facility threatened is gone already
    if world.talking() or world.last_agreement > issued or not follow:
        world.record("ultimatum_lapsed", ev.actor, cause=ev.id)
        return
    carry_out(world, threat, ev.actor, ev.id, stream, origin, demand)


# --- talks and agreements ----------------------------------------------------------------------
def offer_rate(world: World) -> float:
    d = world.s.diplomacy
    tension = min(world.now_tension(), TENSION_CAP)
    return d.talks_offer_rate_per_day * (1.0 + d.talks_tension_slope * tension) + (
        d.crisis_offer_rate_per_day * world.crisis.at(world.env.now)
    )


class Talks:
    """Offers of talks, and the talks they open.

    Offers come at ``offer_rate``: a base rate that grows with tension, plus a rate per unit of
    crisis, which armed events and ultimatums raise and which decays between them. Thinning
    bounds the rate by its value now with tension at its cap; since crisis only decays until
    the next rise, each rise interrupts the wait and the bound is taken afresh (exact, as the
    exponential gap is memoryless).
    """

    def __init__(self, world: World) -> None:
        self.world = world
        self.stream = world.streams("crisis.talks")
        self.waiting: simpy.Process | None = None
        world.on_crisis.append(self.wake)

    def wake(self) -> None:
        proc = self.waiting
        if proc is not None and proc.is_alive:
            self.waiting = None
            proc.interrupt("crisis")

    def offers(self) -> Generator[simpy.Event, object, None]:
        w, d, stream = self.world, self.world.s.diplomacy, self.stream
        env = w.env
        base = d.talks_offer_rate_per_day * (1.0 + d.talks_tension_slope * TENSION_CAP)
        while True:
            bound = base + d.crisis_offer_rate_per_day * w.crisis.at(env.now)
            gap = stream.standard_exponential() / bound if bound > 0 else math.inf
            self.waiting = env.active_process
            try:
                yield env.timeout(gap) if gap < math.inf else env.event()
            except simpy.Interrupt:
                continue  # the crisis rose: draw again under the new bound
            self.waiting = None
            if stream.random() * bound < offer_rate(w):
                self.offer()

    def offer(self) -> None:
        """An offer from either side; none is made while talks are arranged or under way."""
        w, d, stream = self.world, self.world.s.diplomacy, self.stream
        actor = "ROK" if stream.random() < 0.5 else "DPRK"
        accept = stream.random() < d.talks_acceptance_probability * (
            1.0 if w.hotline else d.no_hotline_acceptance_factor
        )
        if w.talks_arranged or w.talking():
            return
        ev = w.record("talks_offer", actor)
        if accept:
            w.talks_arranged = True
            w.env.process(hold_talks(w, ev.id, stream))


def hold_talks(
    world: World,
    cause: int,
    stream: Stream,
    injected: bool = False,
    opening: float | None = None,
) -> Generator[simpy.Event, object, None]:
    """Talks open after a day or so (``opening``, if scheduled), last ``Exp(talks_days)``, and
    may reach an agreement."""
    d, env = world.s.diplomacy, world.env
    wait = delay(world, stream, 0)
    opening = wait if opening is None else opening
    length = stream.exponential(d.talks_days)
    agreed = stream.random() < d.agreement_probability
    regret = stream.random() < d.regret_probability
    restore = stream.random() < d.cma_restoration_probability
    yield env.timeout(opening)
    world.talks_arranged = False
    if world.over or world.talking():
        return
    world.talks_until = env.now + length
    talks = world.record("talks", "both", cause=cause, injected=injected)
    yield env.timeout(length)
    if world.over or not agreed:
        return
    agreement(world, talks.id, regret, restore)


def agreement(world: World, cause: int, regret: bool, restore: bool) -> Event:
    """An agreement and its terms: the loudspeakers off, DPRK's regret, perhaps the CMA
    restored. It ends the crisis and voids pending ultimatums."""
    ev = world.record("agreement", "both", cause=cause)
    world.last_agreement = world.env.now
    world.crisis.scale(world.env.now, 0.0)
    world.ultimatums.clear()
    if regret:
        world.record("regret", "DPRK", cause=ev.id)
    set_speakers(world, 0, cause=ev.id)
    if restore:
        restore_cma(world, ev.id)
    return ev


# --- the leader's suspension ---------------------------------------------------------------------
def leader_process(world: World) -> None:
    """After a DPRK escalation away from the line, its leader may suspend further action: a
    ``leader_suspension`` some days later restrains DPRK and voids its pending ultimatums."""
    d = world.s.diplomacy
    pending = [False]

    def escalated(ev: Event) -> None:
        stream = world.streams("crisis.leader")
        suspend = stream.random() < d.leader_suspension_probability
        after = stream.exponential(d.leader_suspension_delay_days)
        if ev.actor != "DPRK" or pending[0] or not suspend:
            return
        pending[0] = True

        def later() -> Generator:
            yield world.env.timeout(after)
            pending[0] = False
            if world.over:
                return
            world.record("leader_suspension", "DPRK", cause=ev.id)
            world.suspension.add(world.env.now, d.suspension_restraint)
            world.ultimatums.clear()

        world.env.process(later())

    for act in ESCALATIONS:
        world.on(act, escalated)


def start(world: World) -> None:
    talks = Talks(world)
    world.env.process(talks.offers())
    leader_process(world)
