"""dmzsim: a discrete-event simulation of escalation on the Korean DMZ."""

__version__ = "0.1.0"
