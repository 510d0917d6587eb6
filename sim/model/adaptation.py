"""Adaptation after incidents: for a while after an incident the sides act differently, and
each effect decays with its half-life (``[adaptation]``).

- Warning shots in a sector make its crews and patrols keep further from the line: the
  crossing rate there falls by ``exp(-caution)``.
- A blast raises clearance effort on the side of the sector it hit.
- A detected crossing, a blast on ROK's side or fire raises ROK's alert: its chance of missing
  a crossing falls by ``exp(-alert)``, and resting ROK patrols in the sector go back out.
"""

from __future__ import annotations

from sim.model import patrols
from sim.model.events import Event
from sim.model.world import World


def start(world: World) -> None:
    a = world.s.adaptation

    def alert(ev: Event) -> None:
        world.alert.add(world.env.now, a.alert_per_incident)
        if ev.sector:
            patrols.call_out(world.sector[ev.sector], world.env.now)

    def shots(ev: Event) -> None:
        if ev.sector:
            world.sector[ev.sector].caution.add(world.env.now, a.caution_per_warning_shots)

    def blast(ev: Event) -> None:
        sector = world.sector[ev.sector]
        boost = sector.rok_clearance if ev.actor == "ROK" else sector.clearance
        boost.add(world.env.now, a.clearance_boost_per_blast, cap=1.0)
        if ev.actor == "ROK":
            alert(ev)

    world.on("warning_shots", shots)
    world.on("mine_blast", blast)
    world.on("mdl_crossing", alert)
    world.on_armed.append(alert)
