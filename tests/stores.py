"""Reading a results folder's store in tests, read-only so that the file is never changed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sim.experiment.store import STORE_NAME


def store_rows(folder: Path, sql: str) -> list[tuple]:
    """The rows ``sql`` selects from the store in ``folder``."""
    con = sqlite3.connect(f"file:{folder / STORE_NAME}?mode=ro", uri=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()
