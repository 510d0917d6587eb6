"""The scenario loader: TOML and extends, overrides, validation messages, round trips."""

from __future__ import annotations

import dataclasses as dc
import datetime as dt
import json
import math
import tomllib
from pathlib import Path

import pytest
from model_helpers import error_of

from sim.errors import InputError
from sim.scenario.loader import (
    apply_overrides,
    build_scenario,
    iter_parameters,
    load_scenario,
    parameter_path_value,
    scenario_to_dict,
    scenario_to_toml,
)
from sim.scenario.params import Scenario, SectorParams, TimelineEvent


@pytest.fixture
def data(make_scenario_data) -> dict:
    return make_scenario_data()


@pytest.fixture
def base(tmp_path, data) -> Path:
    """A complete scenario file, base.toml."""
    path = tmp_path / "base.toml"
    path.write_text(scenario_to_toml(build_scenario(data, "fixture")), encoding="utf-8")
    return path


def child(folder: Path, text: str, name: str = "child.toml") -> Path:
    """A file extending base.toml in ``folder`` with ``text`` on top."""
    path = folder / name
    path.write_text('extends = "base.toml"\n' + text, encoding="utf-8")
    return path


def check(err: InputError, source: Path | str, key: str | None, *phrases: str) -> None:
    assert err.source == str(source)
    assert err.key == key
    text = str(err)
    assert text.startswith(f"{source}: {key} = " if key else f"{source} = ")
    for phrase in phrases:
        assert phrase in text, text


# --- loading and extends -------------------------------------------------------------------------
def test_load_builds_typed_frozen_scenario(base, data):
    s = load_scenario(base)
    assert isinstance(s, Scenario)
    assert s == build_scenario(data, "fixture")
    assert [sec.name for sec in s.terrain.sectors] == ["west", "central"]
    assert s.terrain.sectors[0] == SectorParams("west", 0.5, 0.1, 0.6, 3, 2, 2)
    assert s.timeline.events[1].date == dt.date(2024, 8, 19)  # given as an ISO string
    assert s.timeline.events[1].duration_days == 11.0  # an int for a float
    assert type(s.timeline.events[1].duration_days) is float
    assert s.timeline.events[1].backing_change == 0.0  # default
    assert s.horizon_days == 366
    with pytest.raises(dc.FrozenInstanceError):
        s.name = "x"  # type: ignore[misc]


def test_load_accepts_str_path(base):
    assert load_scenario(str(base)) == load_scenario(base)


def test_extends_chain_deep_merges(tmp_path, base):
    child(
        tmp_path,
        """
description = "middle"
[mines]
killed_mean = 5
[terrain.sectors.west]
crews = 9
[terrain.sectors.north]
mine_density = 0.1
south_mine_density = 0.0
marker_visibility = 0.2
crews = 1
dprk_patrols = 1
rok_patrols = 1
""",
        "mid.toml",
    )
    (tmp_path / "sub").mkdir()
    top = tmp_path / "sub" / "top.toml"
    top.write_text("""
extends = "../mid.toml"
name = "top"
[response.dprk]
escalate_logit = -1.0
[[timeline.events]]
date = 2024-03-01
type = "talks"
actor = "both"
""")
    s = load_scenario(top)
    b = load_scenario(base)
    assert (s.name, s.description) == ("top", "middle")
    assert s.mines.killed_mean == 5.0
    assert s.mines.injured_mean == b.mines.injured_mean  # sibling key kept by the merge
    west = s.terrain.sectors[0]
    assert (west.name, west.crews, west.dprk_patrols) == ("west", 9, 2)
    assert [sec.name for sec in s.terrain.sectors] == ["west", "central", "north"]
    assert s.terrain.sectors[1] == b.terrain.sectors[1]
    assert s.response.dprk.escalate_logit == -1.0
    assert s.response.dprk.protest_logit == b.response.dprk.protest_logit
    assert s.response.rok == b.response.rok
    assert [e.type for e in s.timeline.events] == ["talks"]  # arrays replace, not append
    assert s.diplomacy == b.diplomacy


def test_extends_is_not_a_parameter(tmp_path, base):
    s = load_scenario(child(tmp_path, ""))
    assert "extends" not in scenario_to_dict(s)
    err = error_of(build_scenario, {**scenario_to_dict(s), "extends": "x.toml"}, "d")
    check(err, "d", "extends", "load_scenario")


def test_error_in_extended_file_names_that_file(tmp_path, base):
    base.write_text(base.read_text().replace("killed_mean = 2.0", "killed_mean = -2.0"))
    err = error_of(load_scenario, child(tmp_path, "[mines]\ninjured_mean = 1.0\n"))
    check(err, base, "mines.killed_mean", "-2.0", "[0, 100]", "persons/blast")


def test_value_set_in_child_blames_child(tmp_path, base):
    path = child(tmp_path, '[mines]\nkilled_mean = "many"\n')
    check(error_of(load_scenario, path), path, "mines.killed_mean", "'many'", "must be a number")


def test_circular_extends(tmp_path):
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text('extends = "b.toml"\nname = "a"\n')
    b.write_text('extends = "a.toml"\n')
    err = error_of(load_scenario, a)
    check(err, b, "extends", "circular extends:", f"{a} -> {b} -> {a}")


def test_self_extends(tmp_path):
    a = tmp_path / "a.toml"
    a.write_text('extends = "./a.toml"\n')
    check(error_of(load_scenario, a), a, "extends", f"circular extends: {a} -> {a}")


def test_missing_extends_target(tmp_path):
    path = child(tmp_path, "")  # no base.toml written
    check(error_of(load_scenario, path), path, "extends", "'base.toml'", "file not found")


def test_extends_must_be_a_string(tmp_path):
    path = tmp_path / "x.toml"
    path.write_text("extends = 3\n")
    check(error_of(load_scenario, path), path, "extends", "must be a file name")


def test_missing_file(tmp_path):
    path = tmp_path / "nope.toml"
    check(error_of(load_scenario, path), path, None, "file not found")


def test_directory_is_not_a_file(tmp_path):
    check(error_of(load_scenario, tmp_path), tmp_path, None, "cannot read file")


def test_not_utf8(tmp_path):
    path = tmp_path / "latin.toml"
    path.write_bytes('name = "caf\u00e9"\n'.encode("latin-1"))
    check(error_of(load_scenario, path), path, None, "not UTF-8")


def test_malformed_toml(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('name = "x"\n[mines\nkilled_mean = 2\n')
    err = error_of(load_scenario, path)
    check(err, path, None, "malformed TOML", "line 2")
    assert err.value == str(path)


def test_missing_required_key(tmp_path, data):
    del data["mines"]["killed_mean"]
    check(
        error_of(build_scenario, data, "f.toml"),
        "f.toml",
        "mines.killed_mean",
        "required (set it here or in the scenario it extends)",
    )
    path = tmp_path / "partial.toml"
    path.write_text('name = "p"\n')
    check(error_of(load_scenario, path), path, "description", "required")


def test_missing_section(data):
    del data["escalation"]
    check(error_of(build_scenario, data, "f"), "f", "escalation", "required")


def test_missing_sector_field(data):
    del data["terrain"]["sectors"]["central"]["rok_patrols"]
    check(
        error_of(build_scenario, data, "f"), "f", "terrain.sectors.central.rok_patrols", "required"
    )


# --- unknown keys --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, key, suggestion",
    [
        ('nmae = "x"\n', "nmae", "did you mean 'name'?"),
        ("[mines]\nkiled_mean = 2\n", "mines.kiled_mean", "did you mean 'killed_mean'?"),
        ("[terrain.sectors.west]\ncrew = 2\n", "terrain.sectors.west.crew", "'crews'"),
        ("[response.dprk]\nescalate = -1.0\n", "response.dprk.escalate", "'escalate_logit'"),
        (
            '[[timeline.events]]\ndate = 2024-03-01\ntype = "talks"\nactor = "x"\nnotes = "y"\n',
            "timeline.events[0].notes",
            "did you mean 'note'?",
        ),
        ("[mine]\nkilled_mean = 2\n", "mine", "did you mean 'mines'?"),
    ],
)
def test_unknown_key_with_suggestion(tmp_path, base, text, key, suggestion):
    path = child(tmp_path, text)
    err = error_of(load_scenario, path)
    check(err, path, key, "unknown key", suggestion, "known: ")


def test_unknown_key_without_close_match_lists_known(data):
    data["mines"]["zzzzzz"] = 1
    err = error_of(build_scenario, data, "f")
    check(err, "f", "mines.zzzzzz", "unknown key; known: blast_rate_per_crew_day")
    assert "did you mean" not in str(err)


def test_sector_name_comes_from_key(tmp_path, base):
    path = child(tmp_path, '[terrain.sectors.west]\nname = "east"\n')
    check(error_of(load_scenario, path), path, "terrain.sectors.west.name", "table key")


# --- wrong types and ranges ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, key, phrases",
    [
        (
            '[mines]\nkilled_mean = "two"\n',
            "mines.killed_mean",
            ("'two'", "must be a number in [0, 100] (persons/blast)"),
        ),
        ("[mines]\nkilled_mean = true\n", "mines.killed_mean", ("True", "must be a number")),
        (
            "[terrain.sectors.west]\ncrews = 3.0\n",
            "terrain.sectors.west.crews",
            ("3.0", "must be a whole number in [0, 100] (crews)"),
        ),
        (
            "[terrain.sectors.west]\ncrews = -1\n",
            "terrain.sectors.west.crews",
            ("-1", "must be a whole number in [0, 100] (crews)"),
        ),
        (
            "[terrain]\nvegetation_peak_day = 400\n",
            "terrain.vegetation_peak_day",
            ("400", "in [1, 366] (day of year)"),
        ),
        (
            "[mines]\nblame_probability = 1.5\n",
            "mines.blame_probability",
            ("1.5", "must be a number in [0, 1] (probability)"),
        ),
        ("[mines]\nblame_probability = -0.01\n", "mines.blame_probability", ("in [0, 1]",)),
        (
            "[grayzone]\nleaflet_rate_per_day = -0.1\n",
            "grayzone.leaflet_rate_per_day",
            ("-0.1", "must be a number in [0, 10] (1/day)"),
        ),
        ("[mines]\nkilled_mean = nan\n", "mines.killed_mean", ("nan",)),
        (
            "[response.dprk]\nprotest_logit = inf\n",
            "response.dprk.protest_logit",
            ("inf", "must be a number in [-20, 20] (log-odds)"),
        ),
        (
            "[diplomacy]\nhotline_working = 1\n",
            "diplomacy.hotline_working",
            ("must be true or false",),
        ),
        (
            '[grayzone]\nloudspeaker_posture = "loud"\n',
            "grayzone.loudspeaker_posture",
            ("'loud'", "must be one of 'off', 'retaliate', 'continuous'"),
        ),
        ("name = 3\n", "name", ("must be text",)),
        ("mines = 3\n", "mines", ("must be a table ([mines])",)),
        ("[terrain]\nsectors = 3\n", "terrain.sectors", ("must be a table of sectors",)),
        ("[timeline]\nevents = 3\n", "timeline.events", ("must be an array of tables",)),
        ('start_date = "2024-02-30"\n', "start_date", ("'2024-02-30'", "not a valid date")),
        ('start_date = "soon"\n', "start_date", ("not a valid date (YYYY-MM-DD)",)),
        ("start_date = 2024-01-01T08:00:00\n", "start_date", ("not a valid date",)),
        (
            '[[timeline.events]]\ndate = "June"\ntype = "talks"\nactor = "x"\n',
            "timeline.events[0].date",
            ("'June'", "not a valid date"),
        ),
        (
            '[[timeline.events]]\ndate = 2024-03-01\ntype = "party"\nactor = "x"\n',
            "timeline.events[0].type",
            ("must be one of 'diplomatic_visit'",),
        ),
    ],
)
def test_bad_values(tmp_path, base, text, key, phrases):
    path = child(tmp_path, text)
    check(error_of(load_scenario, path), path, key, *phrases)


def test_bounds_are_inclusive(tmp_path, base):
    s = load_scenario(child(tmp_path, "[mines]\nblame_probability = 1\nkilled_mean = 0\n"))
    assert (s.mines.blame_probability, s.mines.killed_mean) == (1.0, 0.0)


def test_date_given_as_string(tmp_path, base):
    assert load_scenario(child(tmp_path, 'start_date = "2024-02-01"\n')).start_date == dt.date(
        2024, 2, 1
    )


@pytest.mark.parametrize("end", ["2023-12-31", "2024-01-01"])
def test_end_must_be_after_start(tmp_path, base, end):
    path = child(tmp_path, f"end_date = {end}\n")
    check(
        error_of(load_scenario, path),
        path,
        "end_date",
        repr(end),
        "must be after start_date (2024-01-01)",
    )


@pytest.mark.parametrize(
    "date, side", [("2023-12-31", "before start_date"), ("2025-01-01", "after end_date")]
)
def test_timeline_date_outside_window(tmp_path, base, date, side):
    path = child(
        tmp_path,
        f"""
[[timeline.events]]
date = 2024-03-01
type = "talks"
actor = "x"
[[timeline.events]]
date = {date}
type = "talks"
actor = "y"
""",
    )
    check(
        error_of(load_scenario, path),
        path,
        "timeline.events[1].date",
        repr(date),
        side,
        "within [2024-01-01, 2024-12-31]",
    )


def test_at_least_one_sector(data):
    data["terrain"]["sectors"] = {}
    check(error_of(build_scenario, data, "f"), "f", "terrain.sectors", "at least one sector")


@pytest.mark.parametrize("name", ["", "  "])
def test_sector_name_must_not_be_empty(tmp_path, base, name):
    path = child(tmp_path, f'[terrain.sectors."{name}"]\ncrews = 1\n')
    check(error_of(load_scenario, path), path, f"terrain.sectors.{name}", "non-empty")


def test_sector_must_be_a_table(data):
    data["terrain"]["sectors"]["west"] = 3
    check(error_of(build_scenario, data, "f"), "f", "terrain.sectors.west", "must be a table")


def test_document_must_be_a_table():
    check(error_of(build_scenario, [], "f"), "f", None, "must be a table")


def test_no_events_is_allowed_when_explicit(data):
    data["timeline"]["events"] = []
    s = build_scenario(data, "f")
    assert s.timeline.events == ()
    assert build_scenario(tomllib.loads(scenario_to_toml(s)), "t") == s


# --- overrides -----------------------------------------------------------------------------------
def test_overrides_set_values_of_every_kind(base):
    s = load_scenario(
        base,
        [
            "mines.killed_mean=2",
            "response.dprk.escalate_logit=-3",
            "terrain.sectors.west.crews=5",
            "grayzone.loudspeaker_posture=off",
            "diplomacy.hotline_working=true",
            "start_date=2023-12-01",
            "name = renamed_run ",
            'description="quoted, with = sign"',
            "timeline.events[1].date=2024-09-02",
            "timeline.events[0].backing_at_least=0.5",
        ],
    )
    assert s.timeline.events[1].date == dt.date(2024, 9, 2)
    assert s.timeline.events[0].backing_at_least == 0.5
    assert s.timeline.events[0].date == dt.date(2024, 6, 19)
    assert s.mines.killed_mean == 2.0 and type(s.mines.killed_mean) is float
    assert s.response.dprk.escalate_logit == -3.0
    assert s.response.rok.escalate_logit == -2.5
    assert s.terrain.sectors[0].crews == 5 and s.terrain.sectors[1].crews == 4
    assert s.grayzone.loudspeaker_posture == "off"
    assert s.diplomacy.hotline_working is True
    assert s.start_date == dt.date(2023, 12, 1)
    assert s.name == "renamed_run"
    assert s.description == "quoted, with = sign"


def test_later_override_wins(base):
    s = load_scenario(base, ["mines.killed_mean=1", "mines.killed_mean=4"])
    assert s.mines.killed_mean == 4


def test_apply_overrides_returns_a_new_dict(data):
    before = json.dumps(data, default=str)
    out = apply_overrides(data, ["mines.killed_mean=7", "terrain.sectors.west.crews=1"])
    assert json.dumps(data, default=str) == before
    assert out["mines"]["killed_mean"] == 7.0
    assert out["terrain"]["sectors"]["west"]["crews"] == 1


def test_apply_overrides_checks_the_dataclasses_not_the_dict():
    out = apply_overrides({}, ["mines.killed_mean=1"])
    assert out == {"mines": {"killed_mean": 1.0}}
    check(
        error_of(apply_overrides, {}, ["mines.killed=1"]),
        "--set",
        "mines.killed",
        "did you mean 'mines.killed_mean'?",
    )


@pytest.mark.parametrize(
    "override, key, phrases",
    [
        (
            "mines.kiled_mean=1",
            "mines.kiled_mean",
            ("unknown parameter", "did you mean 'mines.killed_mean'?"),
        ),
        (
            "response.dprk.escalate=1",
            "response.dprk.escalate",
            ("did you mean 'response.dprk.escalate_logit'?",),
        ),
        (
            "terrain.sectors.west.crew=1",
            "terrain.sectors.west.crew",
            ("did you mean 'terrain.sectors.west.crews'?",),
        ),
        (
            "terrain.sectors.wset.crews=1",
            "terrain.sectors.wset.crews",
            ("unknown sector; did you mean 'west'?", "known: west, central"),
        ),
        ("terrain.sectors.west.name=x", "terrain.sectors.west.name", ("unknown parameter",)),
        ("terrain.sectors=1", "terrain.sectors", ("terrain.sectors.NAME.FIELD",)),
        ("mines=1", "mines", ("names the table [mines]",)),
        ("mines.killed_mean.x=1", "mines.killed_mean.x", ("unknown parameter",)),
        ("timeline.events=[]", "timeline.events", ("timeline.events[N].FIELD, N in 0..1",)),
        ("timeline.events[2].date=2024-01-01", "timeline.events[2].date", ("no such event",)),
        ("timeline.events[0].when=2024-01-01", "timeline.events[0].when", ("unknown",)),
        ("timeline.events[0]=1", "timeline.events[0]", ("timeline.events[N].FIELD",)),
        (
            "timeline.events[1].date=2025-01-01",
            "timeline.events[1].date",
            ("after end_date", "within [2024-01-01, 2024-12-31]"),
        ),
        ("mines[0].killed_mean=1", "mines[0].killed_mean", ("unknown parameter",)),
        (
            "mines.killed_mean=two",
            "mines.killed_mean",
            ("'two'", "must be a number in [0, 100] (persons/blast)"),
        ),
        ("mines.killed_mean=-1", "mines.killed_mean", ("-1", "[0, 100]")),
        ("mines.blame_probability=1.5", "mines.blame_probability", ("in [0, 1] (probability)",)),
        ("terrain.sectors.west.crews=2.5", "terrain.sectors.west.crews", ("whole number",)),
        ("diplomacy.hotline_working=yes", "diplomacy.hotline_working", ("true or false",)),
        (
            "grayzone.loudspeaker_posture=loud",
            "grayzone.loudspeaker_posture",
            ("must be one of 'off', 'retaliate', 'continuous'",),
        ),
        ("start_date=2024-13-01", "start_date", ("'2024-13-01'", "not a valid date")),
        ("start_date=tomorrow", "start_date", ("not a valid date",)),
        (
            "escalation.terminal_rung=__import__('os')",
            "escalation.terminal_rung",
            ("whole number",),
        ),
    ],
)
def test_bad_overrides(base, override, key, phrases):
    check(error_of(load_scenario, base, [override]), "--set", key, *phrases)


def test_override_without_equals(base):
    check(error_of(load_scenario, base, ["mines.killed_mean"]), "--set", None, "KEY=VALUE")


def test_override_breaking_a_cross_check_blames_set(base):
    check(
        error_of(load_scenario, base, ["end_date=2023-06-01"]),
        "--set",
        "end_date",
        "'2023-06-01'",
        "must be after start_date (2024-01-01)",
    )
    check(
        error_of(load_scenario, base, ["start_date=2025-06-01"]),
        "--set",
        "start_date",
        "'2025-06-01'",
        "must be before end_date (2024-12-31)",
    )


def test_cross_check_blames_the_file_that_moved_the_date(tmp_path, base):
    path = child(tmp_path, "start_date = 2025-02-01\n")
    check(error_of(load_scenario, path), path, "start_date", "must be before end_date")


def test_override_source_is_configurable(data):
    check(error_of(apply_overrides, data, ["x=1"], source="sweep"), "sweep", "x", "unknown")


# --- writing and paths ---------------------------------------------------------------------------
def test_round_trip_dict(data):
    s = build_scenario(data, "f")
    d = scenario_to_dict(s)
    assert build_scenario(d, "d") == s
    assert json.loads(json.dumps(d)) == d  # plain JSON
    assert d["start_date"] == "2024-01-01"
    assert d["terrain"]["sectors"]["west"] == {
        "mine_density": 0.5,
        "south_mine_density": 0.1,
        "marker_visibility": 0.6,
        "crews": 3,
        "dprk_patrols": 2,
        "rok_patrols": 2,
    }
    assert d["timeline"]["events"][0]["date"] == "2024-06-19"
    assert list(d) == [f.name for f in dc.fields(Scenario)]


def test_round_trip_toml(data):
    data["description"] = 'tab\there "quote" \\ back\u00e9\x01\x7f'
    data["terrain"]["sectors"]["north sector.x"] = data["terrain"]["sectors"]["west"]
    data["priors"] = {
        "terrain.sectors.north sector.x.mine_density": {
            "dist": "beta",
            "a": 2,
            "b": 2,
            "low": 0,
            "high": 1,
        },
        "mines.killed_mean": {"dist": "normal", "mean": 2, "sd": 1, "low": 0, "high": 6},
    }
    s = build_scenario(data, "f")
    assert [p.path for p in s.priors] == [
        "mines.killed_mean",
        "terrain.sectors.north sector.x.mine_density",
    ]
    text = scenario_to_toml(s)
    assert build_scenario(tomllib.loads(text), "t") == s
    assert '\n"mines.killed_mean" = { dist = "normal", mean = 2.0, sd = 1.0, low = 0.0' in text
    for header in (
        "[terrain]",
        "[terrain.sectors.west]",
        '[terrain.sectors."north sector.x"]',
        "[response.dprk]",
        "[response.rok]",
        "[[timeline.events]]",
        "[priors]",
    ):
        assert f"\n{header}\n" in text
    assert "start_date = 2024-01-01\n" in text
    assert "hotline_working = false\n" in text
    assert "mine_laying_per_crew_day = 0.0002\n" in text


def test_written_toml_loads_as_file(tmp_path, base):
    s = load_scenario(base, ["mines.killed_mean=1e-05", "response.rok.tension_slope=-0.123455"])
    out = tmp_path / "resolved.toml"
    out.write_text(scenario_to_toml(s), encoding="utf-8")
    assert load_scenario(out) == s


def test_iter_parameters_without_scenario():
    paths = dict(iter_parameters())
    assert "mines.killed_mean" in paths
    assert "response.dprk.escalate_logit" in paths
    assert "terrain.sectors.*.crews" in paths
    assert "terrain.sectors.*.name" not in paths
    assert "timeline.events[].date" in paths
    assert "terrain.sectors" not in paths and "mines" not in paths
    assert paths["mines.blame_probability"].metadata["hi"] == 1.0
    assert len(paths) == len(set(paths))


def test_iter_parameters_with_scenario_names_sectors(data):
    s = build_scenario(data, "f")
    paths = [p for p, _ in iter_parameters(s)]
    assert "terrain.sectors.west.crews" in paths and "terrain.sectors.central.crews" in paths
    assert not any("*" in p for p in paths)
    for p in paths:
        if "[]" not in p:
            parameter_path_value(s, p)  # every listed path can be read


def test_parameter_path_value(data):
    s = build_scenario(data, "f")
    assert parameter_path_value(s, "mines.killed_mean") == 2.0
    assert parameter_path_value(s, "terrain.sectors.central.crews") == 4
    assert parameter_path_value(s, "response.rok.rung_aversion") == 1.0
    assert parameter_path_value(s, "timeline.events[1].type") == "exercise"
    assert parameter_path_value(s, "start_date") == dt.date(2024, 1, 1)
    assert parameter_path_value(s, "mines") == s.mines
    assert isinstance(parameter_path_value(s, "timeline.events[0]"), TimelineEvent)
    for bad, hint in [
        ("mines.kiled_mean", "mines.killed_mean"),
        ("terrain.sectors.wset.crews", "terrain.sectors.west.crews"),
        ("timeline.events[5].date", None),
        ("name.x", None),
    ]:
        err = error_of(parameter_path_value, s, bad)
        assert err.key == bad and "unknown parameter" in str(err)
        if hint:
            assert f"did you mean '{hint}'" in str(err)


def test_every_bounded_leaf_has_consistent_metadata():
    for path, f in iter_parameters():
        lo, hi = f.metadata.get("lo"), f.metadata.get("hi")
        if lo is not None and hi is not None:
            assert lo <= hi, path
        assert not (lo is not None and not math.isfinite(lo)), path


def test_cma_suspension_needs_a_side(tmp_path):
    base = Path(__file__).resolve().parent.parent / "scenarios" / "baseline_2024.toml"
    bad = tmp_path / "bad.toml"
    bad.write_text(
        f'extends = "{base}"\n[[timeline.events]]\ndate = 2024-07-01\n'
        'type = "cma_suspension"\nactor = "Seoul"\n'
    )
    with pytest.raises(InputError) as err:
        load_scenario(bad)
    assert "timeline.events[0].actor" in str(err.value) and "'ROK'" in str(err.value)
