"""Nothing written outside the results folder, a --force that replaces only a dmzsim
experiment, one-line answers to store faults (a second process, a damaged store, a full disk)
and bounds on every count the command line takes (issue 12)."""

from __future__ import annotations

import csv
import dataclasses as dc
import errno
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import sim.cli as cli
from sim.errors import InputError
from sim.experiment import engine, outputs
from sim.experiment.design import MAX_POINTS
from sim.experiment.store import STORE_NAME, StoreLock, lock_path

ROOT = Path(__file__).resolve().parent.parent
RUN = ["run", "baseline_2024", "--seed", "3", "--backend", "serial", "--plots", "none"]


def one_error(capsys: pytest.CaptureFixture[str], command: str = "run") -> str:
    """The single line a refused command printed on stderr."""
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"dmzsim {command}: error: ")
    return lines[0]


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def run(*args: str) -> int:
    return cli.main([*args, "--quiet"])


# --- --force replaces only a dmzsim experiment, and only what it wrote -------------------------
def test_force_refuses_a_folder_that_holds_no_experiment(tmp_path, capsys):
    # the example of the issue: `mkdir -p u/plots; echo 1 >u/precious.csv; ... --out u --force`
    u = tmp_path / "u"
    (u / "plots").mkdir(parents=True)
    (u / "precious.csv").write_text("1\n")
    assert run(*RUN, "-n", "5", "--out", str(u), "--force") == 2
    assert "holds no dmzsim experiment" in one_error(capsys)
    assert files_of(u) == {"precious.csv": b"1\n"} and (u / "plots").is_dir()


def test_force_keeps_a_users_extra_files(tmp_path, capsys):
    out = tmp_path / "r"
    assert run(*RUN[:-1], "tension_fan", "-n", "4", "--out", str(out)) == 0
    listed = json.loads((out / "manifest.json").read_text())["files"]
    assert "plots/tension_fan.png" in listed and "outcomes.csv" in listed
    (out / "precious.csv").write_text("mine\n")
    (out / "plots" / "mine.png").write_bytes(b"mine")
    assert run(*RUN[:2], "--seed", "4", "--backend", "serial", "--plots", "none", "-n", "3",
               "--out", str(out), "--force") == 0  # fmt: skip
    assert (out / "precious.csv").read_text() == "mine\n"
    assert (out / "plots" / "mine.png").read_bytes() == b"mine"
    assert not (out / "plots" / "tension_fan.png").exists()  # the old experiment's plot went
    with (out / "outcomes.csv").open(newline="") as fh:
        assert {r["seed"] for r in csv.DictReader(fh)} == {"4"}
    assert not lock_path(out / STORE_NAME).exists()  # released with the store


def test_force_refuses_a_file_that_is_not_a_store_and_leaves_it(tmp_path, capsys):
    out = tmp_path / "r"
    out.mkdir()
    con = sqlite3.connect(out / STORE_NAME)  # someone else's database of the same name
    con.execute("CREATE TABLE notes (text TEXT)")
    con.commit()
    con.close()
    before = files_of(out)
    assert run(*RUN, "-n", "2", "--out", str(out), "--force") == 2
    assert "not a dmzsim experiment store" in one_error(capsys)
    assert files_of(out) == before


def test_the_manifest_lists_every_file_written(tmp_path):
    out = tmp_path / "r"
    assert run(*RUN[:-1], "highest_rung", "-n", "3", "--out", str(out), "--report") == 0
    listed = set(json.loads((out / "manifest.json").read_text())["files"])
    assert listed == set(files_of(out)) - {STORE_NAME}
    assert {"report.html", "plots/highest_rung.png", "manifest.json"} <= listed


# --- every file lands inside the results folder ------------------------------------------------
def test_a_path_out_of_the_folder_is_refused(tmp_path):
    root = tmp_path / "o" / "cmp"
    root.mkdir(parents=True)
    with outputs.results_folder(root):
        with outputs.atomic_open(root / "inside.csv") as fh:
            fh.write("ok\n")
        for bad in ("summary_x/../../PWN.csv", "../PWN.csv", str(tmp_path / "PWN.csv"), ".."):
            with pytest.raises(InputError, match="outside the results folder"):
                outputs.atomic_open(root / bad).__enter__()
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["cmp"]
    assert sorted(p.name for p in root.iterdir()) == ["inside.csv"]


def test_a_scenario_name_cannot_lead_compare_out_of_its_folder(tmp_path, capsys, monkeypatch):
    # the scenario loader refuses such names; this is the second line of defence
    real = cli.load

    def load(arg, overrides):
        s = real("baseline_2024", overrides)
        return dc.replace(s, name="x/../../PWN") if arg == "evil" else s

    monkeypatch.setattr(cli, "load", load)
    monkeypatch.setattr(
        cli, "scenario_path", lambda arg: cli.bundled.find_scenario("baseline_2024")
    )
    o = tmp_path / "o"
    argv = ["compare", "baseline_2024", "evil", "-n", "2", "--seed", "1", "--backend", "serial",
            "--plots", "none", "--out", str(o / "cmp")]  # fmt: skip
    assert run(*argv) == 2
    line = one_error(capsys, "compare")
    assert "PWN" in line and "outside the results folder" in line
    assert not (o / "PWN.csv").exists()
    assert sorted(p.name for p in o.iterdir()) == ["cmp"]


def test_a_default_folder_name_is_one_folder():
    s = cli.load("baseline_2024", [])
    exp = engine.Experiment("run", (dc.replace(s, name="x/../../PWN"),), 1)
    name = engine.folder_name(["x/../../PWN"], exp, 5)
    assert "/" not in name and Path("results", name).parent == Path("results")


# --- --out that is not a writable folder -------------------------------------------------------
@pytest.mark.parametrize("where", ["file", "/dev/null", "/proc/sys/dmzsim-test", "/proc/1/x/y"])
def test_out_that_is_not_a_folder_is_one_line(tmp_path, capsys, where):
    out = tmp_path / "a-file" if where == "file" else Path(where)
    if where == "file":
        out.write_text("keep")
    assert run(*RUN, "-n", "2", "--out", str(out)) == 2
    assert "--out" in one_error(capsys)
    if where == "file":
        assert out.read_text() == "keep"


def test_out_in_a_read_only_folder_is_one_line(tmp_path, capsys, monkeypatch):
    ro = tmp_path / "ro"
    ro.mkdir()
    if os.geteuid() == 0:  # root writes anywhere: make the folder refuse as a 0o555 one would
        real_open = os.open

        def refusing_open(path, flags, *args, **kwargs):
            if Path(path).parent == ro and flags & os.O_CREAT:
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", refusing_open)
    ro.chmod(0o555)
    try:
        assert run(*RUN, "-n", "2", "--out", str(ro)) == 2
        line = one_error(capsys)
        assert "cannot write into it" in line and "Permission denied" in line
        assert list(ro.iterdir()) == []
    finally:
        ro.chmod(0o755)


# --- store faults ----------------------------------------------------------------------------
def test_a_second_process_on_the_same_store_is_refused(tmp_path, capsys):
    out = tmp_path / "busy"
    cmd = [sys.executable, "-m", "sim", *RUN, "-n", "100000", "--out", str(out), "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not (lock_path(out / STORE_NAME).exists() and (out / STORE_NAME).exists()):
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "the first run never took its lock"
            time.sleep(0.05)
        for flag in ("--resume", "--force"):
            assert run(*RUN, "-n", "100000", "--out", str(out), flag) == 2
            line = one_error(capsys)
            assert "in use by another dmzsim process" in line and f"pid {proc.pid}" in line
        assert proc.poll() is None and (out / STORE_NAME).exists()  # --force removed nothing
    finally:
        proc.kill()
        proc.wait(timeout=60)
        if proc.stderr:
            proc.stderr.close()


def test_a_store_still_being_made_by_another_process_is_in_use_not_foreign(tmp_path, capsys):
    # the window CI once hit: the first run holds the lock and has made the store file, but
    # not yet its tables; a second run reading the store then must say "in use", not "not a
    # dmzsim experiment store". flock locks belong to an open file, so this process's own
    # StoreLock conflicts with the run below just as another process's would.
    out = tmp_path / "busy"
    out.mkdir()
    lock = StoreLock(out / STORE_NAME)
    try:
        sqlite3.connect(out / STORE_NAME).close()  # a file with no tables yet
        before = files_of(out)
        for flag in ((), ("--resume",), ("--force",)):
            assert run(*RUN, "-n", "5", "--out", str(out), *flag) == 2
            line = one_error(capsys)
            assert "in use by another dmzsim process" in line and f"pid {os.getpid()}" in line
            assert files_of(out) == before
    finally:
        lock.release()
    assert run(*RUN, "-n", "5", "--out", str(out), "--force") == 2  # free: now truly foreign
    assert "is not a dmzsim experiment store" in one_error(capsys)


def test_a_damaged_store_is_refused_and_left_as_it_was(tmp_path, capsys):
    out = tmp_path / "r"
    assert run(*RUN, "-n", "5", "--out", str(out)) == 0
    store = out / STORE_NAME
    data = bytearray(store.read_bytes())
    middle = len(data) // 2
    data[middle - 8192 : middle + 8192] = os.urandom(16384)  # garbage over pages mid-file
    store.write_bytes(bytes(data))
    for extra in (["--resume"], [], ["-n", "9", "--resume"]):
        assert run(*RUN, "-n", "5", "--out", str(out), *extra) == 2
        assert "damaged" in one_error(capsys)
        assert store.read_bytes() == bytes(data)
    before = files_of(out)
    assert cli.main(["report", str(out)]) == 2  # a report of damaged results would mislead
    assert "damaged" in one_error(capsys, "report")
    assert files_of(out) == before


class FullDisk(sqlite3.Connection):
    """A connection whose third batch of outcomes finds the disk full (mid-transaction)."""

    batches = 0

    def executemany(self, sql, rows):  # type: ignore[override]
        if sql.startswith("INSERT INTO outcomes"):
            FullDisk.batches += 1
            if FullDisk.batches == 3:
                raise sqlite3.OperationalError("database or disk is full")
        return super().executemany(sql, rows)


def test_a_full_disk_in_the_store_is_one_line_and_resumes_exactly(tmp_path, capsys, monkeypatch):
    argv = [*RUN, "-n", "8", "--batch-size", "2"]
    real_connect = sqlite3.connect
    FullDisk.batches = 0
    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: real_connect(*a, factory=FullDisk, **k))
    hit = tmp_path / "hit"
    assert run(*argv, "--out", str(hit)) == 2
    line = one_error(capsys)
    assert "database or disk is full" in line and "--resume" in line
    monkeypatch.setattr(sqlite3, "connect", real_connect)
    con = real_connect(hit / STORE_NAME)
    assert con.execute("SELECT COUNT(*) FROM outcomes").fetchone() == (4,)  # whole batches
    con.close()
    assert run(*argv, "--out", str(hit), "--resume") == 0
    clean = tmp_path / "clean"
    assert run(*argv, "--out", str(clean)) == 0
    for name in ("outcomes.csv", "trajectory_summary.csv", "summary.csv"):
        assert (hit / name).read_bytes() == (clean / name).read_bytes(), name


def test_a_full_disk_writing_outputs_is_one_line_and_rewrites(tmp_path, capsys, monkeypatch):
    out, clean = tmp_path / "hit", tmp_path / "clean"
    real_fsync = os.fsync
    calls = []

    def full(fd):
        calls.append(fd)
        if len(calls) == 2:  # the second file (the first is outcomes.csv)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full)
    assert run(*RUN, "-n", "4", "--out", str(out)) == 2
    line = one_error(capsys)
    assert "No space left on device" in line and str(out) in line
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]  # no half files
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert run(*RUN, "-n", "4", "--out", str(out), "--resume") == 0
    assert run(*RUN, "-n", "4", "--out", str(clean)) == 0
    for name in ("outcomes.csv", "trajectory_summary.csv", "summary.csv"):
        assert (out / name).read_bytes() == (clean / name).read_bytes(), name


@pytest.mark.parametrize("empty", [False, True], ids=["no-folder", "empty-folder"])
def test_resume_with_nothing_stored_starts_the_run(tmp_path, empty):
    out = tmp_path / "new"
    if empty:
        out.mkdir()
    assert run(*RUN, "-n", "2", "--out", str(out), "--resume") == 0
    assert (out / "outcomes.csv").is_file() and (out / STORE_NAME).is_file()


# --- bounds on counts ----------------------------------------------------------------------------
SWEEP = ["sweep", "baseline_2024", "-n", "2", "--seed", "1", "--backend", "serial"]
BOUNDS = [
    (["run", "baseline_2024", "-n", "1000000000000"], "-n", "1,000,000"),
    (["run", "baseline_2024", "-n", "0"], "-n", "1,000,000"),
    (["run", "baseline_2024", "-n", "2", "--seed", str(2**63)], "--seed", "2^63-1"),
    (["run", "baseline_2024", "-n", "2", "--seed", "-1"], "--seed", "2^63-1"),
    (["run", "baseline_2024", "-n", "2", "--workers", "257"], "--workers", "256"),
    (["run", "baseline_2024", "-n", "2", "--workers", "-1"], "--workers", "256"),
    (["run", "baseline_2024", "-n", "2", "--batch-size", "10001"], "--batch-size", "10,000"),
    (["run", "baseline_2024", "-n", "2", "--out", ""], "--out", "a folder name"),
    (["run", "baseline_2024", "-n", "2", "--out", "o/a\nb"], "--out", "control characters"),
    (["run", "baseline_2024", "-n", "2", "--resume", "--force"], "--resume/--force", "choose"),
    (["run", "baseline_2024", "--precision", "0"], "--precision", "between 0 and 0.5"),
    (["run", "baseline_2024", "--precision", "1"], "--precision", "between 0 and 0.5"),
    (["run", "baseline_2024", "--precision", "nan"], "--precision", "between 0 and 0.5"),
    (
        ["run", "baseline_2024", "--precision", "0.01", "--max-replications", "10000001"],
        "--max-replications",
        "1,000,000",
    ),
    ([*SWEEP, "--param", "mines.killed_mean=0:1:100000000"], "mines.killed_mean", "grid steps"),
    (
        [*SWEEP, "--param", "mines.killed_mean=0:1:200", "--param", "mines.injured_mean=0:1:200"],
        "--param",
        f"at most {MAX_POINTS:,}",
    ),
    (
        [*SWEEP, "--design", "lhs", "--param", "mines.killed_mean=0:1", "--points", "1000000"],
        "--points",
        f"at most {MAX_POINTS:,}",
    ),
    (
        [
            "sensitivity",
            "baseline_2024",
            "--param",
            "mines.killed_mean=0:1",
            "--outcome",
            "highest_rung",
            "--points",
            "8192",
        ],
        "--points",
        "x 3 (parameters + 2)",
    ),  # fmt: skip
    (
        [*SWEEP[:2], "-n", "2000", "--param", "mines.killed_mean=0:1:10000"],
        "-n",
        "10,000,000 replications",
    ),
]


@pytest.mark.parametrize("argv, option, allowed", BOUNDS, ids=[" ".join(b[0][2:]) for b in BOUNDS])
def test_counts_out_of_bounds_are_one_line_naming_the_option(
    tmp_path, capsys, monkeypatch, argv, option, allowed
):
    monkeypatch.chdir(tmp_path)
    started = time.monotonic()
    assert run(*argv) == 2
    line = one_error(capsys, argv[0])
    assert option in line and allowed in line
    assert time.monotonic() - started < 30  # refused before anything grows
    assert not (tmp_path / "results").exists()


def test_an_experiment_files_counts_take_the_same_checks(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    file = tmp_path / "big.toml"
    file.write_text(
        'command = "run"\nscenario = "baseline_2024"\nreplications = 1000000000000\nseed = 1\n'
    )
    assert run("experiment", str(file)) == 2
    line = one_error(capsys, "experiment")
    assert "1,000,000" in line and "big.toml: replications" in line
    file.write_text(
        f'command = "run"\nscenario = "baseline_2024"\nreplications = 2\nseed = {2**63}\n'
    )
    assert run("experiment", str(file)) == 2
    line = one_error(capsys, "experiment")
    assert "2^63-1" in line and "big.toml: seed" in line  # the file's key, not --seed
    assert not (tmp_path / "results").exists()
