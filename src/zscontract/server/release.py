"""``zstack-5.1.20``: the REST layer of a released ZStack 5.1.20 node, its defects included.

Everything else of the variant is the zstack dialect of this server (async jobs, Java trim, quoted
integers, JDK 8 dates, the ``q=`` query, ErrorCode codes) plus ``no-content-type`` (RestServer never sets
one). This module replaces the sound REST layer's body reading and int check with what zstackio/zstack
branch 5.1.20 does (``rest/src/main/java/org/zstack/rest/RestServer.java`` ``handleNonUniqueApi`` and
``handleApi``, ``rest/.../TypeVerifier.java``, ``utils/.../gson/JSONObjectUtil.java`` with Gson 2.8.9),
in this order:

1. ``JSONObjectUtil.toObject(body, LinkedHashMap.class)``: an empty body gives ``null`` and the
   ``NullPointerException`` of ``m.containsKey`` (a plain-text 500 with an empty text: JDK 8 NPEs have no
   message); a body Gson cannot read, or one that is not an object, throws (500 with the exception's
   message); a repeated top-level key whose earlier value is not ``null`` throws ``duplicate key: k``
   (Gson's ``MapTypeAdapterFactory``). ``[]`` is Gson's array form of a map: an empty map (400, no action).
2. no ``updateModelService`` key: the plain-text 400; then the ``Authorization`` header (400s).
3. ``(Map) parameter``: a string, number, boolean or list under the action key is a
   ``ClassCastException`` (500); ``null`` is an empty update.
4. ``TypeVerifier`` on the int/long fields' text (``Double.parseDouble``, whole): the plain-text 400.
5. ``rehashObject``: the fields written by Gson and read into the message. ``requestCpu`` (``Integer``,
   JSONObjectUtil's adapter: ``getAsLong``, only the upper bound checked, then ``intValue``) and
   ``requestMemory`` (``Long``, ``JsonReader.nextLong``: ``(long) d`` unless it loses precision) as the
   facts page's "Integers beyond their Java type, exactly" says; an infinite double anywhere cannot be
   written (``IllegalArgumentException``, 500); a number in a string field becomes its Java text.

Gson's side was read in google/gson at tag ``gson-parent-2.8.9`` (the version in 5.1.20's ``pom.xml``):
``MapTypeAdapterFactory`` (duplicate keys, the array form), ``JsonReader.nextLong``, ``ToNumberPolicy``,
``LazilyParsedNumber.longValue``, ``JsonPrimitive.getAsLong``, ``Gson.fromJson`` (lenient; an empty
document is ``null``; ``IllegalStateException`` wrapped in ``JsonSyntaxException``, whose message is the
cause's ``toString()``) and ``Gson.checkValidFloatingPoint``.

Uncertain (zstack-rest-facts.md's form: what the source shows, and what it leaves open):

- The model-service message class is not public: ``requestCpu`` is taken as ``Integer`` (JSONObjectUtil's
  adapter is registered for ``Integer.class`` only; an ``int`` field would go through Gson's own adapter,
  which refuses both bounds) and ``requestMemory`` as ``Long`` (the Go SDK's types). Its API checks
  (``requestCpu``/``requestMemory`` at least 1, name limits) are this server's sound rules, so a value
  wrapped or clamped below 1 (``requestMemory`` -2^63-1 becomes -2^63) is refused here as an argument
  error (``503 SYS.1007``, its details naming the stored number), where a node may store it.
- Exception texts are Gson 2.8.9's and JDK 8's (``java.lang.String cannot be cast to java.util.Map``, an
  NPE without a message; JDK 11+ words them otherwise). Every other text and stored value here was compared
  with Gson 2.8.9 built from that tag and driven as RestServer drives it (on JDK 17, about seventy bodies:
  the same answers). Still approximate: a body Python's JSON reader refuses in its middle gets
  ``MalformedJsonException`` with Python's reason (the position is right; Gson's words may differ), and
  line/column counts for bodies with astral characters.
- Gson reads leniently (unquoted names, single quotes, comments, ``NaN``): a body that only lenient Gson
  reads is answered here as one it cannot read (500), which a node may instead take.
- The order of ``TypeVerifier`` over the message's declared fields is taken as requestCpu, requestMemory;
  the other declared fields (booleans among them) are not verified here.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from zscontract.server.parsing import STRING_FIELDS
from zscontract.server.release_body import fault, json_token, read_body
from zscontract.server.restlayer import ACTION_KEY, RestError, no_action_key, zstack_session
from zscontract.server.values import (
    INT32_MAX,
    INT64_MAX,
    INT64_MIN,
    java_double,
    java_double_text,
    java_text,
    low_bits,
)

NAME = "zstack-5.1.20"
_INTEGER_FIELDS = ("requestCpu",)      # java.lang.Integer: JSONObjectUtil's own adapter
_LONG_FIELDS = ("requestMemory",)      # java.lang.Long: Gson's JsonReader.nextLong
_JAVA_LONG = re.compile(r"[+-]?[0-9]+")  # Long.parseLong (ASCII digits: others fail TypeVerifier first)
_JAVA_CLASS = {str: "java.lang.String", bool: "java.lang.Boolean", list: "java.util.ArrayList"}


def read_fields(raw: bytes, headers: Mapping[str, str], path: str) -> tuple[dict[str, Any], str | None]:
    """The update's fields and the session, as a 5.1.20 node reads them; raise :class:`RestError`.

    >>> def answer(raw, headers={"authorization": "OAuth x"}):
    ...     try:
    ...         return read_fields(raw, headers, "/p")
    ...     except RestError as exc:
    ...         return exc.status, exc.text
    >>> answer(b""), answer(b'{"updateModelService": 1}')
    ((500, ''), (500, 'java.lang.Long cannot be cast to java.util.Map'))
    >>> answer(b'{"updateModelService": {"requestCpu": 2147483648}}')
    (500, '2147483648 is Integer overflow, Integer.MAX_VALUE is 2147483647')
    """
    body = read_body(raw)
    if body is None:
        raise fault("")  # NullPointerException on m.containsKey: getMessage() is null, written as ""
    if ACTION_KEY not in body:
        raise no_action_key(path)
    token = zstack_session(headers)
    tags = [body.get("systemTags"), body.get("userTags")]
    fields = body[ACTION_KEY]
    if fields is None:
        fields = {}
    elif not isinstance(fields, dict):
        raise fault(f"{java_class(fields)} cannot be cast to java.util.Map")
    type_verify(fields)
    converted = rehash(fields)
    for tag in tags:  # (List<String>) body.get("systemTags"), after the message is built
        if tag is not None and not isinstance(tag, list):
            raise fault(f"{java_class(tag)} cannot be cast to java.util.List")
    return converted, token


def java_class(value: Any) -> str:
    """The class Gson's ObjectTypeAdapter (``ToNumberPolicy.LONG_OR_DOUBLE``) makes of a JSON value."""
    if isinstance(value, dict):
        return "com.google.gson.internal.LinkedTreeMap"
    if isinstance(value, bool | str | list):
        return _JAVA_CLASS[type(value)]
    if isinstance(value, int) and INT64_MIN <= value <= INT64_MAX:
        return "java.lang.Long"
    return "java.lang.Double"


def type_verify(fields: Mapping[str, Any]) -> None:
    """TypeVerifier.verifyInt on each int/long field's ``toString()``: the plain-text 400."""
    for name in (*_INTEGER_FIELDS, *_LONG_FIELDS):
        value = fields.get(name)
        if value is None:
            continue
        text = gson_text(value)
        number = java_double(text)
        # value != Math.floor(value) refuses: NaN and fractions; an infinity is its own floor and passes
        if number is None or math.isnan(number) or (math.isfinite(number) and number != math.floor(number)):
            raise RestError(400, f"[{name}] field is excepted an int or long, but was [{text}].")


def as_double(value: Any) -> float:
    """The Double Gson's ``LONG_OR_DOUBLE`` makes of a number beyond int64 (leniently: an infinity)."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def gson_text(value: Any) -> str:
    """``toString()`` of what Gson's map holds (a number beyond int64 is a Double)."""
    if isinstance(value, int) and not isinstance(value, bool) and not INT64_MIN <= value <= INT64_MAX:
        return java_double_text(as_double(value))
    return java_text(value)


def rehash(fields: dict[str, Any]) -> dict[str, Any]:
    """``JSONObjectUtil.rehashObject(fields, msgClass)``: the values the message ends up with."""
    _writable(fields)
    out = dict(fields)
    for name, value in fields.items():
        if value is None:
            continue
        if name in _INTEGER_FIELDS:
            out[name] = gson_integer(value)
        elif name in _LONG_FIELDS:
            out[name] = gson_long(name, value, fields)
        elif name in STRING_FIELDS:
            out[name] = gson_string(name, value, fields)
    return out


def _writable(value: Any) -> None:
    """Gson refuses to write NaN or an infinity (no ``serializeSpecialFloatingPointValues``)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and not math.isfinite(as_double(value)):
        raise fault(f"{java_double_text(as_double(value))} is not a valid double value as per JSON specification. To "
                    "override this behavior, use GsonBuilder.serializeSpecialFloatingPointValues() method.")
    if isinstance(value, dict):
        for item in value.values():
            _writable(item)
    elif isinstance(value, list):
        for item in value:
            _writable(item)


def gson_integer(value: Any) -> int:
    """JSONObjectUtil's Integer adapter: ``Long l = getAsLong(); if (l > MAX) throw; l.intValue()``.

    >>> from zscontract.server.parsing import JsonInt
    >>> gson_integer(JsonInt(str(-2**31 - 1))), gson_integer(JsonInt(str(2**64 + 5)))
    (2147483647, 384)
    """
    if isinstance(value, str):
        if not _JAVA_LONG.fullmatch(value) or not INT64_MIN <= int(value) <= INT64_MAX:
            raise fault(f'For input string: "{value}"')  # Long.parseLong on the quoted text
        number = int(value)
    elif isinstance(value, int) and INT64_MIN <= value <= INT64_MAX:
        number = int(value)  # a Long in Gson's map
    else:  # a Double in the map, written as Double.toString: LazilyParsedNumber.longValue via BigDecimal
        number = low_bits(int(Decimal(gson_text(value))), 64)
    if number > INT32_MAX:
        raise fault(f"{number} is Integer overflow, Integer.MAX_VALUE is {INT32_MAX}")
    return low_bits(number, 32)


def gson_long(name: str, value: Any, fields: Mapping[str, Any]) -> int:
    """``JsonReader.nextLong``: parseLong, else ``(long) Double.parseDouble`` unless precision is lost.

    >>> from zscontract.server.parsing import JsonInt
    >>> gson_long("m", JsonInt(str(2**63)), {}), gson_long("m", JsonInt(str(-2**63 - 1)), {})
    (9223372036854775807, -9223372036854775808)
    """
    if isinstance(value, int) and not isinstance(value, bool) and INT64_MIN <= value <= INT64_MAX:
        return int(value)
    text = value if isinstance(value, str) else gson_text(value)
    if isinstance(value, str) and _JAVA_LONG.fullmatch(value) and INT64_MIN <= int(value) <= INT64_MAX:
        return int(value)
    number = java_double(text)
    assert number is not None  # TypeVerifier has read it already
    if math.isnan(number):
        result = 0
    elif math.isinf(number):
        result = INT64_MAX if number > 0 else INT64_MIN
    else:  # Java's (long) cast saturates
        result = max(INT64_MIN, min(INT64_MAX, int(number)))
    if float(result) != number:
        raise fault(f"java.lang.NumberFormatException: Expected a long but was {text}{_location(name, fields)}")
    return result


def gson_string(name: str, value: Any, fields: Mapping[str, Any]) -> Any:
    """Gson's String adapter: a number or boolean becomes its text; an object or list throws."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return gson_text(value)  # what the map held (Long or Double), as Gson wrote it
    if isinstance(value, dict | list):
        raise fault(f"java.lang.IllegalStateException: Expected a string but was {json_token(value)}"
                    f"{_location(name, fields, before=True)}")
    return value


def _location(name: str, fields: Mapping[str, Any], *, before: bool = False) -> str:
    """Gson's `` at line 1 column C path $.name`` on the rehashed text (``before``: at the value's start)."""
    text = "{"
    for key, value in fields.items():
        if value is None:
            continue  # Gson leaves out nulls
        text += ("," if text != "{" else "") + json.dumps(key, ensure_ascii=False) + ":"
        if key == name:
            column = len(text) + (2 if before else len(_written(value)) + 1)
            return f" at line 1 column {column} path $.{name}"
        text += _written(value)
    return f" at line 1 column {len(text) + 1} path $.{name}"


def _written(value: Any) -> str:
    """A value as JSONObjectUtil's Gson writes it (numbers as Java texts)."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | float):
        return gson_text(value)
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + _written(v)
                              for k, v in value.items() if v is not None) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_written(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)
