"""Calendar and terrain: seasonal foliage and monsoon rain that shifts mines."""

from __future__ import annotations

import math
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
    monsoon = world.calendar.window(p.monsoon_start_day, p.monsoon_end_day)

    def in_monsoon(t: float) -> float:
        return p.heavy_rain_rate_per_day if monsoon.is_open(t) else 0.0

    def monsoons(t: float) -> tuple[float, float]:  # the rate itself, season by season
        on, until = monsoon.piece(t)
        return (p.heavy_rain_rate_per_day if on else 0.0), until

    def episode() -> None:
        world.rain.add(world.env.now, p.rain_displacement_per_episode, p.rain_displacement_cap)
        world.record("heavy_rain", "nature")

    yield from thinned_poisson(
        world.env, stream, monsoons, in_monsoon, episode, world.s.horizon_days
    )


def rain_ceiling(world: World, t: float) -> tuple[float, float]:
    """Most rain displacement there can be from t on, and until when that holds: none before
    the first monsoon that can bring heavy rain, the cap from its first day."""
    p = world.s.terrain
    if p.heavy_rain_rate_per_day <= 0.0 or p.rain_displacement_per_episode <= 0.0:
        return 0.0, math.inf
    on, first = world.calendar.window(p.monsoon_start_day, p.monsoon_end_day).piece(0.0)
    if on:
        first = 0.0
    return (0.0, first) if t < first else (p.rain_displacement_cap, math.inf)


def start(world: World) -> None:
    world.env.process(rain_process(world))
