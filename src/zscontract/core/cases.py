"""Test cases and the three input classes of the oracle (oracle.md "Three kinds of input").

A :class:`Case` is one request the harness sends; its class decides what is asserted. The
classifier :func:`classify_fields` is the single authority on classes: the Hypothesis
strategies are built to produce each class, and a self-test checks that they agree with it;
schemathesis cases are classified by it too.
"""

from __future__ import annotations

import base64
import enum
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import yaml

from zscontract.core.dialects import ACTION_KEY, DIALECTS
from zscontract.core.java_ints import FieldLike, java_whole_number, quoted_integer, rest_type_error, violates_type
from zscontract.core.refusals import either_form_kind
from zscontract.core.values import is_conservative_text, is_json_int

__all__ = [  # the classes, the classifier and the zstack int rules it rests on (re-exported)
    "REJECT_ARGUMENT", "REJECT_BAD_UUID", "REJECT_NO_AUTH", "REJECT_NOT_FOUND", "REJECT_PROTOCOL",
    "REJECT_SESSION", "Case", "ContractLike", "FieldLike", "InputClass", "classify_body", "classify_fields",
    "either_form_kind", "is_model_service_yaml", "java_whole_number", "plain_text_allowed", "quoted_integer",
    "repeats_top_level_key",
    "rest_type_error",
]


class ContractLike(Protocol):
    """What the classifier reads of a contract (``zscontract.contract.Contract`` has it); core never
    imports the contract layer, which sits above it."""

    @property
    def profile(self) -> str: ...
    @property
    def fields(self) -> Mapping[str, FieldLike]: ...
    def yaml_validator(self) -> Any: ...


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
    body (non-JSON, duplicate keys; ``b""`` is no body at all, see :attr:`no_body`);
    ``alternatives`` then lists, per field, every value the server may have taken; ``one_of`` lists
    whole updates one of which the server may have applied, exactly (the ``zstack`` action key sent
    twice with two objects: oracle.md "either sent value may win", and the value is the whole object).
    ``uuid`` is ``None`` for the resource under test.
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
    one_of: tuple[Mapping[str, Any], ...] = ()

    @property
    def no_body(self) -> bool:
        """A request with no body at all (``raw_body=b""``): either way, a server may read it as an
        empty update (oracle.md "Either way"); a real node's REST layer answers it with a plain-text
        500, a defect ``no_server_fault`` reports (zstack-rest-facts.md, "Bodies the REST layer cannot read")."""
        return self.raw_body is not None and not self.raw_body.strip()

    def sent_values(self) -> dict[str, tuple[Any, ...]]:
        """Each field the target may have received, with every value it may have taken."""
        if self.alternatives:
            return {k: tuple(v) for k, v in self.alternatives.items()}
        if self.one_of:
            names = dict.fromkeys(k for update in self.one_of for k in update)
            return {k: tuple(u[k] for u in self.one_of if k in u) for k in names}
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
        if self.one_of:
            data["one_of"] = [dict(u) for u in self.one_of]
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
            one_of=tuple(dict(u) for u in data.get("one_of") or ()),
        )


def _in_domain(contract: ContractLike, spec: FieldLike, value: Any) -> bool:
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
        return is_model_service_yaml(contract, value)
    return True


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def is_model_service_yaml(contract: ContractLike, text: str) -> bool:
    """A YAML document valid against the contract's ``ModelServiceYaml`` schema: the one authority on
    the yaml field's must-accept domain (``contracts/schemas/ModelServiceYaml.json``)."""
    try:
        doc = yaml.load(text, Loader=_YAML_LOADER)  # a safe loader (libyaml's when present)
    except (yaml.YAMLError, RecursionError, ValueError):
        return False
    return bool(contract.yaml_validator().is_valid(doc))


def classify_fields(contract: ContractLike, fields: Any) -> tuple[InputClass, str | None]:
    """The class of an update with these fields (already unwrapped), and the reject kind.

    The dialect is the contract's profile: a quoted integer is either way in zstack only.

    >>> from zscontract.contract import load_contract
    >>> classify_fields(load_contract("documented"), {"requestCpu": "1"})[0].value
    'must-reject'
    >>> classify_fields(load_contract("zstack"), {"requestCpu": "1"})[0].value
    'either-way'
    >>> classify_fields(load_contract("documented"), {"name": "模型"})[0].value
    'must-accept'
    """
    if not isinstance(fields, dict):
        return InputClass.REJECT, REJECT_PROTOCOL
    specs = contract.fields
    for name, value in fields.items():
        spec = specs.get(name)
        if spec is not None and spec.documented and violates_type(spec, value, contract.profile):
            return InputClass.REJECT, REJECT_ARGUMENT
    if not fields:
        return InputClass.EITHER, None  # an empty update (oracle.md: either way)
    for name, value in fields.items():
        spec = specs.get(name)
        if spec is None or not spec.documented or not _in_domain(contract, spec, value):
            return InputClass.EITHER, None
    return InputClass.ACCEPT, None


def _decode(raw: bytes) -> tuple[bool, Any]:
    try:
        return True, json.loads(raw)
    except (ValueError, RecursionError):
        return False, None


def _repeated_keys(raw: bytes) -> tuple[bool, bool]:
    """Whether a JSON body repeats a key in its top-level object, and whether in any object of it."""
    repeats: list[bool] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        repeats.append(len({k for k, _ in items}) < len(items))
        return dict(items)

    try:
        top = json.loads(raw, object_pairs_hook=pairs)
    except (ValueError, RecursionError):
        return False, False
    # The hook sees the objects inside out: the top-level object, when it is one, comes last.
    return isinstance(top, dict) and repeats[-1], any(repeats)


def repeats_top_level_key(raw: bytes | None) -> bool:
    """True when a raw body repeats a key of its top-level object (``updateModelService`` twice, ...).

    zstack-rest-facts.md "Repeated keys": a node's REST layer reads the body's own map with Gson's
    ``MapTypeAdapterFactory``, which throws on such a key: a refusal there (a plain-text ``400``, a
    ``503`` ErrorCode) is proper, a ``500`` is the released node's defect.

    >>> repeats_top_level_key(b'{"a": {"b": 1, "b": 2}}'), repeats_top_level_key(b'{"a": 1, "a": 2}')
    (False, True)
    """
    return raw is not None and _repeated_keys(raw)[0]


def classify_body(contract: ContractLike, raw: bytes | None) -> tuple[InputClass, str | None]:
    """The class of a whole request body as sent (``None`` or ``b""``: no body at all).

    No body is either way (oracle.md); a body that is not JSON, or in zstack has no
    ``updateModelService`` key or a non-object under it, is must-reject (protocol); ``null`` under
    it is an empty update (either way); otherwise :func:`classify_fields`, except that a key repeated
    at any level makes a must-accept body either way (oracle.md "Either way": either sent value may
    win, and a refusal is proper).
    """
    if raw is None or not raw.strip():
        return InputClass.EITHER, None
    ok, body = _decode(raw)
    if not ok:
        return InputClass.REJECT, REJECT_PROTOCOL
    klass, kind = _classify_decoded(contract, body)
    if klass is InputClass.ACCEPT and _repeated_keys(raw)[1]:
        return InputClass.EITHER, None
    return klass, kind


def _classify_decoded(contract: ContractLike, body: Any) -> tuple[InputClass, str | None]:
    if contract.profile == "zstack":
        if not isinstance(body, dict) or ACTION_KEY not in body:
            return InputClass.REJECT, REJECT_PROTOCOL
        body = body[ACTION_KEY]
        if body is None:
            # RestServer routes on the key and builds an empty API message for a null parameter: an
            # empty update on a real node (either way, as ``{}`` is); a plain-text 400 is allowed too.
            return InputClass.EITHER, None
    return classify_fields(contract, body)


def _rest_layer_body(contract: ContractLike, case: Case) -> bool:
    """True when the case's body is one ZStack's REST layer itself refuses in plain text."""
    if not case.wrap:
        return True  # no updateModelService key: "the body doesn't contain action mapping"
    fields: Any = case.fields
    if case.raw_body is not None:
        ok, body = _decode(case.raw_body) if case.raw_body.strip() else (False, None)
        if not ok or not isinstance(body, dict) or ACTION_KEY not in body or body[ACTION_KEY] is None:
            return True  # no body, not JSON, not an object, no action object: never reaches an API message
        if repeats_top_level_key(case.raw_body):
            return True  # the body's own map cannot be read (Gson's "duplicate key"): refused before any message
        fields = body[ACTION_KEY]
    if not isinstance(fields, dict):
        return False  # not an object under the action key: the dialect's either-form rule decides
    specs = contract.fields
    for name, value in fields.items():
        spec = specs.get(name)
        if spec is None:
            continue
        if rest_type_error(spec, value):
            return True  # TypeVerifier's "[f] field is excepted an int or long"
        if spec.json_type == "integer" and isinstance(value, str | float):
            # A quoted or whole-float number in range: the same REST-layer type check, stricter than
            # ZStack's TypeVerifier, is a plausible node ("either way" rather than a guess).
            return True
    return False


def plain_text_allowed(contract: ContractLike, case: Case, status: int) -> bool:
    """True when a plain-text ``status`` answer to ``case`` is a proper refusal in the contract's dialect.

    zstack-rest-facts.md "Two dialects" and "Exact texts": a plain-text 400 for a missing
    ``Authorization`` header or another scheme, a non-integer in an int/long field, a body without the
    ``updateModelService`` key (or one the REST layer cannot read at all); a plain-text 404 for a path
    no API is mapped to. A plain-text 400 is also proper for the inputs the dialect may refuse in either
    form (``Dialect.refused_in_either_form``, :func:`either_form_kind`: an integer beyond its Java type, an
    ``updateModelService`` that is not an object, a repeated top-level key; oracle.md "Errors"). Anything
    else answered in plain text (an unknown session, an unknown uuid, an argument error of the API) is
    not ZStack's form; in ``documented`` plain text never is.
    """
    dialect = DIALECTS.get(contract.profile)
    if dialect is None or status not in dialect.rest_error_statuses:
        return False
    if status == 404:
        return case.uuid is not None and (case.uuid == "" or "/" in case.uuid)  # an unmapped path
    if status != 400:
        return False
    if case.auth in ("none", "scheme"):
        return True
    if case.reject_kind == REJECT_PROTOCOL:
        return True
    return _rest_layer_body(contract, case) or dialect.refuses_in_either_form(either_form_kind(contract, case))
