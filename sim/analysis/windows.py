"""Per-replication figures over a calendar window: event counts and the highest rung reached.

Forecasts ask about a stretch of the calendar (say July to December 2024) rather than the whole
horizon; these helpers cut that stretch out of each replication's monthly counts and daily rung.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence

import numpy as np

from sim.model.events import TYPE_INDEX
from sim.model.result import ReplicationResult

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _check_month(label: str) -> str:
    if not _MONTH.match(label):
        raise ValueError(f"month must be written YYYY-MM, got {label!r}")
    return label


def _type_columns(types: str | Iterable[str]) -> list[int]:
    names = [types] if isinstance(types, str) else list(types)
    unknown = [t for t in names if t not in TYPE_INDEX]
    if unknown:
        raise ValueError(f"unknown event types: {', '.join(unknown)}")
    return [TYPE_INDEX[t] for t in names]


def window_counts(
    results: Sequence[ReplicationResult],
    months_from: str,
    months_to: str,
    types: str | Iterable[str],
) -> np.ndarray:
    """Events of ``types`` in months ``months_from``..``months_to`` (inclusive), per replication.

    Months are ``YYYY-MM`` labels; months outside the simulated horizon add nothing, but a
    window with no simulated month at all is an error (it would silently read as zero events).
    """
    first, last = _check_month(months_from), _check_month(months_to)
    if first > last:
        raise ValueError(f"empty month window {first}..{last}")
    cols = _type_columns(types)
    out = np.zeros(len(results), dtype=np.int64)
    for i, r in enumerate(results):
        rows = [m for m, label in enumerate(r.months) if first <= label <= last]
        if not rows:
            raise ValueError(
                f"window {first}..{last} lies outside the simulated months "
                f"{r.months[0] if r.months else '?'}..{r.months[-1] if r.months else '?'}"
            )
        out[i] = int(r.monthly_counts[np.ix_(rows, cols)].sum())
    return out


def highest_rung_in_window(
    results: Sequence[ReplicationResult], start_day: float, end_day: float
) -> np.ndarray:
    """Highest daily rung on days ``start_day`` <= day < ``end_day``, per replication.

    Days count from the scenario start (day 0 is the start date); the window is clipped to the
    horizon. After a replication ends in war its rung array stays at the terminal rung, so a war
    that began before the window still shows in it.
    """
    lo = max(0, int(np.ceil(start_day)))
    out = np.zeros(len(results), dtype=np.int64)
    for i, r in enumerate(results):
        hi = min(len(r.rung), int(np.ceil(end_day)))
        if hi <= lo:
            raise ValueError(
                f"day window [{start_day}, {end_day}) lies outside the horizon "
                f"of {len(r.rung)} days"
            )
        out[i] = int(np.max(r.rung[lo:hi]))
    return out


def month_window_days(start: dt.date, months_from: str, months_to: str) -> tuple[float, float]:
    """Days since ``start`` of the first day of ``months_from`` and the day after ``months_to``.

    The pair bounds a half-open day window for :func:`highest_rung_in_window`; the lower end
    is clipped at day 0 when the window begins before the start date.
    """
    first, last = _check_month(months_from), _check_month(months_to)
    if first > last:
        raise ValueError(f"empty month window {first}..{last}")
    y0, m0 = (int(p) for p in first.split("-"))
    y1, m1 = (int(p) for p in last.split("-"))
    after = dt.date(y1 + 1, 1, 1) if m1 == 12 else dt.date(y1, m1 + 1, 1)
    return max(0.0, float((dt.date(y0, m0, 1) - start).days)), float((after - start).days)
