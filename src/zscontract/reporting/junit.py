"""JUnit XML: one test case per check, a failure element per distinct failure."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from zscontract.checks import registry
from zscontract.runner.results import RunResult


def render_junit(result: RunResult) -> bytes:
    failures_by_check: dict[str, list[str]] = {}
    for record in result.failures.values():
        failures_by_check.setdefault(record.check, []).append(record.key)
    checks = sorted(set(result.tallies) | set(failures_by_check))
    suite = ET.Element("testsuite", {
        "name": f"zscontract.{result.profile}",
        "tests": str(len(checks)),
        "failures": str(sum(1 for c in checks if c in failures_by_check)),
        "errors": "0",
        "time": f"{result.duration:.3f}",
    })
    props = ET.SubElement(suite, "properties")
    for key, value in (("profile", result.profile), ("target", result.redactor.redact(result.target_url)),
                       ("model_service_uuid", result.model_service_uuid),
                       ("cases", str(result.total_cases)), ("requests", str(result.requests))):
        ET.SubElement(props, "property", {"name": key, "value": value})
    for name in checks:
        tally = result.tallies.get(name)
        case = ET.SubElement(suite, "testcase", {"classname": f"zscontract.{result.profile}", "name": name,
                                                 "time": "0"})
        summary = registry.get(name).summary if name in registry.names() else ""
        for key in failures_by_check.get(name, []):
            rec = result.failures[key]
            el = ET.SubElement(case, "failure", {"message": rec.title, "type": rec.check})
            el.text = rec.render(limit=20_000)
        out = ET.SubElement(case, "system-out")
        out.text = f"{summary}\npassed {tally.passed if tally else 0}, failed {tally.failed if tally else 0}"
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    xml: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return xml


def write_junit(result: RunResult, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(result.redactor.redact(render_junit(result).decode("utf-8")).encode("utf-8"))
    return path
