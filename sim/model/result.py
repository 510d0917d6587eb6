"""What one replication returns: outcomes, monthly counts, daily trajectory, optional events."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.events import Event


@dataclass(frozen=True)
class ReplicationResult:
    """The outcome of replication ``replication`` of a scenario.

    ``outcomes`` is a flat, ordered mapping of name to number (the same keys for every
    replication of a scenario); ``monthly_counts[m, k]`` counts events of type
    ``TYPE_NAMES[k]`` in calendar month ``months[m]``; ``tension`` and ``rung`` hold the
    value at the end of each simulated day and the highest rung of that day's events.
    """

    replication: int
    outcomes: dict[str, float]
    months: tuple[str, ...]
    monthly_counts: np.ndarray  # int32, (n_months, n_types)
    tension: np.ndarray  # float32, (horizon_days,)
    rung: np.ndarray  # int8, (horizon_days,)
    events: tuple[Event, ...] | None = None
