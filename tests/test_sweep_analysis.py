"""Sweep analysis: outcome expressions, estimates over common-random-number points, grouping."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from model_helpers import baseline, error_of
from scipy import stats

from sim.analysis.outcomes import Outcome, parse_outcome
from sim.analysis.stats import mean_ci, proportion_ci
from sim.analysis.sweep import Estimate, along, axis, cells, estimate, point_table
from sim.experiment.design import Factor, build_design, parse_factor
from sim.model.replication import OUTCOME_NAMES

BASE = baseline()
NAN = float("nan")


def factor(arg: str) -> Factor:
    return parse_factor(arg, BASE)


def same(a: Estimate, b: Estimate) -> None:
    """Equal estimates, NaN equal to NaN."""
    assert a.n == b.n
    np.testing.assert_allclose([a.mean, a.lo, a.hi], [b.mean, b.lo, b.hi], rtol=1e-12, atol=0)


def t_interval(x) -> tuple[float, float, float]:
    """Mean and Student-t 95% interval, by hand."""
    x = np.asarray(x, dtype=float)
    m, se = x.mean(), x.std(ddof=1) / math.sqrt(x.size)
    half = stats.t.ppf(0.975, x.size - 1) * se
    return m, m - half, m + half


# --- parse_outcome -----------------------------------------------------------------------------
def test_a_column_is_a_mean():
    o = parse_outcome("count_mine_blast", OUTCOME_NAMES)
    assert o == Outcome("count_mine_blast")
    assert not o.probability
    assert o.label == "count_mine_blast"


def test_a_condition_is_a_probability():
    o = parse_outcome("highest_rung>=4", OUTCOME_NAMES)
    assert o == Outcome("highest_rung", ">=", 4.0)
    assert o.probability
    assert o.label == "P(highest_rung>=4)"


@pytest.mark.parametrize("op", [">=", "<=", "==", "!=", ">", "<"])
def test_every_operator(op):
    o = parse_outcome(f"highest_rung{op}3", OUTCOME_NAMES)
    assert (o.column, o.op, o.threshold) == ("highest_rung", op, 3.0)
    assert o.label == f"P(highest_rung{op}3)"
    column = np.array([1.0, 3.0, 5.0, NAN])
    expected = {
        ">=": [0, 1, 1, 0],
        "<=": [1, 1, 0, 0],
        "==": [0, 1, 0, 0],
        "!=": [1, 0, 1, 0],
        ">": [0, 0, 1, 0],
        "<": [1, 0, 0, 0],
    }[op]
    got = o.values(column)
    assert got.dtype == np.float64
    assert got.tolist() == expected


@pytest.mark.parametrize(
    ("text", "column", "op", "threshold", "label"),
    [
        ("  highest_rung >= 4 ", "highest_rung", ">=", 4.0, "P(highest_rung>=4)"),
        ("\thighest_rung\t<\t4", "highest_rung", "<", 4.0, "P(highest_rung<4)"),
        ("mean_tension>-1.5", "mean_tension", ">", -1.5, "P(mean_tension>-1.5)"),
        ("mean_tension<=2.25", "mean_tension", "<=", 2.25, "P(mean_tension<=2.25)"),
        ("mean_tension<.5", "mean_tension", "<", 0.5, "P(mean_tension<0.5)"),
        ("mean_tension<5.", "mean_tension", "<", 5.0, "P(mean_tension<5)"),
        ("mean_tension>+2", "mean_tension", ">", 2.0, "P(mean_tension>2)"),
        ("end_day != 366", "end_day", "!=", 366.0, "P(end_day!=366)"),
        ("  killed_mines  ", "killed_mines", None, None, "killed_mines"),
    ],
)
def test_whitespace_signs_and_decimals(text, column, op, threshold, label):
    o = parse_outcome(text, OUTCOME_NAMES)
    assert (o.column, o.op, o.threshold) == (column, op, threshold)
    assert o.label == label


def test_unknown_column_suggests_the_nearest():
    err = error_of(parse_outcome, "count_mine_blst>0", OUTCOME_NAMES)
    text = str(err)
    assert text.startswith("--outcome = ")
    assert "did you mean 'count_mine_blast'" in text
    assert "first_day_rung_1" not in text  # the listing leaves first_day_* out
    assert "highest_rung" in text
    err = error_of(parse_outcome, "highest_rng", OUTCOME_NAMES, source="discover")
    assert err.source == "discover" and "did you mean 'highest_rung'" in str(err)


def test_unknown_column_with_nothing_close():
    text = str(error_of(parse_outcome, "zzz", OUTCOME_NAMES))
    assert "unknown outcome" in text and "did you mean" not in text


@pytest.mark.parametrize(
    "text",
    [
        "highest_rung>>4",
        ">=4",
        "rung>=x",
        "highest_rung>=",
        "highest_rung=4",
        "highest_rung=>4",
        "highest_rung>=4>=5",
        "highest_rung>=1e3",
        "highest_rung>=4 days",
        "4highest_rung",
        "",
        "highest rung",
    ],
)
def test_garbage_is_refused(text):
    err = error_of(parse_outcome, text, OUTCOME_NAMES)
    assert err.source == "--outcome" and err.value == text
    assert "condition such as highest_rung>=4" in str(err)


def test_values_nan_never_meets_a_condition_and_stays_in_a_mean():
    column = np.array([NAN, 0.0, 200.0, NAN])
    for op in (">=", "<=", "==", "!=", ">", "<"):
        assert Outcome("first_day_rung_5", op, 100.0).values(column)[[0, 3]].tolist() == [0, 0]
    mean = Outcome("first_day_rung_5").values(column)
    assert np.isnan(mean[0]) and np.isnan(mean[3]) and mean[1:3].tolist() == [0.0, 200.0]
    # an estimate then drops the missing ones from the mean ...
    e = estimate(mean, np.zeros(4, dtype=np.int64), np.arange(4), False)
    assert e.n == 2 and e.mean == 100.0
    # ... and counts them as misses for a probability
    p = Outcome("first_day_rung_5", "<=", 100.0)
    e = estimate(p.values(column), np.zeros(4, dtype=np.int64), np.arange(4), True)
    assert e.n == 4 and e.mean == 0.25


def test_values_accepts_ints_and_lists():
    assert Outcome("highest_rung", ">", 2.0).values([1, 3, 5]).tolist() == [0.0, 1.0, 1.0]
    assert Outcome("highest_rung").values([1, 3]).dtype == np.float64


# --- estimate ----------------------------------------------------------------------------------
def test_single_point_probability_is_wilson():
    rng = np.random.default_rng(1)
    y = (rng.random(57) < 0.3).astype(float)
    e = estimate(y, np.full(57, 4), np.arange(57), True)
    assert e.n == 57
    assert (e.mean, e.lo, e.hi) == proportion_ci(int(y.sum()), 57)


def test_single_point_mean_is_student_t():
    rng = np.random.default_rng(2)
    y = rng.normal(3.0, 2.0, 40)
    e = estimate(y, np.zeros(40, dtype=np.int64), np.arange(40), False)
    assert (e.mean, e.lo, e.hi, e.n) == (*mean_ci(y), 40)
    assert (e.mean, e.lo, e.hi) == pytest.approx(t_interval(y), rel=1e-12)


def test_single_point_extremes_stay_in_0_1():
    e = estimate(np.zeros(10), np.zeros(10, dtype=np.int64), np.arange(10), True)
    assert (e.mean, e.lo) == (0.0, 0.0) and 0.0 < e.hi < 1.0
    e = estimate(np.ones(10), np.zeros(10, dtype=np.int64), np.arange(10), True)
    assert (e.mean, e.hi) == (1.0, 1.0) and 0.0 < e.lo < 1.0


def test_several_points_use_replication_averages():
    # three points, five replications each; rows in any order
    y = np.array(
        [
            [1.0, 4.0, 2.0, 8.0, 5.0],
            [2.0, 6.0, 2.0, 9.0, 7.0],
            [0.0, 5.0, 5.0, 7.0, 6.0],
        ]
    )
    points = np.repeat([3, 5, 9], 5)
    reps = np.tile([10, 11, 12, 13, 14], 3)
    order = np.random.default_rng(3).permutation(15)
    e = estimate(y.ravel()[order], points[order], reps[order], False)
    averages = y.mean(axis=0)  # per replication, across the points
    mean, lo, hi = t_interval(averages)
    assert e.n == 15
    assert e.mean == pytest.approx(y.mean())
    assert (e.lo, e.hi) == pytest.approx((lo, hi), rel=1e-12)
    assert mean == pytest.approx(e.mean)
    # the pooled interval, treating all 15 rows independent, is another one
    assert (e.lo, e.hi) != pytest.approx(t_interval(y.ravel())[1:])


def test_several_points_probability_is_clipped_to_0_1():
    # 2 points x 10 replications, one success in all: the t-interval dips below 0
    y = np.zeros(20)
    y[0] = 1.0
    points = np.repeat([0, 1], 10)
    reps = np.tile(np.arange(10), 2)
    e = estimate(y, points, reps, True)
    raw = t_interval(np.r_[0.5, np.zeros(9)])
    assert raw[1] < 0.0
    assert e.mean == pytest.approx(0.05)
    assert e.lo == 0.0 and e.hi == pytest.approx(raw[2])
    e = estimate(1.0 - y, points, reps, True)
    assert e.hi == 1.0 and e.lo == pytest.approx(1.0 - raw[2])


def test_nan_values_are_dropped():
    y = np.array([1.0, NAN, 3.0, 5.0, NAN, 7.0])
    points = np.array([0, 0, 0, 1, 1, 1])
    reps = np.array([0, 1, 2, 0, 1, 2])
    e = estimate(y, points, reps, False)
    assert e.n == 4
    assert e.mean == pytest.approx(4.0)
    # replication 1 has no values left: the averages are over replications 0 and 2
    assert (e.lo, e.hi) == pytest.approx(t_interval([3.0, 5.0])[1:])
    # a point left with one row is a single point
    e = estimate(np.array([NAN, 2.0]), np.array([0, 1]), np.array([0, 0]), False)
    assert (e.mean, e.n) == (2.0, 1) and math.isnan(e.lo) and math.isnan(e.hi)


@pytest.mark.parametrize("probability", [True, False])
def test_empty_is_nan(probability):
    for y in (np.array([]), np.array([NAN, NAN])):
        e = estimate(y, np.arange(y.size), np.arange(y.size), probability)
        assert e.n == 0
        assert all(math.isnan(v) for v in (e.mean, e.lo, e.hi))


def test_mean_lies_inside_its_interval_with_uneven_missing_values():
    reps = np.tile(np.arange(100), 2)
    points = np.repeat([0, 1], 100)
    # point 0: half ones, half zeros; point 1: ones where point 0 has ones, missing elsewhere
    y = np.r_[np.ones(50), np.zeros(50), np.ones(50), np.full(50, NAN)]
    e = estimate(y, points, reps, False)
    assert e.lo <= e.mean <= e.hi, e


# --- theory: the cluster interval under common random numbers ----------------------------------
def crn_sweeps(seed: int, sweeps: int = 400, reps: int = 20):
    """Synthetic sweeps of 3 points sharing a replication effect: y_ij = mu + a_j + r_i + e_ij
    with the point offsets a_j summing to 0, so the group's target is mu."""
    rng = np.random.default_rng(seed)
    mu, offsets = 2.0, np.array([-0.5, 0.0, 0.5])
    points = np.repeat(np.arange(3), reps)
    replications = np.tile(np.arange(reps), 3)
    for _ in range(sweeps):
        r = rng.normal(0.0, 1.0, reps)  # the common replication effect
        e = rng.normal(0.0, 0.3, (3, reps))
        y = mu + offsets[:, None] + r[None, :] + e
        yield mu, y.ravel(), points, replications


def test_cluster_interval_covers_at_its_nominal_level():
    covered = 0
    total = 0
    for mu, y, points, reps in crn_sweeps(20240601):
        est = estimate(y, points, reps, False)
        covered += est.lo <= mu <= est.hi
        total += 1
    assert total == 400
    assert stats.binomtest(covered, total, 0.95).pvalue > 0.001, covered


def test_pooled_interval_under_covers_under_common_random_numbers():
    covered_pooled = 0
    covered_cluster = 0
    for mu, y, points, reps in crn_sweeps(20240602):
        _, lo, hi = mean_ci(y)  # every row treated as independent
        covered_pooled += lo <= mu <= hi
        est = estimate(y, points, reps, False)
        covered_cluster += est.lo <= mu <= est.hi
    assert stats.binomtest(covered_pooled, 400, 0.95, alternative="less").pvalue < 0.001
    assert covered_pooled < covered_cluster


def test_cluster_interval_covers_a_probability():
    """0/1 outcomes driven by a shared uniform per replication (a threshold model)."""
    rng = np.random.default_rng(7)
    thresholds = np.array([0.2, 0.3, 0.4])  # P(y=1) per point; the group's target is 0.3
    reps = 200
    points = np.repeat(np.arange(3), reps)
    replications = np.tile(np.arange(reps), 3)
    covered = 0
    for _ in range(400):
        u = rng.random(reps)
        noise = rng.random((3, reps)) < 0.1
        shared = np.where(noise, rng.random((3, reps)), u[None, :])
        y = (shared < thresholds[:, None]).astype(float).ravel()
        est = estimate(y, points, replications, True)
        assert 0.0 <= est.lo <= est.hi <= 1.0
        covered += est.lo <= 0.3 <= est.hi
    assert stats.binomtest(covered, 400, 0.95).pvalue > 0.001, covered


# --- axis --------------------------------------------------------------------------------------
def test_axis_of_levels_groups_by_level_index():
    f = factor("grayzone.loudspeaker_posture=*")
    values = ["continuous", "off", "off", "retaliate", "continuous"]
    ax = axis(f, values)
    assert ax.factor is f
    assert ax.labels == ("off", "retaliate", "continuous")
    assert ax.x == ("off", "retaliate", "continuous")
    assert ax.group.tolist() == [2, 0, 0, 1, 2]


def test_axis_of_bool_and_float_levels():
    b = axis(factor("diplomacy.hotline_working=*"), [True, False, True])
    assert b.labels == ("false", "true") and b.group.tolist() == [1, 0, 1]
    g = factor("mines.killed_mean=0:2:5")
    ax = axis(g, list(g.levels) * 2)
    assert ax.labels == ("0", "0.5", "1", "1.5", "2")
    assert ax.x == (0.0, 0.5, 1.0, 1.5, 2.0)
    assert ax.group.tolist() == [0, 1, 2, 3, 4] * 2


def bin_edges(labels: tuple[str, ...]) -> list[tuple[float, float]]:
    return [tuple(float(s) for s in label.split("..")) for label in labels]


@pytest.mark.parametrize(
    ("k", "bins"), [(60, 6), (64, 6), (65, 5), (10, 3), (7, 7), (100, 4), (12, 6), (6, 6)]
)
def test_axis_of_a_sampled_range_bins_points_evenly(k, bins):
    f = factor("mines.killed_mean=0:2")
    d = build_design([f], "lhs", k, 9)
    values = [p[0] for p in d.points]
    ax = axis(f, values, bins=bins)
    assert len(ax.labels) == len(ax.x) == bins
    counts = np.bincount(ax.group, minlength=bins)
    assert counts.sum() == k
    assert counts.max() - counts.min() <= 1
    x = np.array(values)
    edges = bin_edges(ax.labels)
    for g in range(bins):
        inside = x[ax.group == g]
        assert ax.x[g] == pytest.approx(inside.mean())
        assert edges[g] == (float(f"{inside.min():.3g}"), float(f"{inside.max():.3g}"))
    # ascending: every point of a bin lies below every point of the next
    for g in range(bins - 1):
        assert x[ax.group == g].max() < x[ax.group == g + 1].min()
    assert list(ax.x) == sorted(ax.x)
    assert [lo for lo, _ in edges] == sorted(lo for lo, _ in edges)


@pytest.mark.parametrize("k", [6, 61])
def test_axis_of_distinct_values_in_five_bins_is_even(k):
    f = factor("mines.killed_mean=0:2")
    ax = axis(f, list(np.linspace(0.1, 1.9, k)), bins=5)
    counts = np.bincount(ax.group, minlength=5)
    assert counts.max() - counts.min() <= 1, counts


def test_axis_of_a_date_range_gives_dates():
    f = factor("timeline.events[6].date=2024-06-19:2024-08-19")
    d = build_design([f], "lhs", 30, 4)
    values = [p[0] for p in d.points]
    ax = axis(f, values, bins=3)
    assert all(isinstance(x, dt.date) for x in ax.x)
    assert list(ax.x) == sorted(ax.x)
    for g, label in enumerate(ax.labels):
        inside = [v for v, k in zip(values, ax.group, strict=True) if k == g]
        assert len(inside) == 10
        assert label == f"{min(inside).isoformat()}..{max(inside).isoformat()}"
        mean = sum(v.toordinal() for v in inside) / len(inside)
        assert ax.x[g] == dt.date.fromordinal(round(mean))


def test_axis_bins_are_capped_by_distinct_values():
    f = factor("terrain.sectors.west.crews=0:2")
    ax = axis(f, [0, 1, 2, 2, 1, 0, 0, 1, 2], bins=6)
    assert ax.labels == ("0..0", "1..1", "2..2")
    assert ax.x == (0.0, 1.0, 2.0)
    assert ax.group.tolist() == [0, 1, 2, 2, 1, 0, 0, 1, 2]
    one = axis(factor("mines.killed_mean=0:2"), [0.5, 0.5, 0.5])
    assert one.labels == ("0.5..0.5",) and one.group.tolist() == [0, 0, 0]
    assert len(axis(f, [0, 1, 2], bins=1).labels) == 1


def test_axis_of_tied_values_gives_one_bin_per_value():
    f = factor("terrain.sectors.west.crews=0:2")
    values = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]  # what lhs with K = 10 and root seed 0 draws
    ax = axis(f, values, bins=6)
    assert np.bincount(ax.group, minlength=3).tolist() == [4, 3, 3]


# --- point_table, along, cells -----------------------------------------------------------------
def fake_columns(design_points: int, reps: int, values: dict[str, np.ndarray]) -> dict:
    return {
        "point": np.repeat(np.arange(design_points), reps),
        "replication": np.tile(np.arange(reps), design_points),
        **values,
    }


def test_point_table_rows():
    factors = [
        factor("mines.killed_mean=0.5"),
        factor("response.roe=standard,hardline"),
        factor("diplomacy.hotline_working=true"),
        factor("timeline.events[6].date=2024-06-20"),
        factor("terrain.sectors.west.crews=3"),
    ]
    design = build_design(factors, "grid", None, 1)
    names = ["baseline_2024#0", "baseline_2024#1"]
    rung = np.array([1.0, 4.0, 5.0, 2.0, 4.0, 4.0, 6.0, 0.0])
    blasts = np.array([2.0, NAN, 4.0, 6.0, 1.0, 1.0, 1.0, 1.0])
    cols = fake_columns(2, 4, {"highest_rung": rung, "count_mine_blast": blasts})
    outcomes = [
        parse_outcome("highest_rung>=4", OUTCOME_NAMES),
        parse_outcome("count_mine_blast", OUTCOME_NAMES),
    ]
    rows = point_table(design, names, cols, outcomes)
    assert len(rows) == 2
    first, second = rows
    assert list(first)[:8] == [
        "point",
        "scenario",
        "mines.killed_mean",
        "response.roe",
        "diplomacy.hotline_working",
        "timeline.events[6].date",
        "terrain.sectors.west.crews",
        "n",
    ]
    assert first["point"] == 0 and first["scenario"] == names[0]
    assert second["point"] == 1 and second["scenario"] == names[1]
    assert first["mines.killed_mean"] == 0.5
    assert (first["response.roe"], second["response.roe"]) == ("standard", "hardline")
    assert first["diplomacy.hotline_working"] == "true"
    assert first["timeline.events[6].date"] == "2024-06-20"
    assert first["terrain.sectors.west.crews"] == 3
    assert first["n"] == second["n"] == 4  # replications, missing values included
    p, lo, hi = proportion_ci(2, 4)
    assert (first["P(highest_rung>=4)"], first["P(highest_rung>=4) lo"]) == (p, lo)
    assert first["P(highest_rung>=4) hi"] == hi
    assert second["P(highest_rung>=4)"] == 0.75  # 4, 4, 6, 0
    m, lo, hi = mean_ci([2.0, 4.0, 6.0])
    assert (first["count_mine_blast"], first["count_mine_blast lo"]) == (m, lo)
    assert first["count_mine_blast hi"] == hi
    assert second["count_mine_blast"] == 1.0
    assert second["count_mine_blast lo"] == second["count_mine_blast hi"] == 1.0


def test_point_table_with_a_point_without_rows():
    design = build_design([factor("response.roe=standard,hardline")], "grid", None, 1)
    cols = {
        "point": np.array([1, 1]),
        "replication": np.array([0, 1]),
        "highest_rung": np.array([4.0, 1.0]),
    }
    rows = point_table(design, ["a", "b"], cols, [parse_outcome("highest_rung", OUTCOME_NAMES)])
    assert rows[0]["n"] == 0 and math.isnan(rows[0]["highest_rung"])
    assert rows[1]["n"] == 2 and rows[1]["highest_rung"] == 2.5


@pytest.fixture
def grid_2x2():
    """A 2x2 grid (killed_mean 0 or 1 slowest, roe standard/hardline) with 3 replications."""
    a, b = factor("mines.killed_mean=0,1"), factor("response.roe=standard,hardline")
    design = build_design([a, b], "grid", None, 1)
    assert design.points == (
        (0.0, "standard"),
        (0.0, "hardline"),
        (1.0, "standard"),
        (1.0, "hardline"),
    )
    y = np.array(
        [
            [1.0, 2.0, 3.0],  # point 0: a=0, standard
            [2.0, 2.0, 5.0],  # point 1: a=0, hardline
            [4.0, 6.0, 5.0],  # point 2: a=1, standard
            [7.0, 9.0, NAN],  # point 3: a=1, hardline (one value missing)
        ]
    )
    cols = fake_columns(4, 3, {"count_mine_blast": y.ravel()})
    axes = [axis(f, [p[j] for p in design.points]) for j, f in enumerate(design.factors)]
    return axes, cols, y


def test_along_gives_main_effects(grid_2x2):
    (ax_a, ax_b), cols, y = grid_2x2
    mean = Outcome("count_mine_blast")
    by_a = along(ax_a, cols, mean)
    assert [e.n for e in by_a] == [6, 5]
    assert by_a[0].mean == pytest.approx(15.0 / 6)
    # one value missing: the mean of the per-replication averages (5.5, 7.5, 5), not of rows
    assert by_a[1].mean == pytest.approx(6.0)
    assert (by_a[0].lo, by_a[0].hi) == pytest.approx(t_interval([1.5, 2.0, 4.0])[1:])
    assert (by_a[1].lo, by_a[1].hi) == pytest.approx(t_interval([5.5, 7.5, 5.0])[1:])
    by_b = along(ax_b, cols, mean)
    assert [e.n for e in by_b] == [6, 5]
    assert by_b[0].mean == pytest.approx(21.0 / 6)
    assert by_b[1].mean == pytest.approx(25.0 / 5)
    assert (by_b[0].lo, by_b[0].hi) == pytest.approx(t_interval([2.5, 4.0, 4.0])[1:])
    assert (by_b[1].lo, by_b[1].hi) == pytest.approx(t_interval([4.5, 5.5, 5.0])[1:])


def test_along_a_probability(grid_2x2):
    (ax_a, _), cols, _ = grid_2x2
    p = parse_outcome("count_mine_blast>=5", OUTCOME_NAMES)
    by_a = along(ax_a, cols, p)
    assert [e.n for e in by_a] == [6, 6]  # a missing value is a miss, not dropped
    assert by_a[0].mean == pytest.approx(1 / 6)
    assert by_a[1].mean == pytest.approx(4 / 6)
    assert all(0.0 <= e.lo <= e.mean <= e.hi <= 1.0 for e in by_a)
    _, lo, hi = t_interval([0.5, 1.0, 0.5])  # replication averages; the interval is clipped
    assert lo < 0.0 and hi > 1.0
    assert (by_a[1].lo, by_a[1].hi) == (0.0, 1.0)
    _, lo, hi = t_interval([0.0, 0.0, 0.5])
    assert (by_a[0].lo, by_a[0].hi) == pytest.approx((max(lo, 0.0), hi))


def test_cells_are_the_points(grid_2x2):
    (ax_a, ax_b), cols, y = grid_2x2
    grid = cells(ax_a, ax_b, cols, Outcome("count_mine_blast"))
    assert len(grid) == 2 and all(len(row) == 2 for row in grid)  # rows along b, columns along a
    for j in range(2):
        for i in range(2):
            k = 2 * i + j
            values = y[k][~np.isnan(y[k])]
            cell = grid[j][i]
            assert cell.n == values.size
            assert (cell.mean, cell.lo, cell.hi) == pytest.approx(mean_ci(values))
    assert grid[1][0].mean == pytest.approx(3.0) and grid[0][1].mean == pytest.approx(5.0)
    assert grid[1][1].n == 2 and grid[1][1].mean == pytest.approx(8.0)


def test_cells_of_binned_axes_pool_points():
    """Two sampled ranges in 2 bins each: a cell holds several points, so it is a group."""
    fx, fy = factor("mines.killed_mean=0:1"), factor("mines.injured_mean=0:1")
    design = build_design([fx, fy], "lhs", 16, 5)
    ax = axis(fx, [p[0] for p in design.points], bins=2)
    ay = axis(fy, [p[1] for p in design.points], bins=2)
    rng = np.random.default_rng(0)
    y = rng.normal(size=(16, 4))
    cols = fake_columns(16, 4, {"killed_mines": y.ravel()})
    grid = cells(ax, ay, cols, Outcome("killed_mines"))
    assert sum(c.n for row in grid for c in row) == 64
    for j in range(2):
        for i in range(2):
            members = np.flatnonzero((ax.group == i) & (ay.group == j))
            cell = grid[j][i]
            assert cell.n == 4 * members.size
            if members.size == 0:
                assert math.isnan(cell.mean)
                continue
            assert cell.mean == pytest.approx(y[members].mean())
            if members.size > 1:
                expected = t_interval(y[members].mean(axis=0))
                assert (cell.lo, cell.hi) == pytest.approx(expected[1:])
