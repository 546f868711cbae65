"""Decoding and validating an UpdateModelService request body.

The rules are the sound reading of oracle.md's three input classes: the must-accept domain is always
accepted; must-reject inputs (wrong JSON types, integers beyond the Java type) are refused; the
"either way" inputs get a fixed, consistent answer (zero or negative numbers refused, empty or blank
names refused, over-long strings refused, invalid YAML stored as sent, unknown fields ignored, control
characters and emoji stored byte-exact). Faults that loosen or tighten a rule are consulted here by name.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from zscontract.server.hooks import FaultSet
from zscontract.server.values import INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, java_text

DOCUMENTED_FIELDS = ("name", "description", "yaml", "requestCpu", "requestMemory")
INT_RANGES = {"requestCpu": (INT32_MIN, INT32_MAX), "requestMemory": (INT64_MIN, INT64_MAX)}
# Example-only fields of the page's curl example that are inventory fields: stored when sent.
EXTRA_STRINGS = ("gpuComputeCapability", "startCommand", "pythonVersion", "type", "framework", "source",
                 "containerCommand", "containerArgs")
EXTRA_BOOLS = ("supportDistributed",)
EXTRA_MAPS = ("vendorToSpecUuidsMap",)
STRING_FIELDS = ("name", "description", "yaml", *EXTRA_STRINGS)
STORED_FIELDS = (*STRING_FIELDS, *INT_RANGES, *EXTRA_BOOLS, *EXTRA_MAPS)
# Example-only fields that are not inventory fields: accepted and ignored.
IGNORED_EXAMPLE = ("architectureImages", "environmentParameters", "startupParameters", "inferenceParams",
                   "serviceName", "servicePorts", "serviceLivez", "serviceReadyz", "serviceBootupTime",
                   "serviceInstallPath", "serviceStartCommand", "systemTags", "userTags")
MAX_LENGTH = {"name": 255, "description": 2048}  # facts "Values": ZStack's usual @APIParam limits
EXTRA_MAX_LENGTH = 2048
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
# What Gson's Long.parseLong takes from a quoted integer (an optional sign, digits): stored as the number.
_INT_TEXT = re.compile(r"[+-]?[0-9]+")
# The SDK's valid values (facts, "The SDK's view of the request"); others are SYS.1007.
VALID_VALUES = {"type": ("Endpoint", "FineTune", "App", "ModelEval"), "framework": ("Other", "Bentoml", "HuggingFace")}


def json_type(value: Any) -> str:
    """The JSON name of a decoded value's type (for error details)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


class BodyError(ValueError):
    """The body is not JSON (or not UTF-8 JSON Python can read)."""


class JsonInt(int):
    """A JSON integer that remembers its text (Gson coerces a number in a string field to its text)."""

    text: str

    def __new__(cls, text: str) -> JsonInt:
        obj = super().__new__(cls, text)
        obj.text = text
        return obj


class JsonFloat(float):
    """A JSON number with a fraction or exponent, with its text."""

    text: str

    def __new__(cls, text: str) -> JsonFloat:
        obj = super().__new__(cls, text)
        obj.text = text
        return obj


class JsonObject(dict[str, Any]):
    """A JSON object as Python's json reads it (the last of a repeated key wins, as Gson's ObjectTypeAdapter
    does inside the action object), remembering every value of each key it repeats, in order.

    zstack-rest-facts.md "Repeated keys": a node reads the body's own map with another adapter, which
    throws on a repeated key; the REST layer decides with :attr:`repeated` what a top-level one means.
    """

    repeated: dict[str, list[Any]]


def _object(pairs: list[tuple[str, Any]]) -> JsonObject:
    obj = JsonObject(pairs)
    seen: dict[str, list[Any]] = {}
    for key, value in pairs:
        seen.setdefault(key, []).append(value)
    obj.repeated = {k: v for k, v in seen.items() if len(v) > 1}
    return obj


def _no_constant(name: str) -> Any:
    raise BodyError(f"{name} is not JSON")


def load_json(body: bytes) -> Any:
    """Decode a request body; raise :class:`BodyError` when it is not JSON.

    >>> load_json(b'{"a": 1}')
    {'a': 1}
    """
    if not body.strip():
        raise BodyError("the body is empty")
    try:
        return json.loads(body, parse_int=JsonInt, parse_float=JsonFloat, parse_constant=_no_constant,
                          object_pairs_hook=_object)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise BodyError(f"the body is not JSON: {exc}") from None


@dataclass(frozen=True)
class FieldError:
    """One refused field and why."""

    field: str
    reason: str


@dataclass
class ParsedUpdate:
    """The validated changes (``None`` = clear, with ``null-clears``), the refused fields, and the int
    fields that were sent as quoted integers (their text)."""

    changes: dict[str, Any] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)
    quoted: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        return "; ".join(f"field[{e.field}]: {e.reason}" for e in self.errors)


def _is_str_encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a "\ud800" escape
        return False
    return True


def rest_type_error(fields: dict[str, Any], fs: FaultSet) -> str | None:
    """zstack: RestServer's TypeVerifier on the int/long fields; its plain-text 400, or ``None``.

    Facts "Values": the check tests the value's *text* (``Double.parseDouble``, no fraction), so a quoted
    integer passes and is stored as the number. This server is stricter than Gson's later conversion is
    lenient: a quoted text other than sign-and-digits (``"2.0"``, ``" 2"``), which a node may answer
    with a plain-text 500, is refused here with the same 400.

    >>> rest_type_error({"requestCpu": JsonFloat("2.5")}, FaultSet())
    '[requestCpu] field is excepted an int or long, but was [2.5].'
    >>> rest_type_error({"requestCpu": "2", "requestMemory": JsonFloat("2.0")}, FaultSet()) is None
    True
    >>> rest_type_error({"requestCpu": JsonInt("2147483648")}, FaultSet(["range-refused-in-plain-text"]))
    '[requestCpu] field is excepted an int or long, but was [2147483648].'
    """
    for name, (low, high) in INT_RANGES.items():
        value = fields.get(name)
        if value is None:
            continue
        if fs.on("range-refused-in-plain-text") and whole_beyond(value, low, high):
            # A node that fixed its plain-text 500 here may refuse in the REST layer, with the text the
            # same check gives a fraction (oracle.md "Errors": either form is proper).
            return f"[{name}] field is excepted an int or long, but was [{java_text(value)}]."
        if isinstance(value, bool):
            ok = fs.on("bool-as-int")
        elif isinstance(value, float):
            ok = math.isfinite(value) and (value.is_integer() or fs.on("float-truncated"))
        elif isinstance(value, str):
            ok = _INT_TEXT.fullmatch(value) is not None and not fs.on("refuse-quoted-int")
        else:
            ok = isinstance(value, int)
        if not ok:
            return f"[{name}] field is excepted an int or long, but was [{java_text(value)}]."
    return None


def whole_beyond(value: Any, low: int, high: int) -> bool:
    """A whole number (a JSON integer, a whole float, a quoted sign-and-digits text) outside [low, high]."""
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        return math.isfinite(value) and value.is_integer() and not low <= int(value) <= high
    if isinstance(value, str):
        return _INT_TEXT.fullmatch(value) is not None and not low <= int(value) <= high
    return isinstance(value, int) and not low <= value <= high


def java_int(name: str, value: Any, fs: FaultSet, *, zstack: bool) -> tuple[int | None, FieldError | None]:
    """The int to store for an int/long field, or why it is refused (an API argument error).

    zstack has already passed the REST layer's text check (:func:`rest_type_error`): a float without a
    fraction and a quoted integer become the number there. In documented both are refused.
    """
    low, high = INT_RANGES[name]
    if isinstance(value, bool):
        if not fs.on("bool-as-int"):
            return None, FieldError(name, f"{json.dumps(value)} is not an integer")
        value = int(value)
    elif isinstance(value, float):
        if not (math.isfinite(value) and (fs.on("float-truncated") or (zstack and value.is_integer()))):
            return None, FieldError(name, f"{getattr(value, 'text', value)} is not an integer")
        value = int(value)
    elif isinstance(value, str):
        quoted_ok = zstack or (fs.on("numeric-string-cpu") and name == "requestCpu")
        if not (quoted_ok and _INT_TEXT.fullmatch(value)):
            return None, FieldError(name, "a string is not an integer")
        value = int(value)
    elif not isinstance(value, int):
        return None, FieldError(name, f"a JSON {json_type(value)} is not an integer")
    if fs.on("cpu-beyond-int32") and name == "requestCpu":
        low, high = INT64_MIN, INT64_MAX
    if not low <= value <= high:
        # A node's Gson throws (plain-text 500) or wraps here (facts "Values"); a sound server refuses.
        return None, FieldError(name, f"{value} is out of range [{low}, {high}]")
    return int(value), None


def _string(name: str, value: Any, coerce: bool) -> tuple[str | None, str | None]:
    """The string to store, or the reason it is refused."""
    if coerce and isinstance(value, bool):
        return ("true" if value else "false"), None
    if coerce and isinstance(value, JsonInt | JsonFloat):
        return value.text, None  # facts "Values": Gson coerces a number to its text
    if not isinstance(value, str):
        return None, f"a JSON {json_type(value)} is not a string"
    if not _is_str_encodable(value):
        return None, "contains a lone UTF-16 surrogate"
    return value, None


def is_zero_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value == 0


def parse_update(fields: dict[str, Any], fs: FaultSet, *, zstack: bool = False) -> ParsedUpdate:
    """Validate the update fields (already unwrapped from the dialect's body).

    >>> parse_update({"name": " a ", "requestCpu": JsonInt("2")}, FaultSet(), zstack=True).changes
    {'name': 'a', 'requestCpu': 2}
    >>> parse_update({"requestCpu": "2"}, FaultSet()).errors[0].field
    'requestCpu'
    """
    parsed = ParsedUpdate()
    for name, value in fields.items():
        result: tuple[Any, FieldError | None]
        if name in STORED_FIELDS and value is None:
            _null(parsed, name, fs)
            continue
        if name in INT_RANGES and fs.on("omitempty-zero") and is_zero_int(value):
            continue  # Go's omitempty: a zero is "not given" on the way to the store
        if name in INT_RANGES:
            result = _int_field(name, value, fs, zstack)
            if isinstance(value, str) and result[1] is None:
                parsed.quoted[name] = value
        elif name in STRING_FIELDS:
            result = _string_field(name, value, fs, zstack)
        elif name in EXTRA_BOOLS:
            result = (value, None) if isinstance(value, bool) else (None, FieldError(name, "not a boolean"))
        elif name in EXTRA_MAPS:
            result = (value, None) if isinstance(value, dict) else (None, FieldError(name, "not an object"))
        elif name in IGNORED_EXAMPLE:
            continue
        elif fs.on("refuse-unknown-fields"):
            result = (None, FieldError(name, "no such field in UpdateModelService"))
        else:
            continue  # an invented field: ignored, as Gson ignores unknown keys
        stored, error = result
        if error is not None:
            parsed.errors.append(error)
        else:
            parsed.changes[name] = stored
    return parsed


def _int_field(name: str, value: Any, fs: FaultSet, zstack: bool) -> tuple[int | None, FieldError | None]:
    number, error = java_int(name, value, fs, zstack=zstack)
    if error is not None or number is None:
        return None, error
    if number < 1:  # either-way input (oracle.md): refused, consistently
        return None, FieldError(name, f"must be at least 1, got {number}")
    too_large = (name == "requestCpu" and fs.on("reject-large-cpu") and number > 2**30) or \
        (name == "requestMemory" and fs.on("reject-large-memory") and number > INT32_MAX)
    if too_large:
        return None, FieldError(name, f"{number} is too large")
    return number, None


def _string_field(name: str, value: Any, fs: FaultSet, zstack: bool) -> tuple[str | None, FieldError | None]:
    text, reason = _string(name, value, fs.on("coerce-numbers"))
    if text is not None:
        text = fs.store_string(text, zstack=zstack)
        reason = _string_rule(name, text, fs)
    if reason:
        return None, FieldError(name, reason)
    return text, None


def _null(parsed: ParsedUpdate, name: str, fs: FaultSet) -> None:
    """A null field: Gson's "not given" by default (facts "Values"), or cleared with ``null-clears``."""
    if fs.on("null-as-none") and name in STRING_FIELDS:
        parsed.changes[name] = "None"
    elif fs.on("null-clears"):
        if name == "name":
            parsed.errors.append(FieldError(name, "name cannot be cleared"))
        else:
            parsed.changes[name] = None


def _string_rule(name: str, text: str, fs: FaultSet) -> str | None:
    """The reason a string is refused, or ``None``."""
    limit = MAX_LENGTH.get(name, None if name == "yaml" else EXTRA_MAX_LENGTH)
    if limit is not None and len(text) > limit:
        return f"is longer than {limit} characters ({len(text)})"
    if name in VALID_VALUES and text not in VALID_VALUES[name]:
        return f"[{text}] is not a valid value; valid values are {list(VALID_VALUES[name])}"
    if name == "name":
        if not text or text.isspace():  # oracle.md: "not all whitespace (as Python's str.isspace)"
            return "must not be empty or only whitespace"
        if fs.on("reject-cjk-name") and _CJK.search(text):
            return "must be ASCII"
    return None


def has_cjk_or_emoji(text: str) -> bool:
    """True when the text has a CJK character or a character outside the BMP."""
    return bool(_CJK.search(text)) or any(ord(ch) > 0xFFFF for ch in text)
