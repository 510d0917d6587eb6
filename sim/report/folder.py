"""What a results folder holds: its kind, its manifest, its scenarios in run order and its CSV
tables, read from the files alone (not the store), so a folder copied elsewhere reports too."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from sim.errors import InputError

KINDS = ("run", "compare", "sweep", "sensitivity", "fit", "score")
# the file that marks each kind, for folders whose manifest does not say (score writes none)
MARKERS = (
    ("sensitivity", "sensitivity.csv"),
    ("sweep", "sweep.csv"),
    ("fit", "posterior.csv"),
    ("compare", "compare.csv"),
    ("run", "summary.csv"),
    ("score", "score.csv"),
)
Rows = list[dict[str, str]]


@dataclass
class Results:
    """A results folder, read: ``names`` are its scenarios, the first being the base."""

    path: Path
    kind: str
    manifest: dict
    names: list[str] = field(default_factory=list)

    def has(self, name: str) -> bool:
        return (self.path / name).is_file()

    def rows(self, name: str) -> Rows:
        """A CSV table of the folder as dicts of text (empty when the file is missing)."""
        try:
            with open(self.path / name, newline="", encoding="utf-8") as fh:
                return list(csv.DictReader(fh))
        except FileNotFoundError:
            return []

    def header(self, name: str) -> list[str]:
        try:
            with open(self.path / name, newline="", encoding="utf-8") as fh:
                return next(csv.reader(fh), [])
        except FileNotFoundError:
            return []

    def files(self, pattern: str) -> list[Path]:
        return sorted(p for p in self.path.glob(pattern) if p.is_file())

    def scenario(self, name: str) -> dict:
        """The resolved scenario ``name`` as the manifest holds it (empty when it does not)."""
        if name == self.base_name() and "base_scenario" in self.manifest:
            return self.manifest["base_scenario"]
        found = (self.manifest.get("scenarios") or {}).get(name)
        return found if isinstance(found, dict) else {}

    def base_name(self) -> str:
        return self.names[0] if self.names else ""

    def seed(self) -> object:
        return self.manifest.get("root_seed", self.manifest.get("seed"))


def _manifest(path: Path) -> dict:
    file = path / "manifest.json"
    if not file.is_file():
        return {}
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise InputError("RESULTS", None, str(path), "its manifest.json is not JSON") from None
    if not isinstance(data, dict):
        raise InputError("RESULTS", None, str(path), "its manifest.json is not a JSON object")
    return data


def _kind(path: Path, manifest: dict) -> str | None:
    command = manifest.get("command")
    if isinstance(command, list) and len(command) > 1 and command[1] in KINDS:
        return str(command[1])
    return next((kind for kind, marker in MARKERS if (path / marker).is_file()), None)


def _names(r: Results) -> list[str]:
    """The scenarios in the order they ran (a compare's base first)."""
    if r.kind == "compare" and r.has("compare.csv"):
        header = r.header("compare.csv")[1:]
        return [h for h in header if not h.startswith("diff_")]
    if r.kind in ("sweep", "sensitivity"):
        return [str((r.manifest.get("base_scenario") or {}).get("name", ""))]
    if r.manifest.get("scenarios"):
        return list(r.manifest["scenarios"])
    if r.has("score.csv"):
        return list(dict.fromkeys(row["scenario"] for row in r.rows("score.csv")))
    return []


def open_results(path: Path) -> Results:
    """The folder ``path`` read, or one line of error: missing, not a folder, not dmzsim's."""
    if not path.exists():
        raise InputError("RESULTS", None, str(path), "no such folder")
    if not path.is_dir():
        raise InputError("RESULTS", None, str(path), "not a folder")
    manifest = _manifest(path)
    kind = _kind(path, manifest)
    if not manifest and (path / "experiment.sqlite").is_file():
        raise InputError(
            "RESULTS",
            None,
            str(path),
            "holds an unfinished experiment (no manifest.json yet): finish it with --resume",
        )
    if kind is None or (not manifest and kind != "score"):
        raise InputError(
            "RESULTS",
            None,
            str(path),
            "not a dmzsim results folder (no manifest.json of run, compare, sweep, "
            "sensitivity or fit, and no score.csv)",
        )
    r = Results(path, kind, manifest)
    r.names = _names(r)
    return r
