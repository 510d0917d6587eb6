"""An observed record of events (a CSV such as ``sim/data/events_2023-11_to_2024-06.csv``) read
through the mapping of record types to model event types (``sim/data/record_types.csv``).

The record says what happened; the mapping says which record types stand for which model event
types and whether the record counts them exhaustively. From both come the observed figures of a
window (counts per month of the exhaustively counted types, the highest rung, whether fire was
exchanged) and the pre-window figures the persistence baseline needs.

Rules (also in the mapping file's header): one row is one event (the ``count`` column holds sizes,
not numbers of events); a row with a model type whose ``response`` mentions warning shots is also
one warning_shots event on its date; the highest rung is the highest model rung of every row with
a model type, so it is exact from rung 3 up (every type on rung 3 or more is counted at least as an
occurrence) and a lower bound below (gray-zone work and drills go partly unreported).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sim.errors import InputError
from sim.model.calendar import month_end, months_between
from sim.model.events import EVENT_TYPES, FIRST_ARMED_RUNG, TYPE_NAMES

DATA = Path(__file__).resolve().parent.parent / "data"
MAPPING_PATH = DATA / "record_types.csv"
COLUMNS = (
    "date",
    "event_type",
    "actor",
    "count",
    "casualties_killed",
    "casualties_injured",
    "response",
    "source",
    "confidence",
    "notes",
)
MAPPING_COLUMNS = ("record_type", "model_type", "exhaustive", "note")
YES, OCCURRENCE, NO, SCHEDULED = "yes", "occurrence", "no", "scheduled"
STATUSES = (YES, OCCURRENCE, NO, SCHEDULED)
WARNING_SHOTS = "warning_shots"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# "warning shots", "warning-shot", "warning fire"; not when negated just before ("no warning shots")
_SHOTS = re.compile(r"warning[\s-]+(shots?|fire)\b", re.I)
_NEGATED = re.compile(r"\b(no|not|without|never)\s+(\w+\s+){0,2}$", re.I)


@dataclass(frozen=True)
class RecordType:
    """One row of the mapping: a record type, its model type ("" if none) and its status."""

    record_type: str
    model_type: str
    exhaustive: str  # one of STATUSES
    note: str


@dataclass(frozen=True)
class Row:
    """One row of a record, as the scores use it."""

    line: int
    date: dt.date
    record_type: str
    model_type: str  # "" if the model has no such event
    status: str
    warning_shots: bool  # the response mentions warning shots


def parse_date(text: str, source: str, key: str | None) -> dt.date:
    """A YYYY-MM-DD date, or an InputError naming ``source`` and ``key``."""
    value = text.strip()
    if _DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise InputError(source, key, text, "must be a date YYYY-MM-DD")


def mentions_warning_shots(text: str) -> bool:
    """Whether a response text reports warning shots (and does not deny them)."""
    for m in _SHOTS.finditer(text or ""):
        if not _NEGATED.search(text[: m.start()]):
            return True
    return False


def _read_csv(
    path: Path, option: str, what: str, columns: Sequence[str]
) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs of a CSV file that has ``columns`` (lines starting with '#'
    before the header are comments). Every way the file can fail to be such a CSV is an
    InputError naming ``option`` (the command-line option that gave the file) and the file."""
    name = str(path)

    def fail(why: str) -> InputError:
        return InputError(option, None, name, why)

    if not path.exists():
        raise fail(f"no such file; {what} is a CSV file")
    if path.is_dir():
        raise fail(f"is a folder; {what} is a CSV file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise fail(f"is not a UTF-8 text file; {what} is a CSV file") from None
    except OSError as err:
        raise fail(f"cannot be read ({err.strerror})") from None
    if "\0" in text:
        raise fail(f"is a binary file; {what} is a CSV file")
    lines = text.splitlines(keepends=True)
    skipped = 0
    while skipped < len(lines) and lines[skipped].lstrip().startswith("#"):
        skipped += 1
    reader = csv.DictReader(lines[skipped:])
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in columns if c not in header]
        if missing:
            raise fail(
                f"lacks the column(s) {', '.join(missing)}; {what} has the columns "
                + ",".join(columns)
            )
        reader.fieldnames = header
        rows = []
        for row in reader:
            line = reader.line_num + skipped
            if None in row:  # more cells than columns
                raise InputError(
                    f"{name} line {line}",
                    None,
                    len(header) + len(row[None]),  # type: ignore[index]
                    f"cells; the header has {len(header)} columns",
                )
            rows.append((line, {k: (v or "") for k, v in row.items()}))
    except csv.Error as err:
        raise fail(f"is not a readable CSV file ({err})") from None
    return rows


def load_mapping(path: str | Path | None = None) -> dict[str, RecordType]:
    """The mapping of record types to model event types (default: the shipped one)."""
    path = Path(path) if path is not None else MAPPING_PATH
    rows = _read_csv(path, "--mapping", "a mapping of record types", MAPPING_COLUMNS)
    out: dict[str, RecordType] = {}
    for line, row in rows:
        where = f"{path} line {line}"
        rtype, mtype = row["record_type"].strip(), row["model_type"].strip()
        status = row["exhaustive"].strip().lower()
        if not rtype:
            raise InputError(where, "record_type", rtype, "must not be empty")
        if rtype in out:
            raise InputError(where, "record_type", rtype, "appears twice; give each type once")
        if mtype and mtype not in EVENT_TYPES:
            raise InputError(
                where, "model_type", mtype, "not a model event type (sim/model/events.py) nor blank"
            )
        if status not in STATUSES:
            raise InputError(where, "exhaustive", status, "must be one of " + ", ".join(STATUSES))
        if not mtype and status != NO:
            raise InputError(where, "exhaustive", status, "must be 'no' without a model_type")
        out[rtype] = RecordType(rtype, mtype, status, row["note"].strip())
    if not out:
        raise InputError("--mapping", None, str(path), "holds no record types")
    return out


class Record:
    """An observed record read through a mapping; every query takes a window of days (both
    ends included)."""

    def __init__(
        self, path: Path, mapping_path: Path, mapping: dict[str, RecordType], rows: Iterable[Row]
    ) -> None:
        self.path = path
        self.mapping_path = mapping_path
        self.mapping = mapping
        self.rows: tuple[Row, ...] = tuple(sorted(rows, key=lambda r: (r.date, r.line)))
        self.first_day: dt.date = self.rows[0].date
        self.last_day: dt.date = self.rows[-1].date

    # --- what the record counts ------------------------------------------------------------
    def exhaustive_types(self) -> tuple[str, ...]:
        """Model event types the record counts exhaustively (mapped with exhaustive = yes), in
        the order of ``TYPE_NAMES``."""
        yes = {t.model_type for t in self.mapping.values() if t.exhaustive == YES}
        return tuple(t for t in TYPE_NAMES if t in yes)

    def unscored_types(self) -> tuple[str, ...]:
        """Model types the mapping names whose counts are not scored (not exhaustive,
        occurrence only, or scheduled), in the order of ``TYPE_NAMES``."""
        named = {t.model_type for t in self.mapping.values() if t.model_type}
        return tuple(t for t in TYPE_NAMES if t in named and t not in self.exhaustive_types())

    def _between(self, first: dt.date, last: dt.date) -> list[Row]:
        return [r for r in self.rows if first <= r.date <= last]

    def events(self, first: dt.date, last: dt.date) -> list[tuple[dt.date, str]]:
        """(date, model type) of every counted event in the window: rows of exhaustive types,
        and the warning shots reported in the response of a row that has a model type."""
        shots_counted = WARNING_SHOTS in self.exhaustive_types()
        out = []
        for r in self._between(first, last):
            if r.status == YES:
                out.append((r.date, r.model_type))
            if shots_counted and r.warning_shots and r.model_type not in ("", WARNING_SHOTS):
                out.append((r.date, WARNING_SHOTS))
        return out

    def counts(self, first: dt.date, last: dt.date) -> dict[str, int]:
        """Events of each exhaustive type in the window (zeros included)."""
        out = dict.fromkeys(self.exhaustive_types(), 0)
        for _, t in self.events(first, last):
            out[t] += 1
        return out

    def monthly_counts(self, first: dt.date, last: dt.date) -> dict[str, dict[str, int]]:
        """``{"YYYY-MM": {model_type: count}}`` of the exhaustive types, every month of the
        window present (zeros filled); the first and last months hold only the window's days."""
        out = {m: dict.fromkeys(self.exhaustive_types(), 0) for m in months_between(first, last)}
        for day, t in self.events(first, last):
            out[f"{day:%Y-%m}"][t] += 1
        return out

    # --- how high it went ------------------------------------------------------------------
    def highest_rung(self, first: dt.date, last: dt.date) -> int:
        """The highest model rung of the window's rows that have a model type (any status),
        warning shots in a response counting at the warning-shots rung; 0 without such rows."""
        top = 0
        for r in self._between(first, last):
            if r.model_type:
                top = max(top, EVENT_TYPES[r.model_type].rung)
                if r.warning_shots:
                    top = max(top, EVENT_TYPES[WARNING_SHOTS].rung)
        return top

    def any_fire(self, first: dt.date, last: dt.date) -> bool:
        """Whether fire was exchanged in the window (a row on rung FIRST_ARMED_RUNG or above)."""
        return self.highest_rung(first, last) >= FIRST_ARMED_RUNG

    def monthly_rungs(self, first: dt.date, last: dt.date) -> dict[str, int]:
        """The highest rung of each calendar month of the window (clipped to the window)."""
        out = {}
        for m in months_between(first, last):
            start = max(first, dt.date.fromisoformat(f"{m}-01"))
            out[m] = self.highest_rung(start, min(last, month_end(start)))
        return out

    # --- before a window ---------------------------------------------------------------------
    def pre_window(self, start: dt.date, window_first: dt.date) -> tuple[dt.date, dt.date] | None:
        """The part of the record before a window: from the later of the record's first day
        and ``start`` (the scenario's start date) to the day before ``window_first``; None if
        that is empty (the window starts at the record's start: there is no past to persist)."""
        first = max(self.first_day, start)
        last = window_first - dt.timedelta(days=1)
        return (first, last) if first <= last else None

    def daily_rates(self, first: dt.date, last: dt.date) -> dict[str, float]:
        """Events per day of each exhaustive type over a span (the persistence rates)."""
        days = (last - first).days + 1
        return {t: n / days for t, n in self.counts(first, last).items()}


def load_record(path: str | Path, mapping: str | Path | None = None) -> Record:
    """Read and check an observed record. Every fault is an InputError of one line naming the
    file, the line, the column and the value: a missing or unreadable file, missing columns, a
    bad date, an event type the mapping (default ``sim/data/record_types.csv``) lacks."""
    path = Path(path)
    mapping_path = Path(mapping) if mapping is not None else MAPPING_PATH
    types = load_mapping(mapping_path)
    raw = _read_csv(path, "--observed", "an observed record", COLUMNS)
    rows = []
    for line, row in raw:
        where = f"{path} line {line}"
        day = parse_date(row["date"], where, "date")
        name = row["event_type"].strip()
        if name not in types:
            raise InputError(
                where,
                "event_type",
                name,
                f"not a record type of {mapping_path}; add a row for it there "
                "(record_type,model_type,exhaustive,note) or give your own with --mapping",
            )
        t = types[name]
        rows.append(
            Row(
                line, day, name, t.model_type, t.exhaustive, mentions_warning_shots(row["response"])
            )
        )
    if not rows:
        raise InputError("--observed", None, str(path), "holds no events; a record needs a row")
    return Record(path, mapping_path, types, rows)
