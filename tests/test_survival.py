"""Kaplan-Meier curves of the time to a rung, against hand computations and analytic laws."""

from __future__ import annotations

import datetime as dt
import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.analysis.survival import (
    ROW_FIELDS,
    SUMMARY_FIELDS,
    SurvivalCurve,
    first_days,
    kaplan_meier,
    survival_rows,
    survival_summary,
    time_to_rung,
)
from sim.model.result import ReplicationResult
from sim.plots.survival import survival_panels, survival_plot

NAN = math.nan
Z = float(stats.norm.ppf(0.975))
# Six replications, horizon 4: reached on days 1, 2, 2 (a tie), 3; two never (censored at 4).
TEXTBOOK = np.array([2.0, NAN, 1.0, 3.0, NAN, 2.0])


def _loglog(s: float, greenwood_sum: float) -> tuple[float, float]:
    """The log-log band by hand: S ** exp(+-z * sqrt(sum d/(n(n-d))) / |log S|)."""
    w = math.exp(Z * math.sqrt(greenwood_sum) / abs(math.log(s)))
    return s**w, s ** (1.0 / w)


# --- the estimator against hand computations -------------------------------------------------


def test_textbook_example_with_ties_and_censoring() -> None:
    c = kaplan_meier(TEXTBOOK, horizon=4.0)
    np.testing.assert_array_equal(c.time, [0.0, 1.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(c.at_risk, [6, 6, 5, 3, 2])
    np.testing.assert_array_equal(c.events, [0, 1, 2, 1, 0])
    # S(1) = 5/6, S(2) = 5/6 * 3/5 = 1/2, S(3) = 1/2 * 2/3 = 1/3, unchanged by the censoring at 4.
    np.testing.assert_allclose(c.survival, [1.0, 5 / 6, 1 / 2, 1 / 3, 1 / 3], rtol=1e-15)
    assert (c.n, c.n_events, c.horizon) == (6, 4, 4.0)
    assert c.median == 2.0
    # Greenwood sums: 1/(6*5); + 2/(5*3); + 1/(3*2).
    sums = np.cumsum([1 / 30, 2 / 15, 1 / 6])
    for i, (s, g) in enumerate(zip([5 / 6, 1 / 2, 1 / 3], sums, strict=True), start=1):
        lo, hi = _loglog(s, g)
        assert c.lo[i] == pytest.approx(lo, rel=1e-12)
        assert c.hi[i] == pytest.approx(hi, rel=1e-12)
    assert (c.lo[4], c.hi[4]) == (c.lo[3], c.hi[3])  # censoring only: the band carries on
    # Before any event S = 1 and the band is the exact zero-event bound (alpha/2) ** (1/n).
    assert (c.lo[0], c.hi[0]) == (pytest.approx(0.025 ** (1 / 6)), 1.0)
    np.testing.assert_allclose(c.std_err()[1:4], np.sqrt(sums) * [5 / 6, 1 / 2, 1 / 3])


def test_evaluate_is_a_right_continuous_step_function() -> None:
    c = kaplan_meier(TEXTBOOK, horizon=4.0)
    got = c.evaluate([-1.0, 0.0, 0.999, 1.0, 1.5, 2.0, 3.5, 4.0, 4.001, NAN])
    want = [1, 1, 1, 5 / 6, 5 / 6, 1 / 2, 1 / 3, 1 / 3, NAN, NAN]
    np.testing.assert_allclose(got, want, rtol=1e-15)
    lo, hi = c.band([1.5, 5.0])
    assert lo[0] == c.lo[1] and hi[0] == c.hi[1]
    assert math.isnan(lo[1]) and math.isnan(hi[1])


def test_tie_between_events_and_censoring_at_the_horizon() -> None:
    # Events at the horizon come before the censorings there: S(4) = 3/4 * 1/3.
    c = kaplan_meier(np.array([1.0, 4.0, 4.0, NAN]), horizon=4.0)
    np.testing.assert_array_equal(c.time, [0.0, 1.0, 4.0])
    np.testing.assert_array_equal(c.at_risk, [4, 4, 3])
    np.testing.assert_array_equal(c.events, [0, 1, 2])
    np.testing.assert_allclose(c.survival, [1.0, 0.75, 0.25])


def test_event_on_day_zero_is_not_hidden_by_the_origin_row() -> None:
    c = kaplan_meier(np.array([0.0, 0.0, 2.0, NAN]), horizon=5.0)
    np.testing.assert_array_equal(c.time, [0.0, 2.0, 5.0])
    np.testing.assert_allclose(c.survival, [0.5, 0.25, 0.25])
    np.testing.assert_array_equal(c.events, [2, 1, 0])


def test_no_events_at_all() -> None:
    c = kaplan_meier(np.full(20, NAN), horizon=405.0)
    np.testing.assert_array_equal(c.time, [0.0, 405.0])
    np.testing.assert_array_equal(c.survival, [1.0, 1.0])
    np.testing.assert_array_equal(c.hi, [1.0, 1.0])
    # Clopper-Pearson for 0 of 20: P(reached) <= 1 - 0.025 ** (1/20) ~ 0.168.
    np.testing.assert_allclose(c.lo, 0.025 ** (1 / 20))
    cp_hi = stats.binomtest(0, 20).proportion_ci(0.95, method="exact").high
    assert 1 - c.lo[0] == pytest.approx(cp_hi)
    assert c.n_events == 0 and math.isnan(c.median)
    assert np.all(c.events == 0) and np.all(c.at_risk == 20)


def test_every_replication_reaches_the_rung() -> None:
    c = kaplan_meier(np.array([3.0, 1.0, 2.0, 2.0]), horizon=10.0)
    np.testing.assert_allclose(c.survival, [1.0, 0.75, 0.25, 0.0])
    assert (c.lo[-1], c.hi[-1]) == (0.0, pytest.approx(1 - 0.025 ** (1 / 4)))
    assert not np.any(np.isnan(c.lo) | np.isnan(c.hi))
    assert c.evaluate([10.0])[0] == 0.0 and c.median == 2.0


def test_single_replication() -> None:
    c = kaplan_meier(np.array([7.0]), horizon=10.0)
    np.testing.assert_array_equal(c.survival, [1.0, 0.0])
    assert np.all(c.lo <= c.survival) and np.all(c.survival <= c.hi)


# --- analytic laws ----------------------------------------------------------------------------


def test_without_censoring_km_is_one_minus_the_empirical_cdf() -> None:
    rng = np.random.default_rng(7)
    times = rng.integers(0, 30, size=200).astype(float)  # many ties
    c = kaplan_meier(times, horizon=30.0)
    grid = np.linspace(0.0, 30.0, 301)
    ecdf = (times[None, :] <= grid[:, None]).mean(axis=1)
    np.testing.assert_array_equal(c.evaluate(grid), 1.0 - ecdf)
    # Greenwood's variance collapses to the binomial S(1 - S) / n.
    s = c.survival
    np.testing.assert_allclose(c.std_err(), np.sqrt(s * (1 - s) / 200), rtol=1e-10, atol=1e-15)


def test_greenwood_is_binomial_when_censoring_is_only_at_the_horizon() -> None:
    rng = np.random.default_rng(8)
    times = rng.exponential(100.0, size=300)
    times[times > 200.0] = NAN
    c = kaplan_meier(times, horizon=200.0)
    s = c.survival
    np.testing.assert_allclose(c.std_err(), np.sqrt(s * (1 - s) / 300), rtol=1e-10, atol=1e-15)


def _exponential_curve(rate: float, n: int, horizon: float, seed: int) -> SurvivalCurve:
    t = np.random.default_rng(seed).exponential(1.0 / rate, size=n)
    return kaplan_meier(np.where(t > horizon, NAN, t), horizon)


def test_true_exponential_survival_lies_in_the_band() -> None:
    rate, horizon = 1 / 250, 405.0
    c = _exponential_curve(rate, 300, horizon, seed=20240618)
    points = np.array([10.0, 50.0, 100.0, 200.0, 300.0, 405.0])
    truth = np.exp(-rate * points)
    lo, hi = c.band(points)
    assert np.all(lo <= truth) and np.all(truth <= hi), (lo, truth, hi)
    assert 0 < c.n_events < c.n  # some reached, some censored


def test_band_coverage_is_near_nominal() -> None:
    """Over 400 fixed-seed samples the band at day 100 covers exp(-rate * 100) ~95% of the time."""
    rate, t = 1 / 250, 100.0
    covered = 0
    for seed in range(400):
        lo, hi = _exponential_curve(rate, 80, 405.0, seed).band([t])
        covered += bool(lo[0] <= math.exp(-rate * t) <= hi[0])
    assert 0.92 <= covered / 400 <= 0.98


def test_confidence_level_widens_the_band() -> None:
    narrow = kaplan_meier(TEXTBOOK, 4.0, confidence=0.5)
    wide = kaplan_meier(TEXTBOOK, 4.0, confidence=0.99)
    assert np.all(wide.lo <= narrow.lo) and np.all(narrow.hi <= wide.hi)
    assert np.any(wide.lo < narrow.lo)


# --- property tests ---------------------------------------------------------------------------

HORIZON = 100.0
maybe_time = st.one_of(
    st.just(NAN),
    st.floats(0.0, HORIZON, allow_nan=False),
    st.integers(0, 10).map(lambda i: 10.0 * i),  # ties, including day 0 and the horizon
)


@settings(max_examples=150, deadline=None)
@given(st.lists(maybe_time, min_size=1, max_size=60))
def test_curve_invariants(values: list[float]) -> None:
    times = np.array(values)
    c = kaplan_meier(times, HORIZON)
    assert c.time[0] == 0.0 and np.all(np.diff(c.time) > 0) and c.time[-1] <= HORIZON
    assert np.all(np.diff(c.survival) <= 0)
    assert np.all((c.survival >= 0) & (c.survival <= 1))
    assert np.all((c.lo >= 0) & (c.hi <= 1))
    assert np.all(c.lo <= c.survival) and np.all(c.survival <= c.hi)
    assert np.all(np.diff(c.at_risk) <= 0) and c.at_risk[0] == c.n == times.size
    assert c.events.sum() == c.n_events == np.count_nonzero(~np.isnan(times))
    # Censoring only at the horizon: S(t) is the share not yet reached by t.
    grid = np.linspace(0.0, HORIZON, 41)
    with np.errstate(invalid="ignore"):
        share = (~(times[None, :] <= grid[:, None])).mean(axis=1)
    np.testing.assert_allclose(c.evaluate(grid), share, atol=1e-12)
    rows = survival_rows("s", 3, c)
    assert len(rows) == int(HORIZON) + 1 and all(tuple(r) == ROW_FIELDS for r in rows)
    with np.errstate(invalid="ignore"):
        by_day = [int(np.sum(times <= r["day"])) for r in rows]
    assert [r["reached"] for r in rows] == by_day


first_day = st.one_of(st.just(NAN), st.floats(0.0, 405.0, allow_nan=False))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(first_day, min_size=7, max_size=7), min_size=0, max_size=20))
def test_time_to_rung_is_nan_aware_and_non_decreasing_in_k(rows: list[list[float]]) -> None:
    fd = np.array(rows, dtype=float).reshape(len(rows), 7)
    ttr = np.stack([time_to_rung(fd, k) for k in range(1, 8)], axis=1)
    for k in range(1, 8):
        tail = fd[:, k - 1 :]
        never = np.all(np.isnan(tail), axis=1)
        np.testing.assert_array_equal(np.isnan(ttr[:, k - 1]), never)
        if (~never).any():
            np.testing.assert_array_equal(ttr[~never, k - 1], np.nanmin(tail[~never], axis=1))
    for k in range(1, 7):  # reaching rung >= k+1 means reaching rung >= k, no later
        later = ~np.isnan(ttr[:, k])
        assert np.all(ttr[later, k - 1] <= ttr[later, k])


def test_time_to_rung_example() -> None:
    fd = np.array(
        [
            [1.0, 5.0, NAN, 2.0, NAN, NAN, NAN],  # rung 4 on day 2 before rung 2 on day 5
            [NAN] * 7,
            [NAN, NAN, NAN, NAN, NAN, NAN, 9.0],  # straight to war
        ]
    )
    np.testing.assert_array_equal(time_to_rung(fd, 1), [1.0, NAN, 9.0])
    np.testing.assert_array_equal(time_to_rung(fd, 2), [2.0, NAN, 9.0])
    np.testing.assert_array_equal(time_to_rung(fd, 5), [NAN, NAN, 9.0])


def test_first_days_reads_outcomes() -> None:
    def result(i: int, outcomes: dict[str, float]) -> ReplicationResult:
        return ReplicationResult(i, outcomes, (), np.zeros((0, 0)), np.zeros(0), np.zeros(0))

    fd = first_days([result(0, {"first_day_rung_2": 3.0}), result(1, {})])
    assert fd.shape == (2, 7) and fd[0, 1] == 3.0 and np.isnan(fd).sum() == 13
    assert first_days([]).shape == (0, 7)


# --- rows and summary -------------------------------------------------------------------------


def test_rows_and_summary() -> None:
    c = kaplan_meier(TEXTBOOK, horizon=4.0)
    rows = survival_rows("baseline", 4, c)
    assert [r["day"] for r in rows] == [0, 1, 2, 3, 4]
    assert [r["reached"] for r in rows] == [0, 1, 3, 4, 4]
    assert rows[2] == {
        "scenario": "baseline",
        "rung": 4,
        "day": 2,
        "survival": 0.5,
        "ci_lo": c.lo[2],
        "ci_hi": c.hi[2],
        "reached": 3,
    }
    summary = survival_summary("baseline", 4, c)
    assert tuple(summary) == SUMMARY_FIELDS
    assert summary["n"] == 6 and summary["reached"] == 4
    assert summary["p_reached"] == pytest.approx(2 / 3)
    assert summary["p_reached_lo"] == pytest.approx(1 - c.hi[-1])
    assert summary["p_reached_hi"] == pytest.approx(1 - c.lo[-1])
    assert summary["median_day"] == 2.0
    assert summary["median_day_lo"] == 1.0  # lower band reaches 0.5 on day 1
    assert math.isnan(summary["median_day_hi"])  # upper band never does: unbounded
    never = survival_summary("baseline", 7, kaplan_meier(np.full(5, NAN), 4.0))
    assert never["reached"] == 0 and never["p_reached"] == 0.0
    assert math.isnan(never["median_day"])


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("times", "horizon", "match"),
    [
        ([1.0, 5.0], 4.0, "exceed the horizon"),
        ([1.0, np.inf], 4.0, "exceed the horizon"),
        ([-0.5, 1.0], 4.0, ">= 0"),
        ([], 4.0, "n = 0"),
        ([[1.0, 2.0]], 4.0, "one-dimensional"),
        ([1.0], 0.0, "horizon"),
        ([1.0], NAN, "horizon"),
    ],
)
def test_bad_times_raise(times: list, horizon: float, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        kaplan_meier(np.array(times, dtype=float), horizon)


@pytest.mark.parametrize("confidence", [0.0, 1.0, 95.0])
def test_bad_confidence_raises(confidence: float) -> None:
    with pytest.raises(ValueError, match="confidence"):
        kaplan_meier(TEXTBOOK, 4.0, confidence=confidence)


def test_time_to_rung_bad_input() -> None:
    with pytest.raises(ValueError, match="shape"):
        time_to_rung(np.zeros((3, 6)), 1)
    with pytest.raises(ValueError, match="rung k"):
        time_to_rung(np.zeros((3, 7)), 0)
    with pytest.raises(ValueError, match="rung k"):
        time_to_rung(np.zeros((3, 7)), 8)


# --- plots ------------------------------------------------------------------------------------


def _curves() -> list[tuple[str, SurvivalCurve]]:
    return [
        ("baseline", _exponential_curve(1 / 300, 100, 405.0, seed=1)),
        ("no talks", _exponential_curve(1 / 150, 100, 405.0, seed=2)),
        ("quiet", kaplan_meier(np.full(50, NAN), 405.0)),
    ]


def _is_png(path) -> bool:
    return path.stat().st_size > 1000 and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("start", [dt.date(2024, 5, 1), None])
def test_survival_plot_writes_a_png(tmp_path, start: dt.date | None) -> None:
    out = survival_plot(_curves(), start, tmp_path / "sub" / "rung4.png", "Time to rung 4")
    assert out == tmp_path / "sub" / "rung4.png" and _is_png(out)
    assert plt.get_fignums() == []


def test_survival_panels_write_a_png(tmp_path) -> None:
    by_rung = {k: _curves() for k in range(1, 8)}
    out = survival_panels(by_rung, dt.date(2024, 5, 1), tmp_path / "panels.png")
    assert _is_png(out) and plt.get_fignums() == []
    out = survival_panels({4: _curves()[:1]}, None, tmp_path / "one.png")
    assert _is_png(out)


def test_plots_refuse_nothing_to_draw(tmp_path) -> None:
    with pytest.raises(ValueError, match="no survival curves"):
        survival_plot([], None, tmp_path / "x.png", "t")
    with pytest.raises(ValueError, match="no survival curves"):
        survival_panels({1: []}, None, tmp_path / "y.png")
    assert not list(tmp_path.iterdir())


def test_on_grid_reads_the_curve_at_whole_days() -> None:
    c = kaplan_meier(np.array([0.5, 1.0, 1.2, 2.7, NAN, NAN]), horizon=4.0)
    g = c.on_grid()
    np.testing.assert_array_equal(g.time, [0.0, 1.0, 2.0, 3.0])
    np.testing.assert_array_equal(g.survival, c.evaluate(g.time))
    np.testing.assert_array_equal(g.lo, c.band(g.time)[0])
    # the events at 0.5 and 1.0 first show on day 1, the one at 1.2 on day 2, 2.7 on day 3
    np.testing.assert_array_equal(g.events, [0, 2, 1, 1])
    np.testing.assert_array_equal(g.at_risk, [6, 6, 4, 3])
    assert (g.n, g.n_events, g.horizon) == (c.n, c.n_events, c.horizon)
