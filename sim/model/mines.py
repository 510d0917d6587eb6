"""Mine hazards on both sides of the line: blasts, casualties, blame, and ROK's answer.

North of the MDL, DPRK work crews and DPRK patrols on the line are hit at a rate that grows
with the mines the crews lay and with monsoon displacement, and falls with clearance; DPRK may
blame the South. South of it, ROK patrols on the line walk paths where DPRK mines lie, washed
down by rain or planted (the path of 4 August 2015). ROK investigates a blast on its side; if
it blames the North (rightly for a planted mine, as a misreading for a displaced one), it
answers the blamed attack.
"""

from __future__ import annotations

from collections.abc import Generator

import simpy

from sim.model import construction
from sim.model.construction import crew_ceiling
from sim.model.events import ACCIDENT, DELIBERATE, MISREAD, Event
from sim.model.policies import set_speakers
from sim.model.response import Reaction, choose_option, delay, start_chain
from sim.model.terrain import rain_ceiling
from sim.model.thinning import thinned_poisson
from sim.model.world import Sector, World
from sim.rng import Stream

CONTINUOUS = 2  # the loudspeaker posture a reprisal switches to


def _clearance(world: World, effort: float, boost: float) -> float:
    """The share of the hazard left by clearance at ``effort`` plus a boost after blasts."""
    return 1.0 - world.s.mines.clearance_efficacy * min(1.0, effort + boost)


def north_blast_rates(world: World, sector: Sector, t: float) -> tuple[float, float]:
    """Blasts per day north of the MDL among DPRK crews and among DPRK patrols: the exposed
    (working crews, patrols on the line) x hazard, which grows with density and rain
    displacement and falls with clearance effort."""
    crews, patrols = sector.crews_at(t), sector.dprk.out(t)
    if not (crews or patrols):
        return 0.0, 0.0
    m = world.s.mines
    hazard = (
        sector.density_at(t)
        * (1.0 + world.rain.at(t))
        * _clearance(world, m.clearance_effort, sector.clearance.at(t))
    )
    return (
        crews * m.blast_rate_per_crew_day * hazard,
        patrols * m.patrol_blast_rate_per_patrol_day * hazard,
    )


def blast_rate(world: World, sector: Sector, t: float) -> float:
    """Blasts per day north of the MDL in ``sector`` (crews and patrols)."""
    return sum(north_blast_rates(world, sector, t))


def patrol_blast_rate(world: World, sector: Sector, t: float) -> float:
    """Blasts per day among ROK patrols on the line, on the mines south of the MDL."""
    out = sector.rok.out(t)
    if not out:
        return 0.0
    m = world.s.mines
    return (
        out
        * m.patrol_blast_rate_per_patrol_day
        * sector.p.south_mine_density
        * (1.0 + world.rain.at(t))
        * _clearance(world, m.rok_clearance_effort, sector.rok_clearance.at(t))
    )


def blast_process(world: World, sector: Sector) -> Generator[simpy.Event, object, None]:
    m = world.s.mines
    stream = world.streams(f"mines.{sector.name}")
    clear = _clearance(world, m.clearance_effort, 0.0)
    patrols = sector.dprk.groups * m.patrol_blast_rate_per_patrol_day * clear

    def majorant(t: float) -> tuple[float, float]:
        """Most crews this season and every patrol x densest minefield by the piece's end x
        most rain."""
        crews, until = crew_ceiling(sector, t)
        rain, rain_until = rain_ceiling(world, t)
        until = min(until, rain_until)
        laid = sector.lay_rate * sector.max_crews * until if sector.lay_rate > 0.0 else 0.0
        density = min(sector.max_density, sector.p.mine_density + laid)
        exposed = crews * m.blast_rate_per_crew_day * clear + patrols
        return exposed * density * (1.0 + rain), until

    def blast() -> None:
        on_crews, on_patrols = north_blast_rates(world, sector, world.env.now)
        crew = stream.random() * (on_crews + on_patrols) < on_crews
        blame = stream.random() < m.blame_probability
        if crew:
            killed, injured = stream.poisson(m.killed_mean), stream.poisson(m.injured_mean)
            crew_blast(world, sector, killed, injured, stream, blame)
            return
        killed = stream.poisson(m.patrol_killed_mean)
        injured = stream.poisson(m.patrol_injured_mean)
        ev = world.record("mine_blast", "DPRK", sector.name, -1, killed, injured)
        if blame:
            world.record("blame_statement", "DPRK", sector.name, cause=ev.id)

    yield from thinned_poisson(
        world.env,
        stream,
        majorant,
        lambda t: blast_rate(world, sector, t),
        blast,
        world.s.horizon_days,
    )


def crew_blast(
    world: World,
    sector: Sector,
    killed: int,
    injured: int,
    stream: Stream,
    blame: bool,
    injected: bool = False,
    intent: str = ACCIDENT,
) -> Event:
    """A blast among DPRK crews: casualties, perhaps blame on the South, a stand-down."""
    ev = world.record("mine_blast", "DPRK", sector.name, -1, killed, injured, intent, injected)
    if blame:
        world.record("blame_statement", "DPRK", sector.name, cause=ev.id)
    construction.stand_down(world, sector, stream)
    return ev


def patrol_blast_process(world: World) -> Generator[simpy.Event, object, None]:
    """Blasts among ROK patrols in every sector: one thinned process for the sum of the
    sectors' rates, each blast placed in a sector with probability its share of the sum."""
    m = world.s.mines
    stream = world.streams("mines.rok")
    sectors = [s for s in world.sectors if s.rok.groups and s.p.south_mine_density]
    clear = _clearance(world, m.rok_clearance_effort, 0.0)
    scale = (
        m.patrol_blast_rate_per_patrol_day
        * clear
        * sum(s.rok.groups * s.p.south_mine_density for s in sectors)
    )

    def majorant(t: float) -> tuple[float, float]:
        rain, until = rain_ceiling(world, t)
        return scale * (1.0 + rain), until

    def rate(t: float) -> float:
        return sum(patrol_blast_rate(world, s, t) for s in sectors)

    def blast() -> None:
        t = world.env.now
        rates = [patrol_blast_rate(world, s, t) for s in sectors]
        sector = sectors[stream.choice(rates)]
        killed = stream.poisson(m.patrol_killed_mean)
        injured = stream.poisson(m.patrol_injured_mean)
        ev = world.record("mine_blast", "ROK", sector.name, -1, killed, injured, ACCIDENT)
        world.env.process(investigate(world, ev, planted=False, stream=stream, origin="mines"))

    if scale > 0.0:
        yield from thinned_poisson(world.env, stream, majorant, rate, blast, world.s.horizon_days)


def investigate(
    world: World,
    blast: Event,
    planted: bool,
    stream: Stream,
    origin: str,
    blame: bool | None = None,
) -> Generator[simpy.Event, object, None]:
    """ROK investigates a blast on its side and may blame the North; then it answers.

    ``blame`` forces the finding (an inject's); otherwise it is drawn: a planted mine is
    blamed with ``blame_if_planted_probability``, a displaced one, wrongly, with
    ``blame_if_displaced_probability``.
    """
    m = world.s.mines
    wait = stream.exponential(m.investigation_days)
    p = m.blame_if_planted_probability if planted else m.blame_if_displaced_probability
    drawn = stream.random() < p
    if not (drawn if blame is None else blame):
        return
    yield world.env.timeout(wait)
    if world.over:
        return
    intent = DELIBERATE if planted else MISREAD
    ev = world.record("blame_statement", "ROK", blast.sector, blast.id, intent=intent)
    answer_blamed_attack(world, ev, stream, origin)


def answer_blamed_attack(world: World, blame: Event, stream: Stream, origin: str) -> None:
    """ROK answers an attack it blames on the North: ignore, protest, a reprisal in kind (the
    loudspeakers switched to continuous, as on 10 August 2015) or a show of force.

    When the speakers are already continuous or the CMA binds ROK, the reprisal falls back to
    the show of force.
    """
    choice = Reaction(
        choose_option(
            world,
            "ROK",
            stream,
            True,
            ((Reaction.PROTEST, 0), (Reaction.MIRROR, 1), (Reaction.ESCALATE, 2)),
            blame.rung,
        )
    )
    when = delay(world, stream, 0)
    world.env.process(_reprisal(world, blame, choice, when, origin))


def _reprisal(
    world: World, blame: Event, choice: Reaction, when: float, origin: str
) -> Generator[simpy.Event, object, None]:
    if choice == Reaction.IGNORE:
        return
    yield world.env.timeout(when)
    if world.over:
        return
    if choice == Reaction.PROTEST:
        world.record("protest", "ROK", blame.sector, blame.id)
    elif choice == Reaction.MIRROR and world.speakers < CONTINUOUS and not world.rok_bound:
        set_speakers(world, CONTINUOUS, cause=blame.id)
    else:
        drill = world.record("show_of_force", "ROK", blame.sector, blame.id)
        start_chain(world, drill, "DPRK", origin)


def start(world: World) -> None:
    for sector in world.sectors:
        if sector.max_crews or sector.dprk.groups:
            world.env.process(blast_process(world, sector))
    world.env.process(patrol_blast_process(world))
