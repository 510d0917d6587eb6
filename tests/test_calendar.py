"""Calendar arithmetic against the real calendar (leap years included)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.model.calendar import Calendar, calendar, months_between, seasonal

START = dt.date(2023, 11, 23)
CAL = Calendar(START)


def at(date: dt.date, hour: float = 0.0) -> float:
    return CAL.day_offset(date) + hour / 24


def test_day_of_year_follows_the_calendar():
    assert CAL.day_of_year(0.0) == 327.0  # 23 November 2023
    assert CAL.day_of_year(at(dt.date(2024, 1, 1))) == 1.0
    assert CAL.day_of_year(at(dt.date(2024, 4, 1), 12)) == 92.5  # leap year: 1 April is day 92
    assert CAL.day_of_year(at(dt.date(2024, 12, 31))) == 366.0


def test_windows_open_and_close_on_their_days():
    season = CAL.window(92, 305)
    assert not season.is_open(at(dt.date(2024, 3, 31), 23.9))
    assert season.is_open(at(dt.date(2024, 4, 1)))
    assert season.is_open(at(dt.date(2024, 10, 31), 23.9))
    assert not season.is_open(at(dt.date(2024, 11, 1)))
    assert CAL.window(335, 31).is_open(at(dt.date(2024, 1, 5)))  # wraps over New Year


@given(t=st.floats(0, 800), first=st.integers(1, 366), last=st.integers(1, 366))
def test_a_window_is_open_on_its_days_of_the_year(t, first, last):
    d = math.floor(CAL.day_of_year(t))
    rule = first <= d <= last if first <= last else (d >= first or d <= last)
    assert CAL.window(first, last).is_open(t) == rule


@given(t=st.floats(0, 800), first=st.integers(1, 366), last=st.integers(1, 366))
def test_a_piece_ends_where_the_window_changes(t, first, last):
    w = CAL.window(first, last)
    inside, nxt = w.piece(t)
    assert nxt > t and inside == w.is_open(t)
    # nothing changes strictly between t and the end of the piece, and it changes there
    for frac in (0.25, 0.5, 0.999):
        probe = t + (nxt - t) * frac
        if probe < nxt - 1e-6:
            assert w.is_open(probe) == inside
    if nxt < math.inf:
        assert w.is_open(nxt) != inside


@given(a=st.floats(0, 800), span=st.floats(0, 400), first=st.integers(1, 366))
def test_open_days_count_the_open_time(a, span, first):
    w = CAL.window(first, (first + 100) % 366 + 1)
    grid = np.linspace(a, a + span, 4001)
    mids = (grid[:-1] + grid[1:]) / 2
    riemann = sum(w.is_open(m) for m in mids) * (span / 4000)
    got = w.open_time(a + span) - w.open_time(a)
    assert got == pytest.approx(riemann, abs=span / 1000 + 1e-9)


def test_calendars_are_shared_per_start_date():
    assert calendar(START) is calendar(dt.date(2023, 11, 23))


def test_months_between_and_month_index():
    months = months_between(START, dt.date(2024, 12, 31))
    assert months[0] == "2023-11" and months[-1] == "2024-12" and len(months) == 14
    assert CAL.month_index(at(dt.date(2024, 6, 30), 23)) == months.index("2024-06")


def test_seasonal_peaks_on_its_day():
    assert seasonal(200.0, 0.1, 0.9, 200.0) == pytest.approx(0.9)
    assert seasonal(200.0 + 365.25 / 2, 0.1, 0.9, 200.0) == pytest.approx(0.1)
