"""Survival curves of the time to an escalation rung: step lines with their pointwise bands.

Curves come from :func:`sim.analysis.survival.kaplan_meier`; each figure is saved with the
Agg backend and closed by :func:`sim.plots.figures._save`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from sim.analysis.survival import SurvivalCurve
from sim.model.events import RUNGS
from sim.plots.figures import PathLike, _colour, _save

NamedCurves = Sequence[tuple[str, SurvivalCurve]]
Y_LABEL = "P(not yet reached)"


def _draw(ax: Axes, curves: NamedCurves) -> None:
    """One post-step line and band per curve, each carried on to its horizon."""
    for i, (name, c) in enumerate(curves):
        t = np.r_[c.time, c.horizon]
        colour = _colour(i)
        ax.fill_between(
            t, np.r_[c.lo, c.lo[-1]], np.r_[c.hi, c.hi[-1]], step="post", color=colour,
            alpha=0.2, linewidth=0,
        )  # fmt: skip
        ax.step(
            t,
            np.r_[c.survival, c.survival[-1]],
            where="post",
            color=colour,
            linewidth=1.6,
            label=f"{name} (n={c.n}, reached {c.n_events})",
        )
    ax.set_ylim(0.0, 1.02)
    ax.set_xlim(0.0, max((c.horizon for _, c in curves), default=1.0))
    ax.grid(alpha=0.3)


def _date_axis(ax: Axes, start_date: dt.date | None) -> None:
    """Calendar dates on a secondary top axis (day 0 = ``start_date``); nothing if None."""
    if start_date is None:
        return
    origin = mdates.date2num(start_date)
    top = ax.secondary_xaxis("top", functions=(lambda d: d + origin, lambda x: x - origin))
    locator = mdates.AutoDateLocator(maxticks=6)
    top.xaxis.set_major_locator(locator)
    top.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    top.tick_params(labelsize="small")


def _days_label(start_date: dt.date | None) -> str:
    return "days since start" + (f" (day 0 = {start_date.isoformat()})" if start_date else "")


def survival_plot(
    curves: NamedCurves, start_date: dt.date | None, path: PathLike, title: str
) -> Path:
    """Kaplan-Meier curves of several scenarios on one axes, with their 95% bands."""
    if not curves:
        raise ValueError("no survival curves to draw")
    fig, ax = plt.subplots(figsize=(9, 5), layout="constrained")
    _draw(ax, curves)
    _date_axis(ax, start_date)
    ax.set_title(title)
    ax.set_xlabel(_days_label(start_date))
    ax.set_ylabel(Y_LABEL)
    ax.legend(loc="best", fontsize="small", title="shaded: pointwise 95% band")
    return _save(fig, path)


def survival_panels(
    curves_by_rung: Mapping[int, NamedCurves], start_date: dt.date | None, path: PathLike
) -> Path:
    """One panel per rung (time to rung >= k), scenarios overlaid, on shared axes."""
    rungs = sorted(k for k, curves in curves_by_rung.items() if curves)
    if not rungs:
        raise ValueError("no survival curves to draw")
    cols = min(3, len(rungs))
    rows = -(-len(rungs) // cols)
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(4.4 * cols, 3.4 * rows),
        layout="constrained",
        sharex=True,
        sharey=True,
        squeeze=False,
    )
    for i, (ax, k) in enumerate(zip(axes.flat, rungs, strict=False)):
        _draw(ax, curves_by_rung[k])
        if i < cols:
            _date_axis(ax, start_date)
        name = RUNGS[k] if 0 <= k < len(RUNGS) else f"rung {k}"
        ax.set_title(f"rung >= {k}: {name}", fontsize="medium")
    for j, ax in enumerate(axes.flat[len(rungs) :], start=len(rungs)):
        ax.set_visible(False)
        axes.flat[j - cols].xaxis.set_tick_params(labelbottom=True)  # its column's bottom panel
    # one legend for the figure, outside the panels: colours are the same scenario in each
    # panel, and with many scenarios a legend per panel would hide the curves
    first = curves_by_rung[rungs[0]]
    handles = axes.flat[0].get_lines()[: len(first)]
    fig.legend(
        handles,
        [f"{name} (n={c.n})" for name, c in first],
        loc="outside right upper",
        fontsize="small",
        title="shaded: 95% band",
    )
    fig.suptitle("Time to each rung of the escalation ladder (Kaplan-Meier, 95% bands)")
    fig.supxlabel(_days_label(start_date))
    fig.supylabel(Y_LABEL)
    return _save(fig, path)
