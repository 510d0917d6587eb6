"""The catalogue of named bad inputs that tests/test_bad_input.py runs through the CLI.

Each ``Case`` is a CLI argument list plus the files to create first in a fresh folder. Paths in
``files`` are relative to the case's working folder ``work`` (``../`` reaches the case root,
which also holds a canary folder). Tokens in arguments and file text are replaced at run time:
``@ROOT@`` and ``@WORK@`` (absolute folders), ``@TCP@`` (a loopback port where a plain TCP
server that is not Dask answers), ``@HTTP@`` (a loopback HTTP server) and ``@CLOSED@`` (a
loopback port nobody listens on).

``fix`` names the helper whose fix a case's expected behaviour depends on (issue 12); those
cases are deliberately not xfailed, so the lead sees which still fail.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pytest

# which fix (issue 12) a case depends on
CONFINE = "scenario file confinement and names"
BOUNDS = "parameter bounds"
OUTPUT = "output confinement, safe --force, store faults and CLI option bounds"
DASK = "Dask/backends and orphans"
HORIZON = "compare with different horizons"

SECRET = "SECRETMARK-5e1d07"  # written into private files; must never reach stdout or stderr


@dataclass(frozen=True)
class Dir:
    """An empty folder to create."""


@dataclass(frozen=True)
class Fifo:
    """A named pipe to create (reading it blocks until a writer comes)."""


@dataclass(frozen=True)
class Link:
    """A symbolic link to ``target`` (relative to the link's folder)."""

    target: str


@dataclass(frozen=True)
class CharDev:
    """A character device node (1, 3 is /dev/null): made in the case's folder, never in /dev."""

    major: int = 1
    minor: int = 3


@dataclass(frozen=True)
class JsonAppend:
    """Append ``values`` to the list ``key`` of an existing JSON file (a copied manifest)."""

    key: str
    values: tuple[str, ...]


FileSpec = str | bytes | Dir | Fifo | Link | CharDev | JsonAppend


@dataclass(frozen=True)
class Case:
    """One bad input: what to run, what to set up, and what must hold afterwards."""

    args: tuple[str, ...]
    files: Mapping[str, FileSpec] = field(default_factory=dict)
    expect: str = "2"  # "2": must be refused; "0": must succeed; "any": 0 or 2 (or 130)
    mention: tuple[str, ...] = ()  # one of these must appear in the error line (case-insensitive)
    prev: str | None = None  # copy the session's small valid results folder here first
    prev_may_change: bool = False  # a valid --force/--resume on ``prev``
    allowed: tuple[str, ...] = ("o", "results")  # folders (under work) where files may appear
    absent: tuple[str, ...] = ()  # paths (relative to work) that must not exist afterwards
    present: tuple[str, ...] = ()  # paths (relative to work) that must exist afterwards
    cwd: str = "."  # relative to work; created if missing
    secrets: tuple[str, ...] = ()  # absolute files none of whose lines may appear in the output
    fix: str = ""  # the helper's fix this case's expectation depends on
    may_change: tuple[str, ...] = ()  # paths (relative to work) the case may rewrite
    within: float = 45.0  # seconds the answer may take
    # largest file the process may write (RLIMIT_FSIZE): a full disk, simulated without
    # touching a device (writing "to /dev/full" would replace the device node: never do that)
    file_limit: int | None = None
    interrupt_after: float | None = None  # seconds, then SIGINT to its process group (Ctrl-C)


# a tiny, quick run: every case that may run replications uses these
FAST = ("-n", "2", "-s", "1", "--backend", "serial", "--plots", "none", "-q")
RUN = ("run", "baseline_2024", *FAST)
VALIDATE = ("validate", "s.toml")
BASE = 'extends = "baseline_2024"\n'
PASSWD_LINES = ("/etc/passwd",)
NOT_TOML = f"this is not TOML\n{SECRET} = line two of a private file\npassword: {SECRET}\n"


def scen(text: str, *, run: bool = False, out: str = "o", **kw: object) -> Case:
    """A scenario file ``s.toml`` extending baseline_2024 with ``text``: validate it, or run it."""
    args = ("run", "s.toml", *FAST, "--out", out) if run else VALIDATE
    return Case(args=args, files={"s.toml": BASE + text}, **kw)  # type: ignore[arg-type]


def raw(content: FileSpec, **kw: object) -> Case:
    """Validate a scenario file ``s.toml`` whose whole content is ``content``."""
    return Case(args=VALIDATE, files={"s.toml": content}, **kw)  # type: ignore[arg-type]


def cli(*args: str, **kw: object) -> Case:
    """A bare argument list."""
    return Case(args=tuple(args), **kw)  # type: ignore[arg-type]


def run_with(*extra: str, **kw: object) -> Case:
    """A tiny run of baseline_2024 with ``extra`` options, writing to o/."""
    return Case(args=(*RUN, "--out", "o", *extra), **kw)  # type: ignore[arg-type]


def setv(*sets: str, run: bool = False, **kw: object) -> Case:
    """``--set`` overrides on baseline_2024: validated, or run."""
    flags = tuple(x for s in sets for x in ("--set", s))
    base = (*RUN, "--out", "o") if run else ("validate", "baseline_2024")
    return Case(args=(*base, *flags), **kw)  # type: ignore[arg-type]


def sweep(*param: str, extra: tuple[str, ...] = (), **kw: object) -> Case:
    """A sweep of baseline_2024 over ``--param`` specs."""
    flags = tuple(x for p in param for x in ("--param", p))
    return Case(args=("sweep", "baseline_2024", *flags, *FAST, "--out", "o", *extra), **kw)  # type: ignore[arg-type]


def exp(text: str, *, extra: tuple[str, ...] = (), **kw: object) -> Case:
    """An experiment file ``e.toml`` run with the tiny serial settings."""
    args = ("experiment", "e.toml", "--backend", "serial", "-q", *extra)
    return Case(args=args, files={"e.toml": text, **kw.pop("more", {})}, **kw)  # type: ignore[arg-type, dict-item]


EXP_RUN = 'command = "run"\nscenario = "baseline_2024"\nreplications = 2\nseed = 1\n'
EXP_OUT = '\n[output]\nfolder = "o"\nplots = ["highest_rung"]\n'
OBS_OK = (
    "date,event_type,actor,count,casualties_killed,casualties_injured,response,source,confidence,"
    "notes\n2024-01-05,mdl_crossing,DPRK,1,,,,test,high,\n"
)
SCORE = ("score", "prev", "--from", "2024-01-01", "--to", "2024-06-30")
FIT = ("fit", "baseline_2024", "--backend", "serial", "-q", "--out", "o")
DEEP = 1000  # files in the long extends chain


def chain_files(depth: int) -> dict[str, FileSpec]:
    """``c0.toml`` extends ``c1.toml`` ... extends baseline_2024: a chain ``depth`` files deep."""
    files: dict[str, FileSpec] = {}
    for i in range(depth):
        parent = f"c{i + 1}.toml" if i + 1 < depth else "baseline_2024"
        files[f"c{i}.toml"] = f'extends = "{parent}"\n'
    return files


_CASES: dict[str, Case] = {
    # ---- extends: confinement and leaks (issue examples first) ----
    "extends_etc_shadow": raw(
        'extends = "/etc/shadow"\n', secrets=("/etc/shadow",), fix=CONFINE, mention=("extends",)
    ),
    "extends_proc_self_environ": raw(
        'extends = "/proc/self/environ"\n', fix=CONFINE, mention=("extends",)
    ),
    "extends_etc_passwd": raw(
        'extends = "/etc/passwd"\n', secrets=PASSWD_LINES, fix=CONFINE, mention=("extends",)
    ),
    "extends_private_abs_not_toml": Case(
        args=("validate", "scen/s.toml"),
        files={
            "../private/secret.txt": NOT_TOML,
            "scen/s.toml": 'extends = "@ROOT@/private/secret.txt"\n',
        },
        fix=CONFINE,
        mention=("extends",),
    ),
    "extends_private_rel_not_toml": Case(
        args=("validate", "scen/s.toml"),
        files={
            "../private/secret.txt": NOT_TOML,
            "scen/s.toml": 'extends = "../../private/secret.txt"\n',
        },
        fix=CONFINE,
        mention=("extends",),
    ),
    "extends_private_toml_with_secret_value": Case(
        args=("validate", "scen/s.toml"),
        files={
            "../private/creds.toml": f'password = "{SECRET}"\ntoken = "{SECRET}"\n',
            "scen/s.toml": 'extends = "../../private/creds.toml"\n',
        },
        fix=CONFINE,
        mention=("extends", "password", "token"),
    ),
    "extends_symlink_to_private": Case(
        args=("validate", "scen/s.toml"),
        files={
            "../private/secret.txt": NOT_TOML,
            "scen/link.toml": Link("../../private/secret.txt"),
            "scen/s.toml": 'extends = "link.toml"\n',
        },
        fix=CONFINE,
    ),
    "extends_private_run": Case(
        args=("run", "scen/s.toml", *FAST, "--out", "o"),
        files={
            "../private/secret.txt": NOT_TOML,
            "scen/s.toml": 'extends = "../../private/secret.txt"\n',
        },
        fix=CONFINE,
        mention=("extends",),
    ),
    "extends_dev_zero": raw('extends = "/dev/zero"\n', mention=("extends",)),
    "extends_fifo": Case(
        args=VALIDATE,
        files={"p.toml": Fifo(), "s.toml": 'extends = "p.toml"\n'},
        mention=("extends",),
    ),
    "extends_self": raw('extends = "s.toml"\n', mention=("extends",)),
    "extends_cycle_two": Case(
        args=("validate", "a.toml"),
        files={"a.toml": 'extends = "b.toml"\n', "b.toml": 'extends = "a.toml"\n'},
        mention=("extends",),
    ),
    "extends_chain_1000_deep": Case(
        args=("validate", "c0.toml"),
        files=chain_files(DEEP),
        expect="2",
        mention=("extends",),
        fix=CONFINE,
    ),
    "extends_empty": raw('extends = ""\n', mention=("extends",)),
    "extends_missing_file": raw('extends = "nope.toml"\n', mention=("extends",)),
    "extends_directory": Case(
        args=VALIDATE, files={"d": Dir(), "s.toml": 'extends = "d"\n'}, mention=("extends",)
    ),
    "extends_newline_name": raw('extends = "base\\nline_2024"\n', mention=("extends",)),
    "extends_escape_chars": raw('extends = "\\u001b[31mred\\u0007"\n', mention=("extends",)),
    "extends_nul_char": raw('extends = "a\\u0000b"\n', mention=("extends",)),
    "extends_bundled_traversal": raw(
        'extends = "../../../../../../etc/passwd"\n',
        secrets=PASSWD_LINES,
        fix=CONFINE,
        mention=("extends",),
    ),
    "extends_bundled_with_suffix_ok": raw('extends = "baseline_2024.toml"\n', expect="0"),
    # ---- the scenario file itself ----
    "scenario_etc_passwd_arg": cli("validate", "/etc/passwd", mention=("/etc/passwd",)),
    "scenario_proc_self_environ_arg": cli(
        "validate", "/proc/self/environ", mention=("/proc/self/environ",)
    ),
    "scenario_dev_zero_arg": cli("validate", "/dev/zero", mention=("/dev/zero",), fix=CONFINE),
    "scenario_fifo_arg": Case(
        args=("validate", "p.toml"), files={"p.toml": Fifo()}, mention=("p.toml",), fix=CONFINE
    ),
    "scenario_fifo_run": Case(
        args=("run", "p.toml", *FAST, "--out", "o"),
        files={"p.toml": Fifo()},
        mention=("p.toml",),
        fix=CONFINE,
    ),
    "scenario_directory": Case(args=("validate", "d"), files={"d": Dir()}, mention=("d",)),
    "scenario_missing_file": cli("run", "nope.toml", *FAST, "--out", "o", mention=("nope",)),
    "scenario_missing_name": cli(
        "run", "no_such_bundled", *FAST, "--out", "o", mention=("no_such",)
    ),
    "scenario_empty_arg": cli("run", "", *FAST, "--out", "o"),
    "scenario_newline_arg": cli("run", "a\nb", *FAST, "--out", "o"),
    "scenario_escape_arg": cli("run", "\x1b[2J\x1b[31mred", *FAST, "--out", "o"),
    "scenario_empty_file": raw("", mention=("s.toml",)),
    "scenario_binary": raw(bytes(range(256)) * 8, mention=("s.toml",)),
    "scenario_non_utf8": raw(b'name = "caf\xe9"\nstart_date = 2024-01-01\n', mention=("s.toml",)),
    "toml_unclosed_table": raw(BASE + "[terrain\nx = 1\n", mention=("s.toml",)),
    "toml_deep_arrays": raw(BASE + "x = " + "[" * 5000 + "]" * 5000 + "\n"),
    "toml_long_line": raw(BASE + "name = '" + "A" * 2_000_000 + "\n"),
    # ---- keys, names and types ----
    "unknown_top_key": scen('colour = "red"\n', mention=("colour",)),
    "unknown_section": scen("[weather]\nrain = 1\n", mention=("weather",)),
    "unknown_key_typo": scen("[mines]\nkiled_mean = 2.0\n", mention=("kiled_mean",)),
    "name_empty": scen('name = ""\n', mention=("name",), fix=CONFINE),
    "name_newline": scen('name = "a\\nb"\n', mention=("name",), fix=CONFINE),
    "name_escape": scen('name = "\\u001b[31mred"\n', mention=("name",), fix=CONFINE),
    "name_traversal_run": scen(
        'name = "x/../../PWN"\n',
        run=True,
        out="o/r",
        expect="2",
        allowed=("o/r",),
        absent=("o/PWN", "o/PWN.csv", "PWN", "PWN.csv"),
        fix=CONFINE,
    ),
    "name_absolute_run": scen(
        'name = "@ROOT@/PWN"\n', run=True, out="o/r", expect="2", allowed=("o/r",), fix=CONFINE
    ),
    "start_date_feb30": scen('start_date = "2024-02-30"\n', mention=("start_date",)),
    "start_date_month13": scen('start_date = "2024-13-01"\n', mention=("start_date",)),
    "start_date_datetime": scen("start_date = 2024-01-01T10:00:00\n", mention=("start_date",)),
    "start_date_year_1_run": scen(
        "start_date = 0001-01-01\n", run=True, expect="2", mention=("start_date",), fix=BOUNDS
    ),
    "end_before_start": scen(
        "start_date = 2024-06-01\nend_date = 2024-01-01\n", mention=("end_date", "start_date")
    ),
    "end_equals_start_run": scen(
        "start_date = 2024-06-01\nend_date = 2024-06-01\n", run=True, expect="2"
    ),
    "end_date_9999_run": scen(
        "end_date = 9999-12-31\n", run=True, expect="2", mention=("end_date",), fix=BOUNDS
    ),
    "killed_mean_string": scen('[mines]\nkilled_mean = "two"\n', mention=("killed_mean",)),
    "killed_mean_bool": scen("[mines]\nkilled_mean = true\n", mention=("killed_mean",)),
    "killed_mean_nan": scen("[mines]\nkilled_mean = nan\n", mention=("killed_mean",)),
    "killed_mean_inf": scen("[mines]\nkilled_mean = inf\n", mention=("killed_mean",)),
    "blast_rate_neg_inf": scen(
        "[mines]\nblast_rate_per_crew_day = -inf\n", mention=("blast_rate_per_crew_day",)
    ),
    "killed_mean_negative": scen("[mines]\nkilled_mean = -1.0\n", mention=("killed_mean",)),
    "killed_mean_1e308_run": scen(
        "[mines]\nkilled_mean = 1e308\n",
        run=True,
        expect="2",
        mention=("killed_mean",),
        fix=BOUNDS,
    ),
    "crews_bool": scen("[terrain.sectors.west]\ncrews = true\n", mention=("crews",)),
    "crews_negative": scen("[terrain.sectors.west]\ncrews = -3\n", mention=("crews",)),
    "crews_1e9_run": scen(
        "[terrain.sectors.west]\ncrews = 1000000000\n",
        run=True,
        expect="2",
        mention=("crews",),
        fix=BOUNDS,
    ),
    "crews_bignum": scen(
        "[terrain.sectors.west]\ncrews = 99999999999999999999999999\n", mention=("crews",)
    ),
    "probability_above_one": scen(
        "[mines]\nblame_probability = 1.5\n", mention=("blame_probability",)
    ),
    "talks_offer_rate_1e9_run": scen(
        "[diplomacy]\ntalks_offer_rate_per_day = 1e9\n",
        run=True,
        expect="2",
        mention=("talks_offer_rate_per_day",),
        fix=BOUNDS,
    ),
    "blast_rate_1e6_run": scen(
        "[mines]\nblast_rate_per_crew_day = 1e6\n",
        run=True,
        expect="2",
        mention=("blast_rate_per_crew_day",),
        fix=BOUNDS,
    ),
    "tension_half_life_zero_run": scen(
        "[escalation]\ntension_half_life_days = 0.0\n",
        run=True,
        expect="2",
        mention=("tension_half_life_days",),
    ),
    "max_mine_density_zero_run": scen(
        "[construction]\nmax_mine_density = 0.0\n", run=True, expect="any"
    ),
    "roe_unknown": scen('[response]\nroe = "nuclear"\n', mention=("roe",)),
    "hotline_string_bool": scen(
        '[diplomacy]\nhotline_working = "yes"\n', mention=("hotline_working",)
    ),
    "sectors_as_number": scen("[terrain]\nsectors = 5\n", mention=("sectors",)),
    "sectors_empty_run": scen("[terrain]\nsectors = {}\n", run=True, expect="any"),
    "sector_name_newline": scen('[terrain.sectors."a\\nb"]\nmine_density = 0.5\n', expect="2"),
    "sector_name_traversal_run": scen(
        '[terrain.sectors."../../PWN"]\nmine_density = 0.5\n'
        "south_mine_density = 0.1\nmarker_visibility = 0.5\n"
        "crews = 1\ndprk_patrols = 1\nrok_patrols = 1\n",
        run=True,
        expect="any",
        absent=("PWN", "o/PWN", "../PWN"),
    ),
    # ---- timeline ----
    "event_unknown_type": scen(
        '[[timeline.events]]\ndate = 2024-06-01\ntype = "alien_invasion"\n', mention=("type",)
    ),
    "event_before_start": scen(
        '[[timeline.events]]\ndate = 2000-01-01\ntype = "treaty"\n', mention=("date",)
    ),
    "event_after_end": scen(
        '[[timeline.events]]\ndate = 2030-01-01\ntype = "treaty"\n', mention=("date",)
    ),
    "event_no_date": scen('[[timeline.events]]\ntype = "treaty"\n', mention=("date",)),
    "event_unknown_sector": scen(
        '[[timeline.events]]\ndate = 2024-06-01\ntype = "mine_blast"\nactor = "DPRK"\n'
        'sector = "north_pole"\n',
        mention=("sector",),
    ),
    "events_number": scen("[timeline]\nevents = 5\n", mention=("events",)),
    # ---- priors ----
    "prior_unknown_path": scen(
        '[priors]\n"mines.nope" = { dist = "uniform", low = 0, high = 1 }\n',
        mention=("mines.nope", "nope"),
    ),
    "prior_unknown_dist": scen(
        '[priors]\n"mines.killed_mean" = { dist = "cauchy", low = 0, high = 1 }\n',
        mention=("dist", "cauchy"),
    ),
    "prior_low_above_high": scen(
        '[priors]\n"mines.killed_mean" = { dist = "uniform", low = 5, high = 1 }\n',
        mention=("low", "high"),
    ),
    # ---- --set ----
    "set_no_key": setv("=1", mention=("--set",)),
    "set_no_value": setv("mines.killed_mean=", mention=("killed_mean",)),
    "set_no_equals": setv("a.b.c", mention=("--set", "a.b.c")),
    "set_empty": setv("", mention=("--set",)),
    "set_unknown_path": setv("mines.nope=1", mention=("nope",)),
    "set_unknown_section": setv("nosuch.key=1", mention=("nosuch",)),
    "set_index_999": setv("timeline.events[999].date=2024-06-01", mention=("999", "events")),
    "set_index_huge": setv(
        "timeline.events[99999999999999999999999].date=2024-06-01", mention=("events",)
    ),
    "set_string_for_number": setv("mines.killed_mean=abc", mention=("killed_mean",)),
    "set_nan": setv("mines.killed_mean=nan", mention=("killed_mean",)),
    "set_newline_injection": setv('mines.killed_mean=1\nname="PWN"', mention=("killed_mean",)),
    "set_escape_value": setv("mines.killed_mean=\x1b[31m", mention=("killed_mean",)),
    "set_extends_passwd": setv("extends=/etc/passwd", secrets=PASSWD_LINES, mention=("extends",)),
    "set_date_with_time": setv("start_date=2024-01-01T00:00:00", mention=("start_date",)),
    "set_end_before_start": setv("end_date=2020-01-01", mention=("end_date", "start_date")),
    "set_repeated_ok": setv("mines.killed_mean=1", "mines.killed_mean=2", expect="0"),
    "set_start_date_0001_run": setv(
        "start_date=0001-01-01", run=True, expect="2", mention=("start_date",), fix=BOUNDS
    ),
    "set_end_date_9999_run": setv(
        "end_date=9999-12-31", run=True, expect="2", mention=("end_date",), fix=BOUNDS
    ),
    "set_killed_mean_1e308_run": setv(
        "mines.killed_mean=1e308", run=True, expect="2", mention=("killed_mean",), fix=BOUNDS
    ),
    "set_crews_1e9_run": setv(
        "terrain.sectors.west.crews=1000000000",
        run=True,
        expect="2",
        mention=("crews",),
        fix=BOUNDS,
    ),
    "set_talks_rate_1e9_run": setv(
        "diplomacy.talks_offer_rate_per_day=1e9",
        run=True,
        expect="2",
        mention=("talks_offer_rate_per_day",),
        fix=BOUNDS,
    ),
    "set_blast_rate_1e6_run": setv(
        "mines.blast_rate_per_crew_day=1e6",
        run=True,
        expect="2",
        mention=("blast_rate_per_crew_day",),
        fix=BOUNDS,
    ),
    "set_name_traversal_compare": Case(
        args=(
            "compare",
            "baseline_2024",
            "hotline",
            *FAST,
            "--out",
            "o/cmp",
            "--set",
            "name=x/../../PWN",
        ),
        expect="2",
        allowed=("o/cmp",),
        absent=("o/PWN.csv", "o/PWN", "PWN.csv"),
        fix=CONFINE,
    ),
    # ---- sweep --param and sensitivity ----
    "sweep_param_1e8_steps": sweep(
        "mines.killed_mean=0:1:100000000", mention=("--param",), fix=OUTPUT
    ),
    "sweep_param_lo_above_hi": sweep("mines.killed_mean=1:0:3", expect="2", mention=("--param",)),
    "sweep_param_zero_steps": sweep("mines.killed_mean=0:1:0", mention=("--param",)),
    "sweep_param_unknown_path": sweep("mines.nope=0:1:3", mention=("nope",)),
    "sweep_param_string_field": sweep("response.roe=0:1:3", mention=("roe",)),
    "sweep_points_huge": sweep(
        "mines.killed_mean=0:1",
        extra=("--design", "lhs", "--points", "1000000000000"),
        mention=("--points",),
        fix=OUTPUT,
    ),
    "sweep_design_unknown": sweep(
        "mines.killed_mean=0:1:2", extra=("--design", "nope"), mention=("--design",)
    ),
    "sweep_no_param": cli("sweep", "baseline_2024", *FAST, "--out", "o", mention=("--param",)),
    "sensitivity_lo_above_hi": cli(
        "sensitivity",
        "baseline_2024",
        "--param",
        "mines.killed_mean=1:0",
        "--outcome",
        "highest_rung>=4",
        "--points",
        "2",
        *FAST,
        "--out",
        "o",
        mention=("--param",),
    ),
    # ---- --outcome ----
    "outcome_unknown": cli(
        "compare",
        "baseline_2024",
        "hotline",
        "--outcome",
        "nope",
        *FAST,
        "--out",
        "o",
        mention=("--outcome", "nope"),
    ),
    "outcome_ge_missing_number": cli(
        "compare",
        "baseline_2024",
        "hotline",
        "--outcome",
        "highest_rung>=",
        *FAST,
        "--out",
        "o",
        mention=("--outcome",),
    ),
    "outcome_newline": cli(
        "compare",
        "baseline_2024",
        "hotline",
        "--outcome",
        "highest_rung\n>=4",
        *FAST,
        "--out",
        "o",
        expect="any",
        mention=("--outcome",),
    ),
    # ---- replications, seeds, workers, precision ----
    "n_zero": run_with("-n", "0", mention=("-n",)),
    "n_negative": run_with("-n", "-1", mention=("-n",)),
    "n_text": run_with("-n", "abc", mention=("-n",)),
    "n_1e12": run_with("-n", "1000000000000", mention=("-n",), fix=OUTPUT),
    "n_bignum": run_with("-n", "99999999999999999999999", mention=("-n",), fix=OUTPUT),
    "seed_2_pow_63": run_with("-s", str(2**63), expect="2", mention=("seed", "-s")),
    "seed_2_pow_64": run_with("-s", str(2**64), expect="2", mention=("seed", "-s")),
    "seed_negative": run_with("-s", "-1", mention=("seed", "-s"), fix=OUTPUT),
    "workers_negative": run_with(
        "--backend", "process", "-j", "-1", mention=("-j", "workers"), fix=OUTPUT
    ),
    "workers_zero": run_with(
        "--backend", "process", "-j", "0", expect="any", mention=("-j", "workers"), fix=OUTPUT
    ),
    "batch_size_negative": run_with("--batch-size", "-5", mention=("--batch-size",), fix=OUTPUT),
    "batch_size_zero": run_with(
        "--batch-size", "0", expect="any", mention=("--batch-size",), fix=OUTPUT
    ),
    "precision_zero": run_with("--precision", "0", mention=("--precision",), fix=OUTPUT),
    "precision_two": run_with("--precision", "2", mention=("--precision",), fix=OUTPUT),
    "max_replications_zero": run_with(
        "--precision", "0.4", "--max-replications", "0", mention=("--max-replications",), fix=OUTPUT
    ),
    "backend_unknown": run_with("--backend", "gpu", mention=("--backend",)),
    "unknown_option": run_with("--nope", mention=("--nope",)),
    "unknown_command": cli("destroy", "everything", mention=("destroy",)),
    "run_no_scenario": cli("run", mention=("scenario",)),
    # ---- --posterior ----
    "posterior_missing": run_with("--posterior", "nope.csv", mention=("--posterior", "nope")),
    "posterior_directory": Case(
        args=(*RUN, "--out", "o", "--posterior", "d"),
        files={"d": Dir()},
        mention=("--posterior", "d"),
    ),
    "posterior_etc_passwd": run_with(
        "--posterior", "/etc/passwd", secrets=PASSWD_LINES, mention=("--posterior", "/etc/passwd")
    ),
    "posterior_malformed": Case(
        args=(*RUN, "--out", "o", "--posterior", "p.csv"),
        files={"p.csv": "a,b\n1\n,,,,\nx,y,z\n"},
        mention=("p.csv",),
    ),
    "posterior_nan_values": Case(
        args=(*RUN, "--out", "o", "--posterior", "p.csv"),
        files={"p.csv": "mines.killed_mean\nnan\ninf\n"},
        mention=("p.csv", "killed_mean"),
    ),
    # ---- --scheduler ----
    "scheduler_not_a_url": run_with(
        "--backend",
        "dask",
        "--scheduler",
        "not a url",
        mention=("--scheduler",),
        within=20.0,
        fix=DASK,
    ),
    "scheduler_http": run_with(
        "--backend",
        "dask",
        "--scheduler",
        "http://127.0.0.1:@HTTP@",
        mention=("--scheduler",),
        within=20.0,
        fix=DASK,
    ),
    "scheduler_plain_tcp_server": run_with(
        "--backend",
        "dask",
        "--scheduler",
        "tcp://127.0.0.1:@TCP@",
        mention=("--scheduler",),
        within=20.0,
        fix=DASK,
    ),
    "scheduler_closed_port": run_with(
        "--backend",
        "dask",
        "--scheduler",
        "tcp://127.0.0.1:@CLOSED@",
        mention=("--scheduler",),
        within=20.0,
        fix=DASK,
    ),
    "scheduler_port_out_of_range": run_with(
        "--backend",
        "dask",
        "--scheduler",
        "tcp://127.0.0.1:99999",
        mention=("--scheduler",),
        within=20.0,
        fix=DASK,
    ),
    "scheduler_empty": run_with(
        "--backend", "dask", "--scheduler", "", expect="any", mention=("--scheduler",), fix=DASK
    ),
    "scheduler_with_serial_backend": run_with(
        "--backend",
        "serial",
        "--scheduler",
        "tcp://127.0.0.1:@TCP@",
        expect="2",
        mention=("--scheduler",),
        fix=DASK,
    ),
    "interrupt_process_backend": cli(
        *("run", "baseline_2024", "-n", "100000", "-s", "1", "--backend", "process", "-j", "2"),
        *("--plots", "none", "-q", "--out", "o"),
        interrupt_after=1.5,
        expect="any",
        fix=DASK,
    ),
    "interrupt_dask_local_cluster": cli(
        *("run", "baseline_2024", "-n", "100000", "-s", "1", "--backend", "dask", "-j", "2"),
        *("--plots", "none", "-q", "--out", "o"),
        interrupt_after=3.0,
        expect="any",
        fix=DASK,
    ),
    # ---- --out and results folders ----
    "out_is_a_file": Case(
        args=(*RUN, "--out", "f.txt"),
        files={"f.txt": "keep me\n"},
        mention=("--out", "f.txt"),
        fix=OUTPUT,
    ),
    "out_dev_null": run_with("--out", "/dev/null", mention=("--out", "/dev/null"), fix=OUTPUT),
    "out_proc": run_with("--out", "/proc/self/dmzsim", mention=("--out", "/proc"), fix=OUTPUT),
    "out_empty": run_with("--out", "", expect="2", mention=("--out",), fix=OUTPUT),
    "out_under_a_file": Case(
        args=(*RUN, "--out", "f.txt/sub"),
        files={"f.txt": "keep me\n"},
        mention=("--out", "f.txt"),
        fix=OUTPUT,
    ),
    "out_existing_results_same_command": Case(
        args=(*RUN, "--out", "prev"),
        prev="prev",
        expect="any",
        may_change=("prev/manifest.json", "prev/experiment.sqlite"),  # rewritten, same data
        mention=("--out", "prev", "--resume", "--force"),
        fix=OUTPUT,
    ),
    "out_existing_results_other_experiment": Case(
        args=("run", "baseline_2024", "-n", "3", "-s", "7", *FAST[4:], "--out", "prev"),
        prev="prev",
        mention=("--out", "prev", "--resume", "--force"),
        fix=OUTPUT,
    ),
    "out_existing_results_resume_other_scenario": Case(
        args=("run", "hotline", *FAST, "--out", "prev", "--resume"),
        prev="prev",
        mention=("--resume", "prev", "hotline", "scenario"),
        fix=OUTPUT,
    ),
    "out_existing_results_resume_other_seed": Case(
        args=(
            "run",
            "baseline_2024",
            "-n",
            "2",
            "-s",
            "99",
            "--backend",
            "serial",
            "--plots",
            "none",
            "-q",
            "--out",
            "prev",
            "--resume",
        ),
        prev="prev",
        expect="any",
        prev_may_change=False,
        mention=("--resume", "seed", "prev"),
        fix=OUTPUT,
    ),
    "out_existing_results_resume_same_ok": Case(
        args=(*RUN, "--out", "prev", "--resume"),
        prev="prev",
        prev_may_change=True,
        allowed=("prev",),
        expect="0",
    ),
    "out_existing_results_force_ok": Case(
        args=(*RUN, "--out", "prev", "--force"),
        prev="prev",
        prev_may_change=True,
        allowed=("prev",),
        expect="0",
    ),
    "out_resume_and_force": Case(
        args=(*RUN, "--out", "prev", "--resume", "--force"),
        prev="prev",
        prev_may_change=True,
        allowed=("prev",),
        expect="any",
        mention=("--resume", "--force"),
        fix=OUTPUT,
    ),
    "out_resume_empty_folder": Case(
        args=(*RUN, "--out", "o", "--resume"),
        files={"o": Dir()},
        expect="any",
        mention=("--resume",),
    ),
    "out_resume_not_results": Case(
        args=(*RUN, "--out", "u", "--resume"),
        files={"u/precious.csv": "1\n"},
        allowed=("u",),
        mention=("--resume", "u"),
        fix=OUTPUT,
    ),
    "force_on_foreign_folder": Case(
        args=(
            "run",
            "baseline_2024",
            "-n",
            "5",
            "-s",
            "1",
            "--backend",
            "serial",
            "--plots",
            "none",
            "-q",
            "--out",
            "u",
            "--force",
        ),
        files={"u/plots": Dir(), "u/precious.csv": "1\n"},
        allowed=("u",),
        expect="2",
        fix=OUTPUT,
    ),
    "force_on_cwd": Case(
        args=(*RUN, "--out", ".", "--force"),
        files={"precious.csv": "1\n", "notes/a.txt": "keep\n"},
        allowed=(".",),
        expect="2",
        fix=OUTPUT,
    ),
    "force_on_parent": Case(
        args=(*RUN, "--out", "..", "--force"),
        files={"precious.csv": "1\n"},
        allowed=(),
        expect="2",
        mention=("--force", "--out"),
        fix=OUTPUT,
    ),
    "resume_corrupt_store": Case(
        args=(*RUN, "--out", "prev", "--resume"),
        prev="prev",
        files={"prev/experiment.sqlite": b"not a database" * 100},
        mention=("prev", "experiment.sqlite"),
        fix=OUTPUT,
    ),
    "force_results_symlinked_file": Case(
        args=(*RUN, "--out", "prev", "--force"),
        prev="prev",
        files={"prev/summary.csv": Link("../../canary/canary.txt")},
        prev_may_change=True,
        allowed=("prev",),
        may_change=("prev/summary.csv",),  # the link is replaced; the canary it points to stays
        expect="0",
    ),
    "force_manifest_lists_outside_files": Case(
        args=(*RUN, "--out", "prev", "--force"),
        prev="prev",
        files={
            "precious.csv": "1\n",
            "prev/manifest.json": JsonAppend(
                "files", ("../precious.csv", "../../canary/canary.txt", "@ROOT@/canary/canary.txt")
            ),
        },
        prev_may_change=True,
        allowed=("prev",),
        may_change=("prev/manifest.json",),
        expect="0",
    ),
    "resume_store_symlink_outside": Case(
        args=(*RUN, "--out", "prev", "--resume"),
        prev="prev",
        files={"prev/experiment.sqlite": Link("../../canary/canary.txt")},
        expect="any",
        mention=("prev", "experiment.sqlite"),
    ),
    "out_symlink_to_canary": Case(
        args=(*RUN, "--out", "o"), files={"o": Link("../canary")}, mention=("--out",)
    ),
    "plots_unknown": run_with("--plots", "nope", mention=("--plots", "nope")),
    "plots_traversal": run_with("--plots", "../../x", mention=("--plots",)),
    "format_unknown": run_with("--format", "bmp", mention=("--format",)),
    # ---- compare: names and horizons ----
    "compare_name_traversal": Case(
        args=("compare", "baseline_2024", "s.toml", *FAST, "--out", "o/cmp"),
        files={"s.toml": BASE + 'name = "x/../../PWN"\n'},
        expect="2",
        allowed=("o/cmp",),
        absent=("o/PWN.csv", "o/PWN", "PWN.csv"),
        fix=CONFINE,
    ),
    "compare_name_absolute": Case(
        args=("compare", "baseline_2024", "s.toml", *FAST, "--out", "o/cmp"),
        files={"s.toml": BASE + 'name = "@ROOT@/PWN"\n'},
        expect="2",
        allowed=("o/cmp",),
        fix=CONFINE,
    ),
    "compare_name_empty": Case(
        args=("compare", "baseline_2024", "s.toml", *FAST, "--out", "o/cmp"),
        files={"s.toml": BASE + 'name = ""\n'},
        allowed=("o/cmp",),
        mention=("name",),
        fix=CONFINE,
    ),
    "compare_name_newline": Case(
        args=("compare", "baseline_2024", "s.toml", *FAST, "--out", "o/cmp"),
        files={"s.toml": BASE + 'name = "a\\nb"\n'},
        expect="2",
        allowed=("o/cmp",),
        fix=CONFINE,
    ),
    "compare_name_escape": Case(
        args=("compare", "baseline_2024", "s.toml", *FAST, "--out", "o/cmp"),
        files={"s.toml": BASE + 'name = "\\u001b[2Jx"\n'},
        expect="2",
        allowed=("o/cmp",),
        fix=CONFINE,
    ),
    "compare_duplicate_names": Case(
        args=("compare", "baseline_2024", "s.toml", *FAST, "--out", "o/cmp"),
        files={"s.toml": BASE},
        expect="2",
        allowed=("o/cmp",),
        mention=("name", "baseline"),
    ),
    "compare_different_horizons": cli(
        "compare", "baseline_2024", "aug2015", *FAST, "--out", "o", expect="any", fix=HORIZON
    ),
    "compare_missing_second": cli(
        "compare", "baseline_2024", "nope", *FAST, "--out", "o", mention=("nope",)
    ),
    # ---- experiment files ----
    "experiment_scenario_etc_passwd": exp(
        'command = "run"\nscenario = "/etc/passwd"\nreplications = 2\nseed = 1\n' + EXP_OUT,
        secrets=PASSWD_LINES,
        mention=("scenario",),
        fix=CONFINE,
    ),
    "experiment_scenario_proc_environ": exp(
        'command = "run"\nscenario = "/proc/self/environ"\nreplications = 2\nseed = 1\n' + EXP_OUT,
        mention=("scenario",),
        fix=CONFINE,
    ),
    "experiment_scenario_private": exp(
        'command = "run"\nscenario = "../private/secret.txt"\nreplications = 2\nseed = 1\n'
        + EXP_OUT,
        more={"../private/secret.txt": NOT_TOML},
        mention=("scenario",),
        fix=CONFINE,
    ),
    "experiment_relative_folder_from_other_cwd": Case(
        args=("experiment", "../exp/e.toml", "--backend", "serial", "-q"),
        files={"exp/e.toml": EXP_RUN + '\n[output]\nfolder = "res"\nplots = ["highest_rung"]\n'},
        cwd="elsewhere",
        expect="0",
        allowed=("exp/res",),
        present=("exp/res/manifest.json",),
        absent=("elsewhere/res",),
        fix=OUTPUT,
    ),
    "experiment_relative_scenario": Case(
        args=("experiment", "../exp/e.toml", "--backend", "serial", "-q"),
        files={
            "exp/e.toml": EXP_RUN.replace("baseline_2024", "s.toml") + EXP_OUT,
            "exp/s.toml": BASE,
        },
        cwd="elsewhere",
        expect="0",
        allowed=("exp/o",),
        present=("exp/o/manifest.json",),
    ),
    "experiment_unknown_key": exp(EXP_RUN + 'colour = "red"\n' + EXP_OUT, mention=("colour",)),
    "experiment_unknown_command": exp(
        'command = "destroy"\nscenario = "baseline_2024"\n' + EXP_OUT, mention=("command",)
    ),
    "experiment_missing_scenario": exp(
        'command = "run"\nreplications = 2\nseed = 1\n' + EXP_OUT, mention=("scenario",)
    ),
    "experiment_replications_1e12": exp(
        EXP_RUN.replace("replications = 2", "replications = 1000000000000") + EXP_OUT,
        mention=("replications",),
        fix=OUTPUT,
    ),
    "experiment_sweep_bad_param": exp(
        'command = "sweep"\nscenario = "baseline_2024"\n'
        'replications = 2\nseed = 1\n[params]\n"mines.killed_mean" = "1:0:0"\n'
        + EXP_OUT.replace("highest_rung", "sweep"),
        mention=("params", "killed_mean"),
    ),
    "experiment_output_folder_into_canary": Case(
        args=("experiment", "exp/e.toml", "--backend", "serial", "-q"),
        files={
            "exp/e.toml": EXP_RUN
            + '\n[output]\nfolder = "../../canary"\nplots = ["highest_rung"]\n'
        },
        mention=("folder", "canary", "--out"),
    ),
    "experiment_output_folder_dev_null": exp(
        EXP_RUN + '\n[output]\nfolder = "/dev/null"\n', mention=("folder", "/dev/null"), fix=OUTPUT
    ),
    "experiment_malformed": exp("command = \n", mention=("e.toml",)),
    "experiment_n_override_negative": exp(
        EXP_RUN + EXP_OUT, extra=("-n", "-3"), mention=("-n",), fix=OUTPUT
    ),
    # ---- report, discover ----
    "report_empty_folder": Case(args=("report", "d"), files={"d": Dir()}, mention=("d",)),
    "report_foreign_folder": Case(
        args=("report", "u"), files={"u/precious.csv": "1\n"}, mention=("u",)
    ),
    "report_out_proc": Case(
        args=("report", "prev", "--out", "/proc/self/r.html"),
        prev="prev",
        mention=("--out", "/proc"),
        fix=OUTPUT,
    ),
    "report_out_is_directory": Case(
        args=("report", "prev", "--out", "d"),
        prev="prev",
        files={"d": Dir()},
        mention=("--out", "d"),
        fix=OUTPUT,
    ),
    "report_symlinked_report_html": Case(
        args=("report", "prev"),
        prev="prev",
        files={"prev/report.html": Link("../../canary/canary.txt")},
        allowed=("prev",),
        may_change=("prev/manifest.json", "prev/report.html"),
        expect="any",
    ),
    "report_disk_full": Case(
        args=("report", "prev", "--out", "r.html"),
        prev="prev",
        file_limit=4096,
        allowed=(),
        mention=("r.html", "--out"),
        fix=OUTPUT,
    ),
    "report_out_to_device": Case(
        args=("report", "prev", "--out", "null"),
        prev="prev",
        files={"null": CharDev()},
        allowed=("prev",),
        may_change=("prev/manifest.json",),
        expect="any",
        fix=OUTPUT,
    ),
    "report_out_overwrites_file": Case(
        args=("report", "prev", "--out", "keep.html"),
        prev="prev",
        files={"keep.html": "precious\n"},
        expect="0",  # a file named as the output is replaced, as by other tools (`new` refuses
        may_change=("keep.html",),  # one, since it is a scenario the user may have edited)
        allowed=("prev",),
        fix=OUTPUT,
    ),
    "report_corrupt_manifest": Case(
        args=("report", "prev"),
        prev="prev",
        files={"prev/manifest.json": "{not json"},
        mention=("manifest",),
        fix=OUTPUT,
    ),
    "report_corrupt_store": Case(
        args=("report", "prev"),
        prev="prev",
        files={"prev/experiment.sqlite": b"garbage" * 50},
        allowed=("prev",),
        may_change=("prev/manifest.json",),
        expect="any",
        mention=("experiment.sqlite", "prev"),
        fix=OUTPUT,
    ),
    "discover_not_results": Case(
        args=("discover", "d", "--outcome", "highest_rung>=4"), files={"d": Dir()}, mention=("d",)
    ),
    # ---- score, fit, calibrate ----
    "score_observed_missing": Case(
        args=(*SCORE, "--observed", "nope.csv"), prev="prev", mention=("--observed", "nope.csv")
    ),
    "score_observed_malformed": Case(
        args=(*SCORE, "--observed", "obs.csv"),
        prev="prev",
        files={"obs.csv": 'a,"b\n1,2,3\n'},
        mention=("obs.csv",),
    ),
    "score_observed_bad_date": Case(
        args=(*SCORE, "--observed", "obs.csv"),
        prev="prev",
        files={"obs.csv": OBS_OK.replace("2024-01-05", "2024-02-30")},
        mention=("obs.csv", "date"),
    ),
    "score_observed_etc_passwd": Case(
        args=(*SCORE, "--observed", "/etc/passwd"),
        prev="prev",
        secrets=PASSWD_LINES,
        mention=("/etc/passwd", "--observed"),
    ),
    "score_from_feb30": Case(
        args=(
            "score",
            "prev",
            "--observed",
            "obs.csv",
            "--from",
            "2024-02-30",
            "--to",
            "2024-06-30",
        ),
        prev="prev",
        files={"obs.csv": OBS_OK},
        mention=("--from",),
    ),
    "score_to_before_from": Case(
        args=(
            "score",
            "prev",
            "--observed",
            "obs.csv",
            "--from",
            "2024-06-30",
            "--to",
            "2024-01-01",
        ),
        prev="prev",
        files={"obs.csv": OBS_OK},
        mention=("--to", "--from"),
    ),
    "score_window_outside_run": Case(
        args=(
            "score",
            "prev",
            "--observed",
            "obs.csv",
            "--from",
            "1990-01-01",
            "--to",
            "1990-06-30",
        ),
        prev="prev",
        files={"obs.csv": OBS_OK},
        mention=("--from", "--to"),
    ),
    "score_not_results": Case(
        args=("score", "d", "--observed", "obs.csv", "--from", "2024-01-01", "--to", "2024-06-30"),
        files={"d": Dir(), "obs.csv": OBS_OK},
        mention=("d",),
    ),
    "fit_observed_missing": cli(
        *FIT,
        "--observed",
        "nope.csv",
        "--from",
        "2023-11-23",
        "--to",
        "2024-06-30",
        mention=("--observed", "nope.csv"),
    ),
    "fit_from_month13": cli(
        *FIT,
        "--observed",
        "obs.csv",
        "--from",
        "2024-13-01",
        "--to",
        "2024-06-30",
        mention=("--from",),
    ),
    "fit_episodes_unknown": Case(
        args=(
            *FIT,
            "--observed",
            "obs.csv",
            "--from",
            "2024-01-01",
            "--to",
            "2024-01-31",
            "--episodes",
            "nope",
        ),
        files={"obs.csv": OBS_OK},
        mention=("--episodes", "nope"),
    ),
    "calibrate_missing_scenario": cli(
        "calibrate", "nope", "-n", "2", "--backend", "serial", "-q", mention=("nope",)
    ),
    "calibrate_n_negative": cli(
        "calibrate",
        "baseline_2024",
        "-n",
        "-1",
        "--backend",
        "serial",
        "-q",
        mention=("-n",),
        fix=OUTPUT,
    ),
    # ---- trace ----
    "trace_replication_negative": cli(
        "trace",
        "baseline_2024",
        "--seed",
        "1",
        "--replication",
        "-1",
        mention=("--replication",),
        fix=OUTPUT,
    ),
    "trace_replication_huge": cli(
        "trace",
        "baseline_2024",
        "--seed",
        "1",
        "--replication",
        str(10**30),
        expect="any",
        mention=("--replication",),
    ),
    "trace_no_seed": cli("trace", "baseline_2024", mention=("--seed",)),
    "trace_seed_negative": cli(
        "trace", "baseline_2024", "--seed", "-5", mention=("--seed",), fix=OUTPUT
    ),
    "trace_json_proc": cli(
        "trace",
        "baseline_2024",
        "--seed",
        "1",
        "--json",
        "/proc/self/t.json",
        mention=("--json", "/proc"),
        fix=OUTPUT,
    ),
    "trace_json_disk_full": cli(
        "trace",
        "baseline_2024",
        "--seed",
        "1",
        "--json",
        "t.json",
        "-q",  # the posterior note would come first: a fault after it is a second line
        file_limit=2048,
        allowed=(),
        mention=("--json", "t.json"),
        fix=OUTPUT,
    ),
    "trace_csv_disk_full": cli(
        "trace",
        "baseline_2024",
        "--seed",
        "1",
        "--csv",
        "t.csv",
        "-q",  # the posterior note would come first: a fault after it is a second line
        file_limit=2048,
        allowed=(),
        mention=("--csv", "t.csv"),
        fix=OUTPUT,
    ),
    "run_disk_full": run_with(file_limit=16384, fix=OUTPUT),
    "resume_disk_full": Case(
        args=("run", "baseline_2024", "-n", "6", *FAST[2:], "--out", "prev", "--resume"),
        prev="prev",
        file_limit=16384,
        allowed=("prev",),
        may_change=("prev/manifest.json", "prev/experiment.sqlite"),
        present=("prev/experiment.sqlite",),
        fix=OUTPUT,
    ),
    "trace_json_to_device": Case(
        args=("trace", "baseline_2024", "--seed", "1", "--json", "null"),
        files={"null": CharDev()},
        expect="any",
        fix=OUTPUT,  # as root, an atomic replace would turn /dev/null into a regular file
    ),
    "trace_csv_to_device": Case(
        args=("trace", "baseline_2024", "--seed", "1", "--csv", "null"),
        files={"null": CharDev()},
        expect="any",
        fix=OUTPUT,
    ),
    "trace_csv_directory": Case(
        args=("trace", "baseline_2024", "--seed", "1", "--csv", "d"),
        files={"d": Dir()},
        mention=("--csv", "d"),
        fix=OUTPUT,
    ),
    "trace_json_overwrites_file": Case(
        args=("trace", "baseline_2024", "--seed", "1", "--json", "keep.json"),
        files={"keep.json": "precious\n"},
        may_change=("keep.json",),  # the user named it: overwriting is what they asked for
        expect="any",
        fix=OUTPUT,
    ),
    # ---- new ----
    "new_empty_name": cli("new", "", mention=("name", "NAME")),
    "new_traversal_name": cli(
        "new",
        "../../PWN",
        mention=("name", "PWN"),
        fix=CONFINE,
        absent=("../PWN.toml", "../../PWN.toml"),
    ),
    "new_absolute_name": cli("new", "@ROOT@/PWN", mention=("name", "PWN"), fix=CONFINE),
    "new_newline_name": cli("new", "a\nb", mention=("name",), fix=CONFINE),
    "new_from_unknown": cli("new", "mine", "--from", "nope", mention=("--from", "nope")),
    "new_from_etc_passwd": cli(
        "new",
        "mine",
        "--from",
        "/etc/passwd",
        secrets=PASSWD_LINES,
        mention=("--from",),
        fix=CONFINE,
    ),
    "new_out_proc": cli(
        "new", "mine", "--out", "/proc/self/mine.toml", mention=("--out", "/proc"), fix=OUTPUT
    ),
    "new_out_to_device": Case(
        args=("new", "mine", "--out", "null"), files={"null": CharDev()}, expect="any", fix=OUTPUT
    ),
    "new_out_existing_file": Case(
        args=("new", "mine", "--out", "keep.toml"),
        files={"keep.toml": "precious = 1\n"},
        mention=("--out", "keep.toml"),
        fix=OUTPUT,
    ),
    "new_out_directory": Case(
        args=("new", "mine", "--out", "d"),
        files={"d": Dir()},
        expect="2",
        allowed=("d",),
        fix=OUTPUT,
    ),
    # ---- validate ----
    "validate_many_one_bad": Case(
        args=("validate", "baseline_2024", "s.toml"),
        files={"s.toml": BASE + "[mines]\nkilled_mean = -1.0\n"},
        mention=("killed_mean",),
    ),
    "version_ok": cli("--version", expect="0"),
    "unknown_argument_escape_chars": cli("scenarios", "\x1b[2J\x1b[31mred"),
    "report_prev_ok": Case(
        args=("report", "prev"),
        prev="prev",
        allowed=("prev",),
        may_change=("prev/manifest.json",),  # the manifest lists report.html
        expect="0",
    ),
}


CASES = [pytest.param(case, id=name) for name, case in _CASES.items()]
