"""Figure of a PRIM run: the coverage-density trade-off of its peeling trajectory and its box.

Results come from :func:`sim.analysis.prim.prim`; the figure is saved with the Agg backend and
closed by :func:`sim.plots.figures._save`.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from sim.analysis.prim import Box, Labels, PrimResult
from sim.plots.figures import PathLike, _colour, _save
from sim.plots.labels import parameter_label
from sim.plots.sweep import _wrap


def tradeoff_plot(
    result: PrimResult, path: PathLike, title: str, *, labels: Labels | None = None
) -> Path:
    """Peeling trajectory as density against coverage, and the chosen box's limits beside it.

    Points are coloured by the number of restricted inputs; ``labels(dim, value)`` formats limits.
    """
    fig, (ax, bx) = plt.subplots(
        1, 2, figsize=(13, 5.5), layout="constrained", gridspec_kw={"width_ratios": [3, 2]}
    )
    _tradeoff(ax, result)
    _limits(bx, result, result.chosen, labels)
    fig.suptitle(title)
    return _save(fig, path)


def _tradeoff(ax: Axes, result: PrimResult) -> None:
    """Trajectory points by restricted-input count, base density, and the pasted chosen box."""
    full = result.trajectory[0]
    cov = np.array([b.coverage for b in result.trajectory])
    den = np.array([b.density for b in result.trajectory])
    dims = np.array([len(b.restricted(full)) for b in result.trajectory])
    ax.plot(cov, den, color="0.75", linewidth=0.8, zorder=1)
    for k in np.unique(dims):
        sel = dims == k
        label = f"{k} restricted input" + ("" if k == 1 else "s")
        ax.scatter(cov[sel], den[sel], s=22, color=_colour(int(k)), label=label, zorder=2)
    ax.axhline(
        result.base_density,
        color="0.35",
        linestyle="--",
        linewidth=1,
        label=f"base density {result.base_density:.3f}",
    )
    chosen, source = result.chosen, result.trajectory[result.chosen_index]
    if (chosen.coverage, chosen.density) != (source.coverage, source.density):
        ax.annotate(
            "",
            xy=(chosen.coverage, chosen.density),
            xytext=(source.coverage, source.density),
            arrowprops={"arrowstyle": "->", "color": "black", "linewidth": 0.8},
        )
    ax.scatter(
        [chosen.coverage],
        [chosen.density],
        marker="*",
        s=280,
        facecolor="gold",
        edgecolor="black",
        zorder=4,
        label="chosen box (after pasting)",
    )
    restricted = len(chosen.restricted(full))
    text = (
        f"box {result.chosen_index}, pasted\ncoverage {chosen.coverage:.2f}, "
        f"density {chosen.density:.2f}\nmass {chosen.mass:.2f} (n={chosen.n}), "
        f"{restricted} input{'' if restricted == 1 else 's'} restricted"
    )
    right = chosen.coverage > 0.5
    ax.annotate(
        text,
        xy=(chosen.coverage, chosen.density),
        xytext=(-14 if right else 14, -42 if chosen.density > 0.35 else 30),
        textcoords="offset points",
        ha="right" if right else "left",
        va="center",
        fontsize="small",
        bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.85, "edgecolor": "0.6"},
        arrowprops={"arrowstyle": "-", "color": "0.4", "linewidth": 0.8},
        zorder=5,
    )
    for artist in ax.collections:
        artist.set_clip_on(False)  # points at coverage or density 1 stay whole
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(0.0, 1.0)
    ax.set_xlabel("coverage (share of all outcome cases inside the box)")
    ax.set_ylabel("density (share of the box's cases with the outcome)")
    ax.set_title("PRIM peeling trajectory", fontsize="medium")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small")


def _limits(ax: Axes, result: PrimResult, box: Box, labels: Labels | None) -> None:
    """One bar per restricted input: the box's limits as a share of the input's full range."""
    full = result.trajectory[0]
    fmt = labels or (lambda dim, value: f"{value:g}")
    dims = box.restricted(full)
    ax.set_title("chosen box (share of each input's full range)", fontsize="medium")
    ax.set_xlim(0.0, 1.0)
    ax.set_xlabel("position in the full range (0 = minimum, 1 = maximum)")
    if not dims:
        ax.text(0.5, 0.5, "the box restricts no input", ha="center", va="center")
        ax.set_yticks([])
        return
    for row, j in enumerate(dims):
        y = len(dims) - 1 - row
        ax.barh(y, 1.0, height=0.5, color="0.9", edgecolor="0.6")
        cats, full_cats = box.allowed[j], full.allowed[j]
        if cats is None or full_cats is None:
            lo, hi = float(full.lower[j]), float(full.upper[j])
            left = (box.lower[j] - lo) / (hi - lo)
            width = (box.upper[j] - box.lower[j]) / (hi - lo)
            ax.barh(y, max(width, 0.004), left=left, height=0.5, color="C0")
            if width < 0.02:  # one value (a grid level): a mark, or the sliver would not show
                ax.plot([left + width / 2], [y], marker="D", color="C0", markersize=9,
                        markeredgecolor="black", clip_on=False)  # fmt: skip
            text = f"[{fmt(j, float(box.lower[j]))}, {fmt(j, float(box.upper[j]))}]"
            mid = left + width / 2  # the limits above the box, kept inside the panel
            ha = "right" if mid > 0.85 else "left" if mid < 0.15 else "center"
            ax.text(mid, y + 0.32, text, ha=ha, va="bottom", fontsize="small")
        else:
            codes = sorted(full_cats)
            slot = 1.0 / len(codes)
            for i, code in enumerate(codes):
                kept = code in cats
                ax.barh(
                    y, slot, left=i * slot, height=0.5, color="C0" if kept else "0.9",
                    edgecolor="0.6",
                )  # fmt: skip
                ax.text(
                    (i + 0.5) * slot, y, fmt(j, code), ha="center", va="center",
                    fontsize="x-small", color="white" if kept else "0.3",
                )  # fmt: skip
    ax.set_yticks(range(len(dims)), [""] * len(dims))
    ax.tick_params(axis="y", length=0)
    for row, j in enumerate(dims):  # what each input means and its unit; the path in small print
        y = len(dims) - 1 - row
        label = parameter_label(result.names[j])
        ax.annotate(_wrap(label.text, 32), xy=(0.0, y), xycoords=("axes fraction", "data"),
                    xytext=(-6, 1), textcoords="offset points", ha="right", va="bottom",
                    fontsize="small")  # fmt: skip
        if label.text != label.path:
            ax.annotate(label.path, xy=(0.0, y), xycoords=("axes fraction", "data"),
                        xytext=(-6, -1), textcoords="offset points", ha="right", va="top",
                        fontsize="x-small", color="0.4")  # fmt: skip
    ax.set_ylim(-0.6, len(dims) - 0.1)
