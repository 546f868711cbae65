"""Terminal output: progress while running (on a TTY), a summary at the end."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from zscontract.reporting.verdict import headline
from zscontract.runner.events import CaseJudged, Event, Message, PhaseStarted, RunFinished, RunStarted
from zscontract.runner.results import RunResult


class Terminal:
    def __init__(self, stream: TextIO | None = None, quiet: bool = False) -> None:
        self.stream = stream or sys.stdout
        self.quiet = quiet
        self.tty = self.stream.isatty()
        self._progress_shown = False
        self._last_progress = 0.0
        self._last_phase = ""
        self._phase = ""

    def __call__(self, event: Event) -> None:
        """The terminal as a subscriber of the run's events."""
        if isinstance(event, RunStarted):
            self.line(f"zscontract: testing {event.target} ({event.profile}), model service {event.model_service_uuid}")
        elif isinstance(event, Message):
            self.line(event.text)
        elif isinstance(event, PhaseStarted):
            self._phase = event.name
            self.progress(event.result, event.name)
        elif isinstance(event, CaseJudged):
            self.progress(event.result, self._phase)
        elif isinstance(event, RunFinished):
            self.summary(event.result)
            self.line(f"reports: {event.report_dir}")

    def line(self, text: str) -> None:
        if self.quiet:
            return
        if self._progress_shown:
            self.stream.write("\r\033[K")
            self._progress_shown = False
        self.stream.write(text + "\n")
        self.stream.flush()

    def progress(self, result: RunResult, phase: str) -> None:
        """One updating status line on a terminal (at most ten times a second); nothing elsewhere."""
        if self.quiet or not self.tty:
            return
        now = time.monotonic()
        if now - self._last_progress < 0.1 and phase == self._last_phase:
            return
        self._last_progress, self._last_phase = now, phase
        failed = len(result.failures)
        self.stream.write(f"\r\033[K{phase}: {result.total_cases} cases, {result.requests} requests, "
                          f"{failed} failures")
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
        text = f"{headline(summary)} ({result.total_cases} cases, {result.requests} requests, {result.duration:.1f} s)"
        # The verdict is the one line --quiet still prints.
        self.stream.write(("\r\033[K" if self._progress_shown else "") + text + "\n")
        self.stream.flush()
        self._progress_shown = False


def check_line(name: str, c: dict[str, Any], width: int) -> str:
    """One check's row: its mark, the counts, and why it judged nothing when it did not."""
    if c.get("errors"):
        mark = "ERR "
    elif c["failed"]:
        mark = "FAIL"
    elif c["judged"]:
        mark = "ok  "
    else:
        mark = "skip" if c.get("user_chosen") else "NONE"
    row = (f"{mark} {name:<{width}}  judged {c['judged']:>5}  passed {c['passed']:>5}  failed {c['failed']:>4}"
           f"  n/a {c['not_applicable']:>5}")
    return row + (f"  ({c['reason']})" if not c["judged"] and c.get("reason") else "")
