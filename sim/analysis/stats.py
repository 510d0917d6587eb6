"""Interval estimates for replication outputs: means, proportions, paired differences.

Replications of a stochastic simulation are independent draws, so the usual small-sample
intervals apply: Student-t for means, Wilson score for proportions (it stays inside [0, 1] and
keeps its coverage near 0 and 1, where rare outcomes such as war live), and intervals of paired
differences when two scenarios share random numbers replication by replication.

The normal and t quantiles are computed here in closed form rather than with scipy, whose
import costs more than a short run (tests check them against scipy).
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numpy.typing import ArrayLike

NAN = float("nan")
Interval = tuple[float, float, float]

# Acklam's rational approximation of the normal quantile (relative error < 1.2e-9), polished
# by one Halley step on math.erfc to full double precision.
_A = (-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.3577518672690,
      -30.66479806614716, 2.506628277459239)  # fmt: skip
_B = (-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972,
      -13.28068155288572)  # fmt: skip
_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838, -2.549732539343734,
      4.374664141464968, 2.938163982698783)  # fmt: skip
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996, 3.754408661907416)
_P_LOW = 0.02425
# Below this many degrees of freedom the t quantile is solved on the exact CDF; above it the
# Cornish-Fisher expansion to 1/df^4 is within 1e-9 for 1e-6 <= p <= 1 - 1e-6 (tested).
_T_EXACT_BELOW = 300


def _poly(coefs: tuple[float, ...], x: float) -> float:
    out = 0.0
    for c in coefs:
        out = out * x + c
    return out


@functools.cache
def norm_ppf(p: float) -> float:
    """The standard normal quantile: x with P(Z <= x) = p, for 0 < p < 1."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"a probability strictly between 0 and 1 is needed, got {p}")
    if p > 0.5:
        return -norm_ppf(1.0 - p)  # 1 - p is exact here, so the upper tail keeps its digits
    if p < _P_LOW:
        q = math.sqrt(-2.0 * math.log(p))
        x = _poly(_C, q) / (_poly(_D, q) * q + 1.0)
    else:
        q = p - 0.5
        r = q * q
        x = _poly(_A, r) * q / (_poly(_B, r) * r + 1.0)
    e = 0.5 * math.erfc(-x / math.sqrt(2.0)) - p
    u = e * math.sqrt(2.0 * math.pi) * math.exp(x * x / 2.0)
    return x - u / (1.0 + x * u / 2.0)


def _t_two_sided(t: float, df: int) -> float:
    """P(|T| < t) for t >= 0 and whole ``df`` (Abramowitz & Stegun 26.7.3 and 26.7.4)."""
    theta = math.atan(t / math.sqrt(df))
    c2, s = math.cos(theta) ** 2, math.sin(theta)
    if df % 2:  # odd: 2/pi (theta + sin cos (1 + 2/3 cos^2 + 2*4/(3*5) cos^4 + ...))
        term, total = 1.0, 1.0 if df > 1 else 0.0
        for k in range(3, df - 1, 2):
            term *= c2 * (k - 1) / k
            total += term
        return 2.0 / math.pi * (theta + s * math.cos(theta) * total)
    term = total = 1.0  # even: sin (1 + 1/2 cos^2 + 1*3/(2*4) cos^4 + ...)
    for k in range(2, df - 1, 2):
        term *= c2 * (k - 1) / k
        total += term
    return s * total


@functools.cache
def t_ppf(p: float, df: int) -> float:
    """Student's t quantile with whole ``df`` >= 1 degrees of freedom, for 0 < p < 1.

    Closed forms for 1 and 2 degrees of freedom; Newton's method on the exact CDF from a
    Cornish-Fisher start below ``_T_EXACT_BELOW``; the Cornish-Fisher expansion above it.
    Within 1e-9 (relative) of scipy for 1e-6 <= p <= 1 - 1e-6; further out in the tails, where
    the CDF's complement loses digits, within 1e-6."""
    if df != int(df) or df < 1:
        raise ValueError(f"degrees of freedom must be a whole number >= 1, got {df}")
    df = int(df)
    if not 0.0 < p < 1.0:
        raise ValueError(f"a probability strictly between 0 and 1 is needed, got {p}")
    if p < 0.5:
        return -t_ppf(1.0 - p, df)
    if p == 0.5:
        return 0.0
    q = 1.0 - p  # exact for p >= 0.5
    if df == 1:
        return 1.0 / math.tan(math.pi * q)
    if df == 2:
        return (1.0 - 2.0 * q) / math.sqrt(2.0 * q * (1.0 - q))
    z = norm_ppf(p)
    z2 = z * z
    g = (
        (z2 + 1.0) * z / 4.0,
        ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0,
        (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0,
        ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) * z / 92160.0,
    )
    t = z + sum(gk / df ** (k + 1) for k, gk in enumerate(g))
    if df >= _T_EXACT_BELOW:
        return t
    scale = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)
    target = 2.0 * p - 1.0  # P(|T| < t)
    for _ in range(100):
        density = scale * (1.0 + t * t / df) ** (-(df + 1) / 2)
        step = (_t_two_sided(t, df) - target) / (2.0 * density)
        t = t - step if t - step > 0.0 else t / 2.0
        if abs(step) <= 1e-13 * max(1.0, t):
            break
    return t


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"confidence level must lie strictly between 0 and 1, got {level}")


def _z(level: float) -> float:
    return norm_ppf(0.5 + level / 2.0)


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
    half = t_ppf(0.5 + level / 2.0, n - 1) * se
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
    half = t_ppf(0.5 + level / 2.0, z.size - 1) * float(z.std(ddof=1)) / math.sqrt(z.size)
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
    half = t_ppf(0.5 + level / 2.0, z.size - 1) * float(z.std(ddof=1)) / math.sqrt(z.size)
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
