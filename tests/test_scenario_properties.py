"""Property tests of the scenario loader: ranges, junk overrides, round trips."""

from __future__ import annotations

import datetime as dt
import json
import math
import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import InputError
from sim.scenario.loader import (
    apply_overrides,
    build_scenario,
    iter_parameters,
    parameter_path_value,
    scenario_to_dict,
    scenario_to_toml,
)
from sim.scenario.params import (
    BLAME,
    PARTIES,
    ROES,
    SPEAKER_POSTURES,
    TIMELINE_KINDS,
    TIMELINE_TYPES,
    ULTIMATUM_DEMANDS,
    ULTIMATUM_THREATS,
    timeline_fields,
)


def _settable(kind: type) -> list[tuple[str, float | None, float | None]]:
    """Paths (sector fields under 'west') of one type, with their bounds."""
    out = []
    for path, f in iter_parameters():
        if path.startswith("timeline.") or f.type not in (kind.__name__, kind):
            continue
        out.append((path.replace("*", "west"), f.metadata.get("lo"), f.metadata.get("hi")))
    return out


FLOATS = _settable(float)
BOUNDED_FLOATS = [p for p in FLOATS if p[1] is not None or p[2] is not None]
INTS = _settable(int)
KNOWN_PATHS = [p for p, _, _ in FLOATS + INTS] + [
    "grayzone.loudspeaker_posture",
    "start_date",
    "diplomacy.hotline_working",
    "name",
]


def test_the_parameter_lists_are_not_empty():
    assert len(BOUNDED_FLOATS) > 40 and len(INTS) > 5
    assert ("mines.blame_probability", 0.0, 1.0) in BOUNDED_FLOATS


def _set(data: dict, path: str, value: object) -> dict:
    table = data
    *heads, last = path.split(".")
    for key in heads:
        table = table[key]
    table[last] = value
    return data


finite = st.floats(allow_nan=False, allow_infinity=False)


@st.composite
def in_range(draw, lo: float | None, hi: float | None) -> float:
    return draw(st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False))


@st.composite
def out_of_range(draw, lo: float | None, hi: float | None) -> float:
    sides = []
    if lo is not None:
        sides.append(st.floats(max_value=lo, exclude_max=True, allow_nan=False))
    if hi is not None:
        sides.append(st.floats(min_value=hi, exclude_min=True, allow_nan=False))
    sides.append(st.just(math.nan))
    return draw(st.one_of(sides))


@settings(max_examples=300)
@given(st.sampled_from(BOUNDED_FLOATS), st.data())
def test_bounded_floats_accept_in_range(make_scenario_data, param, data):
    path, lo, hi = param
    value = data.draw(in_range(lo, hi))
    s = build_scenario(_set(make_scenario_data(), path, value), "f")
    assert parameter_path_value(s, path) == value


@settings(max_examples=300)
@given(st.sampled_from(BOUNDED_FLOATS), st.data())
def test_bounded_floats_reject_out_of_range(make_scenario_data, param, data):
    path, lo, hi = param
    value = data.draw(out_of_range(lo, hi))
    with pytest.raises(InputError) as info:
        build_scenario(_set(make_scenario_data(), path, value), "f.toml")
    err = info.value
    assert (err.source, err.key) == ("f.toml", path)
    assert "must be" in str(err) and "\n" not in str(err)


@settings(max_examples=200)
@given(st.sampled_from(BOUNDED_FLOATS), st.data())
def test_bounded_floats_through_set(make_scenario_data, param, data):
    path, lo, hi = param
    good = data.draw(in_range(lo, hi))
    out = apply_overrides(make_scenario_data(), [f"{path}={good!r}"])
    assert parameter_path_value(build_scenario(out, "f"), path) == good
    bad = data.draw(out_of_range(lo, hi))
    with pytest.raises(InputError) as info:
        apply_overrides(make_scenario_data(), [f"{path}={bad!r}"])
    assert (info.value.source, info.value.key) == ("--set", path)


@given(st.sampled_from(INTS), st.data())
def test_ints_reject_out_of_range_and_non_integers(make_scenario_data, param, data):
    path, lo, hi = param
    whole = st.integers(
        min_value=None if lo is None else int(lo), max_value=None if hi is None else int(hi)
    )
    good = data.draw(whole)
    assert (
        parameter_path_value(build_scenario(_set(make_scenario_data(), path, good), "f"), path)
        == good
    )
    bad = data.draw(
        st.one_of(
            st.integers(max_value=int(lo) - 1) if lo is not None else st.nothing(),
            st.integers(min_value=int(hi) + 1) if hi is not None else st.nothing(),
            finite,
            st.booleans(),
            st.text(),
        )
    )
    with pytest.raises(InputError) as info:
        build_scenario(_set(make_scenario_data(), path, bad), "f")
    assert info.value.key == path


# --- junk overrides ------------------------------------------------------------------------------
junk_value = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "nan",
            "inf",
            "-inf",
            "true",
            "[1, 2]",
            "{a = 1}",
            "1e999",
            "0x10",
            '"unterminated',
            "2024-02-30",
            "2024-01-01T00:00:00",
            "1\nv = 2",
            "1\n[x]",
            "[" * 2000,
            "'''",
            "__import__('os').system('true')",
        ]
    ),
    finite.map(repr),
    st.integers().map(str),
)
junk_path = st.one_of(
    st.text(max_size=30),
    st.sampled_from(KNOWN_PATHS),
    st.sampled_from(KNOWN_PATHS).map(lambda p: p + "x"),
    st.sampled_from(KNOWN_PATHS).map(lambda p: p.rsplit(".", 1)[0]),
    st.just("timeline.events"),
    st.just("terrain.sectors.nowhere.crews"),
)


@settings(max_examples=500)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=40), st.tuples(junk_path, junk_value).map(lambda t: f"{t[0]}={t[1]}")
        ),
        min_size=1,
        max_size=3,
    )
)
def test_junk_overrides_raise_only_input_error(make_scenario_data, overrides):
    try:
        build_scenario(apply_overrides(make_scenario_data(), overrides), "f")
    except InputError as err:
        assert len(str(err).splitlines()) == 1


# --- round trips ---------------------------------------------------------------------------------
text_value = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
plain_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20)


@st.composite
def valid_override(draw) -> str:
    kind = draw(st.sampled_from(["float", "int", "policy", "bool", "text", "date"]))
    if kind == "float":
        path, lo, hi = draw(st.sampled_from(FLOATS))
        return f"{path}={draw(in_range(lo, hi))!r}"
    if kind == "int":
        path, lo, hi = draw(st.sampled_from(INTS))
        return f"{path}={draw(st.integers(int(lo), int(hi) if hi is not None else 10**9))}"
    if kind == "policy":
        return "grayzone.loudspeaker_posture=" + draw(
            st.sampled_from(["off", "retaliate", "continuous", '"off"'])
        )
    if kind == "bool":
        return f"diplomacy.hotline_working={draw(st.sampled_from(['true', 'false']))}"
    if kind == "text":
        return "description=" + json.dumps(draw(plain_text), ensure_ascii=False)  # a TOML string
    day = draw(st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2024, 6, 19)))
    return f"start_date={day.isoformat()}"


@settings(max_examples=200)
@given(st.lists(valid_override(), max_size=6))
def test_round_trip_after_valid_overrides(make_scenario_data, overrides):
    s = build_scenario(apply_overrides(make_scenario_data(), overrides), "f")
    assert build_scenario(scenario_to_dict(s), "d") == s
    assert build_scenario(tomllib.loads(scenario_to_toml(s)), "t") == s


# A valid value for every field an event may carry; which of them an event keeps depends on
# its type (``timeline_fields``), and restricted actors and postures are picked per type.
EVENT_VALUES = {
    "date": st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2024, 12, 31)),
    "hour": st.floats(0, 23.99),
    "note": text_value,
    "backing_change": st.floats(-1, 1),
    "backing_at_least": st.floats(0, 1),
    "duration_days": st.floats(0, 3650),
    "working": st.booleans(),
    "allowed": st.booleans(),
    "crews": st.integers(0, 50),
    "killed": st.integers(0, 50),
    "injured": st.integers(0, 50),
    "planted": st.booleans(),
    "blame": st.sampled_from(BLAME),
    "party": st.sampled_from(PARTIES),
    "party_size": st.integers(0, 100),
    "deliberate": st.booleans(),
    "demand": st.sampled_from(ULTIMATUM_DEMANDS),
    "threat": st.sampled_from(("", *ULTIMATUM_THREATS)),
    "deadline_days": st.floats(0.01, 100),
    "sector": st.just("west"),
}


@st.composite
def timeline_event(draw) -> dict:
    type_ = draw(st.sampled_from(TIMELINE_TYPES))
    kind = TIMELINE_KINDS[type_]
    event = {"type": type_}
    for name in timeline_fields(type_):
        if name in EVENT_VALUES and (name in kind.required or draw(st.booleans())):
            event[name] = draw(EVENT_VALUES[name])
    event["date"] = draw(EVENT_VALUES["date"])
    if kind.actors:
        event["actor"] = draw(st.sampled_from(kind.actors))
    else:
        event["actor"] = draw(text_value)
    if type_ in ("loudspeakers", "roe"):
        event["posture"] = draw(
            st.sampled_from(SPEAKER_POSTURES if type_ == "loudspeakers" else ROES)
        )
    if type_ == "backing":
        event["backing_change"] = draw(EVENT_VALUES["backing_change"])
    return event


@given(st.lists(timeline_event(), max_size=4), text_value)
def test_round_trip_with_random_events_and_names(make_scenario_data, events, name):
    data = make_scenario_data()
    data["timeline"]["events"] = events
    data["name"] = name
    data["terrain"]["sectors"][name if name.strip() else "x"] = data["terrain"]["sectors"]["west"]
    s = build_scenario(data, "f")
    assert build_scenario(tomllib.loads(scenario_to_toml(s)), "t") == s
    assert build_scenario(scenario_to_dict(s), "d") == s
