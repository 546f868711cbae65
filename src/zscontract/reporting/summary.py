"""The JSON summary (for machines) and the Markdown summary (for a pull-request comment)."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from zscontract.reporting.text import printable
from zscontract.reporting.verdict import budget_note, headline, unjudged_reason
from zscontract.runner.restore_report import RestoreReport
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
    ]
    if result.incomplete:  # a bare "PASSED" would claim the cases never sent were judged
        lines += [f"Generation was cut short ({result.incomplete}): the checks judged only the cases sent "
                  "before it.", ""]
    if budget_note(summary):
        lines += [f"Requests: {budget_note(summary)}.", ""]
    accepted = {str(a.get("key")): a for a in (summary.get("baseline") or {}).get("accepted") or []}
    lines += [
        "| check | judged | passed | failed | not applicable | note |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, c in summary["checks"].items():
        if c.get("errors"):
            note = "crashed (harness error)"
        elif c["judged"]:
            note = ""
        elif c.get("applicable") is False:
            note = unjudged_reason(c)  # "not applicable: …": the check cannot apply, no gap in the run
        else:
            note = f"judged nothing: {c.get('reason', '?')}"
        lines.append(f"| `{name}` | {c['judged']} | {c['passed']} | {c['failed']} | {c['not_applicable']} | {note} |")
    if result.failures:
        lines += ["", "### Failures", ""]
        for rec in result.failures.values():
            entry = accepted.get(rec.key)
            why = f" (accepted in the baseline: {entry.get('reason') or 'no reason given'})" if entry else ""
            lines += [f"- **{rec.check}**{why}: {rec.title}", "", "  ```", f"  {rec.curl}", "  ```"]
    lines += _baseline_lines(summary.get("baseline"))
    for error in result.harness_errors[:3]:
        lines += ["", f"### Harness error in {error['where']} (a bug in zscontract)", "", "```",
                  error["traceback"].rstrip()[-4000:], "```"]
    if result.restore is not None:
        lines += ["", *_restore_lines(result.restore)]
    return printable(result.redactor.redact("\n".join(lines))) + "\n"  # CI prints it: `cat summary.md`


def _restore_lines(restore: RestoreReport) -> list[str]:
    """Whether the resource was left as found; when not, why and the command that writes it back (CI shows
    this file, not the terminal's stderr)."""
    if restore.restored:
        return [f"Resource {restore.caveat}." if restore.caveat else "Resource restored."]
    lines = [f"**Resource NOT restored**: {restore.why or 'see report.html'}."]
    if restore.snapshot:
        lines += ["", f"Write it back with `zscontract restore {Path(restore.snapshot).parent}` "
                      "(same --target-url, session and --profile as the run)."]
    return lines


def _baseline_lines(gate: Any) -> list[str]:
    """The baseline's outcome: counts, the exit code it leads to, entries to remove or extend."""
    if not gate:
        return []
    lines = ["", f"### Baseline `{gate.get('file')}`", ""]
    if not gate.get("applied"):
        return [*lines, str(gate.get("why", "not applied"))]
    if gate.get("updated"):
        return [*lines, f"Updated (--baseline-update): {len(gate.get('accepted') or [])} failures accepted."]
    lines.append(", ".join(f"{len(gate.get(k) or [])} {k}" for k in ("new", "accepted", "stale", "expired"))
                 + ": only new failures (and those of expired entries) fail the run.")
    for entry in gate.get("expired") or []:
        lines.append(f"- expired {entry.get('expires')}: **{entry.get('check')}** {entry.get('signature')}")
    for entry in gate.get("stale") or []:
        lines.append(f"- stale (no longer fails, remove it): **{entry.get('check')}** {entry.get('signature')}")
    return lines


def write_markdown(result: RunResult, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_markdown(result), encoding="utf-8")
    return path
