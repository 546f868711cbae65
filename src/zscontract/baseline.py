"""Baselines: known failures a team has accepted for now, so CI fails only on new ones.

A baseline file is YAML (JSON works too: YAML reads it) listing accepted failures by
``check`` and ``signature`` (the stable text of :class:`~zscontract.core.failures.FailureRecord`)
with a ``reason`` and an optional ``expires`` date::

    version: 1
    accepted:
      - check: response_shape
        signature: "error response without a JSON body"
        reason: "ZSTACK-4711, fixed in 5.3"
        expires: 2025-12-31

:func:`apply_baseline` splits a run's failures into new (exit 1), accepted, stale entries
(accepted failures that no longer reproduce: delete them) and expired entries (whose failures
count as new again). :func:`write_baseline` writes the file ``--baseline-update`` produces.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from zscontract.errors import UsageError

BASELINE_VERSION = 1
DEFAULT_REASON = "accepted by --baseline-update"
_REQUIRED = ("check", "signature", "reason")
_OPTIONAL = ("expires", "title")  # title: a readable hint only, never matched on

_HEADER = """\
# zscontract baseline: failures accepted for now; a run fails only on failures not listed here.
# Each entry matches on (check, signature). Give every entry a reason (a ticket, a decision)
# and, when the fix is planned, an ISO date in `expires`: after it the failure fails CI again.
# Regenerate with `--baseline-update` (existing reasons and expiry dates are kept).
"""


@dataclass(frozen=True)
class BaselineEntry:
    """One accepted failure.

    >>> e = BaselineEntry("response_shape", "no JSON body", "ZSTACK-1", dt.date(2025, 1, 31))
    >>> e.is_expired(dt.date(2025, 2, 1)), e.is_expired(dt.date(2025, 1, 31))
    (True, False)
    """

    check: str
    signature: str
    reason: str
    expires: dt.date | None = None
    title: str | None = None
    line: int | None = None  # 1-based line in the file it came from, for messages

    @property
    def match_key(self) -> tuple[str, str]:
        return (self.check, self.signature)

    def is_expired(self, today: dt.date) -> bool:
        """True once ``today`` is past ``expires`` (the expiry day itself still counts as accepted)."""
        return self.expires is not None and today > self.expires

    def where(self, path: Path | None) -> str:
        """``file:line`` of this entry, for messages."""
        return f"{path or '<baseline>'}:{self.line}" if self.line else str(path or "<baseline>")


@dataclass(frozen=True)
class Baseline:
    """The accepted failures of one baseline file.

    >>> b = Baseline((BaselineEntry("c", "s", "why"),))
    >>> b.find("c", "s").reason
    'why'
    """

    entries: tuple[BaselineEntry, ...] = ()
    path: Path | None = None

    def find(self, check: str, signature: str) -> BaselineEntry | None:
        for entry in self.entries:
            if entry.match_key == (check, signature):
                return entry
        return None

    def __len__(self) -> int:
        return len(self.entries)


@dataclass(frozen=True)
class BaselineVerdict:
    """How a run's failures compare with a baseline.

    ``new``: failures not accepted (the run fails, exit 1), including those of expired entries;
    ``accepted``: (failure, entry) pairs; ``stale``: entries matching no failure of this run
    (delete them, the defect is gone); ``expired``: entries past their ``expires`` date.
    """

    new: list[dict[str, Any]] = field(default_factory=list)
    accepted: list[tuple[dict[str, Any], BaselineEntry]] = field(default_factory=list)
    stale: list[BaselineEntry] = field(default_factory=list)
    expired: list[BaselineEntry] = field(default_factory=list)
    path: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.new

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def render_text(self) -> str:
        """A few lines for the terminal.

        >>> print(BaselineVerdict().render_text())
        baseline: 0 new, 0 accepted, 0 stale, 0 expired
        """
        lines = [f"baseline: {len(self.new)} new, {len(self.accepted)} accepted, "
                 f"{len(self.stale)} stale, {len(self.expired)} expired"]
        for failure in self.new:
            title = failure.get("title", failure.get("signature"))
            lines.append(f"  NEW      [{failure.get('check')}] {title}")
        for entry in self.expired:
            lines.append(f"  EXPIRED  [{entry.check}] {entry.signature} (expired {entry.expires}, "
                         f"{entry.where(self.path)}): fix it or extend `expires`")
        for entry in self.stale:
            lines.append(f"  STALE    [{entry.check}] {entry.signature} ({entry.where(self.path)}): "
                         "no longer fails, remove the entry")
        return "\n".join(lines)


def load_baseline(path: Path) -> Baseline:
    """Read and validate a baseline file; every problem is a :class:`UsageError` naming file and line.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "baseline.yaml"
    >>> _ = p.write_text("accepted:\\n  - {check: c, signature: s, reason: r, expires: 2030-01-01}\\n")
    >>> load_baseline(p).entries[0].expires
    datetime.date(2030, 1, 1)
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"baseline file {path} does not exist; create it from a run with "
                         "`--baseline-update`, or fix the path given to `--baseline`") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"baseline file {path} cannot be read: {exc}") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise UsageError(f"baseline file {where}: not valid YAML ({exc.problem}); "
                         "fix the syntax or regenerate it with `--baseline-update`") from None
    except yaml.YAMLError as exc:
        raise UsageError(f"baseline file {path}: not valid YAML ({exc})") from None
    if data is None:
        return Baseline((), path)
    if isinstance(data, list):  # a bare list of entries is accepted too
        items, items_node = data, node
    elif isinstance(data, dict):
        unknown = sorted(set(map(str, data)) - {"version", "accepted"})
        if unknown:
            raise UsageError(f"baseline file {path}: unknown top-level key(s) {unknown}; "
                             "expected `version` and `accepted`")
        if data.get("version", BASELINE_VERSION) != BASELINE_VERSION:
            raise UsageError(f"baseline file {path}: version {data.get('version')!r} is not supported; "
                             f"expected {BASELINE_VERSION}")
        items = data.get("accepted") or []
        items_node = _child(node, "accepted")
        if not isinstance(items, list):
            raise UsageError(f"baseline file {_at(path, items_node)}: `accepted` must be a list of entries")
    else:
        raise UsageError(f"baseline file {_at(path, node)}: expected a mapping with an `accepted` list, "
                         f"got {type(data).__name__}")
    entries: list[BaselineEntry] = []
    seen: dict[tuple[str, str], BaselineEntry] = {}
    for index, item in enumerate(items):
        item_node = _item(items_node, index)
        entry = _entry(item, path, item_node)
        if entry.match_key in seen:
            raise UsageError(f"baseline file {entry.where(path)}: duplicate entry for check {entry.check!r} "
                             f"and this signature (first at line {seen[entry.match_key].line}); "
                             "keep one of them")
        seen[entry.match_key] = entry
        entries.append(entry)
    return Baseline(tuple(entries), path)


def _entry(item: Any, path: Path, node: yaml.Node | None) -> BaselineEntry:
    where = _at(path, node)
    if not isinstance(item, dict):
        raise UsageError(f"baseline file {where}: an entry must be a mapping with "
                         f"{', '.join(_REQUIRED)} (and optionally expires), got {item!r}")
    unknown = sorted(set(map(str, item)) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise UsageError(f"baseline file {where}: unknown key(s) {unknown}; accepted keys are "
                         f"{', '.join(_REQUIRED + _OPTIONAL)}")
    for key in _REQUIRED:
        value = item.get(key)
        if not isinstance(value, str) or not value.strip():
            hint = ("; say why this failure is accepted (a ticket, a decision)" if key == "reason"
                    else "; quote it" if value is not None and not isinstance(value, str) else "")
            raise UsageError(
                f"baseline file {where}: `{key}` must be a non-empty string, got {value!r}{hint}")
    return BaselineEntry(
        check=item["check"],
        signature=item["signature"],
        reason=item["reason"],
        expires=_date(item.get("expires"), where),
        title=str(item["title"]) if item.get("title") is not None else None,
        line=node.start_mark.line + 1 if node is not None else None,
    )


def _date(value: Any, where: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise UsageError(f"baseline file {where}: `expires` must be an ISO date like 2025-12-31, got {value!r}")


def _child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if getattr(k, "value", None) == key:
                return v
    return None


def _item(node: yaml.Node | None, index: int) -> yaml.Node | None:
    if isinstance(node, yaml.SequenceNode) and index < len(node.value):
        return node.value[index]
    return None


def _at(path: Path, node: yaml.Node | None) -> str:
    return f"{path}:{node.start_mark.line + 1}" if node is not None else str(path)


def apply_baseline(baseline: Baseline, failures: Iterable[Mapping[str, Any]],
                   today: dt.date) -> BaselineVerdict:
    """Split ``failures`` (``summary["failures"]``) against ``baseline``.

    >>> b = Baseline((BaselineEntry("c", "old", "r"), BaselineEntry("c", "gone", "r")))
    >>> v = apply_baseline(b, [{"check": "c", "signature": "old"}, {"check": "c", "signature": "x"}],
    ...                    dt.date(2025, 1, 1))
    >>> [f["signature"] for f in v.new], len(v.accepted), [e.signature for e in v.stale], v.exit_code
    (['x'], 1, ['gone'], 1)
    """
    verdict = BaselineVerdict(path=baseline.path)
    matched: set[tuple[str, str]] = set()
    for failure in failures:
        record = dict(failure)
        entry = baseline.find(str(record.get("check")), str(record.get("signature")))
        if entry is None:
            verdict.new.append(record)
            continue
        matched.add(entry.match_key)
        if entry.is_expired(today):
            verdict.new.append(record)
        else:
            verdict.accepted.append((record, entry))
    for entry in baseline.entries:
        if entry.is_expired(today):
            verdict.expired.append(entry)
        if entry.match_key not in matched:
            verdict.stale.append(entry)
    return verdict


def write_baseline(path: Path, failures: Sequence[Mapping[str, Any]],
                   reason: str = DEFAULT_REASON) -> Baseline:
    """Write a baseline accepting exactly ``failures``; keep reasons and expiry of entries still failing.

    Entries of the old file that no longer fail are dropped (they are stale). A malformed old
    file is a :class:`UsageError`, never overwritten silently.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "baseline.yaml"
    >>> len(write_baseline(p, [{"check": "c", "signature": "s", "title": "t"}]))
    1
    """
    old = load_baseline(path) if path.exists() else Baseline((), path)
    entries: dict[tuple[str, str], BaselineEntry] = {}
    for failure in failures:
        check, signature = str(failure["check"]), str(failure["signature"])
        kept = old.find(check, signature)
        title = failure.get("title")
        entries[(check, signature)] = BaselineEntry(
            check=check, signature=signature,
            reason=kept.reason if kept else reason,
            expires=kept.expires if kept else None,
            title=str(title) if title and title != signature else (kept.title if kept else None),
        )
    ordered = sorted(entries.values(), key=lambda e: e.match_key)
    doc: dict[str, Any] = {"version": BASELINE_VERSION, "accepted": [_dump_entry(e) for e in ordered]}
    path.parent.mkdir(parents=True, exist_ok=True)
    text = _HEADER + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, default_flow_style=False,
                                    width=1000)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return load_baseline(path)


def _dump_entry(entry: BaselineEntry) -> dict[str, Any]:
    out: dict[str, Any] = {"check": entry.check, "signature": entry.signature, "reason": entry.reason}
    if entry.expires is not None:
        out["expires"] = entry.expires
    if entry.title:
        out["title"] = entry.title
    return out


__all__ = [
    "DEFAULT_REASON",
    "Baseline",
    "BaselineEntry",
    "BaselineVerdict",
    "apply_baseline",
    "load_baseline",
    "write_baseline",
]
