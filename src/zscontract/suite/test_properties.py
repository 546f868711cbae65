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
from zscontract.core.cases import Case, InputClass, classify_fields
from zscontract.core.failures import CheckFailed
from zscontract.runner.phases import lost_update_phase

# What tests/contract re-exports (fixtures included: pytest collects what a module's namespace holds).
__all__ = [
    "test_must_accept_inputs_round_trip",
    "test_must_reject_inputs_are_refused_and_change_nothing",
    "test_either_way_inputs_never_give_a_third_value",
    "test_boundaries_round_trip",
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


def _boundaries(contract: Any) -> list[tuple[str, dict[str, Any]]]:
    """The edges that matter, derived from the contract's domains (not literals)."""
    cases: list[tuple[str, dict[str, Any]]] = []
    for spec in contract.documented_fields():
        dom = spec.domain_schema
        if spec.json_type == "integer":
            for value in sorted({dom["minimum"], dom["maximum"], min(dom["maximum"], 2**53 + 1),
                                 min(dom["maximum"], 2**31 - 1)}):
                cases.append((f"{spec.name}={value}", {spec.name: value}))
        elif dom.get("x-zs-yaml"):
            doc = strategies.plain_yaml_document(1) + "\n\n"
            cases.append((f"{spec.name}:trailing-newlines", {spec.name: doc}))
        else:
            hi = int(dom.get("maxLength", 255))
            cases.append((f"{spec.name}:max-length", {spec.name: "名" * hi}))
            cases.append((f"{spec.name}:outer-spaces", {spec.name: "  inner  spaces  "}))
            if spec.multiline:  # comes back without it from a node that trims like Java
                cases.append((f"{spec.name}:trailing-newline", {spec.name: " 模型\n"}))
    return cases


def test_boundaries_round_trip(zs_harness: Any, zs_contract: Any) -> None:
    """Every boundary of the must-accept domain comes back exactly (2^31-1, 2^53+1, 2^63-1, 255 chars)."""
    failures: list[CheckFailed] = []
    for label, fields in _boundaries(zs_contract):
        case = Case(InputClass.ACCEPT, f"boundary:{label}", fields=fields)
        assert classify_fields(zs_contract, fields)[0] is InputClass.ACCEPT, label
        failures += zs_harness.execute(case)
    _raise_first(failures)


def test_concurrent_updates_of_different_fields_are_all_kept(zs_harness: Any) -> None:
    before = len(zs_harness.result.failures)
    lost_update_phase(zs_harness, rounds=2)
    new = list(zs_harness.result.failures.values())[before:]
    if new:
        pytest.fail(new[0].render(), pytrace=False)
