"""What a restore found, typed: :class:`RestoreReport`, and how much to trust the query API it read through.

``summary.json``'s ``restore`` object is :meth:`RestoreReport.to_json`: the same keys the reports have
always read (``restored``, ``why``, ``snapshot``, ``caveat`` ...), a key left out when it has no value.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from zscontract.checks import names

if TYPE_CHECKING:
    from zscontract.runner.results import RunResult

__all__ = ["RestoreReport", "query_doubt"]


@dataclass
class RestoreReport:
    """One restore's outcome. ``restored``: every field the run can write shows the snapshot again.

    After a write-back, "shows" means the write's own answer or a read after it does; when the two
    disagree, or the run found the query API stale, ``caveat`` says so (and every report shows it).
    """

    restored: bool
    why: str = ""  # why not restored ("" when restored)
    via: str | None = None  # how the state was read at the end: query, empty-update, the write's answer
    attempts: list[Any] = field(default_factory=list)  # what each restore write got: a status or an error
    differences: list[str] = field(default_factory=list)  # writable fields that still differ
    other_differences: list[str] = field(default_factory=list)  # fields no request can write that differ
    changed: list[str] = field(default_factory=list)  # what the first read found changed
    trimmed: list[str] = field(default_factory=list)  # restored as the target trims, not byte for byte
    last_op_date: Any = None
    caveat: str | None = None  # "restored" is true, but not the whole story: shown instead of it
    unanswered_writes: int | None = None  # writes of the run that never got an answer (settled_restore)
    settled: bool | None = None  # verified after every unanswered write could have landed
    landed_late: bool | None = None  # an unanswered write landed after the first verification
    dry_run: bool | None = None
    would_write: dict[str, Any] | None = None  # a dry run: the fields a restore writes
    written_back: bool | None = None  # written whatever a read showed (the run had a write accepted)
    snapshot: str | None = None  # the snapshot's path
    read_only: bool | None = None

    def add_caveat(self, text: str) -> None:
        self.caveat = f"{self.caveat}; {text}" if self.caveat else text

    def to_json(self) -> dict[str, Any]:
        """The report as ``summary.json`` carries it (keys without a value left out).

        >>> RestoreReport(True, via="query").to_json()
        {'restored': True, 'why': '', 'via': 'query', 'attempts': [], 'differences': [], \
'other_differences': [], 'changed': [], 'trimmed': []}
        """
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}


# The checks that show the query API cannot be trusted to tell what the target stores.
_STALE, _UNSOUND = names.READ_AFTER_WRITE, names.QUERY_READ


def query_doubt(result: RunResult) -> str | None:
    """Why the restore must not take the query API's word alone, or None: the run found it stale or unsound.

    A ``read_after_write`` failure is a read after a write that did not show what the write answered;
    a ``query_read`` failure is a query answer the run could not use (5xx, hang, malformed).
    """
    def failed(check: str) -> int:
        tally = result.tallies.get(check)
        return tally.failed if tally is not None else 0

    if failed(_STALE):
        return f"which this run found stale ({failed(_STALE)} {_STALE} failures)"
    if failed(_UNSOUND):
        return f"which this run found unsound ({failed(_UNSOUND)} {_UNSOUND} failures)"
    return None
