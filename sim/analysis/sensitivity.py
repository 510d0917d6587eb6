"""Variance-based global sensitivity: Sobol' indices from a Saltelli design run on our engine.

:func:`saltelli_points` gives the n*(d+2) points of the unit cube to evaluate: base samples A
and B (the two halves of one scrambled Sobol' sequence of dimension 2d, as scipy does), then
for each parameter i the matrix AB_i, which is A with column i taken from B. The caller maps
the points to parameter values, runs each point and hands one number per point, in the same
order, to :func:`sobol_from_values`. Point estimates come from
:func:`scipy.stats.sobol_indices` (Saltelli 2010: first-order index from Table 2 (b), total
index from Jansen's formula, Table 2 (f)). Their intervals come from a seeded BCa bootstrap
over the n base rows (row j of A, of B and of every AB_i are resampled together), because
scipy's own ``.bootstrap()`` cannot be seeded; the bootstrap treats the rows as independent,
which is conservative for a scrambled Sobol' sample. The same seed gives identical results.

The indices are those of the mean outcome at each point. That mean carries replication noise,
whose variance (about sigma^2 / R with R replications per point) adds to the variance the
indices share out: the noise acts like one more input interacting with every parameter, so
first-order indices are diluted and total indices inflated. An inert parameter's total index
is thus about the noise's share of the variance instead of 0, a small positive bias that
shrinks as R grows (common random numbers across points, which correlate the noise between
points, reduce it too).
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.stats import qmc

_BATCH_ELEMENTS = 2**21  # values gathered per bootstrap batch (~16 MB per float64 array)
_BELOW_ONE = np.nextafter(1.0, 0.0)


def _check_design(d: int, n: int) -> None:
    if isinstance(d, bool) or not isinstance(d, numbers.Integral) or d < 1:
        raise ValueError(f"the number of parameters d must be an integer >= 1, got {d!r}")
    if (
        isinstance(n, bool)
        or not isinstance(n, numbers.Integral)
        or n < 2
        or (int(n) & (int(n) - 1)) != 0
    ):
        raise ValueError(
            f"the number of base samples n must be a power of 2 (2, 4, 8, ...) for the "
            f"balance of Sobol' points, got {n!r}"
        )


def saltelli_points(d: int, n: int, seed: int) -> np.ndarray:
    """The n*(d+2) unit-cube points of a Saltelli design, shape ``(n*(d+2), d)``.

    Rows in order: the n rows of A, the n rows of B, then for i = 0..d-1 the n rows of AB_i
    (A with column i taken from B). A and B are the first and last d columns of the first n
    points of one scrambled Sobol' sequence of dimension 2d seeded with ``seed``, drawn exactly
    as :func:`scipy.stats.sobol_indices` draws them (64-bit sequence), so the same seed gives
    scipy's sample.
    """
    _check_design(d, n)
    d, n = int(d), int(n)
    engine = qmc.Sobol(d=2 * d, scramble=True, bits=64, rng=np.random.default_rng(seed))
    sample = engine.random_base2(int(math.log2(n)))
    # With 64 bits a coordinate within 2**-54 of 1 would round to 1.0: keep the cube half-open.
    sample = np.minimum(sample, _BELOW_ONE)
    a, b = sample[:, :d], sample[:, d:]
    blocks = [a, b]
    for i in range(d):
        ab = a.copy()
        ab[:, i] = b[:, i]
        blocks.append(ab)
    return np.concatenate(blocks, axis=0)


@dataclass(frozen=True, eq=False)
class SobolIndices:
    """First-order and total Sobol' indices per parameter, with bootstrap intervals."""

    names: tuple[str, ...]
    first: np.ndarray
    first_low: np.ndarray
    first_high: np.ndarray
    total: np.ndarray
    total_low: np.ndarray
    total_high: np.ndarray
    n: int  # base samples
    confidence: float
    variance: float  # output variance used (over the base samples A and B)


def _split(values: np.ndarray, d: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """f_A, f_B of shape (n,) and f_AB of shape (d, n) from values in design order."""
    return values[:n], values[n : 2 * n], values[2 * n :].reshape(d, n)


def _saltelli_2010(f_a: np.ndarray, f_b: np.ndarray, f_ab: np.ndarray) -> np.ndarray:
    """First-order then total indices, shape (2d, ...), as scipy's ``saltelli_2010`` computes them.

    ``f_a`` and ``f_b`` have shape (..., m) and ``f_ab`` (d, ..., m). As in scipy the outputs
    are centred on the mean over A and B, the variance is that of A and B together, and an
    index whose variance is 0 is 0.
    """
    ab = np.stack([f_a, f_b])
    mean = np.mean(ab, axis=(0, -1))[..., np.newaxis]
    f_a, f_b, f_ab = f_a - mean, f_b - mean, f_ab - mean
    var = np.var(ab, axis=(0, -1))
    with np.errstate(divide="ignore", invalid="ignore"):
        first = np.mean(f_b * (f_ab - f_a), axis=-1) / var
        total = 0.5 * np.mean((f_a - f_ab) ** 2, axis=-1) / var
    out = np.concatenate([first, total], axis=0)
    out[~np.isfinite(out)] = 0.0
    return out


def _frozen(x: np.ndarray) -> np.ndarray:
    arr = np.array(x, dtype=np.float64)
    arr.setflags(write=False)
    return arr


def sobol_from_values(
    values: np.ndarray,
    d: int,
    names: Sequence[str],
    *,
    seed: int,
    confidence: float = 0.95,
    n_resamples: int = 999,
) -> SobolIndices:
    """Sobol' indices of the outcome ``values`` at ``saltelli_points(d, n, seed)``, in order.

    ``values`` has length n*(d+2). The intervals come from a BCa bootstrap over the n base rows
    (``n_resamples`` resamples from a stream spawned from ``seed``); where BCa is undefined,
    e.g. for an index that is the same in every resample, the percentile interval is used.
    Raises ``ValueError`` if the outcome does not vary over the design.
    """
    _check_design(d, 2)
    d = int(d)
    names = tuple(str(x) for x in names)
    if len(names) != d:
        raise ValueError(f"expected {d} parameter names, got {len(names)}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence}")
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, numbers.Integral):
        raise ValueError(f"n_resamples must be a positive integer, got {n_resamples!r}")
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be a positive integer, got {n_resamples!r}")
    y = np.asarray(values, dtype=np.float64)
    if y.ndim != 1 or y.size % (d + 2) != 0:
        raise ValueError(
            f"expected one value per design point, n*(d+2) = n*{d + 2} values in a 1-D array, "
            f"got shape {y.shape}"
        )
    n = y.size // (d + 2)
    _check_design(d, n)
    if not np.all(np.isfinite(y)):
        bad = int(np.flatnonzero(~np.isfinite(y))[0])
        raise ValueError(f"the outcome must be finite at every point; point {bad} gives {y[bad]}")
    if np.all(y == y[0]):
        raise ValueError(
            f"the outcome does not vary over the design: all {y.size} points give {y[0]:g}, "
            "so there is no variance to apportion"
        )
    f_a, f_b, f_ab = _split(y, d, n)
    variance = float(np.var(np.stack([f_a, f_b])))
    if not variance > 0.0:
        raise ValueError(
            f"the outcome does not vary over the design: all {2 * n} base points (A and B) "
            f"give {f_a[0]:g}, so the indices are undefined"
        )

    res = stats.sobol_indices(
        func={"f_A": f_a[np.newaxis], "f_B": f_b[np.newaxis], "f_AB": f_ab[:, np.newaxis]},
        n=n,
    )
    first = np.atleast_1d(np.asarray(res.first_order, dtype=np.float64)).reshape(d)
    total = np.atleast_1d(np.asarray(res.total_order, dtype=np.float64)).reshape(d)

    def statistic(idx: np.ndarray, axis: int = -1) -> np.ndarray:
        # idx: (..., m) base-row indices; the same rows of A, B and every AB_i go together.
        return _saltelli_2010(f_a[idx], f_b[idx], f_ab[:, idx])

    boot_rng = np.random.default_rng(seed).spawn(1)[0]  # apart from the design's scrambling
    common = dict(
        statistic=statistic,
        vectorized=True,
        confidence_level=confidence,
        batch=max(1, _BATCH_ELEMENTS // ((d + 2) * n)),
    )
    with warnings.catch_warnings():
        # BCa is NaN for a degenerate bootstrap distribution; those entries are redone below.
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        boot = stats.bootstrap(
            (np.arange(n),), n_resamples=n_resamples, method="BCa", rng=boot_rng, **common
        )
    low = np.array(boot.confidence_interval.low, dtype=np.float64)
    high = np.array(boot.confidence_interval.high, dtype=np.float64)
    undefined = np.isnan(low) | np.isnan(high)
    if undefined.any():
        pct = stats.bootstrap(
            (np.arange(n),),
            n_resamples=0,
            method="percentile",
            bootstrap_result=boot,
            rng=np.random.default_rng(0),  # draws nothing: reuses ``boot``'s resamples
            **common,
        )
        low[undefined] = np.asarray(pct.confidence_interval.low)[undefined]
        high[undefined] = np.asarray(pct.confidence_interval.high)[undefined]

    return SobolIndices(
        names=names,
        first=_frozen(first),
        first_low=_frozen(low[:d]),
        first_high=_frozen(high[:d]),
        total=_frozen(total),
        total_low=_frozen(low[d:]),
        total_high=_frozen(high[d:]),
        n=n,
        confidence=float(confidence),
        variance=variance,
    )


def sobol_rows(ix: SobolIndices) -> list[dict]:
    """One row per parameter: its name, first-order and total index with interval bounds."""
    return [
        {
            "parameter": name,
            "first_order": float(ix.first[k]),
            "first_low": float(ix.first_low[k]),
            "first_high": float(ix.first_high[k]),
            "total_order": float(ix.total[k]),
            "total_low": float(ix.total_low[k]),
            "total_high": float(ix.total_high[k]),
        }
        for k, name in enumerate(ix.names)
    ]
