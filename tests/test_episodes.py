"""The historical episodes (shared/data/episodes_2010-2020.md) as natural paths of the model.

Each episode scenario sets only the world's state, its trigger and what came before it; every
behavioural parameter is baseline_2024's. The checks ask whether the model, left to itself,
reproduces the episode's ladder at a plausible rate. A rate is "in a band" when its whole
99.9% Wilson interval lies inside the band, so a correct model fails about once in a thousand
seeds and the number of replications (1,000) keeps the interval about +/-0.05 wide.
"""

from __future__ import annotations

import dataclasses as dc
import datetime as dt
import math
import tomllib
from functools import cache
from pathlib import Path

import pytest

from sim.analysis.stats import proportion_ci
from sim.model.replication import simulate
from sim.model.world import World
from sim.scenario.loader import load_scenario
from sim.scenario.params import TIMELINE_KINDS, Scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
N = 1000
SEED = 20150804
LEVEL = 0.999
# Each episode and the day of its trigger: scheduled incidents and decisions may come no later.
EPISODES = {
    "aug2015": dt.date(2015, 8, 4),
    "oct2014": dt.date(2014, 10, 10),
    "jun2020": dt.date(2020, 5, 31),
    "nov2017": dt.date(2017, 11, 13),
}


@cache
def worlds(name: str) -> tuple[Scenario, list[World]]:
    s = load_scenario(SCENARIOS / f"{name}.toml")
    return s, [simulate(s, SEED, i) for i in range(N)]


def share(hits: int, n: int = N) -> tuple[float, float, float]:
    return proportion_ci(hits, n, LEVEL)


def in_band(hits: int, lo: float, hi: float, n: int = N) -> bool:
    p, a, b = share(hits, n)
    return lo <= a and b <= hi


# --- what an episode may set ------------------------------------------------------------------
def _state_paths() -> set[str]:
    """Dotted paths of the parameters marked as the world's state (sector keys as *)."""
    from sim.scenario.loader import iter_parameters

    return {
        path.replace("terrain.sectors.*.", "terrain.sectors.*.")
        for path, f in iter_parameters()
        if f.metadata.get("state")
    }


def _leaves(table: dict, prefix: str = "") -> list[str]:
    out = []
    for key, value in table.items():
        path = f"{prefix}{key}"
        if path.startswith("terrain.sectors."):
            for fields in value.values() if path == "terrain.sectors" else ():
                out += [f"terrain.sectors.*.{f}" for f in fields]
            continue
        if isinstance(value, dict):
            out += _leaves(value, path + ".")
        else:
            out.append(path)
    return out


@pytest.mark.parametrize("name", sorted(EPISODES))
def test_an_episode_sets_only_the_world_state_and_what_came_before_its_trigger(name):
    data = tomllib.loads((SCENARIOS / f"{name}.toml").read_text(encoding="utf-8"))
    assert data.pop("extends") == "baseline_2024.toml"
    events = data.pop("timeline", {}).get("events", [])
    state = _state_paths()
    keys = [k for k in _leaves(data) if k not in ("name", "description")]
    assert keys and all(k in state for k in keys), [k for k in keys if k not in state]
    for event in events:
        if TIMELINE_KINDS[event["type"]].group != "diplomacy":
            assert event["date"] <= EPISODES[name], event  # injects and decisions up to the trigger
    # and the behavioural parameters are the baseline's, untouched
    s, base = (
        load_scenario(SCENARIOS / f"{name}.toml"),
        load_scenario(SCENARIOS / "baseline_2024.toml"),
    )
    assert s.response == dc.replace(base.response, roe=s.response.roe)
    assert s.mines == base.mines and s.crossings == base.crossings and s.patrols == base.patrols


# --- August 2015 ------------------------------------------------------------------------------
def test_aug2015_reaches_an_artillery_exchange_at_a_plausible_rate():
    s, ws = worlds("aug2015")
    hits = sum(any(e.type == "artillery_exchange" and e.time < 30 for e in w.events) for w in ws)
    assert in_band(hits, 0.05, 0.8), share(hits)


def test_aug2015_is_a_natural_path_from_the_blast():
    """Only the blast is scheduled (and the exercise): blame, the loudspeakers, fire and
    talks are the model's own, and they happen in that order in many replications."""
    s, ws = worlds("aug2015")
    path = 0
    for w in ws:
        first = {}
        for e in w.events:
            first.setdefault(e.type, e.time)
            if e.type in ("blame_statement", "speakers_raised", "fire_at_speakers", "talks"):
                assert not e.injected
        order = ["blame_statement", "speakers_raised", "fire_at_speakers", "talks"]
        times = [first.get(k, math.inf) for k in order]
        path += times[-1] < math.inf and times == sorted(times)
    assert share(path)[1] > 0.05  # the 2015 sequence is a common course, not a fluke


def test_aug2015_talks_follow_fire_within_ten_days_in_most_replications():
    s, ws = worlds("aug2015")
    fired = talked = 0
    for w in ws:
        fire = next((e.time for e in w.events if e.rung >= 4), None)
        if fire is None:
            continue
        fired += 1
        talked += any(e.type == "talks" and fire <= e.time <= fire + 10 for e in w.events)
    assert fired > 100
    assert share(talked, fired)[1] > 0.5, (talked, fired)


def test_an_agreement_turns_the_speakers_off():
    s, ws = worlds("aug2015")
    agreements = 0
    for w in ws:
        for e in w.events:
            if e.type != "agreement":
                continue
            agreements += 1
            moves = [x.type for x in w.events[: e.id] if x.type.startswith("speakers_")]
            if moves and moves[-1] == "speakers_raised":  # on: a term switches them off
                assert any(x.type == "speakers_lowered" and x.cause == e.id for x in w.events)
            later = [x for x in w.events if x.time > e.time]
            on_again = next((x.time for x in later if x.type == "speakers_raised"), math.inf)
            assert not any(x.type == "loudspeaker_broadcast" and x.time < on_again for x in later)
    assert agreements > 100


# --- October 2014 -----------------------------------------------------------------------------
def test_oct2014_small_arms_exchange_in_october_at_a_plausible_rate_and_no_war():
    s, ws = worlds("oct2014")
    hits = sum(any(e.type == "small_arms_exchange" for e in w.events) for w in ws)
    assert in_band(hits, 0.1, 0.9), share(hits)
    war = sum(w.highest_rung >= 7 for w in ws)
    assert share(war)[2] < 0.02, war


# --- June 2020 --------------------------------------------------------------------------------
def test_jun2020_a_demolition_is_likely_and_there_is_no_fire():
    s, ws = worlds("jun2020")
    demolished = sum(any(e.type == "demolition" for e in w.events) for w in ws)
    assert share(demolished)[1] > 0.5, share(demolished)
    fire = sum(w.highest_rung >= 4 for w in ws)
    assert share(fire)[2] < 0.05, share(fire)
    for w in ws:  # at rung 2, on DPRK's own side: ROK answers it with words at most
        for e in w.events:
            if e.type == "demolition":
                assert e.rung == 2
                answers = [x.type for x in w.events if x.cause == e.id and x.actor == "ROK"]
                assert set(answers) <= {"protest"}, answers


# --- November 2017 ----------------------------------------------------------------------------
def test_nov2017_fire_at_a_defector_stays_one_sided_under_restrained_rules():
    s, ws = worlds("nov2017")
    assert s.response.roe == "restrained"
    for w in ws:
        shot = next(e for e in w.events if e.type == "fire_at_defector")
        assert shot.injected and shot.rung == 4
        assert not any(e.actor == "ROK" and e.rung >= 4 for e in w.events)
