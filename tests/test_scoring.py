"""Proper scores against closed forms and their defining properties (sim.analysis.scoring) and
the naive baselines (sim.analysis.baselines)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.analysis import baselines as bl
from sim.analysis import scoring as sc

finite = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False)
samples = st.lists(finite, min_size=1, max_size=60)
counts = st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=60)


# --- CRPS against closed forms -----------------------------------------------------------------
@pytest.mark.parametrize("lam", [0.05, 0.5, 1.0, 3.7, 12.0, 80.0])
@pytest.mark.parametrize("y", [0, 1, 2, 5, 17, 100])
def test_poisson_crps_closed_form_equals_exact_summation(lam, y):
    assert sc.crps_poisson(lam, y) == pytest.approx(sc.crps_poisson_sum(lam, y), abs=1e-10)


def test_poisson_crps_of_rate_zero_is_a_point_mass():
    assert sc.crps_poisson(0.0, 0) == 0.0
    assert sc.crps_poisson(0.0, 4) == 4.0


def _influence(x: np.ndarray, y: int) -> tuple[np.ndarray, float]:
    """First-order influence of each draw on the sample CRPS, |x - y| - E|x - X'|, and the
    sample's E|X - X'|."""
    pmf = np.bincount(x) / x.size
    support = np.arange(pmf.size)
    mean_abs = np.abs(support[:, None] - support[None, :]) @ pmf  # E|k - X'| for each k
    return np.abs(x - y) - mean_abs[x], float(pmf @ mean_abs)


@pytest.mark.parametrize(("lam", "y"), [(0.7, 0), (0.7, 3), (3.0, 2), (3.0, 9), (15.0, 11)])
def test_sample_crps_of_a_poisson_sample_converges_to_the_closed_form(lam, y):
    n = 200_000
    x = np.random.default_rng(20240601).poisson(lam, n)
    got = sc.crps_sample(x, y)
    # The sample CRPS is a V-statistic: its standard error is sd(influence)/sqrt(n), and it
    # is biased up by E|X - X'| / (2n) (pairs of a draw with itself count as zero distance).
    influence, spread = _influence(x, y)
    se = float(np.std(influence)) / math.sqrt(n)
    assert abs(got - sc.crps_poisson(lam, y)) <= 5 * se + spread / (2 * n)


@given(x=finite, y=finite)
def test_crps_of_a_point_mass_is_the_absolute_error(x, y):
    assert sc.crps_point(x, y) == abs(x - y)
    assert sc.crps_sample([x], y) == pytest.approx(abs(x - y), abs=1e-9)


def test_crps_of_a_sample_of_one_repeated_value():
    assert sc.crps_sample(np.full(25, 3.0), 1.0) == 2.0
    assert sc.crps_sample(np.full(25, 3.0), 3.0) == 0.0


def test_crps_of_two_values_by_hand():
    # F = 1/2 on [0, 2): CRPS at y = 0 is the integral of F^2 on [0, 2) = 1/2
    assert sc.crps_sample([0.0, 2.0], 0.0) == pytest.approx(0.5)
    assert sc.crps_sample([0.0, 2.0], 1.0) == pytest.approx(0.5)


# --- RPS, Brier, PIT ---------------------------------------------------------------------------
def test_rps_of_a_perfect_forecast_is_zero():
    assert sc.rps_sample([3, 3, 3], 3, 7) == 0.0
    assert sc.crps_pmf([0, 0, 1.0], 2) == 0.0


def test_rps_needs_a_range_covering_sample_and_outcome():
    with pytest.raises(ValueError):
        sc.rps_sample([0, 5], 2, 4)


def test_brier_closed_forms():
    assert sc.brier(0.3, 1) == pytest.approx(0.49)
    assert sc.brier(0.3, 0) == pytest.approx(0.09)
    assert sc.brier(1.0, 1) == 0.0
    # the sample CRPS of a 0/1 sample is the Brier score of its share of ones
    x = np.array([1] * 3 + [0] * 7)
    for y in (0, 1):
        assert sc.crps_sample(x, y) == pytest.approx(sc.brier(0.3, y))
        assert sc.crps_binary(0.3, y) == sc.brier(0.3, y)


def test_pit_at_the_edges():
    x = [2, 3, 3, 4]
    assert sc.pit_bounds(x, 1) == (0.0, 0.0) and sc.mid_pit(x, 1) == 0.0
    assert sc.pit_bounds(x, 9) == (1.0, 1.0) and sc.mid_pit(x, 9) == 1.0
    assert sc.pit_bounds(x, 3) == (0.25, 0.75) and sc.mid_pit(x, 3) == 0.5
    assert sc.randomised_pit(0.25, 0.75, 0.0) == 0.25
    assert sc.randomised_pit(0.25, 0.75, 0.5) == 0.5


def test_mid_pit_of_a_calibrated_poisson_forecast_averages_one_half():
    rng = np.random.default_rng(7)
    forecast = rng.poisson(2.5, 50_000)
    observed = rng.poisson(2.5, 4000)
    values, hits = np.unique(observed, return_counts=True)
    pits = np.repeat([sc.mid_pit(forecast, v) for v in values], hits)
    # a mid-PIT lies in [0, 1]: its variance is at most 1/4 (1/12 if it were uniform)
    assert abs(pits.mean() - 0.5) < 5 * math.sqrt(0.25 / observed.size)


# --- skill -------------------------------------------------------------------------------------
def test_skill_scores_and_their_edge_cases():
    assert sc.skill(0.5, 1.0) == 0.5
    assert sc.skill(2.0, 1.0) == -1.0
    assert sc.skill(0.0, 0.0) == 0.0
    assert sc.skill(0.1, 0.0) == -math.inf
    assert math.isnan(sc.skill(0.1, math.nan))
    assert math.isnan(sc.skill(math.nan, 1.0))


# --- properties ---------------------------------------------------------------------------------
@given(x=samples, y=finite)
def test_crps_is_never_negative(x, y):
    assert sc.crps_sample(x, y) >= 0.0


@given(x=samples, y=finite, seed=st.integers(0, 2**32 - 1))
def test_crps_does_not_depend_on_the_order_of_the_sample(x, y, seed):
    shuffled = np.random.default_rng(seed).permutation(x)
    assert sc.crps_sample(x, y) == sc.crps_sample(shuffled, y) == sc.crps_sample(sorted(x), y)


@given(x=counts, y=st.integers(min_value=0, max_value=40))
def test_sample_crps_equals_the_integer_sum_formula(x, y):
    arr = np.asarray(x)
    by_sum = sc.crps_pmf(np.bincount(arr) / arr.size, y)
    assert sc.crps_sample(arr, y) == pytest.approx(by_sum, abs=1e-9)
    assert sc.rps_sample(arr, y, max(y, int(arr.max()))) == pytest.approx(by_sum, abs=1e-9)


@given(x=samples, y=finite)
def test_mid_pit_lies_in_the_unit_interval(x, y):
    lo, hi = sc.pit_bounds(x, y)
    assert 0.0 <= lo <= sc.mid_pit(x, y) <= hi <= 1.0


@given(x=samples, y=finite)
def test_skill_of_a_forecast_against_itself_is_zero(x, y):
    s = sc.crps_sample(x, y)
    assert sc.skill(s, s) == 0.0


@settings(max_examples=60)
@given(lam=st.floats(min_value=0.0, max_value=60.0), y=st.integers(min_value=0, max_value=90))
def test_poisson_closed_form_matches_summation_everywhere(lam, y):
    assert sc.crps_poisson(lam, y) == pytest.approx(sc.crps_poisson_sum(lam, y), abs=1e-9)


# --- baselines ---------------------------------------------------------------------------------
def test_persistence_count_is_poisson_of_rate_times_days():
    f = bl.persistence_count(0.1, 30)
    assert f.mean == pytest.approx(3.0)
    assert f.crps(2) == pytest.approx(sc.crps_poisson(3.0, 2))
    assert stats.poisson.mean(f.lam) == pytest.approx(3.0)


def test_persistence_rung_is_the_maximum_of_independent_months():
    one = bl.persistence_rung([0, 0, 1, 3], 1)
    assert one.pmf[:4] == pytest.approx((0.5, 0.25, 0.0, 0.25))
    two = bl.persistence_rung([0, 0, 1, 3], 2)
    # F(r) = F_month(r)^2: F(0) = 1/4, F(1) = F(2) = 9/16, F(3) = 1
    assert np.cumsum(two.pmf)[:4] == pytest.approx((0.25, 0.5625, 0.5625, 1.0))
    assert bl.persistence_fire([0, 0, 1, 4], 1).p == pytest.approx(0.25)
    assert bl.persistence_fire([0, 0, 1, 4], 2).p == pytest.approx(1 - 0.75**2)
    assert one.crps(3) == pytest.approx(sc.crps_pmf(one.pmf, 3))


def test_shipped_climatology_rates_are_count_over_days():
    clim = bl.load_climatology()
    assert set(clim) == {"mdl_crossing", "any_fire"}
    crossing = clim["mdl_crossing"]
    assert (crossing.count, crossing.days) == (8, 2079)  # MND: 8 cases, 2010-01-01..2015-09-10
    assert crossing.count_forecast(30).mean == pytest.approx(30 * 8 / 2079)
    fire = clim["any_fire"]
    assert fire.fire_forecast(30).p == pytest.approx(1 - math.exp(-30 * 5 / 4018))
