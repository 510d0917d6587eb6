"""The scenarios and experiment files shipped inside the package, found by name.

They live in ``sim/scenarios/`` and ``sim/experiments/`` as package data, so an installed wheel
has them; in a checkout, the top-level ``scenarios/`` and ``experiments/`` are symlinks to
these folders, so both spellings of a path work.
"""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
SCENARIOS = PACKAGE / "scenarios"  # <name>.toml, and <name>.posterior.csv beside a fitted one
EXPERIMENTS = PACKAGE / "experiments"  # <name>.toml experiment files
SUFFIX = ".toml"
NAME_MAX = 64
# A scenario's name becomes a file and a folder name: ASCII letters, digits, _ - . and no
# leading dot (so never "." or "..", never hidden), no separators, escapes or line breaks.
_IDENTIFIER = re.compile(rf"[A-Za-z0-9_-][A-Za-z0-9_.-]{{0,{NAME_MAX - 1}}}")
NAME_RULE = (
    f"a name is 1 to {NAME_MAX} characters of letters, digits, '_', '-' and '.', "
    "not starting with '.' (it becomes a file name)"
)


def _names(folder: Path) -> list[str]:
    return sorted(f.stem for f in folder.glob(f"*{SUFFIX}"))


def scenario_names() -> list[str]:
    """The bundled scenarios' names, sorted."""
    return _names(SCENARIOS)


def experiment_names() -> list[str]:
    """The bundled experiment files' names, sorted."""
    return _names(EXPERIMENTS)


def shown(path: object) -> str:
    """A path as text for a one-line message: quoted with escapes when it holds a line break,
    NUL or another control character (a name in a file may hold any of these)."""
    text = str(path)
    return text if text.isprintable() else repr(text)


def is_identifier(text: str) -> bool:
    """Whether ``text`` is a valid scenario name (see ``NAME_RULE``)."""
    return _IDENTIFIER.fullmatch(text) is not None


def is_name(text: str) -> bool:
    """Whether ``text`` could name a bundled file: an identifier, with or without ``.toml``
    (``baseline_2024`` or ``baseline_2024.toml``, not ``./baseline_2024.toml``)."""
    return is_identifier(text.removesuffix(SUFFIX))


def _where(folder: Path, name: str) -> Path | None:
    """The path a bundled ``name`` would have in ``folder`` (None: not a name)."""
    if not is_name(name):
        return None
    return folder / (name if name.endswith(SUFFIX) else name + SUFFIX)


def scenario_file(name: str) -> Path | None:
    """Where the bundled scenario ``name`` lives (whether or not it exists; None if ``name``
    has a folder in it)."""
    return _where(SCENARIOS, name)


def experiment_file(name: str) -> Path | None:
    """Where the bundled experiment file ``name`` lives (as :func:`scenario_file`)."""
    return _where(EXPERIMENTS, name)


def find_scenario(name: str) -> Path | None:
    """The bundled scenario ``name``, if there is one."""
    path = scenario_file(name)
    return path if path is not None and path.is_file() else None


def find_experiment(name: str) -> Path | None:
    """The bundled experiment file ``name``, if there is one."""
    path = experiment_file(name)
    return path if path is not None and path.is_file() else None
