"""MDL crossings by crews and patrols, their detection, and ROK's rules of engagement.

Crossings come at a rate per exposed crew or patrol that grows with foliage and with poorly
visible markers and falls for a while in a sector where warning shots were fired. ROK sees a
crossing from its fixed posts (the larger the party, the likelier) and from its patrols on the
line, the more so on alert. It may misread an inadvertent crossing as deliberate, the more so
the higher the tension. Its ROE then answer: a warning broadcast and warning shots
(standard and restrained), or shots straight away and aimed fire at a crossing read as
deliberate (hardline). The crossers retreat, hold, or return fire, and fire opens a chain.
"""

from __future__ import annotations

import math
from collections.abc import Generator

import simpy

from sim.model.construction import crew_ceiling
from sim.model.events import DELIBERATE, MISREAD, Event
from sim.model.response import Reaction, choose, delay, record_armed, start_chain
from sim.model.terrain import vegetation
from sim.model.thinning import thinned_poisson
from sim.model.world import Sector, World
from sim.rng import Stream


def crossing_rate(world: World, sector: Sector, t: float) -> float:
    """Crossings per day in a sector: exposure x foliage x marker effect x caution."""
    c = world.s.crossings
    exposure = sector.crews_at(t) + c.patrol_exposure * sector.dprk.out(t)
    if not exposure:
        return 0.0
    marking = 1.0 + c.marking_effect * (1.0 - sector.p.marker_visibility)
    return (
        exposure
        * c.rate_per_crew_day
        * math.exp(c.vegetation_effect * vegetation(world, t) - sector.caution.at(t))
        * marking
    )


def detection_probability(world: World, sector: Sector, party_size: int) -> float:
    """Chance ROK sees a crossing party: it is missed only if every fixed post misses it (each
    soldier of the party a further chance to be seen), every patrol on the line misses it,
    and ROK's alert does not catch it."""
    c, p = world.s.crossings, world.s.patrols
    missed = (
        (1.0 - c.detection_probability) ** (party_size / c.crew_party_size)
        * (1.0 - p.detection_per_patrol) ** sector.rok.out(world.env.now)
        * math.exp(-world.alert.at(world.env.now))
    )
    return 1.0 - missed


def misread_probability(world: World) -> float:
    c, d = world.s.crossings, world.s.diplomacy
    p = c.misread_base + c.misread_per_tension * world.now_tension()
    if world.hotline:
        p *= d.hotline_misread_factor
    return min(1.0, p)


def crossing_process(world: World, sector: Sector) -> Generator[simpy.Event, object, None]:
    c, t = world.s.crossings, world.s.terrain
    stream = world.streams(f"crossings.{sector.name}")
    peak_veg = max(t.vegetation_winter, t.vegetation_summer)
    per_crew = (
        c.rate_per_crew_day
        * math.exp(c.vegetation_effect * peak_veg)
        * (1.0 + c.marking_effect * (1.0 - sector.p.marker_visibility))
    )

    def majorant(now: float) -> tuple[float, float]:
        """Most crews this season plus every patrol, under the thickest foliage."""
        crews, until = crew_ceiling(sector, now)
        return (crews + c.patrol_exposure * sector.p.dprk_patrols) * per_crew, until

    def crossing() -> None:
        now = world.env.now
        crews = sector.crews_at(now)
        by_crew = stream.random() * (crews + c.patrol_exposure * sector.dprk.out(now)) < crews
        size = c.crew_party_size if by_crew else c.patrol_party_size
        seen = stream.random() < detection_probability(world, sector, size)
        misread = stream.random() < misread_probability(world)
        if not seen:
            world.record("mdl_crossing_undetected", "DPRK", sector.name)
            return
        ev = world.record("mdl_crossing", "DPRK", sector.name)
        rok, dprk = world.streams(f"roe.{sector.name}"), world.streams(f"crossers.{sector.name}")
        world.env.process(roe_episode(world, ev, misread, False, rok, dprk, "crossings"))

    yield from thinned_poisson(
        world.env,
        stream,
        majorant,
        lambda now: crossing_rate(world, sector, now),
        crossing,
        world.s.horizon_days,
    )


def roe_episode(
    world: World,
    crossing: Event,
    read_deliberate: bool,
    deliberate: bool,
    rok: Stream,
    dprk: Stream,
    origin: str,
) -> Generator[simpy.Event, object, None]:
    """ROK's answer to a detected crossing under its rules of engagement, and how it ends.

    ``read_deliberate`` is ROK's reading of the crossing; ``deliberate`` is the truth, which
    drives the crossers' own answer to warning shots: a party sent on purpose is more likely to
    hold or return fire than a crew that strayed.
    """
    r = world.s.response
    sector = crossing.sector
    env = world.env
    # ROK's reading counts as a misreading when the crossing was in fact inadvertent
    reading = (DELIBERATE if deliberate else MISREAD) if read_deliberate else ""
    yield env.timeout(delay(world, rok, 3))
    if world.over:
        return
    aim = rok.random()  # drawn under every ROE, to keep streams aligned across scenarios
    if world.roe == "hardline" and read_deliberate and aim < r.aimed_fire_probability:
        fire = record_armed(world, "small_arms_exchange", "ROK", sector, crossing.id, rok, reading)
        start_chain(world, fire, "DPRK", origin)
        return
    last = crossing
    if world.roe != "hardline":
        last = world.record("warning_broadcast", "ROK", sector, crossing.id)
        yield env.timeout(delay(world, dprk, 3))
        if world.over:
            return
        if dprk.random() < r.retreat_on_broadcast_probability:
            world.record("retreat", "DPRK", sector, last.id)
            return
    shots = world.record("warning_shots", "ROK", sector, last.id)
    choice = choose(world, "DPRK", dprk, deliberate, 3, 3, 4)
    yield env.timeout(delay(world, dprk, 3))
    if world.over:
        return
    if choice in (Reaction.IGNORE, Reaction.PROTEST):
        world.record("retreat", "DPRK", sector, shots.id)
    elif choice == Reaction.MIRROR:
        # crossers who hold: ROK's answer depends on whether it read the crossing as deliberate
        hold = world.record("hold_position", "DPRK", sector, shots.id)
        start_chain(world, hold, "ROK", origin, read_deliberate, intent=reading)
    else:
        fire = record_armed(world, "small_arms_exchange", "DPRK", sector, shots.id, dprk)
        start_chain(world, fire, "ROK", origin)


def start(world: World) -> None:
    for sector in world.sectors:
        if sector.max_crews or sector.p.dprk_patrols:
            world.env.process(crossing_process(world, sector))
