"""The JSON summary (for machines) and the Markdown summary (for a pull-request comment)."""

from __future__ import annotations

import json
from pathlib import Path

from zscontract.runner.results import RunResult


def write_json(result: RunResult, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result.to_json(), indent=2, ensure_ascii=False)
    path.write_text(result.redactor.redact(text) + "\n", encoding="utf-8")
    return path


def render_markdown(result: RunResult) -> str:
    verdict = "conforms" if result.ok else f"broke the contract ({len(result.failures)} distinct failures)"
    lines = [
        f"## zscontract: target {verdict}",
        "",
        f"Profile `{result.profile}`, {result.total_cases} cases, {result.requests} requests, "
        f"{result.duration:.1f} s.",
        "",
        "| check | passed | failed |",
        "|---|---:|---:|",
    ]
    for name, tally in sorted(result.tallies.items()):
        lines.append(f"| `{name}` | {tally.passed} | {tally.failed} |")
    if result.failures:
        lines += ["", "### Failures", ""]
        for rec in result.failures.values():
            lines += [f"- **{rec.check}**: {rec.title}", "", "  ```", f"  {rec.curl}", "  ```"]
    if result.restore:
        state = "restored" if result.restore.get("restored") else "NOT restored"
        lines += ["", f"Resource {state}."]
    return result.redactor.redact("\n".join(lines)) + "\n"


def write_markdown(result: RunResult, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_markdown(result), encoding="utf-8")
    return path
