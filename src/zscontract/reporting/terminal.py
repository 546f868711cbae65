"""Terminal output: where the run stands while it runs, a summary at the end.

On a terminal one live line is redrawn in place; without one (a CI log) a plain progress line is
printed every few seconds (``ZS_PROGRESS_EVERY``) and when a phase starts. Both are driven by a
clock (:mod:`zscontract.reporting.progress`) so they move while a request hangs.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any, TextIO

from zscontract.reporting.progress import TTY_TICK, Counts, Ticker, progress_every, progress_text, read_counts
from zscontract.reporting.text import printable
from zscontract.reporting.verdict import budget_note, headline, unjudged_reason
from zscontract.runner.events import (
    CaseJudged,
    Event,
    Message,
    PhaseStarted,
    RestoreDone,
    RunFinished,
    RunStarted,
    StageStarted,
)
from zscontract.runner.results import RunResult


class Terminal:
    def __init__(self, stream: TextIO | None = None, quiet: bool = False, every: float | None = None) -> None:
        self.stream = stream or sys.stdout
        self.quiet = quiet
        self.tty = self.stream.isatty()
        self.every = progress_every() if every is None else every  # seconds between lines; 0: none
        self._progress_shown = False
        self._last_draw = 0.0
        self._phase = ""
        self._started = time.monotonic()
        self._budget: float | None = None
        self._result: RunResult | None = None
        self._counts = Counts()
        self._ticker: Ticker | None = None
        # The ticker thread and the run (main thread, schemathesis's) write to one stream.
        self._lock = threading.RLock()

    def __call__(self, event: Event) -> None:
        """The terminal as a subscriber of the run's events."""
        if isinstance(event, RunStarted):
            self.line(f"zscontract: testing {event.target} ({event.profile}), model service {event.model_service_uuid}")
            self._start(event.max_time)
        elif isinstance(event, Message):
            self.line(event.text)
        elif isinstance(event, PhaseStarted):
            self._result = event.result
            self._moved_to(event.name)
        elif isinstance(event, StageStarted):
            self._moved_to(event.name)
        elif isinstance(event, RestoreDone):
            self._phase = "writing reports"  # the report files are written before the terminal's summary
        elif isinstance(event, CaseJudged):
            self._result = event.result
            if self.tty:
                self._draw(throttle=True)
        elif isinstance(event, RunFinished):
            self.close()
            self.summary(event.result)
            self.line(f"reports: {event.report_dir}")

    def line(self, text: str) -> None:
        if self.quiet:
            return
        with self._lock:
            if self._progress_shown:
                self.stream.write("\r\033[K")
                self._progress_shown = False
            self.stream.write(printable(text) + "\n")  # a target's text never drives the terminal
            self.stream.flush()

    # -- progress ---------------------------------------------------------------------------
    def _start(self, budget: float | None) -> None:
        self._started, self._budget, self._phase = time.monotonic(), budget, "preflight"
        if self.quiet or not self.every or self._ticker is not None:
            return
        self._ticker = Ticker(TTY_TICK if self.tty else self.every, self._tick).start()

    def close(self) -> None:
        """Stop the progress clock and clear the live line (the run ended, or failed before it began)."""
        ticker, self._ticker = self._ticker, None
        if ticker is not None:
            ticker.stop()
        with self._lock:
            if self._progress_shown:
                self.stream.write("\r\033[K")
                self.stream.flush()
                self._progress_shown = False

    def _moved_to(self, phase: str) -> None:
        self._phase = phase
        if self._ticker is None:
            return
        if self.tty:
            self._draw()
        else:
            self.line(self._text())

    def _tick(self) -> None:
        if self.tty:
            self._draw()
        else:
            self.line(self._text())

    def _text(self) -> str:
        counts = None
        if self._result is not None:
            counts = self._counts = read_counts(self._result, self._counts)
        return progress_text(time.monotonic() - self._started, self._budget, self._phase, counts)

    def _draw(self, throttle: bool = False) -> None:
        """Redraw the live line (from an event at most ten times a second), cut to the terminal's width."""
        if self.quiet or not self.tty:
            return
        with self._lock:
            if self._ticker is None:  # checked under the lock: nothing is drawn after close() cleared the line
                return
            now = time.monotonic()
            if throttle and now - self._last_draw < 0.1:
                return
            self._last_draw = now
            text = self._text()[:max(20, _width(self.stream) - 1)]  # a wrapped line cannot be redrawn
            self.stream.write(f"\r\033[K{text}")
            self.stream.flush()
            self._progress_shown = True

    def summary(self, result: RunResult) -> None:
        red = result.redactor
        summary = result.to_json()
        self.line("")
        for rec in result.failures.values():
            self.line(red.redact(rec.render()))
            self.line("")
        for error in result.harness_errors[:3]:
            self.line(f"HARNESS ERROR in {error['where']} (a bug in zscontract, not in the target):")
            self.line(error["traceback"].rstrip())
            self.line("")
        checks = summary["checks"]
        width = max((len(n) for n in checks), default=10)
        self.line("Checks:")
        for name, c in checks.items():
            self.line("  " + check_line(name, c, width))
        for warning in result.warnings:
            self.line(warning)
        if budget_note(summary):
            self.line(f"note: {budget_note(summary)}")
        text = f"{headline(summary)} ({result.total_cases} cases, {result.requests} requests, {result.duration:.1f} s)"
        # The verdict is the one line --quiet still prints.
        with self._lock:
            self.stream.write(("\r\033[K" if self._progress_shown else "") + printable(text) + "\n")
            self.stream.flush()
            self._progress_shown = False


def _width(stream: TextIO) -> int:
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, AttributeError):  # not a real file, or no size to tell
        columns = 0
    return columns or 80  # a new pseudo-terminal says 0 columns until someone sets its size


def check_line(name: str, c: dict[str, Any], width: int) -> str:
    """One check's row: its mark, the counts, and why it judged nothing when it did not."""
    if c.get("errors"):
        mark = "ERR "
    elif c["failed"]:
        mark = "FAIL"
    elif c["judged"]:
        mark = "ok  "
    elif c.get("applicable") is False:
        mark = "n/a "
    else:
        mark = "skip" if c.get("user_chosen") else "NONE"
    row = (f"{mark} {name:<{width}}  judged {c['judged']:>5}  passed {c['passed']:>5}  failed {c['failed']:>4}"
           f"  n/a {c['not_applicable']:>5}")
    return row + (f"  ({unjudged_reason(c)})" if not c["judged"] and c.get("reason") else "")
