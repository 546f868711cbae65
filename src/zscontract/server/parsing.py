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

from zscontract.core.values import INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN
from zscontract.server.hooks import FaultSet

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
_INT_TEXT = re.compile(r"^-?[0-9]+$")


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
        return json.loads(body, parse_int=JsonInt, parse_float=JsonFloat, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise BodyError(f"the body is not JSON: {exc}") from None


@dataclass(frozen=True)
class FieldError:
    """One refused field; ``rest_layer`` marks a Java type mismatch (zstack: a plain-text 400)."""

    field: str
    reason: str
    rest_layer: bool = False


@dataclass
class ParsedUpdate:
    """The validated changes (``None`` = clear, with ``null-clears``) and the refused fields."""

    changes: dict[str, Any] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)

    @property
    def rest_layer_errors(self) -> list[FieldError]:
        return [e for e in self.errors if e.rest_layer]

    def describe(self) -> str:
        return "; ".join(f"field[{e.field}]: {e.reason}" for e in self.errors)


def _is_str_encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a "\ud800" escape
        return False
    return True


def java_int(name: str, value: Any, fs: FaultSet) -> tuple[int | None, FieldError | None]:
    """Gson's conversion of a JSON value to Integer/Long: the int, or the REST layer's type error.

    zstack-rest-facts.md "Two dialects": "a non-integer in an int/long field" is refused by the REST layer.
    """
    low, high = INT_RANGES[name]
    if isinstance(value, bool):
        if not fs.on("bool-as-int"):
            return None, FieldError(name, f"{json.dumps(value)} is not an integer", True)
        value = int(value)
    elif isinstance(value, float):
        if not (fs.on("float-truncated") and math.isfinite(value)):
            return None, FieldError(name, f"{value!r} is not an integer", True)
        value = int(value)
    elif isinstance(value, str):
        if not (fs.on("numeric-string-cpu") and name == "requestCpu" and _INT_TEXT.match(value)):
            return None, FieldError(name, "a string is not an integer", True)
        value = int(value)
    elif not isinstance(value, int):
        return None, FieldError(name, f"a JSON {json_type(value)} is not an integer", True)
    if fs.on("cpu-beyond-int32") and name == "requestCpu":
        low, high = INT64_MIN, INT64_MAX
    if not low <= value <= high:
        return None, FieldError(name, f"{value} is out of range [{low}, {high}]", True)
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


def parse_update(fields: dict[str, Any], fs: FaultSet) -> ParsedUpdate:
    """Validate the update fields (already unwrapped from the dialect's body).

    >>> from zscontract.server.hooks import FaultSet
    >>> parse_update({"name": "a", "requestCpu": JsonInt("2")}, FaultSet()).changes
    {'name': 'a', 'requestCpu': 2}
    >>> parse_update({"requestCpu": "2"}, FaultSet()).errors[0].rest_layer
    True
    """
    parsed = ParsedUpdate()
    for name, value in fields.items():
        result: tuple[Any, FieldError | None]
        if name in STORED_FIELDS and value is None:
            _null(parsed, name, fs)
            continue
        if name in INT_RANGES:
            result = _int_field(name, value, fs)
        elif name in STRING_FIELDS:
            result = _string_field(name, value, fs)
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


def _int_field(name: str, value: Any, fs: FaultSet) -> tuple[int | None, FieldError | None]:
    number, error = java_int(name, value, fs)
    if error is not None or number is None:
        return None, error
    if number < 1:  # either-way input (oracle.md): refused, consistently
        return None, FieldError(name, f"must be at least 1, got {number}")
    too_large = (name == "requestCpu" and fs.on("reject-large-cpu") and number > 2**30) or \
        (name == "requestMemory" and fs.on("reject-large-memory") and number > INT32_MAX)
    if too_large:
        return None, FieldError(name, f"{number} is too large")
    return number, None


def _string_field(name: str, value: Any, fs: FaultSet) -> tuple[str | None, FieldError | None]:
    text, reason = _string(name, value, fs.on("coerce-numbers"))
    if text is not None:
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
    if name == "name":
        if not text or text.isspace():  # oracle.md: "not all whitespace (as Python's str.isspace)"
            return "must not be empty or only whitespace"
        if fs.on("reject-cjk-name") and _CJK.search(text):
            return "must be ASCII"
    return None


def has_cjk_or_emoji(text: str) -> bool:
    """True when the text has a CJK character or a character outside the BMP."""
    return bool(_CJK.search(text)) or any(ord(ch) > 0xFFFF for ch in text)
