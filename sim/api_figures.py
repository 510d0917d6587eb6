"""Figures for the notebook API: the command line's drawing code, returning the Figure.

The functions in ``sim.plots`` draw a figure and hand it to ``_save``, which writes a file and
closes it. Here ``_save`` is swapped, for the length of one call, for a function that keeps the
figure, so a notebook gets exactly the figure the command line would write, with no file and
no rendering. Not thread-safe (nor is pyplot).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from sim.model.events import RUNGS

NamedColumns = Sequence[tuple[str, Mapping[str, np.ndarray]]]


@contextlib.contextmanager
def users_backend() -> Iterator[None]:
    """Keep the user's matplotlib backend across an import of ``sim.plots`` or
    ``sim.results``: ``sim.plots.figures`` selects Agg when it is imported (right for the
    command line), which would stop a notebook's own figures from showing inline."""
    import matplotlib

    before = dict.__getitem__(matplotlib.rcParams, "backend")  # without resolving "auto"
    try:
        yield
    finally:
        if dict.__getitem__(matplotlib.rcParams, "backend") != before:
            if isinstance(before, str):
                matplotlib.use(before)
            else:  # still unresolved ("auto"): let matplotlib choose later, as it would have
                dict.__setitem__(matplotlib.rcParams, "backend", before)


def plots_module(name: str) -> ModuleType:
    """``sim.plots.<name>``, imported without changing the user's backend."""
    with users_backend():
        return importlib.import_module(f"sim.plots.{name}")


def capture(draw: Callable[[Path], Any], *modules: str) -> Any:
    """The Figure that ``draw(path)`` would save, kept instead of saved. ``modules`` are the
    ``sim.plots`` modules whose ``_save`` the drawing calls."""
    import matplotlib.pyplot as plt

    caught: list[Any] = []

    def keep(fig: Any, path: Any) -> Path:
        caught.append(fig)
        return Path(path)

    patched = [plots_module(m) for m in modules]
    saved = [m._save for m in patched]
    try:
        for m in patched:
            m._save = keep
        draw(Path("figure.png"))
    finally:
        for m, original in zip(patched, saved, strict=True):
            m._save = original
    if len(caught) != 1:
        raise RuntimeError(f"expected one figure from the drawing, got {len(caught)}")
    fig = caught[0]
    plt.close(fig)  # off pyplot's list: a notebook shows the returned figure once, not twice
    return fig


def highest_rung(named: NamedColumns) -> Any:
    """The distribution of the highest rung reached, per scenario."""
    return capture(lambda p: plots_module("figures").rung_distribution(named, p), "figures")


def tension(bands: Sequence[tuple[str, np.ndarray]], start: dt.date | Mapping[str, dt.date]) -> Any:
    """The tension fan chart (median, 50% and 90% bands by day; ``start``: day 0 of every
    scenario, or of each by name, so that different start dates align on the calendar)."""
    return capture(lambda p: plots_module("figures").fan_chart(bands, start, p), "figures")


def casualties(named: NamedColumns) -> Any:
    """Killed plus injured per replication, by cause."""
    return capture(lambda p: plots_module("figures").casualty_histograms(named, p), "figures")


def event_counts(named: NamedColumns, types: Sequence[str] | None) -> Any:
    """Events of each type per replication, a panel per type."""
    figures = plots_module("figures")
    chosen = tuple(types) if types is not None else figures.DEFAULT_TYPES
    return capture(lambda p: figures.event_count_histograms(named, p, chosen), "figures")


def outcome(named: NamedColumns, name: str, label: str) -> Any:
    """One outcome column's distribution across replications, scenarios overlaid."""
    figures = plots_module("figures")
    panels = [("", (name,), label)]
    title = f"{name} per replication"
    return capture(lambda p: figures._histograms(named, panels, title, p), "figures")


def survival(
    curves: Mapping[int, Sequence[tuple[str, Any]]], start: dt.date | Mapping[str, dt.date]
) -> Any:
    """Kaplan-Meier curves of the time to each rung in ``curves``: one rung on one axes,
    several as panels (``start`` as for :func:`tension`)."""
    mod = plots_module("survival")
    if len(curves) == 1:
        ((k, named),) = curves.items()
        title = f"Time to rung >= {k}: {RUNGS[k]} (Kaplan-Meier, 95% band)"
        return capture(lambda p: mod.survival_plot(named, start, p, title), "figures", "survival")
    return capture(lambda p: mod.survival_panels(curves, start, p), "figures", "survival")
