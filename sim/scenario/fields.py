"""Declaring a parameter: its unit, allowed range or choices and meaning, kept on the field."""

from __future__ import annotations

from dataclasses import MISSING, field
from typing import Any


def param(
    *,
    unit: str,
    doc: str,
    lo: float | None = None,
    hi: float | None = None,
    choices: tuple[str, ...] | None = None,
    default: Any = MISSING,
    state: bool = False,
) -> Any:
    """A scenario parameter. Without ``default`` the scenario file must set it.

    ``lo``/``hi`` are inclusive bounds; every number needs both, finite, so that every run is
    finite (the rule is in :mod:`sim.scenario.params`). ``choices`` lists the allowed strings.
    ``state`` marks the world's state at the start (dates, crews, postures, the CMA), which a
    historical episode may set; every other parameter is behaviour or physics, shared by
    every scenario.
    """
    meta = {"unit": unit, "doc": doc, "lo": lo, "hi": hi, "choices": choices, "state": state}
    if default is MISSING:
        return field(metadata=meta)
    return field(default=default, metadata=meta)


def section(doc: str) -> Any:
    """A nested group of parameters (a TOML table); must be present after `extends` resolution."""
    return field(metadata={"doc": doc, "section": True})
