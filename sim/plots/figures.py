"""Figures of an experiment: tension fan chart, rung exceedance dot plot, distributions.

Each function takes ``named`` (a list of ``(scenario name, data)`` pairs, where data are outcome
columns or daily tension bands; several scenarios are drawn in distinct colours), writes one
image and closes its figure. No scenario may hide another: distributions get a row each
(ridges), rung probabilities are dodged, and scenarios whose values are exactly equal (common
random numbers make that common: a policy that changes nothing about mines leaves the mine
counts alone) are named together. Panels without information say so. Time axes shade the
forecast window that follows the record. Only the command-line layer imports this module, so
selecting the non-interactive Agg backend here does not affect library users.
"""

from __future__ import annotations

import datetime as dt
import os
import textwrap
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from matplotlib.transforms import blended_transform_factory  # noqa: E402

from sim.analysis.stats import proportion_ci  # noqa: E402
from sim.experiment.outputs import atomic_open  # noqa: E402
from sim.model.events import EVENT_TYPES, RUNGS  # noqa: E402

NamedColumns = Sequence[tuple[str, Mapping[str, np.ndarray]]]  # outcome columns per scenario
NamedBands = Sequence[tuple[str, np.ndarray]]  # tension quantiles (5, days) per scenario
Starts = dt.date | Mapping[str, dt.date]  # day 0 of every scenario, or of each by name
PathLike = str | os.PathLike[str]
Window = tuple[str | dt.date, str | dt.date]  # first and last month ("YYYY-MM") or day

# The months forecast after the record ends (as sim.results.FORECAST): shaded on time axes.
FORECAST_WINDOW: Window = ("2024-07", "2024-12")
FORECAST_GID = "forecast-window"  # the shading's gid, so tests and readers can find it
FORECAST_COLOUR = "#8c6bb1"

DEFAULT_TYPES = (
    "mine_blast",
    "mdl_crossing",
    "balloon_wave",
    "loudspeaker_broadcast",
    "warning_shots",
    "small_arms_exchange",
)


def _colour(i: int) -> str:
    return f"C{i % 10}"


def _save(fig: Figure, path: PathLike) -> Path:
    """Save ``fig`` atomically (temporary file, then rename) and close it."""
    target = Path(path)
    fmt = target.suffix.lstrip(".").lower() or "png"
    try:
        with atomic_open(target, "wb") as fh:
            fig.savefig(fh, format=fmt, dpi=120)
    finally:
        plt.close(fig)
    return target


def _outcome(data: Mapping[str, np.ndarray], *keys: str) -> np.ndarray:
    """Sum of outcomes ``keys`` per replication."""
    return np.sum([np.asarray(data[k], dtype=float) for k in keys], axis=0)


def _integer_bins(values: Sequence[np.ndarray]) -> np.ndarray:
    """Bin edges centred on integers, at most ~40 bins, covering every sample."""
    top = max((float(np.nanmax(v)) for v in values if v.size), default=0.0)
    top = max(1.0, top)
    step = max(1.0, float(np.ceil((top + 1.0) / 40.0)))
    return np.arange(-0.5, top + step + 0.5, step)


# ------------------------------------------------------------------- identical distributions


def identical_groups(arrays: Sequence[np.ndarray]) -> list[list[int]]:
    """Indices of ``arrays`` grouped by exact equality (NaN equals NaN), in first-seen order.

    Exact, not approximate: two scenarios are drawn as one line only when every replication
    gave both the same value, which common random numbers make common.
    """
    groups: list[list[int]] = []
    flat = [np.asarray(a, dtype=float) for a in arrays]
    for i, a in enumerate(flat):
        for g in groups:
            b = flat[g[0]]
            if a.shape == b.shape and np.array_equal(a, b, equal_nan=True):
                g.append(i)
                break
        else:
            groups.append([i])
    return groups


def group_label(names: Sequence[str], group: Sequence[int], width: int = 40) -> str:
    """``'a = b = c'`` for a group of scenarios drawn as one line, wrapped at ``width``."""
    return textwrap.fill(" = ".join(names[i] for i in group), width)


def dashes(group: Sequence[int], j: int, length: float = 5.0) -> tuple[float, tuple[float, float]]:
    """The dash pattern of the ``j``-th member of ``group``: the members' colours alternate
    along one line (each draws a dash, then leaves room for the others)."""
    k = len(group)
    return (j * length, (length, (k - 1) * length))


# ---------------------------------------------------------------------- the forecast window


def forecast_dates(window: Window) -> tuple[dt.date, dt.date]:
    """First day of ``window`` and the day after its last (months ``YYYY-MM`` or dates)."""
    first, last = window
    a = first if isinstance(first, dt.date) else dt.date.fromisoformat(f"{first}-01")
    if isinstance(last, dt.date):
        return a, last + dt.timedelta(days=1)
    year, month = (int(p) for p in last.split("-"))
    return a, dt.date(year + month // 12, month % 12 + 1, 1)


def shade_forecast(
    ax: Axes,
    window: Window | None = FORECAST_WINDOW,
    to_x: Callable[[dt.date], float] | None = None,
    text: bool = True,
) -> Rectangle | None:
    """Shade the forecast ``window`` on ``ax``'s time axis and mark where the record ends.

    ``to_x`` maps a date to the axis's x (default: matplotlib date numbers). Draw the data
    first: only the part of the window inside the current x limits is shaded (nothing when
    they do not meet, e.g. for an episode of 2015), and the limits stay as they were.
    """
    if window is None:
        return None
    a, b = forecast_dates(window)
    convert = to_x or mdates.date2num
    xa, xb = float(convert(a)), float(convert(b))
    lo, hi = sorted(ax.get_xlim())
    if xb <= lo or xa >= hi:
        return None
    patch = ax.axvspan(
        max(xa, lo), min(xb, hi), color=FORECAST_COLOUR, alpha=0.1, linewidth=0, zorder=0,
        gid=FORECAST_GID,
    )  # fmt: skip
    if lo < xa:
        ax.axvline(xa, color=FORECAST_COLOUR, linewidth=0.9, linestyle=":", zorder=0.5)
    if text:
        span = window_text(window)
        where = blended_transform_factory(ax.transData, ax.transAxes)
        style = {"transform": where, "va": "top", "fontsize": "x-small", "color": "#54278f"}
        ax.text(max(xa, lo), 0.985, f" forecast\n {span}", ha="left", zorder=5, **style)
        if lo < xa:
            ax.text(xa, 0.985, "record ", ha="right", zorder=5, **style)
    ax.set_xlim(lo, hi)
    return patch


def window_text(window: Window) -> str:
    """``'Jul\u2013Dec 2024'``: the months of a window, for labels."""
    a, b = forecast_dates(window)
    last = b - dt.timedelta(days=1)
    return f"{a:%b}\u2013{last:%b %Y}" if a.year == last.year else f"{a:%b %Y}\u2013{last:%b %Y}"


def forecast_handle(window: Window = FORECAST_WINDOW) -> Rectangle:
    """A legend entry for the shaded forecast window."""
    return Rectangle(
        (0, 0), 1, 1, color=FORECAST_COLOUR, alpha=0.2,
        label=f"forecast {window_text(window)}\n(after the record)",
    )  # fmt: skip


# ------------------------------------------------------------------------------ tension fan


def start_of(start_date: Starts, name: str) -> dt.date:
    """Day 0 of scenario ``name``: ``start_date`` itself, or its entry for ``name``."""
    return start_date[name] if isinstance(start_date, Mapping) else start_date


def day_zero_text(starts: Mapping[str, dt.date]) -> str:
    """``'day 0 = 2023-11-23'`` when every scenario starts then, else each scenario's day 0."""
    dates = set(starts.values())
    if len(dates) <= 1:
        return f"day 0 = {next(iter(dates)).isoformat()}" if dates else "day 0 = start"
    return "day 0: " + ", ".join(f"{name} {d.isoformat()}" for name, d in starts.items())


def _fan_series(
    named_bands: NamedBands, start_date: Starts
) -> list[tuple[str, np.ndarray, dt.date]]:
    """The scenarios with any finite band, each with its own day 0; two identical ones
    (same days, same bands) become one series named after both."""
    series = [(n, q, start_of(start_date, n)) for n, q in named_bands if np.isfinite(q).any()]
    if len(series) == 2:
        (a, qa, sa), (b, qb, sb) = series
        if sa == sb and np.array_equal(qa, qb, equal_nan=True):  # unequal shapes: not equal
            series = [(f"{a} = {b} (identical)", qa, sa)]
    return series


def _dates(start: dt.date, q: np.ndarray) -> np.ndarray:
    """The calendar day of each column of ``q`` (day 0 = ``start``)."""
    return np.datetime64(start, "D") + np.arange(q.shape[1])


def _same_until(series: Sequence[tuple[str, np.ndarray, dt.date]]) -> int:
    """How many first days two series of one start date share exactly (common random numbers
    make a longer horizon repeat a shorter one's days); 0 for other pairs or no such days."""
    if len(series) != 2 or series[0][2] != series[1][2]:
        return 0
    qa, qb = series[0][1], series[1][1]
    m = min(qa.shape[1], qb.shape[1])
    return m if np.array_equal(qa[:, :m], qb[:, :m], equal_nan=True) else 0


def _draw_median(ax: Axes, days: np.ndarray, median: np.ndarray, c: str, label: str,
                 shared_days: int) -> None:  # fmt: skip
    """The median line; dashed over its first ``shared_days`` (equal to the line drawn
    before it, which shows between the dashes), solid after."""
    if shared_days:
        ax.plot(days[:shared_days], median[:shared_days], color=c, linewidth=1.8,
                linestyle=dashes([0, 1], 1))  # fmt: skip
        days, median = days[shared_days - 1 :], median[shared_days - 1 :]
    ax.plot(days, median, color=c, linewidth=1.8, label=label)


def _fan_xlabel(named_bands: NamedBands, start_date: Starts) -> str:
    """The date axis's label: each scenario's day 0, and that the bands cover unequal
    windows when their start or end dates differ."""
    if isinstance(start_date, Mapping):
        starts = {n: start_date[n] for n, _ in named_bands} or dict(start_date)
    else:
        starts = {n: start_date for n, _ in named_bands} or {"": start_date}
    ends = {starts[n] + dt.timedelta(days=q.shape[1]) for n, q in named_bands}
    differ = len(set(starts.values())) > 1 or len(ends) > 1
    own = "; each band over its scenario's own dates" if differ else ""
    text = f"date ({day_zero_text(starts)}{own}; shaded: forecast after the record)"
    return text


def _fan_figure(named_bands: NamedBands, start_date: Starts, forecast: Window | None) -> Figure:
    """Median line and 50%/90% bands per scenario; see :func:`fan_chart`."""
    series = _fan_series(named_bands, start_date)
    shared = len(series) <= 2
    panels = 1 if shared else len(series)
    cols = min(panels, 4)
    rows = -(-panels // cols)
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(10 if shared else 3.6 * cols, 5 if shared else 3.0 * rows + 0.8),
        layout="constrained",
        sharex=True,  # one date axis, the union of the scenarios' dates
        sharey=True,
        squeeze=False,
    )
    same = _same_until(series) if shared else 0
    for i, (name, q, start) in enumerate(series):
        ax = axes.flat[0 if shared else i]
        c = _colour(i)
        days = _dates(start, q)  # each band over its own scenario's dates
        median = f"{name}: median"
        if i and same:
            until = start + dt.timedelta(days=same - 1)
            median += f"\n(identical to {series[0][0]} to {until.isoformat()})"
        ax.fill_between(
            days, q[0], q[4], color=c, alpha=0.15, linewidth=0, label=f"{name}: 90% of runs"
        )
        ax.fill_between(
            days, q[1], q[3], color=c, alpha=0.3, linewidth=0, label=f"{name}: 50% of runs"
        )
        _draw_median(ax, days, q[2], c, median, same if i else 0)
        if not shared:
            if i:
                ref_name, ref, ref_start = series[0]
                same = ref_start == start and np.array_equal(q[2], ref[2], equal_nan=True)
                ax.plot(
                    _dates(ref_start, ref),
                    ref[2],
                    color="black",
                    linestyle="--",
                    linewidth=1.0,
                    label=f"{ref_name}: median" + (" (the same)" if same else ""),
                )
            ax.set_title(name, fontsize="medium")
    for ax in axes.flat[len(series) if not shared else 1 :]:
        ax.set_visible(False)
    for ax in axes.flat[: max(1, len(series)) if not shared else 1]:
        if series:
            shade_forecast(ax, forecast, text=ax is axes.flat[0])
    for ax in axes.flat:
        locator = mdates.AutoDateLocator(maxticks=6)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0] and (shared or ax is axes.flat[min(1, panels - 1)]):
            ax.legend(loc="upper left", fontsize="x-small" if not shared else "small")
    fig.suptitle("Inter-Korean tension across replications (median, 50% and 90% bands)")
    width = fig.get_figwidth()  # about 10 characters an inch at the label's size
    fig.supxlabel(textwrap.fill(_fan_xlabel(named_bands, start_date), int(10 * width)))
    fig.supylabel("tension (model index, end of day)")
    return fig


def fan_chart(
    named_bands: NamedBands,
    start_date: Starts,
    path: PathLike,
    forecast: Window | None = FORECAST_WINDOW,
) -> Path:
    """Tension at the end of each day: median line with 50% and 90% bands per scenario.

    ``named_bands`` holds each scenario's 5th, 25th, 50th, 75th and 95th percentiles by day,
    day 0 being ``start_date`` (one date for all, or a date per scenario name): scenarios of
    different start or end dates share one date axis, each band drawn over its own dates.
    Up to two scenarios share one panel (one band if they are identical); more get a panel
    each (small multiples on shared axes), with the first scenario's median drawn dashed in
    every panel as the reference. The ``forecast`` window is shaded where the axis meets it.
    """
    return _save(_fan_figure(named_bands, start_date, forecast), path)


# ------------------------------------------------------------------- rung exceedance dot plot


def rung_exceedance(top: np.ndarray, k: int) -> tuple[int, int, float, float, float]:
    """Replications whose highest rung is at least ``k``: count, n, share and 95% Wilson
    interval (:func:`sim.analysis.stats.proportion_ci`)."""
    top = np.asarray(top, dtype=float)
    top = top[np.isfinite(top)]
    hits = int(np.sum(top >= k))
    p, lo, hi = proportion_ci(hits, int(top.size))
    return hits, int(top.size), p, lo, hi


def _probability_limits(lows: Sequence[float], highs: Sequence[float]) -> tuple[float, float]:
    """Tight y limits for a dot plot of probabilities: every interval inside, padded, in [0, 1].

    Dots encode position, not length, so the axis need not start at 0; it does when the
    intervals come near it, and it ends at 1 when they come near that.
    """
    lo, hi = float(np.nanmin(lows)), float(np.nanmax(highs))
    span = max(hi - lo, 0.02)
    bottom, top = lo - 0.12 * span, hi + 0.12 * span
    bottom = 0.0 if bottom < 0.25 * span else bottom
    top = 1.0 if top > 1.0 - 0.25 * span else top
    return max(0.0, bottom), min(1.0, top)


def _rung_figure(named: NamedColumns) -> Figure:
    """A panel per rung k = 1..7: P(highest rung >= k) of each scenario, dodged, with intervals."""
    ks = list(range(1, len(RUNGS)))
    cols = 4
    rows = -(-(len(ks) + 1) // cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(12.5, 3.1 * rows + 0.6), layout="constrained", squeeze=False
    )
    names = [name for name, _ in named]
    tops = [_outcome(data, "highest_rung") for _, data in named]
    x = np.linspace(-0.3, 0.3, len(named)) if len(named) > 1 else np.zeros(1)
    for ax, k in zip(axes.flat, ks, strict=False):
        stats = [rung_exceedance(t, k) for t in tops]
        drawn = [(i, s) for i, s in enumerate(stats) if s[1] > 0]
        for i, (hits, _n, p, lo, hi) in drawn:
            ax.errorbar(
                [x[i]], [p], yerr=[[p - lo], [hi - p]], fmt="o", color=_colour(i),
                markerfacecolor=_colour(i) if hits else "white", markersize=6, capsize=3,
                linewidth=1.5, label=names[i],
            )  # fmt: skip
        ax.set_title(f"P(rung \u2265 {k})\n{RUNGS[k]}", fontsize="medium")
        ax.set_xticks([])
        ax.set_xlim(-0.5, 0.5)
        ax.grid(axis="y", alpha=0.3)
        if not drawn:
            ax.text(0.5, 0.5, "no replications", ha="center", va="center", transform=ax.transAxes)
            continue
        ax.set_ylim(*_probability_limits([s[3] for _, s in drawn], [s[4] for _, s in drawn]))
        n_text = sorted({s[1] for _, s in drawn})
        n_note = f"n={n_text[0]}" if len(n_text) == 1 else f"n={n_text[0]}\u2013{n_text[-1]}"
        if all(s[0] == 0 for _, s in drawn):
            note = f"no replication reached rung {k}\n({n_note}; bars: 95% upper bounds)"
        elif all(s[0] == s[1] for _, s in drawn):
            note = f"every replication reached rung {k}\n({n_note})"
        else:
            note = ""
        if note:
            ax.text(
                0.5, 0.5, note, ha="center", va="center", transform=ax.transAxes,
                fontsize="small", color="0.25",
                bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "0.7"},
            )  # fmt: skip
    for ax in list(axes.flat)[len(ks) :]:
        ax.set_axis_off()
    legend_ax = axes.flat[len(ks)]
    handles = [
        Line2D([], [], color=_colour(i), marker="o", linestyle="-", label=f"{name} (n={t.size})")
        for i, (name, t) in enumerate(zip(names, tops, strict=True))
    ]
    handles.append(
        Line2D([], [], color="0.3", marker="o", markerfacecolor="white", linestyle="-",
               label="hollow: none reached")
    )  # fmt: skip
    legend_ax.legend(handles=handles, loc="center", fontsize="small", title="scenario")
    fig.supylabel("probability (share of replications; bars: 95% Wilson interval)")
    fig.suptitle("How high the escalation ladder went: P(highest rung \u2265 k)")
    return fig


def rung_distribution(named: NamedColumns, path: PathLike) -> Path:
    """P(highest rung >= k) for k = 1..7: a panel per rung, scenarios side by side (dodged),
    each a dot with its 95% Wilson interval; panels on their own scales, so that rare rungs
    show, and noted where no replication (or every one) reached the rung."""
    return _save(_rung_figure(named), path)


# ----------------------------------------------------------------------------- histograms


RIDGE_HEIGHT = 1.25  # the tallest bin of a panel, in rows: ridges may overlap a little
ZERO_HEAVY = 0.5  # a ridge with at least this share of zeros notes P(>0)


def _ridge_note(v: np.ndarray, names: Sequence[str], twin: int | None) -> str:
    """What a row says at its right end: the scenario it equals, and P(>0) when mostly 0."""
    parts = []
    if twin is not None:
        parts.append(f"identical to {names[twin]}")
    zeros = float(np.mean(v == 0))
    if zeros >= ZERO_HEAVY:
        parts.append(f"P(>0) {1.0 - zeros:.1%}")
    return "; ".join(parts)


def _draw_ridges(ax: Axes, names: Sequence[str], values: Sequence[np.ndarray]) -> None:
    """A ridge per scenario, first on top: its histogram (share of replications per bin)
    over its own baseline, so that no scenario hides another, and ▲ at its mean. Rows whose
    values are exactly those of an earlier row say so (common random numbers make it common).
    """
    bins = _integer_bins(values)
    shares = [np.histogram(v, bins)[0] / v.size if v.size else None for v in values]
    # the scale: the tallest bin of any row, leaving out the spike at 0 of mostly-zero rows
    # (its first bin, drawn cut off; the row's P(>0) says how many were 0), so that their
    # tails and the other rows still show
    spikes = [v.size > 0 and float(np.mean(v == 0)) >= ZERO_HEAVY for v in values]
    heights = [float((s[1:] if spike else s).max(initial=0.0)) for s, spike in
               zip(shares, spikes, strict=True) if s is not None]  # fmt: skip
    tallest = (
        max(heights, default=0.0)
        or max((float(s.max()) for s in shares if s is not None), default=1.0)
        or 1.0
    )
    scale = RIDGE_HEIGHT / tallest
    twins = {g[j]: g[0] for g in identical_groups(values) for j in range(1, len(g))}
    rows = len(values)
    label = blended_transform_factory(ax.transAxes, ax.transData)
    cut = False
    for i, (v, share) in enumerate(zip(values, shares, strict=True)):
        base = rows - 1 - i
        ax.axhline(base, color="0.75", linewidth=0.6, zorder=0)
        if share is None:
            ax.text(0.99, base + 0.3, "no replications", transform=label, ha="right",
                    fontsize="x-small", color="0.3")  # fmt: skip
            continue
        c = _colour(i)
        top = base + np.minimum(share * scale, RIDGE_HEIGHT)
        ax.stairs(top, bins, baseline=base, fill=True, color=c, alpha=0.45, linewidth=0,
                  zorder=2 * i + 1)  # fmt: skip
        ax.stairs(top, bins, baseline=base, color=c, linewidth=1.2, zorder=2 * i + 2)
        cut = cut or share[0] * scale > RIDGE_HEIGHT * (1 + 1e-9)  # P(>0) notes its height
        ax.plot([float(np.mean(v))], [base], marker="^", color="black", markersize=5,
                linestyle="none", zorder=2 * rows + 1, clip_on=False)  # fmt: skip
        note = _ridge_note(v, names, twins.get(i))
        if note:
            ax.text(
                0.99, base + 0.28, note, transform=label, ha="right", va="center",
                fontsize="x-small", color="0.15", zorder=2 * rows + 2,
                bbox={"facecolor": "white", "alpha": 0.75, "edgecolor": "none", "pad": 0.5},
            )  # fmt: skip
    scale_note = f"full ridge height: {tallest:.0%} of replications"
    ax.text(
        0.01,
        0.995,
        scale_note + ("; taller bars at 0 cut off" if cut else ""),
        transform=ax.transAxes,
        ha="left",
        va="top",
        fontsize="x-small",
        color="0.35",
    )
    ax.set_ylim(-0.25, rows - 1 + RIDGE_HEIGHT + 0.35)
    ax.set_yticks(range(rows), [textwrap.shorten(n, 24) for n in reversed(names)])


def _histograms_figure(
    named: NamedColumns, panels: Sequence[tuple[str, tuple[str, ...], str]], title: str
) -> Figure:
    """One panel per ``(title, outcome keys summed, x label)``; see :func:`_histograms`."""
    if not panels:
        raise ValueError("no panels to draw")
    ncols = min(3, len(panels))
    nrows = -(-len(panels) // ncols)
    rows = max(1, len(named))
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(4.4 * ncols + 1.2, (1.2 + 0.42 * rows) * nrows + 0.6),
        layout="constrained", sharey=True, squeeze=False,
    )  # fmt: skip
    names = [name for name, _ in named]
    for ax, (panel_title, keys, xlabel) in zip(axes.flat, panels, strict=False):
        values = [_outcome(data, *keys) for _, data in named]
        ax.set_title(panel_title, fontsize="medium")
        ax.set_xlabel(xlabel)
        ax.grid(axis="x", alpha=0.3)
        filled = [v for v in values if v.size]
        if filled and not any(np.any(v) for v in filled):
            total = sum(v.size for v in filled)
            ax.text(
                0.5, 0.5, f"0 in every replication\nof every scenario\n({total} replications)",
                ha="center", va="center", transform=ax.transAxes, color="0.3",
                bbox={"facecolor": "white", "edgecolor": "0.7"},
            )  # fmt: skip
            ax.set_xticks([])
        if named:
            _draw_ridges(ax, names, values)
        else:
            ax.text(0.5, 0.5, "no scenarios", ha="center", va="center", transform=ax.transAxes)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    fig.suptitle(
        f"{title}\n(a row per scenario: share of replications per value, scaled within each "
        "panel; \u25b2 mean)",
        fontsize="medium",
    )
    return fig


def _histograms(
    named: NamedColumns,
    panels: Sequence[tuple[str, tuple[str, ...], str]],
    title: str,
    path: PathLike,
) -> Path:
    """One panel per ``(title, outcome keys summed, x label)``: a ridge (step histogram on its
    own baseline) per scenario, so that similar distributions do not hide one another; rows
    exactly equal to an earlier one are named together, mostly-zero rows give P(>0), and a
    panel where every value is 0 says so."""
    return _save(_histograms_figure(named, panels, title), path)


CASUALTY_PANELS = (
    ("mine blasts", ("killed_mines", "injured_mines"), "killed + injured (persons)"),
    ("exchanges of fire", ("killed_armed", "injured_armed"), "killed + injured (persons)"),
)


def casualty_histograms(named: NamedColumns, path: PathLike) -> Path:
    """Killed plus injured per replication, by cause (mine blasts, exchanges of fire)."""
    return _histograms(named, CASUALTY_PANELS, "Casualties per replication by cause", path)


def event_panels(types: Sequence[str]) -> list[tuple[str, tuple[str, ...], str]]:
    """The panels of :func:`event_count_histograms`: one per event type."""
    return [
        (
            EVENT_TYPES[t].description if t in EVENT_TYPES else t,
            (f"count_{t}",),
            "events per replication",
        )
        for t in types
    ]


def event_count_histograms(
    named: NamedColumns, path: PathLike, types: Sequence[str] = DEFAULT_TYPES
) -> Path:
    """Number of events of each type per replication over the horizon, a panel per type."""
    return _histograms(named, event_panels(types), "Event counts per replication", path)


def write_all_plots(
    named: NamedColumns,
    named_bands: NamedBands,
    start_date: Starts,
    folder: PathLike,
    fmt: str = "png",
    only: Collection[str] | None = None,
    forecast: Window | None = FORECAST_WINDOW,
) -> list[Path]:
    """The outcome figures (all, or those named in ``only``) into ``folder`` as
    ``<name>.<fmt>``; returns the paths written. ``forecast`` is shaded on the time axes."""
    out = Path(folder)
    makers = {
        "tension_fan": lambda p: fan_chart(named_bands, start_date, p, forecast),
        "highest_rung": lambda p: rung_distribution(named, p),
        "casualties": lambda p: casualty_histograms(named, p),
        "event_counts": lambda p: event_count_histograms(named, p),
    }
    return [
        make(out / f"{name}.{fmt}") for name, make in makers.items() if only is None or name in only
    ]
