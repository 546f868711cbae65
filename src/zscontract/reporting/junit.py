"""JUnit XML: one test case per check; a failure per distinct failure, skipped when it judged nothing.

A check that judged nothing is a ``<skipped message="why">`` test case (CI shows it, it is not
silently left out); a check that crashed carries an ``<error>`` (a harness error, not a failure);
a harness error outside the checks is a ``zscontract.harness`` test case with an ``<error>``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from zscontract.checks import registry
from zscontract.reporting.summary import run_identity
from zscontract.reporting.verdict import headline
from zscontract.runner.results import RunResult


def render_junit(result: RunResult) -> bytes:
    summary = result.to_json()
    failures_by_check: dict[str, list[str]] = {}
    for record in result.failures.values():
        failures_by_check.setdefault(record.check, []).append(record.key)
    checks: dict[str, dict[str, Any]] = summary["checks"]
    crashes = [e for e in result.harness_errors if not e["where"].startswith("check ")]
    suite = ET.Element("testsuite", {
        "name": f"zscontract.{result.profile}",
        "tests": str(len(checks) + (1 if crashes else 0)),
        "failures": str(sum(1 for c in checks if c in failures_by_check)),
        "errors": str(sum(1 for c in checks.values() if c.get("errors")) + (1 if crashes else 0)),
        "skipped": str(sum(1 for c in checks.values() if not c["judged"] and not c.get("errors"))),
        "time": f"{result.duration:.3f}",
        # JUnit's timestamp has no zone: UTC, as `report history` reads it back (also commit and seed below).
        "timestamp": run_identity(result)["started_at"][:19],
    })
    props = ET.SubElement(suite, "properties")
    for key, value in (("verdict", summary["verdict"]), ("headline", headline(summary)),
                       ("profile", result.profile), ("target", result.redactor.redact(result.target_url)),
                       ("model_service_uuid", result.model_service_uuid),
                       ("cases", str(result.total_cases)), ("requests", str(result.requests)),
                       *((k, str(v)) for k, v in run_identity(result).items() if k != "started_at" and v is not None),
                       *(("warning", w) for w in result.warnings)):
        ET.SubElement(props, "property", {"name": key, "value": value})
    for name, c in checks.items():
        case = ET.SubElement(suite, "testcase", {"classname": f"zscontract.{result.profile}", "name": name,
                                                 "time": "0"})
        for key in failures_by_check.get(name, []):
            rec = result.failures[key]
            el = ET.SubElement(case, "failure", {"message": rec.title, "type": rec.check})
            el.text = rec.render(limit=20_000)
        for error in result.harness_errors:
            if error["where"].startswith(f"check {name} "):
                el = ET.SubElement(case, "error", {"message": f"harness error: {error['error']}", "type": "crash"})
                el.text = error["traceback"]
                break
        if not c["judged"] and not c.get("errors"):
            ET.SubElement(case, "skipped", {"message": str(c.get("reason") or "judged nothing")})
        summary_line = registry.get(name).summary if name in registry.names() else ""
        out = ET.SubElement(case, "system-out")
        out.text = (f"{summary_line}\njudged {c['judged']}, passed {c['passed']}, failed {c['failed']}, "
                    f"not applicable {c['not_applicable']}")
    if crashes:
        case = ET.SubElement(suite, "testcase", {"classname": "zscontract", "name": "zscontract.harness",
                                                 "time": "0"})
        for error in crashes:
            el = ET.SubElement(case, "error", {"message": f"harness error in {error['where']}: {error['error']}",
                                               "type": "crash"})
            el.text = error["traceback"]
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    xml: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return xml


def write_junit(result: RunResult, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(result.redactor.redact(render_junit(result).decode("utf-8")).encode("utf-8"))
    return path
