"""Gray-zone moves: activist leaflets, DPRK trash-balloon campaigns, ROK loudspeakers and
DPRK's answers to them (threats, noise broadcasts, GPS jamming, more balloons, fire).

The sequence follows 2024: leaflets from the South (2024-05-10) drew balloon waves from
2024-05-28; the waves led ROK to suspend the CMA in full (06-04) and to switch its
loudspeakers back on (06-09); DPRK threatened a "new counteraction".
"""

from __future__ import annotations

from collections.abc import Generator

import simpy

from sim.model.diplomacy import suspend_cma
from sim.model.events import Event
from sim.model.response import Reaction, choose, delay, record_armed, start_chain
from sim.model.thinning import thinned_poisson
from sim.model.world import World

DPRK_MIRRORS = ("balloon_wave", "noise_broadcast", "gps_jamming")


class GrayZone:
    """Owns the gray-zone processes of one replication and the loudspeakers' state."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.p = world.s.grayzone
        self.rok = world.streams("grayzone.rok")
        self.dprk = world.streams("grayzone.dprk")
        self.continuous: simpy.Process | None = None

    def start(self) -> None:
        env = self.world.env
        env.process(self.leaflets())

    # --- activists and balloons ----------------------------------------------------------
    def leaflets(self) -> Generator[simpy.Event, object, None]:
        p = self.p
        stream = self.world.streams("grayzone.leaflets")
        season = self.world.calendar.window(p.leaflet_season_start_day, p.leaflet_season_end_day)

        def rate(t: float) -> float:
            return p.leaflet_rate_per_day if season.is_open(t) else 0.0

        def seasons(t: float) -> tuple[float, float]:  # the rate itself, season by season
            on, until = season.piece(t)
            return (p.leaflet_rate_per_day if on else 0.0), until

        def launch() -> None:
            ev = self.world.record("leaflet_launch", "activists")
            if self.dprk.random() < p.balloon_campaign_probability:
                self.world.env.process(self.campaign(ev))

        yield from thinned_poisson(self.world.env, stream, seasons, rate, launch)

    def campaign(self, cause: Event) -> Generator[simpy.Event, object, None]:
        """A campaign of 1 + Poisson(mean - 1) waves, spaced by exponential gaps."""
        p, env = self.p, self.world.env
        waves = 1 + self.dprk.poisson(p.balloon_waves_per_campaign - 1.0)
        yield env.timeout(self.dprk.exponential(p.balloon_first_delay_days))
        for k in range(waves):
            if self.world.over:
                return
            if k:
                yield env.timeout(self.dprk.exponential(p.balloon_wave_gap_days))
            self.balloon_wave(cause)

    def balloon_wave(self, cause: Event) -> None:
        """A wave lands; ROK may suspend the CMA in full and answer with its loudspeakers."""
        w = self.world
        ev = w.record("balloon_wave", "DPRK", cause=cause.id)
        # Both draws are made whatever the state, so that a policy change does not shift
        # the stream for later waves (common random numbers).
        suspend, speak = self.rok.random(), self.rok.random()
        if w.rok_bound and suspend < w.s.diplomacy.rok_suspension_probability_per_wave:
            suspend_cma(w, "ROK", ev.id)
        if self.p.loudspeaker_policy != "off" and not w.rok_bound:
            if speak < self.p.loudspeaker_probability_per_wave:
                w.env.process(self.retaliate(ev))

    # --- loudspeakers ----------------------------------------------------------------------
    def retaliate(self, wave: Event) -> Generator[simpy.Event, object, None]:
        yield self.world.env.timeout(delay(self.world, self.rok, 1))
        if self.world.rok_bound or self.world.over:
            return
        self.broadcast(wave.id)
        if self.p.loudspeaker_policy == "continuous" and self.continuous is None:
            self.continuous = self.world.env.process(self.broadcast_daily(wave.id))

    def broadcast_daily(self, cause: int) -> Generator[simpy.Event, object, None]:
        """'continuous' policy: sessions at a steady rate while ROK is free of the CMA."""
        rate = self.p.loudspeaker_broadcasts_per_day
        if rate <= 0:
            return
        while True:
            yield self.world.env.timeout(self.rok.exponential(1.0 / rate))
            if self.world.rok_bound:
                self.continuous = None
                return
            self.broadcast(cause)

    def broadcast(self, cause: int) -> None:
        ev = self.world.record("loudspeaker_broadcast", "ROK", cause=cause)
        self.world.env.process(self.dprk_answer(ev))

    def dprk_answer(self, broadcast: Event) -> Generator[simpy.Event, object, None]:
        """DPRK answers a broadcast: a threat, a gray-zone move of its own, or fire."""
        w = self.world
        choice = choose(w, "DPRK", self.dprk, True, 1, 4)
        if choice == Reaction.IGNORE:
            return
        yield w.env.timeout(delay(w, self.dprk, 1))
        if w.over:
            return
        if choice == Reaction.PROTEST:
            w.record("threat_statement", "DPRK", cause=broadcast.id)
        elif choice == Reaction.MIRROR:
            move = DPRK_MIRRORS[self.dprk.choice([1.0] * len(DPRK_MIRRORS))]
            if move == "balloon_wave":
                self.balloon_wave(broadcast)
            else:
                w.record(move, "DPRK", cause=broadcast.id)
        else:
            fire = record_armed(w, "fire_at_speakers", "DPRK", "", broadcast.id, self.dprk)
            start_chain(w, fire, "ROK", "grayzone")


def start(world: World) -> None:
    GrayZone(world).start()
