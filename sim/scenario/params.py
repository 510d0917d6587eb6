"""The scenario's parameters: frozen dataclasses, one per mechanism, with units and ranges.

Values live in the scenario files (``scenarios/*.toml``); the code holds only what each
parameter means, its unit and what values are allowed. Fields without a default must be
set by the scenario (directly or through ``extends``). Fields marked ``state`` describe the
world at the start (an episode may set them); the rest are shared behaviour and physics.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sim.scenario.fields import param, section
from sim.scenario.priors import Prior

P: dict[str, Any] = {"lo": 0.0, "hi": 1.0}  # a probability or a share
NONNEG: dict[str, Any] = {"lo": 0.0}
DAYS: dict[str, Any] = {"lo": 0.01}  # a mean duration: positive
DAY_OF_YEAR: dict[str, Any] = {"lo": 1, "hi": 366}
STATE: dict[str, Any] = {"state": True}

SPEAKER_POSTURES = ("off", "retaliate", "continuous")  # ROK loudspeakers, lowest first
ROES = ("standard", "hardline", "restrained")
SIDES = ("DPRK", "ROK")


@dataclass(frozen=True)
class SectorParams:
    """One stretch of the DMZ (west, central, east by default)."""

    name: str = param(unit="-", doc="sector name")
    mine_density: float = param(
        unit="index 0-1",
        doc="mine density north of the MDL at the start (1 = densest-mined stretch)",
        **P,
        **STATE,
    )
    south_mine_density: float = param(
        unit="index 0-1",
        doc="DPRK mines on ROK patrol paths south of the MDL (washed down or planted)",
        **P,
        **STATE,
    )
    marker_visibility: float = param(
        unit="share 0-1",
        doc="how clearly the MDL markers can be seen (1 = every marker clear)",
        **P,
        **STATE,
    )
    crews: int = param(
        unit="crews", doc="DPRK work crews assigned to the sector", **NONNEG, **STATE
    )
    dprk_patrols: int = param(
        unit="patrols", doc="DPRK patrol groups on the line in the sector", **NONNEG, **STATE
    )
    rok_patrols: int = param(
        unit="patrols", doc="ROK patrol groups on the line in the sector", **NONNEG, **STATE
    )


@dataclass(frozen=True)
class TerrainParams:
    """Calendar and terrain: seasonal vegetation and monsoon mine displacement."""

    sectors: tuple[SectorParams, ...] = section("the DMZ's sectors, a table per sector")
    vegetation_winter: float = param(unit="share 0-1", doc="foliage cover at its lowest", **P)
    vegetation_summer: float = param(unit="share 0-1", doc="foliage cover at its peak", **P)
    vegetation_peak_day: int = param(
        unit="day of year", doc="day of year of peak foliage", **DAY_OF_YEAR
    )
    monsoon_start_day: int = param(
        unit="day of year", doc="first day of the monsoon", **DAY_OF_YEAR
    )
    monsoon_end_day: int = param(unit="day of year", doc="last day of the monsoon", **DAY_OF_YEAR)
    heavy_rain_rate_per_day: float = param(
        unit="1/day", doc="rate of heavy-rain episodes during the monsoon", **NONNEG
    )
    rain_displacement_per_episode: float = param(
        unit="hazard multiplier", doc="extra mine hazard one heavy-rain episode adds", **NONNEG
    )
    rain_displacement_cap: float = param(
        unit="hazard multiplier", doc="ceiling on the accumulated extra hazard", **NONNEG
    )
    rain_displacement_half_life_days: float = param(
        unit="days", doc="half-life of the extra hazard after rain", **DAYS
    )


@dataclass(frozen=True)
class PatrolParams:
    """Patrol duty cycles: groups alternate spells on the line and rests (exponential)."""

    rok_spell_days: float = param(unit="days", doc="mean ROK spell on the line", **DAYS)
    rok_rest_days: float = param(unit="days", doc="mean ROK rest between spells", **DAYS)
    dprk_spell_days: float = param(unit="days", doc="mean DPRK spell on the line", **DAYS)
    dprk_rest_days: float = param(unit="days", doc="mean DPRK rest between spells", **DAYS)
    detection_per_patrol: float = param(
        unit="probability", doc="chance one ROK patrol group on the line sees a crossing", **P
    )


@dataclass(frozen=True)
class ConstructionParams:
    """DPRK construction crews: guard posts, walls, barriers and minefields."""

    season_start_day: int = param(
        unit="day of year", doc="start of the main working season", **DAY_OF_YEAR, **STATE
    )
    season_end_day: int = param(
        unit="day of year", doc="end of the main working season", **DAY_OF_YEAR, **STATE
    )
    off_season_activity: float = param(
        unit="share 0-1", doc="share of crews working outside the season", **P
    )
    work_spell_days: float = param(
        unit="days", doc="mean spell of work between routine stand-downs", **DAYS
    )
    rest_days: float = param(unit="days", doc="mean routine stand-down between spells", **DAYS)
    persistence: float = param(
        unit="probability",
        doc="chance the crews resume after a short stand-down when a mine blast hits them",
        **P,
    )
    standdown_days: float = param(
        unit="days", doc="stand-down after a blast when persisting", **NONNEG
    )
    halt_days: float = param(
        unit="days", doc="mean halt after a blast when not persisting (exponential)", **NONNEG
    )
    mine_laying_per_crew_day: float = param(
        unit="density/crew-day", doc="mine density added by one crew-day of work", **NONNEG
    )
    max_mine_density: float = param(unit="index 0-1", doc="ceiling on sector mine density", **P)
    fortification_rate_per_crew_day: float = param(
        unit="1/crew-day", doc="rate of reported works (guard post, wall, barrier)", **NONNEG
    )


@dataclass(frozen=True)
class MinesParams:
    """Mine hazards on both sides of the line, their casualties, and who is blamed."""

    blast_rate_per_crew_day: float = param(
        unit="1/crew-day",
        doc="blast rate for one DPRK crew at mine density 1, no rain, no clearance",
        **NONNEG,
    )
    clearance_effort: float = param(
        unit="share 0-1", doc="DPRK crews' effort put into clearing mines", **P
    )
    clearance_efficacy: float = param(
        unit="share 0-1", doc="share of the hazard removed at full clearance effort", **P
    )
    killed_mean: float = param(
        unit="persons/blast", doc="mean killed per blast among DPRK crews (Poisson)", **NONNEG
    )
    injured_mean: float = param(
        unit="persons/blast", doc="mean injured per blast among DPRK crews (Poisson)", **NONNEG
    )
    blame_probability: float = param(
        unit="probability", doc="chance DPRK publicly blames the South for a blast", **P
    )
    patrol_blast_rate_per_patrol_day: float = param(
        unit="1/patrol-day",
        doc="blast rate for one patrol on the line at mine density 1 on its side, no rain",
        **NONNEG,
    )
    rok_clearance_effort: float = param(
        unit="share 0-1", doc="ROK effort put into clearing its patrol paths", **P
    )
    patrol_killed_mean: float = param(
        unit="persons/blast", doc="mean killed per blast on a patrol (Poisson)", **NONNEG
    )
    patrol_injured_mean: float = param(
        unit="persons/blast", doc="mean injured per blast on a patrol (Poisson)", **NONNEG
    )
    investigation_days: float = param(
        unit="days", doc="mean time ROK takes to attribute a blast on its side", **DAYS
    )
    blame_if_planted_probability: float = param(
        unit="probability", doc="chance ROK blames DPRK for a mine DPRK planted", **P
    )
    blame_if_displaced_probability: float = param(
        unit="probability",
        doc="chance ROK blames DPRK for a mine rain or time displaced (a misreading)",
        **P,
    )


@dataclass(frozen=True)
class CrossingsParams:
    """Inadvertent MDL crossings by crews and patrols, detection and misperception."""

    rate_per_crew_day: float = param(
        unit="1/crew-day",
        doc="crossing rate of one crew at zero foliage and perfect markers",
        **NONNEG,
    )
    patrol_exposure: float = param(
        unit="crew-equivalents",
        doc="how much one DPRK patrol on the line is exposed to crossing, against a crew",
        **NONNEG,
    )
    vegetation_effect: float = param(
        unit="log-rate per unit foliage",
        doc="how strongly foliage raises the crossing rate",
        **NONNEG,
    )
    marking_effect: float = param(
        unit="rate multiplier",
        doc="extra crossing rate when markers are wholly invisible",
        **NONNEG,
    )
    detection_probability: float = param(
        unit="probability",
        doc="chance fixed posts see a crossing party of a crew's size, with no patrol out",
        **P,
    )
    crew_party_size: int = param(unit="persons", doc="soldiers in a crossing work crew", lo=1)
    patrol_party_size: int = param(unit="persons", doc="soldiers in a crossing patrol", lo=1)
    misread_base: float = param(
        unit="probability",
        doc="chance ROK reads an inadvertent crossing as deliberate at zero tension",
        **P,
    )
    misread_per_tension: float = param(
        unit="probability/tension", doc="how much each unit of tension raises that chance", **NONNEG
    )


@dataclass(frozen=True)
class AdaptationParams:
    """How the sides act differently for a while after an incident; each effect decays."""

    caution_per_warning_shots: float = param(
        unit="log-rate",
        doc="crossing rate in a sector falls by exp(-this) just after warning shots there",
        **NONNEG,
    )
    caution_half_life_days: float = param(unit="days", doc="half-life of that caution", **DAYS)
    clearance_boost_per_blast: float = param(
        unit="share 0-1", doc="clearance effort added on the hit side of a sector by a blast", **P
    )
    clearance_boost_half_life_days: float = param(
        unit="days", doc="half-life of the added clearance effort", **DAYS
    )
    alert_per_incident: float = param(
        unit="log-odds",
        doc="ROK's chance of missing a crossing falls by exp(-this) after an incident",
        **NONNEG,
    )
    alert_half_life_days: float = param(unit="days", doc="half-life of ROK's alert", **DAYS)


@dataclass(frozen=True)
class SideParams:
    """A side's response propensities, as log-odds against ignoring an incident."""

    protest_logit: float = param(unit="log-odds", doc="propensity to protest (a statement)")
    mirror_logit: float = param(unit="log-odds", doc="propensity to answer in kind at rung 0")
    escalate_logit: float = param(
        unit="log-odds", doc="propensity to answer one rung up, at rung 0"
    )
    tension_slope: float = param(
        unit="log-odds/tension", doc="how tension raises mirroring and escalating"
    )
    deliberate_bonus: float = param(
        unit="log-odds", doc="extra propensity when the incident is perceived as deliberate"
    )
    rung_aversion: float = param(
        unit="log-odds/rung",
        doc="reluctance per rung of the answer (the higher, the harder)",
        **NONNEG,
    )
    jump_aversion: float = param(
        unit="log-odds/rung",
        doc="extra reluctance per rung an answer jumps beyond the next one up",
        **NONNEG,
    )
    return_fire_probability: float = param(
        unit="probability",
        doc="chance the side answers fire at its forces in kind at once (doctrine)",
        **P,
    )


@dataclass(frozen=True)
class ResponseParams:
    """Rules of engagement and the action-reaction propensities of both sides."""

    roe: str = param(
        unit="-",
        doc="ROK rules of engagement at the start ('restrained': never return fire)",
        choices=ROES,
        **STATE,
    )
    retreat_on_broadcast_probability: float = param(
        unit="probability", doc="chance crossers retreat on the warning broadcast alone", **P
    )
    aimed_fire_probability: float = param(
        unit="probability",
        doc="hardline ROE: chance ROK opens aimed fire at a crossing read as deliberate",
        **P,
    )
    response_delay_days: float = param(
        unit="days", doc="mean delay of a political or gray-zone answer", **NONNEG
    )
    armed_delay_days: float = param(
        unit="days", doc="mean delay of an answer to an armed incident", **NONNEG
    )
    dprk: SideParams = section("DPRK (KPA) response propensities")
    rok: SideParams = section("ROK (JCS) response propensities")


@dataclass(frozen=True)
class GrayzoneParams:
    """Leaflets, trash balloons, loudspeakers and DPRK's counter-moves."""

    leaflets_allowed: bool = param(
        unit="-", doc="Seoul lets activists launch leaflets at the start", **STATE
    )
    leaflet_rate_per_day: float = param(
        unit="1/day", doc="activist leaflet launches in season, when allowed", **NONNEG
    )
    leaflet_season_start_day: int = param(
        unit="day of year", doc="first day winds carry leaflets north", **DAY_OF_YEAR
    )
    leaflet_season_end_day: int = param(
        unit="day of year", doc="last day winds carry leaflets north", **DAY_OF_YEAR
    )
    balloon_campaign_probability: float = param(
        unit="probability", doc="chance DPRK answers a leaflet launch with a balloon campaign", **P
    )
    balloon_first_delay_days: float = param(
        unit="days", doc="mean delay from leaflets to the first balloon wave", **NONNEG
    )
    balloon_waves_per_campaign: float = param(
        unit="waves", doc="mean waves per campaign (1 + Poisson)", lo=1.0
    )
    balloon_wave_gap_days: float = param(
        unit="days", doc="mean gap between the waves of a campaign", **NONNEG
    )
    loudspeaker_posture: str = param(
        unit="-",
        doc="ROK loudspeaker posture at the start: off, answer provocations, or continuous",
        choices=SPEAKER_POSTURES,
        **STATE,
    )
    posture_raise_probability_per_wave: float = param(
        unit="probability",
        doc="chance a balloon wave switches ROK's loudspeakers on (posture off to 'retaliate')",
        **P,
    )
    loudspeaker_probability_per_wave: float = param(
        unit="probability",
        doc="posture 'retaliate': chance a balloon wave brings a broadcast",
        **P,
    )
    loudspeaker_broadcasts_per_day: float = param(
        unit="1/day", doc="posture 'continuous': broadcast sessions per day", **NONNEG
    )


@dataclass(frozen=True)
class DiplomacyParams:
    """Alliance backing, condemnation, crisis communication and the CMA."""

    initial_backing: float = param(
        unit="index 0-1", doc="Russia-DPRK backing at the start", **P, **STATE
    )
    backing_boldness: float = param(
        unit="log-odds",
        doc="DPRK's extra propensity to answer force with force at full backing",
        **NONNEG,
    )
    condemnation_restraint: float = param(
        unit="log-odds", doc="restraint on DPRK just after an international condemnation", **NONNEG
    )
    restraint_half_life_days: float = param(
        unit="days", doc="half-life of restraint (condemnation or a leader's suspension)", **DAYS
    )
    backing_blunting: float = param(
        unit="share 0-1", doc="share of the condemnation restraint cancelled at full backing", **P
    )
    condemnation_probability: float = param(
        unit="probability", doc="chance an armed incident draws a G7/UN condemnation", **P
    )
    statement_rate_per_day: float = param(
        unit="1/day", doc="rate of unprompted DPRK threat statements", **NONNEG
    )
    show_of_force_rate_per_day: float = param(
        unit="1/day",
        doc="rate of DPRK shows of force (artillery drills) outside exercises",
        **NONNEG,
    )
    exercise_multiplier: float = param(
        unit="rate multiplier", doc="shows of force during US-ROK exercises", **NONNEG
    )
    joint_facilities: int = param(
        unit="facilities",
        doc="inter-Korean facilities on DPRK's side it could blow up (liaison office, ...)",
        **NONNEG,
        **STATE,
    )
    talks_offer_rate_per_day: float = param(
        unit="1/day", doc="rate of talks offers at zero tension, outside a crisis", **NONNEG
    )
    talks_tension_slope: float = param(
        unit="1/tension", doc="offers grow by this share per unit of tension (up to 100)", **NONNEG
    )
    crisis_offer_rate_per_day: float = param(
        unit="1/day per crisis unit",
        doc="extra offers per day per unit of crisis (each armed event adds 1, doubling per rung)",
        **NONNEG,
    )
    crisis_half_life_days: float = param(unit="days", doc="half-life of the crisis level", **DAYS)
    talks_acceptance_probability: float = param(
        unit="probability", doc="chance the other side accepts an offer while the lines work", **P
    )
    no_hotline_acceptance_factor: float = param(
        unit="share 0-1", doc="acceptance is multiplied by this while the lines are cut", **P
    )
    talks_days: float = param(unit="days", doc="mean length of talks", **DAYS)
    agreement_probability: float = param(
        unit="probability", doc="chance talks end in an agreement", **P
    )
    regret_probability: float = param(
        unit="probability", doc="chance an agreement includes a DPRK statement of regret", **P
    )
    cma_restoration_probability: float = param(
        unit="probability", doc="chance an agreement restores the CMA", **P
    )
    ultimatum_probability: float = param(
        unit="probability",
        doc="chance a DPRK protest at an ongoing ROK provocation is an ultimatum",
        **P,
    )
    ultimatum_days: float = param(unit="days", doc="mean time an ultimatum allows", **DAYS)
    ultimatum_follow_through: float = param(
        unit="probability", doc="chance the issuer acts when its deadline passes unmet", **P
    )
    ultimatum_compliance_probability: float = param(
        unit="probability", doc="chance ROK meets a demand before the deadline", **P
    )
    leader_suspension_probability: float = param(
        unit="probability",
        doc="chance DPRK's leader suspends action after a DPRK escalation away from the line",
        **P,
    )
    leader_suspension_delay_days: float = param(
        unit="days", doc="mean delay from that escalation to the suspension", **DAYS
    )
    suspension_restraint: float = param(
        unit="log-odds", doc="restraint on DPRK just after its leader's suspension", **NONNEG
    )
    hotline_working: bool = param(
        unit="-", doc="whether the inter-Korean military lines work at the start", **STATE
    )
    hotline_offramp_probability: float = param(
        unit="probability", doc="chance a hotline contact ends an action-reaction chain", **P
    )
    hotline_misread_factor: float = param(
        unit="share 0-1", doc="misreading chance multiplier when the hotline works", **P
    )
    cma_dprk_suspended: bool = param(
        unit="-", doc="DPRK no longer bound by the CMA at the start", **STATE
    )
    cma_rok_suspended: bool = param(
        unit="-", doc="ROK no longer bound by the CMA at the start", **STATE
    )
    rok_suspension_probability_per_wave: float = param(
        unit="probability", doc="chance a balloon wave makes ROK suspend the CMA in full", **P
    )


@dataclass(frozen=True)
class EscalationParams:
    """Tension and the escalation ladder."""

    initial_tension: float = param(unit="tension", doc="tension at the start", **NONNEG, **STATE)
    tension_unit: float = param(
        unit="tension", doc="tension a rung-0 conflict event adds (a threat, a protest)", **NONNEG
    )
    tension_growth_per_rung: float = param(
        unit="multiplier/rung", doc="a conflict event adds tension_unit * this ** rung", lo=1.0
    )
    relief_per_goldstein: float = param(
        unit="1/Goldstein point",
        doc="a relief event (talks, agreement) multiplies tension by exp(-this * Goldstein)",
        **NONNEG,
    )
    tension_half_life_days: float = param(unit="days", doc="half-life of tension", **DAYS)
    terminal_rung: int = param(
        unit="rung", doc="rung that ends the replication (7 = general war)", lo=1, hi=7, **STATE
    )
    armed_killed_mean: float = param(
        unit="persons/event", doc="mean killed in a small-arms exchange (Poisson)", **NONNEG
    )
    armed_injured_mean: float = param(
        unit="persons/event", doc="mean injured in a small-arms exchange (Poisson)", **NONNEG
    )
    casualty_growth_per_rung: float = param(
        unit="multiplier/rung", doc="casualty means grow by this factor per rung above 4", lo=1.0
    )


# --- the timeline ---------------------------------------------------------------------------
class TimelineKind(NamedTuple):
    """What one type of scheduled event is, who may act, and which of its fields apply."""

    group: str  # "diplomacy", "decision" or "inject"
    actors: tuple[str, ...]  # allowed actors; () = free text
    default_actor: str  # "" = the actor must be given when actors are restricted
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()


def _inject(actors=("DPRK",), required=(), optional=("sector",)) -> TimelineKind:
    return TimelineKind("inject", actors, actors[0] if len(actors) == 1 else "", required, optional)


BACKING_FIELDS = ("backing_change", "backing_at_least")
TIMELINE_KINDS: dict[str, TimelineKind] = {
    # diplomacy: visits, treaties, statements, exercises, the CMA
    "diplomatic_visit": TimelineKind("diplomacy", (), "", (), BACKING_FIELDS),
    "treaty": TimelineKind("diplomacy", (), "", (), BACKING_FIELDS),
    "condemnation": TimelineKind("diplomacy", (), ""),
    "exercise": TimelineKind("diplomacy", (), "", (), ("duration_days",)),
    "cma_suspension": TimelineKind("diplomacy", ("ROK", "DPRK", "both"), ""),
    "cma_restoration": TimelineKind("diplomacy", (), "both"),
    "talks": TimelineKind("diplomacy", (), "both"),
    # decisions: a policy changed on a date
    "loudspeakers": TimelineKind("decision", ("ROK",), "ROK", ("posture",)),
    "roe": TimelineKind("decision", ("ROK",), "ROK", ("posture",)),
    "hotline": TimelineKind("decision", ("DPRK", "ROK", "both"), "both", ("working",)),
    "leaflets": TimelineKind("decision", ("ROK",), "ROK", ("allowed",)),
    "crews": TimelineKind("decision", ("DPRK",), "DPRK", ("crews",), ("sector",)),
    "work": TimelineKind("decision", ("DPRK",), "DPRK", ("working",), ("sector",)),
    "backing": TimelineKind("decision", (), "", (), BACKING_FIELDS),
    # injects: an incident a mechanism could produce, scheduled
    "mine_blast": _inject(SIDES, ("sector",), ("killed", "injured", "planted", "blame")),
    "mdl_crossing": _inject(required=("sector",), optional=("party", "party_size", "deliberate")),
    "leaflet_launch": _inject(("activists",), optional=()),
    "balloon_wave": _inject(optional=()),
    "fire_at_speakers": _inject(),
    "fire_at_balloons": _inject(),
    "fire_at_defector": _inject(required=("sector",), optional=()),
    "show_of_force": _inject(SIDES),
    "artillery_barrage": _inject(SIDES),
    "demolition": _inject(optional=()),
    "ultimatum": _inject(required=("demand",), optional=("threat", "deadline_days")),
}
TIMELINE_TYPES = tuple(TIMELINE_KINDS)
ULTIMATUM_DEMANDS = ("speakers_off", "leaflets_stop")
ULTIMATUM_THREATS = ("fire_at_speakers", "fire_at_balloons", "artillery_barrage", "demolition")
PARTIES = ("crew", "patrol")
BLAME = ("model", "yes", "no")
COMMON_FIELDS = ("date", "type", "actor", "hour", "note")  # every scheduled event may carry


@dataclass(frozen=True)
class TimelineEvent:
    """A scheduled event: diplomacy, a decision that changes a policy, or an injected incident.

    Which fields apply depends on ``type`` (``TIMELINE_KINDS``); the loader refuses the others.
    """

    date: dt.date = param(unit="date", doc="day the event happens")
    type: str = param(unit="-", doc="kind of event", choices=TIMELINE_TYPES)
    actor: str = param(
        unit="-", doc="who acts (for a mine_blast: the side whose troops are hit)", default=""
    )
    hour: float = param(unit="hour", doc="time of day (0-24)", lo=0.0, hi=23.99, default=12.0)
    sector: str = param(unit="-", doc="sector where it happens", default="")
    backing_change: float = param(
        unit="index", doc="added to Russia-DPRK backing", lo=-1.0, hi=1.0, default=0.0
    )
    backing_at_least: float = param(
        unit="index 0-1", doc="backing is raised to at least this", default=0.0, **P
    )
    duration_days: float = param(unit="days", doc="length (exercises)", default=1.0, **NONNEG)
    posture: str = param(
        unit="-",
        doc="new posture: loudspeakers (off, retaliate, continuous) or ROE",
        choices=("", *SPEAKER_POSTURES, *ROES),
        default="",
    )
    working: bool = param(unit="-", doc="hotline: the lines work; work: crews work", default=True)
    allowed: bool = param(unit="-", doc="leaflets: activists may launch", default=True)
    crews: int = param(
        unit="crews", doc="crews assigned to the sector (all if none)", default=0, **NONNEG
    )
    killed: int = param(unit="persons", doc="mine blast: killed", default=0, **NONNEG)
    injured: int = param(unit="persons", doc="mine blast: injured", default=0, **NONNEG)
    planted: bool = param(
        unit="-", doc="mine blast: a mine the other side planted (not displaced)", default=False
    )
    blame: str = param(
        unit="-",
        doc="mine blast: does the side hit blame the other ('model': the model decides)",
        choices=BLAME,
        default="model",
    )
    party: str = param(
        unit="-", doc="crossing: a work crew or a patrol", choices=PARTIES, default="patrol"
    )
    party_size: int = param(
        unit="persons",
        doc="crossing: soldiers in the party (0: the party's usual size)",
        default=0,
        **NONNEG,
    )
    deliberate: bool = param(unit="-", doc="crossing: made on purpose", default=False)
    demand: str = param(
        unit="-", doc="ultimatum: what ROK must do", choices=("", *ULTIMATUM_DEMANDS), default=""
    )
    threat: str = param(
        unit="-",
        doc="ultimatum: the act threatened ('' = the model's choice)",
        choices=("", *ULTIMATUM_THREATS),
        default="",
    )
    deadline_days: float = param(unit="days", doc="ultimatum: time allowed", default=2.0, lo=0.01)
    note: str = param(unit="-", doc="what happened and the source", default="")


@dataclass(frozen=True)
class TimelineParams:
    """Scheduled events."""

    events: tuple[TimelineEvent, ...] = section("scheduled events, an array of tables")


def timeline_fields(type_: str) -> tuple[str, ...]:
    """The fields an event of ``type_`` carries, in declaration order."""
    kind = TIMELINE_KINDS[type_]
    mine = {*COMMON_FIELDS, *kind.required, *kind.optional}
    return tuple(f for f in TimelineEvent.__dataclass_fields__ if f in mine)


@dataclass(frozen=True)
class Scenario:
    """One world: every parameter of every mechanism, resolved."""

    name: str = param(unit="-", doc="short name")
    description: str = param(unit="-", doc="the question this scenario answers")
    start_date: dt.date = param(unit="date", doc="day 0 of simulated time", **STATE)
    end_date: dt.date = param(unit="date", doc="last simulated day (inclusive)", **STATE)
    terrain: TerrainParams = section("calendar and terrain")
    patrols: PatrolParams = section("patrol duty cycles and detection")
    construction: ConstructionParams = section("DPRK construction crews")
    mines: MinesParams = section("mine hazards")
    crossings: CrossingsParams = section("MDL crossings and detection")
    adaptation: AdaptationParams = section("adaptation after incidents")
    response: ResponseParams = section("rules of engagement and responses")
    grayzone: GrayzoneParams = section("gray-zone moves")
    diplomacy: DiplomacyParams = section("diplomatic moves and crisis diplomacy")
    escalation: EscalationParams = section("tension and the ladder")
    timeline: TimelineParams = section("scheduled events")
    priors: tuple[Prior, ...] = field(
        default=(),
        metadata={
            "doc": "priors of the uncertain real-valued parameters, by dotted path (sorted); "
            "not parameters themselves: a fit explores them"
        },
    )

    @property
    def horizon_days(self) -> int:
        """Number of simulated days, start and end date included."""
        return (self.end_date - self.start_date).days + 1
