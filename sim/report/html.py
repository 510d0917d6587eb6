"""HTML building blocks of the report: escaped text, tables, embedded figures and the page.

Everything the page shows is escaped here (``html.escape``); figures are embedded as data URIs,
and the page's Content-Security-Policy forbids every load from outside the file, so a report
opened in a browser never reaches the network.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sim.analysis.tables import format_number

MAX_COLUMNS = 12  # a table wider than this is split into several, each repeating the first
MAX_ROWS = 25  # longer tables show their top rows and say where the rest are
IMAGE_TYPES = {".png": "image/png", ".svg": "image/svg+xml"}
# nothing may load from outside the file: images from data: URIs, styles from the page itself
POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


class Raw(str):
    """Markup that is already escaped (a table cell holding a link or a line break)."""


class RawNumber(Raw):
    """Escaped markup of a numeric cell (right-aligned in a table)."""


def esc(value: object) -> str:
    """Text for the page, escaped; markup made by this module passes through."""
    if isinstance(value, Raw):
        return value
    return html.escape(str(value), quote=True)


def num(value: object) -> str:
    """A number as the terminal tables show it (about 3 significant digits); a CSV cell that
    holds a number is read as one, an empty one shown as ``-``."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return "-"
        try:
            value = int(text)
        except ValueError:
            try:
                value = float(text)
            except ValueError:
                return text
    return format_number(value)


def as_float(value: object) -> float:
    """A CSV cell as a number (NaN when empty or not a number)."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def interval(lo: object, hi: object) -> str:
    """``[lo, hi]``, or ``-`` when the interval is missing."""
    if math.isnan(as_float(lo)) and math.isnan(as_float(hi)):
        return "-"
    return f"[{num(lo)}, {num(hi)}]"


def with_interval(value: object, lo: object, hi: object) -> str:
    """``value [lo, hi]``."""
    band = interval(lo, hi)
    return num(value) if band == "-" else f"{num(value)} {band}"


def stacked(top: str, below: str, cls: str = "") -> RawNumber:
    """A numeric cell of two lines: ``top`` and, smaller, ``below``."""
    klass = f' class="{esc(cls)}"' if cls else ""
    return RawNumber(f"{esc(top)}<br><small{klass}>{esc(below)}</small>")


def code(text: str) -> Raw:
    return Raw(f"<code>{esc(text)}</code>")


def para(text: object, cls: str = "") -> str:
    klass = f' class="{esc(cls)}"' if cls else ""
    return f"<p{klass}>{esc(text)}</p>"


def heading(text: str, level: int = 3) -> str:
    return f"<h{level}>{esc(text)}</h{level}>"


def definitions(pairs: Iterable[tuple[str, object]]) -> str:
    """A two-column list of facts (the manifest)."""
    rows = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in pairs)
    return f'<table class="facts"><tbody>{rows}</tbody></table>'


def _is_numeric(cell: object) -> bool:
    if isinstance(cell, Raw):
        return isinstance(cell, RawNumber)
    text = str(cell).strip()
    if text.startswith("[") and text.endswith("]"):  # an interval
        text = text[1:].split(",")[0]
    return bool(text) and text != "-" and not math.isnan(as_float(text.split(" [")[0]))


def _breakable(text: str) -> str:
    """A heading that may wrap after its dots and underscores (long parameter paths)."""
    return esc(text).replace(".", ".<wbr>").replace("_", "_<wbr>")


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    caption: str = "",
    total: int | None = None,
    source: str = "",
    max_rows: int = MAX_ROWS,
) -> str:
    """A table of at most ``MAX_COLUMNS`` columns (wider ones are split into several that repeat
    the first column) and ``max_rows`` rows; ``total`` rows exist in all, in ``source``."""
    shown = list(rows[:max_rows])
    total = len(rows) if total is None else total
    blocks = [list(range(len(headers)))]
    if len(headers) > MAX_COLUMNS:
        rest = list(range(1, len(headers)))
        step = MAX_COLUMNS - 1
        blocks = [[0, *rest[i : i + step]] for i in range(0, len(rest), step)]
    numeric = [
        bool(j) and any(_is_numeric(row[j]) for row in shown if j < len(row))
        for j in range(len(headers))
    ]
    align = [' class="n"' if n else "" for n in numeric]
    out = []
    for picked in blocks:
        head = "".join(f'<th scope="col"{align[j]}>{_breakable(headers[j])}</th>' for j in picked)
        body = []
        for row in shown:
            cells = []
            for j in picked:
                cell = row[j] if j < len(row) else ""
                cells.append(f"<td{align[j]}>{esc(cell)}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        cap = f"<caption>{esc(caption)}</caption>" if caption else ""
        out.append(
            f'<div class="scroll"><table>{cap}<thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>"
        )
    if total > len(shown):
        where = f" {source} has them all." if source else ""
        out.append(para(f"The first {len(shown)} of {total} rows.{where}", "note"))
    return "".join(out)


def figure(path: Path, caption: str) -> str:
    """An image of ``plots/`` embedded as a data URI (PNG or SVG); a PDF cannot be shown in a
    page, so it is named instead."""
    kind = IMAGE_TYPES.get(path.suffix.lower())
    if kind is None:
        return para(f"{path.name}: {caption} ({path.suffix[1:].upper()}, not embedded)", "note")
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (
        f'<figure><img src="data:{kind};base64,{data}" alt="{esc(caption)}">'
        f'<figcaption>{esc(caption)} <span class="file">({esc(path.name)})</span>'
        "</figcaption></figure>"
    )


@dataclass(frozen=True)
class Section:
    """One numbered section of the report: an anchor, a title and its markup."""

    anchor: str
    title: str
    body: str


STYLE = """
:root { --ink: #1f2933; --muted: #5f6b7a; --rule: #d9dee5; --band: #f4f6f9; --accent: #1d4e89; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 15px/1.5 "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 0 28px 48px; }
header.top { background: var(--accent); color: #fff; padding: 22px 0 18px; margin-bottom: 20px; }
header.top div { max-width: 1120px; margin: 0 auto; padding: 0 28px; }
header.top h1 { margin: 0 0 4px; font-size: 26px; font-weight: 600; }
header.top p { margin: 0; color: #dce6f2; }
h2 { font-size: 21px; margin: 36px 0 10px; padding-bottom: 4px; color: var(--accent);
  border-bottom: 2px solid var(--rule); }
h3 { font-size: 16px; margin: 22px 0 6px; }
p { margin: 6px 0 10px; }
p.note, .note { color: var(--muted); font-size: 13px; }
p.question { font-size: 18px; margin: 4px 0 12px; padding: 10px 14px; background: var(--band);
  border-left: 4px solid var(--accent); }
nav.toc { display: flex; flex-wrap: wrap; gap: 10px 28px; align-items: baseline;
  padding: 10px 14px; border: 1px solid var(--rule); border-radius: 6px; background: var(--band); }
nav.toc strong { margin-right: 4px; }
nav.toc ol { margin: 0; padding: 0; list-style: none; display: flex; flex-wrap: wrap; gap: 4px 22px;
  counter-reset: toc; }
nav.toc li { counter-increment: toc; }
nav.toc li::before { content: counter(toc) ". "; color: var(--muted); }
a { color: var(--accent); }
.scroll { overflow-x: auto; margin: 8px 0 12px; }
table { border-collapse: collapse; font-size: 13.5px; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: 4px 0; caption-side: top; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--rule); vertical-align: top;
  text-align: left; }
thead th { background: var(--band); border-bottom: 2px solid #b8c2cf; font-weight: 600; }
tbody tr:nth-child(even) { background: #fafbfc; }
td.n, th.n { text-align: right; }
td.n, td:first-child { white-space: nowrap; }
td small { color: var(--muted); }
td small.up { color: #a4161a; font-weight: 600; }
td small.down { color: #2b7a0b; font-weight: 600; }
table.facts th { width: 190px; background: none; font-weight: 600; color: var(--muted); }
table.facts td { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px;
  word-break: break-all; }
code, pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
pre { background: var(--band); padding: 8px 10px; border-radius: 4px; overflow-x: auto;
  margin: 4px 0 10px; line-height: 1.45; }
figure { margin: 14px 0 22px; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
figcaption .file { font-family: "DejaVu Sans Mono", Menlo, monospace; font-size: 12px; }
.commands { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr));
  gap: 0 14px; }
.commands pre { font-size: 11px; white-space: pre-wrap; overflow-wrap: anywhere; }
footer { margin-top: 40px; padding-top: 10px; border-top: 1px solid var(--rule);
  color: var(--muted); font-size: 12.5px; }
@media print { header.top { background: none; color: var(--ink); } .scroll { overflow: visible; } }
"""


def page(title: str, subtitle: str, sections: Sequence[Section], footer: str) -> str:
    """The whole report: head (style, policy), a title band, contents, sections and a footer."""
    toc = "".join(f'<li><a href="#{esc(s.anchor)}">{esc(s.title)}</a></li>' for s in sections)
    body = "".join(
        f'<section id="{esc(s.anchor)}"><h2>{i}. {esc(s.title)}</h2>{s.body}</section>'
        for i, s in enumerate(sections, start=1)
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(POLICY)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>"
        f'<header class="top"><div><h1>{esc(title)}</h1><p>{esc(subtitle)}</p></div></header>'
        f'<main><nav class="toc"><strong>Contents</strong><ol>{toc}</ol></nav>{body}'
        f"<footer>{esc(footer)}</footer></main></body></html>\n"
    )
