"""Inadvertent MDL crossings by crews and patrols, and ROK's rules of engagement.

Crossings come at a rate per exposed crew that grows with foliage and with poorly visible
markers. ROK detects a crossing with some probability; it may misread it as deliberate, the
more so the higher the tension. The ROE policy then answers: a warning broadcast and warning
shots (standard), or shots straight away and aimed fire at a crossing read as deliberate
(hardline). The crossers retreat, hold, or return fire, and fire opens an action-reaction chain.
"""

from __future__ import annotations

import math
from collections.abc import Generator

import simpy

from sim.model.construction import crew_ceiling
from sim.model.events import Event
from sim.model.response import Reaction, choose, delay, record_armed, start_chain
from sim.model.terrain import vegetation
from sim.model.thinning import thinned_poisson
from sim.model.world import Sector, World


def crossing_rate(world: World, sector: Sector, t: float) -> float:
    """Crossings per day in a sector: exposure x foliage x marker effect."""
    c = world.s.crossings
    exposure = sector.crews_at(t) + c.patrol_exposure * sector.p.patrols
    marking = 1.0 + c.marking_effect * (1.0 - sector.p.marker_visibility)
    return (
        exposure
        * c.rate_per_crew_day
        * math.exp(c.vegetation_effect * vegetation(world, t))
        * marking
    )


def misread_probability(world: World) -> float:
    c, d = world.s.crossings, world.s.diplomacy
    p = c.misread_base + c.misread_per_tension * world.now_tension()
    if d.hotline_working:
        p *= d.hotline_misread_factor
    return min(1.0, p)


def crossing_process(world: World, sector: Sector) -> Generator[simpy.Event, object, None]:
    c, t = world.s.crossings, world.s.terrain
    stream = world.streams(f"crossings.{sector.p.name}")
    peak_veg = max(t.vegetation_winter, t.vegetation_summer)
    per_crew = (
        c.rate_per_crew_day
        * math.exp(c.vegetation_effect * peak_veg)
        * (1.0 + c.marking_effect * (1.0 - sector.p.marker_visibility))
    )

    def majorant(now: float) -> tuple[float, float]:
        """Most crews this season plus the patrols, under the thickest foliage."""
        crews, until = crew_ceiling(sector, now)
        return (crews + c.patrol_exposure * sector.p.patrols) * per_crew, until

    def crossing() -> None:
        if stream.random() >= c.detection_probability:
            world.record("mdl_crossing_undetected", "DPRK", sector.p.name)
            return
        ev = world.record("mdl_crossing", "DPRK", sector.p.name)
        deliberate = stream.random() < misread_probability(world)
        world.env.process(roe_episode(world, ev, deliberate))

    yield from thinned_poisson(
        world.env, stream, majorant, lambda now: crossing_rate(world, sector, now), crossing
    )


def roe_episode(
    world: World, crossing: Event, deliberate: bool
) -> Generator[simpy.Event, object, None]:
    """ROK's answer to a detected crossing under its rules of engagement, and how it ends."""
    r = world.s.response
    rok = world.streams(f"roe.{crossing.sector}")
    dprk = world.streams(f"crossers.{crossing.sector}")
    sector = crossing.sector
    env = world.env
    yield env.timeout(delay(world, rok, 3))
    if world.over:
        return
    aim = rok.random()  # drawn under either ROE, to keep streams aligned across scenarios
    if r.roe == "hardline" and deliberate and aim < r.aimed_fire_probability:
        fire = record_armed(world, "small_arms_exchange", "ROK", sector, crossing.id, rok)
        start_chain(world, fire, "DPRK", "crossings")
        return
    last = crossing
    if r.roe == "standard":
        last = world.record("warning_broadcast", "ROK", sector, crossing.id)
        yield env.timeout(delay(world, dprk, 3))
        if world.over:
            return
        if dprk.random() < r.retreat_on_broadcast_probability:
            world.record("retreat", "DPRK", sector, last.id)
            return
    shots = world.record("warning_shots", "ROK", sector, last.id)
    choice = choose(world, "DPRK", dprk, True, 3, 4)
    yield env.timeout(delay(world, dprk, 3))
    if world.over:
        return
    if choice in (Reaction.IGNORE, Reaction.PROTEST):
        world.record("retreat", "DPRK", sector, shots.id)
    elif choice == Reaction.MIRROR:
        # crossers who hold: ROK's answer depends on whether it read the crossing as deliberate
        hold = world.record("hold_position", "DPRK", sector, shots.id)
        start_chain(world, hold, "ROK", "crossings", deliberate)
    else:
        fire = record_armed(world, "small_arms_exchange", "DPRK", sector, shots.id, dprk)
        start_chain(world, fire, "ROK", "crossings")


def start(world: World) -> None:
    for sector in world.sectors:
        world.env.process(crossing_process(world, sector))
