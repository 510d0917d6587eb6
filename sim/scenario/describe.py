"""The parameter table of a scenario file: every leaf parameter with its unit, allowed values,
prior, meaning, value and source.

Units, ranges and meanings come from the field metadata of :mod:`sim.scenario.params`; values
come from the TOML file (through ``tomllib``, following ``extends``); the source of a value is
the trailing ``# comment`` on the line that sets it; priors come from the scenario's
``[priors]`` table as the loader resolves it (so the file must be valid). Scheduled timeline
events and the scenario's name and description are not parameters and are left out.

    python -m sim.scenario.describe scenarios/baseline_2024.toml            # print the table
    python -m sim.scenario.describe scenarios/baseline_2024.toml --update docs/ODD.md

``--update`` rewrites the table between the marker lines ``<!-- parameters:begin -->`` and
``<!-- parameters:end -->`` of the given Markdown file.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
import tomllib
import typing
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.scenario.loader import load_scenario, merge_tables
from sim.scenario.params import Scenario

BEGIN = "<!-- parameters:begin -->"
END = "<!-- parameters:end -->"
COLUMNS = ("parameter", "value", "unit", "allowed", "prior", "meaning", "source")
HEADERS = ("Parameter", "Value", "Unit", "Allowed", "Prior", "Meaning", "Source")
SKIP_TOP = ("name", "description")  # labels of the scenario, not parameters

KeyPath = tuple[str, ...]


# --- trailing comments -------------------------------------------------------------------------
def _split_keys(text: str) -> KeyPath:
    """A dotted TOML key (``a."b c".d``) as its parts."""
    parts: list[str] = []
    buf: list[str] = []
    quote = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\" and quote == '"' and i + 1 < len(text):
                buf.append(text[i + 1])
                i += 2
                continue
            if ch == quote:
                quote = ""
            else:
                buf.append(ch)
        elif ch in "\"'":
            quote = ch
        elif ch == ".":
            parts.append("".join(buf).strip())
            buf = []
        else:
            buf.append(ch)
        i += 1
    parts.append("".join(buf).strip())
    return tuple(parts)


class _Scanner:
    """Splits TOML lines into code and trailing comment, across multi-line strings and arrays."""

    def __init__(self) -> None:
        self.multiline = ""  # the open triple quote, if inside a multi-line string
        self.depth = 0  # open brackets and braces of a value spanning lines

    @property
    def continuing(self) -> bool:
        return bool(self.multiline) or self.depth > 0

    def split(self, line: str) -> tuple[str, str]:
        """The code part and the comment text (without ``#``) of one line."""
        quote = ""
        i = 0
        while i < len(line):
            if self.multiline:
                if line.startswith(self.multiline, i):
                    i += 3
                    self.multiline = ""
                elif line[i] == "\\" and self.multiline == '"""':
                    i += 2
                else:
                    i += 1
                continue
            ch = line[i]
            if quote:
                if ch == "\\" and quote == '"':
                    i += 2
                    continue
                if ch == quote:
                    quote = ""
            elif line.startswith('"""', i) or line.startswith("'''", i):
                self.multiline = line[i : i + 3]
                i += 3
                continue
            elif ch in "\"'":
                quote = ch
            elif ch in "[{":
                self.depth += 1
            elif ch in "]}":
                self.depth = max(0, self.depth - 1)
            elif ch == "#":
                return line[:i], line[i + 1 :].strip()
            i += 1
        return line, ""


def trailing_comments(text: str) -> dict[KeyPath, str]:
    """The trailing comment of every ``key = value`` line, by full key path.

    Keys inside ``[[array]]`` tables (the timeline) are left out: they are not parameters.
    """
    out: dict[KeyPath, str] = {}
    table: KeyPath | None = ()
    scan = _Scanner()
    for line in text.splitlines():
        stripped = line.strip()
        if not scan.continuing and stripped.startswith("["):
            code, _ = scan.split(line)
            scan.depth = 0  # the header's brackets close on its own line
            code = code.strip()
            if code.startswith("[["):
                table = None
            else:
                table = _split_keys(code[1:-1])
            continue
        was_continuing = scan.continuing
        code, comment = scan.split(line)
        if was_continuing or "=" not in code or table is None:
            continue
        key = code.split("=", 1)[0].strip()
        if key:
            out[(*table, *_split_keys(key))] = comment
    return out


# --- values, following extends -----------------------------------------------------------------
def _leaves(data: dict, prefix: KeyPath = ()) -> Iterator[KeyPath]:
    for key, value in data.items():
        if isinstance(value, dict):
            yield from _leaves(value, (*prefix, key))
        else:
            yield (*prefix, key)


def _comment_for(comments: dict[KeyPath, str], path: KeyPath) -> str:
    """The comment on ``path``'s line, or on the line of an inline table that holds it."""
    for n in range(len(path), 0, -1):
        if path[:n] in comments:
            return comments[path[:n]]
    return ""


def read_scenario_file(path: str | Path, _seen: tuple[Path, ...] = ()) -> tuple[dict, dict]:
    """The file's values merged over those of the files it ``extends``, and each leaf's source
    comment (taken from the file that set it last)."""
    path = Path(path)
    if path.resolve() in _seen:
        raise ValueError(f"circular extends at {path}")
    text = path.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    parent = data.pop("extends", None)
    values: dict = {}
    sources: dict[KeyPath, str] = {}
    if isinstance(parent, str):
        from sim.scenario.loader import resolve_extends  # (the loader imports this module)

        target = resolve_extends(path, parent, str(path))
        values, sources = read_scenario_file(target, (*_seen, path.resolve()))
    comments = trailing_comments(text)
    for leaf in _leaves(data):
        sources[leaf] = _comment_for(comments, leaf)
    return merge_tables(values, data), sources


# --- the parameter tree ------------------------------------------------------------------------
def _item_type(hint: Any) -> type | None:
    """The dataclass in ``tuple[X, ...]``, or None."""
    if typing.get_origin(hint) is tuple:
        args = typing.get_args(hint)
        if args and isinstance(args[0], type) and dataclasses.is_dataclass(args[0]):
            return args[0]
    return None


def parameter_fields(
    values: dict, cls: type = Scenario, prefix: KeyPath = ()
) -> Iterator[tuple[KeyPath, dataclasses.Field]]:
    """Every leaf parameter under ``cls`` with its key path, in declaration order.

    A tuple of dataclasses with a ``name`` field is a table of tables keyed by that name (the
    sectors, one entry per sector in ``values``); other tuples (the timeline's array of
    events) are skipped.
    """
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if not prefix and f.name in SKIP_TOP:
            continue
        path = (*prefix, f.name)
        hint = hints[f.name]
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            yield from parameter_fields(values, hint, path)
            continue
        item = _item_type(hint)
        if item is not None:
            names = [g.name for g in dataclasses.fields(item)]
            if "name" not in names:
                continue
            table = _get(values, path)
            for key in table if isinstance(table, dict) else ():
                for g in dataclasses.fields(item):
                    if g.name != "name":
                        yield (*path, key, g.name), g
            continue
        yield path, f


def _get(data: Any, path: KeyPath) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


# --- formatting --------------------------------------------------------------------------------
def _number(x: float) -> str:
    return f"{x:g}"


def allowed_values(f: dataclasses.Field, hint: Any) -> str:
    """The allowed values of a field, from its type and its ``lo``/``hi``/``choices``."""
    m = f.metadata
    if m.get("choices"):
        return ", ".join(f'"{c}"' for c in m["choices"])
    if hint is bool:
        return "true, false"
    if hint is dt.date:
        return "a date (YYYY-MM-DD)"
    lo, hi = m.get("lo"), m.get("hi")
    whole = "whole number " if hint is int else ""
    if lo is not None and hi is not None:
        return f"{whole}[{_number(lo)}, {_number(hi)}]"
    if lo is not None:
        return f"{whole}>= {_number(lo)}"
    if hi is not None:
        return f"{whole}<= {_number(hi)}"
    return "any whole number" if hint is int else "any number" if hint is float else "text"


def format_value(value: Any) -> str:
    """A value as written in TOML; empty when the file does not set it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def parameter_rows(toml_path: str | Path) -> list[dict[str, str]]:
    """One row per leaf parameter of the scenario file at ``toml_path``.

    Keys: ``parameter`` (dotted path, e.g. ``mines.killed_mean`` or
    ``terrain.sectors.west.crews``), ``value`` (as written in TOML, empty if unset), ``unit``,
    ``allowed`` (range or choices), ``prior`` (the prior in the scenario's ``[priors]`` table,
    empty if none), ``meaning`` (the field's doc) and ``source`` (the trailing comment on the
    line that sets the value, in this file or the one it extends).
    """
    priors = {p.path: p.describe() for p in load_scenario(toml_path).priors}  # checks the file
    values, sources = read_scenario_file(toml_path)
    rows = []
    for path, f in parameter_fields(values):
        hint = _hints_of(path)[f.name]
        value = _get(values, path)
        if hint is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)  # as the loader resolves it: 1 in a float field is 1.0
        rows.append(
            {
                "parameter": ".".join(path),
                "value": format_value(value),
                "unit": str(f.metadata.get("unit", "")),
                "allowed": allowed_values(f, hint),
                "prior": priors.get(".".join(path), ""),
                "meaning": str(f.metadata.get("doc", "")),
                "source": sources.get(path, ""),
            }
        )
    return rows


def _hints_of(path: KeyPath) -> dict[str, Any]:
    """Type hints of the dataclass that declares the last field of ``path``."""
    cls: Any = Scenario
    i = 0
    while i < len(path) - 1:
        hint = typing.get_type_hints(cls)[path[i]]
        item = _item_type(hint)
        if item is not None:
            cls, i = item, i + 2  # skip the table key (a sector's name)
        else:
            cls, i = hint, i + 1
    return typing.get_type_hints(cls)


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").strip()


def markdown_table(rows: Sequence[dict[str, str]]) -> str:
    """The rows as a GitHub-flavoured Markdown table (no trailing newline)."""
    lines = [
        "| " + " | ".join(HEADERS) + " |",
        "|" + "|".join("---" for _ in HEADERS) + "|",
    ]
    for row in rows:
        cells = [_cell(row.get(c, "")) for c in COLUMNS]
        cells[0] = f"`{cells[0]}`"
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def replace_between_markers(text: str, table: str) -> str:
    """``text`` with everything between the BEGIN and END marker lines replaced by ``table``."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"markers {BEGIN} ... {END} not found in order")
    return text[: start + len(BEGIN)] + "\n" + table + "\n" + text[end:]


def table_between_markers(text: str) -> str | None:
    """The text between the marker lines, stripped; None without both markers."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        return None
    return text[start + len(BEGIN) : end].strip()


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m sim.scenario.describe",
        description="Print the parameter table of a scenario file as Markdown.",
    )
    p.add_argument("scenario", help="scenario file (TOML)")
    p.add_argument(
        "--update",
        metavar="MARKDOWN",
        help=f"rewrite the table between {BEGIN} and {END} in this file",
    )
    args = p.parse_args(argv)
    try:
        table = markdown_table(parameter_rows(args.scenario))
    except InputError as err:
        sys.stderr.write(f"error: {err}\n")
        return 2
    if args.update:
        doc = Path(args.update)
        doc.write_text(
            replace_between_markers(doc.read_text(encoding="utf-8"), table), encoding="utf-8"
        )
        sys.stderr.write(f"updated the parameter table in {doc}\n")
    else:
        sys.stdout.write(table + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
