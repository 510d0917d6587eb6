"""Quantiles of daily tension across replications shown in fan charts and summary tables."""

BAND_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
