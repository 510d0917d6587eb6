"""Bar chart of Sobol' indices: first-order and total index per parameter with their intervals.

Indices come from :func:`sim.analysis.sensitivity.sobol_from_values`; the figure is saved with
the Agg backend and closed by :func:`sim.plots.figures._save`. Parameters are sorted by their
total index and named by what they mean and their unit, with the dotted path and the range
they were varied over in small print.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from sim.analysis.sensitivity import SobolIndices
from sim.plots.figures import PathLike, _colour, _save
from sim.plots.labels import parameter_label
from sim.plots.sweep import _wrap

Ranges = Mapping[str, Sequence[Any]]  # parameter path -> (low, high) varied over, or levels


def _value(v: Any) -> str:
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def sobol_order(ix: SobolIndices) -> list[int]:
    """Parameters by total index, largest first (NaN last; ties keep the given order)."""
    total = np.asarray(ix.total, dtype=float)
    key = np.where(np.isfinite(total), -total, np.inf)
    return [int(i) for i in np.argsort(key, kind="stable")]


def _small_print(name: str, ranges: Ranges | None) -> str:
    """The path, and the range (or the levels) the parameter was varied over when known."""
    if ranges is None or name not in ranges:
        return name
    values = list(ranges[name])
    unit = parameter_label(name).unit_text
    if len(values) == 2:
        return f"{name}, varied {_value(values[0])} to {_value(values[1])}{unit}"
    return f"{name}, levels {', '.join(_value(v) for v in values)}{unit}"


def _sobol_figure(
    ix: SobolIndices, outcome: str, title: str | None, ranges: Ranges | None
) -> Figure:
    """Horizontal grouped bars, parameters sorted by total index; see :func:`sobol_bar_chart`."""
    order = sobol_order(ix)
    d = len(order)
    fig, ax = plt.subplots(figsize=(9.5, 1.8 + 0.8 * d), layout="constrained")
    y = np.arange(d)
    height = 0.34
    pct = f"{ix.confidence:.0%}"
    series = (
        ("first-order", ix.first, ix.first_low, ix.first_high, -height / 2),
        ("total", ix.total, ix.total_low, ix.total_high, height / 2),
    )
    for i, (label, est, low, high, offset) in enumerate(series):
        est, low, high = (np.asarray(a, dtype=float)[order] for a in (est, low, high))
        err = np.vstack([np.clip(est - low, 0, None), np.clip(high - est, 0, None)])
        ax.barh(
            y + offset,
            est,
            height=height,
            color=_colour(i),
            xerr=err,
            error_kw={"ecolor": "black", "capsize": 3, "linewidth": 1.0},
            label=f"{label} index ({pct} interval)",
        )
    ax.set_yticks(y, [""] * d)
    ax.tick_params(axis="y", length=0)
    for row, j in enumerate(order):
        name = ix.names[j]
        doc = parameter_label(name)
        ax.annotate(
            _wrap(doc.text, 38), xy=(0.0, row), xycoords=("axes fraction", "data"),
            xytext=(-6, 1), textcoords="offset points", ha="right", va="bottom",
            fontsize="small",
        )  # fmt: skip
        ax.annotate(
            _wrap(_small_print(name, ranges), 48), xy=(0.0, row),
            xycoords=("axes fraction", "data"), xytext=(-6, -1), textcoords="offset points",
            ha="right", va="top", fontsize="x-small", color="0.35",
        )  # fmt: skip
    ax.set_ylim(d - 0.5, -0.5)  # the largest total index on top
    bounds = np.concatenate([ix.first_low, ix.total_low, ix.first_high, ix.total_high])
    bounds = bounds[np.isfinite(bounds)]
    lo = min(0.0, float(bounds.min())) if bounds.size else 0.0
    hi = max(1.0, float(bounds.max())) if bounds.size else 1.0
    ax.set_xlim(lo, hi)
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.grid(axis="x", alpha=0.3)
    ax.set_xlabel("Sobol' index (share of the outcome's variance)")
    fig.legend(loc="outside lower center", ncols=2, fontsize="small")
    ax.set_title(
        (title or f"Sensitivity of {outcome}: Sobol' indices (n = {ix.n} base samples)")
        + "\n(sorted by total index)",
        fontsize="medium",
    )
    return fig


def sobol_bar_chart(
    ix: SobolIndices,
    outcome: str,
    path: PathLike,
    title: str | None = None,
    ranges: Ranges | None = None,
) -> Path:
    """Horizontal grouped bars: first-order and total index of each parameter, with intervals.

    Parameters are sorted by total index, largest on top, each labelled by its doc name and
    unit, with its path and (given ``ranges``, path: ``(low, high)`` or the levels) what it
    was varied over in small print. The index axis runs from min(0, lowest interval bound)
    to max(1, highest interval bound).
    """
    return _save(_sobol_figure(ix, outcome, title, ranges), path)
