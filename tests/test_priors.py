"""Priors in scenario files: the Prior math, the [priors] table, extends, round trips, and one
clear line for every bad prior."""

from __future__ import annotations

import math
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from model_helpers import error_of
from scipy import special, stats

from sim.cli import main
from sim.scenario.describe import main as describe_main
from sim.scenario.describe import parameter_rows
from sim.scenario.loader import (
    build_scenario,
    iter_parameters,
    load_scenario,
    load_variants,
    parameter_path_value,
    scenario_to_dict,
    scenario_to_toml,
)
from sim.scenario.priors import DISTRIBUTIONS, PRIOR_KEYS, Prior, PriorSet

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline_2024.toml"

UNIFORM = Prior("x", "uniform", -2.0, 3.0)
LOGUNIFORM = Prior("x", "loguniform", 1e-4, 2e-3)
NORMAL = Prior("x", "normal", 0.0, 6.0, mean=2.0, sd=1.5)
BETA = Prior("x", "beta", 0.5, 0.95, a=8.0, b=2.0)
FAMILIES = {"uniform": UNIFORM, "loguniform": LOGUNIFORM, "normal": NORMAL, "beta": BETA}


def closed_form_cdf(p: Prior, x: np.ndarray) -> np.ndarray:
    """Each family's CDF written out, not through the scipy object Prior uses."""
    if p.dist == "uniform":
        return (x - p.low) / (p.high - p.low)
    if p.dist == "loguniform":
        return np.log(x / p.low) / math.log(p.high / p.low)
    if p.dist == "normal":
        phi = np.vectorize(lambda z: 0.5 * (1.0 + math.erf(z / math.sqrt(2.0))))
        lo, hi, z = ((v - p.mean) / p.sd for v in (p.low, p.high, x))
        return (phi(z) - phi(lo)) / (phi(hi) - phi(lo))
    return special.betainc(p.a, p.b, (x - p.low) / (p.high - p.low))


# --- the Prior math ----------------------------------------------------------------------------
@pytest.mark.parametrize("dist", list(FAMILIES))
def test_cdf_is_the_closed_form(dist):
    p = FAMILIES[dist]
    x = np.linspace(p.low, p.high, 41)
    np.testing.assert_allclose(p.cdf(x), closed_form_cdf(p, x), atol=1e-10)


@pytest.mark.parametrize("dist", list(FAMILIES))
def test_ppf_and_cdf_invert_each_other(dist):
    p = FAMILIES[dist]
    u = np.linspace(0.001, 0.999, 99)
    np.testing.assert_allclose(p.cdf(p.ppf(u)), u, atol=1e-9)
    x = np.linspace(p.low, p.high, 41)[1:-1]
    np.testing.assert_allclose(p.ppf(p.cdf(x)), x, rtol=1e-7, atol=1e-12)
    assert p.ppf(np.array([0.0]))[0] == pytest.approx(p.low)
    assert p.ppf(np.array([1.0]))[0] == pytest.approx(p.high)


def test_log_of_a_loguniform_sample_is_uniform():
    p = LOGUNIFORM
    x = p.sample(np.random.default_rng(20240609), 5000)
    assert p.contains(x).all()
    lo, hi = math.log(p.low), math.log(p.high)
    assert stats.kstest(np.log(x), "uniform", args=(lo, hi - lo)).pvalue > 1e-3
    assert stats.kstest(x, "uniform", args=(p.low, p.high - p.low)).pvalue < 1e-3  # not flat


def test_loguniform_is_flat_in_working_coordinates():
    p = LOGUNIFORM
    z = np.linspace(math.log(p.low), math.log(p.high), 25)
    np.testing.assert_array_equal(p.to_work(p.from_work(z)), z)
    dens = p.logpdf_work(z)
    np.testing.assert_allclose(dens, -math.log(math.log(p.high / p.low)))
    outside = p.logpdf_work(np.log([p.low / 2, p.high * 2]))
    assert np.all(np.isneginf(outside))


@pytest.mark.parametrize("dist", ["uniform", "normal", "beta"])
def test_working_density_is_the_density_elsewhere(dist):
    p = FAMILIES[dist]
    x = np.linspace(p.low, p.high, 21)[1:-1]
    np.testing.assert_array_equal(p.to_work(x), x)
    np.testing.assert_allclose(np.exp(p.logpdf_work(x)), p._scipy.pdf(x), rtol=1e-9)
    assert np.isneginf(p.logpdf_work(np.array([p.low - 1.0, p.high + 1.0]))).all()


def test_prior_set_works_column_by_column():
    ps = PriorSet([LOGUNIFORM, BETA])
    u = np.array([[0.0, 0.5], [1.0, 0.25]])
    x = ps.ppf(u)
    assert x.shape == (2, 2)
    np.testing.assert_allclose(x[:, 0], [LOGUNIFORM.low, LOGUNIFORM.high])
    np.testing.assert_allclose(ps.cdf(x)[:, 1], [0.5, 0.25])
    assert ps.contains(x).all()
    assert ps.logpdf_work(ps.to_work(x)).shape == (2,)


@pytest.mark.parametrize(
    ("prior", "phrase"),
    [
        (Prior("x", "uniform", 1.0, 1.0), "low < high"),
        (Prior("x", "uniform", 0.0, math.inf), "finite bounds"),
        (Prior("x", "loguniform", 0.0, 1.0), "low > 0"),
        (Prior("x", "normal", 0.0, 1.0, mean=0.5, sd=0.0), "sd > 0"),
        (Prior("x", "normal", 0.0, 1.0, mean=math.nan, sd=1.0), "finite mean"),
        (Prior("x", "beta", 0.0, 1.0, a=0.0, b=1.0), "a > 0"),
    ],
)
def test_problem_names_what_is_wrong(prior, phrase):
    assert phrase in prior.problem()


def test_describe_and_to_table():
    assert UNIFORM.describe() == "uniform [-2, 3]"
    assert NORMAL.describe() == "normal(2, sd 1.5) on [0, 6]"
    assert BETA.describe() == "beta(8, 2) on [0.5, 0.95]"
    assert NORMAL.to_table() == {"dist": "normal", "mean": 2.0, "sd": 1.5, "low": 0.0, "high": 6.0}
    for dist, keys in DISTRIBUTIONS.items():
        assert set(keys) <= set(PRIOR_KEYS) and {"low", "high"} <= set(keys), dist


@st.composite
def valid_prior(draw) -> Prior:
    dist = draw(st.sampled_from(list(DISTRIBUTIONS)))
    if dist == "loguniform":
        low = draw(st.floats(1e-8, 1e3))
        high = low * draw(st.floats(1.001, 1e4))
        return Prior("x", dist, low, high)
    low = draw(st.floats(-1e3, 1e3))
    width = draw(st.floats(1e-3, 1e3))
    high = low + width
    if dist == "normal":
        mean = draw(st.floats(low - 2 * width, high + 2 * width))
        sd = width * draw(st.floats(0.05, 5.0))
        return Prior("x", dist, low, high, mean=mean, sd=sd)
    if dist == "beta":
        a, b = draw(st.floats(0.2, 20.0)), draw(st.floats(0.2, 20.0))
        return Prior("x", dist, low, high, a=a, b=b)
    return Prior("x", dist, low, high)


# Quantiles as generators and designs give them: multiples of 2**-53 (scipy's beta ppf returns
# nan below about 1e-17, far under the smallest such quantile but 0).
quantile = st.integers(0, 2**53).map(lambda k: k / 2**53)


@settings(max_examples=200, deadline=None)
@given(valid_prior(), st.lists(quantile, min_size=1, max_size=30))
def test_ppf_maps_the_unit_interval_into_the_bounds_monotonically(prior, us):
    assert prior.problem() is None
    u = np.array(sorted([0.0, 1.0, *us]))
    x = prior.ppf(u)
    assert np.all((x >= prior.low) & (x <= prior.high))
    assert np.all(np.diff(x) >= -1e-12 * max(1.0, abs(prior.low), abs(prior.high)))


# --- the [priors] table ------------------------------------------------------------------------
@pytest.fixture
def base(tmp_path, make_scenario_data) -> Path:
    """A complete scenario file without priors, base.toml."""
    path = tmp_path / "base.toml"
    path.write_text(scenario_to_toml(build_scenario(make_scenario_data(), "f")), encoding="utf-8")
    return path


def write(folder: Path, text: str, name: str = "child.toml", parent: str = "base.toml") -> Path:
    path = folder / name
    path.write_text(f'extends = "{parent}"\n' + text, encoding="utf-8")
    return path


PRIORS = """
[priors]
"response.dprk.escalate_logit" = { dist = "uniform", low = -5.5, high = -2.5 }
"crossings.rate_per_crew_day" = { dist = "loguniform", low = 0.0001, high = 0.002 }
"mines.killed_mean" = { dist = "normal", mean = 2.0, sd = 1.0, low = 0.0, high = 6.0 }
"crossings.detection_probability" = { dist = "beta", a = 8, b = 2, low = 0.5, high = 0.95 }
"terrain.sectors.west.mine_density" = { dist = "uniform", low = 0, high = 1 }
"""
EXPECTED = (
    Prior("crossings.detection_probability", "beta", 0.5, 0.95, a=8.0, b=2.0),
    Prior("crossings.rate_per_crew_day", "loguniform", 0.0001, 0.002),
    Prior("mines.killed_mean", "normal", 0.0, 6.0, mean=2.0, sd=1.0),
    Prior("response.dprk.escalate_logit", "uniform", -5.5, -2.5),
    Prior("terrain.sectors.west.mine_density", "uniform", 0.0, 1.0),
)


def test_priors_load_from_a_file_sorted_by_path(tmp_path, base):
    s = load_scenario(write(tmp_path, PRIORS))
    assert s.priors == EXPECTED
    assert all(isinstance(p.low, float) and isinstance(p.high, float) for p in s.priors)
    assert load_scenario(base).priors == ()


def test_priors_are_not_parameters(tmp_path, base):
    assert not any(p.startswith("priors") for p, _ in iter_parameters())
    s = load_scenario(write(tmp_path, PRIORS))
    assert not any(p.startswith("priors") for p, _ in iter_parameters(s))
    for bad in ("priors=1", 'priors."mines.killed_mean".low=1', "priors.mines.killed_mean=1"):
        err = error_of(load_scenario, write(tmp_path, PRIORS), [bad])
        assert err.source == "--set" and "unknown parameter" in str(err)


def test_round_trip_through_toml_and_dict(tmp_path, base):
    s = load_scenario(write(tmp_path, PRIORS))
    text = scenario_to_toml(s)
    assert "\n[priors]\n" in text
    assert '"crossings.rate_per_crew_day" = { dist = "loguniform", low = 0.0001' in text
    out = tmp_path / "resolved.toml"
    out.write_text(text, encoding="utf-8")
    assert load_scenario(out) == s
    assert build_scenario(tomllib.loads(text), "t") == s
    d = scenario_to_dict(s)
    assert d["priors"]["mines.killed_mean"] == EXPECTED[2].to_table()
    assert build_scenario(d, "d") == s
    assert "[priors]" not in scenario_to_toml(load_scenario(base))


def test_equal_tables_in_any_order_give_equal_scenarios(tmp_path, base):
    lines = PRIORS.strip().splitlines()
    shuffled = "\n".join([lines[0], *reversed(lines[1:])]) + "\n"
    assert load_scenario(write(tmp_path, shuffled, "b.toml")) == load_scenario(
        write(tmp_path, PRIORS, "a.toml")
    )


def test_extends_replaces_an_entry_whole(tmp_path, base):
    write(tmp_path, PRIORS, "parent.toml")
    child = write(
        tmp_path,
        '[priors]\n"mines.killed_mean" = { dist = "uniform", low = 1.0, high = 3.0 }\n',
        parent="parent.toml",
    )
    s = load_scenario(child)
    by_path = {p.path: p for p in s.priors}
    assert by_path["mines.killed_mean"] == Prior("mines.killed_mean", "uniform", 1.0, 3.0)
    assert by_path["mines.killed_mean"].mean is None and by_path["mines.killed_mean"].sd is None
    assert len(s.priors) == len(EXPECTED)  # the parent's other priors are kept, path by path


def test_a_value_set_after_its_prior_fixes_the_parameter(tmp_path, base):
    write(tmp_path, PRIORS, "parent.toml")
    # a what-if file sets a value its parent has a prior for: that prior is dropped
    child = write(tmp_path, "[mines]\nkilled_mean = 9.0\n", parent="parent.toml")
    assert "mines.killed_mean" not in {p.path for p in load_scenario(child).priors}
    # ... unless the same file restates the prior, which must then hold the value
    restated = write(
        tmp_path,
        '[mines]\nkilled_mean = 9.0\n[priors]\n"mines.killed_mean" = '
        "{ dist = 'uniform', low = 5.0, high = 10.0 }\n",
        "restated.toml",
        parent="parent.toml",
    )
    assert "mines.killed_mean" in {p.path for p in load_scenario(restated).priors}
    # --set and a sweep's points fix the value the same way, and still write back and load
    parent = tmp_path / "parent.toml"
    s = load_scenario(parent, ["crossings.rate_per_crew_day=0.01"])
    assert "crossings.rate_per_crew_day" not in {p.path for p in s.priors}
    assert build_scenario(tomllib.loads(scenario_to_toml(s)), "t") == s
    inside, outside = load_variants(
        parent, [], [["mines.killed_mean=3.0"], ["mines.killed_mean=7.0"]]
    )
    assert len(inside.priors) == len(outside.priors) == len(EXPECTED) - 1
    assert len(load_scenario(parent).priors) == len(EXPECTED)


def test_a_later_prior_must_hold_the_inherited_value(tmp_path, base):
    child = write(
        tmp_path, '[priors]\n"mines.killed_mean" = { dist = "uniform", low = 3.0, high = 5.0 }\n'
    )
    err = error_of(load_scenario, child)
    assert err.source == str(child) and err.key == 'priors."mines.killed_mean"'
    assert f"mines.killed_mean = 2.0, the value the scenario runs with (set in {base})" in str(err)


def test_describe_shows_the_priors(tmp_path, base, capsys):
    rows = {r["parameter"]: r for r in parameter_rows(write(tmp_path, PRIORS))}
    assert rows["crossings.rate_per_crew_day"]["prior"] == "loguniform [0.0001, 0.002]"
    assert rows["mines.killed_mean"]["prior"] == "normal(2, sd 1) on [0, 6]"
    assert rows["mines.injured_mean"]["prior"] == ""
    baseline = {r["parameter"]: r["prior"] for r in parameter_rows(BASELINE)}
    assert sum(bool(p) for p in baseline.values()) == 12
    bad = write(
        tmp_path, '[priors]\n"mines.kiled_mean" = { dist = "uniform", low = 0, high = 1 }\n'
    )
    assert describe_main([str(bad)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


BASELINE_PRIORS = {
    "crossings.rate_per_crew_day": ("loguniform", 0.0001, 0.002),
    "crossings.vegetation_effect": ("uniform", 1.0, 5.0),
    "crossings.detection_probability": ("uniform", 0.5, 0.95),
    "mines.blast_rate_per_crew_day": ("loguniform", 0.002, 0.03),
    "grayzone.leaflet_rate_per_day": ("loguniform", 0.01, 0.2),
    "grayzone.balloon_waves_per_campaign": ("uniform", 1.0, 5.0),
    "grayzone.posture_raise_probability_per_wave": ("uniform", 0.2, 0.9),
    "response.dprk.escalate_logit": ("uniform", -5.5, -2.5),
    "response.dprk.deliberate_bonus": ("uniform", 1.0, 4.0),
    "response.dprk.jump_aversion": ("uniform", 0.5, 3.0),
    "response.dprk.return_fire_probability": ("uniform", 0.2, 0.8),
    "response.rok.return_fire_probability": ("uniform", 0.6, 1.0),
}


def test_the_baseline_priors():
    s = load_scenario(BASELINE)
    assert {p.path: (p.dist, p.low, p.high) for p in s.priors} == BASELINE_PRIORS
    for p in s.priors:
        assert p.contains(parameter_path_value(s, p.path))


# --- bad priors: one line naming the file and the path -----------------------------------------
def entry(path: str, table: str) -> str:
    return f'[priors]\n"{path}" = {table}\n'


U01 = "{ dist = 'uniform', low = 0.0, high = 1.0 }"
BAD = {
    "not_a_table": ("priors = 3\n", "priors", "must be a table of inline tables"),
    "entry_not_a_table": (
        entry("mines.killed_mean", "2.0"),
        'priors."mines.killed_mean"',
        "must be an inline table",
    ),
    "unknown_path": (
        entry("mines.kiled_mean", U01),
        'priors."mines.kiled_mean"',
        "unknown parameter; did you mean 'mines.killed_mean'?",
    ),
    "unknown_path_far": (entry("nothing.here", U01), 'priors."nothing.here"', "unknown parameter"),
    "a_section": (entry("mines", U01), 'priors."mines"', "unknown parameter"),
    "unknown_sector": (
        entry("terrain.sectors.wset.mine_density", U01),
        'priors."terrain.sectors.wset.mine_density"',
        "unknown sector; did you mean 'west'?",
    ),
    "whole_number": (
        entry("crossings.crew_party_size", "{ dist = 'uniform', low = 10, high = 30 }"),
        'priors."crossings.crew_party_size"',
        "priors apply to real-valued parameters; this one is a whole number",
    ),
    "text": (entry("response.roe", U01), 'priors."response.roe"', "real-valued parameters"),
    "bool": (
        entry("diplomacy.hotline_working", U01),
        'priors."diplomacy.hotline_working"',
        "real-valued parameters; this one is true or false",
    ),
    "date": (entry("start_date", U01), 'priors."start_date"', "real-valued parameters"),
    "timeline_event": (
        entry("timeline.events[0].hour", "{ dist = 'uniform', low = 0.0, high = 23.0 }"),
        'priors."timeline.events[0].hour"',
        "not to timeline events",
    ),
    "no_dist": (
        entry("mines.killed_mean", "{ low = 0.0, high = 5.0 }"),
        'priors."mines.killed_mean".dist',
        "required: one of 'uniform', 'loguniform', 'normal', 'beta'",
    ),
    "unknown_dist": (
        entry("mines.killed_mean", "{ dist = 'gamma', low = 0.0, high = 5.0 }"),
        'priors."mines.killed_mean".dist',
        "must be one of 'uniform'",
    ),
    "dist_not_text": (
        entry("mines.killed_mean", "{ dist = 1, low = 0.0, high = 5.0 }"),
        'priors."mines.killed_mean".dist',
        "must be one of",
    ),
    "extra_key": (
        entry("mines.killed_mean", "{ dist = 'uniform', mean = 2.0, low = 0.0, high = 5.0 }"),
        'priors."mines.killed_mean".mean',
        "a 'uniform' prior takes only dist, low, high",
    ),
    "missing_key": (
        entry("mines.killed_mean", "{ dist = 'normal', mean = 2.0, low = 0.0, high = 5.0 }"),
        'priors."mines.killed_mean".sd',
        "required for a 'normal' prior (dist, mean, sd, low, high)",
    ),
    "bool_number": (
        entry("mines.killed_mean", "{ dist = 'uniform', low = false, high = 5.0 }"),
        'priors."mines.killed_mean".low',
        "must be a finite number",
    ),
    "text_number": (
        entry("mines.killed_mean", "{ dist = 'uniform', low = 0.0, high = '5' }"),
        'priors."mines.killed_mean".high',
        "must be a finite number",
    ),
    "nan": (
        entry("mines.killed_mean", "{ dist = 'uniform', low = nan, high = 5.0 }"),
        'priors."mines.killed_mean".low',
        "must be a finite number",
    ),
    "inf": (
        entry("mines.killed_mean", "{ dist = 'uniform', low = 0.0, high = inf }"),
        'priors."mines.killed_mean".high',
        "must be a finite number",
    ),
    "empty_range": (
        entry("mines.killed_mean", "{ dist = 'uniform', low = 2.0, high = 2.0 }"),
        'priors."mines.killed_mean"',
        "needs finite bounds with low < high",
    ),
    "loguniform_from_zero": (
        entry("crossings.rate_per_crew_day", "{ dist = 'loguniform', low = 0.0, high = 0.01 }"),
        'priors."crossings.rate_per_crew_day"',
        "a log-uniform prior needs low > 0",
    ),
    "normal_sd": (
        entry("mines.killed_mean", "{ dist = 'normal', mean = 2, sd = -1, low = 0, high = 5 }"),
        'priors."mines.killed_mean"',
        "a normal prior needs mean and sd > 0",
    ),
    "beta_shape": (
        entry(
            "crossings.detection_probability", "{ dist = 'beta', a = 0, b = 2, low = 0, high = 1 }"
        ),
        'priors."crossings.detection_probability"',
        "a beta prior needs shapes a > 0 and b > 0",
    ),
    "above_allowed": (
        entry("crossings.detection_probability", "{ dist = 'uniform', low = 0.5, high = 1.5 }"),
        'priors."crossings.detection_probability".high',
        "the bounds must lie within what crossings.detection_probability allows: "
        "a number in [0, 1] (probability)",
    ),
    "below_allowed": (
        entry("mines.killed_mean", "{ dist = 'uniform', low = -1.0, high = 5.0 }"),
        'priors."mines.killed_mean".low',
        "a number in [0, 100]",
    ),
    "excludes_the_value": (
        entry("mines.killed_mean", "{ dist = 'uniform', low = 3.0, high = 5.0 }"),
        'priors."mines.killed_mean"',
        "excludes mines.killed_mean = 2.0, the value the scenario runs with",
    ),
    "excludes_a_sector_value": (
        entry("terrain.sectors.west.mine_density", "{ dist = 'uniform', low = 0.6, high = 1 }"),
        'priors."terrain.sectors.west.mine_density"',
        "excludes terrain.sectors.west.mine_density = 0.5",
    ),
}


@pytest.mark.parametrize(("text", "key", "phrase"), list(BAD.values()), ids=list(BAD))
def test_a_bad_prior_is_one_line_naming_file_and_path(tmp_path, base, text, key, phrase):
    path = write(tmp_path, text)
    err = error_of(load_scenario, path)
    assert (err.source, err.key) == (str(path), key)
    assert str(err).startswith(f"{path}: {key} = "), str(err)
    assert phrase in str(err), str(err)


def test_a_bad_prior_is_blamed_on_the_file_that_set_it(tmp_path, base):
    parent = write(tmp_path, entry("mines.kiled_mean", U01), "parent.toml")
    child = write(tmp_path, "[mines]\ninjured_mean = 1.0\n", parent="parent.toml")
    err = error_of(load_scenario, child)
    assert err.source == str(parent) and err.key == 'priors."mines.kiled_mean"'


def test_build_scenario_checks_priors_too(make_scenario_data):
    data = make_scenario_data()
    data["priors"] = {"mines.killed_mean": {"dist": "uniform", "low": 3.0, "high": 5.0}}
    err = error_of(build_scenario, data, "d")
    assert err.source == "d" and "excludes" in str(err)
    data["priors"] = {5: {"dist": "uniform", "low": 0.0, "high": 5.0}}
    assert "unknown parameter" in str(error_of(build_scenario, data, "d"))


def test_validate_refuses_a_bad_prior_in_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        f'extends = "{BASELINE}"\n'
        + entry("response.dprk.escalate_logit", "{ dist = 'uniform', low = -3.0, high = -1.0 }")
    )
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(bad) in err
    assert 'priors."response.dprk.escalate_logit"' in err and "excludes" in err
    p = subprocess.run(
        [sys.executable, "-m", "sim", "validate", str(bad)], capture_output=True, text=True
    )
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
    assert 'priors."response.dprk.escalate_logit"' in p.stderr and str(bad) in p.stderr


# --- any valid prior on any real-valued parameter writes back and loads --------------------------
FLOATS = [
    (path.replace("*", "west"), f)
    for path, f in iter_parameters()
    if f.type in ("float", float) and not path.startswith("timeline.")
]


@st.composite
def prior_on(draw, data: dict) -> Prior:
    path, f = draw(st.sampled_from(FLOATS))
    s = build_scenario(data, "f")
    value = parameter_path_value(s, path)
    lo, hi = f.metadata.get("lo"), f.metadata.get("hi")
    low = max(value - draw(st.floats(0.0, 10.0)), -math.inf if lo is None else lo)
    high = min(value + draw(st.floats(0.0, 10.0)), math.inf if hi is None else hi)
    if not low < high:  # the value sits on a bound of its range: span the range's side
        low = value - 1.0 if lo is None else lo
        high = value + 1.0 if hi is None else hi
    dist = draw(st.sampled_from(["uniform", "normal", "beta"] + (["loguniform"] * (low > 0))))
    extra = {}
    if dist == "normal":
        extra = {"mean": draw(st.floats(low, high)), "sd": draw(st.floats(0.01, 10.0))}
    if dist == "beta":
        extra = {"a": draw(st.floats(0.1, 20.0)), "b": draw(st.floats(0.1, 20.0))}
    return Prior(path, dist, low, high, **extra)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_any_valid_priors_round_trip(make_scenario_data, data):
    scenario_data = make_scenario_data()
    priors = data.draw(st.lists(prior_on(scenario_data), max_size=5, unique_by=lambda p: p.path))
    scenario_data["priors"] = {p.path: p.to_table() for p in priors}
    s = build_scenario(scenario_data, "f")
    assert s.priors == tuple(sorted(priors, key=lambda p: p.path))
    assert build_scenario(tomllib.loads(scenario_to_toml(s)), "t") == s
    assert build_scenario(scenario_to_dict(s), "d") == s
