"""The JSON summary (for machines) and the Markdown summary (for a pull-request comment)."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from zscontract.reporting.verdict import headline
from zscontract.runner.results import RunResult

# Where CI systems put the commit under test (GitHub Actions, GitLab CI, Jenkins), after our own.
COMMIT_VARIABLES = ("ZSCONTRACT_COMMIT", "GITHUB_SHA", "CI_COMMIT_SHA", "GIT_COMMIT")


def run_identity(result: RunResult) -> dict[str, Any]:
    """What ``zscontract report history`` groups runs by: start (UTC ISO), seed, commit (or null).

    >>> run_identity(result)  # doctest: +SKIP
    {'started_at': '2026-11-29T16:07:31+00:00', 'seed': 7, 'commit': '3c05d73...'}
    """
    commit = next((os.environ[v].strip() for v in COMMIT_VARIABLES if os.environ.get(v, "").strip()), None)
    started = dt.datetime.fromtimestamp(result.started, dt.UTC).isoformat(timespec="seconds")
    return {"started_at": started, "seed": result.seed, "commit": commit}


def write_json(result: RunResult, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    summary = result.to_json()
    for key, value in run_identity(result).items():  # added after the existing keys, replacing none
        summary.setdefault(key, value)
    text = json.dumps(summary, indent=2, ensure_ascii=False)
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
