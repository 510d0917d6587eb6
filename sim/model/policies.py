"""Postures that decisions change: ROK's loudspeakers and rules of engagement, the
inter-Korean lines, the activists' launches, the crews at work and Russia's backing.

A change comes from the timeline (a dated decision) or from the state (a balloon wave raising
the loudspeakers, an agreement lowering them). Each change is recorded as an event, so the
trace shows when and why a posture moved; a decision that changes nothing records nothing.
"""

from __future__ import annotations

from sim.model.world import World
from sim.scenario.params import SPEAKER_POSTURES, TimelineEvent


def set_speakers(world: World, posture: int, cause: int = -1, injected: bool = False) -> None:
    """ROK's loudspeakers to ``posture`` (0 off, 1 answer provocations, 2 continuous)."""
    if posture == world.speakers:
        return
    up = posture > world.speakers
    world.speakers = posture
    kind = "speakers_raised" if up else "speakers_lowered"
    world.record(kind, "ROK", cause=cause, injected=injected)


def set_roe(world: World, roe: str, cause: int = -1, injected: bool = False) -> None:
    if roe != world.roe:
        world.roe = roe
        world.record("roe_changed", "ROK", cause=cause, injected=injected)


def set_hotline(
    world: World, working: bool, actor: str, cause: int = -1, injected: bool = False
) -> None:
    if working != world.hotline:
        world.hotline = working
        kind = "hotline_restored" if working else "hotline_cut"
        world.record(kind, actor, cause=cause, injected=injected)


def set_leaflets(world: World, allowed: bool, cause: int = -1, injected: bool = False) -> None:
    if allowed != world.leaflets_allowed:
        world.leaflets_allowed = allowed
        kind = "leaflets_allowed" if allowed else "leaflets_stopped"
        world.record(kind, "ROK", cause=cause, injected=injected)


def apply_decision(world: World, te: TimelineEvent) -> None:
    """A dated decision of the timeline."""
    now, kind = world.env.now, te.type
    if kind == "loudspeakers":
        set_speakers(world, SPEAKER_POSTURES.index(te.posture), injected=True)
    elif kind == "roe":
        set_roe(world, te.posture, injected=True)
    elif kind == "hotline":
        set_hotline(world, te.working, te.actor, injected=True)
    elif kind == "leaflets":
        set_leaflets(world, te.allowed, injected=True)
    elif kind in ("crews", "work"):
        sectors = [world.sector[te.sector]] if te.sector else world.sectors
        changed = False
        for sector in sectors:
            if kind == "crews" and sector.crews != te.crews:
                sector.change(now, crews=te.crews)
                changed = True
            elif kind == "work" and sector.ordered != te.working:
                sector.change(now, ordered=te.working)
                changed = True
        if changed:
            world.record("crews_changed", "DPRK", te.sector, injected=True)
    elif kind == "backing":
        before = world.backing
        world.set_backing(max(world.backing + te.backing_change, te.backing_at_least))
        if world.backing != before:
            world.record("backing_changed", te.actor, injected=True)
    else:
        raise ValueError(f"not a decision: {kind}")  # programming error
