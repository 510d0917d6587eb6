"""Sections of a run or compare: headline outcomes with their intervals, the paired
differences, the forecast, the Kaplan-Meier summary and the extreme replications."""

from __future__ import annotations

from sim.model.events import RUNGS
from sim.report.folder import Results, Rows
from sim.report.html import (
    Section,
    as_float,
    esc,
    heading,
    interval,
    num,
    para,
    stacked,
    table,
    with_interval,
)
from sim.report.replay import SHOWN, replays

HEADLINE = (
    "highest_rung",
    "P(rung>=3)",
    "P(rung>=4)",
    "P(rung>=5)",
    "P(rung>=6)",
    "P(war)",
    "armed_events",
    "killed_armed",
    "injured_armed",
    "mean_tension",
    "max_tension",
    "share_deliberate",
    "share_misread",
    "share_accident",
)
LABELS = {
    "highest_rung": "highest rung (mean)",
    "P(war)": "P(general war)",
    "armed_events": "armed events (rung >= 4)",
    "killed_armed": "killed in armed exchanges",
    "injured_armed": "injured in armed exchanges",
    "mean_tension": "mean tension",
    "max_tension": "peak tension",
    "share_deliberate": "share of armed events deliberate",
    "share_misread": "share of armed events misread",
    "share_accident": "share of armed events accidental",
}
for _k in range(1, len(RUNGS)):
    LABELS[f"P(rung>={_k})"] = f"P(rung >= {_k}: {RUNGS[_k]})"


def kind_of_interval(outcome: str) -> str:
    """What the 95% interval of a row of summary.csv is."""
    if outcome.startswith("P("):
        return "Wilson interval of a probability"
    if outcome.startswith("share_"):
        return "delta-method interval of a pooled share"
    return "t-interval of a mean"


def _summary(r: Results, name: str) -> Rows:
    single = r.kind == "run" and r.has("summary.csv")
    return r.rows("summary.csv" if single else f"summary_{name}.csv")


def _by_outcome(rows: Rows, key: str = "outcome") -> dict[str, dict[str, str]]:
    return {row[key]: row for row in rows}


def headline_section(r: Results) -> Section:
    """The headline outcomes of each scenario, each with its labelled 95% interval."""
    if r.kind == "run":
        rows = _by_outcome(_summary(r, r.base_name()))
        cells = [
            [
                LABELS.get(k, k),
                num(rows[k]["mean"]),
                interval(rows[k]["ci_lo"], rows[k]["ci_hi"]),
                kind_of_interval(k),
                num(rows[k]["n"]),
            ]
            for k in HEADLINE
            if k in rows
        ]
        body = table(
            ["outcome", "estimate", "95% interval", "interval of", "n"],
            cells,
            max_rows=len(cells),
        )
        body += para(
            "n: replications (for the shares, the armed events pooled). summary.csv has every "
            "outcome, including each event type's count.",
            "note",
        )
        return Section("headline", "Headline outcomes", body)
    tables = {name: _by_outcome(_summary(r, name)) for name in r.names}
    cells = []
    for k in HEADLINE:
        if not all(k in t for t in tables.values()):
            continue
        row: list[object] = [LABELS.get(k, k)]
        for name in r.names:
            x = tables[name][k]
            row.append(stacked(num(x["mean"]), interval(x["ci_lo"], x["ci_hi"])))
        cells.append(row)
    body = table(["outcome", *r.names], cells, max_rows=len(cells))
    body += para(
        "Each cell: the estimate and, below it, its 95% interval: a Wilson interval for a "
        "probability P(...), a delta-method interval for a share, a t-interval of the mean "
        "otherwise. summary_<scenario>.csv has every outcome.",
        "note",
    )
    return Section("headline", "Headline outcomes", body)


def _signed(value: object) -> str:
    text = num(value)
    return text if text.startswith("-") or text in ("0", "-") else "+" + text


def differences_section(r: Results) -> Section:
    """A compare's paired differences from the base, each with its 95% interval."""
    rows = _by_outcome(r.rows("compare.csv"))
    base, others = r.base_name(), r.names[1:]
    cells = []
    for k in HEADLINE:
        if k not in rows:
            continue
        row: list[object] = [LABELS.get(k, k), num(rows[k][base])]
        for name in others:
            d, lo, hi = (as_float(rows[k][f"diff_{name}{s}"]) for s in ("", "_lo", "_hi"))
            clear = lo > 0 or hi < 0
            cls = ("up" if lo > 0 else "down") if clear else ""
            below = f"{_signed(d)} [{_signed(lo)}, {_signed(hi)}]"
            row.append(stacked(num(rows[k][name]), below, cls))
        cells.append(row)
    body = table(["outcome", f"{base} (base)", *others], cells, max_rows=len(cells))
    body += para(
        f"Each cell: the scenario's mean and, below it, its difference from {base} with the 95% "
        "interval of the paired differences (replication i of every scenario shares its random "
        "numbers; Newcombe's paired interval for a probability, the delta method for a share). "
        "Coloured: the interval excludes 0 (red: higher than the base, green: lower). "
        "compare.csv has every outcome.",
        "note",
    )
    for note in r.manifest.get("notes") or ():  # e.g. scenarios simulating different periods
        body += para(f"Note: {note}.", "note")
    return Section("differences", "Paired differences from the base", body)


def _forecast(r: Results, name: str) -> Rows:
    return r.rows("forecast.csv" if r.kind == "run" else f"forecast_{name}.csv")


def forecast_section(r: Results) -> Section | None:
    """What each scenario forecasts for the forecast window (July-December 2024)."""
    from sim.results import FORECAST

    tables = {name: _forecast(r, name) for name in r.names}
    tables = {name: rows for name, rows in tables.items() if rows}
    if not tables:
        return None
    title = f"Forecast {FORECAST[0]} to {FORECAST[1]}"
    if r.kind == "run":
        rows = next(iter(tables.values()))
        cells = []
        for x in rows:
            probability = x["quantity"].startswith("P(")
            cells.append(
                [
                    x["quantity"],
                    num(x["mean"]),
                    interval(x["ci_lo"], x["ci_hi"]),
                    "-" if probability else num(x["median"]),
                    "-" if probability else interval(x["p05"], x["p95"]),
                ]
            )
        body = table(
            [
                "quantity",
                "mean",
                "95% interval of the mean (Wilson for P)",
                "median",
                "90% predictive interval",
            ],
            cells,
            max_rows=len(cells),
        )
    else:
        names = list(tables)
        quantities = [x["quantity"] for x in tables[names[0]]]
        cells = []
        for q in quantities:
            row: list[object] = [q]
            for name in names:
                x = _by_outcome(tables[name], "quantity").get(q)
                if x is None:
                    row.append("-")
                elif q.startswith("P("):
                    row.append(stacked(num(x["mean"]), interval(x["ci_lo"], x["ci_hi"])))
                else:
                    row.append(stacked(num(x["mean"]), interval(x["p05"], x["p95"])))
            cells.append(row)
        body = table(["quantity", *names], cells, max_rows=len(cells))
    body += para(
        "A count's 90% predictive interval holds the central 90% of replications: what a single "
        "future could look like. The 95% interval of the mean says how well the replications "
        "pin the mean down. "
        + (
            "Each cell: the mean and, below it, the 90% predictive interval of a count, or the "
            "95% Wilson interval of a probability P(...). "
            if r.kind == "compare"
            else ""
        )
        + "A distribution under stated assumptions, not a prediction.",
        "note",
    )
    return Section("forecast", title, body)


def survival_table(r: Results) -> str:
    """The Kaplan-Meier summary: chance of reaching each rung by the horizon, median day."""
    rows = r.rows("survival_summary.csv")
    if not rows:
        return ""
    several = len({x["scenario"] for x in rows}) > 1
    keep = {"3", "4", "5"} if several else None
    cells = [
        [
            *([x["scenario"]] if several else []),
            f"{x['rung']}: {x['rung_name']}",
            with_interval(x["p_reached"], x["p_reached_lo"], x["p_reached_hi"]),
            with_interval(x["median_day"], x["median_day_lo"], x["median_day_hi"]),
            f"{x['reached']} of {x['n']}",
        ]
        for x in rows
        if keep is None or x["rung"] in keep
    ]
    return table(
        [
            *(["scenario"] if several else []),
            "rung",
            "P(reached by the end) [95% interval]",
            "median day reached [95% interval]",
            "replications reaching it",
        ],
        cells,
        total=len(cells),
        source="survival_summary.csv",
    ) + para(
        "Kaplan-Meier estimates of the time to first reach each rung, censored at the scenario's "
        "horizon; a median is shown only where over half the replications reach the rung."
        + _day_zero(rows),
        "note",
    )


def _day_zero(rows: Rows) -> str:
    """When the scenarios start on different days: each one's day 0 (days count from it)."""
    starts = {x["scenario"]: x.get("start_date") for x in rows if x.get("start_date")}
    if len(set(starts.values())) <= 1:
        return ""
    days = ", ".join(f"{name} {day}" for name, day in starts.items())
    return f" Days count from each scenario's start: {days}."


def extremes_section(r: Results) -> Section | None:
    """The most extreme replications, with the command that replays each event by event."""
    per = 5 if len(r.names) == 1 else 3
    found = replays(r, per)
    if not found:
        return None
    out = [
        para(
            f"The {per} replications of each scenario that climbed highest (ties: more armed "
            "events, then higher peak tension). Each command prints that replication's events "
            "with the chain of events that caused each.",
        )
    ]
    for name in r.names:
        mine = [p for p in found if p.scenario == name]
        if not mine:
            continue
        if len(r.names) > 1:
            out.append(heading(name))
        cells = [
            [
                p.row["replication"],
                p.row["seed"],
                f"{p.row['highest_rung']}: {RUNGS[int(float(p.row['highest_rung']))]}",
                *(num(p.row.get(c, "")) for c in SHOWN[1:]),
            ]
            for p in mine
        ]
        out.append(
            table(
                [
                    "replication",
                    "root seed",
                    "highest rung",
                    "armed events",
                    "killed (armed)",
                    "peak tension",
                    "last day",
                ],
                cells,
            )
        )
        commands = []
        for p in mine:
            rung = int(float(p.row["highest_rung"]))
            label = f"# replication {p.row['replication']}: {RUNGS[rung]}\n"
            commands.append(f"<pre>{esc(label + p.wrapped(72))}</pre>")
            if p.caveat:
                commands.append(para(p.caveat, "note"))
        out.append(f'<div class="commands">{"".join(commands)}</div>')
    used = r.manifest.get("posterior")
    if isinstance(used, dict) and any(used.values()):
        out.append(
            para(
                "dmzsim trace draws the replication's row of the posterior, as the run did.",
                "note",
            )
        )
    return Section("extremes", "The most extreme replications", "".join(out))
