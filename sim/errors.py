"""The one error type users see: bad input, reported as a single clear line."""

from __future__ import annotations


def one_line(text: str) -> str:
    """``text`` with line breaks, escapes and other control characters written as Python
    escapes (``\\n``, ``\\x1b``), so that a message stays one line and cannot drive the
    terminal, whatever a file name or argument held."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class InputError(Exception):
    """Bad user input (scenario file, --set override, CLI value).

    The CLI prints ``str(err)`` as one line and exits with status 2.
    """

    def __init__(self, source: str, key: str | None, value: object, allowed: str) -> None:
        self.source = source
        self.key = key
        self.value = value
        self.allowed = allowed
        where = f"{source}: {key}" if key else str(source)
        super().__init__(one_line(f"{where} = {value!r}: {allowed}"))
