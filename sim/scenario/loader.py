"""Scenario files: read TOML (with ``extends``), apply ``--set`` overrides, build and validate.

Every bad input becomes one :class:`~sim.errors.InputError` naming the file (or ``--set``),
the full dotted key, the offending value and what is allowed, so users never see a traceback.
The parameter tree is read from the dataclasses in :mod:`sim.scenario.params`: their fields,
types and metadata (unit, lo/hi, choices) are the single source of truth.
"""

from __future__ import annotations

import copy
import dataclasses as dc
import datetime as dt
import difflib
import functools
import math
import os
import re
import stat
import tomllib
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.scenario import bundled
from sim.scenario.params import (
    EARLIEST_DATE,
    LATEST_DATE,
    MAX_EVENTS,
    MAX_HORIZON_YEARS,
    MAX_SECTORS,
    ROES,
    SPEAKER_POSTURES,
    TIMELINE_KINDS,
    Scenario,
    SectorParams,
    TimelineEvent,
    timeline_fields,
)
from sim.scenario.priors import DISTRIBUTIONS, Prior

__all__ = [
    "apply_overrides",
    "build_scenario",
    "check_name",
    "check_scenario_file",
    "iter_parameters",
    "load_scenario",
    "load_variants",
    "check_value",
    "override_field",
    "read_toml",
    "resolve_extends",
    "merge_tables",
    "parameter_path_value",
    "scenario_to_dict",
    "scenario_to_toml",
]

BUNDLED = bundled.SCENARIOS  # the shipped scenarios (see sim.scenario.bundled)
REQUIRED = "required (set it here or in the scenario it extends)"
BAD_DATE = "not a valid date (YYYY-MM-DD)"
SECTORS_PATH = ("terrain", "sectors")
EVENTS_PATH = ("timeline", "events")
PRIORS = "priors"  # the table of priors, keyed by dotted path
WHOLE_ENTRIES = ((PRIORS,),)  # tables whose entries a later file replaces whole, not key by key
POSTURES = {"loudspeakers": SPEAKER_POSTURES, "roe": ROES}  # posture choices per event type

KeyPath = tuple[str | int, ...]  # a key path; ints index arrays of tables
_INDEX = re.compile(r"(\w+)\[(\d+)\]")  # "events[3]": an array of tables and an index


# --- the parameter tree ------------------------------------------------------------------------
_LEAF_KINDS = {bool: "bool", int: "int", float: "float", str: "str", dt.date: "date"}


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _fields(cls: type) -> dict[str, dc.Field]:
    return {f.name: f for f in dc.fields(cls)}


def _kind(cls: type, f: dc.Field) -> str:
    """How a field is written in TOML: a leaf type, a section, sectors or events."""
    hint = _hints(cls)[f.name]
    if dc.is_dataclass(hint):
        return "section"
    if typing.get_origin(hint) is tuple:
        item = typing.get_args(hint)[0]
        if item is SectorParams:
            return "sectors"
        if item is TimelineEvent:
            return "events"
        if item is Prior:
            return "priors"
        raise TypeError(f"unsupported tuple field {cls.__name__}.{f.name}")  # programming error
    leaf = _LEAF_KINDS.get(hint)
    if leaf:
        return leaf
    raise TypeError(f"unsupported field type {cls.__name__}.{f.name}: {hint!r}")


def _section_type(cls: type, f: dc.Field) -> type:
    return _hints(cls)[f.name]


def _leaf_fields(cls: type) -> Iterator[dc.Field]:
    """Fields of a sector or event that a file sets (a sector's name is its table key)."""
    for f in dc.fields(cls):
        if not (cls is SectorParams and f.name == "name"):
            yield f


def _own_fields(obj: Any) -> Iterator[dc.Field]:
    """The fields ``obj`` is written with: a timeline event's only those of its type."""
    if isinstance(obj, TimelineEvent):
        mine = timeline_fields(obj.type)
        yield from (f for f in dc.fields(TimelineEvent) if f.name in mine)
    else:
        yield from _leaf_fields(type(obj))


def iter_parameters(scenario: Scenario | None = None) -> Iterator[tuple[str, dc.Field]]:
    """Every leaf parameter by dotted path, in declaration order.

    Sector fields appear as ``terrain.sectors.<name>.<field>`` for each sector of ``scenario``,
    or as ``terrain.sectors.*.<field>`` without one; event fields as ``timeline.events[].<field>``.
    """

    def walk(cls: type, prefix: str) -> Iterator[tuple[str, dc.Field]]:
        for f in dc.fields(cls):
            kind = _kind(cls, f)
            path = f"{prefix}{f.name}"
            if kind == "section":
                yield from walk(_section_type(cls, f), path + ".")
            elif kind == "sectors":
                names = [s.name for s in scenario.terrain.sectors] if scenario else ["*"]
                for name in names:
                    for g in _leaf_fields(SectorParams):
                        yield f"{path}.{name}.{g.name}", g
            elif kind == "events":
                for g in _leaf_fields(TimelineEvent):
                    yield f"{path}[].{g.name}", g
            elif kind != "priors":  # priors describe parameters; they are none
                yield path, f

    yield from walk(Scenario, "")


def _parameters_of(s: Scenario) -> dict[str, tuple[KeyPath, str, dc.Field]]:
    """Every parameter of ``s`` but the timeline's, by dotted path: key path, kind and field
    (a sector's name is one key, dots and all)."""
    out: dict[str, tuple[KeyPath, str, dc.Field]] = {}

    def walk(cls: type, prefix: KeyPath) -> None:
        for f in dc.fields(cls):
            kind = _kind(cls, f)
            path = (*prefix, f.name)
            if kind == "section":
                walk(_section_type(cls, f), path)
            elif kind == "sectors":
                for sector in s.terrain.sectors:
                    for g in _leaf_fields(SectorParams):
                        key = (*path, sector.name, g.name)
                        out[".".join(key)] = (key, _kind(SectorParams, g), g)
            elif kind not in ("events", "priors"):
                out[".".join(path)] = (path, kind, f)

    walk(Scenario, ())
    return out


def _value_at(obj: Any, path: KeyPath) -> Any:
    """The value at a key path of ``_parameters_of`` (sectors picked by name)."""
    for key in path:
        if isinstance(obj, tuple):
            obj = next(item for item in obj if item.name == key)
        else:
            obj = getattr(obj, str(key))
    return obj


def _printable(key: str) -> str:
    """A key as shown in a one-line message: quoted when it holds line breaks or the like."""
    return key if key.isprintable() else repr(key)


def _dotted(path: KeyPath) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{_printable(part)}" if out else _printable(part)
    return out


def _did_you_mean(name: str, known: Sequence[str]) -> str:
    """ "; did you mean 'x'?" for the closest known name, or nothing."""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _unknown(what: str, name: str, known: Sequence[str]) -> str:
    hint = _did_you_mean(name, known)
    return f"unknown {what}{hint or ';'} known: {', '.join(known) or 'none'}"


# --- leaf values -------------------------------------------------------------------------------
def _number_phrase(f: dc.Field, whole: bool) -> str:
    lo, hi, unit = f.metadata.get("lo"), f.metadata.get("hi"), f.metadata.get("unit", "-")
    if whole:
        what = "a whole number"
    else:
        what = "a finite number" if lo is None and hi is None else "a number"
    if lo is not None and hi is not None:
        rng = f" in [{lo:g}, {hi:g}]"
    elif lo is not None:
        rng = f" >= {lo:g}"
    elif hi is not None:
        rng = f" <= {hi:g}"
    else:
        rng = ""
    return f"must be {what}{rng}" + (f" ({unit})" if unit and unit != "-" else "")


def _in_range(f: dc.Field, x: float) -> bool:
    lo, hi = f.metadata.get("lo"), f.metadata.get("hi")
    return (lo is None or x >= lo) and (hi is None or x <= hi)


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATE_RANGE = f"must be a date in [{EARLIEST_DATE.isoformat()}, {LATEST_DATE.isoformat()}]"


def _parse_date(value: Any) -> dt.date | None:
    """A TOML date, or a string in YYYY-MM-DD form; None when neither."""
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _years_after(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later (earlier when negative); 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


Fail = Callable[[Any, str], InputError]


def _convert_leaf(kind: str, f: dc.Field, value: Any, fail: Fail) -> Any:
    """``value`` checked and converted to the field's type; ``fail(value, allowed)`` on error."""
    if kind == "float":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        # the range first: math.isfinite overflows on a huge int (10**400), which it refuses
        if not ok or not _in_range(f, value) or not math.isfinite(value):
            raise fail(value, _number_phrase(f, whole=False))
        return float(value)
    if kind == "int":
        if not isinstance(value, int) or isinstance(value, bool) or not _in_range(f, value):
            raise fail(value, _number_phrase(f, whole=True))
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise fail(value, "must be true or false")
        return value
    if kind == "str":
        choices = f.metadata.get("choices")
        if choices and value not in choices:
            raise fail(value, "must be one of " + ", ".join(f"'{c}'" for c in choices))
        if not isinstance(value, str):
            raise fail(value, "must be text in quotes")
        return value
    if kind == "date":
        parsed = _parse_date(value)
        if parsed is None:
            raise fail(value, BAD_DATE)
        if not EARLIEST_DATE <= parsed <= LATEST_DATE:
            raise fail(parsed.isoformat(), DATE_RANGE)
        return parsed
    raise TypeError(f"not a leaf kind: {kind}")  # programming error


# --- building ----------------------------------------------------------------------------------
class _Brief:
    """A table or array shown cut short in a one-line error message."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        text = repr(self.value)
        return text if len(text) <= 80 else text[:76] + " ..."


class _Builder:
    """Builds the dataclass tree from a merged dict, blaming each error on the right source."""

    def __init__(
        self,
        source: str,
        origins: Mapping[KeyPath, str] | None = None,
        precedence: Sequence[str] = (),
    ) -> None:
        self.source = source
        self.origins = origins or {}
        self.precedence = list(precedence)  # sources, the one that wins last
        self.sector_names: list[str] = []  # filled when the sectors are built (before events)

    def origin(self, path: KeyPath) -> str:
        """The file (or ``--set``) that last set ``path`` or its nearest enclosing key."""
        for n in range(len(path), 0, -1):
            found = self.origins.get(path[:n])
            if found is not None:
                return found
        return self.source

    def later(self, a: KeyPath, b: KeyPath) -> bool:
        """Whether ``a`` was set by a later source than ``b`` (so ``a`` is to blame)."""
        rank = {src: i for i, src in enumerate(self.precedence)}
        return rank.get(self.origin(a), -1) > rank.get(self.origin(b), -1)

    def error(self, path: KeyPath, value: Any, allowed: str) -> InputError:
        if isinstance(value, dict | list):
            value = _Brief(value)
        return InputError(self.origin(path), _dotted(path) or None, value, allowed)

    def table(self, cls: type, data: Any, path: KeyPath, skip: tuple[str, ...] = ()) -> Any:
        if not isinstance(data, dict):
            where = f"[{_dotted(path)}]" if path else "a TOML document"
            raise self.error(path, data, f"must be a table ({where})")
        fields = {name: f for name, f in _fields(cls).items() if name not in skip}
        for key in data:
            if key not in fields:
                raise self.unknown(cls, key, data[key], path, list(fields))
        values = {}
        for name, f in fields.items():
            sub = (*path, name)
            if name not in data:
                if f.default is dc.MISSING and f.default_factory is dc.MISSING:
                    raise InputError(self.origin(path), _dotted(sub), None, REQUIRED)
                continue
            values[name] = self.value(cls, f, data[name], sub)
        return values

    def unknown(
        self, cls: type, key: str, value: Any, path: KeyPath, known: list[str]
    ) -> InputError:
        if cls is Scenario and key == "extends":
            return self.error((key,), value, "'extends' is resolved by load_scenario, not here")
        if cls is SectorParams and key == "name":
            return self.error((*path, key), value, "not allowed: a sector's name is its table key")
        return self.error((*path, key), value, _unknown("key", str(key), known))

    def value(self, cls: type, f: dc.Field, value: Any, path: KeyPath) -> Any:
        kind = _kind(cls, f)
        if kind == "section":
            sub = _section_type(cls, f)
            return sub(**self.table(sub, value, path))
        if kind == "sectors":
            return self.sectors(value, path)
        if kind == "events":
            return self.events(value, path)
        if kind == "priors":
            return value  # checked by ``priors`` once the scenario's values are known
        return _convert_leaf(kind, f, value, lambda v, allowed: self.error(path, v, allowed))

    def sectors(self, data: Any, path: KeyPath) -> tuple[SectorParams, ...]:
        if not isinstance(data, dict):
            raise self.error(path, data, "must be a table of sectors ([terrain.sectors.NAME])")
        if not data:
            raise self.error(path, data, "at least one sector needed ([terrain.sectors.NAME])")
        out = []
        for name, table in data.items():
            sub = (*path, name)
            if not isinstance(name, str) or not name.strip():
                raise self.error(sub, name, "a sector name must be non-empty text")
            if not isinstance(table, dict):
                raise self.error(sub, table, f"must be a table ([{_dotted(sub)}])")
            out.append(SectorParams(name=name, **self.table(SectorParams, table, sub, ("name",))))
        self.sector_names = [sector.name for sector in out]
        return tuple(out)

    def events(self, data: Any, path: KeyPath) -> tuple[TimelineEvent, ...]:
        if not isinstance(data, list):
            raise self.error(path, data, "must be an array of tables ([[timeline.events]])")
        out = []
        for i, table in enumerate(data):
            sub = (*path, i)
            if not isinstance(table, dict):
                raise self.error(sub, table, "must be a table ([[timeline.events]])")
            values = self.table(TimelineEvent, table, sub)
            out.append(TimelineEvent(**self.event_kind(values, table, sub)))
        return tuple(out)

    def event_kind(self, values: dict, table: dict, path: KeyPath) -> dict:
        """``values`` checked against what the event's type allows, its actor filled in."""
        type_ = values["type"]
        kind = TIMELINE_KINDS[type_]
        mine = timeline_fields(type_)
        for key in table:
            if key not in mine:
                applies = [t for t in TIMELINE_KINDS if key in timeline_fields(t)]
                if self.later((*path, "type"), (*path, key)):  # the type changed, not the key
                    raise self.error(
                        (*path, "type"),
                        type_,
                        f"a '{type_}' event has no '{key}' (set in {self.origin((*path, key))})",
                    )
                raise self.error(
                    (*path, key),
                    table[key],
                    f"does not apply to a '{type_}' event (it applies to: {', '.join(applies)})",
                )
        for key in kind.required:
            if key not in table or values[key] == "":
                f = TimelineEvent.__dataclass_fields__[key]
                choices = POSTURES.get(type_) or f.metadata.get("choices")
                if key == "sector":
                    choices = tuple(self.sector_names)
                hint = f" ({', '.join(c for c in choices if c)})" if choices else ""
                given = table.get(key)
                raise InputError(
                    self.origin((*path, key)) if key in table else self.origin(path),
                    _dotted((*path, key)),
                    given,
                    f"required for a '{type_}' event: {f.metadata['doc']}{hint}",
                )
        if kind.actors:
            if "actor" not in table:
                if not kind.default_actor:
                    raise InputError(
                        self.origin(path),
                        _dotted((*path, "actor")),
                        None,
                        f"required for a '{type_}' event: one of "
                        + ", ".join(repr(a) for a in kind.actors),
                    )
                values["actor"] = kind.default_actor
            elif values["actor"] not in kind.actors:
                raise self.error(
                    (*path, "actor"),
                    values["actor"],
                    f"a '{type_}' event's actor must be one of "
                    + ", ".join(repr(a) for a in kind.actors),
                )
        elif "actor" not in table:
            values["actor"] = kind.default_actor
        if type_ in POSTURES and values["posture"] not in POSTURES[type_]:
            raise self.error(
                (*path, "posture"),
                values["posture"],
                f"a '{type_}' posture must be one of "
                + ", ".join(repr(p) for p in POSTURES[type_]),
            )
        if type_ == "backing" and not set(table) & {"backing_change", "backing_at_least"}:
            raise InputError(
                self.origin(path),
                _dotted((*path, "backing_change")),
                None,
                "a 'backing' event needs backing_change or backing_at_least",
            )
        return values

    def scenario(self, data: Any) -> Scenario:
        values = self.table(Scenario, data, ())
        priors = values.pop(PRIORS, None)
        s = Scenario(**values)
        if s.end_date <= s.start_date:
            start, end = s.start_date.isoformat(), s.end_date.isoformat()
            if self.later(("start_date",), ("end_date",)):
                raise self.error(("start_date",), start, f"must be before end_date ({end})")
            raise self.error(("end_date",), end, f"must be after start_date ({start})")
        self.limits(s)
        window = f"must be within [{s.start_date.isoformat()}, {s.end_date.isoformat()}]"
        sectors = [sector.name for sector in s.terrain.sectors]
        for i, event in enumerate(s.timeline.events):
            side = (
                "before start_date"
                if event.date < s.start_date
                else "after end_date"
                if event.date > s.end_date
                else None
            )
            if side:
                raise self.error(
                    (*EVENTS_PATH, i, "date"), event.date.isoformat(), f"{side}; {window}"
                )
            if event.sector and event.sector not in sectors:
                raise self.error(
                    (*EVENTS_PATH, i, "sector"),
                    event.sector,
                    _unknown("sector", event.sector, sectors),
                )
        if priors is not None:
            s = dc.replace(s, priors=self.priors(s, priors))
        return s

    def limits(self, s: Scenario) -> None:
        """The horizon, the sectors and the scheduled events within the bounds of
        :mod:`sim.scenario.params`, so that every run is finite in time and memory."""
        start, end = s.start_date, s.end_date
        years = MAX_HORIZON_YEARS
        if end > _years_after(start, years):
            if self.later(("start_date",), ("end_date",)):
                first = _years_after(end, -years).isoformat()
                allowed = f"must be at most {years} years before end_date ({end}): {first} or later"
                raise self.error(("start_date",), start.isoformat(), allowed)
            last = _years_after(start, years).isoformat()
            allowed = f"must be at most {years} years after start_date ({start}): {last} or earlier"
            raise self.error(("end_date",), end.isoformat(), allowed)
        for path, n, most, what in (
            (SECTORS_PATH, len(s.terrain.sectors), MAX_SECTORS, "sectors"),
            (EVENTS_PATH, len(s.timeline.events), MAX_EVENTS, "scheduled events"),
        ):
            if n > most:
                raise self.error(path, n, f"too many {what}: at most {most}")

    def priors(self, s: Scenario, data: Any) -> tuple[Prior, ...]:
        """The ``[priors]`` table checked against ``s``, sorted by path.

        A prior of a parameter whose value a later source set (a what-if file extending this
        one, ``--set``, a sweep) is dropped: that source fixed the value."""
        if not isinstance(data, dict):
            raise self.error(
                (PRIORS,),
                data,
                'must be a table of inline tables: [priors] then "PATH" = { dist = ..., '
                "low = ..., high = ... }",
            )
        params = _parameters_of(s)
        out = [self.prior(s, params, path, entry) for path, entry in data.items()]
        return tuple(sorted((p for p in out if p is not None), key=lambda p: p.path))

    def prior(
        self,
        s: Scenario,
        params: Mapping[str, tuple[KeyPath, str, dc.Field]],
        path: Any,
        entry: Any,
    ) -> Prior | None:
        """One entry of ``[priors]`` as a Prior, or None when a later source fixed the value."""
        here: KeyPath = (PRIORS, path)
        name = f"{PRIORS}.{_toml_str(str(path))}"

        def fail(key: str | None, value: Any, allowed: str) -> InputError:
            if isinstance(value, dict | list):
                value = _Brief(value)
            at = here if key is None else (*here, key)
            return InputError(self.origin(at), f"{name}.{key}" if key else name, value, allowed)

        if not isinstance(entry, dict):
            raise fail(
                None, entry, 'must be an inline table { dist = "...", low = ..., high = ... }'
            )
        keys, _, f = self.prior_parameter(s, params, path, entry, fail)
        dists = ", ".join(f"'{d}'" for d in DISTRIBUTIONS)
        if "dist" not in entry:
            raise fail("dist", None, f"required: one of {dists}")
        dist = entry["dist"]
        if not isinstance(dist, str) or dist not in DISTRIBUTIONS:
            raise fail("dist", dist, f"must be one of {dists}")
        takes = ("dist", *DISTRIBUTIONS[dist])
        for key, value in entry.items():
            if key not in takes:
                raise fail(key, value, f"a '{dist}' prior takes only {', '.join(takes)}")
        numbers: dict[str, float] = {}
        for key in DISTRIBUTIONS[dist]:
            if key not in entry:
                raise fail(key, None, f"required for a '{dist}' prior ({', '.join(takes)})")
            value = entry[key]
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            if not ok or not math.isfinite(float(value)):
                raise fail(key, value, "must be a finite number")
            numbers[key] = float(value)
        prior = Prior(path, dist, **numbers)
        problem = prior.problem()
        if problem:
            raise fail(None, entry, problem)
        lo, hi = f.metadata.get("lo"), f.metadata.get("hi")
        for key, outside in (
            ("low", lo is not None and prior.low < lo),
            ("high", hi is not None and prior.high > hi),
        ):
            if outside:
                raise fail(
                    key,
                    entry[key],
                    f"the bounds must lie within what {path} allows: "
                    + _number_phrase(f, whole=False).removeprefix("must be "),
                )
        if self.later(keys, here):
            return None
        value = _value_at(s, keys)
        if not prior.low <= value <= prior.high:
            raise fail(
                None,
                entry,
                f"excludes {path} = {value!r}, the value the scenario runs with (set in "
                f"{self.origin(keys)}); a prior must hold it",
            )
        return prior

    def prior_parameter(
        self,
        s: Scenario,
        params: Mapping[str, tuple[KeyPath, str, dc.Field]],
        path: Any,
        entry: dict,
        fail: Callable[[str | None, Any, str], InputError],
    ) -> tuple[KeyPath, str, dc.Field]:
        """The key path, kind and field of the real-valued parameter a prior names."""
        real = [p for p, (_, kind, _) in params.items() if kind == "float"]
        text = str(path)
        if text in params:
            keys, kind, f = params[text]
            if kind == "float":
                return keys, kind, f
            what = {"int": "a whole number", "bool": "true or false", "date": "a date"}
            raise fail(
                None,
                entry,
                f"priors apply to real-valued parameters; this one is {what.get(kind, 'text')}",
            )
        if text == "timeline" or text.startswith(("timeline.", "timeline[")):
            raise fail(
                None, entry, "priors apply to real-valued parameters, not to timeline events"
            )
        head, _, rest = text.partition(".".join(SECTORS_PATH) + ".")
        sector, _, field = rest.rpartition(".")
        if not head and sector and field in _fields(SectorParams) and field != "name":
            names = [x.name for x in s.terrain.sectors]
            raise fail(None, entry, _unknown("sector", sector, names))
        raise fail(
            None,
            entry,
            "unknown parameter"
            + (_did_you_mean(text, real) or "; priors apply to real-valued parameters"),
        )


def build_scenario(data: dict, source: str) -> Scenario:
    """Build and validate a scenario from an already-merged dict (``extends`` resolved)."""
    return _Builder(source).scenario(data)


# --- overrides ---------------------------------------------------------------------------------
def _parse_literal(text: str) -> Any:
    """A TOML literal (number, bool, date, quoted string, ...); the bare text otherwise."""
    try:
        parsed = tomllib.loads(f"v = {text}")
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):
        return text
    return parsed["v"] if parsed.keys() == {"v"} else text


def _resolve_override(
    data: dict, dotted: str, source: str, raw: str
) -> tuple[KeyPath, str, dc.Field]:
    """The key path, leaf kind and field an override names; InputError if it names none."""

    def unknown(allowed: str | None = None) -> InputError:
        known = [p for p, _ in _override_paths(data)]
        return InputError(
            source, dotted, raw, allowed or "unknown parameter" + _did_you_mean(dotted, known)
        )

    parts = dotted.split(".")
    cls: type = Scenario
    path: list[str | int] = []
    i = 0
    while i < len(parts):
        m = _INDEX.fullmatch(parts[i])
        name = m.group(1) if m else parts[i]
        f = _fields(cls).get(name)
        if f is None or (cls is SectorParams and name == "name"):
            raise unknown()
        if _kind(cls, f) == "priors":
            raise unknown("unknown parameter: priors are set in a scenario file's [priors] table")
        path.append(name)
        kind = _kind(cls, f)
        rest = len(parts) - i - 1
        if kind == "events":
            events = _get(data, EVENTS_PATH)
            count = len(events) if isinstance(events, list) else 0
            if not m or rest != 1:
                raise unknown(
                    f"set one field of one event: timeline.events[N].FIELD, N in 0..{count - 1}"
                )
            if int(m.group(2)) >= count:
                raise unknown(f"no such event; the scenario has events 0..{count - 1}")
            path.append(int(m.group(2)))
            cls, i = TimelineEvent, i + 1
            continue
        if m:
            raise unknown()
        if kind == "sectors":
            sectors = _get(data, SECTORS_PATH)
            names = list(sectors) if isinstance(sectors, dict) else []
            if rest == 0:
                raise unknown("names the sectors table; set one field: terrain.sectors.NAME.FIELD")
            if parts[i + 1] not in names:
                raise InputError(source, dotted, raw, _unknown("sector", parts[i + 1], names))
            path.append(parts[i + 1])
            cls, i = SectorParams, i + 2
            continue
        if kind == "section":
            if rest == 0:
                raise unknown(f"names the table [{dotted}], not a parameter; set one of its keys")
            cls, i = _section_type(cls, f), i + 1
            continue
        if rest:
            raise unknown()
        return tuple(path), kind, f
    raise unknown()


def override_field(s: Scenario, dotted: str, source: str, raw: str) -> tuple[str, dc.Field]:
    """The leaf kind (float, int, bool, str, date) and field that an override of ``dotted``
    sets in ``s``; InputError naming ``source`` and ``raw`` when it names no parameter."""
    _, kind, f = _resolve_override(scenario_to_dict(s), dotted, source, raw)
    return kind, f


def check_value(kind: str, f: dc.Field, value: Any, source: str, dotted: str) -> Any:
    """``value`` converted to the field's type, or InputError saying what is allowed."""
    return _convert_leaf(kind, f, value, functools.partial(InputError, source, dotted))


def _override_paths(data: dict) -> list[tuple[str, dc.Field]]:
    """Paths --set accepts, with the sectors present in ``data``."""
    sectors = _get(data, SECTORS_PATH)
    names = list(sectors) if isinstance(sectors, dict) else []
    events = _get(data, EVENTS_PATH)
    out: list[tuple[str, dc.Field]] = []
    for path, f in iter_parameters():
        if path.startswith("timeline.events[]."):
            field = path.rsplit(".", 1)[1]
            for i, event in enumerate(events if isinstance(events, list) else []):
                type_ = event.get("type") if isinstance(event, dict) else None
                if type_ not in TIMELINE_KINDS or field in timeline_fields(type_):
                    out.append((f"timeline.events[{i}].{field}", f))
            continue
        if path.startswith("terrain.sectors.*."):
            field = path.rsplit(".", 1)[1]
            out.extend((f"terrain.sectors.{n}.{field}", f) for n in names)
        else:
            out.append((path, f))
    return out


def _get(data: Any, path: Sequence[str]) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _apply(
    data: dict, overrides: Sequence[str], source: str, origins: dict[KeyPath, str] | None
) -> dict:
    out = copy.deepcopy(data)
    for item in overrides:
        if not isinstance(item, str) or "=" not in item:
            raise InputError(source, None, item, "expected KEY=VALUE, e.g. mines.killed_mean=2")
        given, raw = (s.strip() for s in item.split("=", 1))
        dotted = _printable(given)
        path, kind, f = _resolve_override(out, dotted, source, raw)
        value = _parse_literal(raw)
        if kind == "str" and not isinstance(value, str):
            value = raw  # e.g. --set name=2024: text fields take the text as typed
        value = _convert_leaf(kind, f, value, functools.partial(InputError, source, dotted))
        table: Any = out
        for j, key in enumerate(path[:-1]):
            nxt = table[key] if isinstance(key, int) else table.setdefault(key, {})
            if not isinstance(nxt, dict | list):
                raise InputError(source, _dotted(path[: j + 1]), nxt, "must be a table")
            table = nxt
        if not isinstance(table, dict):
            raise InputError(source, _dotted(path[:-1]), _Brief(table), "must be a table")
        table[path[-1]] = value
        if origins is not None:
            origins[path] = source
    return out


def apply_overrides(data: dict, overrides: Sequence[str], source: str = "--set") -> dict:
    """A copy of ``data`` with each "section.key=value" override set and checked.

    Values are TOML literals when they parse as one (``2``, ``true``, ``2024-06-01``, ``"x"``),
    bare text otherwise (``off``); nothing is evaluated. Paths are checked against the
    parameter dataclasses, not against ``data``.
    """
    return _apply(data, overrides, source, None)


# --- reading files -----------------------------------------------------------------------------
MAX_BYTES = 1 << 20  # scenario files are a few KiB; this stops /dev/zero-like or huge files fast
MAX_DEPTH = 32  # files in one extends chain
NOT_TOML = "not a TOML {kind} file"
Via = tuple[str, str, object]  # the file, key and value that named a file: what errors blame
_WHERE = re.compile(r"\(at (line \d+, column \d+|end of document)\)")


class _Refused(Exception):
    """A file that cannot be a scenario file; the message never quotes its contents."""


def _file_kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a pipe"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def _regular(mode: int) -> None:
    if not stat.S_ISREG(mode):
        raise _Refused(f"cannot read file: {_file_kind(mode)}, not a regular file")


def _read_bytes(path: Path) -> bytes:
    """At most ``MAX_BYTES`` of a regular file; a pipe, device or folder is refused before it
    is opened (reading one could block or never end), and checked again once open."""
    _regular(os.stat(path).st_mode)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as f:
        _regular(os.fstat(fd).st_mode)  # it may have been swapped since the stat above
        data = f.read(MAX_BYTES + 1)  # /proc files say size 0: count what is read, not st_size
    if len(data) > MAX_BYTES:
        raise _Refused(f"cannot read file: more than {MAX_BYTES >> 20} MiB, too large")
    return data


def read_toml(path: Path, source: str, via: Via | None = None, kind: str = "scenario") -> dict:
    """A TOML file's tables; InputError if it is missing, unreadable or not TOML.

    Messages never quote the file's text, since it may be a file the user never wrote (an
    ``extends`` or experiment entry naming ``/etc/shadow``). A file named on the command line
    (``via`` None) is blamed on ``source``, with the parser's line and column at most; a file
    reached through another (``via``) is blamed on the key that named it, without a position.
    """
    not_toml = NOT_TOML.format(kind=kind)

    def refuse(reason: str) -> InputError:
        if via is None:
            return InputError(bundled.shown(source), None, source, reason)
        return InputError(via[0], via[1], via[2], f"{bundled.shown(source)}: {reason}")

    if not source.isprintable():  # every later message names the file: keep them one line
        raise refuse("cannot read file: its name holds a line break or a control character")
    try:
        text = _read_bytes(path).decode("utf-8")
    except FileNotFoundError:
        raise refuse("file not found") from None
    except _Refused as e:
        raise refuse(str(e)) from None
    except UnicodeDecodeError:
        raise refuse(f"{not_toml} (not UTF-8 text)") from None
    except OSError as e:
        raise refuse(f"cannot read file ({e.strerror or type(e).__name__})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        if via is not None:
            raise refuse(f"{not_toml} (validate it on its own to see where)") from None
        m = _WHERE.search(str(e))
        raise refuse(f"{not_toml} (malformed TOML at {m.group(1) if m else 'some line'})") from None
    except RecursionError:
        raise refuse(f"{not_toml} (malformed TOML: nested too deeply)") from None


def merge_tables(base: dict, top: dict, _at: tuple[str, ...] = ()) -> dict:
    """``top`` deep-merged over ``base``: tables merge key by key, anything else replaces.

    An entry of ``[priors]`` is replaced whole: a uniform prior over a parent's normal one
    must not keep its ``mean`` and ``sd``.
    """
    out = dict(base)
    whole = _at in WHOLE_ENTRIES
    for key, value in top.items():
        if not whole and isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_tables(out[key], value, (*_at, key))
        else:
            out[key] = copy.deepcopy(value)
    return out


def _record(
    data: dict, source: str, origins: dict[KeyPath, str], path: tuple[str, ...] = ()
) -> None:
    """Note ``source`` as the origin of every key in ``data``, tables and leaves."""
    for key, value in data.items():
        origins[(*path, key)] = source
        if isinstance(value, dict):
            _record(value, source, origins, (*path, key))


def resolve_extends(path: Path, parent: str, source: str) -> Path:
    """The file that ``extends = parent`` in the file at ``path`` names: the path relative to
    that file's folder if it is a file, else the bundled scenario of that name (``baseline_2024``
    or ``baseline_2024.toml``); InputError (blamed on ``source``) naming every path tried."""
    tried = [path.parent / parent]
    shipped = bundled.scenario_file(parent)  # None when ``parent`` has a folder in it
    if shipped is not None:
        tried.append(shipped)
    for candidate in tried:
        if candidate.is_file():
            return candidate
    shown = [
        bundled.shown(os.path.abspath(p)) + (" (not a file)" if p.exists() else "") for p in tried
    ]
    raise InputError(source, "extends", parent, "file not found: tried " + ", ".join(shown))


def _scenario_shaped(data: dict, source: str, via: Via) -> None:
    """Refuse a file reached through ``extends`` whose top-level keys are not a scenario's:
    its values are never quoted (it may be a TOML file of secrets, not a scenario)."""
    known = [*_fields(Scenario), "extends"]
    for key in data:
        if key not in known:
            shown = f" {key!r}" if re.fullmatch(r"\w{1,40}", key, re.ASCII) else ""
            raise InputError(
                *via,
                f"{source}: not a scenario file: top-level key{shown} is none of a scenario's"
                + _did_you_mean(key, known),
            )


def check_scenario_file(path: Path, via: Via) -> None:
    """Refuse, blaming ``via`` (file, key, value), a file named as a scenario that is not a
    readable TOML file shaped like one; its contents are never quoted."""
    _scenario_shaped(read_toml(path, str(path), via), str(path), via)


def _read_chain(
    path: Path,
    source: str,
    chain: list[tuple[Path, str]],
    origins: dict[KeyPath, str],
    order: list[str],
    via: Via | None = None,
) -> dict:
    """The file at ``path`` merged over the files it extends, recording who set what.

    ``order`` receives the sources from the root of the chain down to ``path``; ``via`` is the
    ``extends`` that named ``path`` (None for the file named on the command line).
    """
    data = read_toml(path, source, via)
    if via is not None:
        _scenario_shaped(data, source, via)
    parent = data.pop("extends", None)
    base: dict = {}
    if parent is not None:
        if not isinstance(parent, str) or not parent.strip():
            raise InputError(
                source,
                "extends",
                parent,
                "must be a file name in quotes (relative to this file's folder) "
                "or a bundled scenario's name",
            )
        target = resolve_extends(path, parent, source)
        seen = [*chain, (path.resolve(), source)]
        resolved = target.resolve()
        loop = [i for i, (p, _) in enumerate(seen) if p == resolved]
        if loop:
            names = [s for _, s in seen[loop[0] :]] + [seen[loop[0]][1]]
            raise InputError(source, "extends", parent, "circular extends: " + " -> ".join(names))
        if len(seen) >= MAX_DEPTH:
            raise InputError(
                source,
                "extends",
                parent,
                f"extends chain too deep: at most {MAX_DEPTH} files, from {seen[0][1]}",
            )
        base = _read_chain(target, str(target), seen, origins, order, (source, "extends", parent))
    _record(data, source, origins)
    order.append(source)
    return merge_tables(base, data)


def load_scenario(path: str | Path, overrides: Sequence[str] = ()) -> Scenario:
    """Read a scenario file, resolve its ``extends`` chain, apply overrides, build and check it."""
    return load_variants(path, overrides, [()])[0]


def chain_sources(path: str | Path) -> tuple[list[str], dict[KeyPath, str]]:
    """The files of a scenario's ``extends`` chain (root first) and, for every key, the file
    that set it last: what a posterior needs to know which values a what-if changed."""
    origins: dict[KeyPath, str] = {}
    order: list[str] = []
    _read_chain(Path(path), str(path), [], origins, order)
    return order, origins


def load_variants(
    path: str | Path,
    overrides: Sequence[str],
    variants: Sequence[Sequence[str]],
    source: str = "--param",
) -> list[Scenario]:
    """One scenario per variant: the file read once, ``overrides`` (from ``--set``) applied,
    then each variant's overrides (blamed on ``source``); a sweep builds its points this way."""
    origins: dict[KeyPath, str] = {}
    order: list[str] = []
    data = _read_chain(Path(path), str(path), [], origins, order)
    data = _apply(data, overrides, "--set", origins)
    out = []
    for variant in variants:
        mine = dict(origins)
        varied = _apply(data, variant, source, mine) if variant else data
        built = _Builder(str(path), mine, [*order, "--set", source]).scenario(varied)
        check_name(built.name, mine.get(("name",), str(path)))
        out.append(built)
    return out


def check_name(name: str, source: str) -> None:
    """Refuse a scenario name that could not be a file or folder name of its own (``x/../y``,
    ``..``, line breaks, escapes, empty, too long); ``source`` is the file that set it."""
    if not bundled.is_identifier(name):
        raise InputError(source, "name", name, bundled.NAME_RULE)


# --- writing -----------------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _to_dict(obj: Any) -> dict:
    out: dict[str, Any] = {}
    cls = type(obj)
    for f in _own_fields(obj):
        value = getattr(obj, f.name)
        kind = _kind(cls, f)
        if kind == "section":
            out[f.name] = _to_dict(value)
        elif kind == "sectors":
            out[f.name] = {s.name: _to_dict(s) for s in value}
        elif kind == "events":
            out[f.name] = [_to_dict(e) for e in value]
        elif kind == "priors":
            out[f.name] = {p.path: p.to_table() for p in value}
        else:
            out[f.name] = _plain(value)
    return out


def scenario_to_dict(s: Scenario) -> dict:
    """The scenario as a plain JSON-able dict shaped like its TOML (dates as ISO strings)."""
    return _to_dict(s)


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def _toml_str(text: str) -> str:
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _toml_str(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot write non-finite float {value!r}")  # validated away
        return repr(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, str):
        return _toml_str(value)
    raise TypeError(f"cannot write {value!r} as TOML")


def _emit(obj: Any, header: list[str], lines: list[str]) -> None:
    """Write ``obj``'s leaves under ``header`` then its sub-tables, in declaration order."""
    cls = type(obj)
    leaves = []
    later: list[Callable[[], None]] = []
    for f in _leaf_fields(cls):
        value = getattr(obj, f.name)
        kind = _kind(cls, f)
        name = _toml_key(f.name)
        if kind == "section":
            later.append(functools.partial(_emit, value, [*header, name], lines))
        elif kind == "sectors":
            for sector in value:
                later.append(
                    functools.partial(_emit, sector, [*header, name, _toml_key(sector.name)], lines)
                )
        elif kind == "events":
            if not value:
                leaves.append(f"{name} = []")
            later.append(functools.partial(_emit_events, value, [*header, name], lines))
        elif kind == "priors":
            later.append(functools.partial(_emit_priors, value, [*header, name], lines))
        else:
            leaves.append(f"{name} = {_toml_value(value)}")
    if header and leaves:
        lines.extend(["", f"[{'.'.join(header)}]"])
    lines.extend(leaves)
    for write in later:
        write()


def _emit_events(events: Sequence[Any], header: list[str], lines: list[str]) -> None:
    for event in events:
        lines.extend(["", f"[[{'.'.join(header)}]]"])
        lines.extend(
            f"{_toml_key(f.name)} = {_toml_value(getattr(event, f.name))}"
            for f in _own_fields(event)
        )


def _emit_priors(priors: Sequence[Prior], header: list[str], lines: list[str]) -> None:
    """``[priors]`` with one inline table per prior, keyed by the quoted dotted path."""
    if priors:
        lines.extend(["", f"[{'.'.join(header)}]"])
    for p in priors:
        table = ", ".join(f"{k} = {_toml_value(v)}" for k, v in p.to_table().items())
        lines.append(f"{_toml_str(p.path)} = {{ {table} }}")


def scenario_to_toml(s: Scenario) -> str:
    """The resolved scenario as TOML text that loads back to an equal scenario."""
    lines: list[str] = []
    _emit(s, [], lines)
    return "\n".join(lines).lstrip("\n") + "\n"


# --- reading values by path --------------------------------------------------------------------


def parameter_path_value(s: Scenario, path: str, source: str = "parameter") -> Any:
    """The value at a dotted path, e.g. ``mines.killed_mean``, ``terrain.sectors.west.crews``
    or ``timeline.events[0].date``; InputError naming the nearest known path otherwise."""
    obj: Any = s
    parts = path.split(".")
    i = 0
    while i < len(parts):
        part = parts[i]
        m = _INDEX.fullmatch(part)
        name = m.group(1) if m else part
        if not dc.is_dataclass(obj) or name not in _fields(type(obj)):
            break
        obj = getattr(obj, name)
        if m:
            if not isinstance(obj, tuple) or int(m.group(2)) >= len(obj):
                break
            obj = obj[int(m.group(2))]
        elif isinstance(obj, tuple) and obj and isinstance(obj[0], SectorParams):
            if i + 1 < len(parts):
                by_name = {sector.name: sector for sector in obj}
                if parts[i + 1] not in by_name:
                    break
                obj = by_name[parts[i + 1]]
                i += 1
        i += 1
    else:
        return obj
    known = [p for p, _ in iter_parameters(s)]
    raise InputError(source, path, path, "unknown parameter" + _did_you_mean(path, known))
