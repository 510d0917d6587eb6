"""Axis labels for scenario parameters: the doc name and unit a parameter is declared with.

Sweeps and sensitivity analyses name parameters by dotted paths (``terrain.vegetation_summer``,
``terrain.sectors.central.crews``, ``timeline.events[6].date``); a reader of a figure wants
what the parameter means and its unit, with the path kept in small print for reference.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

NBSP = "\u00a0"
_SECTOR = re.compile(r"^terrain\.sectors\.(.+)\.(\w+)$")
_EVENT = re.compile(r"^timeline\.events\[(\d+)\]\.(\w+)$")


class ParameterLabel(NamedTuple):
    """What a parameter path means (``doc``), its ``unit`` ("" if none) and the path itself."""

    doc: str
    unit: str
    path: str

    @property
    def text(self) -> str:
        """``doc (unit)``, or just the doc for unitless parameters, or the path if unknown.
        The unit is tied to the doc's last word by no-break spaces, so a wrapped label never
        splits it."""
        if not self.doc:
            return self.path
        return self.doc + self.unit_text

    @property
    def unit_text(self) -> str:
        """``' (unit)'`` with no-break spaces, or nothing for a unitless parameter."""
        return f" ({self.unit})".replace(" ", NBSP) if self.unit else ""


@functools.cache
def _declared() -> dict[str, tuple[str, str]]:
    """Doc and unit of every declared parameter, by its scenario-free path."""
    from sim.scenario.loader import iter_parameters  # the loader only when labelling

    out = {}
    for path, f in iter_parameters():
        unit = str(f.metadata.get("unit", "") or "")
        out[path] = (str(f.metadata.get("doc", "") or ""), "" if unit == "-" else unit)
    return out


def parameter_label(path: str) -> ParameterLabel:
    """The label of ``path``: a sector's field names its sector, a timeline field its event.

    An unknown path (e.g. a test's made-up name) keeps the path as its text.
    """
    declared = _declared()
    if (m := _SECTOR.match(path)) and (hit := declared.get(f"terrain.sectors.*.{m[2]}")):
        doc, unit = hit
        return ParameterLabel(f"{m[1]} sector: {doc}", unit, path)
    if (m := _EVENT.match(path)) and (hit := declared.get(f"timeline.events[].{m[2]}")):
        doc, unit = hit
        return ParameterLabel(f"timeline event {m[1]}: {doc}", unit, path)
    doc, unit = declared.get(path, ("", ""))
    return ParameterLabel(doc, unit, path)
