"""Either-way inputs (oracle.md class 3): what the page leaves open. A target may accept or refuse
them, but if it accepts, every field holds what was sent (as stored, see ``stored_strings``) or what
was there before."""

from __future__ import annotations

import functools
import json
from typing import Any

from hypothesis import strategies as st

from zscontract.contract import Contract, FieldSpec
from zscontract.core.cases import Case, InputClass
from zscontract.strategies.accept import documented, must_accept_fields, valid_values
from zscontract.strategies.text import alphabet, edge_text, odd_text

# "edge" is listed four times: odd string ends are where Java's trim, Python's strip() and "drop one
# newline" differ, so a few dozen cases must reach each (tests/harness/test_inputs.py).
# Listed twice or more: drawn more often (sampled_from is uniform over the entries).
_KINDS = ("edge", "null", "invented", "odd-text", "edge", "non-positive", "bad-yaml", "edge", "empty",
          "no-body", "duplicate", "edge", "number-in-string", "whole-float", "odd-text")


@functools.cache
def _either_parts(contract: Contract, include_example_fields: bool) -> dict[str, Any]:
    """Every strategy ``_either_case`` draws from, built once per contract (see ``must_accept_fields``)."""
    specs = documented(contract)
    strings = [s for s in specs.values() if s.json_type == "string"]
    ints = [s for s in specs.values() if s.json_type == "integer"]
    kinds = list(_KINDS)
    if contract.profile == "zstack":
        kinds.append("quoted-int")  # zstack-rest-facts.md "Values": a node may accept "2" and store 2
    if include_example_fields and contract.example_only_fields():
        kinds.append("example-only")
    return {
        "base": must_accept_fields(contract) | st.just({}),
        "kind": st.sampled_from(kinds),
        "null": st.sampled_from(sorted(specs)),
        "invented": st.sampled_from(["colour", "zsInvented", "Name", "name ", "requestcpu"]),
        "invented_value": st.text(max_size=8),
        "strings": st.sampled_from(strings),
        "odd_text": odd_text(),
        "edge": edge_text(),
        "ints": st.sampled_from(ints),
        "non_positive": {s.name: st.sampled_from([0, -1, int(s.hard_schema["minimum"])]) for s in ints},
        "quoted": {s.name: st.one_of(st.integers(1, 4096).map(str), st.sampled_from(["2", "2.0", "1e3", " 7"]),
                                     st.just(str(s.domain_schema["maximum"])))
                   for s in ints},
        "yaml_specs": st.sampled_from([s for s in strings if s.domain_schema.get("x-zs-yaml")]),
        "bad_yaml": st.sampled_from(["services: [", "a: b: c", "{unclosed", "- just\n- a list\n", "plain text",
                                     "services:\n- name: a\n"]),
        "number": st.one_of(st.integers(-5, 10**6), st.booleans()),
        "example_only": st.sampled_from(contract.example_only_fields()) if "example-only" in kinds else None,
        "example_value": {s.name: _example_value(s) for s in contract.example_only_fields()},
        "duplicate": st.sampled_from(list(specs.values())),
        "valid": valid_values(contract),
    }


def _field_case(kind: str, p: dict[str, Any], draw: st.DrawFn, base: dict[str, Any]) -> Case:
    """The kinds that put one odd value into one field of a valid base update."""
    if kind == "null":
        name = draw(p["null"])
        return Case(InputClass.EITHER, f"{name}:null", fields={**base, name: None})
    if kind in ("odd-text", "edge", "number-in-string"):
        spec = draw(p["strings"])
        if kind == "edge":
            label, value = "edge", draw(p["edge"])
        elif kind == "odd-text":
            label, value = draw(p["odd_text"])
        else:
            label, value = "number", draw(p["number"])
        return Case(InputClass.EITHER, f"{spec.name}:{label}", fields={**base, spec.name: value})
    if kind == "bad-yaml":
        spec = draw(p["yaml_specs"])
        return Case(InputClass.EITHER, f"{spec.name}:invalid-yaml", fields={**base, spec.name: draw(p["bad_yaml"])})
    spec = draw(p["ints"])
    if kind == "non-positive":
        value = draw(p["non_positive"][spec.name])
    elif kind == "quoted-int":
        value = draw(p["quoted"][spec.name])
    else:
        value = 5.0  # whole-float
    return Case(InputClass.EITHER, f"{spec.name}:{kind}", fields={**base, spec.name: value})


@st.composite
def _either_case(draw: st.DrawFn, contract: Contract, include_example_fields: bool) -> Case:
    p = _either_parts(contract, include_example_fields)
    base = draw(p["base"])
    kind = draw(p["kind"])
    if kind == "invented":
        key = draw(p["invented"])
        return Case(InputClass.EITHER, "invented-field", fields={**base, key: draw(p["invented_value"])})
    if kind == "empty":
        return Case(InputClass.EITHER, "empty-update", fields={})
    if kind == "no-body":
        # No body at all: a server may read it as an empty update (oracle.md "Either way").
        return Case(InputClass.EITHER, "body:none", raw_body=b"")
    if kind == "example-only":
        name = draw(p["example_only"]).name
        return Case(InputClass.EITHER, f"example-only:{name}", fields={**base, name: draw(p["example_value"][name])})
    if kind == "duplicate":  # duplicate keys: either sent value may win (oracle.md class 3)
        spec = draw(p["duplicate"])
        first, second = draw(p["valid"][spec.name]), draw(p["valid"][spec.name])
        return Case(InputClass.EITHER, f"{spec.name}:duplicate-key", fields={**base, spec.name: second},
                    alternatives={**{k: (v,) for k, v in base.items()}, spec.name: (first, second)})
    return _field_case(kind, p, draw, base)


def _example_value(spec: FieldSpec) -> st.SearchStrategy[Any]:
    if spec.json_type == "integer":
        return st.integers(1, 600)
    if spec.json_type == "boolean":
        return st.booleans()
    if spec.json_type == "array":
        return st.just([])
    if spec.json_type == "object":
        return st.just({})
    return st.text(alphabet(False), min_size=1, max_size=20)


def either_way(contract: Contract, *, include_example_fields: bool = False) -> st.SearchStrategy[Case]:
    """Inputs the page leaves open (oracle.md class 3)."""
    return _either_case(contract, include_example_fields)


def duplicate_key_body(case: Case, wrap: Any) -> bytes:
    """The raw body of a duplicate-key case: the first alternative, then the second, same key."""
    fields = dict(case.fields or {})
    dup = next(k for k, v in case.alternatives.items() if len(v) == 2)
    first = json.dumps({dup: case.alternatives[dup][0]}, ensure_ascii=False)[1:-1]
    inner = json.dumps(fields, ensure_ascii=False)
    inner = "{" + first + ("," + inner[1:] if inner != "{}" else "}")
    wrapped = wrap({"__inner__": 0})
    return json.dumps(wrapped, ensure_ascii=False).replace('{"__inner__": 0}', inner).encode("utf-8")
