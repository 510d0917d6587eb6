"""Sweep designs: factors parsed from PATH=SPEC, grid / Latin hypercube / Sobol' points, seeding."""

from __future__ import annotations

import datetime as dt
import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from model_helpers import BASELINE, baseline, error_of
from scipy import stats

from sim.errors import InputError
from sim.experiment.design import (
    SQL_TYPES,
    Design,
    Factor,
    build_design,
    check_factors,
    design_rng,
    parse_factor,
    point_names,
    unit_sample,
)
from sim.scenario.loader import load_variants, parameter_path_value

BASE = baseline()

FLOAT = "mines.killed_mean"  # float >= 0
PROB = "mines.blame_probability"  # float in [0, 1]
INT = "terrain.sectors.west.crews"  # int >= 0
BOOL = "diplomacy.hotline_working"
CHOICE = "response.roe"  # standard, hardline
POLICY = "grayzone.loudspeaker_posture"  # off, retaliate, continuous
DATE = "timeline.events[6].date"  # the treaty, 2024-06-19


def factor(arg: str) -> Factor:
    return parse_factor(arg, BASE)


def refused(arg: str, *phrases: str) -> InputError:
    err = error_of(parse_factor, arg, BASE)
    text = str(err)
    assert text.startswith("--param"), text
    for phrase in phrases:
        assert phrase in text, text
    return err


# --- parse_factor: every kind ------------------------------------------------------------------
def test_float_grid_is_evenly_spaced_with_both_ends():
    f = factor(f"{FLOAT}=0:2:5")
    assert (f.path, f.kind, f.spec) == (FLOAT, "float", "0:2:5")
    assert f.levels == (0.0, 0.5, 1.0, 1.5, 2.0)
    assert all(type(v) is float for v in f.levels)
    assert f.low is None and f.high is None
    assert not f.categorical


def test_float_grid_many_steps_is_linspace():
    f = factor(f"{PROB}=0:1:11")
    assert f.levels is not None and len(f.levels) == 11
    assert f.levels[0] == 0.0 and f.levels[-1] == 1.0
    assert np.allclose(np.diff(f.levels), 0.1)


def test_spec_and_path_whitespace_is_ignored():
    assert factor(f" {FLOAT} = 0 : 2 : 5 ").levels == factor(f"{FLOAT}=0:2:5").levels


def test_float_list_keeps_order_and_converts_ints():
    f = factor(f"{FLOAT}=2, 0.5,1")
    assert f.levels == (2.0, 0.5, 1.0)
    assert all(type(v) is float for v in f.levels)


def test_int_grid_gives_whole_numbers():
    f = factor(f"{INT}=0:4:5")
    assert f.kind == "int"
    assert f.levels == (0, 1, 2, 3, 4)
    assert all(type(v) is int for v in f.levels)


def test_int_grid_rounds_to_whole_numbers():
    assert factor(f"{INT}=0:10:3").levels == (0, 5, 10)
    assert factor(f"{INT}=0:3:3").levels == (0, 2, 3)  # rint(1.5) = 2 (round half to even)


def test_int_grid_with_too_many_steps_is_refused():
    refused(f"{INT}=0:2:5", "only 3 whole numbers", "at most that many steps")


def test_bool_star_and_list():
    f = factor(f"{BOOL}=*")
    assert f.kind == "bool" and f.levels == (False, True)
    assert f.categorical
    assert factor(f"{BOOL}=true,false").levels == (True, False)
    assert factor(f"{BOOL}=true").levels == (True,)


def test_choice_star_lists_every_choice_and_list_takes_some():
    f = factor(f"{CHOICE}=*")
    assert f.kind == "str" and f.levels == ("standard", "hardline", "restrained")
    assert f.categorical
    g = factor(f"{POLICY}=off,continuous")
    assert g.levels == ("off", "continuous")
    assert factor(f"{POLICY}=*").levels == ("off", "retaliate", "continuous")


def test_date_grid_includes_both_ends():
    f = factor(f"{DATE}=2024-06-19:2024-08-19:3")
    assert f.kind == "date"
    assert f.levels == (dt.date(2024, 6, 19), dt.date(2024, 7, 19), dt.date(2024, 8, 19))


def test_date_grid_with_more_steps_than_days_is_refused():
    refused(f"{DATE}=2024-06-19:2024-06-20:5", "only 2 days")


def test_date_range_for_sampled_designs():
    f = factor(f"{DATE}=2024-06-19:2024-08-19")
    assert f.levels is None
    assert (f.low, f.high) == (dt.date(2024, 6, 19), dt.date(2024, 8, 19))


def test_float_and_int_ranges():
    f = factor(f"{FLOAT}=0.5:3")
    assert f.levels is None and (f.low, f.high) == (0.5, 3.0)
    assert type(f.low) is float and type(f.high) is float
    g = factor(f"{INT}=1:6")
    assert (g.low, g.high) == (1, 6)


@pytest.mark.parametrize(
    ("arg", "level"),
    [
        (f"{FLOAT}=0.5", 0.5),
        (f"{INT}=3", 3),
        (f"{BOOL}=false", False),
        (f"{CHOICE}=hardline", "hardline"),
        (f"{DATE}=2024-07-01", dt.date(2024, 7, 1)),
        (f"{FLOAT}=1:1:1", 1.0),  # a grid with lo = hi and one step
    ],
)
def test_single_value_gives_one_level(arg, level):
    f = factor(arg)
    assert f.levels == (level,)
    assert type(f.levels[0]) is type(level)


# --- parse_factor: refusals --------------------------------------------------------------------
def test_unknown_path_suggests_the_nearest():
    err = refused("mines.kiled_mean=0:1:3", "unknown parameter", "did you mean 'mines.killed_mean'")
    assert err.key == "mines.kiled_mean"


@pytest.mark.parametrize(
    ("arg", "phrase"),
    [
        (f"{PROB}=0:1.5:3", "in [0, 1]"),
        ("diplomacy.initial_backing=-0.1:1", "in [0, 1]"),
        (f"{PROB}=0.2,1.2", "in [0, 1]"),
        (f"{FLOAT}=-1:1", "in [0, 100]"),
        (f"{INT}=-1:3:5", "in [0, 100]"),
        (f"{INT}=0.5:2", "whole number"),
        (f"{FLOAT}=inf:1", "number"),
        (f"{BOOL}=yes,no", "true or false"),
        (f"{CHOICE}=standard,soft", "must be one of"),
        (f"{DATE}=2024-13-01:2024-12-31", "not a valid date"),
    ],
)
def test_value_outside_the_parameters_range_is_refused(arg, phrase):
    refused(arg, phrase)


@pytest.mark.parametrize("spec", ["0:1:0", "1:0:3", "0:0", "2:1", "0:1:1", "0:1:-2"])
def test_empty_grid_or_range_is_refused(spec):
    refused(f"{FLOAT}={spec}", "empty")


def test_empty_int_and_date_ranges_are_refused():
    refused(f"{INT}=3:1", "empty range")
    refused(f"{DATE}=2024-08-19:2024-06-19:3", "empty range")
    refused(f"{DATE}=2024-06-19:2024-06-19", "empty range")


@pytest.mark.parametrize("steps", ["x", "2.0", "1e1", ""])
def test_non_numeric_steps_are_refused(steps):
    refused(f"{FLOAT}=0:1:{steps}", "number of grid steps must be a whole number")


def test_too_many_colons_are_refused():
    refused(f"{FLOAT}=0:1:2:3", "lo:hi:steps")


@pytest.mark.parametrize("arg", [f"{BOOL}=false:true", f"{CHOICE}=standard:hardline:2"])
def test_range_for_bool_or_choice_is_refused(arg):
    refused(arg, "takes a list", "not a range")


@pytest.mark.parametrize("arg", [f"{FLOAT}=*", f"{INT}=*", f"{DATE}=*"])
def test_star_is_only_for_bool_and_choice(arg):
    refused(arg, "'*'")


@pytest.mark.parametrize(
    "arg", [f"{FLOAT}=0.1,0.2,0.1", f"{FLOAT}=1,1.0", f"{BOOL}=true,true", f"{POLICY}=off,off"]
)
def test_repeated_list_value_is_refused(arg):
    refused(arg, "must not repeat")


@pytest.mark.parametrize("spec", ["0.1,,0.2", "0.1,", ",0.1", ""])
def test_empty_value_is_refused(spec):
    refused(f"{FLOAT}={spec}", "empty value")


def test_missing_equals_sign_is_refused():
    err = refused(FLOAT, "expected PATH=SPEC")
    assert err.key is None


def test_event_index_out_of_range_is_refused():
    refused("timeline.events[9].date=2024-07-01", "no such event", "0..8")
    refused("timeline.events[99].date=2024-07-01:2024-08-01:2", "no such event")


def test_names_of_tables_are_refused():
    refused("mines=0:1:3", "names the table")
    refused("terrain.sectors.north.crews=0:4:5", "unknown sector")


# --- check_factors -----------------------------------------------------------------------------
def test_duplicate_parameter_across_factors_is_refused():
    err = error_of(check_factors, [factor(f"{FLOAT}=0:1:3"), factor(f"{FLOAT}=0.5")], "grid")
    assert err.key == FLOAT and "once" in str(err)


def test_no_factors_and_unknown_method_are_refused():
    assert "at least one" in str(error_of(check_factors, [], "grid"))
    assert "--design" in str(error_of(check_factors, [factor(f"{FLOAT}=0.5")], "random"))


def test_grid_design_refuses_a_range_and_points():
    err = error_of(build_design, [factor(f"{FLOAT}=0:1")], "grid", None, 1)
    assert err.key == FLOAT and "lhs or sobol" in str(err)
    err = error_of(build_design, [factor(f"{FLOAT}=0:1:3")], "grid", 8, 1)
    assert err.source == "--points"


@pytest.mark.parametrize("method", ["lhs", "sobol"])
def test_sampled_design_refuses_a_grid_spec(method):
    err = error_of(build_design, [factor(f"{FLOAT}=0:1:3")], method, 8, 1)
    assert err.key == FLOAT and "is a grid" in str(err)


@pytest.mark.parametrize("method", ["lhs", "sobol"])
@pytest.mark.parametrize("points", [None, 1, 0, -4])
def test_sampled_design_needs_two_points_or_more(method, points):
    err = error_of(build_design, [factor(f"{FLOAT}=0:1")], method, points, 1)
    assert err.source == "--points" and ">= 2" in str(err)


@pytest.mark.parametrize("points", [3, 6, 12, 100, 1000])
def test_sobol_needs_a_power_of_two(points):
    err = error_of(build_design, [factor(f"{FLOAT}=0:1")], "sobol", points, 1)
    assert "power of 2" in str(err)
    build_design([factor(f"{FLOAT}=0:1")], "lhs", points, 1)  # any K >= 2 suits lhs


def test_too_many_points_are_refused():
    assert "at most" in str(error_of(build_design, [factor(f"{FLOAT}=0:1")], "lhs", 10**6, 1))
    big = [factor(f"{FLOAT}=0:1:200"), factor(f"{PROB}=0:1:200")]
    assert "at most" in str(error_of(build_design, big, "grid", None, 1))


# --- grid designs ------------------------------------------------------------------------------
GRID = [f"{FLOAT}=0:2:3", f"{BOOL}=*", f"{POLICY}=off,continuous", f"{DATE}=2024-06-20,2024-07-01"]


def test_grid_crosses_levels_in_product_order():
    factors = [factor(a) for a in GRID]
    d = build_design(factors, "grid", None, 1)
    assert d.method == "grid"
    assert d.names == [FLOAT, BOOL, POLICY, DATE]
    assert len(d.points) == math.prod(len(f.levels) for f in factors) == 24
    assert d.points == tuple(itertools.product(*(f.levels for f in factors)))
    assert d.points[0] == (0.0, False, "off", dt.date(2024, 6, 20))
    assert d.points[1] == (0.0, False, "off", dt.date(2024, 7, 1))  # the last factor fastest
    assert [p[0] for p in d.points[::8]] == [0.0, 1.0, 2.0]  # the first factor slowest
    for p in d.points:
        for f, v in zip(factors, p, strict=True):
            assert v in f.levels
    assert len(set(d.points)) == len(d.points)


def test_grid_ignores_the_seed():
    factors = [factor(a) for a in GRID]
    assert build_design(factors, "grid", None, 1) == build_design(factors, "grid", None, 99)


def test_grid_overrides_load_back_to_the_points_values():
    factors = [factor(a) for a in [*GRID, f"{INT}=0:4:3"]]
    d = build_design(factors, "grid", None, 7)
    assert d.overrides(0) == [
        f"{FLOAT}=0.0",
        f"{BOOL}=false",
        f"{POLICY}=off",
        f"{DATE}=2024-06-20",
        f"{INT}=0",
    ]
    scenarios = load_variants(BASELINE, [], [d.overrides(k) for k in range(len(d.points))])
    assert len(scenarios) == len(d.points)
    for s, p in zip(scenarios, d.points, strict=True):
        for f, v in zip(factors, p, strict=True):
            got = parameter_path_value(s, f.path)
            assert got == v and type(got) is type(v), (f.path, got, v)


def test_sampled_overrides_load_back_to_the_points_values():
    factors = [factor(a) for a in [f"{PROB}=0:1", f"{INT}=0:9", f"{DATE}=2024-06-19:2024-08-19"]]
    d = build_design([*factors, factor(f"{CHOICE}=*")], "lhs", 16, 3)
    scenarios = load_variants(BASELINE, [], [d.overrides(k) for k in range(len(d.points))])
    for s, p in zip(scenarios, d.points, strict=True):
        assert parameter_path_value(s, PROB) == p[0]  # exact: overrides write repr()
        assert parameter_path_value(s, INT) == p[1]
        assert parameter_path_value(s, DATE) == p[2]
        assert parameter_path_value(s, CHOICE) == p[3]


def test_float_overrides_reproduce_the_exact_value():
    d = build_design([factor(f"{PROB}=0:1:11")], "grid", None, 1)
    scenarios = load_variants(BASELINE, [], [d.overrides(k) for k in range(len(d.points))])
    assert [parameter_path_value(s, PROB) for s in scenarios] == [p[0] for p in d.points]


def test_float_grid_with_lo_equal_hi_and_several_steps_is_refused():
    refused(f"{FLOAT}=1:1:3")


# --- Latin hypercube ---------------------------------------------------------------------------
@pytest.mark.parametrize(("d", "k"), [(1, 2), (2, 10), (3, 37), (5, 64)])
def test_lhs_unit_sample_has_one_point_per_stratum(d, k):
    u = unit_sample("lhs", d, k, 2024)
    assert u.shape == (k, d)
    assert np.all((u >= 0.0) & (u < 1.0))
    for j in range(d):
        assert sorted(np.floor(u[:, j] * k).astype(int)) == list(range(k))


def test_lhs_float_range_values_are_stratified_and_within_bounds():
    lo, hi, k = 0.5, 3.0, 40
    d = build_design([factor(f"{FLOAT}={lo}:{hi}"), factor(f"{PROB}=0.1:0.2")], "lhs", k, 11)
    assert d.method == "lhs" and len(d.points) == k
    x = np.array([p[0] for p in d.points])
    assert np.all((x >= lo) & (x <= hi))
    assert sorted(np.floor((x - lo) / (hi - lo) * k).astype(int)) == list(range(k))
    y = np.array([p[1] for p in d.points])
    assert np.all((y >= 0.1) & (y <= 0.2))


def test_lhs_values_map_the_unit_sample():
    factors = [
        factor(f"{FLOAT}=1:5"),
        factor(f"{INT}=2:7"),
        factor(f"{DATE}=2024-06-19:2024-06-29"),
    ]
    d = build_design(factors, "lhs", 20, 5)
    u = unit_sample("lhs", 3, 20, 5)
    for p, row in zip(d.points, u, strict=True):
        assert p[0] == pytest.approx(1.0 + 4.0 * row[0])
        assert p[1] == 2 + math.floor(row[1] * 6)
        assert p[2] == dt.date(2024, 6, 19) + dt.timedelta(days=math.floor(row[2] * 11))


@pytest.mark.parametrize("method", ["lhs", "sobol"])
def test_int_range_includes_both_ends_and_is_uniform(method):
    k = 1024 if method == "sobol" else 997
    d = build_design([factor(f"{INT}=2:8"), factor(f"{FLOAT}=0:1")], method, k, 123)
    x = np.array([p[0] for p in d.points])
    assert all(type(p[0]) is int for p in d.points)
    assert x.min() == 2 and x.max() == 8
    counts = np.bincount(x - 2, minlength=7)
    assert counts.size == 7
    assert stats.chisquare(counts).pvalue > 0.001
    # Stratification makes it much better than chance: no value is off by more than one stratum.
    assert np.all(np.abs(counts - k / 7) <= 2)


def test_lhs_int_range_divisible_is_exactly_balanced():
    d = build_design([factor(f"{INT}=0:4")], "lhs", 50, 8)
    assert np.bincount([p[0] for p in d.points]).tolist() == [10] * 5


@pytest.mark.parametrize("method", ["lhs", "sobol"])
def test_date_range_within_bounds(method):
    lo, hi = dt.date(2024, 6, 19), dt.date(2024, 8, 19)
    d = build_design([factor(f"{DATE}={lo}:{hi}")], method, 256, 4)
    days = [p[0] for p in d.points]
    assert all(isinstance(v, dt.date) for v in days)
    assert all(lo <= v <= hi for v in days)
    assert min(days) == lo and max(days) == hi  # 256 points over 62 days reach both ends


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
@pytest.mark.parametrize(
    ("arg", "k"), [(f"{CHOICE}=*", 12), (f"{POLICY}=*", 12), (f"{BOOL}=*", 30)]
)
def test_lhs_levels_appear_equally_often(seed, arg, k):
    f = factor(arg)
    d = build_design([factor(f"{FLOAT}=0:1"), f], "lhs", k, seed)
    counts = [sum(p[1] == v for p in d.points) for v in f.levels]
    assert counts == [k // len(f.levels)] * len(f.levels)


def test_lhs_levels_not_divisible_are_within_one():
    f = factor(f"{POLICY}=*")
    for seed in range(5):
        d = build_design([f], "lhs", 10, seed)
        counts = [sum(p[0] == v for p in d.points) for v in f.levels]
        assert sum(counts) == 10
        assert max(counts) - min(counts) <= 2  # 10 strata over 3 levels: 3 or 4 whole + shared
        assert all(abs(c - 10 / 3) < 2 for c in counts)


# --- Sobol' ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("d", "k"), [(1, 2), (2, 8), (3, 64), (6, 256)])
def test_sobol_unit_sample_is_a_balanced_net(d, k):
    u = unit_sample("sobol", d, k, 77)
    assert u.shape == (k, d)
    assert np.all((u >= 0.0) & (u < 1.0))
    for j in range(d):
        assert int(np.sum(u[:, j] < 0.5)) == k // 2
        # each one-dimensional projection is a (0, m, 1)-net: one point per interval of 1/K
        assert sorted(np.floor(u[:, j] * k).astype(int)) == list(range(k))


def test_sobol_design_has_power_of_two_points():
    for k in (2, 4, 32, 128):
        d = build_design([factor(f"{FLOAT}=0:1"), factor(f"{BOOL}=*")], "sobol", k, 1)
        assert d.method == "sobol" and len(d.points) == k
        assert sum(p[1] for p in d.points) == k // 2  # balanced halves: True in half the points


# --- seeding -----------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["lhs", "sobol"])
def test_same_seed_same_design_other_seed_other_points(method):
    factors = [factor(f"{FLOAT}=0:2"), factor(f"{INT}=0:9"), factor(f"{CHOICE}=*")]
    a = build_design(factors, method, 16, 2024)
    assert a == build_design(factors, method, 16, 2024)
    b = build_design(factors, method, 16, 2025)
    assert [p[0] for p in a.points] != [p[0] for p in b.points]
    assert not np.array_equal(unit_sample(method, 3, 16, 2024), unit_sample(method, 3, 16, 2025))


@pytest.mark.parametrize("seed", [0, 1, 2024, 2**40])
def test_design_stream_differs_from_replication_streams(seed):
    mine = design_rng(seed).random(8)
    assert np.array_equal(mine, design_rng(seed).random(8))
    assert not np.array_equal(mine, np.random.default_rng(seed).random(8))
    for i in range(3):
        child = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(i,))).random(8)
        assert not np.array_equal(mine, child)


# --- property: every sampled value in range ----------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(
    ends=st.tuples(
        st.floats(0.0, 1.0, allow_nan=False, allow_subnormal=False),
        st.floats(0.0, 1.0, allow_nan=False, allow_subnormal=False),
    ).filter(lambda t: t[0] != t[1]),
    k=st.integers(2, 60),
    seed=st.integers(0, 2**32 - 1),
    method=st.sampled_from(["lhs", "sobol"]),
)
def test_sampled_values_lie_in_the_range(ends, k, seed, method):
    lo, hi = sorted(ends)
    if method == "sobol":
        k = 2 ** max(1, round(math.log2(k)))
    f = factor(f"{PROB}={lo!r}:{hi!r}")
    assert (f.low, f.high) == (lo, hi)
    d = build_design([f, factor(f"{FLOAT}=0:{hi + 1!r}")], method, k, seed)
    assert len(d.points) == k
    assert all(lo <= p[0] <= hi for p in d.points)
    assert all(0.0 <= p[1] <= hi + 1 for p in d.points)


# --- storing the design ------------------------------------------------------------------------
def test_columns_and_rows_store_each_kind():
    factors = [
        factor(f"{FLOAT}=0.5"),
        factor(f"{INT}=3"),
        factor(f"{BOOL}=*"),
        factor(f"{CHOICE}=hardline"),
        factor(f"{DATE}=2024-07-01"),
    ]
    d = build_design(factors, "grid", None, 1)
    assert d.columns() == [
        (FLOAT, "REAL"),
        (INT, "INTEGER"),
        (BOOL, "INTEGER"),
        (CHOICE, "TEXT"),
        (DATE, "TEXT"),
    ]
    assert set(SQL_TYPES) == {"float", "int", "bool", "str", "date"}
    names = point_names("baseline_2024", len(d.points))
    assert d.rows(names) == [
        ("baseline_2024#0", 0, 0.5, 3, False, "hardline", "2024-07-01"),
        ("baseline_2024#1", 1, 0.5, 3, True, "hardline", "2024-07-01"),
    ]
    with pytest.raises(ValueError):
        d.rows(names[:1])


def test_describe_lists_the_factors():
    d = build_design(
        [factor(f"{FLOAT}=0:2:3"), factor(f"{DATE}=2024-06-19:2024-08-19:3")], "grid", None, 1
    )
    info = d.describe()
    assert info["method"] == "grid" and info["points"] == 9
    assert info["factors"][0] == {
        "path": FLOAT,
        "kind": "float",
        "spec": "0:2:3",
        "levels": ["0", "1", "2"],
    }
    assert info["factors"][1]["levels"] == ["2024-06-19", "2024-07-19", "2024-08-19"]
    ranged = build_design([factor(f"{FLOAT}=0:2")], "lhs", 4, 1).describe()
    assert ranged["factors"][0]["levels"] is None


@pytest.mark.parametrize("count", [1, 2, 9, 10, 11, 100, 101, 1024])
def test_point_names_are_unique_and_sortable(count):
    names = point_names("base", count)
    assert len(names) == count == len(set(names))
    assert sorted(names) == names
    assert len({len(n) for n in names}) == 1  # zero-padded to one width
    assert names[0] == "base#" + "0" * len(str(count - 1))
    assert names[-1] == f"base#{count - 1}"


def test_factor_code_and_label():
    f = factor(f"{POLICY}=*")
    assert [f.code(v) for v in f.levels] == [0.0, 1.0, 2.0]
    b = factor(f"{BOOL}=*")
    assert [b.code(v) for v in b.levels] == [0.0, 1.0] and b.label(True) == "true"
    day = factor(f"{DATE}=2024-06-19:2024-08-19")
    assert day.code(dt.date(2024, 6, 19)) == dt.date(2024, 6, 19).toordinal()
    assert day.label(dt.date(2024, 6, 19)) == "2024-06-19"
    x = factor(f"{FLOAT}=0:1")
    assert x.code(0.25) == 0.25 and x.label(0.25) == "0.25" and x.label(2.0) == "2"


def test_design_is_plain_data():
    f = factor(f"{FLOAT}=0:1:2")
    d = Design("grid", (f,), ((0.0,), (1.0,)))
    assert d == build_design([f], "grid", None, 0)
    assert d.overrides(1) == [f"{FLOAT}=1.0"]
