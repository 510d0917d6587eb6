"""Estimates over a sweep's design points: per point, along one parameter, over two.

A point's replications are independent, so its interval is the usual one (Wilson for a
probability, Student-t for a mean). A group of several points (a level of one parameter in a
grid, a bin of a sampled range, a heatmap cell) shares common random numbers: replication *i*
of every point draws the same numbers. Its replications are therefore not independent, and the
interval is taken over the replication-wise averages across the group's points, which are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.analysis.outcomes import Outcome
from sim.analysis.stats import mean_ci, proportion_ci
from sim.experiment.design import Design, Factor

NAN = float("nan")
Columns = dict[str, np.ndarray]  # "point", "replication" and outcome columns, one per row


@dataclass(frozen=True)
class Estimate:
    """Mean (or share) with its 95% interval and the replications behind it."""

    mean: float
    lo: float
    hi: float
    n: int


def estimate(
    values: np.ndarray, points: np.ndarray, reps: np.ndarray, probability: bool
) -> Estimate:
    """The estimate over rows of one or more points (see the module docstring)."""
    keep = ~np.isnan(values)
    values, points, reps = values[keep], points[keep], reps[keep]
    n = int(values.size)
    if n == 0:
        return Estimate(NAN, NAN, NAN, 0)
    if np.all(points == points[0]):
        if probability:
            return Estimate(*proportion_ci(int(values.sum()), n), n)
        return Estimate(*mean_ci(values), n)
    _, cluster = np.unique(reps, return_inverse=True)
    means = np.bincount(cluster, weights=values) / np.bincount(cluster)
    mean, lo, hi = mean_ci(means)  # the mean over rows, unless values are missing unevenly
    if probability:
        lo, hi = max(lo, 0.0), min(hi, 1.0)
    return Estimate(mean, lo, hi, n)


@dataclass(frozen=True)
class Axis:
    """How a factor's points group: one group per level, or bins of a sampled range."""

    factor: Factor
    labels: tuple[str, ...]
    x: tuple[Any, ...]  # a group's level, or the mean of its points' values
    group: np.ndarray  # per point, its group


def axis(factor: Factor, values: Sequence[Any], bins: int = 6) -> Axis:
    """Group the points by ``factor``'s ``values`` (one per point): by level; for a sampled
    range, one group per distinct value when there are at most ``bins`` of them, else ``bins``
    groups of about equal numbers of points (tied values always share a group)."""
    if factor.levels is not None:
        index = {v: i for i, v in enumerate(factor.levels)}
        group = np.array([index[v] for v in values], dtype=np.int64)
        return Axis(factor, tuple(factor.label(v) for v in factor.levels), factor.levels, group)
    codes = np.array([factor.code(v) for v in values])
    distinct, inverse = np.unique(codes, return_inverse=True)
    if distinct.size <= bins:
        group = inverse
    else:
        # the rank of each point's value (ties share the lowest), cut into equal shares
        rank = np.searchsorted(np.sort(codes), codes, side="left")
        _, group = np.unique(rank * bins // codes.size, return_inverse=True)
    labels, x = [], []
    for g in range(int(group.max()) + 1):
        inside = codes[group == g]
        labels.append(
            f"{_decode(factor, inside.min(), True)}..{_decode(factor, inside.max(), True)}"
        )
        x.append(_decode(factor, float(inside.mean()), False))
    return Axis(factor, tuple(labels), tuple(x), group.astype(np.int64))


def _decode(factor: Factor, code: float, text: bool) -> Any:
    """A bin edge or centre back in the factor's terms (a date for a date parameter)."""
    if factor.kind == "date" and code == code:
        day = dt.date.fromordinal(int(round(code)))
        return day.isoformat() if text else day
    return f"{code:.3g}" if text else code


def point_table(
    design: Design, names: Sequence[str], cols: Columns, outcomes: Sequence[Outcome]
) -> list[dict]:
    """One row per point: its parameter values, replications, and each outcome's estimate."""
    points, reps = cols["point"], cols["replication"]
    bounds = np.searchsorted(points, np.arange(len(names) + 1))
    rows = []
    for k, name in enumerate(names):
        rows_k = slice(bounds[k], bounds[k + 1])
        row: dict[str, object] = {"point": k, "scenario": name}
        for f, v in zip(design.factors, design.points[k], strict=True):
            row[f.path] = f.label(v) if f.categorical or f.kind == "date" else v
        row["n"] = int(bounds[k + 1] - bounds[k])
        for o in outcomes:
            est = estimate(
                o.values(cols[o.column][rows_k]), points[rows_k], reps[rows_k], o.probability
            )
            row |= {o.label: est.mean, f"{o.label} lo": est.lo, f"{o.label} hi": est.hi}
        rows.append(row)
    return rows


def _where(cols: Columns, values: np.ndarray, mask: np.ndarray, probability: bool) -> Estimate:
    return estimate(values[mask], cols["point"][mask], cols["replication"][mask], probability)


def along(ax: Axis, cols: Columns, outcome: Outcome) -> list[Estimate]:
    """The outcome per group of ``ax`` (a main effect, or a one-parameter sweep's curve)."""
    values = outcome.values(cols[outcome.column])
    group = ax.group[cols["point"]]
    return [_where(cols, values, group == g, outcome.probability) for g in range(len(ax.labels))]


def cells(x: Axis, y: Axis, cols: Columns, outcome: Outcome) -> list[list[Estimate]]:
    """The outcome per cell of two axes, rows along ``y`` and columns along ``x``."""
    values = outcome.values(cols[outcome.column])
    gx, gy = x.group[cols["point"]], y.group[cols["point"]]
    return [
        [
            _where(cols, values, (gx == i) & (gy == j), outcome.probability)
            for i in range(len(x.labels))
        ]
        for j in range(len(y.labels))
    ]
