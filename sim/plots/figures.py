"""Figures of an experiment: tension fan chart, highest-rung distribution, histograms.

Each function takes ``named`` (a list of ``(scenario name, data)`` pairs, where data are outcome
columns or daily tension bands; several scenarios are overlaid in distinct colours), writes one
image and closes its figure. Only the
command-line layer imports this module, so selecting the non-interactive Agg backend here does
not affect library users.
"""

from __future__ import annotations

import datetime as dt
import os
import textwrap
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from sim.experiment.outputs import atomic_open  # noqa: E402
from sim.model.events import EVENT_TYPES, RUNGS  # noqa: E402

NamedColumns = Sequence[tuple[str, Mapping[str, np.ndarray]]]  # outcome columns per scenario
NamedBands = Sequence[tuple[str, np.ndarray]]  # tension quantiles (5, days) per scenario
PathLike = str | os.PathLike[str]

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


def fan_chart(named_bands: NamedBands, start_date: dt.date, path: PathLike) -> Path:
    """Tension at the end of each day: median line with 50% and 90% bands per scenario.

    ``named_bands`` holds each scenario's 5th, 25th, 50th, 75th and 95th percentiles by day.
    Up to two scenarios share one panel; more get a panel each (small multiples on shared
    axes), with the first scenario's median drawn dashed in every panel as the reference.
    """
    series = [(name, q) for name, q in named_bands if np.isfinite(q).any()]
    shared = len(series) <= 2
    panels = 1 if shared else len(series)
    cols = min(panels, 4)
    rows = -(-panels // cols)
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(10 if shared else 3.6 * cols, 5 if shared else 3.0 * rows),
        layout="constrained",
        sharex=True,
        sharey=True,
        squeeze=False,
    )
    n_days = series[0][1].shape[1] if series else 0
    days = np.datetime64(start_date, "D") + np.arange(n_days)
    for i, (name, q) in enumerate(series):
        ax = axes.flat[0 if shared else i]
        c = _colour(i)
        ax.fill_between(
            days, q[0], q[4], color=c, alpha=0.15, linewidth=0, label=f"{name}: 90% of runs"
        )
        ax.fill_between(
            days, q[1], q[3], color=c, alpha=0.3, linewidth=0, label=f"{name}: 50% of runs"
        )
        ax.plot(days, q[2], color=c, linewidth=1.8, label=f"{name}: median")
        if not shared:
            if i:
                ax.plot(
                    days,
                    series[0][1][2],
                    color="black",
                    linestyle="--",
                    linewidth=1.0,
                    label=f"{series[0][0]}: median",
                )
            ax.set_title(name, fontsize="medium")
    for ax in axes.flat[len(series) if not shared else 1 :]:
        ax.set_visible(False)
    for ax in axes.flat:
        locator = mdates.AutoDateLocator(maxticks=6)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0] and (shared or ax is axes.flat[min(1, panels - 1)]):
            ax.legend(loc="upper left", fontsize="x-small" if not shared else "small")
    fig.suptitle("Inter-Korean tension across replications (median, 50% and 90% bands)")
    fig.supxlabel(f"date (day 0 = {start_date.isoformat()})")
    fig.supylabel("tension (model index, end of day)")
    return _save(fig, path)


def rung_distribution(named: NamedColumns, path: PathLike) -> Path:
    """Share of replications whose highest rung is each rung of the ladder (grouped bars)."""
    fig, ax = plt.subplots(figsize=(10, 5), layout="constrained")
    x = np.arange(len(RUNGS))
    k = max(1, len(named))
    width = 0.8 / k
    for i, (name, data) in enumerate(named):
        top = _outcome(data, "highest_rung").astype(int)
        share = np.bincount(np.clip(top, 0, len(RUNGS) - 1), minlength=len(RUNGS)) / max(
            1, top.size
        )
        ax.bar(
            x - 0.4 + width * (i + 0.5),
            share,
            width=width,
            color=_colour(i),
            label=f"{name} (n={top.size})",
        )
    labels = [f"{j}\n" + textwrap.fill(name, 12) for j, name in enumerate(RUNGS)]
    ax.set_xticks(x, labels, fontsize="small")
    ax.set_ylim(0, 1)
    ax.set_title("Highest rung of the escalation ladder reached")
    ax.set_xlabel("highest rung reached in the replication")
    ax.set_ylabel("probability (share of replications)")
    ax.grid(axis="y", alpha=0.3)
    if named:
        ax.legend(fontsize="small")
    return _save(fig, path)


def _histograms(
    named: NamedColumns,
    panels: Sequence[tuple[str, tuple[str, ...], str]],
    title: str,
    path: PathLike,
) -> Path:
    """One panel per ``(title, outcome keys summed, x label)``: overlaid step histograms."""
    if not panels:
        raise ValueError("no panels to draw")
    ncols = min(3, len(panels))
    nrows = -(-len(panels) // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(4.2 * ncols, 3.4 * nrows), layout="constrained", squeeze=False
    )
    for ax, (panel_title, keys, xlabel) in zip(axes.flat, panels, strict=False):
        values = [_outcome(data, *keys) for _, data in named]
        bins = _integer_bins(values)
        for i, ((name, _), v) in enumerate(zip(named, values, strict=True)):
            if v.size:
                ax.hist(
                    v,
                    bins=bins,
                    weights=np.full(v.size, 1.0 / v.size),
                    histtype="step",
                    linewidth=1.6,
                    color=_colour(i),
                    label=name,
                )
        ax.set_title(panel_title, fontsize="medium")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("share of replications")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    if named:
        axes.flat[0].legend(fontsize="small")
    fig.suptitle(title)
    return _save(fig, path)


def casualty_histograms(named: NamedColumns, path: PathLike) -> Path:
    """Killed plus injured per replication, by cause (mine blasts, exchanges of fire)."""
    panels = [
        ("mine blasts", ("killed_mines", "injured_mines"), "killed + injured (persons)"),
        ("exchanges of fire", ("killed_armed", "injured_armed"), "killed + injured (persons)"),
    ]
    return _histograms(named, panels, "Casualties per replication by cause", path)


def event_count_histograms(
    named: NamedColumns, path: PathLike, types: Sequence[str] = DEFAULT_TYPES
) -> Path:
    """Number of events of each type per replication over the horizon, a panel per type."""
    panels = [
        (
            EVENT_TYPES[t].description if t in EVENT_TYPES else t,
            (f"count_{t}",),
            "events per replication",
        )
        for t in types
    ]
    return _histograms(named, panels, "Event counts per replication", path)


def write_all_plots(
    named: NamedColumns,
    named_bands: NamedBands,
    start_date: dt.date,
    folder: PathLike,
    fmt: str = "png",
    only: Collection[str] | None = None,
) -> list[Path]:
    """The outcome figures (all, or those named in ``only``) into ``folder`` as
    ``<name>.<fmt>``; returns the paths written."""
    out = Path(folder)
    makers = {
        "tension_fan": lambda p: fan_chart(named_bands, start_date, p),
        "highest_rung": lambda p: rung_distribution(named, p),
        "casualties": lambda p: casualty_histograms(named, p),
        "event_counts": lambda p: event_count_histograms(named, p),
    }
    return [
        make(out / f"{name}.{fmt}") for name, make in makers.items() if only is None or name in only
    ]
