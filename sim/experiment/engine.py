"""The experiment engine: plan batches, run them on a backend, stream them into the store.

An experiment is a list of scenarios, a root seed and whether events are kept; its fingerprint
names it. Replication *i* of a scenario is the same wherever and whenever it runs (see
``sim.rng``), the store keys rows by (scenario, replication) and the trajectory sketch merges
exactly, so the stored results do not depend on the backend, the worker count, the batch size
or on how many times the run was interrupted and resumed.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.analysis.stats import proportion_ci
from sim.errors import InputError
from sim.experiment.backends import Backend, BackendLost, WorkerLost
from sim.experiment.batch import MapTask, Task, run_map_task, run_task
from sim.experiment.outputs import MANIFEST_NAME, listed_files
from sim.experiment.parameters import ParameterTable
from sim.experiment.progress import Progress
from sim.experiment.sketch import DailySketch
from sim.experiment.store import (
    LOCK_SUFFIX,
    SCHEMA_VERSION,
    STORE_NAME,
    Points,
    Store,
    StoreLock,
    check_intact,
    read_facts,
)
from sim.model.replication import run_replication
from sim.model.result import ReplicationResult
from sim.scenario.loader import scenario_to_dict, scenario_to_toml
from sim.scenario.params import Scenario

# Task lengths in seconds: at least the shorter, so per-task overhead (~0.1 ms for a process
# pool, ~2 ms for Dask per DESIGN.md "Performance facts", plus ~10 ms in the main process to
# store a batch and its sketch, measured by benchmarks/bench_engine.py) stays near 2-5%; at
# most the longer, so the store is written often enough to lose little to a crash.
TASK_SECONDS = {"serial": (0.5, 1.0), "process": (0.1, 0.5), "dask": (0.25, 1.0)}
# Guided scheduling: each task takes this share of the remaining work per worker, so tasks are
# long early and short at the end, where a long one would leave the other workers idle.
GUIDED_SHARE = 0.5
MAX_BATCH = 5000
SKETCH_SECONDS = 2.0  # save the trajectory sketches this often (a killed run replays less)
# Runs of at most this many replications skip the timing of the model (it would cost more
# than it saves) and take tasks of up to this size.
SMALL_RUN = 16
# Headline probabilities that --precision drives below the requested half-width.
PRECISION_RUNGS = (3, 4, 5)  # P(highest rung >= k); P(war) is checked as well
# Limits of what one experiment may ask for, checked before anything runs (``check_limits``).
# A replication costs about 3 kB of store (outcomes and monthly rows, measured with -n 5 and 45
# of baseline_2024) and ~36 bytes in the plan's lists, and ~8 ms of one core: a million per
# scenario is a 3 GB store and two core-hours; more is a job for several experiments.
MAX_REPLICATIONS = 1_000_000
# All scenarios (or design points) together: a 30 GB store, 360 MB of plan.
MAX_TOTAL_REPLICATIONS = 10_000_000
MAX_SEED = 2**63 - 1  # the store keeps seeds as SQLite INTEGER (signed 64 bits)
MAX_WORKERS = 256  # far beyond a machine's cores; a Dask cluster is sized by its scheduler
# A task's results sit in memory until stored: about 5 kB a replication, and its events when
# kept (up to ~100 kB); 10,000 (twice the largest automatic task) stays within ~1 GB.
MAX_BATCH_SIZE = 10_000


@dataclass(frozen=True)
class Experiment:
    """What identifies an experiment's results: its scenarios, root seed and kind."""

    kind: str
    scenarios: tuple[Scenario, ...]
    root_seed: int
    keep_events: bool = False
    # Daily trajectory sketches (about 2.5 MB per scenario): a sweep of many points skips them.
    trajectories: bool = True
    # Per scenario, the parameter sets its replications take values from (a posterior, a
    # fit's design); empty or None: the scenario's own point values.
    tables: tuple[ParameterTable | None, ...] = ()

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.scenarios]

    def table(self, i: int) -> ParameterTable | None:
        return self.tables[i] if self.tables else None

    def fingerprint(self) -> str:
        doc = {
            "kind": self.kind,
            "root_seed": self.root_seed,
            "keep_events": self.keep_events,
            "trajectories": self.trajectories,
            "scenarios": [scenario_to_dict(s) for s in self.scenarios],
        }
        if any(t is not None for t in self.tables):  # older stores keep their fingerprints
            doc["tables"] = [None if t is None else t.digest() for t in self.tables]
        text = json.dumps(doc, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def describe(self) -> str:
        names = self.names
        which = ", ".join(names) if len(names) <= 8 else f"{names[0]} .. {names[-1]}"
        return f"{self.kind} of {which} ({len(names)} scenarios) with seed {self.root_seed}"


class Interrupted(Exception):
    """The run was stopped (Ctrl-C); whole batches written so far are kept."""


# --- the results folder ---------------------------------------------------------------------
NAME_CHARS = 60  # the longest a default folder name's words may be before it is shortened


def folder_name(words: Sequence[str], exp: Experiment, n: int, *, hashed: bool = False) -> str:
    """A default results folder: ``WORDS-nN-seedS``, e.g. ``compare-baseline_2024-hotline-n2000
    -seed7``. Words past ``NAME_CHARS`` become ``and-K-more``; then, or with ``hashed`` (a
    command that changes the scenarios or what is kept), a short hash of the experiment's
    fingerprint ends the name, so that different experiments get different folders. Path
    separators in a word become ``_``: the name is one folder, never a path out of results/."""
    words = [re.sub(r"[/\\\x00]", "_", w) for w in words]
    kept = list(words)
    if len("-".join(kept)) > NAME_CHARS:
        while len(kept) > 1 and len("-".join(kept)) + len("-and-99-more") > NAME_CHARS:
            kept.pop()
        if len(kept) < len(words):
            kept.append(f"and-{len(words) - len(kept)}-more")
        hashed = True
    name = "-".join([*kept, f"n{n}", f"seed{exp.root_seed}"])
    return f"{name}-{exp.fingerprint()[:8]}" if hashed else name


def _wipe(folder: Path) -> None:
    """Remove the experiment in ``folder`` (``--force``): the files its manifest lists, the
    manifest and the store, and folders (plots/) they leave empty; nothing else. A folder's
    other files, a user's among them, stay."""
    root = folder.resolve()
    files = [root / rel for rel in listed_files(root)]
    files += [root / MANIFEST_NAME]
    files += [root / f"{STORE_NAME}{suffix}" for suffix in ("", "-wal", "-shm", "-journal")]
    for p in files:
        if not p.is_symlink() and p.is_file():
            p.unlink()
    for sub in sorted({p.parent for p in files if p.parent != root}, key=str, reverse=True):
        if sub.is_dir() and not sub.is_symlink() and not any(sub.iterdir()):
            sub.rmdir()


def _entries(folder: Path) -> list[Path]:
    """What ``folder`` holds, but for the lock file of a store (left by a killed run)."""
    if not folder.is_dir():
        return []
    return [p for p in folder.iterdir() if p.name != STORE_NAME + LOCK_SUFFIX]


def _is_experiment(facts: Mapping[str, str]) -> bool:
    """Whether a store's facts are a dmzsim experiment's (``claim`` records the fingerprint
    with the scenarios, in one transaction)."""
    return "fingerprint" in facts


def held(folder: Path, exp: Experiment) -> str:
    """What ``folder`` holds: ``"nothing"`` (no folder, or an empty one), ``"same"`` (a store
    of ``exp``), ``"other"`` (a store of another experiment) or ``"files"`` (no store).
    InputError if its store is not a dmzsim store."""
    folder = Path(folder)
    path = folder / STORE_NAME
    if path.exists():
        same = read_facts(path).get("fingerprint") == exp.fingerprint()
        return "same" if same else "other"
    return "files" if _entries(folder) else "nothing"


def completed(folder: Path, exp: Experiment, request: Mapping[str, object]) -> int | None:
    """The replications per scenario if ``folder`` holds ``exp`` run to the end for exactly
    ``request`` (what the command asked for: -n, --precision, ...) and nothing since; None
    otherwise. A re-run of such a command has nothing to run."""
    if held(folder, exp) != "same":
        return None
    check_intact(Path(folder) / STORE_NAME)
    facts = read_facts(Path(folder) / STORE_NAME)
    try:
        done = json.loads(facts.get("completed", "null"))
    except ValueError:
        done = None
    store = Store(Path(folder) / STORE_NAME, readonly=True)
    try:
        if isinstance(done, dict) and done.get("request") == json.loads(json.dumps(request)):
            n = done.get("replications")
            return n if all(len(store.done(name)) == n for name in exp.names) else None
        # no record of the request (a store of an older dmzsim, or a run stopped while writing
        # its outputs): complete if it holds replications 0..n-1 of every scenario, -n asked
        n = request.get("n")
        if request.get("precision") is not None or not isinstance(n, int):
            return None
        if exp.trajectories and store.unsketched():
            return None  # trajectories still to replay: a --resume does that
        whole = all(np.array_equal(store.done(name), np.arange(n)) for name in exp.names)
        return n if whole else None
    finally:
        store.close()


def mark_completed(store: Store, request: Mapping[str, object], replications: int) -> None:
    """Record that the run asked for by ``request`` finished with ``replications`` each."""
    store.set(completed={"request": dict(request), "replications": replications})


def check_folder(folder: Path) -> None:
    """Refuse a ``--out`` that is not a folder that can be made (a file, a device, a path under
    /proc or one without permission) in one line, before anything is written."""
    if folder.exists() and not folder.is_dir():
        raise InputError("--out", None, str(folder), "is not a folder (a file or a device)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(
            "--out", None, str(folder), f"cannot be made ({err.strerror or err})"
        ) from None


def open_store(
    folder: Path,
    exp: Experiment,
    *,
    resume: bool,
    force: bool,
    facts: dict[str, object],
    points: Points | None = None,
) -> Store:
    """The store for ``exp`` in ``folder``: new, or the one to resume; refuse anything else.
    With ``resume`` and nothing stored yet, a new one. ``points`` are a sweep's design points,
    stored with a new experiment. ``force`` replaces only a dmzsim experiment (``_wipe``); the
    store is locked (``StoreLock``) before anything in the folder changes."""
    folder = Path(folder)
    path = folder / STORE_NAME
    if not path.exists() and _entries(folder):  # before anything is made: nothing to lose
        raise InputError(
            "--out",
            None,
            str(folder),
            "is not empty and holds no dmzsim experiment; choose another folder"
            + (" (--force replaces only a dmzsim experiment's folder)" if force else ""),
        )
    if path.exists():
        read_facts(path)  # a file that is not a store is refused before the folder is touched
    check_folder(folder)
    lock = StoreLock(path)  # also the first write into the folder: a read-only one stops here
    try:
        return _open_locked(folder, exp, resume, force, facts, points, lock)
    except BaseException:
        lock.release()
        raise


def _open_locked(
    folder: Path,
    exp: Experiment,
    resume: bool,
    force: bool,
    facts: dict[str, object],
    points: Points | None,
    lock: StoreLock,
) -> Store:
    """``open_store`` once the store is locked: everything is checked again under the lock."""
    path = folder / STORE_NAME
    fingerprint = exp.fingerprint()
    facts_held = read_facts(path) if path.exists() else {}
    if not path.exists() and _entries(folder):
        raise InputError("--out", None, str(folder), "is not empty; choose another folder")
    if facts_held and not _is_experiment(facts_held):
        raise InputError("--out", None, str(folder), "holds a store of no dmzsim experiment")
    if _is_experiment(facts_held) and not force:
        same = facts_held.get("fingerprint") == fingerprint
        if not same or not resume:
            held_text = facts_held.get("description") or "an experiment"
            done = facts_held.get("replications_done") or "?"
            if not same:
                raise InputError(
                    "--out",
                    None,
                    str(folder),
                    f"holds a different experiment ({held_text}); choose another --out, "
                    "or pass --force to replace it",
                )
            raise InputError(
                "--out",
                None,
                str(folder),
                f"already holds this experiment ({done} replications stored); pass --resume "
                "to continue or extend it, or --force to start again",
            )
        if exp.keep_events and facts_held.get("schema_version") != SCHEMA_VERSION:
            raise InputError(
                "--resume",
                None,
                str(folder),
                "holds events stored by an older dmzsim; pass --force to run it again",
            )
        check_intact(path)  # before it is opened for writing, which would change its header
        return Store(path, lock=lock)
    # new: nothing here, a store never claimed (killed as it was made), or --force
    _wipe(folder)
    store = Store(path, lock=lock)
    try:
        store.claim(
            fingerprint,
            [(s.name, s.start_date, s.horizon_days, scenario_to_toml(s)) for s in exp.scenarios],
            points,
            description=exp.describe(),
            kind=exp.kind,
            root_seed=exp.root_seed,
            keep_events=exp.keep_events,
            **facts,
        )
    except BaseException:
        store.close()
        raise
    return store


def check_limits(n: int, scenarios: int = 1, *, seed: int | None = None, what: str = "-n") -> None:
    """Refuse replication counts and seeds the store cannot hold or memory cannot plan."""
    if not 1 <= n <= MAX_REPLICATIONS:
        raise InputError(what, None, n, f"a whole number from 1 to {MAX_REPLICATIONS:,}")
    if n * scenarios > MAX_TOTAL_REPLICATIONS:
        raise InputError(
            what,
            None,
            n,
            f"{n:,} x {scenarios:,} scenarios or design points exceeds "
            f"{MAX_TOTAL_REPLICATIONS:,} replications in one experiment",
        )
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise InputError("--seed", None, seed, "a whole number from 0 to 2^63-1")


# --- planning -------------------------------------------------------------------------------
def seconds_per_replication(scenario: Scenario, root_seed: int) -> float:
    """A quick in-process timing of one replication (the second of two; the first warms up)."""
    run_replication(scenario, root_seed, 0)
    t0 = time.perf_counter()
    run_replication(scenario, root_seed, 1)
    return max(time.perf_counter() - t0, 1e-5)


def batch_bounds(backend: Backend, per_replication: float) -> tuple[int, int]:
    """The smallest and largest task, in replications, for the backend's task lengths."""
    short, long = TASK_SECONDS[backend.name]
    lo = max(1, min(MAX_BATCH, math.ceil(short / per_replication)))
    return lo, max(lo, min(MAX_BATCH, math.ceil(long / per_replication)))


def plan(
    exp: Experiment, store: Store, n: int, bounds: tuple[int, int], workers: int
) -> tuple[list[Task], int]:
    """Tasks for the replications below ``n`` not yet stored, round-robin over scenarios.

    With ``bounds = (lo, hi)`` each task takes ``GUIDED_SHARE`` of the remaining replications
    per worker, clipped to [lo, hi]; ``(b, b)`` gives fixed batches of ``b``."""
    todo = [
        np.setdiff1d(np.arange(n, dtype=np.int64), store.done(s.name)).tolist()
        for s in exp.scenarios
    ]
    total = remaining = sum(len(t) for t in todo)
    lo, hi = bounds
    tasks = []
    while remaining:
        for i, s in enumerate(exp.scenarios):
            if todo[i]:
                size = min(hi, max(lo, math.ceil(GUIDED_SHARE * remaining / workers)))
                chunk, todo[i] = todo[i][:size], todo[i][size:]
                remaining -= len(chunk)
                tasks.append(Task(i, s, exp.root_seed, tuple(chunk), exp.keep_events, exp.table(i)))
    return tasks, total


def replay_unsketched(exp: Experiment, store: Store, sketches: dict[str, DailySketch]) -> None:
    """Fold in the trajectories of batches stored after the last sketch save (a killed run)."""
    by_name = {s.name: (i, s) for i, s in enumerate(exp.scenarios)}
    pending = store.unsketched()
    for name, reps in pending:
        i, s = by_name[name]
        result = run_task(Task(i, s, exp.root_seed, tuple(reps), table=exp.table(i)))
        sketches[name].add(result.tension, result.rung)
    if pending:
        store.save_sketches(sketches)


# --- running --------------------------------------------------------------------------------
def run(
    exp: Experiment,
    store: Store,
    backend: Backend,
    n: int,
    *,
    batch_size: int = 0,
    quiet: bool = False,
) -> tuple[int, int]:
    """Bring every scenario to replications 0..n-1 (tasks of ``batch_size`` replications, or
    of sizes chosen from a timing of the model when 0); return the task sizes used."""
    if batch_size > 0:
        bounds = (batch_size, batch_size)
    elif n * len(exp.scenarios) <= SMALL_RUN:
        bounds = (1, SMALL_RUN)
    else:
        bounds = batch_bounds(backend, seconds_per_replication(exp.scenarios[0], exp.root_seed))
    sketches = {}
    if exp.trajectories:
        sketches = {s.name: store.sketch(s.name, s.horizon_days) for s in exp.scenarios}
        replay_unsketched(exp, store, sketches)
    tasks, total = plan(exp, store, n, bounds, backend.workers)
    bar = Progress(total, quiet=quiet)
    saved = time.monotonic()
    folded: list[int] = []  # batches stored and in the sketches, not yet marked so in the store
    try:
        for result in backend.map_unordered(run_task, tasks):
            name = exp.scenarios[result.scenario_index].name
            # stored first, folded in second: a write that fails (disk full) leaves the batch
            # out of both, and one stored but not folded is replayed on resume, never twice;
            # Ctrl-C waits until both are done, so that the sketch saved on the way out has it
            with _ctrl_c_held():
                batch_id = store.write_batch(name, exp.root_seed, result, exp.keep_events)
                if sketches:
                    sketches[name].add(result.tension, result.rung)
                    folded.append(batch_id)
            bar.update(len(result.replications))
            if sketches and time.monotonic() - saved > SKETCH_SECONDS:
                store.save_sketches(sketches, folded)
                folded.clear()
                saved = time.monotonic()
    except KeyboardInterrupt:
        raise Interrupted() from None
    except BackendLost as err:  # whole batches are stored: name the batch and how to go on
        if isinstance(err, WorkerLost) and err.tasks:
            err.where = "on " + " and ".join(_batch_name(t) for t in err.tasks[:2])
        err.advice = "run the same command with --resume to continue"
        raise
    finally:
        bar.close()
        if sketches:
            store.save_sketches(sketches, folded)  # what a killed run cannot: replay_unsketched
        done = sum(len(store.done(s.name)) for s in exp.scenarios)
        store.set(replications_done=done)
    return bounds


@contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """Hold back a Ctrl-C that comes during the block, then deliver it as it would have been
    (signal handlers can only be set from the main thread; elsewhere this does nothing)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            signal.raise_signal(signal.SIGINT)


def _batch_name(task: Task) -> str:
    """'replications 40..59 of baseline_2024', to name a task in a message."""
    reps = task.replications
    span = f"{reps[0]}..{reps[-1]}" if len(reps) > 1 else str(reps[0])
    return f"replications {span} of {task.scenario.name}"


def _headline_flags(columns: Mapping[str, np.ndarray]) -> list[np.ndarray]:
    """Per replication, whether it reached rung k for each k in PRECISION_RUNGS, and war."""
    top = columns["highest_rung"]
    return [top >= k for k in PRECISION_RUNGS] + [columns["ended_in_war"] > 0]


def _half_width(hits: int, n: int) -> float:
    _, lo, hi = proportion_ci(hits, n)
    return (hi - lo) / 2


def headline_half_width(columns: Mapping[str, np.ndarray]) -> float:
    """The widest 95% Wilson half-width among the headline probabilities."""
    return max(_half_width(int(f.sum()), int(f.size)) for f in _headline_flags(columns))


def replications_for(columns: Mapping[str, np.ndarray], half_width: float) -> int:
    """Replications at which every headline Wilson half-width would drop below ``half_width``
    if the observed shares held (a plan for the next round, checked again after it)."""
    need = 1
    for flags in _headline_flags(columns):
        p = float(flags.mean())

        def wide(m: int, p: float = p) -> bool:
            return _half_width(round(p * m), m) >= half_width

        hi = 1
        while wide(hi):
            hi *= 2
        lo = hi // 2  # wide at lo (or lo is 0), narrow at hi: bisect the boundary
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if wide(mid) else (lo, mid)
        need = max(need, hi)
    return need


def run_to_precision(
    exp: Experiment,
    store: Store,
    backend: Backend,
    first_n: int,
    half_width: float,
    max_n: int,
    *,
    batch_size: int = 0,
    quiet: bool = False,
) -> tuple[int, float, tuple[int, int]]:
    """Add rounds of replications until every headline probability of every scenario has a
    95% half-width below ``half_width``, or ``max_n`` is reached. Returns n, the widest
    half-width and the task sizes of the last round.

    Each round's size depends only on the stored outcomes, so the final count is the same on
    every backend."""
    stored = max(len(store.done(name)) for name in exp.names)  # a resumed run may hold more
    n = min(max_n, max(first_n, stored))
    while True:
        bounds = run(exp, store, backend, n, batch_size=batch_size, quiet=quiet)
        cols = [
            store.outcome_columns(s.name, ("highest_rung", "ended_in_war")) for s in exp.scenarios
        ]
        widest = max(headline_half_width(c) for c in cols)
        if widest < half_width or n >= max_n:
            return n, widest, bounds
        need = max(replications_for(c, half_width) for c in cols)
        step = max(n // 10, 100)  # the share may move; never add less than a tenth
        n = min(max_n, max(n + step, math.ceil(need * 1.05 / 100) * 100))


# --- in-memory maps (calibration, tests) ----------------------------------------------------
def map_replications(
    backend: Backend,
    scenario: Scenario,
    root_seed: int,
    n: int,
    reduce: Callable[[Scenario, ReplicationResult], Any],
    *,
    batch_size: int = 50,
    keep_events: bool = True,
) -> list[Any]:
    """``reduce(scenario, result)`` for replications 0..n-1, in replication order."""
    tasks = [
        MapTask(scenario, root_seed, tuple(range(lo, min(n, lo + batch_size))), reduce, keep_events)
        for lo in range(0, n, batch_size)
    ]
    out: list[Any] = [None] * n
    for reps, values in backend.map_unordered(run_map_task, tasks):
        for i, v in zip(reps, values, strict=True):
            out[i] = v
    return out


def keep_whole(scenario: Scenario, result: ReplicationResult) -> ReplicationResult:
    """A ``reduce`` for :func:`map_replications` that keeps the whole result."""
    return result


def run_replications(
    backend: Backend, scenario: Scenario, root_seed: int, n: int, keep_events: bool = False
) -> list[ReplicationResult]:
    """Whole results of replications 0..n-1 held in memory (small experiments and tests)."""
    return map_replications(backend, scenario, root_seed, n, keep_whole, keep_events=keep_events)
