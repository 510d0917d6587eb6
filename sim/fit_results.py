"""A fit's folder: its identity (what a resume must match) and what it writes at the end.

``fit.json`` (written first) names the fit: a hash of its scenarios, priors, statistics and
settings, and its seed. At the end the folder holds ``posterior.csv`` (one parameter set per
row, with its weight: what ``--posterior`` reads), ``parameters.csv`` (prior, point value and
posterior summary per parameter), ``waves.csv`` (share of the prior ruled out per wave),
``generations.csv`` (the ABC generations), ``predictive.csv`` (each statistic against its
posterior predictive interval), ``manifest.json`` and the plots.
"""

from __future__ import annotations

import argparse
import dataclasses as dc
import hashlib
import json
import secrets
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

from sim import __version__
from sim.errors import InputError
from sim.experiment.outputs import write_manifest, write_table
from sim.experiment.parameters import write_table as write_posterior
from sim.experiment.store import STORE_NAME
from sim.inference.fit import STAGES, Fit, Problem, Settings, parameter_rows, predictive_rows
from sim.scenario.loader import scenario_to_dict

IDENTITY = "fit.json"
OUTPUTS = (
    "posterior.csv",
    "parameters.csv",
    "waves.csv",
    "generations.csv",
    "predictive.csv",
    "manifest.json",
)


def fingerprint(problem: Problem, settings: Settings) -> str:
    doc = {
        "scenarios": {k: scenario_to_dict(s) for k, s in problem.scenarios.items()},
        "statistics": [dc.asdict(s) for s in problem.statistics],
        "applies": problem.applies,
        "settings": dc.asdict(settings),
    }
    text = json.dumps(doc, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _remove_fit(folder: Path) -> None:
    """Remove what a fit wrote (its stages, outputs and plots) and nothing else."""
    stages = folder / STAGES
    if stages.is_dir():
        for stage in stages.iterdir():
            if (stage / STORE_NAME).exists():
                shutil.rmtree(stage)
        if not any(stages.iterdir()):
            stages.rmdir()
    for name in (*OUTPUTS, IDENTITY):
        (folder / name).unlink(missing_ok=True)
    plots = folder / "plots"
    if plots.is_dir():
        for p in plots.glob("fit_*"):
            p.unlink()
        if not any(plots.iterdir()):
            plots.rmdir()


def prepare_folder(
    folder: Path,
    args: argparse.Namespace,
    problem: Problem,
    settings: Settings,
    argv: Sequence[str],
    note: Callable[[str], None],
) -> int:
    """Claim ``folder`` for this fit (new, resumed or forced) and return the fit's seed."""
    ident = folder / IDENTITY
    mine = fingerprint(problem, settings)
    if folder.exists() and any(folder.iterdir()):
        held = json.loads(ident.read_text()) if ident.is_file() else None
        if held is None:  # even with --force: nothing here was written by a fit
            raise InputError(
                "--out", None, str(folder), "is not empty and holds no fit; choose another folder"
            )
        if args.force:
            _remove_fit(folder)
        else:
            if not args.resume:
                raise InputError(
                    "--out",
                    None,
                    str(folder),
                    "already holds a fit; pass --resume to go on with it or --force to replace it",
                )
            if held.get("fingerprint") != mine:
                raise InputError(
                    "--out",
                    None,
                    str(folder),
                    "holds a different fit (scenarios, record, priors or settings differ)",
                )
            if args.seed is not None and args.seed != held["seed"]:
                raise InputError(
                    "--seed", None, args.seed, f"the fit in {folder} used {held['seed']}"
                )
            return int(held["seed"])
    seed = args.seed
    if seed is None:
        seed = secrets.randbits(32)
        note(f"seed {seed} (drawn; pass --seed {seed} to repeat this fit)")
    elif not 0 <= seed < 2**63:
        raise InputError("--seed", None, seed, "a whole number in [0, 2^63)")
    folder.mkdir(parents=True, exist_ok=True)
    doc = {"fingerprint": mine, "seed": seed, "command": ["dmzsim", *argv], "version": __version__}
    ident.write_text(json.dumps(doc, indent=2) + "\n")
    return seed


def write_fit_results(
    folder: Path,
    problem: Problem,
    fit: Fit,
    settings: Settings,
    seed: int,
    argv: Sequence[str],
    seconds: float,
    fmt: str,
) -> dict[str, list[dict]]:
    """Every output of a finished fit; returns the tables."""
    from sim.plots.fit import fit_figures

    params = parameter_rows(problem, fit)
    predictive = predictive_rows(problem, fit.predictive)
    generations = [dc.asdict(g) for g in fit.generations]
    write_posterior(folder / "posterior.csv", problem.priors.paths, fit.values, fit.weights)
    write_table(folder / "parameters.csv", params)
    write_table(folder / "waves.csv", fit.waves)
    write_table(folder / "generations.csv", generations)
    write_table(folder / "predictive.csv", predictive)
    plots = fit_figures(folder / "plots", problem, fit, predictive, fmt)
    write_manifest(
        folder / "manifest.json",
        command=["dmzsim", *argv],
        version=__version__,
        seed=seed,
        settings=dc.asdict(settings),
        priors=[p.to_table() | {"path": p.path} for p in problem.priors.priors],
        scenarios={k: str(f) for k, f in problem.files.items()},
        parameters_per_scenario=problem.applies,
        statistics=[dc.asdict(s) for s in problem.statistics],
        prior_share_kept=fit.prior_mass,
        replications_simulated=fit.simulated,
        seconds=round(seconds, 1),
        posterior_effective_sample_size=float(1.0 / (fit.weights**2).sum()),
        outputs=[*OUTPUTS, *(str(p.relative_to(folder)) for p in plots)],
    )
    return {"waves": fit.waves, "parameters": params, "predictive": predictive}
