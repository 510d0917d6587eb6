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

from sim import __version__
from sim.errors import InputError
from sim.model.result import ReplicationResult
from sim.scenario.params import Scenario

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
    """Refuse bad replication and worker counts before anything is drawn or written."""
    if args.n < 1:
        raise InputError("-n", None, args.n, "must be a whole number of at least 1")
    if args.workers < 0:
        raise InputError("--workers", None, args.workers, "must be 0 (one per core) or more")


def seed_of(args: argparse.Namespace) -> int:
    """The root seed: given, or drawn now and reported so the run can be repeated."""
    if args.seed is None:
        args.seed = secrets.randbits(32)
        note(args, f"seed {args.seed} (drawn; pass --seed {args.seed} to repeat this run)")
    elif args.seed < 0:
        raise InputError("--seed", None, args.seed, "must be a non-negative whole number")
    return args.seed


def note(args: argparse.Namespace, text: str) -> None:
    if not getattr(args, "quiet", False):
        print(text, file=sys.stderr)


def simulate(
    args: argparse.Namespace, scenario: Scenario, keep_events: bool
) -> list[ReplicationResult]:
    from sim.experiment.runner import default_workers, run_replications

    workers = args.workers or default_workers()
    started = time.perf_counter()
    results = run_replications(
        scenario, args.n, args.seed, workers=workers, keep_events=keep_events
    )
    note(args, f"{scenario.name}: {args.n} replications in {time.perf_counter() - started:.1f} s")
    return results


def out_dir(args: argparse.Namespace, default: str) -> Path:
    folder = Path(args.out) if args.out else Path("results") / default
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def manifest(
    args: argparse.Namespace, argv: Sequence[str], scenarios: list[Scenario], started: dt.datetime
) -> dict:
    from sim.scenario.loader import scenario_to_dict

    return {
        "command": ["dmzsim", *argv],
        "version": __version__,
        "root_seed": args.seed,
        "replications": args.n,
        "replication_seeds": "numpy SeedSequence(root_seed, spawn_key=(replication,)); "
        "stream NAME: spawn_key=(replication, blake2b-32(NAME))",
        "overrides": list(args.set),
        "scenarios": {s.name: scenario_to_dict(s) for s in scenarios},
        "started": started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now().isoformat(timespec="seconds"),
    }


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


def write_results(
    args: argparse.Namespace,
    argv: Sequence[str],
    folder: Path,
    named: list[tuple[Scenario, list[ReplicationResult]]],
    started: dt.datetime,
) -> None:
    from sim.analysis.tables import forecast_table, outcome_table
    from sim.experiment import outputs
    from sim.plots.figures import write_all_plots

    outputs.write_outcomes_csv(
        folder / "outcomes.csv",
        (row for s, results in named for row in outputs.outcome_rows(s.name, results, args.seed)),
    )
    for s, results in named:
        suffix = "" if len(named) == 1 else f"_{s.name}"
        outputs.write_table(folder / f"summary{suffix}.csv", outcome_table(results))
        outputs.write_table(folder / f"forecast{suffix}.csv", forecast_table(results, s.start_date))
        outputs.write_monthly_counts_csv(folder / f"monthly_counts{suffix}.csv", s.name, results)
        if args.events:
            outputs.write_events_csv(folder / f"events{suffix}.csv", s.name, results)
    outputs.write_trajectories(folder / "trajectories.npz", named)
    plots = write_all_plots(
        [(s.name, rs) for s, rs in named], named[0][0].start_date, folder / "plots", args.format
    )
    outputs.write_manifest(
        folder / "manifest.json", **manifest(args, argv, [s for s, _ in named], started)
    )
    note(args, f"results in {folder}/ ({len(plots)} plots in {folder / 'plots'}/)")


# --- subcommands ----------------------------------------------------------------------------
def cmd_run(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from sim.analysis.tables import forecast_table, format_table, outcome_table

    started = dt.datetime.now()
    scenario = load(args.scenario, args.set)
    check_counts(args)
    seed_of(args)
    results = simulate(args, scenario, keep_events=args.events)
    folder = out_dir(args, f"{scenario.name}-n{args.n}-seed{args.seed}")
    print(f"# {scenario.name}: {args.n} replications, seed {args.seed}")
    print(format_table(headline_rows(outcome_table(results))))
    print(f"\n# Forecast {FORECAST[0]} to {FORECAST[1]} (mean, median and 90% interval)")
    print(format_table(forecast_table(results, scenario.start_date)))
    write_results(args, argv, folder, [(scenario, results)], started)
    return 0


FORECAST = ("2024-07", "2024-12")
COMPARE_HEADLINE = (
    "P(rung>=4)",
    "P(rung>=5)",
    "count_mine_blast",
    "count_mdl_crossing",
    "count_balloon_wave",
    "count_loudspeaker_broadcast",
    "mean_tension",
)


def cmd_compare(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from sim.analysis.tables import compare_headline, compare_table, format_table

    started = dt.datetime.now()
    scenarios = [load(a, args.set) for a in args.scenarios]
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise InputError("compare", None, names, "scenario names must differ")
    check_counts(args)
    seed_of(args)
    named = [(s, simulate(args, s, keep_events=args.events)) for s in scenarios]
    folder = out_dir(args, f"compare-n{args.n}-seed{args.seed}")
    rows = compare_table([(s.name, rs) for s, rs in named])
    from sim.experiment.outputs import write_table

    print(f"# {len(scenarios)} scenarios, {args.n} paired replications each, seed {args.seed}")
    print(f"# mean (difference from {names[0]} [95% interval], paired by replication)")
    print(format_table(compare_headline(rows, names, COMPARE_HEADLINE)))
    print(f"# every outcome: {folder / 'compare.csv'}")
    write_table(folder / "compare.csv", rows)
    write_results(args, argv, folder, named, started)
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
    from sim.analysis.calibration import calibration_table
    from sim.analysis.tables import format_table

    scenario = load(args.scenario, args.set)
    check_counts(args)
    seed_of(args)
    results = simulate(args, scenario, keep_events=True)
    print(
        f"# {scenario.name} against the record of Nov 2023 - Jun 2024 "
        f"({args.n} replications, seed {args.seed})"
    )
    print(format_table(calibration_table(results, scenario.start_date)))
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
            "--workers", type=int, default=0, help="worker processes (default: one per core)"
        )
        sp.add_argument("--quiet", action="store_true", help="no progress notes")

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
    overrides(r)
    outputs(r)
    r.set_defaults(func=cmd_run)

    c = sub.add_parser("compare", help="paired comparison of scenarios (first is the reference)")
    c.add_argument("scenarios", nargs="+", help="scenario files or bundled names")
    common(c, 1000)
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
