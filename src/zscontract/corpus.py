"""The regression corpus: every failing case kept as a JSON file, replayed at the start of later runs.

One file per distinct failure, named after the failure ``key`` (check + hash of the signature),
so the same defect found again overwrites its file instead of piling up copies::

    reports/corpus/response_shape-3f2a9c01b7de.json
    {"zscontract_corpus": 1, "key": "response_shape:3f2a9c01b7de", "check": "response_shape",
     "signature": "...", "title": "...", "profile": "zstack", "case": {...Case.to_json()...}}

A replayed entry is STILL FAILING when its check fails again on that case (with any signature:
the defect may now show itself differently), FIXED when its check judged it again and passed,
NOT JUDGED otherwise. Sending the case is the caller's
business (see :func:`replay_verdicts`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from zscontract.core.cases import Case
from zscontract.errors import UsageError

CORPUS_FORMAT = 1
FIXED: Literal["FIXED"] = "FIXED"
STILL_FAILING: Literal["STILL FAILING"] = "STILL FAILING"
NOT_JUDGED: Literal["NOT JUDGED"] = "NOT JUDGED"
Verdict = Literal["FIXED", "STILL FAILING", "NOT JUDGED"]


class FailureLike(Protocol):
    """What replay needs from a failure: :class:`~zscontract.core.failures.CheckFailed` and
    :class:`~zscontract.core.failures.FailureRecord` both fit."""

    @property
    def check(self) -> str: ...

    @property
    def signature(self) -> str: ...


@dataclass(frozen=True)
class CorpusEntry:
    """One saved failing case."""

    key: str
    check: str
    signature: str
    title: str
    profile: str | None
    case: Case
    path: Path


def default_corpus_dir(reports_dir: Path) -> Path:
    """Where the corpus lives unless a path is given: ``<reports_dir>/corpus``.

    >>> default_corpus_dir(Path("reports")).as_posix()
    'reports/corpus'
    """
    return reports_dir / "corpus"


def failure_key(check: str, signature: str) -> str:
    """The dedup key of a failure, computed like :attr:`FailureRecord.key`.

    >>> failure_key("response_shape", "x")
    'response_shape:2d711642b726'
    """
    return f"{check}:{hashlib.sha256(signature.encode('utf-8')).hexdigest()[:12]}"


def file_name(key: str) -> str:
    """A portable file name for a failure key (``:`` and other odd characters become ``-``).

    >>> file_name("response_shape:2d711642b726")
    'response_shape-2d711642b726.json'
    """
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", key).strip(".-") + ".json"


def save_failures(corpus_dir: Path, failures: Iterable[Mapping[str, Any]], *,
                  profile: str | None = None) -> int:
    """Write each failure that carries a ``case`` into ``corpus_dir``; return how many files were written.

    ``failures`` are the dicts of ``summary["failures"]`` (already redacted); ``profile`` is the
    run's profile (``summary["profile"]``). A failure with no case (a scenario, not one request)
    cannot be replayed and is not written; the count says how many were.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> case = {"input_class": "must-accept", "label": "name", "fields": {"name": "x"}}
    >>> save_failures(d, [{"check": "c", "signature": "s", "title": "t", "case": case}] * 2)
    1
    """
    written: dict[str, Path] = {}
    for failure in failures:
        case = failure.get("case")
        if case is None:
            continue
        check, signature = str(failure["check"]), str(failure["signature"])
        key = str(failure.get("key") or failure_key(check, signature))
        try:
            Case.from_json(case)  # never save what load_corpus would refuse
        except (KeyError, ValueError, TypeError) as exc:
            raise UsageError(f"failure {key} carries a case that is not a Case.to_json() dict "
                             f"({type(exc).__name__}: {exc}); this is a bug in the check that raised it"
                             ) from None
        doc = {
            "zscontract_corpus": CORPUS_FORMAT,
            "key": key,
            "check": check,
            "signature": signature,
            "title": str(failure.get("title") or signature),
            "profile": profile,
            "case": case,
        }
        corpus_dir.mkdir(parents=True, exist_ok=True)
        path = corpus_dir / file_name(key)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        tmp.replace(path)
        written[key] = path
    return len(written)


def load_corpus(corpus_dir: Path, *, missing_ok: bool = False) -> list[CorpusEntry]:
    """Every ``*.json`` file of ``corpus_dir``, sorted by name; a broken file is a :class:`UsageError`.

    ``missing_ok`` turns a missing directory into an empty corpus (for the default location).

    >>> import tempfile
    >>> load_corpus(Path(tempfile.mkdtemp()) / "none", missing_ok=True)
    []
    """
    if not corpus_dir.exists():
        if missing_ok:
            return []
        raise UsageError(f"corpus directory {corpus_dir} does not exist; save failures into it first "
                         "(a run with the corpus enabled) or fix the path given for the corpus")
    if not corpus_dir.is_dir():
        raise UsageError(f"corpus path {corpus_dir} is not a directory; give the directory that holds "
                         "the saved *.json cases")
    return [_load_entry(path) for path in sorted(corpus_dir.glob("*.json"))]


def _load_entry(path: Path) -> CorpusEntry:
    fix = "delete the file, or restore it from version control"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"corpus file {path} cannot be read ({exc}); {fix}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"corpus file {path}:{exc.lineno}: not valid JSON ({exc.msg}); {fix}") from None
    if not isinstance(doc, dict):
        raise UsageError(f"corpus file {path}: expected a JSON object, got {type(doc).__name__}; {fix}")
    if doc.get("zscontract_corpus") != CORPUS_FORMAT:
        raise UsageError(f"corpus file {path}: `zscontract_corpus` is {doc.get('zscontract_corpus')!r}, "
                         f"expected {CORPUS_FORMAT} (not a zscontract corpus file, or from another "
                         f"version); {fix}")
    for name in ("check", "signature"):
        if not isinstance(doc.get(name), str) or not doc[name]:
            raise UsageError(f"corpus file {path}: `{name}` must be a non-empty string; {fix}")
    raw_case = doc.get("case")
    if not isinstance(raw_case, dict):
        raise UsageError(f"corpus file {path}: `case` must be an object (a Case.to_json() dict); {fix}")
    try:
        case = Case.from_json(raw_case)
    except KeyError as exc:
        raise UsageError(f"corpus file {path}: the case lacks the key {exc}; {fix}") from None
    except (ValueError, TypeError) as exc:
        raise UsageError(f"corpus file {path}: the case is malformed ({exc}); {fix}") from None
    profile = doc.get("profile")
    return CorpusEntry(
        key=str(doc.get("key") or failure_key(doc["check"], doc["signature"])),
        check=doc["check"],
        signature=doc["signature"],
        title=str(doc.get("title") or doc["signature"]),
        profile=str(profile) if profile is not None else None,
        case=case,
        path=path,
    )


class Judged(Protocol):
    """What replay needs to know of how the checks took a replayed case (``runner.engine.Judgement`` fits)."""

    @property
    def failures(self) -> Sequence[FailureLike]: ...

    @property
    def passed(self) -> Collection[str]: ...

    @property
    def not_applicable(self) -> Collection[str]: ...

    @property
    def crashed(self) -> Collection[str]: ...

    @property
    def answered(self) -> bool: ...


@dataclass(frozen=True)
class Replayed:
    """One replayed entry, its verdict, and why it was not judged (when it was not)."""

    entry: CorpusEntry
    verdict: Verdict
    why: str = ""


def not_judged_why(check: str, judged: Judged) -> str:
    """Why ``check`` gave no verdict on a replayed case."""
    if check in judged.crashed:
        return f"{check} crashed on it (a harness error)"
    if not judged.answered:
        return "the target did not answer the replayed request"
    if check in judged.not_applicable:
        return f"{check} found nothing to judge in the answer (e.g. no query API, or the case was not accepted)"
    return f"{check} is not among the selected checks"


def replay_verdicts(entries: Iterable[CorpusEntry], run_case: Callable[[Case], Judged]) -> list[Replayed]:
    """Replay each entry through ``run_case`` (which sends the case and says how the checks took it).

    STILL FAILING when the entry's check fails again (with any signature: the defect may show
    itself differently now); FIXED only when that check judged the case and passed; NOT JUDGED
    otherwise, with why (a check that did not run proves nothing).

    >>> from types import SimpleNamespace as NS
    >>> from zscontract.core.cases import InputClass
    >>> e = CorpusEntry("c:1", "c", "s", "t", None, Case(InputClass.ACCEPT, "x"), Path("c-1.json"))
    >>> def took(failures=(), passed=(), na=()):
    ...     return lambda case: NS(failures=failures, passed=set(passed), not_applicable=set(na), crashed=set(),
    ...                            answered=True)
    >>> [r.verdict for r in replay_verdicts([e], took(failures=[NS(check="c", signature="other")]))]
    ['STILL FAILING']
    >>> [r.verdict for r in replay_verdicts([e], took(passed=["c"]))]
    ['FIXED']
    >>> [(r.verdict, r.why) for r in replay_verdicts([e], took(na=["c"]))][0][0]
    'NOT JUDGED'
    """
    results: list[Replayed] = []
    for entry in entries:
        judged = run_case(entry.case)
        if entry.check in {failure.check for failure in judged.failures}:
            results.append(Replayed(entry, STILL_FAILING))
        elif entry.check in judged.passed:
            results.append(Replayed(entry, FIXED))
        else:
            results.append(Replayed(entry, NOT_JUDGED, not_judged_why(entry.check, judged)))
    return results


def render_replay(replayed: Iterable[Replayed]) -> str:
    """One line per replayed entry, then a count.

    >>> render_replay([])
    'corpus: 0 replayed, 0 fixed, 0 still failing, 0 not judged'
    """
    items = list(replayed)
    lines = []
    for r in items:
        why = f": {r.why}" if r.why else ""
        lines.append(f"  {r.verdict:<13} [{r.entry.check}] {r.entry.title} ({r.entry.path.name}){why}")
    fixed = sum(1 for r in items if r.verdict == FIXED)
    unjudged = sum(1 for r in items if r.verdict == NOT_JUDGED)
    lines.append(f"corpus: {len(items)} replayed, {fixed} fixed, {len(items) - fixed - unjudged} still failing, "
                 f"{unjudged} not judged")
    return "\n".join(lines)


__all__ = [
    "FIXED",
    "NOT_JUDGED",
    "STILL_FAILING",
    "CorpusEntry",
    "FailureLike",
    "Judged",
    "Replayed",
    "Verdict",
    "default_corpus_dir",
    "failure_key",
    "load_corpus",
    "render_replay",
    "replay_verdicts",
    "save_failures",
]
