"""Summary tables on outcome columns, and month windows read from the store."""

from __future__ import annotations

import dataclasses as dc
import datetime as dt
import math
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from model_helpers import baseline
from scipy import stats

from sim.analysis.stats import paired_proportion_difference_ci
from sim.analysis.tables import (
    FORECAST_COUNTS,
    columns_from_results,
    compare_headline,
    compare_table,
    forecast_table,
    format_interval,
    format_table,
    outcome_rows,
    outcome_table,
    outcome_values,
)
from sim.experiment.batch import Task, reduce_results
from sim.experiment.store import STORE_NAME, Store
from sim.model.events import EVENT_TYPES, TYPE_INDEX, TYPE_NAMES
from sim.model.result import ReplicationResult

START = dt.date(2024, 1, 1)
END = dt.date(2024, 12, 31)
HORIZON = (END - START).days + 1
NAN = math.nan


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


def day_of(date: dt.date, start: dt.date = START) -> float:
    return float((date - start).days)


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


@pytest.fixture
def cols(results: list[ReplicationResult]) -> dict[str, np.ndarray]:
    return columns_from_results(results)


# Independent references: the textbook formulas, not sim.analysis.stats.
def t_interval(values: Sequence[float]) -> tuple[float, float, float]:
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    mean = float(v.mean())
    half = stats.t.ppf(0.975, v.size - 1) * v.std(ddof=1) / math.sqrt(v.size)
    return mean, mean - half, mean + half


def wilson(x: int, n: int) -> tuple[float, float, float]:
    z = stats.norm.ppf(0.975)
    centre = (x + z * z / 2) / (n + z * z)
    half = z / (n + z * z) * math.sqrt(x * (n - x) / n + z * z / 4)
    return x / n, centre - half, centre + half


def _row(rows: list[dict], name: str, key: str = "outcome") -> dict:
    (row,) = [r for r in rows if r[key] == name]
    return row


def _triple(row: dict, prefix: str = "") -> tuple[float, float, float]:
    if prefix:
        return row[prefix], row[f"{prefix}_lo"], row[f"{prefix}_hi"]
    return row["mean"], row["ci_lo"], row["ci_hi"]


# ----------------------------------------------------------------------------- columns


def test_columns_from_results(results: list[ReplicationResult]) -> None:
    cols = columns_from_results(results[::-1])
    assert list(cols) == ["replication", *results[0].outcomes]
    assert cols["replication"].dtype == np.int64
    assert cols["replication"].tolist() == [3, 2, 1, 0]  # the order given, not sorted
    for key, column in cols.items():
        if key == "replication":
            continue
        assert column.dtype == np.float64 and column.shape == (4,)
        expected = [r.outcomes[key] for r in results[::-1]]
        np.testing.assert_array_equal(column, expected)  # NaN where a rung was never reached
    assert np.isnan(cols["first_day_rung_5"]).tolist() == [True, False, True, True]
    empty = columns_from_results([])
    assert list(empty) == ["replication"] and empty["replication"].shape == (0,)
    assert outcome_table(empty)[-1]["outcome"] == "P(war)"  # no outcomes, no replications


def test_outcome_values(cols: dict[str, np.ndarray]) -> None:
    blasts = outcome_values(cols, "count_mine_blast")
    assert blasts.dtype == np.float64 and blasts.tolist() == [2.0, 1.0, 0.0, 0.0]
    assert outcome_values({"replication": np.arange(3), "x": [1, 2, 3]}, "x").tolist() == [1, 2, 3]
    missing = outcome_values(cols, "no_such_outcome")
    assert missing.shape == (4,) and np.isnan(missing).all()


# ----------------------------------------------------------------------------- outcome table


def test_outcome_table(results: list[ReplicationResult], cols: dict[str, np.ndarray]) -> None:
    rows = outcome_table(cols)
    names = [r["outcome"] for r in rows]
    keys = list(results[0].outcomes)
    numeric = [k for k in keys if not k.startswith("first_day_")]
    assert names[: len(numeric)] == numeric
    assert names[len(numeric) : len(numeric) + 8] == [f"P(rung>={k})" for k in range(1, 8)] + [
        "P(war)"
    ]
    assert names[-7:] == [f"first_day_rung_{k}" for k in range(1, 8)]
    assert all(set(r) == {"outcome", "mean", "ci_lo", "ci_hi", "n"} for r in rows)

    blasts = _row(rows, "count_mine_blast")
    assert _triple(blasts) == pytest.approx(t_interval([2, 1, 0, 0]))
    assert blasts["n"] == 4
    # by hand: mean 0.75, s = sqrt(2.75 / 3), half-width t(0.975, 3) * s / 2
    assert blasts["ci_hi"] - blasts["mean"] == pytest.approx(3.182446305 * math.sqrt(2.75 / 3) / 2)
    p3 = _row(rows, "P(rung>=3)")  # replications 1 and 2 reached rung 3
    assert _triple(p3) == pytest.approx(wilson(2, 4))
    assert p3["n"] == 4
    p1 = _row(rows, "P(rung>=1)")  # 0 (mdl crossing), 1 and 2
    assert _triple(p1) == pytest.approx(wilson(3, 4))
    war = _row(rows, "P(war)")
    assert _triple(war) == pytest.approx(wilson(1, 4))
    assert war["mean"] == 0.25
    p6 = _row(rows, "P(rung>=6)")
    assert _triple(p6) == pytest.approx(wilson(1, 4))
    first4 = _row(rows, "first_day_rung_4")  # replications 1 and 2 (war on day 150)
    assert first4["n"] == 2
    assert _triple(first4) == pytest.approx(t_interval([day_of(dt.date(2024, 11, 30)), 150.0]))
    first5 = _row(rows, "first_day_rung_5")  # only the war
    assert (first5["n"], first5["mean"]) == (1, 150.0)
    assert math.isnan(first5["ci_lo"]) and math.isnan(first5["ci_hi"])
    assert _row(rows, "first_day_rung_2")["n"] == 3


def test_outcome_table_extremes() -> None:
    cols = {
        "replication": np.arange(5),
        "highest_rung": np.zeros(5),
        "ended_in_war": np.zeros(5),
        "first_day_rung_1": np.full(5, NAN),
    }
    rows = outcome_table(cols)
    p1 = _row(rows, "P(rung>=1)")
    assert p1["mean"] == 0.0 and p1["ci_lo"] == 0.0
    assert p1["ci_hi"] == pytest.approx(wilson(0, 5)[2])  # 3.84 / 8.84
    never = _row(rows, "first_day_rung_1")
    assert never["n"] == 0 and all(math.isnan(v) for v in _triple(never))


# ----------------------------------------------------------------------------- compare table


def test_compare_table_pairs_by_replication(results: list[ReplicationResult]) -> None:
    other = [
        make_result(
            r.replication,
            [(5.0, "mine_blast")] * (r.replication + 1),
            war_day=300.0 if r.replication in (0, 3) else None,
        )
        for r in results
    ]
    # the alternative's columns come in reverse replication order: pairing must not care
    base, alt = columns_from_results(results), columns_from_results(other[::-1])
    rows = compare_table([("base", base), ("alt", alt)])
    assert list(rows[0]) == ["outcome", "base", "alt", "diff_alt", "diff_alt_lo", "diff_alt_hi"]
    blasts = _row(rows, "count_mine_blast")
    assert blasts["base"] == pytest.approx(0.75)
    assert blasts["alt"] == pytest.approx(2.5)
    # paired differences by hand: replication r has r + 1 blasts in alt; base has 2, 1, 0, 0
    diffs = [1 - 2, 2 - 1, 3 - 0, 4 - 0]
    assert _triple(blasts, "diff_alt") == pytest.approx(t_interval(diffs))
    assert blasts["diff_alt"] == pytest.approx(1.75)
    war = _row(rows, "P(war)")
    assert (war["base"], war["alt"]) == (0.25, 0.5)
    ref = paired_proportion_difference_ci([0, 0, 1, 0], [1, 0, 0, 1])
    assert _triple(war, "diff_alt") == pytest.approx(ref)
    assert war["diff_alt"] == pytest.approx(0.25)
    # every alternative replication reaches rung 7 or stays at 0: rung>=3 in 0 and 3 only
    p3 = _row(rows, "P(rung>=3)")
    assert (p3["base"], p3["alt"]) == (0.5, 0.5)
    ref = paired_proportion_difference_ci([0, 1, 1, 0], [1, 0, 0, 1])
    assert _triple(p3, "diff_alt") == pytest.approx(ref)
    # rung 1 first reached: base 0 on 10 August, 1 on 3 July, 2 on day 100; alt 0 and 3 on 300
    aug10, jul3 = day_of(dt.date(2024, 8, 10)), day_of(dt.date(2024, 7, 3))
    first1 = _row(rows, "first_day_rung_1")
    assert first1["base"] == pytest.approx((aug10 + jul3 + 100.0) / 3)
    assert first1["alt"] == 300.0
    # only replication 0 reached rung 1 in both: one pair, no interval
    assert first1["diff_alt"] == 300.0 - aug10 and math.isnan(first1["diff_alt_lo"])
    assert [r["outcome"] for r in rows][-7:] == [f"first_day_rung_{k}" for k in range(1, 8)]


def test_compare_table_pairs_only_shared_replications() -> None:
    base = {
        "replication": np.array([0, 1, 2, 3]),
        "highest_rung": np.array([1.0, 3.0, 4.0, 7.0]),
        "ended_in_war": np.array([0.0, 0.0, 0.0, 1.0]),
        "count_x": np.array([1.0, 2.0, 3.0, 4.0]),
        "first_day_rung_4": np.array([NAN, NAN, 10.0, 20.0]),
    }
    alt = {  # replications 5, 3, 4, 2: only 2 and 3 are shared with the base
        "replication": np.array([5, 3, 4, 2]),
        "highest_rung": np.array([0.0, 4.0, 2.0, 7.0]),
        "ended_in_war": np.array([0.0, 0.0, 0.0, 1.0]),
        "count_x": np.array([10.0, 9.0, 7.0, 4.0]),
        "first_day_rung_4": np.array([NAN, 30.0, NAN, 5.0]),
    }
    far = {k: v[:2] for k, v in alt.items()} | {"replication": np.array([10, 11])}
    rows = compare_table([("base", base), ("alt", alt), ("far", far)])
    t1 = stats.t.ppf(0.975, 1)  # two pairs: one degree of freedom

    x = _row(rows, "count_x")
    assert (x["base"], x["alt"], x["far"]) == (2.5, 7.5, 9.5)  # means use every replication
    # pairs (base, alt): replication 2 (3, 4) and 3 (4, 9); differences 1 and 5
    assert _triple(x, "diff_alt") == pytest.approx((3.0, 3.0 - 2.0 * t1, 3.0 + 2.0 * t1))
    assert all(math.isnan(v) for v in _triple(x, "diff_far"))  # nothing to pair with

    war = _row(rows, "P(war)")
    assert (war["base"], war["alt"]) == (0.25, 0.25)
    ref = paired_proportion_difference_ci([0, 1], [1, 0])  # replication 2 then 3
    assert _triple(war, "diff_alt") == pytest.approx(ref)
    assert war["diff_alt"] == 0.0 and war["diff_alt_lo"] < 0.0 < war["diff_alt_hi"]
    p4 = _row(rows, "P(rung>=4)")
    assert (p4["base"], p4["alt"]) == (0.5, 0.5)
    assert _triple(p4, "diff_alt") == pytest.approx(paired_proportion_difference_ci([1, 1], [1, 1]))
    assert all(math.isnan(v) for v in _triple(p4, "diff_far"))

    first4 = _row(rows, "first_day_rung_4")
    assert (first4["base"], first4["alt"]) == (15.0, 17.5)
    # replication 2: 5 - 10 = -5; replication 3: 30 - 20 = 10; s = 7.5 * sqrt(2), se = 7.5
    assert _triple(first4, "diff_alt") == pytest.approx((2.5, 2.5 - 7.5 * t1, 2.5 + 7.5 * t1))


def test_compare_table_single_scenario_and_bad_names(cols: dict[str, np.ndarray]) -> None:
    rows = compare_table([("only", cols)])
    assert set(rows[0]) == {"outcome", "only"}
    assert [r["only"] for r in rows] == pytest.approx(
        [r["mean"] for r in outcome_table(cols)], nan_ok=True
    )
    with pytest.raises(ValueError):
        compare_table([("x", cols), ("x", cols)])
    with pytest.raises(ValueError):
        compare_table([("outcome", cols)])
    assert compare_table([]) == []


def test_compare_headline(results: list[ReplicationResult]) -> None:
    other = [make_result(r.replication, [(5.0, "mine_blast")] * 3) for r in results]
    rows = compare_table(
        [("base", columns_from_results(results)), ("alt", columns_from_results(other))]
    )
    out = compare_headline(rows, ["base", "alt"], ["count_mine_blast", "P(war)"])
    assert out[0] == {"scenario": "base", "count_mine_blast": "0.75", "P(war)": "0.25"}
    _, lo, hi = t_interval([1, 2, 3, 3])
    assert out[1]["scenario"] == "alt"
    assert out[1]["count_mine_blast"] == f"3 ({format_interval(2.25, lo, hi, signed=True)})"
    assert out[1]["P(war)"].startswith("0 (-0.")


def test_an_interval_is_written_to_one_decimal_place() -> None:
    assert format_interval(0.04, -0.002, 0.0822, signed=True) == "+0.040 [-0.002, +0.082]"
    assert format_interval(3.19, 1.54, 4.85) == "3.2 [1.5, 4.8]"
    assert format_interval(120.0, 80.0, 160.0) == "120 [80, 160]"
    assert format_interval(float("nan"), 0.0, 1.0) == "- [0, 1]"


# ----------------------------------------------------------------------------- forecast table


def test_forecast_table_hand_made() -> None:
    counts = [
        ("mine blasts", np.array([1, 1, 0, 0])),
        ("detected MDL crossings", np.array([0, 1, 0, 0])),
        ("balloon waves", np.array([0, 1, 0, 3])),
        ("loudspeaker broadcasts", np.array([0, 0, 0, 0])),
    ]
    assert [label for label, _ in counts] == [label for label, _ in FORECAST_COUNTS]
    top = np.array([2, 4, 7, 0], dtype=np.int64)
    rows = forecast_table(counts, top)
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
    assert all(
        list(r) == ["quantity", "mean", "ci_lo", "ci_hi", "median", "p05", "p95"] for r in rows
    )

    blasts = _row(rows, "mine blasts", "quantity")
    assert _triple(blasts) == pytest.approx(t_interval([1, 1, 0, 0]))
    # sorted 0, 0, 1, 1: linear interpolation at positions 1.5, 0.15 and 2.85
    assert (blasts["median"], blasts["p05"], blasts["p95"]) == pytest.approx((0.5, 0.0, 1.0))
    balloons = _row(rows, "balloon waves", "quantity")
    assert balloons["mean"] == 1.0
    # sorted 0, 0, 1, 3: position 2.85 lies 0.85 of the way from 1 to 3
    assert (balloons["median"], balloons["p05"], balloons["p95"]) == pytest.approx((0.5, 0.0, 2.7))
    quiet = _row(rows, "loudspeaker broadcasts", "quantity")
    assert (quiet["mean"], quiet["ci_lo"], quiet["ci_hi"], quiet["p95"]) == (0.0, 0.0, 0.0, 0.0)

    fire = _row(rows, "P(exchange of fire)", "quantity")  # rung >= 4 in two replications
    assert _triple(fire) == pytest.approx(wilson(2, 4))
    assert all(math.isnan(fire[k]) for k in ("median", "p05", "p95"))
    highest = _row(rows, "highest rung", "quantity")
    assert _triple(highest) == pytest.approx(t_interval([2, 4, 7, 0]))
    # sorted 0, 2, 4, 7: median 3, p05 at 0.15 -> 0.3, p95 at 2.85 -> 4 + 0.85 * 3
    assert (highest["median"], highest["p05"], highest["p95"]) == pytest.approx((3.0, 0.3, 6.55))
    reached = [3, 3, 2, 2, 1, 1, 1]  # replications whose top is >= k, k = 1..7
    for k, x in enumerate(reached, start=1):
        row = _row(rows, f"P(highest rung>={k})", "quantity")
        assert _triple(row) == pytest.approx(wilson(x, 4)), k
        assert math.isnan(row["median"])


def test_forecast_table_one_replication() -> None:
    rows = forecast_table([("mine blasts", np.array([2]))], np.array([4]))
    blasts = _row(rows, "mine blasts", "quantity")
    assert (blasts["mean"], blasts["median"], blasts["p05"], blasts["p95"]) == (2.0, 2.0, 2.0, 2.0)
    assert math.isnan(blasts["ci_lo"]) and math.isnan(blasts["ci_hi"])
    fire = _row(rows, "P(exchange of fire)", "quantity")
    assert fire["mean"] == 1.0 and fire["ci_hi"] == 1.0
    assert fire["ci_lo"] == pytest.approx(wilson(1, 1)[1])


# ----------------------------------------------------------------------------- format


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


# ----------------------------------------------------------------------------- store windows


def _store(
    folder: Path,
    named: Sequence[tuple[str, list[ReplicationResult]]],
    start: dt.date = START,
    end: dt.date = END,
) -> Store:
    """A store holding ``named`` synthetic replications (one batch per scenario)."""
    scenario = dc.replace(baseline(), start_date=start, end_date=end)
    store = Store(folder / STORE_NAME)
    for i, (name, results) in enumerate(named):
        task = Task(i, scenario, 0, tuple(r.replication for r in results))
        batch = reduce_results(task, results)
        store.write_batch(name, 0, batch, keep_events=False)
    return store


@pytest.fixture
def store(tmp_path: Path, results: list[ReplicationResult]) -> Iterator[Store]:
    # stored out of order: the window reads back by replication
    store = _store(tmp_path, [("s", results[2:] + results[:2])])
    yield store
    store.close()


def test_window_counts(store: Store) -> None:
    counts, _ = store.window("s", "2024-07", "2024-12", ["mine_blast", "mdl_crossing"])
    assert counts.tolist() == [2, 1, 0, 0]
    assert store.window("s", "2024-01", "2024-01", ["mine_blast"])[0].tolist() == [1, 0, 0, 0]
    assert store.window("s", "2024-07", "2024-07", ["balloon_wave"])[0].tolist() == [0, 1, 0, 0]
    assert store.window("s", "2024-07", "2024-12", ())[0].tolist() == [0, 0, 0, 0]
    # a window reaching past the horizon counts what is inside
    assert store.window("s", "2024-12", "2025-06", ["mine_blast"])[0].tolist() == [0, 1, 0, 0]
    assert store.window("s", "2023-06", "2024-12", ["mine_blast"])[0].tolist() == [2, 1, 0, 0]


def test_window_highest_rung(store: Store) -> None:
    # replication 2 went to war (day 150, in May) before the window: the terminal rung persists
    assert store.window("s", "2024-07", "2024-12", ())[1].tolist() == [2, 4, 7, 0]
    assert store.window("s", "2024-01", "2024-02", ())[1].tolist() == [0, 0, 0, 0]
    assert store.window("s", "2024-04", "2024-04", ())[1].tolist() == [0, 0, 3, 0]  # day 100
    assert store.window("s", "2024-05", "2024-05", ())[1].tolist() == [0, 0, 7, 0]
    assert store.window("s", "2024-08", "2024-08", ())[1].tolist() == [2, 0, 7, 0]
    assert store.window("s", "2024-12", "2025-03", ())[1].tolist() == [0, 0, 7, 0]
    assert store.window("s", "2024-11", "2025-03", ())[1].tolist() == [0, 4, 7, 0]


def test_window_with_a_start_in_mid_month(tmp_path: Path) -> None:
    start, end = dt.date(2024, 1, 15), dt.date(2024, 3, 31)
    feb29, mar1 = day_of(dt.date(2024, 2, 29), start), day_of(dt.date(2024, 3, 1), start)
    assert (feb29, mar1) == (45.0, 46.0)
    kw = {"start": start, "end": end}
    results = [
        make_result(0, [(0.0, "mdl_crossing"), (mar1, "small_arms_exchange")], **kw),
        make_result(1, [(feb29, "warning_shots"), (mar1, "mine_blast")], **kw),
        make_result(2, [(mar1 + 5, "mine_blast")], war_day=mar1 + 10, **kw),
    ]
    store = _store(tmp_path, [("mid", results)], start, end)
    try:
        counts, top = store.window("mid", "2024-01", "2024-02", ["mine_blast", "mdl_crossing"])
        assert (counts.tolist(), top.tolist()) == ([1, 0, 0], [2, 3, 0])
        counts, top = store.window("mid", "2024-03", "2024-03", ["mine_blast"])
        assert (counts.tolist(), top.tolist()) == ([0, 1, 1], [4, 0, 7])
        # against the daily rung arrays directly
        for lo, hi, first, last in [(0, 46, "2024-01", "2024-02"), (17, 77, "2024-02", "2024-03")]:
            expected = [int(r.rung[lo:hi].max()) for r in results]
            assert store.window("mid", first, last, ())[1].tolist() == expected
    finally:
        store.close()


def test_window_by_scenario(tmp_path: Path, results: list[ReplicationResult]) -> None:
    other = [make_result(7, [(200.0, "mine_blast")] * 4)]
    store = _store(tmp_path, [("a", results), ("b", other)])
    try:
        assert store.window("b", "2024-07", "2024-07", ["mine_blast"])[0].tolist() == [4]
        assert store.window("a", "2024-07", "2024-07", ["mine_blast"])[0].tolist() == [1, 0, 0, 0]
        with pytest.raises(ValueError, match="'c'"):  # no such scenario: no months stored
            store.window("c", "2024-07", "2024-07", ["mine_blast"])
    finally:
        store.close()


def test_forecast_from_store_windows(store: Store) -> None:
    def forecast(first: str, last: str) -> list[dict]:
        counts = [(label, store.window("s", first, last, t)[0]) for label, t in FORECAST_COUNTS]
        return forecast_table(counts, store.window("s", first, last, ())[1])

    rows = forecast("2024-07", "2024-12")
    blasts = _row(rows, "mine blasts", "quantity")
    assert blasts["mean"] == 0.5  # the January blast is outside the window
    assert _triple(blasts) == pytest.approx(t_interval([1, 1, 0, 0]))
    assert _row(rows, "detected MDL crossings", "quantity")["mean"] == 0.25
    assert _row(rows, "balloon waves", "quantity")["mean"] == 0.25
    fire = _row(rows, "P(exchange of fire)", "quantity")
    assert _triple(fire) == pytest.approx(wilson(2, 4))
    assert _row(rows, "highest rung", "quantity")["median"] == pytest.approx(3.0)
    assert _row(rows, "P(highest rung>=5)", "quantity")["mean"] == 0.25
    # an earlier window sees only the first quarter of the year
    early = forecast("2024-01", "2024-03")
    assert _row(early, "mine blasts", "quantity")["mean"] == 0.25
    assert _row(early, "P(highest rung>=1)", "quantity")["mean"] == 0.0


def test_window_rejects_unknown_types_and_bad_windows(store: Store) -> None:
    with pytest.raises(ValueError, match="no_such_event"):
        store.window("s", "2024-07", "2024-12", ["mine_blast", "no_such_event"])
    for first, last in (("2024-7", "2024-08"), ("2024-08", "2024-07"), ("2031-01", "2031-03")):
        with pytest.raises(ValueError, match="window|month"):
            store.window("s", first, last, ["mine_blast"])


def test_a_wide_table_wraps_into_blocks_that_fit_and_keep_every_cell() -> None:
    rows = [
        {
            "scenario": f"s{i}",
            **{f"outcome_{k}": f"{i}.{k} (+0.0{k} [+0.01, +0.09])" for k in range(6)},
        }
        for i in range(3)
    ]
    text = format_table(rows)
    assert max(len(line) for line in text.splitlines()) <= 100
    for r in rows:
        for key, value in r.items():
            assert key in text and value in text
    blocks = text.split("\n\n")
    assert len(blocks) > 1 and all(b.startswith("scenario") for b in blocks)
    assert format_table(rows, width=1000).count("\n\n") == 0


def test_outcome_rows_pair_any_condition_like_the_standard_rows() -> None:
    """A condition the standard table also has (highest_rung>=4) gets the same numbers from
    outcome_rows as from compare_table's P(rung>=4) row."""
    from sim.analysis.outcomes import parse_outcome

    rng = np.random.default_rng(3)
    a = {"replication": np.arange(200), "highest_rung": rng.integers(0, 6, 200).astype(float)}
    b = {"replication": np.arange(200), "highest_rung": rng.integers(0, 6, 200).astype(float)}
    named = [("a", a), ("b", b)]
    o = parse_outcome("highest_rung>=4", ["highest_rung"])
    (row,) = outcome_rows(named, [o])
    (std,) = [r for r in compare_table(named) if r["outcome"] == "P(rung>=4)"]
    for key in ("a", "b", "diff_b", "diff_b_lo", "diff_b_hi"):
        assert row[key] == pytest.approx(std[key])
    (mean_row,) = outcome_rows(named, [parse_outcome("highest_rung", ["highest_rung"])])
    assert mean_row["a"] == pytest.approx(a["highest_rung"].mean())
