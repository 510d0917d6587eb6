"""Bundled scenarios found by name from any folder, errors that name every path tried, and
``dmzsim new``'s starter scenario."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from model_helpers import error_of

from sim.cli import main
from sim.scenario import bundled
from sim.scenario.loader import load_scenario, scenario_to_dict
from sim.starter import NAME

ROOT = Path(__file__).resolve().parent.parent
BASELINE = bundled.SCENARIOS / "baseline_2024.toml"
RUN = ["-n", "2", "--seed", "1", "--backend", "serial", "--quiet", "--plots", "highest_rung"]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def without(s, *keys: str) -> dict:
    return {k: v for k, v in scenario_to_dict(s).items() if k not in keys}


# --- where the bundled files are ---------------------------------------------------------------
def test_the_top_level_folders_are_the_packages():
    assert (ROOT / "scenarios").resolve() == bundled.SCENARIOS
    assert (ROOT / "experiments").resolve() == bundled.EXPERIMENTS
    assert "baseline_2024" in bundled.scenario_names()
    assert (bundled.SCENARIOS / "baseline_2024.posterior.csv").is_file()
    assert bundled.experiment_names() == sorted(p.stem for p in bundled.EXPERIMENTS.glob("*.toml"))


@pytest.mark.parametrize("name", ["baseline_2024", "baseline_2024.toml"])
def test_a_bundled_name_is_found_with_or_without_toml(name):
    assert bundled.find_scenario(name) == BASELINE


@pytest.mark.parametrize("name", ["./baseline_2024.toml", "scenarios/baseline_2024", "", ".."])
def test_a_path_is_never_a_bundled_name(name):
    assert bundled.scenario_file(name) is None and bundled.find_scenario(name) is None


# --- extends by name ---------------------------------------------------------------------------
@pytest.mark.parametrize("parent", ["baseline_2024", "baseline_2024.toml"])
def test_extends_a_bundled_name_from_any_folder(tmp_path, parent):
    mine = write(
        tmp_path / "deep" / "mine.toml",
        f'extends = "{parent}"\nname = "mine"\n[diplomacy]\ninitial_backing = 0.05\n',
    )
    s, base = load_scenario(mine), load_scenario(BASELINE)
    assert s.name == "mine" and s.diplomacy.initial_backing == 0.05
    assert without(s, "name", "diplomacy") == without(base, "name", "diplomacy")


def test_a_file_beside_wins_over_the_bundled_one(tmp_path):
    """A relative path resolves against the file's own folder first."""
    local = BASELINE.read_text(encoding="utf-8").replace(
        "initial_tension = 3.0", "initial_tension = 0.25", 1
    )
    assert local != BASELINE.read_text(encoding="utf-8")
    write(tmp_path / "baseline_2024.toml", local)
    mine = write(tmp_path / "mine.toml", 'extends = "baseline_2024.toml"\nname = "mine"\n')
    assert load_scenario(mine).escalation.initial_tension == 0.25
    by_name = write(tmp_path / "other.toml", 'extends = "baseline_2024"\nname = "other"\n')
    assert load_scenario(by_name).escalation.initial_tension == 3.0  # no file "baseline_2024"


def test_the_shipped_posterior_follows_a_bundled_name(tmp_path):
    from sim.experiment.parameters import default_posterior

    mine = write(tmp_path / "mine.toml", 'extends = "baseline_2024"\nname = "mine"\n')
    found = default_posterior(mine)
    assert found is not None and found[0] == bundled.SCENARIOS / "baseline_2024.posterior.csv"


def test_a_missing_parent_names_every_path_tried(tmp_path):
    mine = write(tmp_path / "mine.toml", 'extends = "nowhere"\nname = "mine"\n')
    err = error_of(load_scenario, mine)
    assert err.key == "extends"
    assert (
        f"file not found: tried {tmp_path / 'nowhere'}, {bundled.SCENARIOS / 'nowhere.toml'}"
        in (str(err))
    )


def test_a_parent_with_a_folder_is_looked_for_there_only(tmp_path):
    (tmp_path / "base").mkdir()
    mine = write(tmp_path / "mine.toml", 'extends = "base"\n')
    text = str(error_of(load_scenario, mine))
    assert f"tried {tmp_path / 'base'} (not a file), {bundled.SCENARIOS / 'base.toml'}" in text
    deeper = write(tmp_path / "b.toml", 'extends = "sub/baseline_2024.toml"\n')
    text = str(error_of(load_scenario, deeper))
    assert text.endswith(f"file not found: tried {tmp_path / 'sub' / 'baseline_2024.toml'}")


def test_the_command_line_names_every_path_tried(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "nowhere", "-n", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("dmzsim run: error: nowhere")
    assert f"tried {tmp_path / 'nowhere'}, {bundled.SCENARIOS / 'nowhere.toml'}" in err


def test_an_experiment_file_names_every_path_tried(tmp_path, capsys):
    path = write(
        tmp_path / "e.toml",
        'command = "run"\nscenario = "nowhere"\nreplications = 1\nseed = 1\n',
    )
    assert main(["experiment", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"tried {tmp_path / 'nowhere'}, {bundled.SCENARIOS / 'nowhere.toml'}" in err


# --- dmzsim new --------------------------------------------------------------------------------
def uncommented(text: str) -> str:
    """The starter with one '# ' taken off every line below ``description``."""
    lines = text.splitlines()
    top = next(i for i, line in enumerate(lines) if line.startswith("description"))
    rest = [line[2:] if line.startswith("# ") else line for line in lines[top + 1 :]]
    return "\n".join(lines[: top + 1] + rest) + "\n"


def test_new_writes_a_valid_runnable_starter(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["new", "calm_line"]) == 0
    path = tmp_path / "calm_line.toml"
    text = path.read_text(encoding="utf-8")
    assert re.match(r"# calm_line — \S.{10,}\?", text.splitlines()[0])  # the question first
    data = tomllib.loads(text)
    assert data == {
        "extends": "baseline_2024",
        "name": "calm_line",
        "description": data["description"],
    }
    assert main(["validate", str(path)]) == 0
    assert main(["run", str(path), *RUN, "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "outcomes.csv").is_file()
    capsys.readouterr()


def test_the_starter_shows_keys_with_units_ranges_and_the_bases_values(tmp_path, monkeypatch):
    """Every example, uncommented, is valid and holds the base's value; the most used keys
    (set by several bundled scenarios) are among them, with their unit and range."""
    monkeypatch.chdir(tmp_path)
    # a missing folder is made, as results folders are
    assert main(["new", "probe", "--from", "hotline", "--out", "sub/probe.toml"]) == 0
    text = (tmp_path / "sub" / "probe.toml").read_text(encoding="utf-8")
    assert 'extends = "hotline"' in text
    assert "## Russia-DPRK backing at the start (index 0-1; 0 to 1)\n# initial_backing = 0.4\n" in (
        text
    )
    assert "# hotline_working = true\n" in text  # hotline's value, not the baseline's
    assert "# [terrain.sectors.west]\n" in text and "# [response.rok]\n" in text
    assert "# [[timeline.events]]\n" in text and "# [priors]\n" in text
    assert all(len(line) <= 100 for line in text.splitlines())
    full = write(tmp_path / "full.toml", uncommented(text))
    s, base = load_scenario(full), load_scenario(bundled.SCENARIOS / "hotline.toml")
    skip = ("name", "description", "timeline", "priors")
    assert without(s, *skip) == without(base, *skip)  # every shown value is the base's
    assert len(s.timeline.events) == 1 and s.timeline.events[0].type == "mdl_crossing"
    assert main(["run", str(full), *RUN, "--out", str(tmp_path / "out")]) == 0


def test_new_refuses_to_overwrite(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    mine = write(tmp_path / "mine.toml", "# mine\n")
    assert main(["new", "mine"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.splitlines() == [err] and err.startswith("dmzsim new: error: --out = 'mine.toml'")
    assert "exists" in err and mine.read_text(encoding="utf-8") == "# mine\n"
    assert main(["new", "other", "--out", str(mine)]) == 2
    assert mine.read_text(encoding="utf-8") == "# mine\n"


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["new", "a b"], "NAME = 'a b'"),
        (["new", "a.b"], "NAME = 'a.b'"),
        (["new", "a/b"], "NAME = 'a/b'"),
        (["new", ""], "NAME = ''"),
        (["new", "x" * 65], "1 to 64 letters"),
        (["new", "ok", "--from", "nowhere"], "--from = 'nowhere': not a bundled scenario"),
        (["new", "ok", "--from", "./scenarios/hotline.toml"], "not a bundled scenario"),
    ],
)
def test_new_refuses_bad_input(tmp_path, monkeypatch, capsys, argv, needle):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("dmzsim new: error:") and needle in err
    assert not list(tmp_path.iterdir())


def test_names_up_to_64_characters_are_fine():
    assert NAME.fullmatch("a" * 64) and NAME.fullmatch("my-scenario_2")
    assert not NAME.fullmatch("a" * 65)
