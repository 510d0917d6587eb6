"""DPRK construction crews: work in season while the CMA no longer binds the North.

Crews rebuild guard posts, raise walls and anti-tank barriers and lay mines (raising the
sector's mine density). A blast interrupts them; with probability ``persistence`` they go on
after a short stand-down, as the record of 2024 reports, otherwise they halt for a while.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import NamedTuple

import simpy

from sim.model.thinning import thinned_poisson
from sim.model.world import Sector, World


class Blast(NamedTuple):
    """Interrupt cause: a mine blast hit the crews (id of the blast event)."""

    event_id: int


class CmaChanged(NamedTuple):
    """Interrupt cause: the CMA was suspended or restored."""


def crew_process(world: World, sector: Sector) -> Generator[simpy.Event, object, None]:
    """Set the sector's working crews at each season boundary, blast and CMA change."""
    env, cal, c = world.env, world.calendar, world.s.construction
    stream = world.streams(f"construction.{sector.p.name}")
    halted_until = 0.0
    while True:
        now = env.now
        crews = 0.0
        if not world.dprk_bound and now >= halted_until:
            in_season = cal.in_window(now, c.season_start_day, c.season_end_day)
            crews = sector.p.crews * (1.0 if in_season else c.off_season_activity)
        sector.set_crews(now, crews)
        wake = cal.next_boundary(now, c.season_start_day, c.season_end_day)
        if now < halted_until:
            wake = min(wake, halted_until)
        try:
            yield env.timeout(wake - now)
        except simpy.Interrupt as stop:
            if isinstance(stop.cause, Blast):
                if stream.random() < c.persistence:
                    halted_until = env.now + c.standdown_days
                else:
                    halted_until = env.now + stream.exponential(c.halt_days)


def fortification_process(world: World, sector: Sector) -> Generator[simpy.Event, object, None]:
    """Reported works (a guard post, a stretch of wall) at a rate per working crew-day."""
    rate = world.s.construction.fortification_rate_per_crew_day
    stream = world.streams(f"fortification.{sector.p.name}")
    yield from thinned_poisson(
        world.env,
        stream,
        rate * sector.p.crews,
        lambda t: rate * sector.active_crews,
        lambda: world.record("fortification_work", "DPRK", sector.p.name),
    )


def start(world: World) -> None:
    env = world.env
    for sector in world.sectors:
        sector.crew = env.process(crew_process(world, sector))
        env.process(fortification_process(world, sector))

    def cma_changed() -> None:
        for sector in world.sectors:
            if sector.crew is not None and sector.crew.is_alive:
                sector.crew.interrupt(CmaChanged())

    world.on_cma_change.append(cma_changed)
