"""Adaptive population Monte Carlo ABC (Lenormand, Jabot and Deffuant 2013, Comput Stat 28:
2777-2796), a sequential Monte Carlo ABC whose tolerance adapts as a quantile of distances.

A population of N particles starts from the prior (here: the part of it history matching
kept). Each generation keeps the share ``alpha`` of particles closest to the observed
statistics, proposes N - alpha N new ones by moving kept particles with a Gaussian kernel of
twice their weighted covariance (Beaumont et al. 2009), simulates them, and weighs each new
particle by prior / proposal density. The tolerance is the largest kept distance. It stops
when fewer than ``min_acceptance`` of the new particles beat the previous tolerance: further
generations would cost much and change little.

Everything runs in the priors' working coordinates (log for log-uniform priors). Each batch
of simulations is asked of a callback, so this module knows nothing of the simulator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.scenario.priors import PriorSet

ALPHA = 0.5
MIN_ACCEPTANCE = 0.05


def scales(stats: np.ndarray, floor: np.ndarray | float = 0.1) -> np.ndarray:
    """Per statistic, the spread the distance divides by: the median absolute deviation
    (times 1.4826, a standard deviation for normal data), else the standard deviation, and at
    least ``floor``, so that a statistic that is nearly always the same (a rare event) does not
    turn one odd replication into a huge distance."""
    mad = 1.4826 * np.median(np.abs(stats - np.median(stats, axis=0)), axis=0)
    sd = stats.std(axis=0)
    return np.maximum(np.where(mad > 0, mad, sd), floor)


def distances(stats: np.ndarray, observed: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Euclidean distance of each row of statistics from the observed ones, scaled."""
    return np.sqrt((((stats - observed) / scale) ** 2).sum(axis=1))


@dataclass(frozen=True)
class Population:
    """Kept particles (working coordinates), their importance weights and distances.

    ``raw`` weights are target density over proposal density, comparable across generations
    (particles of the first population, drawn from the target prior, weigh 1)."""

    z: np.ndarray
    raw: np.ndarray
    distance: np.ndarray

    @property
    def weights(self) -> np.ndarray:
        return self.raw / self.raw.sum()

    @property
    def epsilon(self) -> float:
        return float(self.distance.max())

    def ess(self) -> float:
        return float(1.0 / np.sum(self.weights**2))

    def kernel(self) -> np.ndarray:
        """Twice the weighted covariance (Beaumont et al. 2009), kept positive definite."""
        cov = np.atleast_2d(np.cov(self.z, rowvar=False, aweights=self.weights))
        return 2.0 * cov + 1e-12 * np.eye(cov.shape[0])


def keep_best(z: np.ndarray, raw: np.ndarray, d: np.ndarray, n_keep: int) -> Population:
    """The ``n_keep`` particles nearest the data (ties broken by order, so deterministic)."""
    order = np.argsort(d, kind="stable")[:n_keep]
    return Population(z[order], raw[order], d[order])


def _log_mixture(z: np.ndarray, pop: Population, cov: np.ndarray) -> np.ndarray:
    """Log density of the proposal (a weighted mixture of Gaussians) at each row of ``z``."""
    chol = np.linalg.cholesky(cov)
    d = z.shape[1]
    out = np.empty(len(z))
    with np.errstate(divide="ignore"):
        logw = np.log(pop.weights)
    norm = -0.5 * d * np.log(2 * np.pi) - np.log(np.diag(chol)).sum()
    for lo in range(0, len(z), 512):  # chunks keep the (new x kept x d) array small
        diff = z[lo : lo + 512, None, :] - pop.z[None, :, :]
        sol = np.linalg.solve(chol, diff.reshape(-1, d).T).T.reshape(diff.shape)
        logk = norm - 0.5 * (sol**2).sum(axis=2) + logw[None, :]
        top = logk.max(axis=1, keepdims=True)
        out[lo : lo + 512] = (top + np.log(np.exp(logk - top).sum(axis=1, keepdims=True)))[:, 0]
    return out


def propose(
    pop: Population,
    priors: PriorSet,
    rng: np.random.Generator,
    m: int,
    admissible: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, float]:
    """``m`` new particles (working coordinates) inside the prior's support and, when given,
    ``admissible`` (a mask over values: e.g. not ruled out by history matching), and the
    share of the kernel's draws that were: the mass of the truncated proposal."""
    cov = pop.kernel()
    chol = np.linalg.cholesky(cov)
    out: list[np.ndarray] = []
    have, tries, drawn = 0, 0, 0
    while have < m:
        tries += 1
        if tries > 1000:
            raise RuntimeError("cannot propose particles inside the prior's support")
        k = 2 * (m - have) + 16
        parents = rng.choice(len(pop.weights), size=k, p=pop.weights)
        z = pop.z[parents] + rng.standard_normal((k, cov.shape[0])) @ chol.T
        drawn += k
        x = priors.from_work(z)
        ok = priors.contains(x)
        if admissible is not None and ok.any():
            ok[ok] &= admissible(x[ok])
        out.append(z[ok])
        have += int(ok.sum())
    return np.vstack(out)[:m], sum(len(o) for o in out) / drawn


def weigh(
    z_new: np.ndarray, pop: Population, priors: PriorSet, proposal_mass: float, prior_mass: float
) -> np.ndarray:
    """Raw importance weights of new particles: the target (the prior restricted to a region
    of mass ``prior_mass``) over the proposal (the kernel mixture truncated to that region,
    of mass ``proposal_mass``)."""
    logw = priors.logpdf_work(z_new) - _log_mixture(z_new, pop, pop.kernel())
    return np.exp(logw) * proposal_mass / prior_mass


@dataclass(frozen=True)
class Generation:
    """What one generation did: its tolerance, acceptance rate and particles kept."""

    index: int
    simulated: int
    epsilon: float
    acceptance: float
    ess: float


def step(
    pop: Population,
    z_new: np.ndarray,
    d_new: np.ndarray,
    raw_new: np.ndarray,
    n_keep: int,
) -> tuple[Population, float]:
    """Merge new particles (with their raw weights) into the population; return it and the
    acceptance rate: the share of new particles nearer than the previous tolerance."""
    accept = float(np.mean(d_new < pop.epsilon))
    z_all = np.vstack([pop.z, z_new])
    d_all = np.concatenate([pop.distance, d_new])
    return keep_best(z_all, np.concatenate([pop.raw, raw_new]), d_all, n_keep), accept


@dataclass(frozen=True)
class Result:
    """The final population and the history of generations."""

    population: Population
    generations: tuple[Generation, ...]

    def values(self, priors: PriorSet) -> np.ndarray:
        return priors.from_work(self.population.z)


def run(
    priors: PriorSet,
    simulate: Callable[[int, np.ndarray], np.ndarray],
    observed: np.ndarray,
    initial: np.ndarray,
    rng: np.random.Generator,
    *,
    alpha: float = ALPHA,
    min_acceptance: float = MIN_ACCEPTANCE,
    max_generations: int = 20,
    prior_mass: float = 1.0,
    admissible: Callable[[np.ndarray], np.ndarray] | None = None,
    report: Callable[[Generation], None] | None = None,
    scale_floor: np.ndarray | float = 0.1,
) -> Result:
    """APMC from ``initial`` (values drawn from the prior restricted to a region of mass
    ``prior_mass`` that ``admissible`` describes). ``simulate(generation, values)`` returns
    one row of statistics per row of values; ``scale_floor`` is the least spread of each
    statistic in the distance."""
    n = len(initial)
    n_keep = max(2, int(round(alpha * n)))
    stats0 = simulate(0, initial)
    scale = scales(stats0, scale_floor)
    z0 = priors.to_work(initial)
    pop = keep_best(z0, np.ones(n), distances(stats0, observed, scale), n_keep)
    history = [Generation(0, n, pop.epsilon, 1.0, pop.ess())]
    if report:
        report(history[-1])
    for g in range(1, max_generations + 1):
        z_new, mass = propose(pop, priors, rng, n - n_keep, admissible)
        raw = weigh(z_new, pop, priors, mass, prior_mass)
        d_new = distances(simulate(g, priors.from_work(z_new)), observed, scale)
        pop, accept = step(pop, z_new, d_new, raw, n_keep)
        history.append(Generation(g, len(z_new), pop.epsilon, accept, pop.ess()))
        if report:
            report(history[-1])
        if accept < min_acceptance:
            break
    return Result(pop, tuple(history))
