"""The scheduled timeline: diplomatic events, dated decisions and injected incidents, each
at its date and hour (midday unless the scenario says otherwise)."""

from __future__ import annotations

from collections.abc import Generator, Sequence

import simpy

from sim.model import crisis, injects, policies
from sim.model.diplomacy import apply_timeline_event, event_time
from sim.model.world import World
from sim.scenario.params import TIMELINE_KINDS, TimelineEvent


def keys(events: Sequence[TimelineEvent]) -> list[str]:
    """A stable name per scheduled event, for the streams of what it sets off: its date, type
    and rank among the events of that date and type (so adding an event on another day, or of
    another type, leaves the names, and the numbers, of the others alone)."""
    seen: dict[tuple, int] = {}
    out = []
    for te in events:
        k = seen.get((te.date, te.type), 0)
        seen[(te.date, te.type)] = k + 1
        out.append(f"timeline.{te.date.isoformat()}.{te.type}.{k}")
    return out


def timeline_process(world: World) -> Generator[simpy.Event, object, None]:
    """Scheduled events in time order (events at the same time in file order)."""
    events = world.s.timeline.events
    names = keys(events)
    env = world.env
    for at, i in sorted((event_time(world, te), i) for i, te in enumerate(events)):
        if at > env.now:
            yield env.timeout(at - env.now)
        if world.over:
            return
        te = events[i]
        group = TIMELINE_KINDS[te.type].group
        if group == "inject":
            injects.apply(world, te, names[i])
        elif group == "decision":
            policies.apply_decision(world, te)
        elif te.type == "talks":
            stream = world.streams(names[i])
            env.process(crisis.hold_talks(world, -1, stream, injected=True, opening=0.0))
        else:
            apply_timeline_event(world, te)


def start(world: World) -> None:
    world.env.process(timeline_process(world))
