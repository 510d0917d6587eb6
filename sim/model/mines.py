"""Mine hazards among the work crews: blasts, casualties and propaganda blame."""

from __future__ import annotations

from collections.abc import Generator

import simpy

from sim.model.construction import Blast
from sim.model.thinning import thinned_poisson
from sim.model.world import Sector, World


def blast_rate(world: World, sector: Sector, t: float) -> float:
    """Blasts per day: working crews x hazard, which grows with density and rain displacement
    and falls with clearance effort."""
    m = world.s.mines
    clearance = 1.0 - m.clearance_efficacy * m.clearance_effort
    return (
        sector.active_crews
        * m.blast_rate_per_crew_day
        * sector.density_at(t)
        * (1.0 + world.rain.at(t))
        * clearance
    )


def blast_process(world: World, sector: Sector) -> Generator[simpy.Event, object, None]:
    m, terrain = world.s.mines, world.s.terrain
    stream = world.streams(f"mines.{sector.p.name}")
    bound = (
        sector.p.crews
        * m.blast_rate_per_crew_day
        * sector.max_density
        * (1.0 + terrain.rain_displacement_cap)
        * (1.0 - m.clearance_efficacy * m.clearance_effort)
    )

    def blast() -> None:
        ev = world.record(
            "mine_blast",
            "DPRK",
            sector.p.name,
            killed=stream.poisson(m.killed_mean),
            injured=stream.poisson(m.injured_mean),
        )
        if stream.random() < m.blame_probability:
            world.record("blame_statement", "DPRK", sector.p.name, cause=ev.id)
        if sector.crew is not None:
            sector.crew.interrupt(Blast(ev.id))

    yield from thinned_poisson(
        world.env, stream, bound, lambda t: blast_rate(world, sector, t), blast
    )


def start(world: World) -> None:
    for sector in world.sectors:
        world.env.process(blast_process(world, sector))
