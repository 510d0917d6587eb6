"""Bands of daily trajectories across replications (for fan charts and summary tables)."""

from __future__ import annotations

import numpy as np

BAND_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def tension_bands(tension: np.ndarray) -> np.ndarray:
    """Per-day quantiles ``BAND_QUANTILES`` of a (replications, days) array: shape (5, days)."""
    return np.quantile(np.asarray(tension, dtype=np.float64), BAND_QUANTILES, axis=0)
