"""Test cases and the three input classes of the oracle (oracle.md "Three kinds of input").

A :class:`Case` is one request the harness sends; its class decides what is asserted. The
classifier :func:`classify_fields` is the single authority on classes: the Hypothesis
strategies are built to produce each class, and a self-test checks that they agree with it;
schemathesis cases are classified by it too.
"""

from __future__ import annotations

import base64
import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml

from zscontract.core.values import is_conservative_text, is_json_int

if TYPE_CHECKING:
    from zscontract.contract import Contract, FieldSpec


class InputClass(enum.Enum):
    ACCEPT = "must-accept"
    REJECT = "must-reject"
    EITHER = "either-way"


# Why a must-reject case is rejected; in the zstack dialect some kinds have a fixed code.
REJECT_ARGUMENT = "argument"     # a documented type violated (SYS.1007 when answered by the API)
REJECT_PROTOCOL = "protocol"     # not JSON, not an object, no action key (REST layer)
REJECT_NO_AUTH = "no-auth"       # no Authorization header / another scheme (REST layer)
REJECT_SESSION = "session"       # unknown session (ID.1001)
REJECT_NOT_FOUND = "not_found"   # unknown well-formed uuid (SYS.1003)
REJECT_BAD_UUID = "bad-uuid"     # malformed uuid


@dataclass(frozen=True)
class Case:
    """One generated request.

    ``fields`` are the update fields before dialect wrapping. ``raw_body`` replaces the wire
    body (non-JSON, duplicate keys); ``alternatives`` then lists, per field, every value the
    server may have taken. ``uuid`` is ``None`` for the resource under test.
    """

    input_class: InputClass
    label: str
    fields: Mapping[str, Any] | None = None
    raw_body: bytes | None = None
    wrap: bool = True
    auth: str = "default"
    uuid: str | None = None
    reject_kind: str | None = None
    alternatives: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)

    def sent_values(self) -> dict[str, tuple[Any, ...]]:
        """Each field the target may have received, with every value it may have taken."""
        if self.alternatives:
            return {k: tuple(v) for k, v in self.alternatives.items()}
        return {k: (v,) for k, v in (self.fields or {}).items()}

    def to_json(self) -> dict[str, Any]:
        """A JSON-able form (for the regression corpus); :meth:`from_json` reads it back."""
        data: dict[str, Any] = {"input_class": self.input_class.value, "label": self.label}
        if self.fields is not None:
            data["fields"] = dict(self.fields)
        if self.raw_body is not None:
            data["raw_body_b64"] = base64.b64encode(self.raw_body).decode("ascii")
        if not self.wrap:
            data["wrap"] = False
        if self.auth != "default":
            data["auth"] = self.auth
        if self.uuid is not None:
            data["uuid"] = self.uuid
        if self.reject_kind is not None:
            data["reject_kind"] = self.reject_kind
        if self.alternatives:
            data["alternatives"] = {k: list(v) for k, v in self.alternatives.items()}
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Case:
        raw = data.get("raw_body_b64")
        return cls(
            input_class=InputClass(data["input_class"]),
            label=str(data["label"]),
            fields=data.get("fields"),
            raw_body=base64.b64decode(raw) if raw is not None else None,
            wrap=bool(data.get("wrap", True)),
            auth=str(data.get("auth", "default")),
            uuid=data.get("uuid"),
            reject_kind=data.get("reject_kind"),
            alternatives={k: tuple(v) for k, v in (data.get("alternatives") or {}).items()},
        )


def _violates_hard(spec: FieldSpec, value: Any) -> bool:
    """True when ``value`` breaks the field's documented type (must reject)."""
    if value is None:
        return False  # null is "not given" to Gson (zstack-rest-facts.md "Values")
    if spec.json_type != "integer":
        return False  # strings: numbers are coerced by Gson; everything else is either way
    if isinstance(value, bool | str | list | dict):
        return True
    if isinstance(value, float):
        if not math.isfinite(value) or value != math.floor(value):
            return True  # a fraction is a type violation
        value = int(value)  # 5.0: Gson may read it as 5; either way unless out of range
    hard = spec.hard_schema
    lo = hard.get("minimum")
    hi = hard.get("maximum")
    return (lo is not None and value < lo) or (hi is not None and value > hi)


def _in_domain(spec: FieldSpec, value: Any) -> bool:
    """True when ``value`` is inside the conservative must-accept domain of the field."""
    dom = spec.domain_schema
    if spec.json_type == "integer":
        if not is_json_int(value):
            return False
        return bool(dom.get("minimum", -math.inf) <= value <= dom.get("maximum", math.inf))
    if spec.json_type != "string" or not isinstance(value, str):
        return False
    if not dom.get("minLength", 0) <= len(value) <= dom.get("maxLength", math.inf):
        return False
    if dom.get("x-zs-not-blank") and (value == "" or value.isspace()):
        return False
    if not is_conservative_text(value, multiline=spec.multiline):
        return False
    if dom.get("x-zs-yaml"):
        return is_model_service_yaml(value)
    return True


def is_model_service_yaml(text: str) -> bool:
    """A YAML document in the shape of the page's example (a mapping of known sections)."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        return False
    return isinstance(doc, dict) and bool(doc) and set(doc) <= {"services", "env", "distro", "python"}


def classify_fields(contract: Contract, fields: Any) -> tuple[InputClass, str | None]:
    """The class of an update with these fields (already unwrapped), and the reject kind.

    >>> from zscontract.contract import load_contract
    >>> classify_fields(load_contract("documented"), {"requestCpu": "1"})[0].value
    'must-reject'
    >>> classify_fields(load_contract("documented"), {"name": "模型"})[0].value
    'must-accept'
    """
    if not isinstance(fields, dict):
        return InputClass.REJECT, REJECT_PROTOCOL
    specs = contract.fields
    for name, value in fields.items():
        spec = specs.get(name)
        if spec is not None and spec.documented and _violates_hard(spec, value):
            return InputClass.REJECT, REJECT_ARGUMENT
    if not fields:
        return InputClass.EITHER, None  # an empty update (oracle.md: either way)
    for name, value in fields.items():
        spec = specs.get(name)
        if spec is None or not spec.documented or not _in_domain(spec, value):
            return InputClass.EITHER, None
    return InputClass.ACCEPT, None
