"""Scenario discovery on a sweep's results: where in the swept ranges an outcome is likely.

Reads a sweep's store (read-only), codes each replication's parameter values as PRIM inputs
(dates as day numbers, true/false and choices as categories) and writes the peeling trajectory,
the chosen box and the trade-off plot beside the sweep's other results.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.analysis.outcomes import Outcome, parse_outcome
from sim.analysis.prim import PrimResult, box_limits, box_rows, prim
from sim.errors import InputError
from sim.experiment import outputs
from sim.experiment.store import STORE_NAME, Store
from sim.plots.prim import tradeoff_plot
from sim.sweep_results import slug


@dataclass(frozen=True)
class Discovery:
    """A PRIM run on a sweep, with what is needed to print and label it."""

    outcome: Outcome
    method: str
    result: PrimResult
    rows: list[dict]  # the peeling trajectory
    limits: list[dict]  # the chosen box's restricted parameters
    files: list[Path]


def _inputs(store: Store, factors: list[dict]) -> tuple[np.ndarray, list[bool]]:
    """Per design point, each parameter's value as a PRIM input, and which are categorical."""
    rows = store.points()
    x = np.zeros((len(rows), len(factors)))
    categorical = []
    for j, f in enumerate(factors):
        values = [r[2 + j] for r in rows]
        if f["kind"] == "str":
            x[:, j] = [f["levels"].index(v) for v in values]
        elif f["kind"] == "date":
            x[:, j] = [dt.date.fromisoformat(v).toordinal() for v in values]
        else:
            x[:, j] = values
        categorical.append(f["kind"] in ("bool", "str"))
    return x, categorical


def _labeller(factors: list[dict]):  # type: ignore[no-untyped-def]
    def label(dim: int, value: float) -> str:
        f = factors[dim]
        if f["kind"] == "str":
            return str(f["levels"][int(value)])
        if f["kind"] == "bool":
            return "true" if value else "false"
        if f["kind"] == "date":
            return dt.date.fromordinal(int(value)).isoformat()
        return f"{value:.4g}"

    return label


def discover(
    folder: Path,
    outcome_text: str,
    *,
    alpha: float = 0.05,
    min_mass: float = 0.05,
    threshold: float | None = None,
    fmt: str = "png",
) -> Discovery:
    """Run PRIM for ``outcome_text`` (a condition such as ``highest_rung>=4``) on the sweep
    stored in ``folder`` and write its tables and plot there."""
    path = Path(folder) / STORE_NAME
    if not path.is_file():
        raise InputError(str(folder), None, None, f"holds no {STORE_NAME}; give a sweep's folder")
    if not 0.0 < alpha < 0.5:
        raise InputError("--alpha", None, alpha, "the share peeled per step, in (0, 0.5)")
    if not 0.0 < min_mass <= 1.0:
        raise InputError("--min-mass", None, min_mass, "the smallest box's share, in (0, 1]")
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise InputError("--threshold", None, threshold, "a density in [0, 1]")
    store = Store(path, readonly=True)
    try:
        design_text = store.get("design")
        if design_text is None or not store.point_columns():
            raise InputError(
                str(folder), None, None, "holds no sweep; discover needs results of dmzsim sweep"
            )
        design = json.loads(design_text)
        outcome = parse_outcome(outcome_text, store.outcome_names)
        if not outcome.probability:
            raise InputError(
                "--outcome", None, outcome_text, "a condition to explain, such as highest_rung>=4"
            )
        cols = store.sweep_columns([outcome.column])
        point_x, categorical = _inputs(store, design["factors"])
    finally:
        store.close()
    y = outcome.values(cols[outcome.column]) > 0
    if not y.any():
        raise InputError(
            "--outcome", None, outcome_text, "never happens in these results; nothing to explain"
        )
    names = [f["path"] for f in design["factors"]]
    result = prim(
        point_x[cols["point"]],
        y,
        names,
        categorical,
        alpha=alpha,
        min_mass=min_mass,
        threshold=threshold,
    )
    label = _labeller(design["factors"])
    rows = box_rows(result, label)
    limits = box_limits(result, result.chosen, label)
    name = slug(outcome)
    files = [
        outputs.write_table(folder / f"discover_{name}.csv", rows),
        outputs.write_table(folder / f"discover_{name}_box.csv", limits),
        tradeoff_plot(
            result,
            folder / "plots" / f"discover_{name}.{fmt}",
            f"Where {outcome.label} is likely: PRIM on a {design['method']} sweep "
            f"({y.size} replications)",
            labels=label,
        ),
    ]
    return Discovery(outcome, design["method"], result, rows, limits, files)
