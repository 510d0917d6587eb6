"""The documentation agrees with the code and the data, so it cannot drift.

- docs/ODD.md holds the parameter table generated from baseline_2024.toml and the event-type
  table generated from sim/model/events.py;
- every parameter of baseline_2024.toml says where its value comes from;
- every bundled scenario opens with the question it answers;
- the README mentions every subcommand and has the two-command quick start;
- the CAMEO codes and Goldstein weights of the event types are GDELT's.

None of these tests needs the scenario loader.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from sim.cli import build_parser
from sim.model.events import EVENT_TYPES, RUNGS
from sim.scenario.describe import (
    BEGIN,
    END,
    markdown_table,
    parameter_rows,
    read_scenario_file,
    replace_between_markers,
    table_between_markers,
    trailing_comments,
)

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline_2024.toml"
ODD = ROOT / "docs" / "ODD.md"
README = ROOT / "README.md"
GOLDSTEIN = ROOT / "sim" / "data" / "goldstein.csv"
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))

EVENTS_BEGIN = "<!-- events:begin -->"
EVENTS_END = "<!-- events:end -->"


def event_table() -> str:
    """The event-type table of docs/ODD.md, generated from sim/model/events.py."""
    lines = [
        "| Event type | Rung | CAMEO | Goldstein | Tension | Meaning |",
        "|---|---|---|---|---|---|",
    ]
    for t in EVENT_TYPES.values():
        lines.append(
            f"| `{t.name}` | {t.rung} | {t.cameo or '-'} | {t.goldstein:g} | {t.tension} "
            f"| {t.description} |"
        )
    return "\n".join(lines)


def _between(text: str, begin: str, end: str) -> str | None:
    i, j = text.find(begin), text.find(end)
    return text[i + len(begin) : j].strip() if 0 <= i < j else None


# --- (a) generated tables in docs/ODD.md -------------------------------------------------------
def test_odd_parameter_table_is_generated_from_the_baseline():
    want = markdown_table(parameter_rows(BASELINE))
    got = table_between_markers(ODD.read_text(encoding="utf-8"))
    assert got is not None, f"docs/ODD.md lacks the marker lines {BEGIN} and {END}"
    assert got == want, (
        "the parameter table in docs/ODD.md is out of date; regenerate it with\n"
        "    python -m sim.scenario.describe scenarios/baseline_2024.toml --update docs/ODD.md\n"
        "(or print it with `python -m sim.scenario.describe scenarios/baseline_2024.toml` and "
        f"paste it between {BEGIN} and {END})"
    )


def test_odd_event_table_matches_the_event_types():
    got = _between(ODD.read_text(encoding="utf-8"), EVENTS_BEGIN, EVENTS_END)
    assert got is not None, f"docs/ODD.md lacks the marker lines {EVENTS_BEGIN} and {EVENTS_END}"
    assert got == event_table(), (
        "the event-type table in docs/ODD.md is out of date; paste this between "
        f"{EVENTS_BEGIN} and {EVENTS_END}:\n{event_table()}"
    )


def test_odd_names_every_rung():
    text = ODD.read_text(encoding="utf-8")
    for rung, name in enumerate(RUNGS):
        assert f"| {rung} | {name} |" in text, f"rung {rung} ({name}) missing from the ladder"


def test_parameter_table_covers_every_parameter_once():
    rows = parameter_rows(BASELINE)
    names = [r["parameter"] for r in rows]
    assert len(names) == len(set(names))
    for expected in (
        "mines.killed_mean",
        "terrain.sectors.central.crews",
        "response.dprk.escalate_logit",
        "response.rok.rung_aversion",
        "diplomacy.hotline_working",
        "start_date",
    ):
        assert expected in names
    assert not any(n.startswith("timeline") or n in ("name", "description") for n in names)
    row = rows[names.index("mines.killed_mean")]
    assert row["value"] == "2.0" and row["unit"] == "persons/blast" and row["allowed"] == "[0, 100]"
    assert row["source"].startswith("assumption")
    roe = rows[names.index("response.roe")]
    assert roe["allowed"] == '"standard", "hardline", "restrained"'
    assert roe["value"] == '"standard"'


# --- (b) every parameter has a source ----------------------------------------------------------
def test_every_baseline_parameter_has_a_source_comment():
    missing = [r["parameter"] for r in parameter_rows(BASELINE) if not r["source"].strip()]
    assert not missing, f"baseline_2024.toml: no trailing '# source' comment for {missing}"


def test_every_baseline_parameter_has_a_value():
    unset = [r["parameter"] for r in parameter_rows(BASELINE) if not r["value"]]
    assert not unset, f"baseline_2024.toml does not set {unset}"


# --- (c) every scenario says what it asks ------------------------------------------------------
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_opens_with_its_question(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    first = lines[0] if lines else ""
    assert re.match(rf"# {re.escape(path.stem)} — \S.{{10,}}", first), (
        f"{path.name}: the first line must be '# {path.stem} — <the question it answers>'"
    )
    header = []
    for line in lines:
        if not line.startswith("#"):
            break
        header.append(line)
    assert "?" in " ".join(header), f"{path.name}: the opening comment asks no question"


# --- (d) the README ----------------------------------------------------------------------------
def _subcommands() -> list[str]:
    parser = build_parser()
    for action in parser._actions:  # argparse has no public accessor for subparsers
        if action.choices and hasattr(action, "add_parser"):
            return list(action.choices)
    raise AssertionError("build_parser() has no subcommands")


def test_readme_mentions_every_subcommand():
    text = README.read_text(encoding="utf-8")
    missing = [c for c in _subcommands() if not re.search(rf"dmzsim {c}\b", text)]
    assert not missing, f"README.md shows no `dmzsim <command>` example for {missing}"


def test_readme_quick_start_is_the_two_dev_commands():
    text = README.read_text(encoding="utf-8")
    m = re.search(r"^## Quick start\n(.*?)(?=^## )", text, re.S | re.M)
    assert m, "README.md has no '## Quick start' section"
    section = m.group(1)
    for command in ("python3 dev.py demo", "python3 dev.py test"):
        assert command in section, f"the Quick start lacks `{command}`"
    blocks = re.findall(r"```(?:\w+)?\n(.*?)```", section, re.S)
    commands = [ln.split("#")[0].strip() for b in blocks for ln in b.splitlines()]
    assert [c for c in commands if c] == ["python3 dev.py demo", "python3 dev.py test"]


def test_readme_points_to_the_odd():
    assert "docs/ODD.md" in README.read_text(encoding="utf-8")


# --- (e) CAMEO codes and Goldstein weights -----------------------------------------------------
def test_event_types_use_gdelt_goldstein_weights():
    with GOLDSTEIN.open(encoding="utf-8", newline="") as fh:
        table = {row["cameo_code"]: float(row["goldstein_value"]) for row in csv.DictReader(fh)}
    for t in EVENT_TYPES.values():
        if not t.cameo:
            assert t.goldstein == 0.0, f"{t.name}: a Goldstein weight without a CAMEO code"
            continue
        assert t.cameo in table, f"{t.name}: CAMEO code {t.cameo!r} not in goldstein.csv"
        assert t.goldstein == table[t.cameo], (
            f"{t.name}: Goldstein {t.goldstein} but goldstein.csv gives {table[t.cameo]} "
            f"for CAMEO {t.cameo}"
        )


# --- the comment reader itself -----------------------------------------------------------------
def test_trailing_comments_track_tables_strings_and_arrays():
    text = "\n".join(
        [
            'name = "a # not a comment"  # the name',
            "[mines]",
            "killed_mean = 2.0   # assumption: none released",
            "injured_mean = 3.0",
            '[terrain.sectors."north west"]',
            "crews = 3 # split",
            "[terrain]",
            "inline = { a = 1, b = 2 }  # both",
            "list = [",
            "  1, # inside an array",
            "]  # after",
            'text = """',
            "x = 1 # inside a string",
            '"""',
            "[[timeline.events]]",
            'note = "skipped" # events are not parameters',
        ]
    )
    got = trailing_comments(text)
    assert got[("name",)] == "the name"
    assert got[("mines", "killed_mean")] == "assumption: none released"
    assert got[("mines", "injured_mean")] == ""
    assert got[("terrain", "sectors", "north west", "crews")] == "split"
    assert got[("terrain", "inline")] == "both"
    assert got[("terrain", "list")] == ""
    assert ("terrain", "x") not in got and ("timeline", "events", "note") not in got


def test_extended_files_inherit_values_and_sources(tmp_path):
    (tmp_path / "base.toml").write_text(
        "[mines]\nkilled_mean = 2.0  # parent source\ninjured_mean = 3.0  # parent too\n",
        encoding="utf-8",
    )
    (tmp_path / "child.toml").write_text(
        'extends = "base.toml"\n[mines]\nkilled_mean = 5  # child source\n', encoding="utf-8"
    )
    values, sources = read_scenario_file(tmp_path / "child.toml")
    assert values["mines"] == {"killed_mean": 5, "injured_mean": 3.0}
    assert sources[("mines", "killed_mean")] == "child source"
    assert sources[("mines", "injured_mean")] == "parent too"


def test_bundled_scenarios_describe_with_inherited_values():
    rows = {r["parameter"]: r for r in parameter_rows(ROOT / "scenarios" / "hardline_roe.toml")}
    assert rows["response.roe"]["value"] == '"hardline"'
    assert rows["mines.killed_mean"]["value"] == "2.0"
    assert rows["mines.killed_mean"]["source"].startswith("assumption")


def test_replace_between_markers_round_trips():
    doc = f"intro\n{BEGIN}\nold\n{END}\noutro\n"
    new = replace_between_markers(doc, "| new |")
    assert table_between_markers(new) == "| new |"
    assert new.startswith("intro\n") and new.endswith(f"{END}\noutro\n")
