"""Figures of ``dmzsim score``: the PIT histogram, and observed counts against the model's
predictive intervals by month. Both read the rows of ``score.csv`` (see
``sim.score_results``); matplotlib is imported when a figure is drawn, with the Agg backend.
"""

from __future__ import annotations

import math
import os
import textwrap
from collections.abc import Sequence
from pathlib import Path

PathLike = str | os.PathLike[str]


def _pyplot():  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def informative(row: dict) -> bool:
    """Whether a row's PIT says anything: not when every replication equals the observed value
    (its PIT is uniform noise, and its mid-PIT 1/2 whatever the model)."""
    return not (row["pit_lo"] == 0.0 and row["pit_hi"] == 1.0)


def pit_histogram(rows: Sequence[dict], names: Sequence[str], path: PathLike, seed: int) -> Path:
    """One panel per scenario: the histogram of the randomised PIT of the scored quantities
    (flat when the model is calibrated) with the uniform density, and the mid-PITs as ticks.
    Quantities every replication got exactly right are left out and counted in the title."""
    plt = _pyplot()
    from sim.plots.figures import _colour, _save

    cols = min(3, len(names))
    nrows = math.ceil(len(names) / cols)
    fig, axes = plt.subplots(
        nrows, cols, figsize=(5.2 * cols, 3.6 * nrows + 0.8), squeeze=False, layout="constrained"
    )
    for i, name in enumerate(names):
        ax = axes[i // cols][i % cols]
        mine = [r for r in rows if r["scenario"] == name]
        kept = [r for r in mine if informative(r)]
        pits = [r["pit_random"] for r in kept]
        bins = 5 if len(pits) < 50 else 10
        ax.hist(pits, bins=bins, range=(0.0, 1.0), density=True, color=_colour(i), alpha=0.6,
                edgecolor="white", label="randomised PIT")  # fmt: skip
        ax.axhline(1.0, color="black", linestyle="--", linewidth=1.2, label="uniform")
        ax.plot([r["pit"] for r in kept], [0.04] * len(kept), "|", color="black", markersize=12,
                label="mid-PIT")  # fmt: skip
        ax.set_xlim(0.0, 1.0)
        ax.set_ylim(0.0, max(2.0, ax.get_ylim()[1]))
        left = len(mine) - len(kept)
        ax.set_title(
            f"{name}: {len(kept)} quantities"
            + (f"\n({left} more left out: every replication equal to the record)" if left else ""),
            fontsize="medium",
        )
        ax.set_xlabel("PIT of the observed value")
        ax.set_ylabel("density")
        ax.legend(fontsize="small", loc="upper left")
    for j in range(len(names), nrows * cols):
        axes[j // cols][j % cols].set_visible(False)
    fig.suptitle(
        "PIT of the observed values\n"
        f"(randomised PIT, seed {seed}: flat if the model is calibrated)",
        fontsize="medium",
    )
    return _save(fig, path)


def interval_plot(
    rows: Sequence[dict], names: Sequence[str], types: Sequence[str], path: PathLike
) -> Path:
    """One panel per scored event type, months on the x axis: each scenario's 90% and 50%
    predictive intervals and median, and the observed count."""
    plt = _pyplot()
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    from sim.plots.figures import _colour, _save

    monthly = [r for r in rows if r["kind"] == "count" and r["month"] != "window"]
    months = sorted({r["month"] for r in monthly})
    # a type that stayed at zero in the record and in every replication has nothing to show
    busy = {r["event_type"] for r in monthly if r["observed"] or r["p95"]}
    quiet = [t for t in types if t not in busy]
    types = [t for t in types if t in busy] or list(types[:1])
    cols = min(3, max(1, len(types)))
    nrows = max(1, math.ceil(len(types) / cols))
    width = max(4.0, 0.55 * len(months) + 2.0)
    fig, axes = plt.subplots(
        nrows, cols, figsize=(width * cols, 2.3 * nrows + 1.0), squeeze=False, layout="constrained"
    )
    step = 0.6 / max(1, len(names))
    for k, t in enumerate(types):
        ax = axes[k // cols][k % cols]
        for i, name in enumerate(names):
            mine = {
                r["month"]: r for r in monthly if r["scenario"] == name and r["event_type"] == t
            }
            xs = [j + (i - (len(names) - 1) / 2) * step for j, m in enumerate(months) if m in mine]
            got = [mine[m] for m in months if m in mine]
            c = _colour(i)
            ax.vlines(xs, [r["p05"] for r in got], [r["p95"] for r in got], color=c, linewidth=2,
                      alpha=0.45)  # fmt: skip
            ax.vlines(xs, [r["p25"] for r in got], [r["p75"] for r in got], color=c, linewidth=7,
                      alpha=0.7)  # fmt: skip
            ax.plot(xs, [r["median"] for r in got], "_", color="black", markersize=10, mew=2)
        observed = {r["month"]: r["observed"] for r in monthly if r["event_type"] == t}
        ax.plot(
            range(len(months)),
            [observed.get(m, math.nan) for m in months],
            "o",
            color="tab:red",
            markeredgecolor="black",
            markersize=6,
            zorder=5,
        )
        ax.set_title(t, fontsize="medium")
        ax.set_xticks(range(len(months)), months, rotation=45 if len(months) > 4 else 0,
                      fontsize="small")  # fmt: skip
        ax.set_xlim(-0.6, len(months) - 0.4)
        top = max(
            [r["p95"] for r in monthly if r["event_type"] == t]
            + [observed.get(m, 0) for m in months]
        )
        ax.set_ylim(-0.3, max(1.0, top) * 1.15 + 0.3)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(axis="y", alpha=0.3)
    for j in range(len(types), nrows * cols):
        axes[j // cols][j % cols].set_visible(False)
    handles = [
        Line2D([], [], color="grey", linewidth=2, alpha=0.45, label="90% interval"),
        Line2D([], [], color="grey", linewidth=7, alpha=0.7, label="50% interval"),
        Line2D(
            [], [], color="black", marker="_", markersize=10, mew=2, linestyle="", label="median"
        ),
        Line2D(
            [],
            [],
            color="tab:red",
            markeredgecolor="black",
            marker="o",
            linestyle="",
            label="observed",
        ),  # fmt: skip
    ]
    handles += [
        Line2D([], [], color=_colour(i), linewidth=7, alpha=0.7, label=name)
        for i, name in enumerate(names)
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=min(6, len(handles)),
               fontsize="small")  # fmt: skip
    title = "Observed counts against the model's predictive intervals, by month"
    if quiet:
        title += "\n(zero in the record and in every replication, not drawn: " + ", ".join(quiet)
        title += ")"
    fig.suptitle(textwrap.fill(title, 110), fontsize="medium")
    return _save(fig, path)
