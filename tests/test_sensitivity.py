"""Sobol' indices: the Saltelli design, the estimator against analytic values, the bar chart."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.analysis.sensitivity import (
    SobolIndices,
    _saltelli_2010,
    saltelli_points,
    sobol_from_values,
    sobol_rows,
)
from sim.plots.sensitivity import sobol_bar_chart

A_ISH, B_ISH = 7.0, 0.1
SEED = 20240611  # fixed: the checks below are statistical, so one seed keeps them repeatable
N_ISH = 2**12
NAMES = ("x1", "x2", "x3")
ROW_KEYS = {
    "parameter",
    "first_order",
    "first_low",
    "first_high",
    "total_order",
    "total_low",
    "total_high",
}
ISHIGAMI_DIST = stats.uniform(loc=-np.pi, scale=2 * np.pi)


def ishigami(x: np.ndarray) -> np.ndarray:
    """Ishigami function of x with shape (3, m), on [-pi, pi]^3."""
    return np.sin(x[0]) + A_ISH * np.sin(x[1]) ** 2 + B_ISH * x[2] ** 4 * np.sin(x[0])


def ishigami_truth() -> tuple[np.ndarray, np.ndarray]:
    """Analytic first-order and total indices (Ishigami & Homma 1990; Saltelli et al. 2008)."""
    a, b, pi = A_ISH, B_ISH, np.pi
    v = a**2 / 8 + b * pi**4 / 5 + b**2 * pi**8 / 18 + 0.5
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v3 = 0.0
    v13 = b**2 * pi**8 * (1 / 18 - 1 / 50)
    assert v == pytest.approx(v1 + v2 + v3 + v13)  # the decomposition is complete
    first = np.array([v1, v2, v3]) / v
    total = np.array([v1 + v13, v2, v13]) / v
    return first, total


@pytest.fixture(scope="module")
def ishigami_values() -> np.ndarray:
    unit = saltelli_points(3, N_ISH, SEED)
    return ishigami(ISHIGAMI_DIST.ppf(unit).T)


@pytest.fixture(scope="module")
def ishigami_indices(ishigami_values: np.ndarray) -> SobolIndices:
    return sobol_from_values(ishigami_values, 3, NAMES, seed=SEED)


# --- design ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("d", "n"), [(1, 2), (3, 8), (5, 64)])
def test_design_shape_range_and_structure(d: int, n: int) -> None:
    x = saltelli_points(d, n, seed=7)
    assert x.shape == (n * (d + 2), d)
    assert np.all((x >= 0.0) & (x < 1.0))
    a, b = x[:n], x[n : 2 * n]
    assert not np.any(a == b)  # two independent halves of the 2d-dimensional sequence
    for i in range(d):
        ab = x[(2 + i) * n : (3 + i) * n]
        np.testing.assert_array_equal(ab[:, i], b[:, i])
        others = [j for j in range(d) if j != i]
        np.testing.assert_array_equal(ab[:, others], a[:, others])


def test_design_is_one_scrambled_sobol_sequence_of_dimension_2d() -> None:
    d, n = 3, 16
    x = saltelli_points(d, n, seed=11)
    # Each half is balanced like a Sobol' net: every stratum of width 1/n holds one point.
    for half in (x[:n], x[n : 2 * n]):
        for j in range(d):
            counts = np.bincount((half[:, j] * n).astype(int), minlength=n)
            np.testing.assert_array_equal(counts, np.ones(n))


def test_design_seeded() -> None:
    np.testing.assert_array_equal(saltelli_points(4, 32, 5), saltelli_points(4, 32, 5))
    assert not np.array_equal(saltelli_points(4, 32, 5), saltelli_points(4, 32, 6))


@pytest.mark.parametrize(
    ("d", "n"), [(3, 0), (3, 1), (3, 3), (3, 12), (3, 2.0), (3, True), (0, 8), (-1, 8), (1.5, 8)]
)
def test_design_refuses_bad_sizes(d, n) -> None:
    with pytest.raises(ValueError, match="power of 2|integer >= 1"):
        saltelli_points(d, n, seed=1)


# --- estimator -------------------------------------------------------------------------------
def test_ishigami_analytic_indices_inside_the_estimators_intervals(
    ishigami_indices: SobolIndices,
) -> None:
    # The seed is fixed and the tolerance is the estimator's own 95% interval, as the issue
    # asks: six intervals at 95% each, so another seed may occasionally miss one of them.
    first, total = ishigami_truth()
    np.testing.assert_allclose(first, [0.3139, 0.4424, 0.0], atol=1e-4)
    np.testing.assert_allclose(total, [0.5576, 0.4424, 0.2437], atol=1e-4)
    ix = ishigami_indices
    assert ix.names == NAMES and ix.n == N_ISH and ix.confidence == 0.95
    assert np.all(ix.first_low <= first) and np.all(first <= ix.first_high), (ix, first)
    assert np.all(ix.total_low <= total) and np.all(total <= ix.total_high), (ix, total)
    assert np.all(ix.first_low <= ix.first) and np.all(ix.first <= ix.first_high)
    assert np.all(ix.total_low <= ix.total) and np.all(ix.total <= ix.total_high)
    assert np.all(ix.first_high - ix.first_low < 0.2)  # informative, not vacuous
    assert np.all(ix.total_high - ix.total_low < 0.2)
    v = A_ISH**2 / 8 + B_ISH * np.pi**4 / 5 + B_ISH**2 * np.pi**8 / 18 + 0.5
    assert ix.variance == pytest.approx(v, rel=0.05)


def test_point_estimates_match_scipy_on_its_own_sample(
    ishigami_values: np.ndarray, ishigami_indices: SobolIndices
) -> None:
    # Same rng ⇒ scipy draws the same A and B as saltelli_points, so its callable form agrees.
    ref = stats.sobol_indices(func=ishigami, n=N_ISH, dists=[ISHIGAMI_DIST] * 3, rng=SEED)
    np.testing.assert_allclose(ishigami_indices.first, ref.first_order, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ishigami_indices.total, ref.total_order, rtol=0, atol=1e-12)


def test_point_estimates_match_the_saltelli_2010_and_jansen_formulas(
    ishigami_values: np.ndarray, ishigami_indices: SobolIndices
) -> None:
    n, d = N_ISH, 3
    y = ishigami_values - np.mean(ishigami_values[: 2 * n])  # centred on the A and B mean
    f_a, f_b = y[:n], y[n : 2 * n]
    var = np.var(np.r_[f_a, f_b])
    first = [np.mean(f_b * (y[(2 + i) * n : (3 + i) * n] - f_a)) / var for i in range(d)]
    total = [np.mean((f_a - y[(2 + i) * n : (3 + i) * n]) ** 2) / (2 * var) for i in range(d)]
    np.testing.assert_allclose(ishigami_indices.first, first, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ishigami_indices.total, total, rtol=1e-10, atol=1e-12)
    # The bootstrap statistic is the same estimator: on the full sample it gives the same.
    full = _saltelli_2010(f_a, f_b, y[2 * n :].reshape(d, n))
    np.testing.assert_allclose(full, np.r_[first, total], rtol=1e-10, atol=1e-12)


def test_additive_model_first_equals_total() -> None:
    # y = 2 x1 + x2 on the unit cube: variances 4/12 and 1/12, x3 inert.
    n = 2**10
    x = saltelli_points(3, n, seed=3)
    ix = sobol_from_values(2 * x[:, 0] + x[:, 1], 3, ("a.b", "c.d", "e.f"), seed=3)
    truth = np.array([0.8, 0.2, 0.0])
    kinds = ((ix.first, ix.first_low, ix.first_high), (ix.total, ix.total_low, ix.total_high))
    for est, low, high in kinds:
        np.testing.assert_allclose(est, truth, atol=0.03)
        assert np.all(low <= truth) and np.all(truth <= high), (low, high)
    # The inert parameter's indices are exactly 0 in every resample: a degenerate bootstrap
    # distribution, for which BCa is undefined and the percentile interval [0, 0] is used.
    assert ix.first[2] == ix.first_low[2] == ix.first_high[2] == 0.0
    assert ix.total[2] == ix.total_low[2] == ix.total_high[2] == 0.0
    rows = sobol_rows(ix)
    assert [r["parameter"] for r in rows] == ["a.b", "c.d", "e.f"]
    for r in rows:
        assert set(r) == ROW_KEYS
        assert all(type(r[k]) is float for k in ROW_KEYS - {"parameter"})
    assert rows[0]["total_order"] == float(ix.total[0])


def test_same_seed_same_result() -> None:
    y = ishigami(ISHIGAMI_DIST.ppf(saltelli_points(3, 2**8, 9)).T)
    one = sobol_from_values(y, 3, NAMES, seed=9, n_resamples=199)
    two = sobol_from_values(y, 3, NAMES, seed=9, n_resamples=199)
    fields = ("first", "first_low", "first_high", "total", "total_low", "total_high")
    for f in fields:
        assert getattr(one, f).tobytes() == getattr(two, f).tobytes(), f
    assert (one.names, one.n, one.confidence, one.variance) == (
        two.names,
        two.n,
        two.confidence,
        two.variance,
    )
    other = sobol_from_values(y, 3, NAMES, seed=10, n_resamples=199)
    np.testing.assert_array_equal(other.first, one.first)  # same values, same estimate
    assert not np.array_equal(other.first_low, one.first_low)  # another bootstrap stream


def test_constant_outcome_refused() -> None:
    with pytest.raises(ValueError, match="^the outcome does not vary over the design: "):
        sobol_from_values(np.full(8 * 5, 3.5), 3, NAMES, seed=1)
    # Varying only on the AB rows still leaves no variance over A and B to share out.
    y = np.zeros(8 * 5)
    y[20] = 1.0
    with pytest.raises(ValueError, match="^the outcome does not vary over the design: "):
        sobol_from_values(y, 3, NAMES, seed=1)


@pytest.mark.parametrize(
    ("values", "names", "match"),
    [
        (np.ones(8 * 5 + 1), NAMES, "n\\*\\(d\\+2\\)"),
        (np.arange(12 * 5.0), NAMES, "power of 2"),
        (np.r_[np.nan, np.arange(39.0)], NAMES, "finite"),
        (np.arange(40.0), ("x1", "x2"), "expected 3 parameter names"),
    ],
)
def test_bad_values_refused(values, names, match) -> None:
    with pytest.raises(ValueError, match=match):
        sobol_from_values(values, 3, names, seed=1)


# --- figure ----------------------------------------------------------------------------------
def test_bar_chart_writes_png(tmp_path, ishigami_indices: SobolIndices) -> None:
    ix = SobolIndices(
        **{**ishigami_indices.__dict__, "names": ("diplomacy.initial_backing", "a.b", "c")}
    )
    out = sobol_bar_chart(ix, "war_started", tmp_path / "fig" / "sobol.png")
    assert out == tmp_path / "fig" / "sobol.png"
    data = out.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 1000
    assert list(out.parent.iterdir()) == [out]  # no temporary file left behind
