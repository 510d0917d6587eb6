"""The Python API (sim.load_scenario, sim.run, sim.compare, sim.open_results, Results): the
same numbers as the command line, DataFrames with fixed columns and dtypes, figures without
files, and one-line errors for bad input. Serial backend, a few replications each."""

from __future__ import annotations

import dataclasses
import datetime as dt
import filecmp
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.cli import main
from sim.errors import InputError
from sim.model.events import EVENT_FIELDS, TYPE_NAMES
from sim.scenario.params import Scenario

N = 6  # replications: enough for every table to have rows, few enough to stay fast
SEED = 11
# one parameter the shipped posterior holds (so --set must win over it) and one it does not
# (in the order load_scenario applies them: its set= mapping, then its keywords)
OVERRIDES = {"mines.killed_mean": 1.5, "mines.blast_rate_per_crew_day": 0.01}
SET_ARGS = [a for k, v in OVERRIDES.items() for a in ("--set", f"{k}={v}")]
# the files both writers produce from the store (the manifest differs: command, times)
TABLES = (
    "outcomes.csv",
    "summary.csv",
    "forecast.csv",
    "survival.csv",
    "survival_summary.csv",
    "trajectory_summary.csv",
)


def read_csv(path: Path) -> pd.DataFrame:
    """A table as written, numbers parsed exactly (by float(), whatever pandas's default)."""
    df = pd.read_csv(path, dtype=str)
    return df.astype({c: "float64" for c in df.columns if c != "outcome"})


def cli(*argv: str) -> None:
    assert main([*argv, "--backend", "serial", "--quiet", "--plots", "highest_rung"]) == 0


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The same run through the command line and through the API (with events)."""
    base = tmp_path_factory.mktemp("api")
    cli("run", "baseline_2024", "-n", str(N), "--seed", str(SEED), *SET_ARGS, "--out",
        str(base / "cli"), "--events")  # fmt: skip
    scenario = sim.load_scenario(
        "baseline_2024",
        mines__blast_rate_per_crew_day=OVERRIDES["mines.blast_rate_per_crew_day"],
        set={"mines.killed_mean": OVERRIDES["mines.killed_mean"]},
    )
    result = sim.run(
        scenario, n=N, seed=SEED, backend="serial", out=base / "api", events=True, quiet=True
    )
    assert result.folder == base / "api"
    return {"cli": base / "cli", "api": base / "api"}


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("api_compare")
    cli("compare", "baseline_2024", "hotline", "-n", "4", "--seed", "3", "--out",
        str(base / "cli"))  # fmt: skip
    sim.compare(
        ["baseline_2024", "hotline"], n=4, seed=3, backend="serial", out=base / "api", quiet=True
    )
    return {"cli": base / "cli", "api": base / "api"}


# --- the same numbers as the command line ------------------------------------------------------
def test_run_writes_what_the_cli_writes(runs: dict[str, Path]) -> None:
    for name in (*TABLES, "events.csv"):
        assert filecmp.cmp(runs["cli"] / name, runs["api"] / name, shallow=False), name
    cli_m, api_m = (json.loads((runs[k] / "manifest.json").read_text()) for k in ("cli", "api"))
    assert api_m["posterior"] == cli_m["posterior"]  # the same posterior, and --set won over it
    overridden = api_m["posterior"]["baseline_2024"]["overridden"]
    assert overridden == {"mines.blast_rate_per_crew_day": "--set"}
    assert api_m["scenarios"] == cli_m["scenarios"]
    assert api_m["overrides"] == cli_m["overrides"] == [f"{k}={v}" for k, v in OVERRIDES.items()]
    # the manifest names the command that repeats the run
    assert api_m["command"][:7] == ["dmzsim", "run", "baseline_2024", "-n", str(N), "--seed", "11"]
    assert not (runs["api"] / "plots").exists()  # no plot files unless asked


def test_compare_writes_what_the_cli_writes_and_pairs(compared: dict[str, Path]) -> None:
    for name in ("outcomes.csv", "compare.csv", "summary_baseline_2024.csv", "summary_hotline.csv"):
        assert filecmp.cmp(compared["cli"] / name, compared["api"] / name, shallow=False), name
    r = sim.open_results(compared["api"])
    assert r.kind == "compare" and r.names == ["baseline_2024", "hotline"] and r.seed == 3
    reps = r.outcomes.groupby("scenario", observed=True)["replication"].apply(list)
    assert reps["baseline_2024"] == reps["hotline"] == [0, 1, 2, 3]  # paired by replication
    # the paired differences are compare.csv's, row for row
    table = read_csv(compared["api"] / "compare.csv")
    d = r.differences.set_index("outcome")
    assert list(d.index) == list(table["outcome"])
    assert (d["scenario"] == "hotline").all() and (d["reference"] == "baseline_2024").all()
    for mine, theirs in (
        ("difference", "diff_hotline"),
        ("ci_lo", "diff_hotline_lo"),
        ("ci_hi", "diff_hotline_hi"),
        ("reference_mean", "baseline_2024"),
        ("mean", "hotline"),
    ):
        np.testing.assert_array_equal(d[mine].to_numpy(), table[theirs].to_numpy(), err_msg=mine)


# --- Results: tables ---------------------------------------------------------------------------
def test_open_results_round_trips(runs: dict[str, Path]) -> None:
    a, b = sim.open_results(runs["api"]), sim.open_results(runs["cli"] / "experiment.sqlite")
    assert a.folder == runs["api"] and b.folder == runs["cli"]
    for name in ("outcomes", "monthly", "events", "daily", "summary", "forecast"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)
    assert a.manifest["replications"] == N and a.manifest["root_seed"] == SEED
    assert "baseline_2024" in repr(a) and f"{N} replications" in repr(a)
    # the summary is summary.csv's, computed by the same function from the same store
    written = read_csv(runs["api"] / "summary.csv")
    np.testing.assert_array_equal(a.summary["mean"], written["mean"])
    np.testing.assert_array_equal(a.summary["ci_hi"], written["ci_hi"])
    assert a.differences.empty  # one scenario: nothing to pair


def test_dataframe_columns_and_dtypes(runs: dict[str, Path]) -> None:
    r = sim.open_results(runs["api"])
    out = r.outcomes
    assert list(out.columns[:3]) == ["scenario", "replication", "seed"]
    assert len(out) == N and list(out["replication"]) == list(range(N))
    assert isinstance(out["scenario"].dtype, pd.CategoricalDtype)
    assert (out["seed"] == SEED).all()
    assert out["highest_rung"].dtype == np.int64 and out["count_mine_blast"].dtype == np.int64
    assert out["ended_in_war"].dtype == bool
    assert out["mean_tension"].dtype == np.float64 and out["first_day_rung_7"].dtype == np.float64
    monthly = r.monthly
    assert list(monthly.columns) == ["scenario", "replication", "month", *TYPE_NAMES, "top_rung"]
    assert isinstance(monthly["month"].dtype, pd.PeriodDtype)
    assert (monthly.drop(columns=["scenario", "month"]).dtypes == np.int64).all()
    # the monthly counts add up to the replication's totals
    per_rep = monthly.groupby("replication")["mine_blast"].sum()
    np.testing.assert_array_equal(per_rep.to_numpy(), out["count_mine_blast"].to_numpy())
    events = r.events
    assert list(events.columns) == ["scenario", "replication", *EVENT_FIELDS]
    assert events["injected"].dtype == bool and events["time"].dtype == np.float64
    counted = events[events["type"] == "mine_blast"].groupby("replication").size()
    assert counted.sum() == out["count_mine_blast"].sum()
    summary = r.summary
    assert list(summary.columns) == ["scenario", "outcome", "mean", "ci_lo", "ci_hi", "n"]
    assert "P(rung>=4)" in set(summary["outcome"])
    assert list(r.daily.columns[:3]) == ["scenario", "day", "date"]


def test_events_frame_is_empty_with_its_columns_when_not_kept(compared: dict[str, Path]) -> None:
    events = sim.open_results(compared["api"]).events
    assert events.empty and list(events.columns) == ["scenario", "replication", *EVENT_FIELDS]
    assert events["time"].dtype == np.float64 and events["injected"].dtype == bool


# --- Results: figures ----------------------------------------------------------------------------
def test_plot_methods_return_figures_and_write_nothing(compared: dict[str, Path]) -> None:
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    r = sim.open_results(compared["api"])
    before = sorted(p.name for p in compared["api"].rglob("*"))
    figures = [
        r.plot_highest_rung(),
        r.plot_tension(),
        r.plot_survival(),
        r.plot_survival(4),
        r.plot_casualties(),
        r.plot_event_counts(["mine_blast", "warning_shots"]),
        r.plot_outcome("max_tension"),
        r.plot_outcome("first_day_rung_3"),
    ]
    for fig in figures:
        assert isinstance(fig, Figure) and fig.axes
    assert sorted(p.name for p in compared["api"].rglob("*")) == before
    assert plt.get_fignums() == []  # handed back, not left open in pyplot
    with pytest.raises(InputError, match="did you mean 'max_tension'"):
        r.plot_outcome("max_tensio")
    with pytest.raises(InputError):
        r.plot_survival(9)


def test_plotting_keeps_the_users_matplotlib_backend(compared: dict[str, Path]) -> None:
    code = (
        "import matplotlib; matplotlib.use('svg'); import matplotlib.pyplot as plt; import sim; "
        f"sim.open_results({str(compared['api'])!r}).plot_highest_rung(); "
        "print(matplotlib.get_backend())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "svg"


# --- scenarios and overrides --------------------------------------------------------------------
def test_overrides_as_keywords_mapping_or_texts_agree() -> None:
    by_keyword = sim.load_scenario(
        "baseline_2024",
        mines__killed_mean=1,
        diplomacy__hotline_working=True,
        end_date=dt.date(2024, 10, 31),
    )
    by_mapping = sim.load_scenario(
        "baseline_2024",
        set={
            "mines.killed_mean": 1.0,
            "diplomacy.hotline_working": True,
            "end_date": dt.date(2024, 10, 31),
        },
    )
    by_text = sim.load_scenario(
        "baseline_2024",
        set=["mines.killed_mean=1", "diplomacy.hotline_working=true", "end_date=2024-10-31"],
    )
    assert by_keyword == by_mapping == by_text
    assert by_keyword.mines.killed_mean == 1.0 and by_keyword.diplomacy.hotline_working is True
    assert by_keyword.end_date == dt.date(2024, 10, 31)
    plain = sim.load_scenario("baseline_2024")
    assert plain.mines.killed_mean == 2.0 and plain != by_keyword
    path = Path(sim.__file__).parent / "scenarios" / "hotline.toml"
    assert sim.load_scenario(path) == sim.load_scenario("hotline")  # a path or a name


def test_a_scenario_from_elsewhere_warns_that_no_posterior_is_known(tmp_path: Path) -> None:
    edited = dataclasses.replace(sim.load_scenario("baseline_2024"), name="edited")
    with pytest.warns(UserWarning, match="point values"):
        r = sim.run(edited, n=2, seed=1, backend="serial", out=tmp_path / "a", quiet=True)
    assert r.manifest["posterior"] == {"edited": None} and r.manifest["command"] is None
    r = sim.run(edited, n=2, seed=1, backend="serial", out=tmp_path / "b", posterior="none")
    assert r.names == ["edited"]


# --- bad input -----------------------------------------------------------------------------------
def _renamed(name: str) -> Scenario:
    """A bundled scenario given another name, as dataclasses.replace would in a notebook."""
    return dataclasses.replace(sim.load_scenario("baseline_2024"), name=name)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: sim.load_scenario("no_such_scenario"), "no such scenario"),
        (lambda: sim.load_scenario("baseline_2024", mines__no_such_key=1), "unknown parameter"),
        (lambda: sim.load_scenario("baseline_2024", mines__killed_mean=-1), "killed_mean"),
        (lambda: sim.load_scenario("baseline_2024", mines__killed_mean=[1]), "a number"),
        (lambda: sim.run("baseline_2024", n=0), "n = 0"),
        (lambda: sim.run("baseline_2024", n=2.5), "n = 2.5"),
        (lambda: sim.run("baseline_2024", n=True), "n = True"),
        (lambda: sim.run("baseline_2024", n=2, seed=-1), "seed = -1"),
        (lambda: sim.run("baseline_2024", n=2, backend="gpu"), "backend = 'gpu'"),
        (lambda: sim.run("no_such_scenario", n=2), "no such scenario"),
        (lambda: sim.run(42, n=2), "scenario = 'int'"),
        (lambda: sim.run("baseline_2024", n=2, plots=["pie"]), "plots = 'pie'"),
        (lambda: sim.run("baseline_2024", n=2, posterior="missing.csv"), "missing.csv"),
        (lambda: sim.compare("baseline_2024", n=2), "a list of scenarios"),
        (lambda: sim.compare(["baseline_2024"], n=2), "at least two"),
        (lambda: sim.compare(["hotline", "hotline"], n=2), "must differ"),
        (lambda: sim.open_results("/no/such/folder"), "no such folder"),
        (lambda: sim.run(_renamed("x/../../PWN"), n=2), "name = 'x/../../PWN'"),
        (lambda: sim.compare(["hotline", _renamed("")], n=2), "name = ''"),
    ],
)
def test_bad_input_raises_one_line(call, match: str) -> None:  # noqa: ANN001
    with pytest.raises(InputError, match=match) as info:
        call()
    assert "\n" not in str(info.value)


def test_an_occupied_out_folder_is_refused(runs: dict[str, Path]) -> None:
    with pytest.raises(InputError, match="^out = .*holds a different experiment") as info:
        sim.run("hotline", n=2, seed=1, backend="serial", out=runs["api"])
    assert "\n" not in str(info.value) and "force=True" in str(info.value)


def test_a_finished_run_is_opened_not_run_again(runs: dict[str, Path]) -> None:
    """The same call (or the API's call for a folder the command line finished) reads the
    folder back: the store and manifest are left as they were."""
    scenario = sim.load_scenario("baseline_2024", set=OVERRIDES)
    for folder in (runs["api"], runs["cli"]):
        stamps = {p: p.stat().st_mtime_ns for p in folder.glob("*") if p.is_file()}
        r = sim.run(scenario, n=N, seed=SEED, backend="serial", out=folder, events=True)
        assert r.folder == folder and len(r.outcomes) == N
        assert {p: p.stat().st_mtime_ns for p in stamps} == stamps


# --- import cost --------------------------------------------------------------------------------
def test_import_sim_loads_no_heavy_module() -> None:
    code = (
        "import sys, sim; heavy = ('pandas', 'scipy', 'matplotlib', 'sim.api'); "
        "print([m for m in heavy if m in sys.modules]); print('run' in dir(sim))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "True"]
    with pytest.raises(AttributeError):
        sim.no_such_thing  # noqa: B018


def test_open_results_reads_a_sweep(tmp_path: Path) -> None:
    """A sweep's outcomes carry each design point and its parameter values."""
    assert main(["sweep", "baseline_2024", "--param", "diplomacy.initial_backing=0:1:2", "-n",
                 "2", "--seed", "4", "--backend", "serial", "--quiet", "--plots", "sweep",
                 "--out", str(tmp_path / "sweep")]) == 0  # fmt: skip
    r = sim.open_results(tmp_path / "sweep")
    out = r.outcomes
    assert r.kind == "sweep" and len(r.names) == 2 and len(out) == 4
    assert list(out.columns[:5]) == [
        "scenario", "replication", "seed", "point", "diplomacy.initial_backing",
    ]  # fmt: skip
    assert list(out["diplomacy.initial_backing"]) == [0.0, 0.0, 1.0, 1.0]
    assert set(r.summary["scenario"]) == set(r.names)
