"""DPRK construction crews: work in season while the CMA no longer binds the North.

Crews rebuild guard posts, raise walls and anti-tank barriers and lay mines (raising the
sector's mine density). A blast stops them; with probability ``persistence`` they go on
after a short stand-down, as the record of 2024 reports, otherwise they halt for a while.
The crews at work are read off the season and the sector's state (``Sector.crews_at``), so
only a blast or a CMA change touches them.
"""

from __future__ import annotations

from collections.abc import Generator

import simpy

from sim.model.thinning import thinned_poisson
from sim.model.world import Sector, World


def stand_down(world: World, sector: Sector) -> None:
    """A blast hit the sector's crews: they stand down briefly or halt for Exp(halt_days)."""
    c, now = world.s.construction, world.env.now
    stream = world.streams(f"construction.{sector.p.name}")
    if stream.random() < c.persistence:
        sector.halt(now, now + c.standdown_days)
    else:
        sector.halt(now, now + stream.exponential(c.halt_days))


def crew_ceiling(sector: Sector, t: float) -> tuple[float, float]:
    """Most crews that can be at work in ``sector`` from t to the next season boundary, and
    that boundary."""
    in_season, until = sector.season.piece(t)
    return sector.p.crews * (1.0 if in_season else sector.off_season), until


def fortification_process(world: World, sector: Sector) -> Generator[simpy.Event, object, None]:
    """Reported works (a guard post, a stretch of wall) at a rate per working crew-day."""
    rate = world.s.construction.fortification_rate_per_crew_day
    stream = world.streams(f"fortification.{sector.p.name}")

    def majorant(t: float) -> tuple[float, float]:
        crews, until = crew_ceiling(sector, t)
        return rate * crews, until

    yield from thinned_poisson(
        world.env,
        stream,
        majorant,
        lambda t: rate * sector.crews_at(t),
        lambda: world.record("fortification_work", "DPRK", sector.p.name),
    )


def start(world: World) -> None:
    env = world.env
    for sector in world.sectors:
        sector.set_working(env.now, not world.dprk_bound)
        env.process(fortification_process(world, sector))

    def cma_changed() -> None:
        for sector in world.sectors:
            sector.set_working(env.now, not world.dprk_bound)

    world.on_cma_change.append(cma_changed)
