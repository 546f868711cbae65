"""JUnit XML: one test case per check; a failure per distinct failure, skipped when it judged nothing.

A check that judged nothing is a ``<skipped message="why">`` test case (CI shows it, it is not
silently left out); a check that crashed carries an ``<error>`` (a harness error, not a failure);
a harness error outside the checks is a ``zscontract.harness`` test case with an ``<error>``.

The file is red exactly when the run's exit code is not 0: a run that is not a verdict on the target
(INTERRUPTED, NOT RESTORED, INCOMPLETE, TARGET DOWN, HARNESS ERROR) gets a ``zscontract.verdict``
test case with an ``<error>`` saying the verdict and why. A failure a ``--baseline`` accepts is no
``<failure>`` of its check but a ``zscontract.baseline`` test case, skipped with the baseline's reason.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from zscontract.checks import registry
from zscontract.reporting.summary import run_identity
from zscontract.reporting.text import xml_safe
from zscontract.reporting.verdict import TITLES, headline, unjudged_reason
from zscontract.runner.results import RunResult, Verdict

# The class of the test cases of failures a --baseline accepts (``report history`` reads them back).
BASELINE_CLASS = "zscontract.baseline"


def render_junit(result: RunResult) -> bytes:
    summary = result.to_json()
    accepted = _accepted(summary)
    failures_by_check: dict[str, list[str]] = {}
    for record in result.failures.values():
        if record.key not in accepted:
            failures_by_check.setdefault(record.check, []).append(record.key)
    checks: dict[str, dict[str, Any]] = summary["checks"]
    crashes = [e for e in result.harness_errors if not e["where"].startswith("check ")]
    broken = _broken(result, summary)
    suite = ET.Element("testsuite", {
        "name": f"zscontract.{result.profile}",
        "tests": str(len(checks) + (1 if crashes else 0) + len(accepted) + (1 if broken else 0)),
        "failures": str(sum(1 for c in checks if c in failures_by_check)),
        "errors": str(sum(1 for c in checks.values() if c.get("errors")) + (1 if crashes else 0)
                      + (1 if broken else 0)),
        "skipped": str(sum(1 for c in checks.values() if not c["judged"] and not c.get("errors")) + len(accepted)),
        "time": f"{result.duration:.3f}",
        # JUnit's timestamp has no zone: UTC, as `report history` reads it back (also commit and seed below).
        "timestamp": run_identity(result)["started_at"][:19],
    })
    _properties(suite, result, summary)
    for name, c in checks.items():
        _check_case(suite, result, name, c, failures_by_check.get(name, []),
                    sum(1 for r in result.failures.values() if r.check == name and r.key in accepted))
    if crashes:
        case = ET.SubElement(suite, "testcase", {"classname": "zscontract", "name": "zscontract.harness",
                                                 "time": "0"})
        for error in crashes:
            el = ET.SubElement(case, "error", {"message": f"harness error in {error['where']}: {error['error']}",
                                               "type": "crash"})
            el.text = error["traceback"]
    for key, reason in accepted.items():
        _accepted_case(suite, result, key, reason)
    if broken:
        _verdict_case(suite, summary, broken)
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    for element in root.iter():  # a target's text with characters XML forbids made junit.xml unreadable
        element.text = None if element.text is None else xml_safe(element.text)
        element.tail = None if element.tail is None else xml_safe(element.tail)
        element.attrib.update({k: xml_safe(v) for k, v in element.attrib.items()})
    xml: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return xml


def _accepted(summary: dict[str, Any]) -> dict[str, str]:
    """Failure key -> why the baseline accepts it (empty without an applied baseline)."""
    gate = summary.get("baseline") or {}
    if not gate.get("applied"):
        return {}
    where = str(gate.get("file"))
    return {str(a.get("key")): f"accepted in the baseline {where}: {a.get('reason') or 'no reason given'}"
            + (f" (until {a['expires']})" if a.get("expires") else "") for a in gate.get("accepted") or []}


def _broken(result: RunResult, summary: dict[str, Any]) -> str:
    """Why the run as a whole is not a verdict on the target ("" when it is: PASSED or FAILED).

    A run that is no verdict (INTERRUPTED, NOT RESTORED) must not be green in JUnit. Any exit code other than
    0 (green) or 1 (a <failure> says why) gets a run-level <error>, as does a target that went down or
    a resource left changed behind a FAILED verdict.
    """
    reasons = []
    code, verdict = summary["exit_code"], summary["verdict"]
    if code == Verdict.INCOMPLETE.exit_code and verdict != Verdict.INCOMPLETE:  # failures accepted, one judged none
        reasons.append(f"a selected check judged nothing: INCOMPLETE (exit {code})")
    elif code not in (Verdict.PASSED.exit_code, Verdict.FAILED.exit_code):
        reasons.append(f"the run's verdict is {TITLES.get(verdict, verdict)} (exit {code})")
    if result.stopped and summary["verdict"] != Verdict.TARGET_DOWN:
        reasons.append(f"the target stopped answering: {result.stopped}")
    if result.restore is not None and not result.restore.restored and summary["verdict"] != Verdict.NOT_RESTORED:
        reasons.append(f"the resource was NOT restored: {result.restore.why or '?'}; snapshot at "
                       f"{result.restore.snapshot or '?'} (`zscontract restore` writes it back)")
    return "; ".join(reasons)


def _properties(suite: ET.Element, result: RunResult, summary: dict[str, Any]) -> None:
    props = ET.SubElement(suite, "properties")
    gate = summary.get("baseline") or {}
    pairs: list[tuple[str, str]] = [
        ("verdict", summary["verdict"]), ("exit_code", str(summary["exit_code"])), ("headline", headline(summary)),
        ("profile", result.profile), ("target", result.redactor.redact(result.target_url)),
        ("model_service_uuid", result.model_service_uuid),
        ("cases", str(result.total_cases)), ("requests", str(result.requests)),
        *((("incomplete", str(result.incomplete)),) if result.incomplete else ()),
        *((k, str(v)) for k, v in run_identity(result).items() if k != "started_at" and v is not None),
        *(("warning", w) for w in result.warnings),
    ]
    if gate:
        pairs += [("baseline", str(gate.get("file"))), ("baseline_applied", str(bool(gate.get("applied"))).lower())]
        pairs += [(f"baseline_{k}", str(len(gate.get(k) or []))) for k in ("new", "accepted", "stale", "expired")
                  if gate.get("applied")]
    for key, value in pairs:
        ET.SubElement(props, "property", {"name": key, "value": value})


def _check_case(suite: ET.Element, result: RunResult, name: str, c: dict[str, Any], keys: list[str],
                accepted: int) -> None:
    """One check's test case: a <failure> per failure not accepted by a baseline, skipped when unjudged."""
    case = ET.SubElement(suite, "testcase", {"classname": f"zscontract.{result.profile}", "name": name,
                                             "time": "0"})
    for key in keys:
        rec = result.failures[key]
        el = ET.SubElement(case, "failure", {"message": rec.title, "type": rec.check})
        el.text = rec.render(limit=20_000)
    for error in result.harness_errors:
        if error["where"].startswith(f"check {name} "):
            el = ET.SubElement(case, "error", {"message": f"harness error: {error['error']}", "type": "crash"})
            el.text = error["traceback"]
            break
    if not c["judged"] and not c.get("errors"):
        ET.SubElement(case, "skipped", {"message": unjudged_reason(c)})
    summary_line = registry.get(name).summary if name in registry.names() else ""
    out = ET.SubElement(case, "system-out")
    out.text = (f"{summary_line}\njudged {c['judged']}, passed {c['passed']}, failed {c['failed']}, "
                f"not applicable {c['not_applicable']}"
                + (f"\n{accepted} distinct failures accepted by the baseline (test cases "
                   f"zscontract.baseline)" if accepted else ""))


def _accepted_case(suite: ET.Element, result: RunResult, key: str, reason: str) -> None:
    """A failure the baseline accepts: skipped with the reason (CI shows it, neither red nor hidden).

    Its name is ``check: title``, the title as a failure would carry it (``report history`` reads it).
    """
    rec = result.failures[key]
    case = ET.SubElement(suite, "testcase", {"classname": BASELINE_CLASS, "name": f"{rec.check}: {rec.title}",
                                             "time": "0"})
    ET.SubElement(case, "skipped", {"message": reason})
    ET.SubElement(case, "system-out").text = rec.render(limit=20_000)


def _verdict_case(suite: ET.Element, summary: dict[str, Any], why: str) -> None:
    case = ET.SubElement(suite, "testcase", {"classname": "zscontract", "name": "zscontract.verdict", "time": "0"})
    el = ET.SubElement(case, "error", {"message": headline(summary), "type": str(summary["verdict"])})
    el.text = (f"{why}.\nThis run is not a verdict on the target: CI must not read it as green. "
               "summary.json and summary.md say more.")


def write_junit(result: RunResult, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(result.redactor.redact(render_junit(result).decode("utf-8")).encode("utf-8"))
    return path
