"""Shared fixtures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest


def _valid_scenario_data() -> dict:
    """A complete, valid scenario as a TOML-shaped dict, independent of scenarios/*.toml."""
    side = {
        "protest_logit": -2.0,
        "mirror_logit": -1.5,
        "escalate_logit": -2.5,
        "tension_slope": 0.3,
        "deliberate_bonus": 0.5,
        "rung_aversion": 1.0,
        "jump_aversion": 1.5,
        "return_fire_probability": 0.5,
    }
    return {
        "name": "fixture",
        "description": "a test world",
        "start_date": dt.date(2024, 1, 1),
        "end_date": dt.date(2024, 12, 31),
        "terrain": {
            "vegetation_winter": 0.2,
            "vegetation_summer": 0.9,
            "vegetation_peak_day": 200,
            "monsoon_start_day": 182,
            "monsoon_end_day": 243,
            "heavy_rain_rate_per_day": 0.1,
            "rain_displacement_per_episode": 0.5,
            "rain_displacement_cap": 2.0,
            "rain_displacement_half_life_days": 30.0,
            "sectors": {
                "west": {
                    "mine_density": 0.5,
                    "south_mine_density": 0.1,
                    "marker_visibility": 0.6,
                    "crews": 3,
                    "dprk_patrols": 2,
                    "rok_patrols": 2,
                },
                "central": {
                    "mine_density": 0.6,
                    "south_mine_density": 0.1,
                    "marker_visibility": 0.5,
                    "crews": 4,
                    "dprk_patrols": 2,
                    "rok_patrols": 2,
                },
            },
        },
        "patrols": {
            "rok_spell_days": 20.0,
            "rok_rest_days": 10.0,
            "dprk_spell_days": 20.0,
            "dprk_rest_days": 10.0,
            "detection_per_patrol": 0.3,
        },
        "construction": {
            "season_start_day": 92,
            "season_end_day": 334,
            "off_season_activity": 0.5,
            "work_spell_days": 30.0,
            "rest_days": 3.0,
            "persistence": 0.9,
            "standdown_days": 2.0,
            "halt_days": 30.0,
            "mine_laying_per_crew_day": 0.0002,
            "max_mine_density": 1.0,
            "fortification_rate_per_crew_day": 0.015,
        },
        "mines": {
            "blast_rate_per_crew_day": 0.008,
            "clearance_effort": 0.3,
            "clearance_efficacy": 0.5,
            "killed_mean": 2.0,
            "injured_mean": 3.0,
            "blame_probability": 0.05,
            "patrol_blast_rate_per_patrol_day": 0.001,
            "rok_clearance_effort": 0.5,
            "patrol_killed_mean": 0.2,
            "patrol_injured_mean": 2.0,
            "investigation_days": 4.0,
            "blame_if_planted_probability": 0.9,
            "blame_if_displaced_probability": 0.1,
        },
        "crossings": {
            "rate_per_crew_day": 0.0005,
            "patrol_exposure": 0.2,
            "vegetation_effect": 3.0,
            "marking_effect": 1.0,
            "detection_probability": 0.9,
            "crew_party_size": 25,
            "patrol_party_size": 10,
            "misread_base": 0.02,
            "misread_per_tension": 0.01,
        },
        "adaptation": {
            "caution_per_warning_shots": 0.5,
            "caution_half_life_days": 14.0,
            "clearance_boost_per_blast": 0.1,
            "clearance_boost_half_life_days": 30.0,
            "alert_per_incident": 0.5,
            "alert_half_life_days": 7.0,
        },
        "response": {
            "roe": "standard",
            "retreat_on_broadcast_probability": 0.1,
            "aimed_fire_probability": 0.3,
            "response_delay_days": 1.0,
            "armed_delay_days": 0.02,
            "dprk": dict(side),
            "rok": dict(side),
        },
        "grayzone": {
            "leaflets_allowed": True,
            "leaflet_rate_per_day": 0.05,
            "leaflet_season_start_day": 60,
            "leaflet_season_end_day": 300,
            "balloon_campaign_probability": 0.5,
            "balloon_first_delay_days": 5.0,
            "balloon_waves_per_campaign": 3.0,
            "balloon_wave_gap_days": 4.0,
            "loudspeaker_posture": "retaliate",
            "posture_raise_probability_per_wave": 0.3,
            "loudspeaker_probability_per_wave": 0.3,
            "loudspeaker_broadcasts_per_day": 2.0,
        },
        "diplomacy": {
            "initial_backing": 0.4,
            "backing_boldness": 1.0,
            "condemnation_restraint": 1.0,
            "restraint_half_life_days": 14.0,
            "backing_blunting": 0.5,
            "condemnation_probability": 0.2,
            "statement_rate_per_day": 0.1,
            "show_of_force_rate_per_day": 0.05,
            "exercise_multiplier": 3.0,
            "joint_facilities": 0,
            "talks_offer_rate_per_day": 0.01,
            "talks_tension_slope": 0.02,
            "crisis_offer_rate_per_day": 0.25,
            "crisis_half_life_days": 7.0,
            "talks_acceptance_probability": 0.1,
            "no_hotline_acceptance_factor": 0.3,
            "talks_days": 2.0,
            "agreement_probability": 0.5,
            "regret_probability": 0.5,
            "cma_restoration_probability": 0.2,
            "ultimatum_probability": 0.5,
            "ultimatum_days": 2.0,
            "ultimatum_follow_through": 0.6,
            "ultimatum_compliance_probability": 0.1,
            "leader_suspension_probability": 0.3,
            "leader_suspension_delay_days": 7.0,
            "suspension_restraint": 1.0,
            "hotline_working": False,
            "hotline_offramp_probability": 0.5,
            "hotline_misread_factor": 0.5,
            "cma_dprk_suspended": True,
            "cma_rok_suspended": False,
            "rok_suspension_probability_per_wave": 0.1,
        },
        "escalation": {
            "initial_tension": 1.0,
            "tension_unit": 0.25,
            "tension_growth_per_rung": 2.0,
            "relief_per_goldstein": 0.05,
            "tension_half_life_days": 20.0,
            "terminal_rung": 7,
            "armed_killed_mean": 0.5,
            "armed_injured_mean": 1.0,
            "casualty_growth_per_rung": 2.0,
        },
        "timeline": {
            "events": [
                {
                    "date": dt.date(2024, 6, 19),
                    "type": "treaty",
                    "actor": "Russia-DPRK",
                    "backing_at_least": 0.8,
                    "note": 'a "quoted" note\\n with a backslash',
                },
                {"date": "2024-08-19", "type": "exercise", "actor": "US-ROK", "duration_days": 11},
            ]
        },
    }


@pytest.fixture(scope="session")
def make_scenario_data() -> Callable[[], dict]:
    """A factory for a fresh, complete and valid scenario dict (safe to mutate)."""
    return _valid_scenario_data
