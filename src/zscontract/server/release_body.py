"""``JSONObjectUtil.toObject(body, LinkedHashMap.class)`` as a 5.1.20 node runs it (Gson 2.8.9, lenient).

Part of the ``zstack-5.1.20`` variant (:mod:`zscontract.server.release`, whose docstring says what was
checked against Gson and what stays approximate): an empty document is ``null``; the map adapter reads an
object (``duplicate key`` when a key repeats over a non-null value) or its array form ``[[k, v], ...]``;
anything else throws, and RestServer answers the exception's message as a plain-text 500.
"""

from __future__ import annotations

import json
from typing import Any

from zscontract.server.parsing import JsonFloat, JsonInt
from zscontract.server.restlayer import RestError
from zscontract.server.values import java_text

_WS = " \t\r\n"  # JsonReader's whitespace
_NOT_LITERAL = "{}[]:,\"'/#;=\\"  # what ends or is no unquoted literal for a lenient JsonReader


def fault(text: str) -> RestError:
    """RestServer.handle's catch-all: any throwable is a plain-text 500 with its message."""
    return RestError(500, text)


def read_body(raw: bytes) -> dict[str, Any] | None:
    """``JSONObjectUtil.toObject(body, LinkedHashMap.class)``: ``None`` for no body; raise the 500."""
    text = raw.decode("utf-8", "replace")  # the servlet container's reading: bad bytes become U+FFFD
    if not text.strip(" \t\r\n"):
        return None  # Gson: an empty document is null
    tops: list[list[tuple[str, Any]]] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        tops.append(items)  # the outermost object is decoded last
        return dict(items)

    try:
        value = json.loads(text, parse_int=JsonInt, parse_float=JsonFloat, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        start = len(text) - len(text.lstrip(_WS))
        if exc.pos == start and text[start] not in _NOT_LITERAL:  # lenient Gson: an unquoted string
            raise fault("java.lang.IllegalStateException: Expected BEGIN_OBJECT but was STRING at line 1 column "
                        f"{start + 1} path $") from None
        where = f"at line {exc.lineno} column {exc.colno} path $" + ("." if text.lstrip().startswith("{") else "")
        if not text[exc.pos:].strip(_WS):  # the document ended too early
            raise fault(f"java.io.EOFException: End of input {where}") from None
        reason = exc.msg.replace("Expecting value", "Expected value")
        raise fault(f"com.google.gson.stream.MalformedJsonException: {reason} {where}") from None
    except (ValueError, RecursionError) as exc:
        raise fault(f"com.google.gson.stream.MalformedJsonException: {exc}") from None
    if isinstance(value, dict):
        _no_duplicate(tops[-1])
        return value
    start = len(text) - len(text.lstrip(_WS))
    if isinstance(value, list):
        return _array_form(value, text, start)
    if value is None:
        return None  # Gson's map adapter reads a JSON null as null: the same NPE
    raise fault(f"java.lang.IllegalStateException: Expected BEGIN_OBJECT but was {json_token(value)} at line 1 "
                f"column {_column_after_peek(text, start)} path $")


def _no_duplicate(items: list[tuple[str, Any]]) -> None:
    """MapTypeAdapterFactory: ``if (map.put(key, value) != null) throw duplicate key``."""
    seen: dict[str, Any] = {}
    for key, value in items:
        if seen.get(key) is not None:
            raise fault(f"duplicate key: {key}")
        seen[key] = value


def _array_form(items: list[Any], text: str, start: int) -> dict[str, Any]:
    """Gson's map adapter also reads ``[[key, value], ...]``; anything else in an array throws."""
    out: dict[str, Any] = {}
    for index, item in enumerate(items):
        if not isinstance(item, list):
            column = _column_after_peek(text, _element_start(text, start, index))
            raise fault(f"java.lang.IllegalStateException: Expected BEGIN_ARRAY but was "
                        f"{json_token(item)} at line 1 column {column} path $[{index}]")
        if len(item) < 2:  # ObjectTypeAdapter meets the entry's end: an IllegalStateException without a message
            raise fault("java.lang.IllegalStateException")
        if len(item) > 2:
            third = _element_start(text, _element_start(text, start, index), 2)
            raise fault(f"java.lang.IllegalStateException: Expected END_ARRAY but was {json_token(item[2])} at line 1 "
                        f"column {_column_after_peek(text, third)} path $[{index}][2]")
        if out.get(str(item[0])) is not None:
            raise fault(f"duplicate key: {java_text(item[0])}")
        out[item[0] if isinstance(item[0], str) else java_text(item[0])] = item[1]
    return out


def _element_start(text: str, start: int, index: int) -> int:
    """Where element ``index`` of the (valid) JSON array at ``start`` begins."""
    decoder, pos = json.JSONDecoder(), start + 1
    for _ in range(index):
        pos = decoder.raw_decode(text, len(text) - len(text[pos:].lstrip(_WS)))[1]
        pos = len(text) - len(text[pos:].lstrip(_WS)) + 1  # past the comma
    return len(text) - len(text[pos:].lstrip(_WS))


def _column_after_peek(text: str, start: int) -> int:
    """Gson's column once it has peeked the value at ``start``: past a number or literal (read whole
    when peeked), past the opening quote of a string or the bracket of an object or array."""
    if text[start] in "\"{[":
        return start + 2
    return int(json.JSONDecoder().raw_decode(text, start)[1]) + 1


def json_token(value: Any) -> str:
    """The JsonToken Gson names for a decoded value."""
    if isinstance(value, dict):
        return "BEGIN_OBJECT"
    if isinstance(value, list):
        return "BEGIN_ARRAY"
    return {str: "STRING", bool: "BOOLEAN", type(None): "NULL"}.get(type(value), "NUMBER")
