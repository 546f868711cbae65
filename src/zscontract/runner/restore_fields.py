"""Comparing the resource with its snapshot, field by field, in the contract's types.

A field is back when it is byte for byte what the snapshot holds, or what a sound node stores when
that value is written (its Java trim): ``zstack-rest-facts.md`` "Strings are trimmed by the server".
"""

from __future__ import annotations

from typing import Any

from zscontract.checks.state import same
from zscontract.contract import Contract
from zscontract.core.reads import EMPTY_UPDATE, ReadBack
from zscontract.core.values import stored_strings
from zscontract.runner.restore_report import RestoreReport

__all__ = ["Verify", "differences", "restorable_fields", "shown_differences", "trimmed", "typed", "writable_fields"]


def typed(json_type: str, value: Any) -> Any:
    """A snapshot value in the contract's type: a view that shows ``requestCpu`` as ``"8"`` writes ``8``.

    >>> typed("integer", "8"), typed("integer", 8), typed("string", "8"), typed("integer", "x")
    (8, 8, '8', 'x')
    """
    if json_type == "integer" and isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return value


def restorable_fields(contract: Contract, snapshot: dict[str, Any], *, include_example_fields: bool) -> dict[str, Any]:
    """The request fields that write the snapshot back (documented ones, example-only on opt-in)."""
    fields: dict[str, Any] = {}
    for name, spec in contract.fields.items():
        if not spec.documented and not include_example_fields:
            continue
        if spec.inventory_field and snapshot.get(spec.inventory_field) is not None:
            fields[name] = typed(spec.json_type, snapshot[spec.inventory_field])
    return fields


def _written(contract: Contract, include_example_fields: bool) -> dict[str, str]:
    return {spec.inventory_field: spec.json_type for spec in contract.fields.values()
            if spec.inventory_field and (spec.documented or include_example_fields)}


def _restored(json_type: str, saved: Any, now: Any, dialect: str) -> bool:
    """``now`` is what a sound node stores when ``saved`` is written back (a string: its Java trim too)."""
    saved, now = typed(json_type, saved), typed(json_type, now)
    if isinstance(saved, str) and isinstance(now, str):
        # Back byte for byte, or as a sound node stores what was written (zstack-rest-facts.md "Strings
        # are trimmed by the server"): a target that does not trim has still restored it.
        return now == saved or now in stored_strings(saved, dialect)
    return same(saved, now)


def trimmed(contract: Contract, snapshot: dict[str, Any], now: dict[str, Any], *,
            include_example_fields: bool = False) -> list[str]:
    """Fields counted as restored that differ from the snapshot by outer whitespace (the node's trim).

    >>> from zscontract.contract import load_contract
    >>> trimmed(load_contract("zstack"), {"yaml": "a: 1\\n", "name": "n"}, {"yaml": "a: 1", "name": "n"})
    ['yaml']
    """
    written = _written(contract, include_example_fields)
    return sorted(k for k in written if isinstance(snapshot.get(k), str) and isinstance(now.get(k), str)
                  and snapshot[k] != now[k] and _restored(written[k], snapshot[k], now[k], contract.profile))


def differences(contract: Contract, snapshot: dict[str, Any], now: dict[str, Any], *,
                include_example_fields: bool) -> tuple[list[str], list[str]]:
    """(fields the run writes that differ, other fields that differ), each compared in the contract's type."""
    written = _written(contract, include_example_fields)
    diffs = sorted(k for k in set(snapshot) | set(now) if k != "lastOpDate"
                   and not _restored(written.get(k, ""), snapshot.get(k), now.get(k), contract.profile))
    return [k for k in diffs if k in written], [k for k in diffs if k not in written]


def writable_fields(contract: Contract, *, include_example_fields: bool) -> dict[str, str]:
    """The inventory field each request field the restore writes shows as (``{"name": "name", ...}``).

    >>> from zscontract.contract import load_contract
    >>> writable_fields(load_contract("zstack"), include_example_fields=False)["requestCpu"]
    'requestCpu'
    """
    return {spec.inventory_field: name for name, spec in contract.fields.items()
            if spec.inventory_field and (spec.documented or include_example_fields)}


def shown_differences(contract: Contract, snapshot: dict[str, Any], answer: dict[str, Any], *,
                      include_example_fields: bool) -> list[str] | None:
    """The fields the run writes that a write's answer shows differing from the snapshot; None when it
    shows none of them (an answer that leaves a field out is no evidence about that field).

    >>> from zscontract.contract import load_contract
    >>> c = load_contract("documented")
    >>> shown_differences(c, {"name": "a", "description": "d"}, {"description": "x"}, include_example_fields=False)
    ['description']
    >>> shown_differences(c, {"name": "a"}, {"uuid": "u"}, include_example_fields=False) is None
    True
    """
    written = _written(contract, include_example_fields)
    shown = [k for k in written if k in answer]
    if not shown:
        return None
    lost, _ = differences(contract, {k: snapshot.get(k) for k in shown}, {k: answer[k] for k in shown},
                          include_example_fields=include_example_fields)
    return lost


class Verify:
    """Whether the snapshot is back: by the restore write's own answer, then by a read after it."""

    def __init__(self, contract: Contract, snapshot: dict[str, Any], include_example_fields: bool,
                 doubt: str | None) -> None:
        self.contract, self.snapshot, self.doubt = contract, snapshot, doubt
        self.kw = {"include_example_fields": include_example_fields}
        self.request_name = writable_fields(contract, **self.kw)

    def answer_lost(self, answer: dict[str, Any] | None) -> list[str] | None:
        return None if answer is None else shown_differences(self.contract, self.snapshot, answer, **self.kw)

    def read_lost(self, now: dict[str, Any] | None) -> list[str] | None:
        return None if now is None else differences(self.contract, self.snapshot, now, **self.kw)[0]

    def to_redo(self, answers: list[dict[str, Any]], now: dict[str, Any] | None) -> list[str]:
        """The fields to write once more, one by one: those the answer (else the read) shows still differing,
        unless a read the run has no reason to doubt shows the snapshot (the answer is then the one wrong)."""
        by_answer, by_read = self.answer_lost(answers[-1] if answers else None), self.read_lost(now)
        if by_answer == [] or (by_read == [] and not self.doubt):
            return []
        return [k for k in (by_answer or by_read or []) if k in self.request_name]

    def report(self, answer: dict[str, Any] | None, after: ReadBack) -> RestoreReport:
        by_answer, by_read = self.answer_lost(answer), self.read_lost(after.inventory)
        now, via = after.inventory, after.via
        if now is None and answer is not None:
            # The query API is unusable (after.problem: a 5xx, an unfiltered list...): the last write's own
            # answer is the best evidence there is, and the report says which it was.
            now, via = answer, f"the restore write's answer (the query API was unusable: {after.problem})"
        if now is None:
            return RestoreReport(False)
        restored = by_answer == [] or by_read == []
        # Restored means: every field the run wrote is back. Fields no request can set (size,
        # hasNewVersion, modelServiceRefs, ...) may move on a shared server for reasons of its own; a
        # difference there is reported, not counted as a failed restore.
        lost, other = differences(self.contract, self.snapshot, now, **self.kw)
        still = [] if restored else sorted(set(by_read or by_answer or lost))
        report = RestoreReport(restored, via=via, differences=still, other_differences=other,
                               last_op_date=now.get("lastOpDate"),
                               trimmed=trimmed(self.contract, self.snapshot, now, **self.kw),
                               why=f"fields still differ after restore: {', '.join(still)}" if still else "")
        if restored:
            report.caveat = self._caveat(by_answer, by_read, after)
        return report

    def _caveat(self, by_answer: list[str] | None, by_read: list[str] | None, after: ReadBack) -> str | None:
        """What keeps "restored" from being the whole story, or None: the answer and the read disagree, or
        one of them is missing while the run found the query API untrustworthy."""
        if after.via == EMPTY_UPDATE:
            read = "an empty update's answer"
        else:
            read = f"the query API, {self.doubt}," if self.doubt else "a read through the query API"
        read_s = read.rstrip(",")
        if by_answer == []:
            shown = "written back; the write's answer shows the snapshot; "
            if by_read:
                return shown + f"{read} disagrees ({', '.join(by_read)}): check the resource"
            if by_read is None:
                return shown + f"{read} could not confirm it ({after.problem or 'no answer'})"
            return shown + f"{read} agrees but cannot confirm it" if self.doubt else None
        if by_answer:
            return (f"written back; {read_s} shows the snapshot, but the write's answer shows "
                    f"{', '.join(by_answer)} still differing: " + ("could not be sure" if self.doubt
                                                                    else "check the resource"))
        if self.doubt:
            return (f"written back; no write's answer showed the fields, and {read_s} shows the snapshot: could "
                    "not be sure")
        return None
