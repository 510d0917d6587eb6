"""dmzsim's engine against EMA Workbench's evaluators on the same model, side by side.

EMA Workbench (https://emaworkbench.readthedocs.io) is not a dependency of dmzsim. Install it
with dmzsim in a throwaway virtual environment, outside .venv:

    python3 -m venv /tmp/ema-venv
    /tmp/ema-venv/bin/pip install ema_workbench .      # run from the checkout
    /tmp/ema-venv/bin/python benchmarks/bench_ema.py [-n 2000] [--workers 2]

Both run replications 0..n-1 of ``baseline_2024`` at its point values (no posterior) with
root seed 11, through ``sim.model.replication.run_replication``, and keep every outcome of
every replication. EMA Workbench gets one experiment per replication (an ``IntegerParameter``
``replication`` set through explicit scenarios) and every outcome as a ``ScalarOutcome``;
dmzsim runs ``engine.run`` into a new store (sketches and monthly counts included), and the
whole ``dmzsim run`` command (outputs written, ``--plots none``). Prints each one's
replications per second and the throughput ratio dmzsim / EMA Workbench, serial and on
``--workers`` processes.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path

try:
    import ema_workbench as ema
except ImportError:
    raise SystemExit(
        "bench_ema.py needs EMA Workbench, which is not a dependency of dmzsim. Install it in "
        "a throwaway environment:\n  python3 -m venv /tmp/ema-venv\n"
        "  /tmp/ema-venv/bin/pip install ema_workbench .   # from the checkout\n"
        "  /tmp/ema-venv/bin/python benchmarks/bench_ema.py"
    ) from None

from sim.experiment import engine
from sim.experiment.backends import make_backend
from sim.model.replication import OUTCOME_NAMES, run_replication
from sim.scenario.loader import load_scenario
from sim.scenario.params import Scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline_2024.toml"
SEED = 11


@functools.cache
def _baseline() -> Scenario:
    return load_scenario(BASELINE)


def dmz_model(replication: int = 0) -> dict[str, float]:
    """The model as EMA Workbench calls it: one replication, every outcome."""
    r = run_replication(_baseline(), SEED, int(replication))
    return {name: r.outcomes[name] for name in OUTCOME_NAMES}


def ema_rate(n: int, workers: int) -> float:
    """Replications per second of EMA Workbench's sequential or multiprocessing evaluator."""
    model = ema.Model("dmzsim", function=dmz_model)
    model.uncertainties = [ema.IntegerParameter("replication", 0, max(1, n - 1))]
    model.outcomes = [ema.ScalarOutcome(name) for name in OUTCOME_NAMES]
    scenarios = [ema.Scenario(name=str(i), replication=i) for i in range(n)]
    t = time.perf_counter()
    with contextlib.redirect_stderr(io.StringIO()):  # EMA Workbench's progress bar
        experiments, outcomes = _perform(model, scenarios, workers)
    seconds = time.perf_counter() - t
    assert len(experiments) == n and len(outcomes["highest_rung"]) == n
    return n / seconds


def _perform(model: ema.Model, scenarios: list, workers: int) -> tuple:
    if workers == 1:
        with ema.SequentialEvaluator(model) as evaluator:
            return ema.perform_experiments(model, scenarios, evaluator=evaluator)
    with ema.MultiprocessingEvaluator(model, n_processes=workers) as evaluator:
        return ema.perform_experiments(model, scenarios, evaluator=evaluator)


def dmz_rate(n: int, workers: int) -> float:
    """Replications per second of ``engine.run`` into a new store (pool start included)."""
    exp = engine.Experiment("run", (_baseline(),), SEED)
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        store = engine.open_store(Path(tmp) / "x", exp, resume=False, force=False, facts={})
        backend = make_backend("serial" if workers == 1 else "process", workers)
        try:
            engine.run(exp, store, backend, n, quiet=True)
        finally:
            backend.close()
            store.close()
        return n / (time.perf_counter() - t)


def cli_rate(n: int, workers: int) -> float:
    """Replications per second of the whole ``dmzsim run`` command, outputs included."""
    backend = ["--backend", "serial"] if workers == 1 else ["--workers", str(workers)]
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "sim", "run", "baseline_2024", "-n", str(n), "--seed", str(SEED)]
            + ["--posterior", "none", "--plots", "none", "--quiet", "--out", f"{tmp}/r", *backend],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return n / (time.perf_counter() - t)


def main() -> None:
    p = argparse.ArgumentParser(description="dmzsim's engine against EMA Workbench's evaluators")
    p.add_argument("-n", type=int, default=2000, help="replications (default 2000)")
    p.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    p.add_argument("--serial", action="store_true", help="also compare the serial evaluators")
    a = p.parse_args()
    logging.getLogger("EMA").setLevel(logging.WARNING)
    print(f"EMA Workbench {ema.__version__}; {a.n} replications of baseline_2024 (seed {SEED})")
    for workers in ([1] if a.serial else []) + [a.workers]:
        e, d, c = ema_rate(a.n, workers), dmz_rate(a.n, workers), cli_rate(a.n, workers)
        where = "serial" if workers == 1 else f"{workers} processes"
        print(
            f"{where}: EMA Workbench {e:.0f} replications/s, dmzsim engine {d:.0f}/s "
            f"(ratio {d / e:.2f}), dmzsim run command with outputs {c:.0f}/s (ratio {c / e:.2f})"
        )


if __name__ == "__main__":
    main()
