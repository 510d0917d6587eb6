"""Prior distributions of uncertain parameters, as a scenario's ``[priors]`` table states them.

A prior is keyed by a parameter's dotted path and is one of four families, always with
finite bounds so that a fit explores a bounded box:

- ``uniform`` on [low, high];
- ``loguniform`` on [low, high] (low > 0): uniform in the logarithm, for rates known only to
  an order of magnitude;
- ``normal`` with ``mean`` and ``sd``, truncated to [low, high];
- ``beta`` with shapes ``a`` and ``b``, stretched from [0, 1] to [low, high].

A fit works in "working" coordinates: the logarithm for a log-uniform prior, the value itself
otherwise. There the prior of a log-uniform parameter is flat, and perturbation kernels
move rates by factors rather than by amounts.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

DISTRIBUTIONS = {
    "uniform": ("low", "high"),
    "loguniform": ("low", "high"),
    "normal": ("mean", "sd", "low", "high"),
    "beta": ("a", "b", "low", "high"),
}
# Keys a prior's inline table may hold, and those each family requires.
PRIOR_KEYS = ("dist", "low", "high", "mean", "sd", "a", "b")


@dataclass(frozen=True)
class Prior:
    """The prior of the parameter at ``path`` (checked by the loader; see module docstring)."""

    path: str
    dist: str
    low: float
    high: float
    mean: float | None = None
    sd: float | None = None
    a: float | None = None
    b: float | None = None

    def problem(self) -> str | None:
        """What is wrong with the numbers, in a phrase, or None when they make a prior."""
        finite = all(math.isfinite(v) for v in (self.low, self.high))
        if not finite or not self.low < self.high:
            return "needs finite bounds with low < high"
        if self.dist == "loguniform" and self.low <= 0:
            return "a log-uniform prior needs low > 0"
        if self.dist == "normal":
            if self.mean is None or self.sd is None or not self.sd > 0:
                return "a normal prior needs mean and sd > 0"
            if not math.isfinite(self.mean) or not math.isfinite(self.sd):
                return "a normal prior needs a finite mean and sd"
        if self.dist == "beta" and not (
            self.a is not None and self.b is not None and self.a > 0 and self.b > 0
        ):
            return "a beta prior needs shapes a > 0 and b > 0"
        return None

    @functools.cached_property
    def _scipy(self) -> Any:
        """The scipy distribution of the value (imported lazily: scipy is slow to import)."""
        from scipy import stats

        lo, hi = self.low, self.high
        if self.dist == "uniform":
            return stats.uniform(lo, hi - lo)
        if self.dist == "loguniform":
            return stats.loguniform(lo, hi)
        if self.dist == "normal":
            assert self.mean is not None and self.sd is not None
            return stats.truncnorm(
                (lo - self.mean) / self.sd, (hi - self.mean) / self.sd, self.mean, self.sd
            )
        return stats.beta(self.a, self.b, lo, hi - lo)

    # --- the value ---------------------------------------------------------------------------
    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Values at prior quantiles ``u`` in [0, 1] (how a design in the unit cube is mapped)."""
        x = np.asarray(self._scipy.ppf(np.clip(u, 0.0, 1.0)), dtype=np.float64)
        return np.clip(x, self.low, self.high)

    def cdf(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self._scipy.cdf(x), dtype=np.float64)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.ppf(rng.random(n))

    def contains(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        return (x >= self.low) & (x <= self.high)

    # --- working coordinates -----------------------------------------------------------------
    def to_work(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        return np.log(x) if self.dist == "loguniform" else x

    def from_work(self, z: np.ndarray) -> np.ndarray:
        z = np.asarray(z, dtype=np.float64)
        return np.exp(z) if self.dist == "loguniform" else z

    def logpdf_work(self, z: np.ndarray) -> np.ndarray:
        """Log density of the working coordinate (-inf outside the bounds)."""
        z = np.asarray(z, dtype=np.float64)
        x = self.from_work(z)
        if self.dist == "loguniform":  # flat in log x
            # bounds compared in log x: exp(log(high)) may round above high
            lo, hi = math.log(self.low), math.log(self.high)
            inside = (z >= lo) & (z <= hi)
            width = hi - lo
            return np.where(inside, -math.log(width), -np.inf)
        with np.errstate(divide="ignore"):
            return np.where(self.contains(x), self._scipy.logpdf(x), -np.inf)

    def describe(self) -> str:
        """The prior in a few words, as docs and tables show it."""
        lo, hi = f"{self.low:.6g}", f"{self.high:.6g}"
        if self.dist == "normal":
            return f"normal({self.mean:.6g}, sd {self.sd:.6g}) on [{lo}, {hi}]"
        if self.dist == "beta":
            return f"beta({self.a:.6g}, {self.b:.6g}) on [{lo}, {hi}]"
        return f"{self.dist} [{lo}, {hi}]"

    def to_table(self) -> dict[str, Any]:
        """The inline table that writes this prior back to a scenario file."""
        keys = ("dist", *DISTRIBUTIONS[self.dist])
        return {k: getattr(self, k) for k in keys}


class PriorSet:
    """Several priors side by side: vectors of parameters are rows, in the order given."""

    def __init__(self, priors: Sequence[Prior]) -> None:
        self.priors = tuple(priors)
        self.paths = [p.path for p in self.priors]

    def __len__(self) -> int:
        return len(self.priors)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        u = np.atleast_2d(u)
        return np.column_stack([p.ppf(u[:, j]) for j, p in enumerate(self.priors)])

    def cdf(self, x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(x)
        return np.column_stack([p.cdf(x[:, j]) for j, p in enumerate(self.priors)])

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.ppf(rng.random((n, len(self))))

    def to_work(self, x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(x)
        return np.column_stack([p.to_work(x[:, j]) for j, p in enumerate(self.priors)])

    def from_work(self, z: np.ndarray) -> np.ndarray:
        z = np.atleast_2d(z)
        return np.column_stack([p.from_work(z[:, j]) for j, p in enumerate(self.priors)])

    def logpdf_work(self, z: np.ndarray) -> np.ndarray:
        z = np.atleast_2d(z)
        return np.sum([p.logpdf_work(z[:, j]) for j, p in enumerate(self.priors)], axis=0)

    def contains(self, x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(x)
        return np.all([p.contains(x[:, j]) for j, p in enumerate(self.priors)], axis=0)
