"""The most extreme replications of a run or compare, and the exact ``dmzsim trace`` command
that replays each: the scenario as given on the command line, the root seed, the replication,
and the run's ``--set`` and ``--posterior`` options (``trace`` draws the replication's row of
the posterior as the run did)."""

from __future__ import annotations

import csv
import heapq
import math
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sim.report.folder import Results

RANK = ("highest_rung", "armed_events", "max_tension")  # the order extremes are ranked by
SHOWN = ("highest_rung", "armed_events", "killed_armed", "max_tension", "end_day")
# options of run/compare that take a value (the rest are switches), to find the scenarios
VALUED = frozenset(
    "-n --seed -s --backend --workers -j --scheduler --batch-size --precision "
    "--max-replications --set --posterior --outcome --out -o --format --plots".split()
)


@dataclass(frozen=True)
class Replay:
    """One replication worth replaying: its outcomes row, the command and, when the command
    cannot give the replication's exact parameters, why."""

    scenario: str
    row: dict[str, str]
    argv: tuple[str, ...]
    caveat: str = ""

    @property
    def command(self) -> str:
        """The command on one line."""
        return shlex.join(self.argv)

    def wrapped(self, width: int = 96) -> str:
        """The command over several lines joined by backslashes (each option beside its
        value), for a shell to paste."""
        groups, i = [], 0
        while i < len(self.argv):
            word = shlex.quote(self.argv[i])
            if self.argv[i].startswith("--") and i + 1 < len(self.argv):
                groups.append(f"{word} {shlex.quote(self.argv[i + 1])}")
                i += 2
            else:
                groups.append(word)
                i += 1
        lines = [""]
        for g in groups:
            if lines[-1].strip() and len(lines[-1]) + 1 + len(g) > width:
                lines.append("  " + g)
            else:
                lines[-1] = f"{lines[-1]} {g}" if lines[-1] else g
        return " \\\n".join(lines)


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return -math.inf


def extremes(r: Results, per_scenario: int) -> dict[str, list[dict[str, str]]]:
    """The ``per_scenario`` replications of each scenario with the highest rung (ties broken by
    armed events, then peak tension), streamed from outcomes.csv."""
    tops: dict[str, list] = {}
    path = r.path / "outcomes.csv"
    if not path.is_file():
        return {}
    with open(path, newline="", encoding="utf-8") as fh:
        for k, row in enumerate(csv.DictReader(fh)):
            key = (*(_number(row.get(c, "")) for c in RANK), -k)
            heap = tops.setdefault(row["scenario"], [])
            item = (key, k, row)
            if len(heap) < per_scenario:
                heapq.heappush(heap, item)
            elif item > heap[0]:
                heapq.heapreplace(heap, item)
    return {name: [row for _, _, row in sorted(heap, reverse=True)] for name, heap in tops.items()}


def _positionals(command: Sequence[str]) -> list[str]:
    """The positional arguments of ``dmzsim run|compare ...`` (the scenarios as typed)."""
    out, skip = [], False
    for tok in command[2:]:
        if skip:
            skip = False
        elif tok.startswith("-") and len(tok) > 1 and math.isnan(_float_or_nan(tok)):
            skip = "=" not in tok and tok in VALUED
        else:
            out.append(tok)
    return out


def _float_or_nan(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def scenario_args(r: Results) -> dict[str, str]:
    """How each scenario was named on the command line (its name when that cannot be told)."""
    command = r.manifest.get("command") or []
    given = _positionals(command) if isinstance(command, list) else []
    if len(given) == len(r.names):
        return dict(zip(r.names, given, strict=True))
    return {name: name for name in r.names}


def _option(command: Sequence[str], name: str) -> str | None:
    """The value of option ``name`` in a command line (its last, as argparse takes it)."""
    value = None
    for i, tok in enumerate(command):
        if tok == name and i + 1 < len(command):
            value = command[i + 1]
        elif tok.startswith(name + "="):
            value = tok.partition("=")[2]
    return value


class Posteriors:
    """Whether each scenario's posterior is still the one the run drew from (read once)."""

    def __init__(self, r: Results) -> None:
        self.used = r.manifest.get("posterior") or {}
        self.caveats: dict[str, str] = {}

    def caveat(self, name: str) -> str:
        """Why the replay may not draw the run's parameter values (the posterior file is gone
        or changed since the run), or ""."""
        used = self.used.get(name) if isinstance(self.used, dict) else None
        if not used:
            return ""
        if name not in self.caveats:
            self.caveats[name] = self._check(used)
        return self.caveats[name]

    @staticmethod
    def _check(used: dict) -> str:
        from sim.errors import InputError
        from sim.experiment.parameters import read_table

        file = str(used.get("file", ""))
        try:
            table = read_table(Path(file)).restricted(used.get("parameters") or ())
        except InputError:
            table = None
        if table is None or table.digest() != used.get("sha256"):
            return (
                f"the posterior {file} is missing or has changed since the run, so this "
                "command may not replay the parameter values the replication drew"
            )
        return ""


def replays(r: Results, per_scenario: int) -> list[Replay]:
    """The extreme replications of every scenario of a run or compare, each with its command."""
    args = scenario_args(r)
    overrides = [str(s) for s in r.manifest.get("overrides") or []]
    command = r.manifest.get("command") or []
    posterior = _option(command, "--posterior") if isinstance(command, list) else None
    posteriors = Posteriors(r)
    out = []
    for name, rows in extremes(r, per_scenario).items():
        for row in rows:
            seed, rep = int(row["seed"]), int(row["replication"])
            argv = ["dmzsim", "trace", args.get(name, name), "--seed", str(seed)]
            argv += ["--replication", str(rep)]
            for s in overrides:
                argv += ["--set", s]
            if posterior is not None:
                argv += ["--posterior", posterior]
            out.append(Replay(name, row, tuple(argv), posteriors.caveat(name)))
    order = {name: i for i, name in enumerate(r.names)}
    return sorted(out, key=lambda p: order.get(p.scenario, len(order)))


__all__ = ["SHOWN", "Replay", "extremes", "replays", "scenario_args"]
