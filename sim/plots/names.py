"""The plots each kind of experiment draws, by name (``--plots`` and experiment files pick
from these; kept apart from the drawing code so the command line can check names quickly)."""

from __future__ import annotations

OUTCOME_PLOTS = ("tension_fan", "highest_rung", "casualties", "event_counts")
RUN_PLOTS = (*OUTCOME_PLOTS, "survival_fire", "survival_rungs")
SWEEP_PLOTS = ("sweep", "heatmap", "main_effects")  # one parameter; two; two or more
SENSITIVITY_PLOTS = ("sobol",)
