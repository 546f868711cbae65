"""The fault catalogue as evidence: run the harness against every fault and sound variant.

Each fault of the reference server's catalogue must be caught by the check named for it;
each sound variant must pass. Every row is a real ``zscontract run`` subprocess against a
real server subprocess, so what is measured is what a user gets. ``zscontract catalogue``
writes the table committed as ``reports/catalogue.md``.

Every fault runs in each dialect it applies to. The zstack dialect runs in both of its server modes:
asynchronous API jobs (the default, as a real node answers) and ``--sync``: every sound variant runs in
each mode, a fault in the mode it needs (the default).
The server names the catching check of each fault as a plain string (it imports nothing from the
harness); :func:`unknown_checks` validates those names against the check registry.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zscontract.errors import UsageError
from zscontract.server import faults as server_faults

Plan = list[tuple[server_faults.Fault, str, bool]]
SOUND = "(none)"


@dataclass(frozen=True)
class Row:
    name: str
    kind: str
    profile: str
    async_: bool
    expected: str | None          # the check that must catch a fault; None for a variant
    exit_code: int
    failed_checks: tuple[str, ...]
    seconds_to_verdict: float
    wall_seconds: float
    titles: tuple[str, ...]
    signatures: tuple[tuple[str, str], ...] = ()   # (check, signature) of every failure
    restored: bool = False                         # the resource was left as found

    @property
    def ok(self) -> bool:
        if self.kind == "release":
            return self.exit_code == 1 and self.restored and self.release_problems() == ([], [])
        if self.expected is None:
            return self.exit_code == 0
        return self.expected in self.failed_checks

    def release_problems(self) -> tuple[list[str], list[str]]:
        """A release row: its expected defects not reported, and the failures none of them explains."""
        from zscontract.release_defects import RELEASES, judge

        return judge(RELEASES.get(self.name, ()), self.signatures)

    @property
    def dialect(self) -> str:
        if self.profile != "zstack":
            return self.profile
        return self.profile + (" async" if self.async_ else " sync")


def unknown_checks() -> list[str]:
    """Check names the server's catalogue refers to that the registry does not know (should be none)."""
    from zscontract.checks.registry import names

    return sorted(server_faults.check_names() - set(names()))


def _modes(entry: server_faults.Fault, profile: str) -> list[bool]:
    """The server modes a row runs in: documented is synchronous; zstack async (its default) and sync."""
    if profile != "zstack":
        return [False]
    return [True] if entry.needs_async else [True, False]


def plan(profiles: Iterable[str] = ("documented", "zstack")) -> Plan:
    """Every (entry, profile, async) to run: each fault in each of its dialects, in the mode it needs; each
    variant, and the sound server itself, in each of its dialects and modes."""
    rows: Plan = []
    wanted = list(profiles)
    for entry in server_faults.faults():
        # Each fault in every dialect it applies to (a fault of both dialects is shown in
        # both); zstack faults in the server's default mode, async jobs. A fault row stops at the
        # first failure of its check, so it is short.
        rows += [(entry, profile, profile == "zstack") for profile in wanted if profile in entry.dialects]
    # A release (a real node, its defects included) in the mode a real node answers: async jobs.
    rows += [(entry, profile, True) for entry in server_faults.releases() for profile in wanted
             if profile in entry.dialects]
    sound = server_faults.Fault(SOUND, "variant", server_faults.BOTH, None, "the sound server")
    for entry in (*server_faults.variants(), sound):
        for profile in wanted:
            if profile in entry.dialects:
                rows += [(entry, profile, mode) for mode in _modes(entry, profile)]
    return rows


def run_one(entry: server_faults.Fault, profile: str, async_: bool, *, max_time: float,
            seed: int = 1, max_examples: int | None = None) -> Row:
    """One ``zscontract run`` subprocess; a fault run stops at the first failure of its check."""
    with tempfile.TemporaryDirectory(prefix="zsc-cat-") as tmp:
        cmd = [sys.executable, "-m", "zscontract", "run", "--profile", profile, "--report-dir", tmp,
               "--max-time", str(max_time), "--seed", str(seed), "--request-timeout", "3",
               "--job-timeout", "3", "-q"]
        if profile == "zstack":
            cmd.append("--async" if async_ else "--sync")
        if max_examples is not None:
            cmd += ["--max-examples", str(max_examples)]
        if entry.kind == "fault":
            cmd += ["--server-fault", entry.name, "--stop-on", str(entry.caught_by)]
        elif entry.name != SOUND:
            cmd += ["--server-variant", entry.name]
        started = time.monotonic()
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=max_time + 120, check=False)
        wall = time.monotonic() - started
        summary_path = Path(tmp) / "latest" / "summary.json"
        summary: dict[str, Any] = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    failures = summary.get("failures", [])
    failed = tuple(sorted({f["check"] for f in failures}))
    signatures = tuple((str(f["check"]), str(f["signature"])) for f in failures)
    restore = summary.get("restore") or {}
    restored = bool(restore.get("restored")) and not restore.get("differences")
    first = [f["first_seen_seconds"] for f in failures if f["check"] == entry.caught_by]
    if not summary:
        failed, titles = ("(no summary)",), (proc.stderr.strip()[-300:],)
    else:
        titles = tuple(f["title"] for f in failures)
    return Row(entry.name, entry.kind, profile, async_, entry.caught_by, proc.returncode, failed,
               min(first) if first else summary.get("duration_seconds", wall), wall, titles, signatures, restored)


def run_all(*, max_time: float = 25.0, jobs: int = 2, profiles: Iterable[str] = ("documented", "zstack"),
            names: Iterable[str] | None = None) -> list[Row]:
    todo = plan(profiles)
    if names is not None:
        keep = set(names)
        todo = [t for t in todo if t[0].name in keep]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(lambda t: run_one(t[0], t[1], t[2], max_time=row_time(t[0], max_time)), todo))


# A release row must find every defect: a full run long enough that each kind of input is drawn a few
# times even on a loaded machine (about 130 cases in 25 s on a busy 2-core box, 500 in 90 s).
RELEASE_MAX_TIME = 90.0


def row_time(entry: server_faults.Fault, max_time: float) -> float:
    """The budget of one row: ``max_time``, or at least :data:`RELEASE_MAX_TIME` for a release."""
    return max(max_time, RELEASE_MAX_TIME) if entry.kind == "release" else max_time


def render_markdown(rows: list[Row], *, command: str) -> str:
    faults = [r for r in rows if r.kind == "fault"]
    variants = [r for r in rows if r.kind == "variant"]
    releases = [r for r in rows if r.kind == "release"]
    caught = sum(r.ok for r in faults)
    passing = sum(r.ok for r in variants)
    lines = [
        "# Fault catalogue",
        "",
        f"Generated by `{command}` on {time.strftime('%Y-%m-%d')}. Each row is a real `zscontract run`",
        "against the reference server with one fault (it stops at the first failure of the check named",
        "for the fault) or one sound variant (a full default run that must pass).",
        "",
        f"**Faults caught by their check: {caught}/{len(faults)}. Sound variants passing: "
        f"{passing}/{len(variants)}.**",
        "",
        "| fault | dialect | must be caught by | caught | seconds to verdict | also failed |",
        "|---|---|---|---|---:|---|",
    ]
    for r in faults:
        others = ", ".join(c for c in r.failed_checks if c != r.expected) or "-"
        if not r.ok and r.titles:  # why it was missed: the run's own last words
            others += ": " + r.titles[0].replace("|", "\\|").replace("\n", " ")[:160]
        lines.append(f"| `{r.name}` | {r.dialect} | `{r.expected}` | {'yes' if r.ok else '**NO**'} | "
                     f"{r.seconds_to_verdict:.1f} | {others} |")
    lines += ["", "| sound variant | dialect | verdict | run seconds |", "|---|---|---|---:|"]
    for r in variants:
        verdict = "pass" if r.ok else "**FAIL**: " + "; ".join(t.replace("|", "\\|")[:80] for t in r.titles[:2])
        lines.append(f"| `{r.name}` | {r.dialect} | {verdict} | {r.wall_seconds:.1f} |")
    if releases:
        lines += ["", "A release row plays a released node, its known defects included: the run must fail with exactly",
                  "those defects (`zscontract.release_defects`) and leave the resource as found.", "",
                  "| release | dialect | as expected | failures | missing defects | other failures |",
                  "|---|---|---|---:|---|---|"]
    for r in releases:
        missing, other = r.release_problems()
        lines.append(f"| `{r.name}` | {r.dialect} | {'yes' if r.ok else '**NO**'} | {len(r.signatures)} | "
                     f"{_cell(missing)} | {_cell(other)} |")
    return "\n".join(lines) + "\n"


def _cell(items: list[str]) -> str:
    return "; ".join(i.replace("|", "\\|")[:80] for i in items) or "-"


def write_catalogue(out: Path, *, max_time: float = 25.0, jobs: int = 2) -> int:
    """Run every row, write the table to ``out``; exit code 1 when a fault slipped or a variant failed."""
    if unknown := unknown_checks():
        raise UsageError(f"the server's fault catalogue names checks that are not registered: {', '.join(unknown)}")
    rows = run_all(max_time=max_time, jobs=jobs)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_markdown(rows, command="zscontract catalogue"), encoding="utf-8")
    bad = [r for r in rows if not r.ok]
    for r in bad:
        print(f"{'MISSED' if r.kind == 'fault' else 'NOT AS EXPECTED' if r.kind == 'release' else 'FALSE ALARM'}: "
              f"{r.name} ({r.dialect}): "
              f"failed {', '.join(r.failed_checks) or 'nothing'}", file=sys.stderr)
    print(f"wrote {out}: {len(rows) - len(bad)}/{len(rows)} rows as expected")
    return 1 if bad else 0
