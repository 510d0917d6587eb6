"""Sweeps, sensitivity, discovery and experiment files, run as a user runs them."""

from __future__ import annotations

import csv
import importlib.util
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import main
from sim.experiment.files import read_experiment
from sim.experiment.parameters import Applier, resolve
from sim.model.replication import run_replication
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASE = str(ROOT / "scenarios" / "baseline_2024.toml")
EXPERIMENTS = ROOT / "experiments"
FAST = ["--quiet", "--workers", "1"]


def read_csv(path: Path) -> list[dict]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def sweep(out: Path, *extra: str) -> int:
    return main(["sweep", BASE, "--seed", "4", "--out", str(out), *FAST, *extra])


# --- sweeps ---------------------------------------------------------------------------------
def test_one_parameter_grid_sweep(tmp_path, capsys):
    out = tmp_path / "s"
    assert sweep(out, "--param", "terrain.vegetation_summer=0.5:1:3", "-n", "12") == 0
    printed = capsys.readouterr().out
    assert "grid sweep over terrain.vegetation_summer; 3 points x 12 replications" in printed
    table = read_csv(out / "sweep.csv")
    assert [float(r["terrain.vegetation_summer"]) for r in table] == [0.5, 0.75, 1.0]
    assert all(r["n"] == "12" for r in table)
    for r in table:  # every estimate lies inside its own interval
        for label in ("P(highest_rung>=4)", "count_mdl_crossing"):
            assert float(r[f"{label} lo"]) <= float(r[label]) <= float(r[f"{label} hi"])
    rows = read_csv(out / "outcomes.csv")
    assert len(rows) == 36 and {"point", "terrain.vegetation_summer"} <= set(rows[0])
    assert (out / "plots" / "sweep.png").stat().st_size > 0
    assert not list((out / "plots").glob("heatmap*"))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["design"]["method"] == "grid" and manifest["design"]["points"] == 3
    assert manifest["base_scenario"]["name"] == "baseline_2024"


def test_a_point_is_the_scenario_run_with_those_values(tmp_path):
    """The store's rows of a point are exactly the replications of the base scenario with the
    point's values set (and, as in every run of the baseline, the other fitted parameters
    drawn from its posterior): the sweep adds nothing and loses nothing."""
    out = tmp_path / "s"
    sweep(out, "--param", "response.roe=*", "--param", "mines.killed_mean=1,3", "-n", "4")
    con = sqlite3.connect(out / "experiment.sqlite")
    rows = con.execute(
        'SELECT "response.roe", "mines.killed_mean", replication, highest_rung, killed_mines, '
        "count_mdl_crossing FROM sweep_outcomes ORDER BY point, replication"
    ).fetchall()
    con.close()
    assert len(rows) == 4 * 3 * 2  # one row per replication, with its point's values
    for roe, killed, rep, *outcomes in rows:
        s = load_scenario(BASE, [f"response.roe={roe}", f"mines.killed_mean={killed}"])
        swept = {"response.roe": "--param", "mines.killed_mean": "--param"}
        posterior = resolve(None, Path(BASE), s, swept).table
        r = run_replication(Applier(s, posterior, 4)(rep), 4, rep)
        expected = [r.outcomes[k] for k in ("highest_rung", "killed_mines", "count_mdl_crossing")]
        assert outcomes == expected


def test_common_random_numbers_across_points(tmp_path):
    """A parameter that touches only casualties leaves every other outcome of every
    replication unchanged from point to point."""
    out = tmp_path / "s"
    sweep(out, "--param", "mines.killed_mean=0.5:3:3", "-n", "20")
    rows = read_csv(out / "outcomes.csv")
    by_point = [[r for r in rows if r["point"] == str(k)] for k in range(3)]
    for a, b in zip(by_point, by_point[1:], strict=False):
        for key in ("count_mine_blast", "count_mdl_crossing", "highest_rung", "mean_tension"):
            assert [r[key] for r in a] == [r[key] for r in b]
    killed = [sum(float(r["killed_mines"]) for r in p) for p in by_point]
    assert killed[0] < killed[1] < killed[2]


def test_two_parameter_sweep_draws_a_heatmap_with_n(tmp_path):
    out = tmp_path / "s"
    sweep(
        out,
        "--param",
        "diplomacy.initial_backing=0:1:2",
        "--param",
        "terrain.vegetation_summer=0.5,1",
        "-n",
        "6",
        "--outcome",
        "highest_rung>=3",
    )
    assert (out / "plots" / "heatmap.png").stat().st_size > 0
    assert (out / "plots" / "main_effects_highest_rung_ge_3.png").stat().st_size > 0
    effects = read_csv(out / "main_effects.csv")
    assert {r["parameter"] for r in effects} == {
        "diplomacy.initial_backing",
        "terrain.vegetation_summer",
    }
    assert all(r["n"] == "12" for r in effects)  # each level pools 2 points x 6 replications


def test_sampled_sweep_of_every_kind(tmp_path):
    """An LHS design over a float, an int, a bool, a choice and a date parameter."""
    out = tmp_path / "s"
    code = sweep(
        out,
        "--design",
        "lhs",
        "--points",
        "8",
        "--param",
        "diplomacy.backing_boldness=0:2",
        "--param",
        "terrain.sectors.west.crews=1:6",
        "--param",
        "diplomacy.hotline_working=*",
        "--param",
        "grayzone.loudspeaker_posture=off,continuous",
        "--param",
        "timeline.events[6].date=2024-06-19:2024-09-30",
        "-n",
        "3",
    )
    assert code == 0
    table = read_csv(out / "sweep.csv")
    assert len(table) == 8
    assert all(0 <= float(r["diplomacy.backing_boldness"]) <= 2 for r in table)
    assert all(1 <= int(r["terrain.sectors.west.crews"]) <= 6 for r in table)
    assert {r["diplomacy.hotline_working"] for r in table} == {"true", "false"}
    assert {r["grayzone.loudspeaker_posture"] for r in table} == {"off", "continuous"}
    assert all("2024-06-19" <= r["timeline.events[6].date"] <= "2024-09-30" for r in table)
    assert len(list((out / "plots").glob("main_effects_*.png"))) == 4  # one per outcome


def test_sweep_is_the_same_on_every_backend_and_after_resume(tmp_path):
    args = ["--param", "response.dprk.escalate_logit=-3:-1:3", "--param", "response.roe=*"]
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    main(["sweep", BASE, *args, "-n", "16", "--seed", "9", "--out", str(a), "--quiet"])
    main(
        ["sweep", BASE, *args, "-n", "16", "--seed", "9", "--out", str(b), "--quiet"]
        + ["--backend", "serial", "--batch-size", "5"]
    )
    main(["sweep", BASE, *args, "-n", "7", "--seed", "9", "--out", str(c), *FAST])
    main(["sweep", BASE, *args, "-n", "16", "--seed", "9", "--out", str(c), *FAST, "--resume"])
    folders = [a, b, c]
    if importlib.util.find_spec("distributed") is not None:  # the test extra installs it
        d = tmp_path / "d"
        main(
            ["sweep", BASE, *args, "-n", "16", "--seed", "9", "--out", str(d), "--quiet"]
            + ["--backend", "dask", "--workers", "2", "--batch-size", "3"]
        )
        folders.append(d)
    for name in ("outcomes.csv", "sweep.csv", "main_effects.csv"):
        assert len({(f / name).read_bytes() for f in folders}) == 1, name


# --- sensitivity ----------------------------------------------------------------------------
def test_sensitivity_finds_the_parameter_that_matters(tmp_path, capsys):
    """Loudspeaker policy decides whether there are broadcasts at all; casualties per blast
    cannot change the count of broadcasts, so its total index is (exactly) zero."""
    out = tmp_path / "g"
    code = main(
        [
            "sensitivity",
            BASE,
            "--param",
            "grayzone.loudspeaker_probability_per_wave=0:1",
            "--param",
            "mines.killed_mean=0:4",
            "--outcome",
            "count_loudspeaker_broadcast",
            "--points",
            "16",
            "-n",
            "4",
            "--seed",
            "2",
            "--out",
            str(out),
            *FAST,
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "16 base samples x 4 = 64 points x 4 replications" in printed
    rows = {r["parameter"]: r for r in read_csv(out / "sensitivity.csv")}
    speakers, killed = rows["grayzone.loudspeaker_probability_per_wave"], rows["mines.killed_mean"]
    assert float(speakers["total_order"]) > 0.5
    assert (
        float(speakers["total_low"])
        <= float(speakers["total_order"])
        <= float(speakers["total_high"])
    )
    assert float(killed["total_order"]) == 0.0  # common random numbers: no noise between points
    assert (out / "plots" / "sobol_count_loudspeaker_broadcast.png").stat().st_size > 0


# --- discovery ------------------------------------------------------------------------------
def test_discover_finds_the_hardline_rules_of_engagement(tmp_path, capsys):
    """Under hardline rules ROK opens aimed fire at crossers read as deliberate, so an exchange
    of fire is far likelier there (the model's mechanism); the ROE-free parameter beside it,
    the casualty mean of a blast, cannot matter. PRIM's box must keep hardline and nothing
    else."""
    out = tmp_path / "s"
    sweep(
        out,
        "--design",
        "lhs",
        "--points",
        "16",
        "--param",
        "response.roe=*",
        "--param",
        "mines.killed_mean=0:4",
        "-n",
        "30",
    )
    capsys.readouterr()
    code = main(["discover", str(out), "--outcome", "highest_rung>=4"])
    assert code == 0
    printed = capsys.readouterr().out
    box = read_csv(out / "discover_highest_rung_ge_4_box.csv")
    assert [(r["parameter"], r["allowed"]) for r in box] == [("response.roe", "hardline")]
    trajectory = read_csv(out / "discover_highest_rung_ge_4.csv")
    assert float(trajectory[0]["coverage"]) == 1.0
    assert "chosen box" in printed
    assert (out / "plots" / "discover_highest_rung_ge_4.png").stat().st_size > 0


# --- experiment files -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, extra, made",
    [
        ("compare_2024", ["-n", "6"], ["compare.csv", "plots/survival_fire.png"]),
        ("sweep_backing_vegetation", ["-n", "2"], ["sweep.csv", "plots/heatmap.png"]),
        ("sensitivity_baseline", ["-n", "8", "--points", "8"], ["sensitivity.csv"]),
    ],
)
def test_shipped_experiment_files_run_end_to_end(name, extra, made, tmp_path, capsys):
    out = tmp_path / name
    file = EXPERIMENTS / f"{name}.toml"
    code = main(["experiment", str(file), "--out", str(out), *extra, *FAST])
    assert code == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"# {file}: ") and "# runs: dmzsim " in printed
    for f in made:
        assert (out / f).stat().st_size > 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command"][1] == read_experiment(file).command
    assert manifest["experiment_file"] == str(file)
    assert manifest["replications"] == int(extra[1])


def test_an_experiment_file_is_its_command_line(tmp_path):
    """A file and the command it prints give byte-identical results."""
    file = tmp_path / "e.toml"
    file.write_text(
        'command = "sweep"\nscenario = "baseline_2024"\nreplications = 5\nseed = 3\n'
        'outcomes = ["highest_rung>=3"]\n[params.response]\nroe = ["standard", "hardline"]\n'
    )
    a, b = tmp_path / "a", tmp_path / "b"
    main(["experiment", str(file), "--out", str(a), *FAST])
    main(
        ["sweep", "baseline_2024", "-n", "5", "--seed", "3", "--outcome", "highest_rung>=3"]
        + ["--param", "response.roe=standard,hardline", "--out", str(b), *FAST]
    )
    assert (a / "sweep.csv").read_bytes() == (b / "sweep.csv").read_bytes()


# --- bad input ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "argv, needle",
    [
        (["sweep", BASE, "--param", "mines.killd_mean=0:1:3"], "did you mean 'mines.killed_mean'"),
        (["sweep", BASE, "--param", "mines.blame_probability=0:2:3"], "in [0, 1]"),
        (["sweep", BASE, "--param", "mines.killed_mean=0:1:0"], "an empty grid"),
        (["sweep", BASE, "--param", "mines.killed_mean=1:0:3"], "hi must be above lo"),
        (["sweep", BASE, "--param", "mines.killed_mean=0:1"], "a range lo:hi is for --design"),
        (
            ["sweep", BASE, "--param", "mines.killed_mean=0:1", "--design", "sobol"],
            "needs --points",
        ),
        (
            [
                "sweep",
                BASE,
                "--param",
                "mines.killed_mean=0:1",
                "--design",
                "sobol",
                "--points",
                "6",
            ],
            "power of 2",
        ),
        (["sweep", BASE, "--param", "response.roe=0:1"], "takes a list"),
        (["sweep", BASE, "--param", "description=a,b"], "free text cannot be swept"),
        (["sweep", BASE, "--param", "mines.killed_mean=1:1:3"], "has one value"),
        (["sweep", BASE, "--param", "timeline.events[40].date=2024-07-01"], "no such event"),
        (["sweep", BASE, "--param", "mines.killed_mean=1,2", "--outcome", "rung>=4"], "unknown"),
        (
            ["sensitivity", BASE, "--param", "mines.killed_mean=0:1", "--outcome", "mean_tension"]
            + ["--points", "12"],
            "power of 2",
        ),
        (["discover", "nowhere", "--outcome", "highest_rung>=4"], "holds no experiment.sqlite"),
        (["experiment", "missing.toml"], "file not found"),
    ],
)
def test_bad_input_is_one_line_and_status_2(argv, needle, tmp_path, capsys):
    out = tmp_path / "out"
    code = main([*argv, *(["--out", str(out)] if argv[0] in ("sweep", "sensitivity") else [])])
    err = capsys.readouterr().err
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0], err
    assert not out.exists()  # refused before anything is written


@pytest.mark.parametrize(
    "text, needle",
    [
        ('command = "sweep"\n', "scenario = None: required for a sweep"),
        ('command = "dance"\n', "command = 'dance': must be one of run, compare"),
        (
            'command = "run"\nscenario = "baseline_2024"\nreplications = 1\nseed = 1\n'
            "params = {}\n",
            "unknown key for a run",
        ),
        (
            'command = "sweep"\nscenario = "nowhere"\nreplications = 1\nseed = 1\n'
            '[params]\n"mines.killed_mean" = "0:1:2"\n',
            "no such scenario file",
        ),
        (
            'command = "sweep"\nscenario = "baseline_2024"\nreplications = 0\nseed = 1\n'
            '[params]\n"mines.killed_mean" = "0:1:2"\n',
            "replications = 0: must be a whole number from 1 to 1,000,000",
        ),
        (
            'command = "sweep"\nscenario = "baseline_2024"\nreplications = 2\nseed = 1\n'
            '[params]\n"mines.killed_mean" = "0:1:2"\n[output]\nplots = ["fan"]\n',
            "a sweep draws sweep, heatmap, main_effects",
        ),
        (
            'command = "sweep"\nscenario = "baseline_2024"\nreplications = 2\nseed = 1\n'
            '[params]\n"mines.blame_probability" = "0:9:2"\n[output]\nplots = ["heatmap"]\n',
            "--param: mines.blame_probability = 9.0: must be a number in [0, 1]",
        ),
        ("command = [\n", "malformed TOML"),
    ],
)
def test_bad_experiment_files(text, needle, tmp_path, capsys):
    file = tmp_path / "bad.toml"
    file.write_text(text)
    out = tmp_path / "out"
    assert main(["experiment", str(file), "--out", str(out), *FAST]) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0], lines
    assert not out.exists()


def test_discover_refuses_results_that_are_not_a_sweep(tmp_path, capsys):
    out = tmp_path / "run"
    main(["run", BASE, "-n", "3", "--seed", "1", "--out", str(out), *FAST])
    before = (out / "experiment.sqlite").read_bytes()
    assert main(["discover", str(out), "--outcome", "highest_rung>=4"]) == 2
    assert "holds no sweep" in capsys.readouterr().err
    assert (out / "experiment.sqlite").read_bytes() == before  # read-only


def test_sweep_in_a_subprocess_has_no_traceback(tmp_path):
    bad = subprocess.run(
        [sys.executable, "-m", "sim", "sweep", BASE, "--param", "mines.killed_mean=a:b:c"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.count("\n") == 1
    good = subprocess.run(
        [sys.executable, "-m", "sim", "sweep", BASE, "--param", "mines.killed_mean=1,2"]
        + ["-n", "2", "--seed", "1", "--quiet", "--out", "o"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert good.returncode == 0, good.stderr
    assert len(read_csv(tmp_path / "o" / "sweep.csv")) == 2
