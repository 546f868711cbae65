"""The regression corpus: every failing case kept as a JSON file, replayed at the start of later runs.

One file per distinct failure, named after the failure ``key`` (check + hash of the signature),
so the same defect found again overwrites its file instead of piling up copies::

    reports/corpus/response_shape-3f2a9c01b7de.json
    {"zscontract_corpus": 1, "key": "response_shape:3f2a9c01b7de", "check": "response_shape",
     "signature": "...", "title": "...", "profile": "zstack", "case": {...Case.to_json()...}}

A replayed entry is STILL FAILING when its check fails again on that case (with any signature:
the defect may now show itself differently), FIXED otherwise. Sending the case is the caller's
business (see :func:`replay_verdicts`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from zscontract.core.cases import Case
from zscontract.errors import UsageError

CORPUS_FORMAT = 1
FIXED: Literal["FIXED"] = "FIXED"
STILL_FAILING: Literal["STILL FAILING"] = "STILL FAILING"
Verdict = Literal["FIXED", "STILL FAILING"]


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


def replay_verdicts(entries: Iterable[CorpusEntry],
                    run_case: Callable[[Case], Iterable[FailureLike]]) -> list[tuple[CorpusEntry, Verdict]]:
    """Replay each entry through ``run_case`` (which sends the case and returns the failures it raised).

    >>> from zscontract.core.cases import InputClass
    >>> e = CorpusEntry("c:1", "c", "s", "t", None, Case(InputClass.ACCEPT, "x"), Path("c-1.json"))
    >>> class F:
    ...     check, signature = "c", "another wording"
    >>> [v for _, v in replay_verdicts([e], lambda case: [F()])]
    ['STILL FAILING']
    >>> [v for _, v in replay_verdicts([e], lambda case: [])]
    ['FIXED']
    """
    results: list[tuple[CorpusEntry, Verdict]] = []
    for entry in entries:
        checks = {failure.check for failure in run_case(entry.case)}
        results.append((entry, STILL_FAILING if entry.check in checks else FIXED))
    return results


def render_replay(verdicts: Iterable[tuple[CorpusEntry, Verdict]]) -> str:
    """One line per replayed entry, then a count.

    >>> render_replay([])
    'corpus: 0 replayed, 0 fixed, 0 still failing'
    """
    items = list(verdicts)
    lines = [f"  {verdict:<13} [{entry.check}] {entry.title} ({entry.path.name})" for entry, verdict in items]
    fixed = sum(1 for _, v in items if v == FIXED)
    lines.append(f"corpus: {len(items)} replayed, {fixed} fixed, {len(items) - fixed} still failing")
    return "\n".join(lines)


__all__ = [
    "FIXED",
    "STILL_FAILING",
    "CorpusEntry",
    "FailureLike",
    "Verdict",
    "default_corpus_dir",
    "failure_key",
    "load_corpus",
    "render_replay",
    "replay_verdicts",
    "save_failures",
]
