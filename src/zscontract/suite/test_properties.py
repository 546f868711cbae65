"""The contract suite: Hypothesis property tests against the target (a staging server, or the
reference server in both dialects). Failures raise, so Hypothesis shrinks them to a minimal case.

Run against staging with ``pytest --pyargs zscontract.suite --zs-target-url ... --zs-model-service-uuid ...``.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zscontract import strategies
from zscontract.core.failures import CheckFailed
from zscontract.runner.phases import lost_update_phase
from zscontract.strategies.boundaries import boundary_cases

# What tests/contract re-exports (fixtures included: pytest collects what a module's namespace holds).
__all__ = [
    "test_must_accept_inputs_round_trip",
    "test_must_reject_inputs_are_refused_and_change_nothing",
    "test_either_way_inputs_never_give_a_third_value",
    "test_boundaries",
    "test_concurrent_updates_of_different_fields_are_all_kept",
]


def _raise_first(failures: list[CheckFailed]) -> None:
    if failures:
        raise failures[0]


@given(data=st.data())
def test_must_accept_inputs_round_trip(zs_harness: Any, zs_contract: Any, data: st.DataObject) -> None:
    case = data.draw(strategies.must_accept(zs_contract), label="case")
    _raise_first(zs_harness.execute(case))


@given(data=st.data())
def test_must_reject_inputs_are_refused_and_change_nothing(zs_harness: Any, zs_contract: Any,
                                                           data: st.DataObject) -> None:
    case = data.draw(strategies.must_reject(zs_contract, wraps_body=zs_harness.dialect.wraps_body), label="case")
    _raise_first(zs_harness.execute(case))


@given(data=st.data())
def test_either_way_inputs_never_give_a_third_value(zs_harness: Any, zs_contract: Any,
                                                    data: st.DataObject) -> None:
    case = data.draw(strategies.either_way(zs_contract), label="case")
    _raise_first(zs_harness.execute(case))


def _boundary_names() -> list[str]:
    """Every boundary's name, in both dialects (the zstack bodies last); each test finds its case by name
    in its own contract's list, the one the CLI run's boundary phase sends."""
    from zscontract.contract import load_contract

    names = [b.name for b in boundary_cases(load_contract("documented"))]
    return names + [b.name for b in boundary_cases(load_contract("zstack")) if b.name not in names]


@pytest.mark.parametrize("boundary", _boundary_names())
def test_boundaries(zs_harness: Any, zs_contract: Any, boundary: str) -> None:
    """Each boundary, sent once and judged by every check: integer edges (0, ±1, int32, 2^53±1, int64),
    string edges (empty, one character, the maximum and one past it, ends Java's trim removes and keeps,
    a combining mark), yaml with and without its trailing newline, repeated keys; in zstack each kind
    of non-object action value and repeated top-level keys (``zscontract.strategies.boundaries``)."""
    case = {b.name: b.case for b in boundary_cases(zs_contract)}.get(boundary)
    if case is None:
        pytest.skip(f"{boundary}: not a boundary of the {zs_contract.profile} dialect on this target "
                    "(a zstack body, or a field this run does not write)")
    _raise_first(zs_harness.execute(case))


def test_concurrent_updates_of_different_fields_are_all_kept(zs_harness: Any) -> None:
    before = len(zs_harness.result.failures)
    lost_update_phase(zs_harness, rounds=2)
    new = list(zs_harness.result.failures.values())[before:]
    if new:
        pytest.fail(new[0].render(), pytrace=False)
