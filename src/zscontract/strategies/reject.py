"""Must-reject inputs (oracle.md class 2): type violations of the documented fields, protocol,
authentication and uuid violations."""

from __future__ import annotations

import functools
import json
from typing import Any

from hypothesis import strategies as st

from zscontract.contract import Contract, FieldSpec
from zscontract.core.cases import (
    REJECT_ARGUMENT,
    REJECT_BAD_UUID,
    REJECT_NO_AUTH,
    REJECT_NOT_FOUND,
    REJECT_PROTOCOL,
    REJECT_SESSION,
    Case,
    InputClass,
    java_whole_number,
)
from zscontract.strategies.accept import must_accept_fields


def _bad_string(spec: FieldSpec, profile: str) -> st.SearchStrategy[str]:
    """Strings an integer field must refuse: in documented any (numeric ones are the likeliest to slip
    through a lenient parser); in zstack only text that is no whole number, or one beyond the Java
    type (a quoted integer in range is either way there, zstack-rest-facts.md "Values")."""
    if profile != "zstack":
        return st.one_of(st.integers(1, 4096).map(str), st.text(max_size=5))
    beyond = str(int(spec.hard_schema["maximum"]) + 1)
    words = st.sampled_from(["abc", "2.5", "", "1,000", "0x10", "二", "true", beyond])
    return st.one_of(words, st.text(max_size=5).filter(lambda t: java_whole_number(t) is None))


def _bad_integer(spec: FieldSpec, profile: str) -> st.SearchStrategy[tuple[str, Any]]:
    """Values that break an integer field's documented type, as (kind, value); built once per field.

    Each kind is drawn equally often (``sampled_from``), not with ``one_of``'s lean toward its first
    branches.
    """
    hard = spec.hard_schema
    lo, hi = int(hard["minimum"]), int(hard["maximum"])
    by_kind: dict[str, st.SearchStrategy[Any]] = {
        "string": _bad_string(spec, profile),
        "bool": st.booleans(),
        "fraction": st.floats(0.01, 1e6).filter(lambda x: x != int(x)),
        "object": st.just({"value": 1}),
        "list": st.just([1]),
        "overflow": st.one_of(st.just(hi + 1), st.integers(hi + 1, hi * 4 + 4)),
        "underflow": st.one_of(st.just(lo - 1), st.integers(lo * 4 - 4, lo - 1)),
    }
    return st.sampled_from(sorted(by_kind)).flatmap(lambda kind: by_kind[kind].map(lambda v: (kind, v)))


@functools.cache
def _argument_parts(contract: Contract) -> tuple[st.SearchStrategy[FieldSpec], dict[str, Any], dict[str, Any]]:
    """The integer fields, and per field its bad values and its valid companions (built once)."""
    ints = [s for s in contract.documented_fields() if s.json_type == "integer"]

    def without(name: str) -> st.SearchStrategy[dict[str, Any]]:
        return must_accept_fields(contract).map(lambda f: {k: v for k, v in f.items() if k != name})

    return (st.sampled_from(ints), {s.name: _bad_integer(s, contract.profile) for s in ints},
            {s.name: without(s.name) | st.just({}) for s in ints})


@st.composite
def _argument_violation(draw: st.DrawFn, contract: Contract) -> Case:
    ints, bad_values, companions = _argument_parts(contract)
    spec = draw(ints)
    kind, bad = draw(bad_values[spec.name])
    # Valid companions make "partial apply before the error" visible.
    fields = draw(companions[spec.name])
    fields = {**fields, spec.name: bad}
    return Case(InputClass.REJECT, f"{spec.name}:{kind}", fields=fields, reject_kind=REJECT_ARGUMENT)


def must_reject(contract: Contract, *, wraps_body: bool) -> st.SearchStrategy[Case]:
    """Type violations of the documented fields and protocol violations (oracle.md class 2)."""
    valid = must_accept_fields(contract)
    protocol = [
        st.builds(lambda b: Case(InputClass.REJECT, "body:not-json", raw_body=b, reject_kind=REJECT_PROTOCOL),
                  st.sampled_from([b"{", b"name=x", b"\xff\xfe", b"{\"name\": }"])),
        st.builds(lambda v: Case(InputClass.REJECT, "body:not-object",
                                 raw_body=json.dumps(v).encode(), reject_kind=REJECT_PROTOCOL),
                  st.sampled_from([[], [1], "name", 1, None])),
        valid.map(lambda f: Case(InputClass.REJECT, "auth:none", fields=f, auth="none",
                                 reject_kind=REJECT_NO_AUTH)),
        valid.map(lambda f: Case(InputClass.REJECT, "auth:scheme", fields=f, auth="scheme",
                                 reject_kind=REJECT_NO_AUTH)),
        valid.map(lambda f: Case(InputClass.REJECT, "auth:unknown-session", fields=f, auth="unknown",
                                 reject_kind=REJECT_SESSION)),
        st.builds(lambda f, u: Case(InputClass.REJECT, "uuid:unknown", fields=f, uuid=u,
                                    reject_kind=REJECT_NOT_FOUND),
                  valid, st.text("0123456789abcdef", min_size=32, max_size=32)),
        st.builds(lambda f, u: Case(InputClass.REJECT, "uuid:malformed", fields=f, uuid=u,
                                    reject_kind=REJECT_BAD_UUID),
                  valid, st.sampled_from(["not-a-uuid", "ABCDEF", "0" * 31, "6C1A5F6167944AA1886294842075279F",
                                          "6c1a5f61-6794-4aa1-8862-94842075279f"])),
    ]
    if wraps_body:
        protocol.append(valid.map(lambda f: Case(InputClass.REJECT, "body:no-action-key", fields=f,
                                                 wrap=False, reject_kind=REJECT_PROTOCOL)))
    # Half argument violations (the most varied), half protocol violations, each kind equally often.
    return st.sampled_from([True, False]).flatmap(
        lambda argument: _argument_violation(contract) if argument
        else st.sampled_from(protocol).flatmap(lambda s: s))
