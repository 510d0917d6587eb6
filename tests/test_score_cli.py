"""`dmzsim score` end to end: a small run scored against the shipped record, and bad input."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent
BASE = str(ROOT / "scenarios" / "baseline_2024.toml")
OBSERVED = str(ROOT / "sim" / "data" / "events_2023-11_to_2024-06.csv")
# end_date must stay after the last timeline event of baseline_2024 (2024-08-19)
END = "end_date=2024-08-31"
REQUIRED = (
    "scenario quantity observed mean median p05 p95 pit crps crps_persistence "
    "skill_persistence crps_climatology skill_climatology rps brier"
).split()
JUNE_WINDOW = ["--from", "2024-06-01", "--to", "2024-06-30"]


def read_csv(path: Path) -> list[dict]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def simulate(out: Path, *scenarios: str, n: int = 40) -> Path:
    command = "compare" if len(scenarios) > 1 else "run"
    argv = [command, *scenarios, "-n", str(n), "--seed", "3", "--out", str(out), "--quiet"]
    assert main([*argv, "--set", END, "--backend", "serial"]) == 0
    return out


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    return simulate(tmp_path_factory.mktemp("score") / "run", BASE)


def score(results: Path, first: str, last: str, *more: str) -> int:
    return main(
        ["score", str(results), "--observed", OBSERVED, "--from", first, "--to", last, *more]
    )


def test_score_june_2024(results, tmp_path, capsys):
    out = tmp_path / "scored"
    assert score(results, "2024-06-01", "2024-06-30", "--out", str(out)) == 0
    printed = capsys.readouterr().out
    assert "mdl_crossing 2024-06" in printed and "highest rung" in printed
    assert max(len(line) for line in printed.splitlines() if not line.startswith("#")) <= 100
    rows = read_csv(out / "score.csv")
    assert set(REQUIRED) <= set(rows[0])
    by = {r["quantity"]: r for r in rows}
    assert by["mdl_crossing 2024-06"]["observed"] == "3"
    assert by["balloon_wave 2024-06"]["observed"] == "6"  # waves 2-7 (wave 1: 2024-05-28)
    assert by["warning_shots 2024-06"]["observed"] == "3"
    assert by["P(fire)"]["observed"] == "0" and by["highest rung"]["observed"] == "3"
    assert "mdl_crossing total" not in by  # a one-month window has no separate total
    for r in rows:
        assert r["scenario"] == "baseline_2024" and r["replications"] == "40"
        assert 0.0 <= float(r["pit"]) <= 1.0 and 0.0 <= float(r["pit_random"]) <= 1.0
        assert float(r["crps"]) >= 0.0
        assert float(r["p05"]) <= float(r["median"]) <= float(r["p95"])
        assert r["crps_persistence"] != ""  # the record runs from before the window
    crossing = by["mdl_crossing 2024-06"]
    assert crossing["crps_climatology"] != "" and crossing["skill_climatology"] != ""
    assert float(crossing["crps_persistence"]) == 3.0  # no crossing before June: Poisson(0)
    assert by["P(fire)"]["brier"] != "" and by["mdl_crossing 2024-06"]["brier"] == ""
    for name in ("score_pit.png", "score_intervals.png"):
        assert (out / "plots" / name).stat().st_size > 0
    assert not (results / "score.csv").exists()  # --out: the results folder is left alone


def test_several_months_and_no_persistence_at_the_record_start(results, capsys):
    assert score(results, "2023-11-23", "2024-01-31") == 0
    rows = read_csv(results / "score.csv")
    quantities = {r["quantity"] for r in rows}
    assert {"mdl_crossing 2023-11", "mdl_crossing 2024-01", "mdl_crossing total"} <= quantities
    nov = next(r for r in rows if r["quantity"] == "mdl_crossing 2023-11")
    assert nov["days"] == "8"  # 2023-11-23..30: the scenario starts on the 23rd
    # the window starts at the scenario's start: there is no past to persist
    assert all(r["crps_persistence"] == "" and r["skill_persistence"] == "" for r in rows)
    assert "no persistence" in capsys.readouterr().out


def test_a_compare_folder_is_scored_per_scenario(tmp_path, capsys):
    folder = simulate(tmp_path / "cmp", BASE, "loudspeakers_off", n=8)
    assert score(folder, "2024-05-01", "2024-06-30") == 0
    rows = read_csv(folder / "score.csv")
    assert {r["scenario"] for r in rows} == {"baseline_2024", "loudspeakers_off"}
    a = [r["quantity"] for r in rows if r["scenario"] == "baseline_2024"]
    b = [r["quantity"] for r in rows if r["scenario"] == "loudspeakers_off"]
    assert a == b and "balloon_wave total" in a


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--from", "2024-06-31", "--to", "2024-06-30"], "--from"),
        (["--from", "2024-06-01", "--to", "June"], "--to"),
        (["--from", "2024-06-30", "--to", "2024-06-01"], "must not be after --to"),
        (["--from", "2024-09-01", "--to", "2024-09-30"], "outside the simulated span"),
        (["--from", "2023-10-01", "--to", "2023-12-31"], "outside the simulated span"),
        (["--from", "2024-06-02", "--to", "2024-06-30"], "month's first day"),
        (["--from", "2024-06-01", "--to", "2024-06-29"], "month's last day"),
        (["--from", "2024-07-01", "--to", "2024-07-31"], "after the record's last month"),
    ],
)
def test_bad_windows(results, capsys, argv, needle):
    before = {p: p.stat().st_mtime_ns for p in results.rglob("*")}
    code = main(["score", str(results), "--observed", OBSERVED, *argv])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("dmzsim score: error: ") and needle in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert {p: p.stat().st_mtime_ns for p in results.rglob("*")} == before


def _bad_record(tmp_path: Path, kind: str) -> Path:
    lines = open(OBSERVED, encoding="utf-8").read().splitlines()
    path = tmp_path / f"{kind}.csv"
    if kind == "column":
        lines = [",".join(h for h in lines[0].split(",") if h != "response")] + lines[1:2]
    elif kind == "date":
        lines = [lines[0], lines[1].replace("2023-11-21", "2023-11-31", 1)]
    elif kind == "type":
        lines = [lines[0], lines[1].replace("trigger_satellite_launch", "alien_landing", 1)]
    elif kind == "binary":
        path.write_bytes(b"\x00\xff\xfe" * 20)
        return path
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("kind", "needle"),
    [
        ("column", "response"),
        ("date", "line 2: date = '2023-11-31'"),
        ("type", "line 2: event_type = 'alien_landing'"),
        ("binary", "binary.csv"),
        ("missing", "no such file"),
    ],
)
def test_bad_observed_files(results, tmp_path, capsys, kind, needle):
    observed = _bad_record(tmp_path, kind) if kind != "missing" else tmp_path / "none.csv"
    before = {p: p.stat().st_mtime_ns for p in results.rglob("*")}
    code = main(["score", str(results), "--observed", str(observed), *JUNE_WINDOW])
    err = capsys.readouterr().err
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert {p: p.stat().st_mtime_ns for p in results.rglob("*")} == before


def test_not_a_results_folder(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    plain = tmp_path / "file.txt"
    plain.write_text("hello")
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "experiment.sqlite").write_text("not a database")
    for folder, needle in ((empty, "not a dmzsim results folder"), (plain, "not a folder"),
                           (fake, "not a dmzsim experiment store")):  # fmt: skip
        code = main(["score", str(folder), "--observed", OBSERVED, *JUNE_WINDOW])
        err = capsys.readouterr().err
        assert code == 2 and needle in err and len(err.strip().splitlines()) == 1, err
        assert not (folder / "score.csv").exists() if folder.is_dir() else True


def test_bad_input_in_a_subprocess(tmp_path):
    p = subprocess.run(
        [sys.executable, "-m", "sim", "score", str(tmp_path), "--observed", OBSERVED] + JUNE_WINDOW,
        capture_output=True,
        text=True,
    )
    assert p.returncode == 2 and p.stderr.startswith("dmzsim score: error: ")
    assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr
