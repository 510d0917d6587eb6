"""Figures of an experiment: tension fan chart, highest-rung distribution, histograms.

Each function takes ``named_results`` (a list of ``(scenario name, results)`` pairs; several
scenarios are overlaid in distinct colours), writes one image and closes its figure. Only the
command-line layer imports this module, so selecting the non-interactive Agg backend here does
not affect library users.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import textwrap
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from sim.model.events import EVENT_TYPES, RUNGS  # noqa: E402
from sim.model.result import ReplicationResult  # noqa: E402

NamedResults = Sequence[tuple[str, Sequence[ReplicationResult]]]
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
    target.parent.mkdir(parents=True, exist_ok=True)
    fmt = target.suffix.lstrip(".").lower() or "png"
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        fig.savefig(tmp, format=fmt, dpi=120)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        plt.close(fig)
    return target


def _outcome(results: Sequence[ReplicationResult], *keys: str) -> np.ndarray:
    """Sum of outcomes ``keys`` per replication."""
    return np.array([sum(r.outcomes.get(k, 0.0) for k in keys) for r in results], dtype=float)


def _integer_bins(values: Sequence[np.ndarray]) -> np.ndarray:
    """Bin edges centred on integers, at most ~40 bins, covering every sample."""
    top = max((float(np.nanmax(v)) for v in values if v.size), default=0.0)
    top = max(1.0, top)
    step = max(1.0, float(np.ceil((top + 1.0) / 40.0)))
    return np.arange(-0.5, top + step + 0.5, step)


def fan_chart(named_results: NamedResults, start_date: dt.date, path: PathLike) -> Path:
    """Tension at the end of each day: median line with 50% and 90% bands per scenario."""
    fig, ax = plt.subplots(figsize=(10, 5), layout="constrained")
    for i, (name, results) in enumerate(named_results):
        if not results:
            continue
        tension = np.stack([np.asarray(r.tension, dtype=float) for r in results])
        q05, q25, q50, q75, q95 = np.quantile(tension, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
        days = np.datetime64(start_date, "D") + np.arange(tension.shape[1])
        c = _colour(i)
        ax.fill_between(
            days, q05, q95, color=c, alpha=0.15, linewidth=0, label=f"{name}: 90% of runs"
        )
        ax.fill_between(
            days, q25, q75, color=c, alpha=0.3, linewidth=0, label=f"{name}: 50% of runs"
        )
        ax.plot(days, q50, color=c, linewidth=1.8, label=f"{name}: median")
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_title("Inter-Korean tension across replications")
    ax.set_xlabel(f"date (day 0 = {start_date.isoformat()})")
    ax.set_ylabel("tension (model index, end of day)")
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", fontsize="small", ncols=min(3, len(named_results)))
    return _save(fig, path)


def rung_distribution(named_results: NamedResults, path: PathLike) -> Path:
    """Share of replications whose highest rung is each rung of the ladder (grouped bars)."""
    fig, ax = plt.subplots(figsize=(10, 5), layout="constrained")
    x = np.arange(len(RUNGS))
    k = max(1, len(named_results))
    width = 0.8 / k
    for i, (name, results) in enumerate(named_results):
        top = _outcome(results, "highest_rung").astype(int)
        share = np.bincount(np.clip(top, 0, len(RUNGS) - 1), minlength=len(RUNGS)) / max(
            1, len(results)
        )
        ax.bar(
            x - 0.4 + width * (i + 0.5),
            share,
            width=width,
            color=_colour(i),
            label=f"{name} (n={len(results)})",
        )
    labels = [f"{j}\n" + textwrap.fill(name, 12) for j, name in enumerate(RUNGS)]
    ax.set_xticks(x, labels, fontsize="small")
    ax.set_ylim(0, 1)
    ax.set_title("Highest rung of the escalation ladder reached")
    ax.set_xlabel("highest rung reached in the replication")
    ax.set_ylabel("probability (share of replications)")
    ax.grid(axis="y", alpha=0.3)
    if named_results:
        ax.legend(fontsize="small")
    return _save(fig, path)


def _histograms(
    named_results: NamedResults,
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
        values = [_outcome(res, *keys) for _, res in named_results]
        bins = _integer_bins(values)
        for i, ((name, _), v) in enumerate(zip(named_results, values, strict=True)):
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
    if named_results:
        axes.flat[0].legend(fontsize="small")
    fig.suptitle(title)
    return _save(fig, path)


def casualty_histograms(named_results: NamedResults, path: PathLike) -> Path:
    """Killed plus injured per replication, by cause (mine blasts, exchanges of fire)."""
    panels = [
        ("mine blasts", ("killed_mines", "injured_mines"), "killed + injured (persons)"),
        ("exchanges of fire", ("killed_armed", "injured_armed"), "killed + injured (persons)"),
    ]
    return _histograms(named_results, panels, "Casualties per replication by cause", path)


def event_count_histograms(
    named_results: NamedResults, path: PathLike, types: Sequence[str] = DEFAULT_TYPES
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
    return _histograms(named_results, panels, "Event counts per replication", path)


def write_all_plots(
    named_results: NamedResults, start_date: dt.date, folder: PathLike, fmt: str = "png"
) -> list[Path]:
    """Every figure into ``folder`` as ``<name>.<fmt>``; returns the paths written."""
    out = Path(folder)
    return [
        fan_chart(named_results, start_date, out / f"tension_fan.{fmt}"),
        rung_distribution(named_results, out / f"highest_rung.{fmt}"),
        casualty_histograms(named_results, out / f"casualties.{fmt}"),
        event_count_histograms(named_results, out / f"event_counts.{fmt}"),
    ]
