"""One replication's events on a time axis: a row per rung of the escalation ladder (a lane
per event type inside it), coloured by rung, with an arrow from each event's cause to it.

Events the timeline injected are stars, events with casualties have a black ring, and the
forecast window after the record is shaded. Saved atomically by :func:`figures._save`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.transforms import blended_transform_factory

from sim.model.events import RUNGS, Event
from sim.plots.figures import (
    FORECAST_WINDOW,
    PathLike,
    Window,
    _save,
    forecast_handle,
    shade_forecast,
)

# One colour per rung, from grey (routine) through blue, green and orange to dark red,
# purple and black (general war): distinct, and darker as the ladder climbs past rung 3.
RUNG_COLOURS = ("#8c8c8c", "#3182bd", "#31a354", "#fd8d3c", "#e6550d", "#a50f15", "#6a51a3",
                "#000000")  # fmt: skip
MAX_ARROWS = 400  # more causal links than this are drawn as plain lines (arrows are slow)
LANE = 0.3  # between the lanes of a rung's row (y units; a row without lanes is 1 high)
PAD = 0.35  # above the top lane and below the bottom one
INCH_PER_Y = 0.42  # figure height per y unit


def layout(events: Sequence[Event], top: int) -> tuple[dict[str, float], list[tuple[float, float]]]:
    """The y of each event type, and each rung's row ``(bottom, top)`` for rungs 0..``top``.

    Rows are stacked from rung 0 up; a rung's row holds a lane per event type of that rung
    (in order of first appearance), ``LANE`` apart, so a crowded rung gets a taller row.
    """
    by_rung: dict[int, list[str]] = {}
    for e in events:
        kinds = by_rung.setdefault(e.rung, [])
        if e.type not in kinds:
            kinds.append(e.type)
    y_of: dict[str, float] = {}
    rows = []
    bottom = 0.0
    for rung in range(top + 1):
        kinds = by_rung.get(rung, [])
        height = max(1.0, LANE * (len(kinds) - 1) + 2 * PAD)
        centre = bottom + height / 2
        for j, kind in enumerate(kinds):
            y_of[kind] = centre + LANE * ((len(kinds) - 1) / 2 - j)
        rows.append((bottom, bottom + height))
        bottom += height
    return y_of, rows


def _trace_figure(
    events: Sequence[Event],
    start_date: dt.date,
    title: str,
    end_date: dt.date | None,
    forecast: Window | None,
) -> Figure:
    """See :func:`trace_plot`."""
    top = min(max([3, *(e.rung + 1 for e in events)]), len(RUNGS) - 1)
    y_of, rows = layout(events, top)
    fig, ax = plt.subplots(figsize=(13, 1.8 + INCH_PER_Y * rows[-1][1]), layout="constrained")
    origin = mdates.date2num(start_date)
    x = np.array([origin + e.time for e in events])
    y = np.array([y_of[e.type] for e in events])
    index = {e.id: i for i, e in enumerate(events)}
    for low, high in rows[::2]:  # alternate rows shaded, to read lanes against their rung
        ax.axhspan(low, high, color="0.95", zorder=0, linewidth=0)
    links = [(index[e.cause], i) for i, e in enumerate(events) if e.cause in index]
    if len(links) <= MAX_ARROWS:
        for a, b in links:
            ax.annotate(
                "", xy=(x[b], y[b]), xytext=(x[a], y[a]),
                arrowprops={"arrowstyle": "-|>", "color": "0.45", "linewidth": 0.6,
                            "mutation_scale": 7, "shrinkA": 2.5, "shrinkB": 3.5, "alpha": 0.7},
                zorder=2,
            )  # fmt: skip
    else:
        segments = [[(x[a], y[a]), (x[b], y[b])] for a, b in links]
        ax.add_collection(LineCollection(segments, colors="0.45", linewidths=0.5, alpha=0.5))
    colours = np.array([RUNG_COLOURS[min(e.rung, len(RUNGS) - 1)] for e in events], dtype=object)
    injected = np.array([e.injected for e in events], dtype=bool)
    hurt = np.array([bool(e.killed or e.injured) for e in events], dtype=bool)
    for sel, marker, size in ((~injected, "o", 30), (injected, "*", 150)):
        if sel.any():
            ax.scatter(
                x[sel], y[sel], s=size, marker=marker, c=list(colours[sel]),
                edgecolors=["black" if h else "white" for h in hurt[sel]],
                linewidths=[1.3 if h else 0.4 for h in hurt[sel]], zorder=3,
            )  # fmt: skip
    label_at = blended_transform_factory(ax.transAxes, ax.transData)
    rung_of = {e.type: e.rung for e in events}
    for kind, lane in y_of.items():
        ax.text(1.004, lane, kind, transform=label_at, fontsize=7, va="center",
                color=RUNG_COLOURS[rung_of[kind]])  # fmt: skip
    ax.set_yticks([(a + b) / 2 for a, b in rows], [f"{k} {RUNGS[k]}" for k in range(top + 1)])
    for tick, k in zip(ax.get_yticklabels(), range(top + 1), strict=True):
        tick.set_color(RUNG_COLOURS[k])
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(0.0, rows[-1][1])
    end = mdates.date2num(end_date + dt.timedelta(days=1)) if end_date else None
    last = max([float(x.max()) + 1.0 if x.size else origin + 1.0, end or 0.0])
    ax.set_xlim(origin, last)
    shaded = shade_forecast(ax, forecast, text=False) is not None
    locator = mdates.AutoDateLocator(maxticks=12)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.grid(axis="x", alpha=0.3)
    ax.set_ylabel("rung of the escalation ladder (a lane per event type)")
    ax.set_xlabel(f"date (day 0 = {start_date.isoformat()})")
    if not events:
        ax.text(0.5, 0.5, "no events", transform=ax.transAxes, ha="center", va="center")
    handles = [
        Line2D([], [], marker="o", color="0.5", markeredgecolor="white", linestyle="none",
               label="event (colour: its rung)"),
        Line2D([], [], marker="*", color="0.5", markersize=12, linestyle="none",
               label="injected by the timeline"),
        Line2D([], [], marker="o", color="0.5", markeredgecolor="black", markeredgewidth=1.3,
               linestyle="none", label="killed or injured"),
        Line2D([], [], color="0.45", marker=">", markersize=4,
               label="caused by (arrow from the cause)"),
    ]  # fmt: skip
    if shaded and forecast is not None:
        handles.append(forecast_handle(forecast))
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize="small")
    ax.set_title(title, fontsize="medium")
    return fig


def trace_plot(
    events: Sequence[Event],
    start_date: dt.date,
    path: PathLike,
    title: str,
    *,
    end_date: dt.date | None = None,
    forecast: Window | None = FORECAST_WINDOW,
) -> Path:
    """Draw one replication's ``events`` (as :func:`sim.model.replication.run_replication`
    keeps them) over the dates from ``start_date`` to ``end_date``: y by rung, colour by
    rung, an arrow from each event's cause to it. Writes ``path`` (format from its suffix)."""
    return _save(_trace_figure(events, start_date, title, end_date, forecast), path)
