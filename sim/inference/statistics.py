"""The summary statistics a fit matches: the record's monthly counts, its qualitative facts,
and the outcomes of the historical episodes.

Every statistic is read from what the engine stores anyway (per replication and month, the
count of each event type and the highest rung), so a fit's simulations run through the
ordinary engine and store. A statistic is either a count (events of some types in some
months) or a flag (1 when a condition on the counts or the rung holds, else 0).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.experiment.store import Store
from sim.model.events import EVENT_TYPES, FIRST_ARMED_RUNG

ARTILLERY = EVENT_TYPES["artillery_exchange"].rung


@dataclass(frozen=True)
class Statistic:
    """One figure of the record or of an episode, and how a replication produces it.

    ``kind`` is ``count`` (events of ``types`` in months ``first``..``last``), ``at_least``
    (1 when that count is at least ``k``), ``rung_below`` (1 when the highest rung of those
    months is below ``k``) or ``rung_at_least`` (1 when it is at least ``k``).
    """

    name: str
    scenario: str  # the fit scenario it is read from: "window" or an episode's name
    kind: str
    first: str  # YYYY-MM
    last: str
    observed: float
    types: tuple[str, ...] = ()
    k: int = 0
    source: str = ""
    # A fact of a particular record applies only to a record that holds these rows
    # (record type, ISO date): the reports it rests on.
    evidence: tuple[tuple[str, str], ...] = ()

    @property
    def binary(self) -> bool:
        return self.kind != "count"

    def values(self, store: Store, scenario_name: str) -> np.ndarray:
        """Per stored replication (in replication order), the statistic's value."""
        counts, top = store.window(scenario_name, self.first, self.last, self.types)
        if self.kind == "count":
            return counts.astype(np.float64)
        if self.kind == "at_least":
            return (counts >= self.k).astype(np.float64)
        if self.kind == "rung_below":
            return (top < self.k).astype(np.float64)
        return (top >= self.k).astype(np.float64)


def _month(d: dt.date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


# --- the record --------------------------------------------------------------------------------
def record_statistics(record: object, first: dt.date, last: dt.date) -> list[Statistic]:
    """Monthly counts of each type the record counts exhaustively, and the facts it states
    about the window (``record`` is a ``sim.analysis.record.Record``)."""
    monthly = record.monthly_counts(first, last)  # type: ignore[attr-defined]
    out = [
        Statistic(
            f"{month} {kind}",
            "window",
            "count",
            month,
            month,
            float(n),
            (kind,),
            source="record: every event of the type is reported",
        )
        for month, counts in monthly.items()
        for kind, n in sorted(counts.items())
    ]
    a, b = _month(first), _month(last)
    fire = record.any_fire(first, last)  # type: ignore[attr-defined]
    out.append(
        Statistic(
            "no exchange of fire in the window",
            "window",
            "rung_below",
            a,
            b,
            0.0 if fire else 1.0,
            k=FIRST_ARMED_RUNG,
            source="record: any exchange of fire would be reported",
        )
    )
    held = {(r.record_type, r.date.isoformat()) for r in record.rows}  # type: ignore[attr-defined]
    out += [f for f in RECORD_FACTS if a <= f.first and f.last <= b and set(f.evidence) <= held]
    return out


# Facts of the 2023-11..2024-06 record that the monthly counts of reported types do not carry
# (sim/data/events_2023-11_to_2024-06.csv), each applied when the record holds the rows it
# rests on. Months are whole: the blasts were reported by 2024-06-18, and the model's count to
# the end of June stands in for it.
RECORD_FACTS = (
    Statistic(
        "mine blasts among DPRK crews: 'several' (>= 3) by June 2024",
        "window",
        "at_least",
        "2023-11",
        "2024-06",
        1.0,
        ("mine_blast",),
        3,
        "record 2024-06-18 mine_explosion_report: 'several/multiple' explosions",
        (("mine_explosion_report", "2024-06-18"),),
    ),
    Statistic(
        "June 2024 retreats (each crossing ended so)",
        "window",
        "count",
        "2024-06",
        "2024-06",
        3.0,
        ("retreat",),
        source="record 2024-06-09/18/20 mdl_crossing: the soldiers withdrew (warning shots, which "
        "answered each, are counted from the record's response column)",
        evidence=tuple(("mdl_crossing", d) for d in ("2024-06-09", "2024-06-18", "2024-06-20")),
    ),
)


# --- the episodes (shared/data/episodes_2010-2020.md) ------------------------------------------
EPISODE_STATISTICS = {
    "aug2015": (
        Statistic(
            "aug2015: artillery exchange within 30 days",
            "aug2015",
            "rung_at_least",
            "2015-08",
            "2015-09",
            1.0,
            k=ARTILLERY,
            source="episodes 2015-08-20: DPRK shells, ROK returns dozens of 155 mm rounds",
        ),
        Statistic(
            "aug2015: no war",
            "aug2015",
            "rung_below",
            "2015-08",
            "2015-09",
            1.0,
            k=EVENT_TYPES["general_war"].rung,
            source="episodes 2015-08-25: agreement",
        ),
    ),
    "oct2014": (
        Statistic(
            "oct2014: an exchange of small-arms fire",
            "oct2014",
            "at_least",
            "2014-10",
            "2014-10",
            1.0,
            ("small_arms_exchange",),
            1,
            "episodes 2014-10-10 and 10-19: two exchanges of fire",
        ),
        Statistic(
            "oct2014: no artillery",
            "oct2014",
            "rung_below",
            "2014-10",
            "2014-10",
            1.0,
            k=ARTILLERY,
            source="episodes 2014-10: machine guns and rifles only",
        ),
    ),
    "jun2020": (
        Statistic(
            "jun2020: a demolition",
            "jun2020",
            "at_least",
            "2020-05",
            "2020-06",
            1.0,
            ("demolition",),
            1,
            "episodes 2020-06-16: the liaison office blown up",
        ),
        Statistic(
            "jun2020: no fire",
            "jun2020",
            "rung_below",
            "2020-05",
            "2020-06",
            1.0,
            k=FIRST_ARMED_RUNG,
            source="episodes 2020-06-23: military action plans suspended",
        ),
    ),
    "nov2017": (
        Statistic(
            "nov2017: an exchange of fire",
            "nov2017",
            "at_least",
            "2017-11",
            "2017-12",
            0.0,
            ("small_arms_exchange",),
            1,
            "episodes 2017-11-13: ROK and US guards did not return fire",
        ),
    ),
}
EPISODES = tuple(EPISODE_STATISTICS)


def statistic_matrix(
    stats: Sequence[Statistic], store: Store, names: dict[str, str], rows: int, per_row: int
) -> np.ndarray:
    """Per parameter set, replication and statistic: values (rows, per_row, statistics).

    ``names`` maps a statistic's fit scenario ("window", an episode) to its stored name."""
    out = np.empty((rows, per_row, len(stats)))
    for j, st in enumerate(stats):
        v = st.values(store, names[st.scenario])
        out[:, :, j] = v[: rows * per_row].reshape(rows, per_row)
    return out
