"""ZStack's query syntax for ``GET /zstack/v1/ai/model-services``, compiled to parameterised SQL.

The parameters are read as RestServer.handleQueryApi reads them (zstackio/zstack, branch 5.1.20,
``rest/src/main/java/org/zstack/rest/RestServer.java``): ``q`` conditions split at the first operator of
``QUERY_OP_MAPPING`` in its order (so ``!=`` is tried before ``=``), the name trimmed and the value not,
``limit``/``start`` integers, ``count``/``replyWithCount`` booleans, ``sort=[+|-]field``, ``fields=a,b``.
A condition without an operator, or without a key and a value, is RestServer's plain-text 400
(:class:`QueryRestError`). A condition on a field the inventory does not have is the query builder's
argument error, SYS.1007 (:class:`QueryArgumentError`; MysqlQueryBuilderImpl3 "condition name[…] is
invalid, no such field on inventory class[…]").

SQL: column names come only from :data:`QUERYABLE` (a whitelist) and every value is a ``?`` parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from zscontract.server.store import FIELDS
from zscontract.server.values import INT32_MAX, INT32_MIN, java_trim

INVENTORY_CLASS = "org.zstack.ai.entity.ModelServiceInventory"
# RestServer's QUERY_OP_MAPPING, in its order ("an operator contained by another must come after it").
OPERATORS: dict[str, str] = {
    "!=": "!=", ">=": ">=", "<=": "<=", "!?=": "not in", "!~=": "not like", "~=": "like", "?=": "in",
    "=": "=", ">": ">", "<": "<", "is null": "is null", "not null": "is not null",
}
# Queryable inventory fields and their SQL kind (the JSON-typed fields are not primitives).
QUERYABLE: dict[str, str] = {  # the stored columns (store.FIELDS), dates compared as dates
    name: "date" if name in ("createDate", "lastOpDate") else kind for name, kind in FIELDS.items() if kind != "json"
}
_JAVA_INT = re.compile(r"[+-]?[0-9]+")
_SQL_OPS = {"=": "=", "!=": "!=", ">": ">", ">=": ">=", "<": "<", "<=": "<=", "like": "LIKE",
            "not like": "NOT LIKE"}


class QueryRestError(Exception):
    """RestServer's plain-text 400 for a malformed query parameter."""


class QueryArgumentError(Exception):
    """The query API's argument error (503 SYS.1007 in zstack)."""


@dataclass(frozen=True)
class Condition:
    name: str
    op: str                # a QueryOp text: "=", "in", "like", "is null", ...
    value: str | None = None


@dataclass
class QuerySpec:
    """A parsed query (APIQueryMessage's fields)."""

    conditions: list[Condition] = field(default_factory=list)
    limit: int = 1000      # APIQueryMessage's default
    start: int | None = None
    count: bool = False
    reply_with_count: bool = False
    sort_by: str | None = None
    sort_direction: str = "asc"
    fields: list[str] | None = None


def split_whole(text: str, separator: str) -> list[str]:
    """commons-lang ``StringUtils.splitByWholeSeparator(text, separator, 2)``: empty tokens dropped.

    >>> split_whole("a=b=c", "="), split_whole("=abc", "="), split_whole("uuid=", "=")
    (['a', 'b=c'], ['abc'], ['uuid', ''])
    """
    parts: list[str] = []
    begin = end = 0
    while end < len(text):
        end = text.find(separator, begin)
        if end < 0:
            parts.append(text[begin:])
            end = len(text)
        elif end > begin:
            if len(parts) + 1 == 2:
                parts.append(text[begin:])
                end = len(text)
            else:
                parts.append(text[begin:end])
                begin = end + len(separator)
        else:
            begin = end + len(separator)
    return parts


def parse_condition(cond: str) -> Condition:
    """One ``q`` value, as RestServer splits it.

    >>> parse_condition("uuid=abc"), parse_condition("name is null")
    (Condition(name='uuid', op='=', value='abc'), Condition(name='name', op='is null', value=None))
    """
    token = next((t for t in OPERATORS if t in cond), None)
    if token is None:
        raise QueryRestError(f"Invalid query parameter. The '{cond}' in the parameter[q] doesn't contain any "
                             f"query operator. Valid query operators are [{', '.join(OPERATORS)}]")
    op = OPERATORS[token]
    parts = split_whole(cond, token)
    if op in ("is null", "is not null"):
        return Condition(java_trim(parts[0]) if parts else "", op)
    if len(parts) != 2:
        raise QueryRestError(f"Invalid query parameter. The '{cond}' in parameter[q] is not a key-value pair "
                             f"split by {op}")
    return Condition(java_trim(parts[0]), op, parts[1])  # "don't trim the value"


def _java_integer(text: str, name: str) -> int:
    if _JAVA_INT.fullmatch(text) is None or not INT32_MIN <= int(text) <= INT32_MAX:
        raise QueryRestError(f"Invalid query parameter. '{name}' must be an integer")
    return int(text)


def parse_query(params: list[tuple[str, str]]) -> QuerySpec:
    """The query parameters, grouped by name as a servlet's parameter map is (first value wins, except
    for ``q``, whose every value is a condition)."""
    grouped: dict[str, list[str]] = {}
    for key, value in params:
        grouped.setdefault(key, []).append(value)
    spec = QuerySpec()
    for raw_key, values in grouped.items():
        key, value = java_trim(raw_key), java_trim(values[0])
        if key == "limit":
            spec.limit = _java_integer(value, "limit")
        elif key == "start":
            spec.start = _java_integer(value, "start")
        elif key == "count":
            spec.count = value.lower() == "true"  # Boolean.parseBoolean
        elif key == "replyWithCount":
            spec.reply_with_count = value.lower() == "true"
        elif key == "sort":
            spec.sort_direction = "desc" if value.startswith("-") else "asc"
            spec.sort_by = value.lstrip(value[0]) if value[:1] in ("+", "-") else value
        elif "q".startswith(key):  # RestServer's test: "q" and the empty name
            spec.conditions += [parse_condition(cond) for cond in values]
        elif key == "fields":
            spec.fields = [f.strip() for f in value.split(",")]
    return spec


def _column(name: str) -> tuple[str, str]:
    kind = QUERYABLE.get(name)
    if kind is None:
        raise QueryArgumentError(f"condition name[{name}] is invalid, no such field on inventory "
                                 f"class[{INVENTORY_CLASS}]")
    return f'"{name}"', kind


def _sql_value(kind: str, text: str, name: str) -> object:
    """A condition's text as the column's type (the query builder converts it to the field's type)."""
    if kind == "text":
        return text
    if kind == "bool":
        return 1 if text.lower() == "true" else 0
    if kind == "int" and _JAVA_INT.fullmatch(text.strip()):
        return int(text)
    if kind == "date":
        stripped = text.strip()
        if _JAVA_INT.fullmatch(stripped):
            return int(stripped) // 1000  # epoch milliseconds; stored as seconds
        try:
            return int(datetime.fromisoformat(stripped).timestamp())  # Timestamp.valueOf's form
        except ValueError:
            pass
    raise QueryArgumentError(f"the value[{text}] of condition[{name}] is not a valid {kind}")


def where_clause(conditions: list[Condition]) -> tuple[str, list[object]]:
    """``WHERE …`` (or ``""``) and its parameters.

    >>> where_clause([Condition("uuid", "=", "a"), Condition("requestCpu", "in", "1,2")])
    ('WHERE "uuid" = ? AND "requestCpu" IN (?, ?)', ['a', 1, 2])
    """
    parts: list[str] = []
    params: list[object] = []
    for cond in conditions:
        column, kind = _column(cond.name)
        if cond.op in ("is null", "is not null"):
            parts.append(f"{column} IS NULL" if cond.op == "is null" else f"{column} IS NOT NULL")
            continue
        value = cond.value or ""
        if cond.op in ("in", "not in"):
            items = [_sql_value(kind, item, cond.name) for item in value.split(",")]
            marks = ", ".join("?" for _ in items)
            parts.append(f"{column} {'IN' if cond.op == 'in' else 'NOT IN'} ({marks})")
            params += items
        elif cond.op in ("like", "not like"):
            parts.append(f"CAST({column} AS TEXT) {_SQL_OPS[cond.op]} ?")
            params.append(value)
        else:
            parts.append(f"{column} {_SQL_OPS[cond.op]} ?")
            params.append(_sql_value(kind, value, cond.name))
    return ("WHERE " + " AND ".join(parts)) if parts else "", params


def check_fields(spec: QuerySpec) -> None:
    """``fields=a,b`` names primitive inventory fields only (MysqlQueryBuilderImpl3.validateFields)."""
    for name in spec.fields or ():
        if name not in QUERYABLE:
            raise QueryArgumentError(f"field[{name}] is not a primitive of the inventory ModelServiceInventory; you "
                                     f"cannot specify it in the parameter 'fields';valid fields are "
                                     f"[{', '.join(QUERYABLE)}]")


def order_clause(spec: QuerySpec) -> str:
    """``ORDER BY`` the sort field (whitelisted), then creation order."""
    if spec.sort_by is None:
        return "ORDER BY rowid"
    if spec.sort_by not in QUERYABLE:
        raise QueryArgumentError(f"illegal sortBy[{spec.sort_by}], entity[org.zstack.ai.entity.ModelServiceVO] "
                                 "doesn't have this field")
    return f'ORDER BY "{spec.sort_by}" {"DESC" if spec.sort_direction == "desc" else "ASC"}, rowid'
