"""Helpers shared by the tests: scenarios cut down to one mechanism (for analytic tests of the
model), the statistical checks those tests make, and the check that bad input raises a
one-line InputError."""

from __future__ import annotations

import dataclasses as dc
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim.errors import InputError
from sim.scenario.loader import load_scenario
from sim.scenario.params import Scenario

ROOT = Path(__file__).resolve().parent.parent
# Two-sided level of the analytic checks: a correct model fails one about once in 1,000 seeds.
ALPHA = 0.001
BASELINE = ROOT / "scenarios" / "baseline_2024.toml"


def error_of(call, *args, **kwargs) -> InputError:
    """The InputError raised by ``call``, checked to print as one line."""
    with pytest.raises(InputError) as info:
        call(*args, **kwargs)
    err = info.value
    assert "\n" not in str(err) and "\r" not in str(err)
    return err


def baseline() -> Scenario:
    return load_scenario(BASELINE)


def replace(obj, **changes):
    """``obj`` with fields replaced; a dict value replaces fields of a nested section:
    replace(s, response={"dprk": {"escalate_logit": 1.0}})."""
    resolved = {
        name: replace(getattr(obj, name), **value) if isinstance(value, dict) else value
        for name, value in changes.items()
    }
    return dc.replace(obj, **resolved)


def quiet(s: Scenario) -> Scenario:
    """Every process off: no crews, patrols, rain, leaflets, statements, drills, talks (and no
    priors: the rates set to 0 here lie outside them, so the world could not be written back)."""
    sectors = tuple(
        dc.replace(p, crews=0, dprk_patrols=0, rok_patrols=0) for p in s.terrain.sectors
    )
    return replace(
        s,
        terrain={"sectors": sectors, "heavy_rain_rate_per_day": 0.0},
        construction={"fortification_rate_per_crew_day": 0.0},
        grayzone={"leaflet_rate_per_day": 0.0},
        diplomacy={
            "statement_rate_per_day": 0.0,
            "show_of_force_rate_per_day": 0.0,
            "talks_offer_rate_per_day": 0.0,
        },
        timeline={"events": ()},
        priors=(),
    )


STEADY = 1e9  # a spell that never ends: no rests


def constant_season(s: Scenario, vegetation: float = 0.5) -> Scenario:
    """Foliage, crews and patrols constant all year: no season, no rests, no adaptation."""
    return replace(
        s,
        terrain={"vegetation_winter": vegetation, "vegetation_summer": vegetation},
        construction={"off_season_activity": 1.0, "work_spell_days": STEADY},
        patrols={"rok_spell_days": STEADY, "dprk_spell_days": STEADY},
        adaptation={
            "caution_per_warning_shots": 0.0,
            "clearance_boost_per_blast": 0.0,
            "alert_per_incident": 0.0,
        },
    )


def poisson_sum_ok(total: int, mean: float) -> bool:
    """Is ``total`` inside the central 1-ALPHA interval of Poisson(mean)?"""
    lo, hi = stats.poisson.interval(1 - ALPHA, mean)
    return lo <= total <= hi


def dispersion_ok(counts: np.ndarray) -> bool:
    """Index-of-dispersion test: for Poisson counts, sum (x - mean)^2 / mean ~ chi2(n - 1)."""
    n, m = len(counts), counts.mean()
    d = ((counts - m) ** 2).sum() / m
    lo, hi = stats.chi2.interval(1 - ALPHA, n - 1)
    return lo <= d <= hi
