"""The verdict of a run in words, the same in the terminal and every report.

Built from the summary dict (``RunResult.to_json()``), so an old ``summary.json`` renders too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

TITLES = {
    "passed": "PASSED",
    "failed": "FAILED",
    "target_down": "TARGET DOWN",
    "not_restored": "NOT RESTORED",
    "incomplete": "INCOMPLETE",
    "harness_error": "HARNESS ERROR",
    "interrupted": "INTERRUPTED",
}


def verdict_of(summary: Mapping[str, Any]) -> str:
    """The verdict key; summaries older than the field say only ``ok``."""
    verdict = summary.get("verdict")
    if isinstance(verdict, str) and verdict in TITLES:
        return verdict
    return "passed" if summary.get("ok", not summary.get("failures")) else "failed"


def headline(summary: Mapping[str, Any]) -> str:
    """One line: the verdict and what it rests on.

    >>> headline({"verdict": "incomplete", "incomplete_checks": ["read_after_write"], "checks":
    ...           {"read_after_write": {"reason": "no query API on the target"}}})
    'INCOMPLETE: 1 check judged nothing: read_after_write (no query API on the target)'
    """
    verdict = verdict_of(summary)
    failures = summary.get("failures") or []
    if verdict == "passed":
        return "PASSED: the target conforms"
    if verdict == "failed":
        checks = sorted({str(f.get("check")) for f in failures})
        return f"FAILED: {len(failures)} distinct failure{'s' if len(failures) != 1 else ''} in {', '.join(checks)}"
    if verdict == "interrupted":
        return f"INTERRUPTED by {summary.get('interrupted') or 'a signal'}: the verdict is not known"
    if verdict == "harness_error":
        errors = summary.get("harness_errors") or [{}]
        return (f"HARNESS ERROR: a bug in zscontract, not in the target ({errors[0].get('where', '?')}: "
                f"{errors[0].get('error', '?')}); traceback in summary.json")
    if verdict == "not_restored":
        restore = summary.get("restore") or {}
        return f"NOT RESTORED: {restore.get('why', '?')}; snapshot at {restore.get('snapshot', '?')}"
    if verdict == "target_down":
        return f"TARGET DOWN: {summary.get('stopped')}; nothing after that was judged"
    table = summary.get("checks") or {}
    by_reason: dict[str, list[str]] = {}
    for name in summary.get("incomplete_checks") or []:
        by_reason.setdefault(str((table.get(name) or {}).get("reason", "?")), []).append(str(name))
    return _incomplete(by_reason)


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
