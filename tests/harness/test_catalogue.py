"""The harness against every catalogued fault and sound variant of the reference server.

Each row is a real ``zscontract run`` subprocess against a real server subprocess: a fault must
be caught by the check named for it, a sound variant must pass (no false alarm). The same rows,
with timings, make ``reports/catalogue.md`` (``zscontract catalogue``).
"""

from __future__ import annotations

import pytest

from zscontract import catalogue
from zscontract.server.faults import Fault

PLAN = catalogue.plan()


def _id(row: tuple[Fault, str, bool]) -> str:
    entry, profile, async_ = row
    return f"{entry.kind}:{entry.name}:{profile}{'-async' if async_ else ''}"


@pytest.mark.slow
@pytest.mark.parametrize("row", PLAN, ids=[_id(r) for r in PLAN])
def test_catalogue_row(row: tuple[Fault, str, bool]) -> None:
    entry, profile, async_ = row
    # Variants run a shorter but complete run (every phase); faults stop at their check's failure.
    result = catalogue.run_one(entry, profile, async_, max_time=30,
                               max_examples=300 if entry.kind != "fault" else None)
    if entry.kind == "fault":
        assert result.ok, f"{entry.name} was not caught by {entry.caught_by}; failed: {result.failed_checks}"
    else:
        assert result.ok, f"false alarm on sound variant {entry.name} ({profile}): {result.titles}"


def test_every_check_has_a_fault_that_it_must_catch() -> None:
    from zscontract.checks import names

    caught = {entry.caught_by for entry, _, _ in PLAN if entry.kind == "fault"}
    assert caught == set(names.ALL)


def test_the_catalogue_is_large_enough() -> None:
    faults = [e for e, _, _ in PLAN if e.kind == "fault"]
    variants = {e.name for e, _, _ in PLAN if e.kind == "variant"}
    assert len(faults) >= 30 and len(variants) >= 4
    assert {p for e, p, _ in PLAN if e.kind == "fault"} == {"documented", "zstack"}
