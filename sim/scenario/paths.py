"""Setting parameters by dotted path on a built scenario, fast enough to do per replication.

A posterior or a fit's design hands each replication its own values for a few real-valued
parameters. Rebuilding the scenario from TOML would cost milliseconds; replacing the few
frozen dataclasses on the path costs microseconds. The values were checked when the table
that holds them was read (see ``sim.experiment.parameters``).
"""

from __future__ import annotations

import dataclasses as dc
from collections.abc import Mapping
from typing import Any

from sim.scenario.params import Scenario, SectorParams


def key_path(dotted: str) -> tuple[str, ...]:
    """``"terrain.sectors.west.crews"`` as the key path of a scenario file's tables."""
    return tuple(dotted.split("."))


def _set(obj: Any, parts: tuple[str, ...], value: float) -> Any:
    head, rest = parts[0], parts[1:]
    if not rest:
        return dc.replace(obj, **{head: value})
    child = getattr(obj, head)
    if isinstance(child, tuple) and child and isinstance(child[0], SectorParams):
        name, rest = rest[0], rest[1:]
        child = tuple(_set(s, rest, value) if s.name == name else s for s in child)
        return dc.replace(obj, **{head: child})
    return dc.replace(obj, **{head: _set(child, rest, value)})


def with_values(scenario: Scenario, values: Mapping[str, float]) -> Scenario:
    """A copy of ``scenario`` with each dotted path set to its value."""
    for dotted, value in values.items():
        scenario = _set(scenario, key_path(dotted), value)
    return scenario
