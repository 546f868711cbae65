"""Fuzz regressions over time: every failure signature across the runs kept, and what became of it.

For each signature (a check and its failure's signature, keyed as ``FailureRecord.key``): when it was
first and last seen failing, in how many runs it failed out of the runs that judged its check (a run
judged a check when the check judged at least one case in it), and its status:

- ``new``: fails in the last run, and the previous run that judged its check did not fail it;
- ``still failing``: fails in the last run and in the previous run that judged its check;
- ``fixed``: failed once, and a later run judged its check without it (``fixed_since``: the first such);
- ``flaky`` (before all others): failed in one run and passed in another *comparable* one: the same
  commit, or the same seed without two different commits (a different commit may simply have fixed it);
- ``not judged since``: failed in a run after which no run judged its check (nothing says it is fixed).

    history = build_history(*collect(Path("reports")))
    write_history(history, Path("reports/history"))
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zscontract.core.redact import Redactor
from zscontract.errors import UsageError
from zscontract.reporting.history_sources import Run, failure_key

STATUSES = ("new", "flaky", "still failing", "not judged since", "fixed")  # also the order shown


@dataclass
class Signature:
    key: str
    check: str
    signature: str
    title: str
    first_seen: str
    last_seen: str
    runs_failed: int
    runs_judged: int
    status: str
    fixed_since: str | None = None
    flaky_because: str | None = None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class History:
    runs: list[Run]
    signatures: list[Signature]
    checks: list[str]
    notes: list[str] = field(default_factory=list)
    generated_at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))

    def counts(self) -> dict[str, int]:
        """Signatures per status, every status present."""
        return {s: sum(1 for sig in self.signatures if sig.status == s) for s in STATUSES}

    def to_json(self) -> dict[str, Any]:
        return {
            "generated_at": self.generated_at,
            "runs": [run_json(r) for r in self.runs],
            "signatures": [s.to_json() for s in self.signatures],
            "checks": self.checks,
            "counts": self.counts(),
            "notes": self.notes,
        }


def run_json(run: Run) -> dict[str, Any]:
    per_check: dict[str, int] = {}
    for f in run.failures.values():
        per_check[f["check"]] = per_check.get(f["check"], 0) + 1
    return {"run": run.label, "source": run.source, "kind": run.kind, "started_at": run.started_at,
            "time_from": run.time_from, "verdict": run.verdict, "commit": run.commit, "seed": run.seed,
            "profile": run.profile, "cases": run.cases, "failures": dict(sorted(per_check.items())),
            "signatures": sorted(run.failures), "judged": dict(sorted(run.judged.items()))}


def unify_keys(runs: Sequence[Run]) -> None:
    """JUnit failures carry only a title: give one the key a summary run gave the same check and title."""
    by_title = {(f["check"], f["title"]): (key, f["signature"])
                for run in runs if run.kind == "summary" for key, f in run.failures.items()}
    for run in runs:
        if run.kind != "junit":
            continue
        unified: dict[str, dict[str, str]] = {}
        for key, f in run.failures.items():
            known = by_title.get((f["check"], f["title"]))
            unified[known[0] if known else key] = {**f, "signature": known[1]} if known else f
        run.failures = unified


def comparable(a: Run, b: Run) -> str | None:
    """Why two runs should have judged alike (the same commit, or the same seed at no known different
    commit), or None.

    >>> r = lambda c, s: Run("x", "x", "summary", 0.0, "passed", commit=c, seed=s)
    >>> comparable(r("abc", 1), r("abc", 2)), comparable(r(None, 7), r("abc", 7)), comparable(r("a", 7), r("b", 7))
    ('commit abc', 'seed 7', None)
    """
    if a.commit and a.commit == b.commit:
        return f"commit {a.commit}"
    if a.seed is not None and a.seed == b.seed and not (a.commit and b.commit and a.commit != b.commit):
        return f"seed {a.seed}"
    return None


def build_history(runs: list[Run], notes: Sequence[str] = ()) -> History:
    """The signatures of ``runs`` (oldest first) with their counts and statuses."""
    unify_keys(runs)
    keys: dict[str, dict[str, str]] = {}
    for run in runs:
        keys.update(run.failures)  # the newest run's title and signature text win
    signatures = [_signature(key, f, runs) for key, f in keys.items()]
    signatures.sort(key=lambda s: (STATUSES.index(s.status), s.check, s.signature))
    checks = sorted({c for r in runs for c in r.judged} | {f["check"] for r in runs for f in r.failures.values()})
    return History(runs=runs, signatures=signatures, checks=checks, notes=list(notes))


def _signature(key: str, f: dict[str, str], runs: Sequence[Run]) -> Signature:
    check = f["check"]
    failed = [i for i, r in enumerate(runs) if key in r.failures]
    judged = [i for i, r in enumerate(runs) if key in r.failures or r.judged.get(check, 0) > 0]
    passed = [i for i in judged if i not in failed]
    last = len(runs) - 1
    flaky = next((f"failed in {runs[i].label}, passed in {runs[j].label} ({why})"
                  for i in failed for j in passed if (why := comparable(runs[i], runs[j]))), None)
    fixed_since = next((runs[j].started_at for j in passed if j > failed[-1]), None)
    if flaky:
        status = "flaky"
    elif failed[-1] == last:
        before = [i for i in judged if i < last]
        status = "still failing" if before and before[-1] in failed else "new"
    else:
        status = "fixed" if fixed_since else "not judged since"
    return Signature(key=key, check=check, signature=f["signature"], title=f["title"],
                     first_seen=runs[failed[0]].started_at, last_seen=runs[failed[-1]].started_at,
                     runs_failed=len(failed), runs_judged=len(judged), status=status,
                     fixed_since=fixed_since if status in ("fixed", "flaky") else None, flaky_because=flaky)


def write_history(history: History, out_dir: Path) -> list[Path]:
    """``history.json``, ``history.md`` and ``history.html`` into ``out_dir``; a folder that cannot be
    written is a usage error (exit 2)."""
    from zscontract.reporting.history_render import render_history_html, render_history_markdown

    # Summaries and JUnit files are redacted when written; a hand-made or foreign file may not be, so the
    # session and password of the job that builds the history are taken out once more.
    redactor = Redactor(sessions=[os.environ.get("ZS_SESSION_UUID", "")], passwords=[os.environ.get("ZS_PASSWORD", "")])
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        written = []
        for name, text in (("history.json", json.dumps(history.to_json(), indent=2, ensure_ascii=False) + "\n"),
                           ("history.md", render_history_markdown(history)),
                           ("history.html", render_history_html(history))):
            (out_dir / name).write_text(redactor.redact(text), encoding="utf-8")
            written.append(out_dir / name)
    except OSError as exc:
        raise UsageError(f"cannot write the history into {out_dir}: {exc.strerror or exc}; give --out DIR "
                         "a folder that can be written") from None
    return written


def headline(history: History) -> str:
    """One line: how many runs over what span, the last run's verdict, and the signatures by status."""
    first, last = history.runs[0], history.runs[-1]
    span = f"{_day(first)} to {_day(last)}" if _day(first) != _day(last) else _day(last)
    counts = ", ".join(f"{n} {status}" for status, n in history.counts().items())
    return (f"{len(history.runs)} run{'s' if len(history.runs) != 1 else ''} ({span}); last run "
            f"{last.verdict.replace('_', ' ').upper()}; {len(history.signatures)} failure signatures: {counts}")


def _day(run: Run) -> str:
    return run.started_at[:10]


__all__ = ["History", "STATUSES", "Signature", "build_history", "comparable", "failure_key", "headline",
           "write_history"]
