"""A batch's events, made ready in the worker: columns of small integer codes for the store and
the finished rows of ``events.csv``.

Doing this where the replications run keeps the main process to two bulk inserts per batch,
and ``events.csv`` is then the stored rows joined in replication order: no event is read back
and formatted again at the end, and a resumed run writes the same bytes as an uninterrupted one.
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
# The columns a batch sends for the store (a rung is its type's, so it needs none).
NUMERIC = ("id", "time", "tension", "killed", "injured", "cause", "injected")
CODED = ("type", "actor", "sector", "intent")  # type: TYPE_INDEX; the others: batch labels
_SPECIAL = frozenset(',"\r\n')
_POSITION = {name: j for j, name in enumerate(EVENT_FIELDS)}
_DTYPES = {"time": np.float64, "tension": np.float64, "injected": np.int8}


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
    """The events of a batch's replications, in replication then id order.

    ``columns`` holds one array per name of ``("replication", *NUMERIC, *CODED)``; ``actor``,
    ``sector`` and ``intent`` index into ``labels[name]`` (the batch's own tables, which the
    store maps onto its lookup tables) and ``type`` is the global ``TYPE_INDEX``. ``csv_rows``
    holds the ``events.csv`` text of each replication of ``replications``."""

    replications: tuple[int, ...]
    columns: dict[str, np.ndarray]
    labels: dict[str, tuple[str, ...]]
    csv_rows: tuple[str, ...]

    def __len__(self) -> int:
        return int(self.columns["id"].size)


class _Rows:
    """Formats events as CSV rows, caching the text of the fields that repeat."""

    def __init__(self, scenario: str) -> None:
        self.scenario = csv_cell(scenario)
        self.middle: dict[tuple, str] = {}  # (type, actor, sector, rung) -> their cells
        self.tail: dict[tuple, str] = {}  # (cameo, goldstein, injected, intent) -> cells

    def _middle(self, key: tuple) -> str:
        text = ",".join((*(csv_cell(k) for k in key[:3]), str(key[3])))
        self.middle[key] = text
        return text

    def _tail(self, key: tuple) -> str:
        cameo, goldstein, injected, intent = key
        text = f"{csv_cell(cameo)},{csv_number(goldstein)},{int(injected)},{csv_cell(intent)}"
        self.tail[key] = text
        return text

    def of(self, replication: int, events: Sequence[Event]) -> str:
        lead = f"{self.scenario},{replication},"
        middle, tail = self.middle, self.tail
        out = []
        append = out.append
        for e in events:  # the hot loop: time and tension as repr() writes them
            m = middle.get(e[2:6]) or self._middle(e[2:6])
            t = tail.get(e[10:14]) or self._tail(e[10:14])
            append(f"{lead}{e[0]},{e[1]!r},{m},{e[6]!r},{e[7]},{e[8]},{e[9]},{t}\r\n")
        text = "".join(out)
        # csv_value writes a whole number (1.0) as 1 and NaN as nothing, and a time that is
        # not a float (a numpy number) would show its type: redo the rare replication where
        # any of these may be (loosely: a name may hold such text as well)
        if ".0," in text or "(" in text or "nan" in text:
            return self._careful(replication, events)
        return text

    def _careful(self, replication: int, events: Sequence[Event]) -> str:
        lead = f"{self.scenario},{replication},"
        num = csv_number
        return "".join(
            f"{lead}{e[0]},{num(e[1])},{self.middle.get(e[2:6]) or self._middle(e[2:6])},"
            f"{num(e[6])},{e[7]},{e[8]},{e[9]},{self.tail.get(e[10:14]) or self._tail(e[10:14])}"
            "\r\n"
            for e in events
        )


class EventLog:
    """Builds a batch's ``EventBatch`` one replication at a time, so that each replication's
    events are coded and formatted while they are fresh and can be dropped at once."""

    def __init__(self, scenario: str) -> None:
        self.rows = _Rows(scenario)
        self.replications: list[int] = []
        self.texts: list[str] = []
        self.columns: list[list] = []  # per replication: EVENT_FIELDS columns, as tuples
        self.counts: list[int] = []

    def add(self, replication: int, events: Sequence[Event]) -> None:
        self.replications.append(replication)
        self.texts.append(self.rows.of(replication, events))
        self.counts.append(len(events))
        if events:
            self.columns.append(list(zip(*events, strict=True)))

    def finish(self) -> EventBatch:
        """The batch's events: columns joined, actor, sector and intent coded."""
        total = sum(self.counts)

        def field(name: str) -> Iterator[Any]:
            j = _POSITION[name]
            return itertools.chain.from_iterable(cols[j] for cols in self.columns)

        columns = {"replication": np.repeat(np.array(self.replications, np.int64), self.counts)}
        columns |= {k: np.fromiter(field(k), _DTYPES.get(k, np.int64), total) for k in NUMERIC}
        columns["type"] = np.fromiter(map(TYPE_INDEX.__getitem__, field("type")), np.int16, total)
        labels = {}
        for k in CODED[1:]:
            columns[k], labels[k] = _codes(list(field(k)))
        return EventBatch(tuple(self.replications), columns, labels, tuple(self.texts))


def _codes(values: Sequence[str]) -> tuple[np.ndarray, tuple[str, ...]]:
    labels = tuple(sorted(set(values)))
    index = {label: i for i, label in enumerate(labels)}
    return np.fromiter(map(index.__getitem__, values), np.int16, len(values)), labels


def encode(scenario: str, logs: Sequence[tuple[int, Sequence[Event]]]) -> EventBatch:
    """The events of ``(replication, events)`` pairs as codes and CSV rows."""
    log = EventLog(scenario)
    for replication, events in logs:
        log.add(replication, events)
    return log.finish()
