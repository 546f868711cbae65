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

# The rows every contributor's `pytest` runs: the sound server in each mode and one fault per check
# (each row is a whole run, ~9 s for a sound one). Every other row, the pins of the values that once
# mattered (trimming, quoted integers, foreign job locations, ...) included, is `exhaustive`: `.ci/run`
# runs them all.


def _quick(plan: list[tuple[Fault, str, bool]]) -> set[int]:
    chosen: set[int] = set()
    first_of: dict[str, int] = {}
    for i, (entry, _, _) in enumerate(plan):
        if entry.kind == "fault" and entry.caught_by is not None:
            first_of.setdefault(entry.caught_by, i)
        if entry.name == catalogue.SOUND:
            chosen.add(i)
    return chosen | set(first_of.values())


QUICK = _quick(PLAN)


def _id(row: tuple[Fault, str, bool]) -> str:
    entry, profile, async_ = row
    mode = ("-async" if async_ else "-sync") if profile == "zstack" else ""
    return f"{entry.kind}:{entry.name}:{profile}{mode}"


ROWS = [pytest.param(row, id=_id(row), marks=() if i in QUICK else (pytest.mark.exhaustive,))
        for i, row in enumerate(PLAN)]


@pytest.mark.slow
@pytest.mark.parametrize("row", ROWS)
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


def test_the_quick_rows_cover_every_check_and_both_dialects() -> None:
    quick = [PLAN[i] for i in QUICK]
    from zscontract.checks import names

    assert {e.caught_by for e, _, _ in quick if e.kind == "fault"} == set(names.ALL)
    assert {(p, a) for e, p, a in quick if e.name == catalogue.SOUND} == {("documented", False), ("zstack", True),
                                                                          ("zstack", False)}
    assert len(quick) < len(PLAN) / 2  # the rest is what `pytest -m exhaustive` is for


def test_the_catalogue_is_large_enough() -> None:
    faults = [e for e, _, _ in PLAN if e.kind == "fault"]
    variants = {e.name for e, _, _ in PLAN if e.kind == "variant"}
    assert len(faults) >= 30 and len(variants) >= 4
    assert {p for e, p, _ in PLAN if e.kind == "fault"} == {"documented", "zstack"}
