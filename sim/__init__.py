"""dmzsim: a discrete-event simulation of escalation on the Korean DMZ.

The Python API for notebooks (``sim.load_scenario``, ``sim.run``, ``sim.compare``,
``sim.open_results`` and ``sim.Results``) is imported on first use (PEP 562), so that
``import sim``, which the command line does, loads neither pandas, scipy nor matplotlib.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # for editors and type checkers; at run time they load on first use
    from sim.api import compare, load_scenario, run
    from sim.results_api import Results, open_results

# public name -> the module that defines it
_LAZY = {
    "load_scenario": "sim.api",
    "run": "sim.api",
    "compare": "sim.api",
    "open_results": "sim.results_api",
    "Results": "sim.results_api",
}
__all__ = ["Results", "__version__", "compare", "load_scenario", "open_results", "run"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
