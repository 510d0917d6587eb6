"""Calendar and terrain: seasonal foliage and monsoon rain that shifts mines."""

from __future__ import annotations

from collections.abc import Generator

import simpy

from sim.model.calendar import seasonal
from sim.model.thinning import thinned_poisson
from sim.model.world import World


def vegetation(world: World, t: float) -> float:
    """Foliage cover (0-1) at time t; summer foliage hides the MDL markers."""
    p = world.s.terrain
    doy = world.calendar.day_of_year(t)
    return seasonal(doy, p.vegetation_winter, p.vegetation_summer, p.vegetation_peak_day)


def rain_process(world: World) -> Generator[simpy.Event, object, None]:
    """Heavy-rain episodes during the monsoon; each adds mine displacement that then decays."""
    p = world.s.terrain
    stream = world.streams("terrain.rain")

    def in_monsoon(t: float) -> float:
        on = world.calendar.in_window(t, p.monsoon_start_day, p.monsoon_end_day)
        return p.heavy_rain_rate_per_day if on else 0.0

    def episode() -> None:
        world.rain.add(world.env.now, p.rain_displacement_per_episode, p.rain_displacement_cap)
        world.record("heavy_rain", "nature")

    yield from thinned_poisson(world.env, stream, p.heavy_rain_rate_per_day, in_monsoon, episode)
