"""Sweep designs: which parameter values each design point takes.

A factor is one ``--param PATH=SPEC``. SPEC is a grid ``lo:hi:steps``, a list ``v1,v2,v3``
(``*`` lists every value of a true/false or choice parameter), or a range ``lo:hi`` for the
sampled designs. A design crosses the factors' levels (``grid``) or draws points from a
scrambled, seeded Latin hypercube (``lhs``), Sobol' sequence (``sobol``) or the Saltelli
scheme behind Sobol' indices (``saltelli``). Every value is checked against the parameter's
declared type and range before anything runs.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.errors import InputError
from sim.scenario.loader import check_value, override_field
from sim.scenario.params import Scenario

METHODS = ("grid", "lhs", "sobol")
# Design points of one sweep, and levels of one factor: each point is a scenario resolved,
# stored and run -n times; a guard against a typo such as 0:1:1000 x 0:1:1000 or 0:1:100000000
# (whose levels alone would fill memory before anything ran).
MAX_POINTS = 20_000
# The design's own stream: the root seed with this spawn key, apart from every replication's
# streams (which use spawn keys (i,) ...), so a design never shares draws with the model.
DESIGN_SPAWN_KEY = (2**32 - 1, 0xDE5)
SQL_TYPES = {"float": "REAL", "int": "INTEGER", "bool": "INTEGER", "str": "TEXT", "date": "TEXT"}
SPEC_HELP = "a grid lo:hi:steps, a list v1,v2,... or a range lo:hi (sampled designs)"


@dataclass(frozen=True)
class Factor:
    """One swept parameter: its path and type, and its levels or its range."""

    path: str
    kind: str  # float, int, bool, str (a choice) or date
    spec: str
    levels: tuple[Any, ...] | None = None  # a grid or a list
    low: Any = None  # a range (sampled designs only)
    high: Any = None

    @property
    def categorical(self) -> bool:
        """Whether values have no order (true/false, a choice), so analyses code them."""
        return self.kind in ("bool", "str")

    def code(self, value: Any) -> float:
        """A number standing for ``value``: itself, a date's ordinal, or a category's index."""
        if self.categorical:
            return float((self.levels or ()).index(value))
        if self.kind == "date":
            return float(value.toordinal())
        return float(value)

    def label(self, value: Any) -> str:
        """``value`` as a user writes it, for tables and plots."""
        if isinstance(value, float):
            return f"{value:.6g}"
        return self.literal(value)

    def literal(self, value: Any) -> str:
        """``value`` as a ``--set`` literal that reads back exactly."""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float):
            return repr(value)
        if isinstance(value, dt.date):
            return value.isoformat()
        return str(value)

    def from_unit(self, u: np.ndarray) -> list[Any]:
        """Values for points ``u`` in [0, 1): uniform over the range, or over the levels."""
        if self.levels is not None:
            idx = np.minimum((u * len(self.levels)).astype(np.int64), len(self.levels) - 1)
            return [self.levels[i] for i in idx]
        if self.kind == "float":
            return [float(self.low + x * (self.high - self.low)) for x in u]
        lo = self.low.toordinal() if self.kind == "date" else self.low
        hi = self.high.toordinal() if self.kind == "date" else self.high
        whole = np.minimum(lo + np.floor(u * (hi - lo + 1)).astype(np.int64), hi)
        if self.kind == "date":
            return [dt.date.fromordinal(int(x)) for x in whole]
        return [int(x) for x in whole]


@dataclass(frozen=True)
class Design:
    """The factors and, per point, one value of each."""

    method: str
    factors: tuple[Factor, ...]
    points: tuple[tuple[Any, ...], ...]

    @property
    def names(self) -> list[str]:
        return [f.path for f in self.factors]

    def overrides(self, k: int) -> list[str]:
        """Point ``k`` as ``--set`` overrides."""
        return [
            f"{f.path}={f.literal(v)}" for f, v in zip(self.factors, self.points[k], strict=True)
        ]

    def describe(self) -> dict[str, Any]:
        """The design as plain data (stored with the experiment, read back by ``discover``)."""
        return {
            "method": self.method,
            "points": len(self.points),
            "factors": [
                {
                    "path": f.path,
                    "kind": f.kind,
                    "spec": f.spec,
                    "levels": None if f.levels is None else [f.label(v) for v in f.levels],
                }
                for f in self.factors
            ],
        }

    def columns(self) -> list[tuple[str, str]]:
        """The points table's columns: each parameter's path and SQL type."""
        return [(f.path, SQL_TYPES[f.kind]) for f in self.factors]

    def rows(self, names: Sequence[str]) -> list[tuple[Any, ...]]:
        """Rows of the points table: scenario name, point index and the stored values."""

        def stored(v: Any) -> Any:
            return v.isoformat() if isinstance(v, dt.date) else v

        return [
            (name, k, *(stored(v) for v in p))
            for k, (name, p) in enumerate(zip(names, self.points, strict=True))
        ]


# --- factors --------------------------------------------------------------------------------
def _literal(text: str) -> Any:
    """A TOML literal (2, 0.5, true, 2024-06-01) or, failing that, the bare text."""
    try:
        parsed = tomllib.loads(f"v = {text}")
    except tomllib.TOMLDecodeError:
        return text
    return parsed.get("v", text)


def parse_factor(arg: str, base: Scenario) -> Factor:
    """``PATH=SPEC`` checked against the parameter that PATH names in ``base``."""
    if "=" not in arg:
        raise InputError("--param", None, arg, f"expected PATH=SPEC, SPEC {SPEC_HELP}")
    path, spec = (s.strip() for s in arg.split("=", 1))
    kind, field = override_field(base, path, "--param", spec)
    if kind == "str" and not field.metadata.get("choices"):
        raise InputError(
            "--param",
            path,
            spec,
            "free text cannot be swept; numbers, true/false, choices and dates can",
        )

    def value(text: str) -> Any:
        raw = text.strip()
        if not raw:
            raise InputError("--param", path, spec, f"an empty value; SPEC is {SPEC_HELP}")
        v = _literal(raw)
        if kind == "str" and not isinstance(v, str):
            v = raw
        if kind == "float" and isinstance(v, int) and not isinstance(v, bool):
            v = float(v)
        return check_value(kind, field, v, "--param", path)

    def refuse(allowed: str) -> InputError:
        return InputError("--param", path, spec, allowed)

    if spec == "*":
        if kind == "bool":
            return Factor(path, kind, spec, levels=(False, True))
        if field.metadata.get("choices"):
            return Factor(path, kind, spec, levels=tuple(field.metadata["choices"]))
        raise refuse("'*' lists every value of a true/false or choice parameter only")
    if "," in spec:
        if spec.count(",") >= MAX_POINTS:
            raise refuse(f"a list of at most {MAX_POINTS:,} values")
        levels = tuple(value(t) for t in spec.split(","))
        if len(set(levels)) != len(levels):
            raise refuse("a list must not repeat a value")
        return Factor(path, kind, spec, levels=levels)
    parts = spec.split(":")
    if len(parts) == 1:
        return Factor(path, kind, spec, levels=(value(spec),))
    if kind in ("bool", "str"):
        raise refuse("a true/false or choice parameter takes a list (v1,v2) or '*', not a range")
    if len(parts) > 3:
        raise refuse(f"SPEC is {SPEC_HELP}")
    lo, hi = value(parts[0]), value(parts[1])
    if hi < lo or (hi == lo and len(parts) == 2):
        raise refuse("an empty range: hi must be above lo")
    if len(parts) == 2:
        return Factor(path, kind, spec, low=lo, high=hi)
    try:
        steps = int(parts[2])
    except ValueError:
        raise refuse("the number of grid steps must be a whole number, e.g. 0:1:11") from None
    if steps < 1 or (steps == 1 and hi != lo):
        raise refuse("an empty grid: lo:hi:steps needs steps >= 2 (or lo = hi with 1 step)")
    if steps > MAX_POINTS:
        raise refuse(f"grid steps must be at most {MAX_POINTS:,}")
    return Factor(path, kind, spec, levels=_grid(kind, lo, hi, steps, refuse))


def _grid(kind: str, lo: Any, hi: Any, steps: int, refuse: Any) -> tuple[Any, ...]:
    """``steps`` evenly spaced values from lo to hi, both included."""
    if kind == "float":
        if lo == hi and steps > 1:
            raise refuse(f"a grid from {lo} to {hi} has one value; use {lo}:{hi}:1 or {lo}")
        # 12 significant digits drop linspace's rounding noise (0.30000000000000004 -> 0.3)
        return tuple(float(f"{x:.12g}") for x in np.linspace(lo, hi, steps))
    a, b = (lo.toordinal(), hi.toordinal()) if kind == "date" else (lo, hi)
    whole = np.unique(np.rint(np.linspace(a, b, steps)).astype(np.int64))
    if whole.size < steps:
        unit = "days" if kind == "date" else "whole numbers"
        raise refuse(f"only {b - a + 1} {unit} lie in [{lo}, {hi}]; use at most that many steps")
    if kind == "date":
        return tuple(dt.date.fromordinal(int(x)) for x in whole)
    return tuple(int(x) for x in whole)


# --- designs --------------------------------------------------------------------------------
def design_rng(root_seed: int) -> np.random.Generator:
    """The generator that scrambles a sampled design, from the experiment's root seed."""
    return np.random.default_rng(np.random.SeedSequence(root_seed, spawn_key=DESIGN_SPAWN_KEY))


def check_factors(factors: Sequence[Factor], method: str, points: int | None = None) -> None:
    """Refuse what ``method`` cannot do with these factors and ``--points``."""
    if not factors:
        raise InputError("--param", None, None, "give at least one --param PATH=SPEC")
    paths = [f.path for f in factors]
    if len(set(paths)) != len(paths):
        dup = next(p for p in paths if paths.count(p) > 1)
        raise InputError("--param", dup, None, "each parameter may be swept once")
    if method not in (*METHODS, "saltelli"):
        raise InputError("--design", None, method, f"one of {', '.join(METHODS)}")
    if method == "grid":
        ranged = next((f for f in factors if f.levels is None), None)
        if ranged is not None:
            raise InputError(
                "--param",
                ranged.path,
                ranged.spec,
                "a range lo:hi is for --design lhs or sobol; a grid needs lo:hi:steps or a list",
            )
        if points is not None:
            raise InputError("--points", None, points, "only for --design lhs or sobol")
        total = design_size(factors, method, points)
        if total > MAX_POINTS:
            raise InputError(
                "--param", None, total, f"grid points (the product of steps) at most {MAX_POINTS:,}"
            )
        return
    gridded = next((f for f in factors if f.levels is not None and ":" in f.spec), None)
    if gridded is not None:
        raise InputError(
            "--param",
            gridded.path,
            gridded.spec,
            f"lo:hi:steps is a grid; a {method} design samples a range lo:hi or a list",
        )
    if points is None or points < 2:
        raise InputError("--points", None, points, f"a {method} design needs --points K >= 2")
    if design_size(factors, method, points) > MAX_POINTS:
        per = f" x {len(factors) + 2} (parameters + 2)" if method == "saltelli" else ""
        raise InputError("--points", None, points, f"design points{per} at most {MAX_POINTS:,}")
    if method != "lhs" and 2 ** round(math.log2(points)) != points:
        raise InputError(
            "--points", None, points, f"a {method} design needs a power of 2 (e.g. 64, 128, 256)"
        )


def design_size(factors: Sequence[Factor], method: str, points: int | None) -> int:
    """How many points a design will have: the product of the grid's levels, ``points``, or
    ``points x (factors + 2)`` for the Saltelli scheme."""
    if method == "grid":
        return math.prod(len(f.levels or ()) for f in factors)
    if method == "saltelli":
        return (points or 0) * (len(factors) + 2)
    return points or 0


def design_seed(root_seed: int) -> int:
    """An integer seed from the design's stream, for code that takes one (the Saltelli design
    and its bootstrap)."""
    return int(design_rng(root_seed).integers(2**63))


def build_design(
    factors: Sequence[Factor], method: str, points: int | None, root_seed: int
) -> Design:
    """The points of a ``grid``, ``lhs`` or ``sobol`` design over ``factors``, or of the
    ``saltelli`` design behind Sobol' indices (``points`` base samples)."""
    check_factors(factors, method, points)
    if method == "saltelli":
        from sim.analysis.sensitivity import saltelli_points

        assert points is not None
        unit = saltelli_points(len(factors), points, design_seed(root_seed))
        return sampled_design(method, factors, unit)
    if method == "grid":
        levels = [f.levels or () for f in factors]
        return Design(method, tuple(factors), tuple(itertools.product(*levels)))
    assert points is not None
    return sampled_design(method, factors, unit_sample(method, len(factors), points, root_seed))


def unit_sample(method: str, d: int, points: int, root_seed: int) -> np.ndarray:
    """``points`` scrambled points in [0, 1)^d from the design's seeded generator."""
    from scipy.stats import qmc  # only an LHS or Sobol' design needs scipy (0.7 s to import)

    rng = design_rng(root_seed)
    if method == "lhs":
        return qmc.LatinHypercube(d, scramble=True, rng=rng).random(points)
    return qmc.Sobol(d, scramble=True, rng=rng).random_base2(round(math.log2(points)))


def sampled_design(method: str, factors: Sequence[Factor], unit: np.ndarray) -> Design:
    """The design whose point k maps row k of ``unit`` through each factor."""
    columns = [f.from_unit(unit[:, j]) for j, f in enumerate(factors)]
    return Design(method, tuple(factors), tuple(zip(*columns, strict=True)))


def point_names(base: str, count: int) -> list[str]:
    """Scenario names of the points: the base scenario's name and the point's number."""
    width = len(str(max(count - 1, 0)))
    return [f"{base}#{k:0{width}d}" for k in range(count)]
