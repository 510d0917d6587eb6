"""Outcomes of interest named on the command line: a column's mean, or a condition's share.

``count_mine_blast`` asks for the mean of that outcome column; ``highest_rung>=4`` asks for the
probability that a replication meets the condition (``>=``, ``>``, ``<=``, ``<``, ``==``, ``!=``
against a number). A missing value (``first_day_rung_5`` of a replication that never got there)
never meets a condition and is left out of a mean.
"""

from __future__ import annotations

import difflib
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from sim.errors import InputError

_OPS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
}
_SPEC = re.compile(r"\s*([A-Za-z_]\w*)\s*(?:(>=|<=|==|!=|>|<)\s*([-+]?(?:\d+\.?\d*|\.\d+)))?\s*")


@dataclass(frozen=True)
class Outcome:
    """An outcome column, and the condition on it when a probability is asked for."""

    column: str
    op: str | None = None
    threshold: float | None = None

    @property
    def probability(self) -> bool:
        return self.op is not None

    @property
    def label(self) -> str:
        if self.op is None:
            return self.column
        return f"P({self.column}{self.op}{self.threshold:.15g})"

    def values(self, column: np.ndarray) -> np.ndarray:
        """Per replication: 1.0 or 0.0 for a condition, else the value (NaN when missing)."""
        column = np.asarray(column, dtype=np.float64)
        if self.op is None:
            return column
        assert self.threshold is not None
        with np.errstate(invalid="ignore"):
            hit = _OPS[self.op](column, self.threshold) & ~np.isnan(column)
        return hit.astype(np.float64)


def parse_outcome(text: str, known: Sequence[str], source: str = "--outcome") -> Outcome:
    """``NAME`` or ``NAME OP NUMBER``, with NAME one of the ``known`` outcome columns."""
    m = _SPEC.fullmatch(text)
    if m is None:
        raise InputError(
            source, None, text, "an outcome column, or a condition such as highest_rung>=4"
        )
    column, op, number = m.groups()
    if column not in known:
        close = difflib.get_close_matches(column, known, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'? " if close else ""
        listed = ", ".join(k for k in known if not k.startswith("first_day"))
        raise InputError(source, None, text, f"unknown outcome; {hint}known: {listed}")
    return Outcome(column, op, None if number is None else float(number))
