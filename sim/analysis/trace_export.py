"""One replication's event log: printed a line per event, or exported as rows (every field of
an event, its date and the chain of events that caused it) in JSON or CSV, to a file or to
stdout (``-``).

Targets are checked before anything is simulated, and a target that cannot be written (a
folder, a read-only place) is an :class:`~sim.errors.InputError`: one line, exit status 2.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from sim.errors import InputError
from sim.experiment.outputs import atomic_open, csv_value
from sim.model.events import EVENT_FIELDS, Event

TRACE_FIELDS = (*EVENT_FIELDS, "date", "causes")  # the columns of an exported trace
STDOUT = "-"
_TYPES = {"id": int, "time": float, "rung": int, "tension": float, "killed": int,
          "injured": int, "cause": int, "goldstein": float}  # fmt: skip


def causes(event: Event, by_id: Mapping[int, Event]) -> list[int]:
    """Ids of the events that led to ``event``: its cause first, the root last."""
    chain = []
    cause = event.cause
    while cause >= 0 and cause not in chain:
        chain.append(cause)
        cause = by_id[cause].cause if cause in by_id else -1
    return chain


def trace_rows(events: Sequence[Event], start_date: dt.date) -> list[dict[str, Any]]:
    """A row per event: its fields, its date and time (``YYYY-MM-DDTHH:MM:SS``, day 0 at
    midnight of ``start_date``) and ``causes`` (ids, nearest first)."""
    by_id = {e.id: e for e in events}
    origin = dt.datetime.combine(start_date, dt.time())
    rows = []
    for e in events:
        row: dict[str, Any] = e._asdict()
        row["date"] = (origin + dt.timedelta(days=e.time)).isoformat(timespec="seconds")
        row["causes"] = causes(e, by_id)
        rows.append(row)
    return rows


def event_from_row(row: Mapping[str, Any]) -> Event:
    """The :class:`Event` of an exported row, from JSON (typed) or CSV (text) alike."""
    values = {}
    for name in EVENT_FIELDS:
        v = row[name]
        if name == "injected":
            v = v if isinstance(v, bool) else str(v).strip().lower() in ("1", "true")
        elif name in _TYPES:
            v = _TYPES[name](v)
        values[name] = v
    return Event(**values)


def check_target(
    flag: str, value: str, *, suffixes: Sequence[str] = (), stdout: bool = True
) -> None:
    """Refuse a target that cannot be written before anything runs: a folder, a file name
    with another suffix than ``suffixes``, or a place without a writable folder above it."""
    if value == STDOUT:
        if not stdout:
            raise InputError(flag, None, value, "needs a file name (an image is not for stdout)")
        return
    path = Path(value)
    if path.is_dir() or value.endswith(("/", os.sep)):
        raise InputError(flag, None, value, "is a folder; give a file name")
    if path.exists() and not path.is_file():  # a device or pipe is never replaced
        raise InputError(flag, None, value, "is not a regular file (a device or pipe)")
    if suffixes and path.suffix.lower() not in suffixes:
        raise InputError(flag, None, value, f"must end in {', '.join(suffixes)}")
    above = path.absolute().parent
    while not above.exists() and above != above.parent:
        above = above.parent
    if not above.is_dir() or not os.access(above, os.W_OK | os.X_OK):
        raise InputError(flag, None, value, f"cannot write there: {above} is not a writable folder")
    if path.exists() and not os.access(path, os.W_OK):
        raise InputError(flag, None, value, "cannot write there: the file is read-only")


@contextlib.contextmanager
def open_target(flag: str, value: str) -> Iterator[IO[str]]:
    """A text stream to write a trace to: stdout for ``-``, else the file, written whole or
    not at all (:func:`sim.experiment.outputs.atomic_open`); OSError becomes InputError."""
    if value == STDOUT:
        yield sys.stdout
        sys.stdout.flush()
        return
    try:
        with atomic_open(value, "w") as fh:
            yield fh
    except OSError as err:
        raise InputError(flag, None, value, f"cannot write: {err.strerror or err}") from None


def write_json(fh: IO[str], rows: Sequence[Mapping[str, Any]], about: Mapping[str, Any]) -> None:
    """``{...about, "fields": [...], "events": [row, ...]}``: one document, an event a line."""
    head = json.dumps({**about, "fields": list(TRACE_FIELDS)}, indent=1, default=str)
    body = ",\n".join("  " + json.dumps(dict(row), default=str) for row in rows)
    fh.write(head[:-2] + ',\n "events": [' + (f"\n{body}\n ]" if rows else "]") + "\n}\n")


def write_csv(fh: IO[str], rows: Sequence[Mapping[str, Any]]) -> None:
    """A header of :data:`TRACE_FIELDS`, then a row per event; ``causes`` as ids separated by
    spaces (nearest first), true/false as 1/0 and floats exactly (as events.csv has them)."""
    writer = csv.DictWriter(fh, fieldnames=list(TRACE_FIELDS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        cells = {k: csv_value(v) for k, v in row.items() if k != "causes"}
        cells["causes"] = " ".join(str(c) for c in row["causes"])
        writer.writerow(cells)


def log_lines(events: Sequence[Event], start_date: dt.date) -> Iterator[str]:
    """The event log ``dmzsim trace`` prints: a line per event (date, actor, type, sector,
    rung, tension, casualties, intent) with the chain of events that caused it."""
    by_id = {e.id: e for e in events}
    origin = dt.datetime.combine(start_date, dt.time())
    for ev in events:
        stamp = f"{origin + dt.timedelta(days=ev.time):%Y-%m-%d %H:%M}"
        casualties = f" killed {ev.killed} injured {ev.injured}" if ev.killed or ev.injured else ""
        where = f" [{ev.sector}]" if ev.sector else ""
        how = f"{ev.intent}, injected" if ev.injected else ev.intent
        line = (
            f"#{ev.id:<4} {stamp} day {ev.time:7.2f}  {ev.actor:<10} {ev.type}{where}"
            f"  rung {ev.rung}  tension {ev.tension:.2f}{casualties}  ({how})"
        )
        chain = [by_id[c] for c in causes(ev, by_id)]
        if chain:
            line += "  <- " + " <- ".join(
                f"#{c.id} {c.type}" + (" (injected)" if c.injected else "") for c in chain
            )
        yield line
