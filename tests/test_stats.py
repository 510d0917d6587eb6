"""Interval estimates: textbook values, agreement with scipy and coverage against theory."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from sim.analysis.stats import (
    mean_ci,
    paired_difference_ci,
    paired_proportion_difference_ci,
    proportion_ci,
    quantile_interval,
)

TRIALS = 2000
LEVEL = 0.95


def binomial_bound(p: float, trials: int, confidence: float = 0.999) -> float:
    """Half-width of the two-sided ``confidence`` band of an observed coverage fraction."""
    return float(stats.norm.ppf(0.5 + confidence / 2)) * math.sqrt(p * (1 - p) / trials)


def exact_wilson_coverage(p: float, n: int, level: float = LEVEL) -> float:
    """Probability that the Wilson interval of Binomial(n, p) covers p."""
    total = 0.0
    for k in range(n + 1):
        _, lo, hi = proportion_ci(k, n, level)
        if lo <= p <= hi:
            total += float(stats.binom.pmf(k, n, p))
    return total


# ----------------------------------------------------------------------------- mean_ci


def test_mean_ci_known_values() -> None:
    mean, lo, hi = mean_ci([1, 2, 3, 4, 5])
    assert mean == 3.0
    half = 2.7764451051977987 * math.sqrt(2.5 / 5)  # t_{0.975, 4} * s / sqrt(n)
    assert lo == pytest.approx(3.0 - half, rel=1e-12)
    assert hi == pytest.approx(3.0 + half, rel=1e-12)


@pytest.mark.parametrize("level", [0.5, 0.9, 0.95, 0.99])
def test_mean_ci_matches_scipy(level: float) -> None:
    x = np.random.default_rng(7).gamma(2.0, 3.0, size=37)
    lo_ref, hi_ref = stats.t.interval(level, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    mean, lo, hi = mean_ci(x, level)
    assert mean == pytest.approx(x.mean())
    assert (lo, hi) == pytest.approx((lo_ref, hi_ref), rel=1e-12)


def test_mean_ci_drops_nans_and_small_samples() -> None:
    assert mean_ci([1.0, np.nan, 3.0]) == pytest.approx(mean_ci([1.0, 3.0]))
    mean, lo, hi = mean_ci([4.0, np.nan])
    assert mean == 4.0 and math.isnan(lo) and math.isnan(hi)
    assert all(math.isnan(v) for v in mean_ci([]))
    assert mean_ci([2.0, 2.0, 2.0]) == (2.0, 2.0, 2.0)


def test_mean_ci_rejects_bad_level() -> None:
    with pytest.raises(ValueError):
        mean_ci([1.0, 2.0], level=1.0)


def test_t_interval_coverage() -> None:
    rng = np.random.default_rng(2024)
    samples = rng.normal(5.0, 2.0, size=(TRIALS, 10))
    covered = 0
    for x in samples:
        _, lo, hi = mean_ci(x)
        covered += lo <= 5.0 <= hi
    assert abs(covered / TRIALS - LEVEL) <= binomial_bound(LEVEL, TRIALS)


# ----------------------------------------------------------------------------- Wilson


@pytest.mark.parametrize(
    ("successes", "n", "lo", "hi"),
    [  # Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table II
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
        (29, 29, 0.8830, 1.0),
        (0, 10, 0.0, 0.2775),
    ],
)
def test_wilson_textbook_values(successes: int, n: int, lo: float, hi: float) -> None:
    p, got_lo, got_hi = proportion_ci(successes, n)
    assert p == successes / n
    assert got_lo == pytest.approx(lo, abs=5e-5)
    assert got_hi == pytest.approx(hi, abs=5e-5)


def test_wilson_edge_cases() -> None:
    assert all(math.isnan(v) for v in proportion_ci(0, 0))
    assert proportion_ci(10, 10)[1] == pytest.approx(1 - 0.27753279986, abs=1e-9)
    with pytest.raises(ValueError):
        proportion_ci(3, 2)
    with pytest.raises(ValueError):
        proportion_ci(-1, 2)


@pytest.mark.parametrize(("p", "n"), [(0.02, 200), (0.5, 30), (0.98, 200), (0.01, 1000)])
def test_wilson_coverage_against_theory(p: float, n: int) -> None:
    """Simulated coverage agrees with the exact coverage, which is close to nominal.

    Wilson's exact coverage oscillates with p and n (0.933 at p=0.02, n=200), so the simulated
    fraction is compared with the exact binomial sum rather than with 0.95 itself.
    """
    exact = exact_wilson_coverage(p, n)
    assert abs(exact - LEVEL) < 0.025
    draws = np.random.default_rng(12345).binomial(n, p, size=TRIALS)
    covered = 0
    for k in draws:
        _, lo, hi = proportion_ci(int(k), n)
        covered += lo <= p <= hi
    assert abs(covered / TRIALS - exact) <= binomial_bound(exact, TRIALS)


@given(
    st.integers(min_value=1, max_value=500).flatmap(
        lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
    )
)
def test_wilson_interval_is_inside_unit_interval(case: tuple[int, int]) -> None:
    s, n = case
    p, lo, hi = proportion_ci(s, n)
    assert 0.0 <= lo <= p <= hi <= 1.0
    assert hi - lo > 0.0


# ----------------------------------------------------------------------------- paired


def test_paired_difference_equals_mean_difference() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(10, 3, size=50)
    y = x + rng.normal(1.0, 0.5, size=50)
    d, lo, hi = paired_difference_ci(x, y)
    assert d == pytest.approx(y.mean() - x.mean())
    assert (d, lo, hi) == pytest.approx(mean_ci(y - x))
    # pairing removes the shared noise: far narrower than the unpaired interval
    unpaired = stats.ttest_ind(y, x).confidence_interval()
    assert hi - lo < 0.5 * (unpaired.high - unpaired.low)


def test_paired_difference_drops_nan_pairs() -> None:
    x = [1.0, 2.0, np.nan, 4.0, 5.0]
    y = [2.0, 4.0, 3.0, np.nan, 7.0]
    assert paired_difference_ci(x, y) == pytest.approx(mean_ci([1.0, 2.0, 2.0]))
    with pytest.raises(ValueError):
        paired_difference_ci([1.0], [1.0, 2.0])


def _pairs(both: int, only_b: int, only_a: int, neither: int) -> tuple[np.ndarray, np.ndarray]:
    a = np.r_[np.ones(both), np.zeros(only_b), np.ones(only_a), np.zeros(neither)]
    b = np.r_[np.ones(both), np.ones(only_b), np.zeros(only_a), np.zeros(neither)]
    return a, b


def test_paired_proportion_textbook_value() -> None:
    """Cavo et al. (2012) table in Fagerland, Lydersen & Laake (2017), ch. 8."""
    a, b = _pairs(59, 6, 16, 80)
    d, lo, hi = paired_proportion_difference_ci(a, b)
    assert d == pytest.approx(-10 / 161)
    assert lo == pytest.approx(-0.1186, abs=5e-5)
    assert hi == pytest.approx(-0.0046, abs=5e-5)


def test_paired_proportion_is_antisymmetric_and_bounded() -> None:
    a, b = _pairs(3, 7, 1, 89)
    d, lo, hi = paired_proportion_difference_ci(a, b)
    d2, lo2, hi2 = paired_proportion_difference_ci(b, a)
    assert (d2, lo2, hi2) == pytest.approx((-d, -hi, -lo))
    edge_tables = [(0, 0, 0, 50), (50, 0, 0, 0), (0, 50, 0, 0), (0, 3, 0, 97)]
    for both, only_b, only_a, neither in edge_tables:
        d, lo, hi = paired_proportion_difference_ci(*_pairs(both, only_b, only_a, neither))
        assert -1.0 <= lo <= d <= hi <= 1.0
        assert hi > lo


def test_paired_proportion_rejects_non_binary() -> None:
    with pytest.raises(ValueError):
        paired_proportion_difference_ci([0, 1, 2], [0, 1, 1])
    assert all(math.isnan(v) for v in paired_proportion_difference_ci([], []))


@pytest.mark.parametrize(
    ("probs", "n"),
    [((0.3, 0.1, 0.05), 100), ((0.0, 0.03, 0.01), 300), ((0.01, 0.02, 0.005), 200)],
)
def test_paired_proportion_coverage(probs: tuple[float, float, float], n: int) -> None:
    """Coverage is not below nominal beyond sampling error (the interval is conservative
    when discordant pairs are rare)."""
    both, only_b, only_a = probs
    truth = only_b - only_a
    rng = np.random.default_rng(99)
    covered = 0
    for _ in range(TRIALS):
        cell = rng.choice(4, size=n, p=[both, only_b, only_a, 1 - both - only_b - only_a])
        a = ((cell == 0) | (cell == 2)).astype(float)
        b = (cell <= 1).astype(float)
        _, lo, hi = paired_proportion_difference_ci(a, b)
        covered += lo <= truth <= hi
    assert covered / TRIALS >= LEVEL - binomial_bound(LEVEL, TRIALS)


# ----------------------------------------------------------------------------- quantiles


def test_quantile_interval() -> None:
    assert quantile_interval(np.arange(101.0)) == pytest.approx((50.0, 5.0, 95.0))
    assert quantile_interval([1.0, np.nan, 3.0], 0.5) == pytest.approx((2.0, 1.5, 2.5))
    assert all(math.isnan(v) for v in quantile_interval([np.nan]))
