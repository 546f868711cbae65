"""Which inputs a dialect may refuse in either of its error forms (oracle.md "Errors").

A released node (5.1.20) answers some must-reject and either-way inputs with a plain-text 500, a defect
(zstack-rest-facts.md): an integer beyond its field's Java type, an ``updateModelService`` that is not an
object, a repeated top-level key. How a node that fixed them refuses them is unknown, so the REST layer's
plain-text 400 and a 503 ErrorCode are both proper there. The kinds are named in
:mod:`zscontract.core.dialects` (``EITHER_FORM_KINDS``; a dialect lists those it allows in
``Dialect.refused_in_either_form``); :func:`either_form_kind` tells which one a case is, and
``core.cases.plain_text_allowed`` asks it, for every route: the CLI run's checks, the schemathesis phase
and the packaged pytest suite.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from zscontract.core.dialects import (
    ACTION_KEY,
    DIALECTS,
    DUPLICATE_TOP_LEVEL_KEY,
    EITHER_FORM_KINDS,
    NOT_OBJECT_UPDATE,
    OUT_OF_RANGE_INTEGER,
)
from zscontract.core.java_ints import beyond_java_type

if TYPE_CHECKING:  # core.cases imports this module
    from zscontract.core.cases import Case, ContractLike

__all__ = ["either_form_kind"]


def either_form_kind(contract: ContractLike, case: Case) -> str | None:
    """Which of the inputs a dialect may refuse in either form ``case`` is (a name of
    ``core.dialects.EITHER_FORM_KINDS``), or None.

    A generated case may name the kind in its label: the kind itself, or the kind, ``:`` and more
    (``body:duplicate-top-level-key:name``). Any case, schemathesis's and a saved corpus case included,
    is also recognised by what it sends: an integer beyond its field's Java type, as a JSON number, a
    whole float or quoted (:func:`~zscontract.core.java_ints.beyond_java_type`); in a dialect that wraps
    the body, an ``updateModelService`` that is neither an object nor null; a top-level key sent twice.

    >>> from zscontract.contract import load_contract
    >>> from zscontract.core.cases import Case, InputClass
    >>> zstack = load_contract("zstack")
    >>> either_form_kind(zstack, Case(InputClass.REJECT, "requestCpu:overflow", fields={"requestCpu": 2**31}))
    'integer:out-of-range'
    >>> either_form_kind(zstack, Case(InputClass.REJECT, "x", raw_body=b'{"updateModelService": "name"}'))
    'updateModelService:not-object'
    >>> either_form_kind(zstack, Case(InputClass.EITHER, "body:duplicate-top-level-key:name"))
    'body:duplicate-top-level-key'
    >>> either_form_kind(zstack, Case(InputClass.REJECT, "requestCpu:fraction", fields={"requestCpu": 2.5})) is None
    True
    """
    for kind in EITHER_FORM_KINDS:
        if case.label == kind or case.label.startswith(kind + ":"):
            return kind
    ok, body = _sent_body(case)
    if not ok:
        return None
    fields: Any = body
    dialect = DIALECTS.get(contract.profile)
    if dialect is not None and dialect.wraps_body:
        fields = body.get(ACTION_KEY) if isinstance(body, dict) else None
        if isinstance(body, dict) and ACTION_KEY in body and fields is not None and not isinstance(fields, dict):
            return NOT_OBJECT_UPDATE
    if isinstance(fields, dict):
        specs = contract.fields
        for name, value in fields.items():
            spec = specs.get(name)
            if spec is not None and beyond_java_type(spec, value):
                return OUT_OF_RANGE_INTEGER
    if _repeats_a_top_level_key(case.raw_body):
        return DUPLICATE_TOP_LEVEL_KEY
    return None


def _sent_body(case: Case) -> tuple[bool, Any]:
    """The body as sent, decoded; ``(False, None)`` when there is none or it is not JSON."""
    if case.raw_body is None:
        return True, ({ACTION_KEY: case.fields} if case.wrap else case.fields)
    if not case.raw_body.strip():
        return False, None
    try:
        return True, json.loads(case.raw_body)
    except (ValueError, RecursionError):
        return False, None


class _Pairs(dict[str, Any]):
    """A decoded JSON object that remembers whether a key was repeated in it."""

    repeated = False


def _pairs(items: list[tuple[str, Any]]) -> _Pairs:
    obj = _Pairs(items)
    obj.repeated = len(obj) < len(items)
    return obj


def _repeats_a_top_level_key(raw: bytes | None) -> bool:
    """True when the body's top-level object names a key twice (Python's json keeps the last; Gson's map
    adapter throws on a 5.1.20 node)."""
    if raw is None or not raw.strip():
        return False
    try:
        top = json.loads(raw, object_pairs_hook=_pairs)
    except (ValueError, RecursionError):
        return False
    return isinstance(top, _Pairs) and top.repeated
