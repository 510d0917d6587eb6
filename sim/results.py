"""Write an experiment's results folder from its store: tables, trajectories, survival curves,
plots and the manifest. Everything is read back from SQLite, so a resumed experiment writes
exactly what an uninterrupted one would. matplotlib is imported only when a plot is drawn."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import cast

import numpy as np

from sim import __version__
from sim.analysis.survival import (
    SurvivalCurve,
    kaplan_meier,
    survival_rows,
    survival_summary,
    time_to_rung,
)
from sim.analysis.tables import (
    FORECAST_COUNTS,
    Columns,
    compare_table,
    forecast_table,
    outcome_table,
)
from sim.analysis.trajectories import BAND_QUANTILES
from sim.experiment import outputs
from sim.experiment.store import STORE_NAME, Store
from sim.model.calendar import months_between
from sim.model.events import FIRST_ARMED_RUNG, RUNGS
from sim.plots.names import RUN_PLOTS
from sim.rng import DERIVATION
from sim.scenario.loader import scenario_to_dict
from sim.scenario.params import Scenario

FORECAST = ("2024-07", "2024-12")
SURVIVAL_PANELS = (3, 4, 5)  # warning shots, the first exchange of fire, artillery
SURVIVAL_PLOTS = ("survival_fire", "survival_rungs")


def covers(s: Scenario, first: str, last: str) -> bool:
    """Whether the scenario simulates every month from ``first`` to ``last``."""
    window = months_between(
        dt.date.fromisoformat(f"{first}-01"), dt.date.fromisoformat(f"{last}-01")
    )
    return set(window) <= set(months_between(s.start_date, s.end_date))


def horizon_note(windows: Mapping[str, tuple[dt.date, dt.date]]) -> str | None:
    """The note a comparison of scenarios that simulate different periods (first and last
    day by name) carries: their counts and probabilities are not like for like. None when
    every scenario simulates the same days."""
    if len(set(windows.values())) <= 1:
        return None
    spans = ", ".join(f"{n} {a.isoformat()}..{b.isoformat()}" for n, (a, b) in windows.items())
    return (
        f"horizons differ: counts cover different periods ({spans}); the paired differences "
        "mix the scenarios' effect with their windows'"
    )


def comparison_notes(scenarios: list[Scenario]) -> list[str]:
    """What a reader of a comparison must know about its windows: that the scenarios simulate
    different periods (:func:`horizon_note`), and which of them lack the forecast window
    (no forecast table of theirs)."""
    note = horizon_note({s.name: (s.start_date, s.end_date) for s in scenarios})
    notes = [note] if note else []
    short = [s.name for s in scenarios if not covers(s, *FORECAST)]
    if short:
        notes.append(
            f"no forecast for {', '.join(short)}: not simulated over all of "
            f"{FORECAST[0]}..{FORECAST[1]}"
        )
    return notes


def dated_rows(rows: list[dict[str, object]], start: dt.date) -> list[dict[str, object]]:
    """Rows of ``survival_rows`` with the calendar ``date`` of each ``day`` after it (the day
    that begins at that time: the last row, the horizon, is the day after the end date), so
    that scenarios with different start dates can be read side by side."""
    out = []
    for row in rows:
        items = list(row.items())
        at = list(row).index("day") + 1
        date = start + dt.timedelta(days=cast(int, row["day"]))
        out.append(dict([*items[:at], ("date", date.isoformat()), *items[at:]]))
    return out


def survival_curves(s: Scenario, cols: Columns) -> dict[int, SurvivalCurve]:
    """Kaplan-Meier curves of the time to each rung, censored at the horizon."""
    first_days = np.column_stack([cols[f"first_day_rung_{k}"] for k in range(1, len(RUNGS))])
    return {
        k: kaplan_meier(time_to_rung(first_days, k), float(s.horizon_days))
        for k in range(1, len(RUNGS))
    }


def write_results(
    store: Store,
    scenarios: list[Scenario],
    folder: Path,
    report: dict,
    *,
    events: bool = False,
    fmt: str = "png",
    only: Collection[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Every output of an experiment into ``folder`` (of the plots, those named in ``only``;
    default all, ``sim.plots.names.RUN_PLOTS``; none when it is empty); returns the tables
    (``summary`` and ``forecast`` by scenario, ``compare``) for printing. ``report`` goes into
    the manifest; ``progress`` is told each group of files as it is begun."""
    step = progress or (lambda what: None)
    names = [s.name for s in scenarios]
    step("outcomes.csv")
    outputs.export_outcomes_csv(store, folder / "outcomes.csv", names)
    if events:
        step("events.csv")
        outputs.export_events_csv(store, folder / "events.csv", names)
    step("tables (summary, forecast, trajectories, survival)")
    columns = [(s.name, store.outcome_columns(s.name)) for s in scenarios]
    notes = comparison_notes(scenarios) if len(scenarios) > 1 else []
    tables: dict = {"summary": {}, "forecast": {}, "compare": [], "notes": notes}
    daily, bands, steps, medians = [], [], [], []
    panels: dict[int, list[tuple[str, SurvivalCurve]]] = {k: [] for k in SURVIVAL_PANELS}
    for s, (name, cols) in zip(scenarios, columns, strict=True):
        suffix = "" if len(scenarios) == 1 else f"_{name}"
        tables["summary"][name] = outcome_table(cols)
        outputs.write_table(folder / f"summary{suffix}.csv", tables["summary"][name])
        if covers(s, *FORECAST):
            counts = [(label, store.window(name, *FORECAST, t)[0]) for label, t in FORECAST_COUNTS]
            top = store.window(name, *FORECAST, ())[1]
            tables["forecast"][name] = forecast_table(counts, top)
            outputs.write_table(folder / f"forecast{suffix}.csv", tables["forecast"][name])
        sketch = store.sketch(name, s.horizon_days)
        daily += outputs.trajectory_rows(name, s.start_date, sketch)
        bands.append((name, sketch.quantiles(BAND_QUANTILES)))
        for k, curve in survival_curves(s, cols).items():
            steps += dated_rows(survival_rows(name, k, curve), s.start_date)
            medians.append(survival_summary(name, k, curve) | {"start_date": str(s.start_date)})
            if k in panels:
                panels[k].append((name, curve.on_grid()))  # daily: flat in replications
    store.write_daily(daily)
    outputs.write_table(folder / outputs.SUMMARY_NAME, daily)
    outputs.write_table(folder / "survival.csv", steps)
    outputs.write_table(folder / "survival_summary.csv", medians)
    if len(scenarios) > 1:
        step("compare.csv")
        tables["compare"] = compare_table(columns)
        outputs.write_table(folder / "compare.csv", tables["compare"])
    starts = {s.name: s.start_date for s in scenarios}
    for plot in [p for p in RUN_PLOTS if only is None or p in only]:
        step(f"plots/{plot}.{fmt}")
        _draw(plot, columns, bands, panels, starts, folder / "plots", fmt)
    step("manifest.json")
    outputs.write_manifest(
        folder / "manifest.json",
        **report,
        version=__version__,
        replication_seeds=DERIVATION,
        scenarios={s.name: scenario_to_dict(s) for s in scenarios},
        **({"notes": notes} if notes else {}),  # e.g. scenarios of different periods
        store=STORE_NAME,
        finished=dt.datetime.now().isoformat(timespec="seconds"),
    )
    return tables


def step_count(scenarios: int, events: bool, only: Collection[str] | None) -> int:
    """How many groups of files ``write_results`` announces to its ``progress``."""
    plots = sum(1 for p in RUN_PLOTS if only is None or p in only)
    return 3 + int(events) + int(scenarios > 1) + plots


def _draw(
    plot: str,
    columns: list,
    bands: list,
    panels: dict[int, list[tuple[str, SurvivalCurve]]],
    start: dict[str, dt.date],
    plots: Path,
    fmt: str,
) -> None:
    """One of ``RUN_PLOTS`` into ``plots/`` (matplotlib is imported here, on first use);
    ``start`` is each scenario's day 0, so that the time axes align on calendar dates."""
    if plot == "survival_fire":
        from sim.plots.survival import survival_plot

        survival_plot(
            panels[FIRST_ARMED_RUNG],
            start,
            plots / f"survival_fire.{fmt}",
            "Time to the first exchange of fire (Kaplan-Meier, 95% band)",
        )
    elif plot == "survival_rungs":
        from sim.plots.survival import survival_panels

        survival_panels(panels, start, plots / f"survival_rungs.{fmt}")
    else:
        from sim.plots.figures import write_all_plots

        write_all_plots(columns, bands, start, plots, fmt, {plot})
