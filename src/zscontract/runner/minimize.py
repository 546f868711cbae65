"""Make failing cases small before they are reported: fewer fields, shorter strings.

The property phase collects failures without Hypothesis's shrinking (so one run reports every
broken property); this pass gives each distinct failure a small reproduction instead, by greedy
steps that keep the case in its input class and keep the same failure (check and signature). It
writes to the resource under test only, before the restore, within a small request budget.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from typing import Any

from zscontract.core.cases import Case, InputClass, classify_fields
from zscontract.core.failures import CheckFailed
from zscontract.runner.engine import Harness

MAX_TRIES = 25  # requests-ish per failure: each try is one case


def _candidates(fields: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Simpler versions of ``fields``: one field fewer, then each string shortened."""
    for name in list(fields):
        if len(fields) > 1:
            yield {k: v for k, v in fields.items() if k != name}
    for name, value in fields.items():
        if isinstance(value, str) and len(value) > 1:
            half = len(value) // 2
            for shorter in (value[:half], value[half:], value[:8], value[-8:]):
                if 0 < len(shorter) < len(value):
                    yield {**fields, name: shorter}


def minimize_case(harness: Harness, case: Case, check: str, deadline: float,
                  signature: str | None = None) -> tuple[Case, CheckFailed] | None:
    """The smallest variant of ``case`` found on which ``check`` still fails, with that failure.

    With ``signature`` (the redacted one of the failure being minimized), only a variant failing with
    that same signature counts: one failing the check for another reason is another failure, whose
    title and reproduction must not be reported under this one's signature (a name failure
    would be shown with the title and curl of a description failure).
    """
    if case.raw_body is not None or case.alternatives or not case.fields:
        return None  # raw bodies and duplicate keys are reported as they were sent
    best: tuple[Case, CheckFailed] | None = None
    current = dict(case.fields)
    tries = 0
    improved = True
    while improved and tries < MAX_TRIES and time.monotonic() < deadline:
        improved = False
        for fields in _candidates(current):
            if tries >= MAX_TRIES or time.monotonic() >= deadline:
                break
            klass, kind = classify_fields(harness.contract, fields)
            if klass is not case.input_class or (klass is InputClass.REJECT and kind != case.reject_kind):
                continue  # a simpler case of another class would test something else
            tries += 1
            candidate = dataclasses.replace(case, fields=fields)
            failed = [f for f in harness.execute(candidate, record=False) if f.check == check
                      and (signature is None or harness.result.redactor.redact(f.signature) == signature)]
            if failed:
                best, current, improved = (candidate, failed[0]), fields, True
                break
    return best


def minimize_failures(harness: Harness, deadline: float) -> int:
    """Replace each failure's reproduction by a minimized one where that works; return how many."""
    done = 0
    for key, record in list(harness.result.failures.items()):
        if time.monotonic() >= deadline or record.case is None:
            continue
        found = minimize_case(harness, Case.from_json(record.case), record.check, deadline, record.signature)
        if found is None:
            continue
        case, failure = found
        failure.case = case.to_json()
        small = failure.to_record(harness.result.redactor)
        # The same failure (minimize_case kept its signature, so its key, baselines and corpus entry
        # stay stable); the smaller reproduction.
        harness.result.failures[key] = dataclasses.replace(
            small, signature=record.signature, extra={**record.extra, "original_title": record.title})
        done += 1
    return done
