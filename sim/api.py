"""The Python API for notebooks: load a scenario, run or compare scenarios, get Results.

A run goes through the command line's own steps: the same scenario files and overrides, the
same posterior resolution (``sim.experiment.parameters.resolve``), engine and writers. So
``sim.run("baseline_2024", n=1000, seed=7)`` stores the same numbers as
``dmzsim run baseline_2024 -n 1000 --seed 7``. Bad input raises ``sim.errors.InputError``
with a one-line message.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import numbers
import os
import secrets
import tempfile
import time
import warnings
import weakref
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import InputError
from sim.scenario.params import Scenario

if TYPE_CHECKING:  # imported when a run returns one: load_scenario needs no pandas
    from sim.results_api import Results

ScenarioLike = Scenario | str | os.PathLike[str]
# The command line's option names, as this API's argument names in error messages.
_ARGUMENT = {
    "-n": "n",
    "--seed": "seed",
    "--backend": "backend",
    "--workers": "workers",
    "--scheduler": "scheduler",
    "--out": "out",
    "--resume": "resume",
    "--posterior": "posterior",
    "--set": "load_scenario",
}


@dataclasses.dataclass(frozen=True)
class _Origin:
    """Where a loaded scenario came from: what the posterior's resolution needs to know."""

    arg: str  # as given: a bundled name or a path
    file: Path
    overrides: tuple[str, ...]  # KEY=VALUE, as --set takes them


# Scenarios made by load_scenario, by id, each with a weak reference that drops its entry
_ORIGINS: dict[int, tuple[weakref.ref[Scenario], _Origin]] = {}


def _remember(s: Scenario, origin: _Origin) -> None:
    key = id(s)

    def forget(ref: weakref.ref[Scenario]) -> None:
        if _ORIGINS.get(key, (None,))[0] is ref:
            del _ORIGINS[key]

    _ORIGINS[key] = (weakref.ref(s, forget), origin)


def _origin(s: Scenario) -> _Origin | None:
    entry = _ORIGINS.get(id(s))
    return entry[1] if entry is not None and entry[0]() is s else None


# The command line's advice, in this API's words.
_ADVICE = {"--resume": "resume=True", "--force": "force=True", "--out": "out"}


def _relabel(err: InputError) -> InputError:
    """An InputError from the command line's code, naming this API's arguments instead."""
    allowed = err.allowed
    for option, argument in _ADVICE.items():
        allowed = allowed.replace(option, argument)
    return InputError(_ARGUMENT.get(err.source, err.source), err.key, err.value, allowed)


# --- scenarios ------------------------------------------------------------------------------
def _literal(key: str, value: object) -> str:
    """A Python value as the text ``--set KEY=VALUE`` takes (a TOML literal, or bare text)."""
    if isinstance(value, bool) or getattr(getattr(value, "dtype", None), "kind", "") == "b":
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(value))
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, str):
        return value
    raise InputError(  # the type, not the value: an array's repr would take many lines
        "load_scenario", key, type(value).__name__, "a number, True/False, a datetime.date or text"
    )


def _override_items(
    set_: Mapping[str, object] | Iterable[str] | None, keywords: Mapping[str, object]
) -> list[str]:
    """``set`` (a mapping of dotted paths, or KEY=VALUE texts) then the keywords (``__`` for
    each dot) as the KEY=VALUE items of ``--set``."""
    items: list[str] = []
    if isinstance(set_, Mapping):
        items += [f"{k}={_literal(str(k), v)}" for k, v in set_.items()]
    elif isinstance(set_, str):
        items.append(set_)
    elif set_ is not None:
        items += list(set_)
    for key, value in keywords.items():
        dotted = key.replace("__", ".")
        items.append(f"{dotted}={_literal(dotted, value)}")
    return items


def load_scenario(
    name_or_path: str | os.PathLike[str],
    *,
    set: Mapping[str, object] | Iterable[str] | None = None,  # the name of --set, on purpose
    **overrides: object,
) -> Scenario:
    """A scenario, by bundled name (``"baseline_2024"``) or file path, with overrides:
    ``set={"mines.killed_mean": 1}`` and/or keywords with ``__`` for each dot
    (``mines__killed_mean=1``), checked as ``--set`` checks them."""
    from sim.cli import scenario_path  # the command line's resolution of names and paths
    from sim.scenario.loader import load_scenario as load

    if not isinstance(name_or_path, str | os.PathLike):
        raise InputError(
            "load_scenario", None, type(name_or_path).__name__, "a bundled name or a file path"
        )
    arg = os.fspath(name_or_path)
    items = _override_items(set, overrides)
    try:
        file = scenario_path(arg)
        scenario = load(file, items)
    except InputError as err:
        raise _relabel(err) from None
    _remember(scenario, _Origin(arg, file, tuple(items)))
    return scenario


def _scenario(item: object) -> tuple[Scenario, _Origin | None]:
    """A run's scenario and where it came from (None: made some other way)."""
    if isinstance(item, Scenario):
        from sim.scenario.loader import check_name

        check_name(item.name, "scenario")  # one made with dataclasses.replace, say
        return item, _origin(item)
    if isinstance(item, str | os.PathLike):
        s = load_scenario(item)
        return s, _origin(s)
    raise InputError(
        "scenario",
        None,
        type(item).__name__,
        "a Scenario (from sim.load_scenario), a bundled scenario name or a file path",
    )


# --- running --------------------------------------------------------------------------------
def _whole(name: str, value: object, least: int, allowed: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < least:
        raise InputError(name, None, value, allowed)
    return int(value)


def _plots(plots: bool | Collection[str]) -> Collection[str] | None:
    """``write_results``'s ``only``: None draws every plot file; () none."""
    from sim.plots.names import RUN_PLOTS

    if plots is True:
        return None
    if plots is False or plots is None:
        return ()
    chosen = [plots] if isinstance(plots, str) else list(plots)
    unknown = [p for p in chosen if p not in RUN_PLOTS]
    if unknown:
        raise InputError("plots", None, unknown[0], f"True, False or names from {RUN_PLOTS}")
    return tuple(chosen)


def _posteriors(
    choice: str | None, specs: Sequence[tuple[Scenario, _Origin | None]], caller: str
) -> tuple[tuple[Any, ...], dict[str, object]]:
    """Each scenario's posterior table and a note of it, as ``sim.cli.posteriors`` finds them:
    ``choice`` (a file or ``none``) or the one shipped beside a file the scenario extends."""
    from sim.experiment.parameters import override_paths, resolve

    tables, used = [], {}
    for s, origin in specs:
        if origin is None and choice is None:
            warnings.warn(
                f"{caller}: scenario {s.name!r} was not loaded by sim.load_scenario, so the "
                "posterior shipped beside its file is unknown; it runs with point values "
                "(pass posterior= a file, or 'none', to choose)",
                stacklevel=3,
            )
            tables.append(None)
            used[s.name] = None
            continue
        file = origin.file if origin else Path(s.name)  # no default is looked up without one
        sets = override_paths(origin.overrides) if origin else {}
        try:
            r = resolve(choice, file, s, sets)
        except InputError as err:
            raise _relabel(err) from None
        tables.append(r.table)
        used[s.name] = r.describe()
    return tuple(tables), used


def _command(
    kind: str, origins: Sequence[_Origin | None], n: int, seed: int, options: dict[str, Any]
) -> list[str] | None:
    """The ``dmzsim`` command that runs the same experiment, if there is one: every scenario
    from a file, all with the same overrides."""
    if any(o is None for o in origins) or len({o.overrides for o in origins if o}) != 1:
        return None
    argv = ["dmzsim", kind, *(o.arg for o in origins if o), "-n", str(n), "--seed", str(seed)]
    argv += ["--backend", options["backend"]]
    if options["workers"]:
        argv += ["--workers", str(options["workers"])]
    for item in origins[0].overrides if origins[0] else ():
        argv += ["--set", item]
    if options["posterior"] is not None:
        argv += ["--posterior", options["posterior"]]
    if options["events"]:
        argv.append("--events")
    return argv


def _experiment(
    kind: str, items: Sequence[object], n: object, seed: object, options: dict[str, Any]
) -> Results:
    """Check everything, run the experiment into its folder, write its outputs, open them."""
    from sim.experiment import engine
    from sim.experiment.backends import check_options, make_backend
    from sim.results_api import Results

    caller = f"sim.{kind}"
    n = _whole("n", n, 1, "must be a whole number of at least 1")
    if seed is not None:
        seed = _whole("seed", seed, 0, "must be a non-negative whole number (or None: drawn)")
    for key in ("workers", "batch_size"):
        _whole(key, options[key], 0, "must be 0 (automatic) or more")
    try:
        engine.check_limits(n, len(items), seed=seed)
        check_options(options["backend"], options["workers"], options["scheduler"])
    except InputError as err:
        raise _relabel(err) from None
    only = _plots(options["plots"])
    posterior = options["posterior"]
    if posterior is not None:
        options["posterior"] = posterior = os.fspath(posterior)
    specs = [_scenario(item) for item in items]
    scenarios = [s for s, _ in specs]
    names = [s.name for s in scenarios]
    if kind == "compare":
        if len(set(names)) != len(names):
            raise InputError("compare", None, names, "scenario names must differ")
        if len(scenarios) < 2:
            raise InputError("compare", None, names, "needs at least two scenarios")
    tables, used = _posteriors(posterior, specs, caller)
    seed = secrets.randbits(32) if seed is None else seed
    exp = engine.Experiment(kind, tuple(scenarios), seed, options["events"], tables=tables)
    origins = [o for _, o in specs]
    overrides = {s.name: list(o.overrides) if o else [] for s, o in specs}
    shared = {tuple(v) for v in overrides.values()}
    command = _command(kind, origins, n, seed, options)
    out = options["out"]
    # what the command line records as the request a finished run answered (see engine.completed)
    request = {"n": n, "precision": None, "max_replications": None}
    if out is not None and not options["force"]:
        if engine.completed(Path(out), exp, request) is not None:
            return Results(out)  # run to the end before, for the same request: nothing to run
    started = dt.datetime.now()
    # the backend first: a missing Dask or a dead scheduler must not leave an empty folder
    backend = make_backend(options["backend"], options["workers"], options["scheduler"])
    try:
        folder = Path(out) if out is not None else Path(tempfile.mkdtemp(prefix=f"dmzsim-{kind}-"))
        store = engine.open_store(
            folder,
            exp,
            resume=options["resume"],
            force=options["force"],
            facts={"command": command, "api": caller},
            points=None,
        )
    except InputError as err:
        backend.close()
        raise _relabel(err) from None
    except BaseException:
        backend.close()
        raise
    try:
        try:
            most = max(len(store.done(name)) for name in names)
            if most > n:
                raise InputError("n", None, n, f"{folder} already holds {most} replications")
            clock = time.perf_counter()
            sizes = engine.run(
                exp, store, backend, n, batch_size=options["batch_size"], quiet=options["quiet"]
            )
            seconds = time.perf_counter() - clock
            engine.mark_completed(store, request, n)
        except engine.Interrupted:
            raise KeyboardInterrupt(
                f"{caller}: interrupted; whole batches are stored in {folder} - call again "
                f"with out={str(folder)!r}, resume=True to finish"
            ) from None
        finally:
            backend.close()
        report = {
            "backend": backend.name,
            "workers": backend.workers,
            "task_sizes": list(sizes),
            "seconds": round(seconds, 3),
            "command": command,
            "api": caller,
            "root_seed": seed,
            "replications": n,
            "overrides": list(shared.pop()) if len(shared) == 1 else overrides,
            "started": started.isoformat(timespec="seconds"),
            "posterior": used,
        }
        _write(store, scenarios, folder, report, options["events"], only)
    finally:
        store.close()
    return Results(folder)


def _write(
    store: Any,
    scenarios: list[Scenario],
    folder: Path,
    report: dict,
    events: bool,
    only: Collection[str] | None,
) -> None:
    """The folder's tables, manifest and (if asked) plot files, as the command line writes
    them."""
    from sim.api_figures import users_backend
    from sim.experiment.outputs import results_folder
    from sim.results import write_results

    # every file inside the folder, and listed in the manifest (what --force may remove)
    with users_backend(), results_folder(folder):  # plot files import sim.plots (Agg)
        write_results(store, scenarios, folder, report, events=events, only=only)


def run(
    scenario: ScenarioLike,
    n: int = 1000,
    seed: int | None = None,
    backend: str = "process",
    workers: int = 0,
    out: str | os.PathLike[str] | None = None,
    posterior: str | os.PathLike[str] | None = None,
    events: bool = False,
    *,
    scheduler: str | None = None,
    batch_size: int = 0,
    plots: bool | Collection[str] = False,
    resume: bool = False,
    force: bool = False,
    quiet: bool = False,
) -> Results:
    """Run ``n`` replications of one scenario (a Scenario, a bundled name or a file) with
    root ``seed`` (None: drawn; see ``Results.seed``), as ``dmzsim run`` does.

    ``backend``: ``serial`` (in this process), ``process`` (``workers`` local processes,
    0: one per core) or ``dask`` (``scheduler``: an address, or None for a local cluster).
    ``out``: the results folder, new or empty; default a new temporary folder
    (``tempfile.mkdtemp``, e.g. /tmp/dmzsim-run-XXXX; ``Results.folder`` says which), which
    the system may clear: pass ``out`` to keep the results. A folder holding this very run,
    finished (by this API or by the command line), is opened rather than run again.
    ``posterior``: a posterior CSV, ``"none"`` for point values, or None for the command
    line's default (the posterior shipped beside the scenario's file or a file it extends).
    ``events``: keep every event. ``plots``: also write the command line's plot files into
    ``out/plots`` (True, or names from ``sim.plots.names.RUN_PLOTS``). ``resume``/``force``:
    go on with, or replace, the experiment stored in ``out``. ``quiet``: no progress bar."""
    options = dict(
        backend=backend, workers=workers, scheduler=scheduler, out=out, posterior=posterior,
        events=events, batch_size=batch_size, plots=plots, resume=resume, force=force,
        quiet=quiet,
    )  # fmt: skip
    return _experiment("run", [scenario], n, seed, options)


def compare(
    scenarios: Sequence[ScenarioLike],
    n: int = 1000,
    seed: int | None = None,
    backend: str = "process",
    workers: int = 0,
    out: str | os.PathLike[str] | None = None,
    posterior: str | os.PathLike[str] | None = None,
    events: bool = False,
    *,
    scheduler: str | None = None,
    batch_size: int = 0,
    plots: bool | Collection[str] = False,
    resume: bool = False,
    force: bool = False,
    quiet: bool = False,
) -> Results:
    """A paired comparison, as ``dmzsim compare`` does: ``n`` replications of each scenario
    (at least two, with distinct names; the first is the reference) under common random
    numbers. ``Results.differences`` holds the paired differences from the first. The other
    arguments are those of :func:`run` (default ``out``: a new temporary folder,
    /tmp/dmzsim-compare-XXXX)."""
    if isinstance(scenarios, str | os.PathLike | Scenario) or not isinstance(scenarios, Sequence):
        raise InputError(
            "compare", None, type(scenarios).__name__, "a list of scenarios (two or more)"
        )
    options = dict(
        backend=backend, workers=workers, scheduler=scheduler, out=out, posterior=posterior,
        events=events, batch_size=batch_size, plots=plots, resume=resume, force=force,
        quiet=quiet,
    )  # fmt: skip
    return _experiment("compare", list(scenarios), n, seed, options)
