"""Event times of a Poisson process whose rate changes with time, by thinning.

Candidates come at the bounding rate ``rate_max``; each is kept with probability
``rate(t) / rate_max`` (Lewis and Shedler 1979). Seasonal and state-dependent rates thus
need no daily tick.
"""

from __future__ import annotations

from collections.abc import Callable, Generator

import simpy

from sim.rng import Stream


def thinned_poisson(
    env: simpy.Environment,
    stream: Stream,
    rate_max: float,
    rate: Callable[[float], float],
    on_event: Callable[[], object],
) -> Generator[simpy.Event, object, None]:
    """Call ``on_event`` at the points of a Poisson process of intensity ``rate(t) <= rate_max``."""
    if rate_max <= 0.0:
        return
    mean_gap = 1.0 / rate_max
    while True:
        yield env.timeout(stream.exponential(mean_gap))
        if stream.random() * rate_max < rate(env.now):
            on_event()
