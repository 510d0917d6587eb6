"""Sections of a sweep or sensitivity folder: the table per design point, the Sobol' indices
and the PRIM boxes that ``dmzsim discover`` wrote beside a sweep."""

from __future__ import annotations

import re
from pathlib import Path

from sim.report.folder import Results
from sim.report.html import (
    Section,
    as_float,
    figure,
    heading,
    interval,
    num,
    para,
    stacked,
    table,
    with_interval,
)


def sweep_section(r: Results) -> Section | None:
    """Each outcome at each design point, with its 95% interval."""
    header = r.header("sweep.csv")
    rows = r.rows("sweep.csv")
    if not rows:
        return None
    outcomes = [h for h in header[header.index("n") + 1 :] if not h.endswith((" lo", " hi"))]
    factors = header[2 : header.index("n")]
    cells = [
        [
            x["point"],
            *(num(x[f]) for f in factors),
            x["n"],
            *(stacked(num(x[o]), interval(x[f"{o} lo"], x[f"{o} hi"])) for o in outcomes),
        ]
        for x in rows
    ]
    body = table(["point", *factors, "n", *outcomes], cells, total=len(rows), source="sweep.csv")
    body += para(
        "Each outcome: its mean, or the probability P(...), at the design point with its 95% "
        "interval (t-interval of a mean; Wilson interval of a probability); n replications per "
        "point, with common random numbers across points. main_effects.csv has each "
        "parameter's main effect.",
        "note",
    )
    return Section("sweep", "Outcomes over the design", body)


def _ranges(r: Results) -> dict[str, str]:
    factors = (r.manifest.get("design") or {}).get("factors") or []
    return {str(f.get("path")): str(f.get("spec", "")) for f in factors}


def sensitivity_section(r: Results, plots: list[Path]) -> Section | None:
    """First-order and total Sobol' indices, sorted by total, beside their bar charts."""
    rows = r.rows("sensitivity.csv")
    if not rows:
        return None
    ranges = _ranges(r)
    out = []
    for outcome in dict.fromkeys(x["outcome"] for x in rows):
        mine = sorted(
            (x for x in rows if x["outcome"] == outcome),
            key=lambda x: -as_float(x["total_order"]),
        )
        cells = [
            [
                x["parameter"],
                ranges.get(x["parameter"], "-"),
                with_interval(x["first_order"], x["first_low"], x["first_high"]),
                with_interval(x["total_order"], x["total_low"], x["total_high"]),
            ]
            for x in mine
        ]
        out.append(heading(outcome))
        out.append(
            table(
                ["parameter", "varied over", "first order [95%]", "total [95%]"],
                cells,
                max_rows=len(cells),
            )
        )
        out += [figure(p, f"Sobol' indices of {outcome}") for p in plots if _slug_in(p, outcome)]
    shown = {p for p in plots if any(_slug_in(p, o) for o in {x["outcome"] for x in rows})}
    out += [figure(p, "Sobol' indices") for p in plots if p not in shown]
    out.append(
        para(
            "First order: the share of the outcome's variance a parameter explains alone; total: "
            "with all its interactions. Intervals: 95% bootstrap. Estimates from few samples can "
            "fall outside [0, 1].",
            "note",
        )
    )
    return Section("sobol", "Sensitivity: Sobol' indices", "".join(out))


OPS = {">=": "ge", "<=": "le", "==": "eq", "!=": "ne", ">": "gt", "<": "lt"}


def _slug_in(path: Path, outcome: str) -> bool:
    """Whether a plot is that of ``outcome``: ``P(highest_rung>=4)`` draws
    ``sobol_highest_rung_ge_4`` (as ``sim.sweep_results.slug`` names it)."""
    m = re.fullmatch(r"P\((\w+)(>=|<=|==|!=|>|<)(.+)\)", outcome)
    text = f"{m[1]}_{OPS[m[2]]}_{m[3]}" if m else outcome
    return path.stem == "sobol_" + re.sub(r"\W", "_", text)


def prim_section(r: Results, plots: list[Path]) -> Section | None:
    """The boxes of parameter space where PRIM found an outcome likeliest (dmzsim discover)."""
    found = [p for p in r.files("discover_*.csv") if not p.stem.endswith("_box")]
    if not found:
        return None
    out = []
    shown: set[Path] = set()
    for path in found:
        name = path.stem.removeprefix("discover_")
        trajectory = r.rows(path.name)
        chosen = next((x for x in trajectory if x.get("chosen") == "1"), None)
        out.append(heading(f"Where {name.replace('_ge_', '>=')} is likeliest"))
        if chosen:
            out.append(
                para(
                    f"Chosen box (step {chosen['index']} of the peeling): coverage "
                    f"{num(chosen['coverage'])} (share of the cases inside it), density "
                    f"{num(chosen['density'])} (share of the replications inside where the "
                    f"outcome happened), mass {num(chosen['mass'])} (share of the replications "
                    "inside)."
                )
            )
        limits = r.rows(f"discover_{name}_box.csv")
        if limits:
            header = list(limits[0])
            out.append(
                table(header, [[x[h] for h in header] for x in limits], max_rows=len(limits))
            )
        else:
            out.append(para("The box restricts no parameter: the outcome is no likelier "
                            "anywhere in the sweep.", "note"))  # fmt: skip
        for p in plots:
            if p.stem == f"discover_{name}":
                out.append(figure(p, f"PRIM peeling trajectory for {name}"))
                shown.add(p)
    out += [figure(p, "PRIM") for p in plots if p not in shown]
    out.append(para("discover_<outcome>.csv has the whole peeling trajectory.", "note"))
    return Section("prim", "Scenario discovery: PRIM boxes", "".join(out))
