"""``dmzsim new``: a commented starter scenario that extends a bundled one by name.

The file sets only ``extends``, ``name`` and ``description``; below them it lists, commented
out, the keys of each table that the bundled scenarios change most often (and those the base
fits), each with its meaning, unit, allowed range and the base's value, so a user edits a
working file instead of starting from a blank page. Removing one leading ``# `` from a line
makes it TOML; lines starting ``##`` stay comments.
"""

from __future__ import annotations

import dataclasses as dc
import datetime as dt
import re
import textwrap
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.scenario import bundled
from sim.scenario.loader import load_scenario, read_toml
from sim.scenario.params import TIMELINE_KINDS, Scenario, SectorParams, TimelineEvent

NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
MOST, LEAST = 4, 2  # keys shown per table: the most used, at least this many
SKIP = ("extends", "name", "description", "timeline", "priors")  # not parameters to count


# --- which keys are used ------------------------------------------------------------------------
def _general(path: tuple[str, ...]) -> str:
    """A dotted path with a sector's name as ``*``: every sector counts as one key."""
    if path[:2] == ("terrain", "sectors") and len(path) > 3:
        path = (*path[:2], "*", *path[3:])
    return ".".join(path)


def _set_keys(data: dict, prefix: tuple[str, ...] = ()) -> Iterator[str]:
    for key, value in data.items():
        if not prefix and key in SKIP:
            continue
        if isinstance(value, dict):
            yield from _set_keys(value, (*prefix, key))
        else:
            yield _general((*prefix, key))


@dc.dataclass(frozen=True)
class Interest:
    """Which keys a user of a base scenario most likely wants to change: those the base itself
    changes (when it extends another), those the other bundled scenarios set most often, and
    those the base fits (its ``[priors]``); keys as :func:`_general` writes them."""

    own: frozenset[str]
    counts: Counter[str]
    fitted: frozenset[str]

    def rank(self, key: str) -> tuple[bool, int, bool]:
        return (key not in self.own, -self.counts[key], key not in self.fitted)

    def wanted(self, key: str) -> bool:
        return key in self.own or self.counts[key] > 0 or key in self.fitted


def interest(base_name: str, base: Scenario) -> Interest:
    """The :class:`Interest` of the bundled scenario ``base_name`` (built as ``base``)."""
    counts: Counter[str] = Counter()
    own: frozenset[str] = frozenset()
    for name in bundled.scenario_names():
        path = bundled.SCENARIOS / f"{name}{bundled.SUFFIX}"
        data = read_toml(path, str(path))
        keys = set(_set_keys(data))
        if name != base_name:
            counts.update(keys)
        elif "extends" in data:  # a what-if: what it changes comes first
            own = frozenset(keys)
    fitted = frozenset(_general(tuple(p.path.split("."))) for p in base.priors)
    return Interest(own, counts, fitted)


# --- writing values and ranges ------------------------------------------------------------------
def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def _number(x: float, whole: bool) -> str:
    return str(int(x)) if whole and float(x).is_integer() else f"{x:g}"


KIND_WORDS = {"bool": "true or false", "dt.date": "YYYY-MM-DD", "str": "text"}


def allowed(f: dc.Field) -> str:
    """A field's allowed values in words: "0 to 1", ">= 0", "one of a, b", "true or false"."""
    meta, kind = f.metadata, getattr(f.type, "__name__", f.type)  # "int" under __future__
    whole = kind == "int"
    if meta.get("choices"):
        return "one of " + ", ".join(c for c in meta["choices"] if c)
    lo, hi = meta.get("lo"), meta.get("hi")
    if lo is not None and hi is not None:
        return f"{_number(lo, whole)} to {_number(hi, whole)}"
    if lo is not None:
        return f">= {_number(lo, whole)}"
    if hi is not None:
        return f"<= {_number(hi, whole)}"
    return KIND_WORDS.get(kind, "any number")


def _explain(f: dc.Field, note: str = "") -> str:
    """``## meaning (unit; allowed)``, and a note."""
    unit = f.metadata.get("unit", "-")
    bits = "; ".join(b for b in (unit if unit not in ("-", "date") else "", allowed(f)) if b)
    return f"## {f.metadata.get('doc', f.name)} ({bits}){note}"


def _wrapped(lines: list[str], width: int = 100) -> list[str]:
    """``##`` comment lines longer than ``width`` folded (values and commands never are)."""
    out = []
    for line in lines:
        if len(line) <= width or not line.startswith("## "):
            out.append(line)
        else:
            out += textwrap.wrap(line[3:], width, initial_indent="## ", subsequent_indent="##   ")
    return out


# --- the tables ---------------------------------------------------------------------------------
Table = tuple[tuple[str, ...], Any, str]  # header, the object holding its values, its meaning


def _tables(obj: Any, header: tuple[str, ...] = ()) -> Iterator[Table]:
    """Every table of the scenario that holds values, in declaration order; the first sector
    stands for all of them."""
    for f in dc.fields(obj):
        value = getattr(obj, f.name)
        doc = f.metadata.get("doc", f.name)
        if dc.is_dataclass(value):
            yield (*header, f.name), value, doc
            yield from _tables(value, (*header, f.name))
        elif isinstance(value, tuple) and value and isinstance(value[0], SectorParams):
            others = ", ".join(s.name for s in value[1:])
            doc += f"; the others ({others}) alike" if others else ""
            yield (*header, f.name, value[0].name), value[0], doc


def _leaves(obj: Any) -> list[dc.Field]:
    return [
        f
        for f in dc.fields(obj)
        if not (dc.is_dataclass(getattr(obj, f.name)) or isinstance(getattr(obj, f.name), tuple))
        and not (isinstance(obj, SectorParams) and f.name == "name")
    ]


def _chosen(header: tuple[str, ...], fields: list[dc.Field], why: Interest) -> list[dc.Field]:
    """The keys to show, most wanted first: at most ``MOST`` wanted ones, and at least the
    first ``LEAST``."""
    prefix = _general(header)
    ranked = sorted(
        enumerate(fields), key=lambda item: (*why.rank(f"{prefix}.{item[1].name}"), item[0])
    )
    wanted = [f for _, f in ranked if why.wanted(f"{prefix}.{f.name}")]
    keep = {f.name for f in wanted[:MOST]} | {f.name for _, f in ranked[:LEAST]}
    return [f for _, f in ranked if f.name in keep]


def _table_lines(header: tuple[str, ...], obj: Any, doc: str, why: Interest) -> list[str]:
    title = ".".join(header)
    shown = _chosen(header, _leaves(obj), why)
    if not shown:  # a table of tables only, such as [timeline]
        return []
    lines = ["", f"## --- [{title}]: {doc} ---", f"# [{title}]"]
    for f in shown:
        fitted = f"{_general(header)}.{f.name}" in why.fitted
        note = "; fitted, see [priors] below" if fitted else ""
        lines += [_explain(f, note), f"# {f.name} = {_toml(getattr(obj, f.name))}"]
    return lines


# --- the file -----------------------------------------------------------------------------------
def _event_lines(base: Scenario, name: str) -> list[str]:
    """One commented timeline event, dated two thirds into the base's window."""
    day = base.start_date + dt.timedelta(days=(base.end_date - base.start_date).days * 2 // 3)
    sector = base.terrain.sectors[min(1, len(base.terrain.sectors) - 1)].name  # a middle one
    fields = {f.name: f for f in dc.fields(TimelineEvent)}
    n = len(base.timeline.events)
    return [
        "",
        "## --- [[timeline.events]]: scheduled events ---",
        f"## An array replaces the one it extends: uncommenting this drops {name}'s {n} events.",
        f"## To add one, copy them first (`dmzsim validate {name}` prints them), then this.",
        "## Types: " + ", ".join(TIMELINE_KINDS) + ".",
        "# [[timeline.events]]",
        _explain(fields["date"], f"; within {base.start_date} to {base.end_date}"),
        f"# date = {day.isoformat()}",
        '# type = "mdl_crossing"',
        _explain(fields["sector"], "; " + ", ".join(s.name for s in base.terrain.sectors)),
        f"# sector = {_toml(sector)}",
        _explain(fields["party"]),
        '# party = "patrol"',
        _explain(fields["deliberate"]),
        "# deliberate = true",
        "# note = \"what happened, and the source or 'assumption'\"",
    ]


def _priors_lines(base: Scenario, name: str) -> list[str]:
    paths = ", ".join(p.path for p in base.priors) or "none"
    return [
        "",
        "## --- [priors] ---",
        f"## {name} declares priors for: {paths}.",
        f"## Runs draw these from the posterior shipped with {name} (its fit), so each",
        "## replication takes a fitted set; a value this file sets wins over the draws, and",
        "## `--posterior none` runs every parameter at its value. An entry of [priors] here",
        "## replaces the base's entry for that path (only `dmzsim fit` uses priors):",
        "# [priors]",
        '# "mines.killed_mean" = { dist = "uniform", low = 1.0, high = 3.0 }',
    ]


def starter_text(name: str, base_name: str, file: str = "") -> str:
    """The starter scenario ``name`` extending the bundled ``base_name``, to be saved as
    ``file`` (named in its comments; default ``NAME.toml``)."""
    file = file or f"{name}{bundled.SUFFIX}"
    path = bundled.SCENARIOS / f"{base_name}{bundled.SUFFIX}"
    base = load_scenario(path)
    why = interest(base_name, base)
    top = {f.name: f for f in dc.fields(Scenario)}
    lines = [
        f"# {name} — what if ...? (replace: the question this scenario answers)",
        f"# Written by `dmzsim new` from the bundled scenario {base_name}: every parameter has",
        f"# {base_name}'s value unless this file sets it. Shown below, commented out: the keys",
        f"# the bundled scenarios change most, with {base_name}'s values. To set one, remove the",
        "# leading '# ' from its table's header and from its line ('##' lines stay comments).",
        f"#   dmzsim validate {file}       # check it, and print every value",
        f"#   dmzsim run {file} -n 200     # run it",
        "# Every parameter's unit, range and meaning: the parameter table in dmzsim's docs/ODD.md.",
        "",
        f'extends = "{base_name}"  # a bundled scenario\'s name, or a file relative to this one',
        f"name = {_toml(name)}",
        f'description = "What question does {name} answer? (replace: one line)"',
        "",
        _explain(top["start_date"]),
        f"# start_date = {base.start_date.isoformat()}",
        _explain(top["end_date"]),
        f"# end_date = {base.end_date.isoformat()}",
    ]
    for header, obj, doc in _tables(base):
        lines += _table_lines(header, obj, doc, why)
    lines += _event_lines(base, base_name)
    lines += _priors_lines(base, base_name)
    return "\n".join(_wrapped(lines)) + "\n"


def write_starter(name: str, base_name: str, out: str | None) -> Path:
    """Write the starter scenario to ``out`` (default ``NAME.toml`` here), never over a file."""
    if not NAME.fullmatch(name):
        raise InputError(
            "NAME", None, name, "use 1 to 64 letters, digits, '_' or '-' (e.g. my_hotline)"
        )
    if bundled.find_scenario(base_name) is None:
        names = ", ".join(bundled.scenario_names())
        raise InputError("--from", None, base_name, f"not a bundled scenario; bundled: {names}")
    path = Path(out) if out else Path(f"{name}{bundled.SUFFIX}")
    text = starter_text(name, Path(base_name).stem, str(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)  # as results folders are made
        with path.open("x", encoding="utf-8") as f:  # "x": refuse an existing file
            f.write(text)
    except FileExistsError:
        raise InputError(
            "--out", None, str(path), "exists; not overwritten (remove it or give another --out)"
        ) from None
    except OSError as e:
        raise InputError("--out", None, str(path), f"cannot write ({e.strerror or e})") from None
    return path
