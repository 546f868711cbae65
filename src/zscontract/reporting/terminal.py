"""Terminal output: progress while running (on a TTY), a summary at the end."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from zscontract.runner.results import RunResult


class Terminal:
    def __init__(self, stream: TextIO | None = None, quiet: bool = False) -> None:
        self.stream = stream or sys.stdout
        self.quiet = quiet
        self.tty = self.stream.isatty()
        self._progress_shown = False
        self._last_progress = 0.0
        self._last_phase = ""

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
        self.line("")
        for rec in result.failures.values():
            self.line(red.redact(rec.render()))
            self.line("")
        width = max((len(n) for n in result.tallies), default=10)
        self.line("Checks:")
        for name, tally in sorted(result.tallies.items()):
            mark = "FAIL" if tally.failed else "ok  "
            self.line(f"  {mark} {name:<{width}}  passed {tally.passed:>5}  failed {tally.failed:>4}")
        verdict = "PASSED: the target conforms" if result.ok else (
            f"FAILED: {len(result.failures)} distinct failures in {', '.join(result.failed_checks())}")
        text = f"{verdict} ({result.total_cases} cases, {result.requests} requests, {result.duration:.1f} s)"
        # The verdict is the one line --quiet still prints.
        self.stream.write(("\r\033[K" if self._progress_shown else "") + text + "\n")
        self.stream.flush()
        self._progress_shown = False
