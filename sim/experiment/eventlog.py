"""A batch's events, made ready in the worker: fixed-width records of numbers and small integer
codes for the store, and the finished rows of ``events.csv``.

Doing this where the replications run leaves the main process one insert per replication, and
``events.csv`` is then the stored rows joined in replication order: no event is read back and
formatted again at the end, and a resumed run writes the same bytes as an uninterrupted one.
The rows are those ``csv.DictWriter`` wrote from the store before (``csv_value`` cells, CRLF
line ends, minimal quoting).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.model.events import EVENT_FIELDS, TYPE_INDEX, Event

CSV_HEADER = ",".join(("scenario", "replication", *EVENT_FIELDS)) + "\r\n"
# One stored event (packed, little-endian, 41 bytes): its numbers, then ``type`` (an index
# into TYPE_NAMES) and ``actor``, ``sector`` and ``intent``, each an index into a table of
# names (the batch's own in an EventBatch, the store's lookup tables once stored). A rung, a
# CAMEO code and a Goldstein weight are the type's, so they are not stored per event.
EVENT_RECORD = np.dtype(
    [("id", "<i4"), ("time", "<f8"), ("tension", "<f8"), ("killed", "<i4"), ("injured", "<i4")]
    + [("cause", "<i4"), ("type", "<i2"), ("actor", "<i2"), ("sector", "<i2"), ("intent", "<i2")]
    + [("injected", "u1")]
)
NUMERIC = ("id", "time", "tension", "killed", "injured", "cause", "injected")
LABELLED = ("actor", "sector", "intent")  # coded through a table of names of their own
_SPECIAL = frozenset(',"\r\n')
_POSITION = {name: j for j, name in enumerate(EVENT_FIELDS)}
# an event's row after ``scenario,replication,``: id, time, (type, actor, sector, rung),
# tension, killed, injured, cause, (cameo, goldstein, injected, intent); floats as repr()
_ROW = "%s,%r,%s,%r,%s,%s,%s,%s\r\n"


def csv_cell(text: str) -> str:
    """A string cell as the csv module writes it (QUOTE_MINIMAL)."""
    if _SPECIAL.isdisjoint(text):
        return text
    return '"' + text.replace('"', '""') + '"'


def csv_number(value: float) -> str:
    """A number cell as ``outputs.csv_value`` writes it: whole numbers without ``.0``, NaN
    empty."""
    value = float(value)
    if value != value:
        return ""
    text = repr(value)
    if text[-2:] == ".0":
        return "0" if text == "-0.0" else text[:-2]
    return text


@dataclass(frozen=True)
class EventBatch:
    """The events of a batch's replications: ``counts[i]`` events of ``replications[i]``, in
    that order and by id, as ``records`` (``EVENT_RECORD``; ``actor``, ``sector`` and
    ``intent`` index into ``labels[name]``, which the store maps onto its lookup tables), and
    ``csv_rows[i]``, the ``events.csv`` text of ``replications[i]``."""

    replications: tuple[int, ...]
    counts: tuple[int, ...]
    records: np.ndarray
    labels: dict[str, tuple[str, ...]]
    csv_rows: tuple[str, ...]

    def __len__(self) -> int:
        return int(self.records.size)


class _Rows:
    """Formats a replication's events as CSV rows from their columns, caching the text of the
    cells that repeat (an event's type, actor, sector, intent and what its type implies)."""

    def __init__(self, scenario: str) -> None:
        self.scenario = csv_cell(scenario)
        # (type, actor, sector, rung, cameo, goldstein, injected, intent) -> the text of the
        # first four and of the last four
        self.cells: dict[tuple, tuple[str, str]] = {}

    def _cells(self, key: tuple) -> tuple[str, str]:
        type_, actor, sector, rung, cameo, goldstein, injected, intent = key
        cells = (
            f"{csv_cell(type_)},{csv_cell(actor)},{csv_cell(sector)},{rung}",
            f"{csv_cell(cameo)},{csv_number(goldstein)},{int(injected)},{csv_cell(intent)}",
        )
        self.cells[key] = cells
        return cells

    def of(self, replication: int, columns: Sequence[tuple]) -> str:
        """The rows of one replication's events, given as ``EVENT_FIELDS`` columns."""
        ids, time, type_, actor, sector, rung, tension, killed, injured, cause, *tail = columns
        get, make = self.cells.get, self._cells
        keys = zip(type_, actor, sector, rung, *tail, strict=True)
        heads, tails = zip(*[get(k) or make(k) for k in keys], strict=True)
        cells = zip(ids, time, heads, tension, killed, injured, cause, tails, strict=True)
        row = f"{self.scenario},{replication},".replace("%", "%%") + _ROW
        text = "".join(map(row.__mod__, cells))
        # csv_value writes a whole number (1.0) as 1 and NaN as nothing, and a time that is
        # not a float (a numpy number) would show its type: redo the rare replication where
        # any of these may be (loosely: a name may hold such text as well)
        if ".0," in text or "(" in text or "nan" in text:
            return self._careful(replication, columns)
        return text

    def _careful(self, replication: int, columns: Sequence[tuple]) -> str:
        lead, num = f"{self.scenario},{replication},", csv_number
        get, make = self.cells.get, self._cells
        rows = []
        for e in zip(*columns, strict=True):
            head, tail = get(k := (*e[2:6], *e[10:14])) or make(k)
            rows.append(
                f"{lead}{e[0]},{num(e[1])},{head},{num(e[6])},{e[7]},{e[8]},{e[9]},{tail}\r\n"
            )
        return "".join(rows)


class EventLog:
    """Builds a batch's ``EventBatch`` one replication at a time, so that each replication's
    events are coded and formatted while they are fresh and can be dropped at once."""

    def __init__(self, scenario: str) -> None:
        self.rows = _Rows(scenario)
        self.replications: list[int] = []
        self.texts: list[str] = []
        self.columns: list[Sequence[tuple]] = []  # per replication with events: its columns
        self.counts: list[int] = []

    def add(self, replication: int, events: Sequence[Event]) -> None:
        self.replications.append(replication)
        self.counts.append(len(events))
        if not events:
            self.texts.append("")
            return
        columns = tuple(zip(*events, strict=True))
        self.texts.append(self.rows.of(replication, columns))
        self.columns.append(columns)

    def finish(self) -> EventBatch:
        """The batch's events as records, their actor, sector and intent coded."""
        total = sum(self.counts)

        def field(name: str) -> Iterator[Any]:
            j = _POSITION[name]
            return itertools.chain.from_iterable(cols[j] for cols in self.columns)

        records = np.empty(total, EVENT_RECORD)
        for k in NUMERIC:
            records[k] = np.fromiter(field(k), EVENT_RECORD[k], total)
        records["type"] = np.fromiter(map(TYPE_INDEX.__getitem__, field("type")), np.int16, total)
        labels = {}
        for k in LABELLED:
            records[k], labels[k] = _codes(list(field(k)))
        return EventBatch(
            tuple(self.replications), tuple(self.counts), records, labels, tuple(self.texts)
        )


def _codes(values: Sequence[str]) -> tuple[np.ndarray, tuple[str, ...]]:
    labels = tuple(sorted(set(values)))
    index = {label: i for i, label in enumerate(labels)}
    return np.fromiter(map(index.__getitem__, values), np.int16, len(values)), labels


def encode(scenario: str, logs: Sequence[tuple[int, Sequence[Event]]]) -> EventBatch:
    """The events of ``(replication, events)`` pairs as records and CSV rows."""
    log = EventLog(scenario)
    for replication, events in logs:
        log.add(replication, events)
    return log.finish()
