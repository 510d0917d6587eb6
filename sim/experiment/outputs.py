"""Writers for an experiment's results folder: CSV tables, trajectories, events, a manifest.

Every file is written to a temporary file in the target folder and then moved into place with
``os.replace``, so an interrupted run leaves either the old file or the complete new one, never
half a file.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import math
import numbers
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Protocol

import numpy as np

from sim.analysis.trajectories import tension_bands
from sim.model.events import EVENT_FIELDS, TYPE_NAMES
from sim.model.result import ReplicationResult

PathLike = str | os.PathLike[str]
SUMMARY_NAME = "trajectory_summary.csv"


class _Dated(Protocol):
    """Anything named with a start date (a ``Scenario``); read-only, as dataclasses are frozen."""

    @property
    def name(self) -> str: ...

    @property
    def start_date(self) -> dt.date: ...


ScenarioKey = str | _Dated


@contextmanager
def atomic_open(path: PathLike, mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success move it onto ``path``, else delete it.

    Text mode uses UTF-8 and ``newline=""`` (what the csv module expects). Parent folders are
    created as needed.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        kwargs: dict[str, Any] = {} if "b" in mode else {"encoding": "utf-8", "newline": ""}
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def csv_value(value: object) -> object:
    """A cell for CSV: NaN and None empty, whole floats as integers, numpy scalars unwrapped."""
    if value is None:
        return ""
    if isinstance(value, bool | np.bool_):
        return int(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        v = float(value)
        if math.isnan(v):
            return ""
        if v.is_integer() and abs(v) < 2**53:
            return int(v)
        return repr(v)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _write_rows(path: PathLike, fieldnames: Sequence[str], rows: Iterable[Mapping]) -> Path:
    with atomic_open(path) as fh:
        writer = csv.DictWriter(fh, fieldnames=list(fieldnames), restval="")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: csv_value(v) for k, v in row.items()})
    return Path(path)


def outcome_rows(
    scenario: str, results: Sequence[ReplicationResult], seed: int
) -> Iterator[dict[str, object]]:
    """Rows for :func:`write_outcomes_csv`: ``scenario, replication, seed`` and the outcomes."""
    for r in results:
        yield {"scenario": scenario, "replication": r.replication, "seed": seed, **r.outcomes}


def write_outcomes_csv(path: PathLike, rows: Iterable[Mapping[str, object]]) -> Path:
    """One row per replication: ``scenario, replication, seed`` then the outcome columns.

    The columns are those of the first row (later rows with other keys are an error); NaN
    (e.g. a rung never reached) is written as an empty cell.
    """
    it = iter(rows)
    first = next(it, None)
    lead = ["scenario", "replication", "seed"]
    if first is None:
        return _write_rows(path, lead, [])
    fields = lead + [k for k in first if k not in lead]
    return _write_rows(path, fields, _chain(first, it))


def _chain(first: Mapping, rest: Iterator[Mapping]) -> Iterator[Mapping]:
    yield first
    yield from rest


def write_monthly_counts_csv(
    path: PathLike, scenario: str, results: Sequence[ReplicationResult]
) -> Path:
    """Long table ``scenario, replication, month, event_type, count`` of non-zero counts."""

    def rows() -> Iterator[dict[str, object]]:
        for r in results:
            months, types = np.nonzero(r.monthly_counts)
            for m, k in zip(months.tolist(), types.tolist(), strict=True):
                yield {
                    "scenario": scenario,
                    "replication": r.replication,
                    "month": r.months[m],
                    "event_type": TYPE_NAMES[k],
                    "count": int(r.monthly_counts[m, k]),
                }

    return _write_rows(path, ["scenario", "replication", "month", "event_type", "count"], rows())


def _name_and_start(key: ScenarioKey, start_date: dt.date | None) -> tuple[str, dt.date | None]:
    if isinstance(key, str):
        return key, start_date
    return key.name, key.start_date


def _stack(results: Sequence[ReplicationResult], attr: str, dtype: type) -> np.ndarray:
    if not results:
        return np.zeros((0, 0), dtype=dtype)
    return np.stack([np.asarray(getattr(r, attr), dtype=dtype) for r in results])


def write_trajectories(
    path: PathLike,
    scenario_results: Iterable[tuple[ScenarioKey, Sequence[ReplicationResult]]]
    | Mapping[str, Sequence[ReplicationResult]],
    start_date: dt.date | None = None,
) -> tuple[Path, Path]:
    """Daily trajectories: a compressed ``.npz`` at ``path`` and a summary CSV beside it.

    The archive holds, per scenario, ``tension_<name>`` (float32) and ``rung_<name>`` (int8)
    of shape (replications, days), ``replication_<name>`` (the replication indices) and
    ``scenarios`` (the names). ``trajectory_summary.csv`` in the same folder gives per day and
    scenario: ``day, date, scenario, tension_median, tension_p05, tension_p25, tension_p75,
    tension_p95, mean_rung, p_rung_ge_3``. Scenarios may be given by name (dates then come from
    ``start_date``, blank if None) or as ``Scenario`` objects (their own start dates).
    """
    items = list(
        scenario_results.items() if isinstance(scenario_results, Mapping) else scenario_results
    )
    arrays: dict[str, np.ndarray] = {}
    names: list[str] = []
    summary: list[dict[str, object]] = []
    for key, results in items:
        name, start = _name_and_start(key, start_date)
        if name in names:
            raise ValueError(f"scenario {name!r} given twice")
        names.append(name)
        tension = _stack(results, "tension", np.float32)
        rung = _stack(results, "rung", np.int8)
        arrays[f"tension_{name}"] = tension
        arrays[f"rung_{name}"] = rung
        arrays[f"replication_{name}"] = np.array([r.replication for r in results], np.int64)
        summary.extend(_summary_rows(name, start, tension, rung))
    arrays["scenarios"] = np.array(names, dtype=str)
    target = Path(path)
    with atomic_open(target, "wb") as fh:
        np.savez_compressed(fh, **arrays)  # type: ignore[arg-type]  # stubs mistype **kwds
    fields = [
        "day",
        "date",
        "scenario",
        "tension_median",
        "tension_p05",
        "tension_p25",
        "tension_p75",
        "tension_p95",
        "mean_rung",
        "p_rung_ge_3",
    ]
    csv_path = _write_rows(target.parent / SUMMARY_NAME, fields, summary)
    return target, csv_path


def _summary_rows(
    name: str, start: dt.date | None, tension: np.ndarray, rung: np.ndarray
) -> Iterator[dict[str, object]]:
    if tension.size == 0:
        return
    q05, q25, q50, q75, q95 = tension_bands(tension)
    mean_rung = rung.astype(np.float64).mean(axis=0)
    p3 = (rung >= 3).mean(axis=0)
    for day in range(tension.shape[1]):
        yield {
            "day": day,
            "date": (start + dt.timedelta(days=day)).isoformat() if start else "",
            "scenario": name,
            "tension_median": float(q50[day]),
            "tension_p05": float(q05[day]),
            "tension_p25": float(q25[day]),
            "tension_p75": float(q75[day]),
            "tension_p95": float(q95[day]),
            "mean_rung": float(mean_rung[day]),
            "p_rung_ge_3": float(p3[day]),
        }


def write_events_csv(path: PathLike, scenario: str, results: Sequence[ReplicationResult]) -> Path:
    """One row per event: ``scenario, replication`` and every field of ``Event``.

    Replications run without keeping events (``events is None``) contribute no rows.
    """

    def rows() -> Iterator[dict[str, object]]:
        for r in results:
            for ev in r.events or ():
                yield {
                    "scenario": scenario,
                    "replication": r.replication,
                    **{f: getattr(ev, f) for f in EVENT_FIELDS},
                }

    return _write_rows(path, ["scenario", "replication", *EVENT_FIELDS], rows())


def _json_default(value: object) -> object:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f"cannot write {type(value).__name__} to the manifest")


def _json_clean(value: object) -> object:
    """NaN and infinities become null (JSON has no NaN); containers are walked."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _json_clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_clean(v) for v in value]
    return value


def write_manifest(path: PathLike, **fields: object) -> Path:
    """A JSON record of the run (sorted keys, indent 2): seeds, scenarios, versions, timings.

    Dates are written in ISO form, paths as strings, numpy values as plain numbers, NaN as null.
    """
    text = json.dumps(
        _json_clean(json.loads(json.dumps(fields, default=_json_default))),
        sort_keys=True,
        indent=2,
        allow_nan=False,
    )
    with atomic_open(path) as fh:
        fh.write(text + "\n")
    return Path(path)


def write_table(path: PathLike, rows: Iterable[Mapping[str, object]]) -> Path:
    """A table (e.g. from ``sim.analysis.tables``) as CSV; columns in order of first appearance."""
    rows = list(rows)
    columns = list(dict.fromkeys(k for r in rows for k in r))
    return _write_rows(path, columns, rows)
