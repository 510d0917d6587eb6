"""Calendar arithmetic: simulated days to day of year, seasonal windows, foliage."""

from __future__ import annotations

import bisect
import datetime as dt
import math

YEAR_DAYS = 365.25


class Calendar:
    """Maps simulated time (days since ``start``) onto calendar dates and the seasons.

    Days of the year follow the real calendar (leap years included), so a window given as
    days 92..305 opens on 1 April in 2024 and on 2 April in 2023, as a date table would say.
    """

    def __init__(self, start: dt.date) -> None:
        self.start = start
        # Offsets (in simulated days) of 1 January of the start year and the years after it,
        # far enough ahead for any horizon that is asked about.
        self._year_starts = [
            float((dt.date(start.year + k, 1, 1) - start).days) for k in range(0, 202)
        ]

    def _year(self, t: float) -> int:
        return bisect.bisect_right(self._year_starts, t) - 1

    def day_of_year(self, t: float) -> float:
        """Day of the year at time t: 1.0 at the start of 1 January, fractional within a day."""
        return t - self._year_starts[self._year(t)] + 1.0

    def in_window(self, t: float, first: int, last: int) -> bool:
        """Whether t falls on days ``first``..``last`` of the year (wrapping over New Year)."""
        d = math.floor(self.day_of_year(t))
        return first <= d <= last if first <= last else (d >= first or d <= last)

    def next_boundary(self, t: float, first: int, last: int) -> float:
        """The first time after t at which ``in_window`` can change (window opens or closes)."""
        k = self._year(t)
        edges = [
            self._year_starts[j] + edge - 1.0
            for j in (k, k + 1)
            for edge in (float(first), float(last) + 1.0)
        ]
        edges.append(self._year_starts[k + 1])  # New Year ends day 366 windows in short years
        return min(e for e in edges if e > t + 1e-9)

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
