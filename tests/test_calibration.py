"""baseline_2024 against the record of November 2023 - June 2024 (1,000 replications).

The record (sim/data/events_2023-11_to_2024-06.csv): "several" mine blasts by 2024-06-18;
three MDL crossings in June 2024, each met by a broadcast and warning shots and ending in
retreat; seven balloon waves from late May; loudspeakers on 2024-06-09; no exchange of fire.
Shares are judged by their 95% Wilson interval, counts by the model's central 90% interval.
"""

from __future__ import annotations

import pytest
from model_helpers import baseline

from sim.analysis.calibration import calibration_table, replication_stats
from sim.experiment.backends import make_backend
from sim.experiment.engine import map_replications

REPS = 1000
SEED = 7


@pytest.fixture(scope="module")
def table():
    backend = make_backend("process", workers=2)
    try:
        stats = map_replications(backend, baseline(), SEED, REPS, replication_stats)
    finally:
        backend.close()
    return {row["check"]: row for row in calibration_table(stats)}


@pytest.mark.slow
@pytest.mark.parametrize(
    "check",
    [
        "mine blasts >= 3 by 2024-06-18",
        "mine blasts by 2024-06-18",
        "MDL crossings in June 2024",
        "June crossings: broadcast, shots, retreat, no fire",
        "balloon waves 2024-05-20..06-30",
        "loudspeakers on by 2024-06-30",
        "any exchange of fire by 2024-06-30",
    ],
)
def test_baseline_reproduces_the_record(table, check):
    row = table[check]
    assert row["agrees"], row
