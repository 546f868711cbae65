"""Values as ZStack writes them: UUIDs, Gson dates, integer widths, the conservative text domain."""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
import uuid as uuid_module
from datetime import datetime
from decimal import Decimal

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

# Every pattern here ends in \Z, never $: Python's $ also matches before a final "\n", so
# "SYS.1007\n" would pass as a code (use .match or .fullmatch; both are then exact).
# zstackio/zstack utils/.../StringDSL.java isZStackUuid: 32 lower-case hex digits, no dashes.
UUID_RE = re.compile(r"^[0-9a-f]{32}\Z")
# zstack-rest-facts.md "ErrorCode": letters, a dot, digits (SYS.1007, ID.1001, sdk.1000).
ERROR_CODE_RE = re.compile(r"^[A-Za-z]+\.[0-9]+\Z")

# Gson's default DateFormat (zstack-rest-facts.md "Values"): JDK 8 writes
# "Nov 25, 2025 11:51:50 AM"; JDK 9-19 "Nov 25, 2025, 11:51:50 AM"; JDK 20+ the same with a
# narrow no-break space (U+202F) before AM/PM. Day 1-31, hour 1-12, minute and second 00-59;
# whether the day exists in that month is left to datetime().
_DAY, _HOUR, _MS = r"([1-9]|[12][0-9]|3[01])", r"([1-9]|1[0-2])", r"([0-5][0-9])"
_JDK8 = re.compile(rf"([A-Z][a-z]{{2}}) {_DAY}, ([0-9]{{4}}) {_HOUR}:{_MS}:{_MS} ([AP]M)\Z")
_JDK9 = re.compile(rf"([A-Z][a-z]{{2}}) {_DAY}, ([0-9]{{4}}), {_HOUR}:{_MS}:{_MS}[\u202f ]([AP]M)\Z")
# RFC 3339 (the Go SDK's time.Time): a full date, "T", a full time, an offset.
_RFC3339 = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
                      r"(?:[Zz]|[+-][0-9]{2}:[0-9]{2})\Z")
_MONTHS = {m: i for i, m in enumerate(
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], start=1)}


def is_zstack_uuid(value: object) -> bool:
    return isinstance(value, str) and UUID_RE.match(value) is not None


def unknown_uuid(resource: str) -> str:
    """A well-formed uuid no model service has, derived from ``resource`` (a seeded run repeats it).

    Version-4 shaped: zstackio/zstack's ``StringDSL.isZStackUuid`` accepts only a version nibble of 1-5
    and a variant of 8-b, so a node looks it up (SYS.1003) rather than refusing its form.

    >>> is_zstack_uuid(unknown_uuid("a" * 32)), unknown_uuid("a" * 32) == unknown_uuid("a" * 32)
    (True, True)
    """
    digest = hashlib.sha256(f"zscontract-probe {resource}".encode()).digest()[:16]
    return uuid_module.UUID(bytes=digest, version=4).hex


def is_error_code(value: object) -> bool:
    return isinstance(value, str) and ERROR_CODE_RE.match(value) is not None


# zstack-rest-facts.md, "Verified later...", "Strings are trimmed by the server": Java's
# String.trim() removes every leading and trailing char whose code point is <= U+0020 (space,
# tab, CR, LF, NUL, the other C0 controls) and nothing else: not U+0085, U+00A0, U+2028, U+3000,
# which Python's str.strip() also removes.
_JAVA_TRIMMED = "".join(chr(c) for c in range(0x21))


def java_trim(s: str) -> str:
    r"""Java's ``String.trim()``: strip code points <= U+0020 at both ends, nothing else.

    >>> java_trim("\x00 a b\t\n"), java_trim("\u3000a\u00a0")
    ('a b', '\u3000a\xa0')
    """
    return s.strip(_JAVA_TRIMMED)


def stored_strings(sent: str, dialect_name: str) -> tuple[str, ...]:
    r"""Every value a sound target may store for a string sent as ``sent``: THE one predictor.

    zstack: its Java trim, exactly (a real node trims every @APIParam String). documented: the page
    is silent, so exactly as sent or its Java trim, nothing else (oracle.md "Round-trip").

    >>> stored_strings(" a\n", "zstack"), stored_strings(" a\n", "documented"), stored_strings("a", "documented")
    (('a',), (' a\n', 'a'), ('a',))
    """
    trimmed = java_trim(sent)
    if dialect_name == "zstack" or trimmed == sent:
        return (trimmed,)
    return (sent, trimmed)


def gson_number_texts(value: bool | int | float) -> tuple[str, ...]:
    """The texts a JSON number or boolean sent in a string field may be stored as: its JSON text, and the
    text Gson gives it on a node. ZStack reads the body into a map with ``ToNumberPolicy.LONG_OR_DOUBLE``
    (zstackio/zstack ``utils/.../gson/JSONObjectUtil.java``), so a number that is no ``long`` becomes a
    ``Double`` and is written again as Java's ``Double.toString`` before the String field reads its text.

    >>> gson_number_texts(-6.270879406245449e16)
    ('-6.270879406245449e+16', '-6.270879406245449E16')
    >>> gson_number_texts(2 ** 64), gson_number_texts(7), gson_number_texts(0.5)
    (('18446744073709551616', '1.8446744073709552E19'), ('7',), ('0.5',))
    """
    text = "true" if value is True else "false" if value is False else str(value) if isinstance(value, int) \
        else repr(value)
    if isinstance(value, bool) or (isinstance(value, int) and -2**63 <= value < 2**63):
        return (text,)
    java = java_double_text(float(value))
    return (text,) if java == text else (text, java)


def java_double_text(x: float) -> str:
    """Java's ``Double.toString``: plain between 10^-3 and 10^7, else ``d.dddE<n>``; the shortest digits.

    >>> [java_double_text(v) for v in (100.0, 1e7, 1e-4, -0.0, 2.5e-3, 1.5e300)]
    ['100.0', '1.0E7', '1.0E-4', '-0.0', '0.0025', '1.5E300']
    """
    if math.isnan(x) or math.isinf(x):
        return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")
    sign = "-" if math.copysign(1.0, x) < 0 else ""
    if x == 0:
        return sign + "0.0"
    exact = Decimal(repr(abs(x))).normalize()
    if 1e-3 <= abs(x) < 1e7:
        plain = format(exact, "f")
        return sign + (plain if "." in plain else plain + ".0")
    _, digits, exponent = exact.as_tuple()
    text = "".join(map(str, digits))
    return f"{sign}{text[0]}.{text[1:] or '0'}E{len(text) - 1 + int(exponent)}"


def parse_zstack_date(value: object) -> datetime | None:
    """Parse a date in either Gson style, or RFC 3339 (the Go SDK accepts it); ``None`` if not a date.

    >>> parse_zstack_date("Nov 25, 2025 11:51:50 AM")
    datetime.datetime(2025, 11, 25, 11, 51, 50)
    >>> parse_zstack_date("Nov 25, 2025, 1:05:00\u202fPM")
    datetime.datetime(2025, 11, 25, 13, 5)
    >>> parse_zstack_date(1764071510000) is None
    True
    """
    if not isinstance(value, str):
        return None
    match = _JDK8.match(value) or _JDK9.match(value)
    if match:
        mon, day, year, hour, minute, sec, ampm = match.groups()
        if mon not in _MONTHS:
            return None
        h = int(hour)
        h = h % 12 + (12 if ampm == "PM" else 0)
        try:
            return datetime(int(year), _MONTHS[mon], int(day), h, int(minute), int(sec))
        except ValueError:
            return None
    if not _RFC3339.match(value):
        return None
    try:
        return datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:  # e.g. month 13, Feb 30, hour 24
        return None


def is_json_int(value: object) -> bool:
    """True for a JSON integer (Python ``int``, not ``bool``)."""
    return isinstance(value, int) and not isinstance(value, bool)


_PRINTABLE_CATEGORIES = ("L", "M", "N", "P", "S")


def is_conservative_char(ch: str, *, multiline: bool) -> bool:
    """A character of the must-accept domain (oracle.md "Three kinds of input").

    Printable BMP characters (categories L, M, N, P, S), the plain space, and tab and
    newline where the field is multi-line (``yaml``, ``description``).
    """
    if ch == " ":
        return True
    if multiline and ch in "\t\n":
        return True
    if ord(ch) > 0xFFFF:
        return False
    return unicodedata.category(ch)[0] in _PRINTABLE_CATEGORIES


def is_conservative_text(text: str, *, multiline: bool) -> bool:
    return all(is_conservative_char(ch, multiline=multiline) for ch in text)
