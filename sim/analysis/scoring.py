"""Proper scores of probabilistic forecasts: CRPS, RPS, Brier, the PIT and skill scores.

Pure numpy/scipy functions of a forecast (a sample of replications, a Poisson rate, a pmf on
0..K or a probability) and the observed value. Integer outcomes start at 0. References:
Gneiting & Raftery (2007), JASA 102(477): 359-378 (CRPS, kernel form); Wei & Held (2014), TEST
23: 787-805 (the Poisson CRPS in closed form); Czado, Gneiting & Held (2009), Biometrics 65:
1254-1261 (PIT of count forecasts).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from scipy import special, stats


def _sample(x: ArrayLike) -> np.ndarray:
    v = np.asarray(x, dtype=np.float64).ravel()
    if v.size == 0 or not np.all(np.isfinite(v)):
        raise ValueError("a forecast sample needs at least one value, all finite")
    return v


# --- CRPS --------------------------------------------------------------------------------------
def crps_sample(x: ArrayLike, y: float) -> float:
    """CRPS of the empirical distribution of the sample ``x`` at the outcome ``y``.

    The exact CRPS of that distribution, E|X - y| - E|X - X'|/2 with X, X' drawn independently
    from the sample (pairs of a value with itself included), in O(n log n): for the sorted
    sample, the sum of |x_i - x_j| over all pairs is 2 * sum_i (2i - n - 1) x_(i).
    """
    v = np.sort(_sample(x))
    n = v.size
    i = np.arange(1, n + 1, dtype=np.float64)
    spread = float(np.dot(2.0 * i - n - 1.0, v)) / (n * n)  # E|X - X'| / 2
    return max(0.0, float(np.mean(np.abs(v - y))) - spread)


def crps_point(x: float, y: float) -> float:
    """CRPS of a point forecast (all mass on ``x``): |x - y|."""
    return abs(float(x) - float(y))


def crps_pmf(pmf: ArrayLike, y: int) -> float:
    """CRPS of a forecast on the integers 0..K (``pmf[k]`` = P(k)) at the integer ``y``:
    sum over k of (F(k) - 1{k >= y})^2, exact (F is 1 from K on)."""
    p = np.asarray(pmf, dtype=np.float64)
    top = max(p.size - 1, int(y))
    cdf = np.ones(top + 1)
    cdf[: p.size] = np.minimum(np.cumsum(p), 1.0)
    k = np.arange(top + 1)
    return float(np.sum((cdf - (k >= y)) ** 2))


def crps_poisson(lam: float, y: int) -> float:
    """CRPS of a Poisson(``lam``) forecast at the integer ``y``, in closed form (Wei & Held
    2014): (y - lam)(2F(y) - 1) + 2 lam f(y) - lam e^(-2 lam) (I0(2 lam) + I1(2 lam))."""
    if lam < 0 or not math.isfinite(lam):
        raise ValueError(f"a Poisson rate must be finite and >= 0, not {lam}")
    if lam == 0.0:
        return crps_point(0.0, y)
    f, cdf = stats.poisson.pmf(y, lam), stats.poisson.cdf(y, lam)
    bessel = special.i0e(2.0 * lam) + special.i1e(2.0 * lam)  # e^(-2 lam) (I0 + I1)
    return max(0.0, float((y - lam) * (2.0 * cdf - 1.0) + 2.0 * lam * f - lam * bessel))


def crps_poisson_sum(lam: float, y: int) -> float:
    """CRPS of a Poisson(``lam``) forecast by exact summation over its pmf (a check on
    :func:`crps_poisson`; the tail beyond the last term is below 1e-15)."""
    top = int(max(y, lam + 12.0 * math.sqrt(lam) + 40.0))
    return crps_pmf(stats.poisson.pmf(np.arange(top + 1), lam), y)


def crps_binary(p: float, y: int) -> float:
    """CRPS of a forecast probability ``p`` of a 0/1 outcome: (p - y)^2, the Brier score."""
    return brier(p, y)


# --- RPS and Brier ---------------------------------------------------------------------------
def rps_sample(x: ArrayLike, y: int, top: int) -> float:
    """Ranked probability score of the sample ``x`` over the integer outcomes 0..``top``:
    sum over k < top of (F(k) - 1{y <= k})^2, not divided by the number of categories; for
    integer outcomes it equals the CRPS. ``top`` must cover the sample and ``y``."""
    v = _sample(x)
    if top < max(float(v.max()), float(y)):
        raise ValueError(f"top = {top} does not cover the sample and the outcome")
    k = np.arange(top)
    cdf = np.searchsorted(np.sort(v), k, side="right") / v.size
    return float(np.sum((cdf - (y <= k)) ** 2))


def brier(p: float, y: int) -> float:
    """Brier score of the probability ``p`` of a 0/1 outcome ``y``."""
    return (float(p) - float(y)) ** 2


# --- PIT ---------------------------------------------------------------------------------------
def pit_bounds(x: ArrayLike, y: float) -> tuple[float, float]:
    """F(y-) and F(y) of the sample ``x``: for integer outcomes F(y - 1) and F(y)."""
    v = _sample(x)
    return float(np.mean(v < y)), float(np.mean(v <= y))


def mid_pit(x: ArrayLike, y: float) -> float:
    """The mid-PIT (F(y - 1) + F(y)) / 2 of a count forecast; its mean is 1/2 when the forecast
    is calibrated, though it is not uniform."""
    lo, hi = pit_bounds(x, y)
    return 0.5 * (lo + hi)


def randomised_pit(lo: float, hi: float, u: float) -> float:
    """The randomised PIT: a uniform draw (``u`` in [0, 1)) between F(y - 1) and F(y), exactly
    uniform when the forecast is calibrated."""
    return lo + u * (hi - lo)


# --- skill -------------------------------------------------------------------------------------
def skill(score: float, reference: float) -> float:
    """Skill against a reference: 1 - score / reference (1 perfect, 0 no better, < 0 worse).

    NaN when either score is NaN (no reference). When the reference scored 0 (it was exact):
    0 if the score is 0 too (0/0: no difference), -inf otherwise (the reference was exact and
    the forecast was not, so no finite ratio says how much worse)."""
    if math.isnan(score) or math.isnan(reference):
        return math.nan
    if reference == 0.0:
        return 0.0 if score == 0.0 else -math.inf
    return 1.0 - score / reference
