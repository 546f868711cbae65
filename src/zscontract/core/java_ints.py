"""How a zstack node reads a value sent in an int/long field: its REST layer's type check, then Gson.

zstack-rest-facts.md "Values": ``rest/.../TypeVerifier.java`` passes any text that ``Double.parseDouble``
reads without a fraction, so ``"2"`` and ``2.0`` get through and are stored as ``2``; a boolean, a
fraction, a non-numeric string, an object or a list get the plain-text 400 ``[f] field is excepted an int
or long``. :mod:`zscontract.core.cases` decides the input classes with these.
"""

from __future__ import annotations

import math
import re
from typing import Any, Protocol

from zscontract.core.values import is_json_int, java_trim


class FieldLike(Protocol):
    """What the classifier reads of a field (``zscontract.contract.FieldSpec`` has it)."""

    @property
    def name(self) -> str: ...
    @property
    def json_type(self) -> str: ...
    @property
    def documented(self) -> bool: ...
    @property
    def multiline(self) -> bool: ...
    @property
    def hard_schema(self) -> dict[str, Any]: ...
    @property
    def domain_schema(self) -> dict[str, Any]: ...


# Java's number syntax as Double.parseDouble reads it (after its own trim), without hex floats,
# NaN and Infinity, which are never whole numbers a field can hold.
_JAVA_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFdD]?\Z")
_JAVA_INT = re.compile(r"[+-]?[0-9]+\Z")


def java_whole_number(text: str) -> int | None:
    """The integer Gson stores for ``text`` sent in an int/long field of a zstack node, or None.

    zstack-rest-facts.md "Values": the REST layer's TypeVerifier passes any text that
    ``Double.parseDouble`` reads without a fraction ("2", "2.0"); Gson then reads it with
    ``Integer.parseInt`` or, failing that, through a double. The range is the caller's concern.

    >>> java_whole_number("2"), java_whole_number(" 2.0 "), java_whole_number("2.5"), java_whole_number("abc")
    (2, 2, None, None)
    """
    core = java_trim(text)
    if _JAVA_INT.match(core) and core == text:
        return int(core)  # Integer.parseInt / Long.parseLong: exact
    if not _JAVA_NUMBER.match(core):
        return None
    number = float(core.rstrip("fFdD"))
    if not math.isfinite(number) or number != math.floor(number):
        return None
    return int(number)


def _in_hard_range(spec: FieldLike, value: int) -> bool:
    hard = spec.hard_schema
    lo, hi = hard.get("minimum"), hard.get("maximum")
    return (lo is None or value >= lo) and (hi is None or value <= hi)


def quoted_integer(spec: FieldLike, value: Any, profile: str) -> int | None:
    """In zstack, the number a node stores for a string sent in an int field (``"2"`` -> 2), or None.

    Such a value is "either way" in zstack (a node may accept it, and then stores the number) and
    must-reject in documented (oracle.md "Must reject"); out of the Java type's range it is
    must-reject in both (a real node answers a plain-text 500 there: a defect).
    """
    if profile != "zstack" or spec.json_type != "integer" or not isinstance(value, str):
        return None
    number = java_whole_number(value)
    return number if number is not None and _in_hard_range(spec, number) else None


def violates_type(spec: FieldLike, value: Any, profile: str) -> bool:
    """True when ``value`` breaks the field's documented type (must reject) in this dialect."""
    if value is None:
        return False  # null is "not given" to Gson (zstack-rest-facts.md "Values")
    if spec.json_type != "integer":
        return False  # strings: numbers are coerced by Gson; everything else is either way
    if isinstance(value, str) and quoted_integer(spec, value, profile) is not None:
        return False  # zstack: a quoted integer passes the REST layer and is stored as the number
    if isinstance(value, bool | str | list | dict):
        return True
    if isinstance(value, float):
        if not math.isfinite(value) or value != math.floor(value):
            return True  # a fraction is a type violation
        value = int(value)  # 5.0: Gson may read it as 5; either way unless out of range
    return not _in_hard_range(spec, value)


def rest_type_error(spec: FieldLike, value: Any) -> bool:
    """True when a zstack node's REST layer refuses ``value`` in this field with its plain-text 400.

    zstack-rest-facts.md "Values": TypeVerifier refuses, in an int/long field, any value whose text is
    not a whole number (a boolean, a fraction, a non-numeric string, an object or a list). A whole
    number beyond the Java type passes it (and then breaks Gson: a plain-text 500).
    """
    if spec.json_type != "integer" or value is None or is_json_int(value):
        return False
    if isinstance(value, float):
        return not math.isfinite(value) or value != math.floor(value)
    if isinstance(value, str):
        return java_whole_number(value) is None
    return True


def beyond_java_type(spec: FieldLike, value: Any) -> bool:
    """True when ``value`` is a whole number outside the int/long field's Java type, however it is sent.

    A JSON integer, a whole float (``2147483648.0``) or a quoted one (``"2147483648"``): each passes
    TypeVerifier's text check and then breaks Gson on a 5.1.20 node (a plain-text 500, zstack-rest-facts.md
    "Values"), so how a fixed node refuses it is unknown (oracle.md "Errors": either form).

    >>> class Cpu:
    ...     json_type, hard_schema = "integer", {"minimum": -2**31, "maximum": 2**31 - 1}
    >>> [beyond_java_type(Cpu, v) for v in (2**31, -2**31 - 1, 2147483648.0, "2147483648", 2**31 - 1, 2.5, True)]
    [True, True, True, True, False, False, False]
    """
    if spec.json_type != "integer" or value is None or isinstance(value, bool):
        return False
    if isinstance(value, str):
        number = java_whole_number(value)
    elif isinstance(value, float):
        number = int(value) if math.isfinite(value) and value == math.floor(value) else None
    elif isinstance(value, int):
        number = value
    else:
        number = None
    return number is not None and not _in_hard_range(spec, number)
