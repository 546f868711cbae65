"""The boundaries every run sends, once each, before random generation: one list for every route.

Random generation reaches an edge only by chance (a 60 s run drew 37 non-positive integers and no
zero), so the values where implementations differ are listed here and sent deterministically: the
CLI run's ``boundaries`` phase (``zscontract.runner.phases.boundary_phase``) and the packaged suite's
parametrized test both take them from :func:`boundary_cases`. Each case's class is the classifier's
(:func:`~zscontract.core.cases.classify_fields`, :func:`~zscontract.core.cases.classify_body`), never
decided here: ``2**31`` is must-reject in ``requestCpu`` and must-accept in ``requestMemory``.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from typing import Any, NamedTuple

from zscontract.contract import Contract, FieldSpec
from zscontract.core.cases import Case, InputClass, classify_body, classify_fields
from zscontract.core.dialects import ACTION_KEY, get_dialect
from zscontract.strategies.either import duplicate_key_body
from zscontract.strategies.yaml_doc import plain_yaml_document

# Integers at every edge a parser or a column type has: int32, float64's exact range, int64.
INT_BOUNDARIES = (0, 1, -1, 2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2**53 - 1, 2**53 + 1,
                  2**63 - 1, 2**63, -(2**63), -(2**63) - 1)
# Outer characters Java's String.trim() removes (every code point <= U+0020: space, tab, CR, LF, NUL,
# other C0 controls) and some it keeps that Python's strip() or a Unicode-aware trim removes
# (zstack-rest-facts.md "Strings are trimmed by the server").
TRIMMED_ENDS = {"space": " ", "tab": "\t", "cr": "\r", "lf": "\n", "nul": "\x00", "soh": "\x01", "us": "\x1f"}
KEPT_ENDS = {"nbsp": "\u00a0", "ideographic-space": "\u3000", "line-separator": "\u2028", "nel": "\u0085",
             "bom": "\ufeff"}
# The kinds of non-object value a zstack body may carry under its action key (zstack-rest-facts.md
# "An action value that is not an object": a released node answers each with a plain-text 500).
NOT_OBJECTS: dict[str, Any] = {"string": "x", "number": 7, "boolean": True, "list": [1], "empty-list": []}
_TEXT = "zsc 边界"


def _text(n: int, piece: str = "zsc名") -> str:
    return (piece * (n // len(piece) + 1))[:n]


def _string_values(spec: FieldSpec) -> list[tuple[str, str]]:
    """(label, value) pairs for a plain string field."""
    values = [("empty", ""), ("one-char", "z")]
    top = spec.domain_schema.get("maxLength")
    if top is not None:
        values += [(f"length-{top}", _text(int(top))), (f"length-{int(top) + 1}", _text(int(top) + 1))]
    for kind, ch in {**TRIMMED_ENDS, **KEPT_ENDS}.items():
        values.append((f"ends-{kind}", f"{ch}{_TEXT}{ch}"))
    values.append(("combining-mark", "zsc cafe\u0301"))  # e + COMBINING ACUTE: not to be normalised
    return values


def _yaml_values() -> list[tuple[str, str]]:
    doc = plain_yaml_document(7).rstrip("\n")
    return [("empty", ""), ("trailing-newline", doc + "\n"), ("no-trailing-newline", doc)]


def _valid(spec: FieldSpec, n: int) -> Any:
    """A deterministic value inside the field's must-accept domain, distinct for each ``n``."""
    if spec.json_type == "integer":
        return int(spec.domain_schema.get("minimum", 1)) + 2 + n
    if spec.domain_schema.get("x-zs-yaml"):
        return plain_yaml_document(n)
    return f"{_TEXT} {n}"


class Boundary(NamedTuple):
    """One boundary: a stable name (``requestCpu=2147483648``, the suite's test id) and its case.

    The case's label is the random generator's name for its kind (``requestCpu:overflow``,
    ``valid:name``, ``name:edge``), so that a failure's signature is the same whichever route found
    it, and one defect met by the boundaries and by random generation is one failure, not several.
    """

    name: str
    case: Case


def _label(spec: FieldSpec, klass: InputClass, kind: str, value: Any) -> str:
    if klass is InputClass.ACCEPT:
        return f"valid:{spec.name}"
    if spec.json_type == "integer":
        if klass is InputClass.REJECT:
            return f"{spec.name}:{'overflow' if value > 0 else 'underflow'}"
        return f"{spec.name}:non-positive"
    return f"{spec.name}:{kind}"


def field_boundaries(contract: Contract) -> list[Boundary]:
    """Each documented field at each of its boundaries, alone: the integer fields first (their edges are
    where released nodes and rewrites have failed: a wrap, a clamp, a 500, a dropped zero), then the strings."""
    out: list[Boundary] = []
    specs = contract.documented_fields()
    for spec in sorted(specs, key=lambda s: s.json_type != "integer"):
        values: list[tuple[str, Any]]
        if spec.json_type == "integer":
            values = [(str(v), v) for v in INT_BOUNDARIES]
        elif spec.json_type == "string":
            values = _yaml_values() if spec.domain_schema.get("x-zs-yaml") else _string_values(spec)
        else:
            continue
        for name, value in values:
            fields = {spec.name: value}
            klass, reject_kind = classify_fields(contract, fields)
            kind = "edge" if name.startswith("ends-") else "overlong" if name.startswith("length-") else name
            label = _label(spec, klass, kind, value)
            out.append(Boundary(f"{spec.name}={name}", Case(klass, label, fields=fields, reject_kind=reject_kind)))
    return out


def repeated_field_keys(contract: Contract) -> list[Boundary]:
    """Each documented field's key twice in one body, with two valid values: inside the action object in
    ``zstack``, at the top level in ``documented``."""
    out: list[Boundary] = []
    wrap = get_dialect(contract.profile).wrap
    for spec in contract.documented_fields():
        first, second = _valid(spec, 1), _valid(spec, 2)
        case = Case(InputClass.EITHER, f"{spec.name}:duplicate-key", fields={spec.name: second},
                    alternatives={spec.name: (first, second)})
        klass, reject_kind = classify_body(contract, duplicate_key_body(case, wrap))
        out.append(Boundary(f"{spec.name}=duplicate-key",
                            dataclasses.replace(case, input_class=klass, reject_kind=reject_kind)))
    return out


def body_boundaries(contract: Contract) -> list[Boundary]:
    """zstack only: each kind of non-object value under the action key, ``null`` there, and top-level keys
    sent twice (the action key with two different objects; ``systemTags``). Only the three top-level keys
    an UpdateModelService body may carry are ever sent (zstack-rest-facts.md "Top-level keys are actions")."""
    if contract.profile != "zstack":
        return []
    specs = {s.name: s for s in contract.documented_fields()}
    cases: list[Boundary] = []
    for kind, value in {**NOT_OBJECTS, "null": None}.items():
        label = f"{ACTION_KEY}:null" if value is None else f"{ACTION_KEY}:not-object:{kind}"
        cases.append(_raw(contract, label, json.dumps({ACTION_KEY: value}).encode()))
    # Two objects that differ in their keys as well as their values: a merge of the two shows.
    a = {n: _valid(specs[n], 3) for n in ("name", "requestCpu") if n in specs}
    b = {n: _valid(specs[n], 4) for n in ("name", "description") if n in specs}
    first, second = (json.dumps(u, ensure_ascii=False) for u in (a, b))
    raw = f'{{"{ACTION_KEY}": {first}, "{ACTION_KEY}": {second}}}'
    cases.append(_raw(contract, f"body:duplicate-top-level-key:{ACTION_KEY}", raw.encode(), one_of=(a, b)))
    update = {n: _valid(specs[n], 5) for n in ("description",) if n in specs}
    # Empty tag lists: whichever wins, no tag is written (a tag is not a field a restore can put back).
    raw = f'{{"{ACTION_KEY}": {json.dumps(update, ensure_ascii=False)}, "systemTags": [], "systemTags": []}}'
    cases.append(_raw(contract, "body:duplicate-top-level-key:systemTags", raw.encode(), fields=update))
    return cases


def _raw(contract: Contract, label: str, raw: bytes, **extra: Any) -> Boundary:
    klass, kind = classify_body(contract, raw)
    return Boundary(label, Case(klass, label, raw_body=raw, reject_kind=kind, **extra))


@functools.cache
def boundary_cases(contract: Contract) -> tuple[Boundary, ...]:
    """Every boundary of this contract, in the order a run sends them (built once per contract): the
    zstack bodies, the fields' own boundaries (integers first), the repeated field keys. A run whose
    budget ends early has sent the likeliest defects first.

    >>> from zscontract.contract import load_contract
    >>> [b.case.label for b in boundary_cases(load_contract("zstack")) if b.name.startswith("requestCpu=2")]
    ['valid:requestCpu', 'requestCpu:overflow']
    """
    return (*body_boundaries(contract), *field_boundaries(contract), *repeated_field_keys(contract))
