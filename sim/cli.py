"""The `dmzsim` command line: thin adapters over the library, one per subcommand."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sim import __version__
from sim.errors import InputError
from sim.scenario.params import Scenario

if TYPE_CHECKING:  # imported for real inside the commands, to keep start-up fast
    from sim.experiment.backends import Backend
    from sim.experiment.engine import Experiment
    from sim.experiment.store import Store

BUNDLED = Path(__file__).resolve().parent.parent / "scenarios"
HEADLINE = (
    "highest_rung",
    "ended_in_war",
    "count_mine_blast",
    "count_mdl_crossing",
    "count_warning_shots",
    "count_balloon_wave",
    "count_loudspeaker_broadcast",
    "count_small_arms_exchange",
    "killed_mines",
    "injured_mines",
    "killed_armed",
    "mean_tension",
    "final_tension",
)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


# --- helpers ---------------------------------------------------------------------------------
def scenario_path(arg: str) -> Path:
    """A scenario file given as a path, or a bundled scenario given by its name."""
    p = Path(arg)
    if p.is_file():
        return p
    bundled = BUNDLED / f"{arg}.toml"
    if bundled.is_file():
        return bundled
    names = ", ".join(sorted(f.stem for f in BUNDLED.glob("*.toml")))
    raise InputError(arg, None, arg, f"no such scenario file or bundled scenario ({names})")


def load(arg: str, overrides: Sequence[str]) -> Scenario:
    from sim.scenario.loader import load_scenario

    return load_scenario(scenario_path(arg), overrides)


def check_counts(args: argparse.Namespace) -> None:
    """Refuse bad replication, worker and precision settings before anything is drawn."""
    if args.n < 1:
        raise InputError("-n", None, args.n, "must be a whole number of at least 1")
    from sim.experiment.backends import check_options

    check_options(args.backend, args.workers, args.scheduler)
    if getattr(args, "batch_size", 0) < 0:
        raise InputError("--batch-size", None, args.batch_size, "must be 0 (automatic) or more")
    precision = getattr(args, "precision", None)
    if precision is not None and not 0.0 < precision < 0.5:
        raise InputError("--precision", None, precision, "a half-width between 0 and 0.5")
    if getattr(args, "max_replications", 1) < 1:
        raise InputError("--max-replications", None, args.max_replications, "must be >= 1")


def seed_of(args: argparse.Namespace) -> int:
    """The root seed: given, read from the experiment being resumed, or drawn and reported."""
    if args.seed is None and getattr(args, "resume", False) and args.out:
        from sim.experiment.store import STORE_NAME, read_facts

        path = Path(args.out) / STORE_NAME
        if path.exists() and "root_seed" in (facts := read_facts(path)):
            args.seed = int(facts["root_seed"])
    if args.seed is None:
        if getattr(args, "resume", False):
            raise InputError("--resume", None, args.out, "give the run's --seed and --out")
        args.seed = secrets.randbits(32)
        note(args, f"seed {args.seed} (drawn; pass --seed {args.seed} to repeat this run)")
    elif args.seed < 0:
        raise InputError("--seed", None, args.seed, "must be a non-negative whole number")
    return args.seed


def note(args: argparse.Namespace, text: str) -> None:
    if not getattr(args, "quiet", False):
        print(text, file=sys.stderr)


def headline_rows(rows: list[dict]) -> list[dict]:
    keep = set(HEADLINE)
    return [
        r
        for r in rows
        if r["outcome"] in keep
        or not r["outcome"].startswith(
            ("count_", "killed_", "injured_", "mean_", "final_", "max_", "end_", "first_")
        )
    ]


# --- experiments: run and compare -----------------------------------------------------------
COMPARE_HEADLINE = (
    "P(rung>=4)",
    "P(rung>=5)",
    "count_mine_blast",
    "count_mdl_crossing",
    "count_balloon_wave",
    "count_loudspeaker_broadcast",
    "mean_tension",
)


def experiment(
    args: argparse.Namespace, argv: Sequence[str], kind: str, scenarios: list[Scenario]
) -> tuple[Path, dict]:
    """Run (or resume) an experiment into its folder, then write every output from the store.

    Returns the folder and the tables written (``summary`` and ``forecast`` per scenario,
    ``compare``)."""
    from sim.experiment import engine
    from sim.experiment.backends import make_backend
    from sim.results import write_results

    check_counts(args)
    seed_of(args)
    default = f"{scenarios[0].name if kind == 'run' else 'compare'}-n{args.n}-seed{args.seed}"
    folder = Path(args.out) if args.out else Path("results") / default
    exp = engine.Experiment(kind, tuple(scenarios), args.seed, args.events)
    started = dt.datetime.now()
    # the backend first: a missing Dask or a dead scheduler must not leave an empty store behind
    backend = make_backend(args.backend, args.workers, args.scheduler)
    try:
        store = engine.open_store(
            folder, exp, resume=args.resume, force=args.force, facts={"command": ["dmzsim", *argv]}
        )
    except BaseException:
        backend.close()
        raise
    try:
        try:
            report = drive(args, exp, store, backend, folder)
        except engine.Interrupted:
            done = min(len(store.done(s.name)) for s in scenarios)
            print(
                f"dmzsim {kind}: interrupted; {done} replications per scenario are stored in "
                f"{folder}/ - run the same command with --resume to finish",
                file=sys.stderr,
            )
            raise SystemExit(130) from None
        finally:
            backend.close()
        report |= {
            "command": ["dmzsim", *argv],
            "root_seed": args.seed,
            "replications": args.n,
            "overrides": list(args.set),
            "started": started.isoformat(timespec="seconds"),
        }
        tables = write_results(
            store, scenarios, folder, report, events=args.events, fmt=args.format
        )
        note(args, f"results in {folder}/ (plots in {folder / 'plots'}/)")
    finally:
        store.close()
    return folder, tables


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
    seconds = time.perf_counter() - clock
    note(
        args,
        f"{args.n} replications x {len(exp.scenarios)} scenario(s) on {backend.name} "
        f"({backend.workers} worker(s)) in {seconds:.1f} s",
    )
    return report | {"task_sizes": list(sizes), "seconds": round(seconds, 3)}


# --- subcommands ----------------------------------------------------------------------------
def cmd_run(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from sim.analysis.tables import format_table
    from sim.results import FORECAST

    scenario = load(args.scenario, args.set)
    _, tables = experiment(args, argv, "run", [scenario])
    print(f"# {scenario.name}: {args.n} replications, seed {args.seed}")
    print(format_table(headline_rows(tables["summary"][scenario.name])))
    if scenario.name in tables["forecast"]:
        print(f"\n# Forecast {FORECAST[0]} to {FORECAST[1]} (mean, median and 90% interval)")
        print(format_table(tables["forecast"][scenario.name]))
    return 0


def cmd_compare(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from sim.analysis.tables import compare_headline, format_table

    scenarios = [load(a, args.set) for a in args.scenarios]
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise InputError("compare", None, names, "scenario names must differ")
    if len(scenarios) < 2:
        raise InputError("compare", None, names, "needs at least two scenarios")
    folder, tables = experiment(args, argv, "compare", scenarios)
    print(f"# {len(scenarios)} scenarios, {args.n} paired replications each, seed {args.seed}")
    print(f"# mean (difference from {names[0]} [95% interval], paired by replication)")
    print(format_table(compare_headline(tables["compare"], names, COMPARE_HEADLINE)))
    print(f"# every outcome: {folder / 'compare.csv'}")
    return 0


def cmd_trace(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from sim.model.events import RUNGS
    from sim.model.replication import run_replication

    scenario = load(args.scenario, args.set)
    if args.replication < 0:
        raise InputError("--replication", None, args.replication, "must be >= 0")
    if args.seed < 0:
        raise InputError("--seed", None, args.seed, "must be a non-negative whole number")
    r = run_replication(scenario, args.seed, args.replication, keep_events=True)
    events = r.events or ()
    start = dt.datetime.combine(scenario.start_date, dt.time())
    print(
        f"# {scenario.name}, seed {args.seed}, replication {args.replication}: "
        f"{len(events)} events, highest rung {int(r.outcomes['highest_rung'])} "
        f"({RUNGS[int(r.outcomes['highest_rung'])]})"
    )
    for ev in events:
        stamp = f"{start + dt.timedelta(days=ev.time):%Y-%m-%d %H:%M}"
        casualties = f" killed {ev.killed} injured {ev.injured}" if ev.killed or ev.injured else ""
        where = f" [{ev.sector}]" if ev.sector else ""
        line = (
            f"#{ev.id:<4} {stamp} day {ev.time:7.2f}  {ev.actor:<10} {ev.type}{where}"
            f"  rung {ev.rung}  tension {ev.tension:.2f}{casualties}"
        )
        chain = []
        cause = ev.cause
        while cause >= 0:
            c = events[cause]
            chain.append(f"#{c.id} {c.type}")
            cause = c.cause
        if chain:
            line += "  <- " + " <- ".join(chain)
        print(line)
    return 0


def cmd_scenarios(args: argparse.Namespace, argv: Sequence[str]) -> int:
    for f in sorted(BUNDLED.glob("*.toml")):
        print(f"{f.stem:<18} {load(str(f), ()).description}")
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


# --- the parser -----------------------------------------------------------------------------
def build_parser() -> Parser:
    p = Parser(prog="dmzsim", description="Discrete-event simulation of escalation on the DMZ.")
    p.add_argument("--version", action="version", version=f"dmzsim {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)

    def common(sp: argparse.ArgumentParser, reps: int) -> None:
        sp.add_argument("-n", type=int, default=reps, help=f"replications (default {reps})")
        sp.add_argument("--seed", type=int, default=None, help="root seed (default: drawn)")
        sp.add_argument(
            "--backend",
            default="process",
            choices=("serial", "process", "dask"),
            help="where replications run (default: local worker processes)",
        )
        sp.add_argument(
            "--workers", type=int, default=0, help="worker processes (default: one per core)"
        )
        sp.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="join this Dask scheduler")
        sp.add_argument("--quiet", action="store_true", help="no progress bar or notes")

    def engine(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "--batch-size",
            type=int,
            default=0,
            help="replications per task (default: chosen from a timing of the model)",
        )
        sp.add_argument(
            "--resume", action="store_true", help="continue the experiment stored in --out"
        )
        sp.add_argument(
            "--force", action="store_true", help="replace whatever experiment --out holds"
        )
        sp.add_argument(
            "--precision",
            type=float,
            metavar="H",
            help="add replications until every headline probability's 95%% half-width < H",
        )
        sp.add_argument(
            "--max-replications",
            type=int,
            default=100_000,
            help="cap for --precision (default 100000)",
        )

    def overrides(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="SECTION.KEY=VALUE",
            help="override a parameter (repeatable)",
        )

    def outputs(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--out", help="results folder (default under results/)")
        sp.add_argument("--events", action="store_true", help="also write every event")
        sp.add_argument(
            "--format", default="png", choices=("png", "svg", "pdf"), help="plot format"
        )

    r = sub.add_parser("run", help="run replications of one scenario")
    r.add_argument("scenario", help="scenario file or bundled name")
    common(r, 1000)
    engine(r)
    overrides(r)
    outputs(r)
    r.set_defaults(func=cmd_run)

    c = sub.add_parser("compare", help="paired comparison of scenarios (first is the reference)")
    c.add_argument("scenarios", nargs="+", help="scenario files or bundled names")
    common(c, 1000)
    engine(c)
    overrides(c)
    outputs(c)
    c.set_defaults(func=cmd_compare)

    t = sub.add_parser("trace", help="the event log of one replication, with causal chains")
    t.add_argument("scenario")
    t.add_argument("--seed", type=int, required=True)
    t.add_argument("--replication", type=int, default=0)
    overrides(t)
    t.set_defaults(func=cmd_trace)

    s = sub.add_parser("scenarios", help="list the bundled scenarios")
    s.set_defaults(func=cmd_scenarios)

    v = sub.add_parser("validate", help="check scenario files and print them resolved")
    v.add_argument("files", nargs="+")
    v.add_argument("--json", action="store_true", help="print JSON instead of TOML")
    overrides(v)
    v.set_defaults(func=cmd_validate)

    k = sub.add_parser("calibrate", help="compare a scenario with the record of 2023-11..2024-06")
    k.add_argument("scenario", nargs="?", default="baseline_2024")
    common(k, 1000)
    overrides(k)
    k.set_defaults(func=cmd_calibrate)
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
