"""Summary tables of replication outcomes: one scenario, scenarios side by side, a forecast.

Tables are lists of flat dicts (one per row) so the same rows can be printed with
:func:`format_table` and written to CSV by ``sim.experiment.outputs.write_table``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np

from sim.analysis.stats import (
    mean_ci,
    paired_difference_ci,
    paired_proportion_difference_ci,
    paired_ratio_difference_ci,
    proportion_ci,
    quantile_interval,
    ratio_ci,
)
from sim.model.events import FIRST_ARMED_RUNG, INTENTS, RUNGS
from sim.model.result import ReplicationResult

Row = dict[str, object]
Columns = Mapping[str, np.ndarray]  # "replication" and one array per outcome, same order
Extract = Callable[[Columns], np.ndarray]
PairedCI = Callable[[np.ndarray, np.ndarray], tuple[float, float, float]]
NAN = float("nan")
TOP_RUNG = len(RUNGS) - 1
FIRST_DAY = "first_day_rung_"
ARMED = "armed_events"
# Where escalation comes from: the share of armed events (rung >= 4) whose chain began with a
# deliberate act, a misread accident, or an accident (row name, numerator outcome).
SHARES: tuple[tuple[str, str], ...] = tuple((f"share_{i}", f"armed_{i}") for i in INTENTS)

# Forecast rows: label and the event types counted in the window.
FORECAST_COUNTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("mine blasts", ("mine_blast",)),
    ("detected MDL crossings", ("mdl_crossing",)),
    ("balloon waves", ("balloon_wave",)),
    ("loudspeaker broadcasts", ("loudspeaker_broadcast",)),
)


def columns_from_results(results: Sequence[ReplicationResult]) -> dict[str, np.ndarray]:
    """Outcome columns of replications held in memory (the store gives the same shape)."""
    keys = list(results[0].outcomes) if results else []
    out = {"replication": np.array([r.replication for r in results], dtype=np.int64)}
    out |= {k: np.array([r.outcomes[k] for r in results], dtype=np.float64) for k in keys}
    return out


def outcome_values(data: Columns, key: str) -> np.ndarray:
    """Outcome ``key`` of every replication (NaN where it is missing)."""
    if key in data:
        return np.asarray(data[key], dtype=np.float64)
    return np.full(len(data["replication"]), NAN)


def _keys(data: Columns) -> list[str]:
    return [k for k in data if k != "replication"]


def _reached(data: Columns, k: int) -> np.ndarray:
    """0/1 per replication: whether the highest rung reached ``k``."""
    return (outcome_values(data, "highest_rung") >= k).astype(np.float64)


def _outcome_of(key: str) -> Extract:
    return lambda data: outcome_values(data, key)


def _reached_of(k: int) -> Extract:
    return lambda data: _reached(data, k)


def _war(data: Columns) -> np.ndarray:
    return (outcome_values(data, "ended_in_war") > 0).astype(np.float64)


def _probabilities(data: Columns) -> list[tuple[str, np.ndarray]]:
    rows = [(f"P(rung>={k})", _reached(data, k)) for k in range(1, TOP_RUNG + 1)]
    rows.append(("P(war)", _war(data)))
    return rows


def _mean_row(name: str, values: np.ndarray) -> Row:
    mean, lo, hi = mean_ci(values)
    return {
        "outcome": name,
        "mean": mean,
        "ci_lo": lo,
        "ci_hi": hi,
        "n": int(np.sum(~np.isnan(values))),
    }


def _prop_row(name: str, hits: np.ndarray) -> Row:
    p, lo, hi = proportion_ci(int(hits.sum()), int(hits.size))
    return {"outcome": name, "mean": p, "ci_lo": lo, "ci_hi": hi, "n": int(hits.size)}


def _share_rows(data: Columns) -> list[Row]:
    """The shares of armed events by intent, pooled over replications (delta-method intervals;
    ``n`` is the number of armed events pooled)."""
    if ARMED not in data:
        return []
    den = outcome_values(data, ARMED)
    rows = []
    for name, key in SHARES:
        share, lo, hi = ratio_ci(outcome_values(data, key), den)
        rows.append({"outcome": name, "mean": share, "ci_lo": lo, "ci_hi": hi, "n": int(den.sum())})
    return rows


def outcome_table(data: Columns) -> list[Row]:
    """Mean and 95% interval of every outcome of one scenario.

    Columns: ``outcome, mean, ci_lo, ci_hi, n``. Numeric outcomes get a t-interval; then
    ``P(rung>=k)`` for k = 1..7 and ``P(war)`` get Wilson intervals; then the shares of armed
    events that were deliberate, misread or accidental (``share_*``); last,
    ``first_day_rung_k`` is the mean over the replications that reached rung k, with ``n`` the
    number reaching it.
    """
    keys = _keys(data)
    rows = [_mean_row(k, outcome_values(data, k)) for k in keys if not k.startswith(FIRST_DAY)]
    rows += [_prop_row(name, hits) for name, hits in _probabilities(data)]
    rows += _share_rows(data)
    rows += [_mean_row(k, outcome_values(data, k)) for k in keys if k.startswith(FIRST_DAY)]
    return rows


def _pairs(named_results: Sequence[tuple[str, Columns]]) -> dict[str, tuple]:
    """The replication indices each later scenario shares with the first (positions in both)."""
    base = named_results[0][1]
    return {
        name: np.intersect1d(base["replication"], res["replication"], return_indices=True)[1:]
        for name, res in named_results[1:]
    }


def _paired_row(
    named_results: Sequence[tuple[str, Columns]],
    pairs: dict[str, tuple],
    label: str,
    extract: Extract,
    paired_ci: PairedCI,
) -> Row:
    """Each scenario's mean of ``extract`` and each later one's paired difference."""
    names = [name for name, _ in named_results]
    # one column per scenario at a time: the store reads columns lazily
    values = {name: extract(res) for name, res in named_results}
    out: Row = {"outcome": label}
    for name, v in values.items():
        out[name] = float(np.nanmean(v)) if np.any(~np.isnan(v)) else NAN
    for name, (ib, io) in pairs.items():
        d, lo, hi = paired_ci(values[names[0]][ib], values[name][io])
        out |= {f"diff_{name}": d, f"diff_{name}_lo": lo, f"diff_{name}_hi": hi}
    return out


def outcome_rows(named_results: Sequence[tuple[str, Columns]], outcomes: Sequence) -> list[Row]:
    """Rows like :func:`compare_table`'s for outcomes named on the command line
    (``sim.analysis.outcomes.Outcome``): a column's mean with a paired t-interval, or a
    condition's probability with Newcombe's paired interval."""
    pairs = _pairs(named_results)
    rows = []
    for o in outcomes:

        def extract(data: Columns, o=o) -> np.ndarray:
            return o.values(outcome_values(data, o.column))

        ci = paired_proportion_difference_ci if o.probability else paired_difference_ci
        rows.append(_paired_row(named_results, pairs, o.label, extract, ci))
    return rows


def compare_table(named_results: Sequence[tuple[str, Columns]]) -> list[Row]:
    """Scenarios side by side, each later one against the first, paired by replication.

    Columns: ``outcome``, each scenario's mean (column named after the scenario), then for each
    scenario after the first ``diff_<name>``, ``diff_<name>_lo``, ``diff_<name>_hi``: the mean
    of (scenario - first) over the replication indices both share, with a 95% interval of the
    paired differences (Newcombe's paired interval for the ``P(...)`` rows). ``first_day_rung_k``
    means and differences only use replications that reached rung k (both, for a difference).
    """
    if not named_results:
        return []
    names = [name for name, _ in named_results]
    if len(set(names)) != len(names) or "outcome" in names:
        raise ValueError(f"scenario names must be unique and not 'outcome': {names}")
    base = named_results[0][1]
    keys = _keys(base)
    pairs = _pairs(named_results)

    def row(label: str, extract: Extract, paired_ci: PairedCI) -> Row:
        return _paired_row(named_results, pairs, label, extract, paired_ci)

    def share_row(label: str, key: str) -> Row:
        """A share pooled over replications; its difference is paired by replication."""
        num = {name: outcome_values(res, key) for name, res in named_results}
        den = {name: outcome_values(res, ARMED) for name, res in named_results}
        out: Row = {"outcome": label}
        for name in names:
            out[name] = ratio_ci(num[name], den[name])[0]
        for name, (ib, io) in pairs.items():
            first = names[0]
            d, lo, hi = paired_ratio_difference_ci(
                num[first][ib], den[first][ib], num[name][io], den[name][io]
            )
            out |= {f"diff_{name}": d, f"diff_{name}_lo": lo, f"diff_{name}_hi": hi}
        return out

    numeric = [k for k in keys if not k.startswith(FIRST_DAY)]
    first_days = [k for k in keys if k.startswith(FIRST_DAY)]
    rows = [row(k, _outcome_of(k), paired_difference_ci) for k in numeric]
    for k in range(1, TOP_RUNG + 1):
        rows.append(row(f"P(rung>={k})", _reached_of(k), paired_proportion_difference_ci))
    rows.append(row("P(war)", _war, paired_proportion_difference_ci))
    if ARMED in base:
        rows += [share_row(name, key) for name, key in SHARES]
    rows += [row(k, _outcome_of(k), paired_difference_ci) for k in first_days]
    return rows


def _distribution_row(name: str, values: np.ndarray) -> Row:
    mean, lo, hi = mean_ci(values)
    med, q05, q95 = quantile_interval(values, 0.9)
    return {
        "quantity": name,
        "mean": mean,
        "ci_lo": lo,
        "ci_hi": hi,
        "median": med,
        "p05": q05,
        "p95": q95,
    }


def _probability_row(name: str, hits: np.ndarray) -> Row:
    p, lo, hi = proportion_ci(int(hits.sum()), int(hits.size))
    return {
        "quantity": name,
        "mean": p,
        "ci_lo": lo,
        "ci_hi": hi,
        "median": NAN,
        "p05": NAN,
        "p95": NAN,
    }


def forecast_table(counts: Sequence[tuple[str, np.ndarray]], top: np.ndarray) -> list[Row]:
    """What one scenario forecasts for a window of months.

    ``counts`` pairs each label of ``FORECAST_COUNTS`` with the window's event counts per
    replication; ``top`` is the highest daily rung in the window per replication. Columns:
    ``quantity, mean, ci_lo, ci_hi, median, p05, p95``. Counts and the highest rung get their
    mean with a 95% t-interval of the mean, and the median with the central 90% of replications
    (what a single future could look like). ``P(exchange of fire)`` (any day of rung >= 4 in
    the window) and ``P(highest rung>=k)`` get Wilson intervals.
    """
    rows = [_distribution_row(label, np.asarray(c, dtype=float)) for label, c in counts]
    rows.append(_probability_row("P(exchange of fire)", (top >= FIRST_ARMED_RUNG).astype(float)))
    rows.append(_distribution_row("highest rung", top.astype(float)))
    rows += [
        _probability_row(f"P(highest rung>={k})", (top >= k).astype(float))
        for k in range(1, TOP_RUNG + 1)
    ]
    return rows


def format_number(value: object) -> str:
    """A number for a terminal table: about 3 significant digits, NaN and None as ``-``."""
    if value is None:
        return "-"
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        v = float(value)
        if math.isnan(v):
            return "-"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        if v == 0.0:
            return "0"
        text = f"{v:.3g}"
        if "e" in text and abs(v) >= 1.0:
            text = f"{v:.0f}"
        return text
    return str(value)


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


WIDTH = 100  # terminal tables fit this many columns; the CSV files hold the full tables


def format_table(
    rows: Iterable[Row], columns: Sequence[str] | None = None, width: int = WIDTH
) -> str:
    """Rows as a fixed-width plain-text table: numbers right-aligned, text left-aligned.

    ``columns`` picks and orders the columns (default: every key, in order of appearance).
    A missing cell is blank; NaN is shown as ``-``. A table wider than ``width`` is printed
    as several blocks of columns, one under the other, each repeating the first column (the
    row's name), so that no line is longer than ``width`` unless one cell is.
    """
    rows = list(rows)
    if columns is None:
        columns = list(dict.fromkeys(k for r in rows for k in r))
    cells = [[format_number(r[c]) if c in r else "" for c in columns] for r in rows]
    numeric = [
        all(_is_number(r[c]) or r[c] is None for r in rows if c in r) and any(c in r for r in rows)
        for c in columns
    ]
    widths = [max([len(str(c))] + [len(line[j]) for line in cells]) for j, c in enumerate(columns)]

    def block(picked: Sequence[int]) -> list[str]:
        def line(values: Sequence[str]) -> str:
            parts = [
                values[j].rjust(widths[j]) if numeric[j] else values[j].ljust(widths[j])
                for j in picked
            ]
            return "  ".join(parts).rstrip()

        out = [line([str(c) for c in columns]), "  ".join("-" * widths[j] for j in picked)]
        return out + [line(c) for c in cells]

    blocks: list[list[int]] = []
    current: list[int] = []
    used = 0
    for j in range(len(columns)):
        extra = widths[j] + (2 if current else 0)
        if current and j and used + extra > width:
            blocks.append(current)
            current, used = [0], widths[0]  # the next block repeats the name column
            extra = widths[j] + 2
        current.append(j)
        used += extra
    blocks.append(current)
    return "\n\n".join("\n".join(block(b)) for b in blocks)


def compare_headline(rows: list[dict], names: Sequence[str], outcomes: Sequence[str]) -> list[dict]:
    """A terminal-sized view of :func:`compare_table`: one row per scenario, one column per
    outcome, each cell the scenario's mean and, for all but the first, its paired difference
    from the first with the 95% interval."""
    by_outcome = {r["outcome"]: r for r in rows}
    out = []
    for i, name in enumerate(names):
        line: dict[str, object] = {"scenario": name}
        for key in outcomes:
            r = by_outcome[key]
            cell = format_number(r[name])
            if i:
                d, lo, hi = (r[f"diff_{name}{s}"] for s in ("", "_lo", "_hi"))
                cell += f" ({format_interval(d, lo, hi, signed=True)})"
            line[key] = cell
        out.append(line)
    return out


def format_interval(est: float, lo: float, hi: float, signed: bool = False) -> str:
    """``est [lo, hi]`` with every number to the same decimal place: two significant digits
    of the interval's half-width (a difference of +0.04 [-0.002, +0.08] reads as
    +0.040 [-0.002, +0.082])."""
    values = [float(v) for v in (est, lo, hi)]
    if any(math.isnan(v) or math.isinf(v) for v in values):
        texts = [format_number(v) for v in values]
    else:
        half = (values[2] - values[1]) / 2
        places = 3 if half <= 0 else max(0, 1 - math.floor(math.log10(half)))
        texts = [f"{v:.{places}f}" for v in values]
    if signed:
        texts = [t if t.startswith("-") or t == "0" else f"+{t}" for t in texts]
    return f"{texts[0]} [{texts[1]}, {texts[2]}]"
