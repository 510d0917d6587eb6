"""The scenario's parameters: frozen dataclasses, one per mechanism, with units and ranges.

Values live in the scenario files (``scenarios/*.toml``); the code holds only what each
parameter means, its unit and what values are allowed. Fields without a default must be
set by the scenario (directly or through ``extends``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sim.scenario.fields import param, section

P: dict[str, Any] = {"lo": 0.0, "hi": 1.0}  # a probability or a share
NONNEG: dict[str, Any] = {"lo": 0.0}
DAY_OF_YEAR: dict[str, Any] = {"lo": 1, "hi": 366}


@dataclass(frozen=True)
class SectorParams:
    """One stretch of the DMZ (west, central, east by default)."""

    name: str = param(unit="-", doc="sector name")
    mine_density: float = param(
        unit="index 0-1", doc="mine density at the start (1 = densest-mined stretch)", **P
    )
    marker_visibility: float = param(
        unit="share 0-1",
        doc="how clearly the MDL markers can be seen (1 = every marker clear)",
        **P,
    )
    crews: int = param(unit="crews", doc="DPRK work crews assigned to the sector", **NONNEG)
    patrols: int = param(unit="patrols", doc="patrol units on the line in the sector", **NONNEG)


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
        unit="days", doc="half-life of the extra hazard after rain", lo=0.01
    )


@dataclass(frozen=True)
class ConstructionParams:
    """DPRK construction crews: guard posts, walls, barriers and minefields."""

    season_start_day: int = param(
        unit="day of year", doc="start of the main working season", **DAY_OF_YEAR
    )
    season_end_day: int = param(
        unit="day of year", doc="end of the main working season", **DAY_OF_YEAR
    )
    off_season_activity: float = param(
        unit="share 0-1", doc="share of crews working outside the season", **P
    )
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
    """Mine hazards among the work crews and their casualties."""

    blast_rate_per_crew_day: float = param(
        unit="1/crew-day",
        doc="blast rate for one crew at mine density 1, no rain, no clearance",
        **NONNEG,
    )
    clearance_effort: float = param(unit="share 0-1", doc="effort put into clearing mines", **P)
    clearance_efficacy: float = param(
        unit="share 0-1", doc="share of the hazard removed at full clearance effort", **P
    )
    killed_mean: float = param(
        unit="persons/blast", doc="mean killed per blast (Poisson)", **NONNEG
    )
    injured_mean: float = param(
        unit="persons/blast", doc="mean injured per blast (Poisson)", **NONNEG
    )
    blame_probability: float = param(
        unit="probability", doc="chance DPRK publicly blames the South for a blast", **P
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
        doc="how much one patrol is exposed to crossing, against a crew",
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
        unit="probability", doc="chance ROK detects a crossing", **P
    )
    misread_base: float = param(
        unit="probability",
        doc="chance ROK reads an inadvertent crossing as deliberate at zero tension",
        **P,
    )
    misread_per_tension: float = param(
        unit="probability/tension", doc="how much each unit of tension raises that chance", **NONNEG
    )


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


@dataclass(frozen=True)
class ResponseParams:
    """Rules of engagement and the action-reaction propensities of both sides."""

    roe: str = param(
        unit="-", doc="ROK rules of engagement at a crossing", choices=("standard", "hardline")
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

    leaflet_rate_per_day: float = param(
        unit="1/day", doc="activist leaflet launches in season", **NONNEG
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
    loudspeaker_policy: str = param(
        unit="-",
        doc="ROK loudspeaker policy",
        choices=("off", "retaliate", "continuous"),
    )
    loudspeaker_probability_per_wave: float = param(
        unit="probability",
        doc="chance a balloon wave brings a broadcast ('continuous': the first switches them on)",
        **P,
    )
    loudspeaker_broadcasts_per_day: float = param(
        unit="1/day", doc="'continuous': broadcast sessions per day once switched on", **NONNEG
    )


@dataclass(frozen=True)
class DiplomacyParams:
    """Alliance backing, condemnation, crisis communication and the CMA."""

    initial_backing: float = param(unit="index 0-1", doc="Russia-DPRK backing at the start", **P)
    backing_boldness: float = param(
        unit="log-odds",
        doc="DPRK's extra propensity to answer force with force at full backing",
        **NONNEG,
    )
    condemnation_restraint: float = param(
        unit="log-odds", doc="restraint on DPRK just after an international condemnation", **NONNEG
    )
    restraint_half_life_days: float = param(unit="days", doc="half-life of that restraint", lo=0.01)
    backing_blunting: float = param(
        unit="share 0-1", doc="share of the restraint cancelled at full backing", **P
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
    talks_offer_rate_per_day: float = param(unit="1/day", doc="rate of talks offers", **NONNEG)
    talks_acceptance_probability: float = param(
        unit="probability", doc="chance the other side accepts an offer", **P
    )
    cma_restoration_probability: float = param(
        unit="probability", doc="chance accepted talks restore the CMA", **P
    )
    hotline_working: bool = param(unit="-", doc="whether the inter-Korean military hotline works")
    hotline_offramp_probability: float = param(
        unit="probability", doc="chance a hotline contact ends an action-reaction chain", **P
    )
    hotline_misread_factor: float = param(
        unit="share 0-1", doc="misreading chance multiplier when the hotline works", **P
    )
    cma_dprk_suspended: bool = param(unit="-", doc="DPRK no longer bound by the CMA at the start")
    cma_rok_suspended: bool = param(unit="-", doc="ROK no longer bound by the CMA at the start")
    rok_suspension_probability_per_wave: float = param(
        unit="probability", doc="chance a balloon wave makes ROK suspend the CMA in full", **P
    )


@dataclass(frozen=True)
class EscalationParams:
    """Tension and the escalation ladder."""

    initial_tension: float = param(unit="tension", doc="tension at the start", **NONNEG)
    tension_per_goldstein: float = param(
        unit="tension/Goldstein point",
        doc="tension added per point of conflict (Goldstein < 0)",
        **NONNEG,
    )
    tension_half_life_days: float = param(unit="days", doc="half-life of tension", lo=0.01)
    terminal_rung: int = param(
        unit="rung", doc="rung that ends the replication (7 = general war)", lo=1, hi=7
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


TIMELINE_TYPES = (
    "diplomatic_visit",
    "treaty",
    "condemnation",
    "exercise",
    "cma_suspension",
    "cma_restoration",
    "talks",
)


@dataclass(frozen=True)
class TimelineEvent:
    """A scheduled diplomatic or military event and its effect on backing and the CMA."""

    date: dt.date = param(unit="date", doc="day the event happens")
    type: str = param(unit="-", doc="kind of event", choices=TIMELINE_TYPES)
    actor: str = param(
        unit="-", doc="who acts (free text; for a CMA suspension 'ROK', 'DPRK' or 'both')"
    )
    backing_change: float = param(
        unit="index", doc="added to Russia-DPRK backing", lo=-1.0, hi=1.0, default=0.0
    )
    backing_at_least: float = param(
        unit="index 0-1", doc="backing is raised to at least this", default=0.0, **P
    )
    duration_days: float = param(unit="days", doc="length (exercises)", default=1.0, **NONNEG)
    note: str = param(unit="-", doc="what happened and the source", default="")


@dataclass(frozen=True)
class TimelineParams:
    """Scheduled events."""

    events: tuple[TimelineEvent, ...] = section("scheduled events, an array of tables")


@dataclass(frozen=True)
class Scenario:
    """One world: every parameter of every mechanism, resolved."""

    name: str = param(unit="-", doc="short name")
    description: str = param(unit="-", doc="the question this scenario answers")
    start_date: dt.date = param(unit="date", doc="day 0 of simulated time")
    end_date: dt.date = param(unit="date", doc="last simulated day (inclusive)")
    terrain: TerrainParams = section("calendar and terrain")
    construction: ConstructionParams = section("DPRK construction crews")
    mines: MinesParams = section("mine hazards")
    crossings: CrossingsParams = section("patrols and MDL crossings")
    response: ResponseParams = section("rules of engagement and responses")
    grayzone: GrayzoneParams = section("gray-zone moves")
    diplomacy: DiplomacyParams = section("diplomatic moves")
    escalation: EscalationParams = section("tension and the ladder")
    timeline: TimelineParams = section("scheduled events")

    @property
    def horizon_days(self) -> int:
        """Number of simulated days, start and end date included."""
        return (self.end_date - self.start_date).days + 1
