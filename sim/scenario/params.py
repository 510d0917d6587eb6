"""The scenario's parameters: frozen dataclasses, one per mechanism, with units and ranges.

Values live in the scenario files (``scenarios/*.toml``); the code holds only what each
parameter means, its unit and what values are allowed. Fields without a default must be
set by the scenario (directly or through ``extends``). Fields marked ``state`` describe the
world at the start (an episode may set them); the rest are shared behaviour and physics.

Every number is bounded on both sides, so that every run the loader accepts ends in bounded
time and memory and every bad value is refused in one line that names the bound. The rule:
a bound is a physical limit where there is one (a probability is at most 1, a day of the year
at most 366, a crew or patrol meets at most one blast, crossing or reported work a day), or
else a generous multiple, 10 to 100 times, of the largest value in any shipped scenario or
prior. Bounds were then lowered where one parameter at its bound, the others at their
baseline_2024 values, made a replication blow up (tests/test_bounds.py runs each at both
bounds and caps its events). Bounds hold one parameter at a time; tension_unit,
tension_growth_per_rung and tension_slope all at their tops at once would overflow the answer
weights, exp(slope * tension), so the model caps that exponent (``response.MAX_LOGIT``). The
groups
below say which bound each kind of parameter gets; dates and the horizon are bounded by
``EARLIEST_DATE``, ``LATEST_DATE`` and ``MAX_HORIZON_YEARS``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sim.scenario.fields import param, section
from sim.scenario.priors import Prior

# --- bounds (the rule is in the module docstring) ----------------------------------------------
EARLIEST_DATE = dt.date(1950, 1, 1)  # the armistice line dates from 1953
LATEST_DATE = dt.date(2100, 12, 31)
# end_date - start_date at most this many years. The replication itself is cheap (50 years of
# baseline_2024: 0.1 s, 8,500 events), but an experiment keeps a per-day tension sketch of
# ~6 kB a day per scenario: one replication over 50 years took 5 s and 630 MB, over 20 years
# 2 s and 280 MB. 20 years is 18 times the longest shipped horizon (405 days).
MAX_HORIZON_YEARS = 20
MAX_SECTORS = 100  # sectors in a scenario (3 in every shipped file)
MAX_EVENTS = 1000  # scheduled timeline events (10 at most in a shipped file)
MAX_DAYS = 3650.0  # any duration: 10 years (largest shipped mean duration: 40 days)

P: dict[str, Any] = {"lo": 0.0, "hi": 1.0}  # a probability or a share
DAYS: dict[str, Any] = {"lo": 0.01, "hi": MAX_DAYS}  # a mean duration: positive
WAIT: dict[str, Any] = {"lo": 0.0, "hi": MAX_DAYS}  # a duration that may be zero
DAY_OF_YEAR: dict[str, Any] = {"lo": 1, "hi": 366}
RATE: dict[str, Any] = {"lo": 0.0, "hi": 10.0}  # events per day (largest shipped: 0.25)
UNIT_RATE: dict[str, Any] = {"lo": 0.0, "hi": 1.0}  # per crew-day or patrol-day: physical
UNITS: dict[str, Any] = {"lo": 0, "hi": 100}  # crews, patrols, facilities (largest shipped: 4)
PERSONS: dict[str, Any] = {"lo": 1, "hi": 1000}  # soldiers in a party (largest shipped: 25)
CASUALTIES: dict[str, Any] = {"lo": 0.0, "hi": 100.0}  # mean persons hit (largest shipped: 3)
EFFECT: dict[str, Any] = {"lo": 0.0, "hi": 20.0}  # a log-odds or log-rate effect: e^20 ~ 5e8
LOGIT: dict[str, Any] = {"lo": -20.0, "hi": 20.0}  # a signed propensity (largest shipped: 5.5)
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
    crews: int = param(unit="crews", doc="DPRK work crews assigned to the sector", **UNITS, **STATE)
    dprk_patrols: int = param(
        unit="patrols", doc="DPRK patrol groups on the line in the sector", **UNITS, **STATE
    )
    rok_patrols: int = param(
        unit="patrols", doc="ROK patrol groups on the line in the sector", **UNITS, **STATE
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
        unit="1/day", doc="rate of heavy-rain episodes during the monsoon", **RATE
    )
    rain_displacement_per_episode: float = param(
        unit="hazard multiplier",
        doc="extra mine hazard one heavy-rain episode adds",
        lo=0.0,
        hi=20.0,
    )
    rain_displacement_cap: float = param(
        unit="hazard multiplier", doc="ceiling on the accumulated extra hazard", lo=0.0, hi=20.0
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
        unit="days", doc="stand-down after a blast when persisting", **WAIT
    )
    halt_days: float = param(
        unit="days", doc="mean halt after a blast when not persisting (exponential)", **WAIT
    )
    mine_laying_per_crew_day: float = param(
        unit="density/crew-day", doc="mine density added by one crew-day of work", **UNIT_RATE
    )
    max_mine_density: float = param(unit="index 0-1", doc="ceiling on sector mine density", **P)
    fortification_rate_per_crew_day: float = param(
        unit="1/crew-day", doc="rate of reported works (guard post, wall, barrier)", **UNIT_RATE
    )


@dataclass(frozen=True)
class MinesParams:
    """Mine hazards on both sides of the line, their casualties, and who is blamed."""

    blast_rate_per_crew_day: float = param(
        unit="1/crew-day",
        doc="blast rate for one DPRK crew at mine density 1, no rain, no clearance",
        **UNIT_RATE,
    )
    clearance_effort: float = param(
        unit="share 0-1", doc="DPRK crews' effort put into clearing mines", **P
    )
    clearance_efficacy: float = param(
        unit="share 0-1", doc="share of the hazard removed at full clearance effort", **P
    )
    killed_mean: float = param(
        unit="persons/blast", doc="mean killed per blast among DPRK crews (Poisson)", **CASUALTIES
    )
    injured_mean: float = param(
        unit="persons/blast", doc="mean injured per blast among DPRK crews (Poisson)", **CASUALTIES
    )
    blame_probability: float = param(
        unit="probability", doc="chance DPRK publicly blames the South for a blast", **P
    )
    patrol_blast_rate_per_patrol_day: float = param(
        unit="1/patrol-day",
        doc="blast rate for one patrol on the line at mine density 1 on its side, no rain",
        **UNIT_RATE,
    )
    rok_clearance_effort: float = param(
        unit="share 0-1", doc="ROK effort put into clearing its patrol paths", **P
    )
    patrol_killed_mean: float = param(
        unit="persons/blast", doc="mean killed per blast on a patrol (Poisson)", **CASUALTIES
    )
    patrol_injured_mean: float = param(
        unit="persons/blast", doc="mean injured per blast on a patrol (Poisson)", **CASUALTIES
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
        # 50 times the prior's top (0.002); foliage and markers multiply it (15-fold in
        # baseline_2024), and at 1 a 20-year run drew 2 million thinning candidates (9 s)
        lo=0.0,
        hi=0.1,
    )
    patrol_exposure: float = param(
        unit="crew-equivalents",
        doc="how much one DPRK patrol on the line is exposed to crossing, against a crew",
        lo=0.0,
        hi=10.0,
    )
    vegetation_effect: float = param(
        unit="log-rate per unit foliage",
        doc="how strongly foliage raises the crossing rate",
        lo=0.0,
        hi=10.0,
    )
    marking_effect: float = param(
        unit="rate multiplier",
        doc="extra crossing rate when markers are wholly invisible",
        lo=0.0,
        hi=100.0,
    )
    detection_probability: float = param(
        unit="probability",
        doc="chance fixed posts see a crossing party of a crew's size, with no patrol out",
        **P,
    )
    crew_party_size: int = param(unit="persons", doc="soldiers in a crossing work crew", **PERSONS)
    patrol_party_size: int = param(unit="persons", doc="soldiers in a crossing patrol", **PERSONS)
    misread_base: float = param(
        unit="probability",
        doc="chance ROK reads an inadvertent crossing as deliberate at zero tension",
        **P,
    )
    misread_per_tension: float = param(
        unit="probability/tension",
        doc="how much each unit of tension raises that chance",
        lo=0.0,
        hi=1.0,
    )


@dataclass(frozen=True)
class AdaptationParams:
    """How the sides act differently for a while after an incident; each effect decays."""

    caution_per_warning_shots: float = param(
        unit="log-rate",
        doc="crossing rate in a sector falls by exp(-this) just after warning shots there",
        **EFFECT,
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
        **EFFECT,
    )
    alert_half_life_days: float = param(unit="days", doc="half-life of ROK's alert", **DAYS)


@dataclass(frozen=True)
class SideParams:
    """A side's response propensities, as log-odds against ignoring an incident."""

    protest_logit: float = param(
        unit="log-odds", doc="propensity to protest (a statement)", **LOGIT
    )
    mirror_logit: float = param(
        unit="log-odds", doc="propensity to answer in kind at rung 0", **LOGIT
    )
    escalate_logit: float = param(
        unit="log-odds", doc="propensity to answer one rung up, at rung 0", **LOGIT
    )
    tension_slope: float = param(
        unit="log-odds/tension",
        doc="how tension raises mirroring and escalating",
        # 12 times the largest shipped (0.04). The weights are exp(slope * tension + ...):
        # at 1, one DPRK chain in 200 ran tension past 709 / slope and overflowed exp()
        lo=-0.5,
        hi=0.5,
    )
    deliberate_bonus: float = param(
        unit="log-odds",
        doc="extra propensity when the incident is perceived as deliberate",
        **LOGIT,
    )
    rung_aversion: float = param(
        unit="log-odds/rung",
        doc="reluctance per rung of the answer (the higher, the harder)",
        **EFFECT,
    )
    jump_aversion: float = param(
        unit="log-odds/rung",
        doc="extra reluctance per rung an answer jumps beyond the next one up",
        **EFFECT,
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
        unit="days", doc="mean delay of a political or gray-zone answer", **WAIT
    )
    armed_delay_days: float = param(
        unit="days", doc="mean delay of an answer to an armed incident", **WAIT
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
        unit="1/day", doc="activist leaflet launches in season, when allowed", **RATE
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
        unit="days", doc="mean delay from leaflets to the first balloon wave", **WAIT
    )
    balloon_waves_per_campaign: float = param(
        unit="waves", doc="mean waves per campaign (1 + Poisson)", lo=1.0, hi=100.0
    )
    balloon_wave_gap_days: float = param(
        unit="days", doc="mean gap between the waves of a campaign", **WAIT
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
        unit="1/day", doc="posture 'continuous': broadcast sessions per day", lo=0.0, hi=24.0
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
        **EFFECT,
    )
    condemnation_restraint: float = param(
        unit="log-odds", doc="restraint on DPRK just after an international condemnation", **EFFECT
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
        unit="1/day", doc="rate of unprompted DPRK threat statements", **RATE
    )
    show_of_force_rate_per_day: float = param(
        unit="1/day",
        doc="rate of DPRK shows of force (artillery drills) outside exercises",
        **RATE,
    )
    exercise_multiplier: float = param(
        unit="rate multiplier", doc="shows of force during US-ROK exercises", lo=0.0, hi=100.0
    )
    joint_facilities: int = param(
        unit="facilities",
        doc="inter-Korean facilities on DPRK's side it could blow up (liaison office, ...)",
        **UNITS,
        **STATE,
    )
    talks_offer_rate_per_day: float = param(
        unit="1/day", doc="rate of talks offers at zero tension, outside a crisis", **RATE
    )
    talks_tension_slope: float = param(
        unit="1/tension",
        doc="offers grow by this share per unit of tension (up to 100)",
        lo=0.0,
        hi=1.0,
    )
    crisis_offer_rate_per_day: float = param(
        unit="1/day per crisis unit",
        doc="extra offers per day per unit of crisis (each armed event adds 1, doubling per rung)",
        **RATE,
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
        unit="log-odds", doc="restraint on DPRK just after its leader's suspension", **EFFECT
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

    initial_tension: float = param(
        unit="tension", doc="tension at the start", lo=0.0, hi=100.0, **STATE
    )
    tension_unit: float = param(
        unit="tension",
        doc="tension a rung-0 conflict event adds (a threat, a protest)",
        # 8 times the shipped 0.25; at 10, 3 replications in 50 overflowed the answer
        # weights (exp of tension_slope * tension) before war ended them
        lo=0.0,
        hi=2.0,
    )
    tension_growth_per_rung: float = param(
        unit="multiplier/rung",
        doc="a conflict event adds tension_unit * this ** rung",
        # 1.5 times the shipped 2 (a rung-6 event then adds 11 times as much); at 4,
        # 3 replications in 50 overflowed the answer weights, as for tension_unit
        lo=1.0,
        hi=3.0,
    )
    relief_per_goldstein: float = param(
        unit="1/Goldstein point",
        doc="a relief event (talks, agreement) multiplies tension by exp(-this * Goldstein)",
        lo=0.0,
        hi=1.0,
    )
    tension_half_life_days: float = param(unit="days", doc="half-life of tension", **DAYS)
    terminal_rung: int = param(
        unit="rung", doc="rung that ends the replication (7 = general war)", lo=1, hi=7, **STATE
    )
    armed_killed_mean: float = param(
        unit="persons/event", doc="mean killed in a small-arms exchange (Poisson)", **CASUALTIES
    )
    armed_injured_mean: float = param(
        unit="persons/event", doc="mean injured in a small-arms exchange (Poisson)", **CASUALTIES
    )
    casualty_growth_per_rung: float = param(
        unit="multiplier/rung",
        doc="casualty means grow by this factor per rung above 4",
        lo=1.0,
        hi=10.0,
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
    duration_days: float = param(unit="days", doc="length (exercises)", default=1.0, **WAIT)
    posture: str = param(
        unit="-",
        doc="new posture: loudspeakers (off, retaliate, continuous) or ROE",
        choices=("", *SPEAKER_POSTURES, *ROES),
        default="",
    )
    working: bool = param(unit="-", doc="hotline: the lines work; work: crews work", default=True)
    allowed: bool = param(unit="-", doc="leaflets: activists may launch", default=True)
    crews: int = param(
        unit="crews", doc="crews assigned to the sector (all if none)", default=0, **UNITS
    )
    killed: int = param(unit="persons", doc="mine blast: killed", default=0, lo=0, hi=1000)
    injured: int = param(unit="persons", doc="mine blast: injured", default=0, lo=0, hi=1000)
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
        lo=0,
        hi=1000,
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
    deadline_days: float = param(unit="days", doc="ultimatum: time allowed", default=2.0, **DAYS)
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
