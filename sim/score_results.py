"""Score a results folder (``dmzsim run`` or ``compare``) against an observed record: every
quantity the record counts exhaustively in a window of days, for every scenario of the folder,
by the model's predictive distribution (its replications) and by naive baselines.

Quantities: the count of each exhaustively counted event type per month and (for windows of
more than one month) in the whole window, P(any exchange of fire) and the highest rung. The
store keeps counts by calendar month, so a window runs from a month's first day (or the
scenario's start date) to a month's last day (or the scenario's end date). Writes
``score.csv`` and two plots; everything is checked before anything is written.

``score.csv``, one row per scenario and quantity: ``scenario, quantity, kind`` (count, binary,
rung), ``event_type, month`` (YYYY-MM, or ``window``), ``days, observed, replications``; the
model's ``mean, median, p05, p25, p75, p95`` (quantiles of the replications, inverse-CDF so
they are values a replication took); ``pit`` (mid-PIT), ``pit_lo, pit_hi`` (F(y-1), F(y)),
``pit_random`` (randomised PIT, seed ``PIT_SEED``); ``crps, rps`` and ``brier`` (0/1 outcomes);
then for each baseline (persistence, climatology) ``mean_*, crps_*, skill_*`` and, for P(fire),
``brier_*``. Skill is 1 - crps / crps_baseline (``sim.analysis.scoring.skill``: NaN without a
baseline, 0 when both are exact, -inf when only the baseline is).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.analysis import baselines as bl
from sim.analysis import scoring as sc
from sim.analysis.record import Record, load_record, parse_date
from sim.errors import InputError
from sim.experiment import outputs
from sim.experiment.store import STORE_NAME, Store
from sim.model.calendar import month_end, months_between
from sim.model.events import FIRST_ARMED_RUNG, RUNGS

SCORE_NAME = "score.csv"
PIT_SEED = 20240601  # the randomised PIT's draws: fixed, so a score is reproducible
NAN = math.nan
TOP_RUNG = len(RUNGS) - 1
FIRE, RUNG = "P(fire)", "highest rung"
# printed columns (score.csv has them all) and their shorter headings
PRINTED = (
    ("quantity", "quantity"),
    ("observed", "obs"),
    ("mean", "mean"),
    ("p05", "p05"),
    ("p95", "p95"),
    ("pit", "pit"),
    ("crps", "crps"),
    ("crps_persistence", "crps_pers"),
    ("skill_persistence", "skill_pers"),
    ("skill_climatology", "skill_clim"),
)


@dataclass(frozen=True)
class Span:
    """A scenario of the store and the days it simulates (both ends included)."""

    name: str
    start: dt.date
    end: dt.date
    replications: int


@dataclass(frozen=True)
class Scored:
    """What ``dmzsim score`` computed and wrote."""

    rows: list[dict]
    spans: list[Span]
    record: Record
    first: dt.date
    last: dt.date
    persistence: dict[str, tuple[dt.date, dt.date] | None]  # pre-window span by scenario
    files: list[Path]


# --- checks ------------------------------------------------------------------------------------
def parse_window(first: str, last: str) -> tuple[dt.date, dt.date]:
    """--from and --to as dates, in order."""
    a, b = parse_date(first, "--from", None), parse_date(last, "--to", None)
    if a > b:
        raise InputError("--from", None, first, f"must not be after --to ({last})")
    return a, b


def read_spans(store: Store, folder: Path) -> list[Span]:
    """The scenarios of a run or compare store, with their simulated days."""
    if not (store.has_table("scenarios") and store.has_table("monthly")):
        raise InputError("results", None, str(folder), "holds no simulated months to score")
    if store.has_table("points"):
        raise InputError(
            "results", None, str(folder), "holds a sweep; score results of dmzsim run or compare"
        )
    rows = store.con.execute(
        "SELECT name, start_date, horizon_days FROM scenarios ORDER BY scenario_index"
    ).fetchall()
    spans = []
    for name, start, horizon in rows:
        s = dt.date.fromisoformat(start)
        n = int(store.done(name).size)
        if n == 0:
            raise InputError("results", None, str(folder), f"holds no replications of {name}")
        spans.append(Span(name, s, s + dt.timedelta(days=int(horizon) - 1), n))
    if not spans:
        raise InputError("results", None, str(folder), "holds no scenarios")
    return spans


def check_window(spans: Sequence[Span], record: Record, first: dt.date, last: dt.date) -> None:
    """The window must lie in every scenario's simulated span, start and end on the store's
    month boundaries, and lie within the months the record covers."""
    a, b = first.isoformat(), last.isoformat()
    for s in spans:
        span = f"{s.name} simulates {s.start.isoformat()} to {s.end.isoformat()}"
        if first < s.start or first > s.end:
            raise InputError("--from", None, a, f"outside the simulated span ({span})")
        if last > s.end or last < s.start:
            raise InputError("--to", None, b, f"outside the simulated span ({span})")
        if first.day != 1 and first != s.start:
            raise InputError(
                "--from",
                None,
                a,
                f"counts are stored by month: a window starts on a month's first day or on "
                f"the scenario's start date ({s.start.isoformat()})",
            )
        if last != month_end(last) and last != s.end:
            raise InputError(
                "--to",
                None,
                b,
                f"counts are stored by month: a window ends on a month's last day or on "
                f"the scenario's end date ({s.end.isoformat()})",
            )
    covered = f"the record {record.path} runs from {record.first_day} to {record.last_day}"
    if first < record.first_day.replace(day=1):
        raise InputError("--from", None, a, f"before the record's first month ({covered})")
    if last > month_end(record.last_day):
        raise InputError("--to", None, b, f"after the record's last month ({covered})")


# --- rows --------------------------------------------------------------------------------------
def _days(first: dt.date, last: dt.date) -> int:
    return (last - first).days + 1


def _month_days(month: str, first: dt.date, last: dt.date) -> int:
    start = max(first, dt.date.fromisoformat(f"{month}-01"))
    return _days(start, min(last, month_end(start)))


def _baseline_cells(name: str, forecast: bl.Forecast | None, y: int, binary: bool) -> dict:
    """Mean, CRPS (and Brier for a 0/1 outcome) of a baseline forecast; NaN without one."""
    out = {f"mean_{name}": NAN, f"crps_{name}": NAN}
    if binary:
        out[f"brier_{name}"] = NAN
    if forecast is not None:
        out[f"mean_{name}"] = forecast.mean
        out[f"crps_{name}"] = forecast.crps(y)
        if binary:
            out[f"brier_{name}"] = out[f"crps_{name}"]
    return out


def score_row(
    head: dict,
    sample: np.ndarray,
    y: int,
    top: int,
    persistence: bl.Forecast | None,
    climatology: bl.Forecast | None,
    u: float,
) -> dict:
    """One quantity's row: the model's distribution, PIT and scores, then each baseline's."""
    x = np.asarray(sample, dtype=np.float64)
    binary = head["kind"] == "binary"
    p05, p25, median, p75, p95 = np.quantile(
        x, [0.05, 0.25, 0.5, 0.75, 0.95], method="inverted_cdf"
    )
    lo, hi = sc.pit_bounds(x, y)
    crps = sc.crps_sample(x, y)
    row = head | {
        "observed": int(y),
        "replications": int(x.size),
        "mean": float(x.mean()),
        "median": float(median),
        "p05": float(p05),
        "p25": float(p25),
        "p75": float(p75),
        "p95": float(p95),
        "pit": 0.5 * (lo + hi),
        "pit_lo": lo,
        "pit_hi": hi,
        "pit_random": sc.randomised_pit(lo, hi, u),
        "crps": crps,
        "rps": sc.rps_sample(x, y, top),
        "brier": sc.brier(float(x.mean()), y) if binary else NAN,
    }
    for name, forecast in (("persistence", persistence), ("climatology", climatology)):
        row |= _baseline_cells(name, forecast, y, binary)
        row[f"skill_{name}"] = sc.skill(crps, row[f"crps_{name}"])
    return row


def scenario_rows(
    store: Store,
    span: Span,
    record: Record,
    first: dt.date,
    last: dt.date,
    climatology: dict[str, bl.Climatology],
) -> tuple[list[dict], tuple[dt.date, dt.date] | None]:
    """Every scored quantity of one scenario, and the pre-window span persistence used."""
    months = months_between(first, last)
    fm, lm = months[0], months[-1]
    window_days = _days(first, last)
    observed = record.monthly_counts(first, last)
    pre = record.pre_window(span.start, first)
    rates = record.daily_rates(*pre) if pre else {}
    past_rungs = list(record.monthly_rungs(*pre).values()) if pre else []
    rng = np.random.default_rng(PIT_SEED)
    rows = []

    def add(
        head: dict,
        sample: np.ndarray,
        y: int,
        top: int,
        pers: bl.Forecast | None,
        clim: bl.Forecast | None,
    ) -> None:
        head = {"scenario": span.name} | head
        rows.append(score_row(head, sample, y, top, pers, clim, float(rng.random())))

    for t in record.exhaustive_types():
        clim = climatology.get(t)
        cells = [(m, m, m, _month_days(m, first, last)) for m in months]
        if len(months) > 1:
            cells.append(("window", fm, lm, window_days))
        for label, m0, m1, days in cells:
            sample = store.window(span.name, m0, m1, (t,))[0]
            y = sum(observed[m][t] for m in months) if label == "window" else observed[m0][t]
            head = {
                "quantity": f"{t} {'total' if label == 'window' else label}",
                "kind": "count",
                "event_type": t,
                "month": label,
                "days": days,
            }
            top = int(max(y, sample.max(initial=0)))
            pers = bl.persistence_count(rates[t], days) if pre else None
            add(head, sample, y, top, pers, clim.count_forecast(days) if clim else None)
    top_rung = store.window(span.name, fm, lm, ())[1]
    whole = {"event_type": "", "month": "window", "days": window_days}
    fired = (top_rung >= FIRST_ARMED_RUNG).astype(np.int64)
    pers = bl.persistence_fire(past_rungs, len(months)) if pre else None
    clim = climatology.get(bl.ANY_FIRE)
    clim_fire = clim.fire_forecast(window_days) if clim else None
    head = {"quantity": FIRE, "kind": "binary"} | whole
    add(head, fired, int(record.any_fire(first, last)), 1, pers, clim_fire)
    head = {"quantity": RUNG, "kind": "rung"} | whole
    pers = bl.persistence_rung(past_rungs, len(months)) if pre else None
    add(head, top_rung, record.highest_rung(first, last), TOP_RUNG, pers, None)
    return rows, pre


def crps_sums(rows: Sequence[dict]) -> dict[str, float]:
    """Summed over the monthly counts of one scenario: the model's CRPS, each baseline's (NaN
    when it has no forecast for some month), and the skill of the sums. One number per
    forecast, where the per-quantity skill is -inf whenever a baseline was exactly right."""
    monthly = [r for r in rows if r["kind"] == "count" and r["month"] != "window"]
    out = {"quantities": float(len(monthly)), "crps": float(sum(r["crps"] for r in monthly))}
    for name in ("persistence", "climatology"):
        total = float(sum(r[f"crps_{name}"] for r in monthly))
        out[f"crps_{name}"] = total
        out[f"skill_{name}"] = sc.skill(out["crps"], total)
    return out


def printed_rows(rows: Sequence[dict]) -> list[dict]:
    """The columns of a terminal table (at most 100 characters wide), renamed short."""
    return [{short: r[key] for key, short in PRINTED} for r in rows]


def trivial(row: dict) -> bool:
    """Whether a row has nothing to show: every replication and every baseline got the
    observed value exactly (all CRPS 0, or no baseline)."""
    return all(
        row[k] == 0.0 or math.isnan(row[k]) for k in ("crps_persistence", "crps_climatology")
    ) and (row["crps"] == 0.0 and row["pit_lo"] == 0.0 and row["pit_hi"] == 1.0)


def split_trivial(rows: Sequence[dict]) -> tuple[list[dict], list[str]]:
    """The rows worth printing, and the names of the others: an event type when all its rows
    are trivial, else the quantity."""
    shown = [r for r in rows if not trivial(r)]
    left = [r for r in rows if trivial(r)]
    busy = {r["event_type"] for r in shown}
    names = [r["event_type"] if r["event_type"] not in busy and r["event_type"] else r["quantity"]
             for r in left]  # fmt: skip
    return shown, list(dict.fromkeys(names))


# --- the command -------------------------------------------------------------------------------
def score_results(
    results: str | Path,
    observed: str | Path,
    first_text: str,
    last_text: str,
    *,
    out: str | Path | None = None,
    mapping: str | Path | None = None,
    fmt: str = "png",
) -> Scored:
    """Score the results folder ``results`` against the record ``observed`` over the window
    ``first_text``..``last_text`` (YYYY-MM-DD, both included); write ``score.csv`` and the
    plots into ``out`` (default: the results folder). Bad input raises InputError before
    anything is written."""
    folder = Path(results)
    first, last = parse_window(first_text, last_text)
    if not folder.is_dir():
        raise InputError(
            "results", None, str(folder), "is not a folder; give a folder of dmzsim run or compare"
        )
    if not (folder / STORE_NAME).is_file():
        raise InputError(
            "results",
            None,
            str(folder),
            f"holds no {STORE_NAME}: not a dmzsim results folder (give one that dmzsim run or "
            "compare wrote)",
        )
    target = Path(out) if out is not None else folder
    if target.exists() and not target.is_dir():
        raise InputError("--out", None, str(target), "is a file; give a folder")
    record = load_record(observed, mapping)
    climatology = bl.load_climatology()
    try:
        store = Store(folder / STORE_NAME, readonly=True)
    except InputError:
        raise InputError(
            "results", None, str(folder), f"its {STORE_NAME} is not a dmzsim experiment store"
        ) from None
    try:
        spans = read_spans(store, folder)
        check_window(spans, record, first, last)
        rows: list[dict] = []
        pre: dict[str, tuple[dt.date, dt.date] | None] = {}
        for span in spans:
            more, pre[span.name] = scenario_rows(store, span, record, first, last, climatology)
            rows += more
    finally:
        store.close()
    files = [outputs.write_table(target / SCORE_NAME, rows)]
    files += draw(rows, [s.name for s in spans], record.exhaustive_types(), target / "plots", fmt)
    return Scored(rows, spans, record, first, last, pre, files)


def draw(
    rows: Sequence[dict], names: Sequence[str], types: Sequence[str], folder: Path, fmt: str
) -> list[Path]:
    """The PIT histogram and the observed values against the predictive intervals by month."""
    from sim.plots.scoring import interval_plot, pit_histogram  # matplotlib only when drawing

    return [
        pit_histogram(rows, names, folder / f"score_pit.{fmt}", PIT_SEED),
        interval_plot(rows, names, types, folder / f"score_intervals.{fmt}"),
    ]
