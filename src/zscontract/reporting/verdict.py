"""The verdict of a run in words, the same in the terminal and every report.

Built from the summary dict (``RunResult.to_json()``), so an old ``summary.json`` renders too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zscontract.runner.results import Verdict

TITLES = {v.value: v.label for v in Verdict}


def verdict_of(summary: Mapping[str, Any]) -> Verdict:
    """The verdict; summaries older than the field say only ``ok``."""
    verdict = summary.get("verdict")
    if isinstance(verdict, str) and verdict in TITLES:
        return Verdict(verdict)
    return Verdict.PASSED if summary.get("ok", not summary.get("failures")) else Verdict.FAILED


def run_ok(summary: Mapping[str, Any]) -> bool:
    """True when the run's exit code is 0 (PASSED, or every failure accepted by a --baseline).

    >>> run_ok({"verdict": "failed", "exit_code": 0}), run_ok({"verdict": "failed"})
    (True, False)
    """
    code = summary.get("exit_code")
    return code == Verdict.PASSED.exit_code if isinstance(code, int) else verdict_of(summary) is Verdict.PASSED


def headline(summary: Mapping[str, Any]) -> str:
    """One line: the verdict, what it rests on, an early end of generation, and a baseline's outcome.

    >>> headline({"verdict": "incomplete", "incomplete_checks": ["read_after_write"], "checks":
    ...           {"read_after_write": {"reason": "no query API on the target"}}})
    'INCOMPLETE: 1 check judged nothing: read_after_write (no query API on the target)'
    >>> headline({"verdict": "passed", "incomplete": "--max-requests 200 reached"})
    'PASSED: the target conforms (generation cut short: --max-requests 200 reached)'
    >>> headline({"verdict": "passed", "not_applicable_checks": ["read_after_write", "query_read"], "checks":
    ...           {c: {"reason": "the target has no query API"} for c in ("read_after_write", "query_read")}})
    'PASSED: the target conforms (not applicable: read_after_write, query_read: the target has no query API)'
    >>> headline({"verdict": "failed", "exit_code": 0, "failures": [{"check": "no_server_fault"}],
    ...           "baseline": {"applied": True, "new": [], "accepted": [{}], "stale": []}})[:60]
    'PASSED with the baseline; without it FAILED: 1 distinct fail'
    """
    verdict = verdict_of(summary)
    text = _verdict_text(summary, verdict)
    if verdict in (Verdict.PASSED, Verdict.FAILED, Verdict.INCOMPLETE):
        text += _not_applicable_text(summary)
    if summary.get("incomplete") and verdict in (Verdict.PASSED, Verdict.FAILED):
        # A request or time budget ended generation: what ran was judged, what did not run was not
        # (a bare "PASSED" would claim the cases never sent were judged too).
        text += f" (generation cut short: {summary['incomplete']})"
    gate = summary.get("baseline")
    if isinstance(gate, Mapping):
        if verdict is Verdict.FAILED and summary.get("exit_code") == 0 and gate.get("applied") \
                and not gate.get("updated"):
            # A gate's reader wants its outcome first: the run passes it, every failure being a known one.
            text = "PASSED with the baseline; without it " + text
        text += _baseline_text(summary, verdict, gate)
    return text


def _verdict_text(summary: Mapping[str, Any], verdict: Verdict) -> str:
    failures = summary.get("failures") or []
    if verdict is Verdict.PASSED:
        return "PASSED: the target conforms"
    if verdict is Verdict.FAILED:
        checks = sorted({str(f.get("check")) for f in failures})
        return f"FAILED: {len(failures)} distinct failure{'s' if len(failures) != 1 else ''} in {', '.join(checks)}"
    if verdict is Verdict.INTERRUPTED:
        return f"INTERRUPTED by {summary.get('interrupted') or 'a signal'}: the verdict is not known"
    if verdict is Verdict.HARNESS_ERROR:
        errors = summary.get("harness_errors") or [{}]
        return (f"HARNESS ERROR: a bug in zscontract, not in the target ({errors[0].get('where', '?')}: "
                f"{errors[0].get('error', '?')}); traceback in summary.json")
    if verdict is Verdict.NOT_RESTORED:
        restore = summary.get("restore") or {}
        return f"NOT RESTORED: {restore.get('why', '?')}; snapshot at {restore.get('snapshot', '?')}"
    if verdict is Verdict.TARGET_DOWN:
        return f"TARGET DOWN: {summary.get('stopped')}; nothing after that was judged"
    return _incomplete_text(summary)


def unjudged_reason(check: Mapping[str, Any]) -> str:
    """Why a check judged nothing, as every report words it: a check that cannot apply to the target
    (``"applicable": false`` in summary.json) says so first, since that is no gap in the run.

    >>> unjudged_reason({"reason": "the target has no query API", "applicable": False})
    'not applicable: the target has no query API'
    >>> unjudged_reason({"reason": "not selected (--checks)"})
    'not selected (--checks)'
    """
    reason = str(check.get("reason") or "judged nothing")
    return f"not applicable: {reason}" if check.get("applicable") is False else reason


def _not_applicable_text(summary: Mapping[str, Any]) -> str:
    """Checks that could not apply to the target, grouped by why ("" when none)."""
    table = summary.get("checks") or {}
    by_reason: dict[str, list[str]] = {}
    for name in summary.get("not_applicable_checks") or []:
        by_reason.setdefault(str((table.get(name) or {}).get("reason", "?")), []).append(str(name))
    parts = [f"{', '.join(checks)}: {reason}" for reason, checks in by_reason.items()]
    return f" (not applicable: {'; '.join(parts)})" if parts else ""


def _incomplete_text(summary: Mapping[str, Any]) -> str:
    table = summary.get("checks") or {}
    by_reason: dict[str, list[str]] = {}
    for name in summary.get("incomplete_checks") or []:
        by_reason.setdefault(str((table.get(name) or {}).get("reason", "?")), []).append(str(name))
    return _incomplete(by_reason)


def _baseline_text(summary: Mapping[str, Any], verdict: str, gate: Mapping[str, Any]) -> str:
    """The baseline's part of the headline, ending with the exit code it leads to.

    >>> _baseline_text({"exit_code": 0}, "failed", {"applied": True, "new": [], "accepted": [{}], "stale": []})
    '; every failure is in the baseline: 0 new, 1 accepted (exit 0)'
    """
    if not gate.get("applied"):
        return "; the baseline was not applied"
    code = summary.get("exit_code")
    if gate.get("updated"):
        count = len(gate.get("accepted") or [])
        return f"; baseline {gate.get('file')} updated: {count} failures accepted (exit {code})"
    new, accepted = len(gate.get("new") or []), len(gate.get("accepted") or [])
    stale, expired = len(gate.get("stale") or []), len(gate.get("expired") or [])
    lead = "every failure is in the baseline" if verdict == Verdict.FAILED and not new else "baseline"
    text = f"; {lead}: {new} new, {accepted} accepted"
    text += f", {stale} stale" if stale else ""
    text += f", {expired} expired" if expired else ""
    if code == Verdict.INCOMPLETE.exit_code and verdict != Verdict.INCOMPLETE:  # accepted, a check judged none
        text += "; " + _incomplete_text(summary)
    return text + f" (exit {code})"


def budget_note(summary: Mapping[str, Any]) -> str:
    """What the request count shown means, when --max-requests cut the run ("" otherwise).

    The client counts every request against --max-requests from the first (the login and the
    preflight's reads included); the restore lifts the limit (it must never be refused by it), so
    the total shown may exceed the budget by the restore's own requests.
    """
    if "--max-requests" not in str(summary.get("incomplete") or ""):
        return ""
    return (f"{summary.get('incomplete')}: the budget counts every request up to the restore (login and "
            "preflight included); the restore's own requests are never refused, so the "
            f"{summary.get('requests', '?')} requests shown can exceed it")


def _incomplete(by_reason: dict[str, list[str]]) -> str:
    """Checks grouped by the reason they judged nothing.

    >>> _incomplete({"no query API on the target": ["read_after_write", "query_read"]})
    'INCOMPLETE: 2 checks judged nothing: read_after_write, query_read (no query API on the target)'
    """
    count = sum(len(v) for v in by_reason.values())
    parts = []
    for reason, checks in by_reason.items():
        shown = ", ".join(checks[:3]) + (f" and {len(checks) - 3} more" if len(checks) > 3 else "")
        parts.append(f"{shown} ({reason})")
    noun = "check" if count == 1 else "checks"
    return f"INCOMPLETE: {count} {noun} judged nothing: " + "; ".join(parts)
