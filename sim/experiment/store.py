"""The on-disk store of an experiment: one SQLite file, readable without project code.

Tables (``sqlite3 experiment.sqlite .schema`` shows them):

- ``experiment``: key/value facts (fingerprint, root seed, version, outcome columns);
- ``scenarios``: each scenario's index, name, start date, horizon and resolved TOML;
- ``outcomes``: one row per replication, keyed by (scenario, replication), one column per outcome;
- ``monthly``: per replication and calendar month, the count of each event type and ``top_rung``;
- ``sketches``: per scenario, the per-day trajectory sketch (a BLOB, see ``sketch.py``);
- ``daily``: per scenario and day, tension quantiles and rung shares read off the sketch;
- when the experiment keeps events, ``replication_events``: per scenario (its
  ``scenario_index``) and replication, ``events``, its events packed as fixed-width records
  (``eventlog.EVENT_RECORD``: numbers, and type, actor, sector and intent as small integer
  codes into the lookup tables ``event_types``, with each type's rung, CAMEO code and
  Goldstein weight, ``event_actors``, ``event_sectors`` and ``event_intents``), and ``rows``,
  its finished rows of ``events.csv``, which is their concatenation (``Results.events`` in
  ``sim.results_api`` reads the records back as a table);
- ``batches``: a log of the batches written;
- ``points`` (sweeps): each design point's scenario name, index and parameter values, one
  column per parameter; the view ``sweep_outcomes`` joins it to ``outcomes``, one row per
  replication with its point's parameter values.

Each batch is written in one transaction, so a run killed at any moment leaves whole batches
only, and the replications still missing are exactly those without an ``outcomes`` row. The
sketches are saved every few seconds rather than with every batch (serialising one costs
more than storing a batch); ``batches.sketched`` marks the batches a saved sketch holds, and
a resumed run replays the others' trajectories before it goes on.
"""

from __future__ import annotations

import datetime as dt
import errno
import functools
import json
import os
import re
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from sim.errors import InputError
from sim.experiment.batch import BatchResult
from sim.experiment.eventlog import EVENT_RECORD, LABELLED, EventBatch
from sim.experiment.sketch import DailySketch
from sim.model.events import EVENT_TYPES, TYPE_NAMES

try:
    import fcntl
except ImportError:  # Windows: no flock; SQLite's own locks still keep the file whole
    fcntl = None  # type: ignore[assignment]

STORE_NAME = "experiment.sqlite"
# A sweep's points: (parameter path, SQL type) columns and rows of (scenario, point, values...).
Points = tuple[Sequence[tuple[str, str]], Sequence[Sequence[object]]]
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
# 3: events as packed records beside their CSV rows (replication_events); 2 kept them as rows
# of integer codes (event_log, read back with names by the view ``events``), 1 as an events
# table of strings. Results.events reads all three, export_events_csv 1 and 3.
SCHEMA_VERSION = "3"
_MAX_LABELS = 1 << 15  # names per lookup table: codes are int16
LOCK_SUFFIX = ".lock"  # STORE.lock beside a store: held (flock) by the one process writing it
# What SQLite says when the disk, the file system or another process stops a write: a user's
# problem to fix (free space, permissions), answered in one line; anything else is a bug.
_WRITE_FAULTS = ("full", "disk", "i/o", "readonly", "read-only", "locked", "busy", "unable to")
_F = TypeVar("_F", bound=Callable[..., Any])

_SCHEMA = """
CREATE TABLE IF NOT EXISTS experiment (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS scenarios (
    scenario_index INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, start_date TEXT NOT NULL,
    horizon_days INTEGER NOT NULL, resolved_toml TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sketches (
    scenario TEXT PRIMARY KEY, replications INTEGER NOT NULL, sketch BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY, scenario TEXT NOT NULL, replications INTEGER NOT NULL,
    first_replication INTEGER NOT NULL, last_replication INTEGER NOT NULL, written TEXT NOT NULL,
    replication_list TEXT NOT NULL, sketched INTEGER NOT NULL DEFAULT 0);
"""


def _q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def lock_path(store: Path) -> Path:
    """The lock file of the store at ``store``."""
    return store.with_name(store.name + LOCK_SUFFIX)


class StoreLock:
    """An advisory lock (``flock``) on ``STORE.lock`` beside a store, so that one process at a
    time writes it: a second run, ``--resume`` or ``--force`` on the same folder is refused in
    one line. The kernel drops the lock when its process dies, so a killed run's lock file is
    simply taken over; the file (it holds the owner's pid) is removed on release."""

    def __init__(self, store: Path) -> None:
        self.path = lock_path(Path(store))
        self._fd: int | None = None
        if fcntl is None:
            return
        for _ in range(3):  # the holder may remove the file between our open and our flock
            fd = self._open()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as err:
                os.close(fd)
                if err.errno in (errno.EWOULDBLOCK, errno.EACCES):
                    raise self.busy_error(store, self._owner()) from None
                return  # no flock on this file system (ENOLCK): SQLite's locks still hold
            if self._current(fd):
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                self._fd = fd
                return
            os.close(fd)
        raise InputError("--out", None, str(self.path.parent), "its store lock keeps changing")

    @staticmethod
    def busy_error(store: Path, owner: str = "") -> InputError:
        """The one line for a store that another process holds."""
        return InputError(
            "--out",
            None,
            str(Path(store).parent),
            f"is in use by another dmzsim process{owner}; wait for it to end, or choose "
            "another --out",
        )

    def _open(self) -> int:
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            raise InputError(
                "--out", None, str(self.path.parent), f"cannot write into it ({err.strerror})"
            ) from None

    def _current(self, fd: int) -> bool:
        """Whether ``fd`` is still the file at our path (not one its holder removed)."""
        try:
            return os.stat(self.path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            return False

    def _owner(self) -> str:
        try:
            pid = self.path.read_text().strip()
        except OSError:
            return ""
        return f" (pid {pid})" if pid.isdigit() else ""

    def release(self) -> None:
        """Remove the lock file and drop the lock (removal first: see ``_current``)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            if self._current(fd):
                self.path.unlink()
        except OSError:
            pass
        finally:
            os.close(fd)


def check_not_busy(store: Path) -> None:
    """Raise ``StoreLock.busy_error`` if another process holds the store's lock; read-only (the
    lock file is not made), so it also serves readers of a folder they cannot write."""
    if fcntl is None:
        return
    try:
        fd = os.open(lock_path(store), os.O_RDONLY)
    except OSError:
        return  # no lock file: nobody holds it
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as err:
        if err.errno in (errno.EWOULDBLOCK, errno.EACCES):
            owner = os.read(fd, 32).decode(errors="replace").strip()
            pid = f" (pid {owner})" if owner.isdigit() else ""
            raise StoreLock.busy_error(store, pid) from None
    finally:
        os.close(fd)


def _guard_writes(method: _F) -> _F:
    """A store write that the disk or the file system refused (full, read-only, I/O error)
    becomes one line naming the store; the transaction was rolled back, so every batch stored
    before it is kept whole and a ``--resume`` goes on from there."""

    @functools.wraps(method)
    def guarded(self: Store, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.OperationalError as err:
            if not any(word in str(err).lower() for word in _WRITE_FAULTS):
                raise
            raise InputError(
                "--out",
                None,
                str(self.path.parent),
                f"cannot write its store {self.path.name} ({err}); the batches stored before "
                "are kept: fix that and run the same command with --resume",
            ) from None

    return guarded  # type: ignore[return-value]


_INTACT: set[tuple[object, ...]] = set()  # stores found intact, by path and file state


def _state(path: Path) -> tuple[object, ...]:
    """The path, size and mtime of a store and of its WAL file (if any)."""
    out: list[object] = [str(path.resolve())]
    for p in (path, path.with_name(path.name + "-wal")):
        try:
            st = p.stat()
        except FileNotFoundError:
            continue
        out += [st.st_size, st.st_mtime_ns]
    return tuple(out)


def check_intact(path: Path) -> None:
    """Refuse a damaged store (SQLite's ``quick_check`` of every page, index and record, and
    the checksums of the trajectory sketches, which it cannot see inside), read-only so that
    the file stays byte for byte as it was. Checked once per file state."""
    path = Path(path)
    key = _state(path)
    if key in _INTACT:
        return
    try:
        con = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
        try:
            rows = con.execute("PRAGMA quick_check(1)").fetchall()
            if rows == [("ok",)]:
                rows = _sketch_faults(con) or rows
        finally:
            con.close()
    except sqlite3.Error as err:
        rows = [(str(err),)]
    if rows != [("ok",)]:
        what = " ".join(str(rows[0][0]).replace("*** in database main ***", "").split())
        raise InputError(
            "--out",
            None,
            str(path.parent),
            f"its store {path.name} is damaged ({what}); it is left as it was: move it away "
            "(or restore a copy) and run again",
        )
    _INTACT.add(key)


def _sketch_faults(con: sqlite3.Connection) -> list[tuple[str]]:
    """The first sketch that does not decode (zlib checks its payload), as a quick_check row."""
    if not con.execute("SELECT 1 FROM sqlite_master WHERE name = 'sketches'").fetchone():
        return []
    for name, blob in con.execute("SELECT scenario, sketch FROM sketches"):
        try:
            DailySketch.from_bytes(blob)
        except ValueError as err:
            return [(f"the sketch of {name}: {err}",)]
    return []


def read_facts(path: Path) -> dict[str, str]:
    """The ``experiment`` table of the store at ``path``, read without changing the file.

    Raises ``InputError`` if the file is not a dmzsim store."""
    try:
        con = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
        try:
            return dict(con.execute("SELECT key, value FROM experiment").fetchall())
        finally:
            con.close()
    except sqlite3.Error as err:
        check_not_busy(Path(path))  # a store another process is still making is "in use"
        raise InputError(
            str(path), None, None, f"is not a dmzsim experiment store ({err})"
        ) from None


class Store:
    """An experiment's SQLite file, opened for writing by one process (``StoreLock``)."""

    def __init__(self, path: Path, readonly: bool = False, lock: StoreLock | None = None) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._lock = lock
        try:
            self._open()
        except BaseException:
            self._release()
            raise
        self._outcome_names: tuple[str, ...] | None = self._stored_outcome_names()
        self._labels = self._load_labels()
        self._scenario_codes: dict[str, int] = {}

    def _open(self) -> None:
        if self.readonly:  # for analyses of finished results: the file is left exactly as it was
            read_facts(self.path)  # a clear error if it is not a store
            self.con = sqlite3.connect(f"file:{self.path.resolve()}?mode=ro", uri=True)
            return
        if self._lock is None:
            self._lock = StoreLock(self.path)
        self._connect()

    @_guard_writes
    def _connect(self) -> None:
        self.con = sqlite3.connect(self.path)
        try:
            # 16 kB pages (SQLite's default is 4 kB): a third less time to store a batch's
            # events; it takes effect on a new file only
            self.con.execute("PRAGMA page_size=16384")
            # WAL: readers (pandas, the sqlite3 shell) can look while batches are written, and
            # a committed batch survives the process being killed.
            self.con.execute("PRAGMA journal_mode=WAL")
            self.con.execute("PRAGMA synchronous=NORMAL")
            self.con.executescript(_SCHEMA)
        except BaseException:
            self.con.close()
            raise

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    # --- identity -------------------------------------------------------------------------
    def get(self, key: str) -> str | None:
        row = self.con.execute("SELECT value FROM experiment WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    @_guard_writes
    def set(self, **facts: object) -> None:
        with self.con:
            self._set(facts)

    def _set(self, facts: Mapping[str, object]) -> None:
        self.con.executemany(
            "INSERT OR REPLACE INTO experiment (key, value) VALUES (?, ?)",
            [(k, v if isinstance(v, str) else json.dumps(v)) for k, v in facts.items()],
        )

    @_guard_writes
    def claim(
        self,
        fingerprint: str,
        scenarios: Sequence[tuple[str, dt.date, int, str]],
        points: Points | None = None,
        **facts: object,
    ) -> None:
        """Record a new experiment's identity and scenarios (name, start, horizon, TOML) and,
        for a sweep, its points: (parameter path, SQL type) columns and rows of (scenario,
        point, values...)."""
        with self.con:
            self.con.executemany(
                "INSERT INTO scenarios VALUES (?, ?, ?, ?, ?)",
                [(i, n, d.isoformat(), h, t) for i, (n, d, h, t) in enumerate(scenarios)],
            )
            if points is not None:
                columns, rows = points
                defs = ", ".join(f"{_q(name)} {sql}" for name, sql in columns)
                self.con.execute(
                    f"CREATE TABLE points (scenario TEXT PRIMARY KEY, point INTEGER NOT NULL "
                    f"UNIQUE, {defs})"
                )
                marks = ", ".join("?" * (2 + len(columns)))
                self.con.executemany(f"INSERT INTO points VALUES ({marks})", rows)
            # in the same transaction: a store holds scenarios only with its fingerprint
            self._set(dict(facts, fingerprint=fingerprint, schema_version=SCHEMA_VERSION))

    def point_columns(self) -> list[str]:
        """The swept parameters' paths, in design order (none unless the store holds a sweep)."""
        if not self.has_table("points"):
            return []
        cols = [row[1] for row in self.con.execute("PRAGMA table_info(points)")]
        return cols[2:]

    # --- writing --------------------------------------------------------------------------
    def _stored_outcome_names(self) -> tuple[str, ...] | None:
        text = self.get("outcome_columns")
        return None if text is None else tuple(json.loads(text))

    def _create_tables(self, names: Sequence[str], keep_events: bool) -> None:
        cols = ", ".join(f"{_q(n)} REAL" for n in names)
        types = ", ".join(f"{_q(t)} INTEGER NOT NULL" for t in TYPE_NAMES)
        self.con.execute(
            f"CREATE TABLE IF NOT EXISTS outcomes (scenario TEXT NOT NULL, "
            f"replication INTEGER NOT NULL, seed INTEGER NOT NULL, {cols}, "
            f"PRIMARY KEY (scenario, replication))"
        )
        self.con.execute(
            f"CREATE TABLE IF NOT EXISTS monthly (scenario TEXT NOT NULL, "
            f"replication INTEGER NOT NULL, month TEXT NOT NULL, {types}, "
            f"top_rung INTEGER NOT NULL, PRIMARY KEY (scenario, replication, month))"
        )
        if keep_events:
            self._create_event_tables()
        if self.has_table("points"):
            params = ", ".join(f"p.{_q(c)}" for c in self.point_columns())
            self.con.execute(
                f"CREATE VIEW IF NOT EXISTS sweep_outcomes AS SELECT p.point, {params}, o.* "
                "FROM outcomes AS o JOIN points AS p ON p.scenario = o.scenario"
            )
        self.con.execute(
            "INSERT OR REPLACE INTO experiment VALUES ('outcome_columns', ?)", (json.dumps(names),)
        )
        self._outcome_names = tuple(names)

    def _create_event_tables(self) -> None:
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS event_types (code INTEGER PRIMARY KEY, name TEXT NOT "
            "NULL UNIQUE, rung INTEGER NOT NULL, cameo TEXT NOT NULL, goldstein REAL NOT NULL)"
        )
        self.con.executemany(
            "INSERT OR IGNORE INTO event_types VALUES (?, ?, ?, ?, ?)",
            [(i, t.name, t.rung, t.cameo, t.goldstein) for i, t in enumerate(EVENT_TYPES.values())],
        )
        for kind in LABELLED:
            self.con.execute(
                f"CREATE TABLE IF NOT EXISTS event_{kind}s (code INTEGER PRIMARY KEY, "
                "name TEXT NOT NULL UNIQUE)"
            )
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS replication_events (scenario INTEGER NOT NULL, "
            "replication INTEGER NOT NULL, events BLOB NOT NULL, rows TEXT NOT NULL, "
            "PRIMARY KEY (scenario, replication))"
        )

    def _load_labels(self) -> dict[str, dict[str, int]]:
        """The lookup tables of actors, sectors and intents, name -> code (empty before any)."""
        out: dict[str, dict[str, int]] = {k: {} for k in LABELLED}
        for kind in LABELLED:
            if self.has_table(f"event_{kind}s"):
                cur = self.con.execute(f"SELECT name, code FROM event_{kind}s")
                out[kind] = dict(cur.fetchall())
        return out

    def _label_codes(self, kind: str, names: Sequence[str]) -> np.ndarray:
        """The store's codes of ``names`` in the lookup table of ``kind``, new ones added."""
        table = self._labels[kind]
        fresh = [n for n in names if n not in table]
        if len(table) + len(fresh) > _MAX_LABELS:
            raise ValueError(f"more than {_MAX_LABELS} event {kind}s to store")
        for name in fresh:
            table[name] = len(table)
        if fresh:
            self.con.executemany(
                f"INSERT INTO event_{kind}s VALUES (?, ?)", [(table[n], n) for n in fresh]
            )
        return np.array([table[n] for n in names], dtype=np.int64)

    def scenario_code(self, name: str) -> int:
        """The ``scenario_index`` of a claimed scenario (events are stored by it)."""
        code = self._scenario_codes.get(name)
        if code is None:
            row = self.con.execute(
                "SELECT scenario_index FROM scenarios WHERE name = ?", (name,)
            ).fetchone()
            if row is None:
                raise KeyError(f"scenario {name!r} is not in the store")
            code = self._scenario_codes[name] = int(row[0])
        return code

    def _write_events(self, scenario: str, events: EventBatch) -> None:
        """One row per replication with events: its records, coded by the store's tables,
        and its CSV rows (a replication without events has neither)."""
        code = self.scenario_code(scenario)
        records = events.records.copy()
        for kind in LABELLED:
            records[kind] = self._label_codes(kind, events.labels[kind])[records[kind]]
        data, size = records.tobytes(), EVENT_RECORD.itemsize
        ends = np.cumsum(events.counts).tolist()
        self.con.executemany(
            "INSERT INTO replication_events VALUES (?, ?, ?, ?)",
            (
                (code, r, data[(end - n) * size : end * size], text)
                for r, n, end, text in zip(
                    events.replications, events.counts, ends, events.csv_rows, strict=True
                )
                if n
            ),
        )

    @_guard_writes
    def write_batch(self, scenario: str, seed: int, batch: BatchResult, keep_events: bool) -> int:
        """Store a batch's rows, all or nothing (its trajectories go to the sketch later);
        returns the batch's id in ``batches``."""
        try:
            return self._write_batch(scenario, seed, batch, keep_events)
        except BaseException:
            self._labels = self._load_labels()  # without the codes the rollback took back
            raise

    def _write_batch(self, scenario: str, seed: int, batch: BatchResult, keep_events: bool) -> int:
        with self.con:
            if self._outcome_names is None:
                self._create_tables(batch.outcome_names, keep_events)
            elif self._outcome_names != batch.outcome_names:
                raise ValueError("outcome columns changed between batches")
            reps = batch.replications
            marks = ", ".join("?" * (3 + len(batch.outcome_names)))
            self.con.executemany(
                f"INSERT INTO outcomes VALUES ({marks})",
                (
                    (scenario, r, seed, *[None if v != v else v for v in row])  # NaN as NULL
                    for r, row in zip(reps, batch.outcomes.tolist(), strict=True)
                ),
            )
            marks = ", ".join("?" * (4 + len(TYPE_NAMES)))
            self.con.executemany(
                f"INSERT INTO monthly VALUES ({marks})",
                (
                    (scenario, r, month, *counts)
                    for r, per_month in zip(reps, batch.monthly.tolist(), strict=True)
                    for month, counts in zip(batch.months, per_month, strict=True)
                ),
            )
            if keep_events and batch.events is not None:
                self._write_events(scenario, batch.events)
            cur = self.con.execute(
                "INSERT INTO batches (scenario, replications, first_replication, "
                "last_replication, written, replication_list) VALUES (?, ?, ?, ?, ?, ?)",
                (scenario, len(reps), min(reps), max(reps), _now(), json.dumps(list(reps))),
            )
            return int(cur.lastrowid or 0)

    @_guard_writes
    def save_sketches(
        self, sketches: Mapping[str, DailySketch], batches: Sequence[int] | None = None
    ) -> None:
        """Store the sketches and mark the batches they hold: those with ids ``batches``, or
        (None) every batch written so far. A batch stored but not yet folded in (a write that
        failed half-way through a run's loop) stays unmarked and is replayed on resume."""
        with self.con:
            self.con.executemany(
                "INSERT OR REPLACE INTO sketches VALUES (?, ?, ?)",
                [(name, sk.n, sk.to_bytes()) for name, sk in sketches.items()],
            )
            if batches is None:
                self.con.execute("UPDATE batches SET sketched = 1 WHERE sketched = 0")
            else:
                self.con.executemany(
                    "UPDATE batches SET sketched = 1 WHERE id = ?", [(b,) for b in batches]
                )

    def unsketched(self) -> list[tuple[str, list[int]]]:
        """Batches stored since the sketches were last saved: (scenario, replications)."""
        cur = self.con.execute(
            "SELECT scenario, replication_list FROM batches WHERE sketched = 0 ORDER BY id"
        )
        return [(name, json.loads(text)) for name, text in cur]

    @_guard_writes
    def write_daily(self, rows: Sequence[dict[str, object]]) -> None:
        """Replace the readable per-day trajectory table."""
        if not rows:
            return
        cols = list(rows[0])
        with self.con:
            self.con.execute("DROP TABLE IF EXISTS daily")
            self.con.execute(
                f"CREATE TABLE daily ({', '.join(_q(c) for c in cols)}, "
                "PRIMARY KEY (scenario, day))"
            )
            marks = ", ".join("?" * len(cols))
            self.con.executemany(
                f"INSERT INTO daily VALUES ({marks})", ([r[c] for c in cols] for r in rows)
            )

    # --- reading --------------------------------------------------------------------------
    @property
    def outcome_names(self) -> tuple[str, ...]:
        return self._outcome_names or ()

    def has_table(self, name: str) -> bool:
        sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
        return self.con.execute(sql, (name,)).fetchone() is not None

    def done(self, scenario: str) -> np.ndarray:
        """The replication indices already stored for ``scenario``, ascending."""
        if not self.has_table("outcomes"):
            return np.zeros(0, dtype=np.int64)
        cur = self.con.execute(
            "SELECT replication FROM outcomes WHERE scenario = ? ORDER BY replication", (scenario,)
        )
        return np.fromiter((r for (r,) in cur), dtype=np.int64)

    def points(self) -> list[tuple]:
        """The points table's rows, (scenario, point, values...), by point."""
        return self.con.execute("SELECT * FROM points ORDER BY point").fetchall()

    def sweep_columns(self, names: Sequence[str]) -> dict[str, np.ndarray]:
        """``point``, ``replication`` and the named outcome columns of every stored replication
        of a sweep, ordered by point and replication (NULL reads as NaN)."""
        unknown = [n for n in names if n not in self.outcome_names]
        if unknown:
            raise KeyError(unknown[0])
        if not self.has_table("outcomes"):
            return {k: np.zeros(0) for k in ("point", "replication", *names)}
        cols = ", ".join(f"o.{_q(n)}" for n in names)
        sql = (
            f"SELECT p.point, o.replication{', ' + cols if names else ''} FROM outcomes AS o "
            "JOIN points AS p ON p.scenario = o.scenario ORDER BY p.point, o.replication"
        )
        arr = self._fetch_array(sql, (), 2 + len(names), np.float64)
        out = {"point": arr[:, 0].astype(np.int64), "replication": arr[:, 1].astype(np.int64)}
        return out | {n: arr[:, 2 + j] for j, n in enumerate(names)}

    def sketch(self, scenario: str, days: int) -> DailySketch:
        row = self.con.execute(
            "SELECT sketch FROM sketches WHERE scenario = ?", (scenario,)
        ).fetchone()
        if row is None:
            return DailySketch.empty(days)
        try:
            return DailySketch.from_bytes(row[0])
        except ValueError as err:
            raise InputError(
                "--out", None, str(self.path.parent), f"its store holds a damaged sketch ({err})"
            ) from None

    def outcome_columns(self, scenario: str, names: Sequence[str] | None = None) -> OutcomeColumns:
        """``replication`` and the named outcome columns (all by default), read on access."""
        names = tuple(self.outcome_names if names is None else names)
        return OutcomeColumns(self, scenario, names)

    def column(self, scenario: str, name: str) -> np.ndarray:
        """One outcome column (or ``replication``) of ``scenario``, by replication."""
        if name != "replication" and name not in self.outcome_names:
            raise KeyError(name)
        if not self.has_table("outcomes"):
            return np.zeros(0, np.int64 if name == "replication" else np.float64)
        sql = f"SELECT {_q(name)} FROM outcomes WHERE scenario = ? ORDER BY replication"
        dtype = np.int64 if name == "replication" else np.float64
        return self._fetch_array(sql, (scenario,), 1, dtype)[:, 0]  # NULL reads as NaN

    def window(
        self, scenario: str, first: str, last: str, types: Sequence[str]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per replication: events of ``types`` in months ``first``..``last`` and the top rung.

        Months are ``YYYY-MM`` labels; a window with no stored month is an error, since it would
        read as "nothing happened"."""
        unknown = [t for t in types if t not in TYPE_NAMES]
        if unknown:
            raise ValueError(f"unknown event types: {', '.join(unknown)}")
        if not (_MONTH.match(first) and _MONTH.match(last)) or first > last:
            raise ValueError(f"not a window of YYYY-MM months: {first!r}..{last!r}")
        covered = 0
        if self.has_table("monthly"):
            (covered,) = self.con.execute(
                "SELECT COUNT(DISTINCT month) FROM monthly "
                "WHERE scenario = ? AND month BETWEEN ? AND ?",
                (scenario, first, last),
            ).fetchone()
        if not covered:
            raise ValueError(f"no simulated month of {scenario!r} lies in {first}..{last}")
        total = " + ".join(f"SUM({_q(t)})" for t in types) or "0"
        sql = (
            f"SELECT {total}, MAX(top_rung) FROM monthly WHERE scenario = ? AND month BETWEEN ? "
            "AND ? GROUP BY replication ORDER BY replication"
        )
        arr = self._fetch_array(sql, (scenario, first, last), 2, np.int64)
        return arr[:, 0], arr[:, 1]

    def _fetch_array(
        self, sql: str, params: Sequence[object], width: int, dtype: type
    ) -> np.ndarray:
        """A query's rows as one numpy array, filled in chunks (no list of all rows in memory)."""
        chunks: list[np.ndarray] = []
        cur = self.con.execute(sql, params)
        while rows := cur.fetchmany(4096):
            chunks.append(np.array(rows, dtype=dtype).reshape(len(rows), width))
        return np.concatenate(chunks) if chunks else np.zeros((0, width), dtype=dtype)

    def event_csv_rows(self, scenario: str) -> Iterator[str] | None:
        """The ``events.csv`` rows of ``scenario``, one text per replication in replication
        order; None when the store keeps no such rows (events not kept, or a store of
        version 1)."""
        table = next((t for t in ("replication_events", "event_csv") if self.has_table(t)), None)
        if table is None:
            return None
        cur = self.con.execute(
            f"SELECT rows FROM {table} WHERE scenario = ? ORDER BY replication",
            (self.scenario_code(scenario),),
        )
        return (text for (text,) in cur)

    def event_records(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Every stored event, ordered by scenario, replication and id: the scenario index
        and the replication of each, and its ``EVENT_RECORD`` (codes of the lookup tables);
        None when the store has no ``replication_events``."""
        if not self.has_table("replication_events"):
            return None
        cur = self.con.execute(
            "SELECT scenario, replication, events FROM replication_events "
            "ORDER BY scenario, replication"
        )
        rows = cur.fetchall()
        records = np.frombuffer(b"".join(blob for *_, blob in rows), EVENT_RECORD)
        counts = [len(blob) // EVENT_RECORD.itemsize for *_, blob in rows]
        keys = np.array([key for *key, _ in rows], np.int64).reshape(len(rows), 2)
        return np.repeat(keys[:, 0], counts), np.repeat(keys[:, 1], counts), records

    def event_labels(self) -> dict[str, list]:
        """What the event codes stand for, each a list indexed by code: ``type`` (names) and
        the ``rung``, ``cameo`` and ``goldstein`` of each type; ``actor``, ``sector`` and
        ``intent`` (names)."""
        cur = self.con.execute("SELECT name, rung, cameo, goldstein FROM event_types ORDER BY code")
        out = dict(
            zip(
                ("type", "rung", "cameo", "goldstein"),
                map(list, zip(*cur, strict=True)),
                strict=True,
            )
        )
        for kind in LABELLED:
            cur = self.con.execute(f"SELECT name FROM event_{kind}s ORDER BY code")
            out[kind] = [name for (name,) in cur]
        return out

    def iter_rows(self, sql: str, params: Sequence[object] = ()) -> Iterator[dict]:
        """Rows of a query as dicts (for streaming CSV exports)."""
        cur = self.con.execute(sql, params)
        cols = [c[0] for c in cur.description]
        for row in cur:
            yield dict(zip(cols, row, strict=True))

    def close(self) -> None:
        # back to a single file: a closed store is one portable file, and readers opening it
        # later (read-only checks included) leave no -wal or -shm files beside it
        try:
            if not self.readonly:
                try:
                    self.con.execute("PRAGMA journal_mode=DELETE")
                except sqlite3.OperationalError:
                    pass  # a reader has it open (or the disk is full): WAL is just as valid
            self.con.close()
        finally:
            self._release()


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


class OutcomeColumns(Mapping[str, np.ndarray]):
    """A scenario's outcome columns, each read from the store when asked for and not kept, so
    analysing many scenarios holds one column of each at a time rather than every column."""

    def __init__(self, store: Store, scenario: str, names: Sequence[str]) -> None:
        self._store, self._scenario, self._names = store, scenario, ("replication", *names)

    def __getitem__(self, key: str) -> np.ndarray:
        if key not in self._names:
            raise KeyError(key)
        return self._store.column(self._scenario, key)

    def __contains__(self, key: object) -> bool:
        return key in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)
