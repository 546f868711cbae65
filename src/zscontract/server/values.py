"""The server's own small values: Java types, Java's ``String.trim()``, ZStack uuids and Gson dates.

The reference server imports nothing from the harness's core (``zscontract.core``): a bug in shared
value code must not hide on both sides of the fault catalogue. Each helper cites the fact it models
(``../shared/docs/zstack-rest-facts.md``).
"""

from __future__ import annotations

import math
import re
import uuid as uuidlib
from datetime import datetime
from decimal import Decimal
from typing import Any

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

# Double.parseDouble's grammar (FloatingDecimal.readJavaFormatString), after its trim of chars <= U+0020.
_JAVA_DOUBLE = re.compile(
    r"[+-]?(?:NaN|Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFdD]?"
    r"|0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+[fFdD]?)")
_UUID_RE = re.compile(r"[0-9a-f]{32}")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DATE_STYLES = ("jdk8", "jdk9", "jdk20")


def java_trim(text: str) -> str:
    """Java's ``String.trim()``: strip every leading/trailing code point <= U+0020, nothing else.

    Facts, "Strings are trimmed by the server" (APIMessage.validate). Not Python's ``strip()``: U+00A0,
    U+3000 and U+2028 stay; C0 controls such as ``\\x01`` go.

    >>> java_trim("\\x01 a\\u00a0\\n")
    'a\\xa0'
    """
    start, end = 0, len(text)
    while start < end and text[start] <= " ":
        start += 1
    while end > start and text[end - 1] <= " ":
        end -= 1
    return text[start:end]


def new_uuid() -> str:
    """A ZStack uuid: 32 lower-case hex digits, no dashes (facts "Values", StringDSL.isZStackUuid)."""
    return uuidlib.uuid4().hex


def is_zstack_uuid(value: object) -> bool:
    """True for 32 lower-case hex digits (``fullmatch``: a trailing newline does not pass).

    >>> is_zstack_uuid("a" * 32), is_zstack_uuid("a" * 32 + "\\n")
    (True, False)
    """
    return isinstance(value, str) and _UUID_RE.fullmatch(value) is not None


def gson_date(moment: datetime, style: str = "jdk8") -> str:
    """Gson's default ``DateFormat`` of a node running JDK 8, 9-19 or 20+ (facts "Values", Dates).

    >>> gson_date(datetime(2025, 11, 25, 11, 51, 50))
    'Nov 25, 2025 11:51:50 AM'
    >>> gson_date(datetime(2025, 11, 25, 23, 1, 2), "jdk20")
    'Nov 25, 2025, 11:01:02\\u202fPM'
    """
    hour = moment.hour % 12 or 12
    ampm = "AM" if moment.hour < 12 else "PM"
    day = f"{_MONTHS[moment.month - 1]} {moment.day}, {moment.year}"
    clock = f"{hour}:{moment.minute:02d}:{moment.second:02d}"
    if style == "jdk8":
        return f"{day} {clock} {ampm}"
    if style == "jdk9":
        return f"{day}, {clock} {ampm}"
    return f"{day}, {clock}\u202f{ampm}"


def java_double_text(value: float) -> str:
    """``Double.toString``: plain between 10^-3 and 10^7, else ``1.0E20`` style.

    >>> java_double_text(2.5), java_double_text(2.0), java_double_text(1e20), java_double_text(1e-4)
    ('2.5', '2.0', '1.0E20', '1.0E-4')
    """
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        text = repr(float(value))
        return text if "." in text else text + ".0"
    sign, digits, exponent = Decimal(repr(float(value))).as_tuple()
    shown = "".join(map(str, digits)).rstrip("0") or "0"
    power = len(digits) - 1 + int(exponent)
    return f"{'-' if sign else ''}{shown[0]}.{shown[1:] or '0'}E{power}"


def java_text(value: Any) -> str:
    """``Object.toString()`` of what ZStack's Gson (``ToNumberPolicy.LONG_OR_DOUBLE``) decodes.

    RestServer.handleApi hands this text to TypeVerifier (facts "Values": the int check tests the
    value's *text*): a JSON integer is a Long, a number with a fraction a Double, a list ``[a, b]``, an
    object ``{k=v}``.

    >>> java_text(True), java_text([1, "a"]), java_text({"k": None})
    ('true', '[1, a]', '{k=null}')
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if INT64_MIN <= value <= INT64_MAX:
            return str(int(value))
        # Gson reads it as a Double; beyond a double's range (read leniently) that is an infinity
        return java_double_text(float(value) if abs(value) < 2**1024 else math.copysign(math.inf, value))
    if isinstance(value, float):
        return java_double_text(value)
    if isinstance(value, list):
        return "[" + ", ".join(java_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={java_text(v)}" for k, v in value.items()) + "}"
    return str(value)


def java_double(text: str) -> float | None:
    """``Double.parseDouble(text)``, or ``None`` where it throws.

    >>> java_double(" 2d"), java_double("0x1p3"), java_double("1,0"), java_double("-Infinity")
    (2.0, 8.0, None, -inf)
    """
    core = text.strip("".join(chr(c) for c in range(0x21)))
    if not _JAVA_DOUBLE.fullmatch(core):
        return None
    if "x" in core.lower():
        return float.fromhex(core.rstrip("fFdD"))
    return float(core.rstrip("fFdD"))


def low_bits(number: int, bits: int) -> int:
    """Java's narrowing of an integer to ``bits`` (two's complement, the low bits kept)."""
    half: int = 2 ** (bits - 1)
    return (number + half) % (2 * half) - half
