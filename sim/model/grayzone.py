"""Gray-zone moves: activist leaflets, DPRK trash-balloon campaigns, ROK loudspeakers and
DPRK's answers to both (threats and ultimatums, balloons, noise, GPS jamming, a demolition,
fire at the balloons or the speakers).

The sequence follows 2024: leaflets from the South (2024-05-10) drew balloon waves from
2024-05-28; the waves led ROK to suspend the CMA in full (06-04) and to switch its
loudspeakers back on (06-09); DPRK threatened a "new counteraction". Fire at leaflet balloons
follows 2014-10-10, fire at the speakers 2015-08-20, the demolition 2020-06-16.
"""

from __future__ import annotations

from collections.abc import Generator

import simpy

from sim.model import crisis
from sim.model.diplomacy import suspend_cma
from sim.model.events import Event
from sim.model.policies import set_speakers
from sim.model.response import Reaction, choose_option, delay
from sim.model.thinning import thinned_poisson
from sim.model.world import World
from sim.rng import Stream

DPRK_MIRRORS = ("balloon_wave", "noise_broadcast", "gps_jamming")
RETALIATE, CONTINUOUS = 1, 2  # loudspeaker postures
# DPRK's answers to a broadcast beyond ignoring it: a protest, a gray-zone move in kind, or
# gunfire at the speakers (rung 5: on 2015-08-20 it used 76.2 mm guns).
SPEAKER_MENU = ((Reaction.PROTEST, 0), (Reaction.MIRROR, 1), (Reaction.ESCALATE, 5))
SPEAKER_ACTS = (None, "protest", "mirror", "fire_at_speakers")


class GrayZone:
    """Owns the gray-zone processes of one replication and the loudspeakers' sessions."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.p = world.s.grayzone
        self.continuous: simpy.Process | None = None
        self.on_since = -1  # the event that switched the speakers on
        world.on("speakers_raised", self.raised)
        world.on_cma_change.append(self.sessions)

    def start(self) -> None:
        self.world.env.process(self.leaflets())
        self.sessions()

    # --- activists and balloons ----------------------------------------------------------
    def leaflets(self) -> Generator[simpy.Event, object, None]:
        p, w = self.p, self.world
        stream = w.streams("grayzone.leaflets")
        season = w.calendar.window(p.leaflet_season_start_day, p.leaflet_season_end_day)

        def rate(t: float) -> float:
            return p.leaflet_rate_per_day if w.leaflets_allowed and season.is_open(t) else 0.0

        def seasons(t: float) -> tuple[float, float]:  # the seasonal rate, season by season
            on, until = season.piece(t)
            return (p.leaflet_rate_per_day if on else 0.0), until

        def launch() -> None:
            launched = w.record("leaflet_launch", "activists")
            self.answer_leaflets(launched, w.streams("grayzone.dprk"), "grayzone")

        yield from thinned_poisson(w.env, stream, seasons, rate, launch, w.s.horizon_days)

    def answer_leaflets(self, launch: Event, stream: Stream, origin: str) -> None:
        """DPRK answers a launch: a balloon campaign (its answer in kind, 3 of 3 in 2024) and,
        drawn apart from it, a harder answer: a threat or an ultimatum, a demolition while an
        inter-Korean facility stands, or fire at the balloons."""
        w = self.world
        campaign = stream.random() < self.p.balloon_campaign_probability
        menu, acts = [(Reaction.PROTEST, 0)], ["protest"]
        if w.facilities:
            menu.append((Reaction.ESCALATE, 2))
            acts.append("demolition")
        menu.append((Reaction.ESCALATE, 4))
        acts.append("fire_at_balloons")
        k = choose_option(w, "DPRK", stream, True, menu, launch.rung)
        ultimatum = stream.random() < w.s.diplomacy.ultimatum_probability
        wait = delay(w, stream, 1)
        if campaign:
            w.env.process(self.campaign(launch, stream))
        if k:
            act = acts[k - 1]
            grievance = "leaflets_stop"
            w.after(wait, lambda: self.answer(launch, act, ultimatum, stream, origin, grievance))

    def answer(
        self,
        cause: Event,
        act: str,
        ultimatum: bool,
        stream: Stream,
        origin: str,
        grievance: str,
    ) -> None:
        """DPRK's answer ``act``: a protest (an ultimatum against ``grievance`` when it can
        make one, if drawn), a move in kind, or an act of force."""
        w = self.world
        if act == "protest":
            if ultimatum and crisis.can_demand(w, grievance):
                crisis.issue_ultimatum(w, "DPRK", grievance, cause.id, stream, origin)
            else:
                w.record("threat_statement", "DPRK", cause=cause.id)
        elif act == "mirror":
            move = DPRK_MIRRORS[stream.choice([1.0] * len(DPRK_MIRRORS))]
            if move == "balloon_wave":
                self.balloon_wave(cause, w.streams("grayzone.rok"))
            else:
                w.record(move, "DPRK", cause=cause.id)
        else:
            crisis.carry_out(w, act, "DPRK", cause.id, stream, origin, grievance)

    def campaign(self, cause: Event, stream: Stream) -> Generator[simpy.Event, object, None]:
        """A campaign of 1 + Poisson(mean - 1) waves, spaced by exponential gaps."""
        p, env = self.p, self.world.env
        waves = 1 + stream.poisson(p.balloon_waves_per_campaign - 1.0)
        yield env.timeout(stream.exponential(p.balloon_first_delay_days))
        for k in range(waves):
            if self.world.over:
                return
            if k:
                yield env.timeout(stream.exponential(p.balloon_wave_gap_days))
            self.balloon_wave(cause, self.world.streams("grayzone.rok"))

    def balloon_wave(self, cause: Event, rok: Stream, injected: bool = False) -> None:
        """A wave lands; ROK may suspend the CMA in full, switch its loudspeakers on to answer
        provocations, or (answering provocations already) broadcast.

        A wave raises the posture from off to 'retaliate' only: in 2024 the waves brought one
        broadcast and no continuous campaign (data 06-09, none 06-10 to 07-17); a continuous
        campaign answers an attack (``mines.answer_blamed_attack``, 2015) or a decision.
        """
        w = self.world
        ev = w.record("balloon_wave", "DPRK", cause=cause.id if cause else -1, injected=injected)
        # Every draw is made whatever the state, so that a change of policy does not shift
        # the stream for later waves (common random numbers).
        suspend, lift, speak = rok.random(), rok.random(), rok.random()
        wait = delay(w, rok, 1)
        if w.rok_bound and suspend < w.s.diplomacy.rok_suspension_probability_per_wave:
            suspend_cma(w, "ROK", ev.id)
        if w.rok_bound:
            return
        if w.speakers < RETALIATE and lift < self.p.posture_raise_probability_per_wave:
            set_speakers(w, RETALIATE, cause=ev.id)
        elif w.speakers == RETALIATE and speak < self.p.loudspeaker_probability_per_wave:
            w.after(wait, lambda: self.retaliate(ev.id))

    # --- loudspeakers ----------------------------------------------------------------------
    def raised(self, ev: Event) -> None:
        """The speakers go on at once when the posture rises; 'continuous' keeps them on."""
        self.on_since = ev.id
        if not self.world.rok_bound:
            self.broadcast(ev.id)
        self.sessions()

    def sessions(self) -> None:
        """Start the continuous sessions if the posture asks for them and the CMA allows."""
        w = self.world
        if w.speakers == CONTINUOUS and not w.rok_bound and self.continuous is None:
            if self.p.loudspeaker_broadcasts_per_day > 0:
                self.continuous = w.env.process(self.broadcast_daily())

    def retaliate(self, cause: int) -> None:
        """A broadcast answering a provocation, if the speakers are still on and allowed."""
        if not self.world.rok_bound and self.world.speakers:
            self.broadcast(cause)

    def broadcast_daily(self) -> Generator[simpy.Event, object, None]:
        """Posture 'continuous': sessions at a steady rate while it lasts and ROK is free of
        the CMA."""
        w = self.world
        stream = w.streams("grayzone.speakers")
        mean_gap = 1.0 / self.p.loudspeaker_broadcasts_per_day
        while True:
            yield w.env.timeout(stream.exponential(mean_gap))
            if w.speakers < CONTINUOUS or w.rok_bound:
                self.continuous = None
                return
            self.broadcast(self.on_since)

    def broadcast(self, cause: int) -> None:
        w = self.world
        ev = w.record("loudspeaker_broadcast", "ROK", cause=cause)
        stream = w.streams("grayzone.dprk")
        k = choose_option(w, "DPRK", stream, True, SPEAKER_MENU, ev.rung)
        ultimatum = stream.random() < w.s.diplomacy.ultimatum_probability
        wait = delay(w, stream, 1)
        if k:
            act = SPEAKER_ACTS[k]
            grievance = "speakers_off"
            w.after(wait, lambda: self.answer(ev, act, ultimatum, stream, "grayzone", grievance))


def start(world: World) -> GrayZone:
    gz = GrayZone(world)
    gz.start()
    world.grayzone = gz  # injects reach the gray-zone loop through the world
    return gz
