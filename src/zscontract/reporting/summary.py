"""The JSON summary (for machines) and the Markdown summary (for a pull-request comment)."""

from __future__ import annotations

import json
from pathlib import Path

from zscontract.reporting.verdict import headline
from zscontract.runner.results import RunResult


def write_json(result: RunResult, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result.to_json(), indent=2, ensure_ascii=False)
    path.write_text(result.redactor.redact(text) + "\n", encoding="utf-8")
    return path


def render_markdown(result: RunResult) -> str:
    summary = result.to_json()
    lines = [f"## zscontract: {headline(summary)}", ""]
    lines += [f"> **{w}**" for w in result.warnings] + ([""] if result.warnings else [])
    lines += [
        f"Profile `{result.profile}`, {result.total_cases} cases, {result.requests} requests, "
        f"{result.duration:.1f} s.",
        "",
        "| check | judged | passed | failed | not applicable | note |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, c in summary["checks"].items():
        note = "crashed (harness error)" if c.get("errors") else (
            f"judged nothing: {c.get('reason', '?')}" if not c["judged"] else "")
        lines.append(f"| `{name}` | {c['judged']} | {c['passed']} | {c['failed']} | {c['not_applicable']} | {note} |")
    if result.failures:
        lines += ["", "### Failures", ""]
        for rec in result.failures.values():
            lines += [f"- **{rec.check}**: {rec.title}", "", "  ```", f"  {rec.curl}", "  ```"]
    for error in result.harness_errors[:3]:
        lines += ["", f"### Harness error in {error['where']} (a bug in zscontract)", "", "```",
                  error["traceback"].rstrip()[-4000:], "```"]
    if result.restore:
        state = "restored" if result.restore.get("restored") else "NOT restored"
        lines += ["", f"Resource {state}."]
    return result.redactor.redact("\n".join(lines)) + "\n"


def write_markdown(result: RunResult, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_markdown(result), encoding="utf-8")
    return path
