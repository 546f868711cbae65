"""The runs a history is built from: ``summary.json`` files and JUnit XML, found in folders or named.

A run folder (``reports/<run-id>/``) is read through its ``summary.json``; a folder without one
(a CI artifact holding only ``junit.xml``) through its XML files. Folders are searched at any depth,
so a tree of downloaded CI artifacts (one sub-folder per nightly job) is read as it is. A file that
cannot be read is skipped with a one-line note, never fatal: one broken night must not hide the week.

    runs, notes = collect(Path("reports"), [Path("artifacts")], out_dir=Path("reports/history"))
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zscontract.errors import PreconditionFailed, UsageError
from zscontract.reporting.verdict import verdict_of
from zscontract.runner.results import Verdict

SUMMARY_FILE = "summary.json"


@dataclass
class Run:
    """One run as the history sees it: when, at what commit and seed, what each check judged and failed."""

    label: str                  # the run id (its folder's name) or the file's name
    source: str                 # the file it was read from
    kind: str                   # "summary" or "junit"
    started: float              # epoch seconds, UTC
    verdict: str
    commit: str | None = None
    seed: int | None = None
    profile: str | None = None
    cases: int | None = None
    judged: dict[str, int] = field(default_factory=dict)              # check -> cases judged
    failures: dict[str, dict[str, str]] = field(default_factory=dict)  # key -> check, signature, title
    time_from: str = "summary"  # where ``started`` came from (a JUnit file may carry no time)
    identity: str = ""          # the same for a run's summary.json and its junit.xml (see ``_identity``)

    @property
    def started_at(self) -> str:
        return dt.datetime.fromtimestamp(self.started, dt.UTC).isoformat(timespec="seconds")


class Skipped(Exception):
    """A file that is not a readable run: the reason is the note's text."""


def failure_key(check: str, signature: str) -> str:
    """The same key as ``FailureRecord.key``: the check and a hash of the signature.

    >>> failure_key("response_shape", "503 html error")
    'response_shape:f254b0f21047'
    """
    return f"{check}:{hashlib.sha256(signature.encode('utf-8')).hexdigest()[:12]}"


# --- summary.json ------------------------------------------------------------------------------------


def read_summary(path: Path, label: str) -> Run:
    """A run from its ``summary.json``; :class:`Skipped` when it is not a readable one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise Skipped(f"cannot be read ({exc.__class__.__name__})") from None
    except json.JSONDecodeError as exc:
        raise Skipped(f"line {exc.lineno}: not valid JSON ({exc.msg}); interrupted while written?") from None
    if not isinstance(data, dict) or not isinstance(data.get("failures"), list):
        raise Skipped("not a zscontract summary.json (no `failures` list)")
    started = _started_of(data)
    if started is None:
        raise Skipped("no start time (`started` or `started_at`)")
    checks = data["checks"] if isinstance(data.get("checks"), dict) else {}
    judged = {str(name): _judged(c) for name, c in checks.items()}
    failures: dict[str, dict[str, str]] = {}
    for f in data["failures"]:
        if not isinstance(f, dict) or not f.get("check"):
            continue
        check, title = str(f["check"]), str(f.get("title", ""))
        signature = str(f.get("signature") or title)
        failures[str(f.get("key") or failure_key(check, signature))] = {
            "check": check, "signature": signature, "title": title}
        judged[check] = max(judged.get(check, 0), 1)  # a failure is a judgement, whatever the tallies say
    seed = data.get("seed")
    return Run(label=str(data.get("run_id") or label), source=str(path), kind="summary", started=started,
               verdict=verdict_of(data), commit=_text(data.get("commit")),
               seed=seed if isinstance(seed, int) and not isinstance(seed, bool) else None,
               profile=_text(data.get("profile")), cases=_int(data.get("total_cases")),
               judged=judged, failures=failures,
               identity=_identity(started, data.get("profile"), data.get("model_service_uuid"), checks))


def _identity(started: float, profile: Any, uuid: Any, checks: Iterable[str]) -> str:
    """A run's summary.json and junit.xml (its timestamp is to the second) give the same identity; two
    shards of one night (``--checks a,b``) started in the same second do not."""
    return f"{int(started)}|{profile}|{uuid}|{','.join(sorted(checks))}"


def _started_of(data: Mapping[str, Any]) -> float | None:
    started = data.get("started")
    if isinstance(started, int | float) and not isinstance(started, bool):
        return float(started)
    return _parse_time(data.get("started_at"))


def _judged(c: Any) -> int:
    if not isinstance(c, dict):
        return 0
    if isinstance(c.get("judged"), int):
        return int(c["judged"])
    return (_int(c.get("passed")) or 0) + (_int(c.get("failed")) or 0)


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


def _parse_time(value: Any) -> float | None:
    """Epoch seconds of an ISO 8601 time; one without a zone is UTC (JUnit's ``timestamp`` has none)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).timestamp()


# --- JUnit XML (as reporting/junit.py writes it) ------------------------------------------------------

_JUDGED = re.compile(r"\bjudged (\d+)")
# A run id (20261129-160731-…) or a date (2026-11-29, 2026-11-29T03:00) in a path: CI artifacts are often
# named after the night they ran.
_PATH_TIMES = (re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})(?!\d)"),
               re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?:[T_ ](\d{2})[:-]?(\d{2}))?(?!\d)"))


def read_junit(path: Path) -> Run:
    """A run from a zscontract JUnit file. Failures there carry a title, no signature: the history
    matches them to summary runs' signatures by check and title (see ``history.unify_keys``)."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        raise Skipped(f"not readable XML ({exc})") from None
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    suite = next((s for s in suites if s.get("name", "").startswith("zscontract")), None)
    if suite is None:
        raise Skipped("not a zscontract JUnit report (no testsuite named zscontract.*)")
    props: dict[str, str] = {}
    for prop in suite.iter("property"):
        props.setdefault(prop.get("name", ""), prop.get("value", ""))
    judged: dict[str, int] = {}
    failures: dict[str, dict[str, str]] = {}
    for case in suite.iter("testcase"):
        check = case.get("name", "")
        if not check or case.get("classname") == "zscontract":  # the harness-error and verdict pseudo cases
            continue
        if case.get("classname") == "zscontract.baseline":  # a failure a --baseline accepts: still a failure
            check, _, title = check.partition(": ")
            failures[failure_key(check, title)] = {"check": check, "signature": title, "title": title}
            judged[check] = max(judged.get(check, 0), 1)
            continue
        out = case.findtext("system-out") or ""
        found = _JUDGED.search(out)
        judged[check] = int(found.group(1)) if found else (0 if case.find("skipped") is not None else 1)
        for failure in case.iter("failure"):
            title = failure.get("message", "")
            failures[failure_key(check, title)] = {"check": check, "signature": title, "title": title}
            judged[check] = max(judged[check], 1)
    started, time_from = _junit_time(path, suite, props)
    verdict = props.get("verdict") or (Verdict.FAILED if failures else Verdict.PASSED).value
    # Without a timestamp, a file is its content, on the night its path names (the same passing night
    # twice is two runs); an undated copy of the same file is one run.
    identity = _identity(started, props.get("profile"), props.get("model_service_uuid"), judged) \
        if time_from == "timestamp" else f"junit:{hashlib.sha256(path.read_bytes()).hexdigest()}" + (
            f"@{started}" if time_from == "path" else "")
    return Run(label=path.parent.name if path.name == "junit.xml" else path.stem, source=str(path),
               kind="junit", started=started, verdict=verdict, commit=_text(props.get("commit")),
               seed=_int(props.get("seed")), profile=_text(props.get("profile")), cases=_int(props.get("cases")),
               judged=judged, failures=failures, time_from=time_from, identity=identity)


def _junit_time(path: Path, suite: ET.Element, props: Mapping[str, str]) -> tuple[float, str]:
    for value, where in ((suite.get("timestamp"), "timestamp"), (props.get("started_at"), "timestamp")):
        if (when := _parse_time(value)) is not None:
            return when, where
    # The nearest of the file's name and its three folders with a time in it (not a far parent's name).
    for part in reversed(path.resolve().parts[-4:]):
        for pattern in _PATH_TIMES:
            if m := pattern.search(part):
                y, mo, d, h, mi, *rest = (int(x) if x else 0 for x in m.groups())
                try:
                    return dt.datetime(y, mo, d, h, mi, rest[0] if rest else 0, tzinfo=dt.UTC).timestamp(), "path"
                except ValueError:
                    continue
    return path.stat().st_mtime, "file time"


# --- finding them ------------------------------------------------------------------------------------


def collect(reports_dir: Path, extra: Sequence[Path] = (), *, out_dir: Path | None = None
            ) -> tuple[list[Run], list[str]]:
    """Every readable run under ``reports_dir`` and in ``extra`` (folders, summary.json or JUnit files),
    oldest first, and one note per file skipped. A missing path is a usage error (exit 2); no run at
    all a failed precondition (exit 3): there is nothing to make a history of."""
    if not reports_dir.is_dir():
        what = "is not a folder" if reports_dir.exists() else "does not exist"
        raise UsageError(f"reports folder {reports_dir} {what}: give the folder `zscontract run --report-dir` "
                         "writes into (default reports/)")
    for path in extra:
        if not path.exists():
            raise UsageError(f"{path} does not exist: give run folders, summary.json or JUnit XML files, "
                             "or folders of CI artifacts")
    skip = out_dir.resolve() if out_dir is not None else None
    files: list[tuple[Path, str]] = []
    for source in (reports_dir, *extra):
        files += [(source, "summary" if source.suffix != ".xml" else "junit")] if source.is_file() else \
            list(_found(source, skip))
    runs: dict[str, Run] = {}
    notes: list[str] = []
    seen: set[Path] = set()
    for path, kind in files:
        if path.resolve() in seen:
            continue
        seen.add(path.resolve())
        try:
            run = read_summary(path, path.parent.name) if kind == "summary" else read_junit(path)
        except Skipped as why:
            notes.append(f"skipped {path}: {why}")
            continue
        _keep(runs, run)
    if not runs:
        where = ", ".join(str(p) for p in (reports_dir, *extra))
        raise PreconditionFailed(f"no run found in {where} (no readable {SUMMARY_FILE} or zscontract JUnit file"
                                 f"{'; ' + str(len(notes)) + ' skipped' if notes else ''}): run `zscontract run` "
                                 "or `zscontract fuzz` first")
    return sorted(runs.values(), key=lambda r: (r.started, r.label)), notes


def _found(root: Path, skip: Path | None) -> Iterable[tuple[Path, str]]:
    """summary.json of every run folder under ``root``; the XML files of folders without one.
    Symlinked folders (``latest``) are not followed: the run they point at is found by its own name."""
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                             and (skip is None or (here / d).resolve() != skip))
        if SUMMARY_FILE in filenames:
            yield here / SUMMARY_FILE, "summary"
        else:
            yield from ((here / name, "junit") for name in sorted(filenames) if name.endswith(".xml"))


def _keep(runs: dict[str, Run], run: Run) -> None:
    """One entry per run: a run downloaded twice (or its ``latest`` copy in an artifact), or given as its
    summary.json and its junit.xml, counts once; the summary (it has the signatures) and a named folder
    (not ``latest``) are kept."""
    kept = runs.get(run.identity)
    if kept is None or (kept.kind, run.kind) == ("junit", "summary") or (
            kept.kind == run.kind and kept.label == "latest" and run.label != "latest"):
        runs[run.identity] = run


__all__ = ["Run", "Skipped", "collect", "failure_key", "read_junit", "read_summary"]
