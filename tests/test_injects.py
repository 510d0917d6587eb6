"""Injected incidents enter the world as drawn ones do, are marked, and draw nothing from the
mechanisms' random streams: a scenario with an inject shares every draw before it with the
scenario without it, so "fork at day t" is a paired comparison."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest
import simpy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from model_helpers import baseline, replace

from sim.model import injects
from sim.model.replication import simulate
from sim.rng import Stream, Streams, generator
from sim.scenario.loader import load_scenario
from sim.scenario.params import TIMELINE_KINDS, TimelineEvent

ROOT = Path(__file__).resolve().parent.parent
BASE = baseline()


class Recording:
    """A stream that logs each variate it hands out: stream name, simulated time, value, and
    whether an inject was being applied."""

    exponential = Stream.exponential
    poisson = Stream.poisson
    choice = Stream.choice

    def __init__(self, inner: Stream, name: str, owner: RecordingStreams) -> None:
        self.inner, self.name, self.owner = inner, name, owner

    @property
    def gen(self):
        return self.inner.gen

    def _log(self, value: float) -> float:
        self.owner.log.append((self.name, self.owner.clock(), value, self.owner.applying))
        return value

    def random(self) -> float:
        return self._log(self.inner.random())

    def standard_exponential(self) -> float:
        return self._log(self.inner.standard_exponential())


class RecordingStreams(Streams):
    def __init__(self, root: int, replication: int, env: simpy.Environment) -> None:
        super().__init__(root, replication)
        self.clock = lambda: env.now
        self.log: list[tuple[str, float, float, bool]] = []
        self.applying = False

    def __call__(self, name: str) -> Recording:  # type: ignore[override]
        s = self._streams.get(name)
        if s is None:
            inner = Stream(generator(self.root_seed, self.replication, name))
            s = self._streams[name] = Recording(inner, name, self)  # type: ignore[assignment]
        return s  # type: ignore[return-value]


def run(s, seed, rep, monkeypatch=None):
    env = simpy.Environment()
    streams = RecordingStreams(seed, rep, env)
    if monkeypatch is not None:
        apply = injects.apply

        def flagged(world, te, key):
            streams.applying = True
            try:
                apply(world, te, key)
            finally:
                streams.applying = False

        monkeypatch.setattr(injects, "apply", flagged)
    world = simulate(s, seed, rep, env=env, streams=streams)
    return world, streams.log


# One valid event of every inject type (sectors, actors and required fields filled in).
INJECTS = {
    "mine_blast": {"actor": "ROK", "sector": "west", "injured": 2, "planted": True},
    "mdl_crossing": {"sector": "central", "deliberate": True, "party": "patrol"},
    "leaflet_launch": {},
    "balloon_wave": {},
    "fire_at_speakers": {},
    "fire_at_balloons": {},
    "fire_at_defector": {"sector": "east"},
    "show_of_force": {"actor": "DPRK"},
    "artillery_barrage": {"actor": "DPRK"},
    "demolition": {},
    "ultimatum": {"demand": "speakers_off", "threat": "fire_at_speakers"},
}


# Injects whose handling draws at once (the others start processes that draw later).
DRAW_AT_ONCE = {"leaflet_launch", "balloon_wave", "fire_at_speakers", "demolition", "ultimatum"}


def with_inject(s, type_: str, day: int, hour: float, fields: dict):
    te = TimelineEvent(date=s.start_date + dt.timedelta(days=day), type=type_, hour=hour, **fields)
    kind = TIMELINE_KINDS[type_]
    if kind.default_actor and "actor" not in fields:
        te = replace(te, actor=kind.default_actor)
    return replace(s, timeline={"events": (*s.timeline.events, te)}), te


def test_every_inject_type_is_a_timeline_type():
    injected = {t for t, k in TIMELINE_KINDS.items() if k.group == "inject"}
    assert injected == set(INJECTS)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    type_=st.sampled_from(sorted(INJECTS)),
    day=st.integers(1, 400),
    hour=st.floats(0.0, 23.9),
    seed=st.integers(0, 2**32 - 1),
    rep=st.integers(0, 10**6),
)
def test_an_inject_shares_every_draw_before_it(type_, day, hour, seed, rep):
    s, _ = with_inject(BASE, type_, day, hour, INJECTS[type_])
    t = day + hour / 24.0
    base_world, base_log = run(BASE, seed, rep)
    world, log = run(s, seed, rep)
    before = [entry[:3] for entry in base_log if entry[1] < t]
    assert [entry[:3] for entry in log if entry[1] < t] == before
    assert [e for e in base_world.events if e.time < t] == [e for e in world.events if e.time < t]
    if world.over and world.ended.value.time < t:
        return  # the replication ended (war) before the inject
    marked = [e for e in world.events if e.injected and e.time == t]
    unseen = type_ == "mdl_crossing" and marked and marked[0].type == "mdl_crossing_undetected"
    assert marked and (marked[0].type == type_ or unseen)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(type_=st.sampled_from(sorted(INJECTS)), seed=st.integers(0, 2**32 - 1))
def test_while_an_inject_is_applied_every_draw_is_from_its_streams(type_, seed):
    s, te = with_inject(BASE, type_, 200, 9.5, INJECTS[type_])
    with pytest.MonkeyPatch.context() as mp:
        _, log = run(s, seed, 0, mp)
    key = f"timeline.{te.date.isoformat()}.{type_}.0"
    during = [name for name, _, _, applying in log if applying]
    assert all(name.startswith(key + ".") for name in during), sorted(set(during))
    if type_ in DRAW_AT_ONCE:
        assert during, "the check saw no draw: it would pass vacuously"


def test_injected_events_are_marked_and_start_the_same_chains():
    """An injected fire at the speakers is recorded as injected at its time, moves tension by
    the same weight a drawn one does, and is answered by ROK as a drawn one is."""
    s, te = with_inject(BASE, "fire_at_speakers", 250, 15.0, {})
    t = 250 + 15.0 / 24.0
    answered = 0
    for rep in range(40):
        world, _ = run(s, 7, rep)
        shot = next(e for e in world.events if e.injected and e.type == "fire_at_speakers")
        assert shot.time == t and shot.actor == "DPRK" and shot.rung == 5
        before = [e for e in world.events if e.time < t]
        level = before[-1].tension * math.exp(
            -math.log(2) / s.escalation.tension_half_life_days * (t - before[-1].time)
        )
        weight = s.escalation.tension_unit * s.escalation.tension_growth_per_rung**5
        assert math.isclose(shot.tension, level + weight, rel_tol=1e-9)
        answered += any(e.cause == shot.id and e.actor == "ROK" for e in world.events)
    # ROK returns fire with at least its doctrine's probability (0.85), minus the hotline
    # off-ramp (the hotline is cut in 2024): P(answered) >= 0.85; 40 draws at 0.85 give fewer
    # than 27 with probability < 0.001.
    assert answered >= 27


def test_a_fork_is_a_paired_comparison():
    """The bundled fork: every replication is identical to the baseline's up to the inject,
    and the probe, seen or not, is recorded there, marked and deliberate."""
    fork = load_scenario(ROOT / "scenarios" / "fork_probe_aug2024.toml")
    inject = next(te for te in fork.timeline.events if te.type == "mdl_crossing")
    t = (inject.date - fork.start_date).days + inject.hour / 24.0
    seen = 0
    for rep in range(30):
        a = simulate(BASE, 11, rep)
        b = simulate(fork, 11, rep)
        assert [e for e in a.events if e.time < t] == [e for e in b.events if e.time < t]
        probe = next(e for e in b.events if e.injected and e.time == t)
        assert probe.type in ("mdl_crossing", "mdl_crossing_undetected")
        assert (probe.sector, probe.intent) == ("central", "deliberate")
        if probe.type == "mdl_crossing":
            seen += 1
            assert any(e.cause == probe.id and e.actor == "ROK" for e in b.events)
    assert seen > 0
