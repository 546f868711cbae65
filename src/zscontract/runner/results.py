"""What a run found: per-check tallies, deduplicated failures, timings and traffic."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from zscontract.core.failures import CheckFailed, FailureRecord
from zscontract.core.redact import Redactor


@dataclass
class CheckTally:
    passed: int = 0
    failed: int = 0


@dataclass
class RunResult:
    """Accumulates a run. Thread-safe for the concurrent scenarios."""

    profile: str
    target_url: str
    model_service_uuid: str
    redactor: Redactor
    started: float = field(default_factory=time.time)
    finished: float | None = None
    tallies: dict[str, CheckTally] = field(default_factory=dict)
    failures: dict[str, FailureRecord] = field(default_factory=dict)
    first_seen: dict[str, float] = field(default_factory=dict)
    cases: Counter[str] = field(default_factory=Counter)   # by input class
    labels: Counter[str] = field(default_factory=Counter)  # by case label family
    fields_exercised: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    elapsed: list[float] = field(default_factory=list)
    requests: int = 0
    notes: list[str] = field(default_factory=list)
    restore: dict[str, Any] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)
    corpus: list[dict[str, Any]] = field(default_factory=list)  # replay verdicts
    cassette: dict[str, dict[str, Any]] = field(default_factory=dict)  # failure key -> HAR entry
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def passed(self, check: str) -> None:
        with self._lock:
            self.tallies.setdefault(check, CheckTally()).passed += 1

    def failed(self, failure: CheckFailed) -> FailureRecord:
        record = failure.to_record(self.redactor)
        with self._lock:
            self.tallies.setdefault(failure.check, CheckTally()).failed += 1
            if record.key not in self.failures:
                self.failures[record.key] = record
                self.first_seen[record.key] = time.time() - self.started
                if failure.exchange is not None:
                    from zscontract.reporting.har import har_entry

                    self.cassette[record.key] = har_entry(failure.exchange, self.redactor,
                                                          f"[{record.check}] {record.title}")
        return record

    def note(self, text: str) -> None:
        with self._lock:
            self.notes.append(self.redactor.redact(text))

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def duration(self) -> float:
        return (self.finished or time.time()) - self.started

    @property
    def total_cases(self) -> int:
        return sum(self.cases.values())

    def failed_checks(self) -> list[str]:
        return sorted({f.check for f in self.failures.values()})

    def to_json(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "target_url": self.redactor.redact(self.target_url),
            "model_service_uuid": self.model_service_uuid,
            "ok": self.ok,
            "started": self.started,
            "duration_seconds": round(self.duration, 3),
            "cases": dict(self.cases),
            "total_cases": self.total_cases,
            "requests": self.requests,
            "case_labels": dict(self.labels.most_common()),
            "fields_exercised": dict(self.fields_exercised),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "latencies_ms": [round(x * 1000, 2) for x in self.elapsed],
            "checks": {name: {"passed": t.passed, "failed": t.failed} for name, t in sorted(self.tallies.items())},
            "failures": [
                {**f.to_json(), "first_seen_seconds": round(self.first_seen.get(k, 0.0), 3)}
                for k, f in self.failures.items()
            ],
            "phases": {k: round(v, 3) for k, v in self.phases.items()},
            "restore": self.restore,
            "corpus": self.corpus,
            "notes": self.notes,
        }
