"""Survival curves of the time to an escalation rung: step lines with their pointwise bands.

Curves come from :func:`sim.analysis.survival.kaplan_meier`; each figure is saved with the
Agg backend and closed by :func:`sim.plots.figures._save`. Curves that are exactly equal
(common random numbers make that common) are drawn in alternating dashes of their colours and
named together; the forecast window after the record is shaded; a panel in which no
replication reached the rung says so.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.analysis.survival import SurvivalCurve
from sim.model.events import RUNGS
from sim.plots.figures import (
    FORECAST_WINDOW,
    PathLike,
    Starts,
    Window,
    _colour,
    _save,
    dashes,
    day_zero_text,
    forecast_handle,
    group_label,
    identical_groups,
    shade_forecast,
)

NamedCurves = Sequence[tuple[str, SurvivalCurve]]
Y_LABEL = "P(not yet reached)"


class Origins:
    """Where each curve's day 0 lies on the x axis. When every scenario starts on the same
    day (or none is given) the axis counts days since that start, with dates on a top axis;
    when the start dates differ the axis is the calendar (matplotlib date numbers) and each
    curve begins at its own start, so that the curves and the forecast window line up by date
    (days since start would put different calendar days above one another)."""

    def __init__(self, curves: NamedCurves, start_date: Starts | None) -> None:
        self.starts: dict[str, dt.date] = {}
        self.calendar = False
        self.start: dt.date | None = None
        if not isinstance(start_date, Mapping):
            self.start = start_date
            return
        self.starts = {n: start_date[n] for n, _ in curves}
        dates = set(self.starts.values())
        self.calendar = len(dates) > 1
        if len(dates) == 1:
            self.start = next(iter(dates))

    def offset(self, name: str) -> float:
        """The x of ``name``'s day 0."""
        return float(mdates.date2num(self.starts[name])) if self.calendar else 0.0

    def legend(self, name: str) -> str:
        """What a curve's legend entry adds: its day 0, on a calendar axis."""
        return f"; day 0 = {self.starts[name].isoformat()}" if self.calendar else ""

    def label(self) -> str:
        """The x axis's label."""
        if self.calendar:
            return f"date (each curve from its scenario's start: {day_zero_text(self.starts)})"
        return _days_label(self.start)


def _same_curve_groups(curves: NamedCurves, origins: Origins) -> list[list[int]]:
    """Curves grouped by exact equality of their origins, steps and bands."""
    keys = [
        np.concatenate([[origins.offset(n)], c.time, c.survival, c.lo, c.hi, [c.horizon]])
        for n, c in curves
    ]
    return identical_groups(keys)


def _draw(ax: Axes, curves: NamedCurves, origins: Origins) -> list[list[int]]:
    """One post-step line and band per curve, each from its day 0 on to its horizon, earlier
    ones wider; exactly equal curves in alternating dashes. Returns the groups of equal
    curves."""
    groups = _same_curve_groups(curves, origins)
    style = {i: ("-" if len(g) == 1 else dashes(g, j)) for g in groups for j, i in enumerate(g)}
    # earlier curves wider, so that one nearly hidden under later ones still shows its edges
    last = max(1, len(curves) - 1)
    width = [1.2 + 1.8 * (last - i) / last if len(curves) > 1 else 1.6 for i in range(len(curves))]
    for i, (name, c) in enumerate(curves):
        t = origins.offset(name) + np.r_[c.time, c.horizon]
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
            linewidth=width[i],
            linestyle=style[i],
            label=f"{name} (n={c.n}, reached {c.n_events}{origins.legend(name)})",
        )
    ax.set_ylim(0.0, 1.02)
    left = min((origins.offset(n) for n, _ in curves), default=0.0)
    ax.set_xlim(left, max((origins.offset(n) + c.horizon for n, c in curves), default=1.0))
    ax.grid(alpha=0.3)
    return groups


def _notes(ax: Axes, curves: NamedCurves, groups: list[list[int]], k: int | None) -> None:
    """Say in the panel when no replication reached the rung, and which curves coincide."""
    lines = []
    if curves and all(c.n_events == 0 for _, c in curves):
        total = sum(c.n for _, c in curves)
        rung = f"rung {k}" if k is not None else "it"
        lines.append(f"no replication reached {rung} ({total} replications)")
    names = [name for name, _ in curves]
    lines += ["identical: " + group_label(names, g, 60) for g in groups if len(g) > 1]
    if lines:
        ax.text(
            0.02, 0.04, "\n".join(lines), transform=ax.transAxes, ha="left", va="bottom",
            fontsize="x-small", color="0.2",
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "0.7"},
        )  # fmt: skip


def _shade(ax: Axes, origins: Origins, forecast: Window | None) -> bool:
    """The forecast window on the axis, named in the legend (curves near 1 would hide a
    label at the top); whether any of it was drawn."""
    if forecast is None or (origins.start is None and not origins.calendar):
        return False
    start = origins.start
    to_x = None if start is None else (lambda d: (d - start).days)  # None: date numbers
    return shade_forecast(ax, forecast, to_x, False) is not None


def _date_axis(ax: Axes, origins: Origins) -> None:
    """Calendar dates: on the x axis itself when it is the calendar, else on a secondary
    top axis (day 0 = the common start); nothing without a start date."""
    if origins.calendar:
        locator = mdates.AutoDateLocator(maxticks=6)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        return
    start_date = origins.start
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
    curves: NamedCurves,
    start_date: Starts | None,
    path: PathLike,
    title: str,
    forecast: Window | None = FORECAST_WINDOW,
) -> Path:
    """Kaplan-Meier curves of several scenarios on one axes, with their 95% bands; the
    ``forecast`` window shaded where the axis meets it. ``start_date`` is day 0 of every
    scenario, or a date per scenario name: different ones put the curves on a calendar axis,
    each from its own start (see :class:`Origins`)."""
    return _save(survival_figure(curves, start_date, title, forecast), path)


def survival_figure(
    curves: NamedCurves,
    start_date: Starts | None,
    title: str,
    forecast: Window | None = FORECAST_WINDOW,
) -> Figure:
    """The figure :func:`survival_plot` saves (open; the caller closes it)."""
    if not curves:
        raise ValueError("no survival curves to draw")
    fig, ax = plt.subplots(figsize=(9, 5), layout="constrained")
    origins = Origins(curves, start_date)
    groups = _draw(ax, curves, origins)
    shaded = _shade(ax, origins, forecast)
    _date_axis(ax, origins)
    _notes(ax, curves, groups, None)
    ax.set_title(title)
    ax.set_xlabel(textwrap.fill(origins.label(), 110))
    ax.set_ylabel(Y_LABEL)
    handles = ax.get_lines()[: len(curves)] + (
        [forecast_handle(forecast)] if shaded and forecast else []
    )
    ax.legend(handles=handles, loc="best", fontsize="small",
              title="shaded: pointwise 95% band")  # fmt: skip
    return fig


def survival_panels(
    curves_by_rung: Mapping[int, NamedCurves],
    start_date: Starts | None,
    path: PathLike,
    forecast: Window | None = FORECAST_WINDOW,
) -> Path:
    """One panel per rung (time to rung >= k), scenarios overlaid, on shared axes; the
    ``forecast`` window shaded."""
    return _save(survival_panels_figure(curves_by_rung, start_date, forecast), path)


def survival_panels_figure(
    curves_by_rung: Mapping[int, NamedCurves],
    start_date: Starts | None,
    forecast: Window | None = FORECAST_WINDOW,
) -> Figure:
    """The figure :func:`survival_panels` saves (open; the caller closes it)."""
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
    shaded = False
    origins = Origins([c for k in rungs for c in curves_by_rung[k]], start_date)
    for i, (ax, k) in enumerate(zip(axes.flat, rungs, strict=False)):
        groups = _draw(ax, curves_by_rung[k], origins)
        shaded = _shade(ax, origins, forecast) or shaded
        _notes(ax, curves_by_rung[k], groups, k)
        if i < cols or origins.calendar:
            _date_axis(ax, origins)
        name = RUNGS[k] if 0 <= k < len(RUNGS) else f"rung {k}"
        ax.set_title(f"rung >= {k}: {name}", fontsize="medium")
    for j, ax in enumerate(axes.flat[len(rungs) :], start=len(rungs)):
        ax.set_visible(False)
        axes.flat[j - cols].xaxis.set_tick_params(labelbottom=True)  # its column's bottom panel
    # one legend for the figure, outside the panels: colours are the same scenario in each
    # panel, and with many scenarios a legend per panel would hide the curves
    first = curves_by_rung[rungs[0]]
    handles: list = [
        Line2D(
            [], [], color=_colour(i), linewidth=1.6, label=f"{name} (n={c.n}{origins.legend(name)})"
        )
        for i, (name, c) in enumerate(first)
    ]
    if shaded and forecast is not None:
        handles.append(forecast_handle(forecast))
    fig.legend(handles=handles, loc="outside right upper", fontsize="small",
               title="shaded: 95% band")  # fmt: skip
    fig.suptitle("Time to each rung of the escalation ladder (Kaplan-Meier, 95% bands)")
    fig.supxlabel(textwrap.fill(origins.label(), 150))
    fig.supylabel(Y_LABEL)
    return fig
