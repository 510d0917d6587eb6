"""Every scenario parameter is bounded, so that every run the loader accepts is finite.

- every number has finite bounds on both sides; dates lie in [EARLIEST_DATE, LATEST_DATE] and
  the horizon is at most MAX_HORIZON_YEARS; sectors and scheduled events are counted;
- the examples of issue 12 are refused in one line naming the key and the bound, status 2;
- property: any in-bounds value of a random parameter loads, any other is refused so;
- every numeric parameter at its upper (and lower) bound runs a 60-day replication that
  records fewer than ``EVENT_CAP`` events.
"""

from __future__ import annotations

import contextlib
import dataclasses as dc
import datetime as dt
import io
import math
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.errors import InputError
from sim.experiment.parameters import check_against, read_table
from sim.model.replication import simulate
from sim.scenario.loader import iter_parameters, load_scenario, parameter_path_value
from sim.scenario.params import (
    EARLIEST_DATE,
    LATEST_DATE,
    MAX_EVENTS,
    MAX_HORIZON_YEARS,
    MAX_SECTORS,
    TimelineEvent,
    timeline_fields,
)

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "scenarios" / "baseline_2024.toml"
SHIPPED = sorted((ROOT / "scenarios").glob("*.toml")) + sorted(
    (ROOT / "sim" / "scenarios").glob("*.toml")
)
SECTORS = ("west", "central", "east")  # baseline_2024's


def numeric_parameters() -> list[tuple[str, dc.Field]]:
    """Every int or float parameter by its generic path (sectors as '*', events as '[]')."""
    return [(p, f) for p, f in iter_parameters() if f.type in ("int", "float", int, float)]


NUMERIC = numeric_parameters()
SETTABLE = [(p.replace("*", "west"), f) for p, f in NUMERIC if not p.startswith("timeline.")]


def bound_text(f: dc.Field) -> str:
    """How an error message names a field's bounds (``_number_phrase``)."""
    return f"[{f.metadata['lo']:g}, {f.metadata['hi']:g}]"


def cli(*argv: str) -> tuple[int, str]:
    """Run the CLI in-process: its exit status and its stderr (stdout is dropped)."""
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as usage:
            code = usage.code
    return int(code or 0), err.getvalue()


def refused(setting: str, *needles: str) -> str:
    """``validate --set setting`` fails with status 2 in one line holding every needle."""
    code, err = cli("validate", str(BASE), "--set", setting)
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dmzsim validate: error: --set: "), err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


# --- the bounds themselves ---------------------------------------------------------------------
def test_every_number_has_finite_bounds_on_both_sides():
    assert len(NUMERIC) > 100
    for path, f in NUMERIC:
        lo, hi = f.metadata.get("lo"), f.metadata.get("hi")
        assert lo is not None and hi is not None, path
        assert math.isfinite(lo) and math.isfinite(hi) and lo < hi, path


def test_every_shipped_scenario_and_its_priors_lie_within_the_bounds():
    for path in SHIPPED:
        s = load_scenario(path)  # values and priors are checked on load
        assert s.horizon_days <= MAX_HORIZON_YEARS * 366
        posterior = path.with_suffix(".posterior.csv")
        if posterior.is_file():
            check_against(read_table(posterior), s, "test")


# --- the examples of the issue ------------------------------------------------------------------
DATES = f"[{EARLIEST_DATE.isoformat()}, {LATEST_DATE.isoformat()}]"


@pytest.mark.parametrize(
    "setting, needles",
    [
        ("start_date=0001-01-01", ("start_date = '0001-01-01'", DATES)),
        ("end_date=9999-12-31", ("end_date = '9999-12-31'", DATES)),
        ("end_date=2101-01-01", ("end_date", DATES)),
        ("start_date=1949-12-31", ("start_date", DATES)),
        ("end_date=2073-11-22", ("end_date", "at most 20 years after start_date", "2043-11-23")),
        ("start_date=1990-01-01", ("start_date", "at most 20 years before end_date")),
        ("terrain.sectors.west.crews=1000000000", ("terrain.sectors.west.crews", "[0, 100]")),
        ("terrain.sectors.west.crews=1e9", ("terrain.sectors.west.crews", "[0, 100]")),
        ("terrain.sectors.east.crews=-1", ("terrain.sectors.east.crews", "[0, 100]")),
        ("diplomacy.talks_offer_rate_per_day=1e9", ("talks_offer_rate_per_day", "[0, 10]")),
        ("mines.blast_rate_per_crew_day=1e6", ("mines.blast_rate_per_crew_day", "[0, 1]")),
        ("mines.killed_mean=1e308", ("mines.killed_mean", "[0, 100]")),
        ("mines.killed_mean=nan", ("mines.killed_mean = nan", "[0, 100]")),
        ("mines.killed_mean=inf", ("mines.killed_mean = inf", "[0, 100]")),
        ("mines.killed_mean=-inf", ("mines.killed_mean = -inf", "[0, 100]")),
        ("mines.killed_mean=-1", ("mines.killed_mean = -1", "[0, 100]")),
        ("mines.killed_mean=" + "9" * 400, ("mines.killed_mean", "[0, 100]")),  # a huge int
        ("response.dprk.escalate_logit=-21", ("escalate_logit", "[-20, 20]")),
        ("terrain.heavy_rain_rate_per_day=11", ("heavy_rain_rate_per_day", "[0, 10]")),
        ("patrols.rok_spell_days=0", ("rok_spell_days", "[0.01, 3650]")),
        ("timeline.events[2].duration_days=1e9", ("events[2].duration_days", "[0, 3650]")),
    ],
)
def test_the_issue_examples_are_refused_in_one_line_naming_the_bound(setting, needles):
    refused(setting, *needles)


def test_a_refused_run_writes_nothing(tmp_path):
    out = tmp_path / "never"
    code, err = cli("run", str(BASE), "-n", "1", "--out", str(out), "--set", "end_date=9999-12-31")
    assert code == 2 and "end_date" in err and DATES in err
    assert not out.exists()


def child(tmp_path: Path, body: str, name: str = "child.toml") -> Path:
    path = tmp_path / name
    path.write_text(f'extends = "{BASE.as_posix()}"\n{body}', encoding="utf-8")
    return path


def error_of(path: Path) -> InputError:
    with pytest.raises(InputError) as info:
        load_scenario(path)
    return info.value


@pytest.mark.parametrize(
    "body, key, needle",
    [
        ("start_date = 0001-01-01\n", "start_date", DATES),
        ("end_date = 9999-12-31\n", "end_date", DATES),
        ("[mines]\nkilled_mean = 1e308\n", "mines.killed_mean", "[0, 100]"),
        ("[terrain.sectors.west]\ncrews = 1000000000\n", "terrain.sectors.west.crews", "[0, 100]"),
        ("[terrain.sectors.west]\ncrews = 9223372036854775807\n", "terrain.sectors.west.crews", ""),
    ],
)
def test_a_file_beyond_a_bound_is_refused(tmp_path, body, key, needle):
    err = error_of(child(tmp_path, body))
    assert err.key == key and needle in str(err) and "\n" not in str(err)


def test_the_horizon_cap_is_exact_and_handles_29_february(tmp_path):
    path = child(tmp_path, "[timeline]\nevents = []\n")
    ok = load_scenario(path, ["start_date=2023-11-23", "end_date=2043-11-23"])
    assert ok.end_date == dt.date(2043, 11, 23)
    with pytest.raises(InputError, match="at most 20 years after start_date"):
        load_scenario(path, ["start_date=2023-11-23", "end_date=2043-11-24"])
    # 2100 is no leap year: 20 years after 2080-02-29 is 2100-02-28
    load_scenario(path, ["start_date=2080-02-29", "end_date=2100-02-28"])
    with pytest.raises(InputError, match="2100-02-28 or earlier"):
        load_scenario(path, ["start_date=2080-02-29", "end_date=2100-03-01"])


def test_a_later_start_date_is_the_one_blamed(tmp_path):
    """A what-if file that moves start_date back is blamed, not the parent's end_date."""
    err = error_of(child(tmp_path, "start_date = 2000-01-01\n"))
    assert err.key == "start_date" and "at most 20 years before end_date (2024-12-31)" in str(err)


def test_too_many_sectors_or_events_are_refused(tmp_path):
    sector = "mine_density = 0.5\nsouth_mine_density = 0.1\nmarker_visibility = 0.5\n"
    sector += "crews = 1\ndprk_patrols = 1\nrok_patrols = 1\n"
    many = "".join(f"[terrain.sectors.s{i}]\n{sector}" for i in range(MAX_SECTORS + 1))
    text = f"[timeline]\nevents = []\n{many}"
    err = error_of(child(tmp_path, text, "sectors.toml"))
    assert err.key == "terrain.sectors" and f"at most {MAX_SECTORS}" in str(err)
    one = '[[timeline.events]]\ndate = 2024-06-01\ntype = "condemnation"\n'
    err = error_of(child(tmp_path, one * (MAX_EVENTS + 1), "events.toml"))
    assert err.key == "timeline.events" and f"at most {MAX_EVENTS}" in str(err)
    assert len(load_scenario(child(tmp_path, one * MAX_EVENTS)).timeline.events) == MAX_EVENTS


def test_a_prior_beyond_a_bound_is_refused(tmp_path):
    body = '[priors]\n"mines.killed_mean" = { dist = "uniform", low = 1.0, high = 1000.0 }\n'
    err = error_of(child(tmp_path, body))
    assert "mines.killed_mean" in str(err) and "[0, 100]" in str(err)


# --- properties ----------------------------------------------------------------------------------
def in_bounds(f: dc.Field) -> st.SearchStrategy:
    lo, hi = f.metadata["lo"], f.metadata["hi"]
    if f.type in ("int", int):
        return st.integers(int(lo), int(hi))
    return st.floats(lo, hi, allow_nan=False)


def out_of_bounds(f: dc.Field) -> st.SearchStrategy:
    lo, hi = f.metadata["lo"], f.metadata["hi"]
    if f.type in ("int", int):
        return st.one_of(st.integers(max_value=int(lo) - 1), st.integers(min_value=int(hi) + 1))
    return st.one_of(
        st.floats(max_value=lo, exclude_max=True),  # down to -inf
        st.floats(min_value=hi, exclude_min=True),  # up to 1e308 and inf
        st.just(math.nan),
    )


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(SETTABLE), st.data())
def test_any_in_bounds_value_loads(param, data):
    path, f = param
    value = data.draw(in_bounds(f))
    s = load_scenario(BASE, [f"{path}={value!r}"])
    assert parameter_path_value(s, path) == value


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(SETTABLE), st.data())
def test_any_out_of_bounds_value_is_refused_naming_the_bound(param, data):
    path, f = param
    value = data.draw(out_of_bounds(f))
    refused(f"{path}={value!r}", f"{path} = ", bound_text(f))


@pytest.fixture(scope="module")
def no_events(tmp_path_factory) -> Path:
    """baseline_2024 without scheduled events, so that any dates may be set."""
    return child(tmp_path_factory.mktemp("bounds"), "[timeline]\nevents = []\n")


def years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@settings(max_examples=60, deadline=None)
@given(
    st.dates(dt.date(1900, 1, 1), dt.date(2150, 12, 31)),
    st.integers(1, (MAX_HORIZON_YEARS + 2) * 366),
)
def test_dates_load_exactly_when_within_range_and_horizon(no_events, start, days):
    end = start + dt.timedelta(days=days)
    sets = [f"start_date={start.isoformat()}", f"end_date={end.isoformat()}"]
    in_range = EARLIEST_DATE <= start and end <= LATEST_DATE
    if in_range and end <= years_after(start, MAX_HORIZON_YEARS):
        s = load_scenario(no_events, sets)
        assert (s.start_date, s.end_date) == (start, end)
        return
    with pytest.raises(InputError) as info:
        load_scenario(no_events, sets)
    text = str(info.value)
    assert (DATES if not in_range else f"at most {MAX_HORIZON_YEARS} years") in text
    assert "\n" not in text


# --- every value allowed runs ---------------------------------------------------------------------
# 60 days with every mechanism on: crews in season, leaflets, the monsoon from 1 July, the
# loudspeakers continuous, both sides free of the CMA; and one scheduled event of each kind
# that has a number (so that every numeric event field is set at its bound too).
WINDOW = """
start_date = 2024-05-15
end_date = 2024-07-13

[grayzone]
loudspeaker_posture = "continuous"

[diplomacy]
cma_rok_suspended = true

[[timeline.events]]
date = 2024-05-20
type = "exercise"
duration_days = 5.0

[[timeline.events]]
date = 2024-05-25
type = "mine_blast"
actor = "DPRK"
sector = "west"
killed = 1
injured = 1

[[timeline.events]]
date = 2024-06-01
type = "mdl_crossing"
sector = "central"
party_size = 10

[[timeline.events]]
date = 2024-06-05
type = "ultimatum"
demand = "speakers_off"
deadline_days = 2.0

[[timeline.events]]
date = 2024-06-10
type = "crews"
sector = "east"
crews = 4

[[timeline.events]]
date = 2024-06-18
type = "backing"
backing_change = 0.1
backing_at_least = 0.5
hour = 10.0
"""
WINDOW_TYPES = ("exercise", "mine_blast", "mdl_crossing", "ultimatum", "crews", "backing")
HORIZON_DAYS = 60
# Cap on the events of one replication with one parameter at a bound: 100 a day. The fastest
# processes any single bound allows are 24 loudspeaker sessions a day, 10 a day of each
# unprompted kind, or 1 per crew- or patrol-day over baseline_2024's 24 crews and patrol
# groups (times its hazard and foliage factors, at most ~20); each event sets off a chain
# of answers that ends at the first ignore or protest. Measured: at most 542 events in
# these 60 days (9 a day) and 56,000 over 20 years (8 a day), so the cap holds a tenfold
# margin; over the longest horizon (20 years) it means at most 730,000 events.
EVENT_CAP = 100 * HORIZON_DAYS
WALL_SECONDS = 20.0  # a safety net only; a replication here takes about 0.01 s


@pytest.fixture(scope="module")
def window(tmp_path_factory) -> Path:
    return child(tmp_path_factory.mktemp("window"), WINDOW)


def settings_at(path: str, value: float) -> list[str]:
    """``--set`` overrides putting ``path`` (generic) at ``value`` everywhere it occurs in the
    window: every sector, every scheduled event whose type has the field."""
    field = path.rsplit(".", 1)[1]
    if path.startswith("terrain.sectors.*."):
        return [f"terrain.sectors.{name}.{field}={value!r}" for name in SECTORS]
    if path.startswith("timeline.events[]."):
        return [
            f"timeline.events[{i}].{field}={value!r}"
            for i, type_ in enumerate(WINDOW_TYPES)
            if field in timeline_fields(type_)
        ]
    return [f"{path}={value!r}"]


def test_the_window_sets_every_numeric_event_field():
    numbers = {f.name for f in dc.fields(TimelineEvent) if f.type in ("int", "float")}
    assert numbers == {n for t in WINDOW_TYPES for n in timeline_fields(t)} & numbers


@pytest.mark.parametrize("end", ["hi", "lo"])
@pytest.mark.parametrize("path", [p for p, _ in NUMERIC], ids=str)
def test_every_parameter_at_its_bound_runs_a_bounded_replication(window, path, end):
    f = dict(NUMERIC)[path]
    s = load_scenario(window, settings_at(path, f.metadata[end]))
    assert s.horizon_days == HORIZON_DAYS
    began = time.perf_counter()
    world = simulate(s, 20240515, 0)
    assert len(world.events) < EVENT_CAP, (path, end, len(world.events))
    assert time.perf_counter() - began < WALL_SECONDS


# Answer weights are exp(logit + tension_slope * tension - ...): these bounds were lowered
# until no replication overflowed (see params.py), so they get more than one seed.
TENSION_BOUNDS = [
    "escalation.tension_unit=2.0",
    "escalation.tension_growth_per_rung=3.0",
    "escalation.initial_tension=100.0",
    "response.dprk.tension_slope=0.5",
    "response.rok.tension_slope=0.5",
]


@pytest.mark.parametrize("setting", TENSION_BOUNDS)
def test_tension_at_its_bounds_never_overflows_the_answer_weights(window, setting):
    path, value = setting.split("=")
    assert float(value) == dict(NUMERIC)[path].metadata["hi"]
    s = load_scenario(window, [setting])
    for replication in range(40):
        assert len(simulate(s, 12, replication).events) < EVENT_CAP


def test_tension_parameters_all_at_their_tops_together_stay_finite(window):
    """One at a time they were bounded to stay finite; together only the model's cap on the
    answer weights' exponent (response.MAX_LOGIT) keeps exp() in range."""
    s = load_scenario(window, TENSION_BOUNDS)
    for replication in range(30):
        events = simulate(s, 12, replication).events
        assert len(events) < EVENT_CAP
        assert all(math.isfinite(e.tension) for e in events)


def test_answer_weights_are_finite_at_any_tension():
    from sim.model.response import MAX_LOGIT, Reaction, option_weights

    s = load_scenario(window_path := ROOT / "scenarios" / "baseline_2024.toml")
    assert window_path.is_file()
    side = dc.replace(s.response.dprk, tension_slope=0.5)
    options = [(Reaction.PROTEST, 0), (Reaction.MIRROR, 3), (Reaction.ESCALATE, 5)]
    weights = option_weights(side, 1e6, True, 0.0, 3, options)
    assert all(math.isfinite(w) for w in weights) and math.isfinite(sum(weights))
    assert max(weights) == math.exp(MAX_LOGIT)
