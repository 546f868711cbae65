"""The harness against every catalogued fault and sound variant of the reference server.

Each row is a real ``zscontract run`` subprocess against a real server subprocess: a fault must
be caught by the check named for it, a sound variant must pass (no false alarm). The same rows,
with timings, make ``reports/catalogue.md`` (``zscontract catalogue``).
"""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest

from zscontract import catalogue, release_defects
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
        if entry.kind == "release":
            continue  # a full release row takes 90 s: `exhaustive`; the quick set runs a short one below
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
    if entry.kind == "release":  # a full run: every known defect reported, and nothing else
        result = catalogue.run_one(entry, profile, async_, max_time=catalogue.row_time(entry, 30))
        missing, other = result.release_problems()
        assert not other, f"{entry.name}: failures that are not its known defects: {other}"
        assert not missing, f"{entry.name}: known defects not reported: {missing}"
        assert result.exit_code == 1 and result.restored, (result.exit_code, result.titles)
        return
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


@pytest.mark.slow
def test_a_short_release_run_reports_only_known_defects_and_restores() -> None:
    """The quick guard of the release row: a change to the oracle that flags what every 5.1.20 node does
    shows here as a failure outside the known defects. (Finding all of them takes the full row.)"""
    from zscontract.server.faults import BY_NAME

    entry = BY_NAME["zstack-5.1.20"]
    result = catalogue.run_one(entry, "zstack", True, max_time=25, max_examples=300)
    missing, other = result.release_problems()
    assert not other, f"failures that are not known defects of the release: {other}"
    assert result.exit_code == 1 and result.restored and len(missing) < len(
        list(release_defects.RELEASES[entry.name])), (result.exit_code, result.titles)


def test_the_release_row_runs_in_ci_as_a_real_node_answers() -> None:
    rows = [(e.name, p, a) for e, p, a in PLAN if e.kind == "release"]
    assert rows == [("zstack-5.1.20", "zstack", True)]
    assert all(i not in QUICK for i, (e, _, _) in enumerate(PLAN) if e.kind == "release")


def test_the_shipped_baseline_accepts_exactly_the_release_rows_expected_failures() -> None:
    """One list of known defects: what the catalogue row expects is what the shipped baseline accepts."""
    from zscontract.baseline import load_baseline, shipped

    entries = {e.match_key for e in load_baseline(shipped.path_of("zstack-5.1.20")).entries}
    expected = {pair for d in release_defects.ZSTACK_5_1_20 for pair in d.found_by + d.also}
    assert {p for p in expected if "*" not in p[1]} <= entries
    assert all(any(d.matches(c, s) for d in release_defects.ZSTACK_5_1_20) for c, s in entries)
    for check, pattern in (p for p in expected if "*" in p[1]):  # a kind of input: at least one entry
        assert any(c == check and fnmatchcase(s, pattern) for c, s in entries), pattern
