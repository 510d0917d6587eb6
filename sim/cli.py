"""The `dmzsim` command line: thin adapters over the library, one per subcommand."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import shlex
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim import __version__
from sim.errors import InputError, one_line
from sim.plots.names import RUN_PLOTS, SENSITIVITY_PLOTS, SWEEP_PLOTS
from sim.scenario import bundled
from sim.scenario.params import Scenario

if TYPE_CHECKING:  # imported for real inside the commands, to keep start-up fast
    from sim.analysis.outcomes import Outcome
    from sim.experiment.backends import Backend
    from sim.experiment.design import Design
    from sim.experiment.engine import Experiment
    from sim.experiment.parameters import ParameterTable
    from sim.experiment.store import Points, Store

# The headline: measures of escalation only, none of which can fall when escalation rises
# (activity such as blasts, crossings or broadcasts is in the forecast and in summary.csv).
HEADLINE = (
    "highest_rung",
    "ended_in_war",
    "armed_events",
    "killed_armed",
    "injured_armed",
    "mean_tension",
    "max_tension",
)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {one_line(message)}\n")


# --- helpers ---------------------------------------------------------------------------------
def scenario_path(arg: str) -> Path:
    """A scenario file given as a path, or a bundled scenario given by its name."""
    p = Path(arg)
    if p.is_file():
        return p
    shipped = bundled.find_scenario(arg)
    if shipped is not None:
        return shipped
    # a folder, pipe or device is never opened (reading one could block or never end)
    tried = [bundled.shown(os.path.abspath(arg)) + (" (not a regular file)" if p.exists() else "")]
    if (where := bundled.scenario_file(arg)) is not None:  # None: arg has a folder in it
        tried.append(str(where))
    raise InputError(
        bundled.shown(arg),
        None,
        arg,
        f"no such scenario file or bundled scenario: tried {', '.join(tried)} "
        f"(bundled: {', '.join(bundled.scenario_names())})",
    )


def load(arg: str, overrides: Sequence[str]) -> Scenario:
    from sim.scenario.loader import load_scenario

    return load_scenario(scenario_path(arg), overrides)


def check_counts(args: argparse.Namespace, scenarios: int = 1) -> None:
    """Refuse bad replication, seed, worker and precision settings before anything is drawn;
    ``scenarios``: how many scenarios or design points share the replication budget."""
    from sim.experiment import engine
    from sim.experiment.backends import check_options

    engine.check_limits(args.n, scenarios, seed=args.seed)
    out = getattr(args, "out", None)
    if out is not None and (not out.strip() or any(ord(c) < 32 for c in out)):
        raise InputError("--out", None, out, "a folder name, without control characters")
    if getattr(args, "resume", False) and getattr(args, "force", False):
        raise InputError(
            "--resume/--force",
            None,
            "both",
            "choose one: --resume goes on with the stored experiment, --force replaces it",
        )
    if args.workers is not None and not 0 <= args.workers <= engine.MAX_WORKERS:
        raise InputError(
            "--workers", None, args.workers, f"0 (one per core) to {engine.MAX_WORKERS}"
        )
    check_options(args.backend, args.workers, args.scheduler)
    if not 0 <= getattr(args, "batch_size", 0) <= engine.MAX_BATCH_SIZE:
        raise InputError(
            "--batch-size", None, args.batch_size, f"0 (automatic) to {engine.MAX_BATCH_SIZE:,}"
        )
    precision = getattr(args, "precision", None)
    if precision is not None and not 0.0 < precision < 0.5:
        raise InputError("--precision", None, precision, "a half-width between 0 and 0.5")
    if precision is not None:
        engine.check_limits(args.max_replications, scenarios, what="--max-replications")
    elif getattr(args, "max_replications", 1) < 1:
        raise InputError("--max-replications", None, args.max_replications, "must be >= 1")


def seed_of(args: argparse.Namespace) -> int:
    """The root seed: given, read from the experiment being resumed, or drawn and reported."""
    if args.seed is None and getattr(args, "resume", False) and args.out:
        from sim.experiment.store import STORE_NAME, read_facts

        path = Path(args.out) / STORE_NAME
        if path.exists() and "root_seed" in (facts := read_facts(path)):
            args.seed = int(facts["root_seed"])
    if args.seed is None:
        args.seed = secrets.randbits(32)
        if getattr(args, "resume", False):  # nothing stored to resume: a new run starts
            note(args, "--resume: no stored experiment found (give --seed and --out to resume one)")
        note(args, f"seed {args.seed} (drawn; pass --seed {args.seed} to repeat this run)")
    elif not 0 <= args.seed < 2**63:
        raise InputError("--seed", None, args.seed, "a whole number from 0 to 2^63-1")
    return args.seed


def note(args: argparse.Namespace, text: str) -> None:
    if not getattr(args, "quiet", False):
        print(text, file=sys.stderr)


def headline_rows(rows: list[dict]) -> list[dict]:
    """The headline outcomes, the rung probabilities and where escalation came from."""
    keep = set(HEADLINE)
    return [r for r in rows if r["outcome"] in keep or r["outcome"].startswith(("P(", "share_"))]


def plot_names(text: str, allowed: Sequence[str]) -> frozenset[str]:
    """``--plots a,b``: names checked against the plots this command draws; ``none``: none."""
    if text.strip().lower() == "none":
        return frozenset()
    names = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [n for n in names if n not in allowed] or ([] if names else [text])
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown plot {unknown[0]!r}; choose from {', '.join(allowed)}"
        )
    return frozenset(names)


# --- experiments: run and compare -----------------------------------------------------------
COMPARE_HEADLINE = (
    "P(rung>=4)",
    "P(rung>=5)",
    "armed_events",
    "killed_armed",
    "mean_tension",
    "max_tension",
    "share_deliberate",
)


def experiment(
    args: argparse.Namespace,
    argv: Sequence[str],
    exp: Experiment,
    default: str,
    write: Callable[[Store, Path, dict], Any],
    points: Points | None = None,
    facts: dict[str, object] | None = None,
) -> tuple[Path, Any]:
    """Run (or resume) an experiment into its folder (``--out``, or ``default`` under
    results/), then ``write(store, folder, report)`` its outputs; returns the folder and
    what ``write`` returned. A folder that already holds this experiment, complete for the
    same request, runs nothing: its outputs are written again from the store."""
    from sim.experiment import engine, outputs
    from sim.experiment.backends import make_backend
    from sim.experiment.progress import command_started
    from sim.experiment.store import STORE_NAME
    from sim.experiment.store import Store as OpenStore

    clock = command_started()
    folder = Path(args.out) if args.out else Path("results") / default
    started = dt.datetime.now()
    request = {
        "n": args.n,
        "precision": args.precision,
        "max_replications": args.max_replications if args.precision is not None else None,
    }
    complete = None if args.force else engine.completed(folder, exp, request)
    if complete is not None:
        note(
            args,
            f"{folder}/ already holds this experiment, complete ({complete} replications per "
            "scenario): nothing to run; its outputs are written again from the store",
        )
        args.n = complete
        ran_as = ("command", "root_seed", "replications", "overrides", "started")
        ran_as += ("experiment_file", "backend", "workers", "task_sizes", "seconds")
        ran_as += ("precision", "max_replications", "widest_half_width")  # what drive adds
        report = outputs.earlier_report(folder / "manifest.json", ran_as)
        report["rewritten"] = started.isoformat(timespec="seconds")
        if args.precision is not None and "widest_half_width" in report:
            widest = report["widest_half_width"]
            print(
                f"# precision: {args.n} replications per scenario; widest 95% half-width of "
                f"the headline probabilities {widest:.4f} "
                + ("(target met)" if widest < args.precision else "(cap reached, target missed)")
            )
        store = OpenStore(folder / STORE_NAME)
        where = "already stored"
        ran = 0.0
    else:
        if args.resume and not args.force and engine.held(folder, exp) == "nothing":
            note(args, f"--resume: nothing is stored in {folder}/ yet; starting the run")
        # the backend first: a missing Dask or a dead scheduler must not leave an empty store
        backend = make_backend(args.backend, args.workers, args.scheduler)
        try:
            store = engine.open_store(
                folder,
                exp,
                resume=args.resume,
                force=args.force,
                facts={"command": ["dmzsim", *argv], **(facts or {})},
                points=points,
            )
        except BaseException:
            backend.close()
            raise
        try:
            report = drive(args, exp, store, backend, folder)
            engine.mark_completed(store, request, args.n)
        except engine.Interrupted:
            done = min(len(store.done(s.name)) for s in exp.scenarios)
            store.close()
            print(
                f"dmzsim {args.command}: interrupted; {done} replications per scenario are "
                f"stored in {folder}/ - run the same command with --resume to finish",
                file=sys.stderr,
            )
            raise SystemExit(130) from None
        except BaseException:
            store.close()
            raise
        finally:
            backend.close()
        report |= {
            "command": ["dmzsim", *argv],
            "root_seed": args.seed,
            "replications": args.n,
            "overrides": list(args.set),
            "started": started.isoformat(timespec="seconds"),
        }
        if args.experiment_file:
            report["experiment_file"] = args.experiment_file
        where = f"on {backend.name} ({backend.workers} worker(s))"
        ran = report["seconds"]
    try:
        written_at = time.perf_counter()
        with outputs.results_folder(folder):  # every file inside it, listed in the manifest
            written = write(store, folder, report)
            if getattr(args, "report", False):
                note(args, f"report in {report_of(folder)}")
        plots = f" (plots in {folder / 'plots'}/)" if (folder / "plots").is_dir() else ""
        note(args, f"results in {folder}/{plots}")
    finally:
        store.close()
    total = time.perf_counter() - clock
    wrote = time.perf_counter() - written_at
    note(
        args,
        f"{args.n} replications x {len(exp.scenarios)} scenario(s) {where}: done in "
        f"{total:.1f} s (replications {ran:.1f} s, outputs {wrote:.1f} s)",
    )
    return folder, written


def scenario_experiment(
    args: argparse.Namespace, argv: Sequence[str], kind: str, scenarios: list[Scenario]
) -> tuple[Path, dict]:
    """A run or comparison of whole scenarios; returns the folder and the tables written
    (``summary`` and ``forecast`` per scenario, ``compare``)."""
    from sim.experiment.engine import Experiment, folder_name
    from sim.experiment.progress import Steps
    from sim.results import step_count, write_results

    check_counts(args, len(scenarios))
    files = [args.scenario] if kind == "run" else list(args.scenarios)
    tables, used = posteriors(args, files, scenarios, {})
    args.posterior_used = used
    seed_of(args)
    exp = Experiment(kind, tuple(scenarios), args.seed, args.events, tables=tables)
    words = [s.name for s in scenarios] if kind == "run" else ["compare", *exp.names]
    # a command that changes the scenarios or keeps events gets a folder of its own
    varied = bool(args.set) or args.posterior is not None or args.events
    default = folder_name(words, exp, args.n, hashed=varied)

    def write(store: Store, folder: Path, report: dict) -> dict:
        report["posterior"] = used
        steps = Steps(step_count(len(scenarios), args.events, args.plots), quiet=args.quiet)
        try:
            return write_results(
                store,
                scenarios,
                folder,
                report,
                events=args.events,
                fmt=args.format,
                only=args.plots,
                progress=steps,
            )
        finally:
            steps.close()

    return experiment(args, argv, exp, default, write)


def posteriors(
    args: argparse.Namespace,
    files: Sequence[str],
    scenarios: Sequence[Scenario],
    swept: dict[str, str],
) -> tuple[tuple[ParameterTable | None, ...], dict[str, object]]:
    """Each scenario's posterior (``--posterior``, or the one shipped beside a file it
    extends), with a note of what it holds and which of its parameters something else set."""
    from sim.experiment.parameters import override_paths, resolve

    sets = override_paths(args.set) | swept
    tables, used = [], {}
    for arg, s in zip(files, scenarios, strict=True):
        r = resolve(args.posterior, scenario_path(arg), s, sets)
        tables.append(r.table)
        used[s.name] = r.describe()
        if r.table is not None:
            note(
                args,
                f"{s.name}: parameters drawn per replication from the posterior "
                f"{r.table.source} ({len(r.table)} sets of {len(r.table.paths)} parameters)",
            )
        for path, who in r.overridden.items():
            note(args, f"{s.name}: {path} set by {who}, not by the posterior")
    return tuple(tables), used


def drive(
    args: argparse.Namespace, exp: Experiment, store: Store, backend: Backend, folder: Path
) -> dict:
    """Run the replications still missing (to -n, or to --precision); report how it went."""
    from sim.experiment import engine

    most = max(len(store.done(name)) for name in exp.names)
    if most > args.n and args.precision is None:
        raise InputError("-n", None, args.n, f"{folder} already holds {most} replications")
    clock = time.perf_counter()
    report: dict = {"backend": backend.name, "workers": backend.workers}
    if args.precision is None:
        sizes = engine.run(
            exp, store, backend, args.n, batch_size=args.batch_size, quiet=args.quiet
        )
    else:
        args.n, widest, sizes = engine.run_to_precision(
            exp,
            store,
            backend,
            args.n,
            args.precision,
            args.max_replications,
            batch_size=args.batch_size,
            quiet=args.quiet,
        )
        met = widest < args.precision
        report |= {
            "precision": args.precision,
            "max_replications": args.max_replications,
            "widest_half_width": widest,
        }
        print(
            f"# precision: {args.n} replications per scenario; widest 95% half-width of the "
            f"headline probabilities {widest:.4f} "
            + ("(target met)" if met else "(cap reached, target missed)")
        )
    seconds = time.perf_counter() - clock  # the whole command's time is noted at its end
    return report | {"task_sizes": list(sizes), "seconds": round(seconds, 3)}


# --- subcommands ----------------------------------------------------------------------------
def cmd_run(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from sim.analysis.tables import format_table
    from sim.results import FORECAST

    scenario = load(args.scenario, args.set)
    _, tables = scenario_experiment(args, argv, "run", [scenario])
    used = args.posterior_used[scenario.name]
    print(
        f"# {scenario.name}: {args.n} replications, seed {args.seed}; "
        + (
            f"fitted parameters drawn from {used['file']} ({used['rows']} sets)"
            if used
            else "point values (no posterior)"
        )
    )
    print("# mean and its 95% interval: t for means, Wilson for P(...), delta method for shares")
    summary = headline_rows(tables["summary"][scenario.name])
    print(format_table(summary, ["outcome", "mean", "ci_lo", "ci_hi", "n"]))
    if scenario.name in tables["forecast"]:
        print(
            f"\n# Forecast {FORECAST[0]} to {FORECAST[1]}: mean with the 95% interval of the mean "
            "(ci_lo, ci_hi);\n# median and 90% predictive interval of one replication (p05, p95)"
        )
        print(format_table(tables["forecast"][scenario.name]))
    return 0


def compare_row(o: Outcome) -> str:
    """The row of compare.csv an outcome of interest names: ``highest_rung>=K`` is the table's
    ``P(rung>=K)``; any other outcome is its own label (computed when asked)."""
    if o.column == "highest_rung" and o.op == ">=" and o.threshold in range(1, 8):
        assert o.threshold is not None
        return f"P(rung>={int(o.threshold)})"
    return o.label


def cmd_compare(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from sim.analysis.tables import compare_headline, format_table, outcome_rows
    from sim.experiment.store import STORE_NAME, Store

    scenarios = [load(a, args.set) for a in args.scenarios]
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise InputError("compare", None, names, "scenario names must differ")
    if len(scenarios) < 2:
        raise InputError("compare", None, names, "needs at least two scenarios")
    wanted = outcomes_of(args.outcome)
    rows = [compare_row(o) for o in wanted] or list(COMPARE_HEADLINE)
    folder, tables = scenario_experiment(args, argv, "compare", scenarios)
    table = list(tables["compare"])
    have = {r["outcome"] for r in table}
    extra = [o for o in wanted if compare_row(o) not in have]
    if extra:  # conditions the standard table lacks: computed from the store, paired alike
        store = Store(folder / STORE_NAME, readonly=True)
        try:
            cols = [(s.name, store.outcome_columns(s.name)) for s in scenarios]
            table += outcome_rows(cols, extra)
        finally:
            store.close()
    print(f"# {len(scenarios)} scenarios, {args.n} paired replications each, seed {args.seed}")
    print(f"# mean (difference from {names[0]} [95% interval], paired by replication)")
    print(format_table(compare_headline(table, names, rows)))
    for text in tables.get("notes", []):
        print(f"# note: {text}")
    print(f"# every outcome: {folder / 'compare.csv'}")
    return 0


def build_sweep(args: argparse.Namespace, method: str) -> tuple[Scenario, Design, list[Scenario]]:
    """The base scenario, the design over ``--param`` and one scenario per design point.
    Every factor is checked before a seed is drawn, so bad input gets one line only."""
    import dataclasses

    from sim.experiment.design import (
        build_design,
        check_factors,
        design_size,
        parse_factor,
        point_names,
    )
    from sim.scenario.loader import load_variants

    base = load(args.scenario, args.set)
    factors = [parse_factor(p, base) for p in args.param]
    check_factors(factors, method, args.points)
    check_counts(args, design_size(factors, method, args.points))  # n x points, before a seed
    seed_of(args)
    design = build_design(factors, method, args.points, args.seed)
    names = point_names(base.name, len(design.points))
    overrides = [design.overrides(k) for k in range(len(design.points))]
    variants = load_variants(scenario_path(args.scenario), args.set, overrides)
    return (
        base,
        design,
        [dataclasses.replace(v, name=n) for v, n in zip(variants, names, strict=True)],
    )


def sweep_experiment(
    args: argparse.Namespace,
    argv: Sequence[str],
    kind: str,
    method: str,
    write: Callable[[Store, Path, dict, Design, list[Scenario]], Any],
) -> tuple[Path, Any, Design]:
    """Run every design point of a sweep as a scenario of one experiment (common random
    numbers across points), then ``write`` the results; returns the folder, what ``write``
    returned and the design."""
    from sim.experiment.engine import Experiment, folder_name
    from sim.scenario.loader import scenario_to_dict

    check_counts(args)
    base, design, scenarios = build_sweep(args, method)
    swept = {name: "--param" for name in design.names}
    (table,), used = posteriors(args, [args.scenario], [base], swept)
    exp = Experiment(
        kind,
        tuple(scenarios),
        args.seed,
        args.events,
        trajectories=False,
        tables=(table,) * len(scenarios) if table is not None else (),
    )
    # the parameters and their ranges are in the hash: every design has a folder of its own
    default = folder_name([kind, base.name, design.method], exp, args.n, hashed=True)
    points = (design.columns(), design.rows([s.name for s in scenarios]))

    def run_write(store: Store, folder: Path, report: dict) -> Any:
        report |= {"base_scenario": scenario_to_dict(base), "posterior": used}
        note(args, f"writing {kind}.csv, plots and manifest.json")
        return write(store, folder, report, design, scenarios)

    note(args, f"{len(scenarios)} design points x {args.n} replications each")
    facts: dict[str, object] = {"design": design.describe()}
    folder, written = experiment(args, argv, exp, default, run_write, points, facts)
    return folder, written, design


def outcomes_of(texts: Sequence[str]) -> list[Outcome]:
    """Outcomes named with --outcome, checked before anything runs."""
    from sim.analysis.outcomes import parse_outcome
    from sim.model.replication import OUTCOME_NAMES

    return [parse_outcome(t, OUTCOME_NAMES) for t in texts]


def cmd_sweep(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from sim.analysis.tables import format_table
    from sim.sweep_results import DEFAULT_OUTCOMES, PRINTED_POINTS, compact, write_sweep_results

    wanted = outcomes_of(args.outcome or DEFAULT_OUTCOMES)

    def write(
        store: Store, folder: Path, report: dict, design: Design, scenarios: list[Scenario]
    ) -> list[dict]:
        return write_sweep_results(
            store, design, scenarios, wanted, folder, report, args.format, args.plots
        )

    folder, table, design = sweep_experiment(args, argv, "sweep", args.design, write)
    print(
        f"# {args.scenario}: {design.method} sweep over {', '.join(design.names)}; "
        f"{len(design.points)} points x {args.n} replications, seed {args.seed}"
    )
    print("# mean or probability [95% interval] per point")
    print(format_table(compact(table, design, wanted)))
    if len(table) > PRINTED_POINTS:
        print(f"# ... {len(table) - PRINTED_POINTS} more points in {folder / 'sweep.csv'}")
    return 0


def cmd_sensitivity(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from sim.analysis.tables import format_number, format_table
    from sim.experiment.design import design_seed
    from sim.sensitivity_results import write_sensitivity_results

    wanted = outcomes_of(args.outcome)

    def write(
        store: Store, folder: Path, report: dict, design: Design, scenarios: list[Scenario]
    ) -> dict:
        seed = design_seed(args.seed)
        return write_sensitivity_results(
            store, design, scenarios, wanted, folder, report, seed, args.format, args.plots
        )

    def cell(v: float, lo: float, hi: float) -> str:
        return f"{format_number(v)} [{format_number(lo)}, {format_number(hi)}]"

    folder, indices, design = sweep_experiment(args, argv, "sensitivity", "saltelli", write)
    print(
        f"# {args.scenario}: Sobol' indices over {', '.join(design.names)}; {args.points} base "
        f"samples x {len(design.factors) + 2} = {len(design.points)} points x {args.n} "
        f"replications, seed {args.seed}"
    )
    for label, ix in indices.items():
        print(f"\n# {label}: first-order and total indices [95% bootstrap interval]")
        rows = [
            {
                "parameter": name,
                "first order": cell(ix.first[j], ix.first_low[j], ix.first_high[j]),
                "total": cell(ix.total[j], ix.total_low[j], ix.total_high[j]),
            }
            for j, name in enumerate(ix.names)
        ]
        print(format_table(rows))
    print(f"# tables in {folder / 'sensitivity.csv'}, bar charts in {folder / 'plots'}/")
    return 0


def cmd_discover(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from sim.analysis.tables import format_table
    from sim.discovery import discover
    from sim.experiment.outputs import results_folder

    with results_folder(args.results):  # its files inside the sweep's folder, listed there
        found = discover(
            Path(args.results),
            args.outcome,
            alpha=args.alpha,
            min_mass=args.min_mass,
            threshold=args.threshold,
            fmt=args.format,
        )
    r = found.result
    box = r.chosen
    print(
        f"# {found.outcome.label} in {args.results}: {r.trajectory[0].n} replications of a "
        f"{found.method} sweep, base rate {r.base_density:.3g}"
    )
    print(
        f"# chosen box (trajectory box {r.chosen_index}, pasted): coverage {box.coverage:.3g}, "
        f"density {box.density:.3g}, mass {box.mass:.3g}"
    )
    if found.limits:
        print(format_table(found.limits, ["parameter", "lower", "upper", "allowed"]))
    else:
        print("# the box restricts no parameter: the outcome is no likelier anywhere in the sweep")
    step = max(1, len(found.rows) // 25)
    shown = [row for i, row in enumerate(found.rows) if i % step == 0 or row["chosen"]]
    print("\n# peeling trajectory (coverage falls as density rises)")
    print(format_table(shown, ["index", "coverage", "density", "mass", "restricted", "limits"]))
    print("# written: " + ", ".join(str(p) for p in found.files))
    return 0


def cmd_experiment(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from sim.experiment.files import read_experiment, with_options

    file = read_experiment(args.file)
    valued = (
        ("-n", args.n),
        ("--points", args.points),
        ("--out", args.out),
        ("--backend", args.backend),
        ("--workers", args.workers),
        ("--scheduler", args.scheduler),
        ("--batch-size", args.batch_size),
        ("--posterior", args.posterior),
    )
    switches = (
        ("--quiet", args.quiet),
        ("--resume", args.resume),
        ("--force", args.force),
        ("--report", args.report),
    )
    options: list[tuple[str, str | None]] = [(f, str(v)) for f, v in valued if v is not None]
    options += [(flag, None) for flag, on in switches if on]
    if args.points is not None and file.command not in ("sweep", "sensitivity"):
        raise InputError("--points", None, args.points, "only for a sweep or sensitivity file")
    command = with_options(file, options)
    print(f"# {args.file}: {file.description or file.command}")
    print("# runs: dmzsim " + " ".join(shlex.quote(a) for a in command))
    sys.stdout.flush()
    inner = build_parser().parse_args(command)
    inner.experiment_file = str(file.path)
    return int(inner.func(inner, command))


def cmd_trace(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from sim.analysis import trace_export as tx
    from sim.model.events import RUNGS
    from sim.model.replication import run_replication

    targets = [(f, v) for f, v in (("--json", args.json), ("--csv", args.csv)) if v]
    if [v for _, v in targets].count(tx.STDOUT) > 1:
        raise InputError("--json/--csv", None, tx.STDOUT, "only one of them can go to stdout")
    for flag, value in targets:
        tx.check_target(flag, value)
    if args.plot:
        tx.check_target("--plot", args.plot, suffixes=(".png", ".svg", ".pdf"), stdout=False)
    scenario = load(args.scenario, args.set)
    if args.replication < 0:
        raise InputError("--replication", None, args.replication, "must be >= 0")
    if args.seed < 0:
        raise InputError("--seed", None, args.seed, "must be a non-negative whole number")
    # the replication's own parameter set, as `run` drew it (the default posterior, or none)
    (table,), _ = posteriors(args, [args.scenario], [scenario], {})
    if table is not None:
        from sim.experiment.parameters import Applier

        scenario = Applier(scenario, table, args.seed)(args.replication)
    r = run_replication(scenario, args.seed, args.replication, keep_events=True)
    events = r.events or ()
    top = int(r.outcomes["highest_rung"])
    head = (
        f"{scenario.name}, seed {args.seed}, replication {args.replication}: "
        f"{len(events)} events, highest rung {top} ({RUNGS[top]})"
    )
    to_stdout = any(v == tx.STDOUT for _, v in targets)
    notes = sys.stderr if to_stdout else sys.stdout
    rows = tx.trace_rows(events, scenario.start_date) if targets else []
    about = {
        "scenario": scenario.name,
        "seed": args.seed,
        "replication": args.replication,
        "start_date": scenario.start_date.isoformat(),
        "highest_rung": top,
    }
    for flag, value in targets:
        with tx.open_target(flag, value) as fh:
            if flag == "--json":
                tx.write_json(fh, rows, about)
            else:
                tx.write_csv(fh, rows)
    if args.plot:
        from sim.plots.trace import trace_plot  # matplotlib only when drawing

        try:
            trace_plot(events, scenario.start_date, args.plot, head, end_date=scenario.end_date)
        except OSError as err:
            raise InputError("--plot", None, args.plot, f"cannot write: {err.strerror}") from None
    written = [(f, v) for f, v in [*targets, ("--plot", args.plot)] if v and v != tx.STDOUT]
    if not to_stdout:  # the event log, unless stdout carries the JSON or CSV
        print(f"# {head}")
        for line in tx.log_lines(events, scenario.start_date):
            print(line)
    for flag, value in written:
        print(f"# {flag[2:]}: {value}", file=notes)
    return 0


def cmd_scenarios(args: argparse.Namespace, argv: Sequence[str]) -> int:
    for name in bundled.scenario_names():
        print(f"{name:<18} {load(str(bundled.scenario_file(name)), ()).description}")
    print(f"# in {bundled.SCENARIOS}; experiment files (dmzsim experiment FILE):")
    for name in bundled.experiment_names():
        print(f"#   {bundled.experiment_file(name)}")
    return 0


def cmd_validate(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from sim.scenario.loader import scenario_to_dict, scenario_to_toml

    resolved = [load(f, args.set) for f in args.files]
    if args.json:
        print(json.dumps([scenario_to_dict(s) for s in resolved], indent=2, sort_keys=False))
    else:
        for f, s in zip(args.files, resolved, strict=True):
            print(f"# {f}: valid\n{scenario_to_toml(s)}")
    return 0


def cmd_calibrate(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from sim.analysis.calibration import calibration_table, replication_stats
    from sim.analysis.tables import format_table
    from sim.experiment.backends import make_backend
    from sim.experiment.engine import map_replications

    scenario = load(args.scenario, args.set)
    check_counts(args)
    seed_of(args)
    backend = make_backend(args.backend, args.workers, args.scheduler)
    try:
        stats = map_replications(backend, scenario, args.seed, args.n, replication_stats)
    finally:
        backend.close()
    print(
        f"# {scenario.name} against the record of Nov 2023 - Jun 2024 "
        f"({args.n} replications, seed {args.seed})"
    )
    print(format_table(calibration_table(stats)))
    return 0


def fit_episodes(text: str) -> list[str]:
    from sim.inference.statistics import EPISODES

    if text.strip().lower() == "none":
        return []
    names = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [n for n in names if n not in EPISODES]
    if unknown or not names or len(set(names)) != len(names):
        raise InputError(
            "--episodes", None, text, f"'none' or distinct names from {', '.join(EPISODES)}"
        )
    return names


def cmd_fit(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from sim.analysis.record import load_record
    from sim.experiment.backends import check_options, make_backend
    from sim.fit_results import prepare_folder, write_fit_results
    from sim.inference.fit import Runner, Settings, build_problem, run_fit
    from sim.inference.statistics import record_statistics
    from sim.score_results import Span, check_window, parse_window

    settings = Settings(
        waves=args.waves,
        points=args.points,
        replications=args.replications,
        cutoff=args.cutoff,
        particles=args.particles,
        alpha=args.alpha,
        min_acceptance=args.min_acceptance,
        generations=args.generations,
        predictive=args.predictive,
    )
    settings.check()
    check_options(args.backend, args.workers, args.scheduler)
    first, last = parse_window(args.from_, args.to)
    main_file = scenario_path(args.scenario)
    main = load(args.scenario, args.set)
    record = load_record(args.observed)
    check_window([Span(main.name, main.start_date, main.end_date, 0)], record, first, last)
    window = record_statistics(record, first, last)
    episodes = {
        name: (scenario_path(name), load(name, args.set)) for name in fit_episodes(args.episodes)
    }
    problem = build_problem(main_file, main, episodes, window, last)
    folder = Path(args.out) if args.out else Path("results") / f"fit-{main.name}-to{last}"
    seed = prepare_folder(folder, args, problem, settings, argv, lambda text: note(args, text))
    backend = make_backend(args.backend, args.workers, args.scheduler)
    started = time.perf_counter()
    try:
        runner = Runner(
            problem,
            folder,
            backend,
            seed,
            resume=args.resume,
            quiet=args.quiet,
            note=lambda text: note(args, text),
        )
        fit = run_fit(runner, settings, seed)
    except KeyboardInterrupt:
        print(
            f"dmzsim fit: interrupted; finished stages are kept in {folder}/ - run the same "
            "command with --resume to go on",
            file=sys.stderr,
        )
        return 130
    finally:
        backend.close()
    seconds = time.perf_counter() - started
    tables = write_fit_results(folder, problem, fit, settings, seed, argv, seconds, args.format)
    print(
        f"# fit of {main.name} to {args.observed} {first}..{last}"
        + (f" and the episodes {', '.join(episodes)}" if episodes else "")
        + f"; seed {seed}; {fit.simulated} replications in {seconds:.0f} s"
    )
    print(format_fit(tables))
    note(args, f"results in {folder}/ (posterior.csv, plots in {folder / 'plots'}/)")
    return 0


def format_fit(tables: dict[str, list[dict]]) -> str:
    from sim.analysis.tables import format_table

    waves = [
        {k: r[k] for k in ("wave", "points", "ruled_out_share", "remaining_share")}
        for r in tables["waves"]
    ]
    params = [
        {
            "parameter": r["parameter"],
            "prior": r["prior"],
            "point": r["point_value"],
            "posterior median": r["posterior_median"],
            "90% interval": f"[{r['posterior_p05']:.3g}, {r['posterior_p95']:.3g}]",
        }
        for r in tables["parameters"]
    ]
    check = [
        {
            "statistic": r["statistic"][:44],
            "observed": r["observed"],
            "mean": r["mean"],
            "90% interval": f"[{r['p05']:g}, {r['p95']:g}]",
            "inside": "yes" if r["inside_90"] else "NO",
        }
        for r in tables["predictive"]
    ]
    return "\n\n".join(
        [
            "# history matching: share of the prior ruled out after each wave",
            format_table(waves),
            "# posterior (weighted particles of the last ABC generation)",
            format_table(params),
            "# posterior predictive check: observed value against the predictive interval",
            format_table(check),
        ]
    )


def cmd_score(args: argparse.Namespace, argv: Sequence[str]) -> int:
    import textwrap

    from sim.analysis.tables import format_table
    from sim.score_results import crps_sums, printed_rows, score_results, split_trivial

    def wrap(text: str) -> str:  # a note of at most 100 columns; paths are never split
        return textwrap.fill(
            text, 100, initial_indent="# ", subsequent_indent="#   ", break_long_words=False,
            break_on_hyphens=False,
        )  # fmt: skip

    from sim.experiment.outputs import results_folder

    with results_folder(args.out or args.results):  # score.csv and plots/ inside it
        scored = score_results(
            args.results,
            args.observed,
            args.first,
            args.last,
            out=args.out,
            mapping=args.mapping,
            fmt=args.format,
        )
    rec = scored.record
    print(f"# {args.results} against {rec.path}, {scored.first} to {scored.last}")
    for span in scored.spans:
        pre = scored.persistence[span.name]
        past = (
            f"persistence: the record's rates from {pre[0]} to {pre[1]}"
            if pre
            else "no persistence: the window starts where the record does"
        )
        print(f"\n# {span.name}: {span.replications} replications; {past}")
        mine = [r for r in scored.rows if r["scenario"] == span.name]
        shown, left = split_trivial(mine)
        print(format_table(printed_rows(shown)))
        sums = crps_sums(mine)
        print(
            f"# summed over the {sums['quantities']:.0f} monthly counts: CRPS "
            f"{sums['crps']:.3g}, persistence {sums['crps_persistence']:.3g} (skill "
            f"{sums['skill_persistence']:.3g})"
        )
        if left:
            text = "not shown (the record, every replication and every baseline: 0): "
            print(wrap(text + ", ".join(left)))
    notes = [
        "skill = 1 - crps / crps of the baseline; -: no baseline; -inf: the baseline was exact "
        "and the model was not",
        "not scored (the record does not count them, counts only that they happened, or the "
        "scenario schedules them): " + ", ".join(rec.unscored_types()),
        "written: " + ", ".join(str(p) for p in scored.files),
    ]
    print()
    for text in notes:
        print(wrap(text))
    return 0


def cmd_new(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from sim.starter import write_starter

    path = write_starter(args.name, args.from_, args.out)
    print(f"wrote {path}: extends {args.from_}; check it with: dmzsim validate {path}")
    return 0


def report_of(folder: Path, out: str | None = None) -> Path:
    """Write the HTML report of a results folder (``dmzsim report``, ``--report``)."""
    from sim.report import write_report

    return write_report(folder, out)


def cmd_report(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from contextlib import nullcontext

    from sim.experiment.outputs import results_folder
    from sim.experiment.store import STORE_NAME, check_intact

    store = Path(args.results) / STORE_NAME
    if store.is_file():  # a report of results whose store is damaged would mislead
        check_intact(store)
    # into the results folder (listed in its manifest), or where --out says
    within = results_folder(args.results) if args.out is None else nullcontext()
    with within:
        print(f"report: {report_of(Path(args.results), args.out)}")
    return 0


# --- the parser -----------------------------------------------------------------------------
def build_parser() -> Parser:
    p = Parser(prog="dmzsim", description="Discrete-event simulation of escalation on the DMZ.")
    p.add_argument("--version", action="version", version=f"dmzsim {__version__}")
    p.set_defaults(experiment_file=None)  # set when `dmzsim experiment` runs a file
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)

    def group(sp: argparse.ArgumentParser, title: str) -> Any:
        """The parser's option group ``title`` (replications, execution, output), made once."""
        groups = sp.__dict__.setdefault("_dmz_groups", {})
        if title not in groups:
            groups[title] = sp.add_argument_group(title)
        return groups[title]

    def common(sp: argparse.ArgumentParser, reps: int) -> None:
        g = group(sp, "replications")
        g.add_argument("-n", type=int, default=reps, help=f"replications (default {reps})")
        g.add_argument(
            "-s", "--seed", metavar="S", type=int, default=None, help="root seed (default: drawn)"
        )
        execution(sp)

    def execution(sp: argparse.ArgumentParser) -> None:
        x = group(sp, "execution")
        x.add_argument(
            "--backend",
            default="process",
            choices=("serial", "process", "dask"),
            help="where replications run (default: local worker processes)",
        )
        x.add_argument(
            "-j",
            "--workers",
            metavar="W",
            type=int,
            default=0,
            help="worker processes (default: one per core)",
        )
        x.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="join this Dask scheduler")
        x.add_argument("-q", "--quiet", action="store_true", help="no progress bar or notes")

    def engine(sp: argparse.ArgumentParser) -> None:
        x = group(sp, "execution")
        x.add_argument(
            "--batch-size",
            metavar="B",
            type=int,
            default=0,
            help="replications per task (default: chosen from a timing of the model)",
        )
        x.add_argument(
            "--resume", action="store_true", help="continue the experiment stored in --out"
        )
        x.add_argument(
            "--force", action="store_true", help="replace whatever experiment --out holds"
        )
        g = group(sp, "replications")
        g.add_argument(
            "--precision",
            type=float,
            metavar="H",
            help="add replications until every headline probability's 95%% half-width < H",
        )
        g.add_argument(
            "--max-replications",
            metavar="M",
            type=int,
            default=100_000,
            help="cap for --precision (default 100000)",
        )

    def overrides(sp: argparse.ArgumentParser) -> None:
        group(sp, "scenario").add_argument(
            "--set",
            action="append",
            default=[],
            metavar="SECTION.KEY=VALUE",
            help="override a parameter (repeatable)",
        )

    def posterior(sp: argparse.ArgumentParser) -> None:
        group(sp, "scenario").add_argument(
            "--posterior",
            metavar="FILE|none",
            help="draw each replication's fitted parameters from this posterior CSV (default: "
            "the posterior shipped beside the scenario or a file it extends; none: point values)",
        )

    def outcome_option(sp: argparse.ArgumentParser, text: str, required: bool = False) -> None:
        sp.add_argument(
            "--outcome",
            action="append",
            default=[],
            required=required,
            metavar="NAME[>=K]",
            help=text,
        )

    def outputs(sp: argparse.ArgumentParser, plots: Sequence[str]) -> None:
        o = group(sp, "output")
        o.add_argument("-o", "--out", metavar="DIR", help="results folder (default under results/)")
        o.add_argument("--events", action="store_true", help="also write every event")
        o.add_argument("--format", default="png", choices=("png", "svg", "pdf"), help="plot format")
        o.add_argument(
            "--plots",
            type=lambda text: plot_names(text, plots),
            metavar="NAME,...|none",
            help=f"which plots to draw (default all: {', '.join(plots)}); none: no plots",
        )
        o.add_argument(
            "--report", action="store_true", help="also write RESULTS/report.html (dmzsim report)"
        )

    r = sub.add_parser("run", help="run replications of one scenario")
    r.add_argument("scenario", help="scenario file or bundled name")
    common(r, 1000)
    engine(r)
    overrides(r)
    posterior(r)
    outputs(r, RUN_PLOTS)
    r.set_defaults(func=cmd_run)

    c = sub.add_parser("compare", help="paired comparison of scenarios (first is the reference)")
    c.add_argument("scenarios", nargs="+", help="scenario files or bundled names")
    outcome_option(c, "an outcome column's mean, or a condition's probability (repeatable)")
    common(c, 1000)
    engine(c)
    overrides(c)
    posterior(c)
    outputs(c, RUN_PLOTS)
    c.set_defaults(func=cmd_compare)

    t = sub.add_parser("trace", help="the event log of one replication, with causal chains")
    t.add_argument("scenario", help="scenario file or bundled name")
    t.add_argument(
        "-s", "--seed", metavar="S", type=int, required=True, help="root seed of the run"
    )
    t.add_argument(
        "--replication", metavar="I", type=int, default=0, help="replication index (default 0)"
    )
    t.add_argument("-q", "--quiet", action="store_true", help="no notes on stderr")
    t.add_argument(
        "--plot",
        metavar="FILE",
        help="draw the events on a time axis: y and colour by rung, arrows from causes "
        "(.png, .svg or .pdf)",
    )
    t.add_argument(
        "--json",
        metavar="FILE",
        help="write the events with dates and causes as JSON (- for stdout)",
    )
    t.add_argument(
        "--csv",
        metavar="FILE",
        help="write the events with dates and causes as CSV (- for stdout)",
    )
    overrides(t)
    posterior(t)
    t.set_defaults(func=cmd_trace)

    s = sub.add_parser("scenarios", help="list the bundled scenarios")
    s.set_defaults(func=cmd_scenarios)

    v = sub.add_parser("validate", help="check scenario files and print them resolved")
    v.add_argument("files", nargs="+", help="scenario files or bundled names")
    v.add_argument("--json", action="store_true", help="print JSON instead of TOML")
    overrides(v)
    v.set_defaults(func=cmd_validate)

    def swept(sp: argparse.ArgumentParser, spec: str) -> None:
        sp.add_argument("scenario", help="scenario file or bundled name")
        sp.add_argument(
            "--param",
            action="append",
            default=[],
            required=True,
            metavar=f"PATH={spec}",
            help="a parameter to vary and its values (repeatable)",
        )

    w = sub.add_parser("sweep", help="run a scenario over a grid or sample of parameter values")
    swept(w, "SPEC")
    w.add_argument(
        "--design", default="grid", choices=("grid", "lhs", "sobol"), help="(default grid)"
    )
    w.add_argument("--points", type=int, help="design points of a sampled design (lhs, sobol)")
    outcome_option(w, "an outcome column's mean, or a condition's probability (repeatable)")
    common(w, 200)
    engine(w)
    overrides(w)
    posterior(w)
    outputs(w, SWEEP_PLOTS)
    w.set_defaults(func=cmd_sweep)

    g = sub.add_parser("sensitivity", help="Sobol' indices of outcomes over parameter ranges")
    swept(g, "LO:HI")
    outcome_option(
        g, "an outcome column's mean, or a condition's probability (repeatable)", required=True
    )
    g.add_argument(
        "--points",
        type=int,
        default=64,
        help="base samples, a power of 2; the design has points x (parameters + 2) (default 64)",
    )
    common(g, 20)
    engine(g)
    overrides(g)
    posterior(g)
    outputs(g, SENSITIVITY_PLOTS)
    g.set_defaults(func=cmd_sensitivity)

    d = sub.add_parser("discover", help="PRIM: parameter ranges where an outcome is likely")
    d.add_argument("results", help="results folder of a sweep (best: --design lhs or sobol)")
    d.add_argument("--outcome", required=True, metavar="NAME>=K", help="the condition to explain")
    d.add_argument("--alpha", type=float, default=0.05, help="share peeled per step (0.05)")
    d.add_argument(
        "--min-mass", type=float, default=0.05, help="smallest box, as a share of cases (0.05)"
    )
    d.add_argument(
        "--threshold",
        type=float,
        help="density the chosen box must reach (default: halfway from base to the peak)",
    )
    d.add_argument("--format", default="png", choices=("png", "svg", "pdf"), help="plot format")
    d.set_defaults(func=cmd_discover)

    e = sub.add_parser("experiment", help="run an experiment file (experiments/*.toml)")
    e.add_argument("file", help="experiment file, or a bundled one's name (compare_2024)")
    g = group(e, "replications")
    g.add_argument("-n", type=int, help="replications (per point), instead of the file's")
    g.add_argument(
        "--points", type=int, help="design points or base samples, instead of the file's"
    )
    g.add_argument("--posterior", metavar="FILE|none", help="instead of the file's posterior")
    x = group(e, "execution")
    x.add_argument(
        "--backend",
        choices=("serial", "process", "dask"),
        help="where replications run (default: local worker processes)",
    )
    x.add_argument("-j", "--workers", metavar="W", type=int, help="worker processes")
    x.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="join this Dask scheduler")
    x.add_argument("--batch-size", metavar="B", type=int, help="replications per task")
    x.add_argument("-q", "--quiet", action="store_true", help="no progress bar or notes")
    x.add_argument("--resume", action="store_true", help="continue the experiment in its folder")
    x.add_argument("--force", action="store_true", help="replace what its folder holds")
    o = group(e, "output")
    o.add_argument("-o", "--out", metavar="DIR", help="results folder, instead of the file's")
    o.add_argument("--report", action="store_true", help="also write the folder's report.html")
    e.set_defaults(func=cmd_experiment)

    f = sub.add_parser(
        "fit", help="fit the scenario's [priors] to a record and episodes (history matching, ABC)"
    )
    f.add_argument("scenario", help="scenario file or bundled name (needs a [priors] table)")
    rec = group(f, "what to fit")
    rec.add_argument("--observed", required=True, metavar="CSV", help="the record of events")
    rec.add_argument("--from", dest="from_", required=True, metavar="DATE", help="window start")
    rec.add_argument("--to", required=True, metavar="DATE", help="window end (inclusive)")
    rec.add_argument(
        "--episodes",
        default="aug2015,oct2014,jun2020",
        metavar="A,B|none",
        help="historical episodes to match as well (default aug2015,oct2014,jun2020)",
    )
    hm = group(f, "history matching")
    hm.add_argument(
        "--waves", metavar="N", type=int, default=3, help="history-matching waves (default 3)"
    )
    hm.add_argument(
        "--points", metavar="N", type=int, default=200, help="parameter sets per wave (200)"
    )
    hm.add_argument(
        "--replications",
        metavar="N",
        type=int,
        default=20,
        help="replications per set in a wave (20)",
    )
    hm.add_argument(
        "--cutoff", metavar="I", type=float, default=3.0, help="implausibility cutoff (3)"
    )
    abc = group(f, "ABC")
    abc.add_argument(
        "--particles", metavar="N", type=int, default=1000, help="ABC population size (1000)"
    )
    abc.add_argument(
        "--alpha", metavar="SHARE", type=float, default=0.5, help="share kept per generation (0.5)"
    )
    abc.add_argument(
        "--min-acceptance",
        metavar="SHARE",
        type=float,
        default=0.05,
        help="stop when fewer new particles than this share beat the tolerance (0.05)",
    )
    abc.add_argument(
        "--generations", metavar="N", type=int, default=12, help="most ABC generations (12)"
    )
    abc.add_argument(
        "--predictive",
        metavar="N",
        type=int,
        default=1000,
        help="replications of the posterior predictive check (1000)",
    )
    group(f, "replications").add_argument(
        "-s", "--seed", metavar="S", type=int, default=None, help="root seed (default: drawn)"
    )
    execution(f)
    x = group(f, "execution")
    x.add_argument("--resume", action="store_true", help="go on with the fit stored in --out")
    x.add_argument("--force", action="store_true", help="replace the fit stored in --out")
    o = group(f, "output")
    o.add_argument(
        "-o", "--out", metavar="DIR", help="fit folder (default results/fit-SCENARIO-toDATE)"
    )
    o.add_argument("--format", default="png", choices=("png", "svg", "pdf"), help="plot format")
    overrides(f)
    f.set_defaults(func=cmd_fit)

    k = sub.add_parser("calibrate", help="compare a scenario with the record of 2023-11..2024-06")
    k.add_argument(
        "scenario", nargs="?", default="baseline_2024", help="scenario (default baseline_2024)"
    )
    common(k, 1000)
    overrides(k)
    k.set_defaults(func=cmd_calibrate)

    q = sub.add_parser("score", help="score results against an observed record (CRPS, PIT)")
    q.add_argument("results", help="results folder of dmzsim run or compare")
    q.add_argument(
        "--observed",
        required=True,
        metavar="CSV",
        help="record of events (the columns of sim/data/events_2023-11_to_2024-06.csv)",
    )
    q.add_argument(
        "--from", dest="first", required=True, metavar="DATE", help="first day of the window"
    )
    q.add_argument(
        "--to", dest="last", required=True, metavar="DATE", help="last day of the window"
    )
    q.add_argument(
        "-o",
        "--out",
        metavar="DIR",
        help="folder for score.csv and plots/ (default: the results folder)",
    )
    q.add_argument(
        "--mapping",
        metavar="CSV",
        help="record types to model types (default sim/data/record_types.csv)",
    )
    q.add_argument("--format", default="png", choices=("png", "svg", "pdf"), help="plot format")
    q.set_defaults(func=cmd_score)

    m = sub.add_parser("new", help="write a commented starter scenario that extends a bundled one")
    m.add_argument("name", metavar="NAME", help="the scenario's name: letters, digits, _ or -")
    m.add_argument(
        "--from",
        dest="from_",
        default="baseline_2024",
        metavar="SCENARIO",
        help="the bundled scenario it extends (default baseline_2024)",
    )
    m.add_argument("--out", metavar="FILE", help="where to write it (default NAME.toml here)")
    m.set_defaults(func=cmd_new)

    o = sub.add_parser("report", help="one self-contained HTML file of a results folder")
    o.add_argument(
        "results", help="results folder of run, compare, sweep, sensitivity, score or fit"
    )
    o.add_argument("--out", metavar="FILE", help="the HTML file (default RESULTS/report.html)")
    o.set_defaults(func=cmd_report)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args, argv))
    except InputError as err:
        print(f"dmzsim {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("dmzsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader (e.g. `| head`) left early: stop quietly, as other command-line tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as err:  # the file system refused: no space, no permission, not a folder
        where = f"{err.filename}: " if err.filename else ""
        text = one_line(f"{where}{err.strerror or err}")
        print(f"dmzsim {args.command}: error: {text}", file=sys.stderr)
        return 2
    except Exception as err:
        import sqlite3  # loaded already if the error is one of its own

        if not isinstance(err, sqlite3.Error):
            raise
        text = one_line(" ".join(str(err).split()))
        print(f"dmzsim {args.command}: error: experiment store: {text}", file=sys.stderr)
        return 2
