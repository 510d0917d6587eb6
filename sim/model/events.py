"""Event types, the escalation ladder and the event record every process emits.

Each event type maps to a CAMEO code and its Goldstein weight (from ``sim/data/goldstein.csv``,
GDELT's table of Goldstein 1992), so simulated streams can be set beside real event data.
Tension moves by the Goldstein weight of events between the two Koreas (and the activists);
third-party events (a Russian visit, a G7 statement) act through backing and restraint instead.
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


class EventType(NamedTuple):
    name: str
    rung: int
    cameo: str  # "" for events that are not interactions (accidents, weather)
    goldstein: float
    dyadic: bool  # moves inter-Korean tension
    description: str


_TYPES = [
    # Terrain and construction
    EventType("heavy_rain", 0, "", 0.0, False, "monsoon rain episode; mines shift"),
    EventType(
        "fortification_work", 1, "154", -7.2, True, "DPRK guard post, wall or barrier reported"
    ),
    EventType("mine_blast", 0, "", 0.0, False, "mine blast among DPRK work crews"),
    EventType("blame_statement", 0, "112", -2.0, True, "DPRK blames the South for a blast"),
    # Crossings and rules of engagement
    EventType("mdl_crossing_undetected", 0, "", 0.0, False, "inadvertent crossing nobody saw"),
    EventType("mdl_crossing", 2, "128", -5.0, True, "DPRK soldiers cross the MDL (detected)"),
    EventType("warning_broadcast", 2, "100", -5.0, True, "ROK broadcast ordering a retreat"),
    EventType("warning_shots", 3, "138", -7.0, True, "warning shots"),
    EventType("retreat", 2, "0874", 10.0, True, "crossers withdraw behind the MDL"),
    EventType("hold_position", 3, "150", -7.2, True, "crossers hold their ground"),
    # Gray zone
    EventType("leaflet_launch", 1, "111", -2.0, True, "activist leaflet balloons go north"),
    EventType("balloon_wave", 1, "128", -5.0, True, "DPRK trash-balloon wave"),
    EventType("loudspeaker_broadcast", 1, "130", -4.4, True, "ROK loudspeaker broadcast"),
    EventType("noise_broadcast", 1, "111", -2.0, True, "DPRK noise broadcast"),
    EventType("gps_jamming", 1, "170", -7.0, True, "DPRK GPS jamming"),
    EventType("threat_statement", 0, "138", -7.0, True, "threat to use military force"),
    EventType("fire_at_speakers", 4, "190", -10.0, True, "DPRK fires at the loudspeakers"),
    # Shows of force and the armed ladder
    EventType("show_of_force", 2, "150", -7.2, True, "artillery or live-fire drill near the line"),
    EventType("protest", 0, "114", -2.0, True, "official complaint"),
    EventType("small_arms_exchange", 4, "193", -10.0, True, "exchange of small-arms fire"),
    EventType("artillery_exchange", 5, "194", -10.0, True, "exchange of artillery fire"),
    EventType("limited_strike", 6, "195", -10.0, True, "limited strikes"),
    EventType("general_war", 7, "190", -10.0, True, "general war"),
    # Diplomacy
    EventType("diplomatic_visit", 0, "042", 1.9, False, "state visit"),
    EventType("treaty", 0, "057", 8.0, False, "treaty signed"),
    EventType("condemnation", 0, "111", -2.0, False, "G7 or UN condemnation"),
    EventType("exercise", 0, "152", -7.2, True, "US-ROK exercise begins"),
    EventType("cma_suspension", 0, "161", -4.0, True, "a side suspends the CMA"),
    EventType("cma_restoration", 0, "057", 8.0, True, "the CMA is restored"),
    EventType("talks_offer", 0, "036", 4.0, True, "offer to meet"),
    EventType("talks", 0, "046", 7.0, True, "military talks held"),
    EventType("hotline_contact", 0, "041", 1.0, True, "hotline call defuses a chain"),
]

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

    A named tuple rather than a frozen dataclass: as immutable, and five times cheaper to make.
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


EVENT_FIELDS = Event._fields
