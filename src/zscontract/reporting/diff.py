"""Compare two runs: which failures are new, which were fixed, which still fail.

Runs are compared through their ``summary.json`` dicts (``RunResult.to_json()``), keyed by the
failure ``key`` (check + hash of the signature), so any two runs on disk can be compared::

    a = load_run("20250101-120000-abc123", Path("reports"))
    b = load_run("latest", Path("reports"))
    print(render_diff_text(diff_runs(a, b)))
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zscontract.errors import UsageError

SUMMARY_FILE = "summary.json"


@dataclass(frozen=True)
class RunDiff:
    """Failures of run ``b`` compared with run ``a`` (``a`` the older one)."""

    a_label: str
    b_label: str
    new: list[dict[str, Any]] = field(default_factory=list)       # fail in b, not in a
    fixed: list[dict[str, Any]] = field(default_factory=list)     # failed in a; b judged its check without it
    still: list[dict[str, Any]] = field(default_factory=list)     # fail in both (b's record)
    # failed in a, absent from b, but b is no evidence of a fix (see :func:`unjudged_in`); each with "why"
    unjudged: list[dict[str, Any]] = field(default_factory=list)
    checks: dict[str, tuple[dict[str, int], dict[str, int]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def regressed(self) -> bool:
        """True when ``b`` has a failure ``a`` did not have."""
        return bool(self.new)


def _key(failure: Mapping[str, Any]) -> str:
    key = failure.get("key")
    if key:
        return str(key)
    signature = str(failure.get("signature", failure.get("title", "")))
    return f"{failure.get('check')}:{hashlib.sha256(signature.encode('utf-8')).hexdigest()[:12]}"


def run_label(summary: Mapping[str, Any]) -> str:
    """A short name for a run: its id when known (see :func:`load_run`), else its start time.

    >>> run_label({"run_id": "20250101-120000-abc123"})
    '20250101-120000-abc123'
    """
    if summary.get("run_id"):
        return str(summary["run_id"])
    started = summary.get("started")
    if isinstance(started, int | float):
        return dt.datetime.fromtimestamp(started, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return "?"


def diff_runs(a: Mapping[str, Any], b: Mapping[str, Any]) -> RunDiff:
    """Compare the failures of two summary dicts.

    >>> f1, f2 = {"check": "c", "key": "c:1", "title": "one"}, {"check": "c", "key": "c:2", "title": "two"}
    >>> d = diff_runs({"failures": [f1]}, {"failures": [f1, f2]})
    >>> [f["key"] for f in d.new], [f["key"] for f in d.still], d.fixed
    (['c:2'], ['c:1'], [])
    """
    fa = {_key(f): dict(f) for f in a.get("failures") or []}
    fb = {_key(f): dict(f) for f in b.get("failures") or []}
    notes: list[str] = []
    if a.get("profile") != b.get("profile"):
        notes.append(f"the runs used different profiles ({a.get('profile')} vs {b.get('profile')}): "
                     "failures may differ for that reason alone")
    if a.get("target_url") != b.get("target_url"):
        notes.append(f"the runs tested different targets ({a.get('target_url')} vs {b.get('target_url')})")
    ca, cb = a.get("checks") or {}, b.get("checks") or {}

    def counts(c: Any) -> dict[str, int]:  # the tallies that compare across versions of the summary
        c = c if isinstance(c, dict) else {}
        passed, failed = int(c.get("passed", 0)), int(c.get("failed", 0))
        return {"passed": passed, "failed": failed, "judged": int(c.get("judged", passed + failed))}

    checks = {name: (counts(ca.get(name)), counts(cb.get(name))) for name in sorted(set(ca) | set(cb))}
    gone = {k: f for k, f in fa.items() if k not in fb}
    why_not = {k: unjudged_in(b, f) for k, f in gone.items()}
    return RunDiff(
        a_label=run_label(a),
        b_label=run_label(b),
        new=[f for k, f in fb.items() if k not in fa],
        fixed=[f for k, f in gone.items() if not why_not[k]],
        still=[f for k, f in fb.items() if k in fa],
        unjudged=[{**f, "why": why_not[k]} for k, f in gone.items() if why_not[k]],
        checks=checks,
        notes=notes,
    )


def unjudged_in(b: Mapping[str, Any], failure: Mapping[str, Any]) -> str:
    """Why run ``b`` is no evidence that ``failure`` (of an earlier run) is fixed; "" when it is.

    A run that never judged the check (``--checks no_hang``), or was interrupted, is no evidence it is
    fixed. Fixed needs ``b`` to have replayed the saved failing case and seen it pass (its corpus
    verdict), or to have judged the failure's check in a run that ended on its own: not interrupted,
    not stopped by a dead target or a harness error, not cut short by its budget (the phase that
    found the failure may never have run).

    >>> unjudged_in({"checks": {"c": {"judged": 0, "reason": "not selected (--checks)"}}}, {"check": "c"})
    'run B never judged c (not selected (--checks))'
    >>> unjudged_in({"checks": {"c": {"judged": 4}}}, {"check": "c"})
    ''
    """
    replayed = next((e for e in b.get("corpus") or [] if e.get("key") == _key(failure)), None)
    if replayed is not None and replayed.get("verdict") == "FIXED":
        return ""
    if replayed is not None and replayed.get("verdict") == "NOT JUDGED":
        return f"run B replayed the saved case but could not judge it ({replayed.get('why') or '?'})"
    for key, what in (("interrupted", "was interrupted"), ("stopped", "stopped early"),
                      ("incomplete", "was cut short by its budget")):
        if b.get(key):
            return f"run B {what} ({b[key]}) and did not replay the saved failing case"
    if b.get("harness_errors"):
        return "run B ended in a harness error"
    check = str(failure.get("check"))
    tally = (b.get("checks") or {}).get(check)
    tally = tally if isinstance(tally, Mapping) else {}
    judged = tally.get("judged", int(tally.get("passed", 0)) + int(tally.get("failed", 0)))
    if not judged:
        return f"run B never judged {check}" + (f" ({tally['reason']})" if tally.get("reason") else "")
    return ""


def _line(failure: Mapping[str, Any]) -> str:
    return f"[{failure.get('check')}] {failure.get('title', failure.get('signature', ''))}"


def render_diff_text(diff: RunDiff) -> str:
    """Plain text for the terminal.

    >>> print(render_diff_text(diff_runs({"run_id": "a"}, {"run_id": "b"})))
    runs a -> b: 0 new, 0 fixed, 0 still failing
    """
    lines = [f"runs {diff.a_label} -> {diff.b_label}: {_counts(diff)}"]
    lines += [f"note: {note}" for note in diff.notes]
    for title, items in (("NEW", diff.new), ("FIXED", diff.fixed), ("STILL", diff.still)):
        lines += [f"  {title:<6} {_line(f)}" for f in items]
    lines += [f"  NOT JUDGED IN B {_line(f)}: {f['why']}" for f in diff.unjudged]
    return "\n".join(lines)


def _counts(diff: RunDiff) -> str:
    return (f"{len(diff.new)} new, {len(diff.fixed)} fixed, {len(diff.still)} still failing"
            + (f", {len(diff.unjudged)} not judged in {diff.b_label}" if diff.unjudged else ""))


def _md(text: str) -> str:
    """Make text safe inside a Markdown table cell or list item."""
    return text.replace("|", "\\|").replace("\n", " ").replace("`", "'")


def render_diff_markdown(diff: RunDiff) -> str:
    """Markdown for a pull-request comment.

    >>> render_diff_markdown(diff_runs({"run_id": "a"}, {"run_id": "b"})).splitlines()[0]
    '## zscontract: `a` → `b`: 0 new, 0 fixed, 0 still failing'
    """
    lines = [f"## zscontract: `{diff.a_label}` → `{diff.b_label}`: {_counts(diff)}", ""]
    lines += [f"> {_md(note)}" for note in diff.notes]
    for title, items in (("New failures", diff.new), ("Fixed", diff.fixed), ("Still failing", diff.still)):
        if items:
            lines += ["", f"### {title}", ""]
            lines += [f"- **{_md(str(f.get('check')))}**: {_md(str(f.get('title', f.get('signature', ''))))}"
                      for f in items]
    if diff.unjudged:
        lines += ["", f"### Not judged in `{diff.b_label}` (not evidence of a fix)", ""]
        lines += [f"- **{_md(str(f.get('check')))}**: {_md(str(f.get('title', f.get('signature', ''))))} "
                  f"({_md(str(f['why']))})" for f in diff.unjudged]
    changed = [(n, a, b) for n, (a, b) in diff.checks.items()
               if bool(a.get("failed")) != bool(b.get("failed"))]
    if changed:
        lines += ["", "| check | before | after |", "|---|---|---|"]
        for name, a, b in changed:
            lines.append(f"| `{_md(name)}` | {_state(a)} | {_state(b)} |")
    return "\n".join(lines).rstrip() + "\n"


def _state(tally: Mapping[str, int]) -> str:
    """A check's state in one run: FAIL, ok, or not judged (which is no "ok": it says nothing of the target)."""
    return "FAIL" if tally.get("failed") else "ok" if tally.get("judged", 1) else "not judged"


def load_run(ref: str, reports_dir: Path) -> dict[str, Any]:
    """The summary of a run given as a run directory, a run id under ``reports_dir``, ``latest``,
    or a ``summary.json`` path. Adds ``run_id`` (the run directory's name) when absent.

    >>> load_run("latest", Path("reports"))["run_id"]  # doctest: +SKIP
    '20250101-120000-abc123'
    """
    candidates: list[Path] = []
    looks_like_path = "/" in ref or "\\" in ref or ref.endswith(".json")
    if not looks_like_path:
        candidates.append(reports_dir / ref)
    candidates.append(Path(ref))
    for candidate in candidates:
        if candidate.is_file():
            return _read_summary(candidate, candidate.resolve().parent.name)
        if candidate.is_dir():
            summary = candidate / SUMMARY_FILE
            if not summary.is_file():
                raise UsageError(f"run directory {candidate} has no {SUMMARY_FILE} (the run stopped before "
                                 "writing its reports?); give another run")
            return _read_summary(summary, candidate.resolve().name)
    known = sorted(p.name for p in reports_dir.iterdir()
                   if p.name != "latest" and (p / SUMMARY_FILE).is_file()) if reports_dir.is_dir() else []
    if known:
        hint = f"known runs: {', '.join(known[-5:])}"
        hint += " and latest" if (reports_dir / "latest").exists() else ""
    else:
        hint = f"there are no runs under {reports_dir}"
    raise UsageError(f"no run {ref!r}: not a run directory, a {SUMMARY_FILE} file, or a run id under "
                     f"{reports_dir} ({hint})")


def _read_summary(path: Path, run_id: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"run summary {path} cannot be read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"run summary {path}:{exc.lineno}: not valid JSON ({exc.msg}); "
                         "was the run interrupted while writing it?") from None
    if not isinstance(data, dict) or "failures" not in data:
        raise UsageError(f"run summary {path} is not a zscontract summary.json (no `failures` list)")
    data.setdefault("run_id", run_id)
    return data


__all__ = ["RunDiff", "diff_runs", "unjudged_in", "load_run", "render_diff_markdown", "render_diff_text", "run_label"]
