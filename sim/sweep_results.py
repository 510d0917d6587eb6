"""Write a sweep's results folder from its store: the per-point table, main effects, plots
(a curve for one parameter, heatmaps for two, main-effect panels for two or more) and the
manifest. Everything is read back from SQLite, so a resumed sweep writes what an
uninterrupted one would."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Sequence
from pathlib import Path

import numpy as np

from sim import __version__
from sim.analysis.outcomes import Outcome
from sim.analysis.sweep import Axis, Estimate, along, axis, cells, point_table
from sim.analysis.tables import format_number
from sim.experiment import outputs
from sim.experiment.design import DESIGN_SPAWN_KEY, Design
from sim.experiment.store import STORE_NAME, Store
from sim.plots.names import SWEEP_PLOTS
from sim.plots.sweep import Effect, effect_plot, heatmaps, main_effects
from sim.rng import DERIVATION
from sim.scenario.params import Scenario

DEFAULT_OUTCOMES = ("highest_rung>=4", "highest_rung>=5", "count_mdl_crossing", "mean_tension")
PRINTED_POINTS = 40  # more than this and the terminal shows the first ones; sweep.csv has all


def slug(outcome: Outcome) -> str:
    """A file-name form of an outcome: ``highest_rung>=4`` -> ``highest_rung_ge_4``."""
    words = {">=": "ge", "<=": "le", "==": "eq", "!=": "ne", ">": "gt", "<": "lt"}
    if outcome.op is None:
        return outcome.column
    return re.sub(r"\W", "_", f"{outcome.column}_{words[outcome.op]}_{outcome.threshold:.15g}")


def _effect(label: str, probability: bool, x: Sequence, ests: Sequence[Estimate]) -> Effect:
    return Effect(
        outcome=label,
        x=list(x),
        mean=np.array([e.mean for e in ests]),
        lo=np.array([e.lo for e in ests]),
        hi=np.array([e.hi for e in ests]),
        n=np.array([e.n for e in ests]),
        probability=probability,
    )


def _axis_x(ax: Axis) -> list:
    """Plot positions: labels for a categorical factor, values otherwise."""
    return list(ax.labels) if ax.factor.categorical else list(ax.x)


Effects = dict[tuple[int, str], list[Estimate]]  # (parameter index, outcome label) -> groups


def effect_rows(axes: Sequence[Axis], outcomes: Sequence[Outcome], effects: Effects) -> list[dict]:
    """Every outcome along every parameter (its main effect): one row per level or bin."""
    rows = []
    for j, ax in enumerate(axes):
        for o in outcomes:
            for label, x, e in zip(ax.labels, ax.x, effects[j, o.label], strict=True):
                rows.append(
                    {
                        "parameter": ax.factor.path,
                        "level": label,
                        "x": ax.factor.label(x) if ax.factor.categorical else x,
                        "outcome": o.label,
                        "mean": e.mean,
                        "ci_lo": e.lo,
                        "ci_hi": e.hi,
                        "n": e.n,
                    }
                )
    return rows


def export_sweep_outcomes(store: Store, folder: Path) -> Path:
    """``outcomes.csv``: one row per replication with its point's parameter values."""
    return outputs.write_outcomes_csv(
        folder / "outcomes.csv",
        store.iter_rows("SELECT * FROM sweep_outcomes ORDER BY point, replication"),
    )


def write_sweep_results(
    store: Store,
    design: Design,
    scenarios: Sequence[Scenario],
    outcomes: Sequence[Outcome],
    folder: Path,
    report: dict,
    fmt: str = "png",
    only: Collection[str] | None = None,
) -> list[dict]:
    """Every output of a sweep into ``folder`` (of the plots, those named in ``only`` that
    apply to the number of parameters); returns the per-point table."""
    names = [s.name for s in scenarios]
    cols = store.sweep_columns(sorted({o.column for o in outcomes}))
    table = point_table(design, names, cols, outcomes)
    outputs.write_table(folder / "sweep.csv", table)
    export_sweep_outcomes(store, folder)
    axes = [axis(f, [p[j] for p in design.points]) for j, f in enumerate(design.factors)]
    effects = {(j, o.label): along(ax, cols, o) for j, ax in enumerate(axes) for o in outcomes}
    outputs.write_table(folder / "main_effects.csv", effect_rows(axes, outcomes, effects))
    plots = folder / "plots"
    title = f"{scenarios[0].name.split('#')[0]}: {design.method} sweep, {len(names)} points"
    wants = set(SWEEP_PLOTS if only is None else only)
    if len(axes) == 1 and "sweep" in wants:
        ax = axes[0]
        curves = [
            _effect(o.label, o.probability, _axis_x(ax), effects[0, o.label]) for o in outcomes
        ]
        effect_plot(ax.factor.path, curves, plots / f"sweep.{fmt}", title)
    if len(axes) == 2 and "heatmap" in wants:
        x, y = axes
        panels = []
        for o in outcomes:
            grid = cells(x, y, cols, o)
            panels.append(
                (
                    o.label,
                    np.array([[e.mean for e in row] for row in grid]),
                    np.array([[e.n for e in row] for row in grid]),
                    o.probability,
                )
            )
        heatmaps(
            x.factor.path,
            x.labels,
            y.factor.path,
            y.labels,
            panels,
            plots / f"heatmap.{fmt}",
            title,
        )
    if len(axes) >= 2 and "main_effects" in wants:
        for o in outcomes:
            values = o.values(cols[o.column])
            named = [
                (ax.factor.path, _effect(o.label, o.probability, _axis_x(ax), effects[j, o.label]))
                for j, ax in enumerate(axes)
            ]
            main_effects(
                o.label,
                named,
                plots / f"main_effects_{slug(o)}.{fmt}",
                title,
                overall=float(np.nanmean(values)) if values.size else None,
            )
    outputs.write_manifest(
        folder / "manifest.json",
        **report,
        version=__version__,
        replication_seeds=DERIVATION,
        design=design.describe()
        | {"seed": f"SeedSequence(root_seed, spawn_key={DESIGN_SPAWN_KEY})"},
        outcomes=[o.label for o in outcomes],
        points_table="points (and the view sweep_outcomes) in " + STORE_NAME,
        store=STORE_NAME,
        finished=dt.datetime.now().isoformat(timespec="seconds"),
    )
    return table


def compact(table: Sequence[dict], design: Design, outcomes: Sequence[Outcome]) -> list[dict]:
    """The per-point table for a terminal: parameters, n, then ``mean [lo, hi]`` per outcome."""
    out = []
    for row in table[:PRINTED_POINTS]:
        short: dict[str, object] = {"point": row["point"]}
        short |= {f.path: row[f.path] for f in design.factors}
        short["n"] = row["n"]
        for o in outcomes:
            m, lo, hi = (format_number(row[k]) for k in (o.label, f"{o.label} lo", f"{o.label} hi"))
            short[o.label] = f"{m} [{lo}, {hi}]"
        out.append(short)
    return out
