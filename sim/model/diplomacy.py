"""Diplomatic moves: the CMA and its reciprocal suspension, backing, condemnation, and DPRK's
statements and shows of force. The timeline is applied in ``timeline.py``; talks, ultimatums
and agreements are in ``crisis.py``."""

from __future__ import annotations

import math
from collections.abc import Generator

import simpy

from sim.model.events import Event
from sim.model.response import OTHER, start_chain
from sim.model.thinning import thinned_poisson
from sim.model.world import World
from sim.scenario.params import TimelineEvent


def is_bound(world: World, side: str) -> bool:
    return world.dprk_bound if side == "DPRK" else world.rok_bound


def suspend_cma(world: World, side: str, cause: int = -1, injected: bool = False) -> None:
    """``side`` stops observing the CMA; the other side follows after a delay.

    Suspension has been reciprocal: ROK's partial suspension of 2023-11-22 was answered by the
    North scrapping the agreement the next day.
    """
    if not is_bound(world, side):
        return
    ev = world.record("cma_suspension", side, cause=cause, injected=injected)
    world.set_cma(**{"dprk_bound" if side == "DPRK" else "rok_bound": False})
    other = OTHER[side]
    if is_bound(world, other):
        stream = world.streams("diplomacy.cma")
        world.env.process(_follow(world, other, ev, stream.exponential(1.0)))


def _follow(world: World, side: str, cause: Event, after: float) -> Generator:
    yield world.env.timeout(after)
    suspend_cma(world, side, cause.id)


def restore_cma(world: World, cause: int = -1, injected: bool = False) -> None:
    if world.dprk_bound and world.rok_bound:
        return
    world.record("cma_restoration", "both", cause=cause, injected=injected)
    world.set_cma(dprk_bound=True, rok_bound=True)


def condemn(world: World, actor: str, cause: int = -1, injected: bool = False) -> None:
    """An international condemnation: restrains DPRK for a while (blunted by backing)."""
    world.record("condemnation", actor, cause=cause, injected=injected)
    world.restraint.add(world.env.now, world.s.diplomacy.condemnation_restraint)


def apply_timeline_event(world: World, te: TimelineEvent) -> None:
    """A scheduled diplomatic event: a visit, a treaty, a condemnation, an exercise, a CMA
    change (scheduled talks are opened by ``crisis.hold_talks``)."""
    kind = te.type
    if kind in ("diplomatic_visit", "treaty"):
        world.set_backing(max(world.backing + te.backing_change, te.backing_at_least))
        world.record(kind, te.actor, injected=True)
    elif kind == "condemnation":
        condemn(world, te.actor, injected=True)
    elif kind == "exercise":
        world.exercise_until = max(world.exercise_until, world.env.now + te.duration_days)
        world.record("exercise", te.actor, injected=True)
    elif kind == "cma_suspension":
        for side in ("ROK", "DPRK") if te.actor == "both" else (te.actor,):
            suspend_cma(world, side, injected=True)
    elif kind == "cma_restoration":
        restore_cma(world, injected=True)
    else:
        raise ValueError(f"not a diplomatic event: {kind}")  # programming error


def event_time(world: World, te: TimelineEvent) -> float:
    """When a scheduled event happens, in simulated days: its date at its hour."""
    return world.calendar.day_offset(te.date) + te.hour / 24.0


def exercise_spans(world: World) -> list[tuple[float, float]]:
    """When US-ROK exercises run: the timeline applies each scheduled exercise at its time (at
    the start if that is past) and it lasts its duration."""
    return sorted(
        (start, start + te.duration_days)
        for te in world.s.timeline.events
        if te.type == "exercise"
        for start in [max(0.0, event_time(world, te))]
    )


def show_of_force_process(world: World) -> Generator[simpy.Event, object, None]:
    """DPRK artillery and live-fire drills near the line, more often during US-ROK exercises."""
    d = world.s.diplomacy
    base, mult = d.show_of_force_rate_per_day, d.exercise_multiplier
    spans = exercise_spans(world)

    def rate(t: float) -> float:
        return base * (mult if t < world.exercise_until else 1.0)

    def schedule(t: float) -> tuple[float, float]:  # the rate itself, from the timeline
        for start, end in spans:
            if t < start:
                return base, start
            if t < end:
                return base * mult, end
        return base, math.inf

    def drill() -> None:
        start_chain(world, world.record("show_of_force", "DPRK"), "ROK", "drills")

    stream = world.streams("diplomacy.show_of_force")
    yield from thinned_poisson(world.env, stream, schedule, rate, drill, world.s.horizon_days)


def statements_process(world: World) -> Generator[simpy.Event, object, None]:
    rate = world.s.diplomacy.statement_rate_per_day
    yield from thinned_poisson(
        world.env,
        world.streams("diplomacy.statements"),
        rate,
        lambda t: rate,
        lambda: world.record("threat_statement", "DPRK"),
        world.s.horizon_days,
    )


def start(world: World) -> None:
    env, d = world.env, world.s.diplomacy
    pending = [False]

    def after_armed(ev: Event) -> None:
        # One condemnation at most per burst of fighting, a couple of days after it starts.
        # The Bernoulli draw is made whatever is pending, so the stream stays aligned.
        stream = world.streams("diplomacy.condemnation")
        condemned = stream.random() < d.condemnation_probability
        if pending[0] or not condemned:
            return
        pending[0] = True

        def later() -> Generator:
            yield env.timeout(stream.exponential(2.0))  # assumption: statements within days
            pending[0] = False
            condemn(world, "G7", ev.id)

        env.process(later())

    world.on_armed.append(after_armed)
    for proc in (show_of_force_process, statements_process):
        env.process(proc(world))
