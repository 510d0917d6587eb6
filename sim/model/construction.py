"""DPRK construction crews: work in season while the CMA no longer binds the North.

Crews rebuild guard posts, raise walls and anti-tank barriers and lay mines (raising the
sector's mine density). Each sector's crews are a SimPy process that alternates work spells
and routine rests. A blast halts them: with probability ``persistence`` they go on after a
short stand-down, as the record of 2024 reports, otherwise they halt for a while. How many are
at work is read off the season and the sector's state (``Sector.crews_at``), so a season
boundary or the end of a halt costs no event.
"""

from __future__ import annotations

from collections.abc import Generator

import simpy

from sim.model.thinning import thinned_poisson
from sim.model.world import Sector, World
from sim.rng import Stream


def crews(world: World, sector: Sector) -> Generator[simpy.Event, object, None]:
    """Work spells and routine rests of ``sector``'s crews, from a stationary start.

    The process wakes once per cycle, at the start of a spell, and plans the rest that follows
    it (``Sector.plan_rest``); the sector reads the rest off the plan, so its start and end
    cost no event.
    """
    c, env = world.s.construction, world.env
    stream = world.streams(f"construction.{sector.name}")
    now = env.now
    if stream.random() * (c.work_spell_days + c.rest_days) >= c.work_spell_days:
        off = stream.exponential(c.rest_days)  # resting at the start
        sector.plan_rest(now, now, now + off)
        yield env.timeout(off)
    while True:
        now = env.now
        spell, off = stream.exponential(c.work_spell_days), stream.exponential(c.rest_days)
        sector.plan_rest(now, now + spell, now + spell + off)
        yield env.timeout(spell + off)


def stand_down(world: World, sector: Sector, stream: Stream) -> None:
    """A blast hit ``sector``'s crews: with probability ``persistence`` they stand down for
    ``standdown_days``, otherwise they halt for ``Exp(halt_days)``. ``stream`` (the sector's
    blasts, or an inject's) decides. The halt is read lazily, so its end costs no event."""
    c, now = world.s.construction, world.env.now
    if stream.random() < c.persistence:
        sector.halt(now, now + c.standdown_days)
    else:
        sector.halt(now, now + stream.exponential(c.halt_days))


def crew_ceiling(sector: Sector, t: float) -> tuple[float, float]:
    """Most crews that can be at work in ``sector`` from t to the next season boundary, and
    that boundary."""
    in_season, until = sector.season.piece(t)
    return sector.max_crews * (1.0 if in_season else sector.off_season), until


def fortification_process(world: World, sector: Sector) -> Generator[simpy.Event, object, None]:
    """Reported works (a guard post, a stretch of wall) at a rate per working crew-day."""
    rate = world.s.construction.fortification_rate_per_crew_day
    stream = world.streams(f"fortification.{sector.name}")

    def majorant(t: float) -> tuple[float, float]:
        n, until = crew_ceiling(sector, t)
        return rate * n, until

    yield from thinned_poisson(
        world.env,
        stream,
        majorant,
        lambda t: rate * sector.crews_at(t),
        lambda: world.record("fortification_work", "DPRK", sector.name),
        world.s.horizon_days,
    )


def start(world: World) -> None:
    env = world.env
    for sector in world.sectors:
        sector.change(env.now, allowed=not world.dprk_bound)
        if sector.max_crews:
            env.process(crews(world, sector))
            env.process(fortification_process(world, sector))

    def cma_changed() -> None:
        for sector in world.sectors:
            sector.change(env.now, allowed=not world.dprk_bound)

    world.on_cma_change.append(cma_changed)
