"""History matching in waves (Andrianakis et al. 2015, PLoS Comput Biol 11: e1003968).

Each wave runs a design of parameter sets, several replications each, and fits per summary
statistic an *emulator*: a quadratic regression of the statistic's mean, and of the variance
of one replication, over the prior's unit cube (prior quantiles). A parameter set x is
*implausible* when, for some statistic j,

    I_j(x) = |z_j - E_j(x)| / sqrt(V_emulator,j + V_replication,j(x) + V_discrepancy,j) > cutoff

where z_j is the observed value. V_emulator is the leave-one-out error of the regression (so a
poor fit rules out less), V_replication the spread of a single replication (the record is one
realisation of a stochastic world) and V_discrepancy the model's own error, an assumption:
(10% of the observed value, at least 0.1)^2. The cutoff 3 follows Pukelsheim's three-sigma
rule. With ten statistics or more, the second largest I_j is held to the cutoff (see
``ranked``). Later waves draw their designs from the sets no earlier wave ruled out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

CUTOFF = 3.0
DISCREPANCY_SHARE = 0.1  # model discrepancy: 10% of the observed value (an assumption)
DISCREPANCY_FLOOR = 0.1  # ... and at least 0.1 on the statistic's scale
# A binary statistic's variance is p(1 - p) with p kept in [0.05, 0.95]: a single observed
# outcome rules out only parameter sets that give it less than about a 6% chance.
BINARY_FLOOR = 0.05 * 0.95
COUNT_FLOOR = 0.05  # a count's variance is at least this (a mean near zero, seen as zero)
RIDGE = 1e-6


def features(u: np.ndarray, quadratic: bool) -> np.ndarray:
    """Regression features of points in the unit cube: 1, x and (when asked) x_i x_j, with x
    the point rescaled to [-1, 1]."""
    x = 2.0 * np.atleast_2d(u) - 1.0
    cols = [np.ones((len(x), 1)), x]
    if quadratic:
        i, j = np.triu_indices(x.shape[1])
        cols.append(x[:, i] * x[:, j])
    return np.hstack(cols)


def n_features(d: int, quadratic: bool) -> int:
    return 1 + d + (d * (d + 1) // 2 if quadratic else 0)


def _ridge(f: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients of a ridge regression of each column of ``y`` on ``f``, and the diagonal
    of its hat matrix (for leave-one-out residuals)."""
    a = f.T @ f + RIDGE * np.eye(f.shape[1])
    inv = np.linalg.pinv(a)
    coef = inv @ f.T @ y
    hat = np.einsum("ij,jk,ik->i", f, inv, f)
    return coef, hat


@dataclass(frozen=True)
class Emulator:
    """Emulators of every statistic of one wave, fitted on its design."""

    quadratic: bool
    mean_coef: np.ndarray  # (features, statistics)
    var_coef: np.ndarray
    emulator_var: np.ndarray  # (statistics,) leave-one-out mean squared error
    binary: np.ndarray  # (statistics,) bool

    def predict(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Emulated mean and single-replication variance at ``u`` (points, statistics)."""
        f = features(u, self.quadratic)
        mean = f @ self.mean_coef
        p = np.clip(mean, 0.05, 0.95)
        var = np.where(self.binary, p * (1 - p), np.maximum(f @ self.var_coef, COUNT_FLOOR))
        return mean, np.maximum(var, np.where(self.binary, BINARY_FLOOR, COUNT_FLOOR))


def fit_emulator(u: np.ndarray, values: np.ndarray, binary: Sequence[bool]) -> Emulator:
    """Emulators from a design ``u`` (points, d) and its values (points, replications, stats).

    A quadratic surface needs twice as many points as it has coefficients; fewer points get
    a linear one."""
    n, d = u.shape
    quadratic = n >= 2 * n_features(d, True)
    f = features(u, quadratic)
    means = values.mean(axis=1)
    variances = values.var(axis=1, ddof=1) if values.shape[1] > 1 else np.zeros_like(means)
    coef, hat = _ridge(f, means)
    var_coef, _ = _ridge(f, variances)
    loo = (means - f @ coef) / np.clip(1.0 - hat, 1e-3, None)[:, None]
    return Emulator(quadratic, coef, var_coef, np.mean(loo**2, axis=0), np.asarray(binary))


def discrepancy(observed: np.ndarray) -> np.ndarray:
    return np.maximum(DISCREPANCY_SHARE * np.abs(observed), DISCREPANCY_FLOOR) ** 2


def implausibility(em: Emulator, u: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """I_j(u) for each point and statistic (see the module docstring)."""
    mean, var = em.predict(u)
    return np.abs(observed - mean) / np.sqrt(em.emulator_var + var + discrepancy(observed))


def ranked(n_statistics: int) -> int:
    """Which implausibility is held to the cutoff: the largest for a few statistics, the
    second largest from ten on (Vernon et al. 2010, Bayesian Anal 5: 619-669), so that one
    statistic the model cannot match (one rare event in the record) does not rule out
    everything by itself."""
    return 1 if n_statistics < 10 else 2


def plausible(
    waves: Sequence[Emulator], u: np.ndarray, observed: np.ndarray, cutoff: float = CUTOFF
) -> np.ndarray:
    """Which points no wave rules out (points in chunks, to keep memory flat)."""
    keep = np.ones(len(u), dtype=bool)
    k = ranked(len(observed))
    for lo in range(0, len(u), 20_000):
        part = u[lo : lo + 20_000]
        for em in waves:
            imp = implausibility(em, part, observed)
            worst = np.partition(imp, -k, axis=1)[:, -k]
            keep[lo : lo + 20_000] &= worst <= cutoff
    return keep


def latin_hypercube(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """A Latin hypercube of ``n`` points in the unit cube of ``d`` dimensions."""
    from scipy.stats import qmc

    return qmc.LatinHypercube(d=d, rng=rng).random(n)
