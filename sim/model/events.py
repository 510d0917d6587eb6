"""Event types, the escalation ladder and the event record every process emits.

Each event type maps to a CAMEO code and its Goldstein weight (from ``sim/data/goldstein.csv``,
GDELT's table of Goldstein 1992), so simulated streams can be set beside real event data.
Tension does not follow the Goldstein weight (which saturates at -10 for any fire): an
inter-Korean *conflict* event adds a weight that grows with its rung, a *relief* event (talks,
an agreement, a leader's suspension) removes a share that grows with its Goldstein weight, and
*procedural* steps (a warning broadcast, a retreat, an accident nobody blames) move nothing.
So tension never falls when escalation rises (ODD 7.10).
"""

from __future__ import annotations

from typing import NamedTuple

# The escalation ladder. Rung 7 ends a replication by default (escalation.terminal_rung).
RUNGS = (
    "routine",
    "gray-zone harassment",
    "border incident",
    "warning shots",
    "small-arms exchange",
    "artillery exchange",
    "limited strikes",
    "general war",
)
FIRST_ARMED_RUNG = 4  # an exchange of fire begins at rung 4

# How an event moves tension.
CONFLICT = "conflict"  # adds tension_unit * tension_growth_per_rung ** rung
RELIEF = "relief"  # multiplies tension by exp(-relief_per_goldstein * goldstein)
NONE = "none"  # third-party, procedural or unseen: no effect

# Why an event happened, inherited along cause links: the roots of escalation.
ACCIDENT = "accident"  # an inadvertent incident read as such (a lost crew, a displaced mine)
DELIBERATE = "deliberate"  # a chosen act, or a reaction to one
MISREAD = "misread"  # an inadvertent incident the other side took for a deliberate one
INTENTS = (DELIBERATE, MISREAD, ACCIDENT)


class EventType(NamedTuple):
    name: str
    rung: int
    cameo: str  # "" for events that are not interactions (accidents, weather)
    goldstein: float
    tension: str  # CONFLICT, RELIEF or NONE
    description: str


C, R, N = CONFLICT, RELIEF, NONE
_TYPES = [
    # Terrain and construction
    EventType("heavy_rain", 0, "", 0.0, N, "monsoon rain episode; mines shift"),
    EventType("fortification_work", 1, "154", -7.2, C, "DPRK guard post, wall or barrier reported"),
    EventType(
        "mine_blast", 0, "", 0.0, N, "mine blast; the actor is the side whose troops are hit"
    ),
    EventType("blame_statement", 0, "112", -2.0, C, "a side blames the other for a mine blast"),
    # Crossings and rules of engagement
    EventType("mdl_crossing_undetected", 0, "", 0.0, N, "crossing nobody saw"),
    EventType("mdl_crossing", 2, "128", -5.0, C, "DPRK soldiers cross the MDL (detected)"),
    EventType("warning_broadcast", 2, "100", -5.0, N, "ROK broadcast ordering a retreat"),
    EventType("warning_shots", 3, "138", -7.0, C, "warning shots"),
    EventType("retreat", 2, "0874", 10.0, N, "crossers withdraw behind the MDL"),
    EventType("hold_position", 3, "150", -7.2, C, "crossers hold their ground"),
    EventType(
        "fire_at_defector", 4, "190", -10.0, C, "DPRK guards fire across the MDL at a defector"
    ),
    # Gray zone
    EventType("leaflet_launch", 1, "111", -2.0, C, "activist leaflet balloons go north"),
    EventType("balloon_wave", 1, "128", -5.0, C, "DPRK trash-balloon wave"),
    EventType("loudspeaker_broadcast", 1, "130", -4.4, C, "ROK loudspeaker broadcast"),
    EventType("noise_broadcast", 1, "111", -2.0, C, "DPRK noise broadcast"),
    EventType("gps_jamming", 1, "170", -7.0, C, "DPRK GPS jamming"),
    EventType("threat_statement", 0, "138", -7.0, C, "threat to use military force"),
    EventType("fire_at_speakers", 5, "194", -10.0, C, "DPRK fires guns at the loudspeakers"),
    EventType(
        "fire_at_balloons", 4, "190", -10.0, C, "DPRK fires at leaflet balloons; rounds land south"
    ),
    EventType(
        "demolition", 2, "1712", -9.2, C, "DPRK blows up an inter-Korean facility on its side"
    ),
    # Shows of force and the armed ladder
    EventType("show_of_force", 2, "150", -7.2, C, "artillery or live-fire drill near the line"),
    EventType("protest", 0, "114", -2.0, C, "official complaint"),
    EventType("small_arms_exchange", 4, "193", -10.0, C, "exchange of small-arms fire"),
    EventType(
        "artillery_barrage", 5, "194", -10.0, C, "artillery fired at the other side's forces"
    ),
    EventType("artillery_exchange", 5, "194", -10.0, C, "exchange of artillery fire"),
    EventType("limited_strike", 6, "195", -10.0, C, "limited strikes"),
    EventType("general_war", 7, "190", -10.0, C, "general war"),
    # Postures changed by decision or by state; each change is an event
    EventType("speakers_raised", 1, "130", -4.4, C, "ROK raises its loudspeaker posture"),
    EventType("speakers_lowered", 0, "08", 5.0, R, "ROK lowers its loudspeaker posture"),
    EventType("roe_changed", 0, "014", 0.0, N, "ROK changes its rules of engagement"),
    EventType("hotline_cut", 0, "161", -4.0, C, "a side cuts the inter-Korean lines"),
    EventType("hotline_restored", 0, "050", 3.5, R, "the inter-Korean lines work again"),
    EventType("leaflets_stopped", 0, "", 0.0, N, "Seoul stops the activists' launches"),
    EventType("leaflets_allowed", 0, "", 0.0, N, "Seoul lets the activists launch again"),
    EventType("crews_changed", 0, "154", -7.2, N, "DPRK changes the crews or work in a sector"),
    EventType("backing_changed", 0, "", 0.0, N, "Russia-DPRK backing changes"),
    # Diplomacy and crisis diplomacy
    EventType("diplomatic_visit", 0, "042", 1.9, N, "state visit"),
    EventType("treaty", 0, "057", 8.0, N, "treaty signed"),
    EventType("condemnation", 0, "111", -2.0, N, "G7 or UN condemnation"),
    EventType("exercise", 0, "152", -7.2, C, "US-ROK exercise begins"),
    EventType("cma_suspension", 0, "161", -4.0, C, "a side suspends the CMA"),
    EventType("cma_restoration", 0, "057", 8.0, R, "the CMA is restored"),
    EventType("talks_offer", 0, "036", 4.0, N, "offer to meet (relief comes when talks open)"),
    EventType("talks", 0, "046", 7.0, R, "military talks open"),
    EventType("agreement", 0, "057", 8.0, R, "talks end in an agreement"),
    EventType("regret", 0, "055", 7.0, R, "DPRK expresses regret (a term of an agreement)"),
    EventType("hotline_contact", 0, "041", 1.0, R, "hotline call defuses a chain"),
    EventType("ultimatum", 0, "139", -7.0, C, "a demand with a deadline and a threatened act"),
    EventType(
        "ultimatum_lapsed", 0, "08", 5.0, R, "a deadline passes and the threat is not carried out"
    ),
    EventType(
        "leader_suspension", 0, "0356", 7.0, R, "DPRK's leader suspends military action plans"
    ),
]
del C, R, N

EVENT_TYPES: dict[str, EventType] = {t.name: t for t in _TYPES}
TYPE_NAMES: tuple[str, ...] = tuple(EVENT_TYPES)
TYPE_INDEX: dict[str, int] = {n: i for i, n in enumerate(TYPE_NAMES)}

# The armed ladder used by action-reaction chains: a mirror answers on the same rung,
# an escalation one rung up.
LADDER_TYPE = {
    2: "show_of_force",
    3: "warning_shots",
    4: "small_arms_exchange",
    5: "artillery_exchange",
    6: "limited_strike",
    7: "general_war",
}


class Event(NamedTuple):
    """One recorded event. ``cause`` is the id of the event that provoked it (-1: none).

    ``injected`` marks an incident the scenario's timeline scheduled rather than a mechanism
    drew; ``intent`` says whether the chain it belongs to began with a deliberate act, an
    accident, or an accident the other side misread (ODD 7.16). A named tuple rather than a
    frozen dataclass: as immutable, and five times cheaper to make.
    """

    id: int
    time: float  # days since the scenario start
    type: str
    actor: str
    sector: str
    rung: int
    tension: float  # tension right after the event
    killed: int
    injured: int
    cause: int
    cameo: str
    goldstein: float
    injected: bool
    intent: str


EVENT_FIELDS = Event._fields
