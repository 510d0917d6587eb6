"""Patrols as SimPy processes: each sector's patrol groups of each side alternate spells on the
line and rests, with exponential lengths.

Who is out matters three ways: DPRK patrols on the line can stray across it (``crossings``),
ROK patrols on the line see crossings and walk its paths where stray DPRK mines lie
(``mines``). A ROK group at rest goes back to the line at once when ROK raises its alert
after an incident in the sector (``adaptation``).

A process wakes once per cycle, at the end of a spell: it draws the rest and the next spell
and sleeps through both, and the sector reads whether its groups are out off the rest's end
(``Sector.out``). One SimPy event per cycle instead of two keeps the cost down.
"""

from __future__ import annotations

from collections.abc import Generator

import simpy

from sim.model.world import Duty, Sector, World


def duty(
    world: World, duty: Duty, spell: float, rest: float, stream_name: str
) -> Generator[simpy.Event, object, None]:
    """The duty cycle, from the stationary phase: resting at the start with probability
    rest / (spell + rest); exponential lengths make the time left in the first spell or rest
    exponential too."""
    stream = world.streams(stream_name)
    env = world.env
    if stream.random() * (spell + rest) >= spell:  # resting at the start
        off = stream.exponential(rest)
        duty.rest_from, duty.rest_until = env.now, env.now + off
        yield env.timeout(off + stream.exponential(spell))
    else:
        yield env.timeout(stream.exponential(spell))
    while True:
        off = stream.exponential(rest)
        duty.rest_from, duty.rest_until = env.now, env.now + off
        yield env.timeout(off + stream.exponential(spell))


def call_out(sector: Sector, t: float) -> None:
    """ROK's resting patrols in ``sector`` go back to the line at t."""
    sector.rok.call_out(t)


def start(world: World) -> None:
    p = world.s.patrols
    for sector in world.sectors:
        for side, d, spell, rest in (
            ("rok", sector.rok, p.rok_spell_days, p.rok_rest_days),
            ("dprk", sector.dprk, p.dprk_spell_days, p.dprk_rest_days),
        ):
            if d.groups:
                world.env.process(duty(world, d, spell, rest, f"patrols.{side}.{sector.name}"))
