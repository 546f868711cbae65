"""What a baseline holds and how a run's failures compare with it (no file format here).

:func:`apply_baseline` splits a run's failures into new (exit 1), accepted, stale entries
(accepted failures that no longer reproduce: delete them) and expired entries (whose failures
count as new again).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


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
    source: str | None = None  # where the defect shows in the server's source (for a bug report)

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
        shipped = self.path is not None and self.path.parent.name == "shipped" and \
            self.path.parent.parent == Path(__file__).parent
        for entry in self.stale:
            hint = (f"not seen in this run (fixed, or its input not drawn); once the node is fixed, copy the baseline "
                    f"(`zscontract baseline show {self.path.stem}`) without this entry" if shipped and self.path
                    else "no longer fails, remove the entry")
            lines.append(f"  STALE    [{entry.check}] {entry.signature} ({entry.where(self.path)}): {hint}")
        return "\n".join(lines)


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
