"""Injected incidents: an incident the timeline schedules enters the world as a drawn one
would (it moves tension, starts the same answers and chains, is coded CAMEO/Goldstein) and is
marked ``injected``.

While an inject is applied, ``World.streams`` hands out the inject's own streams (named for
its key, from its date, type and rank among same-day events of that type), and the answers,
chains and processes it starts draw from streams named for the key too. So the inject itself
draws nothing from a mechanism's stream, and a scenario with an inject shares every draw of
the scenario without it up to the inject: "fork at day t" is a paired comparison. What the
inject changes later (a raised posture, a wave of a campaign, a higher crisis level) works
through the mechanisms and their own streams, as a drawn incident's consequences do.
"""

from __future__ import annotations

from sim.model import crisis, mines
from sim.model.crossings import detection_probability, misread_probability, roe_episode
from sim.model.events import ACCIDENT, DELIBERATE
from sim.model.world import World
from sim.scenario.params import TimelineEvent

GRIEVANCE = {"fire_at_speakers": "speakers_off", "fire_at_balloons": "leaflets_stop"}
FORCE = (
    "fire_at_speakers",
    "fire_at_balloons",
    "fire_at_defector",
    "show_of_force",
    "artillery_barrage",
    "demolition",
)


def apply(world: World, te: TimelineEvent, key: str) -> None:
    """Inject ``te`` now; ``key`` names its streams."""
    world.injecting = key
    try:
        _apply(world, te, key)
    finally:
        world.injecting = ""


def _apply(world: World, te: TimelineEvent, key: str) -> None:
    stream = world.streams("inject")  # KEY.inject: world.streams prefixes the key
    kind, name = te.type, te.sector
    if kind == "mine_blast":
        m = world.s.mines
        intent = DELIBERATE if te.planted else ACCIDENT
        forced = None if te.blame == "model" else te.blame == "yes"
        if te.actor == "DPRK":
            blame = stream.random() < m.blame_probability if forced is None else forced
            mines.crew_blast(
                world, world.sector[name], te.killed, te.injured, stream, blame, True, intent
            )
        else:
            ev = world.record("mine_blast", "ROK", name, -1, te.killed, te.injured, intent, True)
            world.env.process(mines.investigate(world, ev, te.planted, stream, key, forced))
    elif kind == "mdl_crossing":
        # as a drawn crossing: ROK may not see it (the larger the party, the likelier it does),
        # and may read an inadvertent one as deliberate; a deliberate one is read as such
        c = world.s.crossings
        size = te.party_size or (c.crew_party_size if te.party == "crew" else c.patrol_party_size)
        seen = stream.random() < detection_probability(world, world.sector[name], size)
        read = te.deliberate or stream.random() < misread_probability(world)
        intent = DELIBERATE if te.deliberate else ACCIDENT
        if not seen:
            world.record("mdl_crossing_undetected", "DPRK", name, intent=intent, injected=True)
            return
        ev = world.record("mdl_crossing", "DPRK", name, intent=intent, injected=True)
        rok, dprk = world.streams("rok"), world.streams("dprk")
        world.env.process(roe_episode(world, ev, read, te.deliberate, rok, dprk, key))
    elif kind == "leaflet_launch":
        ev = world.record("leaflet_launch", "activists", injected=True)
        world.grayzone.answer_leaflets(ev, stream, key)
    elif kind == "balloon_wave":
        world.grayzone.balloon_wave(None, world.streams("rok"), injected=True)
    elif kind in FORCE:
        grievance = GRIEVANCE.get(kind, "")
        crisis.carry_out(world, kind, te.actor, -1, stream, key, grievance, True, name)
    elif kind == "ultimatum":
        crisis.issue_ultimatum(
            world, te.actor, te.demand, -1, stream, key, te.threat, te.deadline_days, True
        )
    else:
        raise ValueError(f"not an inject: {kind}")  # programming error
