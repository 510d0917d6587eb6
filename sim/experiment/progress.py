"""Progress on stderr: a tqdm bar on a terminal, else a one-line log about every 10 seconds.

A run whose stderr goes to a file or a pipe (a batch job, CI, ``nohup``) still says how far it
has got, how fast it goes and how long is left, without a bar's carriage returns. The log's
interval is ``DMZSIM_PROGRESS_SECONDS`` (default 10). ``--quiet`` silences both.
"""

from __future__ import annotations

import os
import sys
import time
from typing import IO, Any

INTERVAL_VARIABLE = "DMZSIM_PROGRESS_SECONDS"
DEFAULT_INTERVAL = 10.0


def log_interval() -> float:
    """Seconds between two progress lines (``DMZSIM_PROGRESS_SECONDS``, default 10)."""
    try:
        return max(0.0, float(os.environ.get(INTERVAL_VARIABLE, DEFAULT_INTERVAL)))
    except ValueError:
        return DEFAULT_INTERVAL


def _stream(stream: IO[str] | None) -> IO[str]:
    return sys.stderr if stream is None else stream


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _duration(seconds: float) -> str:
    if seconds < 1:
        return "under 1 s"
    seconds = round(seconds)
    if seconds < 120:
        return f"about {seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 120:
        return f"about {minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"about {hours} h {minutes:02d} min"


class Progress:
    """Counts replications done out of ``total``: a bar on a terminal, log lines elsewhere."""

    def __init__(
        self,
        total: int,
        *,
        quiet: bool = False,
        stream: IO[str] | None = None,
        interval: float | None = None,
    ) -> None:
        self.total, self.done = total, 0
        self.stream = _stream(stream)
        self.interval = log_interval() if interval is None else interval
        self.started = self.last = time.monotonic()
        self.bar: Any = None
        self.logging = not quiet and total > 0 and not _is_terminal(self.stream)
        if not quiet and total > 0 and not self.logging:
            from tqdm import tqdm  # only on a terminal: it costs a little to import

            self.bar = tqdm(
                total=total,
                unit="rep",
                file=self.stream,
                smoothing=0.1,
                dynamic_ncols=True,
            )

    def update(self, k: int) -> None:
        self.done += k
        if self.bar is not None:
            self.bar.update(k)
        elif self.logging:
            now = time.monotonic()
            if now - self.last >= self.interval and self.done < self.total:
                self.last = now
                print(self.line(now - self.started), file=self.stream, flush=True)

    def line(self, elapsed: float) -> str:
        """``progress: 1200/4000 replications (30%), 85.2 replications/s, about 33 s left``."""
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = f", {_duration((self.total - self.done) / rate)} left" if rate > 0 else ""
        share = 100.0 * self.done / self.total
        return (
            f"progress: {self.done}/{self.total} replications ({share:.0f}%), "
            f"{rate:.3g} replications/s{left}"
        )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class Steps:
    """Writing outputs, one named group of files after another: a bar over the groups on a
    terminal, a note per group elsewhere."""

    def __init__(self, total: int, *, quiet: bool = False, stream: IO[str] | None = None) -> None:
        self.stream = _stream(stream)
        self.quiet = quiet
        self.begun = False
        self.bar: Any = None
        if not quiet and _is_terminal(self.stream):
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="group", file=self.stream, leave=False)

    def __call__(self, what: str) -> None:
        """Say that ``what`` (e.g. ``events.csv``) is being written now."""
        if self.quiet:
            return
        if self.bar is not None:
            if self.begun:
                self.bar.update(1)
            self.bar.set_description_str(f"writing {what}")
        else:
            print(f"writing {what}", file=self.stream, flush=True)
        self.begun = True

    def close(self) -> None:
        if self.bar is not None:
            self.bar.update(self.bar.total - self.bar.n)
            self.bar.close()


def process_seconds() -> float | None:
    """Wall-clock seconds since this process started (read from /proc on Linux; None
    elsewhere), so that a command's "done in T s" counts its imports too."""
    try:
        with open("/proc/self/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        ticks = int(fields[19])  # field 22 of proc(5), starttime, in clock ticks after boot
        now = time.clock_gettime(time.CLOCK_BOOTTIME)
        return now - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def command_started(young: float = 10.0) -> float:
    """``time.perf_counter()`` at the start of the command now running: the process's start if
    it began less than ``young`` seconds ago (``dmzsim`` itself, whose imports then count
    too), else now (a command called from a Python that has run for a while: tests, notebooks).
    """
    now = time.perf_counter()
    age = process_seconds()
    return now - age if age is not None and 0.0 <= age < young else now
