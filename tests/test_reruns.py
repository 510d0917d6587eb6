"""Re-runs that behave and fast starts (issue 11, items 4 and 5): distinct default folders, an
identical re-run reprints, --resume with nothing stored starts, --plots none, events.csv
written from the batches (the same bytes after an interruption, and as the old path wrote
them), the progress log off a terminal, and the closed-form quantiles against scipy."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import random
import sqlite3
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from stores import store_rows

import sim
from sim.analysis.stats import norm_ppf, t_ppf
from sim.analysis.survival import kaplan_meier
from sim.cli import main
from sim.experiment import backends, engine, eventlog, outputs
from sim.experiment.progress import INTERVAL_VARIABLE, Progress
from sim.experiment.store import STORE_NAME, Store
from sim.model.events import EVENT_FIELDS, Event
from sim.model.replication import run_replication
from sim.scenario.loader import load_scenario, scenario_to_toml

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
FAST = ["--backend", "serial", "--plots", "none", "--quiet"]
RUN = ["run", "baseline_2024", "--seed", "7", *FAST]


def read_csv(path: Path) -> list[dict]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def batches(folder: Path) -> int:
    return store_rows(folder, "SELECT COUNT(*) FROM batches")[0][0]


# --- default folders ----------------------------------------------------------------------
def test_the_readme_compares_get_folders_of_their_own(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    commands = [
        ["compare", "baseline_2024", "hotline"],
        ["compare", "baseline_2024", "hardline_roe", "loudspeakers_off"],
        ["compare", "baseline_2024", "fork_probe_aug2024"],
    ]
    for command in commands:
        assert main([*command, "-n", "2", "--seed", "7", *FAST]) == 0
    folders = sorted(p.name for p in (tmp_path / "results").iterdir())
    assert folders == [
        "compare-baseline_2024-fork_probe_aug2024-n2-seed7",
        "compare-baseline_2024-hardline_roe-loudspeakers_off-n2-seed7",
        "compare-baseline_2024-hotline-n2-seed7",
    ]
    # a command that changes a scenario gets a folder of its own too, named by a hash
    assert main([*RUN, "-n", "2", "--set", "mines.killed_mean=1"]) == 0
    assert main([*RUN, "-n", "2"]) == 0
    runs = sorted(p.name for p in (tmp_path / "results").glob("baseline_2024-*"))
    assert len(runs) == 2 and runs[0] == "baseline_2024-n2-seed7"
    assert runs[1].startswith("baseline_2024-n2-seed7-") and len(runs[1]) == len(runs[0]) + 9


def test_long_names_are_shortened_with_a_hash():
    base = load_scenario(ROOT / "scenarios" / "baseline_2024.toml")
    names = [f"what_if_number_{i}" for i in range(8)]
    exp = engine.Experiment("compare", tuple(base.__class__(**{**base.__dict__, "name": n})
                                            for n in names), 7)  # fmt: skip
    name = engine.folder_name(["compare", *names], exp, 100)
    assert name.startswith("compare-what_if_number_0-") and "-and-" in name
    assert name.endswith(f"-n100-seed7-{exp.fingerprint()[:8]}")
    assert len(name) <= engine.NAME_CHARS + len("-n100-seed7-12345678")
    other = engine.Experiment("compare", exp.scenarios, 8)
    assert engine.folder_name(["compare", *names], other, 100) != name


# --- re-runs --------------------------------------------------------------------------------
def test_an_identical_rerun_reprints_and_runs_nothing(tmp_path, capsys):
    out = str(tmp_path / "r")
    argv = ["run", "baseline_2024", "-n", "4", "--seed", "7", "--backend", "serial"]
    argv += ["--plots", "none", "--out", out]
    assert main(argv) == 0
    first = capsys.readouterr()
    before = (Path(out) / "outcomes.csv").read_bytes()
    stored = batches(Path(out))
    (Path(out) / "outcomes.csv").unlink()  # a lost output comes back from the store
    assert main(argv) == 0
    again = capsys.readouterr()
    assert again.out == first.out  # the same tables, printed again
    assert "already holds this experiment, complete (4 replications" in again.err
    assert "Traceback" not in again.err
    assert (Path(out) / "outcomes.csv").read_bytes() == before
    assert batches(Path(out)) == stored  # nothing ran
    manifest = json.loads((Path(out) / "manifest.json").read_text())
    assert manifest["rewritten"] and manifest["replications"] == 4
    # a different experiment in the folder is still refused, in one line, unless --force
    other = [a if a != "7" else "8" for a in argv]
    assert main([*other, "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "different experiment" in err[0] and "--force" in err[0]
    assert main([*other, "--force"]) == 0


def test_a_complete_store_without_the_record_of_its_request_reprints(tmp_path, capsys):
    """A store of an older dmzsim, or one stopped while its outputs were written: it holds
    replications 0..n-1 of every scenario, so an identical command has nothing to run."""
    out = tmp_path / "o"
    assert main([*RUN, "-n", "3", "--out", str(out)]) == 0
    con = sqlite3.connect(out / STORE_NAME)
    with con:
        con.execute("DELETE FROM experiment WHERE key = 'completed'")
    con.close()
    stored = batches(out)
    assert main([*RUN[:-1], "-n", "3", "--out", str(out)]) == 0
    assert "already holds this experiment, complete" in capsys.readouterr().err
    assert batches(out) == stored


def test_a_rerun_of_a_stopped_run_still_asks_for_resume(tmp_path, capsys):
    out = tmp_path / "s"
    assert main([*RUN, "-n", "3", "--out", str(out)]) == 0
    assert main([*RUN, "-n", "6", "--out", str(out), "--resume"]) == 0
    assert main([*RUN, "-n", "3", "--out", str(out)]) == 2  # it holds 6 now, not 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--resume" in err[0]
    assert main([*RUN, "-n", "6", "--out", str(out)]) == 0  # complete for -n 6: reprints


def test_resume_with_nothing_stored_starts_the_run(tmp_path, capsys):
    out = tmp_path / "new"
    argv = ["run", "baseline_2024", "-n", "3", "--seed", "7", "--backend", "serial"]
    assert main([*argv, "--plots", "none", "--out", str(out), "--resume"]) == 0
    err = capsys.readouterr().err
    assert "nothing is stored" in err and "starting the run" in err
    assert len(read_csv(out / "outcomes.csv")) == 3
    # without --seed either: a seed is drawn, and said
    drawn = tmp_path / "drawn"
    assert main(["run", "baseline_2024", "-n", "2", "--backend", "serial", "--plots", "none",
                 "--out", str(drawn), "--resume"]) == 0  # fmt: skip
    err = capsys.readouterr().err
    assert "no stored experiment found" in err and "(drawn; pass --seed" in err
    assert len(read_csv(drawn / "outcomes.csv")) == 2


# --- fast starts ----------------------------------------------------------------------------
def test_plots_none_draws_nothing_and_imports_neither_scipy_nor_matplotlib(tmp_path):
    out = tmp_path / "p"
    code = (
        "import sys\nfrom sim.cli import main\n"
        f"code = main({[*RUN, '-n', '2', '--out', str(out)]!r})\n"
        "print(code, 'scipy' in sys.modules, 'matplotlib' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=ENV, capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-3:] == ["0", "False", "False"]
    assert not (out / "plots").exists() and (out / "outcomes.csv").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["replications"] == 2


def test_the_done_line_comes_last_and_covers_the_outputs(tmp_path, capsys):
    argv = ["run", "baseline_2024", "-n", "3", "--seed", "7", "--backend", "serial"]
    assert main([*argv, "--plots", "tension_fan", "--out", str(tmp_path / "d")]) == 0
    lines = capsys.readouterr().err.strip().splitlines()
    writing = [line for line in lines if line.startswith("writing ")]
    assert writing[0] == "writing outcomes.csv" and "writing plots/tension_fan.png" in writing
    assert writing[-1] == "writing manifest.json"
    done = lines[-1]
    assert done.startswith("3 replications x 1 scenario(s) on serial") and "outputs" in done
    assert lines.index(writing[-1]) < len(lines) - 1
    assert {p.name for p in (tmp_path / "d" / "plots").iterdir()} == {"tension_fan.png"}


def test_progress_log_off_a_terminal(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(INTERVAL_VARIABLE, "0")  # a line at every batch
    argv = ["run", "baseline_2024", "-n", "6", "--seed", "7", "--backend", "serial"]
    assert main([*argv, "--batch-size", "2", "--plots", "none", "--out", str(tmp_path / "l")]) == 0
    log = [line for line in capsys.readouterr().err.splitlines() if line.startswith("progress:")]
    assert log[0].startswith("progress: 2/6 replications (33%), ") and "left" in log[0]
    assert "replications/s" in log[0] and len(log) == 2  # 2/6 and 4/6; the done line says 6
    assert main([*argv, "--batch-size", "2", "--quiet", "--out", str(tmp_path / "q")]) == 0
    assert capsys.readouterr().err == ""


def test_progress_line_and_interval():
    stream = io.StringIO()
    p = Progress(4000, stream=stream, interval=3600.0)
    p.update(1200)
    assert stream.getvalue() == ""  # not yet: one line per interval
    assert (
        p.line(14.0)
        == "progress: 1200/4000 replications (30%), 85.7 replications/s, about 33 s left"
    )
    assert "about 4 min 40 s left" in p.line(120.0)


# --- events ---------------------------------------------------------------------------------
class StopsAfter:
    """A serial backend that yields its batches out of order and is stopped after ``k``."""

    name, workers = "serial", 1

    def __init__(self, k: int) -> None:
        self.k = k

    def map_unordered(self, fn, tasks):
        tasks = list(tasks)
        random.Random(3).shuffle(tasks)
        for i, task in enumerate(tasks):
            if i == self.k:
                raise KeyboardInterrupt
            yield fn(task)

    def close(self) -> None:
        pass


def test_events_csv_is_the_same_after_an_interruption(tmp_path, monkeypatch, capsys):
    argv = ["compare", "baseline_2024", "hotline", "-n", "12", "--seed", "3", "--events"]
    argv += ["--batch-size", "3", *FAST]
    whole, stopped = tmp_path / "whole", tmp_path / "stopped"
    assert main([*argv, "--out", str(whole)]) == 0
    monkeypatch.setattr(backends, "make_backend", lambda *a: StopsAfter(3))
    with pytest.raises(SystemExit) as stop:
        main([*argv, "--out", str(stopped)])
    assert stop.value.code == 130 and batches(stopped) == 3
    monkeypatch.undo()
    assert main([*argv, "--out", str(stopped), "--resume"]) == 0
    assert (stopped / "events.csv").read_bytes() == (whole / "events.csv").read_bytes()
    rows = read_csv(whole / "events.csv")
    assert {r["scenario"] for r in rows} == {"baseline_2024", "hotline"}
    # the store keeps codes in packed records; Results.events reads them back with names
    con = sqlite3.connect(f"file:{whole / STORE_NAME}?mode=ro", uri=True)
    try:
        columns = {r[1]: r[2] for r in con.execute("PRAGMA table_info(replication_events)")}
        assert columns == {"scenario": "INTEGER", "replication": "INTEGER", "events": "BLOB"} | {
            "rows": "TEXT"
        }
        (sectors,) = con.execute("SELECT group_concat(name) FROM event_sectors").fetchone()
        assert {"west", "central", "east"} <= set(sectors.split(","))
        (size,) = con.execute("SELECT sum(length(events)) FROM replication_events").fetchone()
    finally:
        con.close()
    assert size == len(rows) * eventlog.EVENT_RECORD.itemsize
    frame = sim.open_results(whole).events
    assert len(frame) == len(rows)
    stored = frame[frame["scenario"] == "hotline"].astype(object).itertuples(index=False)
    mine = [tuple(r.values()) for r in rows if r["scenario"] == "hotline"]
    assert [tuple(str(outputs.csv_value(v)) for v in row) for row in stored] == mine


def test_events_csv_is_what_the_old_path_wrote(tmp_path):
    """The old path: every event a row of an ``events`` table of plain values, read back and
    written with ``csv.DictWriter``; the new rows must be the same bytes."""
    base = load_scenario(ROOT / "scenarios" / "baseline_2024.toml")
    scenarios = [base, load_scenario(ROOT / "scenarios" / "hardline_roe.toml")]
    fields = ", ".join(f'"{f}"' for f in EVENT_FIELDS)
    old = Store(tmp_path / "old.sqlite")
    new = Store(tmp_path / "new.sqlite")
    for store in (old, new):
        store.claim(
            "t", [(s.name, s.start_date, s.horizon_days, scenario_to_toml(s)) for s in scenarios]
        )
    old.con.execute(
        f"CREATE TABLE events (scenario TEXT NOT NULL, replication INTEGER NOT NULL, {fields})"
    )
    from sim.experiment.batch import Task, reduce_results

    for i, s in enumerate(scenarios):
        results = [run_replication(s, 5, k, keep_events=True) for k in range(6)]
        marks = ", ".join("?" * (2 + len(EVENT_FIELDS)))
        with old.con:
            old.con.executemany(
                f"INSERT INTO events VALUES ({marks})",
                [(s.name, r.replication, *ev) for r in results for ev in r.events],
            )
        for chunk in (results[3:], results[:3]):
            batch = reduce_results(Task(i, s, 5, tuple(r.replication for r in chunk), True), chunk)
            new.write_batch(s.name, 5, batch, keep_events=True)
    names = [s.name for s in scenarios][::-1]
    a = outputs.export_events_csv(old, tmp_path / "old.csv", names).read_bytes()
    b = outputs.export_events_csv(new, tmp_path / "new.csv", names).read_bytes()
    assert a == b and a.count(b"\r\n") > 12
    old.close()
    new.close()


@pytest.mark.parametrize("scenario", ["plain", "with, comma", 'with "quotes"', "line\nbreak"])
def test_event_rows_match_the_csv_module(scenario):
    events = [
        Event(0, 0, "heavy_rain", "nature", "", 0, 0.0, 0, 0, -1, "", 0.0, False, "accident"),
        Event(
            1,
            1.5,
            "warning_shots",
            'R,"OK"',
            "west, central",
            3,
            2.25,
            1,
            2,
            0,
            "138",
            -7.2,
            True,
            "deliberate",
        ),  # fmt: skip
        Event(2, 7.0, "retreat", "DPRK", "east", 2, 1e-300, 0, 0, 1, "0874", 10.0, False, ""),
        Event(3, 3e16, "treaty", "DPRK", "east", 0, -0.0, 0, 0, -1, "057", 8.0, False, "x"),
        Event(
            4, np.float64(2.5), "talks", "ROK", "", 0, float("nan"), 0, 0, 3, "046", 7.0, False, "x"
        ),  # fmt: skip
    ]
    plain = events[1:3]  # floats that are not whole: the quick path
    logs = [(4, events), (5, []), (6, events[:1]), (7, plain)]
    batch = eventlog.encode(scenario, logs)
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=["scenario", "replication", *EVENT_FIELDS])
    for rep, evs in logs:
        for ev in evs:
            row = {"scenario": scenario, "replication": rep, **ev._asdict()}
            writer.writerow({k: outputs.csv_value(v) for k, v in row.items()})
    assert "".join(batch.csv_rows) == buf.getvalue()
    assert batch.csv_rows[1] == "" and len(batch) == len(events) + 1 + len(plain)
    labels = batch.labels
    actors = [e.actor for _, evs in logs for e in evs]
    assert [labels["actor"][c] for c in batch.records["actor"]] == actors


# --- closed-form quantiles against scipy ----------------------------------------------------
P = (1e-6, 0.001, 0.025, 0.05, 0.1, 0.3, 0.5, 0.5000001, 0.75, 0.9, 0.95, 0.975, 0.99, 0.995,
     0.9995, 1 - 1e-6)  # fmt: skip
TAILS = (1e-300, 1e-10, 1 - 1e-10, 1 - 2**-52)


def test_normal_quantile_against_scipy():
    for p in (*P, *TAILS, *np.linspace(0.0001, 0.9999, 997)):
        assert norm_ppf(float(p)) == pytest.approx(stats.norm.ppf(p), rel=1e-13, abs=1e-14)
    assert norm_ppf(0.975) == pytest.approx(1.959963984540054, abs=1e-15)
    with pytest.raises(ValueError):
        norm_ppf(1.0)


@pytest.mark.parametrize(
    "df", [*range(1, 41), 57, 99, 150, 200, 299, 300, 301, 350, 1000, 10**4, 10**6]
)
def test_t_quantile_against_scipy(df):
    for p in P:  # 1e-9 where intervals live; 1e-6 (the brief's bound) in the far tails
        assert t_ppf(p, df) == pytest.approx(stats.t.ppf(p, df), rel=1e-9, abs=1e-9), (df, p)
    for p in (1e-10, 1 - 1e-10):
        assert t_ppf(p, df) == pytest.approx(stats.t.ppf(p, df), rel=1e-6), (df, p)


def test_t_quantile_rejects_fractional_degrees_of_freedom():
    with pytest.raises(ValueError):
        t_ppf(0.975, 2.5)
    with pytest.raises(ValueError):
        t_ppf(0.975, 0)


def test_kaplan_meier_is_scipys_ecdf():
    rng = np.random.default_rng(11)
    for trial in range(60):
        n = int(rng.integers(1, 200))
        times = rng.integers(0, 40, size=n).astype(float) if trial % 2 else rng.exponential(15, n)
        times[times > 30] = np.nan
        curve = kaplan_meier(times, 30.0, confidence=0.9)
        seen = times[~np.isnan(times)]
        if seen.size == 0:
            continue
        data = stats.CensoredData(uncensored=seen, right=np.full(n - seen.size, 30.0))
        sf = stats.ecdf(data).sf
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            ci = sf.confidence_interval(0.9, method="log-log")
        at = sf.quantiles
        np.testing.assert_array_equal(curve.evaluate(at), sf.probabilities)
        lo, hi = curve.band(at)
        inner = (sf.probabilities > 0) & (sf.probabilities < 1)
        np.testing.assert_allclose(lo[inner], ci.low.probabilities[inner], rtol=1e-12)
        np.testing.assert_allclose(hi[inner], ci.high.probabilities[inner], rtol=1e-12)
        assert math.isclose(curve.n, n)
