"""The one error type users see: bad input, reported as a single clear line."""

from __future__ import annotations


class InputError(Exception):
    """Bad user input (scenario file, --set override, CLI value).

    The CLI prints ``str(err)`` as one line and exits with status 2.
    """

    def __init__(self, source: str, key: str | None, value: object, allowed: str) -> None:
        self.source = source
        self.key = key
        self.value = value
        self.allowed = allowed
        where = f"{source}: {key}" if key else source
        super().__init__(f"{where} = {value!r}: {allowed}")
