"""Key-by-key differences between two resolved scenarios (nested dicts and lists, as the
manifest holds them), as dotted paths like ``timeline.events[6].date``."""

from __future__ import annotations

import json

MISSING = object()
SKIP = frozenset({"name", "description"})  # shown elsewhere in the report


def differences(base: object, other: object, prefix: str = "") -> list[tuple[str, object, object]]:
    """Every leaf where ``other`` differs from ``base``: (path, base value, other value); a key
    or list item on one side only has ``MISSING`` on the other."""
    if isinstance(base, dict) and isinstance(other, dict):
        out = []
        for key in [*base, *(k for k in other if k not in base)]:
            if not prefix and key in SKIP:
                continue
            path = f"{prefix}.{key}" if prefix else str(key)
            out += differences(base.get(key, MISSING), other.get(key, MISSING), path)
        return out
    if isinstance(base, list) and isinstance(other, list):
        out = []
        for i in range(max(len(base), len(other))):
            b = base[i] if i < len(base) else MISSING
            o = other[i] if i < len(other) else MISSING
            out += differences(b, o, f"{prefix}[{i}]")
        return out
    return [] if base == other else [(prefix, base, other)]


def shown(value: object, width: int = 90) -> str:
    """A value for a table cell: JSON-like, ``-`` when absent, cut at ``width`` characters."""
    if value is MISSING:
        return "-"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=False)
    return text if len(text) <= width else text[: width - 1] + "…"
