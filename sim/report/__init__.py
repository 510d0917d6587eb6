"""``dmzsim report``: one self-contained HTML file that gathers a results folder (run, compare,
sweep, sensitivity, score or fit) for an analyst to send on: the question, how it ran, the
headline tables with their intervals, every figure, and the commands that replay the most
extreme replications. No network, no server, no script: figures are embedded as data."""

from sim.report.build import REPORT_NAME, write_report

__all__ = ["REPORT_NAME", "write_report"]
