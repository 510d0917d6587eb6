"""The timeline's typed events: every type round-trips, bad events get one clear line naming
the key (in the loader and on the command line), random tables either load and round-trip or
fail cleanly, and every injected incident and dated decision runs in the model."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import hypothesis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from model_helpers import BASELINE, baseline, error_of, quiet, replace

from sim.errors import InputError
from sim.model.replication import run_replication
from sim.scenario.loader import (
    build_scenario,
    load_scenario,
    scenario_to_dict,
    scenario_to_toml,
)
from sim.scenario.params import (
    BACKING_FIELDS,
    BLAME,
    PARTIES,
    ROES,
    SPEAKER_POSTURES,
    TIMELINE_KINDS,
    TIMELINE_TYPES,
    ULTIMATUM_DEMANDS,
    ULTIMATUM_THREATS,
    TimelineEvent,
    timeline_fields,
)

DAY = dt.date(2024, 3, 10)  # inside baseline_2024's window (2023-11-23 to 2024-12-31)
N_BASE = len(baseline().timeline.events)  # a new event appended to the baseline's gets this index
POSTURES = {"loudspeakers": SPEAKER_POSTURES, "roe": ROES}

# One event per type: its required fields and some optional ones (``date`` and ``type`` added).
EXAMPLES: dict[str, dict] = {
    "diplomatic_visit": {"actor": "Russia", "backing_change": 0.1, "hour": 9.5, "note": "visit"},
    "treaty": {"actor": "Russia+DPRK", "backing_at_least": 0.8, "note": 'a "quoted" note'},
    "condemnation": {"actor": "G7"},
    "exercise": {"actor": "US+ROK", "duration_days": 11.0},
    "cma_suspension": {"actor": "ROK", "hour": 8.0},
    "cma_restoration": {"hour": 15.0},
    "talks": {"actor": "both", "hour": 10.0},
    "loudspeakers": {"posture": "continuous", "hour": 17.0},
    "roe": {"posture": "hardline", "actor": "ROK"},
    "hotline": {"working": True, "actor": "DPRK"},
    "leaflets": {"allowed": False},
    "crews": {"crews": 5, "sector": "central"},
    "work": {"working": False, "sector": "west"},
    "backing": {"backing_change": -0.2, "actor": "Russia"},
    "mine_blast": {
        "actor": "DPRK",
        "sector": "west",
        "killed": 2,
        "injured": 1,
        "blame": "yes",
        "hour": 7.5,
    },
    "mdl_crossing": {
        "sector": "central",
        "party": "crew",
        "party_size": 20,
        "deliberate": True,
        "hour": 10.0,
    },
    "leaflet_launch": {"note": "activists"},
    "balloon_wave": {"hour": 22.0},
    "fire_at_speakers": {"sector": "west"},
    "fire_at_balloons": {},
    "fire_at_defector": {"sector": "east", "hour": 3.25},
    "show_of_force": {"actor": "ROK", "sector": "east"},
    "artillery_barrage": {"actor": "DPRK", "sector": "west"},
    "demolition": {},
    "ultimatum": {"demand": "speakers_off", "threat": "fire_at_speakers", "deadline_days": 2.0},
}


def example(type_: str, **changes) -> dict:
    return {"date": DAY, "type": type_, **EXAMPLES[type_], **changes}


# --- writing scenario files ----------------------------------------------------------------------
def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(value)  # a TOML basic string


def events_toml(events: list[dict]) -> str:
    out = []
    for event in events:
        out.append("[[timeline.events]]")
        out.extend(f"{key} = {toml_value(value)}" for key, value in event.items())
    return "\n".join(out) + "\n"


def write_scenario(path: Path, events: list[dict], before: str = "") -> Path:
    """A file extending baseline_2024 with ``events`` as its whole timeline."""
    text = f"extends = {json.dumps(str(BASELINE))}\n{before}\n{events_toml(events)}"
    path.write_text(text, encoding="utf-8")
    return path


def baseline_events() -> list[dict]:
    """The baseline's own events, as tables (a child's array replaces its parent's)."""
    return scenario_to_dict(baseline())["timeline"]["events"]


def with_event(path: Path, event: dict) -> Path:
    """The baseline's events and ``event`` appended (index N_BASE)."""
    return write_scenario(path, [*baseline_events(), event])


def dmzsim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=cwd
    )


def expected_value(field: str, value):
    if field == "date" and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if TimelineEvent.__dataclass_fields__[field].type == "float":
        return float(value)
    return value


# --- 1. every type round-trips ---------------------------------------------------------------
def test_examples_cover_every_type():
    assert set(EXAMPLES) == set(TIMELINE_TYPES) == set(TIMELINE_KINDS)
    for type_, fields in EXAMPLES.items():
        kind = TIMELINE_KINDS[type_]
        assert set(kind.required) <= set(fields), type_
        assert set(fields) <= set(timeline_fields(type_)), type_


@pytest.mark.parametrize("type_", TIMELINE_TYPES)
def test_every_type_round_trips(tmp_path, type_):
    event = example(type_)
    s = load_scenario(write_scenario(tmp_path / f"{type_}.toml", [event]))
    (te,) = s.timeline.events  # the child's array replaces the baseline's
    for field, value in event.items():
        assert getattr(te, field) == expected_value(field, value), field
    kind = TIMELINE_KINDS[type_]
    if "actor" not in event:
        assert te.actor == kind.default_actor
    # TOML text, as a file and as parsed tables, and the plain dict all load back equal
    written = tmp_path / "written.toml"
    written.write_text(scenario_to_toml(s), encoding="utf-8")
    assert load_scenario(written) == s
    assert build_scenario(tomllib.loads(scenario_to_toml(s)), "toml") == s
    d = scenario_to_dict(s)
    json.dumps(d)  # JSON-able
    assert build_scenario(d, "dict") == s
    # only the type's own fields are written, in declaration order
    assert list(d["timeline"]["events"][0]) == list(timeline_fields(type_))


@pytest.fixture(scope="module")
def validate_output(tmp_path_factory) -> dict[str, tuple[int, str, str]]:
    """One `dmzsim validate` run over a file per type: each file's printed TOML, by type."""
    folder = tmp_path_factory.mktemp("validate")
    files = [write_scenario(folder / f"{t}.toml", [example(t)]) for t in TIMELINE_TYPES]
    p = dmzsim("validate", *map(str, files), cwd=folder)
    parts = re.split(r"^# (.+): valid$", p.stdout, flags=re.M)
    printed = {Path(name).stem: text for name, text in zip(parts[1::2], parts[2::2], strict=True)}
    return {t: (p.returncode, p.stderr, printed.get(t, "")) for t in TIMELINE_TYPES}


@pytest.mark.parametrize("type_", TIMELINE_TYPES)
def test_validate_prints_only_the_types_fields(validate_output, type_):
    code, stderr, text = validate_output[type_]
    assert code == 0 and stderr == ""
    (printed,) = tomllib.loads(text)["timeline"]["events"]
    assert list(printed) == list(timeline_fields(type_))
    for field, value in example(type_).items():
        assert expected_value(field, printed[field]) == expected_value(field, value), field


@pytest.mark.parametrize(
    "name", ["aug2015", "oct2014", "jun2020", "nov2017", "fork_probe_aug2024", "baseline_2024"]
)
def test_bundled_scenarios_with_typed_events_round_trip(name):
    s = load_scenario(BASELINE.parent / f"{name}.toml")
    assert build_scenario(tomllib.loads(scenario_to_toml(s)), "toml") == s
    assert build_scenario(scenario_to_dict(s), "dict") == s
    for event in scenario_to_dict(s)["timeline"]["events"]:
        assert list(event) == list(timeline_fields(event["type"]))


# --- 2. bad input --------------------------------------------------------------------------------
def mine_blast(**changes) -> dict:
    return example("mine_blast", **changes)


def without(event: dict, *keys: str) -> dict:
    return {k: v for k, v in event.items() if k not in keys}


# id: (event appended to the baseline's, offending field, phrases the message must hold)
BAD_EVENTS = {
    "killed_on_treaty": (example("treaty", killed=2), "killed", ("does not apply", "mine_blast")),
    "posture_on_mine_blast": (mine_blast(posture="off"), "posture", ("does not apply", "roe")),
    "roe_without_posture": (
        without(example("roe"), "posture"),
        "posture",
        ("required", "standard", "hardline", "restrained"),
    ),
    "crossing_without_sector": (
        without(example("mdl_crossing"), "sector"),
        "sector",
        ("required", "mdl_crossing"),
    ),
    "ultimatum_without_demand": (
        without(example("ultimatum"), "demand"),
        "demand",
        ("required", "speakers_off", "leaflets_stop"),
    ),
    "mine_blast_without_actor": (
        without(mine_blast(), "actor"),
        "actor",
        ("required", "'DPRK'", "'ROK'"),
    ),
    "mine_blast_by_usa": (mine_blast(actor="USA"), "actor", ("'USA'", "'DPRK'", "'ROK'")),
    "loudspeakers_by_dprk": (
        example("loudspeakers", actor="DPRK"),
        "actor",
        ("'DPRK'", "must be one of 'ROK'"),
    ),
    "roe_continuous": (
        example("roe", posture="continuous"),
        "posture",
        ("'continuous'", "'standard'", "'hardline'", "'restrained'"),
    ),
    "loudspeakers_hardline": (
        example("loudspeakers", posture="hardline"),
        "posture",
        ("'hardline'", "'off'", "'retaliate'", "'continuous'"),
    ),
    "unknown_sector": (
        example("mdl_crossing", sector="north"),
        "sector",
        ("unknown sector", "west", "central", "east"),
    ),
    "hour_24": (example("talks", hour=24), "hour", ("[0, 23.99]",)),
    "hour_minus_1": (example("talks", hour=-1), "hour", ("[0, 23.99]",)),
    "party_squad": (example("mdl_crossing", party="squad"), "party", ("'crew'", "'patrol'")),
    "party_size_minus_1": (example("mdl_crossing", party_size=-1), "party_size", ("[0, 1000]",)),
    "deadline_days_0": (example("ultimatum", deadline_days=0), "deadline_days", ("[0.01, 3650]",)),
    "blame_maybe": (mine_blast(blame="maybe"), "blame", ("'model'", "'yes'", "'no'")),
    "demand_apologise": (
        example("ultimatum", demand="apologise"),
        "demand",
        ("'speakers_off'", "'leaflets_stop'"),
    ),
    "threat_nuke": (example("ultimatum", threat="nuke"), "threat", ("'fire_at_speakers'",)),
    "backing_without_either_field": (
        without(example("backing"), *BACKING_FIELDS),
        "backing_change",
        ("backing_change or backing_at_least",),
    ),
    "killed_two": (mine_blast(killed="two"), "killed", ("whole number",)),
    "planted_yes": (mine_blast(planted="yes"), "planted", ("true or false",)),
    "crews_1_5": (example("crews", crews=1.5), "crews", ("whole number",)),
    "unknown_type": ({"date": DAY, "type": "coup"}, "type", ("'treaty'", "'mine_blast'")),
    "date_after_end": (example("talks", date=dt.date(2025, 1, 1)), "date", ("after end_date",)),
    "hotline_by_usa": (example("hotline", actor="USA"), "actor", ("'both'",)),
    "cma_suspension_without_actor": (
        without(example("cma_suspension"), "actor"),
        "actor",
        ("required", "'both'"),
    ),
}
EMPTY_EVENTS = {
    "mine_blast_empty_sector": (mine_blast(sector=""), "sector", ("sector",)),
    "crossing_empty_sector": (example("mdl_crossing", sector=""), "sector", ("sector",)),
    "fire_at_defector_empty_sector": (
        example("fire_at_defector", sector=""),
        "sector",
        ("sector",),
    ),
    "ultimatum_empty_demand": (
        example("ultimatum", demand=""),
        "demand",
        ("speakers_off", "leaflets_stop"),
    ),
}


def check_error(err: InputError, source: str, key: str, phrases=()) -> None:
    text = str(err)
    assert "\n" not in text and "\r" not in text
    assert err.source == source and err.key == key, text
    assert text.startswith(f"{source}: {key} = "), text
    assert err.allowed, text
    for phrase in phrases:
        assert phrase in text, text


@pytest.mark.parametrize(
    ("event", "field", "phrases"),
    [pytest.param(*case, id=name) for name, case in {**BAD_EVENTS, **EMPTY_EVENTS}.items()],
)
def test_bad_event_is_one_line_naming_the_key(tmp_path, event, field, phrases):
    path = with_event(tmp_path / "bad.toml", event)
    err = error_of(load_scenario, path)
    check_error(err, str(path), f"timeline.events[{N_BASE}].{field}", phrases)


# id: (event appended to the baseline's, the override, offending field, phrases)
BAD_OVERRIDES = {
    "set_killed_on_treaty": (example("treaty"), "killed=3", "killed", ("does not apply",)),
    "set_posture_off_on_roe": (
        example("roe"),
        "posture=off",
        "posture",
        ("'off'", "'standard'", "'hardline'", "'restrained'"),
    ),
    "set_hour_24": (example("talks"), "hour=24", "hour", ("[0, 23.99]",)),
    "set_blame_maybe": (mine_blast(), "blame=maybe", "blame", ("'model'",)),
}


@pytest.mark.parametrize(
    ("event", "override", "field", "phrases"),
    [pytest.param(*case, id=name) for name, case in BAD_OVERRIDES.items()],
)
def test_bad_override_of_an_event_blames_set(tmp_path, event, override, field, phrases):
    path = with_event(tmp_path / "ok.toml", event)
    load_scenario(path)  # the file itself is valid
    key = f"timeline.events[{N_BASE}].{field}"
    err = error_of(load_scenario, path, [f"timeline.events[{N_BASE}].{override}"])
    check_error(err, "--set", key, phrases)


# id: (section header, old key line, dotted key, suggestion)
RENAMED = {
    "sector_patrols": (
        "[terrain.sectors.west]",
        "patrols = 2",
        "terrain.sectors.west.patrols",
        "did you mean '",
    ),
    "loudspeaker_policy": (
        "[grayzone]",
        'loudspeaker_policy = "off"',
        "grayzone.loudspeaker_policy",
        "did you mean 'loudspeaker_posture'",
    ),
    "tension_per_goldstein": (
        "[escalation]",
        "tension_per_goldstein = 0.1",
        "escalation.tension_per_goldstein",
        "did you mean 'relief_per_goldstein'",
    ),
}


@pytest.mark.parametrize(
    ("header", "line", "key", "suggestion"),
    [pytest.param(*case, id=name) for name, case in RENAMED.items()],
)
def test_renamed_key_gets_a_suggestion(tmp_path, header, line, key, suggestion):
    path = tmp_path / "old.toml"
    path.write_text(f"extends = {json.dumps(str(BASELINE))}\n{header}\n{line}\n")
    err = error_of(load_scenario, path)
    check_error(err, str(path), key, ("unknown key", suggestion))
    if key.endswith(".patrols"):  # the old key was split in two: both are listed
        assert "dprk_patrols" in str(err) and "rok_patrols" in str(err)


def test_type_field_missing_from_an_inherited_event_blames_the_file_that_holds_it(tmp_path):
    parent = write_scenario(tmp_path / "parent.toml", [without(example("roe"), "posture")])
    kid = tmp_path / "kid.toml"
    kid.write_text('extends = "parent.toml"\nname = "kid"\n')
    check_error(error_of(load_scenario, kid), str(parent), "timeline.events[0].posture")


def test_date_missing_from_an_inherited_event_blames_the_file_that_holds_it(tmp_path):
    parent = write_scenario(tmp_path / "parent.toml", [without(example("talks"), "date")])
    kid = tmp_path / "kid.toml"
    kid.write_text('extends = "parent.toml"\nname = "kid"\n')
    check_error(error_of(load_scenario, kid), str(parent), "timeline.events[0].date")


# The command line, for a representative subset (each a subprocess, ~0.15 s for validate)
CLI_CASES = {
    "killed_on_treaty": (BAD_EVENTS["killed_on_treaty"][0], None, "killed"),
    "roe_without_posture": (BAD_EVENTS["roe_without_posture"][0], None, "posture"),
    "mine_blast_by_usa": (BAD_EVENTS["mine_blast_by_usa"][0], None, "actor"),
    "hour_24": (BAD_EVENTS["hour_24"][0], None, "hour"),
    "crews_1_5": (BAD_EVENTS["crews_1_5"][0], None, "crews"),
    "unknown_type": (BAD_EVENTS["unknown_type"][0], None, "type"),
    "set_killed_on_treaty": (example("treaty"), "killed=3", "killed"),
    "set_posture_off_on_roe": (example("roe"), "posture=off", "posture"),
}


@pytest.mark.parametrize(
    ("event", "override", "field"),
    [pytest.param(*case, id=name) for name, case in CLI_CASES.items()],
)
def test_cli_validate_bad_event(tmp_path, event, override, field):
    path = with_event(tmp_path / "bad.toml", event)
    extra = ["--set", f"timeline.events[{N_BASE}].{override}"] if override else []
    p = dmzsim("validate", str(path), *extra, cwd=tmp_path)
    assert p.returncode == 2 and p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in p.stderr, p.stderr
    assert f"timeline.events[{N_BASE}].{field} = " in lines[0]
    assert ("--set" if override else str(path)) in lines[0]
    assert sorted(x.name for x in tmp_path.iterdir()) == ["bad.toml"]  # nothing written


@pytest.mark.parametrize(
    ("event", "override"),
    [
        pytest.param(mine_blast(posture="off"), None, id="posture_on_mine_blast"),
        pytest.param(example("roe"), "posture=off", id="set_posture_off_on_roe"),
    ],
)
def test_cli_run_bad_event_writes_nothing(tmp_path, event, override):
    path = with_event(tmp_path / "bad.toml", event)
    extra = ["--set", f"timeline.events[{N_BASE}].{override}"] if override else []
    out = tmp_path / "out"
    p = dmzsim("run", str(path), "-n", "2", "--seed", "1", "--out", str(out), *extra, cwd=tmp_path)
    assert p.returncode == 2, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr, p.stderr
    assert f"timeline.events[{N_BASE}].posture = 'off'" in p.stderr
    assert sorted(x.name for x in tmp_path.iterdir()) == ["bad.toml"]  # no out/, no results/


def test_cli_validate_refuses_mine_blast_without_a_sector(tmp_path):
    path = with_event(tmp_path / "bad.toml", mine_blast(sector=""))
    p = dmzsim("validate", str(path), cwd=tmp_path)
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1


# --- 3. random event tables, valid and broken in exactly one way ---------------------------------
SECTORS = ("west", "central")  # make_scenario_data's sectors
WINDOW = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


def value_of(type_: str | None, field: str) -> st.SearchStrategy:
    """A valid value of ``field`` (for an event of ``type_`` when that matters)."""
    kind = TIMELINE_KINDS.get(type_) if type_ else None
    return {
        "date": st.dates(*WINDOW) | st.dates(*WINDOW).map(dt.date.isoformat),
        "actor": st.sampled_from(kind.actors) if kind and kind.actors else texts,
        "hour": st.floats(0, 23.99) | st.integers(0, 23),
        "sector": st.sampled_from(SECTORS),
        "backing_change": st.floats(-1, 1),
        "backing_at_least": st.floats(0, 1),
        "duration_days": st.floats(0, 3650),
        "posture": st.sampled_from(POSTURES.get(type_, ("off", "standard"))),
        "working": st.booleans(),
        "allowed": st.booleans(),
        "crews": st.integers(0, 100),
        "killed": st.integers(0, 500),
        "injured": st.integers(0, 500),
        "planted": st.booleans(),
        "blame": st.sampled_from(BLAME),
        "party": st.sampled_from(PARTIES),
        "party_size": st.integers(0, 500),
        "deliberate": st.booleans(),
        "demand": st.sampled_from(ULTIMATUM_DEMANDS),
        "threat": st.sampled_from(("", *ULTIMATUM_THREATS)),
        "deadline_days": st.floats(0.01, 3650),
        "note": texts,
    }[field]


@st.composite
def valid_event(draw, types: tuple[str, ...] = TIMELINE_TYPES) -> dict:
    type_ = draw(st.sampled_from(types))
    kind = TIMELINE_KINDS[type_]
    event = {"date": draw(value_of(type_, "date")), "type": type_}
    needed = set(kind.required) | ({"actor"} if kind.actors and not kind.default_actor else set())
    for field in timeline_fields(type_):
        if field in ("date", "type"):
            continue
        if field in needed or draw(st.booleans()):
            event[field] = draw(value_of(type_, field))
    if type_ == "backing" and not set(event) & set(BACKING_FIELDS):
        field = draw(st.sampled_from(BACKING_FIELDS))
        event[field] = draw(value_of(type_, field))
    return event


NUMBER_RANGES = {  # field: values out of its range
    "hour": st.sampled_from([24, -1, 23.995, math.inf, -math.inf, math.nan])
    | st.floats(min_value=24.0, exclude_min=False),
    "backing_change": st.floats(min_value=1.0, exclude_min=True) | st.just(-1.5),
    "backing_at_least": st.floats(min_value=1.0, exclude_min=True) | st.just(-0.1),
    "duration_days": st.floats(max_value=-1e-9),
    "deadline_days": st.floats(max_value=0.01, exclude_max=True),
    "crews": st.integers(max_value=-1),
    "killed": st.integers(max_value=-1),
    "injured": st.integers(max_value=-1),
    "party_size": st.integers(max_value=-1),
}
WRONG_TYPES = {
    "date": ["June", 2024, dt.datetime(2024, 3, 10, 9, 0), "2024-13-01"],
    "type": [3, True],
    "actor": [3, True, 1.5],
    "hour": ["noon", True],
    "sector": [3, False],
    "backing_change": ["much", True],
    "backing_at_least": ["much", False],
    "duration_days": ["week", True],
    "posture": [1, True],
    "working": ["yes", 1],
    "allowed": ["no", 0],
    "crews": ["two", 1.5, True, 2.0],
    "killed": ["two", 1.5, True],
    "injured": ["one", 0.5],
    "planted": ["yes", 1],
    "blame": [True, 1],
    "party": [1, False],
    "party_size": [1.5, "ten"],
    "deliberate": ["yes", 1],
    "demand": [1, False],
    "threat": [1, True],
    "deadline_days": ["two", True],
    "note": [3, True],
}
CHOICES = {
    "blame": BLAME,
    "party": PARTIES,
    "demand": ULTIMATUM_DEMANDS,
    "threat": ("", *ULTIMATUM_THREATS),
}


# Each way to break an event, and the types it can break.
WAYS = {
    "foreign": TIMELINE_TYPES,  # a field of another type
    "drop": TIMELINE_TYPES,  # a required field left out
    "wrong_type": TIMELINE_TYPES,
    "unknown_key": TIMELINE_TYPES,
    "unknown_type": TIMELINE_TYPES,
    "date": TIMELINE_TYPES,  # outside the scenario's window
    "range": TIMELINE_TYPES,  # a number out of its range (every type has an hour)
    "actor": tuple(t for t, k in TIMELINE_KINDS.items() if k.actors),
    "posture": tuple(POSTURES),
    "choice": tuple(t for t in TIMELINE_TYPES if set(timeline_fields(t)) & set(CHOICES)),
    "sector": tuple(t for t in TIMELINE_TYPES if "sector" in timeline_fields(t)),
}


@st.composite
def broken(draw, event: dict, way: str) -> tuple[dict, str]:
    """``event`` with exactly one rule broken (in ``way``), and the field to blame."""
    type_ = event["type"]
    kind = TIMELINE_KINDS[type_]
    mine = timeline_fields(type_)
    out = dict(event)
    if way == "foreign":
        others = [f for f in TimelineEvent.__dataclass_fields__ if f not in mine]
        field = draw(st.sampled_from(others))
        out[field] = draw(value_of(None, field))
    elif way == "drop":
        needed = ["date", "type", *kind.required]
        if kind.actors and not kind.default_actor:
            needed.append("actor")
        if type_ == "backing":
            needed.append("backing_change")  # both backing fields left out
        field = draw(st.sampled_from(needed))
        for f in BACKING_FIELDS if type_ == "backing" and field == "backing_change" else (field,):
            out.pop(f, None)
    elif way == "wrong_type":
        field = draw(st.sampled_from(mine))
        out[field] = draw(st.sampled_from(WRONG_TYPES[field]))
    elif way == "unknown_key":
        field = draw(st.sampled_from(["when", "kind", "party_sizes", "sectors", "Type"]))
        out[field] = 1
    elif way == "unknown_type":
        field = "type"
        out[field] = draw(texts.filter(lambda t: t not in TIMELINE_KINDS))
    elif way == "date":
        field = "date"
        out[field] = draw(st.sampled_from([dt.date(2023, 12, 31), dt.date(2025, 1, 1)]))
    elif way == "range":
        field = draw(st.sampled_from(sorted(set(mine) & set(NUMBER_RANGES))))
        out[field] = draw(NUMBER_RANGES[field])
    elif way == "actor":
        field = "actor"
        out[field] = draw(texts.filter(lambda t: t not in kind.actors))
    elif way == "posture":
        field = "posture"
        others = [p for p in (*SPEAKER_POSTURES, *ROES, "") if p not in POSTURES[type_]]
        out[field] = draw(
            st.sampled_from(others) | texts.filter(lambda t: t not in POSTURES[type_])
        )
    elif way == "choice":
        field = draw(st.sampled_from(sorted(set(mine) & set(CHOICES))))
        out[field] = draw(texts.filter(lambda t: t and t not in CHOICES[field]))
    else:  # sector
        field = "sector"
        out[field] = draw(texts.filter(lambda t: t and t not in SECTORS))
    return out, field


@st.composite
def event_tables(draw) -> tuple[list[dict], int | None, str | None]:
    """Random events; half the time one of them broken: (events, its index, the field)."""
    events = draw(st.lists(valid_event(), max_size=4))
    if draw(st.booleans()):
        hypothesis.event("valid")
        return events, None, None
    way = draw(st.sampled_from(sorted(WAYS)))
    hypothesis.event(f"broken: {way}")
    i = draw(st.integers(0, len(events)))
    victim, field = draw(broken(draw(valid_event(WAYS[way])), way))
    events.insert(i, victim)
    return events, i, field


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event_tables())
def test_random_event_tables_load_or_fail_cleanly(make_scenario_data, case):
    events, bad, field = case
    data = make_scenario_data()
    data["timeline"]["events"] = events
    if bad is None:
        s = build_scenario(data, "random.toml")
        for event, te in zip(events, s.timeline.events, strict=True):
            for f, value in event.items():
                assert getattr(te, f) == expected_value(f, value), f
        assert build_scenario(tomllib.loads(scenario_to_toml(s)), "toml") == s
        d = scenario_to_dict(s)
        assert build_scenario(d, "dict") == s
        for event in d["timeline"]["events"]:
            assert list(event) == list(timeline_fields(event["type"]))
        return
    with pytest.raises(InputError) as info:
        build_scenario(data, "random.toml")
    err = info.value
    key = f"timeline.events[{bad}].{field}"
    text = str(err)
    assert "\n" not in text and "\r" not in text, text
    assert err.key == key, text
    assert text.startswith(f"random.toml: {key} = "), text
    assert err.allowed, text


# --- 4. injected incidents and dated decisions run ---------------------------------------------
@pytest.fixture(scope="module")
def quiet_world():
    return quiet(baseline())


# id: (event, state changes for the quiet world, the type recorded or None for nothing)
RUNS = {
    "mine_blast_dprk": (mine_blast(), {}, "mine_blast"),
    "mine_blast_rok": (
        mine_blast(actor="ROK", planted=True, blame="model", hour=23.5),
        {},
        "mine_blast",
    ),
    "mdl_crossing": (example("mdl_crossing"), {}, "mdl_crossing"),
    "leaflet_launch": (example("leaflet_launch"), {}, "leaflet_launch"),
    "balloon_wave": (example("balloon_wave"), {}, "balloon_wave"),
    "fire_at_speakers": (example("fire_at_speakers"), {}, "fire_at_speakers"),
    "fire_at_balloons": (example("fire_at_balloons"), {}, "fire_at_balloons"),
    "fire_at_defector": (example("fire_at_defector"), {}, "fire_at_defector"),
    "show_of_force": (example("show_of_force"), {}, "show_of_force"),
    "artillery_barrage": (example("artillery_barrage"), {}, "artillery_barrage"),
    "demolition": (
        example("demolition"),
        {"diplomacy": {"joint_facilities": 1}},
        "demolition",
    ),
    "ultimatum": (example("ultimatum"), {}, "ultimatum"),
    "ultimatum_leaflets": (
        example("ultimatum", demand="leaflets_stop", threat="", hour=0.0),
        {},
        "ultimatum",
    ),
    "loudspeakers_raised": (example("loudspeakers"), {}, "speakers_raised"),
    "loudspeakers_lowered": (
        example("loudspeakers", posture="off"),
        {"grayzone": {"loudspeaker_posture": "continuous"}},
        "speakers_lowered",
    ),
    "loudspeakers_unchanged": (example("loudspeakers", posture="off"), {}, None),
    "roe_changed": (example("roe"), {}, "roe_changed"),
    "roe_unchanged": (example("roe", posture="standard"), {}, None),
    "hotline_restored": (example("hotline"), {}, "hotline_restored"),
    "hotline_cut": (
        example("hotline", working=False),
        {"diplomacy": {"hotline_working": True}},
        "hotline_cut",
    ),
    "hotline_unchanged": (example("hotline", working=False), {}, None),
    "leaflets_stopped": (example("leaflets"), {}, "leaflets_stopped"),
    "leaflets_allowed": (
        example("leaflets", allowed=True),
        {"grayzone": {"leaflets_allowed": False}},
        "leaflets_allowed",
    ),
    "leaflets_unchanged": (example("leaflets", allowed=True), {}, None),
    "crews_changed": (example("crews"), {}, "crews_changed"),
    "crews_everywhere": (without(example("crews"), "sector"), {}, "crews_changed"),
    "crews_unchanged": (example("crews", crews=0), {}, None),
    "work_stopped": (example("work"), {}, "crews_changed"),
    "work_unchanged": (example("work", working=True), {}, None),
    "backing_changed": (example("backing"), {}, "backing_changed"),
    "backing_raised": (
        without(example("backing", backing_at_least=0.9), "backing_change"),
        {},
        "backing_changed",
    ),
}
NO_CHANGE_RUNS = {
    "backing_unchanged": (
        without(example("backing", backing_at_least=0.1), "backing_change"),
        {},
        None,
    ),
}


def run_with(world, event: dict, state: dict):
    data = scenario_to_dict(world)
    data["timeline"]["events"] = [event]
    te = build_scenario(data, "inject").timeline.events[0]  # checked as a file would be
    s = replace(world, timeline={"events": (te,)}, **state)
    return te, run_replication(s, 7, 0, keep_events=True)


@pytest.mark.parametrize(
    ("event", "state", "recorded"),
    [pytest.param(*case, id=name) for name, case in {**RUNS, **NO_CHANGE_RUNS}.items()],
)
def test_inject_or_decision_runs(quiet_world, event, state, recorded):
    te, result = run_with(quiet_world, event, state)
    injected = [e for e in result.events if e.injected]
    if recorded is None:
        assert injected == [], injected
        return
    (ev,) = injected
    assert ev.type == recorded
    at = (te.date - quiet_world.start_date).days + te.hour / 24.0
    assert ev.time == pytest.approx(at, abs=1e-9)
    assert result.events[0] == ev  # nothing else happens in a quiet world before it
    if TIMELINE_KINDS[te.type].group == "inject":
        assert ev.actor == te.actor
        assert ev.sector == te.sector
    if te.type == "mine_blast":
        assert (ev.killed, ev.injured) == (te.killed, te.injured)


def test_every_inject_and_decision_type_is_run():
    ran = {case[0]["type"] for case in RUNS.values()}
    wanted = {t for t, k in TIMELINE_KINDS.items() if k.group in ("inject", "decision")}
    assert wanted <= ran
