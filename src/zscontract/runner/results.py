"""What a run found: per-check tallies, deduplicated failures, timings, traffic, and its verdict.

The verdict is honest accounting (README "Verdicts and exit codes"): a run PASSES only when every
selected check judged at least one case, or the reason it judged none is one the user chose, or the
check cannot apply to the target (no query API).
"""

from __future__ import annotations

import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from zscontract.core.failures import CheckFailed, FailureRecord
from zscontract.core.redact import Redactor
from zscontract.runner.restore_report import RestoreReport


class Verdict(StrEnum):
    """A run's verdict, and the exit code of ``zscontract run`` for it (README "Verdicts and exit codes").

    >>> Verdict.NOT_RESTORED.exit_code, Verdict.NOT_RESTORED.label, Verdict("failed") == "failed"
    (4, 'NOT RESTORED', True)
    """

    PASSED = "passed"
    FAILED = "failed"
    TARGET_DOWN = "target_down"
    NOT_RESTORED = "not_restored"
    INCOMPLETE = "incomplete"
    HARNESS_ERROR = "harness_error"
    INTERRUPTED = "interrupted"

    @property
    def exit_code(self) -> int:
        return _EXIT_CODES[self]

    @property
    def label(self) -> str:
        """As the terminal and the reports say it."""
        return self.value.replace("_", " ").upper()

    @property
    def gated(self) -> bool:
        """A --baseline applies to it; the others (interrupted, harness error, target down, not restored)
        are a broken job whatever the baseline says."""
        return self in (Verdict.PASSED, Verdict.FAILED, Verdict.INCOMPLETE)


_EXIT_CODES = {Verdict.PASSED: 0, Verdict.FAILED: 1, Verdict.TARGET_DOWN: 3, Verdict.NOT_RESTORED: 4,
               Verdict.INCOMPLETE: 5, Verdict.HARNESS_ERROR: 6, Verdict.INTERRUPTED: 130}


MAX_DISTINCT_PER_CHECK = 50  # distinct failures kept per check; more are counted, not kept
MAX_DISTINCT = 250  # and in all


@dataclass
class CheckTally:
    passed: int = 0
    failed: int = 0
    not_applicable: int = 0  # cases it saw and found nothing to judge in
    errors: int = 0          # crashes of the check itself (a harness error, never a failure)

    @property
    def judged(self) -> int:
        return self.passed + self.failed


@dataclass(frozen=True)
class Unjudged:
    """Why a check judged nothing, and whether that is the user's own choice.

    ``applicable`` False: the check cannot apply to this target at all (``read_after_write`` on a target
    without the query API, oracle.md "Round-trip"). Like a reason the user chose, it keeps the run green;
    unlike "judged nothing" (it could have, and did not), which makes it INCOMPLETE.
    """

    reason: str
    user_chosen: bool
    applicable: bool = True


@dataclass
class RunResult:
    """Accumulates a run. Thread-safe for the concurrent scenarios."""

    profile: str
    target_url: str
    model_service_uuid: str
    redactor: Redactor
    started: float = field(default_factory=time.time)
    finished: float | None = None
    selected: tuple[str, ...] = ()  # the checks the run was asked to judge with
    seed: int | None = None  # --seed (None: Hypothesis and schemathesis pick their own)
    tallies: dict[str, CheckTally] = field(default_factory=dict)
    unjudged: dict[str, Unjudged] = field(default_factory=dict)
    failures: dict[str, FailureRecord] = field(default_factory=dict)
    first_seen: dict[str, float] = field(default_factory=dict)
    _dropped: dict[str, int] = field(default_factory=dict)  # distinct failures past the caps, per check
    cases: Counter[str] = field(default_factory=Counter)   # by input class
    labels: Counter[str] = field(default_factory=Counter)  # by case label family
    fields_exercised: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    elapsed: list[float] = field(default_factory=list)
    requests: int = 0
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # shown loudly in every report (e.g. --insecure)
    harness_errors: list[dict[str, str]] = field(default_factory=list)
    interrupted: str | None = None   # which signal, when the run was interrupted
    stopped: str | None = None       # why the run stopped early: the target stopped answering
    incomplete: str | None = None    # a limit that ended generation early (request or time budget)
    restore: RestoreReport | None = None  # None: nothing was restored or verified
    phases: dict[str, float] = field(default_factory=dict)
    corpus: list[dict[str, Any]] = field(default_factory=list)  # replay verdicts
    # The --baseline outcome (zscontract.baseline.gate): file, new / accepted / stale / expired, or
    # "updated" for --baseline-update. Set before the reports are written, so every report and the
    # exit code tell the same outcome.
    baseline: dict[str, Any] | None = None
    events: Any = None  # an EventBus (runner.events): FailureFound is emitted from here
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _tally(self, check: str) -> CheckTally:
        return self.tallies.setdefault(check, CheckTally())

    def passed(self, check: str) -> None:
        with self._lock:
            self._tally(check).passed += 1

    def not_applicable(self, check: str) -> None:
        with self._lock:
            self._tally(check).not_applicable += 1

    def failed(self, failure: CheckFailed) -> FailureRecord:
        record = failure.to_record(self.redactor)
        capped = None
        with self._lock:
            self._tally(failure.check).failed += 1
            new = record.key not in self.failures
            if new and (len(self.failures) >= MAX_DISTINCT or sum(
                    1 for f in self.failures.values() if f.check == failure.check) >= MAX_DISTINCT_PER_CHECK):
                # A target answering each request differently would make every failure distinct, and
                # each one kept (record, HAR entry, corpus file) without bound: gigabytes of reports.
                new = False
                self._dropped[failure.check] = self._dropped.get(failure.check, 0) + 1
                capped = self._dropped[failure.check] == 1
            elif new:
                self.failures[record.key] = record
                self.first_seen[record.key] = time.time() - self.started
        if capped:
            self.warn(f"{failure.check}: more distinct failures than the {MAX_DISTINCT_PER_CHECK} kept per check "
                      f"({MAX_DISTINCT} in all); the others are counted in its tally, not kept or saved")
        if new and self.events is not None:
            from zscontract.runner.events import FailureFound

            self.events.emit(FailureFound(record, failure.exchange, self))
        return record

    def crashed(self, where: str, exc: BaseException, check: str | None = None) -> None:
        """A bug of ours (a check or the harness raised): a harness error with its traceback."""
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        with self._lock:
            if check is not None:
                self._tally(check).errors += 1
            if len(self.harness_errors) < 20:  # the same crash on every case: a few tracebacks tell it
                self.harness_errors.append({"where": where, "error": f"{type(exc).__name__}: {exc}",
                                            "traceback": self.redactor.redact(text)})

    def note(self, text: str) -> None:
        with self._lock:
            self.notes.append(self.redactor.redact(text))

    def warn(self, text: str) -> None:
        with self._lock:
            self.warnings.append(self.redactor.redact(text))

    # -- the verdict --------------------------------------------------------------------------
    def incomplete_checks(self) -> list[str]:
        """Selected checks that judged nothing for a reason the user did not choose, though they apply."""
        return [c for c in self.selected if (self._tally_of(c).judged == 0 or c in self.unjudged)
                and not (c in self.unjudged and (self.unjudged[c].user_chosen or not self.unjudged[c].applicable))]

    def not_applicable_checks(self) -> list[str]:
        """Selected checks that cannot apply to this target (their reason says why)."""
        return [c for c in self.selected if c in self.unjudged and not self.unjudged[c].applicable]

    def _tally_of(self, check: str) -> CheckTally:
        return self.tallies.get(check) or CheckTally()

    @property
    def verdict(self) -> Verdict:
        if self.interrupted:
            return Verdict.INTERRUPTED
        if self.harness_errors:
            return Verdict.HARNESS_ERROR
        if self.stopped:  # a dead target cannot be restored either: the reports say so, the verdict is this
            return Verdict.FAILED if self.failures else Verdict.TARGET_DOWN
        if self.restore is not None and not self.restore.restored:
            return Verdict.NOT_RESTORED
        if self.failures:
            return Verdict.FAILED
        if self.incomplete_checks():
            return Verdict.INCOMPLETE
        return Verdict.PASSED

    @property
    def exit_code(self) -> int:
        """What ``zscontract run`` returns: the verdict's code, or with a baseline applied its outcome."""
        verdict = self.verdict
        gate = self.baseline
        if gate is None or not gate.get("applied") or not verdict.gated:
            return verdict.exit_code
        if gate.get("updated"):
            return Verdict.PASSED.exit_code  # --baseline-update accepts every failure of this run
        if gate.get("new"):
            return Verdict.FAILED.exit_code
        return (Verdict.INCOMPLETE if self.incomplete_checks() else Verdict.PASSED).exit_code

    @property
    def ok(self) -> bool:
        """True exactly when the exit code is 0: PASSED, or with a baseline every failure accepted."""
        return self.exit_code == 0

    @property
    def duration(self) -> float:
        return (self.finished or time.time()) - self.started

    @property
    def total_cases(self) -> int:
        return sum(self.cases.values())

    def failed_checks(self) -> list[str]:
        return sorted({f.check for f in self.failures.values()})

    def checks_json(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for name in sorted(set(self.selected) | set(self.tallies) | set(self.unjudged)):
            t = self._tally_of(name)
            entry: dict[str, Any] = {"selected": name in self.selected, "judged": t.judged, "passed": t.passed,
                                     "failed": t.failed, "not_applicable": t.not_applicable}
            if t.errors:
                entry["errors"] = t.errors
            if self._dropped.get(name):
                entry["distinct_not_kept"] = self._dropped[name]
            why = self.unjudged.get(name)
            if why is not None:  # judged nothing, or not every case (a job cut by the budget)
                entry["reason"], entry["user_chosen"] = why.reason, why.user_chosen
                if not why.applicable:
                    entry["applicable"] = False
            out[name] = entry
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "exit_code": self.exit_code,
            "profile": self.profile,
            "target_url": self.redactor.redact(self.target_url),
            "model_service_uuid": self.model_service_uuid,
            "ok": self.ok,
            "interrupted": self.interrupted,
            "stopped": self.stopped,
            "incomplete": self.incomplete,
            "incomplete_checks": self.incomplete_checks(),
            "not_applicable_checks": self.not_applicable_checks(),
            "warnings": self.warnings,
            "harness_errors": self.harness_errors,
            "started": self.started,
            "duration_seconds": round(self.duration, 3),
            "cases": dict(self.cases),
            "total_cases": self.total_cases,
            "requests": self.requests,
            "case_labels": dict(self.labels.most_common()),
            "fields_exercised": dict(self.fields_exercised),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "latencies_ms": [round(x * 1000, 2) for x in self.elapsed],
            "checks": self.checks_json(),
            "failures": [
                {**f.to_json(), "first_seen_seconds": round(self.first_seen.get(k, 0.0), 3)}
                for k, f in self.failures.items()
            ],
            "phases": {k: round(v, 3) for k, v in self.phases.items()},
            "restore": self.restore.to_json() if self.restore is not None else {},
            "corpus": self.corpus,
            **({"baseline": self.baseline} if self.baseline is not None else {}),
            "notes": self.notes,
        }
