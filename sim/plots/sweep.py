"""Figures of parameter sweeps: effect curves, heatmaps of two-parameter grids, main effects.

An *outcome* is a probability (e.g. ``P(highest_rung>=4)``, values in [0, 1]) or the mean of a
count or quantity; every estimate comes with its 95% interval ``(lo, hi)`` and the number of
replications ``n`` behind it. Parameters are named by dotted paths (``diplomacy.initial_backing``)
and take numeric values, dates (:class:`datetime.date`) or categorical labels (strings).

* :func:`effect_plot` -- one-parameter sweep: a panel per outcome along the parameter;
* :func:`heatmap` / :func:`heatmaps` -- two-parameter sweep: annotated grids of cells;
* :func:`main_effects` -- three or more parameters (or a sampled design): an outcome's main
  effect along each parameter, on a shared y axis.

Each public function validates its inputs (:class:`ValueError` on mismatched shapes), builds the
figure with a private ``_*_figure`` function (which tests can inspect), saves it atomically in
the format given by the path's suffix and closes it (:func:`sim.plots.figures._save`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import numbers
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from sim.analysis.stats import proportion_ci
from sim.plots.figures import PathLike, _colour, _save
from sim.plots.labels import parameter_label

__all__ = ["Effect", "effect_plot", "heatmap", "heatmaps", "main_effects"]

CMAP = "viridis"  # perceptually uniform, readable in greyscale and by colour-blind readers
NO_DATA_COLOUR = "#d0d0d0"
BAND_ALPHA = 0.25
MAX_ANNOTATED_CELLS = 400  # larger grids are drawn without per-cell text (it would not fit)
MAX_INTERVAL_GRID = 8  # intervals are written in the cells of grids up to 8 x 8
_PROBABILITY_TOPS = (0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5)

HeatmapPanel = tuple[str, np.ndarray, np.ndarray, bool]  # outcome, values, n, probability


@dataclass(frozen=True, eq=False)
class Effect:
    """One outcome's estimates along one parameter: a point or a bin per x value.

    ``x`` holds floats, :class:`datetime.date` values or string labels (categorical); ``mean``,
    ``lo``, ``hi`` (the 95% interval) and ``n`` (replications behind each estimate) have one
    entry per x value (NaN where there is no estimate). The arrays are stored as 1-D float
    arrays and ``x`` as a tuple; a length mismatch raises :class:`ValueError`.
    """

    outcome: str
    x: Sequence[Any]
    mean: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    n: np.ndarray
    probability: bool

    def __post_init__(self) -> None:
        x = tuple(self.x)
        if not x:
            raise ValueError(f"effect {self.outcome!r}: x is empty")
        for name in ("mean", "lo", "hi", "n"):
            arr = np.asarray(getattr(self, name), dtype=float)
            if arr.shape != (len(x),):
                raise ValueError(
                    f"effect {self.outcome!r}: {name} has shape {arr.shape} but x has "
                    f"{len(x)} values (expected shape ({len(x)},))"
                )
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "x", x)
        _x_kind(x)  # rejects a mixture of dates and other values


# ---------------------------------------------------------------------------------- helpers


def _wrap(text: str, width: int) -> str:
    """``text`` on lines of at most ``width`` characters, broken after '.', '_' or spaces."""
    if len(text) <= width:
        return text
    lines: list[str] = []
    line = ""
    for piece in re.split(r"(?<=[._ ])", text):
        if line and len(line) + len(piece) > width:
            lines.append(line.rstrip())
            line = ""
        while len(piece) > width:  # a single piece too long for a line: hard break
            lines.append(piece[:width])
            piece = piece[width:]
        line += piece
    if line.strip():
        lines.append(line.rstrip())
    return "\n".join(lines)


def _label_size(text: str, width: int) -> str:
    """A smaller font for labels that still need several lines at ``width`` characters."""
    return "small" if len(text) > 2 * width else "medium"


def _parameter_axis(ax: Axes, which: str, path: str, width: int) -> None:
    """Label ``ax``'s x or y axis with the parameter's doc name and unit, and the dotted
    ``path`` in small grey print beside it (only the path when it is not a declared one)."""
    label = parameter_label(path)
    text = _wrap(label.text, width)
    size = _label_size(label.text, width)
    if which == "x":
        ax.set_xlabel(text, fontsize=size)
    else:
        ax.set_ylabel(text, fontsize=size)
    if label.text == path:
        return
    small = {"fontsize": "x-small", "color": "0.4", "textcoords": "offset points"}
    if which == "x":
        ax.annotate(path, xy=(0.5, 0.0), xycoords=ax.xaxis.label, xytext=(0, -1),
                    ha="center", va="top", **small)  # fmt: skip
    else:
        ax.annotate(path, xy=(0.0, 0.5), xycoords=ax.yaxis.label, xytext=(-1, 0), ha="center",
                    va="bottom", rotation=90, rotation_mode="anchor", **small)  # fmt: skip


def _x_kind(x: Sequence[Any]) -> str:
    """``'date'``, ``'numeric'`` or ``'categorical'`` for the values of ``x``."""
    values = list(x)
    dates = [isinstance(v, dt.date | np.datetime64) for v in values]
    if all(dates):
        return "date"
    if any(dates):
        raise ValueError("x mixes dates with other values")
    if all(isinstance(v, numbers.Real) and not isinstance(v, bool | np.bool_) for v in values):
        return "numeric"
    return "categorical"


def _as_dates(x: Sequence[Any]) -> np.ndarray:
    return np.array([np.datetime64(v, "D") for v in x])


def _probability_top(values: Sequence[np.ndarray]) -> float:
    """Upper y limit (or colour scale end) for probabilities: tight, but a round number."""
    finite = [float(np.nanmax(v)) for v in values if np.isfinite(v).any()]
    top = max(finite, default=0.0)
    if top <= 0.0 or top > _PROBABILITY_TOPS[-1]:
        return 1.0
    return next(t for t in _PROBABILITY_TOPS if t >= top * 1.05 or t == _PROBABILITY_TOPS[-1])


def _put_n_note(ax: Axes, n: np.ndarray, effect: Effect | None = None) -> None:
    """The replications behind a panel's estimates, small, in its top left corner; and, for
    a probability that is 0 at every value, that no replication had the outcome."""
    note = _n_note(n)
    if effect is not None and effect.probability:
        finite = effect.mean[np.isfinite(effect.mean)]
        if finite.size and not finite.any():
            note += "; 0 at every value: no replication had it"
    ax.text(0.01, 0.97, note, transform=ax.transAxes, fontsize="x-small", va="top", color="0.3")


def _n_note(n: np.ndarray) -> str:
    """``'n=200 per estimate'`` or ``'n=50-200 per estimate'``: replications behind each."""
    finite = n[np.isfinite(n)]
    if not finite.size:
        return "n=0"
    low, high = int(finite.min()), int(finite.max())
    return f"n={low} per estimate" if low == high else f"n={low}\u2013{high} per estimate"


def _categories(effects: Sequence[Effect]) -> list[str]:
    """Labels of categorical effects, in order of first appearance."""
    seen: dict[str, None] = {}
    for e in effects:
        seen.update((str(v), None) for v in e.x)
    return list(seen)


def _draw_effect(
    ax: Axes, effect: Effect, colour: str, categories: Sequence[str] | None = None
) -> None:
    """Mean and 95% interval of ``effect``: line + band, or points + error bars (categorical)."""
    kind = _x_kind(effect.x)
    mean, lo, hi = effect.mean, effect.lo, effect.hi
    if kind == "categorical":
        cats = list(categories) if categories is not None else _categories([effect])
        xs = np.array([cats.index(str(v)) for v in effect.x], dtype=float)
        below = np.nan_to_num(np.clip(mean - lo, 0.0, None))
        above = np.nan_to_num(np.clip(hi - mean, 0.0, None))
        ax.errorbar(
            xs,
            mean,
            yerr=np.vstack([below, above]),
            fmt="o",
            color=colour,
            markersize=6,
            capsize=4,
            linewidth=1.4,
            clip_on=False,
        )
        return
    xv = _as_dates(effect.x) if kind == "date" else np.asarray(effect.x, dtype=float)
    order = np.argsort(xv, kind="stable")
    xv, mean, lo, hi = xv[order], mean[order], lo[order], hi[order]
    if xv.size == 1:
        ax.errorbar(xv, mean, yerr=np.vstack([mean - lo, hi - mean]), fmt="o", color=colour)
    ax.fill_between(xv, lo, hi, color=colour, alpha=BAND_ALPHA, linewidth=0)
    ax.plot(xv, mean, "-o", color=colour, markersize=4, linewidth=1.6, clip_on=False)


def _format_x_axis(ax: Axes, kind: str, categories: Sequence[str]) -> None:
    if kind == "categorical":
        long_labels = sum(len(c) for c in categories) > 60
        ax.set_xticks(
            range(len(categories)),
            [_wrap(c, 12) for c in categories],
            fontsize="small",
            rotation=30 if long_labels else 0,
            ha="right" if long_labels else "center",
        )
        ax.set_xlim(-0.5, len(categories) - 0.5)
    elif kind == "date":
        locator = mdates.AutoDateLocator(maxticks=6)
        ax.xaxis.set_major_locator(locator)
        # no offset text (it would sit under the axis label): month ticks carry the year
        formats = ["%Y", "%b %Y", "%d %b", "%H:%M", "%H:%M", "%S.%f"]
        ax.xaxis.set_major_formatter(
            mdates.ConciseDateFormatter(
                locator, formats=formats, zero_formats=formats, show_offset=False
            )
        )


def _hide_unused(axes: np.ndarray, used: int) -> None:
    """Hide the grid's axes past ``used``; the panel above each shows its x tick labels."""
    flat = list(axes.flat)
    cols = axes.shape[1]
    for j in range(used, len(flat)):
        flat[j].set_visible(False)
        if j - cols >= 0:
            flat[j - cols].xaxis.set_tick_params(labelbottom=True)


def _bottom_axes(axes: np.ndarray, used: int) -> list[Axes]:
    """The lowest of the first ``used`` axes in each column of the grid."""
    cols = axes.shape[1]
    flat = list(axes.flat)[:used]
    return [max((ax for j, ax in enumerate(flat) if j % cols == c), key=flat.index)
            for c in range(min(cols, used))]  # fmt: skip


def _grid(count: int, max_cols: int) -> tuple[int, int]:
    cols = min(max_cols, count)
    return -(-count // cols), cols


# ---------------------------------------------------------------------------- effect plots


def _effect_figure(parameter: str, effects: Sequence[Effect], title: str) -> Figure:
    """One panel per outcome along ``parameter``, on a shared x axis."""
    if not effects:
        raise ValueError("no effects to draw")
    kinds = {_x_kind(e.x) for e in effects}
    if len(kinds) > 1:
        raise ValueError(f"effects along {parameter!r} mix x kinds: {sorted(kinds)}")
    kind = kinds.pop()
    categories = _categories(effects) if kind == "categorical" else []
    rows, cols = _grid(len(effects), 1 if len(effects) <= 3 else 2 if len(effects) <= 8 else 3)
    width = max(6.5, 4.4 * cols) if kind != "categorical" else max(6.5, 0.9 * len(categories))
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(min(width, 16.0), 1.0 + 2.6 * rows),
        layout="constrained",
        sharex=True,
        squeeze=False,
    )
    try:
        for i, (ax, e) in enumerate(zip(axes.flat, effects, strict=False)):
            _draw_effect(ax, e, _colour(i), categories)
            ax.set_title(_wrap(e.outcome, 50), fontsize=_label_size(e.outcome, 50))
            ax.set_ylabel("probability" if e.probability else "mean")
            if e.probability:
                ax.set_ylim(0.0, _probability_top([e.mean, e.lo, e.hi]))
            _put_n_note(ax, e.n, e)
            ax.grid(alpha=0.3)
        _hide_unused(axes, len(effects))
        for ax in axes.flat[: len(effects)]:
            _format_x_axis(ax, kind, categories)
        for ax in _bottom_axes(axes, len(effects)):
            _parameter_axis(ax, "x", parameter, 60 if cols == 1 else 40)
        fig.suptitle(_wrap(f"{title}\n(mean and 95% interval)", 90))
    except BaseException:
        plt.close(fig)
        raise
    return fig


def effect_plot(parameter: str, effects: Sequence[Effect], path: PathLike, title: str) -> Path:
    """A one-parameter sweep: a panel per outcome (mean line and 95% band) along ``parameter``.

    Numeric x gives a line with markers over a shaded band, dates a date axis, and categorical
    x points with error bars at evenly spaced ticks labelled by the strings. Probability panels
    run from 0 to a round upper limit (1 unless all estimates are small). Writes ``path`` (the
    format from its suffix), closes the figure and returns the path.
    """
    return _save(_effect_figure(parameter, effects, title), path)


# -------------------------------------------------------------------------------- heatmaps


@dataclass(frozen=True)
class _Panel:
    outcome: str
    values: np.ndarray
    n: np.ndarray
    probability: bool
    lo: np.ndarray | None = None
    hi: np.ndarray | None = None


def _panels(
    panels: Sequence[tuple[Any, ...]], shape: tuple[int, int], x_name: str, y_name: str
) -> list[_Panel]:
    """Validated panels: arrays of ``shape`` = (len(y_labels), len(x_labels))."""
    if not panels:
        raise ValueError("no heatmap panels to draw")
    if 0 in shape:
        raise ValueError(f"empty grid: {shape[1]} x labels and {shape[0]} y labels")
    out = []
    for panel in panels:
        if len(panel) not in (4, 6):
            raise ValueError(
                "a heatmap panel is (outcome, values, n, probability) "
                f"or (outcome, values, n, probability, lo, hi); got {len(panel)} items"
            )
        outcome, *arrays = panel[:3] + panel[4:]
        checked: list[np.ndarray | None] = []
        for name, arr in zip(("values", "n", "lo", "hi"), arrays, strict=False):
            if arr is None and name in ("lo", "hi"):
                checked.append(None)
                continue
            a = np.asarray(arr, dtype=float)
            if a.shape != shape:
                raise ValueError(
                    f"heatmap {outcome!r}: {name} has shape {a.shape}, expected {shape} "
                    f"= (len(y_labels) for {y_name!r}, len(x_labels) for {x_name!r})"
                )
            checked.append(a)
        values, n = np.asarray(checked[0]), np.asarray(checked[1])
        lo, hi = (checked[2], checked[3]) if len(checked) == 4 else (None, None)
        if (lo is None) != (hi is None):
            raise ValueError(f"heatmap {outcome!r}: give both lo and hi, or neither")
        out.append(_Panel(str(outcome), values, n, bool(panel[3]), lo, hi))
    return out


def _with_intervals(panel: _Panel) -> _Panel:
    """A probability panel given without intervals gets the 95% Wilson interval of each cell,
    from its share and n (a share of n replications is a whole number of them)."""
    if not panel.probability or panel.lo is not None:
        return panel
    lo = np.full(panel.values.shape, np.nan)
    hi = np.full(panel.values.shape, np.nan)
    for idx in np.ndindex(panel.values.shape):
        share, n = panel.values[idx], panel.n[idx]
        if np.isfinite(share) and np.isfinite(n) and n >= 1:
            hits = min(max(round(float(share) * float(n)), 0), int(n))
            _, lo[idx], hi[idx] = proportion_ci(hits, int(n))
    return dataclasses.replace(panel, lo=lo, hi=hi)


def _panel_note(panel: _Panel) -> str:
    """What a panel without information says of itself: 0 (or one value) in every cell."""
    finite = panel.values[np.isfinite(panel.values)]
    if finite.size < 2 or not np.all(finite == finite[0]):
        return ""
    if panel.probability and finite[0] == 0.0:
        return "0 in every cell: no replication had it"
    return f"{_fmt(float(finite[0]), panel.probability)} in every cell"


def _norm(panel: _Panel) -> Normalize:
    """Colours: probabilities from 0 to a round number above every estimate and every upper
    interval bound (so that noise at small probabilities does not take the whole range);
    other outcomes over their range."""
    finite = panel.values[np.isfinite(panel.values)]
    if panel.probability:
        bounds = [panel.values] + ([panel.hi] if panel.hi is not None else [])
        return Normalize(0.0, _probability_top(bounds))
    if not finite.size:
        return Normalize(0.0, 1.0)
    low, high = float(finite.min()), float(finite.max())
    if low == high:
        pad = 0.5 if low == 0 else abs(low) * 0.05
        low, high = low - pad, high + pad
    return Normalize(low, high)


def _fmt(v: float, probability: bool) -> str:
    if probability:
        return f"{v:.2f}"
    magnitude = abs(v)
    if magnitude >= 100:
        return f"{v:.0f}"
    if magnitude >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def _text_colour(rgba: Sequence[float]) -> str:
    """Black or white, whichever contrasts more with the (sRGB) cell colour."""

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgba[:3])
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "black" if luminance > 0.179 else "white"  # WCAG crossover of the two contrasts


def _annotate(ax: Axes, panel: _Panel, norm: Normalize, cell_pt: tuple[float, float]) -> None:
    """Value, 'n=...' and (small grids) the interval in each cell, in a contrasting colour."""
    ny, nx = panel.values.shape
    with_interval = panel.lo is not None and max(nx, ny) <= MAX_INTERVAL_GRID
    lines = 3 if with_interval else 2
    width_pt, height_pt = cell_pt
    size = float(np.clip(min(width_pt / 4.0, height_pt / (1.6 * lines)), 4.0, 10.0))
    small = max(3.5, 0.78 * size)
    cmap = plt.get_cmap(CMAP)
    offsets: tuple[float, ...] = (0.22, 0.0, -0.24) if with_interval else (0.13, -0.17)
    for i in range(ny):
        for j in range(nx):
            v = panel.values[i, j]
            count = panel.n[i, j]
            n_text = f"n={int(count)}" if np.isfinite(count) else "n=0"
            if not np.isfinite(v):
                ax.text(j, i, n_text, ha="center", va="center", fontsize=small, color="0.25")
                continue
            colour = _text_colour(cmap(norm(v)))
            ax.text(
                j,
                i + offsets[0],
                _fmt(v, panel.probability),
                ha="center",
                va="center",
                fontsize=size,
                color=colour,
                fontweight="bold",
            )
            ax.text(
                j,
                i + offsets[1],
                n_text,
                ha="center",
                va="center",
                fontsize=small,
                color=colour,
            )
            if with_interval:
                assert panel.lo is not None and panel.hi is not None
                lo, hi = panel.lo[i, j], panel.hi[i, j]
                if np.isfinite(lo) and np.isfinite(hi):
                    interval = f"[{_fmt(lo, panel.probability)}, {_fmt(hi, panel.probability)}]"
                    ax.text(
                        j,
                        i + offsets[2],
                        interval,
                        ha="center",
                        va="center",
                        fontsize=0.85 * small,
                        color=colour,
                    )


def _tick_labels(ax: Axes, axis: str, labels: Sequence[str]) -> None:
    wrapped = [_wrap(str(s), 12) for s in labels]
    if axis == "x":
        crowded = len(labels) > 6 and max(len(str(s)) for s in labels) > 5
        ax.set_xticks(
            range(len(labels)),
            wrapped,
            fontsize="small",
            rotation=35 if crowded else 0,
            ha="right" if crowded else "center",
            rotation_mode="anchor" if crowded else "default",
        )
    else:
        ax.set_yticks(range(len(labels)), wrapped, fontsize="small")


def _heatmaps_figure(
    x_name: str,
    x_labels: Sequence[str],
    y_name: str,
    y_labels: Sequence[str],
    panels: Sequence[tuple[Any, ...]],
    title: str,
) -> Figure:
    """Annotated heatmaps of one grid side by side (up to 3 per row), a colourbar each.

    ``panels`` holds ``(outcome, values, n, probability)`` or ``(outcome, values, n,
    probability, lo, hi)``; every array has shape ``(len(y_labels), len(x_labels))``.
    """
    shape = (len(y_labels), len(x_labels))
    checked = [_with_intervals(p) for p in _panels(panels, shape, x_name, y_name)]
    ny, nx = shape
    annotate = nx * ny <= MAX_ANNOTATED_CELLS
    cell_w = 0.95 if any(p.lo is not None for p in checked) and max(shape) <= 8 else 0.75
    panel_w = float(np.clip(cell_w * nx, 2.5, 9.0))
    panel_h = float(np.clip(0.6 * ny, 2.2, 8.0))
    rows, cols = _grid(len(checked), 3)
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(min(20.0, cols * (panel_w + 2.2)), min(24.0, rows * (panel_h + 1.6) + 0.8)),
        layout="constrained",
        squeeze=False,
    )
    try:
        cmap = plt.get_cmap(CMAP).with_extremes(bad=NO_DATA_COLOUR)
        cell_pt = (72.0 * panel_w / nx, 72.0 * panel_h / ny)
        for ax, panel in zip(axes.flat, checked, strict=False):
            norm = _norm(panel)
            image = ax.imshow(
                np.ma.masked_invalid(panel.values),
                origin="lower",
                aspect="auto",
                cmap=cmap,
                norm=norm,
                interpolation="nearest",
            )
            if annotate:
                _annotate(ax, panel, norm, cell_pt)
            _tick_labels(ax, "x", x_labels)
            _tick_labels(ax, "y", y_labels)
            _parameter_axis(ax, "x", x_name, 40)
            _parameter_axis(ax, "y", y_name, 30)
            note = _panel_note(panel)
            ax.set_title(
                _wrap(panel.outcome, 45) + (f"\n({note})" if note else ""),
                fontsize="medium" if not note else "small",
            )
            ax.tick_params(length=0)
            bar = fig.colorbar(image, ax=ax, shrink=0.9)
            bar.set_label(_wrap(panel.outcome, 30), fontsize="small")
        _hide_unused(axes, len(checked))
        note = "cell: estimate, replications n" if annotate else "grid too large to annotate"
        if annotate and any(p.lo is not None for p in checked) and max(shape) <= 8:
            note += ", 95% interval"
        fig.suptitle(_wrap(title, 90) + f"\n({note}; grey: no data)", fontsize="medium")
    except BaseException:
        plt.close(fig)
        raise
    return fig


def _heatmap_figure(
    x_name: str,
    x_labels: Sequence[str],
    y_name: str,
    y_labels: Sequence[str],
    outcome: str,
    values: np.ndarray,
    n: np.ndarray,
    title: str,
    probability: bool,
    lo: np.ndarray | None = None,
    hi: np.ndarray | None = None,
) -> Figure:
    panel = (outcome, values, n, probability, lo, hi)
    return _heatmaps_figure(x_name, x_labels, y_name, y_labels, [panel], title)


def heatmap(
    x_name: str,
    x_labels: Sequence[str],
    y_name: str,
    y_labels: Sequence[str],
    outcome: str,
    values: np.ndarray,
    n: np.ndarray,
    path: PathLike,
    title: str,
    probability: bool,
    lo: np.ndarray | None = None,
    hi: np.ndarray | None = None,
) -> Path:
    """A two-parameter sweep: one outcome over the grid, each cell annotated.

    ``values`` and ``n`` (and ``lo``/``hi`` if given) have shape ``(len(y_labels),
    len(x_labels))``; NaN marks a cell without data (drawn grey, labelled ``n=0``). Each cell
    shows the estimate and ``n=...`` (and the 95% interval on grids up to 8 x 8 when ``lo`` and
    ``hi`` are given) in black or white for contrast; y increases upward; viridis colours with
    a colourbar labelled by the outcome. Returns the path written; the figure is closed.
    """
    fig = _heatmap_figure(
        x_name, x_labels, y_name, y_labels, outcome, values, n, title, probability, lo, hi
    )
    return _save(fig, path)


def heatmaps(
    x_name: str,
    x_labels: Sequence[str],
    y_name: str,
    y_labels: Sequence[str],
    panels: Sequence[HeatmapPanel] | Sequence[tuple[Any, ...]],
    path: PathLike,
    title: str,
) -> Path:
    """Several outcomes of one two-parameter grid side by side, a colourbar per panel.

    Each panel is ``(outcome, values, n, probability)``, optionally followed by ``lo, hi``;
    see :func:`heatmap` for the cells. Returns the path written; the figure is closed.
    """
    return _save(_heatmaps_figure(x_name, x_labels, y_name, y_labels, panels, title), path)


# ---------------------------------------------------------------------------- main effects


def _overall(effects: Sequence[Effect]) -> float | None:
    """The n-weighted mean of the first effect's estimates (its bins partition the runs)."""
    for e in effects:
        ok = np.isfinite(e.mean) & np.isfinite(e.n) & (e.n > 0)
        if ok.any():
            return float(np.sum(e.mean[ok] * e.n[ok]) / np.sum(e.n[ok]))
    return None


def _main_effects_figure(
    outcome: str,
    effects: Sequence[tuple[str, Effect]],
    title: str,
    overall: float | None = None,
) -> Figure:
    """One panel per parameter (grid of up to 3 columns) on a shared y axis."""
    if not effects:
        raise ValueError("no main effects to draw")
    for item in effects:
        if len(item) != 2 or not isinstance(item[1], Effect):
            raise ValueError("main effects are (parameter name, Effect) pairs")
    if overall is None:
        overall = _overall([e for _, e in effects])
    probability = all(e.probability for _, e in effects)
    rows, cols = _grid(len(effects), 3)
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(max(6.0, 4.2 * cols), 1.0 + 3.0 * rows),
        layout="constrained",
        sharey=True,
        squeeze=False,
    )
    try:
        for ax, (parameter, e) in zip(axes.flat, effects, strict=False):
            kind = _x_kind(e.x)
            categories = _categories([e]) if kind == "categorical" else []
            _draw_effect(ax, e, _colour(0), categories)
            _format_x_axis(ax, kind, categories)
            _parameter_axis(ax, "x", parameter, 34)
            _put_n_note(ax, e.n, e)
            if overall is not None and math.isfinite(overall):
                ax.axhline(
                    overall,
                    color="0.35",
                    linestyle="--",
                    linewidth=1.0,
                    label=f"overall mean {_fmt(overall, probability)}",
                )
            ax.grid(alpha=0.3)
        _hide_unused(axes, len(effects))
        if probability:
            arrays = [a for _, e in effects for a in (e.mean, e.lo, e.hi)]
            axes.flat[0].set_ylim(0.0, _probability_top(arrays))
        for r in range(rows):
            axes[r, 0].set_ylabel(_wrap(outcome, 30), fontsize=_label_size(outcome, 30))
        if overall is not None and math.isfinite(overall):
            axes.flat[0].legend(loc="best", fontsize="x-small")
        fig.suptitle(_wrap(f"{title}\n(main effects: mean and 95% interval)", 90))
    except BaseException:
        plt.close(fig)
        raise
    return fig


def main_effects(
    outcome: str,
    effects: Sequence[tuple[str, Effect]],
    path: PathLike,
    title: str,
    *,
    overall: float | None = None,
) -> Path:
    """An outcome's main effect along each parameter: a panel per ``(parameter, Effect)``.

    Each Effect's x holds the parameter's bin centres or levels; panels share the y axis so
    effects are comparable. A dashed line marks ``overall`` (default: the n-weighted mean of
    the first effect's estimates, which is the overall mean when its bins partition the runs).
    Returns the path written; the figure is closed.
    """
    return _save(_main_effects_figure(outcome, effects, title, overall), path)
