"""Values as ZStack writes them: UUIDs, Gson dates, integer widths, the conservative text domain."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

# zstackio/zstack utils/.../StringDSL.java isZStackUuid: 32 lower-case hex digits, no dashes.
UUID_RE = re.compile(r"^[0-9a-f]{32}$")
# zstack-rest-facts.md "ErrorCode": letters, a dot, digits (SYS.1007, ID.1001, sdk.1000).
ERROR_CODE_RE = re.compile(r"^[A-Za-z]+\.[0-9]+$")

# Gson's default DateFormat (zstack-rest-facts.md "Values"): JDK 8 writes
# "Nov 25, 2025 11:51:50 AM"; JDK 9+ writes "Nov 25, 2025, 11:51:50\u202fAM".
_JDK8 = re.compile(r"^([A-Z][a-z]{2}) (\d{1,2}), (\d{4}) (\d{1,2}):(\d{2}):(\d{2}) ([AP]M)$")
_JDK9 = re.compile(r"^([A-Z][a-z]{2}) (\d{1,2}), (\d{4}), (\d{1,2}):(\d{2}):(\d{2})[\u202f ]([AP]M)$")
_MONTHS = {m: i for i, m in enumerate(
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], start=1)}


def is_zstack_uuid(value: object) -> bool:
    return isinstance(value, str) and UUID_RE.match(value) is not None


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
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if ampm == "PM" else 0)
        try:
            return datetime(int(year), _MONTHS[mon], int(day), h, int(minute), int(sec))
        except ValueError:
            return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if "T" not in value:
        return None
    return parsed.replace(tzinfo=None) if parsed.tzinfo is None else parsed


def format_gson_date(moment: datetime, *, jdk9: bool = False) -> str:
    """Format a datetime the way Gson's default DateFormat does (JDK 8 or JDK 9+ style)."""
    hour = moment.hour % 12 or 12
    ampm = "AM" if moment.hour < 12 else "PM"
    month = next(m for m, i in _MONTHS.items() if i == moment.month)
    if jdk9:
        return f"{month} {moment.day}, {moment.year}, {hour}:{moment.minute:02d}:{moment.second:02d}\u202f{ampm}"
    return f"{month} {moment.day}, {moment.year} {hour}:{moment.minute:02d}:{moment.second:02d} {ampm}"


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
