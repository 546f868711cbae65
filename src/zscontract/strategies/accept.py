"""Must-accept inputs (oracle.md class 1), built from the contract's field specs.

Nothing here hard-codes a field: names, types, limits and the charset come from
``Contract.fields`` (``domain_schema`` for what must be accepted). Boundaries that once mattered are
sampled explicitly so that a short run reaches them (2^31-1, 2^53+1, 2^63-1, the 255-character name).
"""

from __future__ import annotations

import functools
from typing import Any

from hypothesis import strategies as st

from zscontract.contract import Contract, FieldSpec
from zscontract.core.cases import Case, InputClass
from zscontract.strategies.text import must_accept_text
from zscontract.strategies.yaml_doc import yaml_document


def _integer(spec: FieldSpec) -> st.SearchStrategy[int]:
    dom = spec.domain_schema
    lo, hi = int(dom["minimum"]), int(dom["maximum"])
    edges = sorted({v for v in (lo, hi, 2**31 - 1, 2**31, 2**32, 2**53, 2**53 + 1) if lo <= v <= hi})
    return st.one_of(st.sampled_from(edges), st.integers(lo, min(hi, 1 << 16)), st.integers(lo, hi))


def documented(contract: Contract) -> dict[str, FieldSpec]:
    return {s.name: s for s in contract.documented_fields()}


def valid_value(spec: FieldSpec) -> st.SearchStrategy[Any]:
    """Values inside the must-accept domain of one documented field."""
    if spec.json_type == "integer":
        return _integer(spec)
    if spec.domain_schema.get("x-zs-yaml"):
        return yaml_document()
    return must_accept_text(spec)


@functools.cache
def valid_values(contract: Contract) -> dict[str, st.SearchStrategy[Any]]:
    """``valid_value`` of each documented field, built once per contract (see ``must_accept_fields``)."""
    return {n: valid_value(s) for n, s in documented(contract).items()}


# Strategies are built once per contract and reused by every draw: building one inside a
# composite on each draw (st.text's alphabet intervals, validation) cost Hypothesis about 40%
# of a run's time (profile in benchmarks/README.md). Contract hashes by identity.
@functools.cache
def must_accept_fields(contract: Contract) -> st.SearchStrategy[dict[str, Any]]:
    """A non-empty update of documented fields, each inside its conservative domain."""
    return st.fixed_dictionaries({}, optional=valid_values(contract)).filter(bool)


def must_accept(contract: Contract) -> st.SearchStrategy[Case]:
    return must_accept_fields(contract).map(
        lambda f: Case(InputClass.ACCEPT, "valid:" + ",".join(sorted(f)), fields=f))
