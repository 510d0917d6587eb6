"""The command line as a user runs it: in-process through main() and as real subprocesses."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent
BASE = str(ROOT / "scenarios" / "baseline_2024.toml")


def read_csv(path: Path) -> list[dict]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def test_run_writes_every_output(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(
        [
            "run",
            BASE,
            "-n",
            "40",
            "--seed",
            "3",
            "--out",
            str(out),
            "--events",
            "--workers",
            "1",
            "--quiet",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "Forecast 2024-07 to 2024-12" in printed and "P(rung>=3)" in printed
    rows = read_csv(out / "outcomes.csv")
    assert len(rows) == 40 and {r["replication"] for r in rows} == {str(i) for i in range(40)}
    events = read_csv(out / "events.csv")
    assert sum(int(float(r["count_mine_blast"])) for r in rows) == sum(
        e["type"] == "mine_blast" for e in events
    )
    m = json.loads((out / "manifest.json").read_text())
    assert m["root_seed"] == 3 and m["replications"] == 40
    assert m["scenarios"]["baseline_2024"]["mines"]["killed_mean"] == 2.0
    assert "--events" in m["command"]
    for name in ("summary.csv", "forecast.csv", "survival.csv"):
        assert (out / name).stat().st_size > 0
    pngs = {p.name for p in (out / "plots").glob("*.png")}
    assert {"tension_fan.png", "survival_fire.png", "survival_rungs.png"} <= pngs
    days = read_csv(out / "trajectory_summary.csv")
    assert len(days) == 405 and {d["replications"] for d in days} == {"40"}
    assert (out / "experiment.sqlite").stat().st_size > 0


def test_same_seed_same_outcomes_whatever_the_workers(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    # 120 replications make three batches, so two workers really share them
    main(["run", BASE, "-n", "120", "--seed", "11", "--out", str(a), "--workers", "1", "--quiet"])
    main(["run", BASE, "-n", "120", "--seed", "11", "--out", str(b), "--workers", "2", "--quiet"])
    assert (a / "outcomes.csv").read_bytes() == (b / "outcomes.csv").read_bytes()


def test_set_overrides_a_parameter(tmp_path):
    out = tmp_path / "o"
    main(
        [
            "run",
            BASE,
            "-n",
            "20",
            "--seed",
            "1",
            "--out",
            str(out),
            "--quiet",
            "--workers",
            "1",
            "--set",
            "grayzone.loudspeaker_posture=off",
            "--set",
            "grayzone.posture_raise_probability_per_wave=0",
        ]
    )
    rows = read_csv(out / "outcomes.csv")
    assert all(float(r["count_loudspeaker_broadcast"]) == 0 for r in rows)


def test_compare_pairs_scenarios(tmp_path, capsys):
    out = tmp_path / "cmp"
    code = main(
        [
            "compare",
            "baseline_2024",
            "loudspeakers_off",
            "-n",
            "30",
            "--seed",
            "5",
            "--out",
            str(out),
            "--quiet",
            "--workers",
            "1",
        ]
    )
    assert code == 0
    assert "loudspeakers_off" in capsys.readouterr().out
    rows = read_csv(out / "outcomes.csv")
    assert {r["scenario"] for r in rows} == {"baseline_2024", "loudspeakers_off"}
    assert (out / "compare.csv").exists()


def test_trace_is_reproducible_and_shows_chains(capsys):
    main(["trace", "baseline_2024", "--seed", "7", "--replication", "42"])
    first = capsys.readouterr().out
    main(["trace", "baseline_2024", "--seed", "7", "--replication", "42"])
    assert capsys.readouterr().out == first
    assert "<- #" in first and "mdl_crossing" in first


def test_trace_marks_injected_events_and_their_consequences(capsys):
    """The fork's probe is marked injected and deliberate; what it sets off cites it."""
    main(["trace", "fork_probe_aug2024", "--seed", "7", "--replication", "3"])
    lines = capsys.readouterr().out.splitlines()
    probe = next(line for line in lines if " mdl_crossing [central]" in line and "injected" in line)
    assert "2024-08-20 10:00" in probe and "(deliberate, injected)" in probe
    number = probe.split()[0]  # "#123"
    assert any(f"<- {number} mdl_crossing (injected)" in line for line in lines)


def test_an_episode_runs_and_reports_where_escalation_came_from(tmp_path, capsys):
    """An episode of 2015 runs like any scenario; its table gives the shares of armed events
    by intent, and no forecast for 2024 (its horizon does not reach it)."""
    out = tmp_path / "aug2015"
    assert main(["run", "aug2015", "-n", "60", "--seed", "1", "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "share_deliberate" in printed and "share_misread" in printed
    assert "Forecast 2024" not in printed
    rows = read_csv(out / "summary.csv")
    shares = {r["outcome"]: r for r in rows if r["outcome"].startswith("share_")}
    assert set(shares) == {"share_deliberate", "share_misread", "share_accident"}
    armed = sum(float(r["armed_events"]) for r in read_csv(out / "outcomes.csv"))
    if armed:  # the planted mine makes every armed event of the episode deliberate
        assert float(shares["share_deliberate"]["mean"]) == 1.0


def test_scenarios_lists_every_bundled_file(capsys):
    main(["scenarios"])
    listed = capsys.readouterr().out
    for f in (ROOT / "scenarios").glob("*.toml"):
        assert f.stem in listed


def test_validate_prints_resolved_scenario(capsys):
    assert main(["validate", str(ROOT / "scenarios" / "hotline.toml"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[0]["diplomacy"]["hotline_working"] is True
    assert data[0]["mines"]["killed_mean"] == 2.0  # inherited from the baseline


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["run", "no_such_scenario"], "no such scenario"),
        (["run", BASE, "--set", "mines.kiled_mean=1"], "killed_mean"),
        (["run", BASE, "--set", "mines.blame_probability=1.5"], "mines.blame_probability"),
        (["run", BASE, "--set", "grayzone.leaflet_rate_per_day=-1"], "leaflet_rate_per_day"),
        (["run", BASE, "-n", "0"], "-n"),
        (["run", BASE, "--workers", "-1"], "--workers"),
        (["run", BASE, "--backend", "threads"], "--backend"),
        (["run", BASE, "--batch-size", "-1"], "--batch-size"),
        (["run", BASE, "--precision", "0.7"], "--precision"),
        (["run", BASE, "--precision", "0.1", "--max-replications", "0"], "--max-replications"),
        (["run", BASE, "--scheduler", "tcp://127.0.0.1:1"], "--scheduler"),
        (["compare", BASE], "at least two"),
        (["validate", BASE, "--set", "start_date=2024-13-01"], "start_date"),
    ],
)
def test_bad_input_is_one_line_and_status_2(argv, needle, capsys, tmp_path):
    out = tmp_path / "never"
    try:
        code = main([*argv, "--out", str(out)] if argv[0] in ("run", "compare") else argv)
    except SystemExit as usage:  # argparse's own errors (e.g. an unknown --backend)
        code = usage.code
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert needle in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()


def test_bad_scenario_file_in_a_subprocess(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "' + BASE + '"\n[mines]\nkilled_mean = "many"\n')
    p = subprocess.run(
        [sys.executable, "-m", "sim", "validate", str(bad)], capture_output=True, text=True
    )
    assert p.returncode == 2
    assert "mines.killed_mean" in p.stderr and str(bad) in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1


def test_usage_error_in_a_subprocess():
    p = subprocess.run([sys.executable, "-m", "sim", "run"], capture_output=True, text=True)
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1


def test_bad_input_does_not_touch_existing_results(tmp_path):
    out = tmp_path / "keep"
    main(["run", BASE, "-n", "10", "--seed", "2", "--out", str(out), "--quiet", "--workers", "1"])
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    code = main(
        [
            "run",
            BASE,
            "-n",
            "10",
            "--seed",
            "2",
            "--out",
            str(out),
            "--quiet",
            "--set",
            "mines.killed_mean=-3",
        ]
    )
    assert code == 2
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_an_unseeded_run_records_the_seed_that_repeats_it(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    main(["run", BASE, "-n", "15", "--out", str(a), "--workers", "1"])
    seed = json.loads((a / "manifest.json").read_text())["root_seed"]
    assert f"--seed {seed}" in capsys.readouterr().err
    main(["run", BASE, "-n", "15", "--seed", str(seed), "--out", str(b), "--workers", "1"])
    assert (a / "outcomes.csv").read_bytes() == (b / "outcomes.csv").read_bytes()


def test_every_option_of_every_command_has_help():
    import argparse

    from sim.cli import build_parser

    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    missing = [
        (name, a.option_strings or a.dest)
        for name, sp in sub.choices.items()
        for a in sp._actions
        if not isinstance(a, argparse._HelpAction) and not a.help
    ]
    assert not missing


def test_short_options_stand_for_the_long_ones(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    common = [str(ROOT / "scenarios" / "hotline.toml"), "-n", "4", "--backend", "serial"]
    assert main(["run", *common, "-s", "3", "-o", str(a), "-q", "--plots", "none"]) == 0
    assert main(["run", *common, "--seed", "3", "--out", str(b), "--quiet", "--plots", "none"]) == 0
    assert (a / "outcomes.csv").read_bytes() == (b / "outcomes.csv").read_bytes()
