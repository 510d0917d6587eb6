"""Write a sensitivity analysis's results folder: Sobol' indices of each outcome with bootstrap
intervals (a table and a bar chart), the per-point table and the manifest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from pathlib import Path

import numpy as np

from sim import __version__
from sim.analysis.outcomes import Outcome
from sim.analysis.sensitivity import SobolIndices, sobol_from_values, sobol_rows
from sim.analysis.sweep import point_table
from sim.errors import InputError
from sim.experiment import outputs
from sim.experiment.design import Design
from sim.experiment.store import STORE_NAME, Store
from sim.plots.sensitivity import sobol_bar_chart
from sim.rng import DERIVATION
from sim.scenario.params import Scenario
from sim.sweep_results import export_sweep_outcomes, slug


def point_means(cols: dict[str, np.ndarray], outcome: Outcome, points: int) -> np.ndarray:
    """The outcome's mean (or share) at each design point, over its replications."""
    values = outcome.values(cols[outcome.column])
    keep = ~np.isnan(values)
    where = cols["point"][keep]
    total = np.bincount(where, weights=values[keep], minlength=points)
    count = np.bincount(where, minlength=points)
    if np.any(count == 0):
        raise InputError(
            "--outcome", None, outcome.label, "has no value at some design point; choose another"
        )
    return total / count


def write_sensitivity_results(
    store: Store,
    design: Design,
    scenarios: Sequence[Scenario],
    outcomes: Sequence[Outcome],
    folder: Path,
    report: dict,
    design_seed: int,
    fmt: str = "png",
    only: Collection[str] | None = None,
) -> dict[str, SobolIndices]:
    """Every output of a sensitivity analysis into ``folder``; returns the indices by outcome."""
    names = [s.name for s in scenarios]
    cols = store.sweep_columns(sorted({o.column for o in outcomes}))
    outputs.write_table(folder / "sweep.csv", point_table(design, names, cols, outcomes))
    export_sweep_outcomes(store, folder)
    base = len(design.points) // (len(design.factors) + 2)
    indices, rows = {}, []
    for o in outcomes:
        try:
            ix = sobol_from_values(
                point_means(cols, o, len(names)),
                len(design.factors),
                design.names,
                seed=design_seed,
            )
        except ValueError as err:
            raise InputError("--outcome", None, o.label, str(err)) from None
        indices[o.label] = ix
        rows += [{"outcome": o.label, **r} for r in sobol_rows(ix)]
        if only is not None and "sobol" not in only:
            continue
        sobol_bar_chart(
            ix,
            o.label,
            folder / "plots" / f"sobol_{slug(o)}.{fmt}",
            f"Sobol' indices of {o.label}\n{base} base samples x {len(design.factors) + 2} "
            f"= {len(names)} points, {cols['point'].size // len(names)} replications each",
            ranges={
                f.path: (f.low, f.high) if f.levels is None else f.levels for f in design.factors
            },
        )
    outputs.write_table(folder / "sensitivity.csv", rows)
    outputs.write_manifest(
        folder / "manifest.json",
        **report,
        version=__version__,
        replication_seeds=DERIVATION,
        design=design.describe() | {"base_samples": base, "seed": design_seed},
        outcomes=[o.label for o in outcomes],
        store=STORE_NAME,
        finished=dt.datetime.now().isoformat(timespec="seconds"),
    )
    return indices
