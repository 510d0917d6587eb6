"""Results of an experiment as pandas DataFrames and matplotlib figures, for notebooks.

A :class:`Results` reads the folder that ``sim.run``, ``sim.compare`` or the command line
(``run``, ``compare``, ``sweep``) wrote. Tables are read from the store, opened read-only for
each read and never changed; summaries are computed by the same functions that write the
folder's CSV files, so they hold the same numbers.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import functools
import json
import os
import re
import typing
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.experiment.store import STORE_NAME, Store
from sim.model.calendar import months_between
from sim.model.events import EVENT_FIELDS, RUNGS, TYPE_NAMES, Event

# Outcome columns that count things (stored as REAL, read as whole numbers).
_WHOLE = re.compile(r"(highest_rung|count_\w+|armed_\w+|killed_\w+|injured_\w+)")
_BOOL = ("ended_in_war",)
SURVIVAL_RUNGS = (3, 4, 5)  # plot_survival's default panels, as the command line's figure
_FIRST_DAY = "first_day_rung_"
_DIFFERENCE_COLUMNS = (
    "scenario", "reference", "outcome", "reference_mean", "mean", "difference", "ci_lo", "ci_hi",
)  # fmt: skip


def _event_dtypes() -> dict[str, str]:
    """pandas dtypes of the events table: numbers as numbers, names as categories."""
    kinds = {int: "int64", float: "float64", bool: "bool", str: "category"}
    hints = typing.get_type_hints(Event)
    return {"scenario": "category", "replication": "int64"} | {
        f: kinds[hints[f]] for f in EVENT_FIELDS
    }


def open_results(folder: str | os.PathLike[str]) -> Results:
    """The results in ``folder`` (written by ``sim.run``, ``sim.compare``, or ``dmzsim run``,
    ``compare`` or ``sweep``); the folder's ``experiment.sqlite`` may also be given."""
    return Results(folder)


class Results:
    """An experiment's results folder, read as DataFrames (``outcomes``, ``monthly``,
    ``events``, ``daily``, ``summary``, ``differences``, ``forecast``) and figures
    (``plot_*``). Each table is read once, when first asked for."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        path = Path(folder)
        if path.name == STORE_NAME and path.is_file():
            path = path.parent
        if not (path / STORE_NAME).is_file():
            what = "no such folder" if not path.exists() else f"holds no {STORE_NAME}"
            raise InputError(
                "open_results",
                None,
                str(path),
                f"{what}: give a results folder of sim.run, sim.compare, dmzsim run/compare/sweep",
            )
        self.folder = path
        with self._store() as store:
            rows = store.con.execute(
                "SELECT name, start_date, horizon_days FROM scenarios ORDER BY scenario_index"
            ).fetchall()
            self._facts = {k: store.get(k) for k in ("kind", "root_seed", "replications_done")}
            self._outcome_names = store.outcome_names
            self._sweep = store.has_table("points")
        self.names: list[str] = [r[0] for r in rows]
        self._start = {r[0]: dt.date.fromisoformat(r[1]) for r in rows}
        self._horizon = {r[0]: int(r[2]) for r in rows}

    # --- identity -------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        """``run``, ``compare``, ``sweep``, ...: what wrote the folder."""
        return self._facts.get("kind") or "?"

    @property
    def seed(self) -> int | None:
        """The experiment's root seed."""
        seed = self._facts.get("root_seed")
        return None if seed is None else int(seed)

    def __repr__(self) -> str:
        names = ", ".join(self.names) if len(self.names) <= 4 else f"{len(self.names)} scenarios"
        done = self._facts.get("replications_done") or 0
        return (
            f"<Results {self.kind} of {names}: {done} replications, seed {self.seed}, "
            f"in {self.folder}>"
        )

    @functools.cached_property
    def manifest(self) -> dict[str, Any]:
        """``manifest.json``: command, version, seeds, scenarios as run, posterior, timings.
        A folder whose run never finished has none: then the store's facts."""
        path = self.folder / "manifest.json"
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
        with self._store() as store:
            facts = dict(store.con.execute("SELECT key, value FROM experiment").fetchall())
        return {k: _json_or_text(v) for k, v in facts.items()}

    # --- tables ---------------------------------------------------------------------------
    @functools.cached_property
    def outcomes(self) -> pd.DataFrame:
        """One row per scenario and replication: ``scenario, replication, seed``, a sweep's
        ``point`` and parameter values, then every outcome. Counts are int64,
        ``ended_in_war`` bool, the rest float64 (``first_day_rung_k``: NaN if never reached)."""
        table = "sweep_outcomes" if self._sweep else "outcomes"  # a sweep: with its points
        sql = (
            f"SELECT o.* FROM {table} AS o JOIN scenarios AS s ON s.name = o.scenario "
            "ORDER BY s.scenario_index, o.replication"
        )
        lead = {"scenario": self._category(), "replication": "int64", "seed": "int64"}
        columns = [*lead, *self._outcome_names]
        if not self._has("outcomes"):
            return _empty({**lead, **{n: "float64" for n in self._outcome_names}}, columns)
        df = self._read(sql)
        dtypes: dict[str, Any] = dict(lead)
        for name in self._outcome_names:
            values = df[name].astype("float64")
            if name in _BOOL:
                df[name] = values > 0
            elif _WHOLE.fullmatch(name) and not values.isna().any():
                df[name] = values.astype("int64")
            else:
                df[name] = values
        if self._sweep:  # the point and its parameter values after the lead columns
            dtypes["point"] = "int64"
            params = [c for c in df.columns if c not in {*lead, "point", *self._outcome_names}]
            df = df[[*lead, "point", *params, *self._outcome_names]]
        return df.astype(dtypes)

    @functools.cached_property
    def monthly(self) -> pd.DataFrame:
        """Per scenario, replication and calendar month (``period[M]``): the count of each
        event type (a column per type) and ``top_rung``, the highest rung of the month."""
        lead = {"scenario": self._category(), "replication": "int64", "month": "period[M]"}
        counts = {t: "int64" for t in (*TYPE_NAMES, "top_rung")}
        if not self._has("monthly"):
            return _empty(lead | counts)
        df = self._read(
            "SELECT m.* FROM monthly AS m JOIN scenarios AS s ON s.name = m.scenario "
            "ORDER BY s.scenario_index, m.replication, m.month"
        )
        df["month"] = pd.PeriodIndex(df["month"], freq="M")
        return df.astype(lead | {c: counts.get(c, df[c].dtype) for c in df.columns[3:]})

    @functools.cached_property
    def events(self) -> pd.DataFrame:
        """Every event, when the experiment kept them (``events=True``, ``--events``); else an
        empty frame with the same columns. ``cause`` is the ``id`` of the provoking event."""
        dtypes = _event_dtypes() | {"scenario": self._category()}
        with self._store() as store:
            packed = store.event_records()
            labels = store.event_labels() if packed is not None else {}
            index = dict(store.con.execute("SELECT scenario_index, name FROM scenarios"))
        if packed is not None:
            return _unpack_events(packed, labels, index)[list(dtypes)].astype(dtypes)
        if not self._has("events"):  # a table in stores of version 1, a view in version 2
            return _empty(dtypes)
        df = self._read(
            "SELECT e.* FROM events AS e JOIN scenarios AS s ON s.name = e.scenario "
            "ORDER BY s.scenario_index, e.replication, e.id"
        )
        return df[list(dtypes)].astype(dtypes)

    @functools.cached_property
    def daily(self) -> pd.DataFrame:
        """Per scenario and day: tension mean and percentiles, mean rung and P(rung >= k)
        across replications (``trajectory_summary.csv``)."""
        if not self._has("daily"):
            return _empty({"scenario": self._category(), "day": "int64", "date": "datetime64[ns]"})
        df = self._read(
            "SELECT d.* FROM daily AS d JOIN scenarios AS s ON s.name = d.scenario "
            "ORDER BY s.scenario_index, d.day"
        )
        df["date"] = pd.to_datetime(df["date"])
        return df.astype({"scenario": self._category(), "day": "int64"})

    @functools.cached_property
    def summary(self) -> pd.DataFrame:
        """Per scenario and outcome: mean with its 95% interval and ``n`` (t-intervals for
        means, Wilson for ``P(...)``), as in ``summary.csv``."""
        from sim.analysis.tables import outcome_table

        rows = [
            {"scenario": name, **row}
            for name in self.names
            for row in outcome_table(self._columns(name))
        ]
        frame = pd.DataFrame(rows, columns=["scenario", "outcome", "mean", "ci_lo", "ci_hi", "n"])
        return frame.astype({"scenario": self._category(), "n": "int64"})

    @functools.cached_property
    def differences(self) -> pd.DataFrame:
        """Each scenario after the first against the first (``reference``), paired by
        replication: both means, the mean difference and its 95% interval (as in
        ``compare.csv``, one row per scenario and outcome). Empty for a single scenario.
        When the scenarios simulate different periods, ``attrs["note"]`` says so."""
        from sim.analysis.tables import compare_table

        if len(self.names) < 2:
            return _empty({c: "float64" for c in _DIFFERENCE_COLUMNS})
        ref, rest = self.names[0], self.names[1:]
        table = compare_table([(name, self._columns(name)) for name in self.names])
        rows = [
            {
                "scenario": name,
                "reference": ref,
                "outcome": r["outcome"],
                "reference_mean": r[ref],
                "mean": r[name],
                "difference": r[f"diff_{name}"],
                "ci_lo": r[f"diff_{name}_lo"],
                "ci_hi": r[f"diff_{name}_hi"],
            }
            for name in rest
            for r in table
        ]
        frame = pd.DataFrame(rows, columns=list(_DIFFERENCE_COLUMNS))
        frame = frame.astype({"scenario": pd.CategoricalDtype(rest), "reference": "category"})
        note = self._horizon_note()
        if note:  # the scenarios simulate different periods: say so with the numbers
            frame.attrs["note"] = note
        return frame

    @functools.cached_property
    def forecast(self) -> pd.DataFrame:
        """For scenarios that simulate July-December 2024: event counts, the highest rung and
        the probabilities of each rung in that window (``forecast.csv``)."""
        from sim.analysis.tables import FORECAST_COUNTS, forecast_table
        from sim.api_figures import users_backend

        with users_backend():
            from sim.results import FORECAST
        first, last = FORECAST
        window = set(months_between(dt.date.fromisoformat(f"{first}-01"),
                                    dt.date.fromisoformat(f"{last}-01")))  # fmt: skip
        rows = []
        with self._store() as store:
            for name in self.names:
                end = self._start[name] + dt.timedelta(days=self._horizon[name] - 1)
                if not window <= set(months_between(self._start[name], end)):
                    continue
                counts = [
                    (lab, store.window(name, first, last, t)[0]) for lab, t in FORECAST_COUNTS
                ]
                top = store.window(name, first, last, ())[1]
                rows += [{"scenario": name, **r} for r in forecast_table(counts, top)]
        columns = ["scenario", "quantity", "mean", "ci_lo", "ci_hi", "median", "p05", "p95"]
        return pd.DataFrame(rows, columns=columns).astype({"scenario": self._category()})

    # --- figures --------------------------------------------------------------------------
    def plot_highest_rung(self) -> Any:
        """Figure: the share of replications whose highest rung is each rung, per scenario."""
        from sim.api_figures import highest_rung

        return highest_rung(self._named())

    def plot_tension(self) -> Any:
        """Figure: tension by day across replications (median, 50% and 90% bands)."""
        from sim.analysis.trajectories import BAND_QUANTILES
        from sim.api_figures import tension

        with self._store() as store:
            bands = [
                (n, store.sketch(n, self._horizon[n]).quantiles(BAND_QUANTILES)) for n in self.names
            ]
        return tension(bands, dict(self._start))  # each scenario's day 0: aligned by date

    def plot_casualties(self) -> Any:
        """Figure: killed plus injured per replication, by cause, per scenario."""
        from sim.api_figures import casualties

        return casualties(self._named())

    def plot_event_counts(self, types: Sequence[str] | None = None) -> Any:
        """Figure: events of each type per replication (default: the command line's six)."""
        from sim.api_figures import event_counts

        unknown = [t for t in types or () if t not in TYPE_NAMES]
        if unknown:
            raise InputError(
                "plot_event_counts",
                None,
                unknown[0],
                _unknown("event type", unknown[0], TYPE_NAMES),
            )
        return event_counts(self._named(), types)

    def plot_outcome(self, name: str) -> Any:
        """Figure: the distribution of one outcome column (see ``outcomes``), per scenario."""
        from sim.api_figures import outcome

        if name not in self._outcome_names:
            raise InputError(
                "plot_outcome", None, name, _unknown("outcome", name, self._outcome_names)
            )
        if name.startswith(_FIRST_DAY):
            k = int(name.removeprefix(_FIRST_DAY))
            first = f"day of the first event of rung {k} ({RUNGS[k]})"
            return outcome(self._named(), name, first + "\n(replications without one: not drawn)")
        return outcome(self._named(), name, name)

    def plot_survival(self, rung: int | Sequence[int] | None = None) -> Any:
        """Figure: Kaplan-Meier curves of the time to a rung (one rung: one axes; several, or
        None for rungs 3, 4 and 5: a panel each), every scenario with its 95% band."""
        from sim.analysis.survival import kaplan_meier, time_to_rung
        from sim.api_figures import survival

        rungs = SURVIVAL_RUNGS if rung is None else (rung,) if isinstance(rung, int) else rung
        bad = [k for k in rungs if isinstance(k, bool) or k not in range(1, len(RUNGS))]
        if bad or not rungs:
            raise InputError("plot_survival", None, rung, f"rungs 1..{len(RUNGS) - 1}")
        curves: dict[int, list[tuple[str, Any]]] = {k: [] for k in rungs}
        for name in self.names:
            cols = self._columns(name)
            first = np.column_stack([cols[f"{_FIRST_DAY}{j}"] for j in range(1, len(RUNGS))])
            for k in rungs:
                km = kaplan_meier(time_to_rung(first, k), float(self._horizon[name]))
                curves[k].append((name, km.on_grid()))
        return survival(curves, dict(self._start))

    def _horizon_note(self) -> str | None:
        """``sim.results.horizon_note`` of the scenarios' first and last days."""
        from sim.api_figures import users_backend

        with users_backend():
            from sim.results import horizon_note
        last = {n: self._start[n] + dt.timedelta(days=self._horizon[n] - 1) for n in self.names}
        return horizon_note({n: (self._start[n], last[n]) for n in self.names})

    # --- reading --------------------------------------------------------------------------
    @contextlib.contextmanager
    def _store(self) -> Iterator[Store]:
        store = Store(self.folder / STORE_NAME, readonly=True)
        try:
            yield store
        finally:
            store.close()

    def _has(self, name: str) -> bool:
        """Whether the store has a table or view called ``name`` (events may be a view)."""
        sql = "SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?"
        with self._store() as store:
            return store.con.execute(sql, (name,)).fetchone() is not None

    def _read(self, sql: str) -> pd.DataFrame:
        with self._store() as store:
            return pd.read_sql_query(sql, store.con)

    def _category(self) -> pd.CategoricalDtype:
        return pd.CategoricalDtype(self.names)

    def _columns(self, name: str) -> dict[str, np.ndarray]:
        """One scenario's outcome columns as the analysis functions take them (float64)."""
        df = self.outcomes
        rows = df[df["scenario"] == name]
        out = {"replication": rows["replication"].to_numpy(np.int64)}
        return out | {k: rows[k].to_numpy(np.float64) for k in self._outcome_names}

    def _named(self) -> list[tuple[str, dict[str, np.ndarray]]]:
        return [(name, self._columns(name)) for name in self.names]


def _unpack_events(
    packed: tuple[np.ndarray, np.ndarray, np.ndarray],
    labels: dict[str, list],
    scenarios: dict[int, str],
) -> pd.DataFrame:
    """The stored event records (``Store.event_records``) with their codes replaced by what
    they stand for (``Store.event_labels``)."""
    scenario, replication, records = packed
    by_type = records["type"]

    def named(values: list, codes: np.ndarray) -> np.ndarray:
        return np.asarray(values, dtype=object)[codes] if len(values) else codes.astype(object)

    columns = {
        "scenario": named(
            [scenarios.get(i) for i in range(max(scenarios, default=-1) + 1)], scenario
        ),
        "replication": replication,
        "type": named(labels["type"], by_type),
        "rung": np.asarray(labels["rung"], np.int64)[by_type],
        "cameo": named(labels["cameo"], by_type),
        "goldstein": np.asarray(labels["goldstein"], np.float64)[by_type],
        "injected": records["injected"].astype(bool),
    }
    columns |= {k: named(labels[k], records[k]) for k in ("actor", "sector", "intent")}
    columns |= {k: records[k] for k in ("id", "time", "tension", "killed", "injured", "cause")}
    return pd.DataFrame(columns)


def _empty(dtypes: dict[str, Any], columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A frame with no rows and the given columns and dtypes."""
    names = list(columns or dtypes)
    return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, "float64")) for c in names})


def _unknown(what: str, name: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"no such {what}" + (f"; did you mean {close[0]!r}?" if close else "")


def _json_or_text(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value
