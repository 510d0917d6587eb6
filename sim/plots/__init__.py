"""Figures of experiment results (``sim.plots.figures``; imported by the command line only)."""
