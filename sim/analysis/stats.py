"""Interval estimates for replication outputs: means, proportions, paired differences.

Replications of a stochastic simulation are independent draws, so the usual small-sample
intervals apply: Student-t for means, Wilson score for proportions (it stays inside [0, 1] and
keeps its coverage near 0 and 1, where rare outcomes such as war live), and intervals of paired
differences when two scenarios share random numbers replication by replication.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

NAN = float("nan")
Interval = tuple[float, float, float]


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"confidence level must lie strictly between 0 and 1, got {level}")


def _z(level: float) -> float:
    return float(stats.norm.ppf(0.5 + level / 2.0))


def _finite(x: ArrayLike) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64).ravel()
    return arr[~np.isnan(arr)]


def mean_ci(x: ArrayLike, level: float = 0.95) -> Interval:
    """Sample mean and its Student-t interval; NaNs are dropped.

    With fewer than two values there is no spread to estimate, so the bounds are NaN.
    """
    _check_level(level)
    v = _finite(x)
    n = v.size
    if n == 0:
        return NAN, NAN, NAN
    mean = float(v.mean())
    if n < 2:
        return mean, NAN, NAN
    se = float(v.std(ddof=1)) / math.sqrt(n)
    half = float(stats.t.ppf(0.5 + level / 2.0, n - 1)) * se
    return mean, mean - half, mean + half


def proportion_ci(successes: int, n: int, level: float = 0.95) -> Interval:
    """Proportion ``successes / n`` and its Wilson score interval (NaN when ``n == 0``)."""
    _check_level(level)
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"need 0 <= successes <= n, got successes={successes}, n={n}")
    if n == 0:
        return NAN, NAN, NAN
    p = successes / n
    z = _z(level)
    z2n = z * z / n
    denom = 1.0 + z2n
    centre = (p + z2n / 2.0) / denom
    half = z * math.sqrt(p * (1.0 - p) / n + z2n / (4.0 * n)) / denom
    lo = 0.0 if successes == 0 else max(0.0, centre - half)
    hi = 1.0 if successes == n else min(1.0, centre + half)
    return p, lo, hi


def _paired(x: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(x, dtype=np.float64).ravel()
    b = np.asarray(y, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"paired samples differ in length: {a.size} and {b.size}")
    keep = ~(np.isnan(a) | np.isnan(b))
    return a[keep], b[keep]


def paired_difference_ci(x: ArrayLike, y: ArrayLike, level: float = 0.95) -> Interval:
    """Mean of ``y - x`` with the t-interval of the paired differences (NaN pairs dropped).

    Pairing by replication removes the noise the two scenarios share through common random
    numbers, so this interval is usually much narrower than the unpaired one.
    """
    a, b = _paired(x, y)
    return mean_ci(b - a, level)


def paired_proportion_difference_ci(a: ArrayLike, b: ArrayLike, level: float = 0.95) -> Interval:
    """Difference of proportions ``mean(b) - mean(a)`` for 0/1 outcomes paired by replication.

    Newcombe's (1998) square-and-add score interval for paired data (his method 10): the Wilson
    intervals of the two proportions combined with the estimated correlation between them. The
    correlation is computed as in Newcombe's paper and Fagerland, Lydersen & Laake (2017, ch. 8):
    a positive numerator shrinks by N/2 (and is floored at 0), and it is 0 when a margin is
    empty. It keeps its coverage near 0 and 1, where the Wald interval collapses. NaN pairs are
    dropped; no pairs give NaN.
    """
    _check_level(level)
    x, y = _paired(a, b)
    if not (np.isin(x, (0.0, 1.0)).all() and np.isin(y, (0.0, 1.0)).all()):
        raise ValueError("paired proportions need 0/1 outcomes")
    n = x.size
    if n == 0:
        return NAN, NAN, NAN
    # 2x2 table with the first variable = b (so the estimate is p1 - p2 = mean(b) - mean(a)).
    both = int(np.sum((y == 1) & (x == 1)))
    only_b = int(np.sum((y == 1) & (x == 0)))
    only_a = int(np.sum((y == 0) & (x == 1)))
    neither = n - both - only_b - only_a
    s1, s2 = both + only_b, both + only_a
    p1, l1, u1 = proportion_ci(s1, n, level)
    p2, l2, u2 = proportion_ci(s2, n, level)
    margins = (s1, n - s1, s2, n - s2)
    phi = 0.0
    if min(margins) > 0:
        num = float(both) * neither - float(only_b) * only_a
        if num > n / 2.0:
            num -= n / 2.0
        elif num >= 0.0:
            num = 0.0
        phi = num / math.sqrt(math.prod(float(m) for m in margins))
    d1l, d1u, d2l, d2u = p1 - l1, u1 - p1, p2 - l2, u2 - p2
    diff = p1 - p2
    lo = diff - math.sqrt(max(0.0, d1l**2 - 2.0 * phi * d1l * d2u + d2u**2))
    hi = diff + math.sqrt(max(0.0, d2l**2 - 2.0 * phi * d2l * d1u + d1u**2))
    return diff, max(-1.0, lo), min(1.0, hi)


def _ratio_parts(num: ArrayLike, den: ArrayLike) -> tuple[float, np.ndarray] | None:
    """The ratio of sums Σnum / Σden and each replication's linearised contribution
    (num_i - R den_i) / mean(den), whose mean is 0 and whose spread gives the ratio's standard
    error (the delta method for a ratio estimator); None when Σden is 0."""
    a, n = _paired(num, den)
    total = float(n.sum())
    if a.size == 0 or total <= 0.0:
        return None
    r = float(a.sum()) / total
    return r, (a - r * n) / (total / n.size)


def ratio_ci(num: ArrayLike, den: ArrayLike, level: float = 0.95) -> Interval:
    """A share pooled over replications, Σnum / Σden (e.g. the share of armed events that were
    deliberate), with a t-interval from the delta method, clipped to [0, 1]. Replications add
    weight by their denominators, so one with many armed events counts for more than one with
    few. NaN when Σden is 0."""
    _check_level(level)
    parts = _ratio_parts(num, den)
    if parts is None:
        return NAN, NAN, NAN
    r, z = parts
    if z.size < 2:
        return r, NAN, NAN
    half = (
        float(stats.t.ppf(0.5 + level / 2.0, z.size - 1)) * float(z.std(ddof=1)) / math.sqrt(z.size)
    )
    return r, max(0.0, r - half), min(1.0, r + half)


def paired_ratio_difference_ci(
    num_a: ArrayLike, den_a: ArrayLike, num_b: ArrayLike, den_b: ArrayLike, level: float = 0.95
) -> Interval:
    """Difference of pooled shares ``Σnum_b/Σden_b - Σnum_a/Σden_a`` for replications paired
    by index, with a t-interval from the delta method applied to the paired contributions (so
    the noise common random numbers share cancels). NaN when either share is undefined."""
    _check_level(level)
    pa, pb = _ratio_parts(num_a, den_a), _ratio_parts(num_b, den_b)
    if pa is None or pb is None or pa[1].size != pb[1].size:
        return NAN, NAN, NAN
    d = pb[0] - pa[0]
    z = pb[1] - pa[1]
    if z.size < 2:
        return d, NAN, NAN
    half = (
        float(stats.t.ppf(0.5 + level / 2.0, z.size - 1)) * float(z.std(ddof=1)) / math.sqrt(z.size)
    )
    return d, max(-1.0, d - half), min(1.0, d + half)


def quantile_interval(x: ArrayLike, level: float = 0.9) -> Interval:
    """Median and the central ``level`` interval of the empirical distribution (NaNs dropped).

    This describes the spread of outcomes across replications (a prediction interval for one
    future run), not the uncertainty of an estimate.
    """
    _check_level(level)
    v = _finite(x)
    if v.size == 0:
        return NAN, NAN, NAN
    lo, med, hi = np.quantile(v, [0.5 - level / 2.0, 0.5, 0.5 + level / 2.0])
    return float(med), float(lo), float(hi)
