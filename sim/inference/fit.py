"""`dmzsim fit`: calibration as inference, through the ordinary experiment engine.

1. **History matching** (``history_matching``): waves of designs over the scenario's
   ``[priors]``, each parameter set run ``replications`` times in the window scenario and in
   every episode; emulators rule out the parameter sets that cannot match the statistics.
2. **ABC** (``abc``, APMC): a population drawn from what history matching kept, refined
   generation by generation towards the observed statistics; its weighted particles are
   the posterior.
3. **A posterior predictive check**: replications that draw their parameters from the
   posterior, each statistic's predictive interval beside the observed value.

Every batch of simulations is one *stage*: an experiment with its own store under
``FOLDER/stages/NAME/`` whose replication i takes parameter set ``i // k`` (see
``sim.experiment.parameters``). A stage's parameter sets follow deterministically from the
seed and the stages before it, so a fit that is stopped resumes stage by stage: finished
stages are read back, the interrupted one continues where it stopped.
"""

from __future__ import annotations

import dataclasses as dc
import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.errors import InputError
from sim.experiment import engine
from sim.experiment.backends import Backend
from sim.experiment.parameters import ParameterTable
from sim.experiment.store import STORE_NAME
from sim.inference import abc
from sim.inference import history_matching as hm
from sim.inference.statistics import EPISODE_STATISTICS, Statistic, statistic_matrix
from sim.scenario.params import Scenario
from sim.scenario.priors import PriorSet

STAGES = "stages"


@dataclass(frozen=True)
class Settings:
    """How hard the fit works (the defaults fit baseline_2024 in minutes on two cores)."""

    waves: int = 3
    points: int = 200  # parameter sets per wave
    replications: int = 20  # replications per parameter set in a wave
    candidates: int = 50_000  # prior draws that measure the share ruled out
    cutoff: float = hm.CUTOFF
    particles: int = 1000  # ABC population
    alpha: float = abc.ALPHA
    min_acceptance: float = abc.MIN_ACCEPTANCE
    generations: int = 12
    predictive: int = 1000  # replications of the posterior predictive check

    def check(self) -> None:
        limits = {
            "waves": (1, 10),
            "points": (10, 5000),
            "replications": (2, 1000),
            "particles": (20, 100_000),
            "generations": (0, 100),
            "predictive": (10, 100_000),
        }
        for name, (lo, hi) in limits.items():
            v = getattr(self, name)
            if not lo <= v <= hi:
                raise InputError(f"--{name}", None, v, f"a whole number in [{lo}, {hi}]")
        if not 1.0 <= self.cutoff <= 10.0:
            raise InputError("--cutoff", None, self.cutoff, "a number in [1, 10]")
        if not 0.05 <= self.alpha <= 0.95:
            raise InputError("--alpha", None, self.alpha, "a share in [0.05, 0.95]")
        if not 0.0 < self.min_acceptance < 1.0:
            raise InputError("--min-acceptance", None, self.min_acceptance, "a share in (0, 1)")


@dataclass
class Problem:
    """What is fitted: the scenarios, the priors, the statistics and their observed values."""

    scenarios: dict[str, Scenario]  # "window" and each episode, as run
    files: dict[str, Path]
    priors: PriorSet
    statistics: list[Statistic]
    applies: dict[str, list[str]] = field(default_factory=dict)  # paths each scenario takes

    @property
    def observed(self) -> np.ndarray:
        return np.array([s.observed for s in self.statistics])

    @property
    def binary(self) -> list[bool]:
        return [s.binary for s in self.statistics]


def window_scenario(s: Scenario, last: dt.date) -> Scenario:
    """The scenario cut at ``last``: its horizon and the timeline events up to that day."""
    events = tuple(e for e in s.timeline.events if e.date <= last)
    return dc.replace(s, end_date=last, timeline=dc.replace(s.timeline, events=events))


def applicable(main_chain: Sequence[str], file: Path, paths: Sequence[str]) -> list[str]:
    """The fitted paths a scenario takes from the parameter sets: those it does not set
    itself (an episode that sets a fitted parameter keeps its own value)."""
    from sim.scenario.loader import chain_sources

    ours = {Path(p).resolve() for p in main_chain}
    _, origins = chain_sources(file)
    out = []
    for path in paths:
        key = tuple(path.split("."))
        setter = next(
            (origins[key[:n]] for n in range(len(key), 0, -1) if key[:n] in origins), None
        )
        if setter is None or Path(setter).resolve() in ours:
            out.append(path)
    return out


def build_problem(
    main_file: Path,
    main: Scenario,
    episodes: dict[str, tuple[Path, Scenario]],
    window_stats: list[Statistic],
    last: dt.date,
) -> Problem:
    from sim.scenario.loader import chain_sources

    if not main.priors:
        raise InputError(
            str(main_file), "priors", None, "no [priors] table: give the parameters to fit a prior"
        )
    priors = PriorSet(main.priors)
    scenarios = {"window": window_scenario(main, last)}
    files = {"window": main_file}
    stats = list(window_stats)
    for name, (file, s) in episodes.items():
        scenarios[name], files[name] = s, file
        stats += EPISODE_STATISTICS[name]
    chain, _ = chain_sources(main_file)
    applies = {k: applicable(chain, f, priors.paths) for k, f in files.items()}
    return Problem(scenarios, files, priors, stats, applies)


def stage_seed(seed: int, stage: str) -> int:
    """The root seed of a stage: a hash of the fit's seed and the stage's name."""
    digest = hashlib.blake2b(f"{seed}:fit:{stage}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


class Runner:
    """Runs stages through the engine into ``folder/stages`` and reads their statistics."""

    def __init__(
        self,
        problem: Problem,
        folder: Path,
        backend: Backend,
        seed: int,
        *,
        resume: bool,
        quiet: bool,
        note: Callable[[str], None],
    ) -> None:
        self.problem, self.folder, self.backend, self.seed = problem, folder, backend, seed
        self.resume, self.quiet, self.note = resume, quiet, note
        self.simulated = 0

    def stage(self, name: str, table: ParameterTable, n: int) -> np.ndarray:
        """Statistics (n, statistics) of replications 0..n-1 of every fit scenario."""
        p = self.problem
        keys = list(p.scenarios)
        tables = tuple(table.restricted(p.applies[k]) for k in keys)
        exp = engine.Experiment(
            "fit",
            tuple(p.scenarios[k] for k in keys),
            stage_seed(self.seed, name),
            trajectories=False,
            tables=tables,
        )
        folder = self.folder / STAGES / name
        exists = (folder / STORE_NAME).exists()
        store = engine.open_store(
            folder, exp, resume=exists, force=False, facts={"stage": name, "fit_seed": self.seed}
        )
        try:
            done = min(len(store.done(s.name)) for s in exp.scenarios)
            if done < n:
                engine.run(exp, store, self.backend, n, quiet=self.quiet)
            self.simulated += n * len(keys)
            names = {k: p.scenarios[k].name for k in keys}
            return statistic_matrix(p.statistics, store, names, n, 1)[:, 0, :]
        finally:
            store.close()

    def design(self, name: str, values: np.ndarray, per_row: int) -> np.ndarray:
        """Statistics (rows, per_row, statistics) of each row of values run ``per_row`` times."""
        table = ParameterTable(
            tuple(self.problem.priors.paths), values, np.ones(len(values)), per_row, name
        )
        flat = self.stage(name, table, len(values) * per_row)
        return flat.reshape(len(values), per_row, -1)


@dataclass
class Fit:
    """What a fit found: the waves, the ABC generations, the posterior and its check."""

    waves: list[dict]
    generations: list[abc.Generation]
    values: np.ndarray  # posterior particles (rows, parameters)
    weights: np.ndarray
    predictive: np.ndarray  # (replications, statistics)
    prior_mass: float
    simulated: int


def _candidates(seed: int, n: int, d: int) -> np.ndarray:
    return np.random.default_rng([seed, 1]).random((n, d))


def history_match(
    runner: Runner, settings: Settings, seed: int
) -> tuple[list[hm.Emulator], list[dict], np.ndarray]:
    """Waves of history matching; returns the emulators, a row per wave, and which of the
    candidate prior draws survive."""
    p = runner.problem
    d, z = len(p.priors), p.observed
    cand = _candidates(seed, settings.candidates, d)
    rng = np.random.default_rng([seed, 2])
    waves: list[hm.Emulator] = []
    rows: list[dict] = []
    keep = np.ones(len(cand), dtype=bool)
    for w in range(1, settings.waves + 1):
        if w == 1:
            u = hm.latin_hypercube(settings.points, d, rng)
        else:
            alive = np.flatnonzero(keep)
            pick = rng.choice(alive, size=min(settings.points, len(alive)), replace=False)
            u = cand[np.sort(pick)]
        values = runner.design(f"wave{w}", p.priors.ppf(u), settings.replications)
        waves.append(hm.fit_emulator(u, values, p.binary))
        before = keep.mean()
        keep &= hm.plausible(waves[-1:], cand, z, settings.cutoff)
        worst = hm.implausibility(waves[-1], cand, z) > settings.cutoff
        blame = worst.mean(axis=0)
        top = np.argsort(-blame)[:3]
        rows.append(
            {
                "wave": w,
                "points": len(u),
                "replications": settings.replications,
                "emulator": "quadratic" if waves[-1].quadratic else "linear",
                "ruled_out_share": 1.0 - float(keep.mean()),
                "ruled_out_this_wave": float(before - keep.mean()),
                "remaining_share": float(keep.mean()),
                "most_ruling_out": "; ".join(
                    f"{p.statistics[j].name} ({blame[j]:.0%})" for j in top if blame[j] > 0
                ),
            }
        )
        runner.note(
            f"wave {w}: {len(u)} parameter sets x {settings.replications} replications; "
            f"{rows[-1]['ruled_out_share']:.1%} of the prior ruled out"
        )
        if not keep.any():
            j = int(top[0])
            raise InputError(
                "fit",
                None,
                p.statistics[j].name,
                "history matching ruled out every parameter set in the priors: the model cannot "
                f"match this statistic (observed {p.statistics[j].observed:g}); widen the "
                "priors or check the record",
            )
    return waves, rows, keep


def initial_population(
    p: Problem, waves: list[hm.Emulator], settings: Settings, seed: int, d: int
) -> np.ndarray:
    """``particles`` prior draws that no wave rules out, in unit coordinates."""
    rng = np.random.default_rng([seed, 3])
    found: list[np.ndarray] = []
    have = 0
    for _ in range(200):
        u = rng.random((50_000, d))
        ok = u[hm.plausible(waves, u, p.observed, settings.cutoff)]
        found.append(ok)
        have += len(ok)
        if have >= settings.particles:
            break
    if have < settings.particles:
        raise InputError("fit", None, have, "too few parameter sets survive history matching")
    return np.vstack(found)[: settings.particles]


def run_fit(runner: Runner, settings: Settings, seed: int) -> Fit:
    p = runner.problem
    d = len(p.priors)
    waves, wave_rows, keep = history_match(runner, settings, seed)
    prior_mass = float(keep.mean())
    u0 = initial_population(p, waves, settings, seed, d)

    def admissible(x: np.ndarray) -> np.ndarray:
        return hm.plausible(waves, p.priors.cdf(x), p.observed, settings.cutoff)

    def simulate(g: int, values: np.ndarray) -> np.ndarray:
        return runner.design(f"abc{g}", values, 1)[:, 0, :]

    def report(g: abc.Generation) -> None:
        runner.note(
            f"ABC generation {g.index}: {g.simulated} particles, tolerance {g.epsilon:.3g}, "
            f"acceptance {g.acceptance:.2f}, effective sample size {g.ess:.0f}"
        )

    result = abc.run(
        p.priors,
        simulate,
        p.observed,
        p.priors.ppf(u0),
        np.random.default_rng([seed, 4]),
        alpha=settings.alpha,
        min_acceptance=settings.min_acceptance,
        max_generations=settings.generations,
        prior_mass=prior_mass,
        admissible=admissible,
        report=report,
        # one event of a count, half the range of a 0/1 fact: a replication off by one event
        # adds at most one to the distance (the resolution of the record itself)
        scale_floor=np.where(p.binary, 0.5, 1.0),
    )
    values = result.values(p.priors)
    weights = result.population.weights
    table = ParameterTable(tuple(p.priors.paths), values, weights, 0, "posterior")
    predictive = runner.stage("predictive", table, settings.predictive)
    return Fit(
        wave_rows,
        list(result.generations),
        values,
        weights,
        predictive,
        prior_mass,
        runner.simulated,
    )


def predictive_rows(p: Problem, predictive: np.ndarray) -> list[dict]:
    """Each statistic's observed value beside its posterior predictive distribution."""
    rows = []
    for j, st in enumerate(p.statistics):
        v = predictive[:, j]
        below, at = float(np.mean(v < st.observed)), float(np.mean(v == st.observed))
        rows.append(
            {
                "statistic": st.name,
                "scenario": st.scenario,
                "observed": st.observed,
                "mean": float(v.mean()),
                "p05": float(np.quantile(v, 0.05)),
                "median": float(np.median(v)),
                "p95": float(np.quantile(v, 0.95)),
                "mid_pit": below + at / 2,
                "inside_90": bool(np.quantile(v, 0.05) <= st.observed <= np.quantile(v, 0.95)),
                "source": st.source,
            }
        )
    return rows


def parameter_rows(p: Problem, fit: Fit) -> list[dict]:
    """Each fitted parameter: its prior, point value and posterior summary."""
    rows = []
    main = p.scenarios["window"]
    from sim.scenario.loader import parameter_path_value

    for j, prior in enumerate(p.priors.priors):
        v, w = fit.values[:, j], fit.weights
        order = np.argsort(v)
        cdf = np.cumsum(w[order])
        q = [float(v[order][min(np.searchsorted(cdf, a), len(v) - 1)]) for a in (0.05, 0.5, 0.95)]
        rows.append(
            {
                "parameter": prior.path,
                "prior": prior.describe(),
                "point_value": parameter_path_value(main, prior.path),
                "posterior_mean": float(np.sum(w * v)),
                "posterior_p05": q[0],
                "posterior_median": q[1],
                "posterior_p95": q[2],
            }
        )
    return rows
