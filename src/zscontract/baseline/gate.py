"""``--baseline`` as an output of the run: the outcome goes into the result before the reports are read.

Applied after the reports by the command, the baseline would leave them saying FAILED (exit 1,
``ok: false``) while the process exits 0. :class:`BaselineGate` subscribes to the
run's events after the report files: on ``RunFinished`` it records the outcome in
``result.baseline`` (``RunResult.exit_code`` and ``ok`` follow it) and writes the report files
again, so ``summary.json``, ``summary.md``, ``junit.xml``, ``report.html`` and the terminal's
verdict line all tell the exit code the process returns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from zscontract.baseline.files import load_baseline, write_baseline
from zscontract.baseline.model import Baseline, BaselineEntry, BaselineVerdict, apply_baseline
from zscontract.reporting.verdict import TITLES
from zscontract.runner.events import Event, RunFinished
from zscontract.runner.results import RunResult


class BaselineGate:
    """Apply (or with ``update`` rewrite) the baseline file at ``path`` when the run finishes."""

    def __init__(self, path: Path, *, update: bool = False, today: dt.date | None = None) -> None:
        self.path, self.update, self.today = path, update, today or dt.date.today()
        # Read before the run: a malformed file is a usage error now, not after minutes of testing
        # (and --baseline-update never overwrites a malformed file: write_baseline reads it again).
        self.baseline = load_baseline(path) if not update or path.exists() else Baseline((), path)
        self.verdict: BaselineVerdict | None = None
        self.written: int | None = None

    def __call__(self, event: Event) -> None:
        if not isinstance(event, RunFinished):
            return
        try:
            self.apply(event.result)
        except Exception as exc:  # e.g. the file cannot be written: a harness error the reports must tell
            event.result.crashed("the baseline", exc)
        from zscontract.reporting.files import ReportFiles

        ReportFiles()(event)  # written before this output ran: again, now with the baseline outcome

    def apply(self, result: RunResult) -> dict[str, Any]:
        """Record the outcome in ``result.baseline`` (and write the file for --baseline-update)."""
        outcome: dict[str, Any] = {"file": str(self.path), "applied": False, "updated": False}
        verdict = result.verdict
        if not verdict.gated:
            outcome["why"] = (f"not applied: the run's verdict is {TITLES.get(verdict, verdict)}, a broken job "
                              "whatever the baseline says")
            result.baseline = outcome
            return outcome
        failures = result.to_json()["failures"]
        outcome["applied"] = True
        if self.update:
            written = write_baseline(self.path, failures)
            self.written = len(written)
            outcome["updated"] = True
            outcome["accepted"] = [_accepted(f, written.find(str(f["check"]), str(f["signature"])))
                                   for f in failures]
            outcome["new"], outcome["stale"], outcome["expired"] = [], [], []
        else:
            self.verdict = apply_baseline(self.baseline, failures, self.today)
            outcome["new"] = [_failure(f) for f in self.verdict.new]
            outcome["accepted"] = [_accepted(f, e) for f, e in self.verdict.accepted]
            outcome["stale"] = [_entry(e) for e in self.verdict.stale]
            outcome["expired"] = [_entry(e) for e in self.verdict.expired]
        result.baseline = outcome
        return outcome

    def text(self) -> str:
        """The lines the command prints after the run (new, expired and stale entries named)."""
        if self.written is not None:
            return f"baseline {self.path}: {self.written} accepted failures written"
        return self.verdict.render_text() if self.verdict is not None else ""


def _failure(failure: Mapping[str, Any]) -> dict[str, Any]:
    return {k: failure.get(k) for k in ("check", "signature", "key", "title")}


def _accepted(failure: Mapping[str, Any], entry: BaselineEntry | None) -> dict[str, Any]:
    out = _failure(failure)
    if entry is not None:
        out["reason"] = entry.reason
        out["expires"] = entry.expires.isoformat() if entry.expires else None
        if entry.source:
            out["source"] = entry.source
    return out


def _entry(entry: BaselineEntry) -> dict[str, Any]:
    return {"check": entry.check, "signature": entry.signature, "reason": entry.reason,
            "expires": entry.expires.isoformat() if entry.expires else None, "line": entry.line}


__all__ = ["BaselineGate"]
