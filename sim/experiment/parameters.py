"""Parameter sets that replications take their values from: a posterior, or a fit's design.

A table holds rows of values for a few real-valued parameters (dotted paths) and a weight per
row. In a posterior (``per_row == 0``) replication *i* draws its row by weight from its own
named stream ``posterior``, so every scenario of a paired comparison gets the same row in the
same replication (common random numbers) and an experiment integrates over the posterior. In a
fit's design (``per_row == k``) replication *i* takes row ``i // k``: k replications per
parameter set, run through the ordinary engine.

A posterior file is a CSV with a ``weight`` column and one column per parameter path.
"""

from __future__ import annotations

import csv
import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.errors import InputError
from sim.rng import generator
from sim.scenario.params import Scenario
from sim.scenario.paths import with_values

STREAM = "posterior"  # the named stream a replication draws its posterior row from
SUFFIX = ".posterior.csv"  # a scenario's shipped posterior: <stem>.posterior.csv beside it
MAX_ROWS = 1_000_000


@dataclass(frozen=True, eq=False)
class ParameterTable:
    """Rows of values for ``paths`` with their weights (see the module docstring)."""

    paths: tuple[str, ...]
    values: np.ndarray  # float64 (rows, paths)
    weights: np.ndarray  # float64 (rows,), non-negative, sums to 1
    per_row: int = 0
    source: str = ""
    _cumulative: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        cum = np.cumsum(self.weights)
        object.__setattr__(self, "_cumulative", cum / cum[-1])

    def __len__(self) -> int:
        return len(self.weights)

    def digest(self) -> str:
        """A hash of the table's content (what an experiment's fingerprint holds)."""
        h = hashlib.sha256()
        h.update(repr((self.paths, self.per_row)).encode())
        h.update(np.ascontiguousarray(self.values, dtype="<f8").tobytes())
        h.update(np.ascontiguousarray(self.weights, dtype="<f8").tobytes())
        return h.hexdigest()

    def row(self, root_seed: int, replication: int) -> int:
        """The row replication ``replication`` runs with."""
        if self.per_row:
            return min(replication // self.per_row, len(self) - 1)
        u = generator(root_seed, replication, STREAM).random()
        return min(int(np.searchsorted(self._cumulative, u, side="right")), len(self) - 1)

    def values_of(self, row: int) -> dict[str, float]:
        return dict(zip(self.paths, self.values[row].tolist(), strict=True))

    def restricted(self, keep: Iterable[str]) -> ParameterTable | None:
        """The table with only the columns in ``keep`` (None when none is left)."""
        wanted = set(keep)
        cols = [j for j, p in enumerate(self.paths) if p in wanted]
        if not cols:
            return None
        return ParameterTable(
            tuple(self.paths[j] for j in cols),
            self.values[:, cols],
            self.weights,
            self.per_row,
            self.source,
        )

    def describe(self) -> dict[str, object]:
        """What a manifest records of the table."""
        ess = 1.0 / float(np.sum(self.weights**2))
        return {
            "file": self.source,
            "sha256": self.digest(),
            "rows": len(self),
            "effective_sample_size": round(ess, 1),
            "parameters": list(self.paths),
        }


class Applier:
    """Hands out the scenario of each replication, building each row's scenario once."""

    def __init__(self, scenario: Scenario, table: ParameterTable | None, root_seed: int) -> None:
        self.scenario, self.table, self.root_seed = scenario, table, root_seed
        self._cache: dict[int, Scenario] = {}

    def __call__(self, replication: int) -> Scenario:
        if self.table is None:
            return self.scenario
        row = self.table.row(self.root_seed, replication)
        s = self._cache.get(row)
        if s is None:
            s = self._cache[row] = with_values(self.scenario, self.table.values_of(row))
        return s


# --- files ---------------------------------------------------------------------------------
def write_table(path: Path, paths: Sequence[str], values: np.ndarray, weights: np.ndarray) -> Path:
    """A posterior CSV: ``weight`` then one column per path, floats written exactly."""
    from sim.experiment.outputs import atomic_open  # (outputs imports the store, which imports us)

    with atomic_open(path, "w") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["weight", *paths])
        for wt, row in zip(weights.tolist(), values.tolist(), strict=True):
            w.writerow([repr(wt), *(repr(v) for v in row)])
    return Path(path)


def read_table(path: Path, source: str = "--posterior") -> ParameterTable:
    """A posterior CSV, checked: one line naming the file, row and column otherwise."""
    name = str(path)

    def fail(where: str, value: object, allowed: str) -> InputError:
        return InputError(f"{source} {name}", where, value, allowed)

    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
    except FileNotFoundError:
        raise InputError(source, None, name, "file not found") from None
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise InputError(
            source, None, name, f"not a readable CSV file ({type(e).__name__})"
        ) from None
    if not rows or "weight" not in rows[0]:
        raise fail("header", "", "a CSV whose header has 'weight' and parameter paths")
    header = [h.strip() for h in rows[0]]
    params = [h for h in header if h != "weight"]
    if not params or len(set(header)) != len(header):
        raise fail("header", ",".join(header)[:80], "'weight' and distinct parameter paths")
    body = [r for r in rows[1:] if any(c.strip() for c in r)]
    if not body or len(body) > MAX_ROWS:
        raise fail("rows", len(body), f"between 1 and {MAX_ROWS} parameter sets")
    data = np.empty((len(body), len(header)))
    for i, r in enumerate(body, start=2):
        if len(r) != len(header):
            raise fail(f"line {i}", len(r), f"{len(header)} fields, as in the header")
        for j, cell in enumerate(r):
            try:
                x = float(cell)
            except ValueError:
                raise fail(f"line {i}, {header[j]}", cell, "a number") from None
            if not math.isfinite(x):
                raise fail(f"line {i}, {header[j]}", cell, "a finite number")
            data[i - 2, j] = x
    w = data[:, header.index("weight")]
    if (w < 0).any() or not w.sum() > 0:
        raise fail("weight", float(w.min()), "weights >= 0 with a positive sum")
    cols = [header.index(p) for p in params]
    return ParameterTable(tuple(params), data[:, cols], w / w.sum(), 0, name)


def check_against(table: ParameterTable, scenario: Scenario, source: str) -> None:
    """Every column names a real-valued parameter of ``scenario`` and holds allowed values."""
    from sim.scenario.loader import override_field

    for j, path in enumerate(table.paths):
        kind, f = override_field(scenario, path, f"{source} {table.source}", path)
        if kind != "float":
            raise InputError(
                f"{source} {table.source}",
                path,
                kind,
                "posterior columns are real-valued parameters",
            )
        lo, hi = f.metadata.get("lo"), f.metadata.get("hi")
        col = table.values[:, j]
        bad = (col < lo) if lo is not None else np.zeros(len(col), bool)
        if hi is not None:
            bad |= col > hi
        if bad.any():
            i = int(np.argmax(bad))
            raise InputError(
                f"{source} {table.source}",
                f"line {i + 2}, {path}",
                float(col[i]),
                f"must lie in [{lo}, {hi}]",
            )


# --- which posterior a scenario runs with ---------------------------------------------------
@dataclass(frozen=True)
class Resolved:
    """A scenario's posterior: the table applied (None: point values) and what overrode it."""

    table: ParameterTable | None
    overridden: Mapping[str, str]  # path -> who set it instead (a file, --set or --param)

    def describe(self) -> dict[str, object] | None:
        if self.table is None:
            return None
        return self.table.describe() | {"overridden": dict(self.overridden)}


def default_posterior(scenario_file: Path) -> tuple[Path, int] | None:
    """The posterior beside the nearest file of the ``extends`` chain that has one, and that
    file's place in the chain (root first)."""
    from sim.scenario.loader import chain_sources

    order, _ = chain_sources(scenario_file)
    for k in range(len(order) - 1, -1, -1):
        p = Path(order[k])
        candidate = p.with_name(p.stem + SUFFIX)
        if candidate.is_file():
            return candidate, k
    return None


def resolve(
    choice: str | None,
    scenario_file: Path,
    scenario: Scenario,
    overrides: Mapping[str, str],
) -> Resolved:
    """The posterior ``scenario`` runs with: ``choice`` is a file, ``none``, or None for the
    default (the posterior shipped beside a file of the scenario's ``extends`` chain).

    ``overrides`` maps paths set on the command line (``--set``, ``--param``) to the option.
    With the default, a value that a file below the posterior's owner sets (a what-if or an
    episode changing a fitted parameter) also wins over the posterior; with a file named by
    ``--posterior``, only the command line does."""
    from sim.scenario.loader import chain_sources

    if choice is not None and choice.strip().lower() == "none":
        return Resolved(None, {})
    if choice is None:
        found = default_posterior(scenario_file)
        if found is None:
            return Resolved(None, {})
        path, owner = found
        table = read_table(path, "posterior")
        order, origins = chain_sources(scenario_file)
        below = set(order[owner + 1 :])
    else:
        table = read_table(Path(choice))
        below, origins = set(), {}
    check_against(table, scenario, "--posterior" if choice else "posterior")
    overridden: dict[str, str] = {}
    for path in table.paths:
        if path in overrides:
            overridden[path] = overrides[path]
            continue
        key = tuple(path.split("."))
        setter = next(
            (origins[key[:n]] for n in range(len(key), 0, -1) if key[:n] in origins), None
        )
        if setter in below:
            overridden[path] = str(setter)
    kept = table.restricted(p for p in table.paths if p not in overridden)
    return Resolved(kept, overridden)


def override_paths(sets: Iterable[str]) -> dict[str, str]:
    """Paths named by ``--set KEY=VALUE`` items, each mapped to '--set'."""
    return {item.split("=", 1)[0].strip(): "--set" for item in sets if "=" in item}
