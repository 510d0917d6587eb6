"""Experiment files (``experiments/*.toml``): a whole experiment stated once, run by
``dmzsim experiment FILE``.

A file names the command (run, compare, sweep or sensitivity), its scenarios, replications,
seed, overrides, swept parameters and design, outcomes of interest, and where results and which
plots go. It becomes exactly the command line a user would type, so a file and the command it
stands for give identical results. Bad input gets one line naming the file, key and value.

Paths in a file (``scenario``, ``scenarios``, ``posterior``, ``output.folder``) are relative to
the file's folder, wherever it is run from; a bare name (``baseline_2024``) is a bundled
scenario when no such file is there. Without ``output.folder`` results go to
``results/<file name>`` under the working directory, as for a command typed by hand; the bundled
experiment files live inside the package, so their relative folders are taken from the working
directory too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.plots.names import RUN_PLOTS, SENSITIVITY_PLOTS, SWEEP_PLOTS
from sim.scenario import bundled
from sim.scenario.loader import check_scenario_file, read_toml

COMMANDS = ("run", "compare", "sweep", "sensitivity")
PLOTS = {"run": RUN_PLOTS, "compare": RUN_PLOTS, "sweep": SWEEP_PLOTS}
PLOTS["sensitivity"] = SENSITIVITY_PLOTS
FORMATS = ("png", "svg", "pdf")
# The keys each command takes (besides description and command).
KEYS = {
    "run": ("scenario", "replications", "seed", "set", "posterior", "output"),
    "compare": ("scenarios", "replications", "seed", "set", "posterior", "outcomes", "output"),
    "sweep": (
        "scenario",
        "replications",
        "seed",
        "set",
        "posterior",
        "params",
        "design",
        "points",
        "outcomes",
        "output",
    ),
    "sensitivity": (
        "scenario",
        "replications",
        "seed",
        "set",
        "posterior",
        "params",
        "points",
        "outcomes",
        "output",
    ),
}
REQUIRED = {
    "run": ("scenario", "replications", "seed"),
    "compare": ("scenarios", "replications", "seed"),
    "sweep": ("scenario", "replications", "seed", "params"),
    "sensitivity": ("scenario", "replications", "seed", "params", "outcomes"),
}
OUTPUT_KEYS = ("folder", "format", "plots")


@dataclass(frozen=True)
class ExperimentFile:
    """A checked experiment file and the command line it stands for."""

    path: Path
    command: str
    description: str
    argv: tuple[str, ...]


class _Reader:
    """Checks values of one file, each error naming the file and the key."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.source = str(path)

    def fail(self, key: str | None, value: Any, allowed: str) -> InputError:
        return InputError(self.source, key, value, allowed)

    def text(self, key: str, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, value, "must be non-empty text in quotes")
        return value.strip()

    def whole(self, key: str, value: Any, lo: int, hi: int) -> int:
        """A whole number in [lo, hi]: the bounds the command line puts on its option."""
        if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
            top = "2^63-1" if hi == 2**63 - 1 else f"{hi:,}"
            raise self.fail(key, value, f"must be a whole number from {lo} to {top}")
        return value

    def texts(self, key: str, value: Any) -> list[str]:
        if not isinstance(value, list) or not value:
            raise self.fail(key, value, 'must be a non-empty array of text, e.g. ["a", "b"]')
        return [self.text(key, v) for v in value]

    def scenario(self, key: str, value: Any) -> str:
        """A scenario file relative to this file's folder, or a bundled scenario's name."""
        name = self.text(key, value)
        here = self.path.parent / name
        if here.is_file():
            check_scenario_file(here, (self.source, key, value))  # never quote a non-scenario
            return str(here)
        if bundled.find_scenario(name) is not None:
            return name
        tried = [bundled.shown(here)]
        if (where := bundled.scenario_file(name)) is not None:  # None: name has a folder in it
            tried.append(str(where))
        names = ", ".join(bundled.scenario_names())
        raise self.fail(
            key,
            value,
            f"no such scenario file (relative to this file) or bundled name: "
            f"tried {', '.join(tried)} (bundled: {names})",
        )

    def posterior(self, value: Any) -> str:
        """``none``, or a posterior CSV relative to this file's folder."""
        name = self.text("posterior", value)
        if name.lower() == "none":
            return "none"
        here = self.path.parent / name
        if not here.is_file():
            raise self.fail("posterior", value, "'none' or a posterior CSV relative to this file")
        return str(here)

    def params(self, value: Any, prefix: str = "") -> list[str]:
        """``[params]`` as PATH=SPEC: quoted dotted keys or nested tables, SPEC text, a number
        or an array of values (a list)."""
        if not isinstance(value, dict) or (not value and not prefix):
            raise self.fail("params", value, 'a table of PATH = "SPEC", e.g. "mines.x" = "0:1:5"')
        out = []
        for key, spec in value.items():
            path = f"{prefix}{key}"
            if isinstance(spec, dict):
                out += self.params(spec, f"{path}.")
            elif isinstance(spec, list) and spec:
                out.append(f"{path}={','.join(_literal(v) for v in spec)}")
            elif isinstance(spec, str | int | float) and not isinstance(spec, bool):
                out.append(f"{path}={spec}")
            else:
                raise self.fail(f"params.{path}", spec, "a SPEC: lo:hi:steps, lo:hi or a list")
        return out


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def read_experiment(path: str | Path) -> ExperimentFile:
    """Read and check an experiment file (a path, or a bundled file's name such as
    ``compare_2024``); InputError on anything it cannot run."""
    path = Path(path)
    if not path.exists():
        from sim.scenario.bundled import find_experiment

        path = find_experiment(str(path)) or path
    from sim.experiment.design import MAX_POINTS
    from sim.experiment.engine import MAX_REPLICATIONS, MAX_SEED

    r = _Reader(path)
    data = read_toml(path, str(path), kind="experiment")
    command = data.get("command")
    if command not in COMMANDS:
        raise r.fail("command", command, f"must be one of {', '.join(COMMANDS)}")
    allowed = ("description", "command", *KEYS[command])
    for key, value in data.items():
        if key not in allowed:
            raise r.fail(key, value, f"unknown key for a {command}; known: {', '.join(allowed)}")
    for key in REQUIRED[command]:
        if key not in data:
            raise r.fail(key, None, f"required for a {command}")
    description = r.text("description", data["description"]) if "description" in data else ""
    argv: list[str] = [command]
    if command == "compare":
        scenarios = data["scenarios"]
        if not isinstance(scenarios, list) or len(scenarios) < 2:
            raise r.fail("scenarios", scenarios, "must be an array of at least two scenarios")
        argv += [r.scenario("scenarios", s) for s in scenarios]
    else:
        argv.append(r.scenario("scenario", data["scenario"]))
    argv += ["-n", str(r.whole("replications", data["replications"], 1, MAX_REPLICATIONS))]
    argv += ["--seed", str(r.whole("seed", data["seed"], 0, MAX_SEED))]
    for item in r.texts("set", data["set"]) if "set" in data else []:
        argv += ["--set", item]
    if "posterior" in data:
        argv += ["--posterior", r.posterior(data["posterior"])]
    for item in r.params(data["params"]) if "params" in data else []:
        argv += ["--param", item]
    if "design" in data:
        design = data["design"]
        if design not in ("grid", "lhs", "sobol"):
            raise r.fail("design", design, "must be one of grid, lhs, sobol")
        argv += ["--design", design]
    if "points" in data:
        argv += ["--points", str(r.whole("points", data["points"], 2, MAX_POINTS))]
    for item in r.texts("outcomes", data["outcomes"]) if "outcomes" in data else []:
        argv += ["--outcome", item]
    argv += _output(r, command, data.get("output", {}), path)
    return ExperimentFile(path, command, description, tuple(argv))


def _output(r: _Reader, command: str, output: Any, path: Path) -> list[str]:
    if not isinstance(output, dict):
        raise r.fail("output", output, f"must be a table with keys {', '.join(OUTPUT_KEYS)}")
    for key, value in output.items():
        if key not in OUTPUT_KEYS:
            raise r.fail(f"output.{key}", value, f"unknown key; known: {', '.join(OUTPUT_KEYS)}")
    argv = ["--out", _folder(r, output, path)]
    if "format" in output:
        if output["format"] not in FORMATS:
            raise r.fail("output.format", output["format"], f"one of {', '.join(FORMATS)}")
        argv += ["--format", output["format"]]
    if "plots" in output:
        plots = r.texts("output.plots", output["plots"])
        unknown = [p for p in plots if p not in PLOTS[command]]
        if unknown:
            raise r.fail(
                "output.plots", unknown[0], f"a {command} draws {', '.join(PLOTS[command])}"
            )
        argv += ["--plots", ",".join(plots)]
    return argv


def _folder(r: _Reader, output: dict, path: Path) -> str:
    """The results folder: ``output.folder`` relative to the file's folder (the working
    directory for a bundled file: never write into the package), else ``results/<stem>``."""
    if "folder" not in output:
        if path.stem in (".", ".."):  # "...toml" would make results/.. the working directory
            raise r.fail("output.folder", None, "required: the file's name gives no folder name")
        return str(Path("results") / path.stem)
    text = r.text("output.folder", output["folder"])
    if not text.isprintable():  # a NUL, line break or escape is no part of a folder name
        raise r.fail("output.folder", text, "must be a folder path without control characters")
    folder = Path(text)
    bundled_file = path.resolve().parent == bundled.EXPERIMENTS
    return str(folder if folder.is_absolute() or bundled_file else path.parent / folder)


def with_options(file: ExperimentFile, options: Sequence[tuple[str, str | None]]) -> list[str]:
    """The file's command line with command-line options added; an option the file also sets
    with a value (``-n``, ``--points``, ``--out``) replaces the file's."""
    given = {flag for flag, value in options if value is not None}
    argv: list[str] = []
    i = 0
    while i < len(file.argv):
        if file.argv[i] in given:
            i += 2  # the flag and its value
            continue
        argv.append(file.argv[i])
        i += 1
    for flag, value in options:
        argv += [flag] if value is None else [flag, value]
    return argv
