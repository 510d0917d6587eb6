"""Calendar arithmetic: simulated days to day of year, seasonal windows, foliage."""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import math

YEAR_DAYS = 365.25


class Window:
    """A window of days of the year laid on a calendar: the times it opens and closes.

    ``edges[i]`` is a time the window changes and ``states[i]`` whether it is open from
    there to ``edges[i + 1]``; ``opened[i]`` is how long it has been open up to ``edges[i]``.
    """

    __slots__ = ("edges", "states", "opened")

    def __init__(self, edges: list[float], states: list[bool]) -> None:
        self.edges, self.states = edges, states
        self.opened = [0.0]
        for k in range(1, len(edges)):
            self.opened.append(self.opened[-1] + (edges[k] - edges[k - 1]) * states[k - 1])

    def is_open(self, t: float) -> bool:
        return self.states[bisect.bisect_right(self.edges, t) - 1]

    def piece(self, t: float) -> tuple[bool, float]:
        """Whether the window is open at t, and the first time after t that this changes
        (infinity if it never does)."""
        i = bisect.bisect_right(self.edges, t)
        return self.states[i - 1], self.edges[i] if i < len(self.edges) else math.inf

    def open_time(self, t: float) -> float:
        """Days the window has been open up to t (since the start of the calendar), so that
        ``open_time(b) - open_time(a)`` is the open time between a and b."""
        i = bisect.bisect_right(self.edges, t) - 1
        return self.opened[i] + (t - self.edges[i] if self.states[i] else 0.0)


class Calendar:
    """Maps simulated time (days since ``start``) onto calendar dates and the seasons.

    Days of the year follow the real calendar (leap years included), so a window given as
    days 92..305 opens on 1 April in 2024 and on 2 April in 2023, as a date table would say.
    Read-only once built; ``calendar(start)`` shares one per start date, with its windows.
    """

    def __init__(self, start: dt.date) -> None:
        self.start = start
        # Offsets (in simulated days) of 1 January of the start year and the years after it,
        # far enough ahead for any horizon that is asked about.
        self._year_starts = [
            float((dt.date(start.year + k, 1, 1) - start).days) for k in range(0, 202)
        ]
        self._windows: dict[tuple[int, int], Window] = {}

    def _year(self, t: float) -> int:
        return bisect.bisect_right(self._year_starts, t) - 1

    def day_of_year(self, t: float) -> float:
        """Day of the year at time t: 1.0 at the start of 1 January, fractional within a day."""
        return t - self._year_starts[self._year(t)] + 1.0

    def window(self, first: int, last: int) -> Window:
        """Days ``first``..``last`` of every year (wrapping over New Year), built once.

        The window can change only on its first day, the day after its last, and at New
        Year (which ends day-366 windows in short years); it is open at each such point
        if the point's day of the year lies in the window.
        """
        w = self._windows.get((first, last))
        if w is None:
            starts = self._year_starts[:-1]
            points = sorted({y + d for y in starts for d in (0.0, first - 1.0, float(last))})
            edges: list[float] = []
            states: list[bool] = []
            for p in points:
                if p < starts[0]:
                    continue
                d = math.floor(self.day_of_year(p))
                on = first <= d <= last if first <= last else (d >= first or d <= last)
                if not states or on != states[-1]:
                    edges.append(p)
                    states.append(on)
            w = self._windows[(first, last)] = Window(edges, states)
        return w

    def day_offset(self, date: dt.date) -> float:
        return float((date - self.start).days)

    def month_index(self, t: float) -> int:
        """Calendar months since the start month (0 for the start month)."""
        d = self.start + dt.timedelta(days=math.floor(t))
        return (d.year - self.start.year) * 12 + d.month - self.start.month


@functools.cache
def calendar(start: dt.date) -> Calendar:
    """The calendar of a start date, shared by every replication that starts on it."""
    return Calendar(start)


def month_end(day: dt.date) -> dt.date:
    """The last day of ``day``'s month."""
    nxt = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


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
