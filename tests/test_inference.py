"""The fit's methods where the answer is known: conjugate toy problems for ABC (APMC), and a
function with a known level set for history matching.

Tolerances: a weighted posterior mean from a population of effective size ESS has Monte Carlo
standard error about sd / sqrt(ESS); the checks allow five of those (plus, for a continuous
statistic, the bias a tolerance eps adds: its variance grows by at most eps^2 / 3, the variance
of a uniform on [-eps, eps])."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.inference import abc
from sim.inference import history_matching as hm
from sim.scenario.priors import Prior, PriorSet


def _moments(values: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    m = float(np.sum(weights * values))
    return m, float(math.sqrt(np.sum(weights * (values - m) ** 2)))


def _gamma_mixture(total: float, k: int, within: int) -> tuple[float, float]:
    """Mean and sd of the ABC target for a uniform prior on a Poisson rate when the sum of k
    counts is matched within ``within`` of ``total``: an equal mixture of the posteriors
    Gamma(s + 1, rate k), s = total - within .. total + within (each sum has prior predictive
    probability 1/k under a flat prior, so the weights are equal)."""
    shapes = np.arange(total - within, total + within + 1) + 1
    means, variances = shapes / k, shapes / k**2
    mean = means.mean()
    return float(mean), float(math.sqrt(variances.mean() + ((means - mean) ** 2).mean()))


def test_apmc_recovers_the_gamma_posterior_of_a_poisson_rate():
    """Prior uniform(0, 10) on a Poisson rate, k = 10 counts summing to 30: the posterior is
    Gamma(31, rate 10) (truncated at 10, which holds no mass). The statistic is the sum,
    sufficient and discrete; the final tolerance, in counts, says which mixture of gamma
    posteriors ABC targets (exactly Gamma(31, 10) when it matches exactly)."""
    priors = PriorSet([Prior("rate", "uniform", 0.0, 10.0)])
    k, total = 10, 30.0

    def simulate(g: int, values: np.ndarray) -> np.ndarray:
        rng = np.random.default_rng([7, g])
        return rng.poisson(values[:, :1] * k).astype(float)

    rng = np.random.default_rng(11)
    start = priors.sample(rng, 2000)
    result = abc.run(priors, simulate, np.array([total]), start, rng, min_acceptance=0.02)
    within = round(result.population.epsilon * abc.scales(simulate(0, start))[0])
    assert within <= 2  # the tolerance shrank to a couple of counts
    true_mean, true_sd = _gamma_mixture(total, k, within)
    mean, sd = _moments(result.values(priors)[:, 0], result.population.weights)
    ess = result.population.ess()
    assert abs(mean - true_mean) < 5 * true_sd / math.sqrt(ess)
    # the sd of a weighted sample of size ESS: relative standard error about 1/sqrt(2 ESS)
    assert abs(sd / true_sd - 1) < 5 / math.sqrt(2 * ess)


def test_apmc_weights_correct_for_an_informative_prior():
    """Normal prior N(0, 1) (truncated far out) and y ~ N(theta, 1), one observation y = 2:
    the posterior is N(1, 1/2). A flat proposal would give N(2, 1): the importance weights
    must carry the prior."""
    priors = PriorSet([Prior("theta", "normal", -6.0, 6.0, mean=0.0, sd=1.0)])

    def simulate(g: int, values: np.ndarray) -> np.ndarray:
        rng = np.random.default_rng([13, g])
        return values[:, :1] + rng.standard_normal((len(values), 1))

    rng = np.random.default_rng(17)
    result = abc.run(
        priors,
        simulate,
        np.array([2.0]),
        priors.sample(rng, 4000),
        rng,
        min_acceptance=0.03,
        max_generations=30,
    )
    mean, sd = _moments(result.values(priors)[:, 0], result.population.weights)
    ess, eps = result.population.ess(), result.population.epsilon * 1.0  # scale is the sd, ~1
    true_sd = math.sqrt(0.5)
    assert abs(mean - 1.0) < 5 * true_sd / math.sqrt(ess) + eps
    assert sd**2 == pytest.approx(0.5 + eps**2 / 3, abs=5 * 0.5 * math.sqrt(2 / ess) + eps**2)


def test_apmc_in_a_restricted_region_gives_the_same_posterior():
    """History matching hands ABC the prior restricted to a region (mass 0.6 here) that holds
    the whole posterior: the answer must not change (the weights carry the region's mass)."""
    priors = PriorSet([Prior("rate", "uniform", 0.0, 10.0)])
    k, total = 10, 30.0

    def simulate(g: int, values: np.ndarray) -> np.ndarray:
        rng = np.random.default_rng([19, g])
        return rng.poisson(values[:, :1] * k).astype(float)

    rng = np.random.default_rng(23)
    start = rng.uniform(0.0, 6.0, (2000, 1))
    result = abc.run(
        priors,
        simulate,
        np.array([total]),
        start,
        rng,
        min_acceptance=0.02,
        prior_mass=0.6,
        admissible=lambda x: x[:, 0] <= 6.0,
    )
    within = round(result.population.epsilon * abc.scales(simulate(0, start))[0])
    true_mean, true_sd = _gamma_mixture(total, k, within)
    mean, _ = _moments(result.values(priors)[:, 0], result.population.weights)
    assert abs(mean - true_mean) < 5 * true_sd / math.sqrt(result.population.ess())
    assert result.values(priors).max() <= 6.0


def test_scales_fall_back_to_the_floor_for_a_constant_statistic():
    s = np.array([[0.0, 1.0], [0.0, 3.0], [0.0, 5.0]])
    got = abc.scales(s, floor=np.array([1.0, 0.5]))
    assert got[0] == 1.0 and got[1] == pytest.approx(1.4826 * 2)


# --- history matching -----------------------------------------------------------------------
def _noisy_design(n: int, reps: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Statistic 0: 10 u0 + N(0, 1) noise per replication; statistic 1: a 0/1 flag with
    P = u1. Two parameters, the second irrelevant to statistic 0."""
    rng = np.random.default_rng(seed)
    u = hm.latin_hypercube(n, 2, rng)
    s0 = 10 * u[:, :1] + rng.standard_normal((n, reps))
    s1 = (rng.random((n, reps)) < u[:, 1:2]).astype(float)
    return u, np.stack([s0, s1], axis=2)


def test_an_emulator_of_a_quadratic_surface_has_no_error():
    u = hm.latin_hypercube(60, 2, np.random.default_rng(1))
    y = (1 + 2 * u[:, 0] - 3 * u[:, 1] ** 2 + u[:, 0] * u[:, 1])[:, None, None]
    em = hm.fit_emulator(u, np.repeat(y, 2, axis=1), [False])
    assert em.quadratic
    assert em.emulator_var[0] < 1e-8
    mean, _ = em.predict(u)
    assert np.allclose(mean[:, 0], y[:, 0, 0], atol=1e-5)


def test_history_matching_keeps_the_truth_and_rules_out_the_far_side():
    """Observed statistic 0 = 5 (the truth is u0 = 0.5); flag observed 1. Points with u0 near
    0.5 must survive; u0 near 0 or 1 is 5 noise sds away and must be ruled out."""
    u, values = _noisy_design(200, 20, 3)
    em = hm.fit_emulator(u, values, [False, True])
    observed = np.array([5.0, 1.0])
    grid = np.array([[0.5, 0.9], [0.45, 0.5], [0.55, 0.5], [0.0, 0.9], [1.0, 0.9]])
    keep = hm.plausible([em], grid, observed)
    assert keep.tolist() == [True, True, True, False, False]
    # the single-replication variance is emulated near its true value (1 for statistic 0)
    _, var = em.predict(np.array([[0.5, 0.5]]))
    assert var[0, 0] == pytest.approx(1.0, abs=0.35)


def test_a_flag_rules_out_only_where_the_observed_outcome_is_rare():
    u, values = _noisy_design(200, 20, 5)
    em = hm.fit_emulator(u, values, [False, True])
    observed = np.array([5.0, 1.0])  # the flag was seen
    rare, common = np.array([[0.5, 0.0]]), np.array([[0.5, 0.3]])
    assert not hm.plausible([em], rare, observed)[0]
    assert hm.plausible([em], common, observed)[0]
