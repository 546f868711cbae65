"""Where a run stands, as one line: redrawn live on a terminal, printed every few seconds in a CI log.

A run can spend many seconds without judging a case (schemathesis loading its schema, a target
that takes the whole request timeout to answer, the restore), so the line is driven by a clock,
a :class:`Ticker`, not by the run's events alone: a CI log silent for minutes looks like a hung job.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from zscontract.errors import UsageError
from zscontract.runner.results import RunResult

ENV = "ZS_PROGRESS_EVERY"  # seconds between progress lines without a terminal; 0: no progress at all
DEFAULT_EVERY = 5.0
TTY_TICK = 0.25  # the live line's redraw period: elapsed time moves, and 2 shared cores stay free


def progress_every(environ: Mapping[str, str] | None = None) -> float:
    """Seconds between progress lines, from ``ZS_PROGRESS_EVERY`` (0 turns progress off).

    >>> progress_every({}), progress_every({"ZS_PROGRESS_EVERY": "2.5"}), progress_every({"ZS_PROGRESS_EVERY": "0"})
    (5.0, 2.5, 0.0)
    """
    env = os.environ if environ is None else environ
    raw = env.get(ENV, "").strip()
    if not raw:
        return DEFAULT_EVERY
    try:
        every = float(raw)
    except ValueError:
        every = -1.0
    if not every >= 0 or every == float("inf"):  # also refuses nan
        raise UsageError(f"environment variable {ENV}={raw!r}: expected seconds between progress lines "
                         f"(a number, e.g. 5), or 0 for no progress output")
    return every


@dataclass(frozen=True)
class Counts:
    cases: int = 0
    requests: int = 0
    failures: int = 0


def read_counts(result: RunResult, last: Counts) -> Counts:
    """The run's counters, read without a lock while the run moves them (``last`` if a read races)."""
    try:
        return Counts(result.total_cases, result.requests, len(result.failures))
    except RuntimeError:  # a Counter grew a key while it was summed: the next tick reads it
        return last


def progress_text(elapsed: float, budget: float | None, phase: str, counts: Counts | None) -> str:
    """One progress line; ``counts`` is None before the run's result exists (the preflight).

    >>> progress_text(12.34, 60, "schemathesis", Counts(812, 1534, 1))
    '[  12.3s / 60s] schemathesis: 812 cases, 1534 requests, 1 failure'
    >>> progress_text(3, None, "preflight", None)
    '[   3.0s] preflight'
    """
    head = f"[{elapsed:6.1f}s / {budget:g}s]" if budget else f"[{elapsed:6.1f}s]"
    if counts is None:
        return f"{head} {phase}"
    return (f"{head} {phase}: {_plural(counts.cases, 'case')}, {_plural(counts.requests, 'request')}, "
            f"{_plural(counts.failures, 'failure')}")


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


class Ticker:
    """A daemon thread calling ``tick`` every ``every`` seconds until :meth:`stop`.

    Daemon: a run that ends without stopping it (an uncaught error) still lets the process exit.
    ``tick`` raising ends the ticking (a closed stream), never the run.
    """

    def __init__(self, every: float, tick: Callable[[], None]) -> None:
        self.every = every
        self.tick = tick
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="zscontract-progress", daemon=True)

    def start(self) -> Ticker:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.tick()
            except (OSError, ValueError):  # the stream was closed (a pipe gone, a closed file)
                return


__all__ = ["DEFAULT_EVERY", "ENV", "Counts", "Ticker", "progress_every", "progress_text", "read_counts"]
