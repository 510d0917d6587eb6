"""Kaplan-Meier curves of the time to each escalation rung, with pointwise 95% bands.

A replication "reaches rung k" at its first event of rung >= k. Replications that never reach it
are right-censored at the horizon, not dropped: dropping them would bias the times low. A run
that ends early in war has reached every rung by then, so censoring only ever happens at the
horizon. The estimator and its log-log ("exponential Greenwood") band are computed here, as
:func:`scipy.stats.ecdf` computes them (the tests compare the two), without importing scipy.

Where the log-log band is undefined (S = 1 before any event, S = 0 once every replication has
had the event) we use the exact Clopper-Pearson bound instead: with censoring only at the
horizon the number still event-free at t is Binomial(n, S(t)), so zero events among n gives
``S >= (alpha/2) ** (1/n)`` and zero survivors gives ``S <= 1 - (alpha/2) ** (1/n)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike

from sim.analysis.stats import norm_ppf
from sim.model.events import RUNGS
from sim.model.result import ReplicationResult

NAN = float("nan")
TOP_RUNG = len(RUNGS) - 1
ROW_FIELDS = ("scenario", "rung", "day", "survival", "ci_lo", "ci_hi", "reached")
SUMMARY_FIELDS = (
    "scenario",
    "rung",
    "rung_name",
    "n",
    "reached",
    "p_reached",
    "p_reached_lo",
    "p_reached_hi",
    "median_day",
    "median_day_lo",
    "median_day_hi",
)


def first_days(results: Sequence[ReplicationResult]) -> np.ndarray:
    """The (n, 7) array of outcomes ``first_day_rung_1..7`` (NaN where never or missing)."""
    keys = [f"first_day_rung_{k}" for k in range(1, TOP_RUNG + 1)]
    rows = [[r.outcomes.get(key, NAN) for key in keys] for r in results]
    return np.array(rows, dtype=np.float64).reshape(len(rows), TOP_RUNG)


def time_to_rung(first_days: np.ndarray, k: int) -> np.ndarray:
    """Time of the first event of rung >= ``k``: NaN-aware min of columns k..7 (NaN = never).

    ``first_days`` is (n, 7): column j - 1 holds the first day of an event of exactly rung j.
    """
    arr = np.asarray(first_days, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != TOP_RUNG:
        raise ValueError(f"first_days must have shape (n, {TOP_RUNG}), got {arr.shape}")
    if not 1 <= k <= TOP_RUNG:
        raise ValueError(f"rung k must be in 1..{TOP_RUNG}, got {k}")
    return np.fmin.reduce(arr[:, k - 1 :], axis=1)


@dataclass(frozen=True)
class SurvivalCurve:
    """Right-continuous step function S(t) = P(rung not yet reached by day t), 0 <= t <= horizon.

    Row i holds S on [time[i], time[i+1]); ``time[0] == 0``. ``at_risk[i]`` counts replications
    not yet reached just before ``time[i]`` and ``events[i]`` those reaching it at ``time[i]``
    (rows with no events mark censoring at the horizon, or the prepended time 0).
    """

    time: np.ndarray
    survival: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    at_risk: np.ndarray
    events: np.ndarray
    n: int
    n_events: int
    horizon: float
    confidence: float = 0.95

    @property
    def median(self) -> float:
        """First day S <= 0.5 (NaN if the curve never gets there)."""
        return _first_crossing(self.time, self.survival)

    @property
    def median_interval(self) -> tuple[float, float]:
        """Interval for the median: the days the band's lower and upper edges reach 0.5.

        The usual band-inversion rule (as in R's survfit); NaN means unbounded within the horizon.
        """
        return _first_crossing(self.time, self.lo), _first_crossing(self.time, self.hi)

    def evaluate(self, t: ArrayLike) -> np.ndarray:
        """S at days ``t``: 1 before day 0, NaN beyond the horizon (unobserved)."""
        return self._step(self.survival, t)

    def band(self, t: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """The pointwise band (lo, hi) at days ``t``, with the same conventions as evaluate."""
        return self._step(self.lo, t), self._step(self.hi, t)

    def on_grid(self, step: float = 1.0) -> SurvivalCurve:
        """The curve read at days 0, step, 2*step, ... below the horizon: a few hundred points
        for plotting, however many replications (and steps) the full curve has. Each event is
        counted at the grid point it falls on or after, so ``events`` and ``at_risk`` add up."""
        grid = np.arange(0.0, self.horizon, step)
        lo, hi = self.band(grid)
        reached = np.r_[0, np.cumsum(self.events)][np.searchsorted(self.time, grid, side="right")]
        before = np.r_[0, reached[:-1]]
        return replace(
            self,
            time=grid,
            survival=self.evaluate(grid),
            lo=lo,
            hi=hi,
            at_risk=self.n - before,
            events=reached - before,
        )

    def std_err(self) -> np.ndarray:
        """Greenwood standard error of S at each row (0 where S is 0; for checks and tables)."""
        n, d = self.at_risk.astype(float), self.events.astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(d > 0, d / (n * (n - d)), 0.0)
            var = self.survival**2 * np.cumsum(terms)
        return np.sqrt(np.where(self.survival > 0, var, 0.0))

    def _step(self, values: np.ndarray, t: ArrayLike) -> np.ndarray:
        x = np.asarray(t, dtype=np.float64)
        idx = np.searchsorted(self.time, x, side="right") - 1
        out = np.where(idx >= 0, values[np.clip(idx, 0, None)], 1.0)
        return np.where((x > self.horizon) | np.isnan(x), NAN, out)


def _first_crossing(time: np.ndarray, values: np.ndarray) -> float:
    hit = np.flatnonzero(values <= 0.5)
    return float(time[hit[0]]) if hit.size else NAN


def _check_times(times: np.ndarray, horizon: float) -> None:
    if not (math.isfinite(horizon) and horizon > 0):
        raise ValueError(f"horizon must be a positive finite number of days, got {horizon}")
    if times.ndim != 1:
        raise ValueError(f"times must be one-dimensional, got shape {times.shape}")
    if times.size == 0:
        raise ValueError("no replications: cannot estimate a survival curve from n = 0")
    seen = times[~np.isnan(times)]
    if np.any(seen < 0):
        raise ValueError(f"times must be >= 0 days, got minimum {seen.min()}")
    if np.any(seen > horizon):
        raise ValueError(
            f"times must not exceed the horizon ({horizon} days), got maximum {seen.max()}"
        )


def kaplan_meier(times: ArrayLike, horizon: float, confidence: float = 0.95) -> SurvivalCurve:
    """Kaplan-Meier curve of ``times`` (NaN = not reached, censored at ``horizon``).

    Band: the log-log interval (stays inside [0, 1]); Clopper-Pearson where S is 0 or 1 (see
    the module docstring). Raises ValueError on n = 0, negative times or times beyond the horizon.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence}")
    t = np.asarray(times, dtype=np.float64)
    horizon = float(horizon)
    _check_times(t, horizon)
    n = int(t.size)
    observed = t[~np.isnan(t)]
    censored = np.full(n - observed.size, horizon)
    q, s, lo, hi = _estimate(observed, censored, confidence)
    # counts at each distinct time by binary search (linear in n, not n times the steps)
    ordered = np.sort(observed)
    before = np.searchsorted(ordered, q, side="left")
    at_risk = (observed.size - before + censored.size).astype(int)
    events = (np.searchsorted(ordered, q, side="right") - before).astype(int)
    if q[0] > 0:  # S(0) = 1 with everyone at risk, unless something happened on day 0
        q, s = np.r_[0.0, q], np.r_[1.0, s]
        lo, hi = np.r_[NAN, lo], np.r_[NAN, hi]
        at_risk, events = np.r_[n, at_risk], np.r_[0, events]
    bound = (0.5 - confidence / 2.0) ** (1.0 / n)  # exact zero-count bound, see module doc
    lo = np.where(s >= 1.0, bound, np.where(s <= 0.0, 0.0, lo))
    hi = np.where(s >= 1.0, 1.0, np.where(s <= 0.0, 1.0 - bound, hi))
    return SurvivalCurve(
        time=q,
        survival=s,
        lo=np.minimum(lo, s),
        hi=np.maximum(hi, s),
        at_risk=at_risk,
        events=events,
        n=n,
        n_events=int(observed.size),
        horizon=horizon,
        confidence=confidence,
    )


def _estimate(
    observed: np.ndarray, censored: np.ndarray, confidence: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Distinct times, S at them and the log-log band, as ``scipy.stats.ecdf`` gives them:
    ``1 - cdf`` without censoring, else the product of ``(n - d) / n`` (events at a time come
    before the censorings there); the band is NaN where it is undefined (S = 0 or 1)."""
    both = np.concatenate((observed, censored))
    order = np.argsort(both, kind="stable")
    times = both[order]
    died = np.concatenate((np.ones(observed.size, int), np.zeros(censored.size, int)))[order]
    first = np.diff(times, prepend=-np.inf) > 0  # first of each distinct time
    last = np.diff(times, append=np.inf) > 0
    q = times[first]
    at_risk = np.arange(times.size, 0, -1)[first]
    d = np.diff(np.cumsum(died)[last], prepend=0)
    if censored.size == 0:
        s = 1.0 - np.cumsum(d) / times.size
    else:
        s = np.cumprod((at_risk - d) / at_risk)
    z = norm_ppf(0.5 + confidence / 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(1.0 / np.log(s) ** 2 * np.cumsum(d / (at_risk * (at_risk - d))))
        loglog = np.log(-np.log(s))
        lo = np.exp(-np.exp(loglog + z * se))
        hi = np.exp(-np.exp(loglog - z * se))
    return q, s, np.clip(lo, 0.0, 1.0), np.clip(hi, 0.0, 1.0)


def survival_rows(scenario: str, rung: int, curve: SurvivalCurve) -> list[dict[str, object]]:
    """CSV-ready rows on a daily grid, day 0 to the horizon (columns :data:`ROW_FIELDS`):
    S and its band at the day, replications still at risk there, and how many had reached the
    rung by then. A grid rather than every step keeps the table's size independent of n."""
    days = np.arange(0.0, np.floor(curve.horizon) + 1.0)
    lo, hi = curve.band(days)
    idx = np.searchsorted(curve.time, days, side="right") - 1
    reached = np.cumsum(curve.events)[idx]
    return [
        {
            "scenario": scenario,
            "rung": rung,
            "day": int(d),
            "survival": float(sv),
            "ci_lo": float(a),
            "ci_hi": float(b),
            "reached": int(r),
        }
        for d, sv, a, b, r in zip(days, curve.evaluate(days), lo, hi, reached, strict=True)
    ]


def survival_summary(scenario: str, rung: int, curve: SurvivalCurve) -> dict[str, object]:
    """One row: n, how many reached the rung, P(reached by the horizon) with its interval, and
    the median day with its interval (NaN where not reached / unbounded)."""
    s, lo, hi = (
        float(v[0]) for v in (curve.evaluate([curve.horizon]), *curve.band([curve.horizon]))
    )
    med_lo, med_hi = curve.median_interval
    return {
        "scenario": scenario,
        "rung": rung,
        "rung_name": RUNGS[rung] if 0 <= rung < len(RUNGS) else "",
        "n": curve.n,
        "reached": curve.n_events,
        "p_reached": 1.0 - s,
        "p_reached_lo": 1.0 - hi,
        "p_reached_hi": 1.0 - lo,
        "median_day": curve.median,
        "median_day_lo": med_lo,
        "median_day_hi": med_hi,
    }
