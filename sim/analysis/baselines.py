"""Naive baseline forecasts a model must beat: persistence (the record's own past) and
climatology (long-run rates from before the record, ``sim/data/climatology.csv``).

Each forecast has a mean and scores an outcome by CRPS (for a 0/1 outcome the CRPS is the Brier
score). Counts are Poisson; P(any exchange of fire) is a probability; the highest rung is a
distribution on the rungs 0..7.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.analysis.record import DATA
from sim.analysis.scoring import crps_binary, crps_pmf, crps_poisson
from sim.model.events import FIRST_ARMED_RUNG, RUNGS, TYPE_NAMES

CLIMATOLOGY_PATH = DATA / "climatology.csv"
ANY_FIRE = "any_fire"
TOP_RUNG = len(RUNGS) - 1


@dataclass(frozen=True)
class PoissonForecast:
    """A count forecast: Poisson with mean ``lam``."""

    lam: float

    @property
    def mean(self) -> float:
        return self.lam

    def crps(self, y: int) -> float:
        return crps_poisson(self.lam, y)


@dataclass(frozen=True)
class BinaryForecast:
    """The probability ``p`` of a 0/1 outcome."""

    p: float

    @property
    def mean(self) -> float:
        return self.p

    def crps(self, y: int) -> float:
        return crps_binary(self.p, y)


@dataclass(frozen=True)
class RungForecast:
    """A distribution on the rungs 0..7 (``pmf[k]`` = P(highest rung = k))."""

    pmf: tuple[float, ...]

    @property
    def mean(self) -> float:
        return float(np.dot(np.arange(len(self.pmf)), self.pmf))

    def crps(self, y: int) -> float:
        return crps_pmf(self.pmf, y)


Forecast = PoissonForecast | BinaryForecast | RungForecast


# --- persistence -------------------------------------------------------------------------------
def persistence_count(rate_per_day: float, days: int) -> PoissonForecast:
    """The pre-window rate carried on: Poisson(rate x days)."""
    return PoissonForecast(rate_per_day * days)


def persistence_rung(monthly_rungs: Sequence[int], months: int) -> RungForecast:
    """The highest rung over ``months`` months, each month's highest rung drawn independently
    from the pre-window months' highest rungs: F(r) = F_month(r) ** months."""
    if not monthly_rungs:
        raise ValueError("no pre-window months")
    counts = np.bincount(np.asarray(monthly_rungs, dtype=int), minlength=TOP_RUNG + 1)
    cdf = np.cumsum(counts) / counts.sum()
    cdf = cdf**months
    return RungForecast(tuple(np.diff(cdf, prepend=0.0).tolist()))


def persistence_fire(monthly_rungs: Sequence[int], months: int) -> BinaryForecast:
    """P(any exchange of fire) in ``months`` months from the pre-window share of months with
    one (the same forecast as :func:`persistence_rung`'s P(rung >= 4))."""
    f = persistence_rung(monthly_rungs, months)
    return BinaryForecast(float(sum(f.pmf[FIRST_ARMED_RUNG:])))


# --- climatology -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Climatology:
    """One row of ``climatology.csv``: a long-run rate per day and where it comes from."""

    quantity: str  # a model event type, or "any_fire"
    rate: float  # per day
    count: int
    days: int
    period: str
    source: str
    derivation: str

    def count_forecast(self, days: int) -> PoissonForecast:
        return PoissonForecast(self.rate * days)

    def fire_forecast(self, days: int) -> BinaryForecast:
        """P(at least one) in ``days`` days of a Poisson process with this rate."""
        return BinaryForecast(1.0 - math.exp(-self.rate * days))


def load_climatology(path: str | Path | None = None) -> dict[str, Climatology]:
    """The climatology rates by quantity (lines starting with '#' are comments). The rate must
    be count / days: the file says how it was derived and the check keeps it honest."""
    path = Path(path) if path is not None else CLIMATOLOGY_PATH
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    out = {}
    for row in csv.DictReader(lines):
        q = row["quantity"]
        if q != ANY_FIRE and q not in TYPE_NAMES:
            raise ValueError(f"{path}: unknown quantity {q!r}")
        if row["unit"] != "per day":
            raise ValueError(f"{path}: {q}: the unit must be 'per day'")
        c = Climatology(
            q,
            float(row["rate"]),
            int(row["count"]),
            int(row["days"]),
            row["period"],
            row["source"],
            row["derivation"],
        )
        if not math.isclose(c.rate, c.count / c.days, rel_tol=1e-6):
            raise ValueError(f"{path}: {q}: rate {c.rate} is not count / days")
        out[q] = c
    return out
