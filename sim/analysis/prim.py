"""PRIM (Patient Rule Induction Method): find the input region where an outcome is likely.

Friedman & Fisher (1999) start from the box holding every case and repeatedly peel off the thin
slice (about a share ``alpha`` of the box's cases, at one end of one input) whose removal leaves
the densest box; then they paste back slices that raise density. Scenario discovery (Bryant &
Lempert 2010) reads the peeling trajectory as a trade-off between *coverage* (the share of all
cases with the outcome that lie in the box) and *density* (the share of the box's cases that have
the outcome), and reports one box as an interpretable rule such as ``x in [0.6, 1]``.

Rules of this implementation (own code, after the papers):

* Cases sharing one input row (replications of a design point) tie. Every bound is an actual
  data value, inclusive, and peels and pastes move whole tied groups. A low peel of a numeric
  input sets the new lower bound to the value at sorted position ``k = ceil(alpha * m)`` of the
  box's ``m`` cases and removes everything strictly below it (at most ``k`` cases); if that
  removes nothing, it removes the lowest tied group instead. High peels mirror this.
* A categorical input (integer codes ``0..k-1``) is peeled by removing one category at a time.
* The peel kept is the one leaving the highest density (ties: fewest cases removed, then lowest
  input index, then low end before high end). Peeling continues while some peel keeps the box's
  mass (share of all cases) at or above ``min_mass``, even when density does not rise.
* Selection: the highest-coverage trajectory box with density >= ``threshold``; by default the
  threshold is halfway between the base density and the trajectory's highest density.
* Pasting: expand one bound by the ``k = ceil(alpha * m)`` nearest cases outside it (plus the
  rest of the last value's tied group), or add back one removed category, taking the expansion
  with the highest resulting density; stop when none raises density.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

Labels = Callable[[int, float], str]  # (input index, value or category code) -> printed text
ROW_FIELDS = ("index", "coverage", "density", "mass", "n", "restricted", "chosen", "limits")
LIMIT_FIELDS = (
    "parameter",
    "lower",
    "upper",
    "allowed",
    "full_lower",
    "full_upper",
    "full_allowed",
)


def _default_label(dim: int, value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True, eq=False)
class Box:
    """A box of inputs (inclusive bounds; allowed codes of categorical inputs) and its statistics.

    The statistics are exact shares of the cases PRIM ran on. Equality is identity (arrays).
    """

    lower: np.ndarray  # (d,) inclusive lower bound per input (-inf for categorical inputs)
    upper: np.ndarray  # (d,) inclusive upper bound per input (+inf for categorical inputs)
    allowed: tuple[frozenset[int] | None, ...]  # category codes kept (None: numeric input)
    coverage: float  # share of all cases with y = 1 that lie inside the box
    density: float  # share of the cases inside the box that have y = 1
    mass: float  # share of all cases inside the box
    n: int  # number of cases inside the box

    def contains(self, x: ArrayLike) -> np.ndarray:
        """Which rows of ``x`` (n, d) lie inside the box, as a bool array (n,)."""
        arr = np.asarray(x, dtype=np.float64)
        if arr.ndim != 2 or arr.shape[1] != len(self.allowed):
            raise ValueError(f"x must have shape (n, {len(self.allowed)}), got {arr.shape}")
        inside = np.ones(arr.shape[0], dtype=bool)
        for j, cats in enumerate(self.allowed):
            col = arr[:, j]
            if cats is None:
                inside &= (col >= self.lower[j]) & (col <= self.upper[j])
            else:
                inside &= np.isin(col, sorted(cats))
        return inside

    def restricted(self, full: Box) -> list[int]:
        """Inputs whose limits are narrower than in ``full`` (the starting box of the same run)."""
        dims = []
        for j, cats in enumerate(self.allowed):
            full_cats = full.allowed[j]
            if cats is None or full_cats is None:
                narrower = self.lower[j] > full.lower[j] or self.upper[j] < full.upper[j]
            else:
                narrower = cats < full_cats
            if narrower:
                dims.append(j)
        return dims


@dataclass(frozen=True)
class PrimResult:
    """The peeling trajectory of one PRIM run and the box it selected (after pasting)."""

    names: tuple[str, ...]
    categorical: tuple[bool, ...]
    trajectory: tuple[Box, ...]  # the whole space first, then each peeled box (never pasted)
    chosen: Box  # trajectory[chosen_index] after pasting (identical to it if paste=False)
    chosen_index: int
    base_density: float  # y.mean(): the density of the whole space


def prim(
    x: ArrayLike,
    y: ArrayLike,
    names: Sequence[str],
    categorical: Sequence[bool] | None = None,
    *,
    alpha: float = 0.05,
    min_mass: float = 0.05,
    threshold: float | None = None,
    paste: bool = True,
) -> PrimResult:
    """Peel boxes from ``x`` (n, d) towards cases with ``y`` = 1, select one and paste it.

    See the module docstring for the peeling, selection and pasting rules.
    """
    xa, ya, names_t, cat_t = _validate(x, y, names, categorical, alpha, min_mass, threshold)
    n, d = xa.shape
    allowed = [
        frozenset(int(c) for c in np.unique(xa[:, j])) if cat_t[j] else None for j in range(d)
    ]
    lower = np.where(cat_t, -np.inf, xa.min(axis=0))
    upper = np.where(cat_t, np.inf, xa.max(axis=0))
    total = _Totals(n, int(ya.sum()))
    trajectory = _peel(xa, ya, cat_t, lower, upper, allowed, alpha, min_mass, total)
    base = trajectory[0].density
    chosen_index = _select(trajectory, base, threshold)
    chosen = trajectory[chosen_index]
    if paste:
        chosen = _paste(xa, ya, cat_t, chosen, trajectory[0], alpha, total)
    return PrimResult(names_t, cat_t, tuple(trajectory), chosen, chosen_index, base)


@dataclass(frozen=True)
class _Totals:
    """Case counts of the whole data set, the denominators of mass and coverage."""

    cases: int
    positives: int

    def box(self, lower: np.ndarray, upper: np.ndarray, allowed: Sequence, m: int, ys: int) -> Box:
        lo, hi = lower.copy(), upper.copy()
        lo.setflags(write=False)
        hi.setflags(write=False)
        return Box(lo, hi, tuple(allowed), ys / self.positives, ys / m, m / self.cases, m)


def _peel(
    x: np.ndarray,
    y: np.ndarray,
    cat: tuple[bool, ...],
    lower: np.ndarray,
    upper: np.ndarray,
    allowed: list[frozenset[int] | None],
    alpha: float,
    min_mass: float,
    total: _Totals,
) -> list[Box]:
    """The peeling trajectory: the whole space, then one box per peel until ``min_mass`` binds."""
    n, d = x.shape
    lower, upper, allowed = lower.copy(), upper.copy(), list(allowed)
    inside = np.ones(n, dtype=bool)
    # Case indices of the box sorted by each numeric input, filtered (not re-sorted) per step.
    orders = {j: np.argsort(x[:, j], kind="stable") for j in range(d) if not cat[j]}
    m, ys = n, total.positives
    boxes = [total.box(lower, upper, allowed, m, ys)]
    while True:
        k = min(max(1, math.ceil(alpha * m)), m - 1)
        best: tuple | None = None  # ((-density, removed, dim, side), yrem, action)
        cand_idx = None
        for j in range(d):
            if cat[j]:
                if cand_idx is None:
                    cand_idx = np.flatnonzero(inside)
                codes, inverse, counts = np.unique(
                    x[cand_idx, j], return_inverse=True, return_counts=True
                )
                ysums = np.bincount(inverse, weights=y[cand_idx], minlength=codes.size)
                options = [
                    (int(cnt), int(round(yr)), j, int(code), ("cat", int(code)))
                    for code, cnt, yr in zip(codes, counts, ysums, strict=True)
                ]
            else:
                options = _numeric_peels(x[orders[j], j], y[orders[j]], k, j)
            for removed, yrem, dim, side, action in options:
                keep = m - removed
                if removed < 1 or keep < 1 or keep / n < min_mass:
                    continue
                key = (-((ys - yrem) / keep), removed, dim, side)
                if best is None or key < best[0]:
                    best = (key, yrem, action)
        if best is None:
            return boxes
        (_, removed, j, _), yrem, (kind, value) = best
        col = x[:, j]
        if kind == "low":
            lower[j] = value
            inside &= col >= value
        elif kind == "high":
            upper[j] = value
            inside &= col <= value
        else:
            allowed[j] = allowed[j] - {value}
            inside &= col != value
        for i, o in orders.items():
            orders[i] = o[inside[o]]
        m, ys = m - removed, ys - yrem
        boxes.append(total.box(lower, upper, allowed, m, ys))


def _numeric_peels(s: np.ndarray, ysorted: np.ndarray, k: int, j: int) -> list[tuple]:
    """The low and high peel of one numeric input; ``s`` holds the box's values sorted."""
    m = s.size
    options: list[tuple] = []
    if m < 2 or s[0] == s[-1]:
        return options
    b = s[k]
    if b == s[0]:  # the quantile peel would remove nothing: remove the lowest tied group
        b = s[np.searchsorted(s, s[0], side="right")]
    removed = int(np.searchsorted(s, b, side="left"))
    options.append((removed, int(ysorted[:removed].sum()), j, 0, ("low", float(b))))
    b = s[m - 1 - k]
    if b == s[-1]:
        b = s[np.searchsorted(s, s[-1], side="left") - 1]
    start = int(np.searchsorted(s, b, side="right"))
    options.append((m - start, int(ysorted[start:].sum()), j, 1, ("high", float(b))))
    return options


def _select(trajectory: Sequence[Box], base: float, threshold: float | None) -> int:
    """Index of the highest-coverage box with density >= threshold (else of the densest box)."""
    if threshold is None:
        threshold = base + 0.5 * (max(b.density for b in trajectory) - base)
    ok = [i for i, b in enumerate(trajectory) if b.density >= threshold]
    if ok:
        return max(ok, key=lambda i: (trajectory[i].coverage, trajectory[i].density, i))
    return max(
        range(len(trajectory)), key=lambda i: (trajectory[i].density, trajectory[i].coverage, -i)
    )


def _paste(
    x: np.ndarray,
    y: np.ndarray,
    cat: tuple[bool, ...],
    box: Box,
    full: Box,
    alpha: float,
    total: _Totals,
) -> Box:
    """Expand ``box`` one bound or category at a time while that raises its density."""
    n, d = x.shape
    lower, upper, allowed = box.lower.copy(), box.upper.copy(), list(box.allowed)
    while True:
        within = np.empty((d, n), dtype=bool)  # per input: does the case satisfy its limits?
        for j in range(d):
            col = x[:, j]
            cats = allowed[j]
            if cats is None:
                within[j] = (col >= lower[j]) & (col <= upper[j])
            else:
                within[j] = np.isin(col, sorted(cats))
        misses = d - within.sum(axis=0)
        inside = misses == 0
        m, ys = int(inside.sum()), int(y[inside].sum())
        k = max(1, math.ceil(alpha * m))
        best: tuple | None = None  # ((-density, -added, dim, side), action)
        for j in range(d):
            only_j = (misses == 1) & ~within[j]  # outside the box in input j alone
            col = x[:, j]
            options = []
            full_cats, cats = full.allowed[j], allowed[j]
            if full_cats is not None and cats is not None:
                for code in sorted(full_cats - cats):
                    sel = only_j & (col == code)
                    options.append((int(sel.sum()), int(y[sel].sum()), code, ("cat", code)))
            else:
                for side, sel in ((0, only_j & (col < lower[j])), (1, only_j & (col > upper[j]))):
                    vals = col[sel]
                    if vals.size == 0:
                        continue
                    kk = min(k, vals.size)
                    if side == 0:
                        b = -np.partition(-vals, kk - 1)[kk - 1]
                        add = vals >= b
                    else:
                        b = np.partition(vals, kk - 1)[kk - 1]
                        add = vals <= b
                    action = ("low" if side == 0 else "high", b)
                    options.append((int(add.sum()), int(y[sel][add].sum()), side, action))
            for added, yadd, side, action in options:
                if added < 1:
                    continue
                key = (-((ys + yadd) / (m + added)), -added, j, side)
                if best is None or key < best[0]:
                    best = (key, action)
        if best is None or -best[0][0] <= ys / m:
            return total.box(lower, upper, allowed, m, ys)
        (_, _, j, _), (kind, value) = best
        if kind == "low":
            lower[j] = float(value)
        elif kind == "high":
            upper[j] = float(value)
        else:
            allowed[j] = allowed[j] | {int(value)}


def box_rows(result: PrimResult, labels: Labels | None = None) -> list[dict]:
    """One row per trajectory box (fields ``ROW_FIELDS``) for a printed or CSV table.

    ``chosen`` marks the box that was pasted into ``result.chosen``; ``limits`` lists only the
    restricted inputs, values formatted by ``labels(dim, value)`` (default ``f"{value:g}"``).
    """
    full = result.trajectory[0]
    return [
        {
            "index": i,
            "coverage": box.coverage,
            "density": box.density,
            "mass": box.mass,
            "n": box.n,
            "restricted": len(box.restricted(full)),
            "chosen": i == result.chosen_index,
            "limits": limits_text(result, box, labels),
        }
        for i, box in enumerate(result.trajectory)
    ]


def limits_text(result: PrimResult, box: Box, labels: Labels | None = None) -> str:
    """The restricted limits of ``box`` as ``name in [lo, hi]; name in {a, b}`` text."""
    fmt = labels or _default_label
    parts = []
    for j in box.restricted(result.trajectory[0]):
        cats = box.allowed[j]
        if cats is None:
            span = f"[{fmt(j, float(box.lower[j]))}, {fmt(j, float(box.upper[j]))}]"
        else:
            span = "{" + ", ".join(fmt(j, c) for c in sorted(cats)) + "}"
        parts.append(f"{result.names[j]} in {span}")
    return "; ".join(parts)


def box_limits(result: PrimResult, box: Box, labels: Labels | None = None) -> list[dict]:
    """Rows (fields ``LIMIT_FIELDS``) of the inputs ``box`` restricts, beside their full range.

    Numeric inputs fill lower/upper, categorical ones allowed; values are formatted by ``labels``.
    """
    fmt = labels or _default_label
    full = result.trajectory[0]
    rows = []
    for j in box.restricted(full):
        cats, full_cats = box.allowed[j], full.allowed[j]
        row = dict.fromkeys(LIMIT_FIELDS, "")
        row["parameter"] = result.names[j]
        if cats is None or full_cats is None:
            row["lower"], row["upper"] = fmt(j, float(box.lower[j])), fmt(j, float(box.upper[j]))
            row["full_lower"] = fmt(j, float(full.lower[j]))
            row["full_upper"] = fmt(j, float(full.upper[j]))
        else:
            row["allowed"] = ", ".join(fmt(j, c) for c in sorted(cats))
            row["full_allowed"] = ", ".join(fmt(j, c) for c in sorted(full_cats))
        rows.append(row)
    return rows


def _validate(
    x: ArrayLike,
    y: ArrayLike,
    names: Sequence[str],
    categorical: Sequence[bool] | None,
    alpha: float,
    min_mass: float,
    threshold: float | None,
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...], tuple[bool, ...]]:
    """Checked copies of the inputs: x as float (n, d), y as int 0/1 (n,); ValueError if bad."""
    try:
        xa = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"x must be numeric: {err}") from None
    if xa.size == 0:
        raise ValueError(f"x is empty (shape {xa.shape}): PRIM needs cases and parameters")
    if xa.ndim != 2:
        raise ValueError(f"x must be a 2-D array (cases, parameters), got shape {xa.shape}")
    n, d = xa.shape
    names_t = tuple(str(s) for s in names)
    if len(names_t) != d:
        raise ValueError(f"got {len(names_t)} names for {d} parameters (columns of x)")
    bad = [names_t[j] for j in range(d) if not np.isfinite(xa[:, j]).all()]
    if bad:
        raise ValueError(f"x contains NaN or infinite values in: {', '.join(bad)}")
    ya_raw = np.asarray(y)
    if ya_raw.shape != (n,):
        raise ValueError(f"y must have shape ({n},) to match x, got {ya_raw.shape}")
    try:
        yf = ya_raw.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError("y must be binary (bool or 0/1)") from None
    if not np.all((yf == 0.0) | (yf == 1.0)):
        raise ValueError("y must be binary (bool or 0/1); found other values")
    ya = yf.astype(np.int64)
    if ya.sum() == 0:
        raise ValueError("y has no cases with the outcome (y = 1): PRIM has nothing to find")
    cat_t = (False,) * d if categorical is None else tuple(bool(c) for c in categorical)
    if len(cat_t) != d:
        raise ValueError(f"categorical has {len(cat_t)} entries for {d} parameters")
    for j in range(d):
        col = xa[:, j]
        if cat_t[j] and not np.all((col >= 0) & (col == np.round(col))):
            raise ValueError(f"categorical parameter {names_t[j]} must hold integer codes >= 0")
    if not 0.0 < alpha < 0.5:
        raise ValueError(f"alpha = {alpha!r}: must be in (0, 0.5)")
    if not 0.0 < min_mass <= 1.0:
        raise ValueError(f"min_mass = {min_mass!r}: must be in (0, 1]")
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold = {threshold!r}: must be a density in [0, 1]")
    return xa, ya, names_t, cat_t
