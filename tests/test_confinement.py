"""Confinement of scenario and experiment files: errors quote only what the user wrote, never a
file reached through ``extends`` or an experiment file; pipes, devices, folders and huge files
are refused without being read; ``extends`` chains are bounded; paths resolve relative to the
file that names them; scenario names are identifiers, so nothing is written outside ``--out``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from model_helpers import ROOT, error_of

from sim.cli import main
from sim.experiment.files import read_experiment
from sim.scenario import bundled
from sim.scenario.loader import MAX_BYTES, MAX_DEPTH, load_scenario

MARKER = "SECRET-MARKER=1"  # a line that is not TOML: it must never reach stderr
BASE = str(ROOT / "scenarios" / "baseline_2024.toml")
FAST = ["--quiet", "--backend", "serial", "--plots", "none"]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def child(folder: Path, parent: str, name: str = "mine") -> Path:
    """A scenario file in ``folder`` that extends ``parent`` (as written in the file)."""
    return write(folder / f"{name}.toml", f'extends = "{parent}"\nname = "{name}"\n')


def one_line_error(argv: list[str], capsys) -> str:
    """Run the CLI in-process; check status 2 and one line on stderr; return that line."""
    code = main(argv)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1, err
    assert lines[0].startswith(f"dmzsim {argv[0]}: error: ")
    return lines[0]


def cli(args: list[str], cwd: Path, env: dict[str, str] | None = None):
    """``python -m sim ARGS`` in a fresh process (checks there is no traceback)."""
    run_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    done = subprocess.run(
        [sys.executable, "-m", "sim", *args],
        cwd=cwd,
        env=run_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


# --- error messages never quote a file the user did not write as a scenario ---------------------
def test_extends_of_a_secret_file_does_not_show_its_text(tmp_path, capsys):
    write(tmp_path / "shadow", f"{MARKER}\nroot:$6$salt$hash:19000:0:99999:7:::\n")
    mine = child(tmp_path, "shadow")
    line = one_line_error(["validate", str(mine)], capsys)
    assert MARKER not in line and "root:" not in line
    assert "extends = 'shadow'" in line and "not a TOML scenario file" in line


def test_extends_of_proc_environ_does_not_show_the_environment(tmp_path):
    mine = child(tmp_path, "/proc/self/environ")
    if not Path("/proc/self/environ").is_file():
        pytest.skip("no /proc here")
    done = cli(["validate", str(mine)], tmp_path, {"DMZSIM_TEST_SECRET": MARKER})
    assert done.returncode == 2 and MARKER not in done.stderr + done.stdout
    assert len(done.stderr.splitlines()) == 1 and "not a TOML scenario file" in done.stderr


def test_a_secret_toml_file_reached_by_extends_shows_no_value(tmp_path, capsys):
    write(tmp_path / "credentials.toml", f'[registry]\ntoken = "{MARKER}"\n')
    line = one_line_error(["validate", str(child(tmp_path, "credentials.toml"))], capsys)
    assert MARKER not in line and "not a scenario file" in line


def test_a_malformed_file_named_directly_gets_line_and_column_not_text(tmp_path, capsys):
    bad = write(tmp_path / "bad.toml", f'name = "x"\n{MARKER} [oops\n')
    line = one_line_error(["validate", str(bad)], capsys)
    assert MARKER not in line and "not a TOML scenario file" in line and "line 2" in line


def test_a_binary_file_is_not_a_scenario(tmp_path, capsys):
    (tmp_path / "blob").write_bytes(b"\xff\xfe" + MARKER.encode() + b"\x00\x80")
    line = one_line_error(["validate", str(child(tmp_path, "blob"))], capsys)
    assert MARKER not in line and "not a TOML scenario file (not UTF-8 text)" in line


def test_a_folder_named_by_extends_is_refused(tmp_path, capsys):
    (tmp_path / "folder").mkdir()
    line = one_line_error(["validate", str(child(tmp_path, "folder"))], capsys)
    assert "(not a file)" in line


def test_a_folder_named_directly_is_refused(tmp_path):
    err = error_of(load_scenario, tmp_path)
    assert "a folder, not a regular file" in str(err)


def test_dev_zero_is_refused_without_reading(tmp_path, capsys):
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    assert "(not a file)" in one_line_error(["validate", str(child(tmp_path, "/dev/zero"))], capsys)
    assert "not a regular file" in one_line_error(["validate", "/dev/zero"], capsys)
    assert "a device, not a regular file" in str(error_of(load_scenario, "/dev/zero"))


def test_a_fifo_is_refused_without_blocking(tmp_path, capsys):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no mkfifo here")
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)  # opening it to read would wait for a writer forever
    assert "(not a file)" in one_line_error(["validate", str(child(tmp_path, "pipe.toml"))], capsys)
    assert "not a regular file" in one_line_error(["validate", str(fifo)], capsys)
    assert "a pipe, not a regular file" in str(error_of(load_scenario, fifo))
    done = cli(["validate", "pipe.toml"], tmp_path)  # a fresh process: no hang, no traceback
    assert done.returncode == 2 and "not a regular file" in done.stderr


def test_a_huge_file_is_refused(tmp_path, capsys):
    huge = tmp_path / "huge.toml"
    with huge.open("wb") as f:  # sparse: no disk used
        f.truncate(MAX_BYTES + 1)
    line = one_line_error(["validate", str(child(tmp_path, "huge.toml"))], capsys)
    assert "too large" in line and "extends = 'huge.toml'" in line


# --- extends chains ------------------------------------------------------------------------------
def test_a_deep_chain_is_refused_at_the_limit(tmp_path, capsys):
    write(tmp_path / "f0.toml", 'extends = "baseline_2024"\nname = "f0"\n')
    for i in range(1, MAX_DEPTH):
        child(tmp_path, f"f{i - 1}.toml", f"f{i}")
    # f{k} -> ... -> f0 -> baseline_2024 holds k + 2 files
    assert load_scenario(tmp_path / f"f{MAX_DEPTH - 2}.toml").name == f"f{MAX_DEPTH - 2}"
    line = one_line_error(["validate", str(tmp_path / f"f{MAX_DEPTH - 1}.toml")], capsys)
    assert f"at most {MAX_DEPTH} files" in line


def test_a_cyclic_chain_is_refused(tmp_path, capsys):
    child(tmp_path, "b.toml", "a")
    child(tmp_path, "a.toml", "b")
    assert "circular extends" in one_line_error(["validate", str(tmp_path / "a.toml")], capsys)


def test_relative_extends_resolves_from_the_file_not_the_working_directory(tmp_path, monkeypatch):
    write(tmp_path / "proj" / "base" / "p.toml", 'extends = "baseline_2024"\nname = "p"\n')
    mine = child(tmp_path / "proj" / "what_if", "../base/p.toml")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert load_scenario(mine).name == "mine"
    assert load_scenario(os.path.relpath(mine)).name == "mine"


def test_a_bundled_name_resolves_from_any_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "hotline"]) == 0
    assert load_scenario(child(tmp_path / "deep" / "er", "baseline_2024")).name == "mine"
    capsys.readouterr()


# --- experiment files ----------------------------------------------------------------------------
EXPERIMENT = """command = "run"
scenario = "{scenario}"
replications = 2
seed = 3
[output]
{folder}
"""


def test_experiment_paths_resolve_relative_to_the_file(tmp_path, monkeypatch):
    proj = tmp_path / "proj"
    child(proj / "s", "baseline_2024", "mine")
    file = write(proj / "e.toml", EXPERIMENT.format(scenario="s/mine.toml", folder='folder = "o"'))
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    argv = read_experiment(os.path.relpath(file)).argv
    assert Path(argv[1]).resolve() == (proj / "s" / "mine.toml").resolve()
    assert Path(argv[argv.index("--out") + 1]).resolve() == (proj / "o").resolve()


def test_experiment_default_folder_is_under_the_working_directory(tmp_path, monkeypatch):
    file = write(tmp_path / "x" / "e.toml", EXPERIMENT.format(scenario="hotline", folder=""))
    monkeypatch.chdir(tmp_path)
    argv = read_experiment(file).argv
    assert argv[1] == "hotline" and argv[argv.index("--out") + 1] == "results/e"


def test_bundled_experiment_folders_stay_out_of_the_package():
    for name in bundled.experiment_names():
        argv = read_experiment(name).argv
        out = Path(argv[argv.index("--out") + 1])
        assert not out.is_absolute() and bundled.PACKAGE not in out.resolve().parents


def test_experiment_scenario_naming_a_secret_file_shows_no_text(tmp_path, capsys):
    write(tmp_path / "passwd", f"{MARKER}\nroot:x:0:0:root:/root:/bin/bash\n")
    file = write(tmp_path / "e.toml", EXPERIMENT.format(scenario="passwd", folder=""))
    line = one_line_error(["experiment", str(file)], capsys)
    assert MARKER not in line and "root:" not in line
    assert "scenario = 'passwd'" in line and "not a TOML scenario file" in line


def test_an_experiment_file_that_is_not_toml_shows_no_text(tmp_path, capsys):
    file = write(tmp_path / "e.toml", f"{MARKER} and more\n")
    line = one_line_error(["experiment", str(file)], capsys)
    assert MARKER not in line and "not a TOML experiment file" in line


def test_an_experiment_run_from_another_folder_writes_beside_the_file(tmp_path, monkeypatch):
    proj = tmp_path / "proj"
    child(proj, "baseline_2024", "mine")
    file = write(proj / "e.toml", EXPERIMENT.format(scenario="mine.toml", folder='folder = "o"'))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = cli(["experiment", os.path.relpath(file, elsewhere), "--backend", "serial"], elsewhere)
    assert done.returncode == 0, done.stderr
    assert (proj / "o" / "manifest.json").is_file()
    assert not any(elsewhere.iterdir())  # nothing in the working directory


# --- names ---------------------------------------------------------------------------------------
BAD_NAMES = {
    "separator": "x/../../PWN",
    "backslash": "x\\\\y",
    "dotdot": "..",
    "dot": ".",
    "leading_dot": ".hidden",
    "empty": "",
    "newline": "a\\nb",
    "escape": "a\\u001b[31m",
    "space": "a b",
    "too_long": "x" * (bundled.NAME_MAX + 1),
}


@pytest.mark.parametrize("written", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_bad_names_are_refused(written, tmp_path, capsys):
    mine = write(tmp_path / "mine.toml", f'extends = "baseline_2024"\nname = "{written}"\n')
    line = one_line_error(["validate", str(mine)], capsys)
    assert f"{mine}: name = " in line and "letters, digits" in line


@pytest.mark.parametrize("name", ["a", "x" * bundled.NAME_MAX, "v1.2-final_B"])
def test_good_names_load(name, tmp_path):
    assert load_scenario(child(tmp_path, "baseline_2024", name)).name == name


def test_a_bad_name_from_set_is_blamed_on_set(capsys):
    line = one_line_error(["validate", BASE, "--set", "name=../x"], capsys)
    assert "--set: name = '../x'" in line


def test_every_shipped_scenario_has_a_good_name(capsys):
    files = sorted(bundled.SCENARIOS.glob("*.toml"))
    assert main(["validate", *map(str, files)]) == 0
    capsys.readouterr()


def test_nothing_is_written_outside_out(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "evil.toml", 'extends = "baseline_2024"\nname = "x/../../PWN"\n')
    out = tmp_path / "o" / "cmp"
    argv = ["compare", BASE, "evil.toml", "-n", "2", "--seed", "1", "--out", str(out), *FAST]
    assert "name = 'x/../../PWN'" in one_line_error(argv, capsys)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["evil.toml"]
    good = child(tmp_path, "baseline_2024", "good")
    assert main(["compare", BASE, str(good), *argv[3:]]) == 0
    capsys.readouterr()
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and out not in p.parents]
    assert sorted(p.name for p in outside) == ["evil.toml", "good.toml"]


# --- control characters in paths -----------------------------------------------------------------
def test_a_file_name_with_a_line_break_stays_on_one_line(tmp_path, capsys):
    odd = child(tmp_path, "baseline_2024", "odd")
    odd.rename(tmp_path / "we\nird.toml")
    line = one_line_error(["validate", str(child(tmp_path, "we\\nird.toml"))], capsys)
    assert "its name holds a line break" in line
    assert "'a\\nb'" in one_line_error(["validate", str(child(tmp_path, "a\\nb", "x"))], capsys)
    assert "\\n" in one_line_error(["validate", str(tmp_path / "we\nird.toml")], capsys)


def test_an_output_folder_with_a_nul_is_refused(tmp_path, capsys):
    folder = 'folder = "o\\u0000x"'
    file = write(tmp_path / "e.toml", EXPERIMENT.format(scenario="hotline", folder=folder))
    assert "output.folder = 'o\\x00x'" in one_line_error(["experiment", str(file)], capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.toml"]
