"""Calendar windows and summary tables on synthetic replication results."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from sim.analysis.stats import (
    mean_ci,
    paired_difference_ci,
    paired_proportion_difference_ci,
    proportion_ci,
    quantile_interval,
)
from sim.analysis.tables import compare_table, forecast_table, format_table, outcome_table
from sim.analysis.windows import highest_rung_in_window, month_window_days, window_counts
from sim.model.events import EVENT_TYPES, TYPE_INDEX, TYPE_NAMES
from sim.model.result import ReplicationResult

START = dt.date(2024, 1, 1)
END = dt.date(2024, 12, 31)
HORIZON = (END - START).days + 1


def _months(start: dt.date, end: dt.date) -> tuple[str, ...]:
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return tuple(out)


def make_result(
    replication: int,
    events: list[tuple[float, str]],
    *,
    war_day: float | None = None,
    start: dt.date = START,
    end: dt.date = END,
    casualties: tuple[int, int, int, int] = (0, 0, 0, 0),
) -> ReplicationResult:
    """A replication consistent with its events: counts, daily rung, outcomes."""
    months = _months(start, end)
    horizon = (end - start).days + 1
    monthly = np.zeros((len(months), len(TYPE_NAMES)), dtype=np.int32)
    rung = np.zeros(horizon, dtype=np.int8)
    first_day = {k: math.nan for k in range(1, 8)}
    for t, name in events:
        date = start + dt.timedelta(days=int(t))
        monthly[months.index(f"{date.year:04d}-{date.month:02d}"), TYPE_INDEX[name]] += 1
        r = EVENT_TYPES[name].rung
        rung[int(t)] = max(rung[int(t)], r)
        for k in range(1, r + 1):
            if math.isnan(first_day[k]) or t < first_day[k]:
                first_day[k] = float(t)
    if war_day is not None:
        rung[int(war_day) :] = 7
        for k in range(1, 8):
            first_day[k] = min(first_day[k], war_day) if not math.isnan(first_day[k]) else war_day
    tension = np.linspace(1.0, 2.0 + replication, horizon).astype(np.float32)
    outcomes: dict[str, float] = {
        "highest_rung": float(rung.max()),
        "ended_in_war": float(war_day is not None),
        "end_day": float(war_day if war_day is not None else horizon),
    }
    outcomes |= {f"first_day_rung_{k}": first_day[k] for k in range(1, 8)}
    totals = monthly.sum(axis=0)
    outcomes |= {f"count_{n}": float(c) for n, c in zip(TYPE_NAMES, totals, strict=True)}
    outcomes |= dict(
        zip(
            ["killed_mines", "injured_mines", "killed_armed", "injured_armed"],
            map(float, casualties),
            strict=True,
        )
    )
    outcomes |= {
        "mean_tension": float(tension.mean()),
        "final_tension": float(tension[-1]),
        "max_tension": float(tension.max()),
    }
    return ReplicationResult(replication, outcomes, months, monthly, tension, rung)


def day_of(date: dt.date) -> float:
    return float((date - START).days)


@pytest.fixture
def results() -> list[ReplicationResult]:
    jul3, aug10, nov30, dec31 = (
        day_of(dt.date(2024, m, d)) for m, d in [(7, 3), (8, 10), (11, 30), (12, 31)]
    )
    return [
        make_result(0, [(10.0, "mine_blast"), (jul3, "mine_blast"), (aug10, "mdl_crossing")]),
        make_result(
            1, [(jul3, "balloon_wave"), (nov30, "small_arms_exchange"), (dec31, "mine_blast")]
        ),
        make_result(2, [(100.0, "warning_shots")], war_day=150.0),
        make_result(3, []),
    ]


# ----------------------------------------------------------------------------- windows


def test_window_counts(results: list[ReplicationResult]) -> None:
    got = window_counts(results, "2024-07", "2024-12", ["mine_blast", "mdl_crossing"])
    assert got.tolist() == [2, 1, 0, 0]
    assert window_counts(results, "2024-01", "2024-01", "mine_blast").tolist() == [1, 0, 0, 0]
    # a window reaching past the horizon counts what is inside
    assert window_counts(results, "2024-12", "2025-06", "mine_blast").tolist() == [0, 1, 0, 0]


def test_window_counts_rejects_bad_windows(results: list[ReplicationResult]) -> None:
    with pytest.raises(ValueError):
        window_counts(results, "2025-01", "2025-03", "mine_blast")
    with pytest.raises(ValueError):
        window_counts(results, "2024-08", "2024-07", "mine_blast")
    with pytest.raises(ValueError):
        window_counts(results, "2024-7", "2024-08", "mine_blast")
    with pytest.raises(ValueError):
        window_counts(results, "2024-07", "2024-08", ["no_such_event"])


def test_highest_rung_in_window(results: list[ReplicationResult]) -> None:
    start, end = month_window_days(START, "2024-07", "2024-12")
    assert (start, end) == (day_of(dt.date(2024, 7, 1)), float(HORIZON))
    # replication 2 went to war before the window: the terminal rung persists
    assert highest_rung_in_window(results, start, end).tolist() == [2, 4, 7, 0]
    assert highest_rung_in_window(results, 0.0, 50.0).tolist() == [0, 0, 0, 0]
    assert highest_rung_in_window(results, 100.0, 101.0).tolist() == [0, 0, 3, 0]
    with pytest.raises(ValueError):
        highest_rung_in_window(results, 400.0, 500.0)


def test_month_window_days_clips_before_start() -> None:
    assert month_window_days(dt.date(2024, 1, 15), "2024-01", "2024-02") == (0.0, 46.0)


# ----------------------------------------------------------------------------- tables


def _row(rows: list[dict], name: str, key: str = "outcome") -> dict:
    (row,) = [r for r in rows if r[key] == name]
    return row


def test_outcome_table(results: list[ReplicationResult]) -> None:
    rows = outcome_table(results)
    names = [r["outcome"] for r in rows]
    keys = list(results[0].outcomes)
    numeric = [k for k in keys if not k.startswith("first_day_")]
    assert names[: len(numeric)] == numeric
    assert names[len(numeric) : len(numeric) + 8] == [f"P(rung>={k})" for k in range(1, 8)] + [
        "P(war)"
    ]
    assert names[-7:] == [f"first_day_rung_{k}" for k in range(1, 8)]

    blasts = _row(rows, "count_mine_blast")
    mean, lo, hi = mean_ci([2, 1, 0, 0])
    assert (blasts["mean"], blasts["ci_lo"], blasts["ci_hi"]) == pytest.approx((mean, lo, hi))
    p3 = _row(rows, "P(rung>=3)")  # replications 1 and 2 reached rung 3
    assert (p3["mean"], p3["ci_lo"], p3["ci_hi"]) == pytest.approx(proportion_ci(2, 4))
    assert _row(rows, "P(war)")["mean"] == 0.25
    first4 = _row(rows, "first_day_rung_4")  # replications 1 and 2 (war on day 150)
    assert first4["n"] == 2
    assert first4["mean"] == pytest.approx((day_of(dt.date(2024, 11, 30)) + 150.0) / 2)
    first5 = _row(rows, "first_day_rung_5")  # only the war
    assert (first5["n"], first5["mean"]) == (1, 150.0)
    assert math.isnan(first5["ci_lo"])
    first2 = _row(rows, "first_day_rung_2")
    assert first2["n"] == 3


def test_compare_table_pairs_by_replication(results: list[ReplicationResult]) -> None:
    other = [
        make_result(
            r.replication,
            [(5.0, "mine_blast")] * (r.replication + 1),
            war_day=300.0 if r.replication in (0, 3) else None,
        )
        for r in results
    ]
    rows = compare_table([("base", results), ("alt", list(reversed(other)))])
    blasts = _row(rows, "count_mine_blast")
    assert blasts["base"] == pytest.approx(0.75)
    assert blasts["alt"] == pytest.approx(2.5)
    d, lo, hi = paired_difference_ci([2, 1, 0, 0], [1, 2, 3, 4])
    assert (blasts["diff_alt"], blasts["diff_alt_lo"], blasts["diff_alt_hi"]) == pytest.approx(
        (d, lo, hi)
    )
    war = _row(rows, "P(war)")
    assert (war["base"], war["alt"]) == (0.25, 0.5)
    ref = paired_proportion_difference_ci([0, 0, 1, 0], [1, 0, 0, 1])
    assert (war["diff_alt"], war["diff_alt_lo"], war["diff_alt_hi"]) == pytest.approx(ref)
    assert [r["outcome"] for r in rows][-7:] == [f"first_day_rung_{k}" for k in range(1, 8)]


def test_compare_table_single_scenario_and_bad_names(results: list[ReplicationResult]) -> None:
    rows = compare_table([("only", results)])
    assert set(rows[0]) == {"outcome", "only"}
    with pytest.raises(ValueError):
        compare_table([("x", results), ("x", results)])
    assert compare_table([]) == []


def test_forecast_table(results: list[ReplicationResult]) -> None:
    rows = forecast_table(results, START)
    quantities = [r["quantity"] for r in rows]
    assert quantities[:6] == [
        "mine blasts",
        "detected MDL crossings",
        "balloon waves",
        "loudspeaker broadcasts",
        "P(exchange of fire)",
        "highest rung",
    ]
    assert quantities[6:] == [f"P(highest rung>={k})" for k in range(1, 8)]
    blasts = _row(rows, "mine blasts", "quantity")
    assert blasts["mean"] == pytest.approx(0.5)  # the January blast is outside the window
    assert (blasts["median"], blasts["p05"], blasts["p95"]) == pytest.approx(
        quantile_interval([1, 1, 0, 0], 0.9)
    )
    assert (blasts["ci_lo"], blasts["ci_hi"]) == pytest.approx(mean_ci([1, 1, 0, 0])[1:])
    fire = _row(rows, "P(exchange of fire)", "quantity")
    assert (fire["mean"], fire["ci_lo"], fire["ci_hi"]) == pytest.approx(proportion_ci(2, 4))
    assert math.isnan(fire["median"])
    top = _row(rows, "highest rung", "quantity")
    assert top["median"] == pytest.approx(3.0)
    assert _row(rows, "P(highest rung>=5)", "quantity")["mean"] == 0.25
    # an earlier window sees only the first half of the year
    early = forecast_table(results, START, "2024-01", "2024-03")
    assert _row(early, "mine blasts", "quantity")["mean"] == 0.25


def test_format_table() -> None:
    rows = [
        {"outcome": "count_mine_blast", "mean": 1234.567, "ci_lo": float("nan"), "n": 3},
        {"outcome": "P(war)", "mean": 0.012345, "ci_lo": 0.0, "n": 10},
        {"outcome": "tiny", "mean": 999.7, "ci_lo": -0.5},
    ]
    text = format_table(rows)
    lines = text.splitlines()
    assert lines[0].split() == ["outcome", "mean", "ci_lo", "n"]
    assert set(lines[1]) <= {"-", " "}
    assert lines[2].split() == ["count_mine_blast", "1235", "-", "3"]
    assert lines[3].split() == ["P(war)", "0.0123", "0", "10"]
    assert lines[4].split() == ["tiny", "1000", "-0.5"]
    assert len({len(line) for line in lines[:3]}) == 1  # fixed width
    # numbers are right-aligned
    assert lines[3].endswith("10") and lines[2].rstrip().endswith("3")
    only = format_table(rows, columns=["mean", "outcome"]).splitlines()
    assert only[0].split() == ["mean", "outcome"]
