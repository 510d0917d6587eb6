"""Calendar arithmetic against the real calendar (leap years included)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.model.calendar import Calendar, months_between, seasonal

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
    assert not CAL.in_window(at(dt.date(2024, 3, 31), 23.9), 92, 305)
    assert CAL.in_window(at(dt.date(2024, 4, 1)), 92, 305)
    assert CAL.in_window(at(dt.date(2024, 10, 31), 23.9), 92, 305)
    assert not CAL.in_window(at(dt.date(2024, 11, 1)), 92, 305)
    assert CAL.in_window(at(dt.date(2024, 1, 5)), 335, 31)  # wraps over New Year


@given(t=st.floats(0, 800), first=st.integers(1, 366), last=st.integers(1, 366))
def test_next_boundary_is_where_the_window_can_change(t, first, last):
    nxt = CAL.next_boundary(t, first, last)
    assert nxt > t
    # nothing changes strictly between t and the boundary
    inside = CAL.in_window(t, first, last)
    for frac in (0.25, 0.5, 0.999):
        probe = t + (nxt - t) * frac
        if probe < nxt - 1e-6:
            assert CAL.in_window(probe, first, last) == inside


def test_months_between_and_month_index():
    months = months_between(START, dt.date(2024, 12, 31))
    assert months[0] == "2023-11" and months[-1] == "2024-12" and len(months) == 14
    assert CAL.month_index(at(dt.date(2024, 6, 30), 23)) == months.index("2024-06")


def test_seasonal_peaks_on_its_day():
    assert seasonal(200.0, 0.1, 0.9, 200.0) == pytest.approx(0.9)
    assert seasonal(200.0 + 365.25 / 2, 0.1, 0.9, 200.0) == pytest.approx(0.1)
