"""Writers for an experiment's results folder: CSV tables (streamed from the store where they
grow with the replications), the per-day trajectory summary, events and a manifest.

Every file is written to a temporary file in the target folder and then moved into place with
``os.replace``, so an interrupted run leaves either the old file or the complete new one, never
half a file. Inside ``results_folder(root)`` every file written must lie in ``root`` (a name
such as ``x/../../PWN`` cannot lead out of it) and is recorded in the manifest's ``files``,
which is all that ``--force`` removes.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import math
import numbers
import os
import stat
import tempfile
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from sim.analysis.trajectories import BAND_QUANTILES
from sim.errors import InputError
from sim.experiment.eventlog import CSV_HEADER
from sim.experiment.sketch import DailySketch
from sim.experiment.store import Store
from sim.model.events import EVENT_FIELDS, RUNGS

PathLike = str | os.PathLike[str]
SUMMARY_NAME = "trajectory_summary.csv"
MANIFEST_NAME = "manifest.json"


def _file_mode() -> int:
    """What ``open`` would give a new file under the process's umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


FILE_MODE = _file_mode()


# --- the results folder ---------------------------------------------------------------------
@dataclass
class _Folder:
    """The results folder being written: its resolved path and the files written into it."""

    root: Path
    written: list[str] = field(default_factory=list)  # relative POSIX paths, in order


_FOLDER: ContextVar[_Folder | None] = ContextVar("dmzsim_results_folder", default=None)


def inside(root: Path, path: PathLike) -> Path:
    """Where writing ``path`` lands (its folder resolved, its own name kept: ``os.replace``
    replaces a link rather than following it), if that lies in the folder ``root``;
    InputError naming the file otherwise."""
    given = Path(path)
    target = given.parent.resolve() / given.name
    root = Path(root).resolve()
    if given.name in ("", ".", "..") or target == root or not target.is_relative_to(root):
        raise InputError(
            "output file",
            None,
            str(path),
            f"lies outside the results folder {root}; nothing is written there",
        )
    return target


@contextmanager
def results_folder(root: PathLike) -> Iterator[Path]:
    """Within the block, every file written (``atomic_open``) must lie in ``root`` and is
    recorded: the manifest written in the block lists them (``files``), and files written
    after it (report.html) are added to it on the way out."""
    folder = _Folder(Path(root).resolve())
    token = _FOLDER.set(folder)
    try:
        yield folder.root
    except BaseException:
        try:  # list what was written before the failure, so that --force can remove it
            _list_late_files(folder)
        except Exception:
            pass
        raise
    else:
        _list_late_files(folder)
    finally:
        _FOLDER.reset(token)


def listed_files(root: Path) -> list[str]:
    """The files the manifest in ``root`` lists as written by dmzsim: relative paths inside
    ``root`` (anything else in the list is ignored); empty without a readable list."""
    try:
        manifest = json.loads((Path(root) / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, list):
        return []
    out = []
    for rel in files:
        if isinstance(rel, str) and rel and not Path(rel).is_absolute():
            try:
                inside(root, Path(root) / rel)
            except InputError:
                continue
            out.append(rel)
    return out


def _files_now(folder: _Folder) -> list[str]:
    """The manifest's list: what it listed before and still exists, and what was written."""
    old = [rel for rel in listed_files(folder.root) if (folder.root / rel).is_file()]
    return sorted({*old, *folder.written, MANIFEST_NAME})


def _list_late_files(folder: _Folder) -> None:
    """Add files written after the manifest (or by a later command) to its ``files``."""
    path = folder.root / MANIFEST_NAME
    if not folder.written or not path.is_file():
        return
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), list):
        return  # not a manifest that lists its files: leave it as it is
    files = _files_now(folder)
    if manifest["files"] != files:
        manifest["files"] = files
        text = json.dumps(manifest, sort_keys=True, indent=2, allow_nan=False)
        with atomic_open(path) as fh:
            fh.write(text + "\n")


@contextmanager
def atomic_open(path: PathLike, mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success move it onto ``path``, else delete it.

    Text mode uses UTF-8 and ``newline=""`` (what the csv module expects). Parent folders are
    created as needed. Inside ``results_folder`` the file must lie in that folder and is
    recorded. A file that cannot be written (disk full, no permission) is an InputError
    naming it; the file it would have replaced is left as it was.
    """
    folder = _FOLDER.get()
    target = Path(path) if folder is None else inside(folder.root, path)
    _check_replaceable(target)
    try:
        with _replace_atomically(target, mode) as fh:
            yield fh
    except OSError as err:
        if isinstance(err, BrokenPipeError):
            raise
        raise InputError(
            "output file", None, str(path), f"cannot be written ({err.strerror or err})"
        ) from None
    if folder is not None:
        rel = target.relative_to(folder.root).as_posix()
        if rel not in folder.written:
            folder.written.append(rel)


def _check_replaceable(target: Path) -> None:
    """Refuse to put a file where a folder, device, pipe or socket is: moving the new file
    onto ``/dev/null`` would replace the device itself (and, as root, break the system)."""
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return
    except OSError as err:
        raise InputError(
            "output file", None, str(target), f"cannot be written ({err.strerror or err})"
        ) from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(
            "output file",
            None,
            str(target),
            "is not a regular file (a folder, device or pipe); name a new file or a regular one",
        )


@contextmanager
def _replace_atomically(target: Path, mode: str) -> Iterator[IO[Any]]:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.chmod(tmp, FILE_MODE)  # mkstemp makes files private; results are for sharing
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
    kind = type(value)
    if kind is str or kind is int:  # the common cells first: ABC checks are slow
        return value
    if value is None:
        return ""
    if isinstance(value, bool | np.bool_ | numbers.Integral):
        return int(value)
    if kind is float or isinstance(value, numbers.Real):
        v = float(value)  # type: ignore[arg-type]  # a float or numbers.Real here
        if math.isnan(v):
            return ""
        return int(v) if v.is_integer() and abs(v) < 2**53 else repr(v)
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
    The manifest of a ``results_folder`` lists the files dmzsim wrote there (``files``).
    """
    folder = _FOLDER.get()
    if folder is not None and inside(folder.root, path) == folder.root / MANIFEST_NAME:
        fields["files"] = _files_now(folder)
    text = json.dumps(
        _json_clean(json.loads(json.dumps(fields, default=_json_default))),
        sort_keys=True,
        indent=2,
        allow_nan=False,
    )
    with atomic_open(path) as fh:
        fh.write(text + "\n")
    return Path(path)


def earlier_report(path: PathLike, keys: Collection[str]) -> dict:
    """The fields ``keys`` of an earlier run's manifest (how it ran: seed, backend, timings,
    command), for outputs written again from its store; empty if it cannot be read."""
    try:
        manifest = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(manifest, dict):
        return {}
    return {k: manifest[k] for k in keys if k in manifest}


def write_table(path: PathLike, rows: Iterable[Mapping[str, object]]) -> Path:
    """A table (e.g. from ``sim.analysis.tables``) as CSV; columns in order of first appearance."""
    rows = list(rows)
    columns = list(dict.fromkeys(k for r in rows for k in r))
    return _write_rows(path, columns, rows)


# --- exports from the store ------------------------------------------------------------------
def trajectory_rows(name: str, start: dt.date, sketch: DailySketch) -> list[dict[str, object]]:
    """Per day: tension mean and quantiles, mean rung and P(rung >= k), read off the sketch."""
    q = sketch.quantiles(BAND_QUANTILES)
    mean = sketch.mean_tension()
    mean_rung = sketch.mean_rung()
    shares = {k: sketch.p_rung_at_least(k) for k in range(1, len(RUNGS))}
    rows = []
    for day in range(sketch.days):
        row: dict[str, object] = {
            "scenario": name,
            "day": day,
            "date": (start + dt.timedelta(days=day)).isoformat(),
            "replications": sketch.n,
            "tension_mean": float(mean[day]),
        }
        row |= {
            f"tension_p{round(100 * p):02d}": float(q[j, day]) for j, p in enumerate(BAND_QUANTILES)
        }
        row["mean_rung"] = float(mean_rung[day])
        row |= {f"p_rung_ge_{k}": float(v[day]) for k, v in shares.items()}
        rows.append(row)
    return rows


def _sql_cell(value: object) -> object:
    """``csv_value`` for what SQLite returns (None, int, float, str), in a few steps."""
    if value.__class__ is float:
        return int(value) if value.is_integer() and abs(value) < 2**53 else value  # type: ignore[attr-defined]
    return "" if value is None else value


def export_outcomes_csv(store: Store, path: PathLike, names: Sequence[str]) -> Path:
    """``outcomes.csv`` streamed from the store: scenarios in order, replications ascending
    (the cells of ``write_outcomes_csv``, written from the rows as SQLite gives them)."""
    sql = "SELECT * FROM outcomes WHERE scenario = ? ORDER BY replication"
    if not store.has_table("outcomes"):
        return write_outcomes_csv(path, [])
    with atomic_open(path) as fh:
        writer = csv.writer(fh)
        for i, name in enumerate(names):
            cur = store.con.execute(sql, (name,))
            if i == 0:
                writer.writerow([c[0] for c in cur.description])
            while rows := cur.fetchmany(1024):
                writer.writerows([[_sql_cell(v) for v in row] for row in rows])
    return Path(path)


def export_events_csv(store: Store, path: PathLike, names: Sequence[str]) -> Path:
    """One row per stored event: ``scenario, replication`` and every field of ``Event``, by
    scenario, replication and id. The rows were formatted as the batches were stored, so this
    only joins them; a store of an older version is read event by event."""
    chunks = [store.event_csv_rows(name) for name in names]
    if any(c is None for c in chunks):
        return _legacy_events_csv(store, path, names)
    with atomic_open(path) as fh:
        fh.write(CSV_HEADER)
        for texts in chunks:
            fh.writelines(texts)  # type: ignore[arg-type]  # none is None here
    return Path(path)


def _legacy_events_csv(store: Store, path: PathLike, names: Sequence[str]) -> Path:
    def rows() -> Iterator[dict]:
        for name in names if store.has_table("events") else ():
            yield from store.iter_rows(
                "SELECT * FROM events WHERE scenario = ? ORDER BY replication, id", (name,)
            )

    return _write_rows(path, ["scenario", "replication", *EVENT_FIELDS], rows())
