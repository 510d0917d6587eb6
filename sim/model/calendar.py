"""Calendar arithmetic: simulated days to day of year, seasonal windows, foliage."""

from __future__ import annotations

import datetime as dt
import math

YEAR_DAYS = 365.25


class Calendar:
    """Maps simulated time (days since ``start``) onto the seasons."""

    def __init__(self, start: dt.date) -> None:
        self.start = start
        # day of year (1-based, fractional) at t = 0
        self._doy0 = float(start.timetuple().tm_yday)

    def day_of_year(self, t: float) -> float:
        return (self._doy0 - 1.0 + t) % YEAR_DAYS + 1.0

    def in_window(self, t: float, first: int, last: int) -> bool:
        """Whether t falls on days ``first``..``last`` of the year (wrapping over New Year)."""
        d = math.floor(self.day_of_year(t))
        return first <= d <= last if first <= last else (d >= first or d <= last)

    def next_boundary(self, t: float, first: int, last: int) -> float:
        """The next time after t at which ``in_window`` can change (window opens or closes)."""
        doy = self.day_of_year(t)
        gaps = []
        for edge in (float(first), float(last) + 1.0):
            gap = (edge - doy) % YEAR_DAYS
            gaps.append(gap if gap > 1e-9 else YEAR_DAYS)
        return t + min(gaps)

    def day_offset(self, date: dt.date) -> float:
        return float((date - self.start).days)

    def month_index(self, t: float) -> int:
        """Calendar months since the start month (0 for the start month)."""
        d = self.start + dt.timedelta(days=math.floor(t))
        return (d.year - self.start.year) * 12 + d.month - self.start.month


def months_between(start: dt.date, end: dt.date) -> tuple[str, ...]:
    """Labels YYYY-MM of every calendar month from start to end, both included."""
    out = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return tuple(out)


def seasonal(t_doy: float, low: float, high: float, peak_day: float) -> float:
    """A cosine season: ``high`` on ``peak_day``, ``low`` half a year away."""
    phase = 2.0 * math.pi * (t_doy - peak_day) / YEAR_DAYS
    return low + (high - low) * 0.5 * (1.0 + math.cos(phase))
