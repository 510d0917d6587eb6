"""Mine hazards among the work crews: blasts, casualties and propaganda blame."""

from __future__ import annotations

from collections.abc import Generator

import simpy

from sim.model.construction import crew_ceiling, stand_down
from sim.model.terrain import rain_ceiling
from sim.model.thinning import thinned_poisson
from sim.model.world import Sector, World


def blast_rate(world: World, sector: Sector, t: float) -> float:
    """Blasts per day: working crews x hazard, which grows with density and rain displacement
    and falls with clearance effort."""
    crews = sector.crews_at(t)
    if not crews:
        return 0.0
    m = world.s.mines
    clearance = 1.0 - m.clearance_efficacy * m.clearance_effort
    return (
        crews
        * m.blast_rate_per_crew_day
        * sector.density_at(t)
        * (1.0 + world.rain.at(t))
        * clearance
    )


def blast_process(world: World, sector: Sector) -> Generator[simpy.Event, object, None]:
    m = world.s.mines
    stream = world.streams(f"mines.{sector.p.name}")
    scale = m.blast_rate_per_crew_day * (1.0 - m.clearance_efficacy * m.clearance_effort)

    def majorant(t: float) -> tuple[float, float]:
        """Most crews this season x densest minefield by the piece's end x most rain."""
        crews, until = crew_ceiling(sector, t)
        rain, rain_until = rain_ceiling(world, t)
        until = min(until, rain_until)
        laid = sector.lay_rate * sector.p.crews * until if sector.lay_rate > 0.0 else 0.0
        density = min(sector.max_density, sector.p.mine_density + laid)
        return crews * scale * density * (1.0 + rain), until

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
        stand_down(world, sector)

    yield from thinned_poisson(
        world.env, stream, majorant, lambda t: blast_rate(world, sector, t), blast
    )


def start(world: World) -> None:
    for sector in world.sectors:
        world.env.process(blast_process(world, sector))
