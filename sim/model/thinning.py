"""Event times of a Poisson process whose rate changes with time, by thinning.

Candidates come at a bounding rate; each is kept with probability ``rate(t) / bound``
(Lewis and Shedler 1979). Seasonal and state-dependent rates thus need no daily tick. The
bound may be piecewise constant (a *majorant* ``t -> (bound, until)``, valid on [t, until)),
so that a seasonal rate is bounded season by season and fewer candidates are rejected; a
zero bound skips its piece outright. Pieces cost no SimPy event: the exponential gap is
memoryless, so a gap that overshoots a piece's end restarts there at the next piece's bound.
A majorant may read the calendar and the scenario, never the changing state, since it is
asked for pieces ahead of time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator

import simpy

from sim.rng import Stream

Majorant = Callable[[float], tuple[float, float]]


def thinned_poisson(
    env: simpy.Environment,
    stream: Stream,
    bound: float | Majorant,
    rate: Callable[[float], float],
    on_event: Callable[[], object],
    horizon: float = math.inf,
) -> Generator[simpy.Event, object, None]:
    """Call ``on_event`` at the points of a Poisson process of intensity ``rate(t)``, up to
    ``horizon`` (the process ends there rather than step through pieces no one will see).

    ``bound`` is a constant ``>= rate(t)`` for all t, or a majorant ``t -> (bound, until)``.
    """
    majorant = bound if callable(bound) else lambda t: (bound, math.inf)
    unit_exponential, uniform = stream.standard_exponential, stream.random
    t = env.now
    lam, until = majorant(t)
    while True:
        t = t + unit_exponential() / lam if lam > 0.0 else math.inf
        if min(t, until) >= horizon:
            return
        if t >= until:
            t = until
            if t == math.inf:
                return
            lam, until = majorant(t)
            continue
        yield env.timeout(t - env.now)
        t = env.now
        r = rate(t)
        assert r <= lam * (1.0 + 1e-9), f"rate {r} above its bound {lam} at t={t}"
        if uniform() * lam < r:
            on_event()
