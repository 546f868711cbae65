"""Hypothesis strategies for the three input classes, built from the contract's field specs.

Nothing here hard-codes a field: names, types, limits and the charset come from
``Contract.fields`` (``domain_schema`` for what must be accepted, ``hard_schema`` for what
must be rejected). Boundaries that once mattered are sampled explicitly so that a short run
reaches them (2^31-1, 2^53+1, 2^63-1, the 255-character name).
"""

from __future__ import annotations

import functools
import json
from typing import Any

import yaml
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
)

# The conservative alphabet: printable BMP (categories L, M, N, P, S) and the plain space.
_PRINTABLE = st.characters(codec=None, max_codepoint=0xFFFF,
                           categories=("L", "M", "N", "P", "S"))
_CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)


def _alphabet(multiline: bool) -> st.SearchStrategy[str]:
    parts = [_PRINTABLE, _CJK, st.just(" ")]
    if multiline:
        parts += [st.just("\n"), st.just("\t")]
    return st.one_of(*parts)


def _text(spec: FieldSpec) -> st.SearchStrategy[str]:
    dom = spec.domain_schema
    lo, hi = int(dom.get("minLength", 0)), int(dom.get("maxLength", 2048))
    alphabet = _alphabet(spec.multiline)
    # Most values short (fast, readable), some at the upper bound, some with outer spaces.
    body = st.text(alphabet, min_size=lo, max_size=min(hi, 40))
    longest = st.text(alphabet, min_size=hi, max_size=hi) if hi <= 4096 else st.nothing()
    spaced = st.builds(lambda s: f"  {s} ", st.text(alphabet, min_size=max(lo, 1), max_size=20))
    text = st.one_of(body, body, body, longest, spaced)
    if dom.get("x-zs-not-blank"):
        text = text.filter(lambda s: s != "" and not s.isspace())
    return text.filter(lambda s: lo <= len(s) <= hi)


def _yaml_doc(spec: FieldSpec) -> st.SearchStrategy[str]:
    """A model-service YAML document in the page's shape, with trailing newlines now and then."""
    word = st.text(_alphabet(False), min_size=1, max_size=12).filter(lambda s: not s.isspace())
    service = st.fixed_dictionaries({
        "name": word,
        "ports": st.lists(st.integers(1, 65535), min_size=1, max_size=3),
        "livez": st.just("/livez"),
        "readyz": st.just("/readyz"),
        "serviceBootupTime": st.integers(1, 600),
    })
    # Mostly small documents; now and then a large one (real configurations run to kilobytes),
    # made of one drawn service repeated under numbered names: drawing 40 would cost 40 times more.
    large = st.builds(lambda svc, n: [{**svc, "name": f"{svc['name']}-{i}"} for i in range(n)],
                      service, st.integers(20, 40))
    small = st.lists(service, min_size=1, max_size=2)
    services = st.sampled_from([small, small, small, large]).flatmap(lambda s: s)
    doc = st.fixed_dictionaries(
        {"services": services},
        optional={
            "env": st.lists(st.builds("{}:{}".format, word, word), max_size=3),
            "distro": st.fixed_dictionaries({"packages": word}),
            "python": st.fixed_dictionaries({"requirements_txt": st.just("./requirements.txt"),
                                             "index_url": st.just("https://pypi.example.com/simple")}),
        },
    )
    # libyaml's dumper when present: the same text as safe_dump (3,000 generated documents compared),
    # at a fifth of the cost.
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    dumped = doc.map(lambda d: yaml.dump(d, Dumper=dumper, allow_unicode=True, sort_keys=False))
    hi = int(spec.domain_schema.get("maxLength", 1 << 20))
    return st.builds(lambda s, tail: s + tail, dumped, st.sampled_from(["", "", "\n", "\n\n"])).filter(
        lambda s: len(s) <= hi)


def _integer(spec: FieldSpec) -> st.SearchStrategy[int]:
    dom = spec.domain_schema
    lo, hi = int(dom["minimum"]), int(dom["maximum"])
    edges = sorted({v for v in (lo, hi, 2**31 - 1, 2**31, 2**32, 2**53, 2**53 + 1) if lo <= v <= hi})
    return st.one_of(st.sampled_from(edges), st.integers(lo, min(hi, 1 << 16)), st.integers(lo, hi))


def _documented(contract: Contract) -> dict[str, FieldSpec]:
    return {s.name: s for s in contract.documented_fields()}


def valid_value(spec: FieldSpec) -> st.SearchStrategy[Any]:
    """Values inside the must-accept domain of one documented field."""
    if spec.json_type == "integer":
        return _integer(spec)
    if spec.domain_schema.get("x-zs-yaml"):
        return _yaml_doc(spec)
    return _text(spec)


@functools.cache
def _valid_values(contract: Contract) -> dict[str, st.SearchStrategy[Any]]:
    """``valid_value`` of each documented field, built once per contract (see ``_cached``)."""
    return {n: valid_value(s) for n, s in _documented(contract).items()}


# Strategies are built once per contract and reused by every draw: building one inside a
# composite on each draw (st.text's alphabet intervals, validation) cost Hypothesis about 40%
# of a run's time (profile in benchmarks/README.md). Contract hashes by identity.
@functools.cache
def must_accept_fields(contract: Contract) -> st.SearchStrategy[dict[str, Any]]:
    """A non-empty update of documented fields, each inside its conservative domain."""
    return st.fixed_dictionaries({}, optional=_valid_values(contract)).filter(bool)


def must_accept(contract: Contract) -> st.SearchStrategy[Case]:
    return must_accept_fields(contract).map(
        lambda f: Case(InputClass.ACCEPT, "valid:" + ",".join(sorted(f)), fields=f))


def _bad_integer(spec: FieldSpec) -> st.SearchStrategy[tuple[str, Any]]:
    """Values that break an integer field's documented type, as (kind, value); built once per field.

    Each kind is drawn equally often (``sampled_from``), not with ``one_of``'s lean toward its first
    branches; strings are mostly numeric, the likeliest to slip through a lenient parser.
    """
    hard = spec.hard_schema
    lo, hi = int(hard["minimum"]), int(hard["maximum"])
    by_kind: dict[str, st.SearchStrategy[Any]] = {
        "string": st.one_of(st.integers(1, 4096).map(str), st.text(max_size=5)),
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

    return (st.sampled_from(ints), {s.name: _bad_integer(s) for s in ints},
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


def _odd_text() -> st.SearchStrategy[tuple[str, str]]:
    return st.one_of(
        st.tuples(st.just("empty"), st.just("")),
        st.tuples(st.just("blank"), st.sampled_from([" ", "   ", "\t", "\u3000", "\n"])),
        st.tuples(st.just("control"), st.text(st.characters(max_codepoint=0x1F), min_size=1, max_size=5)),
        st.tuples(st.just("nul"), st.builds(lambda s: f"a\x00{s}", st.text(max_size=3))),
        st.tuples(st.just("astral"), st.text(st.characters(min_codepoint=0x10000, max_codepoint=0x1FAFF),
                                             min_size=1, max_size=5)),
        st.tuples(st.just("overlong"), st.integers(256, 30_000).map(lambda n: "x" * n)),
        st.tuples(st.just("any"), st.text(max_size=30)),
    )


@functools.cache
def _either_parts(contract: Contract, include_example_fields: bool) -> dict[str, Any]:
    """Every strategy ``_either_case`` draws from, built once per contract (see ``must_accept_fields``)."""
    specs = _documented(contract)
    strings = [s for s in specs.values() if s.json_type == "string"]
    ints = [s for s in specs.values() if s.json_type == "integer"]
    kinds = ["null", "invented", "odd-text", "non-positive", "bad-yaml", "empty", "duplicate", "number-in-string",
             "whole-float"]
    if include_example_fields and contract.example_only_fields():
        kinds.append("example-only")
    return {
        "base": must_accept_fields(contract) | st.just({}),
        "kind": st.sampled_from(kinds),
        "null": st.sampled_from(sorted(specs)),
        "invented": st.sampled_from(["colour", "zsInvented", "Name", "name ", "requestcpu"]),
        "invented_value": st.text(max_size=8),
        "strings": st.sampled_from(strings),
        "odd_text": _odd_text(),
        "ints": st.sampled_from(ints),
        "non_positive": {s.name: st.sampled_from([0, -1, int(s.hard_schema["minimum"])]) for s in ints},
        "yaml_specs": st.sampled_from([s for s in strings if s.domain_schema.get("x-zs-yaml")]),
        "bad_yaml": st.sampled_from(["services: [", "a: b: c", "{unclosed", "- just\n- a list\n", "plain text"]),
        "number": st.one_of(st.integers(-5, 10**6), st.booleans()),
        "example_only": st.sampled_from(contract.example_only_fields()) if "example-only" in kinds else None,
        "example_value": {s.name: _example_value(s) for s in contract.example_only_fields()},
        "duplicate": st.sampled_from(list(specs.values())),
        "valid": _valid_values(contract),
    }


@st.composite
def _either_case(draw: st.DrawFn, contract: Contract, include_example_fields: bool) -> Case:
    p = _either_parts(contract, include_example_fields)
    base = draw(p["base"])
    kind = draw(p["kind"])
    if kind == "null":
        name = draw(p["null"])
        return Case(InputClass.EITHER, f"{name}:null", fields={**base, name: None})
    if kind == "invented":
        key = draw(p["invented"])
        return Case(InputClass.EITHER, "invented-field", fields={**base, key: draw(p["invented_value"])})
    if kind == "odd-text":
        spec = draw(p["strings"])
        label, value = draw(p["odd_text"])
        return Case(InputClass.EITHER, f"{spec.name}:{label}", fields={**base, spec.name: value})
    if kind == "non-positive":
        spec = draw(p["ints"])
        value = draw(p["non_positive"][spec.name])
        return Case(InputClass.EITHER, f"{spec.name}:non-positive", fields={**base, spec.name: value})
    if kind == "bad-yaml":
        spec = draw(p["yaml_specs"])
        value = draw(p["bad_yaml"])
        return Case(InputClass.EITHER, f"{spec.name}:invalid-yaml", fields={**base, spec.name: value})
    if kind == "empty":
        return Case(InputClass.EITHER, "empty-update", fields={})
    if kind == "number-in-string":
        spec = draw(p["strings"])
        value = draw(p["number"])
        return Case(InputClass.EITHER, f"{spec.name}:number", fields={**base, spec.name: value})
    if kind == "whole-float":
        spec = draw(p["ints"])
        return Case(InputClass.EITHER, f"{spec.name}:whole-float", fields={**base, spec.name: 5.0})
    if kind == "example-only":
        fspec = draw(p["example_only"])
        name = fspec.name
        return Case(InputClass.EITHER, f"example-only:{name}",
                    fields={**base, name: draw(p["example_value"][name])})
    # duplicate keys: either sent value may win (oracle.md class 3)
    spec = draw(p["duplicate"])
    first, second = draw(p["valid"][spec.name]), draw(p["valid"][spec.name])
    return Case(InputClass.EITHER, f"{spec.name}:duplicate-key", fields={**base, spec.name: second},
                raw_body=None, alternatives={**{k: (v,) for k, v in base.items()}, spec.name: (first, second)})


def _example_value(spec: FieldSpec) -> st.SearchStrategy[Any]:
    if spec.json_type == "integer":
        return st.integers(1, 600)
    if spec.json_type == "boolean":
        return st.booleans()
    if spec.json_type == "array":
        return st.just([])
    if spec.json_type == "object":
        return st.just({})
    return st.text(_alphabet(False), min_size=1, max_size=20)


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
