"""The input classes: the strategies produce what the classifier says, and values parse as ZStack's do."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from zscontract import strategies
from zscontract.contract import load_contract
from zscontract.core.cases import Case, InputClass, classify_fields
from zscontract.core.dialects import DOCUMENTED, ZSTACK
from zscontract.core.redact import Redactor
from zscontract.core.values import format_gson_date, parse_zstack_date

CONTRACT = load_contract("documented")


@given(strategies.must_accept(CONTRACT))
def test_must_accept_cases_are_classified_must_accept(case: Case) -> None:
    assert classify_fields(CONTRACT, dict(case.fields or {}))[0] is InputClass.ACCEPT


@given(strategies.must_reject(CONTRACT, wraps_body=True))
def test_argument_violations_are_classified_must_reject(case: Case) -> None:
    if case.reject_kind == "argument":
        assert classify_fields(CONTRACT, dict(case.fields or {}))[0] is InputClass.REJECT


@given(strategies.either_way(CONTRACT))
def test_either_way_cases_are_never_must_reject(case: Case) -> None:
    assert classify_fields(CONTRACT, dict(case.fields or {}))[0] is not InputClass.REJECT


@pytest.mark.parametrize(("fields", "expected"), [
    ({"requestCpu": 2**31 - 1}, InputClass.ACCEPT),
    ({"requestCpu": 2**31}, InputClass.REJECT),
    ({"requestMemory": 2**63 - 1}, InputClass.ACCEPT),
    ({"requestMemory": 2**63}, InputClass.REJECT),
    ({"requestCpu": True}, InputClass.REJECT),
    ({"requestCpu": 1.5}, InputClass.REJECT),
    ({"requestCpu": 5.0}, InputClass.EITHER),
    ({"requestCpu": 0}, InputClass.EITHER),
    ({"requestCpu": None}, InputClass.EITHER),
    ({"name": "   "}, InputClass.EITHER),
    ({"name": "a\x00b"}, InputClass.EITHER),
    ({"name": "😀"}, InputClass.EITHER),
    ({"name": "x" * 256}, InputClass.EITHER),
    ({"name": "名" * 255}, InputClass.ACCEPT),
    ({"colour": "red"}, InputClass.EITHER),
    ({}, InputClass.EITHER),
    ({"yaml": "services: ["}, InputClass.EITHER),
    ({"yaml": "services:\n- name: a\n\n"}, InputClass.ACCEPT),
    ([], InputClass.REJECT),
])
def test_classifier_on_the_oracle_examples(fields: Any, expected: InputClass) -> None:
    assert classify_fields(CONTRACT, fields)[0] is expected


@pytest.mark.parametrize(("field", "value"), [("requestCpu", 2**31 - 1), ("requestMemory", 2**53 + 1),
                                            ("requestMemory", 2**63 - 1)])
def test_must_accept_reaches_the_integer_boundaries(field: str, value: int) -> None:
    found = find(strategies.must_accept_fields(CONTRACT), lambda f: f.get(field) == value,
                 settings=settings(max_examples=2000, database=None))
    assert found[field] == value


@given(st.datetimes(min_value=datetime(1000, 1, 1)), st.booleans())
def test_gson_dates_round_trip(moment: Any, jdk9: bool) -> None:
    moment = moment.replace(microsecond=0)
    assert parse_zstack_date(format_gson_date(moment, jdk9=jdk9)) == moment


@pytest.mark.parametrize("text", ["1764071510000", "2025-11-25", "Nov 25 2025", "Foo 25, 2025 11:51:50 AM",
                                  "Nov 25, 2025 13:51:50 PM"])
def test_non_dates_are_refused(text: str) -> None:
    assert parse_zstack_date(text) is None


def test_wrapping_is_the_dialects() -> None:
    assert ZSTACK.unwrap(ZSTACK.wrap({"name": "a"})) == {"name": "a"}
    assert DOCUMENTED.wrap({"name": "a"}) == {"name": "a"}


def test_redactor_hides_sessions_in_any_case_and_passwords() -> None:
    red = Redactor(["abcdef0123456789abcdef0123456789"], ["hunter2"])
    text = red.redact("OAuth abcdef0123456789abcdef0123456789 ABCDEF0123456789ABCDEF0123456789 pw=hunter2")
    assert "abcdef01" not in text.lower() and "hunter2" not in text
