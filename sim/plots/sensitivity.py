"""Bar chart of Sobol' indices: first-order and total index per parameter with their intervals.

Indices come from :func:`sim.analysis.sensitivity.sobol_from_values`; the figure is saved with
the Agg backend and closed by :func:`sim.plots.figures._save`.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from sim.analysis.sensitivity import SobolIndices
from sim.plots.figures import PathLike, _colour, _save


def sobol_bar_chart(
    ix: SobolIndices, outcome: str, path: PathLike, title: str | None = None
) -> Path:
    """Horizontal grouped bars: first-order and total index of each parameter, with intervals.

    Parameters read top to bottom in the order given; the index axis runs from
    min(0, lowest interval bound) to max(1, highest interval bound).
    """
    d = len(ix.names)
    fig, ax = plt.subplots(figsize=(8.5, 1.6 + 0.6 * d), layout="constrained")
    y = np.arange(d)
    height = 0.38
    pct = f"{ix.confidence:.0%}"
    series = (
        ("first-order", ix.first, ix.first_low, ix.first_high, -height / 2),
        ("total", ix.total, ix.total_low, ix.total_high, height / 2),
    )
    for i, (label, est, low, high, offset) in enumerate(series):
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
    ax.set_yticks(y, list(ix.names))
    ax.invert_yaxis()  # first parameter on top
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
        title or f"Sensitivity of {outcome}: Sobol' indices (n = {ix.n} base samples)",
        fontsize="medium",
    )
    return _save(fig, path)
